"""The storage boundary: a typed Protocol, the unit of commit, and the in-memory backend.

Every command ends in exactly one :meth:`Storage.commit` of a :class:`Changeset`: the new
versions of the records it changed, their audit-trail rows and the notifications to send,
all or nothing, each record guarded by compare-and-set on its version. A backend that
cannot promise that is not a backend.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from typing import Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs

from ._errors import NotFoundError, VersionConflictError
from ._records import (
    Dialogue,
    DialogueState,
    Notification,
    Submission,
    SubmissionState,
    TransitionRecord,
)

__all__ = [
    "Changeset",
    "DialogueQuery",
    "MemoryStorage",
    "Record",
    "Storage",
    "SubmissionQuery",
]

Record: TypeAlias = Dialogue | Submission
_R = TypeVar("_R", Dialogue, Submission)

#: States in which a submission waits for somebody to act and its due date runs.
OPEN_WITH_CLOCK = frozenset({SubmissionState.ASSIGNED, SubmissionState.ESCALATED})


@attrs.frozen
class Changeset:
    """Everything one command writes, committed atomically.

    ``records`` pairs each new record with the version it replaces (0 for a new record);
    the commit fails with :class:`VersionConflictError` if any stored version differs.
    """

    records: tuple[tuple[Record, int], ...]
    transitions: tuple[TransitionRecord, ...] = ()
    notifications: tuple[Notification, ...] = ()
    #: ``(kind, id, version)`` of records read but not written that must not have changed
    #: (e.g. the dialogue a new submission joins: a conclusion committed meanwhile would
    #: miss it).
    guards: tuple[tuple[str, str, int], ...] = ()


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
    limit: int = 100
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
    limit: int = 100
    after: str | None = None

    def matches(self, d: Dialogue) -> bool:
        return (
            (self.states is None or d.state in self.states)
            and (self.scheduled_from is None or d.scheduled_for >= self.scheduled_from)
            and (self.scheduled_to is None or d.scheduled_for <= self.scheduled_to)
            and (self.after is None or d.id > self.after)
        )


@runtime_checkable
class Storage(Protocol):
    """What a storage backend provides. ``dialogue_flow.testing`` holds its contract tests."""

    def get_dialogue(self, dialogue_id: str) -> Dialogue:
        """The current dialogue. :raises NotFoundError:"""
        ...

    def get_submission(self, submission_id: str) -> Submission:
        """The current submission. :raises NotFoundError:"""
        ...

    def commit(self, changes: Changeset) -> None:
        """Write all of ``changes`` or nothing. :raises VersionConflictError:"""
        ...

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        """The audit trail of one record, oldest first (empty if unknown)."""
        ...

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        """At most ``query.limit`` submissions matching ``query``, ordered by id."""
        ...

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        """At most ``query.limit`` dialogues matching ``query``, ordered by id."""
        ...

    def pending_notifications(self) -> list[Notification]:
        """Outbox rows not yet delivered, oldest first."""
        ...

    def close(self) -> None:
        """Release connections and files; the object is unusable afterwards."""
        ...


class MemoryStorage:
    """Everything in dictionaries, guarded by a lock: for tests, demos and benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dialogues: dict[str, Dialogue] = {}
        self._submissions: dict[str, Submission] = {}
        self._history: dict[tuple[str, str], list[TransitionRecord]] = {}
        self._outbox: list[Notification] = []
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

    def commit(self, changes: Changeset) -> None:
        with self._lock:
            for kind, record_id, expected in changes.guards:
                current = self._tables[kind].get(record_id)
                if current is None or current.version != expected:
                    raise VersionConflictError(kind, record_id, expected,
                                               None if current is None else current.version)
            for record, expected in changes.records:
                table = self._table(record)
                current = table.get(record.id)
                actual = current.version if current is not None else 0
                if actual != expected:
                    raise VersionConflictError(record.KIND, record.id, expected,
                                               actual if current is not None else None)
            for record, _ in changes.records:
                self._table(record)[record.id] = record
            for row in changes.transitions:
                self._history.setdefault((row.kind, row.record_id), []).append(row)
            self._outbox.extend(changes.notifications)

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        return list(self._history.get((kind, record_id), ()))

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        return _page(self._submissions.values(), query.matches, query.limit)

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        return _page(self._dialogues.values(), query.matches, query.limit)

    def pending_notifications(self) -> list[Notification]:
        return list(self._outbox)

    def close(self) -> None:
        """Nothing to release."""

    def _table(self, record: Record) -> dict[str, Record]:
        return self._tables[record.KIND]


def _page(items: Iterable[_R], keep: Callable[[_R], bool], limit: int) -> list[_R]:
    return sorted((r for r in items if keep(r)), key=lambda r: r.id)[:limit]
