"""A dispatcher killed with SIGKILL in the middle of a delivery loses nothing."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import time
from pathlib import Path

from dialogue_flow import (
    VIETNAM_TZ,
    Actor,
    DialogueFlow,
    Dispatcher,
    FixedClock,
    Notification,
    Petitioner,
    Role,
    SequentialIds,
    SQLiteStorage,
    SystemClock,
    hookimpl,
    load_plugins,
)

INTAKE = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
CHAIR = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)


class _FileNotifier:
    """Appends each key it delivers to a file; blocks forever on delivery number ``block_at``."""

    def __init__(self, log: Path, block_at: int | None = None) -> None:
        self.log = log
        self.block_at = block_at
        self.count = 0

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str],
                              ) -> str | None:
        self.count += 1
        with self.log.open("a", encoding="utf-8") as out:
            out.write(notification.key + "\n")
            out.flush()
            os.fsync(out.fileno())
        if self.count == self.block_at:
            self.log.with_suffix(".blocked").write_text(notification.key, encoding="utf-8")
            time.sleep(120)  # mid-delivery: the parent kills us here
        return "file"


def _doomed_dispatcher(db: str, log: str, block_at: int) -> None:
    with SQLiteStorage(db) as storage:
        pm = load_plugins([_FileNotifier(Path(log), block_at)], entry_points=False)
        Dispatcher(storage, pm, clock=SystemClock(), worker_id="doomed",
                   lease=dt.timedelta(seconds=30)).run_once(limit=100)


def _fill_outbox(db: Path) -> list[str]:
    clock = FixedClock(dt.date(2021, 6, 1))
    with DialogueFlow.open(f"sqlite:///{db}", clock=clock, ids=SequentialIds()) as flow:
        for i in range(6):
            s = flow.receive(petitioner=Petitioner(name=f"Công dân {i}"), topic="đất đai",
                             content="Chậm cấp giấy chứng nhận.", actor=INTAKE)
            flow.assign(s.id, department="Địa chính", actor=CHAIR)
        return [n.key for n in flow.storage.pending_notifications()]


class TestSigkill:
    def test_rows_of_a_killed_dispatcher_are_delivered_by_the_next(self, tmp_path: Path,
                                                                  ) -> None:
        """SIGKILL during the 4th delivery: the next dispatcher, once the lease expired,
        delivers that row (same idempotency key) and every row not yet delivered; the three
        rows the dead one finished are not sent again, and nothing is lost."""
        db = tmp_path / "flow.db"
        keys = _fill_outbox(db)
        assert 12 == len(keys)
        first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=_doomed_dispatcher, args=(str(db), str(first_log), 4))
        child.start()
        blocked = first_log.with_suffix(".blocked")
        deadline = time.monotonic() + 60
        while not blocked.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert blocked.exists(), "the first dispatcher never reached its 4th delivery"
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(timeout=30)
        assert -signal.SIGKILL == child.exitcode
        child.close()
        in_flight = blocked.read_text(encoding="utf-8")
        first = first_log.read_text(encoding="utf-8").split()

        with SQLiteStorage(db) as storage:
            assert {"pending": 9, "delivered": 3, "parked": 0} == {
                k: storage.outbox_stats()[k] for k in ("pending", "delivered", "parked")}
            # The dead dispatcher claimed the whole batch: until its lease expires nobody
            # else may send those rows (it might still be alive and sending).
            now = dt.datetime.now(VIETNAM_TZ)
            pm = load_plugins([_FileNotifier(second_log)], entry_points=False)
            early = Dispatcher(storage, pm, clock=FixedClock(now), worker_id="next")
            assert 0 == early.run_once(limit=100).delivered
            assert not second_log.exists()
            later = Dispatcher(storage, pm, clock=FixedClock(now + dt.timedelta(minutes=5)),
                               worker_id="next")
            later.run_once(limit=100)
            stats = storage.outbox_stats()
        second = second_log.read_text(encoding="utf-8").split()
        assert (12, 0, 0) == (stats["delivered"], stats["pending"], stats["parked"])
        assert set(keys) == set(first) | set(second)
        assert {in_flight} == set(first) & set(second)
        assert first[:3] == keys[:3]
