"""Compare a storage holding an older release's data with what that release wrote.

``tests/fixtures/make_schema_fixtures.py``, run with the release whose schema is frozen,
writes that release's SQLite file as SQL text and an expectations file
(``tests/fixtures/schema_v{N}_expected.json``): each record's stored JSON text by kind and
id, each record's audit rows, every outbox row in commit order, the scenario's last instant
and report period. Nothing in it names a backend: ``tests/test_migrations.py`` loads the
SQLite dump and opens it with today's ``SQLiteStorage``; another backend's migration test
loads the same data its own way and calls the same functions::

    from migration_expectations import (
        assert_claims_in_old_order, assert_matches_expectations, load_expectations)

    expected = load_expectations()            # schema version 2 unless a path is given
    assert_matches_expectations(storage, expected)
    assert_claims_in_old_order(storage, expected)   # leases rows: call it last

Only the public :class:`~dialogue_flow.storage.Storage` API is used (and
:class:`~dialogue_flow.storage.ReportFacts` when the backend offers it). The module imports
nothing from ``tests/``, so a plugin's tests can load it by path.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from dialogue_flow import Dialogue, Notification, Submission, TransitionRecord, from_json, to_json
from dialogue_flow.storage import (
    OPEN_WITH_CLOCK,
    DialogueQuery,
    OutboxEntry,
    OutboxStatus,
    ReportFacts,
    ReportInputs,
    Storage,
    SubmissionFacts,
    SubmissionQuery,
)

__all__ = [
    "FIXTURES",
    "assert_claims_in_old_order",
    "assert_matches_expectations",
    "expected_dialogues",
    "expected_outbox",
    "expected_submissions",
    "load_expectations",
]

#: Where the frozen dumps and their expectations live.
FIXTURES = Path(__file__).parent / "fixtures"

_R = TypeVar("_R", Dialogue, Submission)
#: The parsed expectations file, as :func:`load_expectations` returns it.
Expected = Mapping[str, Any]


def load_expectations(path: Path = FIXTURES / "schema_v2_expected.json") -> dict[str, Any]:
    """The expectations file as written by ``make_schema_fixtures.py``."""
    expected: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return expected


def _records(expected: Expected, cls: type[_R]) -> list[_R]:
    return [from_json(cls, text) for _id, text in sorted(expected["records"][cls.KIND].items())]


def expected_dialogues(expected: Expected) -> list[Dialogue]:
    """The dialogues the old release stored, ordered by id."""
    return _records(expected, Dialogue)


def expected_submissions(expected: Expected) -> list[Submission]:
    """The submissions the old release stored, ordered by id."""
    return _records(expected, Submission)


def _instant(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def expected_outbox(expected: Expected) -> list[OutboxEntry]:
    """Every outbox row the old release stored, oldest first, as entries."""
    return [
        OutboxEntry(notification=from_json(Notification, row["notification"]),
                    status=OutboxStatus(row["status"]), attempts=row["attempts"],
                    next_attempt_at=_instant(row["next_attempt_at"]),
                    lease_owner=row["lease_owner"], lease_until=_instant(row["lease_until"]),
                    last_error=row["last_error"])
        for row in expected["outbox"]
    ]


def _now(expected: Expected) -> dt.datetime:
    now = _instant(expected["now"])
    assert now is not None
    return now


def _nothing_lost(kind: str, record_id: str, stored: str, read_back: str) -> None:
    """Every field the old release wrote comes back with the same value, inside nested
    records too (a later release may add fields with defaults, at any depth: the
    petitioner's group, for one)."""
    old, new = json.loads(stored), json.loads(read_back)
    changed = {field: (value, new.get(field)) for field, value in old.items()
               if not _kept(value, new.get(field, ...))}
    assert {} == changed, f"{kind} {record_id}: fields lost or changed (old, new)"


def _kept(old: object, new: object) -> bool:
    """``new`` holds every field of ``old`` with its value (extra fields allowed)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return all(_kept(value, new.get(field, ...)) for field, value in old.items())
    return old == new


def _without_code(record: _R) -> _R:
    """Schema 5 gives every submission stored before it a tracking code (checked apart)."""
    return attrs.evolve(record, tracking_code=None) if isinstance(record, Submission) else record


def _check_records(storage: Storage, expected: Expected) -> None:
    for cls, get in ((Dialogue, storage.get_dialogue), (Submission, storage.get_submission)):
        for record_id, text in expected["records"][cls.KIND].items():
            record = get(record_id)
            assert from_json(cls, text) == _without_code(record), f"{cls.KIND} {record_id}"
            _nothing_lost(cls.KIND, record_id, text, to_json(record))
            trail = [from_json(TransitionRecord, row)
                     for row in expected["history"][cls.KIND][record_id]]
            assert trail == storage.history(cls.KIND, record_id), f"{cls.KIND} {record_id}"


def _check_codes(storage: Storage, expected: Expected) -> None:
    """Schema 5: every submission stored before has its own tracking code (valid: the
    record was built), and is found by it."""
    submissions = [storage.get_submission(s.id) for s in expected_submissions(expected)]
    codes = [s.tracking_code for s in submissions]
    assert None not in codes, codes
    assert len(set(codes)) == len(codes), "codes are unique"
    for s in submissions:
        assert s == storage.get_submission_by_code(str(s.tracking_code)), s.id


def _submission_queries(submissions: list[Submission]) -> list[SubmissionQuery]:
    """A query through each index, with the values the old data holds."""
    queries = [SubmissionQuery(limit=1000)]
    queries += [SubmissionQuery(states=frozenset({s.state})) for s in submissions]
    queries += [SubmissionQuery(states=OPEN_WITH_CLOCK)]
    queries += [SubmissionQuery(department=s.department) for s in submissions if s.department]
    queries += [SubmissionQuery(dialogue_id=s.dialogue_id) for s in submissions
                if s.dialogue_id]
    for s in submissions:
        if s.due is not None:
            day = s.due.date
            queries += [SubmissionQuery(due_on_or_before=day), SubmissionQuery(due_on_or_after=day),
                        SubmissionQuery(overdue_as_of=day + dt.timedelta(days=1)),
                        SubmissionQuery(overdue_as_of=day)]
    return queries


def _check_queries(storage: Storage, expected: Expected) -> None:
    """The indexed columns the old release wrote answer every kind of query."""
    submissions = expected_submissions(expected)
    for query in _submission_queries(submissions):
        assert [s for s in submissions if query.matches(s)] == [
            _without_code(s) for s in storage.find_submissions(query)], f"{query}"
    dialogues = expected_dialogues(expected)
    queries = [DialogueQuery(limit=1000)]
    for d in dialogues:
        queries += [DialogueQuery(states=frozenset({d.state})),
                    DialogueQuery(scheduled_from=d.scheduled_for),
                    DialogueQuery(scheduled_to=d.scheduled_for - dt.timedelta(days=1))]
    for dialogue_query in queries:
        assert [d for d in dialogues if dialogue_query.matches(d)] == storage.find_dialogues(
            dialogue_query), f"{dialogue_query}"
    # Schema 3: everything written before organisations belongs to the default one, which
    # is implicit (not a stored row).
    default, other = frozenset({"default"}), frozenset({"elsewhere"})
    assert submissions == [_without_code(s) for s in storage.find_submissions(
        SubmissionQuery(organisations=default, limit=1000))]
    assert dialogues == storage.find_dialogues(DialogueQuery(organisations=default, limit=1000))
    assert [] == storage.find_submissions(SubmissionQuery(organisations=other))
    assert [] == storage.find_organisations()


def _check_outbox(storage: Storage, expected: Expected) -> None:
    rows = expected_outbox(expected)
    by_status = {status: [row for row in rows if row.status is status] for status in OutboxStatus}
    assert {status.value: len(found) for status, found in by_status.items()} == (
        storage.outbox_stats())
    assert [row.notification for row in by_status[OutboxStatus.PENDING]] == (
        storage.pending_notifications())

    def shown(entry: OutboxEntry) -> tuple[object, ...]:  # lease_until: not listed for parked
        return (entry.notification, entry.status, entry.attempts, entry.next_attempt_at,
                entry.lease_owner, entry.last_error)
    assert [shown(row) for row in by_status[OutboxStatus.PARKED]] == [
        shown(entry) for entry in storage.parked_notifications(limit=1000)]
    # Schema 3: every outbox row written before is the default organisation's.
    default, other = frozenset({"default"}), frozenset({"elsewhere"})
    assert storage.outbox_stats() == storage.outbox_stats(default)
    assert 0 == sum(storage.outbox_stats(other).values())
    assert storage.parked_notifications(1000) == storage.parked_notifications(1000, default)
    for row in by_status[OutboxStatus.DELIVERED]:
        # Neither call changes a delivered row; both raise NotFoundError for an unknown key.
        assert not storage.requeue(row.key), f"{row.key} is not parked"
        assert not storage.mark_delivered(row.key, "migration-check"), f"{row.key} is pending"


def _check_report(storage: ReportFacts, expected: Expected) -> None:
    start, end = (dt.date.fromisoformat(day) for day in expected["report_period"])
    facts = [f for f in map(SubmissionFacts.of, expected_submissions(expected))
             if start <= f.received_on <= end]
    assert sorted(facts) == sorted(storage.report_facts(start, end))
    assert ReportInputs.from_facts(facts) == storage.report_inputs(start, end)


def assert_matches_expectations(storage: Storage, expected: Expected) -> None:
    """``storage`` holds exactly what the old release wrote, read through today's API.

    Records equal ``from_json`` of their stored text and lose no field of it (submissions
    also have a tracking code, their own, that finds them: schema 5); every query
    finds what the reference semantics (``SubmissionQuery.matches``) find; audit trails are
    equal, oldest first; the outbox has the same rows per status, pending ones in the old
    order, parked ones with their attempts, lease owner and last error, delivered ones
    neither pending nor parked; a :class:`ReportFacts` backend reports the period as
    :meth:`ReportInputs.from_facts` of the records. Changes nothing in ``storage``.
    """
    _check_records(storage, expected)
    _check_codes(storage, expected)
    _check_queries(storage, expected)
    _check_outbox(storage, expected)
    if isinstance(storage, ReportFacts):
        _check_report(storage, expected)


def assert_claims_in_old_order(storage: Storage, expected: Expected,
                               worker: str = "migration-check") -> None:
    """Claims hand out the old pending rows in the old order, keeping their attempts,
    retry times, leases and last errors. Leases rows: call it after every other check.

    First a claim at the scenario's last instant: only the rows deliverable then (not
    waiting for a retry, not leased). Then a claim a day after the last instant any row
    names: every pending row, the first claim's included (its lease of a minute expired).
    """
    now, lease = _now(expected), dt.timedelta(minutes=1)
    pending = [row for row in expected_outbox(expected) if row.status is OutboxStatus.PENDING]

    def due(row: OutboxEntry) -> bool:
        return ((row.next_attempt_at is None or row.next_attempt_at <= now)
                and (row.lease_until is None or row.lease_until <= now))

    def claimed(row: OutboxEntry, at: dt.datetime, attempts: int) -> OutboxEntry:
        return OutboxEntry(notification=row.notification, attempts=attempts,
                           next_attempt_at=row.next_attempt_at, lease_owner=worker,
                           lease_until=at + lease, last_error=row.last_error)

    first = [claimed(row, now, row.attempts + 1) for row in pending if due(row)]
    assert first == storage.claim_notifications(worker, now, lease, limit=1000)
    instants = [now, *(i for row in pending for i in (row.next_attempt_at, row.lease_until)
                       if i is not None)]
    later = max(instants) + dt.timedelta(days=1)
    again = [claimed(row, later, row.attempts + 1 + due(row)) for row in pending]
    assert again == storage.claim_notifications(worker, later, lease, limit=1000)
