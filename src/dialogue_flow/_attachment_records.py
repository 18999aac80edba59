"""The records of attachments (tệp đính kèm, issue 17): a file attached to a submission,
the limits a flow holds files to, and the grammar of the keys files are stored under.

An :class:`Attachment` is stored like the other records (versioned, written in a
:class:`~dialogue_flow.storage.Changeset` beside the audit-trail row of its submission);
its bytes live in a file store (``dialogue_flow._files``) under :attr:`Attachment.file_key`,
a key the library makes from the attachment's id, never from the file's own name. The
original name is kept only as metadata: it may be personal data ("Đơn của ông Nguyễn
Văn A.pdf"), so it never appears in ``repr``, a log line, an error or the audit trail, and
erasure clears it.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from typing import Any, ClassVar, Final

import attrs

from ._clock import VIETNAM_TZ
from ._errors import InvalidInputError
from ._file_types import KNOWN_TYPES
from ._records import DEFAULT_ORGANISATION, _aware, _record_id, _to_member
from ._validators import NAME, text, whole

__all__ = [
    "DEFAULT_MAX_BYTES",
    "KEY_RULE",
    "Attachment",
    "AttachmentKind",
    "AttachmentLimits",
    "check_key",
    "clean_name",
    "file_key",
]

#: The largest file a flow accepts unless told otherwise: 20 MiB (a scanned letter of a
#: few pages at 300 dpi is 1-5 MiB; a phone photo 2-8 MiB).
DEFAULT_MAX_BYTES: Final = 20 * 1024 * 1024

#: A key: 1-8 segments joined by "/", each 1-128 letters, digits, ".", "_" or "-" and
#: starting with a letter or digit. So no "..", no leading "/", no backslash, no ":" (a
#: Windows drive or stream), no NUL: a key names a file inside a store, nothing else.
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_KEY = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT}){{0,7}}")
KEY_RULE: Final = ("1-8 segments joined by '/', each 1-128 letters, digits, '.', '_' or '-' "
                   "starting with a letter or digit")

#: A file name kept as metadata: at most this many characters.
_NAME_LENGTH: Final = 255
_HEX64 = re.compile(r"[0-9a-f]{64}")


class AttachmentKind(enum.StrEnum):
    """Where a file comes from."""

    #: Handed in with the matter: the petitioner's letter scanned, a photo (tệp tiếp nhận).
    RECEIVED = "received"
    #: A document the office or a department issues for the matter: an answer letter, a
    #: notice (văn bản ban hành).
    ISSUED = "issued"


def check_key(key: object) -> str:
    """``key`` if it follows :data:`KEY_RULE`; otherwise :class:`InvalidInputError` on
    ``key`` (naming the rule, not the value past 80 characters)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key) or len(key) > 1024:
        shown = repr(key[:80]) if isinstance(key, str) else type(key).__name__
        raise InvalidInputError("key", f"{shown} is not a file key ({KEY_RULE})")
    return key


def file_key(attachment_id: str, at: dt.datetime) -> str:
    """The key an attachment's file is stored under: the year and month it was attached
    (Vietnamese time) and its id (``2026/01/att-0193f...``): a folder per month, so a
    backup can copy the months that changed, and never the user's file name."""
    month = at.astimezone(VIETNAM_TZ).strftime("%Y/%m")
    return check_key(f"{month}/{attachment_id.replace(':', '_')}")


def clean_name(name: object) -> str:
    """An original file name fit to keep as metadata: the last part of a path (``/`` or
    ``\\``), in NFC, without control characters, trimmed, at most 255 characters.

    :raises InvalidInputError: not text, or nothing left (the message never quotes it).
    """
    if not isinstance(name, str):
        raise InvalidInputError("name", f"expected the file's name as text, got "
                                f"{type(name).__name__}")
    last = re.split(r"[/\\]", name)[-1]
    kept = "".join(ch for ch in unicodedata.normalize("NFC", last)
                   if unicodedata.category(ch) not in ("Cc", "Cs", "Cf")).strip()
    if not kept or kept in (".", ".."):
        raise InvalidInputError("name", "no file name is left once its folders and control "
                                "characters are removed; give the file's own name")
    return kept[:_NAME_LENGTH]


def _attachment_kind(value: Any) -> AttachmentKind:
    return _to_member(AttachmentKind, "kind", value)


def _sha256(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                "expected a SHA-256 digest: 64 lowercase hex digits")


def _key(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    try:
        check_key(value)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                str(exc).removeprefix("key: ")) from None


def _content_type(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", value):
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                "expected a MIME type in lower case, e.g. application/pdf")


def _optional_aware(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _aware(inst, attribute, value)


@attrs.frozen
class Attachment:
    """A file attached to a submission: what it is, its size and content hash, where the
    file store keeps it, who attached it and when.

    Written once (version 1) by :meth:`~dialogue_flow.DialogueFlow.attach`; erasure writes
    version 2 (:meth:`erased`): the name cleared and the file deleted; size, hash and type
    stay, for the statistics and the shape of the history.
    """

    KIND: ClassVar[str] = "attachment"

    id: str = attrs.field(validator=_record_id)
    submission_id: str = attrs.field(validator=_record_id)
    version: int = attrs.field(validator=whole(minimum=1))
    kind: AttachmentKind = attrs.field(converter=_attachment_kind)
    #: Where the file store keeps the bytes (:func:`file_key`); never the user's file name.
    file_key: str = attrs.field(validator=_key)
    #: The MIME type, checked against the file's first bytes when it was attached.
    content_type: str = attrs.field(validator=_content_type)
    size: int = attrs.field(validator=whole())
    #: SHA-256 of the bytes, hex; verified on every read.
    sha256: str = attrs.field(validator=_sha256)
    attached_at: dt.datetime = attrs.field(validator=_aware)
    actor_id: str = attrs.field(validator=_record_id)
    #: The submission's organisation when it was attached.
    organisation_id: str = attrs.field(default=DEFAULT_ORGANISATION, validator=_record_id)
    #: The file's original name (metadata only; may be personal data: never in ``repr``,
    #: logs or the audit trail). ``None`` once erased.
    name: str | None = attrs.field(default=None, repr=False,
                                   validator=text(NAME, optional=True))
    #: When the file was deleted and the name cleared (erasure); ``None`` while held.
    erased_at: dt.datetime | None = attrs.field(default=None, validator=_optional_aware)

    @property
    def key(self) -> tuple[str, str]:
        """``(KIND, id)``, as every stored record (not the file's key: :attr:`file_key`)."""
        return (self.KIND, self.id)

    @property
    def erased(self) -> bool:
        """Whether the file was deleted and the name cleared."""
        return self.erased_at is not None

    def erasure(self, at: dt.datetime) -> Attachment:
        """The next version of this record once its file is erased at ``at``: no name, no
        file; what it was (type, size, hash, who attached it and when) stays."""
        return attrs.evolve(self, name=None, erased_at=at, version=self.version + 1)


def _known_types(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise InvalidInputError("types", "expected a list of MIME types, e.g. "
                                '["application/pdf", "image/jpeg"]')
    unknown = sorted(str(t) for t in value if t not in KNOWN_TYPES)
    if unknown:
        raise InvalidInputError("types", f"{unknown[0]!r} is not a type whose content the "
                                f"library can check; known: {', '.join(sorted(KNOWN_TYPES))}")
    if not value:
        raise InvalidInputError("types", "name at least one type (or leave the key out)")
    return frozenset(value)


@attrs.frozen
class AttachmentLimits:
    """What a flow accepts as an attachment: at most ``max_bytes`` and one of ``types``
    (MIME types whose first bytes the library can check: ``dialogue_flow._file_types``)."""

    max_bytes: int = attrs.field(default=DEFAULT_MAX_BYTES, validator=whole(minimum=1))
    types: frozenset[str] = attrs.field(default=frozenset(KNOWN_TYPES),
                                        converter=_known_types)
