"""The settings file's ``[housekeeping]`` table (issue 17, part 4), read without the flow.

Apart from :mod:`dialogue_flow._housekeeping` so that reading a settings file (which
``dialogue-flow --config FILE --help`` does to list the plugins' commands) imports neither
the flow nor the storage package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Protocol

from ._errors import InvalidInputError

if TYPE_CHECKING:
    from ._errors import ConfigurationError

__all__ = ["MAX_DAYS", "check_outbox_days", "read_housekeeping"]

#: The longest retention accepted: a hundred years, i.e. "keep".
MAX_DAYS: Final = 36_500

_KEYS: Final = {
    "outbox_days": "the days a settled notification is kept, a whole number from 1 "
                   f"to {MAX_DAYS} (e.g. 90)",
}


def check_outbox_days(value: object, field: str = "outbox_days") -> int | None:
    """``value`` as a retention in days (``None``: keep everything).

    :raises InvalidInputError: not a whole number from 1 to :data:`MAX_DAYS`.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise InvalidInputError(field, f"expected {_KEYS['outbox_days']}, got {value!r}")
    return value


class _Reader(Protocol):
    """What :func:`read_housekeeping` needs of the settings file's reader."""

    def fail(self, key: str, expected: str, value: object) -> ConfigurationError: ...

    def known(self, where: str, table: Mapping[str, object],
              keys: Mapping[str, str]) -> None: ...


def read_housekeeping(reader: _Reader, value: object) -> int | None:
    """The ``[housekeeping]`` table's ``outbox_days``; ``None`` without it.

    :raises ConfigurationError: naming the file, the key and what is expected.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise reader.fail("housekeeping", "a [housekeeping] table", value)
    reader.known("housekeeping.", value, _KEYS)
    days = value.get("outbox_days")
    try:
        return check_outbox_days(days)
    except InvalidInputError:
        raise reader.fail("housekeeping.outbox_days", _KEYS["outbox_days"], days) from None
