"""Organisations (issue 14): one store holds a province and its communes; every record
belongs to one; queries cover one organisation or its subtree; actors act in their own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dialogue_flow import (
    DEFAULT_ORGANISATION,
    Actor,
    ConfigurationError,
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
    WorkCalendar,
)
from dialogue_flow._tree import tree_summary

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
    return flow.receive(None, petitioner=petitioner, topic="đất đai", content="...",
                        actor=_actor(org)).id


class TestTree:
    def test_the_sample_tree_loads(self, flow: DialogueFlow) -> None:
        orgs = flow.organisations()
        assert [(0, PROVINCE), (1, "phuong-mau-nam"), (1, EAST), (1, WEST)] == [
            (depth, o.id) for depth, o in tree_summary(orgs)]
        assert Level.PROVINCE == flow.organisation(PROVINCE).level
        assert "Ban Tuyên giáo và Dân vận Tỉnh ủy" in flow.organisation(PROVINCE).bodies
        assert ["add"] == [row.event for row in flow.history(flow.organisation(PROVINCE))]

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
        with pytest.raises(NotFoundError):
            flow.submissions(organisation="tinh-khac")
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
