"""Heartbeats (issue 17, part 6): the sweep and the dispatcher record that they ran, and a
sweep that finds working days went by without one tells the office."""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest

from dialogue_flow import (
    DEFAULT_ORGANISATION,
    VIETNAM_TZ,
    Actor,
    DialogueFlow,
    Dispatcher,
    FixedClock,
    InvalidInputError,
    Level,
    MemoryStorage,
    Organisation,
    Petitioner,
    StorageError,
    SweepResult,
    WorkCalendar,
)
from dialogue_flow.storage import Heartbeat

TREE = (Organisation("tinh", "Tỉnh ủy", Level.PROVINCE),
        Organisation("xa-a", "Đảng ủy xã A", Level.COMMUNE, parent_id="tinh"),
        Organisation("xa-b", "Đảng ủy xã B", Level.COMMUNE, parent_id="tinh"))


def _missed(flow: DialogueFlow) -> list[str]:
    return sorted(n.key for n in flow.storage.pending_notifications()
                  if n.event == "sweep_missed")


def _sweep_on(flow: DialogueFlow, clock: FixedClock, day: date,
              organisation: str | None = None) -> SweepResult:
    """The nightly job: the clock at 00:05 of ``day``, sweeping for ``day``."""
    clock.set(dt.datetime.combine(day, dt.time(0, 5), VIETNAM_TZ))
    return flow.sweep(day, organisation=organisation)


class TestTheSweepBeats:
    def test_a_sweep_records_its_heartbeat(self, flow: DialogueFlow,
                                           clock: FixedClock) -> None:
        """Job, the whole store, the day swept, when it finished and what it wrote."""
        result = flow.sweep(date(2021, 6, 1))
        [beat] = flow.storage.heartbeats()
        assert ("sweep", None, date(2021, 6, 1), clock.now()) == (
            beat.job, beat.organisations, beat.day, beat.finished_at)
        assert result.written == beat.counts["written"]
        assert None is result.previous_sweep

    def test_a_sweep_of_a_subtree_covers_those_organisations(
            self, flow: DialogueFlow, clock: FixedClock) -> None:
        """A province's sweep of its subtree is one heartbeat naming its organisations; the
        next sweep reports when it finished."""
        flow.load_organisations(list(TREE))
        flow.sweep(date(2021, 6, 1), organisation="tinh", subtree=True)
        [beat] = flow.storage.heartbeats()
        assert ("tinh", "xa-a", "xa-b") == beat.organisations
        clock.advance(days=1)
        assert clock.now() - dt.timedelta(days=1) == flow.sweep(
            date(2021, 6, 2), organisation="xa-a").previous_sweep
        assert 2 == len(flow.storage.heartbeats())


class TestAMissedSweepTellsTheOffice:
    def test_the_first_sweep_tells_nobody(self, flow: DialogueFlow,
                                          clock: FixedClock) -> None:
        """No heartbeat yet: this sweep is the first, nothing was missed."""
        assert 0 == _sweep_on(flow, clock, date(2021, 6, 4)).missed
        assert [] == _missed(flow)

    @pytest.mark.parametrize(("first", "then"), [
        (date(2021, 6, 1), date(2021, 6, 2)),   # Tuesday, Wednesday
        (date(2021, 6, 4), date(2021, 6, 7)),   # Friday, Monday: a job on working days only
        (date(2021, 6, 5), date(2021, 6, 7)),   # Saturday, Monday
    ])
    def test_no_working_day_without_a_sweep_tells_nobody(
            self, flow: DialogueFlow, clock: FixedClock, first: date, then: date) -> None:
        """Every working day had its sweep."""
        _sweep_on(flow, clock, first)
        assert 0 == _sweep_on(flow, clock, then).missed
        assert [] == _missed(flow)

    def test_working_days_without_a_sweep_tell_the_office_once(
            self, flow: DialogueFlow, clock: FixedClock) -> None:
        """Swept Tuesday 1 June, then Friday 4: Wednesday and Thursday were missed. The
        office is told (in the flow's language, since when, how many working days); a
        second sweep that day tells nobody again."""
        _sweep_on(flow, clock, date(2021, 6, 1))
        result = _sweep_on(flow, clock, date(2021, 6, 4))
        assert 1 == result.missed
        [note] = [n for n in flow.storage.pending_notifications() if n.event == "sweep_missed"]
        assert ("sweep_missed:default:2021-06-01", "office", DEFAULT_ORGANISATION) == (
            note.key, note.audience, note.organisation_id)
        assert "2021-06-01" in note.body
        assert "bỏ lỡ 2 ngày làm việc" in note.body
        again = _sweep_on(flow, clock, date(2021, 6, 4))
        assert (0, 0) == (again.missed, again.written)
        assert ["sweep_missed:default:2021-06-01"] == _missed(flow)

    def test_a_sweep_run_again_after_a_crash_tells_once(
            self, clock: FixedClock, calendar: WorkCalendar) -> None:
        """The notices were committed, the heartbeat was not (the process died): the sweep
        run again finds the same last sweep and writes the same key, which the outbox
        skips."""

        class Crashing(MemoryStorage):
            crash = False

            def record_heartbeat(self, heartbeat: Heartbeat) -> None:
                if self.crash:
                    raise StorageError("disk full")
                super().record_heartbeat(heartbeat)

        storage = Crashing()
        flow = DialogueFlow(storage, clock=clock, calendar=calendar)
        _sweep_on(flow, clock, date(2021, 6, 1))
        storage.crash = True
        with pytest.raises(StorageError):
            _sweep_on(flow, clock, date(2021, 6, 4))
        storage.crash = False
        result = _sweep_on(flow, clock, date(2021, 6, 4))
        assert (1, 0) == (result.missed, result.written)
        assert ["sweep_missed:default:2021-06-01"] == _missed(flow)

    def test_a_sweep_for_an_earlier_day_tells_nobody(self, flow: DialogueFlow,
                                                     clock: FixedClock) -> None:
        """A back-fill (a sweep for a day before the last one swept) missed nothing."""
        _sweep_on(flow, clock, date(2021, 6, 4))
        clock.set(dt.datetime(2021, 6, 4, 9, 0, tzinfo=VIETNAM_TZ))
        assert 0 == flow.sweep(date(2021, 6, 1)).missed
        assert [] == _missed(flow)

    def test_each_organisation_by_its_own_last_sweep(self, flow: DialogueFlow,
                                                     clock: FixedClock) -> None:
        """The whole store swept on Tuesday, commune A alone on Wednesday and Thursday:
        Friday's sweep tells commune B's office (and the province's), not commune A's."""
        flow.load_organisations(list(TREE))
        _sweep_on(flow, clock, date(2021, 6, 1))
        for day in (date(2021, 6, 2), date(2021, 6, 3)):
            assert 0 == _sweep_on(flow, clock, day, organisation="xa-a").missed
        result = _sweep_on(flow, clock, date(2021, 6, 4))
        assert 2 == result.missed
        assert ["sweep_missed:tinh:2021-06-01", "sweep_missed:xa-b:2021-06-01"] == _missed(flow)
        notes = {n.organisation_id: n for n in flow.storage.pending_notifications()
                 if n.event == "sweep_missed"}
        assert notes["xa-b"].body.startswith("Đảng ủy xã B:")

    def test_in_english(self, clock: FixedClock, calendar: WorkCalendar) -> None:
        """The notice is in the flow's language."""
        flow = DialogueFlow(MemoryStorage(), clock=clock, calendar=calendar,
                            language="en")
        _sweep_on(flow, clock, date(2021, 6, 1))
        _sweep_on(flow, clock, date(2021, 6, 4))
        [note] = [n for n in flow.storage.pending_notifications() if n.event == "sweep_missed"]
        assert "The daily deadline sweep was interrupted" == note.subject
        assert "missing 2 working day(s)" in note.body


class TestTheDispatcherBeats:
    def test_a_dispatch_pass_records_its_heartbeat(
            self, flow: DialogueFlow, clock: FixedClock, intake: Actor,
            petitioner: Petitioner) -> None:
        """What it claimed and how each ended, its worker name, the organisations served."""
        flow.receive(petitioner=petitioner, topic="đất đai", content="...", actor=intake)
        result = flow.dispatch(worker_id="cron:1")
        [beat] = flow.storage.heartbeats()
        assert ("dispatch", None, "cron:1", clock.now()) == (
            beat.job, beat.organisations, beat.worker, beat.finished_at)
        assert 1 == beat.counts["claimed"]
        assert result.no_recipient + result.logged + result.delivered == 1

    def test_a_dispatcher_of_one_organisation_records_it(self, flow: DialogueFlow) -> None:
        """A vendor's dispatcher per committee: its scope is that committee."""
        flow.load_organisations(list(TREE))
        flow.dispatch(organisation="xa-a")
        assert [("xa-a",)] == [beat.organisations for beat in flow.storage.heartbeats()]

    def test_idle_polls_beat_at_most_every_heartbeat_every(
            self, flow: DialogueFlow, clock: FixedClock) -> None:
        """A dispatcher polling an empty outbox writes its heartbeat once a minute (by
        default), not on every poll."""
        dispatcher = Dispatcher(flow.storage, flow.plugins, clock=clock)
        start = clock.now()
        for seconds in (0, 30, 59):
            clock.set(start + dt.timedelta(seconds=seconds))
            dispatcher.run_once()
            assert [start] == [beat.finished_at for beat in flow.storage.heartbeats()]
        clock.set(start + dt.timedelta(seconds=61))
        dispatcher.run_once()
        assert [clock.now()] == [beat.finished_at for beat in flow.storage.heartbeats()]

    def test_heartbeat_every_must_be_positive(self, flow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError) as info:
            Dispatcher(flow.storage, flow.plugins, heartbeat_every=dt.timedelta(0))
        assert "heartbeat_every" == info.value.field


class TestTheRecord:
    @pytest.mark.parametrize(("field", "values"), [
        ("finished_at", {"finished_at": dt.datetime(2021, 6, 1, 8, 0)}),
        ("Heartbeat.organisations", {"organisations": "xa-a"}),
        ("Heartbeat.organisations", {"organisations": ["x y"]}),
        ("Heartbeat.counts", {"counts": {"written": -1}}),
        ("Heartbeat.job", {"job": ""}),
    ])
    def test_bad_fields_are_refused(self, field: str, values: dict[str, object]) -> None:
        """Each bad field is an InvalidInputError naming it."""
        arguments: dict[str, object] = {
            "job": "sweep", "finished_at": dt.datetime(2021, 6, 1, 8, 0, tzinfo=VIETNAM_TZ),
            **values}
        with pytest.raises(InvalidInputError) as info:
            Heartbeat(**arguments)  # type: ignore[arg-type]
        assert info.value.field.endswith(field.rsplit(".", 1)[-1])

    def test_the_scope_key(self) -> None:
        """The whole store, one organisation by its id, several by a digest of their ids
        (in any order)."""
        at = dt.datetime(2021, 6, 1, 8, 0, tzinfo=VIETNAM_TZ)
        assert "*" == Heartbeat("sweep", at).scope
        assert "xa-a" == Heartbeat("sweep", at, organisations={"xa-a"}).scope
        one = Heartbeat("sweep", at, organisations=["xa-b", "xa-a"]).scope
        assert one == Heartbeat("sweep", at, organisations=("xa-a", "xa-b")).scope
        assert one.startswith("2:")
