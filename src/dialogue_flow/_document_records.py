"""Issued documents and their numbers (issue 18).

A party office numbers what it issues as the party's guidance on documents says (Hướng dẫn
36-HD/VPTW of the Central Party Office, on the format of party documents): per type of
document, per issuing body, per year, starting again at 1 on 1 January. The number is
printed beside the type's abbreviation and the issuer's, "Số 12-TB/ĐU": the twelfth
*thông báo* the commune's party committee issued this year. A number once given is never
given again, whatever becomes of the document.

The library issues four kinds; an announcement and a conclusion notice are both
*thông báo* (series TB) and so share one sequence:

==================  ======  ============================  ===============
kind                series  type of document              subject
==================  ======  ============================  ===============
announcement        TB      thông báo                     a dialogue
conclusion_notice   TB      thông báo (kết luận)          a dialogue
answer              CV      công văn (trả lời)            a submission
report              BC      báo cáo                       a report's scope
==================  ======  ============================  ===============

An :class:`IssuedDocument` is what the store keeps of one: who issued what, about which
record, with which number, on which day. Issuing the same kind for the same subject again
is a reprint (the same number); a reissue takes a new number and the old one stays used.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ._errors import InvalidInputError
from ._records import _ID, _ID_RULE, _record_id, _to_member
from ._validators import day, whole

__all__ = ["SERIES", "SUBJECT_KINDS", "DocumentKind", "IssuedDocument", "check_document",
           "document_filters"]


class DocumentKind(enum.StrEnum):
    """The documents the library issues, each numbered in a series (:data:`SERIES`)."""

    ANNOUNCEMENT = "announcement"  # thông báo tổ chức tiếp xúc, đối thoại
    CONCLUSION_NOTICE = "conclusion_notice"  # thông báo kết luận
    ANSWER = "answer"  # công văn trả lời kiến nghị của công dân
    REPORT = "report"  # báo cáo

    @property
    def series(self) -> str:
        """The abbreviation of its type of document, which its number is counted in."""
        return SERIES[self]

    @property
    def subject_kind(self) -> str:
        """What it is about: ``"dialogue"``, ``"submission"`` or ``"report"``."""
        return SUBJECT_KINDS[self]


#: Kind -> the series its number is counted in (Hướng dẫn 36-HD/VPTW: per type of
#: document). The announcement and the conclusion notice are both thông báo: one sequence.
SERIES: Final[Mapping[DocumentKind, str]] = {
    DocumentKind.ANNOUNCEMENT: "TB",
    DocumentKind.CONCLUSION_NOTICE: "TB",
    DocumentKind.ANSWER: "CV",
    DocumentKind.REPORT: "BC",
}

#: Kind -> the kind of its subject: a record kind, or ``"report"`` (a report's scope).
SUBJECT_KINDS: Final[Mapping[DocumentKind, str]] = {
    DocumentKind.ANNOUNCEMENT: "dialogue",
    DocumentKind.CONCLUSION_NOTICE: "dialogue",
    DocumentKind.ANSWER: "submission",
    DocumentKind.REPORT: "report",
}

#: Years a number may be counted in (a date's year; four digits on the page).
_FIRST_YEAR, _LAST_YEAR = 1900, 9999


def _document_kind(value: Any) -> DocumentKind:
    return _to_member(DocumentKind, "IssuedDocument.kind", value)


def _series(inst: IssuedDocument, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value != SERIES[inst.kind]:
        raise InvalidInputError("IssuedDocument.series", f"a document of kind {inst.kind} "
                                f"is numbered in series {SERIES[inst.kind]!r}")


def _subject_kind(inst: IssuedDocument, _attribute: attrs.Attribute[Any],
                  value: object) -> None:
    if value != SUBJECT_KINDS[inst.kind]:
        raise InvalidInputError("IssuedDocument.subject_kind", f"a document of kind {inst.kind} "
                                f"is about a {SUBJECT_KINDS[inst.kind]}")


def _year(_inst: IssuedDocument, _attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not (
            _FIRST_YEAR <= value <= _LAST_YEAR):
        raise InvalidInputError("IssuedDocument.year",
                                f"expected a year {_FIRST_YEAR}-{_LAST_YEAR}")


def _issued_on(inst: IssuedDocument, attribute: attrs.Attribute[Any], value: object) -> None:
    day()(inst, attribute, value)
    if isinstance(value, dt.date) and value.year != inst.year:
        raise InvalidInputError("IssuedDocument.issued_on", "a document is numbered in the "
                                "year it is issued: issued_on must fall in year")


@attrs.frozen
class IssuedDocument:
    """One document issued by an organisation, with its number.

    ``number`` counts per ``organisation_id``, ``series`` and ``year`` from 1 (Hướng dẫn
    36-HD/VPTW: per type of document, per issuing body, per year); a store gives it when
    it records the document (:meth:`~dialogue_flow.storage.Storage.issue_document`), so a
    document built to be issued holds 0 until then. No personal data: ids, a day and a
    number.
    """

    #: The issuing organisation (the committee whose office keeps the register).
    organisation_id: str = attrs.field(validator=_record_id)
    kind: DocumentKind = attrs.field(converter=_document_kind)
    #: The abbreviation of its type of document: "TB", "CV" or "BC" (:data:`SERIES`).
    series: str = attrs.field(validator=_series)
    #: The year its number is counted in: that of ``issued_on``.
    year: int = attrs.field(validator=_year)
    #: 1, 2, ... per (organisation, series, year); never given twice. 0: not numbered yet.
    number: int = attrs.field(validator=whole())
    #: ``"dialogue"``, ``"submission"`` or ``"report"`` (:data:`SUBJECT_KINDS`).
    subject_kind: str = attrs.field(validator=_subject_kind)
    #: The dialogue's or submission's id; for a report, its scope ("2021-H1",
    #: "2021-H1:subtree", "2021-H1:rollup").
    subject_id: str = attrs.field(validator=_record_id)
    issued_on: dt.date = attrs.field(validator=_issued_on)
    #: The id of the actor who issued it.
    issued_by: str = attrs.field(validator=_record_id)

    @property
    def numbered(self) -> bool:
        """Whether it has its number (a store gave it one)."""
        return self.number > 0


def check_document(value: object) -> IssuedDocument:
    """``value`` if it is an :class:`IssuedDocument` (for backend authors)."""
    if not isinstance(value, IssuedDocument):
        raise InvalidInputError("document", f"expected an IssuedDocument, got "
                                f"{type(value).__name__}")
    return value


def document_filters(organisation_id: object, subject_id: object, kind: object,
                     ) -> tuple[str | None, str | None, str | None]:
    """The filters of :meth:`~dialogue_flow.storage.Storage.documents`, checked: ids (or
    ``None``) and a :class:`DocumentKind` (or its value, or ``None``) as its value."""
    for field, value in (("organisation_id", organisation_id), ("subject_id", subject_id)):
        if value is not None and (not isinstance(value, str) or not _ID.match(value)):
            raise InvalidInputError(field, f"expected an id ({_ID_RULE}) or None")
    found = None if kind is None else _to_member(DocumentKind, "kind", kind).value
    return organisation_id, subject_id, found  # type: ignore[return-value] # checked above
