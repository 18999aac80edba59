"""The storage contract, for authors of storage backends.

A backend implements :class:`Storage` (and, optionally, :class:`ReportFacts` to answer
sweeps and reports from its indexes), reuses the argument checks here so its errors match
the built-in backends', and runs :class:`dialogue_flow.testing.StorageContract` to prove it.
Hosts rarely need this module: they open storage by URL with ``DialogueFlow.open``.
"""

from ._sqlite import SQLiteStorage
from ._storage import (
    OPEN_WITH_CLOCK,
    Changeset,
    DecodedRecords,
    DialogueQuery,
    MemoryStorage,
    OutboxEntry,
    OutboxStatus,
    Record,
    ReportFacts,
    ReportInputs,
    Storage,
    SubmissionFacts,
    SubmissionQuery,
    check_claim,
    check_limit,
    check_retry,
    decode_stored,
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
    "SQLiteStorage",
    "Storage",
    "SubmissionFacts",
    "SubmissionQuery",
    "check_claim",
    "check_limit",
    "check_retry",
    "decode_stored",
]
