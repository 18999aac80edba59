"""What the contracts share: changesets of sample records, assertions that explain
themselves without pytest's rewriting, and seeded random data with its reference answers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import attrs

from dialogue_flow import (
    VIETNAM_TZ,
    AnswerMode,
    Channel,
    Dialogue,
    DialogueState,
    NotFoundError,
    Notification,
    Petitioner,
    Submission,
    SubmissionState,
)
from dialogue_flow.storage import (
    Changeset,
    DialogueQuery,
    Record,
    Storage,
    SubmissionQuery,
)

from ._fakes import sample_dialogue, sample_submission, sample_transition

_E = TypeVar("_E", bound=BaseException)
_R = TypeVar("_R", Dialogue, Submission)
_T = TypeVar("_T")


def _new(*records: Record, notes: Sequence[Notification] = ()) -> Changeset:
    """A changeset creating ``records`` with their first audit-trail rows."""
    return Changeset(records=tuple((r, 0) for r in records),
                     transitions=tuple(sample_transition(r, event="create") for r in records),
                     notifications=tuple(notes))


def _next(record: _R, expected: int | None = None, **changes: Any) -> tuple[_R, Changeset]:
    """The next version of ``record`` and the changeset writing it over ``expected``."""
    new = attrs.evolve(record, version=record.version + 1, **changes)
    stored = record.version if expected is None else expected
    return new, Changeset(records=((new, stored),), transitions=(sample_transition(new),))


# --- assertions that explain themselves without pytest's rewriting ----------------------------


def _equal(expected: object, actual: object, what: str) -> None:
    if expected != actual:
        raise AssertionError(f"{what}:\n  expected {expected!r}\n  actual   {actual!r}")


def _true(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def _rng(seed: int) -> random.Random:
    """Reproducible test data, not secrets."""
    return random.Random(seed)  # noqa: S311


def _raises(kind: type[_E], call: Callable[..., object], *args: object, **kwargs: object) -> _E:
    try:
        call(*args, **kwargs)
    except kind as exc:
        return exc
    except BaseException as exc:
        raise AssertionError(f"expected {kind.__name__}, got {type(exc).__name__}: {exc}"
                             ) from exc
    raise AssertionError(f"expected {kind.__name__}; nothing was raised")


def _snapshot(storage: Storage, records: Iterable[Record]) -> list[object]:
    """What a reader can see of ``records`` and of the outbox."""
    seen: list[object] = []
    for r in records:
        try:
            current: object = (storage.get_dialogue(r.id) if isinstance(r, Dialogue)
                               else storage.get_submission(r.id))
        except NotFoundError:
            current = None
        seen += [current, storage.history(r.KIND, r.id)]
    return [*seen, storage.pending_notifications(), storage.outbox_stats()]


# --- random data and queries for the query tests ----------------------------------------------

_ID_FIRST = "ABCXYZabcxyz0189"
_ID_REST = "ABCabz0189._:-"
_DIALOGUE_IDS = ("dlg-1", "dlg-2", "dlg-3", "Dlg.4")
_DEPARTMENTS = ("Địa chính", "Tư pháp", "Kiểm lâm", "Văn hóa - Xã hội")
_WINDOW = dt.date(2021, 7, 1)


def _random_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        candidate = rng.choice(_ID_FIRST) + "".join(
            rng.choice(_ID_REST) for _ in range(rng.randint(0, 6)))
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _maybe(rng: random.Random, values: Sequence[_T]) -> _T | None:
    return None if rng.random() < 0.25 else rng.choice(values)


def _random_due(rng: random.Random) -> dt.date | None:
    return None if rng.random() < 0.3 else _WINDOW + dt.timedelta(days=rng.randint(0, 20))


def _random_submission(rng: random.Random, record_id: str) -> Submission:
    # Some are transferred to another organisation of the store: due-date filters leave
    # them out (SubmissionQuery's docstring).
    return sample_submission(
        record_id, state=rng.choice(list(SubmissionState)),
        dialogue_id=_maybe(rng, _DIALOGUE_IDS), department=_maybe(rng, _DEPARTMENTS),
        due=_random_due(rng), transferred_to=None if rng.random() < 0.8 else "sub-elsewhere")


def _random_dialogue(rng: random.Random, record_id: str) -> Dialogue:
    return sample_dialogue(record_id, state=rng.choice(list(DialogueState)),
                           scheduled_for=_WINDOW + dt.timedelta(days=rng.randint(0, 30)))


def _load(storage: Storage, rng: random.Random, count: int, make: Callable[..., _R],
          ) -> list[_R]:
    """Create ``count`` random records in random id order, then move about half of them on
    (some twice), every indexed field changing; return the current versions."""
    taken: set[str] = set()
    current = [make(rng, _random_id(rng, taken)) for _ in range(count)]
    for record in current:
        storage.commit(_new(record))
    for _round in range(2):
        for i in rng.sample(range(count), count // 3):
            moved = make(rng, current[i].id)
            new = attrs.evolve(moved, version=current[i].version + 1)
            storage.commit(Changeset(records=((new, current[i].version),),
                                     transitions=(sample_transition(new),)))
            current[i] = new
    return current


def _random_date_bound(rng: random.Random) -> dt.date | None:
    return None if rng.random() < 0.6 else _WINDOW + dt.timedelta(days=rng.randint(-2, 32))


def _random_after(rng: random.Random, ids: Sequence[str]) -> str | None:
    roll = rng.random()
    if roll < 0.5:
        return None
    if roll < 0.85:
        return rng.choice(ids)
    return rng.choice(["", "0", "a", "sub", "zzz", "M", "~"])


def _random_limit(rng: random.Random) -> int:
    return rng.choice([0, 1, 2, 3, 7, 50, 1000])


def _random_submission_query(rng: random.Random, ids: Sequence[str]) -> SubmissionQuery:
    states = None if rng.random() < 0.5 else frozenset(
        rng.sample(list(SubmissionState), rng.randint(0, 3)))
    return SubmissionQuery(
        dialogue_id=None if rng.random() < 0.6 else rng.choice([*_DIALOGUE_IDS, "dlg-9"]),
        states=states,
        department=None if rng.random() < 0.6 else rng.choice([*_DEPARTMENTS, "Không có"]),
        due_on_or_before=_random_date_bound(rng), due_on_or_after=_random_date_bound(rng),
        overdue_as_of=_random_date_bound(rng), limit=_random_limit(rng),
        after=_random_after(rng, ids))


def _random_dialogue_query(rng: random.Random, ids: Sequence[str]) -> DialogueQuery:
    states = None if rng.random() < 0.5 else frozenset(
        rng.sample(list(DialogueState), rng.randint(0, 3)))
    return DialogueQuery(states=states, scheduled_from=_random_date_bound(rng),
                         scheduled_to=_random_date_bound(rng), limit=_random_limit(rng),
                         after=_random_after(rng, ids))


def _expected(records: Iterable[_R], query: SubmissionQuery | DialogueQuery) -> list[_R]:
    """The reference answer: ``query.matches``, ordered by id, at most ``limit``."""
    keep: Callable[[Any], bool] = query.matches
    return sorted((r for r in records if keep(r)), key=lambda r: r.id)[:query.limit]


def _single_field_submission_queries(ids: Sequence[str]) -> list[SubmissionQuery]:
    """Every filter on its own, over every value the data has (and a few it has not)."""
    days = [_WINDOW + dt.timedelta(days=n) for n in range(-1, 23)]
    queries = [SubmissionQuery(limit=1000)]
    queries += [SubmissionQuery(dialogue_id=d, limit=1000) for d in [*_DIALOGUE_IDS, "x"]]
    queries += [SubmissionQuery(states=frozenset({s}), limit=1000) for s in SubmissionState]
    queries += [SubmissionQuery(states=frozenset(), limit=1000),
                SubmissionQuery(states=frozenset(SubmissionState), limit=1000)]
    queries += [SubmissionQuery(department=d, limit=1000) for d in [*_DEPARTMENTS, "x"]]
    queries += [SubmissionQuery(due_on_or_before=d, limit=1000) for d in days]
    queries += [SubmissionQuery(due_on_or_after=d, limit=1000) for d in days]
    queries += [SubmissionQuery(overdue_as_of=d, limit=1000) for d in days]
    queries += [SubmissionQuery(after=a, limit=1000) for a in ["", *ids[::7], "~"]]
    queries += [SubmissionQuery(limit=n) for n in (0, 1, 5)]
    return queries


# --- random data and periods for the report tests ---------------------------------------------

_TOPICS = ("đất đai", "môi trường", "giao thông")
_LEVELS = ("UBND tỉnh", "Sở Nông nghiệp và Môi trường")
#: Offsets a reception instant may be written in; reports count by its local date.
_OFFSETS = (VIETNAM_TZ, dt.UTC, dt.timezone(dt.timedelta(hours=-5)),
            dt.timezone(dt.timedelta(hours=9)))
_DAY = dt.timedelta(days=1)


def _random_received_at(rng: random.Random) -> dt.datetime:
    """An instant in the four local days either side of ``_WINDOW``, often a minute from a
    local midnight, in an offset whose date may not be the local one."""
    midnight = dt.datetime.combine(_WINDOW, dt.time(), VIETNAM_TZ)
    if rng.random() < 0.3:
        local = midnight + rng.randint(-3, 3) * _DAY + dt.timedelta(minutes=rng.choice((-1, 0, 1)))
    else:
        local = midnight + dt.timedelta(minutes=rng.randint(-4 * 1440, 4 * 1440))
    return local.astimezone(rng.choice(_OFFSETS))


def _random_reported(rng: random.Random, record_id: str) -> Submission:
    """A submission with everything a report counts drawn at random: state, reception,
    due date, answer, department, channel, topic, competent level and dialogue."""
    state = rng.choice(list(SubmissionState))
    received_at = _random_received_at(rng)
    # Answered and closed ones mostly carry an answer; an open one carries the answer it
    # had before it was reopened (reopening keeps it).
    settled = state in (SubmissionState.ANSWERED, SubmissionState.CLOSED)
    answer: dict[str, Any] = {}
    if rng.random() < (0.8 if settled else 0.15):
        answered_on = received_at.astimezone(VIETNAM_TZ).date() + rng.randint(0, 25) * _DAY
        answer = {"answer": "Đã trả lời.", "answer_mode": rng.choice(list(AnswerMode)),
                  "answered_on": answered_on, "reopened": 0 if settled else 1}
    return sample_submission(
        record_id, state=state, received_at=received_at, due=_random_due(rng),
        dialogue_id=_maybe(rng, _DIALOGUE_IDS), department=_maybe(rng, _DEPARTMENTS),
        topic=rng.choice(_TOPICS), channel=rng.choice(list(Channel)),
        competent_level=_maybe(rng, _LEVELS), petitioner=rng.choice(_PETITIONERS), **answer)


#: A named citizen, an anonymous one and a group: a report counts them apart.
_PETITIONERS = (Petitioner("Nguyễn Văn A"), Petitioner.anonymous(),
                Petitioner(group="Chi hội Nông dân thôn 3", members=12))


def _report_periods(rng: random.Random, count: int) -> list[tuple[dt.date, dt.date]]:
    """June, July, the single days either side of the boundary, the days around it, a
    period holding everything, then ``count`` random periods around ``_WINDOW``."""
    w = _WINDOW
    periods = [(w - 30 * _DAY, w - _DAY), (w, w + 30 * _DAY), (w - _DAY, w - _DAY), (w, w),
               (w - 2 * _DAY, w + 2 * _DAY), (w - 400 * _DAY, w + 400 * _DAY)]
    for _ in range(count):
        start = w + rng.randint(-6, 6) * _DAY
        periods.append((start, start + rng.randint(0, 6) * _DAY))
    return periods


def _due_periods(rng: random.Random, count: int) -> list[tuple[dt.date, dt.date]]:
    """Every due date the data has, none of them, single days, then ``count`` random
    periods over the due dates."""
    w = _WINDOW
    periods = [(w, w + 20 * _DAY), (w - 5 * _DAY, w - _DAY), (w, w), (w + 5 * _DAY, w + 5 * _DAY),
               (w + 20 * _DAY, w + 20 * _DAY), (w - 400 * _DAY, w + 400 * _DAY)]
    for _ in range(count):
        start = w + rng.randint(-3, 22) * _DAY
        periods.append((start, start + rng.randint(0, 7) * _DAY))
    return periods
