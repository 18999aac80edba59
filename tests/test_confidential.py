"""Confidential petitions (issue 17, part 2): a denunciation, or a matter the intake desk
marks so, keeps its petitioner's identity in the store and shows it to nobody but the roles
the policy names: not in reads, returned records, reports, notices to others, plugin hooks
or a copy another organisation receives, unless that organisation's policy receives it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DeadlinePolicy,
    DialogueFlow,
    DialogueFlowError,
    FixedClock,
    InvalidInputError,
    Notification,
    Organisation,
    PermissionDeniedError,
    Petitioner,
    Recipient,
    Redaction,
    Role,
    SequentialIds,
    Submission,
    SubmissionKind,
    WorkCalendar,
    from_json,
    hookimpl,
    load_plugins,
    to_json,
)
from dialogue_flow.policy import ConfidentialRules

START = dt.date(2021, 6, 1)
NAME, PHONE, ADDRESS, GROUP = "Nguyễn Văn A", "0912345678", "Thôn 1", "Chi hội Nông dân thôn 3"
#: What must never appear where the identity is withheld.
IDENTITY = (NAME, PHONE, ADDRESS, GROUP)
DENOUNCER = Petitioner(NAME, address=ADDRESS, phone=PHONE)
COMMUNE, PROVINCE = "xa-a", "tinh-a"
TREE = (Organisation(PROVINCE, "Tỉnh ủy A", "province"),
        Organisation(COMMUNE, "Đảng ủy xã A", "commune", parent_id=PROVINCE))


def actor(role: Role, org: str = COMMUNE, department: str | None = None) -> Actor:
    return Actor(f"{role.value}.{org}", f"{role.value} {org}", role, department=department,
                 organisation_id=org)


def shows_identity(value: object) -> list[str]:
    """The parts of the identity found in ``value`` (a record, a text, anything to_json
    or str renders)."""
    try:
        text = value if isinstance(value, str) else to_json(value)
    except Exception:  # noqa: BLE001 - not a record: its text
        text = str(value)
    return [part for part in IDENTITY if part in text]


def make_flow(url: str = "memory://", *, plugins: tuple[object, ...] = (),
              calendar: WorkCalendar | None = None) -> DialogueFlow:
    """A flow on ``url`` holding the commune and its province."""
    flow = DialogueFlow.open(url, clock=FixedClock(START), ids=SequentialIds(),
                             calendar=calendar, plugins=load_plugins(plugins))
    flow.load_organisations(list(TREE))
    return flow


def denounce(flow: DialogueFlow, petitioner: Petitioner = DENOUNCER, **options: Any,
             ) -> Submission:
    return flow.receive(petitioner=petitioner, topic="tố cáo cán bộ địa chính",
                        content="Cán bộ thu tiền trái quy định.", channel="written",
                        actor=actor(Role.INTAKE_DESK), **{"kind": "denunciation", **options})


def policy_with(policy_id: str = "seed-plan-province", **confidential: object,
                ) -> DeadlinePolicy:
    """The seed plan under another id, with this ``[confidential]`` table."""
    seed = DeadlinePolicy.default()
    return DeadlinePolicy(id=policy_id, name=seed.name, rules=seed.rules,
                          reports=seed.reports, confidential=confidential)


def named_report(flow: DialogueFlow, period: str, **options: Any) -> Any:
    """A report asked to name the petitioners of the matters it lists, by the province's
    chair (the reader the access log records)."""
    return flow.report(period, include_personal_data=True, actor=actor(Role.CHAIR, PROVINCE),
                       **options)


@pytest.fixture
def flow(calendar: WorkCalendar) -> DialogueFlow:  # the conftest's, with the tree
    return make_flow(calendar=calendar)


# --- the record -------------------------------------------------------------------------


class TestRecord:
    def test_a_denunciation_is_always_confidential(self, flow: DialogueFlow) -> None:
        """A record cannot say otherwise: the law protects who denounces."""
        s = denounce(flow)
        with pytest.raises(InvalidInputError) as info:
            attrs.evolve(s, confidential=False)
        assert "Submission.confidential" == info.value.field

    def test_a_record_stored_before_issue_17_reads_as_not_confidential(
            self, flow: DialogueFlow) -> None:
        s = denounce(flow, kind="petition")
        data = json.loads(to_json(s))
        del data["confidential"]
        assert (False, "petition") == (
            from_json(Submission, json.dumps(data)).confidential, data["kind"])

    def test_confidential_must_be_a_bool(self, flow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError) as info:
            denounce(flow, kind="petition", confidential="yes")
        assert "confidential" == info.value.field


# --- what readers see -----------------------------------------------------------------------


class TestReads:
    def test_receive_returns_the_matter_without_its_identity(self, flow: DialogueFlow) -> None:
        s = denounce(flow)
        assert (True, SubmissionKind.DENUNCIATION, Redaction.WITHHELD, "person", []) == (
            s.confidential, s.kind, s.petitioner.redaction, s.petitioner.source,
            shows_identity(s))

    def test_the_store_keeps_the_identity(self, flow: DialogueFlow) -> None:
        """The office must still reach the petitioner: the record itself is unchanged."""
        s = denounce(flow)
        assert DENOUNCER == flow.storage.get_submission(s.id).petitioner

    def test_a_petition_marked_at_receipt_is_confidential(self, flow: DialogueFlow) -> None:
        s = denounce(flow, kind="petition", confidential=True)
        assert (True, None) == (s.confidential, flow.submission(s.id).petitioner.name)

    def test_every_read_withholds_it(self, flow: DialogueFlow) -> None:
        s = denounce(flow)
        plain = flow.receive(petitioner=Petitioner("Trần Thị B"), topic="giao thông",
                             content="Đường hỏng.", actor=actor(Role.INTAKE_DESK))
        reads = [flow.submission(s.id), *flow.submissions(), *flow.iter_submissions(),
                 *flow.submissions(search="can bo"), *flow.submissions(organisation=COMMUNE),
                 *flow.history(s), flow.lookup(s.tracking_code or "")]
        assert [] == [shows_identity(r) for r in reads if shows_identity(r)]
        assert "Trần Thị B" == flow.submission(plain.id).petitioner.name  # others unchanged

    def test_every_command_returns_it_withheld(self, flow: DialogueFlow) -> None:
        s = denounce(flow)
        chair = actor(Role.CHAIR)
        returned = [flow.assign(s.id, department="Thanh tra", actor=chair),
                    flow.extend(s.id, until=dt.date(2021, 9, 15), reason="phức tạp",
                                actor=chair)]
        returned.append(flow.answer(s.id, text="Đã xác minh.", actor=chair))
        returned.append(flow.close(s.id, outcome="accepted", actor=chair))
        returned.append(flow.reopen(s.id, reason="chưa thỏa đáng", actor=chair))
        assert [[]] * 5 == [shows_identity(r) for r in returned]
        assert DENOUNCER == flow.storage.get_submission(s.id).petitioner

    def test_a_group_that_denounces_is_withheld_with_its_name(self, flow: DialogueFlow,
                                                              ) -> None:
        """A group's name identifies who denounced; it still counts as a group."""
        s = denounce(flow, Petitioner(group=GROUP, members=12, name=NAME))
        assert (None, None, "group", []) == (s.petitioner.group, s.petitioner.members,
                                             s.petitioner.source, shows_identity(s))
        assert 1 == flow.report("2021-06").group_opinions

    def test_a_conclusion_keeps_the_stored_identity(self, flow: DialogueFlow) -> None:
        """Regression: the conclusion notice rewrites the matters it starts a clock for;
        it read them as a reader does, and must write the stored record back."""
        office, chair = actor(Role.OFFICE), actor(Role.CHAIR)
        d = flow.plan_dialogue(title="Đối thoại", scheduled_for=dt.date(2021, 6, 17),
                               actor=office)
        s = denounce(flow, dialogue=d.id)
        flow.announce(d.id, actor=office)
        flow.clock.set(dt.date(2021, 6, 17))  # type: ignore[attr-defined]
        flow.hold(d.id, actor=office)
        flow.assign(s.id, department="Thanh tra", actor=chair)
        flow.conclude(d.id, actor=chair)
        stored = flow.storage.get_submission(s.id)
        assert (DENOUNCER, "written-answer") == (stored.petitioner,
                                                 stored.due and stored.due.rule_id)


# --- who reads the identity ------------------------------------------------------------------


class TestIdentity:
    def test_the_chair_reads_it_and_the_read_is_logged(self, flow: DialogueFlow) -> None:
        s = denounce(flow)
        chair = actor(Role.CHAIR)
        assert DENOUNCER == flow.identity(s, actor=chair)
        entry = flow.access_log(record=s.id).items[-1]
        assert (chair.id, "identity", (s.id,)) == (entry.actor_id, entry.purpose,
                                                   entry.record_ids)

    @pytest.mark.parametrize("role", [Role.INTAKE_DESK, Role.OFFICE, Role.SECRETARY])
    def test_other_roles_are_refused_and_nothing_is_logged(self, flow: DialogueFlow,
                                                           role: Role) -> None:
        s = denounce(flow)
        with pytest.raises(PermissionDeniedError, match="gives it to: chair"):
            flow.identity(s.id, actor=actor(role))
        assert [] == list(flow.access_log(record=s.id))

    def test_the_chair_of_another_organisation_is_refused(self, flow: DialogueFlow) -> None:
        """The policy names roles; authorisation keeps them to their organisation."""
        s = denounce(flow)
        with pytest.raises(PermissionDeniedError):
            flow.identity(s.id, actor=actor(Role.CHAIR, PROVINCE))

    def test_the_policy_names_the_roles(self, calendar: WorkCalendar) -> None:
        flow = make_flow(calendar=calendar)
        flow.set_policy(policy_with(roles=["chair", "office"]), organisation=COMMUNE)
        s = denounce(flow)
        assert NAME == flow.identity(s.id, actor=actor(Role.OFFICE)).name
        flow.set_policy(policy_with("seed-plan-nobody", roles=[]), organisation=COMMUNE)
        with pytest.raises(PermissionDeniedError, match="no role"):
            flow.identity(s.id, actor=actor(Role.CHAIR))

    def test_a_matter_that_is_not_confidential_shows_it_to_its_organisation(
            self, flow: DialogueFlow) -> None:
        s = denounce(flow, kind="petition")
        assert NAME == flow.identity(s.id, actor=actor(Role.INTAKE_DESK)).name
        assert ["identity"] == [e.purpose for e in flow.access_log(record=s.id)]


# --- marking a matter confidential -------------------------------------------------------


class TestMark:
    def test_the_intake_desk_marks_a_matter(self, flow: DialogueFlow) -> None:
        s = denounce(flow, kind="petition")
        assert NAME == s.petitioner.name
        marked = flow.mark_confidential(s.id, actor=actor(Role.INTAKE_DESK))
        row = flow.history(marked)[-1]
        assert (True, 2, None, "mark_confidential", "received", []) == (
            marked.confidential, marked.version, marked.petitioner.name, row.event, row.dest,
            shows_identity(row))
        assert DENOUNCER == flow.storage.get_submission(s.id).petitioner

    def test_a_mark_is_never_taken_back(self, flow: DialogueFlow) -> None:
        s = denounce(flow)
        with pytest.raises(InvalidInputError, match="confidential already"):
            flow.mark_confidential(s.id, actor=actor(Role.CHAIR))

    def test_a_department_may_not_mark(self, flow: DialogueFlow) -> None:
        s = denounce(flow, kind="petition")
        with pytest.raises(PermissionDeniedError):
            flow.mark_confidential(s.id, actor=actor(Role.DEPARTMENT, department="Địa chính"))

    def test_a_stale_version_is_refused(self, flow: DialogueFlow) -> None:
        s = denounce(flow, kind="petition")
        flow.assign(s.id, department="Địa chính", actor=actor(Role.CHAIR))
        with pytest.raises(DialogueFlowError):
            flow.mark_confidential(s, actor=actor(Role.INTAKE_DESK))
        assert not flow.storage.get_submission(s.id).confidential


# --- requests about personal data (part 1) --------------------------------------------------


class TestFindingAPerson:
    """A person found by phone, or their data exported, by a role the policy does not name:
    the match would tie them to the denunciation, so it is left out."""

    def test_the_intake_desk_does_not_find_the_denunciation(self, flow: DialogueFlow) -> None:
        s = denounce(flow)
        other = denounce(flow, kind="petition")
        found = flow.find_petitioner(actor=actor(Role.INTAKE_DESK), phone=PHONE)
        assert [other.id] == [f.id for f in found]
        assert [s.id, other.id] == [f.id for f in flow.find_petitioner(
            actor=actor(Role.CHAIR), phone=PHONE)]

    def test_the_office_exports_without_it(self, flow: DialogueFlow) -> None:
        s = denounce(flow)
        denounce(flow, kind="petition")
        document = flow.export_petitioner(actor=actor(Role.OFFICE), phone=PHONE)
        assert s.id not in json.dumps(document)


# --- reports ------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_reports_with_personal_data_show_the_matter_without_a_name(
        backend: str, tmp_path: Path, calendar: WorkCalendar) -> None:
    """Computed from records (memory) or from the SQLite indexes, a report asked to include
    personal data lists the overdue denunciation, with no name in any format; a roll-up
    neither."""
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 'c.db'}"
    flow = make_flow(url, calendar=calendar)
    s = denounce(flow)
    other = denounce(flow, Petitioner("Trần Thị B"), kind="petition")
    flow.clock.set(dt.date(2021, 7, 30))  # type: ignore[attr-defined]
    report = named_report(flow, "2021-06", organisation=COMMUNE)
    names = {item.submission_id: item.petitioner for item in report.overdue}
    assert {s.id: None, other.id: "Trần Thị B"} == names
    rendered = [flow.render_report(report, fmt) for fmt in ("json", "csv", "md")]
    rollup = flow.rollup("2021-06", organisation=PROVINCE)
    rendered += [flow.render_rollup(rollup, fmt) for fmt in ("json", "csv", "md")]
    assert [] == [shows_identity(text) for text in rendered if shows_identity(text)]
    flow.shutdown()


# --- notices and plugins -----------------------------------------------------------------


class Seen:
    """Every record a recipients, before/after-commit or authorise hook was given; an SMS
    channel that keeps what it sent to phones."""

    def __init__(self) -> None:
        self.records: list[tuple[str, Any]] = []
        self.sent: list[tuple[str, str]] = []

    @hookimpl
    def dialogue_flow_recipients(self, notification: Notification, record: Any,
                                 store: Any) -> None:
        looked_up = store.get_submission(notification.record_id) if (
            notification.kind == "submission") else None
        self.records += [(notification.audience, record), ("store", looked_up)]

    @hookimpl
    def dialogue_flow_before_transition(self, record: Any) -> None:
        self.records.append(("before", record))

    @hookimpl
    def dialogue_flow_after_commit(self, record: Any) -> None:
        self.records.append(("after", record))

    @hookimpl
    def dialogue_flow_authorize(self, record: Any) -> None:
        self.records.append(("authorize", record))

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification,
                              to: list[Recipient]) -> list[Recipient] | None:
        phones = [r for r in to if r.channel == "phone"]
        self.sent += [(notification.audience, r.address) for r in phones]
        return phones or None


def test_notices_hold_no_identity_and_reach_the_petitioner_only(
        calendar: WorkCalendar) -> None:
    """The outbox never holds the identity; hooks see it only in a notice to the
    petitioner (to reach them); the built-in channel reaches their phone."""
    seen = Seen()
    flow = make_flow(plugins=(seen,), calendar=calendar)
    s = denounce(flow)
    flow.assign(s.id, department="Thanh tra", actor=actor(Role.CHAIR))
    flow.answer(s.id, text="Đã xác minh.", actor=actor(Role.CHAIR))
    outbox = list(flow.storage.pending_notifications())
    assert [] == [shows_identity(n) for n in outbox if shows_identity(n)]
    flow.dispatch()
    to_petitioner = [r for audience, r in seen.records if audience == "petitioner"]
    others = [(who, r) for who, r in seen.records if who != "petitioner" and r is not None]
    assert {"department", "store", "before", "after", "authorize"} <= {w for w, _ in others}
    assert [] == [(who, shows_identity(r)) for who, r in others if shows_identity(r)]
    assert all(r.petitioner == DENOUNCER for r in to_petitioner)
    assert ["petitioner"] * 2 == [audience for audience, phone in seen.sent if phone == PHONE]


# --- transfers --------------------------------------------------------------------------------


def escalated(flow: DialogueFlow, **options: Any) -> tuple[Submission, Submission]:
    """A denunciation received at the commune, escalated to the province."""
    s = denounce(flow, **options)
    origin = flow.escalate(s.id, to=PROVINCE, actor=actor(Role.CHAIR))
    assert origin.transferred_to is not None
    return origin, flow.storage.get_submission(origin.transferred_to)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_the_copy_a_province_receives_has_no_identity(backend: str, tmp_path: Path,
                                                      calendar: WorkCalendar) -> None:
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 'p.db'}"
    flow = make_flow(url, calendar=calendar)
    origin, copy = escalated(flow)
    assert (True, Redaction.WITHHELD, "person", []) == (
        copy.confidential, copy.petitioner.redaction, copy.petitioner.source,
        shows_identity(copy))
    assert DENOUNCER == flow.storage.get_submission(origin.id).petitioner
    # The province's chair has no identity to read; the commune's chair still does.
    assert None is flow.identity(copy.id, actor=actor(Role.CHAIR, PROVINCE)).name
    assert NAME == flow.identity(origin.id, actor=actor(Role.CHAIR)).name
    flow.shutdown()


def test_a_province_whose_policy_receives_it_gets_the_identity(
        calendar: WorkCalendar) -> None:
    flow = make_flow(calendar=calendar)
    flow.set_policy(policy_with(receive_identity=True), organisation=PROVINCE)
    _origin, copy = escalated(flow)
    assert (True, DENOUNCER) == (copy.confidential, copy.petitioner)
    assert None is flow.submission(copy.id).petitioner.name  # still withheld from readers
    assert DENOUNCER == flow.identity(copy.id, actor=actor(Role.CHAIR, PROVINCE))


def test_a_province_notice_still_reaches_the_petitioner(calendar: WorkCalendar) -> None:
    """The province extends its copy: the petitioner hears it on their phone, reached
    through the commune's matter, while the province never sees the number."""
    seen = Seen()
    flow = make_flow(plugins=(seen,), calendar=calendar)
    _origin, copy = escalated(flow)
    flow.assign(copy.id, department="Thanh tra tỉnh", actor=actor(Role.CHAIR, PROVINCE))
    flow.dispatch()
    seen.sent.clear()
    flow.extend(copy.id, until=dt.date(2021, 9, 15), reason="phức tạp",
                actor=actor(Role.CHAIR, PROVINCE))
    flow.dispatch()
    assert [("petitioner", PHONE)] == seen.sent


def test_marking_a_matter_marks_its_copies_in_one_commit(flow: DialogueFlow) -> None:
    """Escalated before it was marked: the province's copy is marked with it, and loses
    the identity its policy does not receive; marked from the province's side, the
    commune's matter is marked too and keeps it."""
    origin, copy = escalated(flow, kind="petition")
    assert DENOUNCER == copy.petitioner
    flow.mark_confidential(origin.id, actor=actor(Role.INTAKE_DESK))
    stored = flow.storage.get_submission(copy.id)
    assert (True, Redaction.WITHHELD, "mark_confidential") == (
        stored.confidential, stored.petitioner.redaction, flow.history(stored)[-1].event)
    other_origin, other_copy = escalated(flow, kind="petition")
    flow.mark_confidential(other_copy.id, actor=actor(Role.INTAKE_DESK, PROVINCE))
    back = flow.storage.get_submission(other_origin.id)
    assert (True, DENOUNCER) == (back.confidential, back.petitioner)


# --- the policy's [confidential] table -------------------------------------------------------


class TestPolicy:
    def test_the_chair_alone_by_default(self) -> None:
        assert (("chair",), False) == (
            tuple(r.value for r in ConfidentialRules().roles), ConfidentialRules().receive_identity)

    @pytest.mark.parametrize("name", ["seed-plan", "complaints-2011", "215-KL"])
    def test_bundled_policies_say_so(self, name: str) -> None:
        assert ConfidentialRules() == DeadlinePolicy.bundled(name).confidential

    def test_read_from_toml(self) -> None:
        policy = DeadlinePolicy.from_toml('id = "p"\nname = "P"\n[confidential]\n'
                                          'roles = ["chair", "office", "chair"]\n'
                                          "receive_identity = true\n")
        assert ((Role.CHAIR, Role.OFFICE), True) == (policy.confidential.roles,
                                                     policy.confidential.receive_identity)

    @pytest.mark.parametrize(("table", "message"), [
        ('roles = ["boss"]', "'boss' is not a role"),
        ('roles = "chair"', "must be a list of roles"),
        ("receive_identity = 1", "must be true or false"),
        ("who = 1", "unknown keys: who"),
    ])
    def test_a_bad_table_names_what_is_wrong(self, table: str, message: str) -> None:
        with pytest.raises(ConfigurationError, match=f"<policy text>: confidential.*{message}"):
            DeadlinePolicy.from_toml(f'id = "p"\nname = "P"\n[confidential]\n{table}\n')

    def test_not_a_table(self) -> None:
        with pytest.raises(ConfigurationError, match=r"must be a table \(\[confidential\]\)"):
            DeadlinePolicy.from_toml('id = "p"\nname = "P"\nconfidential = 3\n')


# --- the property ----------------------------------------------------------------------------

#: What may happen to a matter, by whom (some are refused in some states: skipped).
STEPS = ("assign", "answer", "extend", "close", "reopen", "escalate", "p_assign", "p_answer",
         "p_extend", "p_close", "p_return", "mark", "report", "dispatch", "days_pass")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), max_size=10), marked_later=st.booleans(),
       group=st.booleans())
def test_no_public_view_ever_shows_the_identity(calendar: WorkCalendar, steps: list[str],
                                                marked_later: bool, group: bool) -> None:
    """Whatever commands run on a confidential matter (marked at receipt or later, by a
    person or a group, escalated to the province and back), no read, returned record,
    report, roll-up, audit row, notice, hook argument but the petitioner's, nor the copy
    the province holds, contains the name, address, phone or group; the stored original
    keeps it all."""
    seen = Seen()
    flow = make_flow(plugins=(seen,), calendar=calendar)
    who = Petitioner(NAME, address=ADDRESS, phone=PHONE, group=GROUP) if group else DENOUNCER
    s = denounce(flow, who, kind="petition", confidential=not marked_later)
    returned: list[object] = []
    if marked_later:  # what hooks saw before is not of a confidential matter
        returned.append(flow.mark_confidential(s.id, actor=actor(Role.INTAKE_DESK)))
        seen.records.clear()
    for step in steps:
        try:
            returned.append(_step(flow, step, s.id))
        except DialogueFlowError:
            continue
    flow.dispatch()
    copies = [c for c in flow.storage.find_submissions(_every()) if c.id != s.id]
    views: list[object] = [
        *returned, *copies, *flow.submissions(limit=1000), *flow.iter_submissions(),
        *(row for c in (s, *copies) for row in flow.history(c)),
        *flow.storage.pending_notifications(),
        *(r for audience, r in seen.records if audience != "petitioner" and r is not None),
        flow.render_report(named_report(flow, "2021"), "json"),
        flow.render_rollup(flow.rollup("2021", organisation=PROVINCE), "json"),
    ]
    assert [] == [shows_identity(v) for v in views if shows_identity(v)]
    assert who == flow.storage.get_submission(s.id).petitioner


def _step(flow: DialogueFlow, step: str, sub_id: str) -> object:
    """Run ``step`` on the matter ``sub_id`` (``p_``: on the province's copy of it)."""
    chair, p_chair = actor(Role.CHAIR), actor(Role.CHAIR, PROVINCE)
    linked = flow.storage.get_submission(sub_id).transferred_to or "none"
    later = dt.date(2021, 12, 15)
    steps: dict[str, Callable[[], object]] = {
        "assign": lambda: flow.assign(sub_id, department="Thanh tra", actor=chair),
        "answer": lambda: flow.answer(sub_id, text="Đã xác minh.", actor=chair),
        "extend": lambda: flow.extend(sub_id, until=later, reason="dài", actor=chair),
        "close": lambda: flow.close(sub_id, outcome="withdrawn", actor=chair),
        "reopen": lambda: flow.reopen(sub_id, reason="chưa thỏa đáng", actor=chair),
        "escalate": lambda: flow.escalate(sub_id, to=PROVINCE, actor=chair),
        "p_assign": lambda: flow.assign(linked, department="Sở", actor=p_chair),
        "p_answer": lambda: flow.answer(linked, text="Tỉnh trả lời.", actor=p_chair),
        "p_extend": lambda: flow.extend(linked, until=later, reason="dài", actor=p_chair),
        "p_close": lambda: flow.close(linked, outcome="accepted", actor=p_chair),
        "p_return": lambda: flow.return_matter(linked, reason="thẩm quyền xã", actor=p_chair),
        "mark": lambda: flow.mark_confidential(sub_id, actor=chair),
        "report": lambda: named_report(flow, "2021"),
        "dispatch": flow.dispatch,
        "days_pass": lambda: flow.clock.set(  # type: ignore[attr-defined]
            flow.clock.today() + dt.timedelta(days=20)),
    }
    return steps[step]()


def _every() -> Any:
    from dialogue_flow.storage import SubmissionQuery  # noqa: PLC0415

    return SubmissionQuery(limit=1000)
