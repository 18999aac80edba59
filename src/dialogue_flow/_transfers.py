"""Matters moving between organisations of one store (issue 14).

A commune escalates what exceeds its authority to its province: in the same commit the
province gets a linked matter (received that day, on the province's processing clock,
``origin_id`` naming the commune's), and the commune's matter records where it went
(``transferred_to``) and keeps, in the audit row, the due date it had. From then on its
due date is the province's matter's (issue 15): every command that moves that clock moves
the commune's in the same commit, with a ``schedule`` audit row naming the linked matter;
it counts as "awaiting the competent level", never as due or overdue at the commune (the
due-date filters of :class:`~dialogue_flow.storage.SubmissionQuery` leave it out, and the
province's matter is the one swept). When the province answers, the commune's matter takes
the answer (text, day, who) and the petitioner is told once, from the commune's matter;
when the province closes it, the commune's closes as answered by the competent level. The
province may hand a matter back (within the commune's authority): the commune's matter is
received again and its clock resumes with the working days it had left.
"""

from __future__ import annotations

import datetime as dt

from ._checks import _build, _replace
from ._errors import InvalidInputError
from ._flow_core import FlowCore, _row
from ._lifecycle import SUBMISSION
from ._records import (
    Actor,
    AnswerMode,
    Channel,
    CloseReason,
    Deadline,
    Notification,
    Organisation,
    Submission,
    SubmissionState,
    TransitionRecord,
)
from ._withheld import transferred_petitioner
from .storage import Record

__all__ = ["Linked", "TransferSteps"]

#: What a command on one side writes on the other: records, audit rows, notifications.
Linked = tuple[list[tuple[Record, int]], list[TransitionRecord], list[Notification]]


class TransferSteps(FlowCore):
    """What a command on one side of a transfer writes on the other (mixed into
    :class:`~dialogue_flow.DialogueFlow` through the submission commands)."""

    def _transfer_to(self, s: Submission, target: Organisation, body: str | None,
                     actor: Actor, now: dt.datetime) -> tuple[Submission, Linked]:
        """The linked matter ``target`` receives, and what escalating ``s`` writes with it.
        A confidential matter's copy has the petitioner's identity only if ``target``'s
        policy receives it (the petitioner hears from ``s``'s side, or through it)."""
        # The receiving policy is read only when it decides something (a confidential
        # matter): every other escalation reads the organisation chain once, for its clock.
        petitioner = (transferred_petitioner(s, self.policy_of(target.id).confidential)
                      if s.confidential else s.petitioner)
        linked = _build(
            Submission, id=self._new_id("sub"), petitioner=petitioner, topic=s.topic,
            content=s.content, state=SUBMISSION.initial, version=1, received_at=now,
            updated_at=now, kind=s.kind, channel=Channel.TRANSFERRED,
            organisation_id=target.id, origin_id=s.id, department=body,
            due=self._first_clock(target.id, Channel.TRANSFERRED, None),
            tracking_code=self._tracking_code(), confidential=s.confidential)
        row = _row(linked, "receive", None, actor, now, details={"origin": s.id})
        note = self._notify(linked, "transferred_in", "office", now)
        return linked, ([(linked, 0)], [row], [note])

    def _answer_origin(self, answered: Submission, text: str, day: dt.date,
                       actor: Actor, now: dt.datetime) -> Linked:
        """The commune's matter takes the province's answer (``text`` on ``day``); the
        petitioner hears it once, from there."""
        origin = self._open_origin(answered)
        if origin is None or origin.state is not SubmissionState.ESCALATED:
            return [], [], []
        dest = SUBMISSION.fire(origin.id, origin.state, "answer")
        new = _replace(origin, {
            "state": dest, "version": origin.version + 1, "updated_at": now,
            "answer": text, "answer_mode": AnswerMode.IN_WRITING, "answered_on": day})
        row = _row(new, "answer", origin.state, actor, now,
                   details={"by": answered.organisation_id, "linked": answered.id})
        return [(new, origin.version)], [row], [self._notify(new, "answered", "petitioner", now)]

    def _close_origin(self, closed: Submission, why_here: CloseReason, actor: Actor,
                      now: dt.datetime) -> tuple[Submission | None, Linked]:
        """The commune's matter closes when the province closes its own (answered by the
        competent level, or withdrawn as the province recorded). Returns the new origin, for the
        completion of its dialogue."""
        origin = self._open_origin(closed)
        if origin is None or origin.state not in (SubmissionState.ESCALATED,
                                                  SubmissionState.ANSWERED):
            return None, ([], [], [])
        why = (CloseReason.WITHDRAWN if why_here is CloseReason.WITHDRAWN
               else CloseReason.ANSWERED_BY_COMPETENT_LEVEL)
        dest = SUBMISSION.fire(origin.id, origin.state, "close", reason=why)
        new = _replace(origin, {"state": dest, "version": origin.version + 1, "updated_at": now,
                                "close_reason": why, "transferred_to": None})
        row = _row(new, "close", origin.state, actor, now,
                   details={"reason": why.value, "linked": closed.id})
        return new, ([(new, origin.version)], [row],
                     [self._notify(new, "closed", "petitioner", now)])

    def _withdraw_linked(self, origin: Submission, why: CloseReason, actor: Actor,
                         now: dt.datetime) -> Linked:
        """Closing a matter while the organisation it was escalated to handles it: only the
        petitioner's withdrawal is recorded where it came from, and it closes the matter
        there too (nobody is left answering a withdrawn petition); any other outcome is that
        organisation's to record.

        :raises InvalidInputError: an outcome other than withdrawn.
        """
        linked = self.storage.get_submission(origin.transferred_to or "")
        if why is not CloseReason.WITHDRAWN:
            raise InvalidInputError(
                "outcome", f"{origin.id} is handled by {linked.organisation_id} (its matter "
                f"{linked.id}): it closes when that matter is answered or closed there; here "
                "only the petitioner's withdrawal is recorded (outcome=withdrawn), which "
                "closes that matter too")
        if linked.state is SubmissionState.CLOSED:
            return [], [], []
        dest = SUBMISSION.fire(linked.id, linked.state, "close", reason=why)
        new = _replace(linked, {"state": dest, "version": linked.version + 1,
                                "updated_at": now, "close_reason": why})
        row = _row(new, "close", linked.state, actor, now,
                   details={"reason": why.value, "by": origin.organisation_id,
                            "linked": origin.id})
        return [(new, linked.version)], [row], [self._notify(new, "closed", "office", now)]

    def _hand_back(self, returned: Submission, reason: str, actor: Actor,
                   now: dt.datetime) -> Linked:
        """The commune's matter is received again; its clock resumes with the working days it
        had left when it was escalated."""
        origin = self._open_origin(returned)
        if origin is None or origin.state is not SubmissionState.ESCALATED:
            return [], [], []
        today = now.astimezone(self.clock.now().tzinfo).date()
        dest = SUBMISSION.fire(origin.id, origin.state, "return")
        new = _replace(origin, {
            "state": dest, "version": origin.version + 1, "updated_at": now,
            "transferred_to": None, "competent_level": None,
            "due": self._resumed(origin, today, reason)})
        row = _row(new, "return", origin.state, actor, now, reason,
                   details={"by": returned.organisation_id, "linked": returned.id})
        # Escalated to the commune from elsewhere in the store, it resumes there too.
        above, above_rows, _ = self._follow(new, new.due, actor, now)
        return ([(new, origin.version), *above], [row, *above_rows],
                [self._notify(new, "returned", "office", now, reason)])

    def _follow_due(self, record: Record, new: Record, actor: Actor, now: dt.datetime,
                    ) -> tuple[list[tuple[Record, int]], list[TransitionRecord]]:
        """Every command that moves a matter's due date (through ``_change``) has the
        matters escalated to it follow, in the same commit."""
        if not isinstance(record, Submission) or not isinstance(new, Submission):
            return [], []
        writes, rows, _ = self._follow(record, new.due, actor, now)
        return writes, rows

    def _follow(self, linked: Submission, due: Deadline | None, actor: Actor,
                now: dt.datetime) -> Linked:
        """The origins waiting on ``linked`` take its new due date ``due`` (a transferred
        matter runs on the receiving side's clock), up a chain of transfers; nothing when
        it is not a linked matter or the origin has that date already."""
        writes: list[tuple[Record, int]] = []
        rows: list[TransitionRecord] = []
        current = linked
        # A chain is a few levels long; the bound only stops a corrupted store.
        for _level in range(64):
            origin = self._open_origin(current)
            if origin is None or origin.state is not SubmissionState.ESCALATED or (
                    origin.due == due):
                break
            new = _replace(origin, {"due": due, "version": origin.version + 1,
                                    "updated_at": now})
            details = {"by": current.organisation_id, "linked": current.id}
            if due is not None:
                details["due"] = due.date.isoformat()
            rows.append(_row(new, "schedule", origin.state, actor, now, details=details))
            writes.append((new, origin.version))
            current = new
        return writes, rows, []

    def _open_origin(self, linked: Submission) -> Submission | None:
        if linked.origin_id is None:
            return None
        origin = self.storage.get_submission(linked.origin_id)
        return origin if origin.transferred_to == linked.id else None

    def _resumed(self, origin: Submission, today: dt.date, reason: str,
                 ) -> Deadline | None:
        """The due date the origin had, moved by the working days it spent at the other level."""
        paused = [row for row in self.storage.history(Submission.KIND, origin.id)
                  if row.event == "escalate" and "paused_due" in row.details]
        if not paused:
            return None
        due = dt.date.fromisoformat(paused[-1].details["paused_due"])
        on = dt.date.fromisoformat(paused[-1].details["paused_on"])
        calendar = self.calendar_of(origin.organisation_id)
        left = max(calendar.working_days_between(on, due), 1) if due > on else 1
        date = calendar.add_working_days(today, left)
        return Deadline(
            date=date, rule_id="resumed", anchor=today,
            basis=(f"Tiếp tục thời hạn còn lại ({left} ngày làm việc) sau khi cấp có thẩm quyền "
                   f"trả lại: {reason}"),
            calendar=calendar.fingerprint, skipped=tuple(calendar.explain(today, date)))
