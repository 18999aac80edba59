"""``dialogue-flow backup`` and ``restore`` (issue 17, part 4).

A backup is a new folder::

    backup-2026-01-05/
      manifest.json   what it holds, written last: a folder without it is not a backup
      store.db        the database, one SQLite file (no -wal/-shm)
      files/          every file of the attachments' file store, under its key

``store.db`` of a SQLite store is made by SQLite's online backup API: the database as of
one commit, while other processes go on writing. A store on another engine (PostgreSQL)
has its tables copied into a new SQLite file from one snapshot (``dialogue-flow copy``);
for a large PostgreSQL store, ``pg_dump -Fc`` is the usual way (docs/operations.md). The
files are copied after the database: a file attached meanwhile is copied without a record
(``check`` calls it an orphan), and a file erased meanwhile is missing from the backup,
as it should be.

The manifest holds the schema version, each table's row count and checksum (the ones
``copy`` compares: the same on every engine), the database file's SHA-256, and each
file's key, size and SHA-256. :func:`verify_backup` checks all of them;
:func:`restore_backup` verifies, then loads the backup into a new store on any engine
(refusing one that holds rows unless told to replace them) and puts the files into its
file store, each checked against its hash.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, Final, Protocol

import attrs

from ._clock import Clock, SystemClock
from ._copy import CopyResult, copy_tables
from ._errors import ConfigurationError, NotFoundError, StorageError
from ._files import sha256_of
from ._version import __version__
from .storage import Storage, sql
from .storage._sqlite import SQLiteStorage
from .storage._sqlite_tables import SQLiteSession
from .storage.sql import TableStore, TableSum, schema_tables, table_sum

__all__ = ["BackupFile", "BackupManifest", "RestoreResult", "backup_store", "restore_backup",
           "verify_backup"]

MANIFEST: Final = "manifest.json"
DATABASE: Final = "store.db"
FILES: Final = "files"
#: The manifest's ``format``; a later layout gets another.
FORMAT: Final = "dialogue-flow-backup/1"


class FileSource(Protocol):
    """What a backup reads of a file store (``dialogue_flow.FileStore`` has it)."""

    def keys(self) -> Iterator[str]: ...

    def open(self, key: str) -> IO[bytes]: ...


class FileTarget(FileSource, Protocol):
    """What a restore writes to a file store."""

    def put(self, key: str, data: IO[bytes]) -> None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool: ...


@attrs.frozen
class BackupFile:
    """One file of a backup: its key in the file store, size and SHA-256 (hex)."""

    key: str
    bytes: int
    sha256: str


@attrs.frozen
class BackupManifest:
    """What a backup holds (``manifest.json``)."""

    created_at: dt.datetime
    #: The dialogue_flow release that wrote it.
    library: str
    #: The backend class the store was read from (``SQLiteStorage``, ``PostgresStorage``).
    source: str
    schema_version: int
    database_bytes: int
    database_sha256: str
    #: Table name -> row count and checksum (:func:`dialogue_flow.storage.sql.table_sum`).
    tables: Mapping[str, TableSum]
    files: tuple[BackupFile, ...] = ()

    def to_json(self) -> str:
        data = {
            "format": FORMAT, "created_at": self.created_at.isoformat(),
            "dialogue_flow": self.library, "source": self.source,
            "schema_version": self.schema_version,
            "database": {"file": DATABASE, "bytes": self.database_bytes,
                         "sha256": self.database_sha256},
            "tables": {name: {"rows": s.rows, "sha256": s.sha256}
                       for name, s in self.tables.items()},
            "files": [attrs.asdict(f) for f in self.files],
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, where: Path) -> BackupManifest:
        """:raises StorageError: not a manifest this release reads."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise StorageError(f"{where}: not a {FORMAT} manifest "
                                   f"(format {data.get('format')!r})")
            database = data["database"]
            return cls(
                created_at=dt.datetime.fromisoformat(data["created_at"]),
                library=str(data["dialogue_flow"]), source=str(data["source"]),
                schema_version=int(data["schema_version"]),
                database_bytes=int(database["bytes"]),
                database_sha256=str(database["sha256"]),
                tables={str(name): TableSum(int(s["rows"]), str(s["sha256"]))
                        for name, s in data["tables"].items()},
                files=tuple(BackupFile(str(f["key"]), int(f["bytes"]), str(f["sha256"]))
                            for f in data["files"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StorageError(f"{where}: the manifest cannot be read "
                               f"({type(exc).__name__}: {exc})") from None


@attrs.frozen
class RestoreResult:
    """What :func:`restore_backup` loaded."""

    manifest: BackupManifest
    copy: CopyResult
    #: Files put into the target's file store, and files it held already (same bytes).
    files_restored: int = 0
    files_present: int = 0


# --- backup ------------------------------------------------------------------------------------


def backup_store(storage: Storage, folder: str | os.PathLike[str], *,
                 files: FileSource | None = None, clock: Clock | None = None,
                 ) -> BackupManifest:
    """Back ``storage`` and the files of ``files`` up into the new ``folder`` (module doc).

    :raises ConfigurationError: ``folder`` exists, or the store cannot be backed up (a
        memory:// store). Nothing is left of a backup that failed.
    :raises StorageError: the engine or the disk failed, or a file changed while it was
        copied.
    """
    target = Path(folder)
    if target.exists():
        raise ConfigurationError(f"{target} exists already; a backup goes into a new folder")
    if not isinstance(storage, TableStore):
        raise ConfigurationError(f"a {type(storage).__name__} cannot be backed up: only SQL "
                                 "stores (sqlite:, postgresql:) can; a memory:// store "
                                 "lives only in its process")
    now = (clock or SystemClock()).now()
    target.mkdir(parents=True)
    try:
        database = target / DATABASE
        if isinstance(storage, SQLiteStorage):
            storage.backup_to(database)
        else:
            with SQLiteStorage(database) as copy:
                copy_tables(storage, copy)
            with closing(sqlite3.connect(database, isolation_level=None)) as conn:
                conn.execute("PRAGMA journal_mode = DELETE")
        version, sums = _database_sums(database)
        copied = tuple(_copy_files(files, target / FILES)) if files is not None else ()
        manifest = BackupManifest(
            created_at=now, library=__version__, source=type(storage).__name__,
            schema_version=version, database_bytes=database.stat().st_size,
            database_sha256=_sha256_file(database), tables=sums, files=copied)
        _write_durably(target / MANIFEST, manifest.to_json())
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return manifest


def _database_sums(database: Path) -> tuple[int, dict[str, TableSum]]:
    """The schema version of the SQLite file ``database`` and the sum of every table of
    that version's schema (a backup written by an earlier release has fewer)."""
    with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True,
                                 isolation_level=None)) as conn:
        (version,) = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version"
                                  ).fetchone()
        session = SQLiteSession(conn)
        tables = schema_tables([m for m in sql.MIGRATIONS if m.version <= version])
        sums = {table.name: table_sum(session.rows(table)) for table in tables}
    return int(version), sums


def _copy_files(files: FileSource, folder: Path) -> Iterator[BackupFile]:
    """Copy every file of ``files`` under ``folder``, each checked by reading the copy
    back against the SHA-256 of what was read."""
    for key in sorted(files.keys()):
        path = _inside(folder, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with files.open(key) as source, path.open("xb") as out:
            digest = sha256_of(source, copy_to=out)
            size = out.tell()
            out.flush()
            os.fsync(out.fileno())
        if _sha256_file(path) != digest:
            raise StorageError(f"backup: the copy of file {key} differs from what was read; "
                               "check the backup disk")
        yield BackupFile(key, size, digest)


# --- verify and restore -----------------------------------------------------------------------


def verify_backup(folder: str | os.PathLike[str]) -> BackupManifest:
    """Check a backup against its manifest: the database file's size and SHA-256, every
    table's count and checksum, every file's size and SHA-256.

    :raises StorageError: naming the first thing that differs or is missing.
    """
    base = Path(folder)
    manifest_path = base / MANIFEST
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"{base} is not a backup (no readable {MANIFEST}: "
                           f"{exc.strerror or exc})") from None
    manifest = BackupManifest.from_json(text, manifest_path)
    database = base / DATABASE
    if not database.is_file():
        raise StorageError(f"{base}: {DATABASE} is missing")
    if (database.stat().st_size, _sha256_file(database)) != (
            manifest.database_bytes, manifest.database_sha256):
        raise StorageError(f"{base}: {DATABASE} is not the file the backup wrote (its size "
                           "or SHA-256 differs from the manifest's)")
    version, sums = _database_sums(database)
    if version != manifest.schema_version or sums != dict(manifest.tables):
        raise StorageError(f"{base}: the tables of {DATABASE} differ from the manifest's")
    for file in manifest.files:
        path = _inside(base / FILES, file.key)
        if not path.is_file():
            raise StorageError(f"{base}: file {file.key} is missing")
        if (path.stat().st_size, _sha256_file(path)) != (file.bytes, file.sha256):
            raise StorageError(f"{base}: file {file.key} differs from the manifest's "
                               "SHA-256")
    return manifest


def restore_backup(folder: str | os.PathLike[str], target: Storage, *,
                   files: FileTarget | None = None, replace: bool = False) -> RestoreResult:
    """Verify the backup in ``folder``, then load it into ``target`` (any SQL store, empty
    unless ``replace``) and its files into ``files``.

    The files go first, each checked against its SHA-256 (a file the store holds already
    with the same bytes is kept); then the tables, in one transaction checked table by
    table (:func:`~dialogue_flow._copy.copy_store`). If the tables fail, the files this
    call added are removed again. A backup written by an earlier release is brought to
    this release's schema on the way (in a temporary copy; the backup is never changed).

    :raises ConfigurationError: the backup has files and no file store was given, the
        target holds rows (without ``replace``), or the backup is newer than this release.
    :raises StorageError: the backup does not match its manifest, or a file store holds
        other bytes under one of the backup's keys. Nothing was written.
    """
    manifest = verify_backup(folder)
    base = Path(folder)
    if manifest.files and files is None:
        raise ConfigurationError(
            f"{base} holds {len(manifest.files)} attachment files and no file store was "
            "given for them: give one (--files FOLDER, or the settings' [attachments]); "
            "nothing was written")
    if not isinstance(target, TableStore):
        raise ConfigurationError(f"cannot restore into a {type(target).__name__}: only SQL "
                                 "stores (sqlite:, postgresql:) can be restored into")
    added: list[str] = []
    present = 0
    try:
        if files is not None:
            for file in manifest.files:
                if _put_checked(files, file, _inside(base / FILES, file.key)):
                    added.append(file.key)
                else:
                    present += 1
        with _working_copy(base / DATABASE) as source:
            copied = copy_tables(source, target, replace=replace)
    except BaseException:
        for key in added:
            files.delete(key)  # type: ignore[union-attr] # added only with a file store
        raise
    return RestoreResult(manifest, copied, len(added), present)


def _put_checked(files: FileTarget, file: BackupFile, path: Path) -> bool:
    """Put ``file`` into ``files`` unless it holds those bytes already (``False``)."""
    if files.exists(file.key):
        if _sha256_stream(files, file.key) != file.sha256:
            raise StorageError(f"the file store holds other bytes under {file.key} than the "
                               "backup; nothing was replaced")
        return False
    with path.open("rb") as data:
        files.put(file.key, data)
    if _sha256_stream(files, file.key) != file.sha256:
        files.delete(file.key)
        raise StorageError(f"file {file.key} read back from the file store differs from the "
                           "backup")
    return True


@contextmanager
def _working_copy(database: Path) -> Iterator[SQLiteStorage]:
    """The backup's database opened from a temporary copy (opening migrates an older one;
    the backup itself stays as written)."""
    with tempfile.TemporaryDirectory(prefix="dialogue-flow-restore-") as work:
        copy = Path(work) / DATABASE
        shutil.copyfile(database, copy)
        with SQLiteStorage(copy, create=False) as storage:
            yield storage


# --- helpers ---------------------------------------------------------------------------------


def _inside(folder: Path, key: str) -> Path:
    """The path of ``key`` under ``folder``; a key that would leave it is refused."""
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") or "\\" in part for part in parts):
        raise StorageError(f"a backup file key may not be {key!r}")
    path = folder.joinpath(*parts)
    if not path.resolve().is_relative_to(folder.resolve()):
        raise StorageError(f"backup file key {key!r} leads outside the backup")
    return path


def _sha256_file(path: Path) -> str:
    with path.open("rb") as file:
        return sha256_of(file)


def _sha256_stream(files: FileSource, key: str) -> str:
    try:
        with files.open(key) as file:
            return sha256_of(file)
    except NotFoundError:
        return ""


def _write_durably(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, flush it, then rename it: the
    manifest is there whole or not at all."""
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
