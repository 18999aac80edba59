"""The submission's commands: receive, prepare, answer, assign, escalate, extend, close and
reopen."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import NoReturn, overload

from ._checks import (
    _build,
    _check_actor,
    _check_bool,
    _check_date,
    _check_id,
    _check_text,
    _enum_arg,
    _renamed,
    _replace,
    _require,
)
from ._errors import InvalidInputError, NotFoundError
from ._flow_core import _row
from ._lifecycle import DIALOGUE, SUBMISSION
from ._policy import Purpose
from ._reception_records import ReceptionDay, ReceptionState
from ._records import (
    Actor,
    AnswerMode,
    Channel,
    CloseReason,
    Deadline,
    Dialogue,
    DialogueState,
    Notification,
    Petitioner,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
)
from ._transfers import TransferSteps
from ._validators import nfc
from ._withheld import withheld
from .storage import Record, SubmissionCount, SubmissionQuery

__all__ = ["SubmissionCommands"]

_OPEN = frozenset(s for s in SubmissionState if s is not SubmissionState.CLOSED)
_OPEN_NAMES = frozenset(s.value for s in _OPEN)


def _positional_dialogue(positional: tuple[str | None, ...], dialogue: str | None,
                         ) -> str | None:
    """``receive``'s dialogue: ``dialogue=``, or (deprecated, one release) the first
    positional argument, ``None`` for "outside a dialogue"."""
    if not positional:
        return dialogue
    if len(positional) > 1:
        raise InvalidInputError("dialogue", f"receive() takes the dialogue as dialogue=..., "
                                f"not {len(positional)} positional arguments")
    if dialogue is not None:
        raise InvalidInputError("dialogue", "the dialogue is given twice: pass dialogue= only")
    warnings.warn("receive(dialogue_id, ...) is deprecated: pass dialogue=... (or nothing "
                  "for a matter outside a dialogue)", DeprecationWarning, stacklevel=3)
    return positional[0]


class SubmissionCommands(TransferSteps):
    """The commands on submissions (mixed into :class:`~dialogue_flow.DialogueFlow`)."""

    def receive(
        self,
        *positional: str | None,
        petitioner: Petitioner,
        topic: str,
        content: str,
        actor: Actor,
        dialogue: str | None = None,
        channel: Channel | str | None = None,
        kind: SubmissionKind | str = SubmissionKind.PETITION,
        reception: str | None = None,
        confidential: bool = False,
    ) -> Submission:
        """Record an opinion, question or petition: at the dialogue ``dialogue`` names, at
        the citizen reception day ``reception`` names, or (neither) outside both.

        At a reception day its channel is ``reception`` and it runs on the processing clock;
        ``channel`` defaults to ``spoken`` otherwise. ``confidential=True`` protects the
        petitioner's identity (a ``denunciation`` always is): the record returned, like
        every read, withholds it; :meth:`identity` gives it to the roles the policy names.
        (The dialogue's id, or ``None``, as the first positional argument is the deprecated
        form of ``dialogue=``.)
        """
        dialogue_id = _positional_dialogue(positional, dialogue)
        _check_actor(actor)
        if not isinstance(petitioner, Petitioner):
            raise InvalidInputError("petitioner", "expected a dialogue_flow.Petitioner")
        _check_text("topic", topic)
        _check_text("content", content)
        if reception is not None:
            _check_id("reception", reception)
            if dialogue_id is not None:
                raise InvalidInputError("reception", "a matter is received at a dialogue or at "
                                        "a reception day, not both")
            if channel not in (None, Channel.RECEPTION, Channel.RECEPTION.value):
                raise InvalidInputError("channel", f"a matter received at a reception day "
                                        f"comes by channel 'reception', not {channel!r}")
            channel = Channel.RECEPTION
        elif channel in (Channel.RECEPTION, Channel.RECEPTION.value):
            raise InvalidInputError("reception", "name the reception day a matter of channel "
                                    "'reception' was received at")
        how: Channel = _enum_arg("channel", Channel, Channel.SPOKEN if channel is None else channel)
        what: SubmissionKind = _enum_arg("kind", SubmissionKind, kind)
        _check_bool("confidential", confidential)
        hidden = confidential or what is SubmissionKind.DENUNCIATION
        return self._decide(Submission.KIND, None, lambda: withheld(self._receive(
            dialogue_id, petitioner, topic, content, actor, how, what, reception, hidden)))

    def _receive(self, dialogue_id: str | None, petitioner: Petitioner, topic: str,
                 content: str, actor: Actor, channel: Channel, kind: SubmissionKind,
                 reception_id: str | None = None, confidential: bool = False) -> Submission:
        guards: list[tuple[str, str, int]] = []
        dialogue = None
        reception = None
        if reception_id is not None:
            reception = self.storage.get_reception_day(reception_id)
            if reception.state not in (ReceptionState.ANNOUNCED, ReceptionState.HELD) or (
                    reception.scheduled_for > self.clock.today()):
                raise InvalidInputError(
                    "reception", f"reception day {reception.id} of "
                    f"{reception.scheduled_for.isoformat()} is {reception.state}; matters are "
                    "received on an announced day, from that day on")
            # A cancellation committed meanwhile would leave the matter on a day never held.
            guards.append((ReceptionDay.KIND, reception.id, reception.version))
        if dialogue_id is not None:
            dialogue = self.dialogue(dialogue_id)
            if dialogue.state not in (DialogueState.PLANNED, DialogueState.ANNOUNCED,
                                      DialogueState.HELD):
                raise InvalidInputError(
                    "dialogue_id", f"dialogue {dialogue.id} is {dialogue.state}; submissions "
                    "are received before or at the meeting (pass dialogue_id=None to record "
                    "one outside a dialogue)")
            # A conclusion committed meanwhile would miss this submission: guard on it
            # (receives do not change the dialogue, so clerks never conflict with each other).
            guards.append((Dialogue.KIND, dialogue.id, dialogue.version))
        where = dialogue if dialogue is not None else reception
        self._authorize(actor, "receive", where)
        # A matter raised at a dialogue or a reception day belongs to its organisation (the
        # default role policy already kept the actor to it); otherwise to the actor's.
        organisation_id = actor.organisation_id if where is None else where.organisation_id
        if where is None:
            self._check_organisation(organisation_id)
        now = self.clock.now()
        sub = _build(Submission, id=self._new_id("sub"), petitioner=petitioner, topic=topic,
                     content=content, state=SUBMISSION.initial, version=1, received_at=now,
                     updated_at=now, dialogue_id=dialogue_id, kind=kind, channel=channel,
                     organisation_id=organisation_id, reception_id=reception_id,
                     due=self._first_clock(organisation_id, channel, dialogue),
                     tracking_code=self._tracking_code(), confidential=confidential)
        self._commit_new(sub, SUBMISSION, actor, now, guards=tuple(guards),
                         notifications=(self._notify(sub, "received", "petitioner", now),))
        return sub

    def prepare(self, submission: str | Submission, *, department: str, actor: Actor,
                expected_version: int | None = None) -> Submission:
        """Route an opinion collected beforehand to a department to prepare the answer."""
        submission = self._expect(Submission, submission, expected_version)
        s = self._current(Submission, submission)
        _check_text("department", department)
        _require(SUBMISSION, s, "prepare")  # "assign it instead" is wrong advice otherwise
        if s.dialogue_id is not None:
            d = self.dialogue(s.dialogue_id)
            if d.state not in (DialogueState.PLANNED, DialogueState.ANNOUNCED):
                raise InvalidInputError(
                    "submission", f"dialogue {d.id} is {d.state}: preparation is for "
                    "opinions collected before the meeting; assign it instead")
        return self._change(s, "prepare", actor, {"preparing_department": department},
                            details={"department": department})

    def accept(self, submission: str | Submission, *, actor: Actor,
               expected_version: int | None = None) -> Submission:
        """Tell the petitioner the matter was accepted for handling (Law on Citizen
        Reception 2013, art. 28): its processing clock is met, and the written-answer clock
        starts today; the petitioner is notified."""
        submission = self._expect(Submission, submission, expected_version)
        return self._decide(Submission.KIND, submission, lambda: self._accept(submission, actor))

    def _accept(self, submission: str | Submission, actor: Actor) -> Submission:
        s = self._current(Submission, submission)
        _require(SUBMISSION, s, "accept")
        processing = self.policy_of(s.organisation_id).rule_ids(Purpose.PROCESSING)
        if s.due is None or s.due.rule_id not in processing:
            raise InvalidInputError(
                "submission", f"{s.id} is not waiting on its processing clock; decide it "
                "(answer, assign, escalate or close) instead")
        today = self.clock.today()
        due = self._answer_deadline(s, today, assigned_on=today)
        return self._change(s, "accept", actor, {"due": due}, notify=("accepted", "petitioner"))

    def answer(self, submission: str | Submission, *, text: str, actor: Actor,
               mode: AnswerMode | str | None = None,
               expected_version: int | None = None) -> Submission:
        """Record the answer. ``mode`` defaults to on the spot while the dialogue is being
        held, in writing otherwise."""
        submission = self._expect(Submission, submission, expected_version)
        _check_actor(actor)
        s = self._current(Submission, submission)
        _check_text("text", text)
        if mode is None:
            held = s.dialogue_id is not None and self.dialogue(s.dialogue_id).state is (
                DialogueState.HELD)
            mode = AnswerMode.ON_THE_SPOT if held else AnswerMode.IN_WRITING
        how: AnswerMode = _enum_arg("mode", AnswerMode, mode)
        # Answered at the level it was escalated to: the origin takes the answer and tells
        # the petitioner; this side does not tell them twice.
        extra, rows, notes = self._answer_origin(s, text, self.clock.today(), actor,
                                           self.clock.now())
        return self._change(s, "answer", actor, {
            "answer": text, "answer_mode": how, "answered_on": self.clock.today(),
            "department": actor.department or s.department,
        }, details={"mode": how.value}, extra=extra, extra_rows=rows, notifications=notes,
            notify=None if s.origin_id else ("answered", "petitioner"))

    def assign(self, submission: str | Submission, *, department: str, actor: Actor,
               complex: bool = False,  # noqa: A002 - the domain's word
               expected_version: int | None = None) -> Submission:
        """Direct a department to resolve it (again: re-assign; the legal clock keeps running)."""
        submission = self._expect(Submission, submission, expected_version)
        _check_text("department", department)
        _check_bool("complex", complex)
        return self._decide(Submission.KIND, submission, lambda: self._assign(
            submission, department, actor, complex))

    def _assign(self, submission: str | Submission, department: str, actor: Actor,
                complex: bool) -> Submission:  # noqa: A002 - the domain's word
        s = self._current(Submission, submission)
        _check_here(s, "assign")
        # A received matter runs on its first clock (processing, or the conclusion notice's)
        # until a decision replaces it; one handed back with its clock resumed, or accepted
        # for handling, keeps that clock, as a re-assignment keeps its own.
        first = self._on_first_clock(s)
        if s.due is not None and not first and s.state in (SubmissionState.ASSIGNED,
                                                           SubmissionState.RECEIVED):
            # Re-assigning keeps the legal clock; a change of complexity re-counts it from
            # the same anchor (an extension granted by the chair is kept as it is).
            due: Deadline | None = s.due
            if complex != s.complex and s.due.rule_id != "extension":
                policy, calendar = self._rules(s.organisation_id)
                due = self._answer_rule(complex, s, policy, s.due.anchor).compute(
                    s.due.anchor, calendar)
        else:
            due = self._due_on_decision(s, complex) or (s.due if first else None)
        return self._change(s, "assign", actor, {
            "department": department, "competent_level": None, "complex": complex,
            "assigned_on": self.clock.today(), "due": due,
        }, details={"department": department}, notify=("assigned", "department"))

    def escalate(self, submission: str | Submission, *, actor: Actor,
                 competent_level: str | None = None, to: str | None = None,
                 body: str | None = None, complex: bool = False,  # noqa: A002
                 expected_version: int | None = None) -> Submission:
        """Forward a matter beyond this level's authority; the petitioner is told where.

        ``to`` names an organisation of this store (the province): it receives a linked
        matter in the same commit, optionally for one of its ``body``s, and this matter's
        clock stops while it is there. ``competent_level`` names a body outside the store
        (a central body): the matter waits here with its clock, as before.
        """
        submission = self._expect(Submission, submission, expected_version)
        _check_bool("complex", complex)
        if (to is None) == (competent_level is None):
            raise InvalidInputError(
                "to", "name the organisation of this store it goes to (to=...) or a body "
                "outside the store (competent_level=...), one of the two")
        if competent_level is not None:
            _check_text("competent_level", competent_level)
            if body is not None:
                raise InvalidInputError("body", "a body is named only with to=")
            level = competent_level
            return self._decide(Submission.KIND, submission, lambda: self._escalate_out(
                submission, level, actor, complex))
        _check_id("to", to)
        if body is not None:
            _check_text("body", body)
        return self._decide(Submission.KIND, submission, lambda: self._transfer(
            submission, str(to), body, actor, complex))

    def _escalate_out(self, submission: str | Submission, competent_level: str, actor: Actor,
                      complex_matter: bool) -> Submission:
        s = self._current(Submission, submission)
        # An answer clock already running is kept; a first clock gives way to one (or runs
        # on until the conclusion notice starts it).
        due = s.due
        if due is None or self._on_first_clock(s):
            due = self._due_on_decision(s, complex_matter) or due
        return self._change(s, "escalate", actor, {
            "competent_level": competent_level, "complex": complex_matter, "department": None,
            "assigned_on": self.clock.today(), "due": due,
        }, details={"competent_level": competent_level}, notify=("escalated", "petitioner"))

    def _transfer(self, submission: str | Submission, to: str, body: str | None,
                  actor: Actor, complex_matter: bool) -> Submission:
        s = self._current(Submission, submission)
        target = self.storage.get_organisation(to)  # NotFoundError for an unknown target
        if target.id == s.organisation_id:
            raise InvalidInputError("to", f"{s.id} is already handled by {target.id}")
        if body is not None and target.bodies and nfc(body) not in target.bodies:
            raise InvalidInputError("body", f"{target.id} has no body {body!r}; its bodies "
                                    f"are: {'; '.join(target.bodies)}")
        _require(SUBMISSION, s, "escalate")
        now = self.clock.now()
        linked, (extra, rows, notes) = self._transfer_to(s, target, body, actor, now)
        # From now on it runs on the receiving side's clock (issue 15), and so do the
        # matters escalated here from elsewhere in the store (_change has them follow).
        details = {"to": target.id, "linked": linked.id}
        if s.due is not None:  # kept to resume the clock if the matter is handed back
            details |= {"paused_due": s.due.date.isoformat(),
                        "paused_on": self.clock.today().isoformat()}
        responsible = target.name if body is None else f"{body} — {target.name}"
        return self._change(s, "escalate", actor, {
            "competent_level": responsible, "complex": complex_matter, "department": None,
            "assigned_on": self.clock.today(), "due": linked.due, "transferred_to": linked.id,
        }, details=details, extra=extra, extra_rows=rows, notifications=notes,
            notify=("escalated", "petitioner"))

    def return_matter(self, submission: str | Submission, *, reason: str, actor: Actor,
                      expected_version: int | None = None) -> Submission:
        """Hand a matter escalated here back to the organisation it came from (it is within
        that level's authority): it closes here as returned, and is received again there
        with its clock resumed."""
        submission = self._expect(Submission, submission, expected_version)
        _check_actor(actor)
        _check_text("reason", reason)
        return self._decide(Submission.KIND, submission,
                            lambda: self._return(submission, reason, actor))

    def _return(self, submission: str | Submission, reason: str, actor: Actor) -> Submission:
        s = self._current(Submission, submission)
        if s.origin_id is None:
            raise InvalidInputError("submission", f"{s.id} was not escalated here from "
                                    "another organisation of this store")
        extra, rows, notes = self._hand_back(s, reason, actor, self.clock.now())
        return self._change(s, "close", actor, {"close_reason": CloseReason.RETURNED},
                            reason=reason, arguments={"reason": CloseReason.RETURNED},
                            details={"reason": CloseReason.RETURNED.value}, extra=extra,
                            extra_rows=rows, notifications=notes)

    def extend(self, submission: str | Submission, *, until: dt.date, reason: str, actor: Actor,
               expected_version: int | None = None) -> Submission:
        """Give a complex matter more time; the petitioner is told the new date and who is
        responsible (seed II.2.7). ``until`` must be a working day after the current due date.
        """
        submission = self._expect(Submission, submission, expected_version)
        until = _check_date("until", until)
        _check_text("reason", reason)
        return self._decide(Submission.KIND, submission, lambda: self._extend(
            submission, until, reason, actor))

    def _extend(self, submission: str | Submission, until: dt.date, reason: str, actor: Actor,
                ) -> Submission:
        s = self._current(Submission, submission)
        _check_here(s, "extend")
        floor = s.due.date if s.due else self.clock.today()
        if until <= floor:
            raise InvalidInputError("until", f"{until.isoformat()} must be after "
                                    f"{floor.isoformat()}, the current due date")
        calendar = self.calendar_of(s.organisation_id)
        if not calendar.is_working_day(until):
            nxt = calendar.add_working_days(until, 1)
            raise InvalidInputError("until", f"{until.isoformat()} is not a working day; "
                                    f"the next one is {nxt.isoformat()}")
        today = self.clock.today()
        deadline = Deadline(
            date=until, rule_id="extension", anchor=today,
            basis=f"Gia hạn (Kế hoạch, mục II.2.7: vụ việc phức tạp phải thông báo cho người "
                  f"có kiến nghị về thời gian và trách nhiệm của cơ quan giải quyết): {reason}",
            calendar=calendar.fingerprint, skipped=tuple(calendar.explain(today, until)),
        )
        return self._change(s, "extend", actor, {
            "due": deadline, "extensions": s.extensions + 1,
        }, reason=reason, details={"until": until.isoformat(), "from": floor.isoformat()},
            notify=("extended", "petitioner"))

    @overload
    def close(self) -> NoReturn: ...

    @overload
    def close(self, submission: str | Submission, *, outcome: CloseReason | str, actor: Actor,
              duplicate_of: str | None = None, note: str | None = None,
              expected_version: int | None = None) -> Submission: ...

    @overload
    def close(self, submission: str | Submission, *, reason: CloseReason | str, actor: Actor,
              duplicate_of: str | None = None, note: str | None = None,
              expected_version: int | None = None) -> Submission: ...

    def close(self, submission: str | Submission | None = None, *,
              outcome: CloseReason | str | None = None, actor: Actor | None = None,
              duplicate_of: str | None = None, note: str | None = None,
              expected_version: int | None = None,
              reason: CloseReason | str | None = None) -> Submission:
        """Close a submission with its ``outcome`` (a :class:`CloseReason`: accepted,
        withdrawn, duplicate, ...); the dialogue completes when its last open submission
        closes. ``note`` is free text. (``reason=`` is the deprecated name of ``outcome=``:
        elsewhere a reason is free text.)

        Not the way to release the storage: that is :meth:`shutdown` (or ``with``); called
        without arguments, ``close()`` says so.
        """
        if submission is None:
            raise InvalidInputError(
                "submission", "close() is the command that closes a submission: "
                "close(submission_id, outcome=..., actor=...); to release the storage, call "
                "shutdown() or use the flow in a `with` block")
        outcome = _renamed("reason", reason, "outcome", outcome)
        submission = self._expect(Submission, submission, expected_version)
        who = _check_actor(actor)
        if outcome is None:
            choices = ", ".join(r.value for r in CloseReason)
            raise InvalidInputError("outcome", f"say how it ends: one of {choices}")
        why: CloseReason = _enum_arg("outcome", CloseReason, outcome)
        if why is CloseReason.RETURNED:
            raise InvalidInputError("outcome", "a matter is returned to the organisation it "
                                    "came from with return_matter(...)")
        if duplicate_of is not None:
            _check_id("duplicate_of", duplicate_of)
        if note is not None:
            _check_text("note", note)
        return self._decide(Submission.KIND, submission, lambda: self._close(
            submission, why, who, duplicate_of, note))

    def _close(self, submission: str | Submission, why: CloseReason, who: Actor,
               duplicate_of: str | None, note: str | None) -> Submission:
        s = self._current(Submission, submission)
        if why is CloseReason.DUPLICATE:
            if duplicate_of is None:
                raise InvalidInputError("duplicate_of", "name the submission it duplicates")
            if duplicate_of == s.id:
                raise InvalidInputError("duplicate_of", "a submission cannot duplicate itself")
            self.submission(duplicate_of)
        elif duplicate_of is not None:
            raise InvalidInputError("duplicate_of", "only for outcome=duplicate")
        extra, rows, guards, counts = self._completion(s, who)
        notes: list[Notification] = []
        changes: dict[str, object] = {"close_reason": why, "duplicate_of": duplicate_of}
        if s.transferred_to is not None:  # with another organisation of the store
            l_extra, l_rows, l_notes = self._withdraw_linked(s, why, who, self.clock.now())
            extra += l_extra
            rows += l_rows
            notes += l_notes
            changes["transferred_to"] = None
        origin, (o_extra, o_rows, o_notes) = self._close_origin(s, why, who, self.clock.now())
        if origin is not None:  # closed where it was escalated: the origin closes too
            more = self._completion(origin, who)
            extra += o_extra + more[0]
            rows += o_rows + more[1]
            guards += more[2]
            counts += more[3]
            notes += o_notes
        return self._change(s, "close", who, changes, reason=note, arguments={"reason": why},
            details={"reason": why.value},
            extra=extra, extra_rows=rows, guards=guards, counts=counts, notifications=notes,
            notify=None if s.origin_id else ("closed", "petitioner"))

    def _completion(self, s: Submission, actor: Actor) -> tuple[
            list[tuple[Record, int]], list[TransitionRecord], list[tuple[str, str, int]],
            list[SubmissionCount]]:
        """What closing ``s`` writes besides it, and what must still hold at the commit.

        Closing the last open matter of a concluded dialogue completes it. The commit
        checks the count of the dialogue's other open matters that decision rests on, so of
        several closing at once exactly the last completes the dialogue (the others see one
        still open; whoever finds none at the commit decides again). Before the conclusion,
        the close guards the dialogue's version: a conclusion committed meanwhile would
        otherwise miss that this was its last open matter.
        """
        extra: list[tuple[Record, int]] = []
        rows: list[TransitionRecord] = []
        guards: list[tuple[str, str, int]] = []
        counts: list[SubmissionCount] = []
        if s.dialogue_id is None:
            return extra, rows, guards, counts
        d = self.dialogue(s.dialogue_id)
        if d.state is not DialogueState.CONCLUDED:
            guards.append((Dialogue.KIND, d.id, d.version))
            return extra, rows, guards, counts
        others = [o for o in self.storage.find_submissions(SubmissionQuery(
            dialogue_id=d.id, states=_OPEN, limit=2)) if o.id != s.id]
        if others:
            counts.append(SubmissionCount(d.id, _OPEN_NAMES, {s.id}, at_least=1))
        else:
            now = self.clock.now()
            dest = DIALOGUE.fire(d.id, d.state, "complete", open_submissions=())
            done = _replace(d, {"state": dest, "version": d.version + 1, "updated_at": now})
            extra.append((done, d.version))
            rows.append(_row(done, "complete", d.state, actor, now))
            counts.append(SubmissionCount(d.id, _OPEN_NAMES, {s.id}, at_most=0))
        return extra, rows, guards, counts

    def _refused_now(self, record: Record) -> frozenset[str]:
        """A matter handled elsewhere in the store is not assigned or extended here; one
        of a completed dialogue is not reopened (the checks of :meth:`assign`,
        :meth:`extend` and :meth:`reopen`)."""
        if not isinstance(record, Submission):
            return super()._refused_now(record)
        refused = set(_RUN_THERE) if _handled_elsewhere(record) else set()
        if record.dialogue_id is not None and "reopen" in SUBMISSION.allowed(record.state):
            try:
                if _final(self.dialogue(record.dialogue_id)):
                    refused.add("reopen")
            except NotFoundError:  # a store damaged by hand (dialogue-flow check): reopen
                pass  # itself will say what is wrong
        return frozenset(refused)

    def reopen(self, submission: str | Submission, *, reason: str, actor: Actor,
               expected_version: int | None = None) -> Submission:
        """The petitioner is not satisfied: back to received for the chair to decide again.

        Not for a submission of a completed dialogue: its record is final; record a new
        submission (``dialogue_id=None``) that refers to it instead.
        """
        submission = self._expect(Submission, submission, expected_version)
        _check_text("reason", reason)
        return self._decide(Submission.KIND, submission,
                            lambda: self._reopen(submission, reason, actor))

    def _reopen(self, submission: str | Submission, reason: str, actor: Actor) -> Submission:
        s = self._current(Submission, submission)
        _require(SUBMISSION, s, "reopen")
        guards: list[tuple[str, str, int]] = []
        if s.dialogue_id is not None:
            d = self.dialogue(s.dialogue_id)
            if _final(d):
                raise InvalidInputError(
                    "submission", f"dialogue {d.id} is completed and its record final; "
                    f"receive a new submission (dialogue_id=None) that refers to {s.id}")
            # The dialogue must not complete (or conclude) while this matter opens again.
            guards.append((Dialogue.KIND, d.id, d.version))
        # A fresh processing clock: the matter must be decided again.
        due = self._first_clock(s.organisation_id, s.channel, None, self._received_on(s))
        return self._change(s, "reopen", actor, {
            "reopened": s.reopened + 1, "close_reason": None, "due": due,
            "duplicate_of": None, "transferred_to": None,
        }, reason=reason, guards=guards)


#: The events the organisation a matter was escalated to within the store runs, not the
#: organisation it came from (:func:`_check_here`).
_RUN_THERE = frozenset({"assign", "extend"})


def _final(d: Dialogue) -> bool:
    """Whether ``d`` is completed: its record, its matters' included, is final."""
    return d.state is DialogueState.COMPLETED


def _handled_elsewhere(s: Submission) -> bool:
    """Whether another organisation of the store handles ``s`` now (escalated to it)."""
    return s.transferred_to is not None and s.state is SubmissionState.ESCALATED


def _check_here(s: Submission, event: str) -> None:
    """Refuse to ``event`` a matter another organisation of the store handles: it runs on
    that organisation's clock (issue 15), which answers it or hands it back."""
    if _handled_elsewhere(s):
        raise InvalidInputError(
            "submission", f"{s.id} was escalated to {s.transferred_to} at another "
            f"organisation of this store, which runs its clock; {event} that matter, or "
            "have it handed back (return_matter) first")
