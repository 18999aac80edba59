"""The storage contract and the helpers it is built from (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import attrs

from dialogue_flow import (
    VIETNAM_TZ,
    AnswerMode,
    Channel,
    CloseReason,
    ConclusionItem,
    ConclusionNotice,
    Deadline,
    Dialogue,
    DialogueState,
    InvalidInputError,
    NotFoundError,
    Notification,
    Petitioner,
    SkippedDay,
    StorageError,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
    VersionConflictError,
    hookimpl,
)
from dialogue_flow.storage import (
    Changeset,
    DialogueQuery,
    OutboxEntry,
    OutboxStatus,
    Record,
    Storage,
    SubmissionQuery,
)

_E = TypeVar("_E", bound=BaseException)
_R = TypeVar("_R", Dialogue, Submission)
_T = TypeVar("_T")

#: The instant the sample records are created at (the seed's plan, spring 2021).
T0 = dt.datetime(2021, 6, 1, 8, 0, tzinfo=VIETNAM_TZ)


# --- a notifier that keeps what it delivers ---------------------------------------------------


class CapturingNotifier:
    """A ``dialogue_flow_deliver`` plugin that keeps every notification it delivers.

    Register it like any notifier (``load_plugins([notifier])``). Tell it to fail the next
    attempts with :meth:`fail_next` (or ``fail_times=``) to exercise retries and parking;
    a failing attempt raises :class:`ConnectionError`, as a channel that is down would.
    Thread-safe, so dispatchers running in threads may share one.
    """

    #: The channel name the hook returns.
    channel = "capture"

    def __init__(self, *, fail_times: int = 0, error: str = "channel down") -> None:
        self._lock = threading.Lock()
        #: Delivered notifications, in delivery order (repeats included: at least once).
        self.delivered: list[Notification] = []
        #: The recipients each delivery was given, parallel to :attr:`delivered`.
        self.recipients: list[list[str]] = []
        #: Every call, failed ones included.
        self.attempts = 0
        self._failures_left = fail_times
        self._error = error

    def fail_next(self, times: int = 1, error: str | None = None) -> None:
        """Make the next ``times`` deliveries raise :class:`ConnectionError`."""
        with self._lock:
            self._failures_left = times
            if error is not None:
                self._error = error

    @property
    def keys(self) -> list[str]:
        """The keys of :attr:`delivered`, in order."""
        with self._lock:
            return [note.key for note in self.delivered]

    def clear(self) -> None:
        """Forget every delivery and attempt (failures still scheduled stay scheduled)."""
        with self._lock:
            self.delivered.clear()
            self.recipients.clear()
            self.attempts = 0

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str],
                              ) -> str:
        with self._lock:
            self.attempts += 1
            if self._failures_left > 0:
                self._failures_left -= 1
                raise ConnectionError(self._error)
            self.delivered.append(notification)
            self.recipients.append(list(recipients))
        return self.channel

    def __repr__(self) -> str:
        return f"CapturingNotifier(delivered={len(self.delivered)}, attempts={self.attempts})"


# --- sample records ---------------------------------------------------------------------------


def sample_dialogue(dialogue_id: str = "dlg-0001", *, version: int = 1,
                    state: DialogueState | str = DialogueState.PLANNED,
                    scheduled_for: dt.date = dt.date(2021, 6, 17), **fields: Any) -> Dialogue:
    """A valid :class:`Dialogue`; ``fields`` override any other attribute."""
    values: dict[str, Any] = {
        "id": dialogue_id, "title": "Đối thoại quý II/2021", "scheduled_for": scheduled_for,
        "state": state, "version": version, "created_at": T0, "updated_at": T0,
        "announce_by": _deadline(scheduled_for - dt.timedelta(days=7), "announcement"),
    }
    return Dialogue(**{**values, **fields})


def sample_submission(submission_id: str = "sub-0001", *, version: int = 1,
                      state: SubmissionState | str = SubmissionState.RECEIVED,
                      dialogue_id: str | None = None, department: str | None = None,
                      due: dt.date | None = None, **fields: Any) -> Submission:
    """A valid :class:`Submission`; ``due`` is the due date, ``fields`` override the rest."""
    values: dict[str, Any] = {
        "id": submission_id, "petitioner": Petitioner(name="Nguyễn Văn A"),
        "topic": "đất đai", "content": "Chậm cấp giấy chứng nhận quyền sử dụng đất.",
        "state": state, "version": version, "received_at": T0, "updated_at": T0,
        "dialogue_id": dialogue_id, "department": department,
        "due": None if due is None else _deadline(due, "written-answer"),
    }
    return Submission(**{**values, **fields})


def sample_transition(record: Record, *, event: str = "test", source: str | None = None,
                      version: int | None = None) -> TransitionRecord:
    """The audit-trail row of ``record``'s current version (or of ``version``)."""
    return TransitionRecord(
        kind=record.KIND, record_id=record.id,
        version=record.version if version is None else version, event=event, source=source,
        dest=str(record.state), actor_id="tester", at=T0, details={"why": "contract"})


def sample_notification(key: str, *, record_id: str = "sub-0001",
                        created_at: dt.datetime = T0) -> Notification:
    """A notification with the given idempotency ``key``."""
    return Notification(
        key=key, event="received", kind=Submission.KIND, record_id=record_id,
        audience="petitioner", subject=f"Đã tiếp nhận ý kiến {record_id}",
        body="Ý kiến của ông/bà đã được tiếp nhận.", language="vi", created_at=created_at,
        data={"key": key})


def _deadline(day: dt.date, rule: str) -> Deadline:
    return Deadline(date=day, rule_id=rule, anchor=day - dt.timedelta(days=10),
                    basis="Kế hoạch, mục II.2.7", calendar="test",
                    skipped=(SkippedDay(day - dt.timedelta(days=3), "Chủ nhật"),))


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


def _held(settled: bool, what: str) -> None:
    """The worker held the lease: ``mark_*`` returned True."""
    _equal(True, settled, what)  # noqa: FBT003 - the value compared


def _lost(settled: bool, what: str) -> None:
    """The worker did not hold the lease: ``mark_*`` returned False and changed nothing."""
    _equal(False, settled, what)  # noqa: FBT003 - the value compared


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
    return sample_submission(
        record_id, state=rng.choice(list(SubmissionState)),
        dialogue_id=_maybe(rng, _DIALOGUE_IDS), department=_maybe(rng, _DEPARTMENTS),
        due=_random_due(rng))


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


# --- the contract -----------------------------------------------------------------------------


class StorageContract:
    """The behaviour every :class:`~dialogue_flow.Storage` backend must show.

    Subclass it in a test module (the subclass's name must start with ``Test``) and
    provide a function-scoped ``storage`` fixture yielding a fresh, empty backend. Every
    ``test_*`` method takes that fixture. The reference semantics of queries are
    :meth:`SubmissionQuery.matches` and :meth:`DialogueQuery.matches`; the reference
    backend is :class:`~dialogue_flow.MemoryStorage`.
    """

    #: Seeds of the generated data sets; override to run more.
    query_seeds: Sequence[int] = (1, 2, 3)
    #: Random queries checked per seed.
    queries_per_seed = 150

    # --- reading and writing records ----------------------------------------------------------

    def test_get_missing_dialogue_raises_not_found(self, storage: Storage) -> None:
        """An unknown dialogue id is NotFoundError (also a KeyError), naming the id."""
        error = _raises(NotFoundError, storage.get_dialogue, "dlg-missing")
        _equal(("dialogue", "dlg-missing"), (error.kind, error.record_id), "error names it")
        _true(isinstance(error, KeyError), "NotFoundError is a KeyError")

    def test_get_missing_submission_raises_not_found(self, storage: Storage) -> None:
        """An unknown submission id is NotFoundError."""
        error = _raises(NotFoundError, storage.get_submission, "sub-missing")
        _equal(("submission", "sub-missing"), (error.kind, error.record_id), "error names it")

    def test_kinds_do_not_mix(self, storage: Storage) -> None:
        """A dialogue and a submission may share an id; each is found under its own kind."""
        storage.commit(_new(sample_dialogue("same-1")))
        _raises(NotFoundError, storage.get_submission, "same-1")
        storage.commit(_new(sample_submission("same-1")))
        _equal("same-1", storage.get_dialogue("same-1").id, "the dialogue")
        _equal(1, len(storage.history("submission", "same-1")), "the submission's history")

    def test_insert_and_read_back_equal(self, storage: Storage) -> None:
        """Every field survives the round trip: nested records, Vietnamese text, dates."""
        dialogue = sample_dialogue(
            "dlg-0001", state=DialogueState.CONCLUDED, venue="Hội trường UBND xã",
            chair="bt", secretary="tk", invited_departments=("Địa chính", "Kiểm lâm"),
            topics=("đất đai", "bảo vệ rừng"), expected_attendance=90, actual_attendance=94,
            announced_on=dt.date(2021, 6, 8), held_on=dt.date(2021, 6, 17),
            conclusion_due=_deadline(dt.date(2021, 6, 28), "conclusion-notice"),
            conclusion=ConclusionNotice(
                issued_on=dt.date(2021, 6, 25), issued_by="bt", late=True,
                items=(ConclusionItem("sub-0001", SubmissionState.ASSIGNED, "Địa chính",
                                      dt.date(2021, 8, 6)),)))
        submission = sample_submission(
            "sub-0001", state=SubmissionState.CLOSED, dialogue_id="dlg-0001",
            department="Địa chính", due=dt.date(2021, 8, 6),
            petitioner=Petitioner(name="Trần Thị B", address="Thôn 3", phone="0912345678",
                                  email="b@example.vn"),
            kind=SubmissionKind.QUESTION, channel=Channel.WRITTEN, preparing_department="VP",
            competent_level="UBND huyện", complex=True, assigned_on=dt.date(2021, 6, 25),
            answer="Đã cấp giấy chứng nhận.", answer_mode=AnswerMode.IN_WRITING,
            answered_on=dt.date(2021, 7, 20), close_reason=CloseReason.ACCEPTED,
            extensions=1, reopened=2,
            updated_at=dt.datetime(2021, 7, 20, 1, 2, 3, 456789, tzinfo=dt.UTC))
        storage.commit(_new(dialogue, submission))
        _equal(dialogue, storage.get_dialogue("dlg-0001"), "dialogue read back")
        _equal(submission, storage.get_submission("sub-0001"), "submission read back")
        _equal([sample_transition(submission, event="create")],
               storage.history("submission", "sub-0001"), "history read back")

    def test_update_replaces_the_current_version(self, storage: Storage) -> None:
        """A compare-and-set on the stored version writes the new record."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        second, changes = _next(first, state=SubmissionState.ASSIGNED, department="Tư pháp",
                                due=_deadline(dt.date(2021, 7, 9), "written-answer"))
        storage.commit(changes)
        _equal(second, storage.get_submission("sub-0001"), "the new version")

    def test_a_record_may_skip_versions(self, storage: Storage) -> None:
        """Versions only have to match on the stored side (a command may add two rows)."""
        first = sample_dialogue("dlg-0001")
        storage.commit(_new(first))
        jumped = attrs.evolve(first, version=3, state=DialogueState.ANNOUNCED)
        storage.commit(Changeset(records=((jumped, 1),), transitions=(
            sample_transition(jumped, version=2), sample_transition(jumped))))
        _equal(3, storage.get_dialogue("dlg-0001").version, "stored version")
        _equal([1, 2, 3], [r.version for r in storage.history("dialogue", "dlg-0001")],
               "history versions")

    # --- conflicts and atomicity --------------------------------------------------------------

    def test_stale_update_is_a_version_conflict(self, storage: Storage) -> None:
        """Two writers read version 1; the second to commit gets a conflict and changes
        nothing."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        winner, changes = _next(first, state=SubmissionState.ASSIGNED, department="A")
        _loser, late = _next(first, state=SubmissionState.ESCALATED, department="B")
        storage.commit(changes)
        error = _raises(VersionConflictError, storage.commit, late)
        _equal(("submission", "sub-0001", 1, 2),
               (error.kind, error.record_id, error.expected, error.actual), "the conflict")
        _equal(winner, storage.get_submission("sub-0001"), "the winner's record")
        _equal([1, 2], [r.version for r in storage.history("submission", "sub-0001")],
               "one history row per version")

    def test_duplicate_insert_is_a_version_conflict(self, storage: Storage) -> None:
        """Creating an id that exists (expected version 0) is a conflict, not an overwrite."""
        original = sample_submission("sub-0001", topic="gốc")
        storage.commit(_new(original))
        error = _raises(VersionConflictError, storage.commit,
                        _new(sample_submission("sub-0001", topic="bản sao")))
        _equal((0, 1), (error.expected, error.actual), "expected/actual")
        _equal(original, storage.get_submission("sub-0001"), "the original is kept")

    def test_update_of_a_missing_record_is_a_version_conflict(self, storage: Storage) -> None:
        """Expecting version 1 of a record that does not exist: conflict with actual None."""
        _new_version, changes = _next(sample_dialogue("dlg-0001"))
        error = _raises(VersionConflictError, storage.commit, changes)
        _equal((1, None), (error.expected, error.actual), "expected/actual")
        _raises(NotFoundError, storage.get_dialogue, "dlg-0001")

    def test_failed_commit_writes_nothing(self, storage: Storage) -> None:
        """One stale record among several: no record, audit row or outbox row is kept."""
        kept = sample_submission("sub-0001")
        stale = sample_submission("sub-0002")
        storage.commit(_new(kept, stale, notes=[sample_notification("n-0")]))
        _advanced, moved_on = _next(stale)
        storage.commit(moved_on)
        before = _snapshot(storage, [kept, stale, sample_dialogue("dlg-new")])
        newer_kept, _ = _next(kept, state=SubmissionState.ASSIGNED, department="Tư pháp",
                              due=_deadline(dt.date(2021, 7, 9), "written-answer"))
        newer_stale, _ = _next(stale)
        created = sample_dialogue("dlg-new")
        changes = Changeset(
            records=((created, 0), (newer_kept, 1), (newer_stale, 1)),
            transitions=(sample_transition(created), sample_transition(newer_kept),
                         sample_transition(newer_stale)),
            notifications=(sample_notification("n-1"), sample_notification("n-2")))
        _raises(VersionConflictError, storage.commit, changes)
        _equal(before, _snapshot(storage, [kept, stale, created]), "state after the conflict")
        _equal([], storage.find_submissions(SubmissionQuery(department="Tư pháp")),
               "queries do not see the rolled-back write")

    def test_failed_commit_leaves_outbox_keys_free(self, storage: Storage) -> None:
        """The notification keys of a rolled-back commit can be used by its retry."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        _, stale = _next(first, expected=7)
        _raises(VersionConflictError, storage.commit,
                attrs.evolve(stale, notifications=(sample_notification("retry-me"),)))
        _, fresh = _next(first)
        storage.commit(attrs.evolve(fresh, notifications=(sample_notification("retry-me"),)))
        _equal(["retry-me"], [n.key for n in storage.pending_notifications()], "pending keys")

    def test_guard_on_an_unchanged_record_passes(self, storage: Storage) -> None:
        """A guard on the version read lets the commit through."""
        dialogue = sample_dialogue("dlg-0001")
        storage.commit(_new(dialogue))
        sub = sample_submission("sub-0001", dialogue_id="dlg-0001")
        storage.commit(attrs.evolve(_new(sub), guards=(("dialogue", "dlg-0001", 1),)))
        _equal(sub, storage.get_submission("sub-0001"), "written under the guard")

    def test_stale_guard_is_a_conflict_and_writes_nothing(self, storage: Storage) -> None:
        """A guarded record that moved on refuses the whole commit."""
        dialogue = sample_dialogue("dlg-0001")
        storage.commit(_new(dialogue))
        storage.commit(_next(dialogue, state=DialogueState.ANNOUNCED)[1])
        sub = sample_submission("sub-0001", dialogue_id="dlg-0001")
        changes = attrs.evolve(_new(sub, notes=[sample_notification("n-1")]),
                               guards=(("dialogue", "dlg-0001", 1),))
        error = _raises(VersionConflictError, storage.commit, changes)
        _equal(("dialogue", "dlg-0001", 1, 2),
               (error.kind, error.record_id, error.expected, error.actual), "the conflict")
        _raises(NotFoundError, storage.get_submission, "sub-0001")
        _equal([], storage.history("submission", "sub-0001"), "no audit row")
        _equal([], storage.pending_notifications(), "no outbox row")

    def test_guard_on_a_missing_record_is_a_conflict(self, storage: Storage) -> None:
        """A guard on a record that does not exist fails with actual None."""
        error = _raises(VersionConflictError, storage.commit, attrs.evolve(
            _new(sample_submission("sub-0001")), guards=(("dialogue", "dlg-0009", 1),)))
        _equal((1, None), (error.expected, error.actual), "expected/actual")
        _raises(NotFoundError, storage.get_submission, "sub-0001")

    def test_repeated_audit_row_is_refused(self, storage: Storage) -> None:
        """The audit trail has one row per (kind, id, version): a repeat is a StorageError
        and nothing of the commit is written."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        second, changes = _next(first)
        repeat = attrs.evolve(changes, transitions=(sample_transition(second),
                                                    sample_transition(first)))
        _raises(StorageError, storage.commit, repeat)
        _equal(first, storage.get_submission("sub-0001"), "record unchanged")
        _equal(1, len(storage.history("submission", "sub-0001")), "history unchanged")

    def test_concurrent_writers_exactly_one_wins(self, storage: Storage) -> None:
        """Eight threads commit the same version; one wins, seven get a conflict."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        barrier = threading.Barrier(8)
        outcomes: list[str] = []

        def write(n: int) -> None:
            _, changes = _next(first, department=f"D{n}")
            changes = attrs.evolve(changes, notifications=(sample_notification(f"w{n}"),))
            barrier.wait(timeout=10)
            try:
                storage.commit(changes)
                outcomes.append("won")
            except VersionConflictError:
                outcomes.append("conflict")

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        _equal(["conflict"] * 7 + ["won"], sorted(outcomes), "outcomes")
        winner = storage.get_submission("sub-0001")
        _equal(2, winner.version, "one new version")
        _equal([f"w{str(winner.department)[1:]}"],
               [n.key for n in storage.pending_notifications()], "only the winner's outbox")

    # --- history -------------------------------------------------------------------------------

    def test_history_is_oldest_first(self, storage: Storage) -> None:
        """Rows come back in version order, across many commits."""
        record = sample_submission("sub-0001")
        storage.commit(_new(record))
        for state in ("assigned", "escalated", "assigned", "answered", "closed"):
            record, changes = _next(record, state=SubmissionState(state))
            storage.commit(changes)
        rows = storage.history("submission", "sub-0001")
        _equal(list(range(1, 7)), [r.version for r in rows], "versions")
        _equal(["received", "assigned", "escalated", "assigned", "answered", "closed"],
               [r.dest for r in rows], "destinations")

    def test_history_of_an_unknown_record_is_empty(self, storage: Storage) -> None:
        """No rows, no error."""
        _equal([], storage.history("submission", "nobody"), "history")

    # --- queries ------------------------------------------------------------------------------

    def test_every_submission_filter_alone_matches_the_reference(self, storage: Storage,
                                                                  ) -> None:
        """Each SubmissionQuery field, over every value in the data, gives what
        ``SubmissionQuery.matches`` gives, ordered by id."""
        records = _load(storage, _rng(0), 80, _random_submission)
        ids = sorted(r.id for r in records)
        for query in _single_field_submission_queries(ids):
            _equal(_expected(records, query), storage.find_submissions(query), repr(query))

    def test_random_submission_queries_match_the_reference(self, storage: Storage) -> None:
        """Random combinations of every field (seeded; the message names seed and query)."""
        records: list[Submission] = []
        for seed in self.query_seeds:
            rng = _rng(seed)
            records = records or _load(storage, rng, 60, _random_submission)
            ids = sorted(r.id for r in records)
            for _ in range(self.queries_per_seed):
                query = _random_submission_query(rng, ids)
                _equal(_expected(records, query), storage.find_submissions(query),
                       f"seed {seed}: {query!r}")

    def test_random_dialogue_queries_match_the_reference(self, storage: Storage) -> None:
        """Every DialogueQuery field, alone and combined, against ``DialogueQuery.matches``."""
        records = _load(storage, _rng(7), 50, _random_dialogue)
        ids = sorted(r.id for r in records)
        days = [_WINDOW + dt.timedelta(days=n) for n in range(-1, 32)]
        queries = [DialogueQuery(limit=1000), DialogueQuery(states=frozenset(), limit=9)]
        queries += [DialogueQuery(states=frozenset({s})) for s in DialogueState]
        queries += [DialogueQuery(scheduled_from=d) for d in days]
        queries += [DialogueQuery(scheduled_to=d) for d in days]
        for seed in self.query_seeds:
            rng = _rng(seed)
            queries += [_random_dialogue_query(rng, ids) for _ in range(self.queries_per_seed)]
        for query in queries:
            _equal(_expected(records, query), storage.find_dialogues(query), repr(query))

    def test_paging_returns_every_match_once(self, storage: Storage) -> None:
        """Walking pages with ``after`` = the last id yields each match exactly once, in id
        order, for every page size."""
        records = _load(storage, _rng(11), 70, _random_submission)
        for states in (None, frozenset({SubmissionState.ASSIGNED, SubmissionState.CLOSED})):
            everything = _expected(records, SubmissionQuery(states=states, limit=10_000))
            for size in (1, 2, 3, 10, 69, 70, 71):
                seen: list[Submission] = []
                after = None
                while True:
                    page = storage.find_submissions(SubmissionQuery(states=states,
                                                                    limit=size, after=after))
                    _true(len(page) <= size, f"page of {len(page)} > limit {size}")
                    seen += page
                    if len(page) < size:
                        break
                    after = page[-1].id
                _equal(everything, seen, f"pages of {size} over states={states}")

    def test_queries_see_the_current_version_only(self, storage: Storage) -> None:
        """After an update, the record is found under its new values and not its old ones."""
        first = sample_submission("sub-0001", state=SubmissionState.ASSIGNED,
                                  dialogue_id="dlg-1", department="Địa chính",
                                  due=dt.date(2021, 7, 1))
        storage.commit(_new(first))
        second, changes = _next(first, state=SubmissionState.ESCALATED, dialogue_id="dlg-2",
                                department="Tư pháp",
                                due=_deadline(dt.date(2021, 7, 20), "written-answer"))
        storage.commit(changes)
        for old in (SubmissionQuery(department="Địa chính"), SubmissionQuery(dialogue_id="dlg-1"),
                    SubmissionQuery(states=frozenset({SubmissionState.ASSIGNED})),
                    SubmissionQuery(due_on_or_before=dt.date(2021, 7, 10))):
            _equal([], storage.find_submissions(old), f"old values: {old!r}")
        for new in (SubmissionQuery(department="Tư pháp"), SubmissionQuery(dialogue_id="dlg-2"),
                    SubmissionQuery(states=frozenset({SubmissionState.ESCALATED})),
                    SubmissionQuery(due_on_or_after=dt.date(2021, 7, 20)),
                    SubmissionQuery(overdue_as_of=dt.date(2021, 7, 21))):
            _equal([second], storage.find_submissions(new), f"new values: {new!r}")

    # --- the outbox -----------------------------------------------------------------------------

    def test_pending_notifications_oldest_first(self, storage: Storage) -> None:
        """Rows come back in commit order, within a commit in the given order."""
        storage.commit(_new(sample_submission("sub-0002"),
                            notes=[sample_notification("b"), sample_notification("a")]))
        storage.commit(_new(sample_submission("sub-0001"), notes=[sample_notification("0")]))
        _equal(["b", "a", "0"], [n.key for n in storage.pending_notifications()], "keys")
        _equal(sample_notification("b"), storage.pending_notifications()[0], "read back")
        _equal({"pending": 3, "delivered": 0, "parked": 0}, storage.outbox_stats(), "stats")

    def test_duplicate_key_in_a_later_commit_is_ignored(self, storage: Storage) -> None:
        """The first notification with a key stays; the repeat is skipped without error and
        the rest of that commit is written."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first, notes=[sample_notification("k")]))
        second, changes = _next(first)
        repeat = attrs.evolve(sample_notification("k"), subject="lặp lại")
        storage.commit(attrs.evolve(changes, notifications=(repeat, sample_notification("k2"))))
        _equal(second, storage.get_submission("sub-0001"), "the commit was written")
        _equal([sample_notification("k"), sample_notification("k2")],
               storage.pending_notifications(), "outbox")

    def test_duplicate_key_within_one_commit_keeps_the_first(self, storage: Storage) -> None:
        """Two notifications with one key in one changeset: the first is kept."""
        storage.commit(_new(sample_submission("sub-0001"), notes=[
            sample_notification("k"), attrs.evolve(sample_notification("k"), subject="2")]))
        _equal([sample_notification("k")], storage.pending_notifications(), "outbox")

    def test_duplicate_key_of_a_delivered_row_is_ignored(self, storage: Storage) -> None:
        """A key already delivered is not queued again (a retried command notifies once)."""
        storage.commit(_new(sample_submission("sub-0001"), notes=[sample_notification("k")]))
        [entry] = storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _true(storage.mark_delivered(entry.key, "w1"), "delivered")
        storage.commit(_new(sample_submission("sub-0002"), notes=[sample_notification("k")]))
        _equal([], storage.pending_notifications(), "nothing pending")
        _equal({"pending": 0, "delivered": 1, "parked": 0}, storage.outbox_stats(), "stats")

    def test_commit_returns_the_number_of_new_notifications(self, storage: Storage) -> None:
        """``commit`` returns how many of its notifications the outbox did not hold yet."""
        added = storage.commit(_new(sample_submission("sub-0001"), notes=[
            sample_notification("a"), sample_notification("b"), sample_notification("c")]))
        _true(type(added) is int, f"commit returns an int, got {added!r}")
        _equal(3, added, "three new keys")
        _equal(1, storage.commit(_new(sample_submission("sub-0002"),
                                      notes=[sample_notification("d")])), "one new key")

    def test_commit_without_notifications_returns_zero(self, storage: Storage) -> None:
        """A changeset with no notifications (records, audit rows, guards) counts 0."""
        dialogue = sample_dialogue("dlg-0001")
        _equal(0, storage.commit(_new(dialogue)), "a new record")
        submission = sample_submission("sub-0001", dialogue_id="dlg-0001")
        _equal(0, storage.commit(Changeset(
            records=((submission, 0),), transitions=(sample_transition(submission),),
            guards=(("dialogue", "dlg-0001", 1),))), "a guarded new record")
        _, changes = _next(submission)
        _equal(0, storage.commit(changes), "an update")

    def test_commit_does_not_count_keys_already_in_the_outbox(self, storage: Storage) -> None:
        """Keys from an earlier commit are skipped and not counted; the new ones are."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first, notes=[sample_notification("k1"), sample_notification("k2")]))
        _, changes = _next(first)
        _equal(1, storage.commit(attrs.evolve(changes, notifications=(
            sample_notification("k2"), sample_notification("k3"), sample_notification("k1")))),
            "one new key among repeats")
        only_repeats = Changeset(records=(), notifications=(
            sample_notification("k1"), sample_notification("k2"), sample_notification("k3")))
        _equal(0, storage.commit(only_repeats), "only repeated keys")
        _equal(["k1", "k2", "k3"], [n.key for n in storage.pending_notifications()],
               "pending keys")

    def test_the_same_notices_committed_twice_count_once(self, storage: Storage) -> None:
        """Notices alone (as a sweep commits them): the second commit of the same changeset
        counts 0, one notice or several."""
        for keys in (["n1"], ["n2", "n3", "n4"]):
            changes = Changeset(records=(), notifications=tuple(
                sample_notification(key) for key in keys))
            _equal(len(keys), storage.commit(changes), f"first commit of {keys}")
            _equal(0, storage.commit(changes), f"second commit of {keys}")
        _equal(4, sum(storage.outbox_stats().values()), "outbox rows")

    def test_a_key_repeated_within_one_commit_counts_once(self, storage: Storage) -> None:
        """Two notifications with one key in one changeset: one row, counted once."""
        _equal(2, storage.commit(Changeset(records=(), notifications=(
            sample_notification("k"), attrs.evolve(sample_notification("k"), subject="2"),
            sample_notification("j")))), "count")
        _equal(1, storage.commit(Changeset(records=(), notifications=(
            sample_notification("m"), sample_notification("m")))), "one key twice")

    def test_a_delivered_key_is_not_counted_again(self, storage: Storage) -> None:
        """A key delivered, or leased to a worker, is still in the outbox: not counted."""
        _queue(storage, "d", "p")
        claimed = storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _equal(["d", "p"], [entry.key for entry in claimed], "claimed")
        _held(storage.mark_delivered("d", "w1"), "delivered")
        _equal(0, storage.commit(Changeset(records=(), notifications=(
            sample_notification("d"), sample_notification("p")))), "count")

    def test_claim_leases_oldest_first(self, storage: Storage) -> None:
        """A claim returns at most ``limit`` rows, oldest first, leased to the worker, with
        the attempt counted."""
        _queue(storage, "a", "b", "c")
        lease = dt.timedelta(minutes=5)
        claimed = storage.claim_notifications("w1", T0, lease, 2)
        _equal([OutboxEntry(sample_notification(k), OutboxStatus.PENDING, 1, None, "w1",
                            T0 + lease, None) for k in ("a", "b")], claimed, "claimed entries")
        _equal(["c"], [e.key for e in storage.claim_notifications("w2", T0, lease, 10)],
               "the next worker gets the rest")
        _equal(["a", "b", "c"], [n.key for n in storage.pending_notifications()],
               "leased rows are still pending")

    def test_a_valid_lease_is_never_claimed_twice(self, storage: Storage) -> None:
        """Until ``lease_until``, no other worker (nor the same one) gets the row."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=5)
        storage.claim_notifications("w1", T0, lease, 10)
        almost = T0 + lease - dt.timedelta(microseconds=1)
        _equal([], storage.claim_notifications("w2", almost, lease, 10), "other worker")
        _equal([], storage.claim_notifications("w1", almost, lease, 10), "same worker")

    def test_an_expired_lease_can_be_claimed_again(self, storage: Storage) -> None:
        """At ``lease_until`` the row is free: the new worker holds it, the old one cannot
        settle it any more."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=5)
        storage.claim_notifications("w1", T0, lease, 10)
        later = T0 + lease
        [again] = storage.claim_notifications("w2", later, lease, 10)
        _equal((2, "w2", later + lease), (again.attempts, again.lease_owner, again.lease_until),
               "attempts, owner, lease")
        _lost(storage.mark_delivered("a", "w1"), "the old worker lost it")
        _lost(storage.mark_failed("a", "w1", "late", None), "nor can it fail it")
        _held(storage.mark_delivered("a", "w2"), "the new worker settles it")

    def test_an_expired_lease_not_reclaimed_can_still_be_settled(self, storage: Storage,
                                                                  ) -> None:
        """A slow worker whose lease ran out, with nobody else taking over, still records
        its delivery."""
        _queue(storage, "a")
        storage.claim_notifications("w1", T0, dt.timedelta(seconds=1), 10)
        _held(storage.mark_delivered("a", "w1"), "settled")
        _equal({"pending": 0, "delivered": 1, "parked": 0}, storage.outbox_stats(), "stats")

    def test_delivered_rows_are_never_claimed_again(self, storage: Storage) -> None:
        """mark_delivered ends the row's life: not pending, not claimable, counted."""
        _queue(storage, "a", "b")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _held(storage.mark_delivered("a", "w1"), "first mark")
        _lost(storage.mark_delivered("a", "w1"), "a second mark changes nothing")
        _equal(["b"], [n.key for n in storage.pending_notifications()], "pending")
        far = T0 + dt.timedelta(days=365)
        _equal(["b"], [e.key for e in storage.claim_notifications("w2", far,
                                                                   dt.timedelta(minutes=1), 10)],
               "claimable")
        _equal({"pending": 1, "delivered": 1, "parked": 0}, storage.outbox_stats(), "stats")

    def test_failed_row_waits_until_retry_at(self, storage: Storage) -> None:
        """mark_failed with a retry time frees the lease, keeps the error, and hides the row
        until then; the attempt count goes on."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=5)
        storage.claim_notifications("w1", T0, lease, 10)
        retry_at = T0 + dt.timedelta(minutes=1)
        _held(storage.mark_failed("a", "w1", "smtp down", retry_at), "marked")
        before = retry_at - dt.timedelta(microseconds=1)
        _equal([], storage.claim_notifications("w2", before, lease, 10), "before retry_at")
        [again] = storage.claim_notifications("w2", retry_at, lease, 10)
        _equal((2, "smtp down", retry_at, "w2"),
               (again.attempts, again.last_error, again.next_attempt_at, again.lease_owner),
               "attempts, last error, retry time, owner")
        _equal(["a"], [n.key for n in storage.pending_notifications()], "still pending")

    def test_failed_without_retry_is_parked(self, storage: Storage) -> None:
        """mark_failed with ``retry_at=None`` parks the row: never claimed, not pending."""
        _queue(storage, "a", "b")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 1)
        _held(storage.mark_failed("a", "w1", "bad address", None), "parked")
        _lost(storage.mark_delivered("a", "w1"), "a parked row cannot be delivered")
        far = T0 + dt.timedelta(days=365)
        _equal(["b"], [e.key for e in storage.claim_notifications("w1", far,
                                                                   dt.timedelta(minutes=1), 10)],
               "only b is claimable")
        _equal(["b"], [n.key for n in storage.pending_notifications()], "pending")
        _equal({"pending": 1, "delivered": 0, "parked": 1}, storage.outbox_stats(), "stats")

    def test_settling_needs_the_lease(self, storage: Storage) -> None:
        """A worker that never claimed a row cannot settle it; an unknown key is NotFound."""
        _queue(storage, "a")
        _lost(storage.mark_delivered("a", "w1"), "unclaimed")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _lost(storage.mark_delivered("a", "w2"), "someone else's lease")
        _lost(storage.mark_failed("a", "w2", "x", T0), "someone else's lease")
        _raises(NotFoundError, storage.mark_delivered, "nope", "w1")
        _raises(NotFoundError, storage.mark_failed, "nope", "w1", "x", None)
        _equal({"pending": 1, "delivered": 0, "parked": 0}, storage.outbox_stats(), "stats")

    def test_lease_instants_compare_across_offsets(self, storage: Storage) -> None:
        """``now`` in UTC+7 and in UTC name the same instants."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=10)
        storage.claim_notifications("w1", T0, lease, 10)  # T0 is 08:00 UTC+7
        utc_almost = (T0 + lease - dt.timedelta(seconds=1)).astimezone(dt.UTC)
        _equal([], storage.claim_notifications("w2", utc_almost, lease, 10), "still leased")
        _equal(["a"], [e.key for e in storage.claim_notifications(
            "w2", (T0 + lease).astimezone(dt.UTC), lease, 10)], "expired")

    def test_claim_rejects_bad_arguments(self, storage: Storage) -> None:
        """Blank worker, naive now, non-positive lease and limit < 1 are InvalidInputError."""
        lease = dt.timedelta(minutes=1)
        for args in (("", T0, lease, 1), ("w", T0.replace(tzinfo=None), lease, 1),
                     ("w", T0, dt.timedelta(0), 1), ("w", T0, lease, 0),
                     ("w", T0, dt.timedelta.max, 1)):
            _raises(InvalidInputError, storage.claim_notifications, *args)
        _queue(storage, "a")
        storage.claim_notifications("w", T0, lease, 1)
        _raises(InvalidInputError, storage.mark_failed, "a", "w", "x",
                T0.replace(tzinfo=None))
        _raises(InvalidInputError, storage.mark_failed, "a", "w", 42, None)
        _equal(["a"], [n.key for n in storage.pending_notifications()], "nothing changed")

    def test_concurrent_claims_never_overlap(self, storage: Storage) -> None:
        """Eight workers claiming at once share the rows: each row goes to exactly one."""
        keys = [f"n{i:03d}" for i in range(60)]
        _queue(storage, *keys)
        barrier = threading.Barrier(8)
        claimed: dict[str, list[str]] = {}

        def claim(worker: str) -> None:
            barrier.wait(timeout=10)
            got: list[str] = []
            while batch := storage.claim_notifications(worker, T0, dt.timedelta(minutes=5), 3):
                got += [e.key for e in batch]
            claimed[worker] = got

        threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        every = [k for got in claimed.values() for k in got]
        _equal(sorted(keys), sorted(every), "each row claimed exactly once")

    def test_outbox_stats_counts_every_status(self, storage: Storage) -> None:
        """An empty outbox still reports every status."""
        _equal({"pending": 0, "delivered": 0, "parked": 0}, storage.outbox_stats(), "stats")

    def test_parked_rows_are_listed_with_their_error(self, storage: Storage) -> None:
        """parked_notifications lists parked rows only, oldest first, with the attempts
        and the last error, at most ``limit``."""
        _queue(storage, "a", "b", "c")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _held(storage.mark_failed("c", "w1", "550 no such user", None), "parked c")
        _held(storage.mark_failed("a", "w1", "HTTP 400", None), "parked a")
        parked = storage.parked_notifications()
        _equal([("a", 1, "HTTP 400"), ("c", 1, "550 no such user")],
               [(e.key, e.attempts, e.last_error) for e in parked], "parked rows")
        _equal({OutboxStatus.PARKED}, {e.status for e in parked}, "their status")
        _equal(["a"], [e.key for e in storage.parked_notifications(limit=1)], "limit")
        for bad in (0, -1, True, "2"):
            _raises(InvalidInputError, storage.parked_notifications, bad)

    def test_requeue_makes_a_parked_row_claimable_again(self, storage: Storage) -> None:
        """requeue puts a parked row back, due at once with its attempts reset; a row that
        is not parked is left alone (False); an unknown key is NotFoundError."""
        _queue(storage, "a", "b")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 1)
        _held(storage.mark_failed("a", "w1", "HTTP 400", None), "parked")
        _held(storage.requeue("a"), "requeued")
        _lost(storage.requeue("a"), "already pending")
        _lost(storage.requeue("b"), "never parked")
        _raises(NotFoundError, storage.requeue, "nope")
        _equal([], storage.parked_notifications(), "nothing parked")
        _equal(["a", "b"], [n.key for n in storage.pending_notifications()], "pending, in order")
        claimed = storage.claim_notifications("w2", T0, dt.timedelta(minutes=1), 10)
        _equal([("a", 1, "w2"), ("b", 1, "w2")],
               [(e.key, e.attempts, e.lease_owner) for e in claimed], "claimed afresh")


def _queue(storage: Storage, *keys: str) -> None:
    """Commit one new submission per key, each with one notification."""
    taken = {n.key for n in storage.pending_notifications()}
    for key in keys:
        if key in taken:
            continue
        storage.commit(_new(sample_submission(f"q-{key}"), notes=[sample_notification(key)]))

