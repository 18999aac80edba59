"""The PostgreSQL backend beyond the contract: URLs and the hook, migrations, error
translation, and transient failures (killed connections, a server restart) retried."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import uuid
from importlib.metadata import entry_points
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
import pytest
from dialogue_flow_postgres import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    PostgresStorage,
    _retry,
    plugin,
)
from dialogue_flow_postgres.testing import TemporaryServer, find_binaries

from conftest import with_query
from dialogue_flow import (
    Actor,
    CommitOutcomeUnknownError,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    Petitioner,
    Role,
    StorageError,
    SubmissionState,
    VersionConflictError,
    WorkCalendar,
    to_json,
)
from dialogue_flow.storage import Changeset, SubmissionQuery, sql
from dialogue_flow.testing import sample_submission, sample_transition

START = dt.date(2021, 6, 1)
CHAIR = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)
INTAKE = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
PETITIONER = Petitioner(name="Nguyễn Văn A", address="Thôn 1")


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.vietnam()


def _receive(flow: DialogueFlow) -> Any:
    return flow.receive(petitioner=PETITIONER, topic="đất đai",
                        content="Chậm cấp giấy chứng nhận.", actor=INTAKE)


# --- URLs, the hook, the entry point ---------------------------------------------------------


class TestUrls:
    def test_the_hook_opens_postgres_urls_only(self, schema_url: str) -> None:
        assert plugin.dialogue_flow_open_storage("sqlite:///x.db", create=True) is None
        assert plugin.dialogue_flow_open_storage("memory://", create=True) is None
        for scheme in ("postgresql", "postgres"):
            url = scheme + schema_url.removeprefix("postgresql")
            storage = plugin.dialogue_flow_open_storage(url, create=True)
            assert isinstance(storage, PostgresStorage)
            storage.close()

    def test_open_finds_the_backend_without_loading_plugins(
            self, schema_url: str, calendar: WorkCalendar) -> None:
        """Issue 16: `DialogueFlow.open("postgresql://...")` works once the distribution is
        installed (its `dialogue_flow.storage` entry points), and no plugin is loaded into
        the flow for it (before, it needed load_entry_points=True)."""
        names = {ep.name: ep for ep in entry_points(group="dialogue_flow.storage")}
        assert {"postgresql", "postgres"} <= set(names)
        assert names["postgresql"].load() is plugin
        with DialogueFlow.open(schema_url, calendar=calendar,
                               clock=FixedClock(START)) as flow:
            assert isinstance(flow.storage, PostgresStorage)
            assert flow.plugins.get_plugin("postgres") is None
            assert not flow.plugins.is_registered(plugin)
            sub = _receive(flow)
            assert sub == flow.submission(sub.id)

    def test_a_schema_without_a_store_is_refused_unless_created(
            self, schema_url: str, admin: psycopg.Connection[Any]) -> None:
        """Issue 16: `create=False` (every command but `init`) refuses an empty schema and
        creates nothing in it; the password never appears in the message."""
        with pytest.raises(ConfigurationError, match="holds no dialogue_flow store") as caught:
            DialogueFlow.open(schema_url, create=False)
        assert "dialogue-flow init" in str(caught.value)
        assert "password" not in str(caught.value)
        schema = dict(parse_qsl(urlsplit(schema_url).query))["schema"]
        found = admin.execute("SELECT to_regclass(%s)",
                              (f'"{schema}".schema_version',)).fetchone()
        assert (None,) == found
        DialogueFlow.open(schema_url, create=True).shutdown()
        DialogueFlow.open(schema_url, create=False).shutdown()

    def test_entry_point_and_facade(self, schema_url: str, calendar: WorkCalendar) -> None:
        """The `postgres` entry point is the module's plugin; DialogueFlow.open uses it."""
        [ep] = [ep for ep in entry_points(group="dialogue_flow") if ep.name == "postgres"]
        assert ep.load() is plugin
        with DialogueFlow.open(schema_url, load_entry_points=True, calendar=calendar,
                               clock=FixedClock(START)) as flow:
            assert isinstance(flow.storage, PostgresStorage)
            sub = _receive(flow)
            assert sub == flow.submission(sub.id)

    def test_options_from_the_url(self, schema_url: str) -> None:
        url = with_query(schema_url, retries="2", retry_delay="0.01", pool_max_size="3",
                         application_name="df-options")
        with PostgresStorage.from_url(url) as storage:
            assert (storage.retries, storage.retry_delay) == (2, 0.01)
        with PostgresStorage.from_url(url, retries=0) as storage:
            assert storage.retries == 0

    @pytest.mark.parametrize("url", [
        "mysql://x/y", "postgresql://x/y?retries=many", "postgresql://x/y?nonsense_option=1",
    ])
    def test_bad_urls_are_configuration_errors(self, url: str) -> None:
        with pytest.raises(ConfigurationError):
            PostgresStorage.from_url(url)

    @pytest.mark.parametrize("options", [
        {"schema": "bad-name"}, {"schema": "x" * 64}, {"retries": -1},
        {"pool_max_size": 0}, {"pool_timeout": True},
    ])
    def test_bad_options(self, schema_url: str, options: dict[str, Any]) -> None:
        with pytest.raises(ConfigurationError):
            PostgresStorage.from_url(schema_url, **options)

    def test_unreachable_server_is_a_storage_error_without_the_password(self) -> None:
        with pytest.raises(StorageError, match="cannot open") as info:
            PostgresStorage("postgresql://u:secret@127.0.0.1:1/db?connect_timeout=2")
        assert "secret" not in str(info.value)
        assert isinstance(info.value.__cause__, psycopg.OperationalError)

    def test_closed_storage_refuses_work(self, schema_url: str) -> None:
        storage = PostgresStorage.from_url(schema_url)
        storage.close()
        storage.close()  # idempotent
        with pytest.raises(StorageError, match="closed"):
            storage.get_submission("x")


# --- schema versions ------------------------------------------------------------------------


def _versions(admin: psycopg.Connection[Any], url: str) -> list[int]:
    schema = dict(q.split("=") for q in url.split("?", 1)[1].split("&"))["schema"]
    return [v for (v,) in admin.execute(
        f'SELECT version FROM "{schema}".schema_version ORDER BY 1').fetchall()]  # noqa: S608


def _open_and_close(url: str) -> None:
    PostgresStorage.from_url(url).close()


class TestMigrations:
    def test_fresh_schema_gets_every_migration_and_reopening_keeps_data(
            self, schema_url: str, admin: psycopg.Connection[Any]) -> None:
        with PostgresStorage.from_url(schema_url) as storage:
            storage.commit(Changeset(records=((sample_submission(), 0),)))
        assert [m.version for m in MIGRATIONS] == _versions(admin, schema_url)
        with PostgresStorage.from_url(schema_url) as storage:
            assert sample_submission() == storage.get_submission("sub-0001")
        assert _versions(admin, schema_url) == [*range(1, SCHEMA_VERSION + 1)]

    def test_a_new_migration_is_applied_once(self, schema_url: str,
                                             admin: psycopg.Connection[Any],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
        _open_and_close(schema_url)
        step = Migration(SCHEMA_VERSION + 1, "a note column",
                         (sql.AddColumns("submissions", (sql.Column("note", "text"),)),))
        monkeypatch.setattr(sql, "MIGRATIONS", (*MIGRATIONS, step))
        monkeypatch.setattr(sql, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        _open_and_close(schema_url)
        _open_and_close(schema_url)
        assert [*range(1, SCHEMA_VERSION + 2)] == _versions(admin, schema_url)

    def test_transferred_matters_are_filled_in_for_a_version_3_schema(
            self, schema_url: str, admin: psycopg.Connection[Any],
            monkeypatch: pytest.MonkeyPatch) -> None:
        """Migration 4 fills ``transferred_to`` from each row's JSON: a matter a version-3
        release transferred to its province is then not overdue where it came from, and
        the sweep does not find it; the others are."""
        day = dt.date(2021, 7, 1)
        origin = sample_submission("sub-0001", state="escalated", due=day,
                                   transferred_to="sub-0002", competent_level="Tỉnh ủy A")
        other = sample_submission("sub-0003", state="escalated", due=day,
                                  competent_level="Bộ Xây dựng")
        monkeypatch.setattr(sql, "MIGRATIONS", MIGRATIONS[:3])
        _open_and_close(schema_url)
        assert [1, 2, 3] == _versions(admin, schema_url)
        schema = schema_url.rsplit("schema=", 1)[1]
        table, columns = sql.RECORD_TABLES["submission"]
        old = columns[:columns.index("transferred_to")]  # what version 3 had
        for record in (origin, other):  # rows as a version-3 release wrote them
            values = sql.indexed_values(record, sql.POSTGRESQL)[:len(old)]
            admin.execute(f'INSERT INTO "{schema}".{table} (id, version, record, '  # noqa: S608
                          f"{', '.join(old)}) VALUES ({', '.join(['%s'] * (3 + len(old)))})",
                          (record.id, record.version, to_json(record), *values))
        monkeypatch.undo()
        with PostgresStorage.from_url(schema_url) as storage:
            overdue = SubmissionQuery(overdue_as_of=day + dt.timedelta(days=1))
            # (Migration 5 gives each a tracking code: compared by id.)
            assert ["sub-0003"] == [s.id for s in storage.find_submissions(overdue)]
            assert 1 == storage.count_submissions(overdue)
            assert ["sub-0003"] == [f.id for f in storage.due_facts(day, day)]
            facts = sorted(storage.report_facts(START, START))
            assert ["sub-0002", None] == [f.transferred_to for f in facts]
        assert [*range(1, SCHEMA_VERSION + 1)] == _versions(admin, schema_url)

    def test_a_newer_schema_is_refused(self, schema_url: str,
                                       admin: psycopg.Connection[Any]) -> None:
        _open_and_close(schema_url)
        schema = schema_url.rsplit("schema=", 1)[1]
        admin.execute(f'INSERT INTO "{schema}".schema_version (version, description) '  # noqa: S608
                      "VALUES (99, 'from the future')")
        with pytest.raises(ConfigurationError, match="newer release"):
            PostgresStorage.from_url(schema_url)

    def test_processes_opening_a_fresh_schema_at_once(self, schema_url: str,
                                                      admin: psycopg.Connection[Any]) -> None:
        """Four processes migrate one fresh schema at the same moment: the advisory lock
        serialises them and every migration is applied exactly once."""
        ctx = multiprocessing.get_context("spawn")
        procs = [ctx.Process(target=_open_and_close, args=(schema_url,)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        assert [p.exitcode for p in procs] == [0] * 4
        assert [m.version for m in MIGRATIONS] == _versions(admin, schema_url)


# --- errors ---------------------------------------------------------------------------------


class TestErrors:
    def test_text_postgres_cannot_store_is_invalid_input(self, schema_url: str) -> None:
        with PostgresStorage.from_url(schema_url) as storage:
            for bad in ("Ph\x00ng", "\ud800"):
                # Issue 13: such a record cannot even be built, so it never reaches the store.
                with pytest.raises(InvalidInputError, match=r"Submission\.department: contains"):
                    storage.commit(Changeset(records=((sample_submission(department=bad), 0),)))
            assert storage.pending_notifications() == []

    def test_logic_errors_are_not_retried(self, schema_url: str) -> None:
        with PostgresStorage.from_url(schema_url) as storage:
            first = sample_submission()
            storage.commit(Changeset(records=((first, 0),),
                                     transitions=(sample_transition(first),)))
            with pytest.raises(VersionConflictError):
                storage.commit(Changeset(records=((first, 0),)))
            with pytest.raises(StorageError, match="audit trail") as info:
                storage.commit(Changeset(records=(), transitions=(sample_transition(first),)))
            assert isinstance(info.value.__cause__, psycopg.errors.UniqueViolation)
            assert storage.retried == 0

    def test_what_is_retried(self) -> None:
        """Before COMMIT: connection failures and class 40; while COMMIT is in flight: only
        class 40 (the server says it rolled back) or a resumable outbox statement."""
        attempt = _retry.Attempt  # the retry rule itself
        before, during = attempt(), attempt(committing=True)
        lost = psycopg.OperationalError("server closed the connection unexpectedly")
        serial = psycopg.errors.SerializationFailure("could not serialize")
        retryable = _retry.retryable
        assert retryable(lost, before, resumable=False)
        assert not retryable(lost, during, resumable=False)
        assert retryable(lost, during, resumable=True)
        assert retryable(serial, during, resumable=False)
        assert not retryable(psycopg.errors.UniqueViolation("dup"), before, resumable=True)
        assert not retryable(psycopg.errors.QueryCanceled("timeout"), before, resumable=True)
        error = _retry.storage_error("commit", lost, during)
        assert isinstance(error, CommitOutcomeUnknownError)
        assert "may or may not have been applied" in str(error)


# --- transient failures ----------------------------------------------------------------------


def _kill(admin: psycopg.Connection[Any], application: str) -> int:
    row = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = %s", (application,)).fetchone()
    return int(row[0]) if row else 0


class TestTransientFailures:
    def test_killed_connections_the_next_command_succeeds(
            self, schema_url: str, admin: psycopg.Connection[Any],
            calendar: WorkCalendar) -> None:
        """pg_terminate_backend of every pooled connection: the next command retries on a
        new connection and commits once."""
        application = f"df-victim-{uuid.uuid4().hex[:8]}"
        storage = PostgresStorage.from_url(with_query(schema_url, application_name=application),
                                           pool_min_size=3, pool_max_size=3)
        with DialogueFlow(storage, calendar=calendar, clock=FixedClock(START)) as flow:
            sub = _receive(flow)
            assert _kill(admin, application) >= 1
            assigned = flow.assign(sub.id, department="Địa chính", actor=CHAIR)
            assert storage.retried >= 1
            assert assigned == flow.submission(sub.id)
            assert [row.version for row in flow.history(assigned)] == [1, 2]
            assert _kill(admin, application) >= 1
            assert len(flow.history(assigned)) == 2  # a read retries too

    def test_killed_connections_mid_run(self, schema_url: str, admin: psycopg.Connection[Any],
                                        calendar: WorkCalendar) -> None:
        """Commands in a loop while every connection is killed, again and again: each
        command succeeds, or (only if COMMIT was in flight) says its outcome is unknown;
        the stored versions and history match what happened."""
        application = f"df-victim-{uuid.uuid4().hex[:8]}"
        storage = PostgresStorage.from_url(with_query(schema_url, application_name=application),
                                           pool_min_size=2, pool_max_size=2)
        flow = DialogueFlow(storage, calendar=calendar, clock=FixedClock(START))
        sub = _receive(flow)
        done = threading.Event()
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def work() -> None:
            departments = ("Địa chính", "Tư pháp")
            n = 0
            while not done.is_set():
                n += 1
                try:
                    flow.assign(sub.id, department=departments[n % 2], actor=CHAIR)
                    outcomes.append("ok")
                except CommitOutcomeUnknownError:
                    outcomes.append("unknown")
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

        thread = threading.Thread(target=work)
        thread.start()
        try:
            killed = 0
            for _ in range(8):
                done.wait(0.15)
                killed += _kill(admin, application)
        finally:
            done.set()
            thread.join(timeout=60)
        assert errors == []
        assert killed >= 8
        assert storage.retried >= 1
        final = flow.submission(sub.id)
        assert [*range(1, final.version + 1)] == [r.version for r in flow.history(final)]
        assert outcomes.count("ok") <= final.version - 1 <= len(outcomes)
        after = flow.assign(sub.id, department="Kiểm lâm", actor=CHAIR)
        assert final.version + 1 == after.version
        flow.shutdown()

    def test_server_restart(self, calendar: WorkCalendar) -> None:
        """The whole server restarts between two commands: the pool reconnects and the
        command goes through."""
        find_binaries()
        with TemporaryServer() as server, DialogueFlow.open(
                server.url, plugins=[plugin], calendar=calendar,
                clock=FixedClock(START)) as flow:
            sub = _receive(flow)
            server.restart()
            answered = flow.answer(sub.id, text="Đã trả lời.", actor=CHAIR)
            assert answered.state == SubmissionState.ANSWERED
            assert isinstance(flow.storage, PostgresStorage)
            assert flow.storage.retried >= 1
