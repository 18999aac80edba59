"""The DialogueFlow façade: commands, deadlines (each date computed by hand in the
docstring), the audit trail, queries, authorisation and bad input.

Calendar facts used below (2021): 1 June is a Tuesday; 17 June a Thursday; 25 June a
Friday; 27 June a Sunday; no public holiday falls between 1 June and 1 September.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from dialogue_flow import (
    VIETNAM_TZ,
    Actor,
    AnswerMode,
    ConclusionItem,
    ConfigurationError,
    DeadlinePolicy,
    Dialogue,
    DialogueFlow,
    DialogueState,
    FixedClock,
    InvalidInputError,
    InvalidTransitionError,
    MemoryStorage,
    NotFoundError,
    PermissionDeniedError,
    Petitioner,
    SequentialIds,
    SQLiteStorage,
    StorageError,
    Submission,
    SubmissionState,
    VersionConflictError,
    WorkCalendar,
)

LAND = "Địa chính"
FOREST = "Kiểm lâm"
DISTRICT = "UBND huyện Cẩm Xuyên"
DIALOGUE_DAY = date(2021, 6, 17)
NOTICE_DAY = date(2021, 6, 25)

State = Callable[[], Any]


def plan(flow: DialogueFlow, office: Actor, day: date = DIALOGUE_DAY) -> Dialogue:
    return flow.plan_dialogue(scheduled_for=day, title="Đối thoại quý II/2021", actor=office,
                              topics=["đất đai", "bảo vệ rừng"])


def receive(flow: DialogueFlow, intake: Actor, dialogue_id: str | None = None,
            topic: str = "đất đai") -> Submission:
    return flow.receive(dialogue=dialogue_id, petitioner=Petitioner(name="Nguyễn Văn A"),
                        topic=topic, content="Chậm cấp giấy chứng nhận quyền sử dụng đất.",
                        actor=intake)


def held_dialogue(flow: DialogueFlow, clock: FixedClock, office: Actor,
                  day: date = DIALOGUE_DAY) -> Dialogue:
    """Planned and announced on the clock's day, held on ``day`` (the clock moves there)."""
    d = plan(flow, office, day)
    flow.announce(d.id, actor=office)
    clock.set(day)
    return flow.hold(d.id, actor=office)


def trail(flow: DialogueFlow, record: Dialogue | Submission) -> list[tuple[Any, ...]]:
    return [(r.version, r.event, r.source, r.dest) for r in flow.history(record)]


class TestIssueExample:
    """The example of the issue, every date checked by hand."""

    def test_written_answer_due_30_working_days_after_the_notice(self, flow, clock, office,
                                                                 chair, intake):
        """Plan 17 June (today 1 June), receive, assign to Địa chính, conclude on 25 June:
        30 working days after Fri 25 June 2021 is Fri 6 August 2021."""
        d = held_dialogue(flow, clock, office)
        s = receive(flow, intake, d.id)
        flow.assign(s.id, department=LAND, actor=chair)
        clock.set(NOTICE_DAY)
        flow.conclude(d.id, actor=chair, on=NOTICE_DAY)
        assert date(2021, 8, 6) == flow.submission(s.id).due.date

    def test_announce_by_is_seven_days_before(self, flow, office):
        """A dialogue on Thu 17 June must be announced by Thu 10 June."""
        assert date(2021, 6, 10) == plan(flow, office).announce_by.date

    def test_conclusion_due_rolls_forward_from_a_sunday(self, flow, clock, office):
        """Held Thu 17 June: + 10 days = Sun 27 June, so Mon 28 June."""
        assert date(2021, 6, 28) == held_dialogue(flow, clock, office).conclusion_due.date

    def test_assigned_before_the_notice_runs_on_the_notices_deadline(
            self, flow, clock, office, chair, intake):
        """Under the seed plan the answer clock starts with the conclusion notice; until
        then the matter runs on the notice's own deadline (issue 15)."""
        d = held_dialogue(flow, clock, office)
        s = flow.assign(receive(flow, intake, d.id).id, department=LAND, actor=chair)
        assert s.due == d.conclusion_due

    def test_conclusion_notice_lists_the_matter_with_its_due_date(self, flow, clock, office,
                                                                  chair, intake):
        """The notice names the assigned submission, who is responsible and by when."""
        d = held_dialogue(flow, clock, office)
        s = receive(flow, intake, d.id)
        flow.assign(s.id, department=LAND, actor=chair)
        clock.set(NOTICE_DAY)
        d = flow.conclude(d.id, actor=chair)
        assert (NOTICE_DAY, "bt", (ConclusionItem(s.id, SubmissionState.ASSIGNED, LAND,
                                                  date(2021, 8, 6)),), False) == (
            d.conclusion.issued_on, d.conclusion.issued_by, d.conclusion.items,
            d.conclusion.late)

    def test_conclusion_after_its_deadline_is_marked_late(self, flow, clock, office, chair,
                                                          intake):
        """Issued Tue 29 June, after Mon 28 June: still issued, flagged late."""
        d = held_dialogue(flow, clock, office)
        flow.assign(receive(flow, intake, d.id).id, department=LAND, actor=chair)
        clock.set(date(2021, 6, 29))
        assert True is flow.conclude(d.id, actor=chair).conclusion.late


class TestDialogueCommands:
    """Planning, announcing, rescheduling, holding and concluding."""

    def test_plan_creates_a_planned_dialogue(self, flow, office):
        """A new dialogue is planned, version 1, with its topics."""
        d = plan(flow, office)
        assert ("dlg-0001", DialogueState.PLANNED, 1, ("đất đai", "bảo vệ rừng")) == (
            d.id, d.state, d.version, d.topics)

    def test_plan_today_is_allowed(self, flow, office):
        """A dialogue may be planned for today (it is not in the past)."""
        assert date(2021, 6, 1) == plan(flow, office, date(2021, 6, 1)).scheduled_for

    def test_announce_on_the_last_day(self, flow, clock, office):
        """Announcing on Thu 10 June, the last allowed day, is accepted."""
        d = plan(flow, office)
        clock.set(date(2021, 6, 10))
        d = flow.announce(d.id, actor=office)
        assert (DialogueState.ANNOUNCED, date(2021, 6, 10)) == (d.state, d.announced_on)

    def test_announce_after_the_last_day_says_reschedule(self, flow, clock, office,
                                                         storage_state):
        """Announcing on Fri 11 June is too late: refused, naming the last day and telling
        the office to reschedule; nothing is written."""
        d = plan(flow, office)
        clock.set(date(2021, 6, 11))
        before = storage_state()
        with pytest.raises(InvalidInputError, match=r"2021-06-10.*reschedule") as info:
            flow.announce(d.id, actor=office)
        assert ("on", before) == (info.value.field, storage_state())

    def test_announce_on_a_past_day_is_recorded(self, flow, clock, office):
        """`on` records an announcement made earlier (in time)."""
        d = plan(flow, office)
        clock.set(date(2021, 6, 12))
        flow.reschedule(d.id, scheduled_for=date(2021, 6, 30), actor=office, reason="bão")
        d = flow.announce(d.id, actor=office, on=date(2021, 6, 12))
        assert date(2021, 6, 12) == d.announced_on

    def test_reschedule_requires_a_new_announcement(self, flow, clock, office):
        """After rescheduling an announced dialogue it is planned again: holding it is
        refused until it is announced again."""
        d = plan(flow, office)
        flow.announce(d.id, actor=office)
        d = flow.reschedule(d.id, scheduled_for=date(2021, 6, 24), actor=office, reason="mưa")
        clock.set(date(2021, 6, 24))
        with pytest.raises(InvalidTransitionError, match="events allowed from planned"):
            flow.hold(d.id, actor=office)
        assert (DialogueState.PLANNED, None, date(2021, 6, 17)) == (
            d.state, d.announced_on, d.announce_by.date)

    def test_reschedule_records_the_old_and_new_date(self, flow, office):
        """The audit row says from which date to which, and why."""
        d = plan(flow, office)
        d = flow.reschedule(d.id, scheduled_for=date(2021, 6, 24), actor=office,
                            reason="trùng lịch")
        row = flow.history(d)[-1]
        assert ("reschedule", "trùng lịch", {"from": "2021-06-17", "to": "2021-06-24"}) == (
            row.event, row.reason, dict(row.details))

    def test_hold_on_another_day_is_refused(self, flow, clock, office, storage_state):
        """A dialogue is held on the day it was announced for; otherwise reschedule."""
        d = plan(flow, office)
        flow.announce(d.id, actor=office)
        clock.set(date(2021, 6, 18))
        before = storage_state()
        with pytest.raises(InvalidInputError, match="reschedule") as info:
            flow.hold(d.id, actor=office)
        assert ("on", before) == (info.value.field, storage_state())

    def test_hold_in_the_future_is_refused(self, flow, office):
        """A dialogue cannot be recorded as held before its day comes."""
        d = plan(flow, office)
        flow.announce(d.id, actor=office)
        with pytest.raises(InvalidInputError, match="in the future") as info:
            flow.hold(d.id, actor=office, on=DIALOGUE_DAY)
        assert "on" == info.value.field

    def test_hold_records_attendance(self, flow, clock, office):
        """The actual attendance is kept."""
        d = plan(flow, office)
        flow.announce(d.id, actor=office)
        clock.set(DIALOGUE_DAY)
        assert 94 == flow.hold(d.id, actor=office, actual_attendance=94).actual_attendance

    def test_cancel_keeps_the_reason(self, flow, office):
        """A cancelled dialogue says why."""
        d = flow.cancel(plan(flow, office).id, actor=office, reason="bão số 5")
        assert (DialogueState.CANCELLED, "bão số 5") == (d.state, d.cancel_reason)

    def test_receive_into_a_cancelled_dialogue_is_refused(self, flow, office, intake):
        """Submissions are received before or at the meeting, not after it was called off."""
        d = flow.cancel(plan(flow, office).id, actor=office, reason="bão")
        with pytest.raises(InvalidInputError, match="cancelled") as info:
            receive(flow, intake, d.id)
        assert "dialogue_id" == info.value.field

    def test_conclude_refuses_while_a_submission_is_only_received(self, flow, clock, office,
                                                                  chair, intake,
                                                                  storage_state):
        """The chair must decide every submission first; the refusal lists the undecided."""
        d = held_dialogue(flow, clock, office)
        decided = receive(flow, intake, d.id)
        flow.assign(decided.id, department=LAND, actor=chair)
        undecided = receive(flow, intake, d.id)
        before = storage_state()
        with pytest.raises(InvalidInputError, match=undecided.id) as info:
            flow.conclude(d.id, actor=chair)
        assert ("dialogue", False, before) == (
            info.value.field, decided.id in str(info.value), storage_state())

    def test_conclusion_leaves_out_settled_matters(self, flow, clock, office, chair, intake):
        """Answered and closed submissions are not in the notice; assigned and escalated are,
        with the department or the competent level responsible."""
        d = held_dialogue(flow, clock, office)
        answered, closed, assigned, escalated = (receive(flow, intake, d.id) for _ in range(4))
        flow.answer(answered.id, text="Đã trả lời tại hội nghị.", actor=chair)
        flow.close(closed.id, outcome="settled_at_meeting", actor=intake)
        flow.assign(assigned.id, department=LAND, actor=chair)
        flow.escalate(escalated.id, competent_level=DISTRICT, actor=chair)
        d = flow.conclude(d.id, actor=chair)
        assert [(assigned.id, SubmissionState.ASSIGNED, LAND),
                (escalated.id, SubmissionState.ESCALATED, DISTRICT)] == [
            (i.submission_id, i.state, i.responsible) for i in d.conclusion.items]

    def test_conclusion_gives_escalated_matters_their_due_date(self, flow, clock, office,
                                                               chair, intake):
        """An escalated matter gets the same 30-working-day date: 17 June + 30 working
        days (conclusion issued the day of the dialogue) = Thu 29 July 2021."""
        d = held_dialogue(flow, clock, office)
        s = flow.escalate(receive(flow, intake, d.id).id, competent_level=DISTRICT,
                          actor=chair)
        flow.conclude(d.id, actor=chair)
        assert date(2021, 7, 29) == flow.submission(s.id).due.date

    def test_conclusion_schedules_with_its_own_audit_row(self, flow, clock, office, chair,
                                                         intake):
        """The due date set by the notice is an audit row of the submission ("schedule")."""
        d = held_dialogue(flow, clock, office)
        s = flow.assign(receive(flow, intake, d.id).id, department=LAND, actor=chair)
        flow.conclude(d.id, actor=chair)
        row = flow.history(s)[-1]
        assert (3, "schedule", "assigned", "assigned", {"due": "2021-07-29"}) == (
            row.version, row.event, row.source, row.dest, dict(row.details))

    def test_conclusion_notifies_the_departments(self, flow, clock, office, chair, intake):
        """The notice goes to the departments, and each scheduled matter to its department."""
        d = held_dialogue(flow, clock, office)
        s = flow.assign(receive(flow, intake, d.id).id, department=LAND, actor=chair)
        flow.conclude(d.id, actor=chair)
        notes = {n.key: (n.audience, n.responsible) for n in flow.storage.pending_notifications()}
        assert {f"dialogue:{d.id}:conclusion": ("departments", None),
                f"submission:{s.id}:v3:assigned": ("department", LAND)} == {
            k: v for k, v in notes.items() if k.startswith("dialogue") or ":v3:" in k}

    def test_conclude_with_every_submission_closed_completes_at_once(self, flow, clock, office,
                                                                     chair, intake):
        """Nothing left to resolve: concluded and completed in one command, two audit rows."""
        d = held_dialogue(flow, clock, office)
        flow.close(receive(flow, intake, d.id).id, outcome="settled_at_meeting", actor=intake)
        d = flow.conclude(d.id, actor=chair)
        assert (DialogueState.COMPLETED, 5, [(4, "conclude", "held", "concluded"),
                                             (5, "complete", "concluded", "completed")]) == (
            d.state, d.version, trail(flow, d)[3:])

    def test_conclude_without_submissions_completes(self, flow, clock, office, chair):
        """A dialogue where nobody raised anything completes with its notice."""
        d = flow.conclude(held_dialogue(flow, clock, office).id, actor=chair)
        assert (DialogueState.COMPLETED, ()) == (d.state, d.conclusion.items)

    def test_dialogue_completes_when_the_last_submission_closes(self, flow, clock, office,
                                                                chair, department, intake):
        """After the notice, closing the last open submission completes the dialogue in the
        same commit; closing an earlier one does not."""
        d = held_dialogue(flow, clock, office)
        first, last = receive(flow, intake, d.id), receive(flow, intake, d.id)
        for s in (first, last):
            flow.assign(s.id, department=LAND, actor=chair)
        flow.conclude(d.id, actor=chair)
        flow.close(first.id, outcome="withdrawn", actor=intake)
        after_first = flow.dialogue(d.id).state
        flow.answer(last.id, text="Đã cấp giấy chứng nhận.", actor=department)
        flow.close(last.id, outcome="accepted", actor=intake)
        done = flow.dialogue(d.id)
        last = flow.history(done)[-1]
        assert (DialogueState.CONCLUDED, DialogueState.COMPLETED,
                (5, "complete", "concluded", "completed", "tn")) == (
            after_first, done.state,
            (last.version, last.event, last.source, last.dest, last.actor_id))

    def test_closing_before_the_notice_does_not_complete(self, flow, clock, office, intake):
        """A held dialogue whose only submission closes stays held until its notice."""
        d = held_dialogue(flow, clock, office)
        flow.close(receive(flow, intake, d.id).id, outcome="withdrawn", actor=intake)
        assert DialogueState.HELD == flow.dialogue(d.id).state

    def test_notice_before_the_dialogue_is_refused(self, flow, clock, office, chair):
        """The notice cannot predate the meeting."""
        d = held_dialogue(flow, clock, office)
        with pytest.raises(InvalidInputError, match="before the dialogue") as info:
            flow.conclude(d.id, actor=chair, on=date(2021, 6, 16))
        assert "on" == info.value.field

    def test_announce_a_held_dialogue_is_a_transition_error(self, flow, clock, office):
        """Whatever the date, announcing a dialogue that was held names the allowed events
        (not "reschedule", which is not allowed either)."""
        d = held_dialogue(flow, clock, office)
        with pytest.raises(InvalidTransitionError) as info:
            flow.announce(d.id, actor=office)
        assert ("held", ("conclude",)) == (info.value.state, info.value.allowed)

    def test_hold_a_concluded_dialogue_is_a_transition_error(self, flow, clock, office, chair,
                                                             intake):
        """Holding again on a later day is refused as a transition, not as a date mistake."""
        d = held_dialogue(flow, clock, office)
        flow.assign(receive(flow, intake, d.id).id, department=LAND, actor=chair)
        flow.conclude(d.id, actor=chair)
        clock.set(date(2021, 6, 20))
        with pytest.raises(InvalidTransitionError) as info:
            flow.hold(d.id, actor=office)
        assert ("concluded", ("complete",)) == (info.value.state, info.value.allowed)


class TestSubmissionCommands:
    """Receiving, preparing, answering, assigning, escalating, extending, closing."""

    def test_receive_records_and_notifies_the_petitioner(self, flow, intake):
        """A new submission is received (version 1) and the petitioner is told its
        tracking code (issue 16: not the internal id)."""
        s = receive(flow, intake)
        [note] = flow.storage.pending_notifications()
        assert ((SubmissionState.RECEIVED, 1, None), "submission:sub-0001:v1:received",
                "petitioner", True, False) == (
            (s.state, s.version, s.dialogue_id), note.key, note.audience,
            f"mã tra cứu {s.tracking_code}" in note.body, s.id in note.body + note.subject)

    def test_notifications_leave_out_personal_data(self, flow, intake):
        """The petitioner's name is not in any message (they can be logged)."""
        receive(flow, intake)
        [note] = flow.storage.pending_notifications()
        assert "Nguyễn Văn A" not in note.subject + note.body + repr(note)

    def test_prepare_routes_an_opinion_collected_beforehand(self, flow, office, intake):
        """Before the meeting the office routes an opinion to a department; the state stays
        received and no answer clock starts (it runs on the conclusion notice's deadline,
        counted from the planned day)."""
        d = plan(flow, office)
        s = flow.prepare(receive(flow, intake, d.id).id, department=LAND, actor=office)
        assert (SubmissionState.RECEIVED, 2, LAND, "conclusion-notice") == (
            s.state, s.version, s.preparing_department, s.due.rule_id)

    def test_prepare_after_the_meeting_is_refused(self, flow, clock, office, intake):
        """Once the dialogue was held, a received opinion is assigned, not prepared."""
        d = held_dialogue(flow, clock, office)
        with pytest.raises(InvalidInputError, match="assign it instead") as info:
            flow.prepare(receive(flow, intake, d.id).id, department=LAND, actor=office)
        assert "submission" == info.value.field

    def test_prepare_an_assigned_submission_is_a_transition_error(self, flow, clock, office,
                                                                  chair, intake):
        """Preparing what is already assigned names the allowed events, whatever the
        dialogue's state."""
        d = held_dialogue(flow, clock, office)
        s = flow.assign(receive(flow, intake, d.id).id, department=LAND, actor=chair)
        with pytest.raises(InvalidTransitionError) as info:
            flow.prepare(s.id, department=LAND, actor=office)
        assert "assigned" == info.value.state

    def test_answer_during_the_meeting_defaults_to_on_the_spot(self, flow, clock, office,
                                                               chair, intake):
        """While the dialogue is held, an answer is on the spot unless said otherwise."""
        d = held_dialogue(flow, clock, office)
        s = flow.answer(receive(flow, intake, d.id).id, text="Xã sẽ kiểm tra.", actor=chair)
        assert (SubmissionState.ANSWERED, AnswerMode.ON_THE_SPOT, DIALOGUE_DAY) == (
            s.state, s.answer_mode, s.answered_on)

    def test_answer_outside_a_meeting_defaults_to_in_writing(self, flow, chair, intake):
        """Outside a dialogue an answer is in writing."""
        s = flow.answer(receive(flow, intake).id, text="Trả lời bằng văn bản.", actor=chair)
        assert AnswerMode.IN_WRITING == s.answer_mode

    def test_answer_by_the_department_records_the_department(self, flow, chair, department,
                                                             intake):
        """The department that answered is recorded."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        assert LAND == flow.answer(s.id, text="Đã giải quyết.", actor=department).department

    def test_answer_notifies_the_petitioner_with_the_answer(self, flow, chair, intake):
        """The petitioner receives the answer text."""
        s = flow.answer(receive(flow, intake).id, text="Đã sửa đường.", actor=chair)
        note = flow.storage.pending_notifications()[-1]
        assert (f"submission:{s.id}:v2:answered", "petitioner", True) == (
            note.key, note.audience, "Đã sửa đường." in note.body)

    def test_assign_outside_a_dialogue_counts_from_today(self, flow, chair, intake):
        """No conclusion notice will come: 30 working days from Tue 1 June 2021 =
        Tue 13 July 2021 (June 2-4, 7-11, 14-18, 21-25, 28-July 2, 5-9 = 28; 12, 13)."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        assert (date(2021, 7, 13), date(2021, 6, 1)) == (s.due.date, s.assigned_on)

    def test_reassign_keeps_the_running_clock(self, flow, clock, chair, intake):
        """Re-assigning to another department does not restart the legal clock."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        clock.set(date(2021, 6, 15))
        s = flow.assign(s.id, department=FOREST, actor=chair)
        assert (FOREST, date(2021, 7, 13)) == (s.department, s.due.date)

    def test_handed_back_from_the_competent_level_counts_again(self, flow, clock, chair,
                                                               intake):
        """Assigned again after escalation: a new period from that day. 30 working days
        from Tue 15 June 2021 = Tue 27 July 2021."""
        s = flow.escalate(receive(flow, intake).id, competent_level=DISTRICT, actor=chair)
        clock.set(date(2021, 6, 15))
        s = flow.assign(s.id, department=LAND, actor=chair)
        assert (date(2021, 7, 27), None, LAND) == (s.due.date, s.competent_level, s.responsible)

    def test_escalate_names_the_competent_level_to_the_petitioner(self, flow, chair, intake):
        """The petitioner is told which agency handles it."""
        s = flow.escalate(receive(flow, intake).id, competent_level=DISTRICT, actor=chair)
        note = flow.storage.pending_notifications()[-1]
        assert (DISTRICT, "petitioner", "escalated", True) == (
            s.responsible, note.audience, note.event, DISTRICT in note.body)

    def test_extend_sets_a_later_working_day_and_counts(self, flow, chair, intake):
        """Extending to Fri 20 August 2021 sets the date and counts one extension."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        s = flow.extend(s.id, until=date(2021, 8, 20), reason="Cần đo đạc lại", actor=chair)
        assert (date(2021, 8, 20), 1, "extension", SubmissionState.ASSIGNED) == (
            s.due.date, s.extensions, s.due.rule_id, s.state)

    def test_extend_notifies_the_petitioner_with_date_and_agency(self, flow, chair, intake):
        """The 'extended' notice to the petitioner states the new date and the responsible
        agency (seed II.2.7)."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        flow.extend(s.id, until=date(2021, 8, 20), reason="Cần đo đạc lại", actor=chair)
        note = flow.storage.pending_notifications()[-1]
        assert ("extended", "petitioner", LAND, True, True, True) == (
            note.event, note.audience, note.responsible, "2021-08-20" in note.body,
            LAND in note.body, "Cần đo đạc lại" in note.body)

    def test_extend_twice_counts_twice(self, flow, chair, intake):
        """Each extension is counted."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        flow.extend(s.id, until=date(2021, 8, 20), reason="lần 1", actor=chair)
        s = flow.extend(s.id, until=date(2021, 9, 10), reason="lần 2", actor=chair)
        assert (2, date(2021, 9, 10)) == (s.extensions, s.due.date)

    @pytest.mark.parametrize(("until", "why"), [
        (date(2021, 7, 13), "must be after 2021-07-13"),
        (date(2021, 7, 1), "must be after 2021-07-13"),
        (date(2021, 8, 21), "not a working day; the next one is 2021-08-23"),
        (date(2021, 9, 2), "not a working day; the next one is 2021-09-06"),
    ], ids=["same-day", "earlier", "saturday", "national-day"])
    def test_extend_needs_a_later_working_day(self, flow, chair, intake, storage_state, until,
                                              why):
        """The new date must be after the current due date (13 July) and a working day
        (Sat 21 Aug -> Mon 23 Aug; National Day 2-3 Sept 2021 + weekend -> Mon 6 Sept)."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        before = storage_state()
        with pytest.raises(InvalidInputError, match=why) as info:
            flow.extend(s.id, until=until, reason="phức tạp", actor=chair)
        assert ("until", before) == (info.value.field, storage_state())

    def test_close_duplicate_needs_duplicate_of(self, flow, intake, storage_state):
        """A duplicate must name the submission it duplicates."""
        s = receive(flow, intake)
        before = storage_state()
        with pytest.raises(InvalidInputError, match="name the submission") as info:
            flow.close(s.id, outcome="duplicate", actor=intake)
        assert ("duplicate_of", before) == (info.value.field, storage_state())

    def test_close_duplicate_records_the_original(self, flow, intake):
        """A duplicate is closed pointing at the original."""
        original, copy = receive(flow, intake), receive(flow, intake)
        s = flow.close(copy.id, outcome="duplicate", duplicate_of=original.id, actor=intake)
        assert (SubmissionState.CLOSED, "duplicate", original.id) == (
            s.state, s.close_reason, s.duplicate_of)

    def test_close_duplicate_of_itself_is_refused(self, flow, intake):
        """A submission cannot duplicate itself."""
        s = receive(flow, intake)
        with pytest.raises(InvalidInputError, match="itself") as info:
            flow.close(s.id, outcome="duplicate", duplicate_of=s.id, actor=intake)
        assert "duplicate_of" == info.value.field

    def test_duplicate_of_only_with_reason_duplicate(self, flow, intake):
        """duplicate_of with another reason is refused."""
        a, b = receive(flow, intake), receive(flow, intake)
        with pytest.raises(InvalidInputError, match="only for outcome=duplicate") as info:
            flow.close(b.id, outcome="withdrawn", duplicate_of=a.id, actor=intake)
        assert "duplicate_of" == info.value.field

    def test_close_accepted_needs_an_answer(self, flow, intake):
        """Closing as accepted straight from received is refused by the state (what a close
        racing a reopen sees: InvalidTransitionError, not the user's bad input)."""
        with pytest.raises(InvalidTransitionError, match="allowed outcomes from received") as info:
            flow.close(receive(flow, intake).id, outcome="accepted", actor=intake)
        assert "received" == info.value.state

    def test_reopen_clears_the_outcome(self, flow, chair, intake):
        """Reopening a closed submission: received again, a fresh processing clock,
        counted."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        flow.close(s.id, outcome="withdrawn", actor=intake)
        s = flow.reopen(s.id, reason="Người dân không đồng ý", actor=intake)
        assert (SubmissionState.RECEIVED, "processing", None, 1) == (
            s.state, s.due.rule_id, s.close_reason, s.reopened)


SUBMISSION_TABLE: dict[str, dict[str, str]] = {
    "received": {"prepare": "received", "accept": "received", "answer": "answered",
                 "assign": "assigned", "escalate": "escalated", "close": "closed",
                 "detach": "received", "mark_confidential": "received"},
    "answered": {"close": "closed", "reopen": "received", "detach": "answered",
                 "mark_confidential": "answered"},
    "assigned": {"answer": "answered", "assign": "assigned", "escalate": "escalated",
                 "extend": "assigned", "close": "closed", "detach": "assigned",
                 "mark_confidential": "assigned"},
    "escalated": {"answer": "answered", "assign": "assigned", "extend": "escalated",
                  "close": "closed", "detach": "escalated", "return": "received",
                  "mark_confidential": "escalated"},
    # A confidential mark stays, whatever the state (issue 17).
    "closed": {"reopen": "received", "mark_confidential": "closed"},
}
CLOSE_REASON_FOR = {"received": "withdrawn", "answered": "accepted", "assigned": "withdrawn",
                    "escalated": "withdrawn", "closed": "withdrawn"}


def drive(flow: DialogueFlow, state: str, a: SimpleNamespace) -> Submission:
    """A submission (outside any dialogue) brought into ``state`` through commands."""
    s = receive(flow, a.intake)
    if state == "answered":
        s = flow.answer(s.id, text="Đã trả lời.", actor=a.chair)
    elif state == "assigned":
        s = flow.assign(s.id, department=LAND, actor=a.chair)
    elif state == "escalated":
        s = flow.escalate(s.id, competent_level=DISTRICT, actor=a.chair)
    elif state == "closed":
        s = flow.close(s.id, outcome="withdrawn", actor=a.intake)
    assert state == s.state
    return s


COMMANDS: dict[str, Callable[[DialogueFlow, Submission, SimpleNamespace], Submission]] = {
    "prepare": lambda f, s, a: f.prepare(s.id, department=LAND, actor=a.office),
    "accept": lambda f, s, a: f.accept(s.id, actor=a.chair),
    "answer": lambda f, s, a: f.answer(s.id, text="Trả lời.", actor=a.chair),
    "assign": lambda f, s, a: f.assign(s.id, department=FOREST, actor=a.chair),
    "escalate": lambda f, s, a: f.escalate(s.id, competent_level=DISTRICT, actor=a.chair),
    "extend": lambda f, s, a: f.extend(s.id, until=date(2021, 9, 15), reason="phức tạp",
                                       actor=a.chair),
    "close": lambda f, s, a: f.close(s.id, outcome=CLOSE_REASON_FOR[s.state], actor=a.intake),
    "reopen": lambda f, s, a: f.reopen(s.id, reason="chưa thỏa đáng", actor=a.intake),
    "mark_confidential": lambda f, s, a: f.mark_confidential(s.id, actor=a.intake),
}


@pytest.fixture
def actors(office, chair, intake, department) -> SimpleNamespace:
    return SimpleNamespace(office=office, chair=chair, intake=intake, department=department)


class TestEverySubmissionCommandFromEveryState:
    """Through the façade: each state reached by commands, then each command tried."""

    @pytest.mark.parametrize(("state", "command"),
                             list(itertools.product(SUBMISSION_TABLE, COMMANDS)))
    def test_command(self, flow, actors, storage_state, state, command):
        """An allowed command moves to the domain's state with one more version and audit
        row; any other raises InvalidTransitionError with the allowed events and writes
        nothing."""
        s = drive(flow, state, actors)
        if command in SUBMISSION_TABLE[state]:
            new = COMMANDS[command](flow, s, actors)
            row = flow.history(new)[-1]
            assert (SUBMISSION_TABLE[state][command], s.version + 1, s.version + 1,
                    (command, state, SUBMISSION_TABLE[state][command])) == (
                new.state, new.version, len(flow.history(new)),
                (row.event, row.source, row.dest))
            return
        before = storage_state()
        with pytest.raises(InvalidTransitionError) as info:
            COMMANDS[command](flow, s, actors)
        assert (tuple(sorted(SUBMISSION_TABLE[state])), state, before) == (
            info.value.allowed, info.value.state, storage_state())


class TestHistory:
    """The audit trail: who did what, when, from which state to which, and why."""

    def test_submission_trail(self, flow, clock, office, chair, department, intake):
        """Every change of the issue's example is a row with actor, instant and reason."""
        d = held_dialogue(flow, clock, office)
        at_meeting = clock.now()
        s = receive(flow, intake, d.id)
        flow.assign(s.id, department=LAND, actor=chair)
        clock.set(NOTICE_DAY)
        at_notice = clock.now()
        flow.conclude(d.id, actor=chair)
        clock.set(date(2021, 7, 20))
        later = clock.now()
        flow.answer(s.id, text="Đã cấp giấy.", actor=department)
        flow.close(s.id, outcome="accepted", actor=intake, note="Người dân đồng ý")
        rows = [(r.version, r.actor_id, r.at, r.event, r.source, r.dest, r.reason)
                for r in flow.history(s)]
        assert [
            (1, "tn", at_meeting, "receive", None, "received", None),
            (2, "bt", at_meeting, "assign", "received", "assigned", None),
            (3, "bt", at_notice, "schedule", "assigned", "assigned", None),
            (4, "dc", later, "answer", "assigned", "answered", None),
            (5, "tn", later, "close", "answered", "closed", "Người dân đồng ý"),
        ] == rows

    def test_dialogue_trail(self, flow, clock, office, chair):
        """plan, announce, hold, conclude, complete: one row each, chained."""
        d = flow.conclude(held_dialogue(flow, clock, office).id, actor=chair)
        assert [(1, "plan", None, "planned"), (2, "announce", "planned", "announced"),
                (3, "hold", "announced", "held"), (4, "conclude", "held", "concluded"),
                (5, "complete", "concluded", "completed")] == trail(flow, d)

    def test_history_of_a_non_record_is_refused(self, flow):
        """`history` takes a record, not an id."""
        with pytest.raises(InvalidInputError) as info:
            flow.history("sub-0001")  # type: ignore[arg-type]
        assert "record" == info.value.field


class TestQueries:
    """Filters and paging over submissions and dialogues."""

    @pytest.fixture
    def book(self, flow, clock, office, chair, intake) -> dict[str, str]:
        """Two dialogues and seven submissions:

        - D1 (17 June, concluded 25 June): a LAND assigned, b FOREST assigned,
          c answered, d escalated -- a, b, d due Fri 6 August;
        - D2 (18 June, announced): e LAND assigned, still on the conclusion notice's
          deadline counted from the planned day (Mon 28 June; so is c, answered before);
        - outside: f LAND assigned on 1 June, due Tue 13 July; g received, on its
          processing clock (Tue 15 June).
        """
        d1, d2 = plan(flow, office), plan(flow, office, date(2021, 6, 18))
        flow.announce(d1.id, actor=office)
        flow.announce(d2.id, actor=office)
        ids = {}
        for name, dlg in zip("abcdefg", [d1, d1, d1, d1, d2, None, None], strict=True):
            ids[name] = receive(flow, intake, dlg.id if dlg else None).id
        flow.assign(ids["a"], department=LAND, actor=chair)
        flow.assign(ids["b"], department=FOREST, actor=chair)
        flow.answer(ids["c"], text="Đã trả lời.", actor=chair)
        flow.escalate(ids["d"], competent_level=DISTRICT, actor=chair)
        flow.assign(ids["e"], department=LAND, actor=chair)
        flow.assign(ids["f"], department=LAND, actor=chair)
        clock.set(DIALOGUE_DAY)
        flow.hold(d1.id, actor=office)
        clock.set(NOTICE_DAY)
        flow.conclude(d1.id, actor=chair)
        return {**ids, "D1": d1.id, "D2": d2.id}

    @staticmethod
    def names(book: dict[str, str], page) -> set[str]:
        by_id = {v: k for k, v in book.items()}
        return {by_id[s.id] for s in page}

    def test_by_dialogue(self, flow, book):
        """Only the submissions of D1."""
        assert set("abcd") == self.names(book, flow.submissions(dialogue_id=book["D1"]))

    def test_by_state(self, flow, book):
        """Only assigned ones."""
        assert set("abef") == self.names(book, flow.submissions(state="assigned"))

    def test_by_several_states(self, flow, book):
        """Several states at once, as enums or text."""
        assert set("abdef") == self.names(book, flow.submissions(
            state=[SubmissionState.ASSIGNED, "escalated"]))

    def test_by_department(self, flow, book):
        """Only those of the land office."""
        assert set("aef") == self.names(book, flow.submissions(department=LAND))

    def test_due_on_or_before(self, flow, book):
        """Due by the end of July: c and e (28 June), f (13 July), g (15 June)."""
        assert set("cefg") == self.names(book, flow.submissions(
            due_on_or_before=date(2021, 7, 31)))

    def test_due_on_or_after(self, flow, book):
        """Due from 1 August: a, b, d (6 August)."""
        assert set("abd") == self.names(book, flow.submissions(due_on_or_after=date(2021, 8, 1)))

    def test_due_window_bounds_are_inclusive(self, flow, book):
        """A window of exactly 6 August includes those due that day."""
        assert set("abd") == self.names(book, flow.submissions(
            due_on_or_after=date(2021, 8, 6), due_on_or_before=date(2021, 8, 6)))

    def test_overdue_as_of(self, flow, book):
        """On 14 July e, f (due 13 July) and g are overdue; on 13 July e and g (c is
        answered)."""
        assert (set("efg"), set("eg")) == (
            self.names(book, flow.submissions(overdue_as_of=date(2021, 7, 14))),
            self.names(book, flow.submissions(overdue_as_of=date(2021, 7, 13))))

    def test_answered_is_not_overdue(self, flow, book, chair):
        """Once answered, a matter is no longer overdue even past its date."""
        flow.answer(book["f"], text="Xong.", actor=chair)
        assert set("eg") == self.names(book, flow.submissions(overdue_as_of=date(2021, 7, 14)))

    def test_filters_combine(self, flow, book):
        """Every filter narrows: D1 and the land office is only a."""
        assert {"a"} == self.names(book, flow.submissions(dialogue_id=book["D1"],
                                                          department=LAND))

    @pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8])
    def test_paging_covers_everything_exactly_once(self, flow, book, limit):
        """Following next_after visits every submission once, in id order, and the last
        page says there is no more."""
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            page = flow.submissions(limit=limit, after=after)
            seen += [s.id for s in page]
            pages += 1
            if page.next_after is None:
                break
            after = page.next_after
        expected = sorted(book[k] for k in "abcdefg")
        assert (expected, -(-7 // limit)) == (seen, pages)

    def test_page_with_more_says_where_to_continue(self, flow, book):
        """A full page with more behind it gives its last id as next_after."""
        page = flow.submissions(limit=3)
        assert (3, page.items[-1].id) == (len(page), page.next_after)

    def test_last_page_has_no_next(self, flow, book):
        """A page that holds everything has next_after None."""
        assert None is flow.submissions(limit=100).next_after

    def test_iter_submissions_pages_through_all(self, flow, book):
        """iter_submissions yields every match."""
        assert set("abef") == {k for k, v in book.items()
                               if v in {s.id for s in flow.iter_submissions(state="assigned")}}

    def test_dialogues_by_state_and_date(self, flow, book):
        """Dialogues filter by state and scheduled window."""
        assert ([book["D2"]], [book["D1"]]) == (
            [d.id for d in flow.dialogues(state="announced")],
            [d.id for d in flow.dialogues(scheduled_to=date(2021, 6, 17))])

    def test_dialogue_paging(self, flow, book):
        """Dialogues page like submissions."""
        first = flow.dialogues(limit=1)
        second = flow.dialogues(limit=1, after=first.next_after)
        assert ([book["D1"]], [book["D2"]], None) == (
            [d.id for d in first], [d.id for d in second], second.next_after)

    def test_report_deadlines(self, flow):
        """The seed's reports of 2021: Mon 14 June and Thu 9 December."""
        assert [date(2021, 6, 14), date(2021, 12, 9)] == [
            d.date for d in flow.report_deadlines(2021)]


class TestComplaintsPolicy:
    """The second bundled policy: calendar days from the assignment day."""

    @pytest.mark.parametrize(("remote", "complex_", "due"), [
        (False, False, date(2021, 7, 1)),   # 1 June + 30 = Thu 1 July
        (False, True, date(2021, 7, 16)),   # 1 June + 45 = Fri 16 July
        (True, False, date(2021, 7, 16)),   # 1 June + 45 = Fri 16 July
        (True, True, date(2021, 8, 2)),     # 1 June + 60 = Sat 31 July -> Mon 2 August
    ], ids=["standard", "complex", "remote", "remote-complex"])
    def test_due_date(self, clock, calendar, chair, intake, remote, complex_, due):
        """30/45/45/60 calendar days from the day of assignment, rolled to a working day."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            ids=SequentialIds(), remote_area=remote,
                            policy=DeadlinePolicy.bundled("complaints-2011"))
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair,
                        complex=complex_)
        assert (due, date(2021, 6, 1)) == (s.due.date, s.due.anchor)

    def test_policy_by_id(self, clock, calendar, chair, intake):
        """A bundled policy can be chosen by its id."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            policy="complaints-2011")
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        assert "complaint-first" == s.due.rule_id

    def test_policy_without_announcement_rule_cannot_plan(self, clock, calendar, office):
        """Planning under a policy without an announcement rule is a configuration error."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            policy="complaints-2011")
        with pytest.raises(ConfigurationError, match="announcement"):
            plan(flow, office)


class TestAuthorisation:
    """The seed's default rules, and host authorizers that override them."""

    def test_intake_cannot_assign(self, flow, intake, storage_state):
        """Only the chair assigns; nothing is written on refusal."""
        s = receive(flow, intake)
        before = storage_state()
        with pytest.raises(PermissionDeniedError, match="may not assign submission sub-0001"):
            flow.assign(s.id, department=LAND, actor=intake)
        assert before == storage_state()

    def test_department_cannot_answer_for_another(self, flow, chair, other_department,
                                                  intake, storage_state):
        """The forest rangers cannot answer what was assigned to the land office."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        before = storage_state()
        with pytest.raises(PermissionDeniedError):
            flow.answer(s.id, text="Trả lời.", actor=other_department)
        assert before == storage_state()

    def test_department_answers_its_own(self, flow, chair, department, intake):
        """The land office answers what is assigned to it."""
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        assert SubmissionState.ANSWERED == flow.answer(s.id, text="Xong.",
                                                       actor=department).state

    def test_department_cannot_answer_what_is_not_assigned(self, flow, department, intake):
        """A received submission is the chair's to decide, not a department's."""
        with pytest.raises(PermissionDeniedError):
            flow.answer(receive(flow, intake).id, text="Trả lời.", actor=department)

    @pytest.mark.parametrize(("role", "action"), [
        ("department", "plan"), ("intake", "plan"), ("office", "conclude"),
        ("intake", "extend"), ("department", "receive"), ("intake", "escalate"),
    ])
    def test_default_rules_refuse(self, flow, clock, office, chair, intake, department,
                                  storage_state, role, action):
        """Each actor outside the seed's rule for an action is refused."""
        actor = {"department": department, "intake": intake, "office": office}[role]
        d = held_dialogue(flow, clock, office)
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
        calls = {
            "plan": lambda: plan(flow, actor, date(2021, 7, 1)),
            "conclude": lambda: flow.conclude(d.id, actor=actor),
            "extend": lambda: flow.extend(s.id, until=date(2021, 8, 20), reason="x",
                                          actor=actor),
            "receive": lambda: receive(flow, actor),
            "escalate": lambda: flow.escalate(s.id, competent_level=DISTRICT, actor=actor),
        }
        before = storage_state()
        with pytest.raises(PermissionDeniedError, match=f"may not {action}"):
            calls[action]()
        assert before == storage_state()

    def test_custom_authorizer_overrides(self, clock, calendar, intake):
        """A host authorizer that allows lets the intake desk assign."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            authorizers=[lambda actor, action, record: True])
        s = flow.assign(receive(flow, intake).id, department=LAND, actor=intake)
        assert SubmissionState.ASSIGNED == s.state

    def test_first_non_none_answer_wins(self, clock, calendar, chair, intake):
        """[no opinion, deny, allow]: the deny decides, even for the chair."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, authorizers=[
            lambda *_: None, lambda a, action, r: False if action == "assign" else None,
            lambda *_: True])
        with pytest.raises(PermissionDeniedError):
            flow.assign(receive(flow, intake).id, department=LAND, actor=chair)

    def test_no_opinion_falls_back_to_the_defaults(self, clock, calendar, intake):
        """Authorizers that all return None leave the seed's rules in force."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            authorizers=[lambda *_: None])
        with pytest.raises(PermissionDeniedError):
            flow.assign(receive(flow, intake).id, department=LAND, actor=intake)

    def test_authorizer_sees_actor_action_and_current_record(self, clock, calendar, chair,
                                                             intake):
        """The authorizer is asked with the actor, the action and the stored record."""
        seen: list[tuple[str, str, Any]] = []

        def spy(actor, action, record):
            seen.append((actor.id, action, None if record is None else record.version))

        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, authorizers=[spy])
        s = receive(flow, intake)
        flow.assign(s.id, department=LAND, actor=chair)
        assert [("tn", "receive", None), ("bt", "assign", 1)] == seen


@pytest.fixture
def world(flow, clock, office, chair, intake, department):
    """Records in the state each command needs, so that only the bad argument is wrong.

    On 1 June: ``later`` planned for 30 June; ``meeting`` and ``held`` planned for 10 June
    and announced; submissions outside any dialogue: ``received``, ``assigned`` (due
    13 July) and ``answered``. Then the clock moves to 10 June and ``held`` is held.
    """
    later = plan(flow, office, date(2021, 6, 30))
    meeting = flow.announce(plan(flow, office, date(2021, 6, 10)).id, actor=office)
    held = flow.announce(plan(flow, office, date(2021, 6, 10)).id, actor=office)
    received = receive(flow, intake)
    assigned = flow.assign(receive(flow, intake).id, department=LAND, actor=chair)
    answered = flow.answer(receive(flow, intake).id, text="Đã trả lời.", actor=chair)
    clock.set(date(2021, 6, 10))
    held = flow.hold(held.id, actor=office)
    return SimpleNamespace(later=later, meeting=meeting, held=held, received=received,
                           assigned=assigned, answered=answered, office=office, chair=chair,
                           intake=intake, department=department)


AWARE = datetime(2021, 6, 30, 8, 0, tzinfo=VIETNAM_TZ)
P = Petitioner(name="Trần Thị B")

BAD_INPUT: list[tuple[str, str, Callable[[DialogueFlow, SimpleNamespace], object]]] = [
    # plan_dialogue
    ("plan-date-as-text", "scheduled_for", lambda f, w: f.plan_dialogue(
        scheduled_for="2021-06-30", title="T", actor=w.office)),
    ("plan-datetime", "scheduled_for", lambda f, w: f.plan_dialogue(
        scheduled_for=AWARE, title="T", actor=w.office)),
    ("plan-in-the-past", "scheduled_for", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 9), title="T", actor=w.office)),
    ("plan-blank-title", "title", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="  ", actor=w.office)),
    ("plan-title-none", "title", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title=None, actor=w.office)),
    ("plan-attendance-bool", "expected_attendance", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, expected_attendance=True)),
    ("plan-attendance-zero", "expected_attendance", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, expected_attendance=0)),
    ("plan-attendance-float", "expected_attendance", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, expected_attendance=90.0)),
    ("plan-topics-string", "topics", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, topics="đất đai")),
    ("plan-topics-blank", "topics", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, topics=["đất đai", " "])),
    ("plan-departments-string", "invited_departments", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office,
        invited_departments=LAND)),
    ("plan-venue-number", "venue", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, venue=12)),
    ("plan-chair-blank", "chair", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, chair=" ")),
    ("plan-secretary-list", "secretary", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=w.office, secretary=["x"])),
    ("plan-actor-string", "actor", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor="vp")),
    ("plan-actor-none", "actor", lambda f, w: f.plan_dialogue(
        scheduled_for=date(2021, 6, 30), title="T", actor=None)),
    # announce / reschedule / cancel / hold / conclude
    ("announce-id-number", "dialogue", lambda f, w: f.announce(17, actor=w.office)),
    ("announce-on-text", "on", lambda f, w: f.announce(w.later.id, actor=w.office,
                                                       on="2021-06-10")),
    ("announce-on-datetime", "on", lambda f, w: f.announce(w.later.id, actor=w.office,
                                                           on=AWARE)),
    ("announce-on-future", "on", lambda f, w: f.announce(w.later.id, actor=w.office,
                                                         on=date(2021, 6, 11))),
    ("announce-actor-dict", "actor", lambda f, w: f.announce(w.later.id, actor={"id": "vp"})),
    ("announce-a-submission", "dialogue", lambda f, w: f.announce(w.received,
                                                                  actor=w.office)),
    ("reschedule-date-text", "scheduled_for", lambda f, w: f.reschedule(
        w.later.id, scheduled_for="2021-07-01", actor=w.office, reason="mưa")),
    ("reschedule-past", "scheduled_for", lambda f, w: f.reschedule(
        w.later.id, scheduled_for=date(2021, 6, 1), actor=w.office, reason="mưa")),
    ("reschedule-blank-reason", "reason", lambda f, w: f.reschedule(
        w.later.id, scheduled_for=date(2021, 7, 1), actor=w.office, reason="")),
    ("cancel-blank-reason", "reason", lambda f, w: f.cancel(w.later.id, actor=w.office,
                                                            reason="   ")),
    ("cancel-reason-none", "reason", lambda f, w: f.cancel(w.later.id, actor=w.office,
                                                           reason=None)),
    ("hold-date-text", "on", lambda f, w: f.hold(w.meeting.id, actor=w.office,
                                                 on="2021-06-10")),
    ("hold-attendance-bool", "actual_attendance", lambda f, w: f.hold(
        w.meeting.id, actor=w.office, actual_attendance=True)),
    ("hold-attendance-negative", "actual_attendance", lambda f, w: f.hold(
        w.meeting.id, actor=w.office, actual_attendance=-5)),
    ("conclude-datetime", "on", lambda f, w: f.conclude(w.held.id, actor=w.chair,
                                                        on=AWARE)),
    ("conclude-actor-string", "actor", lambda f, w: f.conclude(w.held.id, actor="bt")),
    # receive
    ("receive-petitioner-string", "petitioner", lambda f, w: f.receive(
        petitioner="Trần Thị B", topic="đất", content="c", actor=w.intake)),
    ("receive-petitioner-dict", "petitioner", lambda f, w: f.receive(
        petitioner={"name": "B"}, topic="đất", content="c", actor=w.intake)),
    ("receive-blank-topic", "topic", lambda f, w: f.receive(
        petitioner=P, topic="", content="c", actor=w.intake)),
    ("receive-topic-list", "topic", lambda f, w: f.receive(
        petitioner=P, topic=["đất"], content="c", actor=w.intake)),
    ("receive-content-none", "content", lambda f, w: f.receive(
        petitioner=P, topic="đất", content=None, actor=w.intake)),
    ("receive-unknown-channel", "channel", lambda f, w: f.receive(
        petitioner=P, topic="đất", content="c", actor=w.intake, channel="fax")),
    ("receive-unknown-kind", "kind", lambda f, w: f.receive(
        petitioner=P, topic="đất", content="c", actor=w.intake, kind="complaint")),
    ("receive-dialogue-number", "dialogue_id", lambda f, w: f.receive(
        dialogue=5, petitioner=P, topic="đất", content="c", actor=w.intake)),
    ("receive-actor-none", "actor", lambda f, w: f.receive(
        petitioner=P, topic="đất", content="c", actor=None)),
    # submission commands
    ("prepare-blank-department", "department", lambda f, w: f.prepare(
        w.received.id, department=" ", actor=w.office)),
    ("prepare-department-list", "department", lambda f, w: f.prepare(
        w.received.id, department=[LAND], actor=w.office)),
    ("answer-blank-text", "text", lambda f, w: f.answer(w.received.id, text="",
                                                        actor=w.chair)),
    ("answer-unknown-mode", "mode", lambda f, w: f.answer(w.received.id, text="x",
                                                          actor=w.chair, mode="shouting")),
    ("answer-id-number", "submission", lambda f, w: f.answer(3, text="x", actor=w.chair)),
    ("answer-actor-string", "actor", lambda f, w: f.answer(w.received.id, text="x",
                                                           actor="bt")),
    ("assign-blank-department", "department", lambda f, w: f.assign(
        w.received.id, department="\t", actor=w.chair)),
    ("assign-complex-text", "complex", lambda f, w: f.assign(
        w.received.id, department=LAND, actor=w.chair, complex="yes")),
    ("assign-complex-int", "complex", lambda f, w: f.assign(
        w.received.id, department=LAND, actor=w.chair, complex=1)),
    ("assign-actor-petitioner", "actor", lambda f, w: f.assign(
        w.received.id, department=LAND, actor=P)),
    ("escalate-blank-level", "competent_level", lambda f, w: f.escalate(
        w.received.id, competent_level="", actor=w.chair)),
    ("escalate-complex-none", "complex", lambda f, w: f.escalate(
        w.received.id, competent_level=DISTRICT, actor=w.chair, complex=None)),
    ("extend-date-text", "until", lambda f, w: f.extend(
        w.assigned.id, until="2021-08-20", reason="x", actor=w.chair)),
    ("extend-datetime", "until", lambda f, w: f.extend(
        w.assigned.id, until=AWARE, reason="x", actor=w.chair)),
    ("extend-blank-reason", "reason", lambda f, w: f.extend(
        w.assigned.id, until=date(2021, 8, 20), reason=" ", actor=w.chair)),
    ("close-unknown-reason", "outcome", lambda f, w: f.close(
        w.received.id, outcome="resolved", actor=w.intake)),
    ("close-reason-none", "outcome", lambda f, w: f.close(
        w.received.id, outcome=None, actor=w.intake)),
    ("close-duplicate-of-number", "duplicate_of", lambda f, w: f.close(
        w.received.id, outcome="duplicate", duplicate_of=7, actor=w.intake)),
    ("close-note-number", "note", lambda f, w: f.close(
        w.received.id, outcome="withdrawn", actor=w.intake, note=7)),
    ("close-note-blank", "note", lambda f, w: f.close(
        w.received.id, outcome="withdrawn", actor=w.intake, note="  ")),
    ("reopen-blank-reason", "reason", lambda f, w: f.reopen(
        w.answered.id, reason="", actor=w.intake)),
    # queries
    ("query-limit-zero", "limit", lambda f, w: f.submissions(limit=0)),
    ("query-limit-bool", "limit", lambda f, w: f.submissions(limit=True)),
    ("query-limit-huge", "limit", lambda f, w: f.submissions(limit=10_001)),
    ("query-unknown-state", "state", lambda f, w: f.submissions(state="pending")),
    ("query-due-text", "due_on_or_before", lambda f, w: f.submissions(
        due_on_or_before="2021-07-01")),
    ("query-overdue-datetime", "overdue_as_of", lambda f, w: f.submissions(
        overdue_as_of=AWARE)),
    ("query-after-number", "after", lambda f, w: f.submissions(after=5)),
    ("query-dialogue-number", "dialogue_id", lambda f, w: f.submissions(dialogue_id=5)),
    ("query-department-list", "department", lambda f, w: f.submissions(department=[LAND])),
    ("dialogues-unknown-state", "state", lambda f, w: f.dialogues(state="archived")),
    ("dialogues-after-number", "after", lambda f, w: f.dialogues(after=1)),
    ("get-submission-number", "submission_id", lambda f, w: f.submission(1)),
    ("get-dialogue-blank", "dialogue_id", lambda f, w: f.dialogue("")),
    ("report-year-text", "year", lambda f, w: f.report_deadlines("2021")),
]

UNKNOWN_IDS: list[tuple[str, Callable[[DialogueFlow, SimpleNamespace], object]]] = [
    ("announce", lambda f, w: f.announce("dlg-9999", actor=w.office)),
    ("reschedule", lambda f, w: f.reschedule("dlg-9999", scheduled_for=date(2021, 7, 1),
                                             actor=w.office, reason="mưa")),
    ("cancel", lambda f, w: f.cancel("dlg-9999", actor=w.office, reason="bão")),
    ("hold", lambda f, w: f.hold("dlg-9999", actor=w.office)),
    ("conclude", lambda f, w: f.conclude("dlg-9999", actor=w.chair)),
    ("receive", lambda f, w: f.receive(dialogue="dlg-9999", petitioner=P, topic="đất", content="c",
                                       actor=w.intake)),
    ("prepare", lambda f, w: f.prepare("sub-9999", department=LAND, actor=w.office)),
    ("answer", lambda f, w: f.answer("sub-9999", text="x", actor=w.chair)),
    ("assign", lambda f, w: f.assign("sub-9999", department=LAND, actor=w.chair)),
    ("escalate", lambda f, w: f.escalate("sub-9999", competent_level=DISTRICT,
                                         actor=w.chair)),
    ("extend", lambda f, w: f.extend("sub-9999", until=date(2021, 8, 20), reason="x",
                                     actor=w.chair)),
    ("close", lambda f, w: f.close("sub-9999", outcome="withdrawn", actor=w.intake)),
    ("close-duplicate-of", lambda f, w: f.close(w.received.id, outcome="duplicate",
                                                duplicate_of="sub-9999", actor=w.intake)),
    ("reopen", lambda f, w: f.reopen("sub-9999", reason="x", actor=w.intake)),
    ("get-submission", lambda f, w: f.submission("sub-9999")),
    ("get-dialogue", lambda f, w: f.dialogue("dlg-9999")),
]


class TestBadInput:
    """Every command rejects bad arguments before anything is written."""

    def test_world_is_valid(self, flow, world):
        """Control: with good arguments the same targets accept the commands."""
        w = world
        results = [
            flow.hold(w.meeting.id, actor=w.office).state,
            flow.conclude(w.held.id, actor=w.chair).state,
            flow.extend(w.assigned.id, until=date(2021, 8, 20), reason="x",
                        actor=w.chair).state,
            flow.reopen(w.answered.id, reason="x", actor=w.intake).state,
            flow.announce(w.later.id, actor=w.office).state,
            flow.prepare(w.received.id, department=LAND, actor=w.office).state,
        ]
        assert ["held", "completed", "assigned", "received", "announced", "received"] == results

    @pytest.mark.parametrize(("field", "call"), [(c[1], c[2]) for c in BAD_INPUT],
                             ids=[c[0] for c in BAD_INPUT])
    def test_bad_argument(self, flow, world, storage_state, field, call):
        """The call raises InvalidInputError naming the argument, and writes nothing."""
        before = storage_state()
        with pytest.raises(InvalidInputError) as info:
            call(flow, world)
        assert (field, before) == (info.value.field, storage_state())

    @pytest.mark.parametrize("call", [c[1] for c in UNKNOWN_IDS], ids=[c[0] for c in UNKNOWN_IDS])
    def test_unknown_id(self, flow, world, storage_state, call):
        """An id that does not exist raises NotFoundError naming it, and writes nothing."""
        before = storage_state()
        with pytest.raises(NotFoundError, match="9999"):
            call(flow, world)
        assert before == storage_state()

    def test_unknown_language(self, calendar):
        """A flow speaks Vietnamese or English."""
        with pytest.raises(InvalidInputError) as info:
            DialogueFlow(MemoryStorage(), calendar=calendar, language="fr")
        assert "language" == info.value.field

    def test_unknown_storage_url(self):
        """An unknown storage scheme is a configuration error naming the supported ones."""
        with pytest.raises(ConfigurationError, match="memory://"):
            DialogueFlow.open("redis://localhost")


class TestOptimisticLocking:
    """A record passed instead of an id must still be the stored version."""

    def test_stale_copy_is_refused(self, flow, chair, intake, storage_state):
        """Assigning from a copy read before somebody else answered raises
        VersionConflictError with both versions, and writes nothing."""
        stale = receive(flow, intake)
        flow.answer(stale.id, text="Đã trả lời.", actor=chair)
        before = storage_state()
        with pytest.raises(VersionConflictError) as info:
            flow.assign(stale, department=LAND, actor=chair)
        assert ((1, 2), before) == ((info.value.expected, info.value.actual), storage_state())

    def test_stale_dialogue_copy_is_refused(self, flow, office):
        """The same for dialogues."""
        stale = plan(flow, office)
        flow.announce(stale.id, actor=office)
        with pytest.raises(VersionConflictError):
            flow.cancel(stale, actor=office, reason="bão")

    def test_current_copy_is_accepted(self, flow, chair, intake):
        """A copy that is still current works like its id."""
        s = receive(flow, intake)
        s = flow.answer(s, text="Đã trả lời.", actor=chair)
        assert SubmissionState.CLOSED == flow.close(s, outcome="accepted", actor=intake).state

    def test_only_id_and_version_of_a_copy_are_read(self, flow, chair, intake):
        """A copy whose other fields were changed by the host is not written back: the
        command works on the stored record."""
        s = attrs.evolve(receive(flow, intake), topic="khác", department=FOREST)
        new = flow.answer(s, text="x", actor=chair)
        assert (SubmissionState.ANSWERED, "đất đai", None) == (
            new.state, new.topic, new.department)


class TestClock:
    """Dates default to the injected clock's local day in Vietnam."""

    def test_last_minute_of_the_day_in_vietnam_is_in_time(self, flow, clock, office):
        """16:59 UTC on 10 June is 23:59 in Hà Tĩnh: still the last day to announce a
        dialogue of 17 June."""
        d = plan(flow, office)
        clock.set(datetime(2021, 6, 10, 16, 59, tzinfo=UTC))
        assert date(2021, 6, 10) == flow.announce(d.id, actor=office).announced_on

    def test_midnight_in_vietnam_is_already_the_next_day(self, flow, clock, office):
        """17:00 UTC on 10 June is 00:00 on 11 June in Hà Tĩnh: too late to announce."""
        d = plan(flow, office)
        clock.set(datetime(2021, 6, 10, 17, 0, tzinfo=UTC))
        with pytest.raises(InvalidInputError, match="too late"):
            flow.announce(d.id, actor=office)

    def test_submission_instant_is_the_clock(self, flow, clock, intake):
        """The reception instant is the clock's now, time-zone aware."""
        clock.set(datetime(2021, 6, 1, 9, 30, tzinfo=VIETNAM_TZ))
        assert datetime(2021, 6, 1, 9, 30, tzinfo=VIETNAM_TZ) == receive(flow,
                                                                         intake).received_at


def test_calendar_fixture_is_the_default_calendar(calendar):
    """The fixture's calendar counts like the library's default one."""
    assert WorkCalendar.vietnam() == calendar


class TestDeadlineSharing:
    def test_explanations_follow_each_flows_calendar_language(
            self, clock: FixedClock, intake: Actor, chair: Actor, petitioner: Petitioner,
    ) -> None:
        """Regression: deadlines were once cached per (rule, anchor, calendar) where
        calendars of equal fingerprint compare equal whatever their language, so an English
        flow got Vietnamese explanations. Each flow now explains in its own calendar's."""
        reasons = []
        for language in ("vi", "en"):
            flow = DialogueFlow(MemoryStorage(), clock=clock, ids=SequentialIds(),
                                calendar=WorkCalendar.vietnam(language=language))
            s = flow.receive(petitioner=petitioner, topic="t", content="c", actor=intake)
            s = flow.assign(s.id, department="Địa chính", actor=chair)
            assert s.due is not None
            reasons.append(s.due.skipped[0].reason)
        assert ["Thứ Bảy", "Saturday"] == reasons


class TestReleasingTheStorage:
    def test_close_without_arguments_says_to_call_shutdown(self, flow: DialogueFlow) -> None:
        """`flow.close()` is the command that closes a submission; a host that meant to
        release the storage is told what to call instead, and nothing is written."""
        with pytest.raises(InvalidInputError, match=r"shutdown\(\).*`with` block"):
            flow.close()  # type: ignore[call-overload]
        assert flow.storage.outbox_stats()["pending"] == 0

    def test_close_of_a_submission_needs_a_reason(self, flow: DialogueFlow, intake: Actor,
                                                  chair: Actor) -> None:
        s = receive(flow, intake)
        with pytest.raises(InvalidInputError, match="outcome: say how it ends: one of"):
            flow.close(s.id, actor=chair)  # type: ignore[call-overload]
        assert SubmissionState.RECEIVED == flow.submission(s.id).state

    def test_shutdown_and_with_release_the_storage(self, tmp_path: Path, clock: FixedClock,
                                                   ) -> None:
        """After `shutdown()` (or leaving a `with` block) the storage refuses work."""
        url = f"sqlite:///{tmp_path / 'flow.db'}"
        with DialogueFlow.open(url, clock=clock) as flow:
            assert flow.dialogues().items == ()
        with pytest.raises(StorageError, match="is closed"):
            flow.dialogues()
        flow = DialogueFlow.open(url, clock=clock)
        flow.shutdown()
        with pytest.raises(StorageError, match="is closed"):
            flow.dialogues()


class TestConstructionRefusals:
    """Issue 13: a part of the wrong kind is refused when the flow is built, and a refused
    ``open`` releases what it opened."""

    @pytest.mark.parametrize(("option", "value"), [
        ("clock", "2021-06-01"), ("ids", 5), ("calendar", "vietnam"),
        ("authorizers", [None]), ("authorizers", "chair"), ("remote_area", "yes")])
    def test_wrong_kind_of_part(self, option: str, value: object) -> None:
        with pytest.raises(InvalidInputError, match=option):
            DialogueFlow(MemoryStorage(), **{option: value})  # type: ignore[arg-type]

    def test_not_a_storage(self) -> None:
        with pytest.raises(InvalidInputError, match="not a storage backend"):
            DialogueFlow(object())  # type: ignore[arg-type]

    @pytest.mark.parametrize("options", [{"language": "fr"}, {"langauge": "vi"},
                                         {"clock": 3}])
    def test_open_closes_the_storage_it_opened(self, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               options: dict[str, object]) -> None:
        closed: list[str] = []
        real_close = SQLiteStorage.close

        def close(storage: SQLiteStorage) -> None:
            closed.append(storage.path)
            real_close(storage)

        monkeypatch.setattr(SQLiteStorage, "close", close)
        with pytest.raises(InvalidInputError):
            DialogueFlow.open(f"sqlite:///{tmp_path / 'x.db'}", **options)
        unknown_option = "langauge" in options
        assert ([] if unknown_option else [str(tmp_path / "x.db")]) == closed

    def test_nul_in_a_sqlite_url(self) -> None:
        with pytest.raises(ConfigurationError, match="NUL"):
            DialogueFlow.open("sqlite:///a\x00b.db")
