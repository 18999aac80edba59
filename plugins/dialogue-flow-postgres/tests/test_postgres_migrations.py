"""PostgreSQL schemas written by earlier releases open with this one and keep everything.

``fixtures/postgres_schema_v1.sql`` is what the plugin released before the shared SQL layer
(commit f50ba98, schema version 1: no report columns) wrote for the scenario of
``tests/fixtures/make_schema_fixtures.py``, dumped with ``pg_dump --inserts``
(``fixtures/make_postgres_fixture.py`` checked that it held exactly what
``tests/fixtures/schema_v2_expected.json`` says the SQLite file held). Each test loads the
dump into a fresh schema and opens it with today's ``PostgresStorage``, which adds the
report columns, fills them from the records' JSON, and builds the covering indexes; the
comparisons are the SQLite migration test's (``tests/migration_expectations.py``).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
import pytest
from dialogue_flow_postgres import PostgresStorage

from dialogue_flow import Actor, DialogueFlow, FixedClock, Role, SubmissionState, load_plugins
from dialogue_flow.storage import OutboxStatus, sql
from dialogue_flow.testing import CapturingNotifier

FIXTURE = Path(__file__).parent / "fixtures" / "postgres_schema_v1.sql"
#: The schema's name in the dump (see make_postgres_fixture.py).
FROZEN = "dialogue_flow_frozen"


def _expectations_module() -> ModuleType:
    """The repository's tests/migration_expectations.py (not on this suite's path)."""
    path = Path(__file__).parents[3] / "tests" / "migration_expectations.py"
    spec = importlib.util.spec_from_file_location("migration_expectations", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checks = _expectations_module()


def _schema(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["schema"]


def _versions(admin: psycopg.Connection[Any], schema: str) -> list[int]:
    return [v for (v,) in admin.execute(
        f'SELECT version FROM "{schema}".schema_version ORDER BY 1').fetchall()]  # noqa: S608


def _columns(admin: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    return [c for (c,) in admin.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = %s ORDER BY ordinal_position", (schema, table)).fetchall()]


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    result: dict[str, Any] = checks.load_expectations()
    return result


@pytest.fixture
def old_schema(pg_url: str, schema_url: str, admin: psycopg.Connection[Any]) -> str:
    """``schema_url``'s schema holding exactly what the schema-1 release wrote."""
    schema = _schema(schema_url)
    # psql's meta-commands (\restrict ...) are not SQL; the rest runs as one script.
    script = "\n".join(line for line in FIXTURE.read_text(encoding="utf-8").splitlines()
                       if not line.startswith("\\")).replace(FROZEN, schema)
    # Its own session: the dump empties search_path for the session that runs it.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(script.encode())
    assert [1] == _versions(admin, schema)
    return schema_url


@pytest.fixture
def upgraded(old_schema: str) -> Iterator[PostgresStorage]:
    with PostgresStorage.from_url(old_schema) as storage:
        yield storage


class TestSchemaV1:
    def test_the_fixture_lacks_the_report_columns(self, old_schema: str,
                                                  admin: psycopg.Connection[Any]) -> None:
        """Control: the frozen schema is the old one, before the shared layer's version 2."""
        assert "received_on" not in _columns(admin, _schema(old_schema), "submissions")

    def test_it_opens_at_the_current_schema_version_with_the_report_columns(
            self, old_schema: str, upgraded: PostgresStorage,
            admin: psycopg.Connection[Any]) -> None:
        schema = _schema(old_schema)
        assert [m.version for m in sql.MIGRATIONS] == _versions(admin, schema)
        assert {"received_on", "topic", "channel", "answer_mode", "answered_on",
                "competent_level"} <= set(_columns(admin, schema, "submissions"))

    def test_records_trails_outbox_and_reports_are_kept(
            self, upgraded: PostgresStorage, expected: dict[str, Any]) -> None:
        """Every record, audit row and outbox row reads back as the old release wrote it,
        every query finds what it should, and the report inputs, read from the columns
        the migration filled from the records' JSON, are those of the records."""
        checks.assert_matches_expectations(upgraded, expected)

    def test_claims_hand_out_the_pending_rows_in_the_old_order(
            self, upgraded: PostgresStorage, expected: dict[str, Any]) -> None:
        checks.assert_claims_in_old_order(upgraded, expected)

    def test_opening_twice_is_idempotent(self, old_schema: str, expected: dict[str, Any],
                                         admin: psycopg.Connection[Any]) -> None:
        PostgresStorage.from_url(old_schema).close()
        with PostgresStorage.from_url(old_schema) as storage:
            checks.assert_matches_expectations(storage, expected)
        assert [m.version for m in sql.MIGRATIONS] == _versions(admin, _schema(old_schema))

    def test_commands_and_dispatch_work_on_the_upgraded_schema(
            self, old_schema: str, expected: dict[str, Any]) -> None:
        """A command commits after the old rows (the outbox's identity column goes on from
        the old sequence) and a dispatcher delivers every pending row, old ones included."""
        now = dt.datetime.fromisoformat(expected["now"])
        clock = FixedClock(now)
        notifier = CapturingNotifier()
        intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
        rows = checks.expected_outbox(expected)
        pending = [row.key for row in rows if row.status is OutboxStatus.PENDING]
        with DialogueFlow(PostgresStorage.from_url(old_schema), clock=clock,
                          plugins=load_plugins([notifier], entry_points=False)) as flow:
            closed = flow.close("sub-0002", outcome="accepted", actor=intake)
            assert SubmissionState.CLOSED == closed.state
            new_keys = [n.key for n in flow.storage.pending_notifications()]
            assert pending == new_keys[:-1]
            clock.set(now + dt.timedelta(days=1))
            result = flow.dispatch(worker_id="after-upgrade")
            assert (len(new_keys), 0, 0) == (result.delivered, result.retried, result.parked)
            parked = sum(row.status is OutboxStatus.PARKED for row in rows)
            assert {"pending": 0, "parked": parked, "delivered": len(rows) + 1 - parked,
                    "logged": 0, "no_recipient": 0} == flow.storage.outbox_stats()
