"""The SQLite backend's whole-store operations (issue 17), a mixin of
:class:`~dialogue_flow.SQLiteStorage` kept apart so each module stays a size one can read:
pruning the outbox, every table read or written whole (:class:`~dialogue_flow.storage.
_tables.TableStore`, for ``dialogue-flow copy``), and the online backup."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path

from dialogue_flow._errors import StorageError

from ._prune import PRUNE_BATCH, check_prune, prune_settled
from ._schema import SQLITE
from ._tables import TableShape

__all__ = ["SQLiteSession", "SQLiteTables"]

_BATCH = 1000


class SQLiteSession:
    """The tables of one SQLite connection inside its open transaction. SQLite stores rows
    in the canonical form already (ISO dates, instants in microseconds), and compares text
    by code point (``BINARY``), so rows cross unchanged."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, table: TableShape) -> Iterator[tuple[object, ...]]:
        cursor = self.conn.execute(
            f"SELECT {', '.join(table.names)} FROM {table.name} "  # noqa: S608 - schema names
            f"ORDER BY {', '.join(table.key)}")
        while batch := cursor.fetchmany(_BATCH):
            yield from batch

    def count(self, table: TableShape) -> int:
        (found,) = self.conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()  # noqa: S608
        return int(found)

    def insert(self, table: TableShape, rows: Iterable[Sequence[object]]) -> None:
        marks = ", ".join("?" * len(table.columns))
        self.conn.executemany(
            f"INSERT INTO {table.name} ({', '.join(table.names)}) VALUES ({marks})", rows)  # noqa: S608

    def clear(self, table: TableShape) -> None:
        self.conn.execute(f"DELETE FROM {table.name}")  # noqa: S608


class SQLiteTables:
    """``prune_outbox``, ``read_tables``, ``write_tables`` and ``backup_to`` on the storage's
    connection and lock."""

    path: str
    busy_timeout: float
    _lock: threading.RLock

    def _transaction(self, what: str) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def _connection(self) -> sqlite3.Connection:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage's

    def prune_outbox(self, before: dt.date, limit: int = PRUNE_BATCH) -> int:
        check_prune(before, limit)
        with self._transaction("outbox prune") as conn:
            return prune_settled(conn.execute, SQLITE, "", before, limit)

    @contextmanager
    def read_tables(self) -> Iterator[SQLiteSession]:
        """A read transaction on the storage's connection: in WAL mode it sees one snapshot
        from its first read to its end, while other processes go on writing."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN")
                conn.execute("SELECT count(*) FROM schema_version")  # the snapshot starts here
                yield SQLiteSession(conn)
            except sqlite3.Error as exc:
                raise StorageError(f"SQLite read of every table failed: {exc}") from exc
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    @contextmanager
    def write_tables(self) -> Iterator[SQLiteSession]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` on the storage's connection (rolled back when
        the block raises)."""
        with self._transaction("copy") as conn:
            yield SQLiteSession(conn)

    def backup_to(self, path: str | os.PathLike[str]) -> None:
        """Write the whole database into a new file at ``path`` with SQLite's online backup
        API: one step, inside one read transaction, so the copy is the database as of one
        commit while other processes go on writing (WAL: they are not blocked). The copy is
        a plain rollback-journal file, complete without ``-wal``/``-shm`` files.

        :raises StorageError: ``path`` exists, or SQLite failed (the partial file is
            removed).
        """
        target = Path(path)
        if target.exists():
            raise StorageError(f"{target} exists already; a backup is written to a new file")
        try:
            with closing(sqlite3.connect(target, isolation_level=None)) as copy:
                if self.path in ("", ":memory:"):  # only this connection sees it
                    with self._lock:
                        self._connection().backup(copy)
                else:  # a connection of its own: this object's threads go on meanwhile
                    with closing(sqlite3.connect(self.path, timeout=self.busy_timeout,
                                                 isolation_level=None)) as source:
                        source.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
        except BaseException as exc:
            target.unlink(missing_ok=True)
            if isinstance(exc, sqlite3.Error):
                raise StorageError(f"SQLite backup to {target} failed: {exc}") from exc
            raise
