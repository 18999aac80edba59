"""How long an organisation keeps a closed matter's personal data (Law 91/2025/QH15: only
as long as its purpose needs): a period written ``"5y"``, ``"18m"`` or ``"90d"``.

An organisation's own :attr:`~dialogue_flow.Organisation.retention` wins; otherwise the
flow's default for its level (``[retention]`` in the settings file, ``retention=`` in
code). No period, nothing is erased. The daily sweep applies it
(``dialogue_flow._erasure``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import attrs

from ._errors import InvalidInputError

__all__ = ["RULE", "check_retention", "optional_retention", "retention_levels",
           "retention_problem", "retention_start"]

_PERIOD = re.compile(r"^([1-9][0-9]{0,3})([ymd])$")
#: What a retention period looks like (the error for a wrong one says this).
RULE = '"5y" (years), "18m" (months) or "90d" (days): a whole number >= 1 and a unit'


def retention_problem(value: str) -> bool:
    """Whether ``value`` is not a retention period."""
    return _PERIOD.match(value) is None


def check_retention(field: str, value: object) -> str:
    """``value`` as a retention period (see :data:`RULE`).

    :raises InvalidInputError: naming ``field``.
    """
    if not isinstance(value, str) or retention_problem(value):
        raise InvalidInputError(field, f"expected a retention period, {RULE}; got {value!r}")
    return value


def optional_retention(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: ``None`` or a retention period."""
    if value is not None:
        check_retention(f"{type(inst).__name__}.{attribute.name}", value)


def retention_levels(value: object) -> Mapping[str, str]:
    """The flow's ``retention`` option: level -> period (``None``: none)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError("retention", 'expected a mapping of level -> period, e.g. '
                                '{"commune": "5y"}')
    return {str(level): check_retention(f"retention.{level}", period)
            for level, period in value.items()}


def retention_start(today: dt.date, period: str) -> dt.date:
    """The first day whose closed matters are still kept on ``today``: a matter closed
    before it is past ``period`` (months and years by the calendar, the 31st as the last
    day of a shorter month)."""
    found = _PERIOD.match(period)
    if found is None:
        raise InvalidInputError("retention", f"expected {RULE}")
    count, unit = int(found.group(1)), found.group(2)
    if unit == "d":
        return today - dt.timedelta(days=count)
    months = today.year * 12 + today.month - 1 - (count * 12 if unit == "y" else count)
    year, month = divmod(months, 12)
    if year < dt.MINYEAR:
        return dt.date.min
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
            - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(today.day, last))
