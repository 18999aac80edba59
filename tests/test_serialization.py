"""`to_json` splices the cached JSON of `Deadline` objects into a record's text: the text
must be exactly what encoding `to_dict(record)` whole gives, for every record and every
Deadline, shared or not."""

from __future__ import annotations

import json
from datetime import date, timedelta

import attrs

from dialogue_flow import (
    Deadline,
    Dialogue,
    Submission,
    _serialization,
    from_json,
    to_dict,
    to_json,
)
from dialogue_flow._calendar import SkippedDay
from dialogue_flow.testing import sample_dialogue, sample_notification, sample_submission


def _whole(record: object) -> str:
    """The reference: the record's dict encoded in one go."""
    return json.dumps(to_dict(record), ensure_ascii=False, separators=(",", ":"))


def _deadline(day: int) -> Deadline:
    due = date(2021, 6, 1) + timedelta(days=day)
    return Deadline(date=due, rule_id="written-answer", anchor=date(2021, 6, 1),
                    basis="Kế hoạch, mục II.2.7", calendar="vn/test",
                    skipped=(SkippedDay(due - timedelta(days=1), "Chủ nhật"),))


def test_records_with_deadlines_match_the_whole_encoding() -> None:
    """Submissions (due set or not) and dialogues (one or two Deadline fields) come out as
    the whole-dict encoding, key order included, and read back equal."""
    shared = _deadline(30)
    records: list[Submission | Dialogue] = [
        sample_submission(),
        sample_submission(due=date(2021, 7, 13)),
        attrs.evolve(sample_submission(), due=shared),
        attrs.evolve(sample_submission("sub-0002"), due=shared),
        sample_dialogue(),
        attrs.evolve(sample_dialogue(), conclusion_due=shared),
    ]
    for record in records:
        text = to_json(record)
        assert _whole(record) == text
        assert record == from_json(type(record), text)
    note = sample_notification("k-1")
    assert _whole(note) == to_json(note)


def test_equal_and_recycled_deadlines_never_mix() -> None:
    """Many short-lived Deadline objects (ids recycled by the interpreter) each give their
    own JSON, and the cache stays bounded."""
    for day in range(3 * _serialization._DEADLINE_CACHE_SIZE):
        record = attrs.evolve(sample_submission(), due=_deadline(day % 400))
        assert _whole(record) == to_json(record)
    assert len(_serialization._DEADLINE_JSON) <= _serialization._DEADLINE_CACHE_SIZE
