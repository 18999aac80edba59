"""The words of the built-in templates, Vietnamese and English, laid out by
:class:`~dialogue_flow_docx._builder.TemplateBuilder` (``tools/build_templates.py``).

The fixed text of each document (what the mapping of ``dialogue_flow.documents`` does not
hold) is written here once per language and lives on in the built templates, where a host
edits it without code. The Jinja tags name the mapping's keys; a list the mapping holds
under ``items`` is written ``body["items"]`` (``body.items`` is the dictionary's method).
The Vietnamese follows the 2021 plan of the seed: the announcement at least 7 days ahead
(its II.2.3), the conclusion notice of the matters not settled at the meeting and the
30-working-day written answer (its II.2.7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final, NamedTuple

from ._builder import TemplateBuilder
from ._templates import KINDS, LANGUAGES

__all__ = ["KINDS", "LANGUAGES", "build"]

#: A paragraph of fixed text (with Jinja tags), or a (bold label, text) pair.
Entry = str | tuple[str, str]


class Words(NamedTuple):
    """The fixed text of the templates in one language."""

    recipients: str  #: the label above the list of recipients
    columns: list[tuple[str, int]]  #: the conclusion notice's table: (label, width in mm)
    texts: dict[str, list[Entry]]  #: per kind, its paragraphs in order

_VI: Final = Words("Nơi nhận:", [("STT", 14), ("Nội dung ý kiến, kiến nghị", 81),
                                  ("Cơ quan giải quyết", 38), ("Thời hạn trả lời", 32)], {
    "announcement": [
        ("Thực hiện Kế hoạch tiếp xúc, đối thoại trực tiếp với Nhân dân của Ban Thường vụ "
         "Đảng ủy, Ban Thường vụ Đảng ủy thông báo tổ chức tiếp xúc, đối thoại trực tiếp "
         "với Nhân dân ({{ body.dialogue_title }}) như sau:"),
        ("1. Thời gian: ", "{{ body.scheduled_text }}."),
        ("2. Địa điểm: ", '{{ body.venue or "……" }}.'),
        ("3. Chủ trì: ", '{{ body.chair or "Bí thư Đảng ủy" }}.'),
        ("4. Nội dung tiếp xúc, đối thoại:", ""),
        ("- Lắng nghe tâm tư, tình cảm, nguyện vọng, ý kiến, kiến nghị của Nhân dân; trả "
         "lời, chỉ đạo giải quyết hoặc tiếp thu, đề xuất cấp có thẩm quyền giải quyết theo "
         "quy định."),
        ("5. Thành phần: ", ("Đại diện Ban Thường vụ Đảng ủy; {% if "
         "body.invited_departments %}đại diện {{ body.invited_departments|join(', ') }}; "
         "{% endif %}đại diện Ủy ban MTTQ và các đoàn thể chính trị - xã hội; đại diện các "
         "tầng lớp Nhân dân và công dân có nhu cầu đối thoại{% if body.expected_attendance "
         "%} (dự kiến khoảng {{ body.expected_attendance }} người){% endif %}.")),
        ("Ban Thường vụ Đảng ủy thông báo để các tổ chức, ban, ngành, đoàn thể, các chi bộ và "
         "Nhân dân biết, tham gia. Ý kiến, kiến nghị có thể gửi trước về Văn phòng Đảng ủy "
         "để tổng hợp hoặc phát biểu trực tiếp tại hội nghị./."),
    ],
    "conclusion_notice": [
        ("Vào {{ body.held_text }}, Ban Thường vụ Đảng ủy tổ chức tiếp xúc, đối thoại trực "
         "tiếp với Nhân dân ({{ body.dialogue_title }}){% if body.attendance %} với "
         "{{ body.attendance }} người tham dự{% endif %}. Các ý kiến, kiến nghị đã được trả "
         "lời, giải quyết tại hội nghị{% if body.settled %} ({{ body.settled }} nội dung)"
         "{% endif %} không nêu lại trong Thông báo này."),
        ("Đồng chí chủ trì hội nghị kết luận, giao các cơ quan, đơn vị xem xét, giải quyết "
         "các ý kiến, kiến nghị chưa được giải quyết tại hội nghị như sau:"),
        "Tất cả ý kiến, kiến nghị của Nhân dân đã được trả lời, giải quyết tại hội nghị.",
        ("Chậm nhất 30 ngày làm việc sau khi có Thông báo kết luận này, các cơ quan, đơn vị "
         "được giao có trách nhiệm thông báo bằng văn bản kết quả xem xét, giải quyết đến "
         "người có ý kiến, kiến nghị và cơ quan, đơn vị có liên quan (nếu có); đồng thời "
         "báo cáo Bí thư Đảng ủy để theo dõi, chỉ đạo."),
        ("Những vấn đề vượt thẩm quyền, tổng hợp báo cáo đề nghị cấp có thẩm quyền xem xét, "
         "giải quyết; những vấn đề phức tạp, liên quan đến nhiều ngành, cần có thời gian "
         "nghiên cứu, xem xét thì phải thông báo cho người có ý kiến, kiến nghị biết về thời "
         "gian và trách nhiệm của cơ quan giải quyết."),
        ("Ban Thường vụ Đảng ủy thông báo để các cơ quan, đơn vị và cá nhân có liên quan "
         "biết, thực hiện./."),
    ],
    "answer": [
        ("Vào {{ body.received_text }}, Đảng ủy nhận được ý kiến, kiến nghị{% if "
         "body.dialogue_title %} tại hội nghị tiếp xúc, đối thoại trực tiếp với Nhân dân "
         "({{ body.dialogue_title }}){% endif %} về lĩnh vực {{ body.topic }} (mã tra cứu "
         "{{ body.tracking_code }}), với nội dung:"),
        ("Sau khi xem xét{% if body.department %}, trên cơ sở tham mưu của "
         "{{ body.department }}{% endif %}, Đảng ủy trả lời như sau:"),
        ("Trên đây là trả lời của Đảng ủy về ý kiến, kiến nghị nêu trên. Nếu còn vướng mắc, "
         "đề nghị liên hệ Văn phòng Đảng ủy, nêu mã tra cứu {{ body.tracking_code }}./."),
    ],
    "report": [
        ("Thực hiện Kế hoạch tiếp xúc, đối thoại trực tiếp với Nhân dân, Ban Thường vụ Đảng "
         "ủy báo cáo kết quả tiếp xúc, đối thoại và giải quyết ý kiến, kiến nghị của Nhân dân "
         "{{ body.period_title }} như sau:"),
        "Phạm vi: {{ body.scope }}; số liệu tính đến {{ body.made_text }}.",
        "I. TÌNH HÌNH CHUNG",
        "II. SỐ LIỆU CHI TIẾT",
        "III. BIỂU ĐỒ",
        ("Trên đây là báo cáo kết quả tiếp xúc, đối thoại trực tiếp với Nhân dân "
         "{{ body.period_title }} của Ban Thường vụ Đảng ủy./."),
        "Không có.",
    ],
})

_EN: Final = Words("Recipients:", [("No.", 14), ("Opinion or petition", 81),
                                  ("Responsible body", 38), ("Answer due", 32)], {
    "announcement": [
        ("Under its plan for direct dialogue with the People, the Standing Committee "
         "announces the dialogue with the People ({{ body.dialogue_title }}) as follows:"),
        ("1. Time: ", "{{ body.scheduled_text }}."),
        ("2. Place: ", '{{ body.venue or "……" }}.'),
        ("3. Chair: ", '{{ body.chair or "the Secretary of the Party Committee" }}.'),
        ("4. Matters for the dialogue:", ""),
        ("- Hearing the People's concerns, wishes, opinions and petitions; answering them, "
         "directing their settlement or taking them up with the competent level as the law "
         "provides."),
        ("5. Participants: ", ("Representatives of the Standing Committee; {% if "
         "body.invited_departments %}representatives of "
         "{{ body.invited_departments|join(', ') }}; {% endif %}representatives of the "
         "Fatherland Front and the mass organisations; the People and every citizen who "
         "wishes to take part{% if body.expected_attendance %} (about "
         "{{ body.expected_attendance }} people expected){% endif %}.")),
        ("The Standing Committee announces this for the organisations, departments, party "
         "cells and the People to know and take part. Opinions and petitions may be sent "
         "to the Party Committee's office beforehand or raised at the meeting."),
    ],
    "conclusion_notice": [
        ("On {{ body.held_text }} the Standing Committee held the direct dialogue with the "
         "People ({{ body.dialogue_title }}){% if body.attendance %}, attended by "
         "{{ body.attendance }} people{% endif %}. The opinions and petitions answered or "
         "settled at the meeting{% if body.settled %} ({{ body.settled }}){% endif %} are "
         "not repeated in this notice."),
        ("The chair of the meeting concluded and charged the bodies below with considering "
         "and settling the matters not settled at the meeting:"),
        "Every opinion and petition of the People was answered or settled at the meeting.",
        ("Within 30 working days of this notice, each body charged shall inform the "
         "petitioner and the bodies concerned (if any) in writing of the result of its "
         "consideration, and report it to the Secretary of the Party Committee."),
        ("Matters beyond their competence are reported to the competent level; where a "
         "complex matter needs more time, the petitioner is told when it will be settled "
         "and by whom."),
        ("The Standing Committee issues this notice for the bodies and persons concerned to "
         "know and act on it."),
    ],
    "answer": [
        ("On {{ body.received_text }} the Party Committee received an opinion or petition"
         "{% if body.dialogue_title %} at the direct dialogue with the People "
         "({{ body.dialogue_title }}){% endif %} on {{ body.topic }} (tracking code "
         "{{ body.tracking_code }}), reading:"),
        ("Having considered it{% if body.department %}, on the advice of "
         "{{ body.department }}{% endif %}, the Party Committee answers as follows:"),
        ("This is the Party Committee's answer to the petition above. Should any question "
         "remain, please contact the Party Committee's office quoting the tracking code "
         "{{ body.tracking_code }}."),
    ],
    "report": [
        ("Under its plan for direct dialogue with the People, the Standing Committee reports "
         "the dialogues held and the People's opinions and petitions settled in the "
         "{{ body.period_title }} as follows:"),
        "Scope: {{ body.scope }}; figures as of {{ body.made_text }}.",
        "I. OVERVIEW",
        "II. FIGURES",
        "III. CHARTS",
        ("This is the Standing Committee's report on the direct dialogue with the People in "
         "the {{ body.period_title }}."),
        "None.",
    ],
})

_WORDS: Final = {"vi": _VI, "en": _EN}


def build(kind: str, language: str) -> TemplateBuilder:
    """The built-in template of ``kind`` in ``language``, laid out (not yet saved)."""
    words = _WORDS[language]
    builder = TemplateBuilder(language)
    _BODIES[kind](builder, words)
    builder.closing(words.recipients)
    properties = builder.document.core_properties
    properties.author = properties.last_modified_by = "dialogue-flow-docx"
    properties.title = f"{kind} ({language})"
    properties.created = properties.modified = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    properties.revision = 1
    return builder


def _announcement(b: TemplateBuilder, words: Words) -> None:
    text = words.texts["announcement"]
    b.header()
    b.title()
    for entry in text[:5]:
        _paragraph(b, entry)
    b.tag("for topic in body.topics")
    b.para("- {{ topic }}.")
    b.tag("endfor")
    for entry in text[5:]:
        _paragraph(b, entry)


def _conclusion_notice(b: TemplateBuilder, words: Words) -> None:
    text = words.texts["conclusion_notice"]
    b.header()
    b.title()
    _paragraph(b, text[0])
    b.tag('if body["items"]')
    _paragraph(b, text[1], keep=True)
    b.items_table(words.columns, 'item in body["items"]', [
        ["{{ item.no }}"],
        [("{{ item.topic }}: ", "b"), "{{ item.content }}", (" ({{ item.tracking_code }})", "i")],
        ["{{ item.responsible }}"],
        ["{{ item.due_text }}"]])
    b.para("", after=0)
    b.tag("else")
    _paragraph(b, text[2])
    b.tag("endif")
    for entry in text[3:]:
        _paragraph(b, entry)


def _answer(b: TemplateBuilder, words: Words) -> None:
    text = words.texts["answer"]
    b.header(subject_line=True)
    b.para("{{ addressee }}", align="center", before=18, after=12)
    _paragraph(b, text[0])
    b.tag("for line in body.content.splitlines()")
    b.para(("{{ line }}", "i"))
    b.tag("endfor")
    _paragraph(b, text[1])
    b.tag("for line in body.answer.splitlines()")
    b.para("{{ line }}")
    b.tag("endfor")
    _paragraph(b, text[2])


def _report(b: TemplateBuilder, words: Words) -> None:
    text = words.texts["report"]
    b.header()
    b.title()
    _paragraph(b, text[0])
    _paragraph(b, text[1], flags="i")
    b.heading(_plain(text[2]))
    b.tag("for figure in body.summary")
    b.para("- {{ figure.label }}: {{ figure.value }}.")
    b.tag("endfor")
    b.heading(_plain(text[3]))
    b.tag("for t in body.tables")
    b.para(("{{ loop.index }}. {{ t.title }}", "b"), before=6, keep=True)
    b.tag("if t.rows")
    b.dynamic_table()
    b.tag("else")  # a table of no rows (nothing overdue): said, not drawn empty
    b.para(_plain(text[6]))
    b.tag("endif")
    b.tag("endfor")
    b.tag("if chart_images")
    b.heading(_plain(text[4]))
    b.tag("for image in chart_images")
    b.para("{{ image }}", align="center", after=6)
    b.tag("endfor")
    b.tag("endif")
    b.para(_plain(text[5]), before=6)


def _paragraph(b: TemplateBuilder, entry: Entry, *, flags: str = "",
               keep: bool = False) -> None:
    if isinstance(entry, str):
        b.para((entry, flags), keep=keep)
    else:
        label, rest = entry
        b.para((label, "b"), *([rest] if rest else []), keep=keep)


def _plain(entry: Entry) -> str:
    if not isinstance(entry, str):
        raise TypeError(f"expected a paragraph of plain text, got {entry!r}")
    return entry


_BODIES: Final[dict[str, Callable[[TemplateBuilder, Words], None]]] = {
    "announcement": _announcement, "conclusion_notice": _conclusion_notice,
    "answer": _answer, "report": _report}
