"""``dialogue-flow copy``: a whole store into another, on the same engine or another
(issue 17, part 5): a commune outgrowing SQLite moves to PostgreSQL, and back.

All or nothing. The source is read in one consistent snapshot (what others commit meanwhile
is not copied); the target is written in one transaction, which commits only after every
table's row count and checksum, read back from the target, equal the source's. Any error
or mismatch rolls the target back: nothing copied is left. The target must be empty (a
store just created is) unless ``replace``, which empties it in the same transaction.

Every table of the schema is copied (:func:`~dialogue_flow.storage.sql.schema_tables`:
a table a later migration adds is copied with no change here), row for row: ids,
versions, the audit trail, the outbox with its sequence numbers (so its order), statuses,
attempts and leases, the keys pruned from it. The ``schema_version`` table is each
store's own. Opening both stores with this release brings both to its schema first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from ._errors import ConfigurationError, StorageError
from ._plugins import PluginManager
from ._storage_urls import open_storage
from .storage import Storage, sql
from .storage._sqlite_url import parse_url
from .storage._tables import summed
from .storage.sql import TableStore, TableSum, schema_tables, table_sum

__all__ = ["CopyResult", "TableCopy", "copy_store", "copy_url"]


@attrs.frozen
class TableCopy:
    """One table copied: its rows, and the checksum both stores agree on."""

    name: str
    rows: int
    sha256: str


@attrs.frozen
class CopyResult:
    """What :func:`copy_store` copied, table by table, and how long it took."""

    tables: tuple[TableCopy, ...]
    #: Wall-clock seconds, from the source's snapshot to the target's commit.
    seconds: float

    @property
    def rows(self) -> int:
        """Rows copied in every table."""
        return sum(table.rows for table in self.tables)

    def sums(self) -> dict[str, TableSum]:
        """Table name -> its count and checksum."""
        return {t.name: TableSum(t.rows, t.sha256) for t in self.tables}


def copy_store(source: Storage, target: Storage, *, replace: bool = False,
               progress: Callable[[TableCopy], None] | None = None) -> CopyResult:
    """Copy every table of ``source`` into ``target`` (module doc); ``progress`` is told of
    each table once it is copied and checked.

    :raises ConfigurationError: a store that is not a SQL store (its tables cannot be
        read whole), the same store twice, or a target that holds rows (without
        ``replace``). Nothing was written.
    :raises StorageError: a table's count or checksum differs between the two, or an
        engine failed. Nothing was written.
    """
    if not isinstance(source, TableStore):
        raise _not_sql("source", source)
    if not isinstance(target, TableStore):
        raise _not_sql("target", target)
    if source is target:
        raise ConfigurationError("the source and the target are the same store")
    return copy_tables(source, target, replace=replace, progress=progress)


def _not_sql(role: str, store: Storage) -> ConfigurationError:
    return ConfigurationError(
        f"the {role} store ({type(store).__name__}) cannot be copied: only SQL stores "
        "(sqlite:, postgresql:) give their tables whole; a memory:// store lives only in "
        "its process")


def copy_tables(source: TableStore, target: TableStore, *, replace: bool = False,
                progress: Callable[[TableCopy], None] | None = None) -> CopyResult:
    """:func:`copy_store` between two :class:`~dialogue_flow.storage.sql.TableStore`."""
    started = time.perf_counter()
    tables = schema_tables(sql.MIGRATIONS)
    copied: list[TableCopy] = []
    with source.read_tables() as read, target.write_tables() as write:
        held = [table for table in tables if write.count(table)]
        if held and not replace:
            raise ConfigurationError(
                f"the target store is not empty ({', '.join(t.name for t in held)} hold "
                "rows): copy into a new or empty store, or pass --replace (replace=True) "
                "to overwrite it; nothing was written")
        for table in reversed(held):
            write.clear(table)
        for table in tables:
            sums: list[TableSum] = []
            write.insert(table, summed(read.rows(table), sums))
            there = table_sum(write.rows(table))
            if there != sums[0]:
                raise StorageError(
                    f"copy: table {table.name} differs after the copy (source {sums[0].rows} "
                    f"rows, SHA-256 {sums[0].sha256[:16]}...; target {there.rows} rows, "
                    f"{there.sha256[:16]}...); rolled back, nothing was written")
            done = TableCopy(table.name, there.rows, there.sha256)
            copied.append(done)
            if progress is not None:
                progress(done)
    return CopyResult(tuple(copied), time.perf_counter() - started)


def copy_url(source: str, target: str, plugins: PluginManager, *, replace: bool = False,
             progress: Callable[[TableCopy], None] | None = None) -> CopyResult:
    """Open the store at ``source`` (it must exist) and the one at ``target`` (created
    when missing), and :func:`copy_store` between them. A SQLite file this call created is
    removed again when the copy fails.
    """
    if source == target:
        raise ConfigurationError("--from and --to name the same store")
    created = _new_sqlite_file(target)
    source_store = open_storage(source, plugins, create=False)
    try:
        target_store = open_storage(target, plugins, create=True)
        try:
            return copy_store(source_store, target_store, replace=replace, progress=progress)
        finally:
            target_store.close()
    except BaseException:
        if created is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{created}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        source_store.close()


def _new_sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite:`` URL names when it does not exist yet (else ``None``)."""
    if not url.startswith("sqlite:"):
        return None
    path: Any
    path, _options = parse_url(url)
    if path in ("", ":memory:") or Path(path).exists():
        return None
    return Path(path)
