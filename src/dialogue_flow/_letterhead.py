"""Who issues a document and how its header reads (issue 18): the party's document format.

The party's guidance on document format (Hướng dẫn 36-HD/VPTW of 2018 of the Central
Party Office) puts "ĐẢNG CỘNG SẢN VIỆT NAM" at the top right and at the top left the
superior party body above the issuing committee, with a "*" under it and the document's
number below: "Số 12-TB/ĐU", the running number per type of document (TB thông báo, BC báo
cáo, CV công văn), issuing committee and year, then the committee's short code (ĐU: Đảng
ủy, TU: Tỉnh ủy). The signature block reads "T/M BAN THƯỜNG VỤ" / "BÍ THƯ".

A :class:`Letterhead` holds those words for one organisation. :func:`letterhead_of` derives
them from the organisation's record (its name is the committee's: "Đảng ủy xã Mẫu Đông"
under "Tỉnh ủy Mẫu"); the settings file's ``[documents]`` table replaces any of them
(:mod:`dialogue_flow._document_settings`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

import attrs

from ._document_settings import LETTERHEAD_FIELDS
from ._labels import MONTHS_EN
from ._records import Organisation

__all__ = ["LETTERHEAD_FIELDS", "Letterhead", "date_line", "day_text", "letterhead_of"]

@attrs.frozen
class Letterhead:
    """The words of one organisation's document header and signature block."""

    issuer: str
    superior: str = ""
    issuer_code: str = "ĐU"
    place: str = ""
    on_behalf: str = "T/M BAN THƯỜNG VỤ"
    signer_title: str = "BÍ THƯ"
    signer: str = ""
    office: str = "Văn phòng Đảng ủy"
    #: The committee above, as "Nơi nhận" names it ("Thường trực Tỉnh ủy Mẫu (để b/c)").
    superior_committee: str = ""

    def replaced(self, changes: Mapping[str, str]) -> Letterhead:
        """This letterhead with the fields ``changes`` names (those of
        :data:`LETTERHEAD_FIELDS`) replaced."""
        return attrs.evolve(self, **dict(changes))


_PREFIXES: Final = ("đảng ủy ", "đảng uỷ ", "tỉnh ủy ", "tỉnh uỷ ", "thành ủy ", "thành uỷ ")
_UNITS: Final = ("xã ", "phường ", "đặc khu ", "thị trấn ")


def letterhead_of(organisation: Organisation | None,
                  parent: Organisation | None = None) -> Letterhead:
    """The letterhead derived from ``organisation``'s record and its ``parent``'s.

    Without a record (a store whose matters all belong to the default organisation) the
    header names only "ĐẢNG ỦY" and leaves the place blank: set ``[documents] issuer``,
    ``superior`` and ``place`` in the settings file.
    """
    if organisation is None:
        return Letterhead(issuer="ĐẢNG ỦY")
    province = organisation.level == "province"
    issuer = organisation.name.upper()
    superior = "" if parent is None else _party_body(parent.name)
    office = ("Văn phòng Tỉnh ủy" if province else "Văn phòng Đảng ủy")
    return Letterhead(issuer=issuer, superior=superior,
                      issuer_code="TU" if province else "ĐU",
                      place=_place(organisation.name), office=office,
                      superior_committee="" if parent is None else parent.name)


def _party_body(name: str) -> str:
    """"Tỉnh ủy Mẫu" → "ĐẢNG BỘ TỈNH MẪU" (the header's line above a commune's committee);
    a name of another shape as it is, in capitals."""
    lowered = name.lower()
    for prefix, body in (("tỉnh ủy ", "tỉnh "), ("tỉnh uỷ ", "tỉnh "),
                         ("thành ủy ", "thành phố "), ("thành uỷ ", "thành phố ")):
        if lowered.startswith(prefix):
            return f"ĐẢNG BỘ {body}{name[len(prefix):]}".upper()
    return name.upper()


def _place(name: str) -> str:
    """"Đảng ủy xã Mẫu Đông" → "Mẫu Đông": the place of the date line."""
    rest = name
    for prefix in _PREFIXES:
        if rest.lower().startswith(prefix):
            rest = rest[len(prefix):]
            break
    for unit in _UNITS:
        if rest.lower().startswith(unit):
            rest = rest[len(unit):]
            break
    return rest.strip()


def day_text(day: dt.date, language: str) -> str:
    """``ngày 03 tháng 6 năm 2021`` (the guidance writes a day below 10 and the months 1
    and 2 with a leading zero) / ``3 June 2021``."""
    if language == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(letterhead: Letterhead, day: dt.date, language: str) -> str:
    """The italic place-and-date line: ``Mẫu Đông, ngày 03 tháng 6 năm 2021`` (the place
    left as dots to fill by hand when none is known)."""
    place = letterhead.place or "……"
    return f"{place}, {day_text(day, language)}"
