"""The words people read in reports and in the demo's timeline, in Vietnamese and English.

Machine-readable output keeps its stable English keys: the enum values (``received``,
``spoken``, ``in_writing``, ``settled_at_meeting``) and the figure names
(``answered_on_the_spot``) of JSON and of the CSV's key columns. These tables give each
key its label. The three lifecycles' states take the labels their declarations carry
(``SUBMISSION.labels``, ``DIALOGUE.labels``, ``RECEPTION.labels``); the rest follows the
glossary of the domain notes ("Glossary for labels"). Every entry is ``key -> (vi, en)``,
the shape the lifecycles use.

A key no table knows (a value a newer release or a plugin adds) is shown as it is rather
than refused: a report is never lost for want of a word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._errors import InvalidInputError
from ._lifecycle import DIALOGUE, RECEPTION, SUBMISSION
from ._messages import LANGUAGES

__all__ = ["VOCABULARIES", "check_language", "label", "labels", "phrase", "recipient"]

Words = Mapping[str, tuple[str, str]]

#: How a submission reached the organisation (:class:`~dialogue_flow.Channel`).
CHANNEL: Words = {
    "spoken": ("Phát biểu trực tiếp tại hội nghị", "Spoken at the meeting"),
    "written": ("Gửi bằng văn bản", "Written"),
    "collected": ("Tổng hợp trước hội nghị (MTTQ, đoàn thể)",
                  "Collected beforehand (Fatherland Front, mass organisations)"),
    "transferred": ("Cấp dưới chuyển đến", "Transferred from below"),
    "reception": ("Tiếp công dân định kỳ", "Periodic citizen reception"),
}

#: What the citizen raised (:class:`~dialogue_flow.SubmissionKind`): the register's
#: ``kind`` column (issue 18).
KIND: Words = {
    "opinion": ("Ý kiến", "Opinion"),
    "question": ("Câu hỏi", "Question"),
    "petition": ("Kiến nghị", "Petition"),
    "feedback": ("Phản ánh", "Feedback"),
    "denunciation": ("Tố cáo", "Denunciation"),
}

#: How an answer was given (:class:`~dialogue_flow.AnswerMode`).
ANSWER_MODE: Words = {
    "on_the_spot": ("Trả lời trực tiếp tại hội nghị", "On the spot"),
    "in_writing": ("Trả lời bằng văn bản", "In writing"),
}

#: Why a submission was closed (:class:`~dialogue_flow.CloseReason`).
CLOSE_REASON: Words = {
    "accepted": ("Người kiến nghị đồng ý với nội dung trả lời", "Answer accepted"),
    "withdrawn": ("Người kiến nghị rút kiến nghị", "Withdrawn"),
    "duplicate": ("Trùng lặp, đã gộp", "Duplicate"),
    "settled_at_meeting": ("Đã giải quyết tại hội nghị", "Settled at the meeting"),
    "answered_by_competent_level": ("Cấp có thẩm quyền đã trả lời",
                                    "Answered by the competent level"),
    "returned": ("Trả lại nơi chuyển đến", "Returned to sender"),
}

#: Where an outbox row stands (:class:`~dialogue_flow.OutboxStatus`).
OUTBOX_STATUS: Words = {
    "pending": ("chờ gửi", "pending"),
    "delivered": ("đã gửi", "delivered"),
    "parked": ("tạm dừng do lỗi", "parked"),
    "logged": ("chỉ ghi nhật ký, chưa đến người nhận", "logged"),
    "no_recipient": ("không có người nhận", "no recipient"),
}

#: A report's figures: its summary rows and a roll-up's columns.
FIGURE: Words = {
    "received": ("Số ý kiến, kiến nghị tiếp nhận", "Submissions received"),
    "answered_on_the_spot": ("Trả lời trực tiếp tại hội nghị", "Answered on the spot"),
    "answered_with_due": ("Đã trả lời, có thời hạn trả lời", "Answered, with a due date"),
    "answered_on_time": ("Trả lời đúng hạn", "Answered on time"),
    "on_time_rate": ("Tỷ lệ trả lời đúng hạn", "On-time rate"),
    "median_working_days_to_answer": ("Số ngày làm việc đến khi trả lời (trung vị)",
                                      "Working days to answer (median)"),
    "p90_working_days_to_answer": ("Số ngày làm việc đến khi trả lời (phân vị 90)",
                                   "Working days to answer (90th percentile)"),
    "reception_days_held": ("Số ngày tiếp công dân định kỳ đã tổ chức",
                            "Periodic citizen reception days held"),
    "citizens_received": ("Số lượt công dân được tiếp", "Citizens received"),
    "anonymous_opinions": ("Ý kiến không nêu tên", "Opinions given without a name"),
    "group_opinions": ("Ý kiến của tập thể, nhóm", "Opinions of groups"),
    "reception_months_short": ("Số tháng chưa đủ số ngày tiếp công dân tối thiểu",
                               "Months short of the reception minimum"),
    "overdue": ("Quá hạn", "Overdue"),
    "escalated": ("Chuyển cấp có thẩm quyền", "Escalated"),
}

#: A report's sections (the CSV's ``section`` and ``list`` keys, the Markdown headings).
SECTION: Words = {
    "summary": ("Tổng hợp", "Summary"),
    "state": ("Theo trạng thái", "By state"),
    "topic": ("Theo lĩnh vực", "By topic"),
    "department": ("Theo bộ phận", "By department"),
    "channel": ("Theo hình thức tiếp nhận", "By channel"),
    "reception_short": ("Tiếp công dân định kỳ chưa đủ số ngày tối thiểu (Kết luận 215-KL/TW)",
                        ("Periodic citizen reception short of the monthly minimum "
                         "(Conclusion 215-KL/TW)")),
    "overdue": ("Quá hạn", "Overdue"),
    "escalated": ("Chuyển cấp có thẩm quyền", "Escalated"),
}

#: Table columns: a report's lists, its reception table and a roll-up.
COLUMN: Words = {
    "item": ("mục", "item"),
    "value": ("giá trị", "value"),
    "count": ("số lượng", "count"),
    "submission_id": ("mã", "id"),
    "topic": ("lĩnh vực", "topic"),
    "state": ("trạng thái", "state"),
    "received_on": ("ngày tiếp nhận", "received on"),
    "responsible": ("trách nhiệm", "responsible"),
    "due": ("hạn", "due"),
    "dialogue_id": ("đối thoại", "dialogue"),
    "petitioner": ("người kiến nghị", "petitioner"),
    "organisation": ("tổ chức", "organisation"),
    "month": ("tháng", "month"),
    "held": ("đã tiếp", "held"),
    "planned": ("sắp tới", "planned"),
    "minimum": ("tối thiểu", "minimum"),
}

#: The sentences around the figures (``str.format`` fields in braces).
PHRASE: Words = {
    "title": ("Báo cáo tiếp xúc, đối thoại — {period}", "Dialogue report — {period}"),
    "span": ("Kỳ báo cáo {start} – {end}; số liệu đến ngày {made_on}; chính sách {policy}{scope}.",
             "Period {start} – {end}; figures as of {made_on}; policy {policy}{scope}."),
    "scope": ("; tổ chức {organisation}", "; organisation {organisation}"),
    "subtree": (" và các tổ chức trực thuộc", " and the organisations under it"),
    "recipients": ("Nơi nhận (Kết luận 215-KL/TW): {recipients}.",
                   "Recipients (Conclusion 215-KL/TW): {recipients}."),
    "rollup_title": ("Báo cáo tổng hợp — {name} — {period}", "Roll-up report — {name} — {period}"),
    "rollup_span": ("Kỳ báo cáo {start} – {end}; số liệu đến ngày {made_on}.",
                    "Period {start} – {end}; figures as of {made_on}."),
    "rollup_recipients": ("Nơi nhận:", "Recipients:"),
    "total": ("Tổng", "Total"),
    "year": ("năm {year}", "{year}"),
    "month": ("tháng {month} năm {year}", "{month_name} {year}"),
    "quarter": ("quý {roman} năm {year}", "Q{quarter} {year}"),
    "H1": ("6 tháng đầu năm {year}", "first half of {year}"),
    "H2": ("6 tháng cuối năm {year}", "second half of {year}"),
    "9M": ("9 tháng năm {year}", "first nine months of {year}"),
    "days": ("từ {start} đến {end}", "{start} to {end}"),
}

#: Who receives a report under Conclusion 215-KL/TW, in English (the report holds the
#: Vietnamese names, :data:`~dialogue_flow._report.RECIPIENTS`).
RECIPIENT_EN: Mapping[str, str] = {
    "Bí thư Tỉnh ủy": "Provincial Party Secretary",
    "Ban Nội chính Tỉnh ủy": "Provincial Internal Affairs Board",
    "Ban Tuyên giáo và Dân vận Tỉnh ủy": "Provincial Propaganda and Mass Mobilisation Board",
    "Bộ Chính trị": "Politburo",
    "Ban Bí thư": "Secretariat",
    "Các ban của Trung ương": "Central boards",
}

#: Every vocabulary by name, for :func:`label`.
VOCABULARIES: Mapping[str, Words] = {
    "state": SUBMISSION.labels,
    "dialogue_state": DIALOGUE.labels,
    "reception_state": RECEPTION.labels,
    "channel": CHANNEL,
    "kind": KIND,
    "answer_mode": ANSWER_MODE,
    "close_reason": CLOSE_REASON,
    "outbox_status": OUTBOX_STATUS,
    "figure": FIGURE,
    "section": SECTION,
    "column": COLUMN,
}

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
ROMAN = ("I", "II", "III", "IV")


def check_language(language: object) -> str:
    """``language`` if it is one the library writes in.

    :raises InvalidInputError: naming ``language`` and the choices.
    """
    if language not in LANGUAGES:
        raise InvalidInputError("language", f"{language!r} is not one of "
                                f"{', '.join(LANGUAGES)}")
    return str(language)


def label(vocabulary: str, key: str, language: str) -> str:
    """The label of ``key`` in ``vocabulary`` (a name of :data:`VOCABULARIES`), or ``key``
    itself when the vocabulary does not know it."""
    words = VOCABULARIES[vocabulary].get(key)
    return key if words is None else words[language == "en"]


def labels(vocabulary: str, keys: Iterable[str], language: str) -> dict[str, str]:
    """``key -> label`` for each of ``keys``, in their order."""
    return {key: label(vocabulary, key, language) for key in keys}


def phrase(key: str, language: str, /, **fields: object) -> str:
    """A sentence of :data:`PHRASE` in ``language``, filled with ``fields``."""
    return PHRASE[key][language == "en"].format_map(fields)


def recipient(name: str, language: str) -> str:
    """A recipient's name in ``language`` (an unknown one as it is)."""
    return RECIPIENT_EN.get(name, name) if language == "en" else name
