"""dialogue_flow: the direct-dialogue cycle of Vietnamese party committees, as a library.

Everything a host needs is importable from here; the ``_modules`` are private. A name is
imported from its module when first used (PEP 562), so that ``import dialogue_flow`` and
the command line's ``--help`` do not load the storage, the lifecycle engine and every
command they do not run.
"""

import importlib
import typing as _typing
import warnings

from ._version import __version__

if _typing.TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ imports on first use
    from ._access_records import AccessEntry
    from ._actor_settings import ActorEntry
    from ._attachment_records import Attachment, AttachmentKind, AttachmentLimits, check_key
    from ._attachments import FileProblem
    from ._backup import BackupManifest, restore_backup, verify_backup
    from ._calendar import SkippedDay, SpecialDay, WorkCalendar
    from ._clock import VIETNAM_TZ, Clock, FixedClock, SystemClock
    from ._copy import CopyResult, copy_store
    from ._dispatch import Dispatcher, DispatchResult
    from ._document_records import DocumentKind, IssuedDocument
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
    from ._export import register_table, report_table, rollup_table
    from ._files import FileStore, FolderFileStore, MemoryFileStore, StoredFile
    from ._flow import Authorizer, DialogueFlow, Page
    from ._ids import SequentialIds, time_ordered_id
    from ._import_rows import ImportRejected, ImportResult, RowError
    from ._integrity import Violation
    from ._lifecycle import DIALOGUE, RECEPTION, SUBMISSION, EventSpec, Lifecycle
    from ._lookup import PublicStatus
    from ._merge import MergedSource, MergeReport, MergeSource
    from ._notifiers import LoggingNotifier
    from ._petitioner import Redaction
    from ._plugins import PluginManager, load_plugins
    from ._policy import DeadlinePolicy, DeadlineRule, ReportDue, ReportRule, bundled_policies
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
    from ._settings import Settings, read_settings
    from ._status import OrganisationStatus, StatusThresholds, StoreStatus
    from ._sweep import SweepResult
    from ._table_files import read_table_file, write_table_file
    from .hookspecs import hookimpl
    from .storage._memory import MemoryStorage
    from .storage._sqlite import SQLiteStorage

__all__ = [
    "DEFAULT_ORGANISATION",
    "DIALOGUE",
    "RECEPTION",
    "RECEPTION_MINIMUM",
    "SUBMISSION",
    "VIETNAM_TZ",
    "AccessEntry",
    "Actor",
    "ActorEntry",
    "AnswerMode",
    "Attachment",
    "AttachmentKind",
    "AttachmentLimits",
    "Authorizer",
    "BackupManifest",
    "CalendarRangeError",
    "Channel",
    "Clock",
    "CloseReason",
    "CommitOutcomeUnknownError",
    "ConclusionItem",
    "ConclusionNotice",
    "ConcurrentChangeError",
    "ConfigurationError",
    "CopyResult",
    "DayOverride",
    "Deadline",
    "DeadlinePolicy",
    "DeadlineRule",
    "Delivery",
    "Dialogue",
    "DialogueFlow",
    "DialogueFlowError",
    "DialogueState",
    "DispatchResult",
    "Dispatcher",
    "DocumentKind",
    "EventSpec",
    "FileProblem",
    "FileStore",
    "FixedClock",
    "FolderFileStore",
    "ImportRejected",
    "ImportResult",
    "InvalidInputError",
    "InvalidTransitionError",
    "IssuedDocument",
    "Level",
    "Lifecycle",
    "LoggingNotifier",
    "MemoryFileStore",
    "MemoryStorage",
    "MergeReport",
    "MergeSource",
    "MergedSource",
    "NotFoundError",
    "Notification",
    "Organisation",
    "OrganisationStatus",
    "Page",
    "Period",
    "PermanentDeliveryError",
    "PermissionDeniedError",
    "Petitioner",
    "PetitionerRecipients",
    "PluginError",
    "PluginManager",
    "PublicStatus",
    "ReadOnlyStore",
    "ReceptionDay",
    "ReceptionMonth",
    "ReceptionState",
    "Recipient",
    "Redaction",
    "Report",
    "ReportDue",
    "ReportItem",
    "ReportRule",
    "Role",
    "Rollup",
    "RollupRow",
    "RowError",
    "SQLiteStorage",
    "SequentialIds",
    "Settings",
    "SkippedDay",
    "SpecialDay",
    "StatusThresholds",
    "StorageError",
    "StoreStatus",
    "StoredFile",
    "Submission",
    "SubmissionKind",
    "SubmissionState",
    "SweepResult",
    "SystemClock",
    "TransitionRecord",
    "TransitionVetoedError",
    "VersionConflictError",
    "Violation",
    "WorkCalendar",
    "__version__",
    "bundled_policies",
    "check_key",
    "copy_store",
    "from_dict",
    "from_json",
    "hookimpl",
    "load_plugins",
    "read_settings",
    "read_table_file",
    "register_table",
    "report_table",
    "restore_backup",
    "retry_on_conflict",
    "rollup_table",
    "time_ordered_id",
    "to_dict",
    "to_json",
    "verify_backup",
    "write_table_file",
]

#: Where each public name is written (a module of this package), imported on first use.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "_access_records": ("AccessEntry",),
    "_actor_settings": ("ActorEntry",),
    "_attachment_records": ("Attachment", "AttachmentKind", "AttachmentLimits", "check_key"),
    "_attachments": ("FileProblem",),
    "_backup": ("BackupManifest", "restore_backup", "verify_backup"),
    "_calendar": ("SkippedDay", "SpecialDay", "WorkCalendar"),
    "_clock": ("VIETNAM_TZ", "Clock", "FixedClock", "SystemClock"),
    "_copy": ("CopyResult", "copy_store"),
    "_dispatch": ("Dispatcher", "DispatchResult"),
    "_document_records": ("DocumentKind", "IssuedDocument"),
    "_errors": ("CalendarRangeError", "CommitOutcomeUnknownError", "ConcurrentChangeError",
                "ConfigurationError", "DialogueFlowError", "InvalidInputError",
                "InvalidTransitionError", "NotFoundError", "PermanentDeliveryError",
                "PermissionDeniedError", "PluginError", "StorageError", "TransitionVetoedError",
                "VersionConflictError"),
    "_export": ("register_table", "report_table", "rollup_table"),
    "_files": ("FileStore", "FolderFileStore", "MemoryFileStore", "StoredFile"),
    "_flow": ("Authorizer", "DialogueFlow", "Page"),
    "_ids": ("SequentialIds", "time_ordered_id"),
    "_import_rows": ("ImportRejected", "ImportResult", "RowError"),
    "_integrity": ("Violation",),
    "_lifecycle": ("DIALOGUE", "RECEPTION", "SUBMISSION", "EventSpec", "Lifecycle"),
    "_lookup": ("PublicStatus",),
    "_merge": ("MergedSource", "MergeReport", "MergeSource"),
    "_notifiers": ("LoggingNotifier",),
    "_petitioner": ("Redaction",),
    "_plugins": ("PluginManager", "load_plugins"),
    "_policy": ("DeadlinePolicy", "DeadlineRule", "ReportDue", "ReportRule", "bundled_policies"),
    "_reception_records": ("RECEPTION_MINIMUM", "ReceptionDay", "ReceptionMonth",
                           "ReceptionState"),
    "_recipients": ("Delivery", "PetitionerRecipients", "ReadOnlyStore", "Recipient"),
    "_records": ("DEFAULT_ORGANISATION", "Actor", "AnswerMode", "Channel", "CloseReason",
                 "ConclusionItem", "ConclusionNotice", "DayOverride", "Deadline", "Dialogue",
                 "DialogueState", "Level", "Notification", "Organisation", "Petitioner", "Role",
                 "Submission", "SubmissionKind", "SubmissionState", "TransitionRecord"),
    "_report": ("Period", "Report", "ReportItem"),
    "_retry": ("retry_on_conflict",),
    "_rollup": ("Rollup", "RollupRow"),
    "_serialization": ("from_dict", "from_json", "to_dict", "to_json"),
    "_settings": ("Settings", "read_settings"),
    "_status": ("OrganisationStatus", "StatusThresholds", "StoreStatus"),
    "_sweep": ("SweepResult",),
    "_table_files": ("read_table_file", "write_table_file"),
    "hookspecs": ("hookimpl",),
    "storage._memory": ("MemoryStorage",),
    "storage._sqlite": ("SQLiteStorage",),
}
_HOMES = {name: module for module, names in _EXPORTS.items() for name in names}

#: Names this package exported at its top level before issue 16 (item 11), and where they
#: live now: generic policy words in ``dialogue_flow.policy``, a backend's building blocks in
#: ``dialogue_flow.storage``. Importing them from here still works for one release.
_MOVED = {
    **dict.fromkeys(("Anchor", "Direction", "Purpose", "Unit"), "dialogue_flow.policy"),
    **dict.fromkeys(("Changeset", "DialogueQuery", "OutboxEntry", "OutboxStatus",
                     "ReceptionQuery", "Storage", "SubmissionQuery"), "dialogue_flow.storage"),
}


def __getattr__(name: str) -> _typing.Any:
    """A public name, imported from its module on first use (and kept here); a moved name
    with a DeprecationWarning naming its new home."""
    module = _HOMES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    home = _MOVED.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(f"dialogue_flow.{name} is deprecated: import it from {home}",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    """The module's own names and every public name, imported yet or not."""
    return sorted(set(globals()) | set(__all__))
