"""A clock on every petition from the day it is received (issue 15, part 1)."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import LAND
from dialogue_flow import (
    Actor,
    ConfigurationError,
    DeadlinePolicy,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    InvalidTransitionError,
    MemoryStorage,
    Petitioner,
    SequentialIds,
    WorkCalendar,
)

# Tue 1 June 2021 + 10 working days (2-4, 7-11, 14-15 June) = Tue 15 June 2021.
PROCESSING_DUE = date(2021, 6, 15)


def _letter(flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> str:
    return flow.receive(petitioner=petitioner, topic="đất đai", content="...",
                        actor=intake, channel="written").id


class TestFirstClock:
    def test_a_letter_is_due_in_ten_working_days(self, flow: DialogueFlow, intake: Actor,
                                                 petitioner: Petitioner) -> None:
        s = flow.submission(_letter(flow, intake, petitioner))
        assert s.due is not None
        assert (PROCESSING_DUE, "processing") == (s.due.date, s.due.rule_id)
        assert "Luật Tiếp công dân 2013, Điều 28" in s.due.basis

    def test_a_matter_at_a_dialogue_runs_on_the_conclusion_notice(
            self, flow: DialogueFlow, clock: FixedClock, office: Actor, chair: Actor,
            intake: Actor, petitioner: Petitioner) -> None:
        d = flow.plan_dialogue(title="Đối thoại", scheduled_for=date(2021, 6, 17), actor=office)
        before = flow.receive(dialogue=d.id, petitioner=petitioner, topic="t", content="c",
                              actor=intake, channel="collected")
        # Not held yet: 10 days after the planned day (Sun 27 June -> Mon 28 June).
        assert before.due is not None
        assert (date(2021, 6, 28), "conclusion-notice") == (before.due.date, before.due.rule_id)
        flow.announce(d.id, actor=office)
        clock.set(date(2021, 6, 17))
        held = flow.hold(d.id, actor=chair)
        at = flow.receive(dialogue=d.id, petitioner=petitioner, topic="t", content="c",
                          actor=intake)
        assert at.due == held.conclusion_due

    def test_a_decision_replaces_it_with_the_answer_clock(
            self, flow: DialogueFlow, chair: Actor, intake: Actor,
            petitioner: Petitioner) -> None:
        sub = _letter(flow, intake, petitioner)
        assigned = flow.assign(sub, department=LAND, actor=chair)
        assert assigned.due is not None
        assert (date(2021, 7, 13), "written-answer") == (assigned.due.date,
                                                         assigned.due.rule_id)

    def test_a_matter_assigned_before_the_conclusion_keeps_its_first_clock_until_then(
            self, flow: DialogueFlow, clock: FixedClock, office: Actor, chair: Actor,
            intake: Actor, petitioner: Petitioner) -> None:
        d = flow.plan_dialogue(title="Đối thoại", scheduled_for=date(2021, 6, 17), actor=office)
        flow.announce(d.id, actor=office)
        clock.set(date(2021, 6, 17))
        flow.hold(d.id, actor=chair)
        sub = flow.receive(dialogue=d.id, petitioner=petitioner, topic="t", content="c",
                           actor=intake)
        assigned = flow.assign(sub.id, department=LAND, actor=chair)
        assert assigned.due == sub.due  # the conclusion notice's deadline
        clock.set(date(2021, 6, 21))
        flow.conclude(d.id, actor=chair)
        after = flow.submission(sub.id)
        assert after.due is not None
        assert "written-answer" == after.due.rule_id

    def test_a_reopened_matter_gets_a_fresh_processing_clock(
            self, flow: DialogueFlow, clock: FixedClock, chair: Actor, intake: Actor,
            petitioner: Petitioner) -> None:
        sub = _letter(flow, intake, petitioner)
        flow.answer(sub, text="Đã trả lời.", actor=chair)
        clock.set(date(2021, 7, 1))
        again = flow.reopen(sub, reason="chưa thỏa đáng", actor=chair)
        assert again.due is not None
        assert (date(2021, 7, 15), "processing") == (again.due.date, again.due.rule_id)


class TestAccept:
    def test_accepting_meets_the_processing_clock_and_tells_the_petitioner(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
            petitioner: Petitioner) -> None:
        sub = _letter(flow, intake, petitioner)
        clock.set(date(2021, 6, 3))
        accepted = flow.accept(sub, actor=chair)
        assert ("received", "written-answer") == (accepted.state,
                                                  accepted.due.rule_id)  # type: ignore[union-attr]
        notes = [n for n in flow.storage.pending_notifications() if n.event == "accepted"]
        assert [("petitioner", sub)] == [(n.audience, n.record_id) for n in notes]
        assert "đã được thụ lý" in notes[0].body
        # Assigning later keeps the answer clock the acceptance started.
        assert accepted.due == flow.assign(sub, department=LAND, actor=chair).due

    def test_only_a_matter_on_its_processing_clock(self, flow: DialogueFlow, chair: Actor,
                                                   intake: Actor,
                                                   petitioner: Petitioner) -> None:
        sub = _letter(flow, intake, petitioner)
        flow.accept(sub, actor=chair)
        with pytest.raises(InvalidInputError, match="not waiting on its processing clock"):
            flow.accept(sub, actor=chair)
        flow.assign(sub, department=LAND, actor=chair)
        with pytest.raises(InvalidTransitionError):
            flow.accept(sub, actor=chair)


class TestTheSweepSeesIt:
    def test_an_undecided_letter_is_reminded_then_overdue(
            self, flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> None:
        """The issue's first finding: a letter never decided got no reminder and was never
        overdue."""
        sub = _letter(flow, intake, petitioner)
        soon = flow.sweep(date(2021, 6, 10))  # 3 working days before 15 June
        late = flow.sweep(date(2021, 6, 16))
        assert (1, 1, 1) == (soon.due_soon, late.overdue_matters, late.overdue_notices)
        events = [(n.event, n.audience) for n in flow.storage.pending_notifications()
                  if n.record_id == sub and n.event in ("due_soon", "overdue")]
        assert [("due_soon", "office"), ("overdue", "chair")] == events
        assert [sub] == [s.id for s in flow.submissions(overdue_as_of=date(2021, 6, 16))]


class TestPolicy:
    _BASE = """
id = "channels"
name = "Theo kênh"
[[rules]]
id = "answer"
purpose = "written_answer"
count = 30
unit = "working_days"
direction = "after"
anchor = "assigned"
basis = "x"
[[rules]]
id = "letters"
purpose = "processing"
count = 5
unit = "working_days"
direction = "after"
anchor = "received"
basis = "y"
channels = ["written"]
"""

    def test_a_rule_applies_to_the_channels_it_names(
            self, clock: FixedClock, calendar: WorkCalendar, intake: Actor,
            petitioner: Petitioner) -> None:
        policy = DeadlinePolicy.from_toml(self._BASE)
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            ids=SequentialIds(), policy=policy)
        letter = flow.submission(_letter(flow, intake, petitioner))
        spoken = flow.receive(petitioner=petitioner, topic="t", content="c",
                              actor=intake)
        assert letter.due is not None
        assert ("letters", None) == (letter.due.rule_id, spoken.due)

    def test_rules_for_different_channels_may_be_in_force_together(self) -> None:
        other = self._BASE.replace('id = "letters"', 'id = "spoken"').replace(
            'channels = ["written"]', 'channels = ["spoken"]').split("[[rules]]")[2]
        DeadlinePolicy.from_toml(self._BASE + "[[rules]]" + other)
        overlapping = other.replace('channels = ["spoken"]', 'channels = ["written"]')
        with pytest.raises(ConfigurationError, match="at the same time"):
            DeadlinePolicy.from_toml(self._BASE + "[[rules]]" + overlapping)

    def test_bad_channels_are_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="channels must be a list"):
            DeadlinePolicy.from_toml(self._BASE.replace('["written"]', '"written"'))

    def test_the_complaints_policy_has_its_acceptance_limit(
            self, clock: FixedClock, calendar: WorkCalendar, intake: Actor,
            petitioner: Petitioner) -> None:
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            ids=SequentialIds(), policy="complaints-2011")
        s = flow.submission(_letter(flow, intake, petitioner))
        assert s.due is not None
        assert (date(2021, 6, 11), "complaint-acceptance") == (s.due.date, s.due.rule_id)
