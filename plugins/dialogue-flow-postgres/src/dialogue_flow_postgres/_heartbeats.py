"""The PostgreSQL backend's heartbeats and outbox backlog (issue 17, part 6), a mixin of
:class:`PostgresStorage` kept apart so each module stays a size one can read; the statements
are the shared ones of ``dialogue_flow.storage._heartbeat_sql``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from dialogue_flow.storage import Heartbeat, OutboxBacklog, check_heartbeat
from dialogue_flow.storage._heartbeat_sql import HeartbeatStatements
from dialogue_flow.storage.sql import POSTGRESQL

from ._retry import Attempt, Connection

__all__ = ["PgHeartbeats", "heartbeat_statements"]

_T = TypeVar("_T")


def _same(value: dt.datetime) -> dt.datetime:
    return value


def heartbeat_statements(schema: str) -> HeartbeatStatements:
    """The heartbeat and backlog statements in ``schema`` (quoted)."""
    return HeartbeatStatements(POSTGRESQL, f"{schema}.", _same)


class PgHeartbeats:
    """``record_heartbeat``, ``heartbeats`` and ``outbox_backlog`` on the storage's pool.

    Recording a heartbeat is one autocommit statement, repeated after an unknown outcome:
    keeping the later of two equal heartbeats changes nothing."""

    _heartbeat_sql: HeartbeatStatements

    def _run(self, what: str, work: Callable[[Connection, Attempt], _T], *,
             resumable: bool = False) -> _T:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    def _read(self, what: str, statement: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    def record_heartbeat(self, heartbeat: Heartbeat) -> None:
        sql = self._heartbeat_sql
        row = sql.row(check_heartbeat(heartbeat))

        def work(conn: Connection, attempt: Attempt) -> None:
            attempt.committing = True  # autocommit: the statement is its own transaction
            conn.execute(sql.upsert, row)

        self._run("heartbeat", work, resumable=True)

    def heartbeats(self) -> list[Heartbeat]:
        return self._heartbeat_sql.heartbeats(self._fetch_status)

    def outbox_backlog(self, organisations: frozenset[str] | None = None,
                       ) -> list[OutboxBacklog]:
        return self._heartbeat_sql.backlog(self._fetch_status, organisations)

    def _fetch_status(self, statement: str, params: Sequence[object]) -> list[Any]:
        return self._read("status read", statement, params)
