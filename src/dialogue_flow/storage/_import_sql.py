"""The keys of imported register rows (issue 18), as both SQL backends keep them.

An import of an office's register (:meth:`~dialogue_flow.DialogueFlow.import_register`)
records one key per row it adds, in the ``import_keys`` table (schema 7): the organisation,
the row's key (the register's own number, or a digest of the row) and the submission made
of it. A re-import reads them back (:meth:`SQLImportKeys.import_keys`) and skips those rows.
The keys are written by ``commit``, in the transaction of the submissions they name
(:attr:`~dialogue_flow.storage.Changeset.import_keys`); a key the organisation holds already
fails the commit with a :class:`~dialogue_flow.VersionConflictError` of kind
``import_key`` (another import of the same rows committed first), and nothing is written
(SQLite checks inside its one-writer transaction; PostgreSQL's primary key decides a race).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from dialogue_flow._errors import InvalidInputError, VersionConflictError

from ._schema import SQLITE, Dialect

if TYPE_CHECKING:
    from dialogue_flow.storage import ImportKey

__all__ = ["IMPORT_KEY_KIND", "ImportKeyStatements", "SQLImportKeys", "SQLiteImportKeys",
           "check_import_lookup", "insert_sqlite_keys", "key_conflict"]

#: The ``kind`` of the :class:`VersionConflictError` a commit raises for a key held already.
IMPORT_KEY_KIND: Final = "import_key"

#: Keys looked up per statement (SQLite allows 32,766 parameters; PostgreSQL 65,535).
_BATCH = 500


def check_import_lookup(organisation_id: object, keys: object) -> list[str]:
    """The arguments of ``import_keys``: an organisation id and keys as text; the keys
    without repeats, in their order."""
    if not isinstance(organisation_id, str) or not organisation_id:
        raise InvalidInputError("organisation_id", "expected an organisation id (text)")
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
        raise InvalidInputError("keys", "expected a list of keys, not a single string")
    wanted = list(dict.fromkeys(keys))
    if not all(isinstance(key, str) for key in wanted):
        raise InvalidInputError("keys", "expected every key as text")
    return wanted


def key_conflict(organisation_id: str, held: Iterable[str]) -> VersionConflictError:
    """The error of a commit that found one of its keys held already (the first by text)."""
    return VersionConflictError(IMPORT_KEY_KIND, f"{organisation_id}/{min(held)}", 0, 1)


class ImportKeyStatements:
    """The statements on ``import_keys``, with a dialect and a table prefix
    (``'"schema".'`` on PostgreSQL) filled in."""

    def __init__(self, dialect: Dialect, prefix: str = "") -> None:
        self._q = q = dialect.placeholder
        self.table = table = f"{prefix}import_keys"
        self.insert = (f"INSERT INTO {table} (organisation_id, key, submission_id) "  # noqa: S608
                       f"VALUES ({q}, {q}, {q})")

    def lookup(self, count: int) -> str:
        """Which of ``count`` keys one organisation holds: ``(key, submission_id)`` rows."""
        marks = ", ".join([self._q] * count)
        return (f"SELECT key, submission_id FROM {self.table} "  # noqa: S608
                f"WHERE organisation_id = {self._q} AND key IN ({marks})")


class SQLImportKeys:
    """:meth:`import_keys` of the storage contract, for a backend that sets
    ``_import_sql`` and reads with ``_import_rows``."""

    _import_sql: ImportKeyStatements

    def _import_rows(self, statement: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - every backend defines it

    def import_keys(self, organisation_id: str, keys: Iterable[str]) -> dict[str, str]:
        """Which of ``keys`` ``organisation_id`` has recorded, each with the id of the
        submission imported under it."""
        wanted = check_import_lookup(organisation_id, keys)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start:start + _BATCH]
            rows = self._import_rows(self._import_sql.lookup(len(chunk)),
                                     (organisation_id, *chunk))
            found.update((str(key), str(submission_id)) for key, submission_id in rows)
        return found


_SQLITE: Final = ImportKeyStatements(SQLITE)


class SQLiteImportKeys(SQLImportKeys):
    """:meth:`import_keys` on the SQLite backend's connection and lock."""

    _import_sql = _SQLITE

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover - SQLiteStorage defines it

    def _import_rows(self, statement: str, params: Sequence[object]) -> list[Any]:
        return self._query(statement, params)


def insert_sqlite_keys(conn: sqlite3.Connection, keys: Sequence[ImportKey]) -> None:
    """Record ``keys`` inside the commit's open transaction (``BEGIN IMMEDIATE``: no other
    writer between the check and the insert); one held already is a conflict."""
    by_organisation: dict[str, list[str]] = {}
    for key in keys:
        by_organisation.setdefault(key.organisation_id, []).append(key.key)
    for organisation_id, wanted in by_organisation.items():
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start:start + _BATCH]
            held = [row[0] for row in conn.execute(_SQLITE.lookup(len(chunk)),
                                                   (organisation_id, *chunk))]
            if held:
                raise key_conflict(organisation_id, held)
    conn.executemany(_SQLITE.insert, [(k.organisation_id, k.key, k.submission_id)
                                      for k in keys])

