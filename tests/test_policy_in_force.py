"""A matter is judged by the policy in force when its clock started (issue 15, part 4).

Its first clock starts the day it is received: the processing and written-answer rules in
force that day are its rules, however late it is assigned, accepted, re-assigned or reopened,
as transition provisions keep cases accepted before a change of the law under the old rule.
The policy here is a test's: 30 working days to answer until 30 June 2026, 15 from 1 July.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import LAND
from dialogue_flow import (
    Actor,
    DeadlinePolicy,
    DialogueFlow,
    FixedClock,
    MemoryStorage,
    Petitioner,
    SequentialIds,
    WorkCalendar,
)

RULES = """
[[rules]]
id = "answer-30"
purpose = "written_answer"
count = 30
unit = "working_days"
direction = "after"
anchor = "assigned"
basis = "Quy chế cũ (thử nghiệm)"
effective_until = 2026-06-30

[[rules]]
id = "answer-15"
purpose = "written_answer"
count = 15
unit = "working_days"
direction = "after"
anchor = "assigned"
basis = "Quy chế mới (thử nghiệm)"
effective_from = 2026-07-01

[[rules]]
id = "processing-10"
purpose = "processing"
count = 10
unit = "working_days"
direction = "after"
anchor = "received"
basis = "Quy chế cũ (thử nghiệm)"
effective_until = 2026-06-30

[[rules]]
id = "processing-5"
purpose = "processing"
count = 5
unit = "working_days"
direction = "after"
anchor = "received"
basis = "Quy chế mới (thử nghiệm)"
effective_from = 2026-07-01
"""

TRANSITION = DeadlinePolicy.from_toml('id = "transition"\nname = "Chuyển tiếp"\n' + RULES)

#: Thu 25 June 2026 (old rules), Thu 2 July 2026 (new rules).
BEFORE, AFTER = date(2026, 6, 25), date(2026, 7, 2)


@pytest.fixture
def flow(clock: FixedClock, calendar: WorkCalendar) -> DialogueFlow:
    return DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, ids=SequentialIds(),
                        policy=TRANSITION)


def _letter(flow: DialogueFlow, clock: FixedClock, intake: Actor, petitioner: Petitioner,
            on: date) -> str:
    clock.set(on)
    return flow.receive(petitioner=petitioner, topic="đất đai", content="...",
                        actor=intake, channel="written").id


class TestJudgedByTheDayReceived:
    def test_received_before_assigned_after_keeps_the_old_rule(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
            petitioner: Petitioner, calendar: WorkCalendar) -> None:
        """Received on 25 June, assigned on 2 July: 30 working days from the 2nd."""
        sub = _letter(flow, clock, intake, petitioner, BEFORE)
        clock.set(AFTER)
        s = flow.assign(sub, department=LAND, actor=chair)
        assert s.due is not None
        assert ("answer-30", calendar.add_working_days(AFTER, 30)) == (s.due.rule_id,
                                                                       s.due.date)

    def test_received_after_the_change_takes_the_new_rule(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
            petitioner: Petitioner, calendar: WorkCalendar) -> None:
        sub = _letter(flow, clock, intake, petitioner, date(2026, 7, 1))
        clock.set(AFTER)
        s = flow.assign(sub, department=LAND, actor=chair)
        assert s.due is not None
        assert ("answer-15", calendar.add_working_days(AFTER, 15)) == (s.due.rule_id,
                                                                       s.due.date)

    def test_accepted_after_the_change(self, flow: DialogueFlow, clock: FixedClock,
                                       intake: Actor, chair: Actor,
                                       petitioner: Petitioner) -> None:
        """Accepting for handling starts the answer clock under the old rule too."""
        sub = _letter(flow, clock, intake, petitioner, BEFORE)
        clock.set(AFTER)
        s = flow.accept(sub, actor=chair)
        assert s.due is not None
        assert "answer-30" == s.due.rule_id

    def test_a_recount_for_complexity_keeps_the_old_rule(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
            petitioner: Petitioner) -> None:
        """Assigned on 2 July, re-assigned as complex on 6 July: the policy has no complex
        variant, so the standard rule of the day it was received, counted again from the
        same anchor."""
        sub = _letter(flow, clock, intake, petitioner, BEFORE)
        clock.set(AFTER)
        flow.assign(sub, department=LAND, actor=chair)
        clock.set(date(2026, 7, 6))
        s = flow.assign(sub, department=LAND, actor=chair, complex=True)
        assert s.due is not None
        assert ("answer-30", AFTER, True) == (s.due.rule_id, s.due.anchor, s.complex)

    def test_reopened_after_the_change_keeps_the_old_processing_rule(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
            petitioner: Petitioner, calendar: WorkCalendar) -> None:
        """A fresh processing clock from the day it is reopened, under its old rule."""
        sub = _letter(flow, clock, intake, petitioner, BEFORE)
        flow.close(sub, outcome="withdrawn", actor=intake)
        clock.set(AFTER)
        s = flow.reopen(sub, reason="Người dân không đồng ý", actor=intake)
        assert s.due is not None
        assert ("processing-10", calendar.add_working_days(AFTER, 10)) == (s.due.rule_id,
                                                                           s.due.date)

    def test_before_the_policy_had_a_rule(self, clock: FixedClock, calendar: WorkCalendar,
                                          intake: Actor, chair: Actor,
                                          petitioner: Petitioner) -> None:
        """A policy whose answer rule took effect after the matter was received: the rule
        in force when the answer clock starts applies (nothing older to keep)."""
        answer_15 = RULES[RULES.index('[[rules]]\nid = "answer-15"'):
                          RULES.index('[[rules]]\nid = "processing-10"')]
        newer = DeadlinePolicy.from_toml('id = "newer"\nname = "Mới"\n' + answer_15)
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, policy=newer)
        sub = _letter(flow, clock, intake, petitioner, BEFORE)
        clock.set(AFTER)
        s = flow.assign(sub, department=LAND, actor=chair)
        assert s.due is not None
        assert "answer-15" == s.due.rule_id
