"""An organisation's announced citizen reception days and dialogues as iCalendar (RFC 5545).

What a commune posts for the People to subscribe to: every reception day and dialogue that
was announced publicly, as an all-day event, with its venue; a day or dialogue cancelled
after its announcement stays in the file with ``STATUS:CANCELLED``, so a subscribed calendar
drops it instead of keeping a stale date. Nothing personal is in it (no petitioner, no
matter). Each event's ``UID`` is its record id and its ``SEQUENCE`` the record's version, so
a calendar application updates an event it already has.

``icalendar`` is an extra (``pip install 'dialogue-flow[ics]'``), imported only here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ._errors import ConfigurationError
from ._reception_records import ReceptionDay, ReceptionState
from ._records import Dialogue, DialogueState
from ._version import __version__
from .storage import DialogueQuery, ReceptionQuery, Storage, every_page

__all__ = ["calendar_ics"]

_LABELS = {
    "vi": {"calendar": "Lịch tiếp công dân, đối thoại",
           "reception": "Tiếp công dân định kỳ",
           "dialogue": "Tiếp xúc, đối thoại trực tiếp",
           "host": "Người tiếp", "topics": "Nội dung"},
    "en": {"calendar": "Citizen reception and dialogues",
           "reception": "Citizen reception day",
           "dialogue": "Direct dialogue with the People",
           "host": "Received by", "topics": "Topics"},
}
_SHOWN_DIALOGUES = frozenset({DialogueState.ANNOUNCED, DialogueState.HELD,
                              DialogueState.CONCLUDED, DialogueState.COMPLETED,
                              DialogueState.CANCELLED})
_SHOWN_RECEPTIONS = frozenset({ReceptionState.ANNOUNCED, ReceptionState.HELD,
                               ReceptionState.CANCELLED})
_PAGE = 1000


def calendar_ics(storage: Storage, organisation: str, scope: frozenset[str] | None,
                 start: dt.date, end: dt.date, *, names: Mapping[str, str],
                 language: str) -> bytes:
    """The iCalendar file of the announced reception days and dialogues of the organisations
    in ``scope`` from ``start`` to ``end``, named after ``organisation`` (``names``: the
    organisations' names by id).

    :raises ConfigurationError: ``icalendar`` is not installed.
    """
    try:
        import icalendar  # noqa: PLC0415 - an extra, only needed here
    except ImportError:
        raise ConfigurationError(
            "the iCalendar export needs the icalendar package: pip install "
            "'dialogue-flow[ics]'") from None
    words = _LABELS[language]
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//dialogue_flow {__version__}//{organisation}//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{words['calendar']} — {names.get(organisation, organisation)}")
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for r in _receptions(storage, start, end, scope):
        if r.state is ReceptionState.CANCELLED and r.announced_on is None:
            continue  # never announced: nobody has it in a calendar
        description = f"{words['host']}: {r.host}" if r.host else ""
        cal.add_component(_event(icalendar, r, f"{words['reception']} — "
                                 f"{names.get(r.organisation_id, r.organisation_id)}",
                                 description, r.state is ReceptionState.CANCELLED))
    for d in _dialogues(storage, start, end, scope):
        if d.state is DialogueState.CANCELLED and d.announced_on is None:
            continue
        description = f"{words['topics']}: {'; '.join(d.topics)}" if d.topics else ""
        cal.add_component(_event(icalendar, d, f"{words['dialogue']}: {d.title}", description,
                                 d.state is DialogueState.CANCELLED))
    text: bytes = cal.to_ical()
    return text


def _event(icalendar: Any, record: ReceptionDay | Dialogue, summary: str, description: str,
           cancelled: bool) -> Any:
    event = icalendar.Event()
    event.add("uid", f"{record.id}@dialogue-flow")
    event.add("dtstamp", record.updated_at.astimezone(dt.UTC))
    event.add("dtstart", record.scheduled_for)
    event.add("dtend", record.scheduled_for + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("sequence", record.version)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    if record.venue:
        event.add("location", record.venue)
    if description:
        event.add("description", description)
    return event


def _receptions(storage: Storage, start: dt.date, end: dt.date,
                scope: frozenset[str] | None) -> list[ReceptionDay]:
    found = every_page(storage.find_reception_days, ReceptionQuery(
        states=_SHOWN_RECEPTIONS, scheduled_from=start, scheduled_to=end, limit=_PAGE,
        organisations=scope))
    return sorted(found, key=lambda r: (r.scheduled_for, r.id))


def _dialogues(storage: Storage, start: dt.date, end: dt.date,
               scope: frozenset[str] | None) -> list[Dialogue]:
    found = every_page(storage.find_dialogues, DialogueQuery(
        states=_SHOWN_DIALOGUES, scheduled_from=start, scheduled_to=end, limit=_PAGE,
        organisations=scope))
    return sorted(found, key=lambda d: (d.scheduled_for, d.id))
