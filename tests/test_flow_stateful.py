"""A Hypothesis state machine drives DialogueFlow against a reference model of its own.

The model below is written from docs/domain.md by hand: its transition tables, its close
reasons and its date arithmetic (7 calendar days before, 10 calendar days after, 30 working
days after) do not import anything from the library except the calendar's answer to "is
this a working day?". Every command is predicted by the model first: either its effects
(state, version, department, due date, extensions...) or the exact error it must raise,
in which case nothing at all may be written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from dialogue_flow import (
    VIETNAM_TZ,
    Actor,
    Dialogue,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    InvalidTransitionError,
    MemoryStorage,
    NotFoundError,
    PermissionDeniedError,
    Petitioner,
    Role,
    SequentialIds,
    Submission,
    VersionConflictError,
    WorkCalendar,
)

# --- the reference model (docs/domain.md, by hand) ---------------------------------------

SUBMISSION_MOVES: dict[str, dict[str, str]] = {
    "received": {"prepare": "received", "accept": "received", "answer": "answered",
                 "assign": "assigned",
                 "escalate": "escalated", "close": "closed", "detach": "received",
                 "mark_confidential": "received"},
    "answered": {"close": "closed", "reopen": "received", "detach": "answered",
                 "mark_confidential": "answered"},
    "assigned": {"answer": "answered", "assign": "assigned", "escalate": "escalated",
                 "extend": "assigned", "close": "closed", "detach": "assigned",
                 "mark_confidential": "assigned"},
    "escalated": {"answer": "answered", "assign": "assigned", "extend": "escalated",
                  "close": "closed", "detach": "escalated", "return": "received",
                  "mark_confidential": "escalated"},
    "closed": {"reopen": "received", "mark_confidential": "closed"},
}
DIALOGUE_MOVES: dict[str, dict[str, str]] = {
    "planned": {"announce": "announced", "reschedule": "planned", "cancel": "cancelled"},
    "announced": {"reschedule": "planned", "cancel": "cancelled", "hold": "held"},
    "held": {"conclude": "concluded"},
    "concluded": {"complete": "completed"},
    "completed": {},
    "cancelled": {},
}
CLOSE_REASONS: dict[str, set[str]] = {
    "received": {"withdrawn", "duplicate", "settled_at_meeting", "returned"},
    "answered": {"accepted", "withdrawn", "duplicate", "settled_at_meeting",
                 "answered_by_competent_level"},
    "assigned": {"withdrawn", "duplicate", "returned"},
    "escalated": {"withdrawn", "duplicate", "answered_by_competent_level"},
}
#: Dialogues take submissions before and at the meeting.
RECEIVING = {"planned", "announced", "held"}
#: Collected opinions are prepared before the meeting only.
PREPARING = {"planned", "announced"}
WITH_CLOCK = {"assigned", "escalated"}

START = date(2021, 6, 1)
CALENDAR = WorkCalendar.vietnam()
DEPARTMENTS = ("Địa chính", "Kiểm lâm", "Tài nguyên - Môi trường")
LEVELS = ("UBND tỉnh", "Thanh tra tỉnh")


def working(day: date) -> bool:
    return CALENDAR.is_working_day(day)


def model_announce_by(day: date) -> date:
    """No later than 7 days before; a day off moves it earlier."""
    limit = day - timedelta(days=7)
    while not working(limit):
        limit -= timedelta(days=1)
    return limit


def model_conclusion_due(held: date) -> date:
    """Within 10 days after; ending on a day off, it ends on the next working day."""
    end = held + timedelta(days=10)
    while not working(end):
        end += timedelta(days=1)
    return end


def model_answer_due(anchor: date) -> date:
    """The 30th working day after the anchor day (which is not counted)."""
    day, counted = anchor, 0
    while counted < 30:
        day += timedelta(days=1)
        counted += working(day)
    return day


def model_processing_due(received: date) -> date:
    """The 10th working day after the day received (issue 15: the processing clock)."""
    day, counted = received, 0
    while counted < 10:
        day += timedelta(days=1)
        counted += working(day)
    return day


def next_working_after(day: date, days: int) -> date:
    day += timedelta(days=days)
    while not working(day):
        day += timedelta(days=1)
    return day


def first_day_off_after(day: date) -> date:
    day += timedelta(days=1)
    while working(day):
        day += timedelta(days=1)
    return day


@dataclasses.dataclass
class ModelDialogue:
    state: str
    version: int
    scheduled_for: date
    announce_by: date
    held_on: date | None = None
    conclusion_due: date | None = None
    #: Ids that were assigned or escalated when the notice was issued (None: no notice).
    notice_items: frozenset[str] | None = None
    notice_late: bool = False


@dataclasses.dataclass
class ModelSubmission:
    state: str
    version: int
    dialogue_id: str | None
    department: str | None = None
    competent_level: str | None = None
    preparing_department: str | None = None
    due: date | None = None
    extensions: int = 0
    reopened: int = 0
    #: Which clock ``due`` is: "processing" or "conclusion" (a first clock a decision
    #: replaces), "answer" (kept by decisions), None without one.
    clock: str | None = None


OFFICE = Actor("vp", "Văn phòng Đảng ủy", Role.OFFICE)
CHAIR = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)
INTAKE = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
DEPARTMENT_ACTORS = {name: Actor(f"d{i}", f"Cán bộ {name}", Role.DEPARTMENT, department=name)
                     for i, name in enumerate(DEPARTMENTS)}
PETITIONER = Petitioner(name="Lê Văn C", phone="0987654321")


class DialogueFlowMachine(RuleBasedStateMachine):
    """The façade on memory storage, with a fixed clock and sequential ids."""

    dialogues = Bundle("dialogues")
    submissions = Bundle("submissions")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(START)
        self.flow = DialogueFlow(MemoryStorage(), calendar=CALENDAR, clock=self.clock,
                                 ids=SequentialIds())
        self.model_dialogues: dict[str, ModelDialogue] = {}
        self.model_submissions: dict[str, ModelSubmission] = {}
        #: Every record a command returned, so stale copies can be passed back later.
        self.copies: list[Dialogue | Submission] = []

    # --- helpers -------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock.today()

    def everything(self) -> Any:
        """All that is stored: records, audit trails and the outbox."""
        dialogues = tuple(self.flow.dialogues(limit=10_000))
        subs = tuple(self.flow.submissions(limit=10_000))
        trails = tuple(tuple(self.flow.history(r)) for r in (*dialogues, *subs))
        return dialogues, subs, trails, tuple(self.flow.storage.pending_notifications())

    def refused(self, error: type[Exception], call: Callable[[], object],
                field: str | None = None) -> Exception:
        """``call`` raises ``error`` (on ``field``) and nothing is written."""
        before = self.everything()
        with pytest.raises(error) as info:
            call()
        if field is not None:
            assert field == info.value.field  # type: ignore[attr-defined]
        assert before == self.everything()
        return info.value

    def refused_transition(self, kind: str, state: str, call: Callable[[], object]) -> None:
        moves = DIALOGUE_MOVES if kind == "dialogue" else SUBMISSION_MOVES
        err = self.refused(InvalidTransitionError, call)
        assert (state, tuple(sorted(moves[state]))) == (err.state, err.allowed)  # type: ignore[attr-defined]

    def kept(self, record: Dialogue | Submission) -> None:
        self.copies.append(record)

    def first_clock_due(self, m: ModelSubmission) -> date | None:
        """The due date a decision sets, keeping an answer clock already running and a first
        clock until the conclusion notice starts the answer clock; sets ``m.clock``."""
        if m.due is not None and m.clock == "answer":
            return m.due
        decided = self.due_on_decision(m)
        if decided is None:
            return m.due  # the first clock runs on until the notice
        m.clock = "answer"
        return decided

    def due_on_decision(self, s: ModelSubmission) -> date | None:
        """The seed's clock starts with the conclusion notice; outside a dialogue, or after
        the notice, it starts the day of the decision."""
        if s.dialogue_id is not None and (
                self.model_dialogues[s.dialogue_id].notice_items is None):
            return None
        return model_answer_due(self.today())

    def others_open(self, dialogue_id: str, except_id: str) -> bool:
        return any(m.dialogue_id == dialogue_id and m.state != "closed" and sid != except_id
                   for sid, m in self.model_submissions.items())

    # --- the clock -----------------------------------------------------------------------

    @initialize(target=dialogues, ahead=st.integers(7, 30))
    def first_dialogue(self, ahead: int) -> str:
        """Every run starts with a dialogue planned and announced in time, so that random
        runs reach meetings, notices and completions, not only planning."""
        dialogue_id = self.plan(ahead, announce_now=True)
        assert "announced" == self.model_dialogues[dialogue_id].state
        return dialogue_id

    @rule(days=st.integers(0, 12), hours=st.integers(0, 23))
    def advance(self, days: int, hours: int) -> None:
        self.clock.advance(days=days, hours=hours)

    # --- dialogue commands ---------------------------------------------------------------

    @rule(target=dialogues, ahead=st.integers(8, 40) | st.integers(0, 7),
          announce_now=st.booleans())
    def plan(self, ahead: int, announce_now: bool) -> str:
        """Plan a dialogue (and, to reach meetings in few steps, maybe announce it)."""
        day = self.today() + timedelta(days=ahead)
        d = self.flow.plan_dialogue(scheduled_for=day, title="Đối thoại", actor=OFFICE)
        self.model_dialogues[d.id] = ModelDialogue("planned", 1, day, model_announce_by(day))
        assert (day, model_announce_by(day)) == (d.scheduled_for, d.announce_by.date)
        self.kept(d)
        if announce_now:
            self.announce(d.id)
        return d.id

    @rule(dialogue_id=dialogues, command=st.sampled_from(
        ["announce", "reschedule", "cancel", "hold", "conclude"]),
        ahead=st.integers(0, 40), go_there=st.booleans())
    def dialogue_command(self, dialogue_id: str, command: str, ahead: int,
                         go_there: bool) -> None:
        """Any dialogue command on any dialogue: allowed ones move it as the model says,
        the others are refused with the events that are allowed."""
        if command == "reschedule":
            self.reschedule(dialogue_id, ahead)
        elif command == "hold":
            self.hold(dialogue_id, go_there)
        else:
            getattr(self, command)(dialogue_id)

    def announce(self, dialogue_id: str) -> None:
        m = self.model_dialogues[dialogue_id]

        def call() -> Dialogue:
            return self.flow.announce(dialogue_id, actor=OFFICE)

        if "announce" not in DIALOGUE_MOVES[m.state]:
            self.refused_transition("dialogue", m.state, call)
        elif self.today() > m.announce_by:
            self.refused(InvalidInputError, call, "on")
        else:
            self.kept(call())
            m.state, m.version = "announced", m.version + 1

    def reschedule(self, dialogue_id: str, ahead: int) -> None:
        m = self.model_dialogues[dialogue_id]
        day = self.today() + timedelta(days=ahead)

        def call() -> Dialogue:
            return self.flow.reschedule(dialogue_id, scheduled_for=day, actor=OFFICE,
                                        reason="trùng lịch")

        if "reschedule" not in DIALOGUE_MOVES[m.state]:
            self.refused_transition("dialogue", m.state, call)
        else:
            self.kept(call())
            m.state, m.version = "planned", m.version + 1
            m.scheduled_for, m.announce_by = day, model_announce_by(day)

    def cancel(self, dialogue_id: str) -> None:
        m = self.model_dialogues[dialogue_id]

        def call() -> Dialogue:
            return self.flow.cancel(dialogue_id, actor=OFFICE, reason="bão")

        if "cancel" not in DIALOGUE_MOVES[m.state]:
            self.refused_transition("dialogue", m.state, call)
        else:
            self.kept(call())
            m.state, m.version = "cancelled", m.version + 1

    def hold(self, dialogue_id: str, go_there: bool) -> None:
        """Hold the dialogue on its day (``go_there``: the clock first moves to that day)."""
        m = self.model_dialogues[dialogue_id]
        if go_there and m.scheduled_for > self.today():
            self.clock.set(m.scheduled_for)

        def call() -> Dialogue:
            return self.flow.hold(dialogue_id, actor=OFFICE, on=m.scheduled_for)

        if m.scheduled_for > self.today():
            self.refused(InvalidInputError, call, "on")
        elif "hold" not in DIALOGUE_MOVES[m.state]:
            self.refused_transition("dialogue", m.state, call)
        else:
            d = call()
            self.kept(d)
            m.state, m.version, m.held_on = "held", m.version + 1, m.scheduled_for
            m.conclusion_due = model_conclusion_due(m.scheduled_for)
            assert m.conclusion_due == d.conclusion_due.date  # type: ignore[union-attr]

    def conclude(self, dialogue_id: str) -> None:
        m = self.model_dialogues[dialogue_id]
        mine = {sid: s for sid, s in self.model_submissions.items()
                if s.dialogue_id == dialogue_id}

        def call() -> Dialogue:
            return self.flow.conclude(dialogue_id, actor=CHAIR)

        undecided = sorted(sid for sid, s in mine.items() if s.state == "received")
        if m.state == "held" and undecided:
            err = self.refused(InvalidInputError, call, "dialogue")
            assert ", ".join(undecided) in str(err)
            return
        if "conclude" not in DIALOGUE_MOVES[m.state]:
            self.refused_transition("dialogue", m.state, call)
            return
        d = call()
        self.kept(d)
        today = self.today()
        items = frozenset(sid for sid, s in mine.items() if s.state in WITH_CLOCK)
        for sid in items:
            if mine[sid].due is None or mine[sid].clock != "answer":
                mine[sid].due, mine[sid].clock = model_answer_due(today), "answer"
                mine[sid].version += 1
        m.state, m.version, m.notice_items = "concluded", m.version + 1, items
        m.notice_late = m.conclusion_due is not None and today > m.conclusion_due
        if all(s.state == "closed" for s in mine.values()):
            m.state, m.version = "completed", m.version + 1
        assert {(sid, mine[sid].due) for sid in items} == {
            (i.submission_id, i.due) for i in d.conclusion.items}  # type: ignore[union-attr]

    def _announced(self) -> list[str]:
        return sorted(i for i, m in self.model_dialogues.items() if m.state == "announced")

    @precondition(lambda self: bool(self._announced()))
    @rule(target=submissions, data=st.data(), decisions=st.lists(st.sampled_from(
        ["answer", "assign", "assign", "escalate", "settle", "leave"]), max_size=4))
    def meeting(self, data: st.DataObject, decisions: list[str]) -> Any:
        """The meeting day of an announced dialogue: hold it, then record and decide what is
        raised (each step predicted like the single rules; "leave" keeps one undecided)."""
        dialogue_id = data.draw(st.sampled_from(self._announced()))
        self.hold(dialogue_id, go_there=True)
        if self.model_dialogues[dialogue_id].state != "held":
            return multiple()
        raised = []
        for decision in decisions:
            sid = self._receive(dialogue_id)
            raised.append(sid)
            if decision == "answer":
                self.answer(sid, "chair")
            elif decision == "assign":
                self.assign(sid, DEPARTMENTS[len(raised) % 3], complex_=False, as_record=False)
            elif decision == "escalate":
                self.escalate(sid, LEVELS[0])
            elif decision == "settle":
                self.close(sid, sid, "settled_at_meeting")
        return multiple(*raised)

    def _held(self) -> list[str]:
        return sorted(i for i, m in self.model_dialogues.items() if m.state == "held")

    @precondition(lambda self: bool(self._held()))
    @rule(data=st.data(), days_later=st.integers(0, 12),
          decide_first=st.sampled_from([True, True, True, False]))
    def conclude_a_held_dialogue(self, data: st.DataObject, days_later: int,
                                 decide_first: bool) -> None:
        """The notice, some days after the meeting (late after 10); the chair may first
        decide what is still undecided."""
        dialogue_id = data.draw(st.sampled_from(self._held()))
        if decide_first:
            for sid, s in sorted(self.model_submissions.items()):
                if s.dialogue_id == dialogue_id and s.state == "received":
                    how = data.draw(st.sampled_from(["assign", "escalate", "answer"]))
                    if how == "assign":
                        self.assign(sid, DEPARTMENTS[1], complex_=False, as_record=False)
                    elif how == "escalate":
                        self.escalate(sid, LEVELS[1])
                    else:
                        self.answer(sid, "chair")
        self.clock.advance(days=days_later)
        self.conclude(dialogue_id)

    def _open_after_notice(self) -> list[str]:
        return sorted(i for i, m in self.model_submissions.items()
                      if m.state != "closed" and m.dialogue_id is not None
                      and self.model_dialogues[m.dialogue_id].state == "concluded")

    @precondition(lambda self: bool(self._open_after_notice()))
    @rule(data=st.data(), outcomes=st.lists(st.sampled_from(
        ["accepted", "accepted", "withdrawn", "reopened"]), min_size=1, max_size=4))
    def resolve_matters(self, data: st.DataObject, outcomes: list[str]) -> None:
        """After the notice, matter by matter: the responsible one answers and the
        petitioner accepts (or withdraws, or is not satisfied and it is reopened)."""
        for outcome in outcomes:
            candidates = self._open_after_notice()
            if not candidates:
                return
            sid = data.draw(st.sampled_from(candidates))
            m = self.model_submissions[sid]
            if outcome == "withdrawn":
                self.close(sid, sid, "withdrawn")
                continue
            if m.state == "received":
                self.assign(sid, DEPARTMENTS[0], complex_=False, as_record=False)
            who = m.department if m.state == "assigned" and m.department else "chair"
            self.answer(sid, who)
            if outcome == "accepted":
                self.close(sid, sid, "accepted")
            else:
                self.reopen(sid, as_record=False)

    # --- submission commands -------------------------------------------------------------

    def _receive(self, dialogue_id: str | None) -> str:
        s = self.flow.receive(dialogue=dialogue_id, petitioner=PETITIONER, topic="đất đai",
                              content="Chậm cấp giấy chứng nhận.", actor=INTAKE)
        if dialogue_id is None:
            due, clock = model_processing_due(self.today()), "processing"
        else:
            d = self.model_dialogues[dialogue_id]
            due = d.conclusion_due or model_conclusion_due(d.scheduled_for)
            clock = "conclusion"
        self.model_submissions[s.id] = ModelSubmission("received", 1, dialogue_id, due=due,
                                                       clock=clock)
        self.kept(s)
        return s.id

    @rule(target=submissions, dialogue_id=dialogues)
    def receive_at_dialogue(self, dialogue_id: str) -> Any:
        m = self.model_dialogues[dialogue_id]
        if m.state not in RECEIVING:
            self.refused(InvalidInputError, lambda: self._receive(dialogue_id), "dialogue_id")
            return multiple()
        return self._receive(dialogue_id)

    @rule(target=submissions)
    def receive_outside_a_dialogue(self) -> str:
        return self._receive(None)

    @rule(submission_id=submissions)
    def accept(self, submission_id: str) -> None:
        """Tell the petitioner it was accepted: only a matter on its processing clock."""
        m = self.model_submissions[submission_id]

        def call() -> Submission:
            return self.flow.accept(submission_id, actor=CHAIR)

        if "accept" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
        elif m.clock != "processing":
            self.refused(InvalidInputError, call, "submission")
        else:
            self.kept(call())
            m.version, m.due, m.clock = m.version + 1, model_answer_due(self.today()), "answer"

    @rule(submission_id=submissions, department=st.sampled_from(DEPARTMENTS))
    def prepare(self, submission_id: str, department: str) -> None:
        m = self.model_submissions[submission_id]

        def call() -> Submission:
            return self.flow.prepare(submission_id, department=department, actor=OFFICE)

        if "prepare" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
        elif m.dialogue_id is not None and (
                self.model_dialogues[m.dialogue_id].state not in PREPARING):
            self.refused(InvalidInputError, call, "submission")
        else:
            self.kept(call())
            m.version, m.preparing_department = m.version + 1, department

    @rule(submission_id=submissions,
          who=st.sampled_from(["chair", *DEPARTMENTS]))
    def answer(self, submission_id: str, who: str) -> None:
        m = self.model_submissions[submission_id]
        actor = CHAIR if who == "chair" else DEPARTMENT_ACTORS[who]

        def call() -> Submission:
            return self.flow.answer(submission_id, text="Đã trả lời.", actor=actor)

        # The façade checks the state before the permission.
        if "answer" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
        elif actor.role is Role.DEPARTMENT and not (m.state == "assigned"
                                                    and m.department == actor.department):
            self.refused(PermissionDeniedError, call)
        else:
            self.kept(call())
            m.state, m.version = "answered", m.version + 1
            m.department = actor.department or m.department

    @rule(submission_id=submissions, department=st.sampled_from(DEPARTMENTS),
          complex_=st.booleans(), as_record=st.booleans())
    def assign(self, submission_id: str, department: str, complex_: bool,
               as_record: bool) -> None:
        m = self.model_submissions[submission_id]
        ref: str | Submission = (self.flow.submission(submission_id) if as_record
                                 else submission_id)

        def call() -> Submission:
            return self.flow.assign(ref, department=department, actor=CHAIR, complex=complex_)

        if "assign" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
            return
        if m.state == "assigned" and m.due is not None and m.clock == "answer":
            due: date | None = m.due
        elif m.state == "received" and m.clock == "answer":
            due = m.due  # accepted: the acceptance started the answer clock
        else:
            m.due = m.due if m.clock in ("processing", "conclusion") else None
            due = self.first_clock_due(m)
        self.kept(call())
        m.state, m.version, m.department, m.competent_level, m.due = (
            "assigned", m.version + 1, department, None, due)

    @rule(submission_id=submissions, level=st.sampled_from(LEVELS))
    def escalate(self, submission_id: str, level: str) -> None:
        m = self.model_submissions[submission_id]

        def call() -> Submission:
            return self.flow.escalate(submission_id, competent_level=level, actor=CHAIR)

        if "escalate" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
            return
        due = self.first_clock_due(m)
        self.kept(call())
        m.state, m.version, m.competent_level, m.due = "escalated", m.version + 1, level, due
        m.department = None  # the matter left the commune's departments

    @rule(submission_id=submissions, days=st.integers(1, 40),
          mistake=st.sampled_from([None, None, "not later", "day off"]))
    def extend(self, submission_id: str, days: int, mistake: str | None) -> None:
        m = self.model_submissions[submission_id]
        floor = m.due or self.today()
        until = {None: next_working_after(floor, days), "not later": floor,
                 "day off": first_day_off_after(floor)}[mistake]

        def call() -> Submission:
            return self.flow.extend(submission_id, until=until, reason="phức tạp", actor=CHAIR)

        if mistake is not None:
            self.refused(InvalidInputError, call, "until")
        elif "extend" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
        else:
            self.kept(call())
            m.version, m.due, m.extensions = m.version + 1, until, m.extensions + 1
            m.clock = "answer"

    @rule(submission_id=submissions, other=submissions,
          reason=st.sampled_from(["accepted", "withdrawn", "duplicate", "settled_at_meeting"]))
    def close(self, submission_id: str, other: str, reason: str) -> None:
        m = self.model_submissions[submission_id]
        duplicate_of = other if reason == "duplicate" else None

        def call() -> Submission:
            return self.flow.close(submission_id, outcome=reason, duplicate_of=duplicate_of,
                                   actor=INTAKE)

        if duplicate_of == submission_id:
            self.refused(InvalidInputError, call, "duplicate_of")
        elif "close" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
        elif reason not in CLOSE_REASONS[m.state]:
            self.refused(InvalidTransitionError, call)
        else:
            self.kept(call())
            m.state, m.version = "closed", m.version + 1
            if m.dialogue_id is not None:
                d = self.model_dialogues[m.dialogue_id]
                if d.state == "concluded" and not self.others_open(m.dialogue_id,
                                                                   submission_id):
                    d.state, d.version = "completed", d.version + 1

    @rule(submission_id=submissions, as_record=st.booleans())
    def reopen(self, submission_id: str, as_record: bool) -> None:
        m = self.model_submissions[submission_id]
        ref: str | Submission = (self.flow.submission(submission_id) if as_record
                                 else submission_id)

        def call() -> Submission:
            return self.flow.reopen(ref, reason="chưa thỏa đáng", actor=INTAKE)

        if "reopen" not in SUBMISSION_MOVES[m.state]:
            self.refused_transition("submission", m.state, call)
            return
        if m.dialogue_id is not None and self.model_dialogues[m.dialogue_id].state == (
                "completed"):
            # A completed dialogue's record is final: a new submission must be received.
            self.refused(InvalidInputError, call, "submission")
            return
        self.kept(call())
        m.state, m.version, m.reopened = "received", m.version + 1, m.reopened + 1
        m.due, m.clock = model_processing_due(self.today()), "processing"

    # --- mistakes a host makes -----------------------------------------------------------

    def _stale(self) -> list[Dialogue | Submission]:
        models: dict[str, Any] = {**self.model_dialogues, **self.model_submissions}
        return [c for c in self.copies if c.version < models[c.id].version]

    @precondition(lambda self: bool(self._stale()))
    @rule(data=st.data(), command=st.sampled_from(["a", "b", "c"]))
    def stale_copy(self, data: st.DataObject, command: str) -> None:
        """An old copy passed back is refused whatever the command, and changes nothing."""
        old = data.draw(st.sampled_from(self._stale()))
        if isinstance(old, Dialogue):
            calls = {"a": lambda: self.flow.announce(old, actor=OFFICE),
                     "b": lambda: self.flow.cancel(old, actor=OFFICE, reason="bão"),
                     "c": lambda: self.flow.conclude(old, actor=CHAIR)}
        else:
            calls = {"a": lambda: self.flow.answer(old, text="x", actor=CHAIR),
                     "b": lambda: self.flow.reopen(old, reason="x", actor=INTAKE),
                     "c": lambda: self.flow.assign(old, department=DEPARTMENTS[0],
                                                   actor=CHAIR)}
        self.refused(VersionConflictError, calls[command])

    @rule(data=st.data(), mistake=st.sampled_from([
        "plan in the past", "unknown dialogue", "unknown submission", "receive into unknown",
        "blank department", "complex text", "unknown reason", "until datetime",
        "blank reopen", "blank answer", "department list", "intake desk assigns"]))
    def host_mistake(self, data: st.DataObject, mistake: str) -> None:
        """Bad arguments, unknown ids and a forbidden actor: each refused with its own error
        whatever the state, and nothing written. One rule, so mistakes do not crowd out
        the real work."""
        f = self.flow
        if mistake == "plan in the past":
            back = data.draw(st.integers(1, 30))
            self.refused(InvalidInputError, lambda: f.plan_dialogue(
                scheduled_for=self.today() - timedelta(days=back), title="Đối thoại",
                actor=OFFICE), "scheduled_for")
            return
        unknown: dict[str, Callable[[], object]] = {
            "unknown dialogue": lambda: f.announce("dlg-9999", actor=OFFICE),
            "unknown submission": lambda: f.answer("sub-9999", text="x", actor=CHAIR),
            "receive into unknown": lambda: f.receive(
                dialogue="dlg-9999", petitioner=PETITIONER, topic="t", content="c", actor=INTAKE),
        }
        if mistake in unknown:
            self.refused(NotFoundError, unknown[mistake])
            return
        if not self.model_submissions:
            return
        s = data.draw(st.sampled_from(sorted(self.model_submissions)))
        if mistake == "intake desk assigns":
            # The state is checked before the permission: from a state that does not allow
            # assign the refusal is about the state.
            def call() -> object:
                return f.assign(s, department="Địa chính", actor=INTAKE)

            state = self.model_submissions[s].state
            if "assign" in SUBMISSION_MOVES[state]:
                self.refused(PermissionDeniedError, call)
            else:
                self.refused_transition("submission", state, call)
            return
        calls: dict[str, tuple[str, Callable[[], object]]] = {
            "blank department": ("department", lambda: f.assign(s, department=" ",
                                                                actor=CHAIR)),
            "complex text": ("complex", lambda: f.assign(s, department="Địa chính",
                                                         actor=CHAIR, complex="no")),
            "unknown reason": ("outcome", lambda: f.close(s, outcome="solved", actor=INTAKE)),
            "until datetime": ("until", lambda: f.extend(
                s, until=datetime(2030, 1, 2, tzinfo=VIETNAM_TZ), reason="x", actor=CHAIR)),
            "blank reopen": ("reason", lambda: f.reopen(s, reason="", actor=INTAKE)),
            "blank answer": ("text", lambda: f.answer(s, text="  ", actor=CHAIR)),
            "department list": ("department", lambda: f.prepare(s, department=["Địa chính"],
                                                                actor=OFFICE)),
        }
        field, call = calls[mistake]
        self.refused(InvalidInputError, call, field)

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def records_agree_with_the_model(self) -> None:
        for did, m in self.model_dialogues.items():
            d = self.flow.dialogue(did)
            assert (m.state, m.version, m.scheduled_for, m.announce_by, m.held_on,
                    m.conclusion_due) == (
                d.state, d.version, d.scheduled_for, d.announce_by.date, d.held_on,
                d.conclusion_due.date if d.conclusion_due else None)
        for sid, ms in self.model_submissions.items():
            s = self.flow.submission(sid)
            assert (ms.state, ms.version, ms.dialogue_id, ms.department, ms.competent_level,
                    ms.preparing_department, ms.due, ms.extensions, ms.reopened) == (
                s.state, s.version, s.dialogue_id, s.department, s.competent_level,
                s.preparing_department, s.due.date if s.due else None, s.extensions,
                s.reopened)

    @invariant()
    def audit_trails_are_complete_and_chained(self) -> None:
        """version == number of rows; versions 1..n; each row starts where the previous
        ended; the first creates the record; the last ends in its current state."""
        records = [*map(self.flow.dialogue, self.model_dialogues),
                   *map(self.flow.submission, self.model_submissions)]
        for r in records:
            rows = self.flow.history(r)
            assert list(range(1, r.version + 1)) == [row.version for row in rows]
            assert [None, *(row.dest for row in rows[:-1])] == [row.source for row in rows]
            assert ({r.KIND}, {r.id}, r.state) == (
                {row.kind for row in rows}, {row.record_id for row in rows}, rows[-1].dest)

    @invariant()
    def concluded_matters_have_due_dates(self) -> None:
        """Every assigned/escalated submission of a concluded dialogue has a due date."""
        for did, m in self.model_dialogues.items():
            if m.notice_items is None:
                continue
            for s in self.flow.submissions(dialogue_id=did, state=sorted(WITH_CLOCK),
                                           limit=10_000):
                assert s.due is not None, s.id

    @invariant()
    def conclusion_lists_what_was_open_at_conclusion(self) -> None:
        for did, m in self.model_dialogues.items():
            conclusion = self.flow.dialogue(did).conclusion
            listed = None if conclusion is None else frozenset(
                i.submission_id for i in conclusion.items)
            assert m.notice_items == listed
            if conclusion is not None:
                assert m.notice_late == conclusion.late

    @invariant()
    def completed_iff_concluded_and_all_closed(self) -> None:
        """A dialogue is completed exactly when its notice was issued and all its
        submissions are closed (reopening one of a completed dialogue is refused)."""
        for did in self.model_dialogues:
            d = self.flow.dialogue(did)
            subs = self.flow.submissions(dialogue_id=did, limit=10_000)
            all_closed = all(s.state == "closed" for s in subs)
            concluded = d.conclusion is not None
            assert (concluded and all_closed) == (d.state == "completed")

    @invariant()
    def notification_keys_are_unique(self) -> None:
        keys = [n.key for n in self.flow.storage.pending_notifications()]
        assert len(keys) == len(set(keys))


DialogueFlowMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])


class TestDialogueFlowAgainstTheModel(DialogueFlowMachine.TestCase):  # type: ignore[name-defined,misc]
    """Random command sequences: the façade behaves as the reference model predicts."""


class TestModelArithmetic:
    """The model's own date arithmetic, checked against dates computed by hand."""

    def test_announce_by(self):
        """17 June 2021 - 7 = Thu 10 June; 20 June - 7 = Sun 13 June -> Fri 11 June."""
        assert (date(2021, 6, 10), date(2021, 6, 11)) == (
            model_announce_by(date(2021, 6, 17)), model_announce_by(date(2021, 6, 20)))

    def test_conclusion_due(self):
        """17 June 2021 + 10 = Sun 27 June -> Mon 28 June."""
        assert date(2021, 6, 28) == model_conclusion_due(date(2021, 6, 17))

    def test_answer_due(self):
        """30 working days after Fri 25 June 2021 = Fri 6 August 2021."""
        assert date(2021, 8, 6) == model_answer_due(date(2021, 6, 25))
