"""Moving a store between SQLite and PostgreSQL (``dialogue-flow copy``, issue 17, part 5);
``dialogue-flow backup``/``restore`` of a PostgreSQL store, and PostgreSQL's own backup,
``pg_dump -Fc`` and ``pg_restore`` (docs/operations.md).

The server these tests start (``conftest.py``) sorts text by a Vietnamese collation where
ICU is there: a copy that ordered text keys by the database's collation would find the
checksums differ.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import CliRunner
from dialogue_flow_postgres import PostgresStorage
from dialogue_flow_postgres.testing import find_binaries

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    FolderFileStore,
    Petitioner,
    Role,
    SQLiteStorage,
    StorageError,
    copy_store,
    restore_backup,
)
from dialogue_flow._demo import run_demo
from dialogue_flow.cli import main
from dialogue_flow.storage import Changeset, sql
from dialogue_flow.storage.sql import schema_tables, table_sum
from dialogue_flow.testing import (
    sample_notification,
    sample_submission,
    sample_transition,
    store_contents,
)

T0 = dt.datetime(2021, 6, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's 2021 plan played into a SQLite file (``dialogue-flow demo``)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    run_demo(f"sqlite:///{path}", echo=lambda _line: None)
    return path


@pytest.fixture
def pg(schema_url: str) -> Iterator[PostgresStorage]:
    with PostgresStorage.from_url(schema_url) as storage:
        yield storage


def _sums(storage: Any) -> dict[str, Any]:
    with storage.read_tables() as session:
        return {t.name: table_sum(session.rows(t)) for t in schema_tables(sql.MIGRATIONS)}


def _outbox_rows(path: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()


def _add(storage: Any, name: str) -> None:
    record = sample_submission(name)
    storage.commit(Changeset(records=((record, 0),), transitions=(sample_transition(record),),
                             notifications=(sample_notification(f"note-{name}"),)))


class TestRoundTrip:
    def test_sqlite_to_postgresql_and_back(self, demo_file: Path, pg: PostgresStorage,
                                           tmp_path: Path) -> None:
        """The demo's store copied to PostgreSQL and back to a new SQLite file: every
        record, audit row and outbox row equal at each step, through the storage API, and
        the two SQLite files' outbox tables equal row for row."""
        back = tmp_path / "back.db"
        with SQLiteStorage(demo_file, create=False) as source:
            there = copy_store(source, pg)
            expected = store_contents(source)
            assert expected == store_contents(pg)
            with SQLiteStorage(back) as returned:
                again = copy_store(pg, returned)
                assert expected == store_contents(returned)
        assert there.sums() == again.sums()
        assert there.rows > 100
        assert _outbox_rows(demo_file) == _outbox_rows(back)

    def test_postgresql_draws_new_sequence_numbers_after_the_copied_ones(
            self, pg: PostgresStorage, tmp_path: Path) -> None:
        """The outbox keeps its order on PostgreSQL: a row committed after the copy is
        claimed after every copied pending row."""
        with SQLiteStorage(tmp_path / "s.db") as source:
            for name in ("a", "b", "c"):
                _add(source, name)
            source.claim_notifications("w1", T0, dt.timedelta(minutes=5), 1)
            assert source.mark_delivered("note-a", "w1")
            copy_store(source, pg)
        _add(pg, "d")
        later = T0 + dt.timedelta(hours=1)
        claimed = pg.claim_notifications("w2", later, dt.timedelta(minutes=5), 10)
        assert ["note-b", "note-c", "note-d"] == [e.key for e in claimed]

    def test_text_keys_compare_by_code_point_on_both(self, pg: PostgresStorage,
                                                     tmp_path: Path) -> None:
        """Keys that a linguistic collation orders otherwise (case, "_", diacritics) are
        read in the same order on both engines, so the checksums agree."""
        keys = ["B", "a", "_x", "ă", "Z", "đ", "b", "A_1", "A1"]
        with SQLiteStorage(tmp_path / "s.db") as source:
            source.commit(Changeset(records=(), notifications=tuple(
                sample_notification(key, created_at=T0) for key in keys)))
            source.claim_notifications("w1", T0, dt.timedelta(minutes=5), 100)
            for key in keys:
                assert source.mark_delivered(key, "w1")
            assert len(keys) == source.prune_outbox(dt.date(2030, 1, 1))
            result = copy_store(source, pg)
        assert len(keys) == result.sums()["outbox_pruned"].rows
        with pg.read_tables() as session:
            [pruned] = [t for t in schema_tables(sql.MIGRATIONS) if t.name == "outbox_pruned"]
            assert sorted(keys) == [key for (key,) in session.rows(pruned)]

    def test_a_target_holding_rows_is_refused(self, demo_file: Path,
                                              pg: PostgresStorage) -> None:
        """Nothing is written into a PostgreSQL store that holds rows."""
        _add(pg, "old")
        before = store_contents(pg)
        with SQLiteStorage(demo_file, create=False) as source, \
                pytest.raises(ConfigurationError, match="not empty"):
            copy_store(source, pg)
        assert before == store_contents(pg)

    def test_a_failure_half_way_leaves_nothing(self, demo_file: Path, pg: PostgresStorage,
                                               tmp_path: Path) -> None:
        """A copy that fails after some tables were written rolls all of them back."""
        def fail_after_submissions(table: Any) -> None:
            if table.name == "submissions":
                raise StorageError("the disk is full")

        with SQLiteStorage(demo_file, create=False) as source, \
                pytest.raises(StorageError, match="disk is full"):
            copy_store(source, pg, progress=fail_after_submissions)
        assert all(s.rows == 0 for s in _sums(pg).values())

    def test_the_command_line_copies_to_postgresql(self, demo_file: Path, schema_url: str,
                                                   tmp_path: Path) -> None:
        """``dialogue-flow copy --from sqlite:///... --to postgresql://...``: every count
        and checksum equal, exit 0; the password-bearing URL is not printed whole."""
        done = CliRunner().invoke(main, ["copy", "--from", f"sqlite:///{demo_file}",
                                         "--to", schema_url])
        assert 0 == done.exit_code, done.output
        assert "postgresql://..." in done.output
        assert done.output.splitlines()[-1].endswith("every count and checksum equal")
        with SQLiteStorage(demo_file, create=False) as source, \
                PostgresStorage.from_url(schema_url) as copied:
            assert store_contents(source) == store_contents(copied)


class TestBackupOfAPostgresStore:
    def test_backup_and_restore_with_attachments(self, schema_url: str, pg_url: str,
                                                 admin: psycopg.Connection[Any],
                                                 tmp_path: Path) -> None:
        """``dialogue-flow backup`` of a PostgreSQL store copies its tables into the
        backup's SQLite file from one snapshot, with its attachments; ``restore`` loads
        it into another PostgreSQL schema and file store, every row and file equal."""
        intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
        with DialogueFlow.open(schema_url, files=FolderFileStore(tmp_path / "files"),
                               clock=FixedClock(dt.date(2021, 6, 1))) as flow:
            matter = flow.receive(petitioner=Petitioner("Nguyễn Văn A"), topic="đất đai",
                                  content="Chậm cấp giấy.", actor=intake)
            letter = flow.attach(matter.id, name="don.pdf", data=PDF, actor=intake)
            manifest = flow.backup(tmp_path / "backup")
            expected = store_contents(flow.storage)
        assert ("PostgresStorage", [letter.sha256]) == (
            manifest.source, [f.sha256 for f in manifest.files])
        schema = f"r_{uuid.uuid4().hex[:12]}"
        other = FolderFileStore(tmp_path / "restored-files")
        try:
            with PostgresStorage.from_url(_with_query(pg_url, schema)) as target:
                restore_backup(tmp_path / "backup", target, files=other)
                assert expected == store_contents(target)
            with DialogueFlow.open(_with_query(pg_url, schema), files=other,
                                   create=False) as restored:
                assert PDF == restored.read_attachment(letter.id, actor=intake)
        finally:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class TestPgDump:
    """The documented way to back a PostgreSQL store up: ``pg_dump -Fc`` of its schema,
    ``pg_restore`` into a new database."""

    def test_dump_and_restore_keep_every_row(self, demo_file: Path, pg: PostgresStorage,
                                             pg_url: str, admin: psycopg.Connection[Any],
                                             tmp_path: Path) -> None:
        with SQLiteStorage(demo_file, create=False) as source:
            copy_store(source, pg)
        _add(pg, "after-the-copy")
        schema = pg.schema
        dump = tmp_path / "store.dump"
        binaries = find_binaries()
        subprocess.run([str(binaries / "pg_dump"), "-Fc", "-n", schema, "-f", str(dump),  # noqa: S603
                        pg_url], check=True, capture_output=True, timeout=120)
        database = f"restored_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{database}"')
        try:
            restored_url = _with_database(pg_url, database)
            subprocess.run([str(binaries / "pg_restore"), "--no-owner", "-d", restored_url,  # noqa: S603
                            str(dump)], check=True, capture_output=True, timeout=120)
            with PostgresStorage.from_url(f"{restored_url}?schema={schema}",
                                          create=False) as restored:
                assert store_contents(pg) == store_contents(restored)
                assert _sums(pg) == _sums(restored)
                _add(restored, "after-the-restore")  # its sequences go on after the dump's
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _with_query(url: str, schema: str) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}schema={schema}"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    assert not dict(parse_qsl(parts.query))
    return urlunsplit(parts._replace(path=f"/{database}"))
