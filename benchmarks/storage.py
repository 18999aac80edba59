"""Committed commands per second on SQLite (FULL and NORMAL sync) beside memory, the
outbox's claim + mark_delivered rate, and the disk's own sync rate.

Run: ``uv run python benchmarks/storage.py [--cycles 500] [--repeat 3] [--dir PATH]
[--checkpoint inline|background]``.

What is measured:

- **façade**: cycles of receive → assign → answer → close through ``DialogueFlow``, four
  commands per cycle, each its own transaction (a fresh database and ``SequentialIds`` per
  run, so every id is new). This is what a host sees; it includes the façade's own work
  (checks, lifecycle, deadline computation, rendering notifications), which the memory
  line isolates.
- **storage**: the same changesets, recorded once, replayed straight into
  ``Storage.commit``: the backend's cost alone (JSON encoding included).
- **outbox**: notifications delivered per second by ``claim_notifications`` (batches of
  100, and of 1) followed by one ``mark_delivered`` per row, each its own transaction.

WAL checkpoints run in the committing connection, SQLite's own way and ``SQLiteStorage``'s
default (``--checkpoint inline``); ``--checkpoint background`` opts in to its checkpointer
thread instead, which only helps with ``synchronous=NORMAL``. The header says which.

SQLite runs in WAL mode with ``synchronous=FULL`` (the default: a committed command
survives a power cut) and ``NORMAL`` (survives application and process crashes; the last
commits before a power cut or OS crash may be lost). Both are printed. The disk decides
most of it: use ``--dir /dev/shm`` to see the CPU cost without fsync.

- **disk reference**: what the disk under ``--dir`` can do, measured beside the SQLite
  figures: ``fdatasync`` per second after overwriting one commit's worth of WAL frames in
  place (a WAL reused after a checkpoint; each FULL commit waits for one), and ``fsync``
  per second after appending as much (a WAL still growing, as in a fresh file). FULL
  cannot commit faster than the first; NORMAL syncs only at checkpoints.

The target is 3,000 committed commands per second; each SQLite line says PASS or MISS.
Numbers are medians of ``--repeat`` runs (min..max beside them): fsync latency on shared
disks varies by several times from one second to the next.
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
import os  # noqa: E402
import platform  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from dialogue_flow import (  # noqa: E402
    Actor,
    DialogueFlow,
    FixedClock,
    MemoryStorage,
    Petitioner,
    Role,
    SequentialIds,
    SQLiteStorage,
    WorkCalendar,
)
from dialogue_flow.storage import Changeset, Storage  # noqa: E402
from dialogue_flow.testing import sample_notification, sample_submission  # noqa: E402

TARGET = 3_000
START = dt.date(2021, 6, 1)
COMMANDS_PER_CYCLE = 4

intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
chair = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)
land = Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT, department="Địa chính")
petitioner = Petitioner(name="Nguyễn Văn A", address="Thôn 1", phone="0912345678")


class Recording(MemoryStorage):
    """Memory storage that keeps every changeset, to replay into other backends."""

    def __init__(self) -> None:
        super().__init__()
        self.changesets: list[Changeset] = []

    def commit(self, changes: Changeset) -> int:
        added = super().commit(changes)
        self.changesets.append(changes)
        return added


def cycles(flow: DialogueFlow, count: int) -> None:
    for _ in range(count):
        s = flow.receive(petitioner=petitioner, topic="đất đai",
                         content="Chậm cấp giấy chứng nhận quyền sử dụng đất.", actor=intake)
        flow.assign(s.id, department="Địa chính", actor=chair)
        flow.answer(s.id, text="Đã cấp giấy chứng nhận.", actor=land)
        flow.close(s.id, outcome="accepted", actor=intake)


def timed(run: Callable[[], int]) -> float:
    """Run once; operations per second."""
    start = time.perf_counter()
    done = run()
    return done / (time.perf_counter() - start)


def median_of(repeat: int, once: Callable[[], float]) -> tuple[float, float, float]:
    rates = [once() for _ in range(repeat)]
    return statistics.median(rates), min(rates), max(rates)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.calendar = WorkCalendar.vietnam()
        self.workdir = Path(tempfile.mkdtemp(prefix="df-bench-", dir=args.dir))
        self.runs = 0
        recorder = Recording()
        cycles(DialogueFlow(recorder, calendar=self.calendar, clock=FixedClock(START),
                            ids=SequentialIds(8)), args.cycles)
        self.changesets = recorder.changesets

    def open(self, backend: str) -> Storage:
        if backend == "memory":
            return MemoryStorage()
        self.runs += 1
        return SQLiteStorage(self.workdir / f"run-{self.runs}.db", synchronous=backend,
                             checkpoint=self.args.checkpoint)

    def facade(self, backend: str) -> float:
        storage = self.open(backend)
        flow = DialogueFlow(storage, calendar=self.calendar, clock=FixedClock(START),
                            ids=SequentialIds(8))
        try:
            return timed(lambda: (cycles(flow, self.args.cycles),
                                  self.args.cycles * COMMANDS_PER_CYCLE)[1])
        finally:
            storage.close()

    def storage(self, backend: str) -> float:
        storage = self.open(backend)
        try:
            def replay() -> int:
                for changes in self.changesets:
                    storage.commit(changes)
                return len(self.changesets)
            return timed(replay)
        finally:
            storage.close()

    def outbox(self, backend: str, batch: int) -> float:
        storage = self.open(backend)
        count = self.args.notifications
        try:
            per_commit = 50
            for first in range(0, count, per_commit):
                keys = [f"n-{i:06d}" for i in range(first, min(first + per_commit, count))]
                storage.commit(Changeset(records=((sample_submission(f"s-{first:06d}"), 0),),
                                         notifications=tuple(map(sample_notification, keys))))
            now = dt.datetime(2021, 6, 1, 9, 0, tzinfo=dt.UTC)
            lease = dt.timedelta(minutes=5)

            def drain() -> int:
                delivered = 0
                while entries := storage.claim_notifications("bench", now, lease, batch):
                    for entry in entries:
                        delivered += storage.mark_delivered(entry.key, "bench")
                return delivered
            rate = timed(drain)
            if storage.outbox_stats()["delivered"] != count:
                raise AssertionError("the outbox was not drained")
            return rate
        finally:
            storage.close()


#: What one commit writes to the WAL on this benchmark's changesets: ~12 frames of a 4 KiB
#: page and its 24-byte header.
WAL_BYTES_PER_COMMIT = 12 * (4096 + 24)


def disk_syncs(directory: Path, count: int = 300) -> tuple[float, float]:
    """Raw syncs per second in ``directory``, each after writing one commit's worth of WAL:
    (``fdatasync`` after overwriting blocks the file already has, as a reused WAL does;
    ``fsync`` after appending, as a fresh WAL does). With ``synchronous=FULL`` every commit
    waits for one such sync, so these bound the FULL line."""
    block = os.urandom(WAL_BYTES_PER_COMMIT)
    path = directory / "disk-sync.bin"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        ring = 64  # a 3 MiB file, overwritten round and round
        for i in range(ring):
            os.pwrite(fd, block, i * len(block))
        os.fsync(fd)

        def overwrite() -> int:
            for i in range(count):
                os.pwrite(fd, block, (i % ring) * len(block))
                os.fdatasync(fd)
            return count

        def append() -> int:
            end = ring * len(block)
            for i in range(count):
                os.pwrite(fd, block, end + i * len(block))
                os.fsync(fd)
            return count

        return timed(overwrite), timed(append)
    finally:
        os.close(fd)
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=500,
                        help="receive/assign/answer/close cycles per run (default 500)")
    parser.add_argument("--notifications", type=int, default=2_000,
                        help="outbox rows drained per run (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per line (default 3)")
    parser.add_argument("--checkpoint", choices=("inline", "background"),
                        default="inline",
                        help="SQLiteStorage's checkpoint option (default inline, as "
                             "SQLiteStorage's own; background opts in to its thread)")
    parser.add_argument("--dir", default=None,
                        help="where the SQLite files go (default: the system temp dir)")
    args = parser.parse_args()
    bench = Bench(args)
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} CPUs, {sys.platform}; files in {bench.workdir}")
    print(f"{args.cycles} cycles x {COMMANDS_PER_CYCLE} commands per run, "
          f"{len(bench.changesets)} changesets replayed, "
          f"{args.notifications} outbox rows; median (min..max) of {args.repeat} runs")
    print(f"WAL checkpoints: {args.checkpoint}"
          + (" (opted in: a thread beside the commits)" if args.checkpoint == "background"
             else " (in the committing connection; SQLiteStorage's default)"))
    print()
    header = f"{'':31} {'memory':>26} {'sqlite FULL':>20} {'sqlite NORMAL':>20}"
    print(header)
    print("-" * len(header))
    verdicts: list[str] = []
    lines: list[tuple[str, Callable[[str], float], bool]] = [
        ("façade commands/s", bench.facade, True),
        ("storage commits/s", bench.storage, True),
        ("outbox delivered/s (batch 100)", lambda b: bench.outbox(b, 100), False),
        ("outbox delivered/s (batch 1)", lambda b: bench.outbox(b, 1), False),
    ]
    for label, measure, judged in lines:
        cells = []
        for backend in ("memory", "full", "normal"):
            mid, low, high = median_of(args.repeat, lambda b=backend, m=measure: m(b))
            cells.append(f"{mid:,.0f} ({low:,.0f}..{high:,.0f})")
            if judged and backend != "memory":
                verdict = "PASS" if mid >= TARGET else "MISS"
                verdicts.append(f"  {verdict}  {label:<20} sqlite {backend.upper():<6} "
                                f"{mid:>8,.0f}/s  (target >= {TARGET:,}/s)")
        print(f"{label:31} {cells[0]:>26} {cells[1]:>20} {cells[2]:>20}")
    syncs = [disk_syncs(bench.workdir) for _ in range(args.repeat)]
    overwrite, append = ((statistics.median(rates), min(rates), max(rates))
                         for rates in zip(*syncs, strict=True))
    print()
    print(f"Disk reference, same directory ({WAL_BYTES_PER_COMMIT // 1024} KiB written per "
          "sync, one commit's WAL frames):")
    print(f"  {'fdatasync/s, overwriting in place':40} {overwrite[0]:>8,.0f} "
          f"({overwrite[1]:,.0f}..{overwrite[2]:,.0f})  a reused WAL: bounds FULL")
    print(f"  {'fsync/s, appending':40} {append[0]:>8,.0f} "
          f"({append[1]:,.0f}..{append[2]:,.0f})  a WAL still growing")
    print()
    print("Target: >= 3,000 committed commands/s on an SQLite file")
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
