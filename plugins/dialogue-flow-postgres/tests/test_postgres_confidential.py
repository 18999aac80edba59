"""Confidential petitions on PostgreSQL (issue 17, part 2): the store keeps the identity,
the province's copy has none, and a report computed from the backend's indexes
(``ReportFacts``) names no one even when personal data is asked for."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    Organisation,
    Petitioner,
    Redaction,
    Role,
    SequentialIds,
    WorkCalendar,
)

DENOUNCER = Petitioner(name="Nguyễn Văn A", address="Thôn 1", phone="0912345678")
COMMUNE, PROVINCE = "xa-a", "tinh-a"


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.vietnam()


def test_a_denunciation_escalated_and_reported(schema_url: str,
                                               calendar: WorkCalendar) -> None:
    chair, province_chair = (Actor(f"bt.{org}", "Bí thư", Role.CHAIR, organisation_id=org)
                             for org in (COMMUNE, PROVINCE))
    intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK, organisation_id=COMMUNE)
    clock = FixedClock(dt.date(2021, 6, 1))
    with DialogueFlow.open(schema_url, clock=clock, ids=SequentialIds(),
                           calendar=calendar) as flow:
        flow.load_organisations([
            Organisation(PROVINCE, "Tỉnh ủy A", "province"),
            Organisation(COMMUNE, "Đảng ủy xã A", "commune", parent_id=PROVINCE)])
        s = flow.receive(petitioner=DENOUNCER, topic="tố cáo", content="Thu tiền sai.",
                         kind="denunciation", channel="written", actor=intake)
        kept = flow.receive(petitioner=Petitioner(name="Trần Thị B"), topic="đất đai",
                            content="Chậm cấp giấy.", channel="written", actor=intake)
        origin = flow.escalate(s.id, to=PROVINCE, actor=chair)
        copy = flow.storage.get_submission(origin.transferred_to or "")
        assert (DENOUNCER, Redaction.WITHHELD) == (
            flow.storage.get_submission(s.id).petitioner, copy.petitioner.redaction)
        assert None is flow.identity(copy.id, actor=province_chair).name
        clock.set(dt.date(2021, 7, 30))
        report = flow.report("2021-06", include_personal_data=True, actor=province_chair)
        names = {item.submission_id: item.petitioner for item in report.overdue}
        assert {kept.id: "Trần Thị B", copy.id: None} == names
        assert "Nguyễn Văn A" not in flow.render_report(report, "csv")
