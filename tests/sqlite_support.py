"""Helpers the SQLite test modules share: looking at a database file the way another program
would, and a one-line commit of a new submission.

Import them as ``from sqlite_support import ...`` (pytest puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from dialogue_flow import SQLiteStorage
from dialogue_flow.storage import Changeset
from dialogue_flow.testing import sample_notification, sample_submission, sample_transition


def raw(path: Path | str) -> closing[sqlite3.Connection]:
    """An independent connection, to look at the file the way another program would."""
    return closing(sqlite3.connect(path, isolation_level=None))


def versions(path: Path) -> list[int]:
    """The schema versions recorded as applied in the file, oldest first."""
    with raw(path) as conn:
        return [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY 1")]


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the schema, for "nothing changed" comparisons (SQLite's
    own tables, such as the planner statistics ``close()`` refreshes, are left out)."""
    with raw(path) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite%' ORDER BY name")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY {_every_column(conn, t)}"  # noqa: S608
                                ).fetchall() for t in tables}


def _every_column(conn: sqlite3.Connection, table: str) -> str:
    """``1, 2, ... n``: every column of ``table``, so the order is one (a table may have
    only one column)."""
    count = len(conn.execute(f"PRAGMA table_info({table})").fetchall())
    return ", ".join(str(n) for n in range(1, count + 1))


def commit_new(storage: SQLiteStorage, name: str) -> None:
    """Commit a new submission ``name`` with its audit row and one notification."""
    record = sample_submission(name)
    storage.commit(Changeset(records=((record, 0),), transitions=(sample_transition(record),),
                             notifications=(sample_notification(f"note-{name}"),)))
