"""Requests about personal data at 100,000 submissions of one organisation in a SQLite
file: what finding, exporting and erasing one petitioner costs, and the retention sweep
(issue 17, part 1).

Run: ``uv run python benchmarks/personal_data.py [--n 100000] [--repeat 3]``.

The data set: ``n`` submissions of one organisation (the worst case: a commune holds a few
thousand; a province searching its subtree, tens of thousands), each petitioner with a name
and a phone number, a fifth of them closed on the first day. Timed, median of
``--repeat``: ``find_petitioner`` by phone and by name (the candidates sharing a bucket of
the value asked for, read and compared), ``export_petitioner`` of one person (that, and
their matters' audit trails, notices and earlier reads), ``erase_petitioner`` (that, and
one commit), the retention sweep erasing every closed matter, then with nothing left to
erase (every closed matter read to see it is erased already); last, what schema 6's
upgrade spends writing every submission's petitioner buckets. No target is set.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py, which would shadow the standard library's calendar.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

ORGANISATION = "xa-mot"


def load(storage: Any, n: int) -> None:
    """Commit ``n`` submissions of one organisation, a fifth of them closed."""
    from dialogue_flow import VIETNAM_TZ, Organisation, Petitioner, Submission  # noqa: PLC0415
    from dialogue_flow.storage import Changeset  # noqa: PLC0415

    storage.commit(Changeset(((Organisation(ORGANISATION, "Xã Một", "commune"), 0),)))
    start = dt.datetime(2020, 1, 6, 8, tzinfo=VIETNAM_TZ)
    batch: list[tuple[Submission, int]] = []
    for k in range(n):
        at = start + dt.timedelta(minutes=3 * k)
        batch.append((Submission(
            id=f"sub-{k:07d}", petitioner=Petitioner(f"Công dân số {k}", address="Thôn 1",
                                                     phone=f"09{k:08d}"),
            topic="Đường giao thông", content="Đường thôn xuống cấp, đề nghị sửa chữa.",
            state="closed" if k % 5 == 0 else "received", version=1, received_at=at,
            updated_at=start, organisation_id=ORGANISATION), 0))
        if len(batch) == 10_000:
            storage.commit(Changeset(tuple(batch)))
            batch = []
    if batch:
        storage.commit(Changeset(tuple(batch)))


def timed(repeat: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        begun = time.perf_counter()
        call()
        times.append(time.perf_counter() - begun)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from dialogue_flow import Actor, DialogueFlow, FixedClock, Role, SQLiteStorage  # noqa: PLC0415

    office = Actor("vp", "Văn phòng", Role.OFFICE, organisation_id=ORGANISATION)
    chair = Actor("bt", "Bí thư", Role.CHAIR, organisation_id=ORGANISATION)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "personal.db"
        started = time.perf_counter()
        with SQLiteStorage(path, synchronous="normal") as storage:
            load(storage, args.n)
        print(f"{args.n:,} submissions of one organisation loaded in "
              f"{time.perf_counter() - started:.1f} s")
        clock = FixedClock(dt.date(2026, 3, 2))
        with DialogueFlow.open(f"sqlite:///{path}", clock=clock,
                               retention={"commune": "5y"}) as flow:
            phone = f"09{args.n // 2:08d}"
            rows = [
                ("find by phone", lambda: flow.find_petitioner(actor=office, phone=phone)),
                ("find by name", lambda: flow.find_petitioner(
                    actor=office, name=f"công dân số {args.n // 2}")),
                ("export one person", lambda: flow.export_petitioner(actor=office,
                                                                     phone=phone)),
            ]
            for label, call in rows:
                print(f"{label:<40}{timed(args.repeat, call):>10.0f} ms")
            erase_ms = timed(1, lambda: flow.erase_petitioner(actor=chair, reason="bench",
                                                              phone=phone))
            print(f"{'erase one person':<40}{erase_ms:>10.0f} ms")
            first = time.perf_counter()
            result = flow.sweep(dt.date(2026, 3, 2))
            print(f"{'sweep erasing ' + format(result.erased, ',') + ' closed matters':<40}"
                  f"{(time.perf_counter() - first) * 1000:>10.0f} ms")
            again = timed(args.repeat, lambda: flow.sweep(dt.date(2026, 3, 2)))
            print(f"{'sweep with nothing left to erase':<40}{again:>10.0f} ms")
        print(f"{'schema 6 upgrade: every bucket written':<40}{upgrade(path):>10.0f} ms")


def upgrade(path: Path) -> float:
    """The schema 6 step that fills ``petitioner_keys``, run again on emptied columns."""
    import sqlite3  # noqa: PLC0415

    from dialogue_flow.storage import sql  # noqa: PLC0415

    [step] = [s for m in sql.MIGRATIONS if m.version == 6 for s in m.steps
              if isinstance(s, sql.Rewrite) and s.columns == ("petitioner_keys",)]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("UPDATE submissions SET petitioner_keys = NULL")
        begun = time.perf_counter()
        conn.execute("BEGIN")
        sql.apply_migration(sql.Migration(6, "again", (step,)), sql.SQLITE, conn.execute,
                            conn.executemany)
        conn.execute("COMMIT")
        return (time.perf_counter() - begun) * 1000
    finally:
        conn.close()


if __name__ == "__main__":
    main()
