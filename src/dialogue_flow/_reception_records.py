"""The records of citizen reception days (tiếp công dân định kỳ, Conclusion 215-KL/TW): the
day itself, a month's count against the minimum, and the minimum by level."""

from __future__ import annotations

import datetime as dt
import enum
import types
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._records import (
    DEFAULT_ORGANISATION,
    Level,
    _aware,
    _optional_id,
    _record_id,
    _strings,
    _to_member,
)
from ._validators import FREE, LABEL, NAME, day, nfc, text, texts, whole

__all__ = [
    "RECEPTION_BASIS",
    "RECEPTION_FROM",
    "RECEPTION_MINIMUM",
    "ReceptionDay",
    "ReceptionMonth",
    "ReceptionState",
]


class ReceptionState(enum.StrEnum):
    """Where a periodic citizen reception day (ngày tiếp công dân định kỳ) stands."""

    SCHEDULED = "scheduled"  # ấn định
    ANNOUNCED = "announced"  # đã thông báo công khai
    HELD = "held"  # đã tiếp
    CANCELLED = "cancelled"  # hủy (thay bằng ngày khác)


#: Reception days a month at least, by organisation level (215-KL/TW). A level not listed
#: has no minimum; a flow takes other figures with ``reception_minimum=``.
RECEPTION_MINIMUM: Mapping[str, int] = types.MappingProxyType(
    {Level.COMMUNE.value: 2, Level.PROVINCE.value: 1})
#: The months the minimum applies to start with the first month after Conclusion 215-KL/TW.
RECEPTION_FROM = dt.date(2025, 12, 1)
RECEPTION_BASIS = ("Kết luận 215-KL/TW ngày 23/11/2025 (sửa đổi Quy định 11-QĐi/TW): người "
                   "đứng đầu cấp ủy cấp xã tiếp công dân định kỳ ít nhất 2 ngày/tháng, cấp "
                   "tỉnh ít nhất 1 ngày/tháng, vào ngày được ấn định và thông báo công khai "
                   "trước.")


def _reception_state(value: Any) -> ReceptionState:
    return _to_member(ReceptionState, "ReceptionDay.state", value)


@attrs.frozen
class ReceptionDay:
    """A day an organisation's head receives citizens (tiếp công dân định kỳ).

    Conclusion 215-KL/TW: the commune head at least 2 days a month, the provincial head at
    least 1, on dates fixed and announced publicly in advance. Each petition received there
    is a :class:`Submission` with channel ``reception`` naming the day (``reception_id``).
    """

    KIND: ClassVar[str] = "reception_day"

    id: str = attrs.field(validator=_record_id)
    scheduled_for: dt.date = attrs.field(validator=day())
    state: ReceptionState = attrs.field(converter=_reception_state)
    version: int = attrs.field(validator=whole(minimum=1))
    created_at: dt.datetime = attrs.field(validator=_aware)
    updated_at: dt.datetime = attrs.field(validator=_aware)
    #: The organisation whose head receives.
    organisation_id: str = attrs.field(default=DEFAULT_ORGANISATION, validator=_record_id)
    venue: str | None = attrs.field(default=None, converter=nfc,
                                    validator=text(LABEL, optional=True))
    #: Who is to receive (the head, by default; a deputy when delegated).
    host: str | None = attrs.field(default=None, converter=nfc,
                                   validator=text(NAME, optional=True))
    announced_on: dt.date | None = attrs.field(default=None, validator=day(optional=True))
    held_on: dt.date | None = attrs.field(default=None, validator=day(optional=True))
    #: Who received the citizens that day (names or actor ids), when held.
    received_by: tuple[str, ...] = attrs.field(default=(), converter=_strings,
                                               validator=texts(NAME))
    #: How many citizens came, when held.
    citizens: int | None = attrs.field(default=None, validator=whole(optional=True))
    cancel_reason: str | None = attrs.field(default=None, converter=nfc,
                                            validator=text(FREE, optional=True))
    #: The day this one replaces (it was cancelled), and the day that replaces this one.
    replaces: str | None = attrs.field(default=None, validator=_optional_id)
    replaced_by: str | None = attrs.field(default=None, validator=_optional_id)

    @property
    def key(self) -> tuple[str, str]:
        return (self.KIND, self.id)


@attrs.frozen
class ReceptionMonth:
    """One organisation's reception days of one month, against its minimum."""

    organisation_id: str
    month: str
    #: Days off the calendar a month needs at least (0: no minimum for its level/month).
    minimum: int
    #: Days scheduled or announced and not held yet, held, and cancelled (not replaced ones
    #: too: a cancelled day's replacement is counted in its own state).
    planned: int
    held: int
    cancelled: int
    #: Citizens received on the days held.
    citizens: int

    @property
    def short(self) -> bool:
        """Fewer days held or still to come than the minimum."""
        return self.planned + self.held < self.minimum
