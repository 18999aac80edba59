"""Merging communes' stores (issue 17, part 5) with PostgreSQL on either side: SQLite
communes (one written by the schema-2 release) into a PostgreSQL province, and a
PostgreSQL commune into a SQLite province."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from dialogue_flow_postgres import PostgresStorage

from dialogue_flow import (
    DialogueFlow,
    FixedClock,
    Level,
    MergeSource,
    Organisation,
    SequentialIds,
    SQLiteStorage,
    copy_store,
)
from dialogue_flow._demo import run_demo
from dialogue_flow.storage import OutboxStatus

TREE = (Organisation("tinh", "Tỉnh ủy Tỉnh", Level.PROVINCE),
        Organisation("xa-a", "Đảng ủy xã A", Level.COMMUNE, parent_id="tinh"),
        Organisation("xa-b", "Đảng ủy xã B", Level.COMMUNE, parent_id="tinh"))
DUMP_V2 = Path(__file__).parents[3] / "tests" / "fixtures" / "sqlite_schema_v2.sql"


@pytest.fixture
def communes(tmp_path: Path) -> dict[str, Path]:
    v2 = tmp_path / "v2.db"
    with closing(sqlite3.connect(v2)) as conn:
        conn.executescript(DUMP_V2.read_text(encoding="utf-8"))
    demo = tmp_path / "demo.db"
    run_demo(f"sqlite:///{demo}", echo=lambda _line: None)
    return {"xa-a": v2, "xa-b": demo}


@pytest.fixture
def pg(schema_url: str) -> Iterator[PostgresStorage]:
    with PostgresStorage.from_url(schema_url) as storage:
        yield storage


def _province(flow: DialogueFlow) -> None:
    flow.load_organisations(list(TREE))
    flow.set_policy("seed-plan", reason="dialogue-flow init")


def _figures(flow: DialogueFlow, organisation: str | None = None) -> tuple[object, ...]:
    report = flow.report("2021", as_of=date(2021, 12, 31), organisation=organisation)
    return (report.received, dict(report.by_state), dict(report.by_topic),
            report.answered_on_time, len(report.overdue), len(report.escalated))


def test_sqlite_communes_into_a_postgresql_province(communes: dict[str, Path],
                                                    pg: PostgresStorage) -> None:
    """Every row arrives, the demo's ids (the schema-2 file's too) are renamed, pending
    rows stay pending, and each commune's report is its store's."""
    target = DialogueFlow(pg, clock=FixedClock(date(2021, 6, 9)), ids=SequentialIds())
    _province(target)
    sources = {org: SQLiteStorage(path) for org, path in communes.items()}
    try:
        report = target.merge([MergeSource(s, org, label=org) for org, s in sources.items()])
        for org, source in sources.items():
            assert _figures(DialogueFlow(source)) == _figures(target, org)
            assert source.outbox_stats() == target.storage.outbox_stats(frozenset({org}))
    finally:
        for source in sources.values():
            source.close()
    assert ("submission", "sub-0001", "xa-b.sub-0001") in report.sources[1].renamed
    assert 18 == target.submissions(organisation="tinh", subtree=True).total
    for name, (before, after) in report.tables.items():
        assert before + sum(s.rows.get(name, 0) for s in report.sources) == after, name
    assert target.storage.outbox_stats()[OutboxStatus.PENDING] > 0
    assert target.dispatch(limit=1000).retried == 0


def test_a_postgresql_commune_into_a_sqlite_province(communes: dict[str, Path],
                                                     pg: PostgresStorage,
                                                     tmp_path: Path) -> None:
    """A commune that moved to PostgreSQL merges like a file."""
    with SQLiteStorage(communes["xa-b"]) as demo:
        copy_store(demo, pg)
    with DialogueFlow.open(f"sqlite:///{tmp_path / 'tinh.db'}") as target:
        _province(target)
        report = target.merge([MergeSource(pg, "xa-b", label="pg")])
        assert () == report.sources[0].renamed
        assert _figures(DialogueFlow(pg)) == _figures(target, "xa-b")
