"""A national store: 34 provinces, 3,321 communes and N submissions, on PostgreSQL with SQLite
beside it (issue 14).

Run: ``uv run python benchmarks/national.py [--size 500000] [--quick] [--pg-url URL]
[--backends postgresql,sqlite] [--repeat 200] [--cycles 100]``.

The tree (``tinh-01`` .. ``tinh-34``, each with 97 or 98 communes ``xa-01-001`` ...) is
loaded with ``DialogueFlow.load_organisations`` from TOML text, as a host loads its tree
file. The data set is then bulk-loaded through ``Storage.commit`` in changesets of 10,000
records (not command by command; audit rows left out, as no job here reads them): per
commune one dialogue concluded in quarter II of 2026 and one planned for late July; ``--size``
submissions received on the working days of the first half of 2026, 95 % at a commune and
5 % at a province, in the states a half-year of work leaves (60 % closed, 15 % answered, 15 %
assigned with a written-answer due date, 5 % escalated to a central body with its clock,
5 % received). The same size gives the same records on both backends.

Measured on the sweep day (2026-07-15), each job in a fresh process (its peak RSS is its
own):

- **pages**: a province's dashboard (its and its communes' open matters, by due date,
  overdue first, 50 rows, with the total across pages: ``submissions(organisation=...,
  subtree=True, order_by="due", limit=50)``) and a commune's, for ``--repeat`` random
  provinces and communes after 5 untimed warm-up pages; p50 and p95 in ms.
- **sweep**: one daily ``flow.sweep`` of the whole country (the outbox emptied first, so the
  run writes its notices).
- **rollup**: a province's 6-month roll-up (``flow.rollup("2026-H1", ...)``: a row per
  commune and the total) rendered as Markdown.
- **writers**: commands per second with 1, 2 and 4 writer processes, each on its own
  commune of the loaded store (cycles of receive, assign, answer, close; ``--cycles`` per
  process).

PostgreSQL is ``--pg-url`` (default ``DIALOGUE_FLOW_PG_URL``), else a throwaway server with
its durable defaults (fsync on) started by this script; after loading, its tables are
vacuumed and analysed and a checkpoint writes the load out before the clock starts (as
``report_sweep_backends.py`` does). Targets at 2,000,000 submissions: page p95 <= 50 ms,
sweep <= 60 s, roll-up <= 5 s, peak RSS <= 500 MB; PostgreSQL writers: 2 >= 1.5x one, and
no drop from 2 to 4 (2 cores shared with the server).
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
import random  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from dialogue_flow import DialogueFlow
    from dialogue_flow.storage import Storage

PROVINCES, COMMUNES = 34, 3_321
SWEEP_DAY = dt.date(2026, 7, 15)
PERIOD = "2026-H1"
BATCH = 10_000
OPEN = ("received", "assigned", "escalated")
CENTRAL_BODY = "Bộ Nông nghiệp và Môi trường"
TARGETS = {"page_ms": 50.0, "sweep_s": 60.0, "rollup_s": 5.0, "rss_mb": 500.0,
           "two_writers": 1.5}


def _sibling(name: str) -> ModuleType:
    """A script of this folder (which is not on ``sys.path``: see above)."""
    spec = importlib.util.spec_from_file_location(name, _HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {_HERE / name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the tree and the data set ----------------------------------------------------------------


def provinces() -> list[str]:
    return [f"tinh-{p:02d}" for p in range(1, PROVINCES + 1)]


def communes() -> dict[str, list[str]]:
    """The communes of each province: 97 or 98 each, 3,321 in all."""
    per, extra = divmod(COMMUNES, PROVINCES)
    return {province: [f"xa-{p:02d}-{c:03d}" for c in range(1, per + (p <= extra) + 1)]
            for p, province in enumerate(provinces(), start=1)}


PROVINCE_BODIES = ('bodies = ["Văn phòng Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy", '
                   '"Sở Nông nghiệp và Môi trường", "Sở Xây dựng"]')


def tree_toml() -> str:
    lines = []
    for province, its_communes in communes().items():
        lines += ["[[organisation]]", f'id = "{province}"', f'name = "Tỉnh ủy {province}"',
                  'level = "province"',
                  PROVINCE_BODIES, ""]
        for commune in its_communes:
            lines += ["[[organisation]]", f'id = "{commune}"', f'name = "Đảng ủy xã {commune}"',
                      'level = "commune"', f'parent = "{province}"',
                      'bodies = ["Văn phòng Đảng ủy", "Phòng Kinh tế", "Địa chính"]', ""]
    return "\n".join(lines)


def load(storage: Storage, size: int) -> tuple[int, int]:
    """The tree, then the dialogues and ``size`` submissions, in changesets of ``BATCH``
    records; returns (submissions, dialogues). The same size gives the same records."""
    from dialogue_flow import (  # noqa: PLC0415
        VIETNAM_TZ,
        DeadlinePolicy,
        Dialogue,
        DialogueFlow,
        Petitioner,
        Submission,
        WorkCalendar,
    )
    from dialogue_flow.storage import Changeset  # noqa: PLC0415

    DialogueFlow(storage).load_organisations(tree_toml())
    rng = random.Random(20260715)
    cal = WorkCalendar.vietnam()
    policy = DeadlinePolicy.default()
    announce = policy.rule_for("announcement", on=dt.date(2026, 1, 5))
    answer_rule = policy.rule_for("written_answer", on=dt.date(2026, 1, 5))
    days = [d for d in (dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(181))
            if cal.is_working_day(d)]
    quarter_two = [d for d in days if d.month >= 4]
    due_of = {d: answer_rule.compute(cal.add_working_days(d, 5), cal) for d in days}
    by_province = communes()
    every_commune = [c for cs in by_province.values() for c in cs]
    parent = {c: p for p, cs in by_province.items() for c in cs}

    def instant(day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, 8, tzinfo=VIETNAM_TZ)

    batch: list[tuple[Any, int]] = []

    def add(record: Any) -> None:
        batch.append((record, 0))
        if len(batch) >= BATCH:
            storage.commit(Changeset(records=tuple(batch)))
            batch.clear()

    planned_day = dt.date(2026, 7, 24)
    for n, commune in enumerate(every_commune):
        held = rng.choice(quarter_two)
        add(Dialogue(id=f"dlg-{n:05d}-a", title=f"Đối thoại quý II {commune}",
                     scheduled_for=held, state="concluded", version=4,
                     created_at=instant(held), updated_at=instant(held),
                     announce_by=announce.compute(held, cal), organisation_id=commune))
        add(Dialogue(id=f"dlg-{n:05d}-b", title=f"Đối thoại quý III {commune}",
                     scheduled_for=planned_day, state="planned", version=1,
                     created_at=instant(SWEEP_DAY), updated_at=instant(SWEEP_DAY),
                     announce_by=announce.compute(planned_day, cal), organisation_id=commune))
    topics = ["quản lý đất đai", "bảo vệ rừng", "ô nhiễm môi trường", "sản xuất",
              "xây dựng nông thôn mới", "xây dựng Đảng"]
    departments = ["Địa chính", "Phòng Kinh tế", "Văn phòng Đảng ủy"]
    states = ["closed"] * 12 + ["answered"] * 3 + ["assigned"] * 3 + ["escalated", "received"]
    for k in range(size):
        commune = rng.choice(every_commune)
        org = parent[commune] if rng.random() < 0.05 else commune
        day = rng.choice(days)
        state = rng.choice(states)
        answered = state in ("closed", "answered") and rng.random() < 0.9
        answered_on = min(cal.add_working_days(day, rng.randint(0, 40)),
                          SWEEP_DAY) if answered else None
        add(Submission(
            id=f"sub-{k:08d}", petitioner=Petitioner(name=f"Công dân {k}"),
            topic=rng.choice(topics), content="Nội dung kiến nghị.", state=state, version=3,
            received_at=instant(day), updated_at=instant(day),
            department=rng.choice(departments) if state in ("assigned", "closed",
                                                            "answered") else None,
            competent_level=CENTRAL_BODY if state == "escalated" else None,
            due=due_of[day] if state in ("assigned", "escalated") else None,
            answered_on=answered_on, answer_mode="in_writing" if answered_on else None,
            answer="Đã trả lời." if answered_on else None, organisation_id=org))
    if batch:
        storage.commit(Changeset(records=tuple(batch)))
    return size, 2 * len(every_commune)


# --- the measured jobs (each in a fresh process) ----------------------------------------------


def open_storage(backend: str, target: str) -> Storage:
    if backend == "sqlite":
        from dialogue_flow import SQLiteStorage  # noqa: PLC0415

        return SQLiteStorage(target)
    from dialogue_flow_postgres import PostgresStorage  # noqa: PLC0415

    return PostgresStorage.from_url(target, pool_max_size=2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pages(flow: DialogueFlow, repeat: int) -> dict[str, Any]:
    rng = random.Random(15)
    by_province = communes()
    figures: dict[str, Any] = {}
    for kind in ("province", "commune"):
        times: list[float] = []
        totals = []
        for n in range(5 + repeat):
            province = rng.choice(provinces())
            org = province if kind == "province" else rng.choice(by_province[province])
            started = time.perf_counter()
            page = flow.submissions(organisation=org, subtree=kind == "province", state=OPEN,
                                    order_by="due", limit=50)
            elapsed = time.perf_counter() - started
            if n >= 5:  # after the warm-up
                times.append(elapsed * 1000)
                totals.append(page.total or 0)
        figures[kind] = {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95),
                         "rows": statistics.median(totals)}
    return figures


def job(backend: str, target: str, what: str, repeat: int) -> dict[str, Any]:
    from dialogue_flow import DialogueFlow, FixedClock  # noqa: PLC0415

    flow = DialogueFlow(open_storage(backend, target), clock=FixedClock(SWEEP_DAY))
    try:
        started = time.perf_counter()
        if what == "pages":
            result: dict[str, Any] = pages(flow, repeat)
        elif what == "sweep":
            swept = flow.sweep(SWEEP_DAY)
            result = {"detail": f"due soon {swept.due_soon:,}, overdue {swept.overdue:,}, "
                                f"dialogues {swept.dialogues:,}, new notices {swept.written:,}"}
        else:
            rollup = flow.rollup(PERIOD, organisation="tinh-07")
            text = flow.render_rollup(rollup, "md")
            result = {"detail": f"{len(rollup.rows)} rows, {rollup.total.received:,} received, "
                                f"{len(text) / 1024:.0f} KiB of Markdown"}
        result["seconds"] = time.perf_counter() - started
    finally:
        flow.shutdown()
    result["peak_mb"] = _sibling("scale").peak_rss_mb()
    return result


def run_job(backend: str, target: str, what: str, repeat: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", backend, target, what, str(repeat)],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        print(done.stderr)
        raise SystemExit(f"{backend} {what}: the measuring process failed")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- writers ------------------------------------------------------------------------------------


def writer(backend: str, target: str, commune: str, cycles: int, barrier: Any,
           results: Any) -> None:
    from dialogue_flow import (  # noqa: PLC0415
        Actor,
        DialogueFlow,
        FixedClock,
        Petitioner,
        Role,
    )

    flow = DialogueFlow(open_storage(backend, target), clock=FixedClock(SWEEP_DAY))
    intake = Actor(f"tn-{commune}", "Bộ phận tiếp nhận", Role.INTAKE_DESK,
                   organisation_id=commune)
    chair = Actor(f"bt-{commune}", "Bí thư Đảng ủy", Role.CHAIR, organisation_id=commune)
    land = Actor(f"dc-{commune}", "Cán bộ địa chính", Role.DEPARTMENT, department="Địa chính",
                 organisation_id=commune)
    petitioner = Petitioner(name="Nguyễn Văn A", phone="0912345678")
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


def writers_rate(backend: str, target: str, workers: int, cycles: int) -> float:
    """Committed commands per second of ``workers`` processes, each on its own commune
    (started together by ``benchmarks/postgres.py``'s ``run_processes``)."""
    chosen = [cs[workers] for cs in list(communes().values())[:workers]]
    spans = _sibling("postgres").run_processes(
        writer, [(backend, target, commune, cycles) for commune in chosen])
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return workers * cycles * 4 / wall


# --- the run ------------------------------------------------------------------------------------


def empty_outbox(backend: str, target: str, pg_admin: str, schema: str) -> None:
    if backend == "sqlite":
        with sqlite3.connect(target) as conn:
            conn.execute("DELETE FROM outbox")
        conn.close()
        return
    import psycopg  # noqa: PLC0415

    with psycopg.connect(pg_admin, autocommit=True) as pg:
        pg.execute(f'TRUNCATE "{schema}".outbox')


def settle(pg_admin: str, schema: str) -> str:
    import psycopg  # noqa: PLC0415

    started = time.perf_counter()
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        for table in ("organisations", "dialogues", "submissions", "outbox"):
            conn.execute(f'VACUUM (ANALYZE) "{schema}".{table}')
        conn.execute("CHECKPOINT")
    return f"VACUUM (ANALYZE) and CHECKPOINT in {time.perf_counter() - started:.0f} s"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=500_000,
                        help="submissions (default 500000; the targets are set at 2000000)")
    parser.add_argument("--quick", action="store_true",
                        help="20,000 submissions, 30 pages, 20 writer cycles: a smoke run")
    parser.add_argument("--backends", default="postgresql,sqlite",
                        help="comma-separated, of postgresql and sqlite (default both)")
    parser.add_argument("--pg-url", default=os.environ.get("DIALOGUE_FLOW_PG_URL"),
                        help="a PostgreSQL server (a fresh schema in it is created and "
                             "dropped); default DIALOGUE_FLOW_PG_URL, else a throwaway server")
    parser.add_argument("--repeat", type=int, default=200, help="timed pages of each kind")
    parser.add_argument("--cycles", type=int, default=100,
                        help="cycles of 4 commands per writer process (default 100)")
    parser.add_argument("--dir", default=None, help="where the SQLite file goes")
    parser.add_argument("--child", nargs=4, metavar=("BACKEND", "TARGET", "JOB", "REPEAT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.size, args.repeat, args.cycles = 20_000, 30, 20
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"postgresql", "sqlite"}
    if unknown or not args.backends:
        parser.error(f"--backends: expected postgresql and/or sqlite, got {args.backends}")
    return args


def measure(backend: str, target: str, args: argparse.Namespace, pg_admin: str,
            schema: str) -> dict[str, Any]:
    started = time.perf_counter()
    storage = open_storage(backend, target)
    try:
        made, dialogues = load(storage, args.size)
    finally:
        storage.close()
    line = f"  {backend:<11} loaded the tree, {made:,} submissions and {dialogues:,} dialogues "
    line += f"in {time.perf_counter() - started:.0f} s"
    if backend == "postgresql":
        line += f"; {settle(pg_admin, schema)}"
    print(line, flush=True)
    figures: dict[str, Any] = {"pages": run_job(backend, target, "pages", args.repeat)}
    empty_outbox(backend, target, pg_admin, schema)
    figures["sweep"] = run_job(backend, target, "sweep", args.repeat)
    figures["rollup"] = run_job(backend, target, "rollup", args.repeat)
    figures["writers"] = {n: writers_rate(backend, target, n, args.cycles) for n in (1, 2, 4)}
    return figures


def show(results: dict[str, dict[str, Any]], size: int) -> None:
    backends = list(results)
    print()
    print(f"{'':<34}" + "".join(f"{b:>24}" for b in backends) + "   target (at 2,000,000)")

    def row(label: str, cells: list[str], target: str) -> None:
        print(f"{label:<34}" + "".join(f"{c:>24}" for c in cells) + f"   {target}")

    for kind in ("province", "commune"):
        row(f"{kind} page p50 / p95 ms",
            [f"{r['pages'][kind]['p50']:.1f} / {r['pages'][kind]['p95']:.1f}"
             for r in results.values()], f"p95 <= {TARGETS['page_ms']:.0f} ms")
        row(f"  ({kind} open matters, median)",
            [f"{r['pages'][kind]['rows']:,.0f}" for r in results.values()], "")
    row("daily sweep of the country s", [f"{r['sweep']['seconds']:.1f}" for r in results.values()],
        f"<= {TARGETS['sweep_s']:.0f} s")
    row("province 6-month roll-up s", [f"{r['rollup']['seconds']:.2f}" for r in results.values()],
        f"<= {TARGETS['rollup_s']:.0f} s")
    row("peak RSS of a job MB",
        [f"{max(r[j]['peak_mb'] for j in ('pages', 'sweep', 'rollup')):.0f}"
         for r in results.values()], f"<= {TARGETS['rss_mb']:.0f} MB")
    row("writers 1 / 2 / 4 commands/s",
        [" / ".join(f"{r['writers'][n]:.0f}" for n in (1, 2, 4)) for r in results.values()],
        "PostgreSQL: 2 >= 1.5x 1; 4 >= 2")
    print()
    for backend, r in results.items():
        print(f"{backend}: sweep {r['sweep']['detail']}; roll-up {r['rollup']['detail']}")
    print()
    for backend, r in results.items():
        checks = [
            (max(r["pages"][k]["p95"] for k in ("province", "commune")) <= TARGETS["page_ms"],
             "pages p95"),
            (r["sweep"]["seconds"] <= TARGETS["sweep_s"], "sweep"),
            (r["rollup"]["seconds"] <= TARGETS["rollup_s"], "roll-up"),
            (max(r[j]["peak_mb"] for j in ("pages", "sweep", "rollup")) <= TARGETS["rss_mb"],
             "RSS"),
        ]
        if backend == "postgresql":
            w = r["writers"]
            checks += [(w[2] >= TARGETS["two_writers"] * w[1], "2 writers >= 1.5x one"),
                       (w[4] >= w[2], "no drop from 2 to 4 writers")]
        at = "" if size == 2_000_000 else f" (at {size:,}; the targets are set at 2,000,000)"
        print(f"{backend}{at}: " + ", ".join(
            f"{'PASS' if ok else 'MISS'} {name}" for ok, name in checks))


def main() -> None:
    args = arguments()
    if args.child:
        backend, target, what, repeat = args.child
        print(json.dumps(job(backend, target, what, int(repeat))))
        return
    with ExitStack() as stack:
        pg_admin, schema, origin = args.pg_url or "", f"national_{uuid.uuid4().hex[:10]}", ""
        if "postgresql" in args.backends:
            import psycopg  # noqa: PLC0415
            from dialogue_flow_postgres.testing import TemporaryServer  # noqa: PLC0415

            origin = "--pg-url"
            if not pg_admin:
                server = stack.enter_context(TemporaryServer(durable=True))
                pg_admin, origin = server.url, "a throwaway server (fsync on)"

            def drop_schema() -> None:
                with psycopg.connect(pg_admin, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

            stack.callback(drop_schema)
            with psycopg.connect(pg_admin) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                origin = f"PostgreSQL {row[0] if row else '?'} ({origin})"
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="df-national-", dir=args.dir)))
        targets = {"sqlite": str(workdir / "national.db"),
                   "postgresql": _sibling("report_sweep_backends").with_schema(pg_admin, schema)
                   if pg_admin else ""}
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
              f"{origin or 'no PostgreSQL'}, {os.cpu_count()} CPUs; {PROVINCES} provinces, "
              f"{COMMUNES:,} communes, {args.size:,} submissions; {args.repeat} pages of each "
              f"kind, {args.cycles} cycles per writer")
        wall = time.perf_counter()
        results = {b: measure(b, targets[b], args, pg_admin, schema) for b in args.backends}
        show(results, args.size)
        print(f"\ntotal wall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
