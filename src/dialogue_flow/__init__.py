"""dialogue_flow: the direct-dialogue cycle of Vietnamese party committees, as a library.

Everything a host needs is importable from here; the ``_modules`` are private.
"""

from ._calendar import SkippedDay, SpecialDay, WorkCalendar
from ._clock import VIETNAM_TZ, Clock, FixedClock, SystemClock
from ._dispatch import Dispatcher, DispatchResult
from ._errors import (
    CalendarRangeError,
    CommitOutcomeUnknownError,
    ConcurrentChangeError,
    ConfigurationError,
    DialogueFlowError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    PermanentDeliveryError,
    PermissionDeniedError,
    PluginError,
    StorageError,
    TransitionVetoedError,
    VersionConflictError,
)
from ._flow import Authorizer, DialogueFlow, Page
from ._ids import SequentialIds, time_ordered_id
from ._integrity import Violation
from ._lifecycle import DIALOGUE, RECEPTION, SUBMISSION, EventSpec, Lifecycle
from ._lookup import PublicStatus
from ._notifiers import LoggingNotifier
from ._plugins import PluginManager, load_plugins
from ._policy import (
    Anchor,
    DeadlinePolicy,
    DeadlineRule,
    Direction,
    Purpose,
    ReportDue,
    ReportRule,
    Unit,
    bundled_policies,
)
from ._reception_records import RECEPTION_MINIMUM, ReceptionDay, ReceptionMonth, ReceptionState
from ._recipients import Delivery, PetitionerRecipients, ReadOnlyStore, Recipient
from ._records import (
    DEFAULT_ORGANISATION,
    Actor,
    AnswerMode,
    Channel,
    CloseReason,
    ConclusionItem,
    ConclusionNotice,
    DayOverride,
    Deadline,
    Dialogue,
    DialogueState,
    Level,
    Notification,
    Organisation,
    Petitioner,
    Role,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
)
from ._report import Period, Report, ReportItem
from ._retry import retry_on_conflict
from ._rollup import Rollup, RollupRow
from ._serialization import from_dict, from_json, to_dict, to_json
from ._sweep import SweepResult
from ._version import __version__
from .hookspecs import hookimpl
from .storage import (
    Changeset,
    DialogueQuery,
    OutboxEntry,
    OutboxStatus,
    ReceptionQuery,
    Storage,
    SubmissionQuery,
)
from .storage._memory import MemoryStorage
from .storage._sqlite import SQLiteStorage

__all__ = [
    "DEFAULT_ORGANISATION",
    "DIALOGUE",
    "RECEPTION",
    "RECEPTION_MINIMUM",
    "SUBMISSION",
    "VIETNAM_TZ",
    "Actor",
    "Anchor",
    "AnswerMode",
    "Authorizer",
    "CalendarRangeError",
    "Changeset",
    "Channel",
    "Clock",
    "CloseReason",
    "CommitOutcomeUnknownError",
    "ConclusionItem",
    "ConclusionNotice",
    "ConcurrentChangeError",
    "ConfigurationError",
    "DayOverride",
    "Deadline",
    "DeadlinePolicy",
    "DeadlineRule",
    "Delivery",
    "Dialogue",
    "DialogueFlow",
    "DialogueFlowError",
    "DialogueQuery",
    "DialogueState",
    "Direction",
    "DispatchResult",
    "Dispatcher",
    "EventSpec",
    "FixedClock",
    "InvalidInputError",
    "InvalidTransitionError",
    "Level",
    "Lifecycle",
    "LoggingNotifier",
    "MemoryStorage",
    "NotFoundError",
    "Notification",
    "Organisation",
    "OutboxEntry",
    "OutboxStatus",
    "Page",
    "Period",
    "PermanentDeliveryError",
    "PermissionDeniedError",
    "Petitioner",
    "PetitionerRecipients",
    "PluginError",
    "PluginManager",
    "PublicStatus",
    "Purpose",
    "ReadOnlyStore",
    "ReceptionDay",
    "ReceptionMonth",
    "ReceptionQuery",
    "ReceptionState",
    "Recipient",
    "Report",
    "ReportDue",
    "ReportItem",
    "ReportRule",
    "Role",
    "Rollup",
    "RollupRow",
    "SQLiteStorage",
    "SequentialIds",
    "SkippedDay",
    "SpecialDay",
    "Storage",
    "StorageError",
    "Submission",
    "SubmissionKind",
    "SubmissionQuery",
    "SubmissionState",
    "SweepResult",
    "SystemClock",
    "TransitionRecord",
    "TransitionVetoedError",
    "Unit",
    "VersionConflictError",
    "Violation",
    "WorkCalendar",
    "__version__",
    "bundled_policies",
    "from_dict",
    "from_json",
    "hookimpl",
    "load_plugins",
    "retry_on_conflict",
    "time_ordered_id",
    "to_dict",
    "to_json",
]
