"""An opt-in background checkpointer for SQLite files in WAL mode.

``SQLiteStorage(path, checkpoint="background")`` (or ``?checkpoint=background``) starts one;
the default, ``"inline"``, leaves checkpoints to the commits, SQLite's way: a commit that
leaves more than ``WAL_AUTOCHECKPOINT`` (4000) pages, ~16 MiB, in the WAL copies them.

Measured with ``benchmarks/storage.py`` on ext4 (2 cores): it gains with
``synchronous="normal"`` (~2,000-2,250 -> ~2,900-3,200 committed commands/s) and nothing
with the default ``synchronous="full"``, where each commit waits for its own ``fdatasync``
of the WAL whoever checkpoints. So it is off unless asked for.

How it works and why the WAL stays bounded:

Copying the WAL's pages into the database syncs the WAL and then the database, and those
syncs were most of what a commit cost with NORMAL when commits did it themselves. So the
thread, with its own connection, does it (SQLite's WAL documentation, "Application-
Initiated Checkpoints": a checkpoint run in another thread means the thread doing the
updates "will never block on a sync operation"). Every :data:`CHECKPOINT_EVERY` (300)
write transactions of the storage (commits, outbox claims and updates) it runs
``PRAGMA wal_checkpoint(PASSIVE)`` (which never waits for readers or writers and never
calls the busy handler; ``sqlite3_wal_checkpoint_v2``) again and again without the
storage's lock while commits go on (``sqlite3`` releases the GIL while SQLite works),
until a pass finds only a few new frames; then one more pass *under the lock*, so that no
commit of the storage lands between the copy of the last frame and the next commit, which
therefore starts the WAL over from its beginning. That last pass waits for two small
syncs (~1-7 ms per round, once per ~300 commits). Errors are logged on the
``dialogue_flow`` logger and the next round retries; commands never see them.
``SQLiteStorage.close`` stops and joins the thread first (not under the lock: the thread
needs it), so its connection is closed before the storage's.

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
``PRAGMA journal_size_limit`` (``JOURNAL_SIZE_LIMIT``, 64 MiB) cuts back a WAL file
that one large transaction grew (a sweep, a migration) when it is next reset; below it
the file is kept, as overwriting blocks a file already has is cheaper than appending
them, above all with FULL. Reading a WAL of this size costs little: SQLite finds a page
through the wal-index hash tables in shared memory. A checkpoint does not change what
survives a crash: the WAL is synced before its pages are copied, the database before
the WAL is started over, whichever connection runs it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Final

__all__ = ["CHECKPOINT_EVERY", "WAL_AUTOCHECKPOINT", "WAL_BACKSTOP", "Checkpointer"]

logger = logging.getLogger("dialogue_flow")

#: WAL pages (4 KiB each) after which a commit checkpoints them into the database: ~16 MiB,
#: four times SQLite's default ("Performance Considerations" in SQLite's WAL documentation:
#: fewer checkpoints favour writes; 1000 -> 4000 took NORMAL from ~1,600 to ~2,000
#: commits/s, 8000 gained nothing).
WAL_AUTOCHECKPOINT: Final = 4000
#: Commits of the storage between two rounds of the checkpointer thread: ~300 commits of
#: ~12 pages, close to WAL_AUTOCHECKPOINT pages.
CHECKPOINT_EVERY: Final = 300
#: With the thread, the committing connection's ``wal_autocheckpoint``: a backstop that
#: bounds the WAL if the thread dies or falls behind.
WAL_BACKSTOP: Final = 4 * WAL_AUTOCHECKPOINT


class Checkpointer:
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

    def __init__(self, path: str, synchronous: str, busy_timeout: float,
                 lock: threading.RLock) -> None:
        self._path = path
        self._synchronous = synchronous
        self._busy_timeout = busy_timeout
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
