"""One sweep and one 6-month report on PostgreSQL beside SQLite, on the same data set.

Run: ``uv run python benchmarks/report_sweep_backends.py [--n 100000] [--pg-url URL]
[--repeat 5] [--explain]``.

One run loads the data set of ``benchmarks/scale.py`` (``--n`` submissions, 50 per
dialogue, in changesets of ``--batch`` records through ``Storage.commit``) twice: into a
fresh SQLite file and into a fresh PostgreSQL schema. The server is ``--pg-url`` (default:
``DIALOGUE_FLOW_PG_URL`` if set), else a throwaway server started and stopped by this
script with its durable defaults (``fsync=on``), as ``benchmarks/postgres.py`` does,
reached over TCP on 127.0.0.1 as a host reaches its database server (a Unix-socket URL in
``--pg-url`` measures without TCP). After loading, the PostgreSQL tables are vacuumed and
analysed, as autovacuum leaves a table that has settled (``--no-vacuum`` skips it:
index-only scans then visit the heap for every row), and a ``CHECKPOINT`` writes the load
out before the clock starts.

Then each job runs ``--repeat`` times, each in a fresh process, one after the other, the
same as ``scale.py`` times it: ``flow.sweep(2021-08-16)`` (the outbox is emptied before
each, so every run writes its notices) and ``flow.report("2021-H1")`` plus rendering it as
Markdown. Both backends answer reports and sweeps from their covering indexes
(``ReportFacts``); the loading lines say whether each does. The table gives the median seconds
(min..max beside them) and the peak RSS of the measuring process (PostgreSQL's server
processes are not in it; their work is in the seconds). The outcomes are compared: the
same data must give the same sweep counts and the same Markdown on both.

Target (issue 12): PostgreSQL within 2x of SQLite for each job. ``--explain`` prints
PostgreSQL's plans (``EXPLAIN (ANALYZE, BUFFERS)``) of the report's and the sweep's
queries.
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
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from contextlib import ExitStack, closing  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit  # noqa: E402

TARGET_RATIO = 2.0
BACKENDS = ("sqlite", "postgresql")
JOBS = ("sweep", "report")


def _scale() -> ModuleType:
    """``benchmarks/scale.py``, whose data set and jobs these are (this folder is not on
    ``sys.path``: see above)."""
    spec = importlib.util.spec_from_file_location("scale", _HERE / "scale.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {_HERE / 'scale.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


scale = _scale()


def with_schema(url: str, schema: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode([*parse_qsl(parts.query),
                                                      ("schema", schema)])))


def open_storage(backend: str, target: str) -> Any:
    if backend == "sqlite":
        from dialogue_flow import SQLiteStorage  # noqa: PLC0415

        return SQLiteStorage(target)
    from dialogue_flow_postgres import PostgresStorage  # noqa: PLC0415

    return PostgresStorage.from_url(target)


def child(backend: str, target: str, job: str) -> dict[str, Any]:
    """One timed job in this (fresh) process; opening the storage is not timed."""
    from dialogue_flow import DialogueFlow, FixedClock  # noqa: PLC0415

    flow = DialogueFlow(open_storage(backend, target), clock=FixedClock(scale.SWEEP_DAY))
    try:
        return scale.run_job(flow, job)
    finally:
        flow.shutdown()


def load(backend: str, target: str, n: int, batch: int) -> str:
    from dialogue_flow.storage import ReportFacts  # noqa: PLC0415

    started = time.perf_counter()
    storage = open_storage(backend, target)
    try:
        made, dialogues = scale.load(storage, n, batch)
        facts = isinstance(storage, ReportFacts)
    finally:
        storage.close()
    return (f"loaded {made:,} submissions in {dialogues:,} dialogues in "
            f"{time.perf_counter() - started:.0f} s; ReportFacts: {'yes' if facts else 'NO'}")


def empty_outbox(backend: str, target: str, pg_admin: str, schema: str) -> None:
    """Before each sweep: every run writes its notices rather than finding them there."""
    if backend == "sqlite":
        with closing(sqlite3.connect(target)) as conn, conn:
            conn.execute("DELETE FROM outbox")
        return
    import psycopg  # noqa: PLC0415

    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'TRUNCATE "{schema}".outbox')


def settle(pg_admin: str, schema: str, *, vacuum: bool) -> str:
    """After loading: VACUUM (ANALYZE) the tables (unless told not to), then CHECKPOINT, so
    that writing out the load does not overlap the timed jobs (closing the SQLite file
    checkpointed its WAL likewise)."""
    import psycopg  # noqa: PLC0415

    done = []
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        if vacuum:
            started = time.perf_counter()
            for table in ("dialogues", "submissions", "outbox"):
                conn.execute(f'VACUUM (ANALYZE) "{schema}".{table}')
            done.append(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        conn.execute("CHECKPOINT")
        done.append(f"CHECKPOINT in {time.perf_counter() - started:.1f} s")
    return ", ".join(done)


def explain(pg_admin: str, schema: str) -> None:
    """PostgreSQL's plans of the report's three queries and the sweep's first page."""
    import psycopg  # noqa: PLC0415

    from dialogue_flow import Period  # noqa: PLC0415
    from dialogue_flow.storage.sql import PAGE, POSTGRESQL, Statements  # noqa: PLC0415

    chosen = Period.parse(scale.REPORT_PERIOD)
    sql = Statements(POSTGRESQL, prefix=f'"{schema}".')
    queries = [(f"report {name}", statement, params) for name, (statement, params) in
               zip(("groups", "spans", "open items"),
                   sql.report_queries(chosen.start, chosen.end), strict=True)]
    # The sweep's overdue window: the 30 days (its catch_up_days) before the sweep day.
    today = scale.SWEEP_DAY
    queries.append(("sweep page (overdue window)", sql.due_page(),
                    [today - dt.timedelta(days=30), "", today - dt.timedelta(days=1),
                     "assigned", "escalated", PAGE]))
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        for name, statement, params in queries:
            print(f"\n--- {name}: {statement}")
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", params).fetchall()
            print("\n".join(row[0] for row in plan))


def run_child(backend: str, target: str, job: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", backend, target, job],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        print(done.stderr)
        raise SystemExit(f"{backend} {job}: the measuring process failed")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="submissions (default 100000)")
    parser.add_argument("--batch", type=int, default=scale.BATCH,
                        help=f"records per changeset when loading (default {scale.BATCH})")
    parser.add_argument("--repeat", type=int, default=5,
                        help="fresh-process runs per job and backend (default 5)")
    parser.add_argument("--pg-url", default=os.environ.get("DIALOGUE_FLOW_PG_URL"),
                        help="a PostgreSQL server to use (a fresh schema in it is created "
                             "and dropped); default DIALOGUE_FLOW_PG_URL, else a throwaway "
                             "server")
    parser.add_argument("--dir", default=None, help="where the SQLite file goes")
    parser.add_argument("--no-vacuum", action="store_true",
                        help="measure PostgreSQL straight after loading, not vacuumed")
    parser.add_argument("--explain", action="store_true",
                        help="print PostgreSQL's plans of the report and sweep queries")
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "TARGET", "JOB"),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def measure(targets: dict[str, str], repeat: int, pg_admin: str, schema: str,
            ) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Each job ``repeat`` times per backend, one process after the other."""
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for backend in BACKENDS:
        for job in JOBS:
            for _ in range(repeat):
                if job == "sweep":
                    empty_outbox(backend, targets[backend], pg_admin, schema)
                runs.setdefault((backend, job), []).append(
                    run_child(backend, targets[backend], job))
    return runs


def main() -> None:
    args = arguments()
    if args.child:
        print(json.dumps(child(*args.child)))
        return

    import psycopg  # noqa: PLC0415
    from dialogue_flow_postgres.testing import TemporaryServer  # noqa: PLC0415

    with ExitStack() as stack:
        pg_admin, origin = args.pg_url, "--pg-url"
        if not pg_admin:
            server = stack.enter_context(TemporaryServer(durable=True))
            pg_admin, origin = server.url, "a throwaway server (fsync on)"
        schema = f"bench_{uuid.uuid4().hex[:12]}"

        def drop_schema() -> None:
            with psycopg.connect(pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

        stack.callback(drop_schema)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="df-bench-", dir=args.dir)))
        targets = {"sqlite": str(workdir / "scale.db"), "postgresql": with_schema(pg_admin,
                                                                                  schema)}
        with psycopg.connect(pg_admin) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            version = row[0] if row else "?"
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
              f"PostgreSQL {version} ({origin}, schema {schema}), {os.cpu_count()} CPUs")
        print(f"{args.n:,} submissions, changesets of {args.batch:,} records; each job "
              f"{args.repeat}x in a fresh process; median (min..max)")
        print("load average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}".format(
            *os.getloadavg()))
        wall = time.perf_counter()
        for backend in BACKENDS:
            print(f"  {backend:<11} {load(backend, targets[backend], args.n, args.batch)}",
                  flush=True)
        print(f"  postgresql  {settle(pg_admin, schema, vacuum=not args.no_vacuum)}")
        report(measure(targets, args.repeat, pg_admin, schema))
        if args.explain:
            explain(pg_admin, schema)
        print(f"\ntotal wall time {time.perf_counter() - wall:.0f} s; load average at end: "
              "{:.2f} {:.2f} {:.2f} (above {} the jobs shared the CPUs with other work)".format(
                  *os.getloadavg(), os.cpu_count()))


def report(runs: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
    def seconds(backend: str, job: str) -> float:
        return statistics.median(r["seconds"] for r in runs[backend, job])

    def cell(backend: str, job: str) -> str:
        values = [r["seconds"] for r in runs[backend, job]]
        return f"{seconds(backend, job):.2f} ({min(values):.2f}..{max(values):.2f})"

    def peak(backend: str) -> float:
        return max(r["peak_mb"] for job in JOBS for r in runs[backend, job])

    print()
    header = f"{'backend':<24}{'sweep s':>22}{'report s':>22}{'peak RSS MB':>14}"
    print(header)
    print("-" * len(header))
    for backend in BACKENDS:
        print(f"{backend:<24}{cell(backend, 'sweep'):>22}{cell(backend, 'report'):>22}"
              f"{peak(backend):>14.0f}")
    ratios = {job: seconds("postgresql", job) / seconds("sqlite", job) for job in JOBS}
    print(f"{'postgresql / sqlite':<24}{ratios['sweep']:>21.2f}x{ratios['report']:>21.2f}x"
          f"{peak('postgresql') / peak('sqlite'):>13.2f}x")
    print()
    for job in JOBS:
        details = {b: runs[b, job][0]["detail"] for b in BACKENDS}
        digests = {r["digest"] for b in BACKENDS for r in runs[b, job]}
        same = "same outcome on both" if len(digests) == 1 else "OUTCOMES DIFFER"
        print(f"{job}: {same}; " + "; ".join(f"{b}: {d}" for b, d in details.items()))
    print()
    for job in JOBS:
        verdict = "PASS" if ratios[job] <= TARGET_RATIO else "MISS"
        print(f"{verdict}  {job} on PostgreSQL within {TARGET_RATIO:.0f}x of SQLite: "
              f"{seconds('postgresql', job):.2f} s vs {seconds('sqlite', job):.2f} s "
              f"(x{ratios[job]:.2f})")


if __name__ == "__main__":
    main()
