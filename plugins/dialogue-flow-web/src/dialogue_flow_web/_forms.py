"""Reading a POSTed form's fields for the library's commands: text, dates, the version the
page showed and the petitioner, each refused with the field's name when it is wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from dialogue_flow import InvalidInputError, Petitioner

__all__ = ["count", "day", "optional", "optional_day", "petitioner", "text", "version"]


def text(form: Mapping[str, str], field: str) -> str:
    """The field's text, stripped; ``""`` when the form has none."""
    value = form.get(field)
    return value.strip() if isinstance(value, str) else ""


def optional(form: Mapping[str, str], field: str) -> str | None:
    """The field's text, or ``None`` when it is empty."""
    return text(form, field) or None


def day(form: Mapping[str, str], field: str) -> dt.date:
    """The field's date (an ``<input type=date>`` sends 2026-03-31)."""
    try:
        return dt.date.fromisoformat(text(form, field))
    except ValueError:
        raise InvalidInputError(field, "expected a date like 2026-03-31") from None


def optional_day(form: Mapping[str, str], field: str) -> dt.date | None:
    """The field's date, or ``None`` when it is empty."""
    return day(form, field) if text(form, field) else None


def count(form: Mapping[str, str], field: str) -> int | None:
    """The field's whole number of people, or ``None`` when it is empty."""
    value = text(form, field)
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInputError(field, "expected a whole number of people")
    return int(value)


def version(form: Mapping[str, str], what: str) -> int:
    """The version of the ``what`` (a matter, a dialogue) the page showed."""
    value = text(form, "version")
    if not value.isdigit():
        raise InvalidInputError("version", f"the form must carry the version of the {what} "
                                "the page showed; reload the page")
    return int(value)


def petitioner(form: Mapping[str, str], *fields: str) -> Petitioner:
    """The petitioner of the form's ``fields`` (some of name, address, phone, email), all
    optional: an anonymous one when every field is empty."""
    given = {field: optional(form, field) for field in fields}
    if not any(given.values()):
        return Petitioner.anonymous()
    return Petitioner(given.get("name"), address=given.get("address"),
                      phone=given.get("phone"), email=given.get("email"))
