"""The storage contract: what a backend provides, for authors of storage backends.

Every command ends in exactly one :meth:`Storage.commit` of a :class:`Changeset`: the new
versions of the records it changed, their audit-trail rows and the notifications to send,
all or nothing, each record guarded by compare-and-set on its version. A backend that
cannot promise that is not a backend.

The notifications of a commit land in a transactional *outbox* (docs/plugins.md,
"Notifications"): dispatchers claim rows with a lease (:meth:`Storage.claim_notifications`),
deliver them at least once and report the outcome (:meth:`Storage.mark_delivered`,
:meth:`Storage.mark_failed`). ``dialogue_flow.testing.StorageContract`` pins every rule
written here for every backend; ``dialogue_flow.testing.ReportFactsContract`` the optional
:class:`ReportFacts` capability.

This module imports no backend. The built-in ones are ``dialogue_flow.MemoryStorage`` and
``dialogue_flow.SQLiteStorage``; :mod:`dialogue_flow.storage.sql` is the SQL layer they
share with the PostgreSQL plugin (schema and migrations as data, queries, report and sweep
SQL). A backend reuses the argument checks here so its errors match the built-in ones'.
Hosts rarely need this module: they open storage by URL with ``DialogueFlow.open``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs

from dialogue_flow._access_records import AccessEntry, AccessQuery
from dialogue_flow._attachment_records import Attachment
from dialogue_flow._document_records import IssuedDocument, check_document
from dialogue_flow._errors import InvalidInputError, StorageError
from dialogue_flow._heartbeats import Heartbeat, OutboxBacklog, check_heartbeat
from dialogue_flow._reception_records import ReceptionDay
from dialogue_flow._recipients import Delivery
from dialogue_flow._records import (
    Dialogue,
    Notification,
    Organisation,
    Submission,
    SubmissionState,
    TransitionRecord,
)
from dialogue_flow._serialization import from_json

from ._facts import OPEN_WITH_CLOCK, ReportFacts, ReportInputs, SubmissionFacts
from ._outbox import (
    MAX_PAGE,
    SETTLED,
    OutboxEntry,
    OutboxStatus,
    check_claim,
    check_instant,
    check_limit,
    check_retry,
    check_settled,
    check_status,
    check_worker,
    decode_deliveries,
    encode_deliveries,
)
from ._queries import DialogueQuery, ReceptionQuery, SubmissionQuery

__all__ = [
    "KINDS",
    "MAX_PAGE",
    "OPEN_WITH_CLOCK",
    "SETTLED",
    "AccessQuery",
    "Changeset",
    "Delivery",
    "DialogueQuery",
    "Heartbeat",
    "ImportKey",
    "IssuedDocument",
    "OutboxBacklog",
    "OutboxEntry",
    "OutboxStatus",
    "ReceptionQuery",
    "Record",
    "ReportFacts",
    "ReportInputs",
    "Storage",
    "StoredRecord",
    "SubmissionCount",
    "SubmissionFacts",
    "SubmissionQuery",
    "check_claim",
    "check_document",
    "check_heartbeat",
    "check_instant",
    "check_limit",
    "check_retry",
    "check_settled",
    "check_status",
    "check_worker",
    "decode_deliveries",
    "decode_page",
    "decode_stored",
    "encode_deliveries",
    "every_page",
]

Record: TypeAlias = Dialogue | Submission | ReceptionDay
#: What a changeset may write: the records commands act on, and organisations.
StoredRecord: TypeAlias = Dialogue | Submission | ReceptionDay | Organisation | Attachment

logger = logging.getLogger("dialogue_flow.storage")

#: The record kinds a backend stores (``Record.KIND``), in the order tables are named.
KINDS = (Dialogue.KIND, Submission.KIND, Organisation.KIND, ReceptionDay.KIND, Attachment.KIND)


def _one_write_per_record(_inst: object, _attribute: attrs.Attribute[Any],
                          value: tuple[tuple[StoredRecord, int], ...]) -> None:
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


def _state_names(value: Iterable[str]) -> frozenset[str]:
    names = frozenset(str(state) for state in value)
    known = {state.value for state in SubmissionState}
    if not names <= known:
        raise InvalidInputError("states", f"unknown submission states {sorted(names - known)}; "
                                f"expected some of {', '.join(sorted(known))}")
    return names


def _id_set(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _bounds(inst: SubmissionCount, _attribute: attrs.Attribute[Any], value: int | None,
            ) -> None:
    if inst.at_least < 0 or (value is not None and value < inst.at_least):
        raise InvalidInputError("at_most", f"{inst.at_least} <= count <= {value} is empty")


@attrs.frozen
class SubmissionCount:
    """A guard on how many submissions of one dialogue a command saw: the commit fails
    with :class:`~dialogue_flow.ConcurrentChangeError` unless ``at_least <= count <=
    at_most``.

    ``count`` is the number of stored submissions of ``dialogue_id`` whose state is in
    ``states`` (every submission when ``states`` is empty), leaving out the ids in
    ``excluding``, as stored before this changeset's writes. Version guards cover records a
    command read; this guard covers the ones it could not see: a submission received, closed
    or reopened by another process meanwhile. A backend checks it inside the commit's
    transaction and serialises it with every other commit that guards, counts or writes the
    same dialogue (SQLite: one writer at a time; PostgreSQL: the dialogue's row locked
    ``FOR UPDATE`` before counting).
    """

    dialogue_id: str
    states: frozenset[str] = attrs.field(default=frozenset(), converter=_state_names)
    excluding: frozenset[str] = attrs.field(default=frozenset(), converter=_id_set)
    at_least: int = 0
    at_most: int | None = attrs.field(default=None, validator=_bounds)

    def admits(self, count: int) -> bool:
        """Whether ``count`` lies within the bounds."""
        return self.at_least <= count and (self.at_most is None or count <= self.at_most)

    def matches(self, submission: Submission) -> bool:
        """Whether ``submission`` is one this guard counts (for backends that filter in
        Python)."""
        return (submission.dialogue_id == self.dialogue_id
                and submission.id not in self.excluding
                and (not self.states or submission.state.value in self.states))


def _import_key_text(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidInputError(f"ImportKey.{attribute.name}", "expected text of 1-200 "
                                "characters")


@attrs.frozen
class ImportKey:
    """The key of one register row an import added (issue 18): a re-import of the same row
    into the same organisation finds it (:meth:`Storage.import_keys`) and skips the row."""

    organisation_id: str = attrs.field(validator=_import_key_text)
    #: The register's own number of the row (with its year), or a digest of its cells.
    key: str = attrs.field(validator=_import_key_text)
    submission_id: str = attrs.field(validator=_import_key_text)


def _distinct_keys(_inst: object, _attribute: attrs.Attribute[Any],
                   value: tuple[ImportKey, ...]) -> None:
    if len({(k.organisation_id, k.key) for k in value}) != len(value):
        raise InvalidInputError("import_keys", "a key appears twice in one changeset")


@attrs.frozen
class Changeset:
    """Everything one command writes, committed atomically.

    ``records`` pairs each new record with the version it replaces (0 for a new record);
    the commit fails with :class:`VersionConflictError` if any stored version differs.
    A record may appear at most once (a command that moves a record twice writes the last
    version against the stored one).
    """

    records: tuple[tuple[StoredRecord, int], ...] = attrs.field(validator=_one_write_per_record)
    transitions: tuple[TransitionRecord, ...] = ()
    #: Written to the outbox; a key already there (from this or an earlier commit) is
    #: skipped silently, so a command retried after a crash does not notify twice.
    notifications: tuple[Notification, ...] = ()
    #: ``(kind, id, version)`` of records read but not written that must not have changed
    #: (e.g. the dialogue a new submission joins: a conclusion committed meanwhile would
    #: miss it).
    guards: tuple[tuple[str, str, int], ...] = attrs.field(default=(), validator=_known_kinds)
    #: Guards on how many submissions of a dialogue there are (:class:`SubmissionCount`):
    #: what a command decided from the set of a dialogue's matters (a conclusion notice,
    #: the completion by the last close) stays true at the commit.
    counts: tuple[SubmissionCount, ...] = ()
    #: The keys of the register rows an import adds (:class:`ImportKey`), recorded with
    #: the submissions made of them; one the organisation holds already fails the commit
    #: with a :class:`VersionConflictError` of kind ``import_key`` (issue 18).
    import_keys: tuple[ImportKey, ...] = attrs.field(default=(), validator=_distinct_keys)


@runtime_checkable
class Storage(Protocol):
    """What a storage backend provides. ``dialogue_flow.testing`` holds its contract tests."""

    def get_dialogue(self, dialogue_id: str) -> Dialogue:
        """The current dialogue. :raises NotFoundError:"""
        ...

    def get_submission(self, submission_id: str) -> Submission:
        """The current submission. :raises NotFoundError:"""
        ...

    def get_submission_by_code(self, tracking_code: str) -> Submission:
        """The current submission whose ``tracking_code`` is this one (as stored: ten
        capitals and digits; the façade reads what people type).

        Codes are unique: a commit writing a submission with a code another submission
        holds fails with :class:`StorageError` and writes nothing.

        :raises NotFoundError: no submission has it (``kind`` "submission", the code as
            ``record_id``).
        """
        ...

    def get_organisation(self, organisation_id: str) -> Organisation:
        """The stored organisation. :raises NotFoundError:"""
        ...

    def find_organisations(self) -> list[Organisation]:
        """Every stored organisation, ordered by id (a national tree is ~3,400)."""
        ...

    def organisation_subtree(self, root: str) -> frozenset[str]:
        """The ids of ``root`` and of every stored organisation under it; empty when ``root``
        is not stored (so the caller learns both from one query).

        A province's dashboard resolves its subtree on every page: from the stored tree, not
        by decoding every organisation (3,355 records of a national tree took 48 ms on
        SQLite; a recursive query over the parent index takes well under 1 ms)."""
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
        """At most ``query.limit`` submissions matching ``query``, in its order."""
        ...

    def count_submissions(self, query: SubmissionQuery) -> int:
        """How many submissions pass every filter of ``query`` (:meth:`SubmissionQuery.within`;
        ``after`` and ``limit`` ignored): the total a dashboard shows beside a page."""
        ...

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        """At most ``query.limit`` dialogues matching ``query``, ordered by id."""
        ...

    def get_reception_day(self, reception_id: str) -> ReceptionDay:
        """The current citizen reception day. :raises NotFoundError:"""
        ...

    def find_reception_days(self, query: ReceptionQuery) -> list[ReceptionDay]:
        """At most ``query.limit`` reception days matching ``query``, ordered by id."""
        ...

    def pending_notifications(self) -> list[Notification]:
        """Outbox rows still pending (leased or not, parked excluded), oldest first."""
        ...

    def claim_notifications(self, worker: str, now: dt.datetime, lease: dt.timedelta,
                            limit: int = 100, organisations: frozenset[str] | None = None,
                            ) -> list[OutboxEntry]:
        """Lease up to ``limit`` deliverable rows to ``worker``, oldest first, atomically;
        of ``organisations``' notifications only when given (a dispatcher per committee).

        Deliverable: pending, ``next_attempt_at`` unset or ``<= now``, and no valid lease
        (``lease_until`` unset or ``<= now``). Each claimed row gets ``lease_owner=worker``,
        ``lease_until=now + lease`` and ``attempts + 1``. Two dispatchers never receive the
        same row while its lease is valid; each dispatcher needs its own ``worker`` name.

        :raises InvalidInputError: blank worker, naive ``now``, ``lease <= 0``, ``limit < 1``.
        """
        ...

    def mark_delivered(self, key: str, worker: str, *,
                       status: OutboxStatus = OutboxStatus.DELIVERED,
                       deliveries: Sequence[Delivery] = ()) -> bool:
        """Record that ``worker`` dispatched the pending row ``key``: it is settled with
        ``status`` (one of :data:`SETTLED`) and the ``deliveries`` made, and never claimed
        again. Check the arguments with :func:`check_settled`.

        :return: ``False`` (and nothing changes) if ``worker`` no longer holds the row: its
            lease expired and another dispatcher claimed it, or it is no longer pending.
        :raises NotFoundError: no outbox row has that key.
        :raises InvalidInputError: a status that does not settle, or a delivery that is not
            a :class:`Delivery`.
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

    def outbox_stats(self, organisations: frozenset[str] | None = None) -> dict[str, int]:
        """The number of outbox rows per :class:`OutboxStatus` value (every status present),
        of the notifications of ``organisations`` only when given."""
        ...

    def parked_notifications(self, limit: int = 100,
                             organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        """Up to ``limit`` parked rows, oldest first, with their attempts and last error:
        what a person must look at (of ``organisations`` only when given)."""
        ...

    def outbox_backlog(self, organisations: frozenset[str] | None = None,
                       ) -> list[OutboxBacklog]:
        """Per organisation with pending or parked rows (of ``organisations`` only when
        given), ordered by id: how many, and when the oldest pending notification was
        written (``dialogue-flow status``)."""
        ...

    def record_heartbeat(self, heartbeat: Heartbeat) -> None:
        """Keep ``heartbeat`` as the latest of its job and :attr:`Heartbeat.scope`, unless
        the one kept finished later. Check it with :func:`check_heartbeat`.

        :raises InvalidInputError: not a :class:`Heartbeat`.
        """
        ...

    def heartbeats(self) -> list[Heartbeat]:
        """The latest heartbeat of every job and scope, ordered by job, then scope."""
        ...

    def outbox_entries(self, status: OutboxStatus, limit: int = 100,
                       organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        """Up to ``limit`` rows of ``status``, newest first, with their attempts, last error
        and deliveries (of ``organisations`` only when given): the notifications nobody
        received, what was only logged.

        :raises InvalidInputError: not an :class:`OutboxStatus`, or a bad ``limit``.
        """
        ...

    def requeue(self, key: str) -> bool:
        """Make a parked row pending again, due now, with its attempts reset (its last error
        is kept until the next attempt). ``False`` if the row is not parked.

        :raises NotFoundError: no outbox row has that key.
        """
        ...

    def prune_outbox(self, before: dt.date, limit: int = 1000) -> int:
        """Delete up to ``limit`` settled rows (delivered, logged or with no recipient)
        whose notification was written on a day (Asia/Ho_Chi_Minh) before ``before``,
        oldest first, in one transaction; return how many were deleted (fewer than
        ``limit``: none are left). Pending and parked rows are never deleted.

        The key of every deleted row is kept: a later commit of a notification with that
        key skips it, as if the row were still there (the sweep writes the key of a
        matter's overdue notice on every run while the matter stays overdue). Check the
        arguments with :func:`dialogue_flow.storage.sql.check_prune`.

        :raises InvalidInputError: ``before`` is not a date, or ``limit`` is not 1-10000.
        """
        ...

    def log_access(self, entries: Sequence[AccessEntry]) -> list[AccessEntry]:
        """Append ``entries`` to the access log in one transaction, all or nothing, and
        return them as stored: each with the ``seq`` it was given, increasing in the order
        given (issue 17). The log is append-only: nothing here changes or removes an entry.

        :raises InvalidInputError: an item that is not an :class:`AccessEntry`.
        """
        ...

    def access_log(self, query: AccessQuery) -> list[AccessEntry]:
        """At most ``query.limit`` entries passing every filter of ``query``
        (:meth:`AccessQuery.matches`), by ``seq``."""
        ...

    def record_notifications(self, kind: str, record_id: str) -> list[OutboxEntry]:
        """Every outbox row about one record (its notification's ``kind`` and
        ``record_id``), oldest first, whatever its status, with its deliveries: what an
        export lists of the notices sent about a petitioner's matter (issue 17). SQL
        backends find them by the key's prefix ``{kind}:{record_id}:``, which every key the
        library writes about a record has."""
        ...

    def get_attachment(self, attachment_id: str) -> Attachment:
        """The current record of one attachment (its file lives in a file store, not
        here). :raises NotFoundError:"""
        ...

    def get_attachment_by_file_key(self, file_key: str) -> Attachment:
        """The current record of the attachment whose file is stored under ``file_key``
        (erased or not; no two share one): what a repair asks before it removes a file.

        :raises NotFoundError: no attachment names it (``kind`` "attachment", the key as
            ``record_id``).
        """
        ...

    def find_attachments(self, submission_id: str | None = None, *, after: str | None = None,
                         limit: int = 1000) -> list[Attachment]:
        """At most ``limit`` attachment records ordered by id: of ``submission_id``, or
        of every submission when it is ``None`` (a check, a backup); ids greater than
        ``after`` when given. Erased attachments are listed too.

        Attachments are written like every record, in a :class:`Changeset` (version 1 new,
        ``expected`` = the stored version): the submission's new version and its audit row
        in the same commit. No two attachments share a ``file_key``: a commit writing one
        another attachment holds fails with :class:`StorageError` and writes nothing.
        """
        ...

    def issue_document(self, document: IssuedDocument, *,
                       reissue: bool = False) -> IssuedDocument:
        """Record ``document`` as issued and return it with its number (issue 18), in one
        transaction: the next of its organisation's ``series`` in its ``year`` (1 for the
        first; ``document.number`` is not read), unless the organisation already issued a
        document of its ``kind`` about its subject (``subject_kind``, ``subject_id``): then
        that one, the latest, as it was recorded (a reprint keeps its number and day).
        ``reissue=True`` always takes a new number; the old one stays used. Two callers at
        once, in threads or processes, never get the same number, and numbers of one
        sequence go 1, 2, 3 without a gap. Check ``document`` with :func:`check_document`.

        :raises InvalidInputError: not an :class:`IssuedDocument`, or ``reissue`` not a bool.
        """
        ...

    def documents(self, *, organisation_id: str | None = None, subject_id: str | None = None,
                  kind: str | None = None) -> list[IssuedDocument]:
        """The issued documents passing every filter given (an organisation's, a subject's,
        of a kind: a ``DocumentKind`` or its value), in the order they were issued.

        :raises InvalidInputError: an id that is not one, or a kind that is not one.
        """
        ...

    def import_keys(self, organisation_id: str, keys: Iterable[str]) -> dict[str, str]:
        """Which of ``keys`` an import recorded for ``organisation_id``
        (:attr:`Changeset.import_keys`), each with the id of the submission made of its
        row: what a re-import of a register skips (issue 18). Check the arguments with
        :func:`dialogue_flow.storage.sql.check_import_lookup`."""
        ...

    def close(self) -> None:
        """Release connections and files; the object is unusable afterwards."""
        ...


_D = TypeVar("_D")


def decode_stored(cls: type[_D], text: str, record_id: str | None = None) -> _D:
    """Rebuild a stored record from its JSON; corrupt data is a :class:`StorageError` naming
    the record (``record_id``) and the field, never the data."""
    try:
        return from_json(cls, text)
    except InvalidInputError as exc:
        which = f"stored {cls.__name__} {record_id}" if record_id else f"a stored {cls.__name__}"
        raise StorageError(f"{which} cannot be read back: {exc}") from None


_Q = TypeVar("_Q", "SubmissionQuery", "DialogueQuery", "ReceptionQuery")


_Paged = TypeVar("_Paged", "DialogueQuery", "ReceptionQuery")
_Item = TypeVar("_Item", Dialogue, ReceptionDay)


def every_page(find: Callable[[_Paged], list[_Item]], query: _Paged) -> list[_Item]:
    """Every record ``find(query)`` matches, page by page (``query.limit`` a page), in id
    order: for a caller that needs them all (a month's reception days, an export)."""
    found: list[_Item] = []
    while True:
        page = find(query)
        found += page
        if len(page) < query.limit or not page:
            return found
        query = attrs.evolve(query, after=page[-1].id)


def decode_page(cls: type[_D], query: _Q,
                fetch: Callable[[_Q], Sequence[Sequence[Any]]]) -> list[_D]:
    """The records of one page of ``query``, for SQL backends: ``fetch(query)`` returns
    its ``(id, record JSON, cursor)`` rows (the ``after`` the next page starts from). A row
    that cannot be read back is left out with a warning naming it, and the page is filled
    from the rows after it, so one undecodable record never makes a listing fail nor cuts
    it short (``check`` and ``get_*`` name it).
    """
    found: list[_D] = []
    page = query
    while True:
        rows = fetch(page)
        for record_id, text, *_cursor in rows:
            try:
                found.append(decode_stored(cls, text, record_id))
            except StorageError as exc:
                logger.warning("left out of a listing: %s", exc)
        if len(rows) < page.limit or len(found) >= query.limit:
            return found[:query.limit]
        page = attrs.evolve(page, after=rows[-1][2], limit=query.limit - len(found))


#: Names this package exported while it was a module that also held the backends
#: (before issue 12): old name -> (module, name, what to use instead).
_MOVED = {
    "MemoryStorage": ("dialogue_flow.storage._memory", "MemoryStorage",
                      "dialogue_flow.MemoryStorage"),
    "SQLiteStorage": ("dialogue_flow.storage._sqlite", "SQLiteStorage",
                      "dialogue_flow.SQLiteStorage"),
}


def __getattr__(name: str) -> Any:
    """The backends, still reachable under their old names with a DeprecationWarning (they
    are imported only then: the contract imports no backend)."""
    moved = _MOVED.get(name)
    if moved is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute, instead = moved
    warnings.warn(f"dialogue_flow.storage.{name} is deprecated and will be removed in the "
                  f"next minor version; use {instead}", DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(module), attribute)
