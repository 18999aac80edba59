"""Notification texts: the compiled renderers say exactly what ``str.format`` would."""

from __future__ import annotations

import pytest

from dialogue_flow._errors import InvalidInputError
from dialogue_flow._messages import LANGUAGES, RENDERERS, TEMPLATES, _compile, render

#: A value for every field any template uses, with braces and quotes that must pass through.
FIELDS = {
    "id": "sub-0001", "topic": 'đất "ở" {x}', "responsible": "Địa chính", "due": "2021-08-06",
    "answer": "Đã cấp {giấy}", "reason": "cần xác minh", "title": "Đối thoại quý II",
    "scheduled": "2021-06-17", "days": 3, "period": "2021-H1", "issued_on": "2021-06-25",
    "count": 2,
}


@pytest.mark.parametrize("event", sorted(TEMPLATES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_renderer_says_what_format_map_says(event: str, language: str) -> None:
    subject, body = TEMPLATES[event][language]
    assert (subject.format_map(FIELDS), body.format_map(FIELDS)) == (
        RENDERERS[event][language](FIELDS))
    assert render(event, language, **FIELDS) == RENDERERS[event][language](FIELDS)


def test_literal_braces_quotes_and_backslashes_survive() -> None:
    subject, body = "a {x} {{y}} }} \\ ' \"", "{z}{x}"
    assert (subject.format_map({"x": 1, "z": "q"}), body.format_map({"x": 1, "z": "q"})) == (
        _compile(subject, body)({"x": 1, "z": "q"}))


def _outcome(call: object) -> object:
    try:
        return call()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - the outcome compared is the exception's type
        return type(exc)


@pytest.mark.parametrize("template", ["{x!r}", "{x:>5}", "{x[0]}", "{n.real}", "{0}", "{}"])
def test_conversions_specs_and_lookups_fall_back_to_format_map(template: str) -> None:
    fields = {"x": "ab", "n": 3, "0": "zero"}
    assert _outcome(lambda: template.format_map(fields)) == _outcome(
        lambda: _compile(template, "")(fields)[0])


def test_a_missing_field_raises_key_error_like_format_map() -> None:
    with pytest.raises(KeyError, match="topic"):
        RENDERERS["received"]["vi"]({"id": "sub-1"})


def test_unknown_language_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="'fr' is not one of vi, en"):
        render("received", "fr", id="s", topic="t")
