"""The in-memory backend: everything in dictionaries, for tests, demos and benchmarks."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from typing import TypeVar

import attrs

from dialogue_flow._access_records import AccessEntry, AccessQuery
from dialogue_flow._attachment_records import Attachment
from dialogue_flow._document_records import IssuedDocument
from dialogue_flow._errors import (
    ConcurrentChangeError,
    InvalidInputError,
    NotFoundError,
    StorageError,
    VersionConflictError,
)
from dialogue_flow._heartbeats import Heartbeat
from dialogue_flow._reception_records import ReceptionDay
from dialogue_flow._records import (
    Dialogue,
    Notification,
    Organisation,
    Submission,
    TransitionRecord,
)
from dialogue_flow._tree import subtree

from . import (
    SETTLED,
    Changeset,
    Delivery,
    DialogueQuery,
    OutboxEntry,
    OutboxStatus,
    ReceptionQuery,
    SubmissionQuery,
    check_claim,
    check_limit,
    check_retry,
    check_settled,
    check_status,
)
from ._import_sql import check_import_lookup, key_conflict
from ._memory_documents import MemoryDocuments
from ._memory_heartbeats import MemoryHeartbeats
from ._prune import PRUNE_BATCH, check_prune, local_day

__all__ = ["MemoryStorage"]

_R = TypeVar("_R", Dialogue, Submission, Organisation, ReceptionDay, Attachment)


class MemoryStorage(MemoryHeartbeats, MemoryDocuments):
    """A :class:`~dialogue_flow.storage.Storage` in dictionaries, guarded by one lock.

    Nothing survives the process. Every rule of the storage contract holds, so tests and
    demos behave as they would on SQLite.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dialogues: dict[str, Dialogue] = {}
        self._submissions: dict[str, Submission] = {}
        self._organisations: dict[str, Organisation] = {}
        self._reception_days: dict[str, ReceptionDay] = {}
        #: (kind, id) -> that record's audit trail, in commit order.
        self._history: dict[tuple[str, str], list[TransitionRecord]] = {}
        #: key -> the outbox row, in commit order (dicts keep insertion order).
        self._outbox: dict[str, OutboxEntry] = {}
        #: tracking code -> the id of the submission holding it.
        self._codes: dict[str, str] = {}
        #: The keys of the settled rows pruned from the outbox (never queued again).
        self._pruned: set[str] = set()
        self._attachments: dict[str, Attachment] = {}
        #: file key -> the id of the attachment holding it (one file per attachment).
        self._file_keys: dict[str, str] = {}
        #: The access log, in ``seq`` order (``seq`` = position + 1).
        self._access: list[AccessEntry] = []
        self._heartbeats: dict[tuple[str, str], Heartbeat] = {}
        self._documents: list[IssuedDocument] = []
        #: (organisation id, key) of an imported register row -> its submission's id.
        self._import_keys: dict[tuple[str, str], str] = {}

    def get_dialogue(self, dialogue_id: str) -> Dialogue:
        return self._get(Dialogue, dialogue_id)

    def get_submission(self, submission_id: str) -> Submission:
        return self._get(Submission, submission_id)

    def get_submission_by_code(self, tracking_code: str) -> Submission:
        with self._lock:
            submission_id = self._codes.get(tracking_code)
            if submission_id is None:
                raise NotFoundError(Submission.KIND, tracking_code)
            return self._submissions[submission_id]

    def get_organisation(self, organisation_id: str) -> Organisation:
        return self._get(Organisation, organisation_id)

    def get_reception_day(self, reception_id: str) -> ReceptionDay:
        return self._get(ReceptionDay, reception_id)

    def find_organisations(self) -> list[Organisation]:
        with self._lock:
            return sorted(self._organisations.values(), key=lambda o: o.id)

    def organisation_subtree(self, root: str) -> frozenset[str]:
        with self._lock:
            if root not in self._organisations:
                return frozenset()
        return subtree(((o.id, o.parent_id) for o in self.find_organisations()), root)

    def _get(self, cls: type[_R], record_id: str) -> _R:
        table: dict[str, _R] = self._table(cls.KIND)  # type: ignore[assignment] # by KIND
        record = table.get(record_id)
        if record is None:
            raise NotFoundError(cls.KIND, record_id)
        return record

    def _table(self, kind: str) -> (dict[str, Dialogue] | dict[str, Submission]
                                    | dict[str, Organisation] | dict[str, ReceptionDay]
                                    | dict[str, Attachment]):
        if kind == Dialogue.KIND:
            return self._dialogues
        if kind == Attachment.KIND:
            return self._attachments
        if kind == ReceptionDay.KIND:
            return self._reception_days
        return self._submissions if kind == Submission.KIND else self._organisations

    def commit(self, changes: Changeset) -> int:
        with self._lock:
            # Every check before the first write: nothing is half-written.
            self._check_versions(changes)
            trails: dict[tuple[str, str], list[TransitionRecord]] = {}
            for row in changes.transitions:
                ident = (row.kind, row.record_id)
                trail = trails.setdefault(ident, list(self._history.get(ident, ())))
                if any(old.version == row.version for old in trail):
                    raise StorageError(f"the audit trail already has {row.kind} "
                                       f"{row.record_id} version {row.version}; nothing was "
                                       "written")
                trail.append(row)
            for record, _expected in changes.records:
                if isinstance(record, Dialogue):
                    self._dialogues[record.id] = record
                elif isinstance(record, Submission):
                    self._store_submission(record)
                elif isinstance(record, ReceptionDay):
                    self._reception_days[record.id] = record
                elif isinstance(record, Attachment):
                    self._attachments[record.id] = record
                    self._file_keys[record.file_key] = record.id
                else:
                    self._organisations[record.id] = record
            self._history.update(trails)
            self._import_keys.update(((k.organisation_id, k.key), k.submission_id)
                                     for k in changes.import_keys)
            added = 0
            for note in changes.notifications:
                if note.key not in self._outbox and note.key not in self._pruned:
                    self._outbox[note.key] = OutboxEntry(note)
                    added += 1
            return added

    def _store_submission(self, record: Submission) -> None:
        old = self._submissions.get(record.id)
        if old is not None and old.tracking_code is not None:
            del self._codes[old.tracking_code]
        if record.tracking_code is not None:
            self._codes[record.tracking_code] = record.id
        self._submissions[record.id] = record

    def _check_versions(self, changes: Changeset) -> None:
        """Compare-and-set: every guarded and every written record at its expected version."""
        for kind, record_id, expected in changes.guards:
            current = self._table(kind).get(record_id)
            if current is None or current.version != expected:
                raise VersionConflictError(kind, record_id, expected,
                                           None if current is None else current.version)
        for guard in changes.counts:
            found = sum(1 for s in self._submissions.values() if guard.matches(s))
            if not guard.admits(found):
                raise ConcurrentChangeError(guard.dialogue_id, found, guard.at_least,
                                            guard.at_most)
        for record, expected in changes.records:
            current = self._table(record.KIND).get(record.id)
            actual = current.version if current is not None else 0
            if actual != expected:
                raise VersionConflictError(record.KIND, record.id, expected,
                                           actual if current is not None else None)
        self._check_codes(changes)
        self._check_file_keys(changes)
        held = [k for k in changes.import_keys
                if (k.organisation_id, k.key) in self._import_keys]
        if held:
            raise key_conflict(held[0].organisation_id, (k.key for k in held))

    def _check_file_keys(self, changes: Changeset) -> None:
        """No two attachments share a file, as a SQL backend's unique index keeps them."""
        seen: set[str] = set()
        for record, _expected in changes.records:
            if not isinstance(record, Attachment):
                continue
            key = record.file_key
            if key in seen or self._file_keys.get(key, record.id) != record.id:
                raise StorageError(f"attachment {record.id}: its file key is another "
                                   "attachment's; nothing was written")
            seen.add(key)


    def _check_codes(self, changes: Changeset) -> None:
        """Tracking codes stay unique, as a SQL backend's unique index keeps them."""
        seen: set[str] = set()
        for record, _expected in changes.records:
            code = record.tracking_code if isinstance(record, Submission) else None
            if code is None:
                continue
            if code in seen or self._codes.get(code, record.id) != record.id:
                raise StorageError(f"submission {record.id}: its tracking code is another "
                                   "submission's; nothing was written")
            seen.add(code)

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        with self._lock:
            trail = list(self._history.get((kind, record_id), ()))
        return sorted(trail, key=lambda row: row.version)

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        with self._lock:  # a commit in another thread must not change the dict under us
            found = [s for s in self._submissions.values() if query.matches(s)]
        return sorted(found, key=query.sort_key)[:query.limit]

    def count_submissions(self, query: SubmissionQuery) -> int:
        with self._lock:
            return sum(1 for s in self._submissions.values() if query.within(s))

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        with self._lock:
            found = [d for d in self._dialogues.values() if query.matches(d)]
        return _page(found, query.limit)

    def find_reception_days(self, query: ReceptionQuery) -> list[ReceptionDay]:
        with self._lock:
            found = [r for r in self._reception_days.values() if query.matches(r)]
        return _page(found, query.limit)

    def pending_notifications(self) -> list[Notification]:
        with self._lock:
            return [entry.notification for entry in self._outbox.values()
                    if entry.status is OutboxStatus.PENDING]

    def claim_notifications(self, worker: str, now: dt.datetime, lease: dt.timedelta,
                            limit: int = 100, organisations: frozenset[str] | None = None,
                            ) -> list[OutboxEntry]:
        check_claim(worker, now, lease, limit)
        now = now.astimezone(dt.UTC)
        claimed: list[OutboxEntry] = []
        with self._lock:
            for key, entry in self._outbox.items():
                if len(claimed) == limit:
                    break
                if organisations is not None and (
                        entry.notification.organisation_id not in organisations):
                    continue
                if entry.status is not OutboxStatus.PENDING or (
                        entry.next_attempt_at is not None and entry.next_attempt_at > now) or (
                        entry.lease_until is not None and entry.lease_until > now):
                    continue
                leased = attrs.evolve(entry, attempts=entry.attempts + 1, lease_owner=worker,
                                      lease_until=now + lease)
                self._outbox[key] = leased
                claimed.append(leased)
        return claimed

    def mark_delivered(self, key: str, worker: str, *,
                       status: OutboxStatus = OutboxStatus.DELIVERED,
                       deliveries: Sequence[Delivery] = ()) -> bool:
        status, done = check_settled(status, deliveries)
        with self._lock:
            entry = self._held(key, worker)
            if entry is None:
                return False
            self._outbox[key] = attrs.evolve(entry, status=status, lease_until=None,
                                             deliveries=done)
            return True

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        check_retry(error, retry_at)
        with self._lock:
            entry = self._held(key, worker)
            if entry is None:
                return False
            if retry_at is None:
                entry = attrs.evolve(entry, status=OutboxStatus.PARKED, lease_until=None,
                                     last_error=error)
            else:
                entry = attrs.evolve(entry, next_attempt_at=retry_at.astimezone(dt.UTC),
                                     lease_owner=None, lease_until=None, last_error=error)
            self._outbox[key] = entry
            return True

    def outbox_stats(self, organisations: frozenset[str] | None = None) -> dict[str, int]:
        stats = dict.fromkeys((s.value for s in OutboxStatus), 0)
        with self._lock:
            for entry in self._outbox.values():
                if organisations is None or entry.notification.organisation_id in organisations:
                    stats[entry.status.value] += 1
        return stats

    def parked_notifications(self, limit: int = 100,
                             organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        check_limit(limit)
        with self._lock:
            parked = [e for e in self._outbox.values() if e.status is OutboxStatus.PARKED and (
                organisations is None or e.notification.organisation_id in organisations)]
        return parked[:limit]

    def outbox_entries(self, status: OutboxStatus, limit: int = 100,
                       organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        wanted = check_status(status)
        check_limit(limit)
        with self._lock:
            found = [e for e in reversed(self._outbox.values()) if e.status is wanted and (
                organisations is None or e.notification.organisation_id in organisations)]
        return found[:limit]

    def requeue(self, key: str) -> bool:
        with self._lock:
            entry = self._outbox.get(key)
            if entry is None:
                raise NotFoundError("notification", key)
            if entry.status is not OutboxStatus.PARKED:
                return False
            # The row keeps its place in commit order: claims still take the oldest first.
            self._outbox[key] = attrs.evolve(entry, status=OutboxStatus.PENDING, attempts=0,
                                             next_attempt_at=None, lease_owner=None,
                                             lease_until=None)
            return True

    def log_access(self, entries: Sequence[AccessEntry]) -> list[AccessEntry]:
        for entry in entries:
            if not isinstance(entry, AccessEntry):
                raise InvalidInputError("entries", "expected AccessEntry items, got "
                                        f"{type(entry).__name__}")
        with self._lock:
            stored = [attrs.evolve(entry, seq=len(self._access) + n)
                      for n, entry in enumerate(entries, start=1)]
            self._access += stored
        return stored

    def access_log(self, query: AccessQuery) -> list[AccessEntry]:
        with self._lock:
            return [entry for entry in self._access if query.matches(entry)][:query.limit]

    def record_notifications(self, kind: str, record_id: str) -> list[OutboxEntry]:
        prefix = f"{kind}:{record_id}:"
        with self._lock:
            return [e for key, e in self._outbox.items() if key.startswith(prefix)
                    and (e.notification.kind, e.notification.record_id) == (kind, record_id)]

    def get_attachment(self, attachment_id: str) -> Attachment:
        with self._lock:
            return self._get(Attachment, attachment_id)

    def get_attachment_by_file_key(self, file_key: str) -> Attachment:
        with self._lock:
            attachment_id = self._file_keys.get(file_key)
            if attachment_id is None:
                raise NotFoundError(Attachment.KIND, file_key)
            return self._attachments[attachment_id]

    def find_attachments(self, submission_id: str | None = None, *, after: str | None = None,
                         limit: int = 1000) -> list[Attachment]:
        check_limit(limit)
        with self._lock:
            found = [a for a in self._attachments.values()
                     if (submission_id is None or a.submission_id == submission_id)
                     and (after is None or a.id > after)]
        return _page(found, limit)

    def import_keys(self, organisation_id: str, keys: Iterable[str]) -> dict[str, str]:
        wanted = check_import_lookup(organisation_id, keys)
        with self._lock:
            return {key: self._import_keys[(organisation_id, key)] for key in wanted
                    if (organisation_id, key) in self._import_keys}

    def prune_outbox(self, before: dt.date, limit: int = PRUNE_BATCH) -> int:
        check_prune(before, limit)
        with self._lock:
            old = [(local_day(entry.notification.created_at), n, key)
                   for n, (key, entry) in enumerate(self._outbox.items())
                   if entry.status in SETTLED
                   and local_day(entry.notification.created_at) < before]
            for _day, _n, key in sorted(old)[:limit]:
                del self._outbox[key]
                self._pruned.add(key)
        return min(len(old), limit)

    def close(self) -> None:
        """Nothing to release."""

    def _held(self, key: str, worker: str) -> OutboxEntry | None:
        """The pending row ``key`` if ``worker`` holds its lease (the caller holds the lock)."""
        entry = self._outbox.get(key)
        if entry is None:
            raise NotFoundError("notification", key)
        if entry.status is OutboxStatus.PENDING and entry.lease_owner == worker:
            return entry
        return None


def _page(found: list[_R], limit: int) -> list[_R]:
    return sorted(found, key=lambda r: r.id)[:limit]
