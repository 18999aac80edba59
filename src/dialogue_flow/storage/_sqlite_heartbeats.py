"""The SQLite backend's heartbeats and outbox backlog (issue 17, part 6), a mixin of
:class:`~dialogue_flow.SQLiteStorage` kept apart so each module stays a size one can read;
the statements are the shared ones of :mod:`dialogue_flow.storage._heartbeat_sql`."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from dialogue_flow._heartbeats import Heartbeat, OutboxBacklog, check_heartbeat

from ._heartbeat_sql import HeartbeatStatements
from ._schema import SQLITE
from ._sqlite_access import micros

__all__ = ["SQLiteHeartbeats"]

_SQL = HeartbeatStatements(SQLITE, "", micros)


class SQLiteHeartbeats:
    """``record_heartbeat``, ``heartbeats`` and ``outbox_backlog`` on the storage's
    connection and lock."""

    def _transaction(self, what: str) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def record_heartbeat(self, heartbeat: Heartbeat) -> None:
        row = _SQL.row(check_heartbeat(heartbeat))
        with self._transaction("heartbeat") as conn:
            conn.execute(_SQL.upsert, row)

    def heartbeats(self) -> list[Heartbeat]:
        return _SQL.heartbeats(self._query)

    def outbox_backlog(self, organisations: frozenset[str] | None = None,
                       ) -> list[OutboxBacklog]:
        return _SQL.backlog(self._query, organisations)
