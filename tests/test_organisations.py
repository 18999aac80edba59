"""Organisations (issue 14): one store holds a province and its communes; every record
belongs to one; queries cover one organisation or its subtree; actors act in their own."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    DEFAULT_ORGANISATION,
    Actor,
    ConfigurationError,
    DayOverride,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    Level,
    NotFoundError,
    Organisation,
    PermissionDeniedError,
    Petitioner,
    Role,
    SequentialIds,
    Submission,
    WorkCalendar,
)
from dialogue_flow._tree import read_tree, tree_summary
from dialogue_flow.cli import main

TREE = Path(__file__).parent.parent / "examples" / "province-tree.toml"
PROVINCE, EAST, WEST = "tinh-mau", "xa-mau-dong", "xa-mau-tay"


@pytest.fixture
def flow(clock: FixedClock, calendar: WorkCalendar) -> DialogueFlow:
    flow = DialogueFlow.open("memory://", clock=clock, ids=SequentialIds(), calendar=calendar)
    flow.load_organisations(TREE)
    return flow


def _actor(org: str, role: Role = Role.INTAKE_DESK) -> Actor:
    return Actor(f"{role.value}-{org}", f"{role.value} {org}", role, organisation_id=org)


def _receive(flow: DialogueFlow, org: str, petitioner: Petitioner) -> str:
    return flow.receive(petitioner=petitioner, topic="đất đai", content="...",
                        actor=_actor(org)).id


class TestTree:
    def test_the_sample_tree_loads(self, flow: DialogueFlow) -> None:
        orgs = flow.organisations()
        assert [(0, PROVINCE), (1, "phuong-mau-nam"), (1, EAST), (1, WEST)] == [
            (depth, o.id) for depth, o in tree_summary(orgs)]
        assert Level.PROVINCE == flow.organisation(PROVINCE).level
        assert "Ban Tuyên giáo và Dân vận Tỉnh ủy" in flow.organisation(PROVINCE).bodies
        assert ["add"] == [row.event for row in flow.history(flow.organisation(PROVINCE))]

    def test_organisations_under_one(self, flow: DialogueFlow) -> None:
        """``under=``: that organisation and its subtree, as ``subtree=True`` counts it."""
        everyone = [o.id for o in flow.organisations()]
        assert everyone == [o.id for o in flow.organisations(under=PROVINCE)]
        assert [EAST] == [o.id for o in flow.organisations(under=EAST)]
        flow.add_organisation(Organisation("thon-1", "Thôn 1", "commune", EAST))
        assert ["thon-1", EAST] == [o.id for o in flow.organisations(under=EAST)]  # by id
        with pytest.raises(NotFoundError, match="tinh-khac"):
            flow.organisations(under="tinh-khac")
        with pytest.raises(InvalidInputError, match="under"):
            flow.organisations(under="")

    def test_loading_again_changes_only_what_changed(self, flow: DialogueFlow) -> None:
        assert [1, 1, 1, 1] == [o.version for o in flow.load_organisations(TREE)]
        renamed = TREE.read_text(encoding="utf-8").replace("Đảng ủy xã Mẫu Đông",
                                                           "Đảng ủy xã Mẫu Đông (mới)")
        by_id = {o.id: o for o in flow.load_organisations(renamed)}
        assert (2, 1) == (by_id[EAST].version, by_id[WEST].version)
        assert ["add", "update"] == [r.event for r in flow.history(flow.organisation(EAST))]

    def test_the_default_organisation_needs_no_row(self, clock: FixedClock) -> None:
        flow = DialogueFlow.open("memory://", clock=clock)
        assert DEFAULT_ORGANISATION == flow.organisation(DEFAULT_ORGANISATION).id
        assert [] == flow.organisations()

    @pytest.mark.parametrize(("org", "message"), [
        (Organisation("xa-moi", "Xã Mới", Level.COMMUNE, parent_id="tinh-khac"),
         "parent 'tinh-khac'"),
        (Organisation(PROVINCE, "Tỉnh ủy Mẫu", Level.PROVINCE), "stored already"),
    ])
    def test_add_refuses(self, flow: DialogueFlow, org: Organisation, message: str) -> None:
        with pytest.raises(InvalidInputError, match=message):
            flow.add_organisation(org)

    def test_a_circle_is_refused(self, flow: DialogueFlow) -> None:
        text = TREE.read_text(encoding="utf-8").replace(
            'level = "province"', 'level = "province"\nparent = "xa-mau-dong"', 1)
        with pytest.raises(InvalidInputError, match="circle"):
            flow.load_organisations(text)
        assert flow.organisation(PROVINCE).parent_id is None  # nothing written

    @pytest.mark.parametrize(("text", "message"), [
        ('[[organisation]]\nid = "x"\nname = "X"\n', "missing key 'level'"),
        ('[[organisation]]\nid = "x"\nname = "X"\nlevel = "commune"\ncolour = 1\n',
         "unknown keys colour"),
        ('[[organisation]]\nid = "x y"\nname = "X"\nlevel = "commune"\n', "not a valid id"),
        ('[province]\nid = "x"\n', r"\[\[organisation\]\] tables only"),
    ])
    def test_bad_tree_files(self, flow: DialogueFlow, tmp_path: Path, text: str,
                            message: str) -> None:
        path = tmp_path / "tree.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigurationError, match=message) as info:
            flow.load_organisations(path)
        assert str(path) in str(info.value)


class TestScope:
    def test_records_belong_to_the_actors_organisation(self, flow: DialogueFlow,
                                                       petitioner: Petitioner) -> None:
        sub = flow.submission(_receive(flow, EAST, petitioner))
        assert EAST == sub.organisation_id
        assert EAST == flow.history(sub)[0].organisation_id
        assert EAST == flow.storage.pending_notifications()[0].organisation_id
        d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại",
                               actor=_actor(WEST, Role.OFFICE))
        assert WEST == d.organisation_id

    def test_queries_by_organisation_and_subtree(self, flow: DialogueFlow,
                                                 petitioner: Petitioner) -> None:
        east, west, province = (_receive(flow, org, petitioner)
                                for org in (EAST, WEST, PROVINCE))
        assert [east] == [s.id for s in flow.submissions(organisation=EAST)]
        assert [province] == [s.id for s in flow.submissions(organisation=PROVINCE)]
        assert sorted([east, west, province]) == [
            s.id for s in flow.submissions(organisation=PROVINCE, subtree=True)]
        assert [] == list(flow.submissions(organisation=DEFAULT_ORGANISATION))
        assert [] == list(flow.submissions(organisation=DEFAULT_ORGANISATION, subtree=True))
        for below in (False, True):
            with pytest.raises(NotFoundError, match="tinh-khac"):
                flow.submissions(organisation="tinh-khac", subtree=below)
        with pytest.raises(InvalidInputError, match="subtree"):
            flow.submissions(subtree=True)

    def test_actors_act_only_in_their_organisation(self, flow: DialogueFlow,
                                                   petitioner: Petitioner) -> None:
        sub = _receive(flow, EAST, petitioner)
        with pytest.raises(PermissionDeniedError):
            flow.assign(sub, department="Địa chính", actor=_actor(PROVINCE, Role.CHAIR))
        with pytest.raises(PermissionDeniedError):
            flow.assign(sub, department="Địa chính", actor=_actor(WEST, Role.CHAIR))
        assert "assigned" == flow.assign(sub, department="Địa chính",
                                         actor=_actor(EAST, Role.CHAIR)).state

    def test_an_unknown_organisation_creates_nothing(self, flow: DialogueFlow,
                                                     petitioner: Petitioner) -> None:
        with pytest.raises(NotFoundError, match="xa-khac"):
            _receive(flow, "xa-khac", petitioner)
        assert [] == list(flow.submissions())


class TestTransfers:
    """A commune escalates to its province: one commit, a linked matter, the clock moves."""

    def _assigned(self, flow: DialogueFlow, petitioner: Petitioner) -> str:
        sub = _receive(flow, EAST, petitioner)
        flow.assign(sub, department="Địa chính", actor=_actor(EAST, Role.CHAIR))
        return sub

    def test_escalating_creates_the_linked_matter_in_one_commit(
            self, flow: DialogueFlow, clock: FixedClock, petitioner: Petitioner) -> None:
        sub = self._assigned(flow, petitioner)
        clock.set(date(2021, 6, 3))
        origin = flow.escalate(sub, to=PROVINCE, body="Sở Xây dựng",
                               actor=_actor(EAST, Role.CHAIR))
        assert origin.transferred_to is not None
        linked = flow.submission(origin.transferred_to)
        assert (PROVINCE, sub, "received", "transferred", "Sở Xây dựng") == (
            linked.organisation_id, linked.origin_id, linked.state, linked.channel,
            linked.department)
        assert "Sở Xây dựng — Tỉnh ủy Mẫu" == origin.competent_level
        # Issue 15: due when the province's matter is, on the province's processing clock.
        assert linked.due is not None
        assert ("processing", date(2021, 6, 3), linked.due) == (
            linked.due.rule_id, linked.due.anchor, origin.due)
        # The commune's matter does not count as overdue while the province has it.
        assert [] == list(flow.submissions(organisation=EAST, overdue_as_of=date(2022, 1, 1)))
        assert [linked.id] == [s.id for s in flow.submissions(organisation=PROVINCE)]
        events = {(n.record_id, n.event) for n in flow.storage.pending_notifications()}
        assert {(sub, "escalated"), (linked.id, "transferred_in")} <= events

    def test_the_provinces_answer_reaches_the_petitioner_once(
            self, flow: DialogueFlow, clock: FixedClock, petitioner: Petitioner) -> None:
        sub = self._assigned(flow, petitioner)
        linked = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR)).transferred_to
        assert linked is not None
        clock.set(date(2021, 7, 1))
        flow.answer(linked, text="Tỉnh đã bố trí vốn.", actor=_actor(PROVINCE, Role.CHAIR))
        origin = flow.submission(sub)
        assert ("answered", "Tỉnh đã bố trí vốn.", date(2021, 7, 1)) == (
            origin.state, origin.answer, origin.answered_on)
        answered = [n.record_id for n in flow.storage.pending_notifications()
                    if n.event == "answered"]
        assert [sub] == answered
        flow.close(linked, outcome="accepted", actor=_actor(PROVINCE, Role.CHAIR))
        origin = flow.submission(sub)
        assert ("closed", "answered_by_competent_level", None) == (
            origin.state, origin.close_reason, origin.transferred_to)
        closed = [n.record_id for n in flow.storage.pending_notifications()
                  if n.event == "closed"]
        assert [sub] == closed

    def test_the_province_hands_it_back_and_the_clock_resumes(
            self, flow: DialogueFlow, clock: FixedClock, petitioner: Petitioner) -> None:
        sub = self._assigned(flow, petitioner)  # due Thu 15 July 2021 (30 working days)
        due = flow.submission(sub).due
        assert due is not None
        clock.set(date(2021, 6, 8))
        linked = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR)).transferred_to
        assert linked is not None
        left = flow.calendar.working_days_between(date(2021, 6, 8), due.date)
        clock.set(date(2021, 6, 22))
        flow.return_matter(linked, reason="thuộc thẩm quyền của xã",
                           actor=_actor(PROVINCE, Role.CHAIR))
        origin = flow.submission(sub)
        assert origin.due is not None
        assert ("received", None, "resumed") == (origin.state, origin.transferred_to,
                                                 origin.due.rule_id)
        assert flow.calendar.add_working_days(date(2021, 6, 22), left) == origin.due.date
        assert ("closed", "returned") == (flow.submission(linked).state,
                                          flow.submission(linked).close_reason)
        again = flow.assign(sub, department="Địa chính", actor=_actor(EAST, Role.CHAIR))
        assert origin.due == again.due  # the resumed clock is kept

    @pytest.mark.parametrize("decision", ["accept", "assign"])
    def test_the_origin_follows_every_move_of_the_provinces_clock(
            self, flow: DialogueFlow, clock: FixedClock, petitioner: Petitioner,
            decision: str) -> None:
        """Accepting or assigning, then extending or escalating the province's matter moves
        the commune's due date in the same commit, with a ``schedule`` audit row naming the
        province's matter (issue 15)."""
        sub = self._assigned(flow, petitioner)
        clock.set(date(2021, 6, 3))
        linked = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR)).transferred_to
        assert linked is not None
        first = flow.submission(linked).due
        chair = _actor(PROVINCE, Role.CHAIR)
        clock.set(date(2021, 6, 7))
        decided = (flow.accept(linked, actor=chair) if decision == "accept" else
                   flow.assign(linked, department="Sở Xây dựng", actor=chair))
        assert decided.due is not None
        # Assigning an accepted matter keeps its clock: nothing to follow.
        assert decided.due == flow.assign(linked, department="Sở Xây dựng", actor=chair).due
        extended = flow.extend(linked, until=flow.calendar.add_working_days(decided.due.date, 5),
                               reason="cần khảo sát hiện trường", actor=chair)
        moves = [decided, extended]
        assert len({first, *(m.due for m in moves)}) == 3  # each step moved the clock
        rows = [r for r in flow.history(flow.submission(sub)) if r.event == "schedule"]
        assert [(m.due.date.isoformat(), linked, PROVINCE, "escalated")  # type: ignore[union-attr]
                for m in moves] == [(r.details["due"], r.details["linked"], r.details["by"],
                                     r.dest) for r in rows]
        assert extended.due == flow.submission(sub).due
        # Further up, to a body outside the store: the province's clock stays, so the
        # commune's too.
        beyond = flow.escalate(linked, competent_level="Bộ Xây dựng", actor=chair)
        assert (extended.due, extended.due) == (beyond.due, flow.submission(sub).due)

    def test_the_commune_cannot_move_the_clock_the_province_runs(
            self, flow: DialogueFlow, petitioner: Petitioner) -> None:
        """While the province has it, the commune neither extends nor assigns its matter
        (the province answers, or hands it back); nothing is written."""
        sub = self._assigned(flow, petitioner)
        origin = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR))
        assert origin.due is not None
        with pytest.raises(InvalidInputError, match="return_matter"):
            flow.extend(sub, until=flow.calendar.add_working_days(origin.due.date, 5),
                        reason="...", actor=_actor(EAST, Role.CHAIR))
        with pytest.raises(InvalidInputError, match="return_matter"):
            flow.assign(sub, department="Địa chính", actor=_actor(EAST, Role.CHAIR))
        assert origin == flow.submission(sub)

    def test_a_chain_of_transfers_runs_on_the_last_clock(
            self, flow: DialogueFlow, clock: FixedClock, petitioner: Petitioner) -> None:
        """Commune → province → a body above it in the store: both earlier matters are
        due when the last one is and follow it; handed back to the province, the province
        resumes its clock and the commune's matter follows the province's again."""
        flow.add_organisation(Organisation("ban-mau", "Ban Nội chính (mẫu)", "central"))
        sub = self._assigned(flow, petitioner)
        middle = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR)).transferred_to
        assert middle is not None
        clock.set(date(2021, 6, 8))
        last = flow.escalate(middle, to="ban-mau",
                             actor=_actor(PROVINCE, Role.CHAIR)).transferred_to
        assert last is not None
        clock.set(date(2021, 6, 10))
        accepted = flow.accept(last, actor=_actor("ban-mau", Role.CHAIR))
        assert [accepted.due] * 2 == [flow.submission(i).due for i in (middle, sub)]
        clock.set(date(2021, 6, 14))
        flow.return_matter(last, reason="thuộc thẩm quyền của tỉnh",
                           actor=_actor("ban-mau", Role.CHAIR))
        resumed = flow.submission(middle)
        assert resumed.due is not None
        assert ("received", "resumed", resumed.due) == (
            resumed.state, resumed.due.rule_id, flow.submission(sub).due)

    def test_the_conclusion_notice_lists_it_on_the_provinces_clock(
            self, flow: DialogueFlow, clock: FixedClock, petitioner: Petitioner) -> None:
        """A matter raised at a dialogue and transferred before the conclusion notice is
        listed with the province's due date; the notice does not restart it at the
        commune (it still equals the province's matter's)."""
        office, chair = _actor(EAST, Role.OFFICE), _actor(EAST, Role.CHAIR)
        d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại quý II",
                               actor=office)
        flow.announce(d.id, actor=office)
        clock.set(date(2021, 6, 17))
        flow.hold(d.id, actor=office, actual_attendance=50)
        sub = flow.receive(dialogue=d.id, petitioner=petitioner, topic="giao thông", content="...",
                           actor=_actor(EAST)).id
        origin = flow.escalate(sub, to=PROVINCE, actor=chair)
        assert origin.due is not None
        clock.set(date(2021, 6, 21))
        notice = flow.conclude(d.id, actor=chair).conclusion
        assert notice is not None
        assert [(sub, origin.due.date)] == [(i.submission_id, i.due) for i in notice.items]
        assert origin == flow.submission(sub)

    @pytest.mark.parametrize("url", ["memory://", "sqlite://"])
    def test_past_the_provinces_due_date_only_its_matter_is_overdue(
            self, url: str, clock: FixedClock, calendar: WorkCalendar,
            petitioner: Petitioner) -> None:
        """Days past the province's due date the commune's matter is in no overdue list,
        count or due-date window of the commune (nor of the province's subtree): the
        province's matter is, and the sweep reminds and warns about that one only."""
        flow = DialogueFlow.open(url, clock=clock, ids=SequentialIds(), calendar=calendar)
        flow.load_organisations(TREE)
        sub = self._assigned(flow, petitioner)
        linked = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR)).transferred_to
        assert linked is not None
        due = flow.submission(linked).due
        assert due is not None
        before = calendar.add_working_days(due.date, -3)
        assert (1, 1) == (flow.sweep(before).due_soon, flow.sweep(due.date).due_soon)
        late = due.date + timedelta(days=10)
        clock.set(late)
        for scope in ({"organisation": EAST}, {"organisation": PROVINCE, "subtree": True},
                      {}):
            for window in ({"overdue_as_of": late}, {"due_on_or_before": late},
                           {"due_on_or_after": due.date}):
                page = flow.submissions(**scope, **window)  # type: ignore[arg-type]
                expected = [] if scope.get("organisation") == EAST else [linked]
                assert (expected, len(expected)) == ([s.id for s in page], page.total)
        result = flow.sweep(late)
        assert (1, 1) == (result.overdue_matters, result.overdue_notices)
        notices = {(n.record_id, n.event) for n in flow.storage.pending_notifications()
                   if n.event in ("due_soon", "overdue")}
        assert {(linked, "due_soon"), (linked, "overdue")} == notices
        # Handed back, the commune's matter runs on its own clock again, as before.
        flow.return_matter(linked, reason="thuộc thẩm quyền của xã",
                           actor=_actor(PROVINCE, Role.CHAIR))
        origin = flow.submission(sub)
        assert origin.due is not None
        assert ("resumed", None) == (origin.due.rule_id, origin.transferred_to)
        flow.shutdown()

    @pytest.mark.parametrize(("kwargs", "error"), [
        ({"to": "tinh-khac"}, NotFoundError),
        ({"to": PROVINCE, "competent_level": "UBND tỉnh"}, InvalidInputError),
        ({}, InvalidInputError),
        ({"to": EAST}, InvalidInputError),
        ({"competent_level": "Bộ Xây dựng", "body": "Vụ Pháp chế"}, InvalidInputError),
        ({"to": PROVINCE, "body": "Sở Tư pháp"}, InvalidInputError),  # not one of its bodies
    ])
    def test_refusals(self, flow: DialogueFlow, petitioner: Petitioner,
                      kwargs: dict[str, str], error: type[Exception]) -> None:
        sub = self._assigned(flow, petitioner)
        with pytest.raises(error):
            flow.escalate(sub, actor=_actor(EAST, Role.CHAIR), **kwargs)
        assert [] == list(flow.submissions(organisation=PROVINCE))

    def test_a_body_is_matched_whatever_its_unicode_form(self, flow: DialogueFlow,
                                                          petitioner: Petitioner) -> None:
        decomposed = unicodedata.normalize("NFD", "Sở Xây dựng")
        origin = flow.escalate(self._assigned(flow, petitioner), to=PROVINCE, body=decomposed,
                               actor=_actor(EAST, Role.CHAIR))
        assert origin.transferred_to is not None
        assert "Sở Xây dựng" == flow.submission(origin.transferred_to).department

    @pytest.mark.parametrize(("org", "words"), [(EAST, "cấp xã"), (PROVINCE, "cấp tỉnh")])
    def test_the_petitioner_is_told_which_levels_authority_it_exceeds(
            self, flow: DialogueFlow, petitioner: Petitioner, org: str, words: str) -> None:
        sub = _receive(flow, org, petitioner)
        flow.escalate(sub, competent_level="Bộ Xây dựng", actor=_actor(org, Role.CHAIR))
        [note] = [n for n in flow.storage.pending_notifications() if n.event == "escalated"]
        assert f"vượt thẩm quyền giải quyết của {words} và đã được chuyển đến Bộ Xây dựng" in (
            note.body)

    def test_a_body_outside_the_store_works_as_before(self, flow: DialogueFlow,
                                                      petitioner: Petitioner) -> None:
        sub = self._assigned(flow, petitioner)
        s = flow.escalate(sub, competent_level="Bộ Xây dựng", actor=_actor(EAST, Role.CHAIR))
        assert (None, "Bộ Xây dựng") == (s.transferred_to, s.competent_level)
        assert s.due is not None
        closed = flow.close(sub, outcome="answered_by_competent_level",
                            actor=_actor(EAST, Role.INTAKE_DESK))
        assert "closed" == closed.state

    def test_reopening_the_origin_leaves_the_provinces_matter(
            self, flow: DialogueFlow, petitioner: Petitioner) -> None:
        sub = self._assigned(flow, petitioner)
        linked = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR)).transferred_to
        assert linked is not None
        flow.answer(linked, text="Đã giải quyết.", actor=_actor(PROVINCE, Role.CHAIR))
        flow.close(linked, outcome="accepted", actor=_actor(PROVINCE, Role.CHAIR))
        again = flow.reopen(sub, reason="chưa thỏa đáng", actor=_actor(EAST))
        assert again.due is not None  # a fresh processing clock at the commune
        assert ("received", "processing", None) == (again.state, again.due.rule_id,
                                                    again.transferred_to)
        assert "closed" == flow.submission(linked).state


class TestReports:
    @pytest.mark.parametrize("url", ["memory://", "sqlite://"])
    def test_a_transferred_matter_awaits_the_competent_level(
            self, url: str, clock: FixedClock, calendar: WorkCalendar,
            petitioner: Petitioner) -> None:
        """Past the province's due date, the commune's report lists its matter as escalated
        (awaiting the competent level, with the province's due date), not as overdue; the
        province's report lists its own matter as overdue."""
        flow = DialogueFlow.open(url, clock=clock, ids=SequentialIds(), calendar=calendar)
        flow.load_organisations(TREE)
        sub = _receive(flow, EAST, petitioner)
        origin = flow.escalate(sub, to=PROVINCE, actor=_actor(EAST, Role.CHAIR))
        assert origin.due is not None
        late = origin.due.date + timedelta(days=10)
        east = flow.report("2021-06", organisation=EAST, as_of=late)
        province = flow.report("2021-06", organisation=PROVINCE, as_of=late)
        assert ([], [(sub, "Tỉnh ủy Mẫu", origin.due.date)]) == (
            [i.submission_id for i in east.overdue],
            [(i.submission_id, i.responsible, i.due) for i in east.escalated])
        assert [origin.transferred_to] == [i.submission_id for i in province.overdue]
        everything = flow.report("2021-06", organisation=PROVINCE, subtree=True, as_of=late)
        assert [origin.transferred_to] == [i.submission_id for i in everything.overdue]
        flow.shutdown()

    @pytest.mark.parametrize("url", ["memory://", "sqlite://"])
    def test_a_report_per_organisation_and_subtree(self, url: str, clock: FixedClock,
                                                   calendar: WorkCalendar,
                                                   petitioner: Petitioner) -> None:
        flow = DialogueFlow.open(url, clock=clock, ids=SequentialIds(), calendar=calendar)
        flow.load_organisations(TREE)
        for org, n in ((EAST, 2), (WEST, 1), (PROVINCE, 1)):
            for _ in range(n):
                _receive(flow, org, petitioner)
        east = flow.report("2021-06", organisation=EAST)
        province = flow.report("2021-06", organisation=PROVINCE)
        everything = flow.report("2021-06", organisation=PROVINCE, subtree=True)
        assert (2, 1, 4, 4) == (east.received, province.received, everything.received,
                                flow.report("2021-06").received)
        assert (EAST, False) == (east.organisation, east.subtree)
        text = flow.render_report(everything, "md")
        assert "tổ chức tinh-mau và các tổ chức trực thuộc" in text
        flow.shutdown()


class TestCli:
    def test_orgs_loads_and_lists_and_report_takes_org(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'p.db'}"
        assert 0 == CliRunner().invoke(main, ["init", "--db", url]).exit_code
        first = CliRunner().invoke(main, ["orgs", "--db", url, "--load", str(TREE)])
        assert 0 == first.exit_code, first.output
        assert ["loaded 4 organisations from " + str(TREE), "tinh-mau  Tỉnh ủy Mẫu (province)",
                "  phuong-mau-nam  Đảng ủy phường Mẫu Nam (commune)"] == (
                    first.output.splitlines()[:3])
        report = CliRunner().invoke(main, ["report", "--db", url, "--period", "2021",
                                           "--org", PROVINCE, "--subtree"])
        assert 0 == report.exit_code, report.output
        assert "tổ chức tinh-mau và các tổ chức trực thuộc" in report.output
        unknown = CliRunner().invoke(main, ["report", "--db", url, "--period", "2021",
                                            "--org", "tinh-khac"])
        assert (1, "Error: no organisation with id 'tinh-khac'\n") == (unknown.exit_code,
                                                                       unknown.output)

    def test_outbox_by_organisation(self, tmp_path: Path, clock: FixedClock,
                                    petitioner: Petitioner) -> None:
        url = f"sqlite:///{tmp_path / 'p.db'}"
        with DialogueFlow.open(url, clock=clock, ids=SequentialIds()) as flow:
            flow.load_organisations(TREE)
            for org in (EAST, EAST, WEST):
                _receive(flow, org, petitioner)
            per_org = {org: flow.outbox_stats(organisation=org)["pending"]
                       for org in (EAST, WEST, PROVINCE)}
            whole = flow.outbox_stats(organisation=PROVINCE, subtree=True)["pending"]
            assert ({EAST: 2, WEST: 1, PROVINCE: 0}, 3) == (per_org, whole)
            assert [] == flow.parked_notifications(organisation=EAST)
            with pytest.raises(NotFoundError):
                flow.outbox_stats(organisation="tinh-khac")
        shown = CliRunner().invoke(main, ["outbox", "--db", url, "--org", EAST])
        assert (0, "pending 2, delivered 0, parked 0, logged 0, no_recipient 0\n") == (
            shown.exit_code, shown.output)
        shown = CliRunner().invoke(main, ["outbox", "--db", url, "--org", PROVINCE,
                                          "--subtree"])
        assert "pending 3," in shown.output
        sent = CliRunner().invoke(main, ["dispatch", "--db", url, "--org", WEST])
        # The petitioner's phone, and no SMS notifier: only logged.
        assert (0, "delivered: 0, logged only: 1,") == (sent.exit_code, sent.output[:29])
        with DialogueFlow.open(url) as flow:
            assert (0, 2) == (flow.outbox_stats(organisation=WEST)["pending"],
                              flow.outbox_stats(organisation=EAST)["pending"])
            assert 2 == flow.dispatch(organisation=PROVINCE, subtree=True).logged


class TestRecipients:
    def test_each_report_names_its_recipients_by_level(self, flow: DialogueFlow) -> None:
        """215-KL/TW: a commune reports to the provincial secretary and two boards, a
        province to the central bodies; printed on the report."""
        commune = flow.report("2021-H1", organisation=EAST)
        province = flow.report("2021-H1", organisation=PROVINCE, subtree=True)
        assert "Ban Nội chính Tỉnh ủy" in commune.recipients
        assert "Bộ Chính trị" in province.recipients
        assert ("Nơi nhận (Kết luận 215-KL/TW): Bí thư Tỉnh ủy; Ban Nội chính Tỉnh ủy; "
                "Ban Tuyên giáo và Dân vận Tỉnh ủy.") in flow.render_report(commune, "md")
        assert ["Bộ Chính trị", "Ban Bí thư", "Các ban của Trung ương"] == json.loads(
            flow.render_report(province, "json"))["recipients"]
        assert () == flow.report("2021-H1").recipients  # the whole store: nobody's report


class TestRollup:
    def test_rows_per_commune_and_totals(self, flow: DialogueFlow,
                                         petitioner: Petitioner) -> None:
        for org, n in ((EAST, 2), (WEST, 1), (PROVINCE, 1)):
            for _ in range(n):
                _receive(flow, org, petitioner)
        rollup = flow.rollup("2021-H1", organisation=PROVINCE)
        assert [(PROVINCE, 1), ("phuong-mau-nam", 0), (EAST, 2), (WEST, 1)] == [
            (row.organisation, row.report.received) for row in rollup.rows]
        assert 4 == rollup.total.received == sum(r.report.received for r in rollup.rows)
        assert "Bộ Chính trị" in rollup.recipients
        data = json.loads(flow.render_rollup(rollup, "json"))
        assert (4, 4) == (data["total"]["received"], len(data["rows"]))
        rows = list(csv.reader(io.StringIO(flow.render_rollup(rollup, "csv"))))
        assert ["total", "Tổng", "4", "0", "0", "0", "0", "0"] == rows[-1]
        commune = flow.rollup("2021-H1", organisation=EAST)
        assert ("Bí thư Tỉnh ủy" in commune.recipients, 1) == (True, len(commune.rows))
        with pytest.raises(InvalidInputError, match="format"):
            flow.render_rollup(rollup, "xlsx")

    def test_cli_rollup(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'p.db'}"
        assert 0 == CliRunner().invoke(main, ["init", "--db", url]).exit_code
        assert 0 == CliRunner().invoke(main, ["orgs", "--db", url, "--load", str(TREE)]).exit_code
        result = CliRunner().invoke(main, ["report", "--db", url, "--period", "2021",
                                           "--org", PROVINCE, "--rollup"])
        assert 0 == result.exit_code, result.output
        assert "| Tổng | 0 |" in result.output
        usage = CliRunner().invoke(main, ["report", "--db", url, "--period", "2021",
                                          "--rollup"])
        assert (2, True) == (usage.exit_code, "--rollup needs --org" in usage.output)


def _with_days(*entries: tuple[str, str, str]) -> str:
    """The sample tree with ``(organisation, kind, date)`` calendar entries added."""
    text = TREE.read_text(encoding="utf-8")
    for org, kind, day in entries:
        anchor = f'id = "{org}"\n'
        head, _, tail = text.partition(anchor)
        block, sep, rest = tail.partition("\n[[organisation]]")
        text = (f'{head}{anchor}{block}\n[[organisation.{kind}]]\ndate = {day}\n'
                f'reason = "Theo quyết định {kind}"\n{sep}{rest}')
    return text


class TestCalendarOverrides:
    """A day closed in one province (a storm) counts as off in it and its communes."""

    def test_a_provinces_closure_moves_its_communes_deadlines(
            self, flow: DialogueFlow, calendar: WorkCalendar, clock: FixedClock,
            petitioner: Petitioner) -> None:
        closed = date(2021, 6, 10)  # a Thursday
        flow.load_organisations(_with_days((PROVINCE, "day_off", closed.isoformat()),
                                           (WEST, "working_day", closed.isoformat())))
        assert [DayOverride(closed, "Theo quyết định day_off")] == list(
            flow.organisation(PROVINCE).calendar_overrides)
        due = {}
        for org in (EAST, WEST, PROVINCE):
            sub = _receive(flow, org, petitioner)
            due[org] = flow.assign(sub, department="Địa chính",
                                   actor=_actor(org, Role.CHAIR)).due
        east, west, province = due[EAST], due[WEST], due[PROVINCE]
        assert east is not None
        assert west is not None
        assert province is not None
        assert west.date == calendar.add_working_days(clock.today(), 30) == (
            flow.assign(_receive(flow, DEFAULT_ORGANISATION, petitioner), department="Địa chính",
                        actor=_actor(DEFAULT_ORGANISATION, Role.CHAIR)).due.date)  # type: ignore[union-attr]
        assert east.date == province.date == calendar.add_working_days(west.date, 1)
        assert (closed, "Theo quyết định day_off") in [tuple(d) for d in east.skipped]
        # each deadline names the calendar it was counted in (WEST's reopens a day)
        assert 3 == len({east.calendar, west.calendar, calendar.fingerprint})
        assert flow.calendar_of(EAST) is flow.calendar_of(PROVINCE)  # built once

    def test_the_sweep_counts_working_days_in_each_organisations_calendar(
            self, flow: DialogueFlow, calendar: WorkCalendar, clock: FixedClock,
            petitioner: Petitioner) -> None:
        subs = {}
        for org in (EAST, WEST):
            subs[org] = flow.assign(_receive(flow, org, petitioner), department="Địa chính",
                                    actor=_actor(org, Role.CHAIR))
        due = subs[EAST].due.date  # type: ignore[union-attr]
        storm = calendar.add_working_days(due, -1)  # closed after the matters were assigned
        flow.load_organisations(_with_days((EAST, "day_off", storm.isoformat())))
        clock.set(calendar.add_working_days(due, -3))
        flow.sweep(remind=(2, 0))
        reminded = {n.organisation_id for n in flow.storage.pending_notifications()
                    if n.event == "due_soon"}
        assert {EAST} == reminded  # 2 working days left at EAST, 3 at WEST

    @pytest.mark.parametrize(("entry", "message"), [
        ('[[organisation.day_off]]\ndate = "2021-06-10"\nreason = "bão"',
         "day_off\\[0\\]: .*expected a date"),
        ("[[organisation.day_off]]\ndate = 2021-06-10", "day_off\\[0\\]: expected a table"),
        ("day_off = 3", "write \\[\\[organisation.day_off\\]\\]"),
        (('[[organisation.day_off]]\ndate = 2021-06-10\nreason = "a"\n'
          '[[organisation.working_day]]\ndate = 2021-06-10\nreason = "b"'), "listed twice"),
    ])
    def test_bad_entries_name_where(self, entry: str, message: str) -> None:
        text = f'[[organisation]]\nid = "tinh-a"\nname = "Tỉnh A"\nlevel = "province"\n{entry}\n'
        with pytest.raises(ConfigurationError, match=message):
            read_tree(text)

    def test_a_day_outside_the_flows_calendar_is_refused_when_loaded(
            self, flow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError, match="2099-01-02 lies outside"):
            flow.add_organisation(Organisation(
                "tinh-khac", "Tỉnh ủy Khác", Level.PROVINCE,
                calendar_overrides=[DayOverride(date(2099, 1, 2), "bão")]))
        assert NotFoundError is type(_error(flow.organisation, "tinh-khac"))


def _error(call: object, *args: object) -> Exception:
    try:
        call(*args)  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - returned for the assertion
        return exc
    raise AssertionError("no exception")


class TestDashboard:
    def test_a_provinces_page_by_due_date_with_its_total(
            self, flow: DialogueFlow, clock: FixedClock, petitioner: Petitioner) -> None:
        ids = []
        for n, org in enumerate((EAST, WEST, EAST, PROVINCE)):
            clock.set(date(2021, 6, 1 + n))
            sub = _receive(flow, org, petitioner)
            flow.assign(sub, department="Địa chính", actor=_actor(org, Role.CHAIR))
            ids.append(sub)
        # Not decided: its processing clock (Fri 18 June) comes before the answer clocks.
        undecided = _receive(flow, WEST, petitioner)
        first = flow.submissions(organisation=PROVINCE, subtree=True, order_by="due",
                                 limit=3)
        assert (5, [undecided, *ids[:2]]) == (first.total, [s.id for s in first])
        second = flow.submissions(organisation=PROVINCE, subtree=True, order_by="due",
                                  limit=3, after=first.next_after)
        assert (5, ids[2:], None) == (second.total, [s.id for s in second],
                                      second.next_after)
        assert 2 == flow.submissions(organisation=EAST).total
        with pytest.raises(InvalidInputError, match="order_by"):
            flow.submissions(order_by="topic")
        with pytest.raises(InvalidInputError, match="cursor"):
            flow.submissions(order_by="due", after="sub-0001")


class TestSweep:
    @pytest.mark.parametrize("url", ["memory://", "sqlite://"])
    def test_sweep_per_organisation(self, url: str, clock: FixedClock,
                                    calendar: WorkCalendar, petitioner: Petitioner) -> None:
        flow = DialogueFlow.open(url, clock=clock, ids=SequentialIds(), calendar=calendar)
        flow.load_organisations(TREE)
        for org in (EAST, WEST):
            sub = _receive(flow, org, petitioner)
            flow.assign(sub, department="Địa chính", actor=_actor(org, Role.CHAIR))
        day = flow.submission(sub).due
        assert day is not None
        east = flow.sweep(day.date, organisation=EAST)
        assert 1 == east.due_soon
        notes = [n for n in flow.storage.pending_notifications() if n.event == "due_soon"]
        assert [EAST] == [n.organisation_id for n in notes]
        everything = flow.sweep(day.date, organisation=PROVINCE, subtree=True)
        assert 2 == everything.due_soon
        assert {EAST, WEST} == {n.organisation_id for n in flow.storage.pending_notifications()
                                if n.event == "due_soon"}
        flow.shutdown()


class TestPolicyPerOrganisation:
    def test_an_organisation_works_under_its_own_policy(self, flow: DialogueFlow,
                                                        petitioner: Petitioner) -> None:
        west = 'name = "Đảng ủy xã Mẫu Tây"'
        text = TREE.read_text(encoding="utf-8").replace(
            west, west + '\npolicy = "complaints-2011"')
        flow.load_organisations(text)
        assert "complaints-2011" == flow.policy_of(WEST).id
        assert flow.policy.id == flow.policy_of(EAST).id
        dues = {}
        for org in (EAST, WEST):
            sub = _receive(flow, org, petitioner)
            due = flow.assign(sub, department="Địa chính", actor=_actor(org, Role.CHAIR)).due
            assert due is not None
            dues[org] = due.rule_id
        assert ("complaint-first", True) == (dues[WEST], dues[EAST] != "complaint-first")

    def test_an_unknown_policy_is_refused_when_loaded(self, flow: DialogueFlow) -> None:
        text = TREE.read_text(encoding="utf-8").replace(
            'name = "Đảng ủy xã Mẫu Tây"', 'name = "Đảng ủy xã Mẫu Tây"\npolicy = "no-such"')
        with pytest.raises(ConfigurationError, match="no-such"):
            flow.load_organisations(text)
        assert flow.organisation(WEST).policy_id is None  # nothing written


class TestClosingATransferredMatterWhereItCameFrom:
    """The petitioner withdraws at the commune while the province handles the matter: both
    close in one commit; any other outcome is the province's to record."""

    def _escalated(self, flow: DialogueFlow, petitioner: Petitioner) -> Submission:
        sub = _receive(flow, EAST, petitioner)
        return flow.escalate(sub, to=PROVINCE, body="Sở Xây dựng",
                             actor=_actor(EAST, Role.CHAIR))

    def test_a_withdrawal_closes_the_provinces_matter_too(
            self, flow: DialogueFlow, petitioner: Petitioner) -> None:
        origin = self._escalated(flow, petitioner)
        linked_id = origin.transferred_to
        assert linked_id is not None
        closed = flow.close(origin.id, outcome="withdrawn", actor=_actor(EAST))
        linked = flow.submission(linked_id)
        assert (closed.state, closed.transferred_to, linked.state, linked.close_reason) == (
            "closed", None, "closed", "withdrawn")
        assert {"by": EAST, "linked": origin.id, "reason": "withdrawn"} == dict(
            flow.history(linked)[-1].details)
        # Nothing is left overdue at the province for a petition nobody pursues.
        assert 0 == flow.submissions(organisation=PROVINCE,
                                     overdue_as_of=date(2030, 1, 1)).total

    @pytest.mark.parametrize("outcome", ["answered_by_competent_level", "duplicate"])
    def test_other_outcomes_are_the_provinces(self, flow: DialogueFlow,
                                              petitioner: Petitioner, outcome: str) -> None:
        origin = self._escalated(flow, petitioner)
        other = _receive(flow, EAST, petitioner)
        with pytest.raises(InvalidInputError, match="handled by tinh-mau") as info:
            flow.close(origin.id, outcome=outcome, actor=_actor(EAST),
                       duplicate_of=other if outcome == "duplicate" else None)
        assert ("outcome", "escalated", "received") == (
            info.value.field, flow.submission(origin.id).state,
            flow.submission(origin.transferred_to or "").state)
