"""``dialogue-flow copy`` between SQLite stores (issue 17, part 5): every table, all or
nothing, counts and checksums compared. SQLite to PostgreSQL and back is tested in the
PostgreSQL plugin's tests (``test_postgres_copy.py``), which start their own server."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    ConfigurationError,
    MemoryStorage,
    SQLiteStorage,
    StorageError,
)
from dialogue_flow._copy import copy_store, copy_url
from dialogue_flow._demo import run_demo
from dialogue_flow.cli import main
from dialogue_flow.storage import Changeset, sql
from dialogue_flow.storage.sql import TableSession, TableShape, schema_tables, table_sum
from dialogue_flow.testing import (
    sample_notification,
    sample_submission,
    sample_transition,
    store_contents,
)

T0 = dt.datetime(2021, 6, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's 2021 plan played into a SQLite file (``dialogue-flow demo``)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    run_demo(f"sqlite:///{path}", echo=lambda _line: None)
    return path


def _outbox_rows(path: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()


def _add(storage: SQLiteStorage, name: str) -> None:
    record = sample_submission(name)
    storage.commit(Changeset(records=((record, 0),), transitions=(sample_transition(record),),
                             notifications=(sample_notification(f"note-{name}"),)))


class TestCopy:
    def test_every_record_audit_row_and_outbox_row_is_copied(self, demo_file: Path,
                                                            tmp_path: Path) -> None:
        """The demo's store copied into a new file holds the same records, audit trails,
        outbox rows (status, attempts, deliveries, order) and access log, read back
        through the storage API; its outbox table is the same row for row."""
        with SQLiteStorage(demo_file, create=False) as source, \
                SQLiteStorage(tmp_path / "copy.db") as target:
            result = copy_store(source, target)
            assert store_contents(source) == store_contents(target)
        assert result.rows > 100
        assert _outbox_rows(demo_file) == _outbox_rows(tmp_path / "copy.db")

    def test_every_table_of_the_schema_is_copied(self, demo_file: Path,
                                                 tmp_path: Path) -> None:
        """The tables copied are every table a new store has (a table a later migration
        adds is copied with no change to the copy), schema_version aside."""
        with closing(sqlite3.connect(demo_file)) as conn:
            tables = {name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite%'")}  # SQLite's own (the planner's statistics)
        with SQLiteStorage(demo_file, create=False) as source, \
                SQLiteStorage(tmp_path / "copy.db") as target:
            copied = {t.name for t in copy_store(source, target).tables}
        assert tables - {"schema_version"} == copied

    def test_the_outbox_keeps_its_order_statuses_and_leases(self, tmp_path: Path) -> None:
        """Pending, leased, parked and delivered rows keep their status and lease; claims
        on the copy come in the source's order, and a new row goes after the copied
        ones."""
        with SQLiteStorage(tmp_path / "s.db") as source:
            for name in ("a", "b", "c", "d"):
                _add(source, name)
            source.claim_notifications("w1", T0, dt.timedelta(minutes=5), 3)
            assert source.mark_delivered("note-a", "w1")
            assert source.mark_failed("note-b", "w1", "550 no such user", None)
            with SQLiteStorage(tmp_path / "t.db") as target:
                copy_store(source, target)
                assert store_contents(source)["outbox"] == store_contents(target)["outbox"]
                _add(target, "e")
                later = T0 + dt.timedelta(hours=1)
                claimed = target.claim_notifications("w2", later, dt.timedelta(minutes=5), 10)
        assert ["note-c", "note-d", "note-e"] == [e.key for e in claimed]

    def test_pruned_keys_are_copied(self, tmp_path: Path) -> None:
        """A key pruned from the source's outbox stays pruned in the copy."""
        with SQLiteStorage(tmp_path / "s.db") as source, \
                SQLiteStorage(tmp_path / "t.db") as target:
            _add(source, "a")
            source.claim_notifications("w1", T0, dt.timedelta(minutes=5), 3)
            source.mark_delivered("note-a", "w1")
            assert 1 == source.prune_outbox(dt.date(2030, 1, 1))
            copy_store(source, target)
            again = Changeset(records=(), notifications=(sample_notification("note-a"),))
            assert 0 == target.commit(again)

    def test_a_target_holding_rows_is_refused_unless_replace(self, demo_file: Path,
                                                             tmp_path: Path) -> None:
        """Copying into a store that holds rows writes nothing; ``replace`` empties it in
        the same transaction first."""
        with SQLiteStorage(demo_file, create=False) as source, \
                SQLiteStorage(tmp_path / "t.db") as target:
            _add(target, "old")
            before = store_contents(target)
            with pytest.raises(ConfigurationError, match=r"not empty.*--replace"):
                copy_store(source, target)
            assert before == store_contents(target)
            copy_store(source, target, replace=True)
            assert store_contents(source) == store_contents(target)

    def test_a_mismatch_rolls_everything_back(self, demo_file: Path, tmp_path: Path) -> None:
        """A row that reaches the target changed (here: a target that alters one row of
        the outbox) fails the table's checksum: StorageError, and the target holds
        nothing, not even the tables copied before."""
        with SQLiteStorage(demo_file, create=False) as source, \
                SQLiteStorage(tmp_path / "t.db") as target:
            with pytest.raises(StorageError, match="table outbox differs"):
                copy_store(source, _Altering(target, "outbox"))  # type: ignore[arg-type]
            with SQLiteStorage(":memory:") as empty:
                assert store_contents(empty) == store_contents(target)

    def test_the_source_is_read_in_one_snapshot(self, tmp_path: Path) -> None:
        """What another process commits to the source during the copy is not copied: the
        copy is the store as of its start, every table from the same instant."""
        path = tmp_path / "s.db"
        with SQLiteStorage(path) as source:
            _add(source, "before")
        with SQLiteStorage(path) as source, SQLiteStorage(path) as writer, \
                SQLiteStorage(tmp_path / "t.db") as target:
            def write_meanwhile(table: Any) -> None:
                if table.name == "dialogues":  # copied before submissions and the outbox
                    _add(writer, "during")

            result = copy_store(source, target, progress=write_meanwhile)
            copied = store_contents(target)
        assert {("submission", "before")} == set(copied["records"])
        assert ["note-before"] == [n.key for n in copied["pending"]]
        assert 1 == result.sums()["transitions"].rows

    @pytest.mark.parametrize("role", ["source", "target"])
    def test_a_memory_store_cannot_be_copied(self, role: str, tmp_path: Path) -> None:
        """Only SQL stores give their tables whole."""
        with SQLiteStorage(tmp_path / "s.db") as sqlite:
            pair = (MemoryStorage(), sqlite) if role == "source" else (sqlite, MemoryStorage())
            with pytest.raises(ConfigurationError, match=f"the {role} store"):
                copy_store(*pair)

    def test_the_same_store_is_refused(self, tmp_path: Path) -> None:
        with SQLiteStorage(tmp_path / "s.db") as store, \
                pytest.raises(ConfigurationError, match="same store"):
            copy_store(store, store)


class TestCopyUrl:
    def test_a_file_it_created_is_removed_when_it_fails(self, demo_file: Path,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        ) -> None:
        """A copy into a new SQLite file that fails leaves no file behind."""
        from dialogue_flow import _copy, load_plugins  # noqa: PLC0415

        def failing(*_args: object, **_kwargs: object) -> None:
            raise StorageError("disk full")

        monkeypatch.setattr(_copy, "copy_store", failing)
        target = tmp_path / "new.db"
        with pytest.raises(StorageError, match="disk full"):
            copy_url(f"sqlite:///{demo_file}", f"sqlite:///{target}", load_plugins())
        assert [] == list(tmp_path.iterdir())

    def test_a_missing_source_is_an_error(self, tmp_path: Path) -> None:
        from dialogue_flow import load_plugins  # noqa: PLC0415

        with pytest.raises(ConfigurationError, match="no SQLite database"):
            copy_url(f"sqlite:///{tmp_path / 'typo.db'}", f"sqlite:///{tmp_path / 't.db'}",
                     load_plugins())
        assert not (tmp_path / "t.db").exists()


class TestCommandLine:
    def test_copy_prints_each_table_and_the_rate(self, demo_file: Path,
                                                 tmp_path: Path) -> None:
        """``dialogue-flow copy --from URL --to URL``: one line per table with its rows and
        checksum, then the total; exit 0."""
        target = tmp_path / "t.db"
        done = CliRunner().invoke(main, ["copy", "--from", f"sqlite:///{demo_file}",
                                         "--to", f"sqlite:///{target}"])
        assert 0 == done.exit_code, done.output
        with SQLiteStorage(demo_file, create=False) as source:
            statuses = source.outbox_stats()
        lines = done.output.splitlines()
        outbox = next(line for line in lines if line.startswith("  outbox: "))
        assert f"  outbox: {sum(statuses.values())} rows, SHA-256 " in outbox
        assert lines[-1].endswith("every count and checksum equal")
        with SQLiteStorage(target, create=False) as copied:
            assert statuses == copied.outbox_stats()

    def test_a_refused_copy_exits_non_zero(self, demo_file: Path, tmp_path: Path) -> None:
        """Into a store that holds rows, without --replace: exit 1, nothing written."""
        url = f"sqlite:///{demo_file}"
        target = tmp_path / "t.db"
        assert 0 == CliRunner().invoke(main, ["copy", "--from", url, "--to",
                                              f"sqlite:///{target}"]).exit_code
        again = CliRunner().invoke(main, ["copy", "--from", url, "--to", f"sqlite:///{target}"])
        assert 1 == again.exit_code
        assert "--replace" in again.output
        replaced = CliRunner().invoke(main, ["copy", "--from", url, "--to",
                                             f"sqlite:///{target}", "--replace"])
        assert 0 == replaced.exit_code, replaced.output


def test_schema_tables_follow_the_migrations() -> None:
    """Each table the migrations create, with every column added since, keyed by its
    primary key; the outbox by its sequence."""
    tables = {t.name: t for t in schema_tables(sql.MIGRATIONS)}
    assert ("seq",) == tables["outbox"].key
    assert {"created_on", "outcome", "deliveries", "organisation_id"} <= set(
        tables["outbox"].names)
    assert ("kind", "record_id", "version") == tables["transitions"].key
    assert ("id",) == tables["submissions"].key
    assert set(tables) == {step.table.name for m in sql.MIGRATIONS for step in m.steps
                           if isinstance(step, sql.CreateTable)}


def test_a_checksum_is_over_rows_in_order() -> None:
    """The same rows give the same sum; another order, value or count another."""
    rows = [(1, "a", None), (2, "đất đai", "2021-06-01")]
    assert table_sum(rows) == table_sum(list(rows))
    assert table_sum(rows) != table_sum(rows[::-1])
    assert table_sum(rows) != table_sum([rows[0], (2, "đất đai", "2021-06-02")])
    assert 2 == table_sum(rows).rows


class _Altering:
    """A target whose inserts change the first row of one table (a copy gone wrong)."""

    def __init__(self, target: SQLiteStorage, table: str) -> None:
        self.target, self.table = target, table

    def read_tables(self) -> Any:
        return self.target.read_tables()

    @contextmanager
    def write_tables(self) -> Iterator[TableSession]:
        with self.target.write_tables() as session:
            yield _AlteringSession(session, self.table)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


class _AlteringSession:
    def __init__(self, session: TableSession, table: str) -> None:
        self.session, self.table = session, table

    def rows(self, table: TableShape) -> Iterator[tuple[object, ...]]:
        return self.session.rows(table)

    def count(self, table: TableShape) -> int:
        return self.session.count(table)

    def clear(self, table: TableShape) -> None:
        self.session.clear(table)

    def insert(self, table: TableShape, rows: Iterable[Sequence[object]]) -> None:
        if table.name != self.table:
            self.session.insert(table, rows)
            return

        def altered() -> Iterator[Sequence[object]]:
            for n, row in enumerate(rows):
                yield (*row[:-1], "altered") if n == 0 else row

        self.session.insert(table, altered())

    def __getattr__(self, name: str) -> Any:  # pragma: no cover
        return getattr(self.session, name)
