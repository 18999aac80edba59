"""Several connections and processes on one SQLite file: what one commits, the others read
at once; a lost race is a VersionConflictError, never a lost update; a lock held too long
is a clean StorageError.

Each storage object has its own connection, as each process of a host would.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest

from dialogue_flow import SQLiteStorage, StorageError, SubmissionState, VersionConflictError
from dialogue_flow.storage import Changeset, SubmissionQuery
from dialogue_flow.testing import sample_notification, sample_submission, sample_transition
from sqlite_support import raw


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "flow.db"


# --- two connections in one process -------------------------------------------------------------


class TestTwoConnections:
    def test_a_record_written_by_one_connection_is_read_equal_by_another(
            self, db: Path) -> None:
        """A record one storage object writes is read back equal by another on the file,
        by id and by query, and each new version replaces the one read before."""
        first = sample_submission()
        with SQLiteStorage(db) as writer, SQLiteStorage(db) as reader:
            writer.commit(Changeset(records=((first, 0),)))
            assert first == reader.get_submission(first.id)
            second = attrs.evolve(first, version=2, state=SubmissionState.ASSIGNED,
                                  department="Tư pháp")
            writer.commit(Changeset(records=((second, 1),)))
            assert second == reader.get_submission(first.id)
            assert [second] == reader.find_submissions(SubmissionQuery(department="Tư pháp"))
            with pytest.raises(VersionConflictError):
                reader.commit(Changeset(records=((attrs.evolve(first, version=2), 1),)))

    def test_another_connections_commit_is_seen(self, db: Path) -> None:
        """After another connection commits, this one reads its version of a record this
        one wrote and of a record this one only read; its next commit of the record is
        based on that version, and the other reads it."""
        first, other_one = sample_submission(), sample_submission("sub-0002")
        with SQLiteStorage(db) as mine, SQLiteStorage(db) as theirs:
            mine.commit(Changeset(records=((first, 0), (other_one, 0))))
            assert other_one == mine.get_submission(other_one.id)
            moved = attrs.evolve(first, version=2, state=SubmissionState.ASSIGNED,
                                 department="Tư pháp")
            theirs.commit(Changeset(records=((moved, 1),)))
            assert moved == mine.get_submission(first.id)
            moved_too = attrs.evolve(other_one, version=2, topic="khác")
            theirs.commit(Changeset(records=((moved_too, 1),)))
            assert moved_too == mine.get_submission(other_one.id)
            again = attrs.evolve(moved, version=3, department="Địa chính")
            mine.commit(Changeset(records=((again, 2),)))
            assert again == theirs.get_submission(first.id)
            assert again == mine.get_submission(first.id)

    def test_a_stale_version_is_a_conflict_naming_the_actual_one(self, db: Path) -> None:
        """This object wrote version 1; another one moved the row to 2. A commit based on
        version 1 is a VersionConflictError with the actual version, and nothing of it is
        written: not the record, not its audit row, not its notification."""
        first = sample_submission()
        moved = attrs.evolve(first, version=2, state=SubmissionState.ASSIGNED,
                             department="Tư pháp")
        with SQLiteStorage(db) as mine, SQLiteStorage(db) as theirs:
            mine.commit(Changeset(records=((first, 0),)))
            theirs.commit(Changeset(records=((moved, 1),)))
            stale = attrs.evolve(first, version=2, department="Địa chính")
            with pytest.raises(VersionConflictError) as info:
                mine.commit(Changeset(records=((stale, 1),),
                                      transitions=(sample_transition(stale),),
                                      notifications=(sample_notification("stale"),)))
            assert (1, 2) == (info.value.expected, info.value.actual)
            assert [] == mine.pending_notifications()
            assert [] == mine.history("submission", first.id)
        with SQLiteStorage(db) as fresh:
            assert moved == fresh.get_submission(first.id)
            assert [] == fresh.find_submissions(SubmissionQuery(department="Địa chính"))

    def test_a_held_write_lock_times_out_cleanly(self, db: Path) -> None:
        """Another connection holding the write lock past busy_timeout: StorageError with
        the sqlite3 error as cause, nothing written; the next commit works."""
        with SQLiteStorage(db, busy_timeout=0.05) as storage, raw(db) as other:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(StorageError, match="locked") as info:
                storage.commit(Changeset(records=((sample_submission(), 0),)))
            assert isinstance(info.value.__cause__, sqlite3.OperationalError)
            other.execute("ROLLBACK")
            assert [] == storage.find_submissions(SubmissionQuery())
            storage.commit(Changeset(records=((sample_submission(), 0),)))
            assert 1 == storage.get_submission("sub-0001").version


# --- two processes ------------------------------------------------------------------------------


def _race(path: str, submission_id: str, name: str, rounds: int, barrier: Any,
          results: Any) -> None:
    """One contender: each round read the submission, wait for the other, then commit."""
    with SQLiteStorage(path) as storage:
        for i in range(rounds):
            current = storage.get_submission(submission_id)
            new = attrs.evolve(current, version=current.version + 1, department=name)
            changes = Changeset(records=((new, current.version),),
                                transitions=(sample_transition(new, event=name),),
                                notifications=(sample_notification(f"{name}-{i}"),))
            barrier.wait(timeout=60)
            try:
                storage.commit(changes)
                results.put((i, name, "won"))
            except VersionConflictError:
                results.put((i, name, "conflict"))
            barrier.wait(timeout=60)  # both finished before the next read


class TestProcesses:
    def test_two_processes_racing_one_submission(self, db: Path) -> None:
        """Two OS processes commit the same version of one submission, round after round:
        each round exactly one wins, the other gets VersionConflictError, and the audit
        trail and outbox hold the winners' rows only (one per version)."""
        rounds = 12
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((sample_submission(), 0),),
                                     transitions=(sample_transition(sample_submission()),)))
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(2)
        results = ctx.Queue()
        procs = [ctx.Process(target=_race, args=(str(db), "sub-0001", name, rounds, barrier,
                                                 results)) for name in ("alpha", "omega")]
        for p in procs:
            p.start()
        try:
            outcomes = [results.get(timeout=120) for _ in range(2 * rounds)]
        finally:
            for p in procs:
                p.join(timeout=60)
                if p.is_alive():
                    p.kill()
                    p.join()
            results.close()
            results.join_thread()
        assert [0, 0] == [p.exitcode for p in procs]
        for p in procs:
            p.close()
        winners = {}
        for i in range(rounds):
            this_round = sorted(o for r, _name, o in outcomes if r == i)
            assert ["conflict", "won"] == this_round, f"round {i}: {this_round}"
            winners[i] = next(name for r, name, o in outcomes if r == i and o == "won")
        with SQLiteStorage(db) as storage:
            trail = storage.history("submission", "sub-0001")
            assert list(range(1, rounds + 2)) == [row.version for row in trail]
            assert [winners[i] for i in range(rounds)] == [row.event for row in trail[1:]]
            assert rounds + 1 == storage.get_submission("sub-0001").version
            assert [f"{winners[i]}-{i}" for i in range(rounds)] == [
                n.key for n in storage.pending_notifications()]
