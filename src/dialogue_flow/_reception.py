"""Periodic citizen reception days (tiếp công dân định kỳ), the third lifecycle.

Conclusion 215-KL/TW (23 November 2025) amending Regulation 11: the head of a commune party
committee receives citizens at least 2 days a month, the head of a provincial one at least
1, on dates fixed and announced publicly in advance; Law 136/2025/QH15 asks the same of the
commune chairperson. An organisation fixes its days of the month
(:attr:`~dialogue_flow.Organisation.reception_dates`, e.g. the 10th and the 25th); each
month's days are scheduled from them (moved to the next working day of the organisation's
calendar), announced before they come, then held (who received, how many citizens came) or
cancelled, with a replacement day when there is one. Every petition received there is a
:class:`~dialogue_flow.Submission` with channel ``reception`` and the processing clock
(``receive(None, reception=...)``). The daily sweep reminds the chair when next month's
schedule falls short of the minimum (:data:`~dialogue_flow.RECEPTION_MINIMUM`), and reports
count the days held against it.
"""

from __future__ import annotations

import calendar as _months
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from ._calendar import WorkCalendar
from ._checks import (
    _build,
    _check_actor,
    _check_date,
    _check_id,
    _check_text,
    _check_whole,
    _names,
    _require,
)
from ._errors import InvalidInputError
from ._flow_core import FlowCore, _row
from ._flow_queries import Page, _paged
from ._ics import calendar_ics
from ._lifecycle import RECEPTION
from ._messages import render
from ._plugins import announce_commit, check_vetoes
from ._reception_records import RECEPTION_FROM, ReceptionDay, ReceptionMonth, ReceptionState
from ._records import Actor, Level, Notification, Organisation
from .storage import Changeset, ReceptionQuery, every_page

__all__ = ["ReceptionCommands", "month_bounds"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_LIVE = frozenset({ReceptionState.SCHEDULED, ReceptionState.ANNOUNCED, ReceptionState.HELD})


def month_bounds(month: object, field: str = "month") -> tuple[dt.date, dt.date]:
    """The first and last day of ``"YYYY-MM"``.

    :raises InvalidInputError: not a month written ``YYYY-MM``.
    """
    found = _MONTH.match(month) if isinstance(month, str) else None
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        raise InvalidInputError(field, f"{month!r} is not a month written YYYY-MM "
                                "(e.g. 2026-01)")
    return _month_of_day(dt.date(int(found[1]), int(found[2]), 1))


def _month_of_day(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month ``day`` is in."""
    last = _months.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _by_organisation(days: Iterable[ReceptionDay]) -> dict[str, list[ReceptionDay]]:
    """``days`` grouped by organisation, read once (a national store has ~3,400)."""
    grouped: dict[str, list[ReceptionDay]] = {}
    for r in days:
        grouped.setdefault(r.organisation_id, []).append(r)
    return grouped


class ReceptionCommands(FlowCore):
    """The commands on citizen reception days (mixed into
    :class:`~dialogue_flow.DialogueFlow`)."""

    # --- queries -----------------------------------------------------------------------------

    def reception_day(self, reception_id: str) -> ReceptionDay:
        """The current reception day. :raises NotFoundError:"""
        _check_id("reception_id", reception_id)
        return self.storage.get_reception_day(reception_id)

    def reception_days(
        self,
        *,
        state: ReceptionState | str | Iterable[ReceptionState | str] | None = None,
        scheduled_from: dt.date | None = None,
        scheduled_to: dt.date | None = None,
        limit: int = 100,
        after: str | None = None,
        organisation: str | None = None,
        subtree: bool = False,
    ) -> Page[ReceptionDay]:
        """One page of reception days, ordered by id (``organisation``, ``subtree``: as for
        :meth:`~dialogue_flow.DialogueFlow.submissions`)."""
        query = self._scheduled_query(ReceptionQuery, ReceptionState, state, scheduled_from,
                                      scheduled_to, limit, after, organisation, subtree)
        return _paged(self.storage.find_reception_days(query), limit)

    def reception_month(self, organisation: str, month: str) -> ReceptionMonth:
        """``organisation``'s reception days of ``month`` (``"2026-01"``) against the
        minimum for its level."""
        start, end = month_bounds(month)
        self._check_organisation(organisation)
        days = self._days_between(start, end, frozenset({organisation}))
        return self._month_of(organisation, self._level(organisation), month, start, days)

    def reception_minimum_for(self, level: str, month_start: dt.date) -> int:
        """The days a month an organisation of ``level`` receives citizens at least, in the
        month starting ``month_start`` (0 before Conclusion 215-KL/TW)."""
        if month_start < RECEPTION_FROM:
            return 0
        return self.reception_minimum.get(level, 0)

    def calendar_ics(self, organisation: str, *, start: dt.date, end: dt.date,
                     subtree: bool = False) -> bytes:
        """``organisation``'s announced reception days and dialogues from ``start`` to
        ``end`` as an iCalendar file (``subtree=True``: with those of every organisation
        under it), for the People to subscribe to. Needs the ``ics`` extra
        (``pip install 'dialogue-flow[ics]'``).

        :raises ConfigurationError: ``icalendar`` is not installed.
        """
        first = _check_date("start", start)
        last = _check_date("end", end)
        if last < first:
            raise InvalidInputError("end", f"{last.isoformat()} is before start "
                                    f"{first.isoformat()}")
        scope = self._scope(organisation, subtree)
        names = {o.id: o.name for o in self._organisations_in(scope)}
        return calendar_ics(self.storage, organisation, scope, first, last, names=names,
                            language=self.language)

    def reception_summary(self, start: dt.date, end: dt.date, as_of: dt.date,
                          organisations: frozenset[str] | None,
                          ) -> tuple[int, int, tuple[ReceptionMonth, ...]]:
        """What a report of ``start``..``end`` says about reception days, of
        ``organisations`` (``None``: every one): the days held, the citizens received, and
        each organisation's months below its minimum. A month that ended by ``as_of``
        counts the days held; the month of ``as_of`` counts those still to come too; later
        months are not judged yet."""
        days = self._days_between(start, end, organisations)
        held = [r for r in days if r.state is ReceptionState.HELD]
        tree = self._organisations_in(organisations)
        # Grouped once by (month, organisation): a national report judges ~3,400
        # organisations a month, each against its own days only.
        grouped: dict[tuple[dt.date, str], list[ReceptionDay]] = {}
        for r in days:
            grouped.setdefault((r.scheduled_for.replace(day=1), r.organisation_id), []).append(r)
        short: list[ReceptionMonth] = []
        first, last = _month_of_day(start)
        while first <= min(end, as_of):
            month = first.strftime("%Y-%m")
            for org in tree:
                if self.reception_minimum_for(org.level, first) == 0:
                    continue
                counted = self._month_of(org.id, org.level, month, first,
                                         grouped.get((first, org.id), ()))
                done = counted.held if last < as_of else counted.held + counted.planned
                if done < counted.minimum:
                    short.append(counted)
            first, last = _month_of_day(last + dt.timedelta(days=1))
        return len(held), sum(r.citizens or 0 for r in held), tuple(short)

    def _organisations_in(self, scope: frozenset[str] | None) -> list[Organisation]:
        """The stored organisations of ``scope`` (every one for ``None``): only those in scope
        are read, as a roll-up builds a report per commune and decoding a national tree
        (3,355 organisations) for each would cost ~50 ms."""
        if scope is None:
            return self.storage.find_organisations()
        return [org for org in map(self._stored_organisation, sorted(scope))
                if org is not None]

    # --- commands ------------------------------------------------------------------------------

    def plan_reception(self, *, scheduled_for: dt.date, actor: Actor, venue: str | None = None,
                       host: str | None = None) -> ReceptionDay:
        """Fix one reception day of the actor's organisation, on a working day from today on."""
        _check_actor(actor)
        day = _check_date("scheduled_for", scheduled_for)
        self._check_future(day)
        self._check_details(venue, host)
        self._authorize(actor, "schedule", None)
        self._check_organisation(actor.organisation_id)
        calendar = self.calendar_of(actor.organisation_id)
        if not calendar.is_working_day(day):
            reasons = "; ".join(s.reason for s in calendar.explain(day - dt.timedelta(days=1),
                                                                    day))
            raise InvalidInputError(
                "scheduled_for", f"{day.isoformat()} is not a working day ({reasons}); citizens "
                f"are received on working days, e.g. "
                f"{calendar.add_working_days(day, 1).isoformat()}")
        taken = self._days_between(day, day, frozenset({actor.organisation_id}))
        if any(r.state in _LIVE for r in taken):
            raise InvalidInputError("scheduled_for", f"{day.isoformat()} is already a reception "
                                    f"day of {actor.organisation_id}")
        now = self.clock.now()
        reception = self._new_day(day, actor.organisation_id, venue, host, now)
        self._commit_new(reception, RECEPTION, actor, now)
        return reception

    def schedule_receptions(self, month: str, *, actor: Actor, venue: str | None = None,
                            host: str | None = None) -> list[ReceptionDay]:
        """Schedule the actor's organisation's reception days of ``month`` (``"2026-01"``)
        from its :attr:`~dialogue_flow.Organisation.reception_dates`: each date, or the next
        working day when it is not one (the previous one when the next falls in the next
        month; the 31st of a shorter month is its last day). Days already scheduled are kept;
        days in the past are left out. Everything is written in one commit.

        :raises InvalidInputError: the organisation fixed no dates.
        """
        _check_actor(actor)
        start, end = month_bounds(month)
        self._check_details(venue, host)
        self._authorize(actor, "schedule", None)
        org = self._stored_organisation(actor.organisation_id)
        if org is None or not org.reception_dates:
            raise InvalidInputError(
                "month", f"{actor.organisation_id} has no reception dates fixed; set "
                "reception_dates on the organisation (e.g. [10, 25]) or use plan_reception")
        calendar = self.calendar_of(org.id)
        wanted = sorted({_working_day_in_month(calendar, start, end, d)
                         for d in org.reception_dates})
        today = self.clock.today()
        taken = {r.scheduled_for for r in self._days_between(start, end, frozenset({org.id}))
                 if r.state in _LIVE}
        now = self.clock.now()
        new = [self._new_day(day, org.id, venue, host, now)
               for day in wanted if day >= today and day not in taken]
        if not new:
            return []
        for reception in new:
            check_vetoes(self.plugins, reception.KIND, reception, "schedule",
                         str(reception.state), actor)
        self.storage.commit(Changeset(
            tuple((r, 0) for r in new),
            tuple(_row(r, RECEPTION.creation_event, None, actor, now) for r in new)))
        for reception in new:
            announce_commit(self.plugins, reception.KIND, reception, "schedule", actor)
        return new

    def announce_reception(self, reception: str | ReceptionDay, *, actor: Actor,
                           on: dt.date | None = None,
                           expected_version: int | None = None) -> ReceptionDay:
        """Record the public announcement of the day; it must come before the day."""
        reception = self._expect(ReceptionDay, reception, expected_version)
        r = self._current(ReceptionDay, reception)
        day = self._day("on", on)
        _require(RECEPTION, r, "announce")
        if day >= r.scheduled_for:
            raise InvalidInputError(
                "on", f"announcing on {day.isoformat()} is not in advance of the reception day "
                f"{r.scheduled_for.isoformat()}; cancel it and schedule another day")
        return self._change(r, "announce", actor, {"announced_on": day})

    def hold_reception(self, reception: str | ReceptionDay, *, actor: Actor, citizens: int,
                       received_by: Iterable[str], on: dt.date | None = None,
                       expected_version: int | None = None) -> ReceptionDay:
        """Record that citizens were received: by whom and how many came (0 when nobody
        did; the day still counts as held)."""
        reception = self._expect(ReceptionDay, reception, expected_version)
        r = self._current(ReceptionDay, reception)
        day = self._day("on", on)
        _require(RECEPTION, r, "hold")
        _check_whole("citizens", citizens)
        who = _names("received_by", received_by)
        if not who:
            raise InvalidInputError("received_by", "name who received the citizens")
        if day != r.scheduled_for:
            raise InvalidInputError(
                "on", f"the day was announced for {r.scheduled_for.isoformat()}, not "
                f"{day.isoformat()}; cancel it with a replacement day to move it")
        return self._change(r, "hold", actor, {"held_on": day, "citizens": citizens,
                                               "received_by": who},
                            details={"citizens": str(citizens)})

    def cancel_reception(self, reception: str | ReceptionDay, *, actor: Actor, reason: str,
                         replacement: dt.date | None = None,
                         expected_version: int | None = None) -> ReceptionDay:
        """Call the day off; with ``replacement``, the day that replaces it is scheduled in
        the same commit (and must be announced in its turn)."""
        reception = self._expect(ReceptionDay, reception, expected_version)
        r = self._current(ReceptionDay, reception)
        _check_text("reason", reason)
        _require(RECEPTION, r, "cancel")
        extra: list[tuple[ReceptionDay, int]] = []
        rows = []
        changes: dict[str, object] = {"cancel_reason": reason}
        now = self.clock.now()
        if replacement is not None:
            day = _check_date("replacement", replacement)
            self._check_future(day, "replacement")
            calendar = self.calendar_of(r.organisation_id)
            if not calendar.is_working_day(day):
                raise InvalidInputError("replacement", f"{day.isoformat()} is not a working day")
            substitute = attrs.evolve(self._new_day(day, r.organisation_id, r.venue, r.host,
                                                    now), replaces=r.id)
            extra.append((substitute, 0))
            rows.append(_row(substitute, RECEPTION.creation_event, None, actor, now,
                             reason, details={"replaces": r.id}))
            changes["replaced_by"] = substitute.id
        return self._change(r, "cancel", actor, changes, reason=reason, extra=extra,
                            extra_rows=rows)

    # --- shared ----------------------------------------------------------------------------

    def _new_day(self, day: dt.date, organisation_id: str, venue: str | None,
                 host: str | None, now: dt.datetime) -> ReceptionDay:
        return _build(ReceptionDay, id=self._new_id("rcp"), scheduled_for=day,
                      state=RECEPTION.initial, version=1, created_at=now, updated_at=now,
                      organisation_id=organisation_id, venue=venue, host=host)

    def _check_future(self, day: dt.date, field: str = "scheduled_for") -> None:
        today = self.clock.today()
        if day < today:
            raise InvalidInputError(field, f"{day.isoformat()} is in the past (today is "
                                    f"{today.isoformat()})")

    @staticmethod
    def _check_details(venue: str | None, host: str | None) -> None:
        for field, value in (("venue", venue), ("host", host)):
            if value is not None:
                _check_text(field, value)

    def _days_between(self, start: dt.date, end: dt.date,
                      organisations: frozenset[str] | None) -> list[ReceptionDay]:
        """Every reception day from ``start`` to ``end`` of ``organisations``."""
        return every_page(self.storage.find_reception_days, ReceptionQuery(
            scheduled_from=start, scheduled_to=end, limit=1000, organisations=organisations))

    def _level(self, organisation_id: str) -> str:
        org = self._stored_organisation(organisation_id)
        return org.level if org is not None else Level.COMMUNE.value

    def _month_of(self, organisation_id: str, level: str, month: str, start: dt.date,
                  mine: Sequence[ReceptionDay]) -> ReceptionMonth:
        """``organisation_id``'s month from its own days of that month (``mine``)."""
        held = [r for r in mine if r.state is ReceptionState.HELD]
        return ReceptionMonth(
            organisation_id=organisation_id, month=month,
            minimum=self.reception_minimum_for(level, start),
            planned=sum(1 for r in mine if r.state in (ReceptionState.SCHEDULED,
                                                       ReceptionState.ANNOUNCED)),
            held=len(held),
            cancelled=sum(1 for r in mine if r.state is ReceptionState.CANCELLED),
            citizens=sum(r.citizens or 0 for r in held))

    def reception_notices(self, today: dt.date, horizon: dt.date,
                          tree: Mapping[str, Organisation],
                          organisations: frozenset[str] | None) -> tuple[int, list[Notification]]:
        """What the sweep says about reception days: each organisation in scope whose next
        month has fewer days fixed than its minimum (one notice per organisation and month),
        and each day still not announced from ``today`` to ``horizon`` (one per day).
        Returns how many it found and their notices."""
        now = self.clock.now()
        notes: list[Notification] = []
        start, end = _month_of_day(_month_of_day(today)[1] + dt.timedelta(days=1))
        month = start.strftime("%Y-%m")
        due = {org_id: org for org_id, org in tree.items()
               if (organisations is None or org_id in organisations)
               and self.reception_minimum_for(org.level, start) > 0}
        if due:
            days = _by_organisation(self._days_between(
                start, end, frozenset(due) if organisations else None))
            for org in due.values():
                counted = self._month_of(org.id, org.level, month, start, days.get(org.id, ()))
                if counted.short:
                    notes.append(self._short_month_notice(org, counted, now))
        unannounced = every_page(self.storage.find_reception_days, ReceptionQuery(
            states=frozenset({ReceptionState.SCHEDULED}), scheduled_from=today,
            scheduled_to=horizon, limit=1000, organisations=organisations))
        notes += [self._announcement_notice(r, now) for r in unannounced]
        return len(notes), notes

    def _announcement_notice(self, r: ReceptionDay, now: dt.datetime) -> Notification:
        subject, body = render("reception_announcement_due", self.language,
                               scheduled=r.scheduled_for.isoformat())
        return Notification(
            key=f"reception_day:{r.id}:announcement_due", event="reception_announcement_due",
            kind=r.KIND, record_id=r.id, audience="office", subject=subject, body=body,
            language=self.language, created_at=now,
            data={"state": r.state.value, "scheduled": r.scheduled_for.isoformat()},
            organisation_id=r.organisation_id)

    def _short_month_notice(self, org: Organisation, month: ReceptionMonth,
                            now: dt.datetime) -> Notification:
        subject, body = render("reception_schedule_short", self.language, month=month.month,
                               count=month.planned + month.held, minimum=month.minimum,
                               name=org.name)
        return Notification(
            key=f"reception:{org.id}:{month.month}:short", event="reception_schedule_short",
            kind=ReceptionDay.KIND, record_id=org.id, audience="chair", subject=subject,
            body=body, language=self.language, created_at=now,
            data={"month": month.month, "minimum": str(month.minimum),
                  "scheduled": str(month.planned + month.held)},
            organisation_id=org.id)



def _working_day_in_month(calendar: WorkCalendar, start: dt.date, end: dt.date, day: int,
                          ) -> dt.date:
    """Day ``day`` of the month from ``start`` to ``end`` (its last day when shorter), or the
    next working day; the previous working day when the next is in the next month."""
    wanted = start.replace(day=min(day, end.day))
    if calendar.is_working_day(wanted):
        return wanted
    following = calendar.add_working_days(wanted, 1)
    return following if following <= end else calendar.add_working_days(wanted, -1)
