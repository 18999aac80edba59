"""The SQLite backend's whole-store operations (issue 17), a mixin of
:class:`~dialogue_flow.SQLiteStorage` kept apart so each module stays a size one can read:
pruning the outbox."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import AbstractContextManager

from ._prune import PRUNE_BATCH, check_prune, prune_settled
from ._schema import SQLITE

__all__ = ["SQLiteTables"]


class SQLiteTables:
    """``prune_outbox`` on the storage's connection and lock."""

    def _transaction(self, what: str) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def prune_outbox(self, before: dt.date, limit: int = PRUNE_BATCH) -> int:
        check_prune(before, limit)
        with self._transaction("outbox prune") as conn:
            return prune_settled(conn.execute, SQLITE, "", before, limit)
