"""The daily sweep: reminders before deadlines, overdue notices, report due dates.

One idempotent call, safe to run from cron as often as you like: every notice it writes has
a key made of what it is about and the deadline it concerns, and the outbox ignores a key it
already holds, so a second run on the same day (or any later run) writes nothing new. It
never forgets: every open matter past its due date is overdue in every sweep, however long
ago the date passed or the sweep last ran, and gets one overdue notice per due date (not one
per missed day). Its cost follows what is due: submissions are found through the (state,
due date) index, never by loading every record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

import attrs

from ._erasure import erase_expired
from ._errors import InvalidInputError, StorageError
from ._heartbeats import SWEEP, Heartbeat, last_covering, missed_sweep_notices
from ._messages import render
from ._records import (
    DEFAULT_ORGANISATION,
    Dialogue,
    DialogueState,
    Notification,
    Submission,
    SubmissionState,
)
from ._report import period_title
from .storage import (
    OPEN_WITH_CLOCK,
    Changeset,
    DialogueQuery,
    ReportFacts,
    SubmissionFacts,
    SubmissionQuery,
)

if TYPE_CHECKING:
    from ._calendar import WorkCalendar
    from ._flow import DialogueFlow
    from ._policy import DeadlinePolicy, ReportDue

__all__ = ["SweepResult", "run_sweep"]

_BATCH = 500
_ESCALATED = SubmissionState.ESCALATED.value
_RECEIVED = SubmissionState.RECEIVED.value


class _Due(NamedTuple):
    facts: SubmissionFacts
    due_date: dt.date


@attrs.frozen
class SweepResult:
    """What one sweep found due, and the notices it added to the outbox (those already
    there are not counted: the sum of what its commits returned)."""

    today: dt.date
    #: Open matters due from today to the last reminder day.
    due_soon: int = 0
    #: Open matters past their due date today, however long ago it passed.
    overdue_matters: int = 0
    #: Dialogues with an announcement or conclusion deadline near or passed.
    dialogues: int = 0
    #: Reports due soon, one per organisation in scope (each under its own policy).
    reports: int = 0
    #: Organisations whose next month has fewer citizen reception days fixed than their
    #: minimum, and reception days near and not announced yet.
    receptions: int = 0
    #: New notices of every kind.
    written: int = 0
    #: Of ``written``, the new overdue notices (a matter already told about is not again).
    overdue_notices: int = 0
    #: When the sweep before this one finished, for the organisation in scope swept least
    #: recently (``None``: none was swept before; see :mod:`dialogue_flow._heartbeats`).
    previous_sweep: dt.datetime | None = None
    #: Organisations whose previous sweep was before a working day that had none: each
    #: office is told (an ``office`` notice ``sweep_missed``, once per previous sweep).
    missed: int = 0
    #: Settled outbox rows deleted past the retention (``outbox_days``; 0 without one).
    pruned: int = 0
    #: Closed matters whose petitioner's personal data was erased, their organisation's
    #: retention past (``dialogue_flow._retention``).
    erased: int = 0

    @property
    def overdue(self) -> int:
        """The same as :attr:`overdue_matters` (its earlier name)."""
        return self.overdue_matters

    @property
    def found(self) -> int:
        return (self.due_soon + self.overdue_matters + self.dialogues + self.reports
                + self.receptions)


def run_sweep(flow: DialogueFlow, today: object, *, remind: tuple[object, ...] = (3, 0),
              organisations: frozenset[str] | None = None) -> SweepResult:
    """Write every notice due on ``today`` to the outbox (see the module docstring).

    :param remind: working days before a due date on which to remind (3 and on the day).
    :param organisations: sweep only these organisations' matters and dialogues.
    """
    if isinstance(today, dt.datetime) or not isinstance(today, dt.date):
        raise InvalidInputError("today", f"expected a datetime.date, got {today!r}")
    if not remind or any(isinstance(k, bool) or not isinstance(k, int) or k < 0 for k in remind):
        raise InvalidInputError("remind", f"expected working-day offsets >= 0, got {remind!r}")
    offsets = tuple(sorted({k for k in remind if isinstance(k, int)}))
    sweep = _Sweep(flow, today, offsets, organisations)
    return sweep.run()


class _Sweep:
    def __init__(self, flow: DialogueFlow, today: dt.date, remind: tuple[int, ...],
                 organisations: frozenset[str] | None) -> None:
        self.flow, self.today, self.remind = flow, today, remind
        self.organisations = organisations
        tree = {org.id: org for org in flow.storage.find_organisations()}
        self.tree = tree
        #: Each organisation's calendar (:meth:`DialogueFlow.calendar_of`), from one read of
        #: the tree.
        self.calendars = {org_id: flow.calendar_of(org_id, tree) for org_id in tree
                          if organisations is None or org_id in organisations}
        #: And each one's policy (:meth:`DialogueFlow.policy_of`).
        self.policies = {org_id: flow.policy_of(org_id, tree) for org_id in self.calendars}
        # The last due date a reminder can concern: the latest over the calendars in scope
        # (a closed day moves an organisation's horizon a day later).
        self.horizon = max(c.add_working_days(today, remind[-1])
                           for c in {flow.calendar, *self.calendars.values()}
                           ) if remind[-1] else today
        self.now = flow.clock.now()
        self.notes: list[Notification] = []
        self.written = 0

    def run(self) -> SweepResult:
        # Read before this sweep writes its own heartbeat: when did the one before finish?
        beats = self.flow.storage.heartbeats()
        previous = {org_id: last_covering(beats, SWEEP, org_id) for org_id in self._in_scope()}
        missed = missed_sweep_notices(previous, self.tree, self._calendar, self.today,
                                      self.now, self.flow.language)
        for note in missed:
            self._add(note)
        due_soon = self._due_soon()
        self._flush(final=True)
        before = self.written
        overdue = self._overdue()
        self._flush(final=True)
        overdue_notices = self.written - before
        dialogues = self._dialogues()
        reports = self._reports()
        receptions, notes = self.flow.reception_notices(self.today, self.horizon, self.tree,
                                                        self.organisations)
        for note in notes:
            self._add(note)
        self._flush(final=True)
        # Personal data past its organisation's retention (after the notices: nothing above
        # reads a petitioner).
        erased = erase_expired(self.flow, self.today, self.tree, self.organisations)
        result = SweepResult(today=self.today, due_soon=due_soon, overdue_matters=overdue,
                             dialogues=dialogues, reports=reports, written=self.written,
                             overdue_notices=overdue_notices, receptions=receptions,
                             erased=erased)
        return self._beat(result, len(missed), previous)

    # --- submissions ---------------------------------------------------------------------

    def _due_soon(self) -> int:
        found = 0
        for f in self._due(self.today, self.horizon):
            left = self._calendar(f.facts.organisation_id).working_days_between(
                self.today, f.due_date)
            if left > self.remind[-1]:
                continue  # inside the horizon of another organisation's calendar only
            # The most urgent reminder that applies: a sweep that first runs on the due day
            # sends "today", not a stale "in 3 days".
            offset = next(k for k in self.remind if left <= k)
            # A matter not decided yet is the office's to decide; a decided one the body's.
            audience = "office" if f.facts.state == _RECEIVED else "department"
            self._submission_note(f, "due_soon", audience,
                                  f"due_soon:{f.due_date.isoformat()}:{offset}", days=left)
            found += 1
        return found

    def _overdue(self) -> int:
        found = 0
        # Every due date before today, not a window: a sweep that did not run for months
        # still tells the chair, once per matter and due date (the key names the date).
        for f in self._due(dt.date.min, self.today - dt.timedelta(days=1)):
            self._submission_note(f, "overdue", "chair", f"overdue:{f.due_date.isoformat()}",
                                  days=0)
            found += 1
        return found

    def _calendar(self, organisation_id: str) -> WorkCalendar:
        return self.calendars.get(organisation_id, self.flow.calendar)

    def _due(self, start: dt.date, end: dt.date) -> Iterator[_Due]:
        """Open matters due from ``start`` to ``end``: from covering indexes when the
        backend has them, else from the records, page by page."""
        storage = self.flow.storage
        facts: Iterator[SubmissionFacts]
        if isinstance(storage, ReportFacts):
            facts = storage.due_facts(start, end, self.organisations)
        else:
            facts = map(SubmissionFacts.of, self._submissions(start, end))
        for f in facts:
            if f.due_date is not None:
                yield _Due(f, f.due_date)

    def _submissions(self, start: dt.date, end: dt.date) -> Iterator[Submission]:
        after = None
        while True:
            page = self.flow.storage.find_submissions(SubmissionQuery(
                states=OPEN_WITH_CLOCK, limit=_BATCH, after=after,
                organisations=self.organisations,
                due_on_or_after=start, due_on_or_before=end))
            yield from page
            if len(page) < _BATCH:
                return
            after = page[-1].id

    def _submission_note(self, due: _Due, event: str, audience: str, tag: str,
                         days: int) -> None:
        f = due.facts
        responsible = f.competent_level if f.state == _ESCALATED else f.department
        day = due.due_date.isoformat()
        subject, body = render(event, self.flow.language, id=f.id, topic=f.topic,
                               responsible=responsible or "—", due=day, days=days)
        self._add(Notification(
            key=f"submission:{f.id}:{tag}", event=event, kind=Submission.KIND,
            record_id=f.id, audience=audience, subject=subject, body=body,
            language=self.flow.language, created_at=self.now, responsible=responsible,
            data={"state": f.state, "due": day}, organisation_id=f.organisation_id))

    # --- dialogues and reports -----------------------------------------------------------

    def _dialogues(self) -> int:
        found = 0
        after = None
        while True:
            page = self.flow.storage.find_dialogues(DialogueQuery(
                states=frozenset({DialogueState.PLANNED, DialogueState.HELD}), limit=_BATCH,
                after=after, organisations=self.organisations))
            for d in page:
                found += self._dialogue(d)
            if len(page) < _BATCH:
                return found
            after = page[-1].id

    def _dialogue(self, d: Dialogue) -> int:
        if d.state is DialogueState.PLANNED:
            deadline, name = d.announce_by, "announcement"
        elif d.conclusion_due is not None:
            deadline, name = d.conclusion_due, "conclusion"
        else:
            return 0
        if self.today <= deadline.date <= self.horizon:
            event = f"{name}_due"
        elif deadline.date < self.today:
            event = f"{name}_overdue"
        else:
            return 0
        subject, body = render(event, self.flow.language, title=d.title,
                               scheduled=d.scheduled_for.isoformat(),
                               due=deadline.date.isoformat())
        self._add(Notification(
            key=f"dialogue:{d.id}:{event}:{deadline.date.isoformat()}", event=event,
            kind=d.KIND, record_id=d.id,
            audience="chair" if event.endswith("overdue") else "office", subject=subject,
            body=body, language=self.flow.language, created_at=self.now,
            data={"state": d.state.value, "due": deadline.date.isoformat()},
            organisation_id=d.organisation_id))
        return 1

    def _reports(self) -> int:
        """Each organisation in scope is reminded of its reports due soon under its own
        policy and calendar: one notice per organisation, rule and period. The dates are
        computed once per distinct policy and calendar, not per organisation. A store that
        holds no organisation is reminded for the default one, as before organisations
        existed; one that holds some, for those (and the default one when asked by name).
        """
        scope = self._in_scope()
        groups: dict[tuple[int, int], tuple[DeadlinePolicy, WorkCalendar, list[str]]] = {}
        for org_id in scope:
            policy = self.policies.get(org_id, self.flow.policy)
            calendar = self._calendar(org_id)
            groups.setdefault((id(policy), id(calendar)), (policy, calendar, []))[2].append(
                org_id)
        found = 0
        for policy, calendar, members in groups.values():
            horizon = calendar.add_working_days(self.today, self.remind[-1]) if (
                self.remind[-1]) else self.today
            for due in policy.reports_due(self.today, horizon, calendar):
                found += len(members)
                self._report_notes(due, members)
        return found

    def _in_scope(self) -> list[str]:
        """The organisations this sweep answers for: those stored in its scope, and the
        default one when the store holds none (or it is asked for by name)."""
        scope = list(self.calendars)
        if DEFAULT_ORGANISATION not in self.calendars and (
                not self.calendars if self.organisations is None
                else DEFAULT_ORGANISATION in self.organisations):
            scope.append(DEFAULT_ORGANISATION)
        return scope

    def _beat(self, result: SweepResult, missed: int,
              previous: Mapping[str, Heartbeat | None]) -> SweepResult:
        """``result`` with what the heartbeats before it said, once this sweep's own
        heartbeat is recorded (its counts are the result's)."""
        result = attrs.evolve(result, missed=missed, previous_sweep=min(
            (beat.finished_at for beat in previous.values() if beat is not None), default=None))
        counts = {name: value for name, value in attrs.asdict(result).items()
                  if isinstance(value, int)}
        self.flow.storage.record_heartbeat(Heartbeat(
            SWEEP, self.flow.clock.now(), organisations=self.organisations, day=self.today,
            counts=counts))
        return result

    def _report_notes(self, due: ReportDue, members: list[str]) -> None:
        rule, day = due.rule, due.deadline.date.isoformat()
        # Once-a-year reports keep the key they had before monthly ones: the year.
        part = due.period if rule.period == "month" else str(due.year)
        language = self.flow.language
        subject, body = render("report_due", language,
                               period=period_title(due.period, language), due=day)
        for org_id in members:
            own = "" if org_id == DEFAULT_ORGANISATION else f"{org_id}:"
            self._add(Notification(
                key=f"report:{own}{rule.id}:{part}", event="report_due", kind="report",
                record_id=f"{rule.id}-{part}", audience="standing_committee",
                subject=subject, body=body, language=self.flow.language,
                created_at=self.now, data={"due": day, "period": due.period},
                organisation_id=org_id))

    # --- writing -------------------------------------------------------------------------

    def _add(self, note: Notification) -> None:
        self.notes.append(note)
        self._flush()

    def _flush(self, *, final: bool = False) -> None:
        if self.notes and (final or len(self.notes) >= _BATCH):
            # Notices only: no record changes, so nothing can conflict; a key the outbox
            # already holds is ignored, which is what makes the sweep idempotent. The
            # commit returns how many of these notices were new: this sweep's alone (not
            # what other processes write meanwhile), without counting the outbox.
            storage = self.flow.storage
            added = storage.commit(Changeset(records=(), notifications=tuple(self.notes)))
            if isinstance(added, bool) or not isinstance(added, int):
                raise StorageError(
                    f"{type(storage).__name__}.commit returned {added!r}, not the number of "
                    "notifications it inserted (dialogue_flow.storage.Storage.commit); the "
                    "notices were written, so the sweep can run again once the backend "
                    "is updated")
            self.written += added
            self.notes = []
