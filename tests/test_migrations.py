"""SQLite files written by earlier releases open with this one and keep everything.

``tests/fixtures/sqlite_schema_v2.sql`` is the file the last release before the storage
package (commit f50ba98, ``dialogue_flow._sqlite``, schema version 2) wrote for the scenario
of ``tests/fixtures/make_schema_fixtures.py``; ``schema_v2_expected.json`` is what that file
held, read from its tables. Each test loads the dump into a fresh file and opens it with
today's ``SQLiteStorage``; the comparisons live in ``migration_expectations.py`` so other
backends can reuse them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    Role,
    SQLiteStorage,
    SubmissionState,
    TransitionRecord,
    from_json,
    load_plugins,
)
from dialogue_flow.storage import OutboxStatus, sql
from dialogue_flow.testing import CapturingNotifier
from migration_expectations import (
    FIXTURES,
    assert_claims_in_old_order,
    assert_matches_expectations,
    expected_outbox,
    load_expectations,
)
from sqlite_support import dump, versions

DUMP_V2 = FIXTURES / "sqlite_schema_v2.sql"


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return load_expectations(FIXTURES / "schema_v2_expected.json")


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    """A fresh file holding exactly what the schema-2 release wrote."""
    path = tmp_path / "written-by-schema-2.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(DUMP_V2.read_text(encoding="utf-8"))
    return path


@pytest.fixture
def upgraded(old_file: Path) -> Iterator[SQLiteStorage]:
    with SQLiteStorage(old_file) as storage:
        yield storage


class TestSchemaV2File:
    def test_the_fixture_is_a_schema_2_file_with_every_kind_of_row(
            self, old_file: Path, expected: dict[str, Any]) -> None:
        """The frozen data holds what the other tests rely on: schema 2, and outbox rows
        delivered, parked, waiting for a retry, leased and never tried."""
        assert [1, 2] == versions(old_file)
        assert 2 == expected["schema_version"]
        rows = expected_outbox(expected)
        assert {OutboxStatus.PENDING, OutboxStatus.DELIVERED, OutboxStatus.PARKED} == {
            row.status for row in rows}
        pending = [row for row in rows if row.status is OutboxStatus.PENDING]
        assert any(row.next_attempt_at is not None for row in pending)
        assert any(row.lease_until is not None for row in pending)
        assert any(row.attempts == 0 for row in pending)

    def test_it_opens_at_the_current_schema_version(self, old_file: Path,
                                                    upgraded: SQLiteStorage) -> None:
        """Opening applies the migrations the file lacks, if any, and records them."""
        assert [m.version for m in sql.MIGRATIONS] == versions(old_file)
        assert sql.SCHEMA_VERSION == versions(old_file)[-1]

    def test_records_trails_outbox_and_reports_are_kept(
            self, upgraded: SQLiteStorage, expected: dict[str, Any]) -> None:
        """Every record, audit row and outbox row reads back as the old release wrote it,
        every query finds what it should, and the period's report inputs are those of the
        records (see assert_matches_expectations)."""
        assert_matches_expectations(upgraded, expected)

    def test_claims_hand_out_the_pending_rows_in_the_old_order(
            self, upgraded: SQLiteStorage, expected: dict[str, Any]) -> None:
        """Retry times, leases, attempts and last errors of the old rows still govern
        claims, which come oldest first."""
        assert_claims_in_old_order(upgraded, expected)

    def test_opening_twice_is_idempotent(self, old_file: Path,
                                         expected: dict[str, Any]) -> None:
        """A second open changes no row and applies no migration again."""
        SQLiteStorage(old_file).close()
        once = dump(old_file)
        with SQLiteStorage(old_file) as storage:
            assert_matches_expectations(storage, expected)
        assert once == dump(old_file)
        assert [m.version for m in sql.MIGRATIONS] == versions(old_file)

    def test_commands_and_dispatch_work_on_the_upgraded_file(
            self, old_file: Path, expected: dict[str, Any]) -> None:
        """Closing an answered submission commits the next version with its audit row and
        notification after the old ones; a dispatcher then delivers every pending row, the
        old ones included, and leaves the parked one parked."""
        now = dt.datetime.fromisoformat(expected["now"])
        clock = FixedClock(now)
        notifier = CapturingNotifier()
        intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
        old_trail = [from_json(TransitionRecord, row)
                     for row in expected["history"]["submission"]["sub-0002"]]
        rows = expected_outbox(expected)
        pending = [row.key for row in rows if row.status is OutboxStatus.PENDING]
        with DialogueFlow(SQLiteStorage(old_file), clock=clock,
                          plugins=load_plugins([notifier], entry_points=False)) as flow:
            answered = flow.submission("sub-0002")
            assert SubmissionState.ANSWERED == answered.state
            closed = flow.close("sub-0002", outcome="accepted", actor=intake)
            assert (SubmissionState.CLOSED, answered.version + 1) == (closed.state,
                                                                      closed.version)
            trail = flow.history(closed)
            assert old_trail == trail[:-1]
            assert ("close", closed.version) == (trail[-1].event, trail[-1].version)
            new_keys = [n.key for n in flow.storage.pending_notifications()]
            assert pending == new_keys[:-1]
            assert new_keys[-1].startswith("submission:sub-0002:")
            clock.set(now + dt.timedelta(days=1))
            result = flow.dispatch(worker_id="after-upgrade")
            assert (len(new_keys), 0, 0) == (result.delivered, result.retried, result.parked)
            assert sorted(new_keys) == sorted(notifier.keys)
            parked = sum(row.status is OutboxStatus.PARKED for row in rows)
            assert {"pending": 0, "parked": parked, "delivered": len(rows) + 1 - parked,
                    "logged": 0, "no_recipient": 0} == flow.storage.outbox_stats()
