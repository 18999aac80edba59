"""PostgreSQL storage through psycopg 3 and a ``psycopg_pool.ConnectionPool``.

How it keeps the ``Storage`` promises (the structure follows the SQLite backend):

- **Atomic commits.** One :meth:`PostgresStorage.commit` is one transaction
  (``BEGIN`` ... ``COMMIT``, READ COMMITTED). Guards and record writes are taken in one
  global order, sorted by ``(kind, id)``, so two commits never wait for each other's rows in
  opposite orders (no deadlocks between our own commits). A guard is read with
  ``SELECT version ... FOR SHARE``: the guarded row cannot change until we commit. A count
  guard (``SubmissionCount``) first locks its dialogue's row ``FOR UPDATE``, then counts: a
  receive (which guards the dialogue ``FOR SHARE``), a close or a reopen of that dialogue's
  matters waits for it, or it for them, so the count holds until ``COMMIT``. A record
  is written by compare-and-set, ``UPDATE ... WHERE id = %s AND version = %s`` (under READ
  COMMITTED an update that waited for a concurrent writer re-checks the ``WHERE`` on the new
  row, so a lost race updates nothing), or ``INSERT ... ON CONFLICT (id) DO NOTHING`` for a
  new record; zero rows is a :class:`VersionConflictError`. Then the audit rows (primary key
  ``(kind, record_id, version)``: a repeat is a :class:`StorageError`) and the outbox rows
  (``key`` unique, a repeat skipped with ``ON CONFLICT DO NOTHING``; ``RETURNING`` names
  the rows inserted, which the commit counts and returns). Any failure rolls the whole
  transaction back.
- **Outbox claims** are one statement: ``SELECT ... FOR UPDATE SKIP LOCKED`` of the oldest
  deliverable rows and the ``UPDATE`` that leases them, in one transaction (a CTE). A row
  another dispatcher is claiming right now is skipped, not waited for; a row whose lease
  expired is deliverable again.
- **Transient failures are retried**, a bounded number of times (``retries``) with a short
  exponential back-off (``retry_delay``, doubled, jittered, capped at one second):
  ``OperationalError`` (a killed backend, a server restart, a lost connection, a lock
  timeout) and class 40 errors (serialization failure, deadlock). After a connection failure
  the pool's idle connections are checked, so a retry does not pick up another dead one.
  Logic errors (integrity violations, version conflicts, bad input) are never retried.

  *Which attempts may be repeated.* Reads always. A commit only if it **certainly did not
  commit**: the failure came before ``COMMIT`` was sent (the server rolls back a transaction
  whose connection dies before ``COMMIT``), or the server answered ``COMMIT`` with a class 40
  error (it reports that it rolled back). If the connection fails while ``COMMIT`` is in
  flight, the outcome is unknown (the server may have committed and died before answering):
  repeating it could apply a command twice (or report a spurious conflict against our own
  write), so it raises :class:`StorageError` saying the outcome is unknown; the host reads
  the records back (their version tells) before deciding again. Outbox calls are single
  autocommit statements and are repeated even after an unknown outcome: a repeated
  ``mark_delivered``/``mark_failed`` recognises its own earlier success (the row already
  holds exactly what it would have written) and answers ``True``; a repeated claim leases
  other rows, and the rows the lost attempt may have leased come back when that lease
  expires (delivery is at least once anyway).
- **Errors**: psycopg errors reach the host as :class:`StorageError` (the psycopg error is its
  ``__cause__``); text PostgreSQL cannot store (a NUL character, a lone surrogate) is
  :class:`InvalidInputError`.
- **Schema versioning**: a ``schema_version`` table lists the applied :data:`MIGRATIONS`.
  Opening applies the missing ones in one transaction under
  ``pg_advisory_xact_lock`` (so processes opening a fresh database at once serialise), and
  refuses a schema written by a newer release with :class:`ConfigurationError`. Every table
  lives in one PostgreSQL schema (``public`` unless ``schema=`` says otherwise), so several
  independent stores can share a database.

Records are stored as their ``to_json`` text (``text``, not ``jsonb``: ``jsonb`` refuses the
``\\u0000`` escape and reorders keys, and every query runs on the indexed columns) beside the
indexed columns the queries need: dates as ``date``, outbox instants as ``timestamptz``.
Ids use ``COLLATE "C"`` so ``ORDER BY id`` and ``id > after`` follow code points, as
Python's string comparison (the reference ``matches``) does, whatever the database's locale.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Any, Final, Self, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from dialogue_flow import (
    ConfigurationError,
    Dialogue,
    InvalidInputError,
    NotFoundError,
    Notification,
    Organisation,
    ReceptionDay,
    StorageError,
    Submission,
    TransitionRecord,
    to_json,
)
from dialogue_flow.storage import (
    Changeset,
    Delivery,
    DialogueQuery,
    OutboxEntry,
    OutboxStatus,
    ReceptionQuery,
    ReportInputs,
    SubmissionFacts,
    SubmissionQuery,
    check_claim,
    check_limit,
    check_retry,
    check_settled,
    check_status,
    decode_deliveries,
    decode_page,
    decode_stored,
    encode_deliveries,
)
from dialogue_flow.storage.sql import (
    MIGRATIONS,
    POSTGRESQL,
    SCHEMA_VERSION,
    AttachmentStatements,
    ImportKeyStatements,
    Migration,
    SQLAttachments,
    SQLImportKeys,
    apply_migration,
    check_schema_version,
    check_store_exists,
    indexed_values,
    missing_migrations,
    outbox_values,
)

from ._access import PgAccessLog, access_statements
from ._commit import PgStatements, Step, apply_plan
from ._documents import PgDocuments
from ._heartbeats import PgHeartbeats, heartbeat_statements
from ._retry import (
    Attempt,
    Connection,
    Retry,
    first_line,
    retryable,
    storage_error,
    transaction,
    translated,
)
from ._schemes import SCHEMES
from ._tables import PgTables
from ._url import check_option, is_text, parse_url, redact

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SCHEMES", "Migration", "PostgresStorage"]

logger = logging.getLogger("dialogue_flow.postgres")

_T = TypeVar("_T")
_R = TypeVar("_R", Dialogue, Submission, Organisation, ReceptionDay)

#: The first key of the advisory lock taken while migrating ("dflw"); the second is a hash
#: of the schema name, so stores in different schemas migrate independently.
_LOCK_CLASS: Final = 0x64666C77
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
class PostgresStorage(PgDocuments,
                      PgTables, PgAccessLog, SQLAttachments, PgHeartbeats, SQLImportKeys):
    """A ``dialogue_flow`` :class:`~dialogue_flow.Storage` in a PostgreSQL database.

    ``PostgresStorage("postgresql://user@host/db")`` connects, creates or migrates the
    tables, and keeps a pool of connections shared by the threads of the process.
    :meth:`from_url` also reads the options below from the URL's query. Close it with
    :meth:`close` or use it as a context manager.

    :param conninfo: a libpq connection string or ``postgresql://`` URL.
    :param schema: the PostgreSQL schema holding the tables (created if missing).
    :param pool_min_size: connections kept open.
    :param pool_max_size: the most connections opened at once.
    :param pool_timeout: seconds to wait for a free connection (or the first connection).
    :param retries: how many times a transient failure is retried (0: never).
    :param retry_delay: seconds before the first retry; doubled for each further one.
    :param create: create the tables when the schema holds none (the default); ``False``
        refuses with :class:`ConfigurationError` instead, as every ``dialogue-flow``
        command but ``init`` does (a mistyped schema or database is not a new store).
    """

    def __init__(self, conninfo: str, *, schema: str = "public", pool_min_size: int = 1,
                 pool_max_size: int = 10, pool_timeout: float = 10.0, retries: int = 4,
                 retry_delay: float = 0.05, create: bool = True) -> None:
        if not is_text(conninfo):
            raise ConfigurationError(f"expected a PostgreSQL URL or conninfo string, "
                                     f"got {conninfo!r}")
        if not is_text(schema) or not _SCHEMA_NAME.fullmatch(schema):
            raise ConfigurationError(f"schema: expected a plain identifier (letters, digits, "
                                     f"_; at most 63), got {schema!r}")
        check_option("pool_min_size", pool_min_size, int, 0, 1000)
        check_option("pool_max_size", pool_max_size, int, max(1, pool_min_size), 1000)
        check_option("pool_timeout", pool_timeout, (int, float), 0.001, 3600)
        check_option("retries", retries, int, 0, 100)
        check_option("retry_delay", retry_delay, (int, float), 0, 60)
        if not isinstance(create, bool):
            raise ConfigurationError(f"create: expected True or False, got {create!r}")
        try:
            params = conninfo_to_dict(conninfo)
        except psycopg.Error as exc:
            raise ConfigurationError(f"bad PostgreSQL connection string "
                                     f"{redact(conninfo)!r}: {exc}") from None
        defaults = {name: value for name, value in (("connect_timeout", 10),
                                                     ("application_name", "dialogue_flow"))
                    if name not in params}
        conninfo = make_conninfo(conninfo, **defaults)
        self.schema = schema
        self.retries = retries
        self.retry_delay = float(retry_delay)
        #: Transient failures retried so far (for monitoring and tests).
        self.retried = 0
        self._where = redact(conninfo)
        self._lock = threading.Lock()
        self._sql = PgStatements(f'"{schema}"')
        self._attachment_sql = AttachmentStatements(POSTGRESQL, f'"{schema}".')
        self._import_sql = ImportKeyStatements(POSTGRESQL, f'"{schema}".')
        self._access = access_statements(f'"{schema}"')
        self._heartbeat_sql = heartbeat_statements(f'"{schema}"')
        # One direct connection first: its error says why (refused, bad password, no such
        # database) where a pool would only time out.
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                _migrate(conn, schema, self._where, create=create)
        except psycopg.Error as exc:
            raise StorageError(f"cannot open PostgreSQL storage at {self._where}: "
                               f"{first_line(exc)}") from exc
        pool: ConnectionPool[Connection] = ConnectionPool(
            conninfo, kwargs={"autocommit": True}, min_size=pool_min_size,
            max_size=pool_max_size, timeout=pool_timeout, open=False,
            name=f"dialogue_flow:{schema}")
        try:
            pool.open(wait=True, timeout=pool_timeout)
        except PoolTimeout as exc:
            pool.close()
            raise StorageError(f"cannot open PostgreSQL storage at {self._where}: no "
                               f"connection within {pool_timeout} s") from exc
        self._pool: ConnectionPool[Connection] | None = pool

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Self:
        """Open ``postgresql://user:password@host:port/dbname?...`` (or ``postgres://``).

        Query parameters ``schema``, ``pool_min_size``, ``pool_max_size``,
        ``pool_timeout``, ``retries`` and ``retry_delay`` set the options of the same name;
        every other parameter (``sslmode``, ``connect_timeout``, ``application_name``...)
        goes to libpq. Keyword ``options`` win over the URL's.
        """
        conninfo, params = parse_url(url)
        return cls(conninfo, **{**params, **options})

    def __repr__(self) -> str:
        return f"PostgresStorage({self._where!r}, schema={self.schema!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- records ---------------------------------------------------------------------------

    def get_dialogue(self, dialogue_id: str) -> Dialogue:
        return self._get(Dialogue, dialogue_id)

    def get_submission(self, submission_id: str) -> Submission:
        return self._get(Submission, submission_id)

    def get_submission_by_code(self, tracking_code: str) -> Submission:
        rows = self._read("get submission", self._sql.shared.by_code, (tracking_code,))
        if not rows:
            raise NotFoundError(Submission.KIND, tracking_code)
        return decode_stored(Submission, rows[0][1], rows[0][0])

    def get_organisation(self, organisation_id: str) -> Organisation:
        return self._get(Organisation, organisation_id)

    def get_reception_day(self, reception_id: str) -> ReceptionDay:
        return self._get(ReceptionDay, reception_id)

    def find_organisations(self) -> list[Organisation]:
        rows = self._read("organisations", self._sql.shared.organisations, ())
        return [decode_stored(Organisation, text, organisation_id)
                for organisation_id, text in rows]

    def organisation_subtree(self, root: str) -> frozenset[str]:
        rows = self._read("organisations", self._sql.shared.organisation_subtree, (root,))
        return frozenset(org_id for (org_id,) in rows)

    def _get(self, cls: type[_R], record_id: str) -> _R:
        rows = self._read(f"get {cls.KIND}", self._sql.get[cls.KIND], (record_id,))
        if not rows:
            raise NotFoundError(cls.KIND, record_id)
        return decode_stored(cls, rows[0][0], record_id)

    def commit(self, changes: Changeset) -> int:
        if not isinstance(changes, Changeset):
            raise InvalidInputError("changes", f"expected a Changeset, got {changes!r}")
        # Serialise before the transaction: shorter transactions, nothing to undo on failure.
        # Every step names the row it locks; sorted by (kind, id, order) a dialogue's
        # exclusive lock for a count (order 0) comes before its shared lock for a version
        # guard (1) and its write (2), so our commits lock rows in one global order.
        plan: list[Step] = [
            Step(Dialogue.KIND, guard.dialogue_id, 0, guard, "", (), 0)
            for guard in changes.counts]
        plan += [Step(kind, record_id, 1, None, "", (), expected)
                 for kind, record_id, expected in changes.guards]
        plan += [Step(record.KIND, record.id, 2, record, to_json(record),
                       indexed_values(record, POSTGRESQL), expected)
                 for record, expected in changes.records]
        plan.sort(key=lambda step: (step.kind, step.record_id, step.order))
        transitions = [(row.kind, row.record_id, row.version, to_json(row))
                       for row in changes.transitions]
        notes = [outbox_values(note, POSTGRESQL) for note in changes.notifications]
        sql = self._sql
        keys = changes.import_keys

        def work(conn: Connection, attempt: Attempt) -> int:
            with transaction(conn, attempt), conn.cursor() as cur:
                return apply_plan(cur, sql, plan, transitions, notes, keys)

        # A commit is repeated only when its attempt certainly did not commit (module
        # doc), so the count is that of the attempt that did.
        return self._run("commit", work)

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        rows = self._read("history", self._sql.history, (kind, record_id))
        return [decode_stored(TransitionRecord, text) for (text,) in rows]

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        return decode_page(Submission, query, lambda page: self._read(
            "query", *self._sql.shared.find_submissions(page)))

    def count_submissions(self, query: SubmissionQuery) -> int:
        rows = self._read("query", *self._sql.shared.count_query(query))
        return int(rows[0][0])

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        return decode_page(Dialogue, query, lambda page: self._read(
            "query", *self._sql.shared.find_dialogues(page)))

    def find_reception_days(self, query: ReceptionQuery) -> list[ReceptionDay]:
        return decode_page(ReceptionDay, query, lambda page: self._read(
            "query", *self._sql.shared.find_reception_days(page)))

    # --- report facts (dialogue_flow.storage.ReportFacts) ------------------------------------

    def report_facts(self, start: dt.date, end: dt.date) -> Iterator[SubmissionFacts]:
        """Report facts from the covering index, page by page."""
        return self._sql.shared.report_facts(self._fetch, start, end)

    def due_facts(self, start: dt.date, end: dt.date,
                  organisations: frozenset[str] | None = None) -> Iterator[SubmissionFacts]:
        """The sweep's matters from the covering index, page by page."""
        return self._sql.shared.due_facts_of(self._fetch, start, end, organisations)

    def report_inputs(self, start: dt.date, end: dt.date,
                      organisations: frozenset[str] | None = None) -> ReportInputs:
        """The report's aggregates by GROUP BY over the covering index."""
        return self._sql.shared.read_report_inputs(self._fetch, start, end, organisations)

    # --- outbox ----------------------------------------------------------------------------

    def pending_notifications(self) -> list[Notification]:
        rows = self._read("outbox read", self._sql.shared.pending, ())
        return [decode_stored(Notification, text) for (text,) in rows]

    def claim_notifications(self, worker: str, now: dt.datetime, lease: dt.timedelta,
                            limit: int = 100, organisations: frozenset[str] | None = None,
                            ) -> list[OutboxEntry]:
        check_claim(worker, now, lease, limit)
        until = now + lease
        statement = self._sql.claim

        def work(conn: Connection, attempt: Attempt) -> list[Any]:
            attempt.committing = True  # autocommit: the statement is its own transaction
            orgs = None if organisations is None else sorted(organisations)
            return conn.execute(statement, {"now": now, "until": until, "worker": worker,
                                            "limit": limit, "orgs": orgs}).fetchall()

        rows = sorted(self._run("claim", work, resumable=True))
        return [
            OutboxEntry(
                notification=decode_stored(Notification, text), status=OutboxStatus.PENDING,
                attempts=attempts, next_attempt_at=next_at, lease_owner=worker,
                lease_until=lease_until, last_error=last_error)
            for _seq, attempts, next_at, lease_until, last_error, text in rows
        ]

    def mark_delivered(self, key: str, worker: str, *,
                       status: OutboxStatus = OutboxStatus.DELIVERED,
                       deliveries: Sequence[Delivery] = ()) -> bool:
        status, done = check_settled(status, deliveries)
        return self._settle(
            key, worker, "status = 'delivered', outcome = %s, deliveries = %s, "
            "lease_until = NULL", (status.value, encode_deliveries(done)),
            "status = 'delivered' AND lease_owner = %s AND outcome = %s",
            (worker, status.value))

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        check_retry(error, retry_at)
        if retry_at is None:
            return self._settle(
                key, worker, "status = 'parked', lease_until = NULL, last_error = %s", (error,),
                "status = 'parked' AND lease_owner = %s AND last_error = %s", (worker, error))
        return self._settle(
            key, worker, "next_attempt_at = %s, lease_owner = NULL, lease_until = NULL, "
            "last_error = %s", (retry_at, error),
            "status = 'pending' AND lease_owner IS NULL AND next_attempt_at = %s "
            "AND last_error = %s", (retry_at, error))

    def outbox_stats(self, organisations: frozenset[str] | None = None) -> dict[str, int]:
        stats = dict.fromkeys((s.value for s in OutboxStatus), 0)
        for status, count in self._read("outbox stats",
                                        *self._sql.shared.outbox_stats(organisations)):
            stats[status] = count
        return stats

    def parked_notifications(self, limit: int = 100,
                             organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        check_limit(limit)
        rows = self._read("outbox read", *self._sql.shared.parked(limit, organisations))
        return [
            OutboxEntry(notification=decode_stored(Notification, text),
                        status=OutboxStatus.PARKED, attempts=attempts, next_attempt_at=next_at,
                        lease_owner=owner, last_error=last_error)
            for attempts, next_at, owner, last_error, text in rows
        ]

    def outbox_entries(self, status: OutboxStatus, limit: int = 100,
                       organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        wanted = check_status(status)
        check_limit(limit)
        rows = self._read("outbox read",
                          *self._sql.shared.outbox_entries(wanted, limit, organisations))
        return [
            OutboxEntry(notification=decode_stored(Notification, text), status=wanted,
                        attempts=attempts, next_attempt_at=next_at, lease_owner=owner,
                        lease_until=until, last_error=last_error,
                        deliveries=decode_deliveries(deliveries))
            for attempts, next_at, owner, until, last_error, deliveries, text in rows
        ]

    def requeue(self, key: str) -> bool:
        statement = self._sql.requeue

        def work(conn: Connection, attempt: Attempt) -> bool | None:
            attempt.committing = True  # autocommit: the statement is its own transaction
            row = conn.execute(statement, {"key": key}).fetchone()
            return None if row is None else bool(row[0])

        # Repeating it is harmless: a row requeued by a lost attempt is pending, and the
        # repeat reports False as for any row that is not parked.
        requeued = self._run("outbox update", work, resumable=True)
        if requeued is None:
            raise NotFoundError("notification", key)
        return requeued

    def close(self) -> None:
        """Close every pooled connection (idempotent); the object is unusable afterwards."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # --- internals -------------------------------------------------------------------------

    def _run(self, what: str, work: Callable[[Connection, Attempt], _T], *,
             resumable: bool = False) -> _T:
        """Run ``work`` on a pooled connection, retrying transient failures (module doc).

        ``resumable``: ``work`` may be repeated after an attempt whose outcome is unknown
        (it is told so through ``Attempt.maybe_applied``).
        """
        failures = 0
        maybe_applied = False
        while True:
            pool = self._pool
            if pool is None:
                raise StorageError(f"{self!r} is closed")
            attempt = Attempt(maybe_applied=maybe_applied)
            try:
                with translated(), pool.connection() as conn:
                    return work(conn, attempt)
            except Retry as retry:
                exc = retry.error
                if failures >= self.retries or not retryable(exc, attempt, resumable):
                    raise storage_error(what, exc, attempt) from exc
            failures += 1
            maybe_applied = maybe_applied or attempt.committing
            with self._lock:
                self.retried += 1
            delay = min(self.retry_delay * 2 ** (failures - 1), 1.0) * random.uniform(0.5, 1.5)  # noqa: S311 - jitter
            logger.warning("PostgreSQL %s failed (%s: %s); retry %d of %d in %.0f ms",
                           what, type(exc).__name__, first_line(exc), failures, self.retries,
                           delay * 1000)
            if isinstance(exc, psycopg.OperationalError):
                with suppress(psycopg.Error):
                    pool.check()  # drop the other dead connections a killed server left
            time.sleep(delay)

    def _read(self, what: str, statement: str, params: Sequence[object]) -> list[Any]:
        def work(conn: Connection, _attempt: Attempt) -> list[Any]:
            return conn.execute(statement, params).fetchall()
        return self._run(what, work)

    def _fetch(self, statement: str, params: Sequence[object]) -> list[Any]:
        return self._read("report query", statement, params)

    def _attachment_rows(self, statement: str, params: Sequence[object]) -> list[Any]:
        return self._read("attachments", statement, params)

    def _import_rows(self, statement: str, params: Sequence[object]) -> list[Any]:
        return self._read("import keys", statement, params)

    def _settle(self, key: str, worker: str, assignments: str, params: tuple[object, ...],
                applied: str, applied_params: tuple[object, ...]) -> bool:
        """Finish an attempt if ``worker`` still holds ``key``'s lease (one statement).

        ``applied`` recognises the row as this very call would have left it: when an
        earlier try of this call may have been applied, that answers ``True``.
        """
        schema = self._sql.schema

        def work(conn: Connection, attempt: Attempt) -> bool:
            attempt.committing = True  # autocommit: the UPDATE commits by itself
            done = conn.execute(
                f"UPDATE {schema}.outbox SET {assignments} "  # noqa: S608 - fixed fragments
                "WHERE key = %s AND status = 'pending' AND lease_owner = %s",
                (*params, key, worker)).rowcount
            if done:
                return True
            attempt.committing = False  # the rest only reads
            row = conn.execute(
                f"SELECT {applied} FROM {schema}.outbox WHERE key = %s",  # noqa: S608
                (*applied_params, key)).fetchone()
            if row is None:
                raise NotFoundError("notification", key)
            return bool(attempt.maybe_applied and row[0])

        return self._run("outbox update", work, resumable=True)


# --- schema -----------------------------------------------------------------------------------


def _migrate(conn: Connection, schema: str, where: str, *, create: bool) -> None:
    """Bring ``schema`` to the shared :data:`SCHEMA_VERSION`, or refuse a newer one (or,
    unless ``create``, a schema without any)."""
    (encoding,) = conn.execute("SHOW server_encoding").fetchone() or ("?",)
    if encoding != "UTF8":
        raise ConfigurationError(f"PostgreSQL database at {where} uses encoding {encoding}; "
                                 "dialogue_flow needs UTF8 (Vietnamese text)")
    described = f"PostgreSQL schema {schema!r} at {where}"
    found = _schema_version(conn, schema)
    check_store_exists(found, described, create=create)
    if not missing_migrations(found):
        check_schema_version(found, described)
        return  # the common case: no lock needed to open
    quoted = f'"{schema}"'
    with conn.transaction():
        # Serialise concurrent first opens; released at the end of this transaction.
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_CLASS, _lock_key(schema)))
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                        (schema,)).fetchone() is None:
            conn.execute(f"CREATE SCHEMA {quoted}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {quoted}.schema_version ("
                     "version integer PRIMARY KEY, description text NOT NULL, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        for step in missing_migrations(_schema_version(conn, schema)):
            with conn.cursor() as many:
                apply_migration(step, POSTGRESQL, conn.execute, many.executemany,
                                prefix=f"{quoted}.")
            conn.execute(f"INSERT INTO {quoted}.schema_version (version, description) "  # noqa: S608
                         "VALUES (%s, %s)", (step.version, step.description))


def _schema_version(conn: Connection, schema: str) -> int:
    row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".schema_version',)).fetchone()
    if row is None or row[0] is None:
        return 0
    found = conn.execute(
        f'SELECT coalesce(max(version), 0) FROM "{schema}".schema_version').fetchone()  # noqa: S608
    return int(found[0]) if found else 0


def _lock_key(schema: str) -> int:
    """A signed 32-bit hash of the schema name (the advisory lock's second key)."""
    value = zlib.crc32(schema.encode())
    return value - 2**32 if value >= 2**31 else value


