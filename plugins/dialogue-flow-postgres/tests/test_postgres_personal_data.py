"""Requests about personal data on PostgreSQL (issue 17, part 1): a petitioner found,
exported and erased through the flow, the retention sweep, and each read in the access
log, as on the other backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    Petitioner,
    Redaction,
    Role,
    SequentialIds,
    WorkCalendar,
    from_dict,
)
from dialogue_flow import Submission as SubmissionRecord

PHONE = "0912345678"


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.vietnam()


def test_find_export_erase_and_the_log(schema_url: str, calendar: WorkCalendar) -> None:
    """Found by a number typed differently, exported as stored, erased in one commit (the
    search words follow), every read logged with ids only."""
    intake = Actor("tn", "Tiếp nhận", Role.INTAKE_DESK)
    office, chair = Actor("vp", "Văn phòng", Role.OFFICE), Actor("bt", "Bí thư", Role.CHAIR)
    clock = FixedClock(dt.date(2021, 6, 1))
    with DialogueFlow.open(schema_url, clock=clock, ids=SequentialIds(),
                           calendar=calendar) as flow:
        mine = [flow.receive(petitioner=Petitioner("Nguyễn Văn A", phone=p), topic="Đường",
                             content="Nhà ông Lê C", actor=intake)
                for p in (PHONE, "+84 912 345 678")]
        other = flow.receive(petitioner=Petitioner("Trần B", phone="0987654321"),
                             topic="Điện", content="Nhà ông Lê C", actor=intake)
        assert [s.id for s in mine] == [s.id for s in flow.find_petitioner(actor=office,
                                                                            phone=PHONE)]
        doc = json.loads(json.dumps(flow.export_petitioner(actor=office, phone=PHONE)))
        assert mine == [from_dict(SubmissionRecord, m["submission"]) for m in doc["matters"]]
        result = flow.erase_petitioner(actor=chair, reason="Đơn số 12", phone=PHONE)
        assert tuple(s.id for s in mine) == result.erased
        assert [Redaction.ERASED] * 2 == [flow.storage.get_submission(s.id).petitioner.redaction
                                          for s in mine]
        assert [other.id] == [s.id for s in flow.submissions(search="Le C")]
        assert ["find", "export", "erase"] == [e.purpose for e in flow.access_log()]
        assert ["find"] == [e.purpose for e in flow.access_log(actor=office,
                                                                end=dt.date(2021, 6, 1),
                                                                limit=1)]


def test_the_sweep_erases_past_retention(schema_url: str, calendar: WorkCalendar) -> None:
    intake = Actor("tn", "Tiếp nhận", Role.INTAKE_DESK)
    clock = FixedClock(dt.date(2021, 6, 1))
    with DialogueFlow.open(schema_url, clock=clock, ids=SequentialIds(), calendar=calendar,
                           retention={"commune": "1y"}) as flow:
        s = flow.receive(petitioner=Petitioner("Nguyễn Văn A", phone=PHONE), topic="Đường",
                         content="c", actor=intake)
        flow.close(s.id, outcome="withdrawn", actor=intake)
        assert (0, 1, 0) == tuple(flow.sweep(day).erased for day in (
            dt.date(2022, 6, 1), dt.date(2022, 6, 2), dt.date(2022, 6, 3)))
        assert flow.storage.get_submission(s.id).petitioner.name is None
