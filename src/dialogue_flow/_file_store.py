"""The :class:`FileStore` protocol: where attachments' bytes are kept (issue 17, part 3).

The implementations the library ships (a folder, memory) and opening a store by URL are in
``dialogue_flow._files``; this module holds only the contract, so the hook specs and the
typing index name it without importing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import IO, Protocol, runtime_checkable

import attrs

__all__ = ["FileStore", "StoredFile"]


@runtime_checkable
class FileStore(Protocol):
    """What a file store provides. Keys follow
    :data:`~dialogue_flow._attachment_records.KEY_RULE` (check them with
    ``check_key``); a key outside it is an :class:`InvalidInputError`, never a path."""

    def put(self, key: str, data: IO[bytes]) -> None:
        """Store the bytes of ``data`` (read to its end) under the new ``key``, durably
        before returning. Never replaces a file.

        :raises StorageError: the key is taken, or the bytes could not be written (then
            nothing is left under ``key``).
        """
        ...

    def open(self, key: str) -> IO[bytes]:
        """The stored bytes, for reading (the caller closes it).

        :raises NotFoundError: no file under ``key`` (kind ``"file"``).
        """
        ...

    def delete(self, key: str) -> bool:
        """Remove the file under ``key``; ``False`` when there was none."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""
        ...

    def keys(self) -> Iterator[str]:
        """Every key holding a file, in no promised order (skipping what is not a file the
        store wrote: a symbolic link, a name outside the key rule)."""
        ...


@attrs.frozen
class StoredFile:
    """One file of a store, as a backup or ``dialogue-flow check`` lists it."""

    key: str
    size: int
    #: SHA-256 of the bytes, hex.
    sha256: str
    modified_at: dt.datetime
