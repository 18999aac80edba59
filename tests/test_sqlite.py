"""The SQLite backend beyond the shared contract: URLs, pragmas, schema migrations, the
façade end to end on a file, two processes racing, and failures injected at every write
step of a commit.

The contract suite (`test_storage_conformance.py`) already proves the Storage semantics on
SQLite; this module covers what only a real file, real locks and real processes show.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from dialogue_flow import (
    Actor,
    Changeset,
    ConfigurationError,
    DialogueFlow,
    DialogueState,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    NotFoundError,
    Petitioner,
    SequentialIds,
    StorageError,
    Submission,
    SubmissionQuery,
    SubmissionState,
    VersionConflictError,
    WorkCalendar,
    _sqlite,
)
from dialogue_flow._serialization import to_json
from dialogue_flow._sqlite import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    SQLiteStorage,
    _indexed,
)
from dialogue_flow._storage import DecodedRecords, SubmissionFacts
from dialogue_flow.testing import (
    sample_dialogue,
    sample_notification,
    sample_submission,
    sample_transition,
)
from strategies import submissions

START = date(2021, 6, 1)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "flow.db"


@pytest.fixture
def storage(db: Path) -> Iterator[SQLiteStorage]:
    with SQLiteStorage(db) as backend:
        yield backend


def _raw(path: Path) -> closing[sqlite3.Connection]:
    """An independent connection, to look at the file the way another program would."""
    return closing(sqlite3.connect(path, isolation_level=None))


def _versions(path: Path) -> list[int]:
    with _raw(path) as conn:
        return [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY 1")]


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" comparisons."""
    with _raw(path) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()  # noqa: S608
                for t in tables}


# --- opening: URLs and pragmas ----------------------------------------------------------------


class TestOpen:
    def test_url_with_an_absolute_path(self, db: Path) -> None:
        """sqlite:////abs/path.db (SQLAlchemy's spelling) opens that file."""
        with SQLiteStorage.from_url(f"sqlite:///{db}") as storage:
            assert str(db) == storage.path
        assert db.exists()

    def test_url_with_a_relative_path(self, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
        """sqlite:///data/x.db is relative to the working directory."""
        monkeypatch.chdir(tmp_path)
        (tmp_path / "data").mkdir()
        with SQLiteStorage.from_url("sqlite:///data/x.db") as storage:
            assert "data/x.db" == storage.path
        assert (tmp_path / "data" / "x.db").exists()

    @pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
    def test_in_memory_urls(self, url: str) -> None:
        """An in-memory database lives as long as its storage object."""
        with SQLiteStorage.from_url(url) as storage:
            assert ":memory:" == storage.path
            assert "memory" == storage.journal_mode
            storage.commit(Changeset(records=((sample_submission(), 0),)))
            assert 1 == len(storage.find_submissions(SubmissionQuery()))

    def test_url_options(self, db: Path) -> None:
        """busy_timeout (seconds) and synchronous come from the query string."""
        url = f"sqlite:///{db}?busy_timeout=0.25&synchronous=NORMAL"
        with SQLiteStorage.from_url(url) as storage:
            assert (0.25, "normal") == (storage.busy_timeout, storage.synchronous)
            conn = storage._connection()
            assert 250 == conn.execute("PRAGMA busy_timeout").fetchone()[0]
            assert 1 == conn.execute("PRAGMA synchronous").fetchone()[0]
            assert "background" == storage.checkpoint
            assert storage._checkpointer is not None
        with SQLiteStorage.from_url(f"sqlite:///{db}?checkpoint=Inline") as storage:
            assert "inline" == storage.checkpoint
            assert storage._checkpointer is None

    @pytest.mark.parametrize("url", [
        "postgres://x", "sqlite:", "sqlite:/x.db", "sqlite://host/x.db", "sqlite:///",
        "sqlite:///x.db?timeout=3", "sqlite:///x.db?busy_timeout=soon",
        "sqlite:///x.db?synchronous=off", "sqlite:///x.db?checkpoint=off",
        "sqlite:///x.db?checkpoint=",
    ])
    def test_bad_urls_are_configuration_errors(self, url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
        """A malformed URL or unknown option is refused before any file is created."""
        monkeypatch.chdir(tmp_path)
        with pytest.raises(ConfigurationError):
            SQLiteStorage.from_url(url)
        assert [] == list(tmp_path.iterdir())

    def test_pragmas(self, db: Path, storage: SQLiteStorage) -> None:
        """WAL (persisted in the file), foreign keys on, 5 s busy timeout, FULL sync."""
        conn = storage._connection()
        assert "wal" == storage.journal_mode
        assert 1 == conn.execute("PRAGMA foreign_keys").fetchone()[0]
        assert 5000 == conn.execute("PRAGMA busy_timeout").fetchone()[0]
        assert 2 == conn.execute("PRAGMA synchronous").fetchone()[0]
        with _raw(db) as other:
            assert "wal" == other.execute("PRAGMA journal_mode").fetchone()[0]

    def test_facade_opens_sqlite_urls(self, db: Path) -> None:
        """DialogueFlow.open("sqlite:///...") builds the flow on SQLiteStorage."""
        with DialogueFlow.open(f"sqlite:///{db}") as flow:
            assert isinstance(flow.storage, SQLiteStorage)

    def test_a_file_that_is_not_a_database(self, db: Path) -> None:
        """Garbage is a StorageError naming the file, with the sqlite3 error as cause."""
        db.write_bytes(b"not a database, just text" * 100)
        with pytest.raises(StorageError, match=r"flow\.db") as info:
            SQLiteStorage(db)
        assert isinstance(info.value.__cause__, sqlite3.DatabaseError)

    def test_a_missing_directory(self, tmp_path: Path) -> None:
        """The directory is not created for you."""
        with pytest.raises(StorageError, match="cannot open"):
            SQLiteStorage(tmp_path / "nope" / "x.db")

    @pytest.mark.parametrize("options", [{"busy_timeout": -1}, {"busy_timeout": True},
                                         {"synchronous": "off"}, {"checkpoint": "thread"},
                                         {"checkpoint": None}])
    def test_bad_options(self, db: Path, options: dict[str, Any]) -> None:
        with pytest.raises(ConfigurationError):
            SQLiteStorage(db, **options)

    def test_commit_takes_a_changeset(self, storage: SQLiteStorage) -> None:
        with pytest.raises(InvalidInputError, match="Changeset"):
            storage.commit((sample_submission(), 0))  # type: ignore[arg-type]

    def test_closed_storage_refuses_work(self, db: Path) -> None:
        """After close() every call is a StorageError; closing twice is harmless."""
        storage = SQLiteStorage(db)
        storage.close()
        storage.close()
        with pytest.raises(StorageError, match="closed"):
            storage.get_submission("sub-0001")
        with pytest.raises(StorageError, match="closed"):
            storage.commit(Changeset(records=((sample_submission(), 0),)))


# --- schema versions --------------------------------------------------------------------------


class TestMigrations:
    def test_fresh_database_gets_every_migration(self, db: Path, storage: SQLiteStorage,
                                                 ) -> None:
        """A new file is at SCHEMA_VERSION with the documented tables and indexes."""
        assert [m.version for m in MIGRATIONS] == _versions(db)
        assert MIGRATIONS[-1].version == SCHEMA_VERSION
        with _raw(db) as conn:
            names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
        assert {"dialogues", "submissions", "transitions", "outbox", "schema_version",
                "submissions_by_state_due", "submissions_by_dialogue",
                "submissions_by_department", "outbox_pending"} <= names

    def test_reopening_applies_nothing_and_keeps_the_data(self, db: Path) -> None:
        """Opening is idempotent."""
        record = sample_submission()
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((record, 0),)))
        with SQLiteStorage(db) as storage:
            assert record == storage.get_submission(record.id)
        assert [m.version for m in MIGRATIONS] == _versions(db)

    def test_a_new_migration_is_applied_once(self, db: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
        """An older file is brought forward at open, and only once."""
        record = sample_submission()
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((record, 0),)))
        step = Migration(SCHEMA_VERSION + 1, "a test column", (
            "ALTER TABLE submissions ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0",))
        monkeypatch.setattr(_sqlite, "MIGRATIONS", (*MIGRATIONS, step))
        for _ in range(2):
            with SQLiteStorage(db) as storage:
                assert record == storage.get_submission(record.id)
        assert [*(m.version for m in MIGRATIONS), SCHEMA_VERSION + 1] == _versions(db)
        with _raw(db) as conn:
            assert [(0,)] == conn.execute("SELECT flagged FROM submissions").fetchall()

    def test_a_failing_migration_changes_nothing(self, db: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        """The steps of an open run in one transaction: a broken one leaves the file as it
        was (no half-applied schema) and the error is a StorageError."""
        SQLiteStorage(db).close()
        before = _dump(db)
        broken = Migration(SCHEMA_VERSION + 1, "broken",
                           ("CREATE TABLE extra (x)", "THIS IS NOT SQL"))
        monkeypatch.setattr(_sqlite, "MIGRATIONS", (*MIGRATIONS, broken))
        with pytest.raises(StorageError, match="syntax error"):
            SQLiteStorage(db)
        assert before == _dump(db)

    def test_report_facts_are_filled_in_for_a_version_1_file(
            self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Migration 2 adds the report columns and fills them from each row's JSON: a file
        written before it answers report_facts exactly as a new one would."""
        record = sample_submission()
        monkeypatch.setattr(_sqlite, "MIGRATIONS", MIGRATIONS[:1])
        SQLiteStorage(db).close()
        with _raw(db) as conn:  # a row as a version-1 release wrote it
            conn.execute("INSERT INTO submissions (id, version, state, dialogue_id, department,"
                         " due_date, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (record.id, record.version, record.state.value, record.dialogue_id,
                          record.department, None, to_json(record)))
        monkeypatch.setattr(_sqlite, "MIGRATIONS", MIGRATIONS)
        day = SubmissionFacts.of(record).received_on
        with SQLiteStorage(db) as storage:
            assert [SubmissionFacts.of(record)] == list(storage.report_facts(day, day))

    def test_a_newer_database_is_refused(self, db: Path) -> None:
        """A file written by a newer release is not touched: ConfigurationError."""
        SQLiteStorage(db).close()
        with _raw(db) as conn:
            conn.execute("INSERT INTO schema_version VALUES (99, 'from the future', 'x')")
        with pytest.raises(ConfigurationError, match=r"schema version 99.*newer release"):
            SQLiteStorage(db)

    def test_processes_opening_a_fresh_file_at_once(self, db: Path) -> None:
        """Concurrent first opens migrate exactly once (BEGIN IMMEDIATE serialises them)."""
        barrier = threading.Barrier(6)
        errors: list[BaseException] = []

        def open_it() -> None:
            barrier.wait(timeout=10)
            try:
                SQLiteStorage(db).close()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert [] == errors
        assert [m.version for m in MIGRATIONS] == _versions(db)


# --- the façade end to end on a file ----------------------------------------------------------


def _play(flow: DialogueFlow, clock: FixedClock, actors: dict[str, Actor],
          petitioner: Petitioner) -> str:
    """The seed's quarter-II dialogue from planning to completion; returns its id."""
    office, chair, intake, land = (actors[k] for k in ("office", "chair", "intake", "land"))
    d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại quý II/2021",
                           venue="Hội trường UBND xã", topics=["đất đai"], actor=office)
    flow.announce(d.id, actor=office)
    clock.set(date(2021, 6, 17))
    flow.hold(d.id, actor=office, actual_attendance=94)
    forest = flow.receive(d.id, petitioner=petitioner, topic="bảo vệ rừng",
                          content="Đề nghị tăng cường tuần tra rừng.", actor=intake)
    plot = flow.receive(d.id, petitioner=petitioner, topic="đất đai",
                        content="Chậm cấp giấy chứng nhận.", actor=intake)
    flow.answer(forest.id, text="Đã bố trí tổ tuần tra.", actor=chair)
    flow.close(forest.id, reason="settled_at_meeting", actor=intake)
    flow.assign(plot.id, department="Địa chính", actor=chair)
    clock.set(date(2021, 6, 25))
    flow.conclude(d.id, actor=chair)
    clock.set(date(2021, 7, 20))
    flow.answer(plot.id, text="Đã cấp giấy chứng nhận.", actor=land)
    flow.close(plot.id, reason="accepted", actor=intake)
    return d.id


def _everything(flow: DialogueFlow) -> tuple[Any, ...]:
    dialogues = tuple(flow.dialogues(limit=1000))
    submissions = tuple(flow.submissions(limit=1000))
    trails = tuple(tuple(flow.history(r)) for r in (*dialogues, *submissions))
    return dialogues, submissions, trails, tuple(flow.storage.pending_notifications())


@pytest.fixture
def actors(office: Actor, chair: Actor, intake: Actor, department: Actor) -> dict[str, Actor]:
    return {"office": office, "chair": chair, "intake": intake, "land": department}


class TestFacadeOnAFile:
    def test_full_cycle_matches_memory_and_survives_reopening(
            self, db: Path, calendar: WorkCalendar, actors: dict[str, Actor],
            petitioner: Petitioner) -> None:
        """plan → announce → hold → receive → assign → conclude → answer → close on SQLite
        stores exactly what memory stores, and a new flow on the file reads it all back."""
        expected_clock = FixedClock(START)
        reference = DialogueFlow(MemoryStorage(), calendar=calendar, clock=expected_clock,
                                 ids=SequentialIds())
        _play(reference, expected_clock, actors, petitioner)
        expected = _everything(reference)

        clock = FixedClock(START)
        url = f"sqlite:///{db}"
        with DialogueFlow.open(url, calendar=calendar, clock=clock,
                               ids=SequentialIds()) as flow:
            dialogue_id = _play(flow, clock, actors, petitioner)
            assert expected == _everything(flow)
        with DialogueFlow.open(url, calendar=calendar) as reopened:
            assert expected == _everything(reopened)
            assert DialogueState.COMPLETED == reopened.dialogue(dialogue_id).state
            events = [r.event for r in reopened.history(reopened.dialogue(dialogue_id))]
            assert ["plan", "announce", "hold", "conclude", "complete"] == events

    def test_the_decode_cache_is_bounded(self, storage: SQLiteStorage) -> None:
        """Records read or written are kept for reuse, but only the latest few."""
        storage._decoded = DecodedRecords(3)
        records = [sample_submission(f"sub-{i}") for i in range(5)]
        storage.commit(Changeset(records=tuple((r, 0) for r in records)))
        assert records == storage.find_submissions(SubmissionQuery())
        assert [("submission", f"sub-{i}") for i in (2, 3, 4)] == list(
            storage._decoded._entries)

    def test_a_second_storage_on_the_file_sees_fresh_records(self, db: Path) -> None:
        """Reads never serve a record another connection has since replaced."""
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


# --- what a commit costs: statements and the WAL ----------------------------------------------


def _statements(storage: SQLiteStorage) -> list[str]:
    """The SQL the storage's connection runs from now on (first word of each)."""
    seen: list[str] = []
    storage._connection().set_trace_callback(lambda sql: seen.append(sql.split()[0].upper()))
    return seen


def _columns(path: Path, submission_id: str) -> tuple[Any, ...]:
    with _raw(path) as conn:
        row: tuple[Any, ...] = conn.execute(
            "SELECT version, state, department, due_date FROM submissions WHERE id = ?",
            (submission_id,)).fetchone()
        return row


class TestCommitCost:
    def test_a_read_record_is_committed_without_reading_it_again(
            self, db: Path, storage: SQLiteStorage) -> None:
        """get_submission remembers the row's version and indexed columns, so the commit
        that follows is one compare-and-set UPDATE (no SELECT), and the indexed columns it
        changes are right."""
        first = sample_submission()
        storage.commit(Changeset(records=((first, 0),)))
        with SQLiteStorage(db) as other:  # a fresh object: nothing remembered but the read
            current = other.get_submission(first.id)
            seen = _statements(other)
            new = attrs.evolve(current, version=2, state=SubmissionState.ASSIGNED,
                               department="Tư pháp")
            other.commit(Changeset(records=((new, 1),)))
            assert ["BEGIN", "UPDATE", "COMMIT"] == seen
        assert (2, "assigned", "Tư pháp", None) == _columns(db, first.id)
        assert [new] == storage.find_submissions(SubmissionQuery(department="Tư pháp"))

    def test_an_unread_record_is_read_before_its_update(self, db: Path) -> None:
        """Without a remembered row the commit reads it first, and still writes right."""
        first = sample_submission()
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((first, 0),)))
        with SQLiteStorage(db) as storage:
            seen = _statements(storage)
            storage.commit(Changeset(records=((attrs.evolve(
                first, version=2, state=SubmissionState.ASSIGNED, department="Tư pháp"), 1),)))
            assert ["BEGIN", "SELECT", "UPDATE", "COMMIT"] == seen
        assert (2, "assigned", "Tư pháp", None) == _columns(db, first.id)

    def test_a_stale_remembered_version_is_a_conflict_naming_the_actual_one(
            self, db: Path) -> None:
        """This object wrote version 1; another one moved the row to 2. A commit based on
        version 1 goes out without a read and matches no row: VersionConflictError with the
        actual version, and nothing of it written."""
        first = sample_submission()
        with SQLiteStorage(db) as mine, SQLiteStorage(db) as theirs:
            mine.commit(Changeset(records=((first, 0),)))
            theirs.commit(Changeset(records=((attrs.evolve(
                first, version=2, state=SubmissionState.ASSIGNED, department="Tư pháp"), 1),)))
            stale = attrs.evolve(first, version=2, department="Địa chính")
            with pytest.raises(VersionConflictError) as info:
                mine.commit(Changeset(records=((stale, 1),),
                                      notifications=(sample_notification("stale"),)))
            assert (1, 2) == (info.value.expected, info.value.actual)
            assert [] == mine.pending_notifications()
        assert (2, "assigned", "Tư pháp", None) == _columns(db, first.id)

    def test_a_record_this_object_wrote_is_read_back_without_its_row(
            self, db: Path, storage: SQLiteStorage) -> None:
        """While no other connection commits, reading back what this object wrote or read
        costs one PRAGMA data_version, not a SELECT of the row."""
        first = sample_submission()
        storage.commit(Changeset(records=((first, 0),)))
        seen = _statements(storage)
        assert first == storage.get_submission(first.id)
        second = attrs.evolve(first, version=2, state=SubmissionState.ASSIGNED,
                              department="Tư pháp")
        storage.commit(Changeset(records=((second, 1),)))
        assert second == storage.get_submission(first.id)
        assert ["PRAGMA", "BEGIN", "UPDATE", "COMMIT", "PRAGMA"] == seen
        with SQLiteStorage(db) as other:  # a fresh object reads the row once, then not
            seen = _statements(other)
            assert second == other.get_submission(first.id)
            assert second == other.get_submission(first.id)
            assert ["PRAGMA", "SELECT", "PRAGMA"] == seen

    def test_another_connections_commit_is_seen(self, db: Path) -> None:
        """Once another connection (here another object on the file) has committed, every
        record is read again: the other's version of a record this object wrote is returned,
        and so is a record this object only read."""
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
            # ... and this object's next commit of it is based on that version.
            again = attrs.evolve(moved, version=3, department="Địa chính")
            mine.commit(Changeset(records=((again, 2),)))
            assert again == theirs.get_submission(first.id)
            assert again == mine.get_submission(first.id)

    def test_a_failed_commit_leaves_reads_at_the_committed_version(
            self, storage: SQLiteStorage) -> None:
        """A commit rolled back (here by a guard) remembers nothing of what it would have
        written."""
        first = sample_submission()
        storage.commit(Changeset(records=((first, 0),)))
        assert first == storage.get_submission(first.id)
        second = attrs.evolve(first, version=2, state=SubmissionState.ASSIGNED)
        with pytest.raises(VersionConflictError):
            storage.commit(Changeset(records=((second, 1),),
                                     guards=(("submission", "sub-missing", 1),)))
        assert first == storage.get_submission(first.id)

    def test_checkpoint_pragmas(self, db: Path, storage: SQLiteStorage) -> None:
        """With the checkpointer thread, the writer's autocheckpoint is only a backstop."""
        conn = storage._connection()
        assert _sqlite.WAL_BACKSTOP == conn.execute(
            "PRAGMA wal_autocheckpoint").fetchone()[0]
        assert _sqlite.JOURNAL_SIZE_LIMIT == conn.execute(
            "PRAGMA journal_size_limit").fetchone()[0]
        with SQLiteStorage(db, checkpoint="inline") as inline:
            assert _sqlite.WAL_AUTOCHECKPOINT == inline._connection().execute(
                "PRAGMA wal_autocheckpoint").fetchone()[0]

    def test_the_wal_stays_bounded(self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Inline, commits checkpoint the WAL every WAL_AUTOCHECKPOINT pages, so it does not
        grow past that (plus one commit); a WAL one large transaction blew up is cut back to
        JOURNAL_SIZE_LIMIT once it is reset."""
        frame = 4096 + 24
        monkeypatch.setattr(_sqlite, "WAL_AUTOCHECKPOINT", 40)
        monkeypatch.setattr(_sqlite, "JOURNAL_SIZE_LIMIT", 100 * frame)
        wal = Path(f"{db}-wal")
        with SQLiteStorage(db, checkpoint="inline") as storage:
            for i in range(300):
                record = sample_submission(f"sub-{i:04d}")
                storage.commit(Changeset(records=((record, 0),),
                                         transitions=(sample_transition(record),),
                                         notifications=(sample_notification(f"k-{i}"),)))
                assert wal.stat().st_size <= 32 + (40 + 20) * frame
            big = [sample_submission(f"big-{i:04d}") for i in range(500)]
            storage.commit(Changeset(records=tuple((r, 0) for r in big)))
            assert wal.stat().st_size > 100 * frame
            for i in range(100):
                storage.commit(Changeset(records=((sample_submission(f"after-{i:04d}"), 0),)))
            assert wal.stat().st_size <= 100 * frame


# --- the background checkpointer ------------------------------------------------------------

_FRAME = 4096 + 24


def _checkpointers() -> list[threading.Thread]:
    return [t for t in threading.enumerate()
            if t.name.startswith("dialogue_flow checkpointer")]


def _commit_new(storage: SQLiteStorage, name: str) -> None:
    record = sample_submission(name)
    storage.commit(Changeset(records=((record, 0),), transitions=(sample_transition(record),),
                             notifications=(sample_notification(f"note-{name}"),)))


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the checkpointer"
        time.sleep(0.005)


class TestBackgroundCheckpoints:
    def test_a_file_gets_a_thread_and_memory_does_not(self, db: Path) -> None:
        before = set(_checkpointers())
        with SQLiteStorage(":memory:") as memory, SQLiteStorage(db, checkpoint="inline") as inline:
            assert (None, None) == (memory._checkpointer, inline._checkpointer)
            assert before == set(_checkpointers())
        with SQLiteStorage(db) as storage:
            assert "background" == storage.checkpoint
            assert storage._checkpointer is not None
            thread = storage._checkpointer.thread
            assert thread.is_alive()
            assert thread.daemon
            assert before | {thread} == set(_checkpointers())

    def test_close_stops_the_thread_and_closes_its_connection(self, db: Path) -> None:
        """close() joins the thread, whose connection is closed: the storage's connection is
        then the last one, and closing it removes the WAL file (SQLite does that only for
        the last connection to a database)."""
        storage = SQLiteStorage(db)
        assert storage._checkpointer is not None
        thread = storage._checkpointer.thread
        for i in range(20):
            _commit_new(storage, f"sub-{i:04d}")
        storage.close()
        assert not thread.is_alive()
        assert thread not in _checkpointers()
        assert not Path(f"{db}-wal").exists()
        storage.close()  # still idempotent

    def test_close_does_not_wait_for_the_lock_the_thread_needs(
            self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A round ends under the storage's lock; close() stops the thread before taking
        that lock, so closing during a round cannot deadlock."""
        monkeypatch.setattr(_sqlite, "CHECKPOINT_EVERY", 1)
        storage = SQLiteStorage(db)
        for i in range(50):
            _commit_new(storage, f"sub-{i:04d}")
        started = time.monotonic()
        storage.close()
        assert time.monotonic() - started < 5
        assert [] == [t for t in _checkpointers() if str(db) in t.name]

    def test_the_thread_keeps_the_wal_short(self, db: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
        """With the writer's backstop out of reach, the thread alone empties the WAL every
        CHECKPOINT_EVERY commits: after each round the next commit starts it over, so the
        file never holds more than a few rounds' worth of frames."""
        monkeypatch.setattr(_sqlite, "CHECKPOINT_EVERY", 20)
        monkeypatch.setattr(_sqlite, "WAL_BACKSTOP", 1_000_000)
        wal = Path(f"{db}-wal")
        with SQLiteStorage(db, synchronous="normal") as storage:
            checkpointer = storage._checkpointer
            assert checkpointer is not None
            assert 1_000_000 == storage._connection().execute(
                "PRAGMA wal_autocheckpoint").fetchone()[0]
            for batch in range(20):
                rounds = checkpointer.rounds
                for i in range(20):
                    _commit_new(storage, f"sub-{batch:02d}-{i:02d}")
                _wait_for(lambda r=rounds: checkpointer.rounds > r)
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
        monkeypatch.setattr(_sqlite, "_wal_checkpoint", broken)
        monkeypatch.setattr(_sqlite, "CHECKPOINT_EVERY", 5)
        monkeypatch.setattr(_sqlite, "WAL_BACKSTOP", 40)
        wal = Path(f"{db}-wal")
        with caplog.at_level("ERROR", logger="dialogue_flow"), SQLiteStorage(db) as storage:
            checkpointer = storage._checkpointer
            assert checkpointer is not None
            for i in range(200):
                _commit_new(storage, f"sub-{i:04d}")
                assert wal.stat().st_size <= 32 + (40 + 20) * _FRAME
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
        real_connect = sqlite3.connect

        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            if threading.current_thread().name.startswith("dialogue_flow checkpointer"):
                raise sqlite3.OperationalError("unable to open database file")
            return real_connect(*args, **kwargs)
        monkeypatch.setattr(sqlite3, "connect", connect)
        with caplog.at_level("ERROR", logger="dialogue_flow"), SQLiteStorage(db) as storage:
            assert storage._checkpointer is not None
            storage._checkpointer.thread.join(10)
            assert not storage._checkpointer.thread.is_alive()
            _commit_new(storage, "sub-0001")
            assert 1 == len(storage.find_submissions(SubmissionQuery()))
        assert any("could not start" in r.getMessage() for r in caplog.records)

    def test_two_storages_on_one_file_both_checkpointing(
            self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Two storage objects (two checkpointers) write one file from two threads: their
        checkpoints collide (SQLite answers the second one busy, which is skipped), nothing
        fails, and every commit of both is there, in a sound file."""
        monkeypatch.setattr(_sqlite, "CHECKPOINT_EVERY", 3)
        errors: list[BaseException] = []
        with SQLiteStorage(db, synchronous="normal") as one, \
                SQLiteStorage(db, synchronous="normal") as two:
            def write(storage: SQLiteStorage, name: str) -> None:
                try:
                    for i in range(150):
                        _commit_new(storage, f"{name}-{i:04d}")
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
            threads = [threading.Thread(target=write, args=(s, n))
                       for s, n in ((one, "one"), (two, "two"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert [] == errors
            assert one._checkpointer is not None
            assert two._checkpointer is not None
            _wait_for(lambda: one._checkpointer.rounds + two._checkpointer.rounds > 0)
            assert (0, 0) == (one._checkpointer.failures, two._checkpointer.failures)
            assert 300 == len(one.find_submissions(SubmissionQuery(limit=1000)))
            assert 300 == len(two.pending_notifications())
        with _raw(db) as conn:
            assert "ok" == conn.execute("PRAGMA integrity_check").fetchone()[0]
            assert 300 == conn.execute("SELECT count(*) FROM transitions").fetchone()[0]


# --- concurrency across processes and connections ---------------------------------------------


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


class TestConcurrency:
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

    def test_a_held_write_lock_times_out_cleanly(self, db: Path) -> None:
        """Another connection holding the write lock past busy_timeout: StorageError with
        the sqlite3 error as cause, nothing written; the next commit works."""
        with SQLiteStorage(db, busy_timeout=0.05) as storage, _raw(db) as other:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(StorageError, match="locked") as info:
                storage.commit(Changeset(records=((sample_submission(), 0),)))
            assert isinstance(info.value.__cause__, sqlite3.OperationalError)
            other.execute("ROLLBACK")
            storage.commit(Changeset(records=((sample_submission(), 0),)))
            assert 1 == storage.get_submission("sub-0001").version


# --- failures injected inside a commit --------------------------------------------------------


class FaultyConnection:
    """Wraps the storage's connection and fails the first statement containing ``marker``
    (before it runs, or just after it ran), as a full disk or an I/O error would."""

    def __init__(self, conn: sqlite3.Connection, marker: str, *, after: bool) -> None:
        self._conn = conn
        self.marker = marker
        self.after = after
        self.fired = False

    def _run(self, run: Callable[[], Any], sql: str) -> Any:
        if self.fired or self.marker not in sql:
            return run()
        self.fired = True
        if self.after:
            run()
        raise sqlite3.OperationalError(f"disk I/O error (injected at {self.marker!r})")

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._run(lambda: self._conn.execute(sql, params), sql)

    def executemany(self, sql: str, params: Any) -> Any:
        return self._run(lambda: self._conn.executemany(sql, params), sql)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _busy_changeset(storage: SQLiteStorage) -> Changeset:
    """A commit touching every write step: a guard, an insert, an update, audit rows and
    outbox rows."""
    dialogue = sample_dialogue()
    first = sample_submission("sub-0001", dialogue_id=dialogue.id)
    storage.commit(Changeset(records=((dialogue, 0), (first, 0)),
                             transitions=(sample_transition(dialogue),
                                          sample_transition(first)),
                             notifications=(sample_notification("n-0"),)))
    moved = attrs.evolve(first, version=2, state=SubmissionState.ASSIGNED, department="D")
    created = sample_submission("sub-0002", dialogue_id=dialogue.id)
    return Changeset(records=((created, 0), (moved, 1)),
                     transitions=(sample_transition(created), sample_transition(moved)),
                     notifications=(sample_notification("n-1"), sample_notification("n-2")),
                     guards=(("dialogue", dialogue.id, 1),))


STEPS = ["BEGIN IMMEDIATE", "SELECT version", "INSERT INTO submissions", "UPDATE submissions",
         "INSERT INTO transitions", "INSERT INTO outbox", "COMMIT"]
#: (statement, fail after it ran?) -- a failure after COMMIT ran is a committed transaction.
FAULTS = [(step, after) for step in STEPS for after in (False, True)
          if not (step == "COMMIT" and after)]


class TestFaultInjection:
    @pytest.mark.parametrize(("step", "after"), FAULTS,
                             ids=[f"{s}-{'after' if a else 'before'}" for s, a in FAULTS])
    def test_a_failure_at_any_step_leaves_nothing_behind(
            self, db: Path, storage: SQLiteStorage, monkeypatch: pytest.MonkeyPatch,
            step: str, after: bool) -> None:
        """An sqlite3 error at any statement of a commit (even one that already ran) is a
        StorageError chained to it; the file is row-for-row as before; the storage keeps
        working."""
        changes = _busy_changeset(storage)
        before = _dump(db)
        faulty = FaultyConnection(storage._connection(), step, after=after)
        monkeypatch.setattr(storage, "_conn", faulty)
        with pytest.raises(StorageError, match="injected") as info:
            storage.commit(changes)
        assert faulty.fired
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert not storage._connection().in_transaction
        assert before == _dump(db)
        assert 1 == storage.get_submission("sub-0001").version
        with pytest.raises(NotFoundError):
            storage.get_submission("sub-0002")
        storage.commit(changes)  # the same changeset goes through once the fault is gone
        assert ["n-0", "n-1", "n-2"] == [n.key for n in storage.pending_notifications()]

    def test_a_failing_claim_leases_nothing(self, db: Path, storage: SQLiteStorage,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
        """The lease update runs in one transaction too."""
        storage.commit(Changeset(records=((sample_submission(), 0),),
                                 notifications=(sample_notification("a"),
                                                sample_notification("b"))))
        before = _dump(db)
        monkeypatch.setattr(storage, "_conn", FaultyConnection(
            storage._connection(), "UPDATE outbox", after=True))
        now = sample_notification("a").created_at
        lease = timedelta(minutes=5)
        with pytest.raises(StorageError):
            storage.claim_notifications("w1", now, lease, 10)
        assert before == _dump(db)
        assert ["a", "b"] == [e.key for e in storage.claim_notifications("w2", now, lease, 10)]


# --- bad data never reaches the file ----------------------------------------------------------


class TestBadData:
    def test_text_that_is_not_unicode(self, db: Path, storage: SQLiteStorage) -> None:
        """A lone surrogate cannot be stored as UTF-8: InvalidInputError, nothing written."""
        bad = sample_submission(topic="đất \ud800")
        before = _dump(db)
        with pytest.raises(InvalidInputError, match="Unicode"):
            storage.commit(Changeset(records=((bad, 0),)))
        assert before == _dump(db)
        with pytest.raises(InvalidInputError):
            storage.find_submissions(SubmissionQuery(after="\ud800"))

    def test_a_corrupted_row_is_a_storage_error(self, db: Path, storage: SQLiteStorage,
                                                ) -> None:
        """A row that no longer decodes is reported as a storage problem, not bad input."""
        storage.commit(Changeset(records=((sample_submission(), 0),)))
        with _raw(db) as conn:
            conn.execute("UPDATE submissions SET record = '{\"id\": 1}'")
        with pytest.raises(StorageError, match="cannot be read back"):
            storage.get_submission("sub-0001")


class TestFactsPaging:
    def test_facts_cross_page_boundaries(self, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
        """With pages of two rows, report_facts and due_facts still return every matching
        submission exactly once, the same facts memory derives from the records."""
        monkeypatch.setattr(_sqlite, "_PAGE", 2)
        clock = FixedClock(date(2021, 7, 1))
        intake = Actor("tn", "Tiếp nhận", "intake_desk")
        chair = Actor("bt", "Bí thư", "chair")
        with DialogueFlow.open(f"sqlite:///{tmp_path / 'p.db'}", clock=clock,
                               ids=SequentialIds()) as flow:
            for day in (1, 1, 1, 2, 5, 5, 6):
                clock.set(date(2021, 7, day))
                s = flow.receive(None, petitioner=Petitioner(name="A"), topic="t",
                                 content="c", actor=intake)
                flow.assign(s.id, department="Địa chính", actor=chair)
            expected = sorted(SubmissionFacts.of(s) for s in flow.iter_submissions())
            storage = flow.storage
            assert isinstance(storage, SQLiteStorage)
            got = sorted(storage.report_facts(date(2021, 7, 1), date(2021, 7, 31)))
            assert expected == got
            due = sorted(f.id for f in storage.due_facts(date(2021, 1, 1), date(2021, 12, 31)))
            assert sorted(f.id for f in expected) == due


@settings(max_examples=200, deadline=None)
@given(record=submissions())
def test_indexed_columns_are_the_submissions_report_facts(record: Submission) -> None:
    """The columns a commit writes are read straight off the record: they must be its
    SubmissionFacts, dates as ISO text, whatever its zone of reception."""
    facts = SubmissionFacts.of(record)
    iso = lambda day: None if day is None else day.isoformat()  # noqa: E731
    assert (facts.state, facts.dialogue_id, facts.department, iso(facts.due_date),
            facts.received_on.isoformat(), facts.topic, facts.channel, facts.answer_mode,
            iso(facts.answered_on), facts.competent_level) == _indexed(record)
    assert _indexed(record) == _indexed(attrs.evolve(record, version=record.version + 1))
