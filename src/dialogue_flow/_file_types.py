"""Which files the library accepts, told by their content, not by their name (issue 17).

A MIME type is accepted only when the file's own bytes say it is that type: a ``.pdf``
that is really a program is refused, whatever the uploader claimed. Each known type has a
check on the content:

- PDF, JPEG, PNG, TIFF: their magic bytes (``%PDF-``; ``FF D8 FF``; the PNG signature;
  ``II*\\0`` or ``MM\\0*``);
- DOCX and XLSX (Office Open XML) and ODT (OpenDocument): a ZIP archive holding the part
  that makes it that kind of document (``word/document.xml``; ``xl/workbook.xml``; a
  ``mimetype`` entry naming ``application/vnd.oasis.opendocument.text``). Only the ZIP's
  directory and that one short entry are read, never anything decompressed at length;
- plain text: UTF-8 (a byte-order mark allowed) without NUL or other control characters
  than tab, line breaks and form feed.

Other types (video, executables, archives, legacy ``.doc``) are refused: a checked list is
one the office can trust; a host needing another type adds it here with its check.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Callable
from typing import IO, Final

from ._errors import InvalidInputError

__all__ = ["DOCX", "KNOWN_TYPES", "ODT", "XLSX", "detect", "matches", "normal_type"]

DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT: Final = "application/vnd.oasis.opendocument.text"

_HEAD: Final = 16
_CHUNK: Final = 64 * 1024
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _starts(*signatures: bytes) -> Callable[[IO[bytes]], bool]:
    def check(file: IO[bytes]) -> bool:
        file.seek(0)
        head = file.read(_HEAD)
        return any(head.startswith(signature) for signature in signatures)

    return check


def _zip_with(part: str) -> Callable[[IO[bytes]], bool]:
    def check(file: IO[bytes]) -> bool:
        names = _zip_names(file)
        return names is not None and "[Content_Types].xml" in names and part in names

    return check


def _zip_names(file: IO[bytes]) -> set[str] | None:
    file.seek(0)
    if file.read(4) != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(file) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None


def _odt(file: IO[bytes]) -> bool:
    file.seek(0)
    if file.read(4) != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(file) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 100:  # the entry is the type itself; anything longer is not
                return False
            return archive.read(info).strip() == ODT.encode()
    except (KeyError, zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
            EOFError, NotImplementedError, RuntimeError):
        return False


def _plain_text(file: IO[bytes]) -> bool:
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        while chunk := file.read(_CHUNK):
            if _CONTROL.search(decoder.decode(chunk)):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


#: MIME type -> the check its content must pass, in the order :func:`detect` tries them
#: (plain text last: most binary files fail it, but it proves least).
KNOWN_TYPES: Final[dict[str, Callable[[IO[bytes]], bool]]] = {
    "application/pdf": _starts(b"%PDF-"),
    "image/jpeg": _starts(b"\xff\xd8\xff"),
    "image/png": _starts(b"\x89PNG\r\n\x1a\n"),
    "image/tiff": _starts(b"II*\x00", b"MM\x00*"),
    DOCX: _zip_with("word/document.xml"),
    XLSX: _zip_with("xl/workbook.xml"),
    ODT: _odt,
    "text/plain": _plain_text,
}


def normal_type(content_type: object) -> str:
    """``content_type`` in lower case without parameters (``text/plain; charset=utf-8``
    is ``text/plain``).

    :raises InvalidInputError: not text.
    """
    if not isinstance(content_type, str) or "/" not in content_type:
        raise InvalidInputError("content_type", "expected a MIME type such as "
                                f"application/pdf, got {content_type!r}")
    return content_type.split(";", 1)[0].strip().lower()


def matches(content_type: str, file: IO[bytes]) -> bool:
    """Whether ``file`` (seekable) holds what ``content_type`` (a known type) says."""
    return KNOWN_TYPES[content_type](file)


def detect(file: IO[bytes], among: frozenset[str] | None = None) -> str | None:
    """The first known type (of ``among``, when given) whose check ``file`` passes."""
    for content_type, check in KNOWN_TYPES.items():
        if (among is None or content_type in among) and check(file):
            return content_type
    return None
