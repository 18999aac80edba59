"""Writing a commit's records on the SQLite backend: each a compare-and-set.

A new record (expected version 0) is ``INSERT ... ON CONFLICT (id) DO NOTHING``, a changed
one ``UPDATE ... WHERE version = expected``; the row count is the check, and the stored row
is read only to report a conflict. New records of one kind that follow each other in the
changeset go in one ``executemany`` (an import's 100,000 submissions: 8.6 s of SQLite's
time one by one, 7.6 s together, 4.3 s together and in the order received; see
``docs/benchmarks.md``); if it writes fewer rows than it was given, it is undone to a
savepoint and the records are written one by one, which names the conflict as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from dialogue_flow._errors import VersionConflictError
from dialogue_flow._serialization import to_json
from dialogue_flow.storage import StoredRecord
from dialogue_flow.storage.sql import SQLITE, Statements, indexed_values

__all__ = ["Write", "record_write", "write_records"]

_SQL = Statements(SQLITE)

#: A record's kind and id, the version the store must hold (0: none), and its statement's
#: parameters: text, numbers and ``None`` only, so the garbage collector stops tracking it
#: (an import holds 100,000 of them).
Write = tuple[str, str, int, tuple[object, ...]]


def record_write(record: StoredRecord, expected: int) -> Write:
    """``record`` turned into the parameters of its INSERT (``expected`` 0) or UPDATE."""
    text = to_json(record)
    if expected == 0:
        return (record.KIND, record.id, expected,
                (record.id, record.version, text, *indexed_values(record, SQLITE)))
    return (record.KIND, record.id, expected,
            (record.version, text, *indexed_values(record, SQLITE), record.id, expected))


def write_records(conn: sqlite3.Connection, writes: Sequence[Write]) -> None:
    """Write every record inside the open transaction, or raise the first conflict."""
    for run in _runs(writes):
        if len(run) == 1:
            _write(conn, *run[0])
            continue
        conn.execute("SAVEPOINT new_records")
        added = conn.executemany(_SQL.insert[run[0][0]], [w[3] for w in run]).rowcount
        if added != len(run):
            # One of them is stored already: undone, then written one by one to name it.
            conn.execute("ROLLBACK TO new_records")
            for write in run:
                _write(conn, *write)
        conn.execute("RELEASE new_records")


def _runs(writes: Sequence[Write]) -> Iterator[list[Write]]:
    """New records of one kind that follow each other together; each update alone."""
    run: list[Write] = []
    for write in writes:
        kind, _id, expected, _params = write
        if run and (expected != 0 or run[0][2] != 0 or run[0][0] != kind):
            yield run
            run = []
        run.append(write)
    if run:
        yield run


def _write(conn: sqlite3.Connection, kind: str, record_id: str, expected: int,
           params: tuple[object, ...]) -> None:
    """Compare-and-set one record: the row count of the INSERT or UPDATE is the check."""
    statement = _SQL.insert[kind] if expected == 0 else _SQL.update[kind]
    if conn.execute(statement, params).rowcount != 1:
        current = conn.execute(_SQL.version_of[kind], (record_id,)).fetchone()
        raise VersionConflictError(kind, record_id, expected,
                                   None if current is None else current[0])
