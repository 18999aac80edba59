"""Notification texts in Vietnamese (the default) and English.

Templates use ``str.format`` fields taken from the record; petitioners' personal data is
never put into a template, so a notification can be logged safely. A message to the
petitioner names the matter by its tracking code (``{code}``, mã tra cứu), one to staff by
its id (``{id}``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._errors import InvalidInputError

__all__ = ["LANGUAGES", "level_words", "render"]

LANGUAGES = ("vi", "en")

#: event -> language -> (subject, body)
TEMPLATES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "received": {
        "vi": ("Đã tiếp nhận ý kiến {code}",
               'Ý kiến, kiến nghị của ông/bà về "{topic}" đã được tiếp nhận (mã tra cứu '
               "{code})."),
        "en": ("Submission {code} received",
               'Your submission on "{topic}" has been recorded (tracking code {code}).'),
    },
    "assigned": {
        "vi": ("Giao xử lý kiến nghị {id}",
               '{responsible} được giao giải quyết kiến nghị {id} về "{topic}"; '
               "hạn trả lời bằng văn bản: {due}."),
        "en": ("Submission {id} assigned to you",
               '{responsible} is to resolve submission {id} on "{topic}"; '
               "written answer due: {due}."),
    },
    "accepted": {
        "vi": ("Kiến nghị {code} đã được thụ lý",
               'Kiến nghị của ông/bà về "{topic}" đã được thụ lý để xem xét, giải quyết; '
               "hạn trả lời bằng văn bản: {due}."),
        "en": ("Submission {code} accepted for handling",
               'Your submission on "{topic}" has been accepted for handling; written answer '
               "due: {due}."),
    },
    "escalated": {
        "vi": ("Kiến nghị {code} đã được chuyển cấp có thẩm quyền",
               'Kiến nghị của ông/bà về "{topic}" vượt thẩm quyền giải quyết của {level} và '
               "đã được chuyển đến {responsible} xem xét, giải quyết."),
        "en": ("Submission {code} forwarded to the competent level",
               'Your submission on "{topic}" is beyond the authority of {level} and has '
               "been forwarded to {responsible}."),
    },
    "transferred_in": {
        "vi": ("Tiếp nhận kiến nghị {id} do cấp dưới chuyển đến",
               'Kiến nghị {id} về "{topic}" được chuyển đến để xem xét, giải quyết '
               "({responsible})."),
        "en": ("Submission {id} escalated to you",
               'Submission {id} on "{topic}" has been escalated to you ({responsible}).'),
    },
    "returned": {
        "vi": ("Kiến nghị {id} được trả lại để giải quyết",
               'Kiến nghị {id} về "{topic}" thuộc thẩm quyền giải quyết của cấp mình và đã '
               "được trả lại ({reason}); hạn trả lời: {due}."),
        "en": ("Submission {id} handed back",
               'Submission {id} on "{topic}" is within your authority and was handed back '
               "({reason}); answer due: {due}."),
    },
    "extended": {
        "vi": ("Gia hạn giải quyết kiến nghị {code}",
               'Kiến nghị của ông/bà về "{topic}" cần thêm thời gian xem xét ({reason}). '
               "Cơ quan chịu trách nhiệm: {responsible}. Thời hạn trả lời mới: {due}."),
        "en": ("More time needed for submission {code}",
               'Your submission on "{topic}" needs more time ({reason}). '
               "Responsible agency: {responsible}. New answer date: {due}."),
    },
    "answered": {
        "vi": ("Trả lời kiến nghị {code}",
               'Kiến nghị của ông/bà về "{topic}" đã được trả lời: {answer}'),
        "en": ("Answer to submission {code}",
               'Your submission on "{topic}" has been answered: {answer}'),
    },
    "closed": {
        "vi": ("Kết thúc kiến nghị {code}", 'Kiến nghị {code} về "{topic}" đã kết thúc.'),
        "en": ("Submission {code} closed", 'Submission {code} on "{topic}" is closed.'),
    },
    "due_soon": {
        "vi": ("Sắp đến hạn trả lời kiến nghị {id}",
               'Kiến nghị {id} về "{topic}" giao {responsible} sắp đến hạn trả lời bằng văn '
               "bản: {due} (còn {days} ngày làm việc)."),
        "en": ("Submission {id} is due soon",
               'Submission {id} on "{topic}", with {responsible}, is due in writing on '
               "{due} ({days} working day(s) left)."),
    },
    "overdue": {
        "vi": ("Quá hạn trả lời kiến nghị {id}",
               'Kiến nghị {id} về "{topic}" giao {responsible} đã quá hạn trả lời '
               "({due}). Đề nghị đồng chí Bí thư chỉ đạo, đôn đốc."),
        "en": ("Submission {id} is overdue",
               'Submission {id} on "{topic}", with {responsible}, was due on {due} and is '
               "still open."),
    },
    "announcement_due": {
        "vi": ('Hạn thông báo cuộc đối thoại "{title}"',
               "Cuộc đối thoại ngày {scheduled} phải được thông báo cho Nhân dân chậm nhất "
               "ngày {due}."),
        "en": ('Announce the dialogue "{title}"',
               "The dialogue of {scheduled} must be announced to the People by {due}."),
    },
    "announcement_overdue": {
        "vi": ('Chưa thông báo cuộc đối thoại "{title}"',
               "Cuộc đối thoại ngày {scheduled} chưa được thông báo, đã quá hạn ({due}); "
               "cần lùi ngày đối thoại."),
        "en": ('The dialogue "{title}" was not announced in time',
               "The dialogue of {scheduled} was not announced by {due}; reschedule it."),
    },
    "conclusion_due": {
        "vi": ('Hạn thông báo kết luận cuộc đối thoại "{title}"',
               "Thông báo kết luận của cuộc đối thoại ngày {scheduled} phải ban hành chậm "
               "nhất ngày {due}."),
        "en": ('Conclusion notice due for "{title}"',
               "The conclusion notice of the dialogue of {scheduled} is due by {due}."),
    },
    "conclusion_overdue": {
        "vi": ('Quá hạn thông báo kết luận cuộc đối thoại "{title}"',
               "Thông báo kết luận của cuộc đối thoại ngày {scheduled} đã quá hạn ({due})."),
        "en": ('Conclusion notice overdue for "{title}"',
               "The conclusion notice of the dialogue of {scheduled} was due by {due}."),
    },
    "report_due": {
        "vi": ("Hạn báo cáo kết quả tiếp xúc, đối thoại ({period})",
               "Báo cáo {period} gửi Ban Thường vụ chậm nhất ngày {due}."),
        "en": ("Dialogue report due ({period})",
               "The {period} report to the standing committee is due by {due}."),
    },
    "reception_schedule_short": {
        "vi": ("Lịch tiếp công dân định kỳ tháng {month} chưa đủ",
               "{name}: tháng {month} mới ấn định {count} ngày tiếp công dân định kỳ, ít hơn "
               "mức tối thiểu {minimum} ngày/tháng (Kết luận 215-KL/TW)."),
        "en": ("Citizen reception schedule for {month} falls short",
               "{name}: {count} citizen reception day(s) fixed for {month}, fewer than the "
               "minimum of {minimum} a month (Conclusion 215-KL/TW)."),
    },
    "reception_announcement_due": {
        "vi": ("Thông báo ngày tiếp công dân {scheduled}",
               "Ngày tiếp công dân định kỳ {scheduled} chưa được thông báo công khai; cần "
               "thông báo trước ngày đó."),
        "en": ("Announce the citizen reception day of {scheduled}",
               "The citizen reception day of {scheduled} has not been announced publicly; "
               "announce it before the day."),
    },
    "conclusion_notice": {
        "vi": ('Thông báo kết luận cuộc đối thoại "{title}"',
               "Thông báo kết luận ngày {issued_on}: {count} nội dung giao giải quyết."),
        "en": ('Conclusion notice of the dialogue "{title}"',
               "Conclusion notice of {issued_on}: {count} matter(s) to resolve."),
    },
    "sweep_missed": {
        "vi": ("Việc rà soát thời hạn hằng ngày đã bị gián đoạn",
               "{name}: việc rà soát thời hạn hằng ngày không chạy sau ngày {since}, bỏ lỡ "
               "{days} ngày làm việc; nhắc hạn và thông báo quá hạn của những ngày đó có "
               "thể đã gửi chậm. Đề nghị kiểm tra lịch chạy tự động."),
        "en": ("The daily deadline sweep was interrupted",
               "{name}: the daily deadline sweep had not run after {since}, missing {days} "
               "working day(s); reminders and overdue notices of those days may have gone "
               "out late. Check the scheduled job."),
    },
}


#: How a message names an organisation's level ("beyond the authority of ...").
_LEVEL_WORDS: Mapping[str, Mapping[str, str]] = {
    "vi": {"commune": "cấp xã", "province": "cấp tỉnh"},
    "en": {"commune": "the commune", "province": "the province"},
}
_OTHER_LEVEL = {"vi": "cơ quan tiếp nhận", "en": "the receiving body"}


def level_words(level: str, language: str) -> str:
    """``level`` ("commune", "province", or another level as data) as a message says it."""
    return _LEVEL_WORDS.get(language, {}).get(level, _OTHER_LEVEL.get(language, level))


def render(event: str, language: str, **fields: object) -> tuple[str, str]:
    """The (subject, body) of ``event`` in ``language``, filled with ``fields``."""
    if language not in LANGUAGES:
        raise InvalidInputError("language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    subject, body = TEMPLATES[event][language]
    return subject.format_map(fields), body.format_map(fields)
