"""Where attachments' bytes live: the :class:`FileStore` protocol, the folder store the
library ships, an in-memory one for tests, and opening a store by URL (issue 17).

The library chooses every key (:func:`~dialogue_flow._attachment_records.file_key`:
``2026/01/att-...``), never a user's file name, and a store refuses any key outside
:data:`~dialogue_flow._attachment_records.KEY_RULE`. :class:`FolderFileStore` also refuses
to follow a symbolic link below its folder, so no key reaches a file outside it.

Stores are opened by URL, like storage: the host's plugins first
(:func:`~dialogue_flow.hookspecs.dialogue_flow_open_file_store`), then the built-ins (a
folder path or ``file:///path``; ``memory://``), then the installed plugin named for the
URL's scheme in the ``dialogue_flow.files`` entry-point group (``s3 = "pkg:plugin"``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO, Final
from urllib.parse import unquote, urlsplit

from ._attachment_records import check_key
from ._errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    PluginError,
    StorageError,
)
from ._file_store import FileStore, StoredFile
from ._plugins import PluginManager

__all__ = [
    "FILES_GROUP",
    "FileStore",
    "FolderFileStore",
    "MemoryFileStore",
    "StoredFile",
    "folder_beside",
    "open_file_store",
]

#: The entry-point group naming, per URL scheme, the plugin that opens a file store.
FILES_GROUP: Final = "dialogue_flow.files"
_CHUNK: Final = 1024 * 1024
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_BINARY: Final = getattr(os, "O_BINARY", 0)


def sha256_of(file: IO[bytes], copy_to: IO[bytes] | None = None) -> str:
    """The SHA-256 (hex) of what is left to read of ``file``, read in chunks and written
    to ``copy_to`` on the way when given: the one hashing of a stored or backed-up file
    (attach, check, read, backup, restore)."""
    digest = hashlib.sha256()
    while chunk := file.read(_CHUNK):
        digest.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest()


class FolderFileStore:
    """Files in a folder: the key ``2026/01/att-x`` is the file ``ROOT/2026/01/att-x``.

    The folder is created at the first :meth:`put`. Each file is written with
    ``O_CREAT | O_EXCL | O_NOFOLLOW`` (a key is never reused, nothing is written through a
    link) and flushed to disk with its folder before :meth:`put` returns, so the database
    never records a file the disk may lose. A file half-written by a crash has no
    attachment record: ``dialogue-flow check`` reports it and ``repair`` removes it.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        if not _is_path(root):
            raise InvalidInputError("root", f"expected a folder path, got {root!r}")
        #: The folder, absolute, its own links resolved (an administrator may link it).
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"FolderFileStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file ``key`` names, inside :attr:`root`.

        :raises InvalidInputError: the key breaks the key rule, or a folder on the way is
            a symbolic link or leads outside the root.
        """
        parts = check_key(key).split("/")
        here = self.root
        for part in parts:
            here = here / part
            if here.is_symlink():
                raise InvalidInputError("key", f"{key!r} passes through a symbolic link in "
                                        "the file store; refused (links may lead outside it)")
        if not here.resolve().is_relative_to(self.root):
            raise InvalidInputError("key", f"{key!r} leads outside the file store's folder")
        return here

    def put(self, key: str, data: IO[bytes]) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.path(key)  # again: a folder made meanwhile must not be a link either
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY,
                         0o640)
        except FileExistsError:
            raise _storage_error(f"the file store already holds key {key}; nothing was "
                                 "replaced") from None
        except OSError as exc:
            raise _storage_error(f"cannot write key {key} in {self.root}: "
                                 f"{exc.strerror or exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(data, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
            _sync_folder(path.parent)
        except BaseException as exc:
            with suppress(OSError):
                path.unlink()
            if isinstance(exc, OSError):
                raise _storage_error(f"cannot write key {key} in {self.root}: "
                                     f"{exc.strerror or exc}; nothing was kept") from exc
            raise

    def open(self, key: str) -> IO[bytes]:
        path = self.path(key)
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
        except FileNotFoundError:
            raise NotFoundError("file", key) from None
        except OSError as exc:
            raise _storage_error(f"cannot read key {key} in {self.root}: "
                                 f"{exc.strerror or exc}") from exc
        return os.fdopen(fd, "rb")

    def delete(self, key: str) -> bool:
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise _storage_error(f"cannot remove key {key} in {self.root}: "
                                 f"{exc.strerror or exc}") from exc
        return True

    def exists(self, key: str) -> bool:
        path = self.path(key)
        return path.is_file() and not path.is_symlink()

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder, dirs, files in os.walk(self.root, followlinks=False):
            dirs.sort()
            here = Path(folder)
            for name in sorted(files):
                candidate = here / name
                if candidate.is_symlink() or not candidate.is_file():
                    continue
                key = candidate.relative_to(self.root).as_posix()
                with suppress(InvalidInputError):
                    yield check_key(key)

    def modified(self, key: str) -> dt.datetime:
        """When the file under ``key`` was last written. :raises NotFoundError:"""
        try:
            stat = self.path(key).lstat()
        except FileNotFoundError:
            raise NotFoundError("file", key) from None
        return dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)

    def inventory(self) -> Iterator[StoredFile]:
        """Every file with its size and SHA-256 (read whole: for a backup's manifest and
        its check, not for a page of a web app)."""
        for key in self.keys():
            with self.open(key) as file:
                digest = sha256_of(file)
                size = file.tell()
            yield StoredFile(key, size, digest, self.modified(key))


class MemoryFileStore:
    """Files in a dictionary, for tests and demos (and the default of an in-memory store:
    nothing survives the process)."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[bytes, dt.datetime]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryFileStore({len(self._files)} files)"

    def put(self, key: str, data: IO[bytes]) -> None:
        check_key(key)
        content = data.read()
        with self._lock:
            if key in self._files:
                raise _storage_error(f"the file store already holds key {key}; nothing was "
                                     "replaced")
            self._files[key] = (bytes(content), dt.datetime.now(dt.UTC))

    def open(self, key: str) -> IO[bytes]:
        check_key(key)
        with self._lock:
            found = self._files.get(key)
        if found is None:
            raise NotFoundError("file", key)
        return io.BytesIO(found[0])

    def delete(self, key: str) -> bool:
        check_key(key)
        with self._lock:
            return self._files.pop(key, None) is not None

    def exists(self, key: str) -> bool:
        check_key(key)
        with self._lock:
            return key in self._files

    def keys(self) -> Iterator[str]:
        with self._lock:
            return iter(sorted(self._files))

    def modified(self, key: str) -> dt.datetime:
        """When the file under ``key`` was stored. :raises NotFoundError:"""
        with self._lock:
            found = self._files.get(check_key(key))
        if found is None:
            raise NotFoundError("file", key)
        return found[1]

    def inventory(self) -> Iterator[StoredFile]:
        """Every file with its size and SHA-256."""
        with self._lock:
            files = sorted(self._files.items())
        for key, (content, at) in files:
            yield StoredFile(key, len(content), hashlib.sha256(content).hexdigest(), at)


def _is_path(value: object) -> bool:
    """A folder path or URL worth trying: text or a path, not blank."""
    return isinstance(value, (str, os.PathLike)) and bool(os.fspath(value).strip())


def _storage_error(message: str) -> StorageError:
    return StorageError(message)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk (POSIX: a new file's name survives a power cut)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- opening a store by URL -----------------------------------------------------------------


def open_file_store(url: str, plugins: PluginManager, *, base: Path | None = None,
                    ) -> FileStore:
    """The file store ``url`` names: what a host's plugin opens for it, a folder (a path,
    relative to ``base`` when given, or ``file:///absolute/path``), ``memory://``, or the
    installed ``dialogue_flow.files`` plugin for its scheme.

    :raises ConfigurationError: no store opens this scheme.
    """
    if not _is_path(url) or not isinstance(url, str):
        raise InvalidInputError("files", f"expected a folder path or a file store URL, got "
                                f"{url!r}")
    found = plugins.hook.dialogue_flow_open_file_store(url=url)
    if found is not None:
        return _checked(found, "a dialogue_flow_open_file_store plugin")
    if url == "memory://":
        return MemoryFileStore()
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigurationError(f"files: {url!r}: only local folders (file:///path)")
        return FolderFileStore(unquote(parts.path))
    if len(parts.scheme) < 2:  # no scheme, or a Windows drive letter: a folder path
        folder = Path(url)
        return FolderFileStore(folder if base is None or folder.is_absolute()
                               else base / folder)
    for ep in importlib.metadata.entry_points(group=FILES_GROUP):
        if ep.name == parts.scheme:
            return _open_with(ep, url, parts.scheme)
    raise ConfigurationError(
        f"no file store for {parts.scheme}:// URLs; built in: a folder path, file:///path, "
        "memory://. Install the plugin that opens them (it names itself for the scheme in "
        f"the {FILES_GROUP!r} entry-point group) or register one implementing "
        "dialogue_flow_open_file_store")


def folder_beside(database: str) -> FolderFileStore:
    """The folder store of a SQLite database file that names none: ``PATH-files``."""
    return FolderFileStore(f"{database}-files")


def _open_with(ep: importlib.metadata.EntryPoint, url: str, scheme: str) -> FileStore:
    try:
        plugin = ep.load()
    except Exception as exc:
        raise PluginError(f"the file store plugin for {scheme}:// URLs ({ep.value}) failed to "
                          f"load: {type(exc).__name__}: {exc}") from exc
    own = PluginManager()  # this plugin alone, and only its file store hook is called
    own.register(plugin, name=f"{FILES_GROUP}:{ep.name}")
    found = own.hook.dialogue_flow_open_file_store(url=url)
    if found is None:
        raise PluginError(f"the file store plugin for {scheme}:// URLs ({ep.value}) did not "
                          "open the URL")
    return _checked(found, f"the file store plugin for {scheme}:// URLs")


def _checked(store: object, who: str) -> FileStore:
    if not isinstance(store, FileStore):
        raise PluginError(f"{who} returned {type(store).__name__}, which is not a file store "
                          "(put, open, delete, exists, keys); see dialogue_flow.FileStore")
    return store

