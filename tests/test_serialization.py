"""`to_json` splices the cached JSON of `Deadline` objects into a record's text: the text
must be exactly what encoding `to_dict(record)` whole gives, for every record and every
Deadline, shared or not."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Deadline,
    Dialogue,
    Notification,
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
from strategies import dialogues, notifications, submissions, transition_records


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


# --- direct writers -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(record=st.one_of(submissions(), transition_records(), notifications(), dialogues()))
def test_direct_writers_write_what_the_converter_writes(record: object) -> None:
    """Submissions, audit rows and notifications are written field by field by generated
    writers (dialogues, with their conclusion notice, go through the converter): the text is
    the whole-dict encoding's, character for character."""
    assert _whole(record) == to_json(record)
    assert _whole(record) == to_json(record)  # the second through the installed writer


def test_the_classes_on_the_hot_path_have_direct_writers() -> None:
    for cls in (Submission, TransitionRecord, Notification):
        assert _serialization._direct(cls) is not None, cls
    to_json(sample_submission())
    assert _serialization._WRITERS[Submission].__name__ == "write"  # checked and installed


def test_a_value_of_an_unexpected_type_goes_through_the_converter() -> None:
    """attrs does not check a field's declared type: an int where ``str | None`` is declared,
    a list where a tuple is, a date subclass, ... are written as the converter writes them."""
    class Day(date):
        pass

    odd = [attrs.evolve(sample_submission(), dialogue_id=123),  # type: ignore[arg-type]
           attrs.evolve(sample_submission(), answered_on=Day(2021, 6, 2)),
           attrs.evolve(sample_submission(), extensions=True),
           attrs.evolve(sample_notification("k"), data={"n": 1})]  # type: ignore[dict-item]
    for record in odd:
        assert _whole(record) == to_json(record)


def test_a_host_hook_registered_before_first_use_is_honoured(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A hook for a leaf type (here: datetimes as epoch seconds) or for the record class
    itself means the converter's way, for every record of that class."""
    fresh = _serialization.converter.copy()
    fresh.register_unstructure_hook(datetime, lambda v: int(v.timestamp()))
    monkeypatch.setattr(_serialization, "converter", fresh)
    monkeypatch.setattr(_serialization, "_WRITERS", {})
    record = sample_submission()
    text = to_json(record)
    assert f'"received_at":{int(record.received_at.timestamp())}' in text
    assert text == to_json(record)
    assert _serialization._direct(Submission) is None

    other = _serialization.converter.copy()
    other.register_unstructure_hook(TransitionRecord, lambda r: {"only": r.event})
    monkeypatch.setattr(_serialization, "converter", other)
    monkeypatch.setattr(_serialization, "_WRITERS", {})
    row = sample_transition(record)
    assert '{"only":"test"}' == to_json(row) == to_json(row)


def test_a_new_version_reuses_only_what_it_shares_and_dicts_are_written_afresh() -> None:
    """A record writer keeps the last record's field values and JSON: the next version
    (sharing most field objects) must still come out whole and right, and a dict changed
    in place since the last write must be written as it is now."""
    first = sample_submission()
    versions = [first, attrs.evolve(first, version=2, department="Tư pháp"),
                attrs.evolve(first, version=3, topic="giao thông"), first]
    assert [_whole(v) for v in versions] == [to_json(v) for v in versions]
    note = sample_notification("k")
    assert _whole(note) == to_json(note)
    note.data["later"] = "thêm"  # type: ignore[index] # a dict, as attrs leaves it
    assert '"later":"thêm"' in to_json(note)
    assert _whole(note) == to_json(note)


def test_the_direct_writer_is_installed_only_after_a_comparable_first_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A first record the direct writer cannot write (a value of a surprising type) goes
    the converter's way and leaves the check to the next record."""
    monkeypatch.setattr(_serialization, "_WRITERS", {})
    odd = attrs.evolve(sample_submission(), complex=1)  # an int where a bool is declared
    assert _whole(odd) == to_json(odd)
    assert _serialization._WRITERS[Submission].__name__ == "first"
    plain = sample_submission()
    assert _whole(plain) == to_json(plain)
    assert _serialization._WRITERS[Submission].__name__ == "write"
    assert _whole(odd) == to_json(odd)  # and later surprises still go the converter's way


def test_flat_rows_are_written_as_the_records_they_stand_for() -> None:
    """The stored form of an audit row (details flattened at its end) is written as
    to_json of the TransitionRecord it reads back as, duplicates and odd tails included;
    a class whose last field is not a dict of strings has no flat writer."""
    from dialogue_flow._storage import _row_tuple, _stored_row  # noqa: PLC0415

    write = _serialization.flat_writer(TransitionRecord, _stored_row)
    row = _row_tuple(attrs.evolve(sample_transition(sample_submission()),
                                  details={"a": "1", "b": "2", "c": "3"}))
    for flat in (row, row[:-6], row[:-4], (*row[:-6], "k", "1", "k", "2")):
        assert to_json(_stored_row(flat)) == write(flat)
    assert _serialization._direct(Submission, flat=True) is None
    through = _serialization.flat_writer(Submission, lambda r: sample_submission())
    assert to_json(sample_submission()) == through(("anything",))
