"""Moving and backing up a big store (issue 17): ``dialogue-flow copy`` SQLite to
PostgreSQL and back, and ``backup``/``restore``, beside the time of reading the source
alone.

Run: ``uv run python benchmarks/copy.py [--size 100000] [--pg-url URL] [--no-postgresql]``.

The store is ``benchmarks/national.py``'s (3,355 organisations, 6,642 dialogues, ``--size``
submissions received in the first half of 2026), with what a half-year of work leaves
beside the records: three audit rows per submission, and a notice per submission in the
outbox (nine in ten settled). Measured, each once, on the same SQLite file:

- **read**: every table of the source read in one snapshot, in key order (what a copy
  reads, nothing written); then the same read with every table checksummed (what a copy
  computes on each side);
- **copy SQLite -> SQLite**, **SQLite -> PostgreSQL**, **PostgreSQL -> SQLite**: the whole
  copy, target tables read back and compared (``dialogue_flow._copy.copy_store``);
- **backup**: SQLite's online backup, every table summed for the manifest
  (``DialogueFlow.backup``); **verify**: the backup checked against its manifest;
  **restore**: verified, then loaded into a new SQLite file.

Rows per second are the rows of every table over the wall-clock time. PostgreSQL is
``--pg-url`` (default ``DIALOGUE_FLOW_PG_URL``), else a throwaway server with its durable
defaults (fsync on) started here.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py, which would shadow the standard library's calendar.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

BATCH = 10_000


def _sibling(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, _HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {_HERE / name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(path: Path, size: int) -> None:
    """national.py's records, then three audit rows and one notice per submission."""
    from dialogue_flow import (  # noqa: PLC0415
        VIETNAM_TZ,
        Notification,
        SQLiteStorage,
        TransitionRecord,
    )
    from dialogue_flow.storage import Changeset  # noqa: PLC0415

    with SQLiteStorage(path, synchronous="normal") as storage:
        _sibling("national").load(storage, size)
        at = dt.datetime(2026, 3, 2, 8, tzinfo=VIETNAM_TZ)
        for start in range(0, size, BATCH):
            ids = [f"sub-{k:08d}" for k in range(start, min(size, start + BATCH))]
            rows = tuple(TransitionRecord(
                kind="submission", record_id=sid, version=v, event=event, source=source,
                dest=dest, actor_id="tn", at=at, details={"why": "benchmark"})
                for sid in ids for v, event, source, dest in (
                    (1, "receive", None, "received"), (2, "assign", "received", "assigned"),
                    (3, "answer", "assigned", "answered")))
            notes = tuple(Notification(
                key=f"submission:{sid}:v3:answered", event="answered", kind="submission",
                record_id=sid, audience="petitioner", subject="Trả lời kiến nghị",
                body="Kiến nghị của ông/bà đã được trả lời.", language="vi", created_at=at)
                for sid in ids)
            storage.commit(Changeset(records=(), transitions=rows, notifications=notes))
        settled = size * 9 // 10
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE outbox SET status = 'delivered', outcome = 'delivered' "
                         "WHERE seq <= ?", (settled,))


def timed(what: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = what()
    return time.perf_counter() - started, result


def read_alone(path: Path, *, summed: bool) -> tuple[int, float]:
    """Every table read in one snapshot; with ``summed``, also checksummed (as a copy
    does on both sides)."""
    from dialogue_flow import SQLiteStorage  # noqa: PLC0415
    from dialogue_flow.storage import sql  # noqa: PLC0415
    from dialogue_flow.storage.sql import schema_tables, table_sum  # noqa: PLC0415

    def count(rows: Any) -> int:
        return table_sum(rows).rows if summed else sum(1 for _ in rows)

    def read() -> int:
        with SQLiteStorage(path, create=False) as storage, storage.read_tables() as session:
            return sum(count(session.rows(t)) for t in schema_tables(sql.MIGRATIONS))

    seconds, rows = timed(read)
    return rows, seconds


def copy(source: Any, target: Any) -> tuple[int, float]:
    from dialogue_flow._copy import copy_store  # noqa: PLC0415

    seconds, result = timed(lambda: copy_store(source, target))
    return result.rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="submissions")
    parser.add_argument("--pg-url", default=os.environ.get("DIALOGUE_FLOW_PG_URL", ""))
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--dir", default=None, help="where the files go (default: /tmp)")
    args = parser.parse_args()

    from dialogue_flow import DialogueFlow, SQLiteStorage  # noqa: PLC0415
    from dialogue_flow._backup import restore_backup, verify_backup  # noqa: PLC0415

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="df-copy-",
                                                                    dir=args.dir)))
        source = work / "source.db"
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
              f"{os.cpu_count()} CPUs; building {args.size:,} submissions ...", flush=True)
        built, _ = timed(lambda: build(source, args.size))
        megabytes = source.stat().st_size / 1e6
        print(f"built in {built:.0f} s: {megabytes:.0f} MB", flush=True)
        figures: list[tuple[str, int, float]] = []
        figures.append(("read the source alone", *read_alone(source, summed=False)))
        figures.append(("  ... and checksum it", *read_alone(source, summed=True)))
        with SQLiteStorage(source, create=False) as src, \
                SQLiteStorage(work / "copy.db") as dst:
            figures.append(("copy SQLite -> SQLite", *copy(src, dst)))
        pg_url = "" if args.no_postgresql else args.pg_url
        if not args.no_postgresql:
            import psycopg  # noqa: PLC0415
            from dialogue_flow_postgres import PostgresStorage  # noqa: PLC0415
            from dialogue_flow_postgres.testing import TemporaryServer  # noqa: PLC0415

            if not pg_url:
                pg_url = stack.enter_context(TemporaryServer(durable=True)).url
            schema = f"copy_{uuid.uuid4().hex[:10]}"

            def drop() -> None:
                with psycopg.connect(pg_url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

            stack.callback(drop)
            separator = "&" if "?" in pg_url else "?"
            with SQLiteStorage(source, create=False) as src, \
                    PostgresStorage.from_url(f"{pg_url}{separator}schema={schema}") as pg:
                figures.append(("copy SQLite -> PostgreSQL", *copy(src, pg)))
                with SQLiteStorage(work / "back.db") as back:
                    figures.append(("copy PostgreSQL -> SQLite", *copy(pg, back)))
        with DialogueFlow.open(f"sqlite:///{source}", create=False) as flow:
            seconds, manifest = timed(lambda: flow.backup(work / "backup"))
        total = sum(s.rows for s in manifest.tables.values())
        figures.append(("backup (online API, manifest sums)", total, seconds))
        seconds, _ = timed(lambda: verify_backup(work / "backup"))
        figures.append(("verify the backup", total, seconds))
        with SQLiteStorage(work / "restored.db") as restored:
            seconds, _ = timed(lambda: restore_backup(work / "backup", restored))
        figures.append(("restore into a new SQLite file", total, seconds))
        print()
        print(f"{'':<42}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
        for label, count, secs in figures:
            print(f"{label:<42}{count:>12,}{secs:>10.1f}{count / secs:>12,.0f}")


if __name__ == "__main__":
    main()
