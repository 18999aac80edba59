"""The storage contract for citizen reception days (issue 15): stored, read back, versioned
and queried like dialogues."""

from __future__ import annotations

import datetime as dt
import random

import attrs

from dialogue_flow import NotFoundError, ReceptionDay, ReceptionState, VersionConflictError
from dialogue_flow.storage import Changeset, ReceptionQuery, Storage

from ._fakes import sample_dialogue, sample_reception_day, sample_transition
from ._support import _equal, _raises, _rng, _true

_START = dt.date(2026, 1, 1)
_ORGANISATIONS = ("xa-mot", "xa-hai", "tinh")


def _random_day(rng: random.Random, record_id: str) -> ReceptionDay:
    state = rng.choice(list(ReceptionState))
    return sample_reception_day(
        record_id, state=state, scheduled_for=_START + dt.timedelta(days=rng.randint(0, 60)),
        organisation_id=rng.choice(_ORGANISATIONS),
        citizens=rng.randint(0, 40) if state is ReceptionState.HELD else None,
        received_by=("Bí thư",) if state is ReceptionState.HELD else ())


def _random_query(rng: random.Random, ids: list[str]) -> ReceptionQuery:
    def bound() -> dt.date | None:
        return None if rng.random() < 0.5 else _START + dt.timedelta(days=rng.randint(-2, 62))

    return ReceptionQuery(
        states=None if rng.random() < 0.5 else frozenset(
            rng.sample(list(ReceptionState), rng.randint(0, 3))),
        scheduled_from=bound(), scheduled_to=bound(),
        organisations=None if rng.random() < 0.5 else frozenset(
            rng.sample([*_ORGANISATIONS, "khac"], rng.randint(0, 3))),
        limit=rng.choice([0, 1, 2, 7, 50, 1000]),
        after=None if rng.random() < 0.5 else rng.choice([*ids, "", "~"]))


def _expected(days: list[ReceptionDay], query: ReceptionQuery) -> list[ReceptionDay]:
    return sorted((d for d in days if query.matches(d)), key=lambda d: d.id)[:query.limit]


class ReceptionContract:
    """Reception days: a record kind of its own, with the rules of the other kinds."""

    def test_reception_day_reads_back_equal(self, storage: Storage) -> None:
        """Every field of a reception day survives the round trip."""
        day = sample_reception_day(state=ReceptionState.HELD, citizens=12, venue="Trụ sở",
                                   host="Bí thư", held_on=dt.date(2026, 1, 12),
                                   received_by=("Bí thư", "Chủ tịch UBND"),
                                   organisation_id="xa-mot", replaces="rcp-0000")
        storage.commit(Changeset(((day, 0),), (sample_transition(day, event="schedule"),)))
        _equal(day, storage.get_reception_day(day.id), "read back")

    def test_missing_reception_day_raises_not_found(self, storage: Storage) -> None:
        """An unknown id, and a dialogue's id, are not reception days."""
        dialogue = sample_dialogue("shared-id")
        storage.commit(Changeset(((dialogue, 0),)))
        for record_id in ("rcp-none", "shared-id"):
            exc = _raises(NotFoundError, storage.get_reception_day, record_id)
            _equal(("reception_day", record_id), (exc.kind, exc.record_id), "not found")

    def test_reception_day_versions_are_compare_and_set(self, storage: Storage) -> None:
        """A stale write and a stale guard on a reception day are version conflicts."""
        day = sample_reception_day()
        storage.commit(Changeset(((day, 0),)))
        announced = attrs.evolve(day, version=2, state=ReceptionState.ANNOUNCED)
        storage.commit(Changeset(((announced, 1),)))
        stale = attrs.evolve(day, version=2, state=ReceptionState.CANCELLED)
        _raises(VersionConflictError, storage.commit, Changeset(((stale, 1),)))
        _raises(VersionConflictError, storage.commit,
                Changeset((), guards=(("reception_day", day.id, 1),)))
        storage.commit(Changeset((), guards=(("reception_day", day.id, 2),)))
        _equal(announced, storage.get_reception_day(day.id), "current version")

    def test_random_reception_queries_match_the_reference(self, storage: Storage) -> None:
        """Every ReceptionQuery field, alone and combined, against ``ReceptionQuery.matches``,
        after half of the days moved on (state, date, organisation)."""
        rng = _rng(15)
        ids = sorted({f"rcp-{rng.randrange(10**6):06d}" for _ in range(60)})
        days = [_random_day(rng, record_id) for record_id in ids]
        storage.commit(Changeset(tuple((d, 0) for d in days)))
        for i in rng.sample(range(len(days)), len(days) // 2):
            moved = attrs.evolve(_random_day(rng, days[i].id), version=2)
            storage.commit(Changeset(((moved, 1),)))
            days[i] = moved
        queries = [ReceptionQuery(limit=1000), ReceptionQuery(states=frozenset(), limit=9),
                   ReceptionQuery(organisations=frozenset(), limit=1000)]
        queries += [ReceptionQuery(states=frozenset({s}), limit=1000) for s in ReceptionState]
        queries += [ReceptionQuery(organisations=frozenset({o}), limit=1000)
                    for o in _ORGANISATIONS]
        queries += [_random_query(rng, ids) for _ in range(200)]
        for query in queries:
            found = storage.find_reception_days(query)
            _true(all(isinstance(d, ReceptionDay) for d in found), "reception days only")
            _equal(_expected(days, query), found, repr(query))
