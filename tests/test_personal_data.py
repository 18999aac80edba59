"""Requests about personal data (issue 17, part 1; Law 91/2025/QH15): finding one
petitioner's matters, exporting everything held about them, erasing their personal data,
and each read recorded in the access log. Memory and SQLite here; PostgreSQL in the
plugin's tests."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    DialogueFlow,
    DialogueFlowError,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    NotFoundError,
    PermissionDeniedError,
    Petitioner,
    Redaction,
    Role,
    SequentialIds,
    StorageError,
    Submission,
    WorkCalendar,
    from_dict,
    hookimpl,
    load_plugins,
    to_json,
)
from dialogue_flow._erasure import ERASED_CONTENT
from dialogue_flow._errors import PetitionerNotFoundError
from dialogue_flow.storage import Changeset
from pii_support import MARKERS, assert_no_personal_data

TREE = Path(__file__).parent.parent / "examples" / "province-tree.toml"
PROVINCE, EAST, WEST = "tinh-mau", "xa-mau-dong", "xa-mau-tay"
PHONE = "0912345678"


def _actor(org: str, role: Role) -> Actor:
    return Actor(f"{role.value}-{org}", f"{role.value} {org}", role, organisation_id=org)


@pytest.fixture(params=["memory", "sqlite"])
def pflow(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock,
          calendar: WorkCalendar) -> Iterator[DialogueFlow]:
    """A flow with the sample province tree, on memory storage and on a SQLite file."""
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'p.db'}"
    flow = DialogueFlow.open(url, clock=clock, ids=SequentialIds(), calendar=calendar)
    flow.load_organisations(TREE)
    yield flow
    flow.shutdown()


def _receive(flow: DialogueFlow, org: str, petitioner: Petitioner, topic: str = "Đường thôn",
             content: str = "Đường trước nhà ông Lê C hỏng") -> Submission:
    return flow.receive(petitioner=petitioner, topic=topic, content=content,
                        actor=_actor(org, Role.INTAKE_DESK))


@pytest.fixture
def held(pflow: DialogueFlow, petitioner: Petitioner) -> list[Submission]:
    """The conftest petitioner's two matters in the eastern commune (typed differently the
    second time), one matter of somebody else there, and one of theirs in the west."""
    other = Petitioner("nguyễn văn a", phone="+84 912 345 678", email="A.Nguyen@Example.VN")
    return [_receive(pflow, EAST, petitioner), _receive(pflow, EAST, other, "Điện"),
            _receive(pflow, EAST, Petitioner("Trần Thị B", phone="0987654321")),
            _receive(pflow, WEST, petitioner)]


def _ids(records: list[Submission]) -> list[str]:
    return [s.id for s in records]


class TestFind:
    @pytest.mark.parametrize("criteria", [
        {"phone": PHONE}, {"phone": "+84 912-345-678"}, {"phone": "0084912345678"},
        {"name": "NGUYỄN  VĂN A"}, {"name": unicodedata.normalize("NFD", "nguyễn văn a")},
        {"name": "Nguyễn Văn A", "phone": PHONE},
    ])
    def test_matches_on_normalised_values(self, pflow: DialogueFlow, held: list[Submission],
                                          criteria: dict[str, str]) -> None:
        """Phone by its digits (+84 as 0), a name case-, space- and form-insensitive; only
        the organisation searched (the actor's by default)."""
        found = pflow.find_petitioner(actor=_actor(EAST, Role.OFFICE), **criteria)
        assert _ids(held[:2]) == _ids(found)

    def test_every_criterion_must_match(self, pflow: DialogueFlow,
                                        held: list[Submission]) -> None:
        """The e-mail is only on the second matter: phone and e-mail find that one."""
        found = pflow.find_petitioner(actor=_actor(EAST, Role.OFFICE), phone=PHONE,
                                      email="a.nguyen@example.vn ")
        assert [held[1].id] == _ids(found)

    def test_a_contact_channel_holding_the_number_matches(self, pflow: DialogueFlow) -> None:
        """A number given as a Zalo contact is the same number."""
        s = _receive(pflow, EAST, Petitioner("Phạm D", contacts={"zalo": "0912 345 678"}))
        assert [s.id] == _ids(pflow.find_petitioner(actor=_actor(EAST, Role.OFFICE),
                                                    phone=PHONE))

    def test_by_one_of_their_matters(self, pflow: DialogueFlow,
                                     held: list[Submission]) -> None:
        """A matter (by id or tracking code) finds the others by its phone and e-mail."""
        office = _actor(EAST, Role.OFFICE)
        by_id = pflow.find_petitioner(actor=office, submission=held[0].id)
        code = held[0].tracking_code
        assert code is not None
        by_code = pflow.find_petitioner(actor=office, submission=code.lower())
        assert _ids(held[:2]) == _ids(by_id) == _ids(by_code)

    def test_a_province_searches_its_subtree(self, pflow: DialogueFlow,
                                             held: list[Submission]) -> None:
        """organisation with subtree=True: both communes' matters."""
        found = pflow.find_petitioner(actor=_actor(PROVINCE, Role.OFFICE), phone=PHONE,
                                      organisation=PROVINCE, subtree=True)
        assert _ids([*held[:2], held[3]]) == _ids(found)

    def test_is_logged(self, pflow: DialogueFlow, held: list[Submission]) -> None:
        """Who found which matters, for what; nobody found, nothing logged."""
        office = _actor(EAST, Role.OFFICE)
        pflow.find_petitioner(actor=office, phone=PHONE)
        pflow.find_petitioner(actor=office, phone="0900000000")
        entries = list(pflow.access_log())
        assert [("office-xa-mau-dong", EAST, "find", tuple(_ids(held[:2])))] == [
            (e.actor_id, e.organisation_id, e.purpose, e.record_ids) for e in entries]

    @pytest.mark.parametrize(("criteria", "field"), [
        ({}, "phone"), ({"phone": "12-34"}, "phone"), ({"email": " "}, "email"),
        ({"phone": PHONE, "submission": "sub-0001"}, "submission"), ({"name": 7}, "name"),
    ])
    def test_bad_criteria(self, pflow: DialogueFlow, criteria: dict[str, object],
                          field: str) -> None:
        """Nothing to find by, a number too short, both a matter and values: refused,
        naming the field, never the value."""
        with pytest.raises(InvalidInputError) as info:
            pflow.find_petitioner(actor=_actor(EAST, Role.OFFICE), **criteria)  # type: ignore[arg-type]
        assert field == info.value.field

    def test_a_department_may_not(self, pflow: DialogueFlow, held: list[Submission]) -> None:
        """Finding a person is for the intake desk, the office and the chair."""
        clerk = Actor("dc", "Địa chính", Role.DEPARTMENT, department="Địa chính",
                      organisation_id=EAST)
        with pytest.raises(PermissionDeniedError):
            pflow.find_petitioner(actor=clerk, phone=PHONE)

    def test_a_matter_of_another_organisation_is_not_found(
            self, pflow: DialogueFlow, held: list[Submission]) -> None:
        """Naming a matter outside the organisations searched reveals nothing."""
        with pytest.raises(NotFoundError):
            pflow.find_petitioner(actor=_actor(EAST, Role.OFFICE), submission=held[3].id)


class TestExport:
    def test_everything_held_round_trips(self, pflow: DialogueFlow,
                                         held: list[Submission]) -> None:
        """The document holds each matter as stored (it reads back equal), its audit trail
        and notices, and the earlier reads; it is JSON."""
        office = _actor(EAST, Role.OFFICE)
        pflow.find_petitioner(actor=office, phone=PHONE)
        doc = json.loads(json.dumps(pflow.export_petitioner(actor=office, phone=PHONE)))
        assert ("dialogue-flow/petitioner-export", 1, "office-xa-mau-dong", [EAST]) == (
            doc["format"], doc["version"], doc["made_by"], doc["organisations"])
        stored = [pflow.storage.get_submission(s.id) for s in held[:2]]
        assert stored == [from_dict(Submission, m["submission"]) for m in doc["matters"]]
        assert [["receive"]] * 2 == [[row["event"] for row in m["history"]]
                                     for m in doc["matters"]]
        assert [{"received"}] * 2 == [{n["event"] for n in m["notifications"]}
                                      for m in doc["matters"]]
        assert ["find"] == [entry["purpose"] for entry in doc["access_log"]]
        assert ["find", "export"] == [e.purpose for e in pflow.access_log()]

    def test_deliveries_by_reference(self, pflow: DialogueFlow,
                                     held: list[Submission]) -> None:
        """A notice delivered lists whom it reached by reference, never the address."""
        pflow.dispatch()
        doc = pflow.export_petitioner(actor=_actor(EAST, Role.OFFICE), submission=held[0].id)
        notices = doc["matters"][0]["notifications"]
        assert ["logged"] == [n["status"] for n in notices]
        assert PHONE not in json.dumps(notices)

    def test_nobody_held(self, pflow: DialogueFlow, held: list[Submission]) -> None:
        """An export about nobody is refused without the value asked about."""
        with pytest.raises(PetitionerNotFoundError, match="phone") as info:
            pflow.export_petitioner(actor=_actor(EAST, Role.OFFICE), phone="0900000000")
        assert "0900000000" not in str(info.value)
        assert [] == list(pflow.access_log())

    def test_the_intake_desk_may_not(self, pflow: DialogueFlow,
                                     held: list[Submission]) -> None:
        with pytest.raises(PermissionDeniedError):
            pflow.export_petitioner(actor=_actor(EAST, Role.INTAKE_DESK), phone=PHONE)


class TestErase:
    def test_erases_identity_and_words_keeps_the_matter(
            self, pflow: DialogueFlow, held: list[Submission]) -> None:
        """Each matter: petitioner erased (source kept), content replaced, topic, state and
        tracking code kept, version bumped, one erase row without personal data."""
        chair = _actor(EAST, Role.CHAIR)
        result = pflow.erase_petitioner(actor=chair, reason="Đơn số 12/2021", phone=PHONE)
        assert (tuple(_ids(held[:2])), (), ()) == (
            result.erased, result.already_erased, result.elsewhere)
        for before in held[:2]:
            after = pflow.storage.get_submission(before.id)
            assert (Redaction.ERASED, "person", None, None) == (
                after.petitioner.redaction, after.petitioner.source, after.petitioner.name,
                after.petitioner.phone)
            assert (ERASED_CONTENT, before.topic, before.state, before.tracking_code,
                    before.version + 1) == (after.content, after.topic, after.state,
                                            after.tracking_code, after.version)
            trail = pflow.history(after)
            assert [("receive", None), ("erase", "received")] == [
                (row.event, row.source) for row in trail]
            assert ("chair-xa-mau-dong", "Đơn số 12/2021", {}) == (
                trail[-1].actor_id, trail[-1].reason, trail[-1].details)
            text = to_json(after) + "".join(map(to_json, trail))
            assert [] == [m for m in (*MARKERS, "Lê C", "example.vn") if m in text]
        assert held[2] == pflow.storage.get_submission(held[2].id)  # somebody else's
        assert held[3] == pflow.storage.get_submission(held[3].id)  # another commune's

    def test_search_no_longer_finds_their_words(self, pflow: DialogueFlow,
                                                held: list[Submission]) -> None:
        """The search words follow the content; the topic is still found."""
        pflow.erase_petitioner(actor=_actor(EAST, Role.CHAIR), reason="r", phone=PHONE)
        assert [held[2].id] == _ids(list(pflow.submissions(search="Le C", organisation=EAST)))
        assert [held[1].id] == _ids(list(pflow.submissions(search="dien", organisation=EAST)))

    def test_erasing_again_is_a_no_op_that_says_so(self, pflow: DialogueFlow,
                                                   held: list[Submission]) -> None:
        """By the matter: already erased, nothing written; by phone: nobody held."""
        chair = _actor(EAST, Role.CHAIR)
        pflow.erase_petitioner(actor=chair, reason="r", phone=PHONE)
        before = pflow.storage.get_submission(held[0].id)
        again = pflow.erase_petitioner(actor=chair, reason="r", submission=held[0].id)
        assert ((), (held[0].id,), False) == (again.erased, again.already_erased, again.done)
        assert before == pflow.storage.get_submission(held[0].id)
        with pytest.raises(PetitionerNotFoundError) as info:
            pflow.erase_petitioner(actor=chair, reason="r", phone=PHONE)
        assert_no_personal_data(info.value)

    def test_only_the_chair_or_the_office_of_the_matter(
            self, pflow: DialogueFlow, held: list[Submission]) -> None:
        """The intake desk may not; a province's chair may not erase a commune's matters
        (by default); nothing is written either way."""
        with pytest.raises(PermissionDeniedError):
            pflow.erase_petitioner(actor=_actor(EAST, Role.INTAKE_DESK), reason="r",
                                   phone=PHONE)
        with pytest.raises(PermissionDeniedError):
            pflow.erase_petitioner(actor=_actor(PROVINCE, Role.CHAIR), reason="r",
                                   phone=PHONE, organisation=PROVINCE, subtree=True)
        assert held == [pflow.storage.get_submission(s.id) for s in held]

    def test_one_commit_all_or_nothing(self, pflow: DialogueFlow,
                                       held: list[Submission]) -> None:
        """A storage failure on the commit leaves every matter as it was."""
        real = pflow.storage.commit
        calls: list[Changeset] = []

        def failing(changes: Changeset) -> int:
            calls.append(changes)
            raise StorageError("disk full; nothing was written")

        pflow.storage.commit = failing  # type: ignore[method-assign]
        try:
            with pytest.raises(StorageError):
                pflow.erase_petitioner(actor=_actor(EAST, Role.CHAIR), reason="r",
                                       phone=PHONE)
        finally:
            pflow.storage.commit = real  # type: ignore[method-assign]
        assert [2] == [len(c.records) for c in calls]
        assert held == [pflow.storage.get_submission(s.id) for s in held]

    def test_a_matter_escalated_within_the_store_goes_with_it(
            self, pflow: DialogueFlow, held: list[Submission]) -> None:
        """The province's copy is erased when the search covers it, listed otherwise."""
        chair = _actor(EAST, Role.CHAIR)
        origin = pflow.escalate(held[0].id, to=PROVINCE, actor=chair)
        copy_id = origin.transferred_to
        assert copy_id is not None
        result = pflow.erase_petitioner(actor=chair, reason="r", phone=PHONE)
        assert ((copy_id,), True) == (
            result.elsewhere, pflow.storage.get_submission(copy_id).petitioner.name is not None)
        both = pflow.erase_petitioner(
            actor=_actor(PROVINCE, Role.CHAIR), reason="r", submission=copy_id,
            organisation=PROVINCE)
        assert ((copy_id,), ()) == (both.erased, both.elsewhere)

    def test_is_logged_without_personal_data(self, pflow: DialogueFlow,
                                             held: list[Submission]) -> None:
        pflow.erase_petitioner(actor=_actor(EAST, Role.CHAIR), reason="r", phone=PHONE)
        assert [("erase", tuple(_ids(held[:2])))] == [
            (e.purpose, e.record_ids) for e in pflow.access_log()]


class TestReportWithPersonalData:
    def test_names_who_reads_and_is_logged(self, flow: DialogueFlow, clock: FixedClock,
                                           intake: Actor, office: Actor,
                                           petitioner: Petitioner) -> None:
        """Personal data in a report needs the actor, and the listed matters are logged."""
        s = flow.receive(petitioner=petitioner, topic="t", content="c", actor=intake)
        clock.set(date(2021, 7, 30))
        with pytest.raises(InvalidInputError, match="actor"):
            flow.report("2021-06", include_personal_data=True)
        flow.report("2021-06")  # without personal data: nothing to log
        report = flow.report("2021-06", include_personal_data=True, actor=office)
        assert [petitioner.name] == [i.petitioner for i in report.overdue]
        assert [("vp", "report", (s.id,))] == [
            (e.actor_id, e.purpose, e.record_ids) for e in flow.access_log()]


_SEPARATORS = st.sampled_from(["", " ", "-", ".", "  "])


@given(st.text("0123456789", min_size=8, max_size=8), st.lists(_SEPARATORS, min_size=9,
                                                                max_size=9),
       st.sampled_from(["0", "+84", "+84 ", "0084"]), st.booleans())
@settings(max_examples=60, deadline=None)
def test_a_number_is_found_however_it_was_typed(digits: str, separators: list[str],
                                                prefix: str, as_contact: bool) -> None:
    """A number stored with any spacing, dashes, dots and a +84/0084/0 prefix, as the phone
    or a Zalo contact, is found by its plain form, and the export of it reads back equal."""
    typed = prefix + "".join(sep + d for sep, d in zip(separators, "9" + digits, strict=True))
    petitioner = (Petitioner("Người gửi", contacts={"zalo": typed}) if as_contact
                  else Petitioner("Người gửi", phone=typed))
    flow = DialogueFlow(MemoryStorage(), clock=FixedClock(date(2021, 6, 1)),
                        ids=SequentialIds())
    office = Actor("vp", "Văn phòng", Role.OFFICE)
    s = flow.receive(petitioner=petitioner, topic="t", content="c",
                     actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK))
    assert [s.id] == _ids(flow.find_petitioner(actor=office, phone="09" + digits))
    doc = json.loads(json.dumps(flow.export_petitioner(actor=office, phone="09" + digits)))
    assert [s] == [from_dict(Submission, m["submission"]) for m in doc["matters"]]


def test_nothing_personal_reaches_the_logs(caplog: pytest.LogCaptureFixture,
                                           petitioner: Petitioner) -> None:
    """Finding, exporting, erasing and the retention sweep (a plugin's veto included) log
    no name, address or phone."""

    class KeepOne:
        @hookimpl
        def dialogue_flow_before_transition(self, kind: str, record: object, event: str,
                                            dest: str, actor: object) -> str | None:
            held = event == "erase" and getattr(record, "id", "") == "sub-0002"
            return "legal hold" if held else None

    caplog.set_level(logging.DEBUG)
    clock = FixedClock(date(2021, 6, 1))
    flow = DialogueFlow(MemoryStorage(), clock=clock, ids=SequentialIds(),
                        plugins=load_plugins([KeepOne()], entry_points=False),
                        retention={"commune": "30d"})
    intake, chair = Actor("tn", "Tiếp nhận", Role.INTAKE_DESK), Actor("bt", "BT", Role.CHAIR)
    for _ in range(3):
        s = flow.receive(petitioner=petitioner, topic="t", content="c", actor=intake)
        flow.close(s.id, outcome="withdrawn", actor=intake)
    flow.find_petitioner(actor=chair, phone=PHONE)
    flow.export_petitioner(actor=chair, phone=PHONE)
    assert 2 == flow.sweep(date(2021, 8, 1)).erased  # the third is held by the plugin
    assert "legal hold" in caplog.text
    with pytest.raises(DialogueFlowError):
        flow.erase_petitioner(actor=chair, reason="r", phone=PHONE)  # vetoed: sub-0002
    assert [] == [marker for marker in MARKERS if marker in caplog.text]
