"""Every table of a SQL store, read and written whole (issue 17): what copying a store from
one engine to another, backing it up and restoring it need from a backend.

The tables are those the schema's migrations create (:func:`schema_tables`), with every
column added since: a table another part of the library adds in a migration is copied,
counted and checked with no change here. The ``schema_version`` table is each store's own
and is never copied.

A backend that offers this implements :class:`TableStore`: a read of every table in one
consistent snapshot, and one write transaction, committed only when the block ends without
an error. Rows cross in one *canonical* form, the same for every engine (SQLite's storage
form): dates as ISO text, instants as integer microseconds since the Unix epoch, integers,
text and ``NULL`` as they are. So a checksum of a table (:func:`table_sum`) is computed
alike on both sides, and two stores on different engines compare equal row for row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import attrs

from ._schema import AddColumns, Column, CreateTable, Migration

__all__ = ["TableSession", "TableShape", "TableStore", "TableSum", "schema_tables",
           "summed", "table_sum"]


@attrs.frozen
class TableShape:
    """One table of the current schema: its columns (logical types, as
    :class:`~dialogue_flow.storage.sql.Column` says) and the key its rows are ordered by."""

    name: str
    columns: tuple[Column, ...]
    #: The primary key (every column for a table without one): rows are read in this
    #: order, text compared by code point on every engine.
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in the order rows hold them."""
        return tuple(column.name for column in self.columns)

    def types(self) -> dict[str, str]:
        """Column name -> logical type."""
        return {column.name: column.type for column in self.columns}


def schema_tables(migrations: Sequence[Migration]) -> tuple[TableShape, ...]:
    """Every table ``migrations`` (``sql.MIGRATIONS``: the schema's) create, with every
    column they add, in the order they are created."""
    tables: dict[str, TableShape] = {}
    for migration in migrations:
        for step in migration.steps:
            if isinstance(step, CreateTable):
                table = step.table
                tables[table.name] = TableShape(table.name, table.columns,
                                                table.primary_key or _key(table.columns))
            elif isinstance(step, AddColumns) and step.table in tables:
                shape = tables[step.table]
                tables[step.table] = attrs.evolve(shape, columns=shape.columns + step.columns)
    return tuple(tables.values())


def _key(columns: tuple[Column, ...]) -> tuple[str, ...]:
    for column in columns:
        if column.type == "seq" or "PRIMARY KEY" in column.constraints.upper():
            return (column.name,)
    return tuple(column.name for column in columns)


class TableSession(Protocol):
    """The tables of one store inside one transaction (see :class:`TableStore`)."""

    def rows(self, table: TableShape) -> Iterator[tuple[object, ...]]:
        """Every row of ``table``, its columns in :attr:`TableShape.columns` order, ordered
        by :attr:`TableShape.key` (text by code point), in canonical form (module doc);
        read a batch at a time, never all at once."""
        ...

    def count(self, table: TableShape) -> int:
        """How many rows ``table`` holds."""
        ...

    def insert(self, table: TableShape, rows: Iterable[Sequence[object]]) -> None:
        """Insert canonical ``rows`` as they are (sequence columns keep their values, and
        the next value the engine draws comes after the largest)."""
        ...

    def clear(self, table: TableShape) -> None:
        """Delete every row of ``table``."""
        ...


@runtime_checkable
class TableStore(Protocol):
    """A store whose tables can be read and written whole: the SQL backends."""

    def read_tables(self) -> AbstractContextManager[TableSession]:
        """Every table as of one instant (a read-only snapshot: what other processes commit
        meanwhile is not seen) for the life of the block."""
        ...

    def write_tables(self) -> AbstractContextManager[TableSession]:
        """One write transaction: committed when the block ends, rolled back (nothing
        written) when it raises."""
        ...


@attrs.frozen
class TableSum:
    """A table's row count and a SHA-256 over its canonical rows in key order."""

    rows: int
    sha256: str


class _Summer:
    def __init__(self) -> None:
        self.rows = 0
        self.hash = hashlib.sha256()

    def add(self, row: Sequence[object]) -> None:
        self.rows += 1
        self.hash.update(json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))
                         .encode("utf-8"))
        self.hash.update(b"\n")

    def sum(self) -> TableSum:
        return TableSum(self.rows, self.hash.hexdigest())


def table_sum(rows: Iterable[Sequence[object]]) -> TableSum:
    """The :class:`TableSum` of canonical ``rows`` (each one JSON line, hashed in order)."""
    summer = _Summer()
    for row in rows:
        summer.add(row)
    return summer.sum()


def summed(rows: Iterable[Sequence[object]], into: list[TableSum]) -> Iterator[Sequence[object]]:
    """``rows`` passed through, their :class:`TableSum` appended to ``into`` at the end (a
    copy sums the source while it streams it into the target)."""
    summer = _Summer()
    for row in rows:
        summer.add(row)
        yield row
    into.append(summer.sum())
