"""The embedded default backend: one SQLite file, through the standard library's ``sqlite3``.

The tables, migrations and most statements are the shared ones of
:mod:`dialogue_flow.storage.sql`; this module keeps what is SQLite's own: the connection,
transactions, locking and the outbox claim. How it keeps the
:class:`~dialogue_flow.storage.Storage` promises:

- **Atomic commits.** Each :meth:`SQLiteStorage.commit` is one ``BEGIN IMMEDIATE`` ...
  ``COMMIT``: guards are checked, each record is written by compare-and-set
  (``UPDATE ... WHERE id = ? AND version = ?``, whose row count is the check; ``INSERT``
  for a new record, where an existing id is a conflict too), then the audit-trail and
  outbox rows are inserted. Any failure rolls the whole transaction back and raises
  :class:`VersionConflictError` (a stale version) or :class:`StorageError` (SQLite failed;
  the ``sqlite3`` error is its ``__cause__``). ``BEGIN IMMEDIATE`` takes the write lock up
  front, so two writers queue on the busy timeout instead of failing half-way with
  "database is locked".
- **Several processes** may open the same file: SQLite's file locking serialises writers,
  WAL lets readers run beside a writer, and compare-and-set turns a lost race into a
  conflict. Outbox claims run in the same kind of transaction, so two dispatchers never
  lease the same row. (WAL needs a local file system; not a network share.)
- **Threads**: one connection per :class:`SQLiteStorage`, opened with
  ``check_same_thread=False`` and guarded by a re-entrant lock held for every statement, so
  one object may be shared by the threads of a process (commands then run one at a time,
  which is SQLite's model for writers anyway). Readers in other processes are not blocked.
- **Durability**: ``synchronous=FULL`` by default: a committed command survives a power
  cut. ``synchronous="normal"`` is safe against crashes of the application or of the
  process (the database never corrupts and what was committed stays committed), but the
  last transactions before a power cut or OS crash may be lost; it roughly doubles the
  rate of committed commands on disks with slow ``fsync``. See ``benchmarks/storage.py``,
  which prints the disk's own sync rate beside them: with FULL every commit waits for one
  ``fdatasync`` of the WAL, so no setting here beats that rate.
- **Checkpoints**: SQLite's own, run by the commit that leaves more than
  ``WAL_AUTOCHECKPOINT`` (4000) pages in the WAL; ``PRAGMA journal_size_limit``
  (:data:`JOURNAL_SIZE_LIMIT`, 64 MiB) cuts back a WAL file that one large transaction (a
  sweep, a migration) grew, when it is next reset. ``checkpoint="background"`` moves them
  to a thread (:mod:`dialogue_flow.storage._checkpoint`), which only helps with
  ``synchronous="normal"``.
- **Schema versioning**: the ``schema_version`` table lists the applied
  :data:`~dialogue_flow.storage.sql.MIGRATIONS`; opening a database applies the missing ones
  in one transaction (idempotent, safe when several processes open a fresh file at once)
  and refuses a database written by a newer release with :class:`ConfigurationError`.

Dates are ISO text (which sorts chronologically) and outbox instants integer microseconds
since the Unix epoch (so instants in different offsets compare correctly). Requires SQLite
3.24 or later (``INSERT ... ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Final, Literal, Self, TypeVar

from dialogue_flow._errors import (
    ConcurrentChangeError,
    ConfigurationError,
    DialogueFlowError,
    InvalidInputError,
    NotFoundError,
    StorageError,
    VersionConflictError,
)
from dialogue_flow._reception_records import ReceptionDay
from dialogue_flow._records import (
    Dialogue,
    Notification,
    Organisation,
    Submission,
    TransitionRecord,
)
from dialogue_flow._serialization import to_json
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
from dialogue_flow.storage._attachment_sql import SQLiteAttachments
from dialogue_flow.storage._checkpoint import WAL_AUTOCHECKPOINT, WAL_BACKSTOP, Checkpointer
from dialogue_flow.storage._document_sql import SQLiteDocuments
from dialogue_flow.storage._import_sql import SQLiteImportKeys, insert_sqlite_keys
from dialogue_flow.storage._sqlite_access import SQLiteAccessLog, instant, micros
from dialogue_flow.storage._sqlite_heartbeats import SQLiteHeartbeats
from dialogue_flow.storage._sqlite_records import record_write, write_records
from dialogue_flow.storage._sqlite_tables import SQLiteTables
from dialogue_flow.storage._sqlite_url import parse_url
from dialogue_flow.storage.sql import (
    SQLITE,
    Statements,
    apply_migration,
    check_schema_version,
    check_store_exists,
    missing_migrations,
    outbox_values,
)

__all__ = ["SQLiteStorage"]

_T = TypeVar("_T")
_R = TypeVar("_R", Dialogue, Submission, Organisation, ReceptionDay)

Synchronous = Literal["full", "normal"]
Checkpoint = Literal["background", "inline"]

#: Oldest SQLite with everything used here (upsert ``ON CONFLICT ... DO NOTHING``).
MIN_SQLITE = (3, 24, 0)
#: Bytes a WAL file is cut back to when it is reset after a checkpoint: only a WAL that one
#: large transaction (a sweep, a migration) grew past the usual size is shortened, so
#: ordinary commits keep overwriting blocks the file already has.
JOURNAL_SIZE_LIMIT: Final = 64 * 1024 * 1024

_SQL = Statements(SQLITE)
_DELIVERABLE = ("status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                "AND (lease_until IS NULL OR lease_until <= ?)")


class SQLiteStorage(SQLiteDocuments,
                    SQLiteTables, SQLiteAccessLog, SQLiteAttachments, SQLiteHeartbeats,
                    SQLiteImportKeys):
    """A :class:`~dialogue_flow.storage.Storage` in one SQLite database file.

    ``SQLiteStorage("data/dialogues.db")`` opens (creating and migrating if needed) a file;
    ``SQLiteStorage(":memory:")`` a private in-memory database (it lives and dies with this
    object: in-memory databases are per connection). :meth:`from_url` does the same from a
    storage URL. Close it with :meth:`close` or use it as a context manager.

    :param busy_timeout: seconds a writer waits for another process's write lock before
        giving up with :class:`StorageError`.
    :param synchronous: ``"full"`` (durable across power loss) or ``"normal"`` (durable
        across application crashes only; faster). See the module docstring.
    :param checkpoint: ``"inline"`` (commits copy the WAL into the database, SQLite's way)
        or ``"background"`` (a thread with its own connection does it beside the commits;
        see :mod:`dialogue_flow.storage._checkpoint`). Only files have a WAL.
    :param create: create the file and its schema when there is none (the default);
        ``False`` refuses with :class:`ConfigurationError` instead, as every
        ``dialogue-flow`` command but ``init`` and ``demo`` does.
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *,
                 busy_timeout: float = 5.0, synchronous: Synchronous = "full",
                 checkpoint: Checkpoint = "inline", create: bool = True) -> None:
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise ConfigurationError(
                f"SQLite {sqlite3.sqlite_version} is too old for dialogue_flow; "
                f"{'.'.join(map(str, MIN_SQLITE))} or later is needed")
        if not _seconds(busy_timeout):
            raise ConfigurationError(f"busy_timeout: expected seconds in 0..3600, got "
                                     f"{busy_timeout!r}")
        if synchronous not in ("full", "normal"):
            raise ConfigurationError(f"synchronous: expected 'full' or 'normal', got "
                                     f"{synchronous!r}")
        if checkpoint not in ("background", "inline"):
            raise ConfigurationError(f"checkpoint: expected 'background' or 'inline', got "
                                     f"{checkpoint!r}")
        if not isinstance(create, bool):
            raise ConfigurationError(f"create: expected True or False, got {create!r}")
        self.path = os.fspath(path)
        in_memory = self.path in ("", ":memory:")  # always new: nothing to mistype
        if not create and not in_memory and not Path(self.path).exists():
            raise ConfigurationError(
                f"no SQLite database at {self.path!r}: create it with `dialogue-flow init "
                "--db sqlite:///PATH` (DialogueFlow.open(url, create=True) in code), or "
                "check the path")
        self.busy_timeout = float(busy_timeout)
        self.synchronous: Synchronous = synchronous
        self.checkpoint: Checkpoint = checkpoint
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open SQLite database {self.path!r}: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            # Switching a fresh file to WAL takes an exclusive lock and SQLite answers BUSY
            # at once, without the busy handler, when other processes open it at the same
            # moment: retry until the busy timeout like every other lock wait.
            #: "wal" for a file; "memory" for an in-memory database.
            self.journal_mode: str = _when_not_busy(
                lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0],
                self.busy_timeout)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            background = checkpoint == "background" and self.journal_mode == "wal" \
                and self.path not in ("", ":memory:")
            conn.execute("PRAGMA wal_autocheckpoint = "
                         f"{WAL_BACKSTOP if background else WAL_AUTOCHECKPOINT}")
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
            _when_not_busy(lambda: _migrate(conn, self.path, create=create or in_memory),
                           self.busy_timeout)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StorageError(
                    f"cannot open SQLite database {self.path!r}: {exc}") from exc
            raise
        self._conn: sqlite3.Connection | None = conn
        self._checkpointer = Checkpointer(self.path, synchronous, self.busy_timeout,
                                          self._lock) if background else None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Self:
        """Open ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or
        ``sqlite://`` (in memory).

        Query parameters set the options: ``?busy_timeout=10&synchronous=normal``.
        Keyword ``options`` win over the URL's.
        """
        path, params = parse_url(url)
        return cls(path, **{**params, **options})

    def __repr__(self) -> str:
        return f"SQLiteStorage({self.path!r})"

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
        rows = self._query(_SQL.by_code, (tracking_code,))
        if not rows:
            raise NotFoundError(Submission.KIND, tracking_code)
        return decode_stored(Submission, rows[0][1], rows[0][0])

    def get_organisation(self, organisation_id: str) -> Organisation:
        return self._get(Organisation, organisation_id)

    def get_reception_day(self, reception_id: str) -> ReceptionDay:
        return self._get(ReceptionDay, reception_id)

    def find_organisations(self) -> list[Organisation]:
        return [decode_stored(Organisation, text, organisation_id)
                for organisation_id, text in self._query(_SQL.organisations, ())]

    def organisation_subtree(self, root: str) -> frozenset[str]:
        return frozenset(org_id for (org_id,) in self._query(_SQL.organisation_subtree, (root,)))

    def _get(self, cls: type[_R], record_id: str) -> _R:
        rows = self._query(_SQL.get[cls.KIND], (record_id,))
        if not rows:
            raise NotFoundError(cls.KIND, record_id)
        return decode_stored(cls, rows[0][0], record_id)

    def commit(self, changes: Changeset) -> int:
        if not isinstance(changes, Changeset):
            raise InvalidInputError("changes", f"expected a Changeset, got {changes!r}")
        # Serialise before taking the write lock: shorter transactions, and nothing to undo
        # if a record cannot be turned into JSON.
        writes = [record_write(record, expected) for record, expected in changes.records]
        transitions = [(row.kind, row.record_id, row.version, to_json(row))
                       for row in changes.transitions]
        notes = [outbox_values(note, SQLITE) for note in changes.notifications]
        with self._transaction("commit") as conn:
            for kind, record_id, expected in changes.guards:
                current = conn.execute(_SQL.version_of[kind], (record_id,)).fetchone()
                actual = None if current is None else current[0]
                if actual != expected:
                    raise VersionConflictError(kind, record_id, expected, actual)
            for guard in changes.counts:  # BEGIN IMMEDIATE: no other writer meanwhile
                (found,) = conn.execute(*_SQL.count_guard(guard)).fetchone()
                if not guard.admits(found):
                    raise ConcurrentChangeError(guard.dialogue_id, found, guard.at_least,
                                                guard.at_most)
            write_records(conn, writes)
            if transitions:
                try:
                    conn.executemany(_SQL.insert_transition, transitions)
                except sqlite3.IntegrityError as exc:
                    raise StorageError(
                        f"the audit trail already has one of these rows ({exc}); "
                        "nothing was written") from exc
            if changes.import_keys:
                insert_sqlite_keys(conn, changes.import_keys)
            # For executemany of a DML statement, rowcount is the sum of the rows each
            # execution changed: a key already there is skipped and counts 0.
            return conn.executemany(_SQL.insert_outbox, notes).rowcount if notes else 0

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        rows = self._query(_SQL.history, (kind, record_id))
        return [decode_stored(TransitionRecord, text) for (text,) in rows]

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        return decode_page(Submission, query,
                           lambda page: self._query(*_SQL.find_submissions(page)))

    def count_submissions(self, query: SubmissionQuery) -> int:
        (count,) = self._query(*_SQL.count_query(query))[0]
        return int(count)

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        return decode_page(Dialogue, query,
                           lambda page: self._query(*_SQL.find_dialogues(page)))

    def find_reception_days(self, query: ReceptionQuery) -> list[ReceptionDay]:
        return decode_page(ReceptionDay, query,
                           lambda page: self._query(*_SQL.find_reception_days(page)))

    # --- report facts (dialogue_flow.storage.ReportFacts) ------------------------------------

    def report_facts(self, start: dt.date, end: dt.date) -> Iterator[SubmissionFacts]:
        """Report facts from a covering index, page by page."""
        return _SQL.report_facts(self._query, start, end)

    def due_facts(self, start: dt.date, end: dt.date,
                  organisations: frozenset[str] | None = None) -> Iterator[SubmissionFacts]:
        """The sweep's matters from a covering index, page by page."""
        return _SQL.due_facts_of(self._query, start, end, organisations)

    def report_inputs(self, start: dt.date, end: dt.date,
                      organisations: frozenset[str] | None = None) -> ReportInputs:
        """The report's aggregates by GROUP BY over the covering index."""
        return _SQL.read_report_inputs(self._query, start, end, organisations)

    # --- outbox ----------------------------------------------------------------------------

    def pending_notifications(self) -> list[Notification]:
        return [decode_stored(Notification, text) for (text,) in self._query(_SQL.pending, ())]

    def claim_notifications(self, worker: str, now: dt.datetime, lease: dt.timedelta,
                            limit: int = 100, organisations: frozenset[str] | None = None,
                            ) -> list[OutboxEntry]:
        check_claim(worker, now, lease, limit)
        at, until = micros(now), micros(now + lease)
        scope: list[str] = []
        orgs: list[object] = []
        _SQL.organisations_filter(organisations, scope, orgs)
        where = " AND ".join([_DELIVERABLE, *scope])
        select = (f"SELECT seq, attempts, next_attempt_at, last_error, notification "  # noqa: S608
                  f"FROM outbox WHERE {where} ORDER BY seq LIMIT ?")
        # A dispatcher polls: look without the write lock first, so an idle poll costs a read.
        if not self._query(select, (at, at, *orgs, 1)):
            return []
        with self._transaction("claim") as conn:
            rows = conn.execute(select, (at, at, *orgs, limit)).fetchall()
            conn.executemany(
                "UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 "
                "WHERE seq = ?", [(worker, until, seq) for seq, *_ in rows])
        return [
            OutboxEntry(
                notification=decode_stored(Notification, text), status=OutboxStatus.PENDING,
                attempts=attempts + 1, next_attempt_at=_instant(next_at),
                lease_owner=worker, lease_until=_instant(until), last_error=last_error)
            for _seq, attempts, next_at, last_error, text in rows
        ]

    def parked_notifications(self, limit: int = 100,
                             organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        check_limit(limit)
        rows = self._query(*_SQL.parked(limit, organisations))
        return [
            OutboxEntry(notification=decode_stored(Notification, text),
                        status=OutboxStatus.PARKED, attempts=attempts,
                        next_attempt_at=_instant(next_at), lease_owner=owner,
                        last_error=last_error)
            for attempts, next_at, owner, last_error, text in rows
        ]

    def outbox_entries(self, status: OutboxStatus, limit: int = 100,
                       organisations: frozenset[str] | None = None) -> list[OutboxEntry]:
        wanted = check_status(status)
        check_limit(limit)
        rows = self._query(*_SQL.outbox_entries(wanted, limit, organisations))
        return [
            OutboxEntry(notification=decode_stored(Notification, text), status=wanted,
                        attempts=attempts, next_attempt_at=_instant(next_at),
                        lease_owner=owner, lease_until=_instant(until), last_error=last_error,
                        deliveries=decode_deliveries(deliveries))
            for attempts, next_at, owner, until, last_error, deliveries, text in rows
        ]

    def requeue(self, key: str) -> bool:
        with self._transaction("requeue") as conn:
            found = conn.execute(_SQL.outbox_status, (key,)).fetchone()
            if found is None:
                raise NotFoundError("notification", key)
            if found[0] != OutboxStatus.PARKED.value:
                return False
            conn.execute("UPDATE outbox SET status = 'pending', attempts = 0, "
                         "next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL "
                         "WHERE key = ?", (key,))
            return True

    def mark_delivered(self, key: str, worker: str, *,
                       status: OutboxStatus = OutboxStatus.DELIVERED,
                       deliveries: Sequence[Delivery] = ()) -> bool:
        status, done = check_settled(status, deliveries)
        return self._settle(key, worker, "status = 'delivered', outcome = ?, deliveries = ?, "
                            "lease_until = NULL", (status.value, encode_deliveries(done)))

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        check_retry(error, retry_at)
        if retry_at is None:
            return self._settle(key, worker,
                                "status = 'parked', lease_until = NULL, last_error = ?", (error,))
        return self._settle(
            key, worker, "next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, "
            "last_error = ?", (micros(retry_at), error))

    def outbox_stats(self, organisations: frozenset[str] | None = None) -> dict[str, int]:
        stats = dict.fromkeys((s.value for s in OutboxStatus), 0)
        for status, count in self._query(*_SQL.outbox_stats(organisations)):
            stats[status] = count
        return stats

    def close(self) -> None:
        """Stop the checkpointer thread if there is one, then close the connection
        (idempotent); the object is unusable afterwards."""
        # Not under the lock: the thread takes it for the end of a round.
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            try:
                conn.execute("PRAGMA optimize")  # keeps the planner's statistics useful
            except sqlite3.Error:
                pass  # advisory only; closing matters more
            finally:
                conn.close()

    # --- internals -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"{self!r} is closed")
        return self._conn

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        """Run one read statement (or one autocommit write) under the lock."""
        with self._lock, _translated("query"):
            return self._connection().execute(sql, params).fetchall()

    @contextmanager
    def _transaction(self, what: str) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; on any exception, roll back and re-raise it
        (an ``sqlite3`` error as :class:`StorageError`)."""
        with self._lock, _translated(what):
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
            self._committed()

    def _committed(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.committed()

    def _settle(self, key: str, worker: str, assignments: str,
                params: tuple[object, ...]) -> bool:
        """Finish an attempt if ``worker`` still holds ``key``'s lease (one statement)."""
        with self._lock, _translated("outbox update"):
            conn = self._connection()
            done = conn.execute(
                f"UPDATE outbox SET {assignments} "  # noqa: S608 - fixed fragments only
                "WHERE key = ? AND status = 'pending' AND lease_owner = ?",
                (*params, key, worker)).rowcount
            if done:
                self._committed()
                return True
            if conn.execute(_SQL.outbox_status, (key,)).fetchone() is None:
                raise NotFoundError("notification", key)
            return False


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn driver errors into ours, chained: no raw ``sqlite3`` traceback reaches a host."""
    try:
        yield
    except DialogueFlowError:
        raise
    except sqlite3.Error as exc:
        raise StorageError(f"SQLite {what} failed: {exc}; nothing was written") from exc
    except UnicodeEncodeError as exc:  # a lone surrogate cannot be stored as UTF-8
        raise InvalidInputError("text", f"not valid Unicode text ({exc.reason}); "
                                "nothing was written") from exc


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite rolls back by itself after some errors (disk full, I/O); don't fail twice.
    if conn.in_transaction:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _when_not_busy(action: Callable[[], _T], timeout: float) -> _T:
    """Run ``action``, retrying while SQLite reports the database locked, up to ``timeout``."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _migrate(conn: sqlite3.Connection, path: str, *, create: bool) -> None:
    """Bring the schema to the shared :data:`~dialogue_flow.storage.sql.SCHEMA_VERSION`, or
    refuse a newer one (or, unless ``create``, a file without any)."""
    where = f"SQLite database {path!r}"
    found = _schema_version(conn)
    check_store_exists(found, where, create=create)
    if not missing_migrations(found):
        check_schema_version(found, where)
        return  # the common case: no write lock needed to open
    try:
        conn.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                     "description TEXT NOT NULL, applied_at TEXT NOT NULL)")
        current = _schema_version(conn)
        applied_at = dt.datetime.now(dt.UTC).isoformat()
        for step in missing_migrations(current):
            apply_migration(step, SQLITE, conn.execute, conn.executemany)
            conn.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                         (step.version, step.description, applied_at))
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                          "AND name = 'schema_version'").fetchone()
    if exists is None:
        return 0
    version: int = conn.execute(
        "SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    return version


def _instant(value: int | None) -> dt.datetime | None:
    return None if value is None else instant(value)


def _seconds(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and 0 <= value <= 3600)
