"""Committed commands per second on PostgreSQL with 1, 2 and 4 worker processes, and the
outbox dispatch rate, beside SQLite measured in the same run with the same workload.

Run: ``uv run python benchmarks/postgres.py [--cycles 150] [--notifications 2000]``.

The server is ``DIALOGUE_FLOW_PG_URL`` if set, else a throwaway PostgreSQL started for the
run with its durable defaults (``fsync=on``, ``synchronous_commit=on``), so its figures are
comparable with SQLite's ``synchronous=FULL`` (the default) on the same disk. Each run uses
a fresh PostgreSQL schema or a fresh SQLite file.

- **commands/s**: each worker process runs ``--cycles`` cycles of receive → assign →
  answer → close through ``DialogueFlow`` (four commands, four transactions per cycle; ids
  are time-ordered, so workers never touch each other's records). Workers start together
  after building their calendar; the rate is all committed commands over the wall time
  from the first start to the last finish.
- **outbox delivered/s**: ``--notifications`` rows drained by 1 and by 3 dispatcher
  processes (claim batches of 100, one ``mark_delivered`` per row).

SQLite serialises writers on one file, so its multi-process lines show contention; the
machine's core count bounds PostgreSQL's (workers and server backends share the CPUs).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and its sibling calendar.py would
# shadow the standard library's `calendar` (imported by `holidays` and `email`).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import queue  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit  # noqa: E402

import psycopg  # noqa: E402
from dialogue_flow_postgres import PostgresStorage  # noqa: E402
from dialogue_flow_postgres.testing import ENV_VAR, TemporaryServer  # noqa: E402

from dialogue_flow import (  # noqa: E402
    Actor,
    DialogueFlow,
    FixedClock,
    Petitioner,
    Role,
    SQLiteStorage,
    WorkCalendar,
)
from dialogue_flow.storage import Changeset, Storage  # noqa: E402
from dialogue_flow.testing import sample_notification, sample_submission  # noqa: E402

START = dt.date(2021, 6, 1)
COMMANDS_PER_CYCLE = 4
intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
chair = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)
land = Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT, department="Địa chính")
petitioner = Petitioner(name="Nguyễn Văn A", address="Thôn 1", phone="0912345678")


def open_storage(url: str) -> Storage:
    if url.startswith("sqlite:"):
        return SQLiteStorage.from_url(url)
    return PostgresStorage.from_url(url, pool_max_size=2)


def command_worker(url: str, cycles: int, barrier: Any, results: Any) -> None:
    storage = open_storage(url)
    flow = DialogueFlow(storage, calendar=WorkCalendar.vietnam(), clock=FixedClock(START))
    barrier.wait()
    start = time.time()
    for _ in range(cycles):
        s = flow.receive(petitioner=petitioner, topic="đất đai",
                         content="Chậm cấp giấy chứng nhận quyền sử dụng đất.", actor=intake)
        flow.assign(s.id, department="Địa chính", actor=chair)
        flow.answer(s.id, text="Đã cấp giấy chứng nhận.", actor=land)
        flow.close(s.id, outcome="accepted", actor=intake)
    results.put((start, time.time()))
    flow.shutdown()


def dispatch_worker(url: str, name: str, barrier: Any, results: Any) -> None:
    storage = open_storage(url)
    now = dt.datetime(2021, 6, 1, 9, 0, tzinfo=dt.UTC)
    lease = dt.timedelta(minutes=5)
    barrier.wait()
    start = time.time()
    delivered = 0
    while entries := storage.claim_notifications(name, now, lease, 100):
        for entry in entries:
            delivered += storage.mark_delivered(entry.key, name)
    results.put((start, time.time(), delivered))
    storage.close()


def run_processes(target: Any, args_for: list[tuple[Any, ...]]) -> list[Any]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args_for))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for args in args_for]
    for p in procs:
        p.start()
    outcomes: list[Any] = []
    while len(outcomes) < len(procs):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                for p in procs:
                    p.kill()
                raise RuntimeError("a worker died; its traceback is above") from None
    for p in procs:
        p.join(timeout=60)
        if p.exitcode != 0:
            raise RuntimeError(f"a worker failed (exit code {p.exitcode})")
    return outcomes


class Targets:
    """Fresh PostgreSQL schemas and SQLite files, dropped and deleted at the end."""

    def __init__(self, pg_url: str, workdir: Path) -> None:
        self.pg_url = pg_url
        self.workdir = workdir
        self.schemas: list[str] = []

    def fresh(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.workdir / f'{uuid.uuid4().hex}.db'}"
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        self.schemas.append(schema)
        parts = urlsplit(self.pg_url)
        query = [*parse_qsl(parts.query), ("schema", schema)]
        url = urlunsplit(parts._replace(query=urlencode(query)))
        open_storage(url).close()  # migrate before the clock starts
        return url

    def drop(self) -> None:
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            for schema in self.schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def commands_rate(targets: Targets, backend: str, workers: int, cycles: int) -> float:
    url = targets.fresh(backend)
    spans = run_processes(command_worker, [(url, cycles)] * workers)
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return workers * cycles * COMMANDS_PER_CYCLE / wall


def outbox_rate(targets: Targets, backend: str, dispatchers: int, rows: int) -> float:
    url = targets.fresh(backend)
    storage = open_storage(url)
    try:
        for first in range(0, rows, 50):
            keys = [f"n-{i:06d}" for i in range(first, min(first + 50, rows))]
            storage.commit(Changeset(records=((sample_submission(f"s-{first:06d}"), 0),),
                                     notifications=tuple(map(sample_notification, keys))))
    finally:
        storage.close()
    spans = run_processes(dispatch_worker, [(url, f"d{n}") for n in range(dispatchers)])
    if sum(d for _, _, d in spans) != rows:
        raise AssertionError("the outbox was not drained exactly once")
    wall = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    return rows / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=150,
                        help="cycles of 4 commands per worker process (default 150)")
    parser.add_argument("--notifications", type=int, default=2_000,
                        help="outbox rows drained per run (default 2000)")
    parser.add_argument("--dir", default=None, help="where the SQLite files go")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = os.environ.get(ENV_VAR)
        origin = f"{ENV_VAR}"
        if not url:
            server = stack.enter_context(TemporaryServer(durable=True))
            url, origin = server.url, "a throwaway server (fsync on)"
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="df-bench-", dir=args.dir)))
        targets = Targets(url, workdir)
        stack.callback(targets.drop)
        with psycopg.connect(url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            version = row[0] if row else "?"
        print(f"Python {platform.python_version()}, PostgreSQL {version} ({origin}), "
              f"SQLite {sqlite3.sqlite_version} (synchronous=FULL, files in {workdir}), "
              f"{os.cpu_count()} CPUs")
        print(f"{args.cycles} cycles x {COMMANDS_PER_CYCLE} commands per worker; "
              f"{args.notifications} outbox rows per drain")
        print()
        header = f"{'':36} {'postgresql':>12} {'sqlite':>12}"
        print(header)
        print("-" * len(header))
        for workers in (1, 2, 4):
            cells = [commands_rate(targets, b, workers, args.cycles)
                     for b in ("postgresql", "sqlite")]
            label = f"commands/s, {workers} worker process{'es' if workers > 1 else ''}"
            print(f"{label:36} {cells[0]:>12,.0f} {cells[1]:>12,.0f}", flush=True)
        for dispatchers in (1, 3):
            cells = [outbox_rate(targets, b, dispatchers, args.notifications)
                     for b in ("postgresql", "sqlite")]
            label = f"outbox delivered/s, {dispatchers} dispatcher{'s' if dispatchers > 1 else ''}"
            print(f"{label:36} {cells[0]:>12,.0f} {cells[1]:>12,.0f}", flush=True)


if __name__ == "__main__":
    main()
