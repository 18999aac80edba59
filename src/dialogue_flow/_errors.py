"""Every exception the library raises on purpose.

The hierarchy::

    DialogueFlowError
    ├── InvalidInputError           bad argument: names the field and why (also a ValueError)
    │   └── CalendarRangeError      a date outside the range the calendar was built for
    ├── ConfigurationError          contradictory overrides, a bad policy or TOML file
    │   └── PluginError             a plugin that is misspelt, missing or misbehaving
    ├── InvalidTransitionError      an event not allowed from the current state
    ├── TransitionVetoedError       a `before_transition` hook refused the change
    ├── NotFoundError               no record with that id (also a KeyError)
    │   └── PetitionerNotFoundError no matter held names the petitioner asked about
    ├── VersionConflictError        a stale write: somebody committed first
    │   └── ConcurrentChangeError   a dialogue's set of matters changed meanwhile
    ├── PermissionDeniedError       the acting actor may not do this
    ├── StorageError                the backend failed; nothing was written
    │   └── CommitOutcomeUnknownError   the connection died during COMMIT: read back
    └── PermanentDeliveryError      a notifier says retrying cannot help: park the row now

Hosts catch `DialogueFlowError` to handle everything this library means to raise;
anything else escaping is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

__all__ = [
    "CalendarRangeError",
    "CommitOutcomeUnknownError",
    "ConcurrentChangeError",
    "ConfigurationError",
    "DialogueFlowError",
    "InvalidInputError",
    "InvalidTransitionError",
    "NotFoundError",
    "PermanentDeliveryError",
    "PermissionDeniedError",
    "PetitionerNotFoundError",
    "PluginError",
    "StorageError",
    "TransitionVetoedError",
    "VersionConflictError",
]


class DialogueFlowError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidInputError(DialogueFlowError, ValueError):
    """An argument was rejected before anything was written.

    :ivar field: the name of the offending argument or field.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class CalendarRangeError(InvalidInputError):
    """A date lies outside the years the calendar was built for; it never guesses."""

    def __init__(self, field: str, value: date, first: date, last: date) -> None:
        self.value = value
        self.first = first
        self.last = last
        super().__init__(
            field,
            f"{value.isoformat()} is outside the calendar's range "
            f"{first.isoformat()}..{last.isoformat()}; build the calendar with "
            f"WorkCalendar.vietnam(years=range(...)) covering the dates you need",
        )


class ConfigurationError(DialogueFlowError):
    """Configuration (calendar overrides, deadline policies, TOML files) is inconsistent."""


class PluginError(ConfigurationError):
    """A plugin could not be loaded, implements an unknown hook, or answered nonsense."""


class InvalidTransitionError(DialogueFlowError):
    """The event is not allowed from the record's current state (or its arguments would
    be accepted from another state: closing as "accepted" what was just reopened).

    :ivar allowed: the events that *are* allowed from ``state``, sorted.
    """

    def __init__(self, kind: str, record_id: str, state: str, event: str,
                 allowed: Iterable[str], detail: str | None = None) -> None:
        self.kind = kind
        self.record_id = record_id
        self.state = state
        self.event = event
        self.allowed = tuple(sorted(allowed))
        choices = ", ".join(self.allowed) if self.allowed else "none (final state)"
        why = detail if detail is not None else f"events allowed from {state}: {choices}"
        super().__init__(f"cannot {event} {kind} {record_id}: it is {state}; {why}")


class TransitionVetoedError(DialogueFlowError):
    """A plugin's ``before_transition`` hook refused the change; nothing was written."""


class NotFoundError(DialogueFlowError, KeyError):
    """No record of that kind has that id."""

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"no {kind} with id {record_id!r}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class PetitionerNotFoundError(NotFoundError):
    """No matter held names the petitioner a request about personal data describes (the
    message names what was given, never its value)."""

    def __init__(self, criteria: str, where: str) -> None:
        super().__init__("petitioner", criteria)
        message = (f"no matter held in {where} names a petitioner with this {criteria}; "
                   "nothing is held about them (an erased petitioner is not found again)")
        self.args = (message,)


class VersionConflictError(DialogueFlowError):
    """A write was based on a stale version: another command committed first.

    Reload the record and decide again; nothing of the stale write was kept.
    """

    def __init__(self, kind: str, record_id: str, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.record_id = record_id
        self.expected = expected
        self.actual = actual
        found = "it no longer exists" if actual is None else f"it is at version {actual}"
        super().__init__(
            f"{kind} {record_id} changed underneath you: expected version {expected}, {found}; "
            f"reload it and retry"
        )


class ConcurrentChangeError(VersionConflictError):
    """The submissions of a dialogue changed between a command's reads and its commit:
    another process received, closed or reopened one, so what the command decided (the
    conclusion notice, whether this close completes the dialogue) may no longer hold.

    Nothing was written. The façade decides again by itself a few times before letting this
    reach the caller; a caller who sees it retries the command as for any version conflict.
    ``expected`` and ``actual`` hold the count the command allowed (its lower bound) and the
    count found.
    """

    def __init__(self, dialogue_id: str, found: int, at_least: int, at_most: int | None,
                 ) -> None:
        DialogueFlowError.__init__(
            self, f"the submissions of dialogue {dialogue_id} changed while this command "
            f"was decided ({found} counted where {_range(at_least, at_most)} were expected); "
            "decide again")
        self.kind = "dialogue"
        self.record_id = dialogue_id
        self.expected = at_least
        self.actual = found


def _range(at_least: int, at_most: int | None) -> str:
    if at_most is None:
        return f"at least {at_least}"
    return str(at_least) if at_least == at_most else f"{at_least} to {at_most}"


class PermissionDeniedError(DialogueFlowError):
    """The acting actor is not allowed to perform this action on this record."""


class StorageError(DialogueFlowError):
    """The storage backend failed; the command was rolled back as a whole."""


class CommitOutcomeUnknownError(StorageError):
    """The connection failed while COMMIT was in flight: the change may or may not have
    been applied. Read the records back (their version tells) before deciding again."""


class PermanentDeliveryError(DialogueFlowError):
    """Raised by a ``dialogue_flow_deliver`` implementation when retrying cannot help
    (a 4xx answer, an address the server refuses for good): the dispatcher parks the row
    at once instead of retrying it, unless another channel failed only transiently."""
