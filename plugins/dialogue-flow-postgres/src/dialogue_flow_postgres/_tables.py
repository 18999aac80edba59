"""PostgresStorage's whole-store operations (issue 17), a mixin kept apart so each module
stays a size one can read: pruning the outbox, and every table read or written whole
(``dialogue_flow.storage.sql.TableStore``: ``dialogue-flow copy``, ``backup`` and
``restore``).

Whole-store reads and writes run on a connection of their own, not a pooled one: a copy
holds its transaction for minutes, and a pool's connections serve the commands meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import psycopg
from psycopg import IsolationLevel
from psycopg_pool import ConnectionPool

from dialogue_flow import StorageError
from dialogue_flow.storage.sql import (
    POSTGRESQL,
    PRUNE_BATCH,
    TableShape,
    check_prune,
    prune_settled,
)

from ._retry import Attempt, Connection, first_line, transaction

__all__ = ["PgSession", "PgTables"]

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND: Final = dt.timedelta(microseconds=1)
_BATCH: Final = 2000

Convert = Callable[[Any], Any]


def _date_out(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _instant_out(value: dt.datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // _MICROSECOND


def _date_in(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _instant_in(value: int | None) -> dt.datetime | None:
    return None if value is None else _EPOCH + value * _MICROSECOND


#: Logical type -> (PostgreSQL value -> canonical, canonical -> PostgreSQL value).
_CONVERT: Final[dict[str, tuple[Convert, Convert]]] = {
    "date": (_date_out, _date_in), "instant": (_instant_out, _instant_in)}


class PgSession:
    """The tables of one schema inside one transaction on ``conn``: dates and instants
    turned to and from the canonical form, text keys ordered by code point
    (``COLLATE "C"``)."""

    def __init__(self, conn: Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema

    def rows(self, table: TableShape) -> Iterator[tuple[object, ...]]:
        types = table.types()
        order = ", ".join(f'{name} COLLATE "C"' if types[name] in ("text", "id") else name
                          for name in table.key)
        out = [(i, _CONVERT[column.type][0]) for i, column in enumerate(table.columns)
               if column.type in _CONVERT]
        # A server-side cursor: the table comes in batches, never whole into memory.
        with self.conn.cursor(name=f"df_{table.name}") as cursor:
            cursor.itersize = _BATCH
            cursor.execute(f"SELECT {', '.join(table.names)} "  # noqa: S608 - schema names
                           f"FROM {self.schema}.{table.name} ORDER BY {order}")
            for row in cursor:
                if out:
                    values = list(row)
                    for i, convert in out:
                        values[i] = convert(values[i])
                    yield tuple(values)
                else:
                    yield tuple(row)

    def count(self, table: TableShape) -> int:
        row = self.conn.execute(f"SELECT count(*) FROM {self.schema}.{table.name}").fetchone()  # noqa: S608
        return 0 if row is None else int(row[0])

    def insert(self, table: TableShape, rows: Iterable[Sequence[object]]) -> None:
        into = [(i, _CONVERT[column.type][1]) for i, column in enumerate(table.columns)
                if column.type in _CONVERT]
        name = f"{self.schema}.{table.name}"
        # COPY writes identity columns as given (like OVERRIDING SYSTEM VALUE).
        with self.conn.cursor() as cursor, cursor.copy(
                f"COPY {name} ({', '.join(table.names)}) FROM STDIN") as copy:
            for row in rows:
                if into:
                    values = list(row)
                    for i, convert in into:
                        values[i] = convert(values[i])
                    copy.write_row(values)
                else:
                    copy.write_row(row)
        for column in table.columns:
            if column.type == "seq":  # the next value drawn comes after the largest copied
                self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608
                    f"coalesce(max({column.name}), 0) + 1, false) FROM {name}",
                    (name, column.name))

    def clear(self, table: TableShape) -> None:
        self.conn.execute(f"DELETE FROM {self.schema}.{table.name}")  # noqa: S608


class PgTables:
    """``prune_outbox``, ``read_tables`` and ``write_tables`` of PostgresStorage."""

    schema: str
    _pool: ConnectionPool[Connection] | None
    _where: str

    def _run(self, what: str, work: Callable[[Connection, Attempt], Any], *,
             resumable: bool = False) -> Any:
        raise NotImplementedError  # pragma: no cover - PostgresStorage's

    def prune_outbox(self, before: dt.date, limit: int = PRUNE_BATCH) -> int:
        check_prune(before, limit)
        prefix = f'"{self.schema}".'

        def work(conn: Connection, attempt: Attempt) -> int:
            with transaction(conn, attempt):
                return prune_settled(conn.execute, POSTGRESQL, prefix, before, limit)

        # Repeating it is harmless: the rows a lost attempt deleted are gone, their keys
        # kept; the repeat deletes the next ones.
        deleted: int = self._run("outbox prune", work, resumable=True)
        return deleted

    @contextmanager
    def read_tables(self) -> Iterator[PgSession]:
        """A ``REPEATABLE READ, READ ONLY`` transaction: one snapshot for every table."""
        with self._own_connection("read of every table") as conn:
            conn.isolation_level = IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                yield PgSession(conn, f'"{self.schema}"')

    @contextmanager
    def write_tables(self) -> Iterator[PgSession]:
        """One transaction, committed when the block ends (rolled back when it raises)."""
        with self._own_connection("copy") as conn, conn.transaction():
            yield PgSession(conn, f'"{self.schema}"')

    @contextmanager
    def _own_connection(self, what: str) -> Iterator[Connection]:
        pool = self._pool
        if pool is None:
            raise StorageError(f"{self!r} is closed")
        conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
        try:
            with psycopg.connect(conninfo) as conn:
                yield conn
        except psycopg.Error as exc:
            raise StorageError(f"PostgreSQL {what} at {self._where} failed: "
                               f"{first_line(exc)}; nothing was written") from exc
