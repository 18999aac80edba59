"""The field checks every record runs when it is built (issue 13).

A record that exists is valid: every field has its type, text is NFC-normalised (Vietnamese
typed in decomposed form becomes the same text as in composed form), holds no control
character other than tab and line breaks and no lone surrogate (which no database can store),
and stays within a length. A complaint is an :class:`~dialogue_flow.InvalidInputError` naming
the class and the field, never the value: a value may be personal data.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import attrs

from ._errors import InvalidInputError

__all__ = [
    "CHANNEL_RULE",
    "FREE",
    "LABEL",
    "NAME",
    "channel_name",
    "check_text",
    "day",
    "flag",
    "nfc",
    "of_type",
    "text",
    "text_problem",
    "texts",
    "whole",
]

#: C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

#: Lengths: a name or label, a title or topic, a free text (content, answer, reason).
NAME, LABEL, FREE = 300, 1_000, 20_000


def _field(inst: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(inst).__name__}.{attribute.name}"


def nfc(value: object) -> object:
    """Converter: text in NFC; anything else untouched for the validator to judge."""
    if isinstance(value, str) and not unicodedata.is_normalized("NFC", value):
        return unicodedata.normalize("NFC", value)
    return value


def text_problem(value: object, max_length: int, *, blank: bool = False) -> str | None:
    """What is wrong with ``value`` as text: not text, blank (unless ``blank``), too long, a
    control character or a lone surrogate; ``None`` when nothing is."""
    if not isinstance(value, str):
        return f"expected text, got {type(value).__name__}"
    if not blank and not value.strip():
        return "must not be blank"
    if len(value) > max_length:
        return f"is {len(value):,} characters long; at most {max_length:,} are kept"
    bad = _FORBIDDEN.search(value)
    if bad is None:
        return None
    what = ("a lone surrogate (not a character)" if "\ud800" <= bad.group() <= "\udfff"
            else f"the control character U+{ord(bad.group()):04X}")
    return f"contains {what} at position {bad.start()}"


def check_text(field: str, value: object, max_length: int, *, blank: bool = False) -> None:
    """Raise :class:`InvalidInputError` on ``field`` for what :func:`text_problem` finds."""
    problem = text_problem(value, max_length, blank=blank)
    if problem is not None:
        raise InvalidInputError(field, problem)


_CHANNEL = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
#: What a contact channel's name may be ("phone", "email", "zalo", "push-app", ...).
CHANNEL_RULE = "1-32 lowercase letters, digits, '_' or '-', starting with a letter"


def channel_name(field: str, value: object) -> str:
    """``value`` if it is a contact channel's name (:data:`CHANNEL_RULE`); otherwise an
    InvalidInputError naming ``field``, not the value (a mistyped mapping may hold an
    address there)."""
    if not isinstance(value, str) or not _CHANNEL.match(value):
        raise InvalidInputError(field, f"a channel's name must be {CHANNEL_RULE}")
    return value


def text(max_length: int, *, optional: bool = False, blank: bool = False) -> Any:
    """Validator of a text field (``optional``: ``None`` allowed). The field's name is
    built only for a complaint: records are validated on every change."""

    def validate(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        problem = text_problem(value, max_length, blank=blank)
        if problem is not None:
            raise InvalidInputError(_field(inst, attribute), problem)

    return validate


def texts(max_length: int) -> Any:
    """Validator of a tuple of non-blank texts."""

    def validate(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise InvalidInputError(_field(inst, attribute),
                                    f"expected a list of names, got {type(value).__name__}")
        for item in value:
            problem = text_problem(item, max_length)
            if problem is not None:
                raise InvalidInputError(_field(inst, attribute), problem)

    return validate


def whole(*, optional: bool = False, minimum: int = 0) -> Any:
    """Validator of a whole number (not a bool) of at least ``minimum``."""

    def validate(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidInputError(_field(inst, attribute),
                                    f"expected a whole number >= {minimum}")

    return validate


def flag(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validator of a bool."""
    if not isinstance(value, bool):
        raise InvalidInputError(_field(inst, attribute), "expected True or False")


def day(*, optional: bool = False) -> Any:
    """Validator of a calendar date (a ``datetime`` is refused: it is not a day)."""

    def validate(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise InvalidInputError(_field(inst, attribute),
                                    f"expected a datetime.date, got {type(value).__name__}")

    return validate


def of_type(cls: type, *, optional: bool = False) -> Any:
    """Validator of a nested record."""

    def validate(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, cls):
            raise InvalidInputError(_field(inst, attribute), f"expected a {cls.__name__}, "
                                    f"got {type(value).__name__}")

    return validate
