"""The sweep: reminders, overdue notices, dialogue and report deadlines; idempotent; cheap."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dialogue_flow import (
    DEFAULT_ORGANISATION,
    Actor,
    DayOverride,
    DeadlinePolicy,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    Level,
    MemoryStorage,
    Organisation,
    Petitioner,
    SequentialIds,
    StorageError,
    WorkCalendar,
    _sweep,
    hookimpl,
    load_plugins,
)
from dialogue_flow._records import Submission
from dialogue_flow.storage import Changeset, SubmissionQuery
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
    s = flow.receive(petitioner=petitioner, topic="đất đai", content="...", actor=intake)
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
        is overdue and the chair is told once; later sweeps count it without repeating (the
        one six months on tells the office it missed days, issue 17)."""
        first = flow.sweep(date(2021, 12, 1))
        assert (1, 1, 1) == (first.overdue_matters, first.overdue_notices, first.written)
        assert [f"submission:{assigned.id}:overdue:2021-08-12"] == _keys(flow, "overdue")
        for day in (date(2021, 12, 2), date(2022, 6, 1)):
            later = flow.sweep(day)
            assert (1, 0, later.missed) == (later.overdue_matters, later.overdue_notices,
                                            later.written)
        assert 1 == len(_keys(flow, "overdue"))

    def test_matters_and_notices_are_counted_apart(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor) -> None:
        """Three matters overdue, one of them new since the last sweep: the result says 3
        overdue matters and 1 new overdue notice."""
        _due_on_12_august(flow, clock, intake, chair, 2)
        flow.sweep(date(2021, 8, 13))
        clock.set(date(2021, 7, 2))
        s = flow.receive(petitioner=Petitioner(name="B"), topic="t", content="c",
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
            s = flow.receive(petitioner=Petitioner(name="A"), topic="t", content="c",
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
        s = flow.receive(petitioner=Petitioner(name="A"), topic=f"t{i}", content="c",
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
                    s = flow.receive(petitioner=Petitioner(name="A"), topic=f"t{i}",
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


# --- reports per organisation, under each one's policy (issue 15, part 4) -----------------

#: A host's policy (the dates are this test's, not 215-KL/TW's, which are not known): the
#: month's report by the 5th of the next month, Q1's before the 20th of March.
HOST_POLICY = DeadlinePolicy.from_toml("""
id = "province-x"
name = "Tỉnh X (thử nghiệm)"

[[reports]]
id = "monthly"
period = "month"
months_after = 1
day = 5
limit = "by"
basis = "Công văn của Tỉnh ủy X (thử nghiệm)"

[[reports]]
id = "q1"
period = "Q1"
months_after = 0
day = 20
basis = "Công văn của Tỉnh ủy X (thử nghiệm)"
""")


class _HostPolicies:
    @hookimpl
    def dialogue_flow_policies(self) -> list[DeadlinePolicy]:
        return [HOST_POLICY]


def _province(clock: FixedClock, calendar: WorkCalendar, communes: int = 0) -> DialogueFlow:
    """A province and two communes under the host's policy, one more under the flow's
    (the seed's plan), and one of the host's closed on Fri 3 April 2026 (a storm)."""
    flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, ids=SequentialIds(),
                        plugins=load_plugins([_HostPolicies()], entry_points=False))
    flow.add_organisation(Organisation("tinh", "Tỉnh ủy X", Level.PROVINCE,
                                       policy_id="province-x"))
    for org_id in ["xa-a", *(f"xa-{n:03d}" for n in range(communes))]:
        flow.add_organisation(Organisation(org_id, f"Đảng ủy {org_id}", Level.COMMUNE,
                                           parent_id="tinh", policy_id="province-x"))
    flow.add_organisation(Organisation("xa-seed", "Đảng ủy xã Cũ", Level.COMMUNE,
                                       parent_id="tinh"))
    flow.add_organisation(Organisation(
        "xa-bao", "Đảng ủy xã Bão", Level.COMMUNE, parent_id="tinh", policy_id="province-x",
        calendar_overrides=(DayOverride(date(2026, 4, 3), "Nghỉ do bão"),)))
    return flow


def _reports(flow: DialogueFlow) -> list[tuple[str, str, str]]:
    return sorted((n.key, n.organisation_id, n.data["due"])
                  for n in flow.storage.pending_notifications() if n.event == "report_due")


class TestReportsPerOrganisation:
    def test_each_organisation_under_its_own_policy_and_calendar(
            self, clock: FixedClock, calendar: WorkCalendar) -> None:
        """March 2026's report is due by Sun 5 April: Fri 3 April, three working days after
        Tue 31 March (1, 2, 3 April). The commune closed on the 3rd reports on Thu 2 April;
        the commune under the seed's plan has no report then. One notice per organisation,
        and none more on a second sweep."""
        flow = _province(clock, calendar)
        first = flow.sweep(date(2026, 3, 31))
        assert [("report:tinh:monthly:2026-03", "tinh", "2026-04-03"),
                ("report:xa-a:monthly:2026-03", "xa-a", "2026-04-03"),
                ("report:xa-bao:monthly:2026-03", "xa-bao", "2026-04-02")] == _reports(flow)
        assert 3 == first.reports
        assert (3, 0) == (flow.sweep(date(2026, 3, 31)).reports,
                          flow.sweep(date(2026, 3, 31)).written)
        assert 3 == flow.sweep(date(2026, 4, 1)).reports
        assert 3 == len(_reports(flow))
        (note, *_) = [n for n in flow.storage.pending_notifications() if n.event == "report_due"]
        assert ("2026-03", "monthly-2026-03") == (note.data["period"], note.record_id)
        assert "tháng 3 năm 2026" in note.body  # the period in words (issue 16, item 9)

    def test_one_organisation(self, clock: FixedClock, calendar: WorkCalendar) -> None:
        """`sweep(organisation=...)` reminds that organisation only."""
        flow = _province(clock, calendar)
        assert 1 == flow.sweep(date(2026, 3, 31), organisation="xa-a").reports
        assert ["xa-a"] == [org for _key, org, _due in _reports(flow)]

    def test_q1_before_the_20th_of_march(self, clock: FixedClock,
                                         calendar: WorkCalendar) -> None:
        """Q1 2026 is due before Fri 20 March: Thu 19 March; reminded from Mon 16 March."""
        flow = _province(clock, calendar)
        flow.sweep(date(2026, 3, 16))
        assert ("report:tinh:q1:2026", "tinh", "2026-03-19") in _reports(flow)
        assert not any(key.endswith("monthly:2026-02") for key, _o, _d in _reports(flow))

    def test_across_the_new_year(self, clock: FixedClock, calendar: WorkCalendar) -> None:
        """December 2026's report is due by Tue 5 January 2027: the sweep of Wed 30
        December (31 December, 4 and 5 January are the next working days; 1 January is a
        holiday) reminds of it."""
        flow = _province(clock, calendar)
        flow.sweep(date(2026, 12, 30))
        assert ("report:xa-a:monthly:2026-12", "xa-a", "2027-01-05") in _reports(flow)

    def test_the_dates_are_computed_per_policy_and_calendar(
            self, clock: FixedClock, calendar: WorkCalendar,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """With 40 more communes under the host's policy, the report dates are still
        computed three times: the host's policy with the flow's calendar and with the
        closed commune's, and the seed's plan."""
        flow = _province(clock, calendar, communes=40)
        calls: list[str] = []
        original = DeadlinePolicy.reports_due

        def counted(policy: DeadlinePolicy, *args: Any) -> Any:
            calls.append(policy.id)
            return original(policy, *args)

        monkeypatch.setattr(DeadlinePolicy, "reports_due", counted)
        assert 43 == flow.sweep(date(2026, 3, 31)).reports
        assert ["province-x", "province-x", "seed-plan"] == sorted(calls)

    def test_a_host_policy_without_organisations(self, clock: FixedClock,
                                                 calendar: WorkCalendar) -> None:
        """A store without organisations is reminded for the default one, whose key names
        no organisation (as the seed plan's reports always had)."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock,
                            policy=HOST_POLICY)
        flow.sweep(date(2026, 3, 31))
        assert [("report:monthly:2026-03", DEFAULT_ORGANISATION, "2026-04-03")] == (
            _reports(flow))

    def test_undated_reports_are_never_reminded(self, clock: FixedClock,
                                                calendar: WorkCalendar) -> None:
        """The bundled 215-KL policy knows the periods, not the dates: nothing is due."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, policy="215-KL")
        assert 0 == flow.sweep(date(2026, 3, 31)).reports
