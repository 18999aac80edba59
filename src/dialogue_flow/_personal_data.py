"""Requests about personal data (Law 91/2025/QH15): the access log read back, and (below)
finding, exporting and erasing what is held about one petitioner.

Every read of personal data through the library is logged (``FlowCore._log_access``, in
``dialogue_flow._access``): a report with personal data, a petitioner found by name, phone
or e-mail, an export, an erase. The log holds ids only.
"""

from __future__ import annotations

import datetime as dt

from ._access_records import AccessEntry, AccessQuery
from ._checks import _check_id, _opt_date
from ._clock import VIETNAM_TZ
from ._errors import InvalidInputError
from ._flow_core import FlowCore, Page
from ._records import Actor, Submission
from .storage import check_limit

__all__ = ["PersonalDataCommands"]


class PersonalDataCommands(FlowCore):
    """The access log, and what a petitioner may ask about their data."""

    def access_log(self, *, organisation: str | None = None, subtree: bool = False,
                   actor: Actor | str | None = None, record: Submission | str | None = None,
                   start: dt.date | None = None, end: dt.date | None = None,
                   limit: int = 100, after: str | None = None) -> Page[AccessEntry]:
        """One page of the access log, oldest first: who read which records' personal
        data, when and why (ids only).

        ``organisation`` (``subtree=True``: and those under it): reads of its records;
        ``actor``: reads by this actor (or actor id); ``record``: reads naming this
        submission (or id); ``start`` and ``end``: reads on these days (Vietnamese time,
        both included). Pass the page's ``next_after`` as ``after`` for the next page.
        """
        actor_id = actor.id if isinstance(actor, Actor) else actor
        record_id = record.id if isinstance(record, Submission) else record
        for field, value in (("actor", actor_id), ("record", record_id)):
            if value is not None:
                _check_id(field, value)
        first, last = _opt_date("start", start), _opt_date("end", end)
        if first is not None and last is not None and last < first:
            raise InvalidInputError("end", f"{last.isoformat()} is before start "
                                    f"{first.isoformat()}")
        if after is not None and not str(after).isdigit():
            raise InvalidInputError("after", f"{after!r} is not a cursor of the access log "
                                    "(use the next_after of the previous page)")
        query = AccessQuery(
            organisations=self._scope(organisation, subtree), actor_id=actor_id,
            record_ids=None if record_id is None else frozenset({record_id}),
            since=_midnight(first), before=_midnight(last, 1),
            after=None if after is None else int(after), limit=check_limit(limit) + 1)
        found = self.storage.access_log(query)
        more = len(found) > limit
        kept = tuple(found[:limit])
        return Page(kept, str(kept[-1].seq) if more and kept else None)


def _midnight(day: dt.date | None, days_after: int = 0) -> dt.datetime | None:
    """The instant ``day`` (plus ``days_after``) begins in Vietnam."""
    if day is None:
        return None
    try:
        day += dt.timedelta(days=days_after)
    except OverflowError:  # the day after the last date: no bound
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=VIETNAM_TZ)
