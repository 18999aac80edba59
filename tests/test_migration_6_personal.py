"""Schema 6 on a file written at schema 5 (issue 17, part 1): every submission gets its
petitioner's buckets (``petitioner_keys``), so a petitioner received before the upgrade is
found like one received after, and nothing is kept of an anonymous one."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from dialogue_flow import Actor, DialogueFlow, Petitioner, Role, SQLiteStorage, to_json
from dialogue_flow._petitioner_match import petitioner_keys
from dialogue_flow.storage import sql
from dialogue_flow.testing import sample_submission
from sqlite_support import raw


def test_old_submissions_get_their_buckets(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Written at schema 5 without the column, opened: the named petitioner's buckets,
    none for the anonymous one, and the flow finds the first by its number."""
    db = tmp_path / "schema-5.db"
    named = attrs.evolve(sample_submission("sub-1"), petitioner=Petitioner(
        "Nguyễn Văn A", phone="0912 345 678"))
    anonymous = attrs.evolve(sample_submission("sub-2"), petitioner=Petitioner.anonymous())
    with monkeypatch.context() as patched:
        patched.setattr(sql, "MIGRATIONS", sql.MIGRATIONS[:5])
        SQLiteStorage(db).close()
    table, columns = sql.RECORD_TABLES["submission"]
    old = columns[:columns.index("tracking_code") + 1]
    with raw(db) as conn:
        for record in (named, anonymous):
            values = sql.indexed_values(record, sql.SQLITE)[:len(old)]
            conn.execute(f"INSERT INTO {table} (id, version, record, {', '.join(old)}) "  # noqa: S608
                         f"VALUES ({', '.join('?' * (3 + len(old)))})",
                         (record.id, record.version, to_json(record), *values))
        conn.commit()
    SQLiteStorage(db).close()  # the upgrade
    with raw(db) as conn:
        stored = dict(conn.execute("SELECT id, petitioner_keys FROM submissions").fetchall())
    assert {"sub-1": petitioner_keys(named.petitioner), "sub-2": None} == stored
    with DialogueFlow.open(f"sqlite:///{db}") as flow:
        office = Actor("vp", "Văn phòng", Role.OFFICE)
        assert ["sub-1"] == [s.id for s in flow.find_petitioner(actor=office,
                                                                 phone="+84912345678")]
