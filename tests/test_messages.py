"""Notification texts: every template renders with the fields the library passes."""

from __future__ import annotations

import pytest

from dialogue_flow._errors import InvalidInputError
from dialogue_flow._messages import LANGUAGES, TEMPLATES, render

#: A value for every field any template uses, with braces and quotes that must pass through.
FIELDS = {
    "id": "sub-0001", "code": "K7M2PX9QR4", "topic": 'đất "ở" {x}', "responsible": "Địa chính",
    "due": "2021-08-06",
    "answer": "Đã cấp {giấy}", "reason": "cần xác minh", "title": "Đối thoại quý II",
    "scheduled": "2021-06-17", "days": 3, "period": "2021-H1", "issued_on": "2021-06-25",
    "count": 2, "level": "cấp xã", "month": "2026-02", "minimum": 2, "name": "Đảng ủy {xã}",
    "since": "2026-03-02",
}


@pytest.mark.parametrize("event", sorted(TEMPLATES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_its_fields_verbatim(event: str, language: str) -> None:
    """Field values (braces and quotes included) come out as given, never re-formatted."""
    subject, body = render(event, language, **FIELDS)
    template_subject, template_body = TEMPLATES[event][language]
    assert "{" not in template_subject.format_map(dict.fromkeys(FIELDS, ""))
    for template, text in ((template_subject, subject), (template_body, body)):
        for name, value in FIELDS.items():
            if "{" + name + "}" in template:
                assert str(value) in text


def test_every_event_has_both_languages() -> None:
    assert all(set(texts) == set(LANGUAGES) for texts in TEMPLATES.values())


def test_a_missing_field_raises_key_error() -> None:
    with pytest.raises(KeyError, match="topic"):
        render("received", "vi", id="sub-1", code="K7M2PX9QR4")


def test_unknown_language_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="'fr' is not one of vi, en"):
        render("received", "fr", id="s", topic="t")


#: The events whose notice goes to the petitioner (the commands' ``notify=``).
TO_THE_PETITIONER = ("received", "accepted", "escalated", "extended", "answered", "closed")


@pytest.mark.parametrize("event", TO_THE_PETITIONER)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_petitioner_is_given_the_tracking_code_not_the_id(event: str, language: str) -> None:
    """Issue 16: the SMS said "mã sub-1a23789af6bd85768"; a notice to the petitioner names
    the matter by its tracking code, never by the internal id."""
    subject, body = TEMPLATES[event][language]
    assert "{code}" in subject
    assert "{id}" not in subject + body


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_template_names_a_district(language: str) -> None:
    """Districts were abolished on 1 July 2025: no message names one, nor hard-codes the
    commune as the level a matter exceeds (issue 15)."""
    for event, texts in TEMPLATES.items():
        for text in texts[language]:
            lowered = text.lower()
            for word in ("huyện", "district", "của xã", "commune's"):
                assert word not in lowered, (event, word)
