"""Notification texts in Vietnamese (the default) and English.

Templates use ``str.format`` fields taken from the record; petitioners' personal data is
never put into a template, so a notification can be logged safely.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._errors import InvalidInputError

__all__ = ["LANGUAGES", "render"]

LANGUAGES = ("vi", "en")

#: event -> language -> (subject, body)
TEMPLATES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "received": {
        "vi": ("Đã tiếp nhận ý kiến {id}",
               'Ý kiến, kiến nghị của ông/bà về "{topic}" đã được tiếp nhận (mã {id}).'),
        "en": ("Submission {id} received",
               'Your submission on "{topic}" has been recorded (reference {id}).'),
    },
    "assigned": {
        "vi": ("Giao xử lý kiến nghị {id}",
               '{responsible} được giao giải quyết kiến nghị {id} về "{topic}"; '
               "hạn trả lời bằng văn bản: {due}."),
        "en": ("Submission {id} assigned to you",
               '{responsible} is to resolve submission {id} on "{topic}"; '
               "written answer due: {due}."),
    },
    "escalated": {
        "vi": ("Kiến nghị {id} đã được chuyển cấp có thẩm quyền",
               'Kiến nghị của ông/bà về "{topic}" vượt thẩm quyền của xã và đã được chuyển '
               "đến {responsible} xem xét, giải quyết."),
        "en": ("Submission {id} forwarded to the competent level",
               "Your submission on \"{topic}\" is beyond the commune's authority and has been "
               "forwarded to {responsible}."),
    },
    "extended": {
        "vi": ("Gia hạn giải quyết kiến nghị {id}",
               'Kiến nghị của ông/bà về "{topic}" cần thêm thời gian xem xét ({reason}). '
               "Cơ quan chịu trách nhiệm: {responsible}. Thời hạn trả lời mới: {due}."),
        "en": ("More time needed for submission {id}",
               'Your submission on "{topic}" needs more time ({reason}). '
               "Responsible agency: {responsible}. New answer date: {due}."),
    },
    "answered": {
        "vi": ("Trả lời kiến nghị {id}",
               'Kiến nghị của ông/bà về "{topic}" đã được trả lời: {answer}'),
        "en": ("Answer to submission {id}",
               'Your submission on "{topic}" has been answered: {answer}'),
    },
    "closed": {
        "vi": ("Kết thúc kiến nghị {id}", 'Kiến nghị {id} về "{topic}" đã kết thúc.'),
        "en": ("Submission {id} closed", 'Submission {id} on "{topic}" is closed.'),
    },
    "conclusion_notice": {
        "vi": ('Thông báo kết luận cuộc đối thoại "{title}"',
               "Thông báo kết luận ngày {issued_on}: {count} nội dung giao giải quyết."),
        "en": ('Conclusion notice of the dialogue "{title}"',
               "Conclusion notice of {issued_on}: {count} matter(s) to resolve."),
    },
}


def render(event: str, language: str, **fields: object) -> tuple[str, str]:
    """The (subject, body) of ``event`` in ``language``, filled with ``fields``."""
    if language not in LANGUAGES:
        raise InvalidInputError("language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    subject, body = TEMPLATES[event][language]
    return subject.format(**fields), body.format(**fields)
