"""One sweep and one 6-month report over 1,000,000 submissions in a SQLite file.

Run: ``uv run python benchmarks/scale.py [--n 1000000] [--db PATH] [--rebuild]``.

The data set: 10,000 communes, two dialogues each (on random working days of quarters II
and III of 2021), 50 submissions per dialogue, received on the dialogue's day; states as a
year of real work leaves them (60 % closed, 15 % answered, 15 % assigned with a
written-answer due date, 5 % escalated, 5 % just received). It is loaded through
``Storage.commit`` in changesets of 10,000 records (audit rows left out: neither the sweep
nor the report reads them) and kept between runs, so only the first run pays for it.

Measured, each in a fresh process so its peak RSS is its own: ``flow.sweep(2021-08-16)``
(reminders and overdue notices written to the outbox) and ``flow.report("2021-H1")`` plus
rendering it as Markdown. Targets: each under 5 s, peak RSS under 300 MB.

``benchmarks/report_sweep_backends.py`` loads this data set (:func:`load`) into SQLite and
PostgreSQL and times the same two jobs (:func:`run_job`) on both.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py, which would shadow the standard library's calendar.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import closing  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from dialogue_flow import DialogueFlow
    from dialogue_flow.storage import Storage

COMMUNES = 10_000
PER_DIALOGUE = 50
SWEEP_DAY = dt.date(2021, 8, 16)
REPORT_PERIOD = "2021-H1"
#: Records per changeset when loading.
BATCH = 10_000
TARGET_SECONDS, TARGET_MB = 5.0, 300.0


def load(storage: Storage, n: int, batch_size: int = BATCH) -> tuple[int, int]:
    """Commit the data set of ``n`` submissions into ``storage``, ``batch_size`` records per
    changeset; returns (submissions, dialogues). The same ``n`` gives the same records."""
    from dialogue_flow import (  # noqa: PLC0415
        VIETNAM_TZ,
        DeadlinePolicy,
        Dialogue,
        Petitioner,
        Submission,
        WorkCalendar,
    )
    from dialogue_flow.storage import Changeset  # noqa: PLC0415

    rng = random.Random(20210615)
    cal = WorkCalendar.vietnam()
    policy = DeadlinePolicy.default()
    announce = policy.rule_for("announcement", on=dt.date(2021, 6, 1))
    answer_rule = policy.rule_for("written_answer", on=dt.date(2021, 6, 1))
    # Communes hold their dialogues on different working days of quarters II and III.
    quarter = {q: [d for d in (dt.date(2021, m, 1) + dt.timedelta(days=i) for i in range(91))
                   if cal.is_working_day(d)] for q, m in ((2, 4), (3, 7))}
    dialogues_needed = max(1, n // PER_DIALOGUE)
    topics = ["quản lý đất đai", "bảo vệ rừng", "ô nhiễm môi trường", "sản xuất",
              "xây dựng nông thôn mới", "xây dựng Đảng"]
    departments = ["Địa chính", "Nông nghiệp", "Văn phòng", "Tài nguyên - Môi trường"]
    states = ["closed"] * 12 + ["answered"] * 3 + ["assigned"] * 3 + ["escalated", "received"]
    batch: list[tuple[Dialogue | Submission, int]] = []
    made = dialogues = 0
    for k in range(dialogues_needed):
        day = rng.choice(quarter[2 + k % 2])
        at = dt.datetime(day.year, day.month, day.day, 8, tzinfo=VIETNAM_TZ)
        notice = cal.add_working_days(day, 6)
        d = Dialogue(id=f"dlg-{k:06d}", title=f"Đối thoại xã {k // 2}", scheduled_for=day,
                     state="concluded", version=4, created_at=at, updated_at=at,
                     announce_by=announce.compute(day, cal))
        batch.append((d, 0))
        dialogues += 1
        due = answer_rule.compute(notice, cal)
        for _ in range(min(PER_DIALOGUE, n - made)):
            state = rng.choice(states)
            answered = state in ("closed", "answered") and rng.random() < 0.9
            dept = rng.choice(departments) if state != "received" else None
            answered_on = cal.add_working_days(day, rng.randint(0, 40)) if answered else None
            s = Submission(
                id=f"sub-{made:07d}", petitioner=Petitioner(name=f"Công dân {made}"),
                topic=rng.choice(topics), content="Nội dung kiến nghị.", state=state,
                version=3, received_at=at, updated_at=at, dialogue_id=d.id,
                department=dept,
                competent_level="UBND huyện" if state == "escalated" else None,
                due=due if dept else None, answered_on=answered_on,
                answer_mode="in_writing" if answered_on else None,
                answer="Đã trả lời." if answered_on else None)
            batch.append((s, 0))
            made += 1
        if len(batch) >= batch_size:
            storage.commit(Changeset(records=tuple(batch)))
            batch = []
        if made >= n:
            break
    if batch:
        storage.commit(Changeset(records=tuple(batch)))
    return made, dialogues


def build(path: Path, n: int) -> None:
    from dialogue_flow import SQLiteStorage  # noqa: PLC0415

    started = time.perf_counter()
    with SQLiteStorage(path, synchronous="normal") as storage:
        made, dialogues = load(storage, n)
    print(f"built {made:,} submissions in {dialogues:,} dialogues in "
          f"{time.perf_counter() - started:.0f} s ({path.stat().st_size / 2**20:,.0f} MiB)")


def run_job(flow: DialogueFlow, what: str) -> dict[str, Any]:
    """Time ``what`` ("sweep" or "report") on ``flow``; in a child process, so that the
    peak RSS is this job's alone. ``digest`` identifies the outcome (the same data set
    must give the same one on every backend)."""
    started = time.perf_counter()
    if what == "sweep":
        result = flow.sweep(SWEEP_DAY)
        detail = (f"due soon {result.due_soon:,}, overdue {result.overdue:,}, "
                  f"dialogues {result.dialogues}, new notices {result.written:,}")
        digest = str((result.due_soon, result.overdue, result.dialogues, result.written))
    else:
        report = flow.report(REPORT_PERIOD)
        text = flow.render_report(report, "md")
        detail = (f"{report.received:,} received, {len(report.overdue):,} overdue listed, "
                  f"{len(text) / 2**20:.1f} MiB of Markdown")
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "detail": detail, "digest": digest}


def peak_rss_mb() -> float:
    """This process's peak RSS. On Linux from ``VmHWM``: ``ru_maxrss`` of a process started
    by ``subprocess`` (vfork + exec) also counts the peak of the parent that started it."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def measure(path: Path, what: str) -> dict[str, Any]:
    """Run in a child process: the RSS figure is this job's alone."""
    from dialogue_flow import DialogueFlow, FixedClock  # noqa: PLC0415

    flow = DialogueFlow.open(f"sqlite:///{path}", clock=FixedClock(SWEEP_DAY))
    try:
        return run_job(flow, what)
    finally:
        flow.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", choices=["sweep", "report"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.db or Path(tempfile.gettempdir()) / f"dialogue-flow-scale-{args.n}.db"
    if args.child:
        print(json.dumps(measure(path, args.child)))
        return
    if args.rebuild or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        build(path, args.n)
    else:
        print(f"reusing {path} ({path.stat().st_size / 2**20:,.0f} MiB); --rebuild to start over")
    print(f"{'job':<10}{'seconds':>10}{'peak RSS MB':>14}   what it did")
    verdicts = []
    for job in ("sweep", "report"):
        if job == "sweep":  # every run measures writing its notices, not finding them there
            with closing(sqlite3.connect(path)) as conn, conn:
                conn.execute("DELETE FROM outbox")
        done = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--db", str(path),
                               "--child", job], capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONHASHSEED": "0"})
        if done.returncode != 0:
            print(done.stderr)
            raise SystemExit(done.returncode)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{job:<10}{figures['seconds']:>10.2f}{figures['peak_mb']:>14.0f}   "
              f"{figures['detail']}")
        ok = figures["seconds"] < TARGET_SECONDS and figures["peak_mb"] < TARGET_MB
        verdicts.append(f"{'PASS' if ok else 'MISS'}  {job}: {figures['seconds']:.2f} s "
                        f"(target < {TARGET_SECONDS:.0f} s), {figures['peak_mb']:.0f} MB "
                        f"(target < {TARGET_MB:.0f} MB)")
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
