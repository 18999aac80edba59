"""The storage boundary: a typed Protocol, the unit of commit, and the in-memory backend.

Every command ends in exactly one :meth:`Storage.commit` of a :class:`Changeset`: the new
versions of the records it changed, their audit-trail rows and the notifications to send,
all or nothing, each record guarded by compare-and-set on its version. A backend that
cannot promise that is not a backend.

The notifications of a commit land in a transactional *outbox* (DESIGN.md,
"Notifications"): dispatchers claim rows with a lease (:meth:`Storage.claim_notifications`),
deliver them at least once and report the outcome (:meth:`Storage.mark_delivered`,
:meth:`Storage.mark_failed`). ``dialogue_flow.testing.StorageContract`` pins every rule
written here for every backend.
"""

from __future__ import annotations

import datetime as dt
import enum
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs

from ._checks import _check_limit, _trusted
from ._clock import VIETNAM_TZ
from ._errors import InvalidInputError, NotFoundError, StorageError, VersionConflictError
from ._records import (
    Dialogue,
    DialogueState,
    Notification,
    Submission,
    SubmissionState,
    TransitionRecord,
)

__all__ = [
    "OPEN_WITH_CLOCK",
    "Changeset",
    "DecodedRecords",
    "DialogueQuery",
    "MemoryStorage",
    "OutboxEntry",
    "OutboxStatus",
    "Record",
    "ReportFacts",
    "ReportInputs",
    "Storage",
    "SubmissionFacts",
    "SubmissionQuery",
    "check_claim",
    "check_limit",
    "check_retry",
    "decode_stored",
    "put_recent",
]

Record: TypeAlias = Dialogue | Submission
_R = TypeVar("_R", Dialogue, Submission)
_K = TypeVar("_K")
_V = TypeVar("_V")

#: States in which a submission waits for somebody to act and its due date runs.
OPEN_WITH_CLOCK = frozenset({SubmissionState.ASSIGNED, SubmissionState.ESCALATED})
_OPEN_WITH_CLOCK_VALUES = frozenset(s.value for s in OPEN_WITH_CLOCK)

#: The record kinds a backend stores (``Record.KIND``), in the order tables are named.
KINDS = (Dialogue.KIND, Submission.KIND)


def _one_write_per_record(_inst: object, _attribute: attrs.Attribute[Any],
                          value: tuple[tuple[Record, int], ...]) -> None:
    if len(value) < 2:  # most commands write one record
        return
    seen: set[tuple[str, str]] = set()
    for record, _expected in value:
        if record.key in seen:
            raise InvalidInputError(
                "records", f"{record.KIND} {record.id} appears twice in one changeset; "
                "write only its last version (expected = the stored version)")
        seen.add(record.key)


def _known_kinds(_inst: object, _attribute: attrs.Attribute[Any],
                 value: tuple[tuple[str, str, int], ...]) -> None:
    for kind, record_id, _version in value:
        if kind not in KINDS:
            raise InvalidInputError("guards", f"unknown record kind {kind!r} for {record_id!r}; "
                                    f"expected one of {', '.join(KINDS)}")


@attrs.frozen
class Changeset:
    """Everything one command writes, committed atomically.

    ``records`` pairs each new record with the version it replaces (0 for a new record);
    the commit fails with :class:`VersionConflictError` if any stored version differs.
    A record may appear at most once (a command that moves a record twice writes the last
    version against the stored one).
    """

    records: tuple[tuple[Record, int], ...] = attrs.field(validator=_one_write_per_record)
    transitions: tuple[TransitionRecord, ...] = ()
    #: Written to the outbox; a key already there (from this or an earlier commit) is
    #: skipped silently, so a command retried after a crash does not notify twice.
    notifications: tuple[Notification, ...] = ()
    #: ``(kind, id, version)`` of records read but not written that must not have changed
    #: (e.g. the dialogue a new submission joins: a conclusion committed meanwhile would
    #: miss it).
    guards: tuple[tuple[str, str, int], ...] = attrs.field(default=(), validator=_known_kinds)


class OutboxStatus(enum.StrEnum):
    """Where an outbox row stands."""

    #: Waiting for delivery (possibly leased to a dispatcher right now, or waiting for a retry).
    PENDING = "pending"
    #: A notifier accepted it; never claimed again.
    DELIVERED = "delivered"
    #: Gave up after repeated failures; an operator must look at ``last_error``.
    PARKED = "parked"


@attrs.frozen
class OutboxEntry:
    """One outbox row as a dispatcher sees it when it claims it.

    Instants are timezone-aware (backends may normalise them to UTC; compare instants, not
    their offsets).
    """

    notification: Notification
    status: OutboxStatus = OutboxStatus.PENDING
    #: Delivery attempts started, this one included: a claim counts as an attempt, so a
    #: notification that crashes its dispatcher still reaches the parking limit.
    attempts: int = 0
    #: Not claimable before this instant (``None``: as soon as it is committed).
    next_attempt_at: dt.datetime | None = None
    #: The dispatcher holding (or that last held) the lease.
    lease_owner: str | None = None
    #: The lease is valid while ``now < lease_until``; afterwards anyone may claim the row.
    lease_until: dt.datetime | None = None
    #: What the last failed attempt reported.
    last_error: str | None = None

    @property
    def key(self) -> str:
        """The notification's stable idempotency key."""
        return self.notification.key


def _page_size(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError("limit", f"expected a whole number >= 0, got {value!r}")


@attrs.frozen
class SubmissionQuery:
    """A filter over submissions; every field narrows, ``None`` means any.

    Results are ordered by id (ids are time-ordered) and paged with ``after``: pass the last
    id of the previous page.
    """

    dialogue_id: str | None = None
    states: frozenset[SubmissionState] | None = None
    department: str | None = None
    #: Only submissions with a due date on or before this day.
    due_on_or_before: dt.date | None = None
    #: Only submissions with a due date on or after this day.
    due_on_or_after: dt.date | None = None
    #: Only assigned/escalated submissions whose due date is before this day.
    overdue_as_of: dt.date | None = None
    limit: int = attrs.field(default=100, validator=_page_size)
    after: str | None = None

    def matches(self, s: Submission) -> bool:
        """The reference semantics every backend must reproduce."""
        due = s.due.date if s.due else None
        return (
            (self.dialogue_id is None or s.dialogue_id == self.dialogue_id)
            and (self.states is None or s.state in self.states)
            and (self.department is None or s.department == self.department)
            and (self.due_on_or_before is None or (due is not None
                                                   and due <= self.due_on_or_before))
            and (self.due_on_or_after is None or (due is not None
                                                  and due >= self.due_on_or_after))
            and (self.overdue_as_of is None or (s.state in OPEN_WITH_CLOCK and due is not None
                                                and due < self.overdue_as_of))
            and (self.after is None or s.id > self.after)
        )


@attrs.frozen
class DialogueQuery:
    """A filter over dialogues, ordered by id and paged like :class:`SubmissionQuery`."""

    states: frozenset[DialogueState] | None = None
    scheduled_from: dt.date | None = None
    scheduled_to: dt.date | None = None
    limit: int = attrs.field(default=100, validator=_page_size)
    after: str | None = None

    def matches(self, d: Dialogue) -> bool:
        return (
            (self.states is None or d.state in self.states)
            and (self.scheduled_from is None or d.scheduled_for >= self.scheduled_from)
            and (self.scheduled_to is None or d.scheduled_for <= self.scheduled_to)
            and (self.after is None or d.id > self.after)
        )


class SubmissionFacts(NamedTuple):
    """What a report needs of one submission, without its text or personal data.

    Backends may offer ``report_facts(start, end)`` returning these straight from indexed
    columns (an optional capability: reports fall back to reading every record).
    """

    id: str
    state: str
    topic: str
    department: str | None
    competent_level: str | None
    channel: str
    answer_mode: str | None
    #: The local date (Asia/Ho_Chi_Minh) the submission was received.
    received_on: dt.date
    answered_on: dt.date | None
    due_date: dt.date | None
    dialogue_id: str | None

    @classmethod
    def of(cls, s: Submission) -> SubmissionFacts:
        return cls(
            id=s.id, state=s.state.value, topic=s.topic, department=s.department,
            competent_level=s.competent_level, channel=s.channel.value,
            answer_mode=s.answer_mode.value if s.answer_mode else None,
            received_on=s.received_at.astimezone(VIETNAM_TZ).date(),
            answered_on=s.answered_on, due_date=s.due.date if s.due else None,
            dialogue_id=s.dialogue_id)


@attrs.frozen
class ReportInputs:
    """What a report is computed from, already aggregated: a backend with a query engine
    builds it with GROUP BY instead of handing every submission to Python."""

    #: ``(state, topic, department, channel, count)`` over the period's submissions.
    groups: tuple[tuple[str, str, str | None, str, int], ...]
    answered_on_the_spot: int
    #: Answered submissions that had a due date, and those answered on or before it.
    answered_with_due: int
    answered_on_time: int
    #: ``(received_on, answered_on, count)`` over the answered submissions.
    answer_spans: tuple[tuple[dt.date, dt.date, int], ...]
    #: The assigned and escalated submissions (the overdue and escalated lists).
    open_items: tuple[SubmissionFacts, ...]

    @classmethod
    def from_facts(cls, facts: Iterable[SubmissionFacts]) -> ReportInputs:
        """The reference computation, from one fact per submission."""
        groups: dict[tuple[str, str, str | None, str], int] = {}
        spans: dict[tuple[dt.date, dt.date], int] = {}
        spot = with_due = on_time = 0
        items: list[SubmissionFacts] = []
        for f in facts:
            key = (f.state, f.topic, f.department, f.channel)
            groups[key] = groups.get(key, 0) + 1
            if f.answered_on is not None:
                spot += f.answer_mode == "on_the_spot"
                if f.due_date is not None:
                    with_due += 1
                    on_time += f.answered_on <= f.due_date
                span = (f.received_on, f.answered_on)
                spans[span] = spans.get(span, 0) + 1
            if f.state in _OPEN_WITH_CLOCK_VALUES:
                items.append(f)
        return cls(groups=tuple((*k, n) for k, n in sorted(groups.items(), key=_group_key)),
                   answered_on_the_spot=spot, answered_with_due=with_due,
                   answered_on_time=on_time,
                   answer_spans=tuple((*k, n) for k, n in sorted(spans.items())),
                   open_items=tuple(sorted(items, key=lambda f: f.id)))


def _group_key(item: tuple[tuple[str, str, str | None, str], int]) -> tuple[str, ...]:
    state, topic, department, channel = item[0]
    return (state, topic, department or "", channel)


@runtime_checkable
class ReportFacts(Protocol):
    """The optional capability of a backend that answers reports and sweeps from its
    indexes, without decoding records."""

    def report_facts(self, start: dt.date, end: dt.date) -> Iterator[SubmissionFacts]:
        """Facts of the submissions received from ``start`` to ``end`` (local dates,
        inclusive), in any order; streamed, so memory does not grow with the period."""
        ...

    def due_facts(self, start: dt.date, end: dt.date) -> Iterator[SubmissionFacts]:
        """Facts of the assigned or escalated submissions due from ``start`` to ``end``
        (inclusive), in any order: what the sweep reminds about."""
        ...

    def report_inputs(self, start: dt.date, end: dt.date) -> ReportInputs:
        """:meth:`ReportInputs.from_facts` of :meth:`report_facts`, aggregated by the
        backend."""
        ...


@runtime_checkable
class Storage(Protocol):
    """What a storage backend provides. ``dialogue_flow.testing`` holds its contract tests."""

    def get_dialogue(self, dialogue_id: str) -> Dialogue:
        """The current dialogue. :raises NotFoundError:"""
        ...

    def get_submission(self, submission_id: str) -> Submission:
        """The current submission. :raises NotFoundError:"""
        ...

    def commit(self, changes: Changeset) -> int:
        """Write all of ``changes`` or nothing; return how many of its notifications were
        new to the outbox (a key already there, from this or an earlier commit, is skipped
        and not counted; 0 without notifications). :raises VersionConflictError:"""
        ...

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        """The audit trail of one record, oldest first, i.e. by version (empty if unknown)."""
        ...

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        """At most ``query.limit`` submissions matching ``query``, ordered by id."""
        ...

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        """At most ``query.limit`` dialogues matching ``query``, ordered by id."""
        ...

    def pending_notifications(self) -> list[Notification]:
        """Outbox rows still pending (leased or not, parked excluded), oldest first."""
        ...

    def claim_notifications(self, worker: str, now: dt.datetime, lease: dt.timedelta,
                            limit: int = 100) -> list[OutboxEntry]:
        """Lease up to ``limit`` deliverable rows to ``worker``, oldest first, atomically.

        Deliverable: pending, ``next_attempt_at`` unset or ``<= now``, and no valid lease
        (``lease_until`` unset or ``<= now``). Each claimed row gets ``lease_owner=worker``,
        ``lease_until=now + lease`` and ``attempts + 1``. Two dispatchers never receive the
        same row while its lease is valid; each dispatcher needs its own ``worker`` name.

        :raises InvalidInputError: blank worker, naive ``now``, ``lease <= 0``, ``limit < 1``.
        """
        ...

    def mark_delivered(self, key: str, worker: str) -> bool:
        """Record that ``worker`` delivered the pending row ``key``; it is never claimed again.

        :return: ``False`` (and nothing changes) if ``worker`` no longer holds the row: its
            lease expired and another dispatcher claimed it, or it is no longer pending.
        :raises NotFoundError: no outbox row has that key.
        """
        ...

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        """Record a failed attempt: retry at ``retry_at``, or park the row if it is ``None``.

        Releases the lease and keeps ``error`` as ``last_error``.

        :return: ``False`` (and nothing changes) as for :meth:`mark_delivered`.
        :raises NotFoundError: no outbox row has that key.
        :raises InvalidInputError: ``retry_at`` is a naive datetime.
        """
        ...

    def outbox_stats(self) -> dict[str, int]:
        """The number of outbox rows per :class:`OutboxStatus` value (every status present)."""
        ...

    def parked_notifications(self, limit: int = 100) -> list[OutboxEntry]:
        """Up to ``limit`` parked rows, oldest first, with their attempts and last error:
        what a person must look at."""
        ...

    def requeue(self, key: str) -> bool:
        """Make a parked row pending again, due now, with its attempts reset (its last error
        is kept until the next attempt). ``False`` if the row is not parked.

        :raises NotFoundError: no outbox row has that key.
        """
        ...

    def close(self) -> None:
        """Release connections and files; the object is unusable afterwards."""
        ...


#: How MemoryStorage keeps audit rows and outbox rows: as plain tuples of their fields.
#: A tuple holding only text, numbers, dates, None and such tuples is untracked by the
#: garbage collector once it has survived a collection (one per level of nesting), so
#: collections stop walking the history and the outbox, which grow with every event; a
#: slotted attrs instance stays tracked, and walking 160,000 rows (12 references each)
#: took 200 ms per full collection in benchmarks/lifecycle.py. Rows become records again
#: when read. Submissions stay records: commands read them back at once.
_ROW_FIELDS = tuple(a.name for a in attrs.fields(TransitionRecord))
_NOTE_FIELDS = tuple(a.name for a in attrs.fields(Notification))
_StoredRow: TypeAlias = tuple[Any, ...]


def _flattener(names: tuple[str, ...]) -> Callable[[Any], _StoredRow]:
    """A generated ``record -> tuple`` of ``names``; the last field, a dict of strings,
    becomes the tuple's tail (key, value, key, value, ...). One flat tuple: the collector
    never untracks a tuple that holds a dict, and a nested one only one level per
    collection (inner tuples are reached after their holder), long enough to be promoted
    to the oldest generation and bring its full collections forward."""
    *plain, mapping = names
    if mapping not in ("details", "data"):  # a field added after the dict would be lost
        raise TypeError(f"the last field must be the record's dict of strings, not {mapping}")
    source = (f"def flatten(r):\n    d = r.{mapping}\n    return ("
              + "".join(f"r.{name}, " for name in plain)
              + "*_chain(d.items()))")
    scope: dict[str, Any] = {"_chain": chain.from_iterable}
    exec(source, scope)  # noqa: S102 - generated from the record class's own field names
    flatten: Callable[[Any], _StoredRow] = scope["flatten"]
    return flatten


_row_tuple = _flattener(_ROW_FIELDS)
_note_tuple = _flattener(_NOTE_FIELDS)


def _pairs(flat: tuple[Any, ...]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


_ROW_PLAIN = len(_ROW_FIELDS) - 1
_VERSION = itemgetter(_ROW_FIELDS.index("version"))
_NOTE_PLAIN = len(_NOTE_FIELDS) - 1


# Stored rows were made from records that passed their validators: no need to run them
# again when a row becomes a record (see _trusted).
_new_row = _trusted(TransitionRecord)
_new_note = _trusted(Notification)


def _stored_row(row: _StoredRow) -> TransitionRecord:
    return _new_row(*row[:_ROW_PLAIN], _pairs(row[_ROW_PLAIN:]))


def _stored_note(note: _StoredRow) -> Notification:
    return _new_note(*note[:_NOTE_PLAIN], _pairs(note[_NOTE_PLAIN:]))


class _Table(dict[_K, _V]):
    """A dict that stays tracked by the garbage collector.

    The collector untracks an exact dict whose values are all untracked (as stored rows
    become) at a full collection, and the next insert of a new row tracks it again, which
    puts it in the youngest generation: a 400,000-row outbox was then walked, entry by
    entry, by the young collections that followed (measured in benchmarks/lifecycle.py).
    A subclass is never untracked, so the table stays in the oldest generation.
    """

    __slots__ = ()


class MemoryStorage:
    """Everything in dictionaries, guarded by a lock: for tests, demos and benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dialogues: dict[str, Dialogue] = {}
        self._submissions: dict[str, Submission] = {}
        #: (kind, id) -> that record's audit rows (as _row_tuple) in commit order: one
        #: dictionary entry per record, not per row, and a new tuple per change (a
        #: record has a handful of versions). Tuples of flat tuples, see _flattener.
        self._history: _Table[tuple[str, str], tuple[_StoredRow, ...]] = _Table()
        #: Every outbox row's notification (as _note_tuple) by key, in commit order.
        self._outbox: _Table[str, _StoredRow] = _Table()
        #: The rows a dispatcher has touched; a row missing here is pending, never claimed
        #: (most rows until dispatch: one object less per notification to keep and collect).
        self._entries: dict[str, OutboxEntry] = {}
        #: Keys of the pending rows, in commit order: what a claim scans.
        self._pending: dict[str, None] = {}
        self._tables: dict[str, dict[str, Record]] = {
            Dialogue.KIND: self._dialogues,  # type: ignore[dict-item] # keys and kinds match
            Submission.KIND: self._submissions,  # type: ignore[dict-item]
        }

    def get_dialogue(self, dialogue_id: str) -> Dialogue:
        try:
            return self._dialogues[dialogue_id]
        except KeyError:
            raise NotFoundError("dialogue", dialogue_id) from None

    def get_submission(self, submission_id: str) -> Submission:
        try:
            return self._submissions[submission_id]
        except KeyError:
            raise NotFoundError("submission", submission_id) from None

    def commit(self, changes: Changeset) -> int:
        return self._commit_stored(
            changes.records, tuple(map(_row_tuple, changes.transitions)),
            tuple(map(_note_tuple, changes.notifications)), changes.guards)

    def _commit_stored(self, records: tuple[tuple[Record, int], ...],
                       rows: tuple[_StoredRow, ...], notes: tuple[_StoredRow, ...],
                       guards: tuple[tuple[str, str, int], ...]) -> int:
        """:meth:`commit` with the audit rows and notifications already in their stored form
        (``_row_tuple``, ``_note_tuple``), checked as strictly, all before the first write.

        The façade builds rows in this form, and records built only to be taken apart
        again cost a sixth of an event: it calls ``_commit_stored`` instead of ``commit``
        on a backend whose own class defines it (not a subclass that inherits it, which
        may override ``commit``). ``records`` must hold each record at most once
        (Changeset checks that for other callers; the façade never repeats one).
        """
        tables = self._tables
        history = self._history
        with self._lock:
            self._check_versions(records, guards)
            trails: dict[tuple[str, str], tuple[_StoredRow, ...]] = {}
            for row in rows:  # one row per (kind, id, version), checked before any write
                ident = row[:2]
                trail = trails.get(ident) or history.get(ident, ())
                for old in trail:
                    if old[2] == row[2]:
                        raise StorageError(f"the audit trail already has {row[0]} {row[1]} "
                                           f"version {row[2]}; nothing was written")
                trails[ident] = (*trail, row)
            for record, _ in records:
                tables[record.KIND][record.id] = record
            history.update(trails)
            outbox, pending = self._outbox, self._pending
            added = 0
            for note in notes:
                note_key = note[0]
                if note_key not in outbox:
                    outbox[note_key] = note
                    pending[note_key] = None
                    added += 1
            return added

    def _check_versions(self, records: tuple[tuple[Record, int], ...],
                        guards: tuple[tuple[str, str, int], ...]) -> None:
        """Compare-and-set: every guarded and every written record at its expected version."""
        tables = self._tables
        for kind, record_id, expected in guards:
            current = tables[kind].get(record_id)
            if current is None or current.version != expected:
                raise VersionConflictError(kind, record_id, expected,
                                           None if current is None else current.version)
        for record, expected in records:
            current = tables[record.KIND].get(record.id)
            actual = current.version if current is not None else 0
            if actual != expected:
                raise VersionConflictError(record.KIND, record.id, expected,
                                           actual if current is not None else None)

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        trail = self._history.get((kind, record_id), ())
        return [_stored_row(row) for row in sorted(trail, key=_VERSION)]

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        return _page(self._submissions.values(), query.matches, query.limit)

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        return _page(self._dialogues.values(), query.matches, query.limit)

    def pending_notifications(self) -> list[Notification]:
        with self._lock:
            return [_stored_note(self._outbox[key]) for key in self._pending]

    def claim_notifications(self, worker: str, now: dt.datetime, lease: dt.timedelta,
                            limit: int = 100) -> list[OutboxEntry]:
        check_claim(worker, now, lease, limit)
        now = now.astimezone(dt.UTC)
        claimed: list[OutboxEntry] = []
        with self._lock:
            for key in self._pending:
                entry = self._entry(key)
                if (entry.next_attempt_at is not None and entry.next_attempt_at > now) or (
                        entry.lease_until is not None and entry.lease_until > now):
                    continue
                entry = attrs.evolve(entry, attempts=entry.attempts + 1, lease_owner=worker,
                                     lease_until=now + lease)
                self._entries[key] = entry
                claimed.append(entry)
                if len(claimed) == limit:
                    break
        return claimed

    def mark_delivered(self, key: str, worker: str) -> bool:
        with self._lock:
            if not self._holds(key, worker):
                return False
            self._entries[key] = attrs.evolve(self._entries[key],
                                              status=OutboxStatus.DELIVERED)
            del self._pending[key]
            return True

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        check_retry(error, retry_at)
        with self._lock:
            if not self._holds(key, worker):
                return False
            entry = self._entries[key]
            if retry_at is None:
                self._entries[key] = attrs.evolve(entry, status=OutboxStatus.PARKED,
                                                  lease_until=None, last_error=error)
                del self._pending[key]
            else:
                self._entries[key] = attrs.evolve(
                    entry, next_attempt_at=retry_at.astimezone(dt.UTC), lease_owner=None,
                    lease_until=None, last_error=error)
            return True

    def outbox_stats(self) -> dict[str, int]:
        stats = dict.fromkeys((s.value for s in OutboxStatus), 0)
        with self._lock:
            stats[OutboxStatus.PENDING.value] = len(self._pending)
            for entry in self._entries.values():
                if entry.status is not OutboxStatus.PENDING:
                    stats[entry.status.value] += 1
        return stats

    def parked_notifications(self, limit: int = 100) -> list[OutboxEntry]:
        check_limit(limit)
        with self._lock:
            parked = (self._entries[key] for key in self._outbox if key in self._entries
                      and self._entries[key].status is OutboxStatus.PARKED)
            return [entry for entry, _ in zip(parked, range(limit), strict=False)]

    def requeue(self, key: str) -> bool:
        with self._lock:
            if key not in self._outbox:
                raise NotFoundError("notification", key)
            entry = self._entry(key)
            if entry.status is not OutboxStatus.PARKED:
                return False
            self._entries[key] = attrs.evolve(entry, status=OutboxStatus.PENDING, attempts=0,
                                              next_attempt_at=None, lease_owner=None,
                                              lease_until=None)
            # Claims scan pending keys oldest first: keep commit order.
            pending = {*self._pending, key}
            self._pending = {k: None for k in self._outbox if k in pending}
            return True

    def close(self) -> None:
        """Nothing to release."""

    def _entry(self, key: str) -> OutboxEntry:
        """The row's state: as last changed by a dispatcher, or fresh and pending."""
        entry = self._entries.get(key)
        return entry if entry is not None else OutboxEntry(_stored_note(self._outbox[key]))

    def _holds(self, key: str, worker: str) -> bool:
        if key not in self._outbox:
            raise NotFoundError("notification", key)
        entry = self._entries.get(key)
        return (entry is not None and entry.status is OutboxStatus.PENDING
                and entry.lease_owner == worker)


def _page(items: Iterable[_R], keep: Callable[[_R], bool], limit: int) -> list[_R]:
    return sorted((r for r in items if keep(r)), key=lambda r: r.id)[:limit]


# --- argument checks shared by every backend's outbox ---------------------------------------

def check_claim(worker: object, now: object, lease: object, limit: object) -> None:
    """Reject bad :meth:`Storage.claim_notifications` arguments (for backend authors)."""
    check_worker(worker)
    check_instant("now", now)
    if not isinstance(lease, dt.timedelta) or lease <= dt.timedelta(0):
        raise InvalidInputError("lease", f"expected a positive timedelta, got {lease!r}")
    try:
        now + lease  # type: ignore[operator] # checked above
    except OverflowError:
        raise InvalidInputError("lease", f"{lease!r} after {now!r} is past year 9999") from None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputError("limit", f"expected a whole number >= 1, got {limit!r}")


def check_limit(limit: object) -> None:
    """A page size: a whole number from 1 to ``MAX_PAGE`` (the façade's own rule)."""
    _check_limit(limit)


def check_retry(error: object, retry_at: object) -> None:
    """Reject bad :meth:`Storage.mark_failed` arguments (for backend authors)."""
    if not isinstance(error, str):
        raise InvalidInputError("error", f"expected text, got {type(error).__name__}")
    if retry_at is not None:
        check_instant("retry_at", retry_at)


def check_worker(worker: object) -> None:
    if not isinstance(worker, str) or not worker.strip():
        raise InvalidInputError("worker", f"expected a non-blank dispatcher name, got {worker!r}")


def check_instant(field: str, value: object) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise InvalidInputError(field, f"expected a timezone-aware datetime, got {value!r}")


_D = TypeVar("_D")


def decode_stored(cls: type[_D], text: str) -> _D:
    """Rebuild a stored record from its JSON; corrupt data is a :class:`StorageError`."""
    from ._serialization import from_json  # noqa: PLC0415 - serialization imports records

    try:
        return from_json(cls, text)
    except InvalidInputError as exc:
        raise StorageError(f"a stored {cls.__name__} cannot be read back: {exc}") from exc


def put_recent(entries: dict[_K, _V], key: _K, value: _V, size: int) -> None:
    """Set ``entries[key]`` as the newest entry, dropping the oldest beyond ``size``
    (dicts keep insertion order; the caller holds its lock)."""
    entries.pop(key, None)
    if len(entries) >= size:
        del entries[next(iter(entries))]
    entries[key] = value


class DecodedRecords:
    """The records a backend last wrote or read, with the JSON text they came from.

    A row whose text is unchanged is not decoded again (decoding is most of a read's CPU),
    and a command's read of the record the previous command wrote costs a dict lookup.
    Records are frozen, so sharing one instance is safe. Thread-safe; at most ``size``
    entries, the oldest dropped first.
    """

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[str, Record]] = {}

    def records(self, cls: type[_R], rows: Iterable[tuple[str, str]]) -> list[_R]:
        """Decode ``(id, text)`` rows of ``cls``, reusing what is remembered."""
        found: list[_R] = []
        for record_id, text in rows:
            cached = self._entries.get((cls.KIND, record_id))
            if cached is not None and cached[0] == text:
                found.append(cached[1])  # type: ignore[arg-type] # remembered under cls.KIND
                continue
            record = decode_stored(cls, text)
            self.remember(record, text)
            found.append(record)
        return found

    def remember(self, record: Record, text: str) -> None:
        """Keep ``record``, written or read as ``text``."""
        with self._lock:
            put_recent(self._entries, (record.KIND, record.id), (text, record), self._size)
