"""The SQLite backend beyond the shared contract: URLs, pragmas, schema migrations, the
façade end to end on a file, the indexed columns a commit writes, and failures injected at
every write step of a commit.

The contract suite (`test_storage_conformance.py`) already proves the Storage semantics on
SQLite; this module covers what only a real file shows. Checkpoints and the WAL are in
`test_sqlite_checkpoint.py`, several connections and processes on one file in
`test_sqlite_concurrency.py`, files written by earlier releases in `test_migrations.py`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from dialogue_flow import (
    Actor,
    ConfigurationError,
    Dialogue,
    DialogueFlow,
    DialogueState,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    NotFoundError,
    Petitioner,
    SequentialIds,
    SQLiteStorage,
    StorageError,
    Submission,
    SubmissionState,
    VersionConflictError,
    WorkCalendar,
    to_json,
)
from dialogue_flow._petitioner_match import petitioner_keys
from dialogue_flow._search import search_text
from dialogue_flow.storage import Changeset, DialogueQuery, SubmissionFacts, SubmissionQuery, sql
from dialogue_flow.testing import (
    sample_dialogue,
    sample_notification,
    sample_submission,
    sample_transition,
)
from pii_support import exception_text
from sqlite_support import dump, raw, versions
from strategies import submissions

START = date(2021, 6, 1)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "flow.db"


@pytest.fixture
def storage(db: Path) -> Iterator[SQLiteStorage]:
    with SQLiteStorage(db) as backend:
        yield backend


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
        """busy_timeout (seconds), synchronous and checkpoint come from the query string,
        case-insensitively; checkpoints are inline unless the URL asks for the thread."""
        url = f"sqlite:///{db}?busy_timeout=0.25&synchronous=NORMAL"
        with SQLiteStorage.from_url(url) as storage:
            assert (0.25, "normal", "inline") == (storage.busy_timeout, storage.synchronous,
                                                  storage.checkpoint)
            conn = storage._connection()
            assert 250 == conn.execute("PRAGMA busy_timeout").fetchone()[0]
            assert 1 == conn.execute("PRAGMA synchronous").fetchone()[0]
        with SQLiteStorage.from_url(f"sqlite:///{db}?checkpoint=Background") as storage:
            assert "background" == storage.checkpoint

    def test_keyword_options_win_over_the_urls(self, db: Path) -> None:
        """from_url(url, **options): a keyword overrides the same option in the URL."""
        url = f"sqlite:///{db}?synchronous=normal&busy_timeout=2"
        with SQLiteStorage.from_url(url, synchronous="full") as storage:
            assert ("full", 2.0) == (storage.synchronous, storage.busy_timeout)

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
        with raw(db) as other:
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
        """An option outside its documented values is a ConfigurationError."""
        with pytest.raises(ConfigurationError):
            SQLiteStorage(db, **options)

    def test_commit_takes_a_changeset(self, storage: SQLiteStorage) -> None:
        """Anything but a Changeset is refused as bad input, not as a storage failure."""
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


def _with_migrations(monkeypatch: pytest.MonkeyPatch, *steps: sql.Migration) -> None:
    """Make the shared SQL layer list ``steps`` after the released migrations, as a later
    release would."""
    monkeypatch.setattr(sql, "MIGRATIONS", (*sql.MIGRATIONS, *steps))
    monkeypatch.setattr(sql, "SCHEMA_VERSION", (*sql.MIGRATIONS, *steps)[-1].version)


class TestMigrations:
    def test_fresh_database_gets_every_migration(self, db: Path, storage: SQLiteStorage,
                                                 ) -> None:
        """A new file is at SCHEMA_VERSION with the documented tables and indexes."""
        assert [m.version for m in sql.MIGRATIONS] == versions(db)
        assert sql.MIGRATIONS[-1].version == sql.SCHEMA_VERSION
        with raw(db) as conn:
            names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
        assert {"dialogues", "submissions", "transitions", "outbox", "schema_version",
                "dialogues_by_state", "dialogues_by_date", "submissions_by_state_due",
                "submissions_by_dialogue", "submissions_by_department", "outbox_pending",
                "submissions_report", "submissions_due"} <= names

    def test_reopening_applies_nothing_and_keeps_the_data(self, db: Path) -> None:
        """Opening is idempotent."""
        record = sample_submission()
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((record, 0),)))
        with SQLiteStorage(db) as storage:
            assert record == storage.get_submission(record.id)
        assert [m.version for m in sql.MIGRATIONS] == versions(db)

    def test_a_new_migration_is_applied_once(self, db: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
        """An older file is brought forward at open, and only once; its records stay
        readable and writable."""
        record = sample_submission()
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((record, 0),)))
        step = sql.Migration(sql.SCHEMA_VERSION + 1, "a test column", (
            sql.AddColumns("submissions", (sql.Column("flagged", "int", "NOT NULL DEFAULT 0"),)),
        ))
        _with_migrations(monkeypatch, step)
        for _ in range(2):
            with SQLiteStorage(db) as storage:
                assert record == storage.get_submission(record.id)
        assert [m.version for m in sql.MIGRATIONS] == versions(db)
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((sample_submission("sub-0002"), 0),)))
        with raw(db) as conn:
            assert [(0,), (0,)] == conn.execute("SELECT flagged FROM submissions").fetchall()

    def test_a_failing_migration_changes_nothing(self, db: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        """The steps of an open run in one transaction: a broken one leaves the file as it
        was (no half-applied schema) and the error is a StorageError."""
        SQLiteStorage(db).close()
        before = dump(db)
        broken = sql.Migration(sql.SCHEMA_VERSION + 1, "broken", (
            sql.CreateTable(sql.Table("extra", (sql.Column("x", "int"),))),
            sql.CreateIndex(sql.Index("nowhere", "no_such_table", ("x",))),
        ))
        _with_migrations(monkeypatch, broken)
        with pytest.raises(StorageError, match="no such table") as info:
            SQLiteStorage(db)
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert before == dump(db)

    @pytest.mark.parametrize("received_at", [
        datetime(2021, 6, 1, 23, 30, tzinfo=UTC),  # 2 June, 06:30 in Vietnam
        datetime(2021, 6, 1, 1, 0, tzinfo=UTC),  # 1 June, 08:00 in Vietnam
    ])
    def test_report_facts_are_filled_in_for_a_version_1_file(
            self, db: Path, monkeypatch: pytest.MonkeyPatch, received_at: datetime) -> None:
        """Migration 2 adds the report columns and fills them from each row's JSON: a file
        written before it answers report_facts exactly as a new one would, reception dates
        counted in Vietnamese local time whatever offset the record was stamped in."""
        record = sample_submission(received_at=received_at, answered_on=date(2021, 6, 3))
        monkeypatch.setattr(sql, "MIGRATIONS", sql.MIGRATIONS[:1])
        SQLiteStorage(db).close()
        with raw(db) as conn:  # a row as a version-1 release wrote it
            conn.execute("INSERT INTO submissions (id, version, state, dialogue_id, department,"
                         " due_date, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (record.id, record.version, record.state.value, record.dialogue_id,
                          record.department, None, to_json(record)))
        monkeypatch.undo()
        facts = SubmissionFacts.of(record)
        with SQLiteStorage(db) as storage:
            assert [facts] == list(storage.report_facts(facts.received_on, facts.received_on))
        assert [*range(1, sql.SCHEMA_VERSION + 1)] == versions(db)

    def test_transferred_matters_are_filled_in_for_a_version_3_file(
            self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Migration 4 adds ``transferred_to`` and fills it from each row's JSON: a matter
        a version-3 release transferred to its province is, after the upgrade, not overdue
        where it came from, and the sweep does not find it; the others are."""
        day = date(2021, 7, 1)
        origin = sample_submission("sub-0001", state="escalated", due=day,
                                   transferred_to="sub-0002", competent_level="Tỉnh ủy A")
        other = sample_submission("sub-0003", state="escalated", due=day,
                                  competent_level="Bộ Xây dựng")
        monkeypatch.setattr(sql, "MIGRATIONS", sql.MIGRATIONS[:3])
        SQLiteStorage(db).close()
        table, columns = sql.RECORD_TABLES["submission"]
        old = columns[:columns.index("transferred_to")]  # what version 3 had
        with raw(db) as conn:  # rows as a version-3 release wrote them
            for record in (origin, other):
                values = sql.indexed_values(record, sql.SQLITE)[:len(old)]
                conn.execute(f"INSERT INTO {table} (id, version, record, {', '.join(old)}) "  # noqa: S608
                             f"VALUES ({', '.join('?' * (3 + len(old)))})",
                             (record.id, record.version, to_json(record), *values))
        monkeypatch.undo()
        with SQLiteStorage(db) as storage:
            overdue = SubmissionQuery(overdue_as_of=day + timedelta(days=1))
            # (Migration 5 gives each a tracking code: compared by id.)
            assert ["sub-0003"] == [s.id for s in storage.find_submissions(overdue)]
            assert 1 == storage.count_submissions(overdue)
            assert ["sub-0003"] == [f.id for f in storage.due_facts(day, day)]
            facts = sorted(storage.report_facts(date(2021, 6, 1), date(2021, 6, 1)))
            assert ["sub-0002", None] == [f.transferred_to for f in facts]
        assert [*range(1, sql.SCHEMA_VERSION + 1)] == versions(db)

    def test_a_newer_database_is_refused(self, db: Path) -> None:
        """A file written by a newer release is not touched: ConfigurationError."""
        SQLiteStorage(db).close()
        with raw(db) as conn:
            conn.execute("INSERT INTO schema_version VALUES (99, 'from the future', 'x')")
        before = dump(db)
        with pytest.raises(ConfigurationError, match=r"schema version 99.*newer release"):
            SQLiteStorage(db)
        assert before == dump(db)

    def test_threads_opening_a_fresh_file_at_once(self, db: Path) -> None:
        """Concurrent first opens (each its own connection) migrate exactly once:
        BEGIN IMMEDIATE serialises them and the WAL switch waits out the others' locks."""
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
        assert [m.version for m in sql.MIGRATIONS] == versions(db)


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
    forest = flow.receive(dialogue=d.id, petitioner=petitioner, topic="bảo vệ rừng",
                          content="Đề nghị tăng cường tuần tra rừng.", actor=intake)
    plot = flow.receive(dialogue=d.id, petitioner=petitioner, topic="đất đai",
                        content="Chậm cấp giấy chứng nhận.", actor=intake)
    flow.answer(forest.id, text="Đã bố trí tổ tuần tra.", actor=chair)
    flow.close(forest.id, outcome="settled_at_meeting", actor=intake)
    flow.assign(plot.id, department="Địa chính", actor=chair)
    clock.set(date(2021, 6, 25))
    flow.conclude(d.id, actor=chair)
    clock.set(date(2021, 7, 20))
    flow.answer(plot.id, text="Đã cấp giấy chứng nhận.", actor=land)
    flow.close(plot.id, outcome="accepted", actor=intake)
    return d.id


def _everything(flow: DialogueFlow) -> tuple[Any, ...]:
    dialogues = tuple(flow.dialogues(limit=1000))
    submissions = tuple(flow.submissions(limit=1000))
    records: tuple[Dialogue | Submission, ...] = (*dialogues, *submissions)
    trails = tuple(tuple(flow.history(r)) for r in records)
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


# --- what a commit writes ---------------------------------------------------------------------


def _found(storage: SQLiteStorage, **filters: Any) -> list[str]:
    return [s.id for s in storage.find_submissions(SubmissionQuery(**filters))]


class TestCommits:
    def test_an_update_is_found_through_every_index(self, db: Path) -> None:
        """An update that changes some indexed columns (state, department, due date) and
        keeps others (dialogue) is found through each index by its new values and no longer
        by its old ones; a later update that changes only the state keeps the rest. The
        object committing the update never read the record first."""
        first = sample_submission(dialogue_id="dlg-0001")
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((first, 0),)))
        moved = sample_submission(version=2, state=SubmissionState.ASSIGNED,
                                  dialogue_id="dlg-0001", department="Tư pháp",
                                  due=date(2021, 7, 30))
        with SQLiteStorage(db) as other:
            other.commit(Changeset(records=((moved, 1),)))
        with SQLiteStorage(db) as storage:
            assert moved == storage.get_submission(first.id)
            assert ["sub-0001"] == _found(storage, states=frozenset({SubmissionState.ASSIGNED}))
            assert [] == _found(storage, states=frozenset({SubmissionState.RECEIVED}))
            assert ["sub-0001"] == _found(storage, department="Tư pháp")
            assert ["sub-0001"] == _found(storage, dialogue_id="dlg-0001")
            assert ["sub-0001"] == _found(storage, due_on_or_before=date(2021, 7, 30))
            assert ["sub-0001"] == _found(storage, overdue_as_of=date(2021, 7, 31))
            assert [SubmissionFacts.of(moved)] == list(storage.report_facts(START, START))
            escalated = attrs.evolve(moved, version=3, state=SubmissionState.ESCALATED)
            storage.commit(Changeset(records=((escalated, 2),)))
            assert ["sub-0001"] == _found(storage, states=frozenset({SubmissionState.ESCALATED}),
                                          department="Tư pháp", dialogue_id="dlg-0001",
                                          due_on_or_after=date(2021, 7, 30))
            assert [] == _found(storage, states=frozenset({SubmissionState.ASSIGNED}))
            assert [SubmissionFacts.of(escalated)] == list(storage.report_facts(START, START))

    def test_a_dialogues_update_is_found_by_its_new_state_and_date(
            self, storage: SQLiteStorage) -> None:
        """A dialogue moved to another state and day is found by both, not by the old."""
        planned = sample_dialogue()
        storage.commit(Changeset(records=((planned, 0),)))
        moved = attrs.evolve(planned, version=2, state=DialogueState.ANNOUNCED,
                             scheduled_for=date(2021, 6, 24))
        storage.commit(Changeset(records=((moved, 1),)))
        assert [moved] == storage.find_dialogues(DialogueQuery(
            states=frozenset({DialogueState.ANNOUNCED}), scheduled_from=date(2021, 6, 24)))
        assert [] == storage.find_dialogues(DialogueQuery(
            states=frozenset({DialogueState.PLANNED})))
        assert [] == storage.find_dialogues(DialogueQuery(scheduled_to=date(2021, 6, 17)))

    def test_a_failed_commit_leaves_reads_at_the_committed_version(
            self, storage: SQLiteStorage) -> None:
        """A commit rolled back (here by a guard) leaves nothing of what it would have
        written: reads and queries see the committed version."""
        first = sample_submission()
        storage.commit(Changeset(records=((first, 0),)))
        second = attrs.evolve(first, version=2, state=SubmissionState.ASSIGNED,
                              department="Tư pháp")
        with pytest.raises(VersionConflictError):
            storage.commit(Changeset(records=((second, 1),),
                                     guards=(("submission", "sub-missing", 1),)))
        assert first == storage.get_submission(first.id)
        assert [] == _found(storage, department="Tư pháp")
        assert [] == storage.history("submission", first.id)


@settings(max_examples=200, deadline=None)
@given(record=submissions())
def test_indexed_columns_are_the_submissions_report_facts(record: Submission) -> None:
    """The columns a commit writes are read straight off the record: they must be its
    SubmissionFacts (and its organisation, folded words, tracking code and petitioner
    buckets), dates as ISO text, whatever its zone of reception; the version does not
    change them."""
    facts = SubmissionFacts.of(record)

    def iso(day: date | None) -> str | None:
        return None if day is None else day.isoformat()

    indexed = sql.indexed_values(record, sql.SQLITE)
    assert (facts.state, facts.dialogue_id, facts.department, iso(facts.due_date),
            facts.received_on.isoformat(), facts.topic, facts.channel, facts.answer_mode,
            iso(facts.answered_on), facts.competent_level, record.organisation_id,
            facts.transferred_to, facts.source, search_text(record.topic, record.content),
            record.tracking_code, petitioner_keys(record.petitioner)) == indexed
    assert indexed == sql.indexed_values(attrs.evolve(record, version=record.version + 1),
                                         sql.SQLITE)


# --- failures injected inside a commit --------------------------------------------------------


class FaultyConnection:
    """Wraps the storage's connection and fails the first statement containing ``marker``
    (before it runs, or just after it ran), as a full disk or an I/O error would."""

    def __init__(self, conn: sqlite3.Connection, marker: str, *, after: bool) -> None:
        self._conn = conn
        self.marker = marker
        self.after = after
        self.fired = False

    def _run(self, run: Callable[[], Any], statement: str) -> Any:
        if self.fired or self.marker not in statement:
            return run()
        self.fired = True
        if self.after:
            run()
        raise sqlite3.OperationalError(f"disk I/O error (injected at {self.marker!r})")

    def execute(self, statement: str, params: Any = ()) -> Any:
        return self._run(lambda: self._conn.execute(statement, params), statement)

    def executemany(self, statement: str, params: Any) -> Any:
        return self._run(lambda: self._conn.executemany(statement, params), statement)

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
        before = dump(db)
        faulty = FaultyConnection(storage._connection(), step, after=after)
        monkeypatch.setattr(storage, "_conn", faulty)
        with pytest.raises(StorageError, match="injected") as info:
            storage.commit(changes)
        assert faulty.fired
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert not storage._connection().in_transaction
        assert before == dump(db)
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
        before = dump(db)
        monkeypatch.setattr(storage, "_conn", FaultyConnection(
            storage._connection(), "UPDATE outbox", after=True))
        now = sample_notification("a").created_at
        lease = timedelta(minutes=5)
        with pytest.raises(StorageError):
            storage.claim_notifications("w1", now, lease, 10)
        assert before == dump(db)
        assert ["a", "b"] == [e.key for e in storage.claim_notifications("w2", now, lease, 10)]


# --- bad data never reaches the file ----------------------------------------------------------


class TestBadData:
    def test_text_that_is_not_unicode(self, db: Path, storage: SQLiteStorage) -> None:
        """A lone surrogate cannot be stored as UTF-8: the record cannot even be built
        (issue 13), and a query given one is refused."""
        with pytest.raises(InvalidInputError, match="lone surrogate"):
            sample_submission(topic="đất \ud800")
        with pytest.raises(InvalidInputError):
            storage.find_submissions(SubmissionQuery(after="\ud800"))

    def test_one_undecodable_row_does_not_fail_a_listing(
            self, db: Path, storage: SQLiteStorage, caplog: pytest.LogCaptureFixture) -> None:
        """Issue 13: the rest stay listable, page by page; the bad one is named (never its
        data) in a warning and by get_submission."""
        storage.commit(Changeset(records=tuple(
            (sample_submission(f"sub-{n:04d}"), 0) for n in range(1, 6))))
        with raw(db) as conn:
            conn.execute("UPDATE submissions SET record = '{\"id\": 1}' WHERE id = 'sub-0002'")
        with caplog.at_level("WARNING", logger="dialogue_flow.storage"):
            pages = [storage.find_submissions(SubmissionQuery(limit=2)),
                     storage.find_submissions(SubmissionQuery(limit=2, after="sub-0003")),
                     storage.find_submissions(SubmissionQuery(limit=2, after="sub-0005"))]
        assert [["sub-0001", "sub-0003"], ["sub-0004", "sub-0005"], []] == [
            [s.id for s in page] for page in pages]
        assert "stored Submission sub-0002 cannot be read back" in caplog.text
        assert "Nguyễn Văn A" not in caplog.text
        with pytest.raises(StorageError, match="stored Submission sub-0002 cannot be read"):
            storage.get_submission("sub-0002")

    def test_a_corrupted_row_is_a_storage_error(self, db: Path, storage: SQLiteStorage,
                                                ) -> None:
        """A row that no longer decodes is reported as a storage problem, not bad input."""
        storage.commit(Changeset(records=((sample_submission(), 0),)))
        with raw(db) as conn:
            conn.execute("UPDATE submissions SET record = '{\"id\": 1}'")
        with pytest.raises(StorageError, match="cannot be read back"):
            storage.get_submission("sub-0001")

    def test_a_corrupted_rows_error_keeps_personal_data_out(
            self, db: Path, storage: SQLiteStorage) -> None:
        """The error says what is broken, never the petitioner's data beside it (errors end
        up in logs)."""
        petitioner = Petitioner(name="Trần Thị B", address="Thôn 7", phone="0987654321")
        storage.commit(Changeset(records=((sample_submission(petitioner=petitioner), 0),)))
        with raw(db) as conn:
            text = conn.execute("SELECT record FROM submissions").fetchone()[0]
            broken = {**json.loads(text), "state": "lost"}
            conn.execute("UPDATE submissions SET record = ?", (json.dumps(broken),))
        with pytest.raises(StorageError, match="state: expected one of") as info:
            storage.get_submission("sub-0001")
        shown = exception_text(info.value)
        assert [] == [v for v in ("Trần Thị B", "Thôn 7", "0987654321") if v in shown]


class TestFactsPaging:
    def test_facts_cross_page_boundaries(self, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
        """With pages of two rows, report_facts and due_facts still return every matching
        submission exactly once, the same facts memory derives from the records."""
        monkeypatch.setattr(sql, "PAGE", 2)
        clock = FixedClock(date(2021, 7, 1))
        intake = Actor("tn", "Tiếp nhận", "intake_desk")
        chair = Actor("bt", "Bí thư", "chair")
        with DialogueFlow.open(f"sqlite:///{tmp_path / 'p.db'}", clock=clock,
                               ids=SequentialIds()) as flow:
            for day in (1, 1, 1, 2, 5, 5, 6):
                clock.set(date(2021, 7, day))
                s = flow.receive(petitioner=Petitioner(name="A"), topic="t",
                                 content="c", actor=intake)
                flow.assign(s.id, department="Địa chính", actor=chair)
            expected = sorted(SubmissionFacts.of(s) for s in flow.iter_submissions())
            storage = flow.storage
            assert isinstance(storage, SQLiteStorage)
            got = sorted(storage.report_facts(date(2021, 7, 1), date(2021, 7, 31)))
            assert expected == got
            due = sorted(f.id for f in storage.due_facts(date(2021, 1, 1), date(2021, 12, 31)))
            assert sorted(f.id for f in expected) == due
