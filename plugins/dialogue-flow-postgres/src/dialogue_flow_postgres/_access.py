"""The PostgreSQL backend's access log and outbox rows about one record (issue 17), a
mixin of :class:`PostgresStorage` kept apart so each module stays a size one can read; the
statements are the shared ones of ``dialogue_flow.storage._access_sql``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

from dialogue_flow import AccessEntry
from dialogue_flow.storage import AccessQuery, OutboxEntry
from dialogue_flow.storage._access_sql import AccessStatements
from dialogue_flow.storage.sql import POSTGRESQL

from ._retry import Attempt, Connection, transaction

__all__ = ["PgAccessLog", "access_statements"]

_T = TypeVar("_T")


def _same(value: dt.datetime) -> dt.datetime:
    return value


def access_statements(schema: str) -> AccessStatements:
    """The access log's statements in ``schema`` (quoted)."""
    return AccessStatements(POSTGRESQL, f"{schema}.", _same, _same)


class PgAccessLog:
    """``log_access`` and ``access_log`` on the storage's pool, retried as its commits are
    (an append is repeated only when its attempt certainly did not commit)."""

    _access: AccessStatements

    def _run(self, what: str, work: Callable[[Connection, Attempt], _T], *,
             resumable: bool = False) -> _T:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    def _read(self, what: str, statement: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    def log_access(self, entries: Sequence[AccessEntry]) -> list[AccessEntry]:
        sql = self._access
        rows = [sql.entry_row(entry) for entry in entries]  # checked before connecting
        insert = sql.insert_entry + " RETURNING seq"

        def work(conn: Connection, attempt: Attempt) -> list[AccessEntry]:
            stored: list[AccessEntry] = []
            with transaction(conn, attempt), conn.cursor() as cur:
                for entry, row in zip(entries, rows, strict=True):
                    found = cur.execute(insert, row).fetchone()
                    seq = int(found[0]) if found else 0
                    cur.executemany(sql.insert_record,
                                    [(record_id, seq) for record_id in entry.record_ids])
                    stored.append(attrs.evolve(entry, seq=seq))
            return stored

        return self._run("access log", work)

    def access_log(self, query: AccessQuery) -> list[AccessEntry]:
        return self._access.entries(self._read("access log", *self._access.page(query)))

    def record_notifications(self, kind: str, record_id: str) -> list[OutboxEntry]:
        rows = self._read("outbox read", *self._access.about(kind, record_id))
        return self._access.outbox_entries(rows, kind, record_id)
