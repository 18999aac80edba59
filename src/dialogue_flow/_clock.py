"""Clocks: where "now" and "today" come from, injectable for tests and demos."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

__all__ = ["VIETNAM_TZ", "Clock", "FixedClock", "SystemClock"]

#: Asia/Ho_Chi_Minh: UTC+7 all year, no daylight saving since 1975, so a fixed offset is
#: exact and spares hosts the tzdata package on Windows.
VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


@runtime_checkable
class Clock(Protocol):
    """Source of the current instant. ``today()`` is the local date in Vietnam."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def today(self) -> date:
        """The current local date in Asia/Ho_Chi_Minh."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(VIETNAM_TZ)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until told to move; for tests, demos and replays."""

    def __init__(self, start: date | datetime) -> None:
        self._now = _as_instant(start)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(VIETNAM_TZ).date()

    def set(self, when: date | datetime) -> None:
        """Jump to ``when`` (a date means 08:00 local time that day)."""
        self._now = _as_instant(when)

    def advance(self, *, days: int = 0, hours: int = 0, minutes: int = 0,
                seconds: float = 0) -> None:
        """Move forward (or back, with negative values) by the given amount."""
        self._now += timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"


def _as_instant(when: date | datetime) -> datetime:
    from ._errors import InvalidInputError  # noqa: PLC0415 - keeps the module import-light

    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise InvalidInputError(
                "clock", f"naive datetime {when.isoformat()}: pass an aware datetime "
                "(e.g. with tzinfo=dialogue_flow.VIETNAM_TZ) or a date",
            )
        return when
    if isinstance(when, date):
        return datetime(when.year, when.month, when.day, 8, 0, tzinfo=VIETNAM_TZ)
    raise InvalidInputError("clock", f"expected a date or datetime, got {type(when).__name__}")
