"""SQLite checkpoints and the WAL: inline by default, the opt-in background checkpointer
thread, and a WAL that stays bounded either way, even when the thread fails.

Each test watches the ``-wal`` file's size or the thread itself; the constants that set
how often a checkpoint runs are made small so the bounds show after a few hundred commits.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dialogue_flow import SQLiteStorage
from dialogue_flow.storage import Changeset, SubmissionQuery
from dialogue_flow.storage._checkpoint import WAL_AUTOCHECKPOINT, WAL_BACKSTOP, Checkpointer
from dialogue_flow.storage._sqlite import JOURNAL_SIZE_LIMIT
from dialogue_flow.testing import sample_notification, sample_submission, sample_transition
from sqlite_support import commit_new, raw

#: Bytes of one WAL frame: a 4 KiB page and its header.
_FRAME = 4096 + 24
_SQLITE = "dialogue_flow.storage._sqlite"
_CHECKPOINT = "dialogue_flow.storage._checkpoint"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "flow.db"


def _checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate()
            if t.name.startswith("dialogue_flow checkpointer")]


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the checkpointer"
        time.sleep(0.005)


def _rounds_past(checkpointer: Checkpointer, rounds: int) -> Callable[[], bool]:
    return lambda: checkpointer.rounds > rounds


def _autocheckpoint(storage: SQLiteStorage) -> int:
    pages: int = storage._connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    return pages


# --- the option ---------------------------------------------------------------------------------


class TestCheckpointOption:
    def test_inline_is_the_default_and_starts_no_thread(self, db: Path) -> None:
        """Without the option, commits checkpoint every WAL_AUTOCHECKPOINT pages themselves
        and no thread runs; a WAL is cut back to JOURNAL_SIZE_LIMIT when it is reset."""
        before = set(_checkpointers())
        with SQLiteStorage(db) as storage:
            assert "inline" == storage.checkpoint
            assert WAL_AUTOCHECKPOINT == _autocheckpoint(storage)
            assert JOURNAL_SIZE_LIMIT == storage._connection().execute(
                "PRAGMA journal_size_limit").fetchone()[0]
            commit_new(storage, "sub-0001")
            assert before == set(_checkpointers())

    @pytest.mark.parametrize("how", ["keyword", "url"])
    def test_background_starts_a_daemon_thread(self, db: Path, how: str) -> None:
        """checkpoint="background" (or ?checkpoint=background) starts one daemon thread for
        the file, and the writer's autocheckpoint becomes the WAL_BACKSTOP."""
        before = set(_checkpointers())
        storage = (SQLiteStorage(db, checkpoint="background") if how == "keyword"
                   else SQLiteStorage.from_url(f"sqlite:///{db}?checkpoint=background"))
        with storage:
            assert "background" == storage.checkpoint
            assert WAL_BACKSTOP == _autocheckpoint(storage)
            started = set(_checkpointers()) - before
            assert 1 == len(started)
            (thread,) = started
            assert thread.is_alive()
            assert thread.daemon
            assert str(db) in thread.name

    def test_memory_has_no_wal_and_no_thread(self) -> None:
        """An in-memory database accepts the option but has no WAL to checkpoint."""
        before = set(_checkpointers())
        with SQLiteStorage(":memory:", checkpoint="background") as memory:
            assert "memory" == memory.journal_mode
            commit_new(memory, "sub-0001")
            assert before == set(_checkpointers())


# --- inline checkpoints -------------------------------------------------------------------------


class TestInlineCheckpoints:
    def test_the_wal_stays_bounded(self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Inline, commits checkpoint the WAL every WAL_AUTOCHECKPOINT pages, so it does not
        grow past that (plus one commit); a WAL one large transaction blew up is cut back to
        JOURNAL_SIZE_LIMIT once it is reset."""
        monkeypatch.setattr(f"{_SQLITE}.WAL_AUTOCHECKPOINT", 40)
        monkeypatch.setattr(f"{_SQLITE}.JOURNAL_SIZE_LIMIT", 100 * _FRAME)
        wal = Path(f"{db}-wal")
        with SQLiteStorage(db) as storage:
            for i in range(300):
                record = sample_submission(f"sub-{i:04d}")
                storage.commit(Changeset(records=((record, 0),),
                                         transitions=(sample_transition(record),),
                                         notifications=(sample_notification(f"k-{i}"),)))
                # one commit: a submission, its audit row and outbox row and their ~16
                # indexes (schema 3), ~25 pages
                assert wal.stat().st_size <= 32 + (40 + 25) * _FRAME
            big = [sample_submission(f"big-{i:04d}") for i in range(500)]
            storage.commit(Changeset(records=tuple((r, 0) for r in big)))
            assert wal.stat().st_size > 100 * _FRAME
            for i in range(100):
                storage.commit(Changeset(records=((sample_submission(f"after-{i:04d}"), 0),)))
            assert wal.stat().st_size <= 100 * _FRAME
            assert 900 == len(storage.find_submissions(SubmissionQuery(limit=1000)))


# --- the background checkpointer ----------------------------------------------------------------


class TestBackgroundCheckpoints:
    def test_close_stops_the_thread_and_closes_its_connection(self, db: Path) -> None:
        """close() joins the thread, whose connection is closed: the storage's connection is
        then the last one, and closing it removes the WAL file (SQLite does that only for
        the last connection to a database)."""
        storage = SQLiteStorage(db, checkpoint="background")
        assert storage._checkpointer is not None
        thread = storage._checkpointer.thread
        for i in range(20):
            commit_new(storage, f"sub-{i:04d}")
        storage.close()
        assert not thread.is_alive()
        assert thread not in _checkpointers()
        assert not Path(f"{db}-wal").exists()
        storage.close()  # still idempotent

    def test_close_does_not_wait_for_the_lock_the_thread_needs(
            self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A round ends under the storage's lock; close() stops the thread before taking
        that lock, so closing during a round cannot deadlock."""
        monkeypatch.setattr(f"{_CHECKPOINT}.CHECKPOINT_EVERY", 1)
        storage = SQLiteStorage(db, checkpoint="background")
        for i in range(50):
            commit_new(storage, f"sub-{i:04d}")
        started = time.monotonic()
        storage.close()
        assert time.monotonic() - started < 5
        assert [] == [t for t in _checkpointers() if str(db) in t.name]

    def test_the_thread_keeps_the_wal_short(self, db: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
        """With the writer's backstop out of reach, the thread alone empties the WAL every
        CHECKPOINT_EVERY commits: after each round the next commit starts it over, so the
        file never holds more than a few rounds' worth of frames."""
        monkeypatch.setattr(f"{_CHECKPOINT}.CHECKPOINT_EVERY", 20)
        monkeypatch.setattr(f"{_SQLITE}.WAL_BACKSTOP", 1_000_000)
        wal = Path(f"{db}-wal")
        with SQLiteStorage(db, synchronous="normal", checkpoint="background") as storage:
            checkpointer = storage._checkpointer
            assert checkpointer is not None
            assert 1_000_000 == _autocheckpoint(storage)
            for batch in range(20):
                rounds = checkpointer.rounds
                for i in range(20):
                    commit_new(storage, f"sub-{batch:02d}-{i:02d}")
                _wait_for(_rounds_past(checkpointer, rounds))
                # 20 commits of ~10 pages; 400 commits without checkpoints are ~4,000.
                assert wal.stat().st_size <= 32 + 3 * 20 * 12 * _FRAME
            assert 0 == checkpointer.failures
            assert 400 == len(storage.find_submissions(SubmissionQuery(limit=1000)))

    def test_a_failing_thread_is_logged_and_the_backstop_bounds_the_wal(
            self, db: Path, monkeypatch: pytest.MonkeyPatch,
            caplog: pytest.LogCaptureFixture) -> None:
        """An error in a round is logged on the dialogue_flow logger, never raised into a
        command; the writer's wal_autocheckpoint keeps the WAL bounded meanwhile."""
        def broken(conn: sqlite3.Connection) -> tuple[int, int, int]:
            raise sqlite3.OperationalError("disk I/O error")
        monkeypatch.setattr(f"{_CHECKPOINT}._wal_checkpoint", broken)
        monkeypatch.setattr(f"{_CHECKPOINT}.CHECKPOINT_EVERY", 5)
        monkeypatch.setattr(f"{_SQLITE}.WAL_BACKSTOP", 40)
        wal = Path(f"{db}-wal")
        with caplog.at_level("ERROR", logger="dialogue_flow"), \
                SQLiteStorage(db, checkpoint="background") as storage:
            checkpointer = storage._checkpointer
            assert checkpointer is not None
            # Past the backstop's 40 frames the WAL grows by at most one commit: a new
            # submission with its audit and outbox rows touches a leaf of each of its ~12
            # indexes, and page splits can double that (schema 3 has more indexes than the
            # 20 frames this bound first allowed).
            for i in range(200):
                commit_new(storage, f"sub-{i:04d}")
                assert wal.stat().st_size <= 32 + (40 + 30) * _FRAME
            _wait_for(lambda: checkpointer.failures > 0)
            assert checkpointer.thread.is_alive()  # it goes on, and retries next round
            assert 200 == len(storage.find_submissions(SubmissionQuery(limit=1000)))
        failures = [r for r in caplog.records if "checkpoint" in r.getMessage()]
        assert failures
        assert "dialogue_flow" == failures[0].name
        assert "disk I/O error" in (failures[0].exc_text or "")

    def test_a_thread_that_cannot_open_logs_and_leaves_the_backstop(
            self, db: Path, monkeypatch: pytest.MonkeyPatch,
            caplog: pytest.LogCaptureFixture) -> None:
        """A thread whose connection cannot be opened logs why and ends; commits go on,
        checkpointed by the writer's backstop."""
        real_connect = sqlite3.connect

        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            if threading.current_thread().name.startswith("dialogue_flow checkpointer"):
                raise sqlite3.OperationalError("unable to open database file")
            conn: sqlite3.Connection = real_connect(*args, **kwargs)
            return conn
        monkeypatch.setattr(sqlite3, "connect", connect)
        with caplog.at_level("ERROR", logger="dialogue_flow"), \
                SQLiteStorage(db, checkpoint="background") as storage:
            assert storage._checkpointer is not None
            storage._checkpointer.thread.join(10)
            assert not storage._checkpointer.thread.is_alive()
            assert WAL_BACKSTOP == _autocheckpoint(storage)
            commit_new(storage, "sub-0001")
            assert 1 == len(storage.find_submissions(SubmissionQuery()))
        assert any("could not start" in r.getMessage() for r in caplog.records)

    def test_two_storages_on_one_file_both_checkpointing(
            self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Two storage objects (two checkpointers) write one file from two threads: their
        checkpoints collide (SQLite answers the second one busy, which is skipped), nothing
        fails, and every commit of both is there, in a sound file."""
        monkeypatch.setattr(f"{_CHECKPOINT}.CHECKPOINT_EVERY", 3)
        errors: list[BaseException] = []
        options: dict[str, Any] = {"synchronous": "normal", "checkpoint": "background"}
        with SQLiteStorage(db, **options) as one, SQLiteStorage(db, **options) as two:
            def write(storage: SQLiteStorage, name: str) -> None:
                try:
                    for i in range(150):
                        commit_new(storage, f"{name}-{i:04d}")
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
            threads = [threading.Thread(target=write, args=(s, n))
                       for s, n in ((one, "one"), (two, "two"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert [] == errors
            first, second = one._checkpointer, two._checkpointer
            assert first is not None
            assert second is not None
            _wait_for(lambda: first.rounds + second.rounds > 0)
            assert (0, 0) == (first.failures, second.failures)
            assert 300 == len(one.find_submissions(SubmissionQuery(limit=1000)))
            assert 300 == len(two.pending_notifications())
        with raw(db) as conn:
            assert "ok" == conn.execute("PRAGMA integrity_check").fetchone()[0]
            assert 300 == conn.execute("SELECT count(*) FROM transitions").fetchone()[0]
