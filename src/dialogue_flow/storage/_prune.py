"""Pruning the outbox (issue 17, part 4): what every backend shares.

A settled outbox row (delivered, logged or with no recipient) is never claimed again; after
the retention a host sets (``[housekeeping] outbox_days``) nothing needs it but the
idempotency it gives: the outbox skips a key it holds, and the sweep writes the key of a
matter's overdue notice on *every* run while the matter stays overdue (one notice per due
date, ``dialogue_flow._sweep``). Deleting the row alone would let the next sweep queue the
same notice again. So a pruned row leaves its key behind in ``outbox_pruned`` (one short
text per row, against the 1-3 KiB of the notification), and a commit skips a key found
there as it skips one in the outbox: whatever wrote the key (a command, the sweep, a host),
it is never sent twice.

Pending and parked rows are never pruned: one is still to be delivered, the other waits
for a person (``dialogue-flow outbox --requeue``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Final

from dialogue_flow._clock import VIETNAM_TZ
from dialogue_flow._errors import InvalidInputError
from dialogue_flow._records import Notification
from dialogue_flow._serialization import to_json

from ._schema import Dialect

__all__ = ["PRUNE_BATCH", "check_prune", "local_day", "outbox_values", "prune_settled"]

#: Rows a backend deletes per call by default: one short transaction (SQLite holds its
#: single write lock meanwhile), which :meth:`DialogueFlow.prune_outbox` repeats.
PRUNE_BATCH: Final = 1000

#: ``execute(sql, parameters)`` -> a DB-API cursor (``fetchall``, ``rowcount``).
Execute = Callable[[str, Sequence[object]], Any]


def local_day(instant: dt.datetime) -> dt.date:
    """The day ``instant`` falls on in Vietnam (what ``outbox.created_on`` holds)."""
    return instant.astimezone(VIETNAM_TZ).date()


def outbox_values(note: Notification, dialect: Dialect) -> tuple[object, ...]:
    """The parameters of :attr:`Statements.insert_outbox
    <dialogue_flow.storage.sql.Statements.insert_outbox>` for ``note``: its key, JSON,
    organisation, local day written, and the key again (looked up among the pruned)."""
    return (note.key, to_json(note), note.organisation_id,
            dialect.date_param(local_day(note.created_at)), note.key)


def check_prune(before: object, limit: object) -> None:
    """Reject bad :meth:`Storage.prune_outbox <dialogue_flow.storage.Storage.prune_outbox>`
    arguments (for backend authors)."""
    if isinstance(before, dt.datetime) or not isinstance(before, dt.date):
        raise InvalidInputError("before", f"expected a datetime.date (rows written on a day "
                                f"before it are pruned), got {before!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise InvalidInputError("limit", f"expected a whole number from 1 to 10000, got "
                                f"{limit!r}")


def prune_settled(execute: Execute, dialect: Dialect, prefix: str, before: dt.date,
                  limit: int) -> int:
    """Delete up to ``limit`` settled rows written before ``before``, oldest first, keeping
    their keys in ``outbox_pruned``, inside the caller's transaction; return how many rows
    were deleted. Settled rows never change again, so the rows read are the rows deleted
    (two prunes at once delete each row once: the second finds it gone)."""
    q = dialect.placeholder
    rows = execute(
        f"SELECT seq, key FROM {prefix}outbox{dialect.hint('outbox_settled')} "  # noqa: S608
        f"WHERE status = 'delivered' AND created_on < {q} ORDER BY created_on, seq "
        f"LIMIT {q}", (dialect.date_param(before), limit)).fetchall()
    deleted = 0
    for start in range(0, len(rows), 500):  # well under every engine's parameter limit
        chunk = rows[start:start + 500]
        marks = ", ".join([f"({q})"] * len(chunk))
        execute(f"INSERT INTO {prefix}outbox_pruned (key) VALUES {marks} "  # noqa: S608
                "ON CONFLICT (key) DO NOTHING", [key for _seq, key in chunk])
        deleted += execute(
            f"DELETE FROM {prefix}outbox WHERE seq IN ({', '.join([q] * len(chunk))})",  # noqa: S608
            [seq for seq, _key in chunk]).rowcount
    return deleted
