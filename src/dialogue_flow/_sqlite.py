"""The embedded default backend: one SQLite file, through the standard library's ``sqlite3``.

How it keeps the :class:`~dialogue_flow._storage.Storage` promises:

- **Atomic commits.** Each :meth:`SQLiteStorage.commit` is one ``BEGIN IMMEDIATE`` ...
  ``COMMIT``: guards are checked, each record is written by compare-and-set
  (``UPDATE ... WHERE id = ? AND version = ?``, whose row count is the check; ``INSERT``
  for a new record, where an existing id is a conflict too), then the audit-trail and
  outbox rows are inserted. The row is read before its update only when this object has
  not just read or written that version (it then needs the indexed columns to compare),
  and after a failed compare-and-set, to report the actual version. Any
  failure rolls the whole transaction back and raises :class:`VersionConflictError` (a stale
  version) or :class:`StorageError` (SQLite failed; the ``sqlite3`` error is its
  ``__cause__``). ``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue
  on the busy timeout instead of failing half-way with "database is locked".
- **Reads of one record** (``get_submission``, ``get_dialogue``) skip the row when this
  object wrote or read that record and ``PRAGMA data_version`` shows no commit of any other
  connection since (SQLite changes it for every other connection's commit, in this process
  or another, never for this connection's own, and not for checkpoints); the pragma costs
  ~4 µs against ~30 µs for the ``SELECT`` of a record's JSON. Commits do not look: what
  this object writes is current until another connection commits, which changes the value,
  and the next read then forgets every record (the value is read once when the storage
  opens).
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
- **Checkpoints**: copying the WAL's pages into the database syncs the WAL and then the
  database, and those syncs were most of what a commit cost with NORMAL when commits did
  it themselves. So, for a file, a daemon thread with its own connection does it
  (``checkpoint="background"``, the default; SQLite's WAL documentation, "Application-
  Initiated Checkpoints": a checkpoint run in another thread means the thread doing the
  updates "will never block on a sync operation"). Every :data:`CHECKPOINT_EVERY` (300)
  write transactions of this object (commits, outbox claims and updates) it runs
  ``PRAGMA wal_checkpoint(PASSIVE)`` (which never waits for readers or writers and never
  calls the busy handler; ``sqlite3_wal_checkpoint_v2``) again and again without the
  storage's lock while commits go on (``sqlite3`` releases the GIL while SQLite works),
  until a pass finds only a few new frames; then one more
  pass *under the lock*, so that no commit of this object lands between the copy of the
  last frame and the next commit, which therefore starts the WAL over from its beginning.
  That last pass waits for two small syncs (~1-7 ms per round, once per ~300 commits).
  Errors are logged on the ``dialogue_flow`` logger and the next round retries; commands
  never see them. :meth:`SQLiteStorage.close` stops and joins the thread first (not under
  the lock: the thread needs it), so its connection is closed before the storage's.
  Measured with ``benchmarks/storage.py`` on ext4 (2 cores), NORMAL went from ~2,000-2,250
  to ~2,900-3,200 committed commands/s; FULL did not move (~1,150), because each FULL
  commit waits for its own ``fdatasync`` of the WAL whoever checkpoints, so FULL cannot
  beat the disk's sync rate (printed by the benchmark). ``checkpoint="inline"`` (or
  ``?checkpoint=inline``) leaves checkpoints to the commits, SQLite's way: a commit that
  leaves more than :data:`WAL_AUTOCHECKPOINT` (4000) pages, ~16 MiB, in the WAL copies them
  (SQLite's default is 1000; "Performance Considerations": fewer checkpoints favour
  writes; 1000 -> 4000 took NORMAL from ~1,600 to ~2,000 commits/s, 8000 gained nothing).

  **Why the WAL stays bounded.** SQLite starts a WAL over only when a checkpoint has
  copied every frame in it and no reader still uses it ("Checkpoint starvation" in the WAL
  documentation); a passive checkpoint running beside a writer that never pauses is
  always a few frames behind, so by itself it may never let that happen (the WAL would
  grow for ever). The last pass under the lock is what lets it happen for this object's
  commits; for everything else (the thread died or fell behind, another process writes
  the file without a checkpointer of its own, or theirs collides with ours: two
  checkpoints at once make the second answer "busy", which is skipped) the committing
  connection keeps ``wal_autocheckpoint`` as a backstop at :data:`WAL_BACKSTOP` (16,000
  pages, ~62 MiB): SQLite's autocheckpoint runs in the writer after each commit that
  leaves that many frames (``sqlite3_wal_autocheckpoint``), between two of its
  transactions, so it can copy every frame and the WAL restarts. Observed: 20,000 commits
  with NORMAL kept the WAL file under 26 MiB (44 rounds); with FULL under 15 MiB. Long
  read transactions in other processes can still starve any checkpoint, as SQLite warns.
  ``PRAGMA journal_size_limit`` (:data:`JOURNAL_SIZE_LIMIT`, 64 MiB) cuts back a WAL file
  that one large transaction grew (a sweep, a migration) when it is next reset; below it
  the file is kept, as overwriting blocks a file already has is cheaper than appending
  them, above all with FULL. Reading a WAL of this size costs little: SQLite finds a page
  through the wal-index hash tables in shared memory. A checkpoint does not change what
  survives a crash: the WAL is synced before its pages are copied, the database before
  the WAL is started over, whichever connection runs it.
- **Schema versioning**: the ``schema_version`` table lists the applied :data:`MIGRATIONS`;
  opening a database applies the missing ones in one transaction (idempotent, safe when
  several processes open a fresh file at once) and refuses a database written by a newer
  release with :class:`ConfigurationError`.

What a commit costs, measured with ``benchmarks/storage.py`` on the project's disk: with
NORMAL mostly the bytes of WAL frames it writes (~12 pages of 4 KiB: the submission row,
each index whose key changed, the audit-trail and outbox b-trees), synced at checkpoints;
with FULL one ``fdatasync`` per commit; then the JSON encoding (a shared ``Deadline``'s
JSON is cached, see ``_serialization``) and four or five statements.

Records are stored as their ``to_json`` text beside the indexed columns the queries need;
dates are ISO text (which sorts chronologically) and outbox instants are integer
microseconds since the Unix epoch (so instants in different offsets compare correctly).
Requires SQLite 3.24 or later (``INSERT ... ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Final, Literal, NoReturn, Self, TypeVar
from urllib.parse import parse_qsl, unquote

import attrs

from ._clock import VIETNAM_TZ
from ._errors import (
    ConfigurationError,
    DialogueFlowError,
    InvalidInputError,
    NotFoundError,
    StorageError,
    VersionConflictError,
)
from ._records import Dialogue, Notification, Submission, TransitionRecord
from ._serialization import flat_writer, last_by_identity, to_json
from ._storage import (
    OPEN_WITH_CLOCK,
    Changeset,
    DecodedRecords,
    DialogueQuery,
    OutboxEntry,
    OutboxStatus,
    Record,
    ReportInputs,
    SubmissionFacts,
    SubmissionQuery,
    _stored_note,
    _stored_row,
    _StoredRow,
    check_claim,
    check_limit,
    check_retry,
    decode_stored,
    put_recent,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "SQLiteStorage"]

#: The JSON of an audit row and of a notification given in stored form (see _commit_stored)
_ROW_JSON = flat_writer(TransitionRecord, _stored_row)
_NOTE_JSON = flat_writer(Notification, _stored_note)

_T = TypeVar("_T")
_R = TypeVar("_R", Dialogue, Submission)
#: A row's version and its indexed columns (``_TABLES`` order), as last written or read.
_Columns = tuple[int, tuple[object, ...]]

Synchronous = Literal["full", "normal"]
Checkpoint = Literal["background", "inline"]

logger = logging.getLogger("dialogue_flow")

#: Oldest SQLite with everything used here (upsert ``ON CONFLICT ... DO NOTHING``).
MIN_SQLITE = (3, 24, 0)
#: WAL pages (4 KiB each) after which a commit checkpoints them into the database: ~16 MiB,
#: four times SQLite's default. See "Checkpoints" in the module docstring.
WAL_AUTOCHECKPOINT: Final = 4000
#: With ``checkpoint="background"``, commits of this object between two rounds of its
#: checkpointer thread: ~300 commits of ~12 pages, close to WAL_AUTOCHECKPOINT pages.
CHECKPOINT_EVERY: Final = 300
#: With ``checkpoint="background"``, the committing connection's ``wal_autocheckpoint``: a
#: backstop that bounds the WAL if the thread dies or falls behind (see "Checkpoints").
WAL_BACKSTOP: Final = 4 * WAL_AUTOCHECKPOINT
#: Bytes a WAL file is cut back to when it is reset after a checkpoint: only a WAL that one
#: large transaction (a sweep, a migration) grew past the usual size is shortened, so
#: ordinary commits keep overwriting blocks the file already has.
JOURNAL_SIZE_LIMIT: Final = 64 * 1024 * 1024


@attrs.frozen
class Migration:
    """One forward step of the schema, applied once, inside the opening transaction."""

    version: int
    description: str
    statements: tuple[str, ...]


#: Every schema change, oldest first. Never edit a released step: append a new one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "dialogues, submissions, transitions and the outbox", (
        # Records: the to_json text plus the columns queries filter on. Rowid tables: a
        # record (1-3 KiB of JSON) fits a 4 KiB leaf without overflow pages.
        """CREATE TABLE dialogues (
            id TEXT PRIMARY KEY NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            state TEXT NOT NULL,
            scheduled_for TEXT NOT NULL,
            record TEXT NOT NULL
        )""",
        "CREATE INDEX dialogues_by_state ON dialogues (state, scheduled_for, id)",
        "CREATE INDEX dialogues_by_date ON dialogues (scheduled_for, id)",
        """CREATE TABLE submissions (
            id TEXT PRIMARY KEY NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            state TEXT NOT NULL,
            dialogue_id TEXT,
            department TEXT,
            due_date TEXT,
            record TEXT NOT NULL
        )""",
        # "due on or before X in states Y" (the sweep) and overdue_as_of. Every index ends
        # with id, so a page is chosen from the index alone (sorting ids, not records).
        "CREATE INDEX submissions_by_state_due ON submissions (state, due_date, id)",
        "CREATE INDEX submissions_by_dialogue ON submissions (dialogue_id, id)",
        "CREATE INDEX submissions_by_department ON submissions (department, id)",
        # The audit trail: one row per (kind, id, version), clustered the way it is read.
        """CREATE TABLE transitions (
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            record TEXT NOT NULL,
            PRIMARY KEY (kind, record_id, version)
        ) WITHOUT ROWID""",
        # seq keeps commit order ("oldest first"); instants are microseconds since the epoch.
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'delivered', 'parked')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER,
            lease_owner TEXT,
            lease_until INTEGER,
            last_error TEXT,
            notification TEXT NOT NULL
        )""",
        # Claims scan only the pending rows, oldest first; delivered rows leave the index.
        "CREATE INDEX outbox_pending ON outbox (seq) WHERE status = 'pending'",
    )),
    Migration(2, "report facts: submissions' reception, answer and channel as columns", (
        # Reports read these columns instead of decoding every record's JSON. Existing
        # rows are filled from their JSON; the date part of received_at is the local date
        # because records are stamped in Asia/Ho_Chi_Minh.
        *(f"ALTER TABLE submissions ADD COLUMN {column} TEXT" for column in (
            "received_on", "topic", "channel", "answer_mode", "answered_on",
            "competent_level")),
        """UPDATE submissions SET
            received_on = substr(json_extract(record, '$.received_at'), 1, 10),
            topic = json_extract(record, '$.topic'),
            channel = json_extract(record, '$.channel'),
            answer_mode = json_extract(record, '$.answer_mode'),
            answered_on = json_extract(record, '$.answered_on'),
            competent_level = json_extract(record, '$.competent_level')""",
        # Covering: a report reads only this index. The columns sit after the record's JSON
        # in the table row, so reading them from the table drags every JSON page through.
        ("CREATE INDEX submissions_report ON submissions (received_on, id, state, topic, "
         "department, competent_level, channel, answer_mode, answered_on, due_date, "
         "dialogue_id)"),
        # Covering for the sweep: open matters due in a window, without their JSON.
        ("CREATE INDEX submissions_due ON submissions (due_date, state, id, topic, "
         "department, competent_level, dialogue_id) WHERE due_date IS NOT NULL"),
    )),
)

#: The schema version this release writes.
SCHEMA_VERSION: Final = MIGRATIONS[-1].version

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_OPEN_WITH_CLOCK = tuple(sorted(s.value for s in OPEN_WITH_CLOCK))

#: kind -> (table, the indexed columns beside id and version, in _indexed() order).
_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    Dialogue.KIND: ("dialogues", ("state", "scheduled_for")),
    Submission.KIND: ("submissions", ("state", "dialogue_id", "department", "due_date",
                                      "received_on", "topic", "channel", "answer_mode",
                                      "answered_on", "competent_level")),
}
# Table and column names below come from _TABLES, never from input.
_INSERT = {
    kind: (f"INSERT INTO {table} (id, version, record, {', '.join(columns)}) "  # noqa: S608
           f"VALUES (?, ?, ?, {', '.join('?' * len(columns))}) ON CONFLICT (id) DO NOTHING")
    for kind, (table, columns) in _TABLES.items()
}
_CURRENT = {
    kind: f"SELECT version, {', '.join(columns)} FROM {table} WHERE id = ?"  # noqa: S608
    for kind, (table, columns) in _TABLES.items()
}
#: A record by id, with its version and indexed columns (read to skip the commit's read).
_GET = {
    kind: f"SELECT id, record, version, {', '.join(columns)} FROM {table} "  # noqa: S608
          "WHERE id = ?"
    for kind, (table, columns) in _TABLES.items()
}
_INSERT_TRANSITION = ("INSERT INTO transitions (kind, record_id, version, record) "
                      "VALUES (?, ?, ?, ?)")
_INSERT_OUTBOX = ("INSERT INTO outbox (key, notification) VALUES (?, ?) "
                  "ON CONFLICT (key) DO NOTHING")
_DELIVERABLE = ("status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                "AND (lease_until IS NULL OR lease_until <= ?)")
#: Decoded records kept per storage object, so a command's read of the record the previous
#: command wrote costs a string comparison instead of a JSON decode.
_CACHE_SIZE = 1024


class SQLiteStorage:
    """A :class:`~dialogue_flow._storage.Storage` in one SQLite database file.

    ``SQLiteStorage("data/dialogues.db")`` opens (creating and migrating if needed) a file;
    ``SQLiteStorage(":memory:")`` a private in-memory database (it lives and dies with this
    object: in-memory databases are per connection). :meth:`from_url` does the same from a
    storage URL. Close it with :meth:`close` or use it as a context manager.

    :param busy_timeout: seconds a writer waits for another process's write lock before
        giving up with :class:`StorageError`.
    :param synchronous: ``"full"`` (durable across power loss) or ``"normal"`` (durable
        across application crashes only; faster). See the module docstring.
    :param checkpoint: ``"background"`` (a thread with its own connection copies the WAL
        into the database beside the commits) or ``"inline"`` (commits do it themselves,
        SQLite's way). Only files have a WAL; in memory this changes nothing. See
        "Checkpoints" in the module docstring.
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *,
                 busy_timeout: float = 5.0, synchronous: Synchronous = "full",
                 checkpoint: Checkpoint = "background") -> None:
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
        self.path = os.fspath(path)
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
            # Checkpoint every WAL_AUTOCHECKPOINT pages instead of SQLite's 1000 (only as a
            # backstop when a thread does it), and cut a WAL file that one large transaction
            # blew up back to JOURNAL_SIZE_LIMIT.
            background = checkpoint == "background" and self.journal_mode == "wal" \
                and self.path not in ("", ":memory:")
            conn.execute("PRAGMA wal_autocheckpoint = "
                         f"{WAL_BACKSTOP if background else WAL_AUTOCHECKPOINT}")
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
            _when_not_busy(lambda: _migrate(conn, self.path), self.busy_timeout)
            data_version: int = conn.execute("PRAGMA data_version").fetchone()[0]
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StorageError(
                    f"cannot open SQLite database {self.path!r}: {exc}") from exc
            raise
        self._conn: sqlite3.Connection | None = conn
        self._decoded = DecodedRecords(_CACHE_SIZE)
        #: (kind, id) -> the row's version and indexed columns as last written or read.
        self._columns: dict[tuple[str, str], _Columns] = {}
        #: ``PRAGMA data_version`` when this object last looked, and the records it then knew
        #: to be the committed ones (written or read by it with no other connection's commit
        #: since); see :meth:`_get`. Commits do not look: what this object writes is
        #: current until another connection commits, and that changes data_version.
        self._data_version = data_version
        self._version_cursor: sqlite3.Cursor | None = None
        self._current: dict[tuple[str, str], Record] = {}
        self._checkpointer = _Checkpointer(self, self._lock) if background else None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Self:
        """Open ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or
        ``sqlite://`` (in memory).

        Query parameters set the options: ``?busy_timeout=10&synchronous=normal``.
        Keyword ``options`` win over the URL's.
        """
        path, params = _parse_url(url)
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

    def _get(self, cls: type[_R], record_id: str) -> _R:
        """One record by id; its version and indexed columns are remembered, so the
        command that reads it and then commits it does not read the row again.

        When no other connection has committed to the file since this object last wrote
        or read the record (``PRAGMA data_version`` is unchanged: SQLite changes it for
        every commit of another connection, in this process or another, and never for this
        connection's own), the record is returned without reading its row: a command's
        read of the record the previous command wrote is one pragma instead of a ``SELECT``
        of its JSON. Any other connection's commit makes every record be read again.
        """
        key = (cls.KIND, record_id)
        with self._lock, _translated("query"):
            conn = self._connection()
            self._observe(conn)
            known = self._current.get(key)
            if known is not None:
                return known  # type: ignore[return-value] # stored under cls.KIND
            row = conn.execute(_GET[cls.KIND], (record_id,)).fetchone()
            if row is None:
                raise NotFoundError(cls.KIND, record_id)
            self._remember_columns(cls.KIND, record_id, row[2], row[3:])
            seen = self._data_version
        record = self._decoded.records(cls, ((row[0], row[1]),))[0]  # without the lock
        with self._lock:
            # Current as of the data_version read before the row (another connection's
            # commit since would have changed it), unless this object has meanwhile written
            # or read a newer version itself.
            newer = self._current.get(key)
            if seen == self._data_version and (newer is None or newer.version < row[2]):
                put_recent(self._current, key, record, _CACHE_SIZE)
        return record

    def commit(self, changes: Changeset) -> int:
        if not isinstance(changes, Changeset):
            raise InvalidInputError("changes", f"expected a Changeset, got {changes!r}")
        return self._commit(
            changes.records, changes.guards,
            [(row.kind, row.record_id, row.version, to_json(row))
             for row in changes.transitions],
            [(note.key, to_json(note)) for note in changes.notifications])

    def _commit_stored(self, records: tuple[tuple[Record, int], ...],
                       rows: tuple[_StoredRow, ...], notes: tuple[_StoredRow, ...],
                       guards: tuple[tuple[str, str, int], ...]) -> int:
        """:meth:`commit` with the audit rows and notifications in their stored form (see
        ``MemoryStorage._commit_stored``), written to JSON straight from the tuples."""
        return self._commit(records, guards,
                            [(row[0], row[1], row[2], _ROW_JSON(row)) for row in rows],
                            [(note[0], _NOTE_JSON(note)) for note in notes])

    def _commit(self, records: tuple[tuple[Record, int], ...],
                guards: tuple[tuple[str, str, int], ...],
                transitions: list[tuple[str, str, int, str]],
                notes: list[tuple[str, str]]) -> int:
        # Serialise before taking the write lock: shorter transactions, and nothing to undo
        # if a record cannot be turned into JSON.
        columns = self._columns
        writes = [(record, expected, to_json(record), _indexed(record),
                   columns.get((record.KIND, record.id))) for record, expected in records]
        # The lock is held until the caches below are updated: another thread's commit
        # through this object must not land between and be overwritten by older versions.
        # (The transaction is spelt out, not _transaction: its generator context manager
        # costs a few µs of a ~350 µs commit.)
        with self._lock:
            conn = self._connection()
            with _translated("commit"):
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    added = self._write_changes(conn, guards, writes, transitions, notes)
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)  # only if a transaction is open
                    raise
            if self._checkpointer is not None:
                self._checkpointer.committed()
            # Current without a look at data_version: a commit of another connection since
            # the last look changes it, and the next read then forgets every record.
            for record, _expected, text, indexed, _known in writes:
                self._decoded.remember(record, text)
                self._remember_columns(record.KIND, record.id, record.version, indexed)
                put_recent(self._current, (record.KIND, record.id), record, _CACHE_SIZE)
        return added

    @staticmethod
    def _write_changes(conn: sqlite3.Connection, guards: tuple[tuple[str, str, int], ...],
                       writes: list[tuple[Record, int, str, tuple[object, ...], _Columns | None]],
                       transitions: list[tuple[str, str, int, str]],
                       notes: list[tuple[str, str]]) -> int:
        """The statements of one commit inside its open transaction; returns how many
        notifications were new."""
        for kind, record_id, expected in guards:
            current = conn.execute(_CURRENT[kind], (record_id,)).fetchone()
            actual = None if current is None else current[0]
            if actual != expected:
                raise VersionConflictError(kind, record_id, expected, actual)
        for record, expected, text, indexed, known in writes:
            _write(conn, record, expected, text, indexed, known)
        if transitions:
            try:
                _insert(conn, _INSERT_TRANSITION, transitions)
            except sqlite3.IntegrityError as exc:
                raise StorageError(
                    f"the audit trail already has one of these rows ({exc}); "
                    "nothing was written") from exc
        # A key already there is skipped (ON CONFLICT DO NOTHING) and changes no row.
        return _insert(conn, _INSERT_OUTBOX, notes) if notes else 0

    def history(self, kind: str, record_id: str) -> list[TransitionRecord]:
        rows = self._query("SELECT record FROM transitions WHERE kind = ? AND record_id = ? "
                           "ORDER BY version", (kind, record_id))
        return [decode_stored(TransitionRecord, text) for (text,) in rows]

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        where: list[str] = []
        params: list[object] = []
        if query.dialogue_id is not None:
            where.append("dialogue_id = ?")
            params.append(query.dialogue_id)
        if query.states is not None:
            where.append(_in("state", len(query.states)))
            params += sorted(str(s) for s in query.states)
        if query.department is not None:
            where.append("department = ?")
            params.append(query.department)
        if query.due_on_or_before is not None:
            where.append("due_date <= ?")
            params.append(query.due_on_or_before.isoformat())
        if query.due_on_or_after is not None:
            where.append("due_date >= ?")
            params.append(query.due_on_or_after.isoformat())
        if query.overdue_as_of is not None:
            where.append(_in("state", len(_OPEN_WITH_CLOCK)) + " AND due_date < ?")
            params += [*_OPEN_WITH_CLOCK, query.overdue_as_of.isoformat()]
        return self._decoded.records(Submission, self._page("submissions", where, params,
                                                    query.after, query.limit))

    def find_dialogues(self, query: DialogueQuery) -> list[Dialogue]:
        where: list[str] = []
        params: list[object] = []
        if query.states is not None:
            where.append(_in("state", len(query.states)))
            params += sorted(str(s) for s in query.states)
        if query.scheduled_from is not None:
            where.append("scheduled_for >= ?")
            params.append(query.scheduled_from.isoformat())
        if query.scheduled_to is not None:
            where.append("scheduled_for <= ?")
            params.append(query.scheduled_to.isoformat())
        return self._decoded.records(Dialogue, self._page("dialogues", where, params,
                                                  query.after, query.limit))

    def report_facts(self, start: dt.date, end: dt.date) -> Iterator[SubmissionFacts]:
        """Report facts from a covering index, page by page."""
        select = ("SELECT received_on, id, state, topic, department, competent_level, channel, "
                  "answer_mode, answered_on, due_date, dialogue_id FROM submissions "
                  "INDEXED BY submissions_report WHERE (received_on, id) > (?, ?) "
                  "AND received_on <= ? ORDER BY received_on, id LIMIT ?")
        for (received, sid, state, topic, department, level, channel, mode, answered, due,
             dialogue_id) in self._keyset(select, start, end, ()):
            yield SubmissionFacts(
                id=sid, state=state, topic=topic, department=department,
                competent_level=level, channel=channel, answer_mode=mode,
                received_on=_date(received), answered_on=_date(answered) if answered else None,
                due_date=_date(due) if due else None, dialogue_id=dialogue_id)

    def _keyset(self, select: str, start: dt.date, end: dt.date, extra: tuple[object, ...],
                ) -> Iterator[Any]:
        """Rows of ``select`` (ordered by a date column then id, parameters: the last
        (date, id) seen, ``end``, ``extra``..., the page size), a page per query, so the lock
        is never held while the caller works on a row."""
        cursor: tuple[str, str] = (start.isoformat(), "")
        while True:
            rows = self._query(select, (*cursor, end.isoformat(), *extra, _PAGE))
            yield from rows
            if len(rows) < _PAGE:
                return
            cursor = (rows[-1][0], rows[-1][1])

    def report_inputs(self, start: dt.date, end: dt.date) -> ReportInputs:
        """The report's aggregates by GROUP BY over the covering index; only the open
        matters (the report's lists) come back row by row."""
        period = (start.isoformat(), end.isoformat())
        where = "FROM submissions INDEXED BY submissions_report WHERE received_on BETWEEN ? AND ?"
        # One scan for the counts and the timeliness sums (summed over the groups below).
        grouped = self._query(
            "SELECT state, topic, department, channel, count(*), "
            "sum(answered_on IS NOT NULL AND answer_mode = 'on_the_spot'), "
            "sum(answered_on IS NOT NULL AND due_date IS NOT NULL), "
            f"sum(answered_on IS NOT NULL AND answered_on <= due_date) {where} "
            "GROUP BY state, topic, department, channel", period)
        groups = [row[:5] for row in grouped]
        spot, with_due, on_time = (sum(row[i] or 0 for row in grouped) for i in (5, 6, 7))
        spans = self._query(
            f"SELECT received_on, answered_on, count(*) {where} "
            "AND answered_on IS NOT NULL GROUP BY received_on, answered_on", period)
        items = self._query(
            "SELECT received_on, id, state, topic, department, competent_level, channel, "
            f"due_date, dialogue_id {where} AND {_in('state', len(_OPEN_WITH_CLOCK))} "
            "ORDER BY id", (*period, *_OPEN_WITH_CLOCK))
        return ReportInputs(
            groups=tuple(sorted(((st, tp, dp, ch, n) for st, tp, dp, ch, n in groups),
                                key=lambda g: (g[0], g[1], g[2] or "", g[3]))),
            answered_on_the_spot=spot, answered_with_due=with_due, answered_on_time=on_time,
            answer_spans=tuple(sorted((_date(r), _date(a), n) for r, a, n in spans)),
            open_items=tuple(SubmissionFacts(
                id=sid, state=state, topic=topic, department=department,
                competent_level=level, channel=channel, answer_mode=None,
                received_on=_date(received), answered_on=None,
                due_date=_date(due) if due else None, dialogue_id=dialogue_id)
                for received, sid, state, topic, department, level, channel, due, dialogue_id
                in items))

    def due_facts(self, start: dt.date, end: dt.date) -> Iterator[SubmissionFacts]:
        """The sweep's matters from a covering index; reception and answer are not read
        (the sweep does not use them: ``received_on`` is ``start``)."""
        # Only the count of placeholders is interpolated, never a value.
        select = ("SELECT due_date, id, state, topic, department, competent_level, dialogue_id "  # noqa: S608
                  "FROM submissions INDEXED BY submissions_due WHERE (due_date, id) > (?, ?) "
                  f"AND due_date <= ? AND {_in('state', len(_OPEN_WITH_CLOCK))} "
                  "AND due_date IS NOT NULL ORDER BY due_date, id LIMIT ?")
        for due, sid, state, topic, department, level, dialogue_id in self._keyset(
                select, start, end, _OPEN_WITH_CLOCK):
            yield SubmissionFacts(
                id=sid, state=state, topic=topic, department=department, competent_level=level,
                channel="", answer_mode=None, received_on=start, answered_on=None,
                due_date=_date(due), dialogue_id=dialogue_id)

    # --- outbox ----------------------------------------------------------------------------

    def pending_notifications(self) -> list[Notification]:
        rows = self._query("SELECT notification FROM outbox WHERE status = 'pending' "
                           "ORDER BY seq", ())
        return [decode_stored(Notification, text) for (text,) in rows]

    def claim_notifications(self, worker: str, now: dt.datetime, lease: dt.timedelta,
                            limit: int = 100) -> list[OutboxEntry]:
        check_claim(worker, now, lease, limit)
        at, until = _micros(now), _micros(now + lease)
        select = (f"SELECT seq, attempts, next_attempt_at, last_error, notification "  # noqa: S608
                  f"FROM outbox WHERE {_DELIVERABLE} ORDER BY seq LIMIT ?")
        # A dispatcher polls: look without the write lock first, so an idle poll costs a read.
        if not self._query(select, (at, at, 1)):
            return []
        with self._transaction("claim") as conn:
            rows = conn.execute(select, (at, at, limit)).fetchall()
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

    def parked_notifications(self, limit: int = 100) -> list[OutboxEntry]:
        check_limit(limit)
        rows = self._query(
            "SELECT attempts, next_attempt_at, lease_owner, last_error, notification "
            "FROM outbox WHERE status = 'parked' ORDER BY seq LIMIT ?", (limit,))
        return [
            OutboxEntry(notification=decode_stored(Notification, text),
                        status=OutboxStatus.PARKED, attempts=attempts,
                        next_attempt_at=_instant(next_at), lease_owner=owner,
                        last_error=last_error)
            for attempts, next_at, owner, last_error, text in rows
        ]

    def requeue(self, key: str) -> bool:
        with self._transaction("requeue") as conn:
            found = conn.execute("SELECT status FROM outbox WHERE key = ?", (key,)).fetchone()
            if found is None:
                raise NotFoundError("notification", key)
            if found[0] != OutboxStatus.PARKED.value:
                return False
            conn.execute("UPDATE outbox SET status = 'pending', attempts = 0, "
                         "next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL "
                         "WHERE key = ?", (key,))
            return True

    def mark_delivered(self, key: str, worker: str) -> bool:
        return self._settle(key, worker, "status = 'delivered'", ())

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        check_retry(error, retry_at)
        if retry_at is None:
            return self._settle(key, worker,
                                "status = 'parked', lease_until = NULL, last_error = ?", (error,))
        return self._settle(
            key, worker, "next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, "
            "last_error = ?", (_micros(retry_at), error))

    def outbox_stats(self) -> dict[str, int]:
        stats = dict.fromkeys((s.value for s in OutboxStatus), 0)
        for status, count in self._query(
                "SELECT status, count(*) FROM outbox GROUP BY status", ()):
            stats[status] = count
        return stats

    def close(self) -> None:
        """Stop the checkpointer thread, then close the connection (idempotent); the object
        is unusable afterwards."""
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

    def _observe(self, conn: sqlite3.Connection) -> None:
        """Read ``PRAGMA data_version``; if another connection committed since the last
        look, forget which records were known to be current (the caller holds the lock)."""
        cursor = self._version_cursor  # reused: a new cursor per read cost ~2.5 µs
        if cursor is None or cursor.connection is not conn:
            cursor = self._version_cursor = conn.cursor()
        version: int = cursor.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._current.clear()

    def _remember_columns(self, kind: str, record_id: str, version: int,
                          indexed: tuple[object, ...]) -> None:
        with self._lock:
            put_recent(self._columns, (kind, record_id), (version, tuple(indexed)),
                       _CACHE_SIZE)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"{self!r} is closed")
        return self._conn

    def _query(self, sql: str, params: Sequence[object]) -> list[Any]:
        """Run one read statement (or one autocommit write) under the lock."""
        with self._lock, _translated("query"):
            return self._connection().execute(sql, params).fetchall()

    def _page(self, table: str, where: list[str], params: list[object], after: str | None,
              limit: int) -> list[Any]:
        if after is not None:
            where = [*where, "id > ?"]
            params = [*params, after]
        condition = " AND ".join(where) if where else "1"
        # Pick the page's ids from an index first, then read only those records: a sweep
        # paging through 50,000 overdue matters sorts ids, not 50,000 JSON documents.
        return self._query(
            f"SELECT id, record FROM {table} WHERE id IN (SELECT id FROM {table} "  # noqa: S608
            f"WHERE {condition} ORDER BY id LIMIT ?) ORDER BY id", [*params, limit])

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
                if self._checkpointer is not None:
                    self._checkpointer.committed()
                return True
            if conn.execute("SELECT 1 FROM outbox WHERE key = ?", (key,)).fetchone() is None:
                raise NotFoundError("notification", key)
            return False


class _Checkpointer:
    """A daemon thread that checkpoints ``storage``'s WAL through its own connection
    (``lock`` is the storage's).

    Woken every :data:`CHECKPOINT_EVERY` commits of the storage, a round is: ``PASSIVE``
    checkpoints without the storage's lock (each syncs the WAL and copies its pages into
    the database while commits go on: SQLite runs without the GIL), repeated while each
    finds more than :attr:`TAIL` frames committed during the one before; an
    ``fdatasync`` of the database file if the last of them could not copy everything;
    then, under the lock, a last ``PASSIVE`` checkpoint, which copies the few frames left
    and syncs what little is unsynced. No commit of the storage can slip in meanwhile, so
    every frame is then in the database and the next commit starts the WAL over. Errors
    are logged (logger ``dialogue_flow``) and the next round tries again; the writer's
    ``wal_autocheckpoint`` (:data:`WAL_BACKSTOP`) bounds the WAL meanwhile. See
    "Checkpoints" in the module docstring.
    """

    #: Seconds :meth:`stop` waits for a round to end.
    STOP_TIMEOUT: Final = 10.0
    #: Passes without the lock, at most, before the last one under it ...
    PASSES: Final = 6
    #: ... which comes once a pass found at most this many frames committed since the one
    #: before (a few commits' worth: the pass under the lock is then short).
    TAIL: Final = 60

    def __init__(self, storage: SQLiteStorage, lock: threading.RLock) -> None:
        self._path = storage.path
        self._synchronous = storage.synchronous
        self._busy_timeout = storage.busy_timeout
        self._lock = lock  # the storage's
        self._wakeup = threading.Event()
        self._stopping = False
        self._commits = 0  # since the WAL was last emptied (a miscount is harmless)
        #: Rounds done and failed (for tests and diagnostics).
        self.rounds = 0
        self.failures = 0
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"dialogue_flow checkpointer {self._path}")
        self.thread.start()

    def committed(self) -> None:
        """Count a write transaction of the storage (a commit, an outbox claim or update);
        wake the thread every CHECKPOINT_EVERY."""
        self._commits += 1
        if self._commits >= CHECKPOINT_EVERY:
            self._wakeup.set()

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
        self.thread.join(self.STOP_TIMEOUT)
        if self.thread.is_alive():  # a sync stuck on a failing disk: don't hang close()
            logger.warning("SQLite checkpointer for %r did not stop within %.0f s; "
                           "left to finish on its own", self._path, self.STOP_TIMEOUT)

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, timeout=self._busy_timeout,
                                   isolation_level=None)
            conn.execute(f"PRAGMA synchronous = {self._synchronous.upper()}")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # it never writes anyway
            fd = os.open(self._path, os.O_RDONLY)
        except (sqlite3.Error, OSError):
            logger.exception("SQLite checkpointer for %r could not start; commits "
                             "checkpoint inline (wal_autocheckpoint = %d)", self._path,
                             WAL_BACKSTOP)
            return
        try:
            while True:
                self._wakeup.wait()
                self._wakeup.clear()
                if self._stopping:
                    return
                try:
                    self._round(conn, fd)
                    self.rounds += 1
                except Exception:
                    self.failures += 1
                    logger.exception("SQLite checkpoint of %r failed; commits go on and the "
                                     "next round retries", self._path)
        finally:
            conn.close()
            os.close(fd)

    def _round(self, conn: sqlite3.Connection, fd: int) -> None:
        seen = 0
        for _ in range(self.PASSES):
            busy, frames, copied = _wal_checkpoint(conn)
            if busy or frames <= 0:
                return  # another connection is checkpointing, or the WAL is empty
            fresh, seen = frames - seen, frames
            if fresh <= self.TAIL or self._stopping:
                break
        if copied < frames and hasattr(os, "fdatasync"):
            os.fdatasync(fd)  # what the passes copied, before taking the lock
        with self._lock:
            if not self._stopping:
                _wal_checkpoint(conn)
                # The WAL starts over at the next commit: count from there.
                self._commits = 0
                self._wakeup.clear()


def _wal_checkpoint(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(PASSIVE)``: (busy, frames in the WAL, frames copied)."""
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return busy, frames, copied


class _translated:  # noqa: N801 - used like the context-manager function it replaced
    """``with _translated(what):`` turns driver errors into ours, chained: no raw
    ``sqlite3`` traceback reaches a host. A class, not a generator: it wraps every read."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, _kind: object, exc: BaseException | None, _tb: object) -> None:
        if isinstance(exc, Exception):
            ours = _ours(self.what, exc)
            if ours is not None:
                raise ours from exc


def _ours(what: str, exc: Exception) -> DialogueFlowError | None:
    """Our error for a driver error ``exc`` during ``what``; ``None`` to let it pass."""
    if isinstance(exc, sqlite3.Error):
        return StorageError(f"SQLite {what} failed: {exc}; nothing was written")
    if isinstance(exc, UnicodeEncodeError):  # a lone surrogate cannot be stored as UTF-8
        return InvalidInputError("text", f"not valid Unicode text ({exc.reason}); "
                                 "nothing was written")
    return None


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


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`, or refuse a newer one."""
    current = _schema_version(conn)
    if current == MIGRATIONS[-1].version:
        return  # the common case: no write lock needed to open
    try:
        conn.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                     "description TEXT NOT NULL, applied_at TEXT NOT NULL)")
        current = _schema_version(conn)
        latest = MIGRATIONS[-1].version
        if current > latest:
            raise ConfigurationError(
                f"SQLite database {path!r} has schema version {current}, but this release of "
                f"dialogue_flow knows versions up to {latest}: it was written by a newer "
                "release; upgrade dialogue_flow to use it")
        applied_at = dt.datetime.now(dt.UTC).isoformat()
        for step in MIGRATIONS:
            if step.version > current:
                for statement in step.statements:
                    conn.execute(statement)
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


def _write(conn: sqlite3.Connection, record: Record, expected: int, text: str,
           indexed: tuple[object, ...], known: _Columns | None) -> None:
    """Compare-and-set one record inside the open transaction.

    ``known`` is the row's version and indexed columns as this object last wrote or read
    them. When that version is the expected one, they are the row's columns now if the
    row is still at that version (compare-and-set lets exactly one writer make each
    version of a record, and records are never deleted), so the update goes out without
    reading the row first: ``WHERE id = ? AND version = ?`` and its ``rowcount`` are the
    compare-and-set, and the row is read only to report a conflict. Otherwise the row is
    read first, as the columns to compare against are needed.

    An update sets only the indexed columns whose value changed: SQLite rewrites an index
    entry for every column in the SET list, changed or not, and pages written are what a
    commit costs.
    """
    kind = record.KIND
    if expected == 0:
        if conn.execute(_INSERT[kind], (record.id, record.version, text, *indexed)).rowcount:
            return
        _conflict(conn, kind, record.id, 0)
    if known is not None and known[0] == expected:
        old = known[1]
    else:
        current = conn.execute(_CURRENT[kind], (record.id,)).fetchone()
        if current is None or current[0] != expected:
            raise VersionConflictError(kind, record.id, expected,
                                       None if current is None else current[0])
        old = current[1:]
    changed = tuple([i for i, was in enumerate(old) if was != indexed[i]])
    if conn.execute(_update(kind, changed),
                    (record.version, text, *(indexed[i] for i in changed), record.id,
                     expected)).rowcount != 1:
        _conflict(conn, kind, record.id, expected)


def _conflict(conn: sqlite3.Connection, kind: str, record_id: str, expected: int) -> NoReturn:
    """Raise the conflict of a compare-and-set that matched no row, with the actual version."""
    current = conn.execute(_CURRENT[kind], (record_id,)).fetchone()
    raise VersionConflictError(kind, record_id, expected,
                               None if current is None else current[0])


@functools.cache
def _update(kind: str, changed: tuple[int, ...]) -> str:
    """The compare-and-set ``UPDATE`` of ``kind`` setting the indexed columns ``changed``
    (positions in ``_TABLES[kind]``); built once per combination."""
    table, columns = _TABLES[kind]
    assignments = "".join(f", {columns[i]} = ?" for i in changed)
    return (f"UPDATE {table} SET version = ?, record = ?{assignments} "  # noqa: S608
            "WHERE id = ? AND version = ?")


def _insert(conn: sqlite3.Connection, sql: str, rows: Sequence[tuple[object, ...]]) -> int:
    """Insert ``rows``; return how many rows were inserted. For ``executemany`` of a DML
    statement, sqlite3's ``rowcount`` is the sum of the rows each execution changed."""
    # One row (the common case) is cheaper through execute than executemany.
    if len(rows) == 1:
        return conn.execute(sql, rows[0]).rowcount
    return conn.executemany(sql, rows).rowcount


def _indexed(record: Record) -> tuple[object, ...]:
    """The values of ``_TABLES[record.KIND]``'s indexed columns for ``record``.

    A submission's are the columns of its :class:`SubmissionFacts` (dates as ISO text),
    read straight off the record: every command writes them.
    """
    if isinstance(record, Submission):
        due, mode, answered = record.due, record.answer_mode, record.answered_on
        return (record.state._value_, record.dialogue_id, record.department,
                None if due is None else due.date.isoformat(),
                _received_on(record.received_at), record.topic, record.channel._value_,
                None if mode is None else mode._value_,
                None if answered is None else answered.isoformat(), record.competent_level)
    if isinstance(record, Dialogue):
        return (record.state.value, record.scheduled_for.isoformat())
    raise InvalidInputError("records", f"expected a Dialogue or a Submission, got {record!r}")


_date = dt.date.fromisoformat
@last_by_identity
def _received_on(instant: dt.datetime) -> str:
    """The local date of reception as ISO text (astimezone costs ~2 µs; a submission's
    commands come in runs, each with its unchanged received_at)."""
    return instant.astimezone(VIETNAM_TZ).date().isoformat()
#: Rows a keyset-paged query returns at a time.
_PAGE = 5000


def _in(column: str, count: int) -> str:
    if count == 0:
        return "0"  # `x in frozenset()` is never true
    return f"{column} IN ({', '.join('?' * count)})"


def _micros(instant: dt.datetime) -> int:
    return (instant - _EPOCH) // _MICROSECOND


def _instant(micros: int | None) -> dt.datetime | None:
    return None if micros is None else _EPOCH + micros * _MICROSECOND


def _parse_url(url: str) -> tuple[str, dict[str, Any]]:
    """``sqlite:///path`` -> (path, options), following SQLAlchemy's spelling."""
    prefix = "sqlite://"
    if not _text(url) or not url.startswith(prefix):
        raise ConfigurationError(f"not an SQLite URL: {url!r} (expected sqlite:///path/to/file.db "
                                 "or sqlite:// for an in-memory database)")
    rest, _, query = url[len(prefix):].partition("?")
    if rest == "":
        path = ":memory:"
    elif rest.startswith("/") and rest != "/":
        path = unquote(rest[1:])
    else:
        raise ConfigurationError(
            f"bad SQLite URL {url!r}: use sqlite:///relative/path.db, "
            "sqlite:////absolute/path.db or sqlite:// (in memory); there is no host part")
    options: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if name == "busy_timeout":
            try:
                options[name] = float(value)
            except ValueError:
                raise ConfigurationError(f"{url!r}: busy_timeout must be a number of seconds, "
                                         f"not {value!r}") from None
        elif name in ("synchronous", "checkpoint"):
            options[name] = value.lower()
        else:
            raise ConfigurationError(f"{url!r}: unknown option {name!r} "
                                     "(known: busy_timeout, synchronous, checkpoint)")
    return path, options


def _seconds(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and 0 <= value <= 3600)


def _text(value: object) -> bool:
    return isinstance(value, str)
