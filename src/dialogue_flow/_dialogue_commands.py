"""The dialogue's commands: plan, announce, reschedule, cancel, hold and conclude."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ._checks import (
    _build,
    _check_actor,
    _check_count,
    _check_date,
    _check_text,
    _names,
    _renamed,
    _replace,
    _require,
)
from ._errors import InvalidInputError
from ._flow_core import FlowCore, _row
from ._lifecycle import DIALOGUE
from ._messages import render
from ._policy import Purpose
from ._records import (
    Actor,
    ConclusionItem,
    ConclusionNotice,
    Dialogue,
    DialogueState,
    Notification,
    SubmissionState,
    TransitionRecord,
)
from .storage import Record, SubmissionCount

__all__ = ["DialogueCommands"]


class DialogueCommands(FlowCore):
    """The commands on dialogues (mixed into :class:`~dialogue_flow.DialogueFlow`)."""

    def plan_dialogue(
        self,
        *,
        scheduled_for: dt.date,
        title: str,
        actor: Actor,
        venue: str | None = None,
        chair: str | None = None,
        secretary: str | None = None,
        invited_departments: Iterable[str] = (),
        topics: Iterable[str] = (),
        expected_attendance: int | None = None,
    ) -> Dialogue:
        """Plan a dialogue; its announcement deadline is computed from the policy."""
        _check_actor(actor)
        scheduled_for = _check_date("scheduled_for", scheduled_for)
        today = self.clock.today()
        if scheduled_for < today:
            raise InvalidInputError(
                "scheduled_for", f"{scheduled_for.isoformat()} is in the past (today is "
                f"{today.isoformat()}); a dialogue is planned ahead")
        _check_text("title", title)
        for field, value in (("venue", venue), ("chair", chair), ("secretary", secretary)):
            if value is not None:
                _check_text(field, value)
        if expected_attendance is not None:
            _check_count("expected_attendance", expected_attendance)
        self._authorize(actor, "plan", None)
        self._check_organisation(actor.organisation_id)
        now = self.clock.now()
        dialogue = _build(
            Dialogue,
            id=self._new_id("dlg"), title=title, scheduled_for=scheduled_for,
            state=DIALOGUE.initial, version=1, created_at=now, updated_at=now,
            announce_by=self._deadline(Purpose.ANNOUNCEMENT, scheduled_for,
                                       actor.organisation_id),
            venue=venue, chair=chair if chair is not None else None, secretary=secretary,
            invited_departments=_names("invited_departments", invited_departments),
            topics=_names("topics", topics), expected_attendance=expected_attendance,
            organisation_id=actor.organisation_id,
        )
        self._commit_new(dialogue, DIALOGUE, actor, now)
        return dialogue

    def announce(self, dialogue: str | Dialogue, *, actor: Actor, on: dt.date | None = None,
                 expected_version: int | None = None) -> Dialogue:
        """Record the announcement to the People; refused after the legal last day."""
        dialogue = self._expect(Dialogue, dialogue, expected_version)
        d = self._current(Dialogue, dialogue)
        day = self._day("on", on)
        _require(DIALOGUE, d, "announce")  # "reschedule first" is wrong advice if not planned
        planned_on = d.created_at.astimezone(self.clock.now().tzinfo).date()
        if day < planned_on:
            raise InvalidInputError(
                "on", f"announcing on {day.isoformat()} is before the dialogue was planned "
                f"({planned_on.isoformat()})")
        if day > d.announce_by.date:
            raise InvalidInputError(
                "on", f"announcing on {day.isoformat()} is too late for a dialogue on "
                f"{d.scheduled_for.isoformat()}: the last day is "
                f"{d.announce_by.date.isoformat()} ({d.announce_by.rule_id}); "
                "reschedule the dialogue first")
        return self._change(d, "announce", actor, {"announced_on": day})

    def reschedule(self, dialogue: str | Dialogue, *, scheduled_for: dt.date, actor: Actor,
                   reason: str,
                   expected_version: int | None = None) -> Dialogue:
        """Move the date; the dialogue must be announced again."""
        dialogue = self._expect(Dialogue, dialogue, expected_version)
        d = self._current(Dialogue, dialogue)
        scheduled_for = _check_date("scheduled_for", scheduled_for)
        _check_text("reason", reason)
        if scheduled_for < self.clock.today():
            raise InvalidInputError("scheduled_for",
                                    f"{scheduled_for.isoformat()} is in the past")
        return self._change(d, "reschedule", actor, {
            "scheduled_for": scheduled_for, "announced_on": None,
            "announce_by": self._deadline(Purpose.ANNOUNCEMENT, scheduled_for,
                                          d.organisation_id),
        }, reason=reason, details={"from": d.scheduled_for.isoformat(),
                                   "to": scheduled_for.isoformat()})

    def cancel(self, dialogue: str | Dialogue, *, actor: Actor, reason: str,
               expected_version: int | None = None) -> Dialogue:
        """Call the dialogue off."""
        dialogue = self._expect(Dialogue, dialogue, expected_version)
        _check_text("reason", reason)
        return self._change(self._current(Dialogue, dialogue), "cancel", actor,
                            {"cancel_reason": reason}, reason=reason)

    def hold(self, dialogue: str | Dialogue, *, actor: Actor, on: dt.date | None = None,
             actual_attendance: int | None = None,
             expected_version: int | None = None, held_on: dt.date | None = None) -> Dialogue:
        """Record that the dialogue took place ``on`` its day (today by default); starts the
        conclusion-notice clock. (``held_on=`` is the deprecated name of ``on=``.)"""
        on = _renamed("held_on", held_on, "on", on)
        dialogue = self._expect(Dialogue, dialogue, expected_version)
        d = self._current(Dialogue, dialogue)
        day = self._day("on", on)
        _require(DIALOGUE, d, "hold")  # "reschedule it" is wrong advice if not announced
        if day != d.scheduled_for:
            raise InvalidInputError(
                "on", f"the dialogue was announced for {d.scheduled_for.isoformat()}, "
                f"not {day.isoformat()}; reschedule it (and announce again) to change the date")
        if actual_attendance is not None:
            _check_count("actual_attendance", actual_attendance)
        return self._change(d, "hold", actor, {
            "held_on": day, "actual_attendance": actual_attendance,
            "conclusion_due": self._deadline(Purpose.CONCLUSION_NOTICE, day,
                                             d.organisation_id),
        })

    def conclude(self, dialogue: str | Dialogue, *, actor: Actor, on: dt.date | None = None,
                 expected_version: int | None = None,
                 notice_date: dt.date | None = None) -> Dialogue:
        """Issue the chair's conclusion notice ``on`` a day (today by default).

        Every matter not settled at the meeting (assigned or escalated) is listed with the one
        responsible and its due date, and gets that due date; matters answered or closed at
        the meeting are left out. A submission still only *received* must be decided first.
        (``notice_date=`` is the deprecated name of ``on=``.)
        """
        notice_date = _renamed("notice_date", notice_date, "on", on)
        dialogue = self._expect(Dialogue, dialogue, expected_version)
        _check_actor(actor)
        return self._decide(Dialogue.KIND, dialogue,
                            lambda: self._conclude(dialogue, actor, notice_date))

    def _conclude(self, dialogue: str | Dialogue, actor: Actor, notice_date: dt.date | None,
                  ) -> Dialogue:
        d = self._current(Dialogue, dialogue)
        day = self._day("on", notice_date)
        if d.held_on is not None and day < d.held_on:
            raise InvalidInputError("on", f"{day.isoformat()} is before the dialogue "
                                    f"was held ({d.held_on.isoformat()})")
        subs = list(self._stored_submissions(dialogue_id=d.id))  # written back below
        undecided = sorted(s.id for s in subs if s.state is SubmissionState.RECEIVED)
        if undecided and d.state is DialogueState.HELD:
            raise InvalidInputError(
                "dialogue", "decide these submissions first (answer, assign, escalate or "
                f"close them): {', '.join(undecided)}")
        now = self.clock.now()
        items: list[ConclusionItem] = []
        extra: list[tuple[Record, int]] = []
        rows: list[TransitionRecord] = []
        notes: list[Notification] = []
        if d.state is DialogueState.HELD:  # otherwise _change raises the transition error
            self._authorize(actor, "conclude", d)
            policy = self.policy_of(d.organisation_id)  # its matters are the dialogue's
            for s in subs:
                if s.state not in (SubmissionState.ASSIGNED, SubmissionState.ESCALATED):
                    continue
                # The notice starts the answer clock of a matter still on its first one; one
                # transferred within the store keeps the receiving side's (issue 15).
                due = s.due
                fresh = due is None or (s.transferred_to is None
                                        and self._on_first_clock(s, policy))
                if due is None or fresh:
                    due = self._answer_deadline(s, anchor_day=day)
                items.append(ConclusionItem(s.id, s.state, s.responsible or "", due.date))
                if fresh:
                    new = _replace(s, {"due": due, "version": s.version + 1, "updated_at": now})
                    extra.append((new, s.version))
                    rows.append(_row(new, "schedule", s.state, actor, now,
                                     details={"due": due.date.isoformat()}))
                    notes.append(self._notify(new, "assigned", "department", now))
        notice = ConclusionNotice(
            issued_on=day, issued_by=actor.id,
            items=tuple(items),
            late=d.conclusion_due is not None and day > d.conclusion_due.date)
        subject, body = render("conclusion_notice", self.language, title=d.title,
                               issued_on=day.isoformat(), count=len(items))
        notes.append(Notification(
            key=f"dialogue:{d.id}:conclusion", event="conclusion_notice", kind="dialogue",
            record_id=d.id, audience="departments", subject=subject, body=body,
            language=self.language, created_at=now, organisation_id=d.organisation_id))
        all_closed = all(s.state is SubmissionState.CLOSED for s in subs)
        # The notice is a snapshot of every submission read: none may change underneath it,
        # and none may be received meanwhile (the count; receives guard the dialogue).
        written = {record.id for record, _ in extra}
        guards = [(s.KIND, s.id, s.version) for s in subs if s.id not in written]
        counts = [SubmissionCount(d.id, at_least=len(subs), at_most=len(subs))]
        return self._change(d, "conclude", actor, {"conclusion": notice}, extra=extra,
                            extra_rows=rows, notifications=notes, guards=guards,
                            counts=counts, then_complete=all_closed)
