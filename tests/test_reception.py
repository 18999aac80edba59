"""Citizen reception days (issue 15, part 3): the third lifecycle, receiving petitions there,
the monthly minimum in the sweep and in reports, and the iCalendar export."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dialogue_flow import (
    Actor,
    Channel,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    InvalidTransitionError,
    Organisation,
    PermissionDeniedError,
    Petitioner,
    ReceptionState,
    SequentialIds,
    WorkCalendar,
)
from dialogue_flow.cli import main

PROVINCE = Organisation("tinh", "Tỉnh ủy Mẫu", "province", reception_dates=(15,))
COMMUNE = Organisation("xa", "Đảng ủy xã Mẫu", "commune", parent_id="tinh",
                       reception_dates=(10, 25))
OTHER = Organisation("xa-2", "Đảng ủy xã Hai", "commune", parent_id="tinh")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(date(2026, 1, 5))  # a Monday


@pytest.fixture
def rflow(clock: FixedClock, calendar: WorkCalendar) -> DialogueFlow:
    flow = DialogueFlow.open("memory://", clock=clock, ids=SequentialIds(), calendar=calendar)
    for org in (PROVINCE, COMMUNE, OTHER):
        flow.add_organisation(org)
    return flow


@pytest.fixture
def office() -> Actor:
    return Actor("vp-xa", "Văn phòng Đảng ủy xã", "office", organisation_id="xa")


@pytest.fixture
def intake() -> Actor:
    return Actor("tn-xa", "Bộ phận tiếp nhận", "intake_desk", organisation_id="xa")


def _announced(flow: DialogueFlow, office: Actor, day: date) -> str:
    r = flow.plan_reception(scheduled_for=day, actor=office, venue="Trụ sở Đảng ủy xã")
    return flow.announce_reception(r.id, actor=office).id


class TestSchedule:
    def test_the_fixed_dates_or_the_next_working_day(self, rflow: DialogueFlow,
                                                     office: Actor) -> None:
        """10 January 2026 is a Saturday worked (12729/VPCP-KGVX) and stays; Sunday 25
        January moves to Monday 26."""
        days = rflow.schedule_receptions("2026-01", actor=office)
        assert [(date(2026, 1, 10), "scheduled"), (date(2026, 1, 26), "scheduled")] == [
            (r.scheduled_for, r.state) for r in days]
        assert {"xa"} == {r.organisation_id for r in days}

    def test_a_day_past_the_month_end_falls_back_inside_it(self, rflow: DialogueFlow,
                                                            clock: FixedClock) -> None:
        """The 31st: in August 2026 the 31st is off and the next working day is in
        September, so the day is Friday 28 August; in February (no 31st) the last day is a
        Saturday and the next working day is in March: Friday 27 February."""
        rflow.add_organisation(Organisation("xa-3", "Đảng ủy xã Ba", "commune",
                                            parent_id="tinh", reception_dates=(31,)))
        actor = Actor("vp-3", "Văn phòng", "office", organisation_id="xa-3")
        got = [rflow.schedule_receptions(m, actor=actor)[0].scheduled_for
               for m in ("2026-02", "2026-08")]
        assert [date(2026, 2, 27), date(2026, 8, 28)] == got

    def test_scheduling_twice_adds_nothing_and_past_days_are_left_out(
            self, rflow: DialogueFlow, office: Actor, clock: FixedClock) -> None:
        first = rflow.schedule_receptions("2026-01", actor=office)
        assert [] == rflow.schedule_receptions("2026-01", actor=office)
        clock.set(date(2026, 2, 11))
        assert [date(2026, 2, 25)] == [
            r.scheduled_for for r in rflow.schedule_receptions("2026-02", actor=office)]
        assert 2 == len(first)

    def test_an_organisation_without_dates_is_told_what_to_set(self, rflow: DialogueFlow,
                                                                ) -> None:
        actor = Actor("vp-2", "Văn phòng", "office", organisation_id="xa-2")
        with pytest.raises(InvalidInputError, match="reception_dates"):
            rflow.schedule_receptions("2026-01", actor=actor)

    @pytest.mark.parametrize("month", ["2026-13", "2026-1", "January", 202601, "2026-00"])
    def test_a_month_is_written_yyyy_mm(self, rflow: DialogueFlow, office: Actor,
                                        month: object) -> None:
        with pytest.raises(InvalidInputError, match="YYYY-MM"):
            rflow.schedule_receptions(month, actor=office)  # type: ignore[arg-type]

    def test_one_day_on_a_working_day_from_today_on(self, rflow: DialogueFlow,
                                                    office: Actor) -> None:
        with pytest.raises(InvalidInputError, match=r"not a working day \(Chủ nhật\)"):
            rflow.plan_reception(scheduled_for=date(2026, 1, 11), actor=office)
        with pytest.raises(InvalidInputError, match="in the past"):
            rflow.plan_reception(scheduled_for=date(2026, 1, 2), actor=office)
        rflow.plan_reception(scheduled_for=date(2026, 1, 12), actor=office)
        with pytest.raises(InvalidInputError, match="already a reception day"):
            rflow.plan_reception(scheduled_for=date(2026, 1, 12), actor=office)

    def test_the_intake_desk_may_not_fix_the_days(self, rflow: DialogueFlow,
                                                  intake: Actor) -> None:
        with pytest.raises(PermissionDeniedError):
            rflow.plan_reception(scheduled_for=date(2026, 1, 12), actor=intake)

    @settings(max_examples=60, deadline=None)
    @given(dates=st.lists(st.integers(1, 31), min_size=1, max_size=4, unique=True),
           year=st.integers(2026, 2027), month=st.integers(1, 12))
    def test_every_scheduled_day_is_a_working_day_of_the_month(
            self, calendar: WorkCalendar, dates: list[int], year: int, month: int) -> None:
        """Whatever the dates fixed, the days are what walking the calendar day by day
        gives: from each date (the month's last day when it has none) to the first working
        day of the month, or back to the last one before it when none is left."""
        flow = DialogueFlow.open("memory://", clock=FixedClock(date(2025, 12, 1)),
                                 calendar=calendar)
        flow.add_organisation(Organisation("o", "Đảng ủy", "commune",
                                           reception_dates=tuple(dates)))
        actor = Actor("vp", "Văn phòng", "office", organisation_id="o")
        days = [r.scheduled_for for r in flow.schedule_receptions(f"{year}-{month:02d}",
                                                                   actor=actor)]
        step = date.resolution

        def walked(wanted: int) -> date:
            day = date(year, month, 1)
            while day.month == month and day.day < wanted:
                day += step
            start = day if day.month == month else day - step
            day = start
            while day.month == month and not calendar.is_working_day(day):
                day += step
            if day.month == month:
                return day
            day = start
            while not calendar.is_working_day(day):
                day -= step
            return day

        assert sorted({walked(w) for w in dates}) == days
        assert all(calendar.is_working_day(d) and d.month == month for d in days)


class TestLifecycle:
    def test_announced_held_with_who_and_how_many(self, rflow: DialogueFlow, office: Actor,
                                                  clock: FixedClock) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        clock.set(date(2026, 1, 12))
        held = rflow.hold_reception(rid, actor=office, citizens=9,
                                    received_by=["Bí thư Đảng ủy", "Chủ tịch UBND xã"])
        assert (ReceptionState.HELD, 9, ("Bí thư Đảng ủy", "Chủ tịch UBND xã"),
                date(2026, 1, 5), date(2026, 1, 12)) == (
            held.state, held.citizens, held.received_by, held.announced_on, held.held_on)
        assert ["schedule", "announce", "hold"] == [row.event for row in rflow.history(held)]

    def test_announcing_on_the_day_is_not_in_advance(self, rflow: DialogueFlow,
                                                     office: Actor, clock: FixedClock) -> None:
        r = rflow.plan_reception(scheduled_for=date(2026, 1, 12), actor=office)
        clock.set(date(2026, 1, 12))
        with pytest.raises(InvalidInputError, match="not in advance"):
            rflow.announce_reception(r.id, actor=office)

    def test_a_day_not_announced_cannot_be_held(self, rflow: DialogueFlow, office: Actor,
                                                clock: FixedClock) -> None:
        r = rflow.plan_reception(scheduled_for=date(2026, 1, 12), actor=office)
        clock.set(date(2026, 1, 12))
        with pytest.raises(InvalidTransitionError, match="announce"):
            rflow.hold_reception(r.id, actor=office, citizens=1, received_by=["Bí thư"])

    @pytest.mark.parametrize(("kwargs", "field"), [
        ({"citizens": -1, "received_by": ["Bí thư"]}, "citizens"),
        ({"citizens": True, "received_by": ["Bí thư"]}, "citizens"),
        ({"citizens": 3, "received_by": []}, "received_by"),
        ({"citizens": 3, "received_by": "Bí thư"}, "received_by"),
        ({"citizens": 3, "received_by": ["Bí thư"], "on": date(2026, 1, 9)}, "on"),
    ])
    def test_holding_checks_its_arguments(self, rflow: DialogueFlow, office: Actor,
                                          clock: FixedClock, kwargs: dict[str, object],
                                          field: str) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        clock.set(date(2026, 1, 12))
        with pytest.raises(InvalidInputError) as info:
            rflow.hold_reception(rid, actor=office, **kwargs)  # type: ignore[arg-type]
        assert field == info.value.field
        assert ReceptionState.ANNOUNCED == rflow.reception_day(rid).state

    def test_cancelled_and_replaced_in_one_commit(self, rflow: DialogueFlow,
                                                  office: Actor) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        cancelled = rflow.cancel_reception(rid, actor=office, reason="Họp Ban Chấp hành",
                                           replacement=date(2026, 1, 14))
        assert cancelled.replaced_by is not None
        substitute = rflow.reception_day(cancelled.replaced_by)
        assert (ReceptionState.CANCELLED, "Họp Ban Chấp hành", ReceptionState.SCHEDULED,
                date(2026, 1, 14), rid, "Trụ sở Đảng ủy xã") == (
            cancelled.state, cancelled.cancel_reason, substitute.state,
            substitute.scheduled_for, substitute.replaces, substitute.venue)
        assert [("schedule", {"replaces": rid})] == [
            (row.event, dict(row.details)) for row in rflow.history(substitute)]

    def test_a_replacement_on_a_day_off_writes_nothing(self, rflow: DialogueFlow,
                                                       office: Actor) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        with pytest.raises(InvalidInputError, match="not a working day"):
            rflow.cancel_reception(rid, actor=office, reason="x", replacement=date(2026, 1, 18))
        assert (ReceptionState.ANNOUNCED, 1) == (
            rflow.reception_day(rid).state,
            len(rflow.reception_days(organisation="xa").items))


class TestPetitionsReceivedThere:
    def test_a_petition_gets_the_reception_channel_and_the_processing_clock(
            self, rflow: DialogueFlow, office: Actor, intake: Actor, clock: FixedClock) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        clock.set(date(2026, 1, 12))
        s = rflow.receive(petitioner=Petitioner("Trần Thị B"), topic="đất đai",
                          content="...", actor=intake, reception=rid)
        assert s.due is not None
        # Mon 12 January + 10 working days = Mon 26 January 2026.
        assert (Channel.RECEPTION, rid, "xa", date(2026, 1, 26), "processing") == (
            s.channel, s.reception_id, s.organisation_id, s.due.date, s.due.rule_id)

    @pytest.mark.parametrize("when", ["not announced", "cancelled", "before the day"])
    def test_only_on_an_announced_day_from_that_day_on(
            self, rflow: DialogueFlow, office: Actor, intake: Actor, clock: FixedClock,
            when: str) -> None:
        if when == "not announced":
            rid = rflow.plan_reception(scheduled_for=date(2026, 1, 12), actor=office).id
            clock.set(date(2026, 1, 12))
        else:
            rid = _announced(rflow, office, date(2026, 1, 12))
            if when == "cancelled":
                rflow.cancel_reception(rid, actor=office, reason="x")
                clock.set(date(2026, 1, 12))
        with pytest.raises(InvalidInputError, match="reception day"):
            rflow.receive(petitioner=Petitioner("A"), topic="t", content="c",
                          actor=intake, reception=rid)
        assert 0 == rflow.submissions().total

    def test_channel_and_place_must_agree(self, rflow: DialogueFlow, office: Actor,
                                          intake: Actor, clock: FixedClock) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        clock.set(date(2026, 1, 12))
        p = Petitioner("A")
        with pytest.raises(InvalidInputError, match="name the reception day"):
            rflow.receive(petitioner=p, topic="t", content="c", actor=intake,
                          channel="reception")
        with pytest.raises(InvalidInputError, match="channel 'reception'"):
            rflow.receive(petitioner=p, topic="t", content="c", actor=intake,
                          channel="written", reception=rid)

    def test_another_commune_cannot_receive_on_this_day(self, rflow: DialogueFlow,
                                                        office: Actor, clock: FixedClock,
                                                        ) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        clock.set(date(2026, 1, 12))
        stranger = Actor("tn-2", "Tiếp nhận xã Hai", "intake_desk", organisation_id="xa-2")
        with pytest.raises(PermissionDeniedError):
            rflow.receive(petitioner=Petitioner("A"), topic="t", content="c",
                          actor=stranger, reception=rid)


class TestMinimumInTheSweep:
    def test_next_month_short_is_told_once_per_organisation(
            self, rflow: DialogueFlow, office: Actor) -> None:
        """On 5 January nothing is fixed for February: the province (minimum 1) and both
        communes (2) are each told once; a second sweep writes nothing."""
        result = rflow.sweep()
        notes = [n for n in rflow.storage.pending_notifications()
                 if n.event == "reception_schedule_short"]
        assert (3, {("tinh", "2026-02"), ("xa", "2026-02"), ("xa-2", "2026-02")}) == (
            result.receptions, {(n.organisation_id, n.data["month"]) for n in notes})
        assert "ít hơn mức tối thiểu 2 ngày/tháng" in next(
            n.body for n in notes if n.organisation_id == "xa")
        assert 0 == rflow.sweep().written

    def test_a_full_schedule_is_not_short(self, rflow: DialogueFlow, office: Actor) -> None:
        rflow.schedule_receptions("2026-02", actor=office)
        rflow.sweep()
        short = {n.organisation_id for n in rflow.storage.pending_notifications()
                 if n.event == "reception_schedule_short"}
        assert {"tinh", "xa-2"} == short

    def test_no_minimum_before_conclusion_215(self, rflow: DialogueFlow,
                                              clock: FixedClock) -> None:
        clock.set(date(2025, 10, 6))
        assert 0 == rflow.sweep().receptions

    def test_the_minimum_is_configurable(self, clock: FixedClock,
                                         calendar: WorkCalendar) -> None:
        flow = DialogueFlow.open("memory://", clock=clock, calendar=calendar,
                                 reception_minimum={"commune": 4})
        for org in (PROVINCE, COMMUNE):
            flow.add_organisation(org)
        flow.schedule_receptions("2026-02", actor=Actor("vp", "VP", "office",
                                                        organisation_id="xa"))
        flow.sweep()
        notes = [n for n in flow.storage.pending_notifications()
                 if n.event == "reception_schedule_short"]
        assert [("xa", "4", "2")] == [(n.organisation_id, n.data["minimum"],
                                       n.data["scheduled"]) for n in notes]

    @pytest.mark.parametrize("bad", [{"commune": -1}, {"commune": "2"}, [("commune", 2)]])
    def test_a_bad_minimum_is_refused(self, clock: FixedClock, bad: object) -> None:
        with pytest.raises(InvalidInputError, match="reception_minimum"):
            DialogueFlow.open("memory://", clock=clock, reception_minimum=bad)

    def test_a_day_not_announced_yet_is_reminded(self, rflow: DialogueFlow,
                                                 office: Actor) -> None:
        r = rflow.plan_reception(scheduled_for=date(2026, 1, 7), actor=office)
        rflow.sweep()
        assert [r.id] == [n.record_id for n in rflow.storage.pending_notifications()
                          if n.event == "reception_announcement_due"]

    def test_scoped_to_one_organisation(self, rflow: DialogueFlow) -> None:
        assert 1 == rflow.sweep(organisation="xa").receptions


class TestReport:
    def test_days_held_citizens_and_short_months(self, rflow: DialogueFlow, office: Actor,
                                                 intake: Actor, clock: FixedClock) -> None:
        rid = _announced(rflow, office, date(2026, 1, 12))
        clock.set(date(2026, 1, 12))
        rflow.hold_reception(rid, actor=office, citizens=6, received_by=["Bí thư"])
        rflow.receive(petitioner=Petitioner("A"), topic="đất đai", content="c",
                      actor=intake, reception=rid)
        clock.set(date(2026, 2, 3))
        report = rflow.report("2026-01", organisation="tinh", subtree=True)
        assert (1, 6, 1) == (report.reception_days_held, report.citizens_received,
                             report.by_channel["reception"])
        # January ended: the province held none (minimum 1), xa one (2), xa-2 none (2).
        assert [("tinh", 0, 1), ("xa", 1, 2), ("xa-2", 0, 2)] == sorted(
            (m.organisation_id, m.held, m.minimum) for m in report.reception_short)
        md = rflow.render_report(report, "md")
        assert "| xa | 2026-01 | 1 | 0 | 2 |" in md
        rows = list(csv.reader(io.StringIO(rflow.render_report(report, "csv"))))
        assert ["summary", "reception_days_held", "1"] in [row[:3] for row in rows]
        assert ["reception_short", "xa 2026-01", "1/2"] in [row[:3] for row in rows]

    def test_the_current_month_counts_days_to_come(self, rflow: DialogueFlow,
                                                   office: Actor) -> None:
        rflow.schedule_receptions("2026-01", actor=office)
        report = rflow.report("2026-01", organisation="xa")
        assert () == report.reception_short


class TestCalendarExport:
    def test_announced_days_and_dialogues_read_back(self, rflow: DialogueFlow, office: Actor,
                                                    intake: Actor, clock: FixedClock) -> None:
        kept = _announced(rflow, office, date(2026, 1, 12))
        dropped = _announced(rflow, office, date(2026, 1, 14))
        rflow.plan_reception(scheduled_for=date(2026, 1, 16), actor=office)  # not announced
        rflow.cancel_reception(dropped, actor=office, reason="x")
        d = rflow.plan_dialogue(title="Đối thoại quý I", scheduled_for=date(2026, 1, 20),
                                actor=office, venue="Hội trường xã", topics=["đất đai"])
        rflow.announce(d.id, actor=office)
        clock.set(date(2026, 1, 12))
        rflow.receive(petitioner=Petitioner("Lê Văn Bí Mật", phone="0912345678"),
                      topic="t", content="c", actor=intake, reception=kept)
        data = rflow.calendar_ics("xa", start=date(2026, 1, 1), end=date(2026, 1, 31))
        cal = icalendar.Calendar.from_ical(data)
        events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
        assert {f"{kept}@dialogue-flow", f"{dropped}@dialogue-flow",
                f"{d.id}@dialogue-flow"} == set(events)
        assert ("CONFIRMED", "CANCELLED", date(2026, 1, 12), "Trụ sở Đảng ủy xã") == (
            str(events[f"{kept}@dialogue-flow"]["status"]),
            str(events[f"{dropped}@dialogue-flow"]["status"]),
            events[f"{kept}@dialogue-flow"].decoded("dtstart"),
            str(events[f"{kept}@dialogue-flow"]["location"]))
        assert "Đối thoại quý I" in str(events[f"{d.id}@dialogue-flow"]["summary"])
        text = data.decode()
        assert ("Bí Mật" in text, "0912345678" in text) == (False, False)

    def test_the_province_with_its_communes(self, rflow: DialogueFlow, office: Actor) -> None:
        _announced(rflow, office, date(2026, 1, 12))
        alone = icalendar.Calendar.from_ical(rflow.calendar_ics(
            "tinh", start=date(2026, 1, 1), end=date(2026, 1, 31)))
        with_communes = icalendar.Calendar.from_ical(rflow.calendar_ics(
            "tinh", start=date(2026, 1, 1), end=date(2026, 1, 31), subtree=True))
        assert (0, 1) == (len(alone.walk("VEVENT")), len(with_communes.walk("VEVENT")))

    def test_without_icalendar_the_error_says_what_to_install(
            self, rflow: DialogueFlow, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "icalendar", None)
        with pytest.raises(ConfigurationError, match=r"dialogue-flow\[ics\]"):
            rflow.calendar_ics("xa", start=date(2026, 1, 1), end=date(2026, 1, 31))

    def test_end_before_start_is_refused(self, rflow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError, match="before start"):
            rflow.calendar_ics("xa", start=date(2026, 2, 1), end=date(2026, 1, 1))


class TestCommandLine:
    def test_receptions_and_ics(self, tmp_path: Path, calendar: WorkCalendar) -> None:
        db = f"sqlite:///{tmp_path / 'r.db'}"
        clock = FixedClock(date(2026, 1, 5))
        with DialogueFlow.open(db, clock=clock, calendar=calendar) as flow:
            for org in (PROVINCE, COMMUNE):
                flow.add_organisation(org)
            office = Actor("vp-xa", "VP", "office", organisation_id="xa")
            for r in flow.schedule_receptions("2026-01", actor=office):
                flow.announce_reception(r.id, actor=office)
        runner = CliRunner()
        listed = runner.invoke(main, ["receptions", "--db", db, "--org", "xa",
                                      "--month", "2026-01"])
        assert 0 == listed.exit_code, listed.output
        assert "xa 2026-01-10" in listed.output
        assert "xa 2026-01: held 0, to come 2, cancelled 0, minimum 2" in listed.output
        out = tmp_path / "xa.ics"
        exported = runner.invoke(main, ["ics", "--db", db, "--org", "xa", "--from",
                                        "2026-01-01", "--to", "2026-01-31", "--output",
                                        str(out)])
        assert 0 == exported.exit_code, exported.output
        assert 2 == len(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
        bad = runner.invoke(main, ["receptions", "--db", db, "--org", "xa", "--month", "1/26"])
        assert (1, True) == (bad.exit_code, "YYYY-MM" in bad.output)


class ReceptionMachine(RuleBasedStateMachine):
    """Random sequences of reception-day commands against a plain model: every command the
    model allows succeeds, every other one is refused and writes nothing; the month's counts
    and the replacement links agree with the model."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(date(2026, 3, 2))
        self.flow = DialogueFlow.open("memory://", clock=self.clock, ids=SequentialIds(),
                                      calendar=WorkCalendar.vietnam(years=range(2025, 2028)))
        self.flow.add_organisation(Organisation("xa", "Đảng ủy xã", "commune"))
        self.office = Actor("vp", "Văn phòng", "office", organisation_id="xa")
        #: id -> (state, day, replaced_by)
        self.model: dict[str, tuple[str, date, str | None]] = {}

    def _working(self, offset: int) -> date:
        return self.flow.calendar.add_working_days(self.clock.today(), offset)

    @rule(offset=st.integers(1, 15))
    def plan(self, offset: int) -> None:
        day = self._working(offset)
        live = any(d == day and s != "cancelled" for s, d, _ in self.model.values())
        if live:
            with pytest.raises(InvalidInputError):
                self.flow.plan_reception(scheduled_for=day, actor=self.office)
            return
        r = self.flow.plan_reception(scheduled_for=day, actor=self.office)
        self.model[r.id] = ("scheduled", day, None)

    @rule(data=st.data())
    def announce(self, data: st.DataObject) -> None:
        if not self.model:
            return
        rid = data.draw(st.sampled_from(sorted(self.model)))
        state, day, nxt = self.model[rid]
        if state == "scheduled" and day > self.clock.today():
            self.flow.announce_reception(rid, actor=self.office)
            self.model[rid] = ("announced", day, nxt)
        else:
            with pytest.raises((InvalidInputError, InvalidTransitionError)):
                self.flow.announce_reception(rid, actor=self.office)

    @rule(data=st.data(), citizens=st.integers(0, 30))
    def hold(self, data: st.DataObject, citizens: int) -> None:
        if not self.model:
            return
        ahead = sorted(k for k, (s, d, _) in self.model.items()
                       if s == "announced" and d >= self.clock.today())
        if ahead:
            # Time passes until an announced day comes, and it is held that day.
            rid = data.draw(st.sampled_from(ahead))
            self.clock.set(self.model[rid][1])
        else:  # any day: refused unless it is announced for today
            rid = data.draw(st.sampled_from(sorted(self.model)))
        self._hold(rid, citizens)

    @rule(data=st.data(), citizens=st.integers(0, 30))
    def hold_any(self, data: st.DataObject, citizens: int) -> None:
        """Any day, whatever its state and date: refused unless announced for today."""
        if self.model:
            self._hold(data.draw(st.sampled_from(sorted(self.model))), citizens)

    def _hold(self, rid: str, citizens: int) -> None:
        state, day, nxt = self.model[rid]
        if state == "announced" and day == self.clock.today():
            self.flow.hold_reception(rid, actor=self.office, citizens=citizens,
                                     received_by=["Bí thư"])
            self.model[rid] = ("held", day, nxt)
        else:
            with pytest.raises((InvalidInputError, InvalidTransitionError)):
                self.flow.hold_reception(rid, actor=self.office, citizens=citizens,
                                         received_by=["Bí thư"])

    @rule(data=st.data(), replace=st.booleans(), offset=st.integers(1, 10))
    def cancel(self, data: st.DataObject, replace: bool, offset: int) -> None:
        if not self.model:
            return
        rid = data.draw(st.sampled_from(sorted(self.model)))
        state, day, _ = self.model[rid]
        replacement = self._working(offset) if replace else None
        if state in ("scheduled", "announced"):
            r = self.flow.cancel_reception(rid, actor=self.office, reason="đổi lịch",
                                           replacement=replacement)
            self.model[rid] = ("cancelled", day, r.replaced_by)
            if r.replaced_by is not None:
                assert replacement is not None
                self.model[r.replaced_by] = ("scheduled", replacement, None)
        else:
            with pytest.raises(InvalidTransitionError):
                self.flow.cancel_reception(rid, actor=self.office, reason="x",
                                           replacement=replacement)

    @rule(days=st.integers(1, 3))
    def next_day(self, days: int) -> None:
        self.clock.advance(days=days)

    @invariant()
    def stored_days_agree_with_the_model(self) -> None:
        stored = {r.id: r for r in self.flow.reception_days(limit=1000)}
        assert {k: (s, d) for k, (s, d, _) in self.model.items()} == {
            k: (r.state.value, r.scheduled_for) for k, r in stored.items()}
        for rid, (_state, _day, nxt) in self.model.items():
            assert stored[rid].replaced_by == nxt
            if nxt is not None:
                assert stored[nxt].replaces == rid
            assert list(range(1, stored[rid].version + 1)) == [
                row.version for row in self.flow.history(stored[rid])]

    @invariant()
    def month_counts_agree(self) -> None:
        month = self.clock.today().strftime("%Y-%m")
        counted = self.flow.reception_month("xa", month)
        mine = [s for s, d, _ in self.model.values() if d.strftime("%Y-%m") == month]
        assert (mine.count("held"), mine.count("scheduled") + mine.count("announced"),
                mine.count("cancelled")) == (counted.held, counted.planned, counted.cancelled)


TestReceptionMachine = ReceptionMachine.TestCase
TestReceptionMachine.settings = settings(max_examples=40, stateful_step_count=25,
                                         deadline=None)


def test_an_organisations_report_names_its_own_policy(clock: FixedClock,
                                                      calendar: WorkCalendar) -> None:
    """A province under the complaints policy reports under it, not under the flow's."""
    flow = DialogueFlow.open("memory://", clock=clock, calendar=calendar)
    flow.add_organisation(Organisation("tinh", "Tỉnh ủy", "province",
                                       policy_id="complaints-2011"))
    flow.add_organisation(Organisation("xa", "Đảng ủy xã", "commune", parent_id="tinh"))
    assert ("complaints-2011", "seed-plan", "seed-plan") == (
        flow.report("2026-01", organisation="tinh").policy,
        flow.report("2026-01", organisation="xa").policy, flow.report("2026-01").policy)
