"""Search at 100,000 submissions in a SQLite file, and schema 5's upgrade of such a file.

Run: ``uv run python benchmarks/search.py [--n 100000] [--repeat 5]``.

The data set: ``n`` submissions of 20 organisations, each with a topic from a list and a
content of 20-60 words drawn from ~80 Vietnamese words (some typed decomposed, some in
capitals), loaded through ``Storage.commit`` into a file at schema 4 (the release before
search) and then opened, which applies schema 5: every submission is read back, given a
tracking code and its folded words, and written again. That upgrade is timed.

Then ``flow.submissions(search=..., limit=50)`` (a page and its total, as a dashboard shows
them) for a few searches: common words, a rare one, a one-letter prefix (the worst case:
nearly every row matches), with filters and ``order_by="received"``. Each is run
``--repeat`` times; the median is printed. No target is set: the figures say whether the
LIKE scan needs an index (SQLite FTS5, pg_trgm) and what it would have to beat.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py, which would shadow the standard library's calendar.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import random  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
from contextlib import closing  # noqa: E402
from typing import Any  # noqa: E402

_VOCABULARY = (
    "đất đai quyền sử dụng giấy chứng nhận cấp đổi tranh chấp ranh giới thửa đất bồi thường "
    "giải phóng mặt bằng tái định cư ô nhiễm môi trường nước thải rác sinh hoạt khói bụi "
    "đường giao thông nông thôn cầu cống sạt lở mương thủy lợi tưới tiêu điện chiếu sáng "
    "trường học y tế trạm bảo hiểm xã hội hộ nghèo chính sách người có công việc làm thanh "
    "niên an ninh trật tự cờ bạc ma túy tiếng ồn karaoke chợ vệ sinh an toàn thực phẩm "
    "giá cả phân bón giống cây trồng vật nuôi dịch bệnh xây dựng trái phép lấn chiếm")
WORDS = tuple(_VOCABULARY.split())
TOPICS = ("quản lý đất đai", "bảo vệ rừng", "ô nhiễm môi trường", "giao thông nông thôn",
          "chính sách xã hội", "an ninh trật tự", "xây dựng Đảng")
ORGANISATIONS = tuple(f"xa-{k:02d}" for k in range(20))
#: (label, filters): what is timed.
SEARCHES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("dat dai", {"search": "dat dai"}),
    ("o nhiem nuoc thai", {"search": "o nhiem nuoc thai"}),
    ("a rare word", {"search": "karaoke ma tuy"}),
    ("no match", {"search": "khongcotu"}),
    ("one letter: d", {"search": "d"}),
    ("dat dai, assigned", {"search": "dat dai", "state": "assigned"}),
    ("dat dai, one commune", {"search": "dat dai", "organisation": "xa-07"}),
    ("dat dai, newest first", {"search": "dat dai", "order_by": "received"}),
    ("no search, newest first", {"order_by": "received"}),
)


def load(storage: Any, n: int) -> None:
    """Commit ``n`` submissions (the same ``n`` gives the same records)."""
    from dialogue_flow import VIETNAM_TZ, Organisation, Petitioner, Submission  # noqa: PLC0415
    from dialogue_flow.storage import Changeset  # noqa: PLC0415

    storage.commit(Changeset(tuple((Organisation(org, f"Xã {org}", "commune"), 0)
                                   for org in ORGANISATIONS)))
    rng = random.Random(16)
    start = dt.datetime(2026, 1, 5, 8, tzinfo=VIETNAM_TZ)
    batch: list[tuple[Submission, int]] = []
    for k in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 60))]
        content = " ".join(unicodedata.normalize("NFD", w) if rng.random() < 0.05 else w
                           for w in words).capitalize() + "."
        at = start + dt.timedelta(minutes=7 * k)
        state = rng.choice(("received", "assigned", "assigned", "answered", "closed"))
        batch.append((Submission(
            id=f"sub-{k:07d}", petitioner=Petitioner(f"Công dân {k}"),
            topic=rng.choice(TOPICS), content=content, state=state, version=1,
            received_at=at, updated_at=at, department="Địa chính" if state != "received"
            else None, organisation_id=rng.choice(ORGANISATIONS)), 0))
        if len(batch) == 10_000:
            storage.commit(Changeset(tuple(batch)))
            batch = []
    if batch:
        storage.commit(Changeset(tuple(batch)))


def build_schema_4(path: Path, n: int) -> float:
    """A file at schema 4 holding the data set; returns the seconds schema 5 took.

    Loaded at schema 5, then taken back to what schema 4 held: schema 5's columns and
    indexes dropped, the codes taken out of the records' JSON, its row in schema_version
    deleted. (SQLite 3.35 or later: ``DROP COLUMN``.)"""
    from dialogue_flow import SQLiteStorage  # noqa: PLC0415
    from dialogue_flow.storage import sql  # noqa: PLC0415

    with SQLiteStorage(path, synchronous="normal") as storage:
        load(storage, n)
    [five] = [m for m in sql.MIGRATIONS if m.version == 5]
    with closing(sqlite3.connect(path)) as conn, conn:
        for step in five.steps:
            if isinstance(step, sql.CreateIndex):
                conn.execute(f"DROP INDEX {step.index.name}")
        for step in five.steps:
            if isinstance(step, sql.AddColumns):
                for column in step.columns:
                    conn.execute(f"ALTER TABLE {step.table} DROP COLUMN {column.name}")
        conn.execute("UPDATE submissions SET record = json_remove(record, '$.tracking_code')")
        conn.execute("DELETE FROM schema_version WHERE version >= 5")
    started, cpu = time.perf_counter(), time.process_time()
    SQLiteStorage(path, synchronous="normal").close()
    print(f"(schema 5's upgrade: {time.process_time() - cpu:.1f} s of CPU)")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from dialogue_flow import DialogueFlow  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "search.db"
        started = time.perf_counter()
        upgrade = build_schema_4(path, args.n)
        print(f"{args.n:,} submissions loaded at schema 4 in "
              f"{time.perf_counter() - started - upgrade:.1f} s; schema 5's upgrade "
              f"(every submission rewritten) {upgrade:.1f} s; file "
              f"{path.stat().st_size / 2**20:,.0f} MiB")
        with DialogueFlow.open(f"sqlite:///{path}") as flow:
            print(f"{'search':<28}{'median ms':>10}{'total':>9}")
            for label, filters in SEARCHES:
                times = []
                for _ in range(args.repeat):
                    begun = time.perf_counter()
                    page = flow.submissions(limit=50, **filters)
                    times.append(time.perf_counter() - begun)
                print(f"{label:<28}{statistics.median(times) * 1000:>10.1f}"
                      f"{page.total or 0:>9,}")


if __name__ == "__main__":
    main()
