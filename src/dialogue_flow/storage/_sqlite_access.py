"""The SQLite backend's access log and outbox rows about one record (issue 17), a mixin of
:class:`~dialogue_flow.SQLiteStorage` kept apart so each module stays a size one can read;
the statements are the shared ones of :mod:`dialogue_flow.storage._access_sql`."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import attrs

from dialogue_flow._access_records import AccessEntry, AccessQuery

from ._access_sql import AccessStatements
from ._outbox import OutboxEntry
from ._schema import SQLITE

__all__ = ["SQLiteAccessLog", "instant", "micros"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def micros(at: dt.datetime) -> int:
    """An instant as SQLite stores it: integer microseconds since the Unix epoch."""
    return (at - _EPOCH) // _MICROSECOND


def instant(value: int) -> dt.datetime:
    """The instant :func:`micros` stored (in UTC)."""
    return _EPOCH + value * _MICROSECOND


_SQL = AccessStatements(SQLITE, "", micros, instant)


class SQLiteAccessLog:
    """``log_access`` and ``access_log`` on the storage's connection and lock."""

    def _transaction(self, what: str) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def log_access(self, entries: Sequence[AccessEntry]) -> list[AccessEntry]:
        rows = [_SQL.entry_row(entry) for entry in entries]  # checked before the lock
        stored: list[AccessEntry] = []
        with self._transaction("access log") as conn:
            for entry, row in zip(entries, rows, strict=True):
                seq = conn.execute(_SQL.insert_entry, row).lastrowid
                conn.executemany(_SQL.insert_record,
                                 [(record_id, seq) for record_id in entry.record_ids])
                stored.append(attrs.evolve(entry, seq=seq))
        return stored

    def access_log(self, query: AccessQuery) -> list[AccessEntry]:
        return _SQL.entries(self._query(*_SQL.page(query)))

    def record_notifications(self, kind: str, record_id: str) -> list[OutboxEntry]:
        return _SQL.outbox_entries(self._query(*_SQL.about(kind, record_id)), kind, record_id)
