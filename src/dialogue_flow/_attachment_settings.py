"""The ``[attachments]`` table of a settings file (issue 17, part 3)::

    [attachments]
    folder = "files"            # relative to the settings file; or store = "s3://..."
    max_bytes = 20971520        # 20 MiB, the default
    types = ["application/pdf", "image/jpeg", "image/png"]

Without the table, a SQLite store keeps its files in the folder beside its database file
(``commune.db-files/``); another store (PostgreSQL) has no file store and attaching is
refused until one is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Protocol

import attrs

from ._attachment_records import AttachmentLimits
from ._errors import ConfigurationError, InvalidInputError
from ._file_store import FileStore
from ._file_types import KNOWN_TYPES
from ._files import folder_beside, open_file_store
from ._plugins import PluginManager

__all__ = ["AttachmentSettings", "read_attachments", "settings_file_store"]

_KEYS: Final = {
    "folder": 'the folder attachments are kept in, e.g. "files" (relative to this file)',
    "store": 'a file store URL a plugin opens, e.g. "s3://bucket/prefix"',
    "max_bytes": "the largest file accepted, in bytes (a whole number >= 1)",
    "types": f"a list of MIME types, some of {', '.join(sorted(KNOWN_TYPES))}",
}


class _Reader(Protocol):
    """What :func:`read_attachments` needs of the settings file's reader."""

    file: Path
    base: Path

    def fail(self, key: str, expected: str, value: object) -> ConfigurationError: ...

    def known(self, where: str, table: Mapping[str, object],
              keys: Mapping[str, str]) -> None: ...

    def text(self, key: str, value: object, expected: str) -> str: ...


@attrs.frozen
class AttachmentSettings:
    """A checked ``[attachments]`` table."""

    #: An absolute folder path or a store URL; ``None``: the flow's default.
    files: str | None = None
    limits: AttachmentLimits | None = None

    def flow_options(self) -> dict[str, Any]:
        """The constructor options the table sets (``files``, ``attachment_limits``)."""
        options: dict[str, Any] = {}
        if self.files is not None:
            options["files"] = self.files
        if self.limits is not None:
            options["attachment_limits"] = self.limits
        return options


def read_attachments(reader: _Reader, value: object) -> AttachmentSettings | None:
    """The ``[attachments]`` table, checked; ``None`` when the file has none.

    :raises ConfigurationError: naming the file, the key and what is expected.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise reader.fail("attachments", "an [attachments] table", value)
    reader.known("attachments.", value, _KEYS)
    if "folder" in value and "store" in value:
        raise ConfigurationError(f"{reader.file}: [attachments]: give either folder = "
                                 '"..." or store = "URL", not both')
    files: str | None = None
    if "folder" in value:
        folder = Path(reader.text("attachments.folder", value["folder"], _KEYS["folder"]))
        files = str(folder if folder.is_absolute() else (reader.base / folder).resolve())
    elif "store" in value:
        files = reader.text("attachments.store", value["store"], _KEYS["store"])
    limits = None
    if "max_bytes" in value or "types" in value:
        size = value.get("max_bytes", AttachmentLimits().max_bytes)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise reader.fail("attachments.max_bytes", _KEYS["max_bytes"], size)
        types = value.get("types", AttachmentLimits().types)
        try:
            limits = AttachmentLimits(max_bytes=size, types=types)
        except InvalidInputError as exc:
            raise ConfigurationError(f"{reader.file}: attachments.{exc}") from None
    return AttachmentSettings(files, limits)


def settings_file_store(attachments: AttachmentSettings | None, storage: str | None,
                        plugins: PluginManager) -> FileStore | None:
    """The file store a settings file's flows use: its ``[attachments]`` folder or store,
    else the folder beside its SQLite database file; ``None`` when it has neither (what a
    backup copies with the database)."""
    # Here, not at the top: importing storage._sqlite_url imports the storage package,
    # which reading a settings file (and `dialogue-flow --help`) does not need.
    from .storage._sqlite_url import parse_url  # noqa: PLC0415

    if attachments is not None and attachments.files is not None:
        return open_file_store(attachments.files, plugins)
    if storage is None or not storage.startswith("sqlite:"):
        return None
    path, _options = parse_url(storage)
    return None if path in ("", ":memory:") else folder_beside(path)
