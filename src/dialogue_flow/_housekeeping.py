"""Housekeeping (issue 17, part 4): pruning the outbox, and backups, on the façade.

A settings file's ``[housekeeping]`` table sets the retention::

    [housekeeping]
    outbox_days = 90     # settled notifications written more than 90 days ago are deleted

and the daily sweep applies it (:meth:`HousekeepingCommands.prune_outbox`, also
``dialogue-flow prune``). Only settled rows go (delivered, logged, no recipient): pending
and parked rows are kept however old, and the key of each row pruned stays behind so the
sweep never queues the same notice again (:mod:`dialogue_flow.storage._prune`).

The audit trail is never pruned. It is the record of who did what and when to a matter,
which the law on archives keeps for years after the matter closes and a report or an
inspection reads back; it holds no contact details (erasure, part 1, clears the personal
fields of the records it describes); and it is small beside the outbox (one short row per
command, where a command may queue several notifications of 1-3 KiB each).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._checks import _opt_date
from ._errors import InvalidInputError
from ._flow_core import FlowCore
from ._housekeeping_settings import check_outbox_days
from .storage import Storage
from .storage.sql import PRUNE_BATCH

if TYPE_CHECKING:
    from ._backup import BackupManifest
    from ._sweep import SweepResult

__all__ = ["HOUSEKEEPING_OPTIONS", "HousekeepingCommands", "check_outbox_days"]

#: The constructor options this mixin adds (``DialogueFlow.open`` passes them on).
HOUSEKEEPING_OPTIONS: Final = frozenset({"outbox_days"})


class HousekeepingCommands(FlowCore):
    """Pruning the outbox and backing the store up (mixed into
    :class:`~dialogue_flow.DialogueFlow`)."""

    def __init__(self, storage: Storage, *, outbox_days: int | None = None,
                 **options: Any) -> None:
        """``outbox_days``: prune settled notifications written more than this many days
        ago in every :meth:`sweep` (``None``, the default: keep them). The other
        ``options`` are :class:`FlowCore`'s."""
        super().__init__(storage, **options)
        #: The outbox retention the sweep applies (``None``: none).
        self.outbox_days = check_outbox_days(outbox_days)

    def prune_outbox(self, *, days: int | None = None, today: dt.date | None = None) -> int:
        """Delete the settled outbox rows (delivered, logged, no recipient) written more
        than ``days`` days before ``today`` (default: :attr:`outbox_days`, and the clock's
        day), a batch per transaction; return how many. Pending and parked rows are kept,
        and so are the keys of the rows deleted: the same notice is never queued again.

        :raises InvalidInputError: no ``days`` given nor configured, or a bad value.
        """
        chosen = check_outbox_days(days, "days") if days is not None else self.outbox_days
        if chosen is None:
            raise InvalidInputError("days", "no retention: pass days=N, or set "
                                    "[housekeeping] outbox_days in the settings file")
        given = _opt_date("today", today)
        day = self.clock.today() if given is None else given
        before = day - dt.timedelta(days=chosen)
        pruned = 0
        while (done := self.storage.prune_outbox(before, PRUNE_BATCH)) > 0:
            pruned += done
            if done < PRUNE_BATCH:
                break
        return pruned

    def _housekeep(self, result: SweepResult) -> SweepResult:
        """The sweep's ``result`` after applying :attr:`outbox_days` on its day."""
        if self.outbox_days is None:
            return result
        return attrs.evolve(result, pruned=self.prune_outbox(today=result.today))

    def backup(self, folder: str | os.PathLike[str]) -> BackupManifest:
        """Write a backup of the store and its attachments into the new ``folder``: the
        database (SQLite's online backup; another engine's tables copied into a SQLite
        file), every file of the flow's file store, and a manifest with the counts and
        checksums of every table and the SHA-256 of every file (``dialogue-flow
        backup``; ``restore`` verifies and loads it).

        :raises ConfigurationError: the store cannot be backed up this way (an in-memory
            store), or ``folder`` exists already.
        """
        from ._backup import backup_store  # noqa: PLC0415 - only backups need it

        files = getattr(self, "files", None)  # the attachments' file store, when there is one
        return backup_store(self.storage, folder, files=files, clock=self.clock)
