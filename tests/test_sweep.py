"""The sweep: reminders, overdue notices, dialogue and report deadlines; idempotent; cheap."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dialogue_flow import (
    Actor,
    Changeset,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    Petitioner,
    SequentialIds,
    StorageError,
    SubmissionQuery,
    WorkCalendar,
    _sweep,
)
from dialogue_flow._records import Submission
from dialogue_flow.testing import sample_notification

LAND = "Địa chính"


def _keys(flow: DialogueFlow, event: str) -> list[str]:
    return sorted(n.key for n in flow.storage.pending_notifications() if n.event == event)


@pytest.fixture
def assigned(flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
             petitioner: Petitioner) -> Submission:
    """A submission outside any dialogue, assigned on Thu 1 July 2021.

    Due 30 working days later: July has 21 working days after the 1st (2, 5-9, 12-16,
    19-23, 26-30) and the 9th one of August (2-6, 9-12) is Thu 12 August 2021.
    """
    clock.set(date(2021, 7, 1))
    s = flow.receive(None, petitioner=petitioner, topic="đất đai", content="...", actor=intake)
    s = flow.assign(s.id, department=LAND, actor=chair)
    assert s.due is not None
    assert date(2021, 8, 12) == s.due.date
    return s


class TestReminders:
    def test_three_working_days_before(self, flow: DialogueFlow, assigned: Submission) -> None:
        """Mon 9 August is 3 working days before Thu 12 August: one due-soon reminder."""
        result = flow.sweep(date(2021, 8, 9))
        assert (1, 0) == (result.due_soon, result.overdue)
        assert [f"submission:{assigned.id}:due_soon:2021-08-12:3"] == _keys(flow, "due_soon")

    def test_nothing_four_working_days_before(self, flow: DialogueFlow,
                                              assigned: Submission) -> None:
        """Fri 6 August is 4 working days before: too early for the 3-day reminder."""
        assert 0 == flow.sweep(date(2021, 8, 6)).due_soon
        assert [] == _keys(flow, "due_soon")

    def test_on_the_day(self, flow: DialogueFlow, assigned: Submission) -> None:
        """On the due day the reminder is the "today" one (offset 0), even if the sweep
        did not run three days before."""
        flow.sweep(date(2021, 8, 12))
        assert [f"submission:{assigned.id}:due_soon:2021-08-12:0"] == _keys(flow, "due_soon")

    def test_overdue_goes_to_the_chair_once(self, flow: DialogueFlow,
                                            assigned: Submission) -> None:
        """The day after the due date one overdue notice is written, addressed to the chair;
        later sweeps do not repeat it."""
        flow.sweep(date(2021, 8, 13))
        flow.sweep(date(2021, 8, 16))
        overdue = [n for n in flow.storage.pending_notifications() if n.event == "overdue"]
        assert [("chair", f"submission:{assigned.id}:overdue:2021-08-12")] == [
            (n.audience, n.key) for n in overdue]

    def test_an_extension_brings_a_new_reminder(self, flow: DialogueFlow, clock: FixedClock,
                                                chair: Actor, assigned: Submission) -> None:
        """After an extension to Fri 20 August the reminders follow the new date."""
        flow.sweep(date(2021, 8, 9))
        clock.set(date(2021, 8, 10))
        flow.extend(assigned.id, until=date(2021, 8, 20), reason="khảo sát", actor=chair)
        flow.sweep(date(2021, 8, 17))
        assert [f"submission:{assigned.id}:due_soon:2021-08-12:3",
                f"submission:{assigned.id}:due_soon:2021-08-20:3"] == _keys(flow, "due_soon")

    def test_answered_submissions_are_left_alone(self, flow: DialogueFlow, chair: Actor,
                                                 assigned: Submission) -> None:
        """Once answered, a submission gets no reminder and no overdue notice."""
        flow.answer(assigned.id, text="Đã giải quyết.", actor=chair)
        result = flow.sweep(date(2021, 8, 13))
        assert (0, 0) == (result.due_soon, result.overdue)


class TestNeverForgets:
    """Issue 15: no window after which an overdue matter is never reported."""

    def test_a_sweep_months_late_tells_the_chair_once(self, flow: DialogueFlow,
                                                      assigned: Submission) -> None:
        """Due 12 August; the first sweep runs on 1 December (111 days later): the matter
        is overdue and the chair is told once; later sweeps count it without repeating."""
        first = flow.sweep(date(2021, 12, 1))
        assert (1, 1, 1) == (first.overdue_matters, first.overdue_notices, first.written)
        assert [f"submission:{assigned.id}:overdue:2021-08-12"] == _keys(flow, "overdue")
        for day in (date(2021, 12, 2), date(2022, 6, 1)):
            later = flow.sweep(day)
            assert (1, 0, 0) == (later.overdue_matters, later.overdue_notices, later.written)
        assert 1 == len(_keys(flow, "overdue"))

    def test_matters_and_notices_are_counted_apart(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor) -> None:
        """Three matters overdue, one of them new since the last sweep: the result says 3
        overdue matters and 1 new overdue notice."""
        _due_on_12_august(flow, clock, intake, chair, 2)
        flow.sweep(date(2021, 8, 13))
        clock.set(date(2021, 7, 2))
        s = flow.receive(None, petitioner=Petitioner(name="B"), topic="t", content="c",
                         actor=intake)
        flow.assign(s.id, department=LAND, actor=chair)  # due Fri 13 August
        result = flow.sweep(date(2021, 9, 30))
        assert (3, 1) == (result.overdue_matters, result.overdue_notices)
        assert result.overdue == result.overdue_matters

    def test_a_late_dialogue_deadline_is_not_forgotten(self, flow: DialogueFlow,
                                                       clock: FixedClock,
                                                       office: Actor) -> None:
        """A planned dialogue never announced: a sweep two months after its announcement
        day still tells the chair."""
        clock.set(date(2021, 8, 2))
        flow.plan_dialogue(title="Đối thoại", scheduled_for=date(2021, 8, 30), actor=office)
        assert 1 == flow.sweep(date(2021, 10, 25)).dialogues
        assert 1 == len(_keys(flow, "announcement_overdue"))


class TestIdempotence:
    def test_twice_the_same_day_writes_nothing_new(self, flow: DialogueFlow,
                                                   assigned: Submission) -> None:
        """A second sweep on the same day finds the same things and writes nothing."""
        first = flow.sweep(date(2021, 8, 9))
        before = flow.storage.outbox_stats()
        second = flow.sweep(date(2021, 8, 9))
        assert (1, 1, 0) == (first.written, second.due_soon, second.written)
        assert before == flow.storage.outbox_stats()

    def test_the_next_days_do_not_repeat_the_reminder(self, flow: DialogueFlow,
                                                      assigned: Submission) -> None:
        """Tue 10 and Wed 11 August fall under the same 3-day reminder: nothing new."""
        flow.sweep(date(2021, 8, 9))
        assert (0, 0) == (flow.sweep(date(2021, 8, 10)).written,
                          flow.sweep(date(2021, 8, 11)).written)


class TestDialoguesAndReports:
    def test_announcement_due_then_overdue(self, flow: DialogueFlow, clock: FixedClock,
                                           office: Actor) -> None:
        """A dialogue on Mon 30 August must be announced by Mon 23 August (7 days before):
        the sweep of Wed 18 August reminds the office, that of Tue 24 August tells the
        chair it is too late."""
        clock.set(date(2021, 8, 10))
        d = flow.plan_dialogue(scheduled_for=date(2021, 8, 30), title="Đối thoại", actor=office)
        assert date(2021, 8, 23) == d.announce_by.date
        flow.sweep(date(2021, 8, 18))
        flow.sweep(date(2021, 8, 24))
        notes = [(n.event, n.audience) for n in flow.storage.pending_notifications()
                 if n.kind == "dialogue"]
        assert [("announcement_due", "office"), ("announcement_overdue", "chair")] == notes

    def test_conclusion_notice_due(self, flow: DialogueFlow, clock: FixedClock,
                                   office: Actor) -> None:
        """Held on Thu 17 June, the notice is due Mon 28 June: reminded on Wed 23 June."""
        d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại", actor=office)
        flow.announce(d.id, actor=office)
        clock.set(date(2021, 6, 17))
        flow.hold(d.id, actor=office)
        flow.sweep(date(2021, 6, 23))
        assert [f"dialogue:{d.id}:conclusion_due:2021-06-28"] == _keys(flow, "conclusion_due")

    def test_report_due(self, flow: DialogueFlow) -> None:
        """The first-half report is due Mon 14 June 2021 (before the 15th): the sweep of
        Wed 9 June, three working days before, reminds the standing committee, once."""
        flow.sweep(date(2021, 6, 9))
        flow.sweep(date(2021, 6, 10))
        notes = [(n.key, n.audience) for n in flow.storage.pending_notifications()]
        assert [("report:report-h1:2021", "standing_committee")] == notes


class _CountingStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.loaded = 0

    def find_submissions(self, query: SubmissionQuery) -> list[Submission]:
        found = super().find_submissions(query)
        self.loaded += len(found)
        return found


class TestCost:
    def test_loads_only_what_is_due(self, clock: FixedClock, calendar: WorkCalendar,
                                    intake: Actor, chair: Actor) -> None:
        """With 60 matters due in October and 2 due next week, a sweep loads the 2."""
        storage = _CountingStorage()
        flow = DialogueFlow(storage, calendar=calendar, clock=clock)
        for day in [date(2021, 7, 1)] * 2 + [date(2021, 9, 1)] * 60:
            clock.set(day)
            s = flow.receive(None, petitioner=Petitioner(name="A"), topic="t", content="c",
                             actor=intake)
            flow.assign(s.id, department=LAND, actor=chair)
        storage.loaded = 0
        assert 2 == flow.sweep(date(2021, 8, 9)).due_soon
        assert 2 == storage.loaded


class _BusyOutbox(MemoryStorage):
    """Memory storage shared with another writer: while ``busy``, every commit is followed
    by an unrelated notice written by "another process"; ``outbox_stats`` is spied on."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.others = 0
        self.stats_calls = 0

    def commit(self, changes: Changeset) -> int:
        added = super().commit(changes)
        if self.busy:
            self.others += 1
            super().commit(Changeset(records=(), notifications=(
                sample_notification(f"other-{self.others}"),)))
        return added

    def outbox_stats(self) -> dict[str, int]:
        self.stats_calls += 1
        return super().outbox_stats()


def _due_on_12_august(flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
                      count: int) -> None:
    """``count`` submissions assigned on Thu 1 July 2021, so due Thu 12 August."""
    clock.set(date(2021, 7, 1))
    for i in range(count):
        s = flow.receive(None, petitioner=Petitioner(name="A"), topic=f"t{i}", content="c",
                         actor=intake)
        flow.assign(s.id, department=LAND, actor=chair)


class TestWritten:
    def test_notices_of_other_writers_are_not_counted(
            self, clock: FixedClock, calendar: WorkCalendar, intake: Actor, chair: Actor,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """Another process adds notices to the outbox while the sweep commits (in batches
        of 2 here): ``written`` counts the sweep's 3 new notices only, and 0 on a repeat."""
        monkeypatch.setattr(_sweep, "_BATCH", 2)
        storage = _BusyOutbox()
        flow = DialogueFlow(storage, calendar=calendar, clock=clock, ids=SequentialIds())
        _due_on_12_august(flow, clock, intake, chair, 3)
        storage.busy = True
        first = flow.sweep(date(2021, 8, 9))
        assert (3, 3) == (first.due_soon, first.written)
        assert 2 == storage.others  # a batch of 2, then the last 1
        second = flow.sweep(date(2021, 8, 9))
        assert (3, 0) == (second.due_soon, second.written)
        assert 3 == len(_keys(flow, "due_soon"))
        others = [n.key for n in storage.pending_notifications() if n.key.startswith("other-")]
        assert ["other-1", "other-2", "other-3", "other-4"] == others

    def test_the_outbox_is_not_counted(self, clock: FixedClock, calendar: WorkCalendar,
                                       intake: Actor, chair: Actor) -> None:
        """The sweep's cost follows what is due: it never counts the whole outbox."""
        storage = _BusyOutbox()
        flow = DialogueFlow(storage, calendar=calendar, clock=clock, ids=SequentialIds())
        _due_on_12_august(flow, clock, intake, chair, 2)
        assert 2 == flow.sweep(date(2021, 8, 9)).written
        assert 0 == flow.sweep(date(2021, 8, 9)).written
        assert 0 == storage.stats_calls

    def test_a_backend_that_returns_no_count_gets_a_clear_error(
            self, clock: FixedClock, calendar: WorkCalendar, intake: Actor,
            chair: Actor) -> None:
        """A third-party backend still written for ``commit -> None`` is named in a
        StorageError that says what to change, not a TypeError from deep in the sweep."""
        class OldBackend(MemoryStorage):
            def commit(self, changes: Changeset) -> int:
                super().commit(changes)
                return None  # type: ignore[return-value] # what an old backend does

        flow = DialogueFlow(OldBackend(), calendar=calendar, clock=clock, ids=SequentialIds())
        _due_on_12_august(flow, clock, intake, chair, 1)
        with pytest.raises(StorageError, match=r"OldBackend.commit returned None, not the "
                                               r"number of notifications it inserted"):
            flow.sweep(date(2021, 8, 9))

    @pytest.mark.parametrize("backend", ["memory", "sqlite"])
    def test_counted_across_batches_of_new_and_repeated_notices(
            self, backend: str, tmp_path: Path, clock: FixedClock, calendar: WorkCalendar,
            intake: Actor, chair: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
        """Batches of 2 mixing notices already written and new ones: each commit counts
        its new ones, on every backend."""
        monkeypatch.setattr(_sweep, "_BATCH", 2)
        url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 's.db'}"
        with DialogueFlow.open(url, calendar=calendar, clock=clock,
                               ids=SequentialIds()) as flow:
            _due_on_12_august(flow, clock, intake, chair, 5)
            assert 5 == flow.sweep(date(2021, 8, 9)).written
            _due_on_12_august(flow, clock, intake, chair, 2)
            result = flow.sweep(date(2021, 8, 9))
            assert (7, 2) == (result.due_soon, result.written)
            assert 7 == len(_keys(flow, "due_soon"))


class TestBadInput:
    @pytest.mark.parametrize(("field", "kwargs"), [
        ("today", {"today": "2021-08-09"}),
        ("remind", {"today": date(2021, 8, 9), "remind": (-1,)}),
        ("remind", {"today": date(2021, 8, 9), "remind": ()}),
    ])
    def test_rejected_before_anything_is_written(self, flow: DialogueFlow, field: str,
                                                 kwargs: dict[str, object]) -> None:
        """Bad arguments raise InvalidInputError naming the argument; the outbox is empty."""
        with pytest.raises(InvalidInputError) as err:
            flow.sweep(**kwargs)  # type: ignore[arg-type]
        assert field == err.value.field
        assert [] == flow.storage.pending_notifications()


class TestBackends:
    def test_sqlite_covering_index_gives_the_same_notices(
            self, tmp_path: Path, calendar: WorkCalendar, intake: Actor, chair: Actor) -> None:
        """On SQLite the sweep reads due matters from a covering index, not the records:
        the notices it writes are exactly those the memory backend's sweep writes."""
        outboxes = []
        for url in ("memory://", f"sqlite:///{tmp_path / 's.db'}"):
            clock = FixedClock(date(2021, 7, 1))
            with DialogueFlow.open(url, calendar=calendar, clock=clock,
                                   ids=SequentialIds()) as flow:
                for i, day in enumerate([date(2021, 6, 1), date(2021, 7, 1), date(2021, 7, 5)]):
                    clock.set(day)
                    s = flow.receive(None, petitioner=Petitioner(name="A"), topic=f"t{i}",
                                     content="c", actor=intake)
                    if i == 2:
                        flow.escalate(s.id, competent_level="UBND huyện", actor=chair)
                    else:
                        flow.assign(s.id, department=LAND, actor=chair)
                for day in (date(2021, 7, 14), date(2021, 8, 9), date(2021, 8, 13)):
                    clock.set(day)
                    flow.sweep(day)
                outboxes.append(sorted((n.key, n.subject, n.body, n.responsible)
                                       for n in flow.storage.pending_notifications()
                                       if n.event in ("due_soon", "overdue")))
        assert outboxes[0] == outboxes[1]
        assert len(outboxes[0]) >= 4
