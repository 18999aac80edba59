"""The register of submissions (sổ theo dõi kiến nghị): its columns, as a spreadsheet
export writes them and an import reads them by default (issue 18).

Every office keeps one, in Excel, with columns much like these. ``dialogue-flow export
register`` writes them; ``dialogue-flow import`` reads a file with these headers (in
Vietnamese or English) without a mapping, and any other headers with one (``--map
FIELD=HEADER``). Columns marked personal hold the petitioner's identity: an export carries
them only when asked for personal data, and an import never quotes their cells in an
error.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["PERSONAL_FIELDS", "REGISTER_COLUMNS", "RegisterColumn", "register_column"]


@attrs.frozen
class RegisterColumn:
    """One column of the register."""

    #: The stable key (an import's mapping names it).
    field: str
    #: The header in Vietnamese and in English.
    vi: str
    en: str
    #: ``"text"``, ``"date"``, ``"integer"`` (as :func:`dialogue_flow_write_table` types).
    type: str
    #: The width in characters a spreadsheet gives it.
    width: int
    #: The petitioner's identity (left out of an export without personal data).
    personal: bool = False

    def label(self, language: str) -> str:
        """The header in ``language`` (``"vi"`` or ``"en"``)."""
        return self.vi if language == "vi" else self.en


#: The register's columns, in the order an export writes them.
REGISTER_COLUMNS: Final[tuple[RegisterColumn, ...]] = (
    RegisterColumn("number", "Số thứ tự", "No.", "text", 10),
    RegisterColumn("id", "Mã hồ sơ", "Record id", "text", 14),
    RegisterColumn("tracking_code", "Mã tra cứu", "Tracking code", "text", 14),
    RegisterColumn("received_on", "Ngày tiếp nhận", "Received on", "date", 14),
    RegisterColumn("organisation", "Tổ chức", "Organisation", "text", 16),
    RegisterColumn("channel", "Hình thức tiếp nhận", "Channel", "text", 22),
    RegisterColumn("kind", "Loại", "Kind", "text", 14),
    RegisterColumn("name", "Họ và tên", "Name", "text", 24, personal=True),
    RegisterColumn("address", "Địa chỉ", "Address", "text", 28, personal=True),
    RegisterColumn("phone", "Điện thoại", "Phone", "text", 14, personal=True),
    RegisterColumn("email", "Thư điện tử", "E-mail", "text", 22, personal=True),
    RegisterColumn("topic", "Lĩnh vực", "Topic", "text", 22),
    RegisterColumn("content", "Nội dung", "Content", "text", 60),
    RegisterColumn("department", "Cơ quan, bộ phận giải quyết", "Department", "text", 26),
    RegisterColumn("competent_level", "Cấp có thẩm quyền", "Competent level", "text", 20),
    RegisterColumn("state", "Tình trạng", "State", "text", 16),
    RegisterColumn("due", "Hạn giải quyết", "Due", "date", 14),
    RegisterColumn("answered_on", "Ngày trả lời", "Answered on", "date", 14),
    RegisterColumn("answer", "Nội dung trả lời", "Answer", "text", 50),
    RegisterColumn("overdue", "Quá hạn", "Overdue", "text", 10),
    RegisterColumn("dialogue", "Hội nghị đối thoại", "Dialogue", "text", 14),
)

#: The fields that hold the petitioner's identity.
PERSONAL_FIELDS: Final = frozenset(c.field for c in REGISTER_COLUMNS if c.personal)

_BY_FIELD: Final = {c.field: c for c in REGISTER_COLUMNS}


def register_column(field: str) -> RegisterColumn:
    """The column of ``field`` (:exc:`KeyError` for a field the register has not)."""
    return _BY_FIELD[field]
