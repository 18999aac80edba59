"""The settings file's ``[documents]`` table (issue 18), read without the flow.

```toml
[documents]
templates = "templates"          # a folder of KIND.docx replacing the plugin's own
issuer = "ĐẢNG ỦY XÃ THẠCH TÂN"  # any field of the letterhead, for every organisation
place = "Thạch Tân"
signer = "Nguyễn Văn A"

[documents.recipients]           # "Nơi nhận", per kind of document
announcement = ["Thường trực Đảng ủy,", "Các chi bộ,", "Lưu Văn phòng Đảng ủy."]

[documents.organisation.xa-mau-dong]   # one organisation's own letterhead fields
signer = "Trần Thị B"
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

import attrs

from ._document_records import DocumentKind

if TYPE_CHECKING:
    from ._errors import ConfigurationError
    from ._letterhead import Letterhead

__all__ = ["DOCUMENT_KINDS", "LETTERHEAD_FIELDS", "DocumentSettings", "read_documents"]

#: The kinds of document the library builds (:class:`~dialogue_flow.DocumentKind`'s values).
DOCUMENT_KINDS: Final = tuple(kind.value for kind in DocumentKind)

#: The letterhead's fields a settings file may set, and what each is (kept here, not in
#: :mod:`dialogue_flow._letterhead`: reading a settings file imports no label tables).
LETTERHEAD_FIELDS: Final = {
    "issuer": 'the issuing committee as the header shows it, e.g. "ĐẢNG ỦY XÃ MẪU ĐÔNG"',
    "superior": 'the party body above it, e.g. "ĐẢNG BỘ TỈNH MẪU" ("" for none)',
    "issuer_code": 'the committee\'s code after the number, e.g. "ĐU" or "TU"',
    "place": 'the place of the date line, e.g. "Mẫu Đông"',
    "on_behalf": 'the line above the signer\'s title, e.g. "T/M BAN THƯỜNG VỤ"',
    "signer_title": 'the signer\'s title, e.g. "BÍ THƯ"',
    "signer": "the signer's name (\"\" to sign by hand)",
    "office": 'the office that files the copy, e.g. "Văn phòng Đảng ủy"',
    "superior_committee": 'the superior committee a copy is sent to, e.g. "Tỉnh ủy Mẫu"',
}


_KEYS: Final = {
    "templates": 'a folder of templates, e.g. "templates" (one KIND.docx each)',
    "recipients": "a [documents.recipients] table: kind = [lines of Nơi nhận]",
    "organisation": "[documents.organisation.ID] tables of letterhead fields",
    **LETTERHEAD_FIELDS,
}


@attrs.frozen
class DocumentSettings:
    """What ``[documents]`` sets: the template folder, letterhead fields for every
    organisation and per organisation, and the recipients per kind."""

    templates: Path | None = None
    letterhead: Mapping[str, str] = attrs.field(factory=dict)
    organisations: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    recipients: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    def letterhead_for(self, organisation_id: str, derived: Letterhead) -> Letterhead:
        """``derived`` with this file's fields for every organisation, then
        ``organisation_id``'s own, over it."""
        return derived.replaced(self.letterhead).replaced(
            self.organisations.get(organisation_id, {}))


class _Reader(Protocol):
    """What :func:`read_documents` needs of the settings file's reader."""

    base: Path

    def fail(self, key: str, expected: str, value: object) -> ConfigurationError: ...

    def known(self, where: str, table: Mapping[str, object],
              keys: Mapping[str, str]) -> None: ...


def read_documents(reader: _Reader, value: object) -> DocumentSettings | None:
    """The ``[documents]`` table; ``None`` without it.

    :raises ConfigurationError: naming the file, the key and what is expected.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise reader.fail("documents", "a [documents] table", value)
    reader.known("documents.", value, _KEYS)
    templates = value.get("templates")
    if templates is not None and (not isinstance(templates, str) or not templates.strip()):
        raise reader.fail("documents.templates", _KEYS["templates"], templates)
    organisations = value.get("organisation", {})
    if not isinstance(organisations, Mapping):
        raise reader.fail("documents.organisation", _KEYS["organisation"], organisations)
    return DocumentSettings(
        templates=None if templates is None else reader.base / templates,
        letterhead=_fields(reader, "documents.", value),
        organisations={str(org): _fields(reader, f"documents.organisation.{org}.", table)
                       for org, table in organisations.items()},
        recipients=_recipients(reader, value.get("recipients", {})))


def _fields(reader: _Reader, where: str, table: object) -> dict[str, str]:
    if not isinstance(table, Mapping):
        raise reader.fail(where.rstrip("."), "a table of letterhead fields", table)
    if where != "documents.":
        reader.known(where, table, LETTERHEAD_FIELDS)
    fields: dict[str, str] = {}
    for key in LETTERHEAD_FIELDS:
        if key in table:
            text = table[key]
            if not isinstance(text, str):
                raise reader.fail(f"{where}{key}", LETTERHEAD_FIELDS[key], text)
            fields[key] = text.strip()
    return fields


def _recipients(reader: _Reader, table: object) -> dict[str, tuple[str, ...]]:
    expected = 'a list of lines, e.g. ["Thường trực Đảng ủy,", "Lưu VP."]'
    if not isinstance(table, Mapping):
        raise reader.fail("documents.recipients", _KEYS["recipients"], table)
    reader.known("documents.recipients.", table, dict.fromkeys(DOCUMENT_KINDS, expected))
    chosen: dict[str, tuple[str, ...]] = {}
    for kind, lines in table.items():
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise reader.fail(f"documents.recipients.{kind}", expected, lines)
        chosen[str(kind)] = tuple(lines)
    return chosen
