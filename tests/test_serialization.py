"""`to_json` splices the cached JSON of `Deadline` objects into a record's text: the text
must be exactly what encoding `to_dict(record)` whole gives, for every record and every
Deadline, shared or not."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import attrs
import pytest

from dialogue_flow import (
    Deadline,
    Dialogue,
    InvalidInputError,
    Submission,
    TransitionRecord,
    _serialization,
    from_json,
    to_dict,
    to_json,
)
from dialogue_flow._calendar import SkippedDay
from dialogue_flow.testing import (
    sample_dialogue,
    sample_notification,
    sample_submission,
    sample_transition,
)


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


def test_a_value_of_an_unexpected_type_goes_through_the_converter() -> None:
    """A date subclass or a mapping of other values in a notification's data are written as
    the converter writes them."""
    class Day(date):
        pass

    odd = [attrs.evolve(sample_submission(), answered_on=Day(2021, 6, 2)),
           attrs.evolve(sample_notification("k"), data={"n": 1})]  # type: ignore[dict-item]
    for record in odd:
        assert _whole(record) == to_json(record)


@pytest.mark.parametrize(("field", "value"), [("dialogue_id", 123), ("extensions", True),
                                              ("topic", ["a"]), ("answered_on", "2021-06-02")])
def test_a_field_of_the_wrong_type_is_refused_when_built(field: str, value: object) -> None:
    """Issue 13: a record of the wrong shape never exists, so it is never stored to poison
    every later read."""
    with pytest.raises(InvalidInputError, match=f"Submission.{field}"):
        attrs.evolve(sample_submission(), **{field: value})


def test_a_host_hook_registered_after_records_were_written_is_honoured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A hook registered on the shared converter at any time (here: datetimes as epoch
    seconds, then a whole record class) is used by the next to_json: nothing is cached
    past it."""
    fresh = _serialization.converter.copy()
    monkeypatch.setattr(_serialization, "converter", fresh)
    record = sample_submission()
    row = sample_transition(record)
    before = to_json(record), to_json(row)
    assert f'"received_at":"{record.received_at.isoformat()}"' in before[0]
    fresh.register_unstructure_hook(datetime, lambda v: int(v.timestamp()))
    assert f'"received_at":{int(record.received_at.timestamp())}' in to_json(record)
    fresh.register_unstructure_hook(TransitionRecord, lambda r: {"only": r.event})
    assert to_json(row) == '{"only":"test"}'
