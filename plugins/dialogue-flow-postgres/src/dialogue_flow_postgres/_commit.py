"""What one commit runs inside its transaction: the statements with the schema filled in,
and the steps in their lock order (the module doc of ``_storage`` says why that order)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import psycopg
from psycopg import errors as pg_errors

from dialogue_flow import ConcurrentChangeError, StorageError, VersionConflictError
from dialogue_flow.storage import ImportKey, StoredRecord, SubmissionCount
from dialogue_flow.storage.sql import POSTGRESQL, Statements, key_conflict

from ._retry import first_line

__all__ = ["PgStatements", "Step", "apply_plan"]


class PgStatements:
    """The shared statements (:class:`dialogue_flow.storage.sql.Statements`) and this
    backend's own, with the schema name filled in once."""

    def __init__(self, schema: str) -> None:
        self.schema = s = schema
        self.shared = sql = Statements(POSTGRESQL, prefix=f"{schema}.")
        self.get = sql.get
        self.guard = sql.guard
        self.current = sql.version_of
        self.insert = sql.insert
        self.update = sql.update
        self.insert_transition = sql.insert_transition
        #: All notices of one commit in one statement, in their order (``seq`` follows it);
        #: RETURNING names the rows inserted, which the commit counts. One statement instead
        #: of ``executemany`` took the 100,000-submission sweep from 3.3-5.3x SQLite's time
        #: to 1.4x (``benchmarks/report_sweep_backends.py``); binary arrays (``%b``) matter.
        #: A key pruned from the outbox (``outbox_pruned``) is skipped as one in it is.
        self.insert_outbox = (
            f"INSERT INTO {s}.outbox (key, notification, organisation_id, "  # noqa: S608
            "created_on) SELECT key, notification, organisation_id, created_on "
            "FROM unnest(%b::text[], %b::text[], %b::text[], %b::date[]) "
            "WITH ORDINALITY AS t(key, notification, organisation_id, created_on, n) "
            f"WHERE NOT EXISTS (SELECT 1 FROM {s}.outbox_pruned p WHERE p.key = t.key) "
            "ORDER BY n ON CONFLICT (key) DO NOTHING RETURNING key")
        #: The keys of an import's rows (issue 18), in one statement like the notices; a
        #: key held already (another import of the same rows committed first) returns no
        #: row, and the commit fails on it.
        self.insert_import_keys = (
            f"INSERT INTO {s}.import_keys (organisation_id, key, submission_id) "  # noqa: S608
            "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[]) "
            "ON CONFLICT DO NOTHING RETURNING organisation_id, key")
        self.history = sql.history
        # One statement: the row's old status says whether it was requeued; no row, no key.
        self.requeue = (
            f"WITH old AS (SELECT seq, status FROM {s}.outbox WHERE key = %(key)s "  # noqa: S608
            "FOR UPDATE), changed AS ("
            f"UPDATE {s}.outbox o SET status = 'pending', attempts = 0, "
            "next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL "
            "FROM old WHERE o.seq = old.seq AND old.status = 'parked' RETURNING o.seq) "
            "SELECT EXISTS (SELECT 1 FROM changed) FROM old")
        self.claim = (
            f"WITH picked AS (SELECT seq FROM {s}.outbox "  # noqa: S608
            "WHERE status = 'pending' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s) "
            "AND (lease_until IS NULL OR lease_until <= %(now)s) "
            "AND (%(orgs)s::text[] IS NULL OR organisation_id = ANY(%(orgs)s::text[])) "
            "ORDER BY seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
            f"UPDATE {s}.outbox AS o SET lease_owner = %(worker)s, lease_until = %(until)s, "
            "attempts = o.attempts + 1 FROM picked WHERE o.seq = picked.seq "
            "RETURNING o.seq, o.attempts, o.next_attempt_at, o.lease_until, o.last_error, "
            "o.notification")


class Step(NamedTuple):
    """One row a commit locks: a count guard's dialogue, a version guard or a write."""

    kind: str
    record_id: str
    order: int
    what: StoredRecord | SubmissionCount | None  # None: a version guard
    text: str
    indexed: tuple[object, ...]
    expected: int


def apply_plan(cur: psycopg.Cursor[Any], sql: PgStatements, plan: Sequence[Step],
           transitions: Sequence[tuple[object, ...]], notes: Sequence[tuple[object, ...]],
           keys: Sequence[ImportKey] = ()) -> int:
    """The statements of one commit, inside its open transaction; returns how many outbox
    rows were inserted."""
    for step in plan:
        if isinstance(step.what, SubmissionCount):
            # The dialogue's row locked FOR UPDATE first: receives (FOR SHARE on it), closes
            # and reopens of its submissions wait, so the count below stays true until COMMIT.
            cur.execute(sql.shared.lock_dialogue, (step.record_id,))
            row = cur.execute(*sql.shared.count_guard(step.what)).fetchone()
            found = 0 if row is None else int(row[0])
            if not step.what.admits(found):
                raise ConcurrentChangeError(step.record_id, found, step.what.at_least,
                                            step.what.at_most)
        elif step.what is None:
            row = cur.execute(sql.guard[step.kind], (step.record_id,)).fetchone()
            actual = None if row is None else row[0]
            if actual != step.expected:
                raise VersionConflictError(step.kind, step.record_id, step.expected, actual)
        else:
            _write(cur, sql, step.what, step.expected, step.text, step.indexed)
    if transitions:
        try:
            _execute_all(cur, sql.insert_transition, transitions)
        except pg_errors.UniqueViolation as exc:
            raise StorageError(f"the audit trail already has one of these rows "
                               f"({first_line(exc)}); nothing was written") from exc
    if keys:
        _insert_keys(cur, sql.insert_import_keys, keys)
    return _insert_notes(cur, sql.insert_outbox, notes) if notes else 0


def _insert_keys(cur: psycopg.Cursor[Any], statement: str, keys: Sequence[ImportKey]) -> None:
    """Record an import's keys; one held already fails the commit (a conflict)."""
    columns = [[k.organisation_id for k in keys], [k.key for k in keys],
               [k.submission_id for k in keys]]
    inserted = {(str(org), str(key)) for org, key in cur.execute(statement, columns).fetchall()}
    held = [k for k in keys if (k.organisation_id, k.key) not in inserted]
    if held:
        raise key_conflict(held[0].organisation_id, (k.key for k in held))


def _execute_all(cur: psycopg.Cursor[Any], statement: str,
                 rows: Sequence[tuple[object, ...]]) -> None:
    if len(rows) == 1:
        cur.execute(statement, rows[0])
    else:
        cur.executemany(statement, rows)


def _insert_notes(cur: psycopg.Cursor[Any], statement: str,
                  rows: Sequence[tuple[object, ...]]) -> int:
    """Insert the outbox rows ``(key, notification, organisation_id, created_on)`` with
    one statement; return how many were inserted (a key already there, or pruned, is
    skipped and returns no row)."""
    columns: list[list[object]] = [[str(row[i]) for row in rows] for i in range(3)]
    columns.append([row[3] for row in rows])
    return len(cur.execute(statement, columns).fetchall())


def _write(cur: psycopg.Cursor[Any], sql: PgStatements, record: StoredRecord, expected: int,
           text: str, indexed: tuple[object, ...]) -> None:
    """Compare-and-set one record inside the open transaction."""
    kind = record.KIND
    if expected == 0:
        if cur.execute(sql.insert[kind], (record.id, record.version, text, *indexed)).rowcount:
            return
    elif cur.execute(sql.update[kind], (record.version, text, *indexed, record.id,
                                        expected)).rowcount:
        return
    row = cur.execute(sql.current[kind], (record.id,)).fetchone()
    raise VersionConflictError(kind, record.id, expected, None if row is None else row[0])
