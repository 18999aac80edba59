"""Importing an office's register on PostgreSQL (issue 18): the rows and their keys in one
commit, a re-import skipping them, a file with a bad row writing nothing, as on the other
backends."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    ImportRejected,
    Role,
    SubmissionState,
    WorkCalendar,
)
from dialogue_flow.storage import SubmissionQuery

HEADER = ["Số thứ tự", "Ngày tiếp nhận", "Họ và tên", "Lĩnh vực", "Nội dung",
          "Cơ quan, bộ phận giải quyết"]


def _rows(n: int) -> list[list[object]]:
    return [[str(k), f"{k % 28 + 1:02d}/06/2021", f"Nguyễn Văn {k}", "Đất đai",
             f"Kiến nghị số {k}", "Địa chính" if k % 2 else None] for k in range(1, n + 1)]


def test_import_then_reimport(schema_url: str) -> None:
    office = Actor("vp", "Văn phòng", Role.OFFICE)
    with DialogueFlow.open(schema_url, clock=FixedClock(dt.date(2022, 1, 10)),
                           calendar=WorkCalendar.vietnam()) as flow:
        bad = [HEADER, *_rows(40)]
        bad[30][1] = "31/02/2021"
        with pytest.raises(ImportRejected) as caught:
            flow.import_register(bad, actor=office)
        assert [e.row for e in caught.value.errors] == [31]
        assert flow.storage.count_submissions(SubmissionQuery()) == 0
        first = flow.import_register([HEADER, *_rows(40)], actor=office)
        assert (first.added, first.skipped) == (40, 0)
        again = flow.import_register([HEADER, *_rows(45)], actor=office)
        assert (again.added, again.skipped) == (5, 40)
        assigned = flow.submission(first.ids[0])
        assert assigned.state is SubmissionState.ASSIGNED
        assert flow.storage.pending_notifications() == []
        assert flow.storage.import_keys("default", ["2021:1", "2021:45"]) == {
            "2021:1": first.ids[0], "2021:45": again.ids[-1]}
