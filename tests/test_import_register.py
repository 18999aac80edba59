"""Importing an office's register (issue 18): columns by header or mapping, every row
checked before anything is written, per-row errors without personal data, idempotent
re-import, historical dates with their legal clocks and no notifications."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    AnswerMode,
    Channel,
    DialogueFlow,
    FixedClock,
    ImportRejected,
    ImportResult,
    InvalidInputError,
    MemoryStorage,
    Organisation,
    PermissionDeniedError,
    Petitioner,
    Role,
    RowError,
    SequentialIds,
    SubmissionKind,
    SubmissionState,
    VersionConflictError,
    register_table,
    time_ordered_id,
)
from dialogue_flow._tracking import new_tracking_code
from dialogue_flow.storage import Changeset, ImportKey, SubmissionQuery
from dialogue_flow.testing import sample_submission, store_contents

TODAY = dt.date(2022, 3, 1)
OFFICE = Actor("van-phong", "Văn phòng", Role.OFFICE)
VI = ["Số thứ tự", "Ngày tiếp nhận", "Họ và tên", "Điện thoại", "Lĩnh vực", "Nội dung",
      "Cơ quan, bộ phận giải quyết"]
EN = ["No.", "Received on", "Name", "Phone", "Topic", "Content", "Department"]

Row = list[object]


def _flow(storage: MemoryStorage | None = None) -> DialogueFlow:
    return DialogueFlow(MemoryStorage() if storage is None else storage,
                        clock=FixedClock(TODAY), ids=SequentialIds())


def _rows(n: int, *, first: int = 1) -> list[Row]:
    """``n`` data rows in the layout of :data:`VI`, numbered from ``first``."""
    return [[str(k), f"{(k % 28) + 1}/06/2021", f"Nguyễn Văn {k}", f"09{k:08d}", "Đất đai",
             f"Nội dung kiến nghị số {k}", "Địa chính" if k % 2 else None]
            for k in range(first, first + n)]


def _rejected(flow: DialogueFlow, rows: Sequence[Sequence[object]], **options: object,
              ) -> tuple[RowError, ...]:
    with pytest.raises(ImportRejected) as caught:
        flow.import_register(rows, actor=OFFICE, **options)  # type: ignore[arg-type]
    return caught.value.errors


# --- columns ---------------------------------------------------------------------------------


def test_columns_by_vietnamese_headers() -> None:
    flow = _flow()
    result = flow.import_register([VI, *_rows(3)], actor=OFFICE)
    assert (result.added, result.skipped, result.rows) == (3, 0, 3)
    s = flow.submission(result.ids[0])
    assert (s.topic, s.content, s.petitioner.name, s.petitioner.phone) == (
        "Đất đai", "Nội dung kiến nghị số 1", "Nguyễn Văn 1", "0900000001")
    assert s.received_at == dt.datetime(2021, 6, 2, 8, tzinfo=FixedClock(TODAY).now().tzinfo)


def test_columns_by_english_headers_ignoring_case_spaces_and_unicode_form() -> None:
    header = [f"  {h.upper()} " for h in EN]
    result = _flow().import_register([header, *_rows(2)], actor=OFFICE)
    assert result.added == 2


def test_columns_by_an_explicit_mapping() -> None:
    decomposed = unicodedata.normalize("NFD", "Ngày nhận đơn")
    header = ["STT", decomposed, "Người gửi", "SĐT", "Vấn đề", "Tóm tắt nội dung", "Giao cho",
              "Ghi chú"]
    mapping = {"number": "stt", "received_on": "  ngày NHẬN đơn ", "name": "người gửi",
               "phone": "sđt", "topic": "vấn đề", "content": "tóm tắt nội dung",
               "department": "giao cho"}
    flow = _flow()
    result = flow.import_register([header, *[[*r, "x"] for r in _rows(2)]], actor=OFFICE,
                                  mapping=mapping)
    assert result.added == 2
    assert result.ignored_columns == ("Ghi chú",)
    assert flow.submission(result.ids[0]).department == "Địa chính"


def test_a_mapping_field_the_register_has_not_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="mapping"):
        _flow().import_register([VI], actor=OFFICE, mapping={"colour": "Màu"})
    with pytest.raises(InvalidInputError, match="not imported"):
        _flow().import_register([VI], actor=OFFICE, mapping={"state": "Tình trạng"})


def test_unknown_and_ignored_columns_are_listed() -> None:
    header = [*VI, "Tình trạng", "Ghi chú", None]
    result = _flow().import_register([header, [*_rows(1)[0], "đã xong", "", None]],
                                     actor=OFFICE)
    assert result.ignored_columns == ("Tình trạng", "Ghi chú")


def test_a_required_column_missing_is_an_error_of_row_one() -> None:
    errors = _rejected(_flow(), [[h for h in VI if h != "Nội dung"], ["1"]])
    assert [(e.row, e.field, e.column) for e in errors] == [(1, "content", "Nội dung")]
    errors = _rejected(_flow(), [VI, *_rows(1)], mapping={"topic": "Vấn đề"})
    assert [(e.row, e.field, e.column) for e in errors] == [(1, "topic", "Vấn đề")]


def test_a_file_whose_first_row_is_data_names_no_cell_of_it() -> None:
    """Row 1 read as headers may be a matter's cells: no message quotes them."""
    first = _rows(1)[0]
    with pytest.raises(ImportRejected) as caught:
        _flow().import_register([first, *_rows(2)], actor=OFFICE,
                                mapping={"received_on": "Ngày", "topic": "Lĩnh vực",
                                         "content": "Nội dung"})
    text = str(caught.value) + repr(caught.value.errors)
    for cell in first:
        if isinstance(cell, str) and len(cell) > 3:
            assert cell not in text


def test_a_file_without_a_header_row() -> None:
    errors = _rejected(_flow(), [])
    assert errors[0].row == 1


# --- cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["17/06/2021", "2021-06-17", "17-6-2021", "17.06.2021",
                                  dt.date(2021, 6, 17), dt.datetime(2021, 6, 17, 8)])
def test_dates_however_written(cell: object) -> None:
    flow = _flow()
    result = flow.import_register([VI, ["1", cell, None, None, "Đất đai", "Nội dung", None]],
                                  actor=OFFICE)
    s = flow.submission(result.ids[0])
    assert flow._received_on(s) == dt.date(2021, 6, 17)
    assert s.received_at.hour == 8


def test_a_datetime_keeps_its_time() -> None:
    flow = _flow()
    cell = dt.datetime(2021, 6, 17, 14, 30)
    result = flow.import_register([VI, ["1", cell, None, None, "Đất đai", "Nội dung", None]],
                                  actor=OFFICE)
    assert flow.submission(result.ids[0]).received_at.time() == dt.time(14, 30)


@pytest.mark.parametrize("cell", ["31/02/2021", "hôm qua", "2021/13/01", 44365, "17/06/21"])
def test_bad_dates(cell: object) -> None:
    errors = _rejected(_flow(), [VI, ["1", cell, None, None, "Đất đai", "Nội dung", None]])
    assert [(e.row, e.field, e.column) for e in errors] == [(2, "received_on",
                                                             "Ngày tiếp nhận")]
    assert "DD/MM/YYYY" in errors[0].message


def test_a_day_in_the_future_is_refused() -> None:
    errors = _rejected(_flow(), [VI, ["1", "02/03/2022", None, None, "Đất đai", "x", None]])
    assert "future" in errors[0].message


def test_required_cells_empty() -> None:
    errors = _rejected(_flow(), [VI, ["1", None, None, None, "  ", "Nội dung", None]])
    assert {(e.row, e.field) for e in errors} == {(2, "received_on"), (2, "topic")}


def test_channel_and_kind_in_words_or_values() -> None:
    header = ["Ngày tiếp nhận", "Lĩnh vực", "Nội dung", "Hình thức tiếp nhận", "Loại"]
    flow = _flow()
    result = flow.import_register([header,
                                   ["1/6/2021", "Đất đai", "a", "gửi bằng văn bản", "Ý KIẾN"],
                                   ["2/6/2021", "Đất đai", "b", "Written", "question"],
                                   ["3/6/2021", "Đất đai", "c", None, "Tố cáo"]],
                                  actor=OFFICE)
    got = [flow.submission(i) for i in result.ids]
    assert [(s.channel, s.kind) for s in got] == [
        (Channel.WRITTEN, SubmissionKind.OPINION), (Channel.WRITTEN, SubmissionKind.QUESTION),
        (Channel.SPOKEN, SubmissionKind.DENUNCIATION)]
    assert flow.storage.get_submission(result.ids[2]).confidential


def test_unknown_channel_and_kind_labels() -> None:
    header = ["Ngày tiếp nhận", "Lĩnh vực", "Nội dung", "Hình thức tiếp nhận", "Loại"]
    errors = _rejected(_flow(), [header, ["1/6/2021", "Đất đai", "a", "bồ câu đưa thư",
                                          "thư tình"]])
    assert [(e.row, e.field, e.column) for e in errors] == [
        (2, "channel", "Hình thức tiếp nhận"), (2, "kind", "Loại")]
    assert "Gửi bằng văn bản" in errors[0].message
    assert "bồ câu" not in errors[0].message


def test_duplicate_numbers_in_the_file() -> None:
    rows = [VI, *_rows(3)]
    rows.append([*_rows(1, first=2)[0]])  # row 5 repeats number 2 of the same year
    errors = _rejected(_flow(), rows)
    assert [(e.row, e.field, e.column) for e in errors] == [(5, "number", "Số thứ tự")]
    assert "row 3" in errors[0].message


def test_a_file_of_several_organisations_registers_is_refused_with_advice() -> None:
    """A whole-store export numbers each organisation from 1: the file is refused as a
    whole, with what to do, before its repeated numbers."""
    rows: list[Row] = [[*VI, "Tổ chức"]]
    rows += [[*row, "xa-a"] for row in _rows(2)] + [[*row, "xa-b"] for row in _rows(2)]
    errors = _rejected(_flow(), rows)
    assert ("organisation", "Tổ chức", 1) == (errors[0].field, errors[0].column, errors[0].row)
    assert "registers of 2 organisations" in errors[0].message
    assert "--org ORG" in errors[0].message


def test_one_organisations_column_is_ignored_as_before() -> None:
    rows: list[Row] = [[*VI, "Organisation"]] + [[*row, "xa-a"] for row in _rows(3)]
    result = _flow().import_register(rows, actor=OFFICE)
    assert 3 == result.added
    assert ("Organisation",) == result.ignored_columns


def test_the_same_number_in_another_year_is_another_row() -> None:
    rows = [VI, *_rows(2), ["1", "05/01/2022", None, None, "Đất đai", "Năm mới", None]]
    assert _flow().import_register(rows, actor=OFFICE).added == 3


def test_an_answer_needs_its_day_and_its_text() -> None:
    header = ["Ngày tiếp nhận", "Lĩnh vực", "Nội dung", "Ngày trả lời", "Nội dung trả lời"]
    errors = _rejected(_flow(), [header, ["1/6/2021", "Đất đai", "a", "5/6/2021", None],
                                 ["1/6/2021", "Đất đai", "b", "1/5/2021", "Đã trả lời"]])
    assert [(e.row, e.field) for e in errors] == [(2, "answer"), (3, "answered_on")]


# --- all or nothing, and errors a clerk can act on ---------------------------------------------


def test_one_bad_row_of_a_thousand_writes_nothing() -> None:
    flow = _flow()
    flow.import_register([VI, *_rows(5, first=5000)], actor=OFFICE)
    before = store_contents(flow.storage)
    rows = [VI, *_rows(1000)]
    rows[700][1] = "30/02/2021"
    errors = _rejected(flow, rows)
    assert [(e.row, e.field) for e in errors] == [(701, "received_on")]
    assert store_contents(flow.storage) == before


def test_the_message_lists_the_first_twenty_problems() -> None:
    rows = [VI, *_rows(30)]
    for row in rows[1:]:
        row[4] = None
    with pytest.raises(ImportRejected) as caught:
        _flow().import_register(rows, actor=OFFICE)
    assert len(caught.value.errors) == 30
    message = str(caught.value)
    assert "row 21, column «Lĩnh vực»: must not be empty" in message
    assert "row 22," not in message
    assert "and 10 more" in message


_LETTERS = st.sampled_from("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(_LETTERS, min_size=6, max_size=12),
       phone=st.text(st.sampled_from("0123456789"), min_size=9, max_size=11),
       broken=st.sampled_from(["received_on", "topic", "channel", "kind", "number",
                               "phone_length", "name_control", "answer"]))
def test_errors_never_quote_a_personal_cell(name: str, phone: str, broken: str) -> None:
    header = [*VI, "Hình thức tiếp nhận", "Loại", "Ngày trả lời", "Nội dung trả lời",
              "Địa chỉ", "Thư điện tử"]
    good = ["1", "17/06/2021", name, phone, "Đất đai", f"Tố cáo {name}", None, None,
            "Tố cáo", None, None, f"Thôn {name}", f"{name}@mail.vn"]
    bad = list(good)
    bad[0] = "2"
    spoiled = {"received_on": (1, name), "topic": (4, None), "channel": (7, name),
               "kind": (8, phone), "number": (0, "1"), "phone_length": (3, phone * 5),
               "name_control": (2, name + "\x07"), "answer": (9, "17/07/2021")}
    index, value = spoiled[broken]
    bad[index] = value
    with pytest.raises(ImportRejected) as caught:
        _flow().import_register([header, good, bad], actor=OFFICE)
    texts = [str(caught.value), repr(caught.value),
             *(f"{e.column} {e.message}" for e in caught.value.errors)]
    assert all(e.row == 3 for e in caught.value.errors)
    for text in texts:
        for personal in (name, phone, f"Thôn {name}", f"{name}@mail.vn"):
            assert personal not in text


# --- re-import -------------------------------------------------------------------------------


def test_the_same_file_twice_adds_nothing() -> None:
    flow = _flow()
    rows = [VI, *_rows(20)]
    first = flow.import_register(rows, actor=OFFICE)
    again = flow.import_register(rows, actor=OFFICE)
    assert (again.added, again.skipped, again.ids) == (0, 20, ())
    assert flow.storage.count_submissions(_all()) == 20
    more = flow.import_register([VI, *_rows(25)], actor=OFFICE)
    assert (more.added, more.skipped) == (5, 20)
    assert not set(first.ids) & set(more.ids)
    assert flow.storage.count_submissions(_all()) == 25


def _exported(flow: DialogueFlow, organisation: str | None = None) -> list[Row]:
    """The register as `dialogue-flow export register` writes it: headers, then rows."""
    [sheet] = register_table(flow, organisation=organisation, include_personal_data=True,
                             actor=OFFICE if organisation is None else Actor(
                                 "vp", "Văn phòng", Role.OFFICE,
                                 organisation_id=organisation))["sheets"]
    return [[c["label"] for c in sheet["columns"]], *sheet["rows"]]


def test_an_export_imported_into_its_own_store_adds_nothing() -> None:
    """Issue 18's leftover: the export's tracking codes name the store's own matters, so
    importing it back skips every row (it used to add each matter again)."""
    flow = _flow()
    flow.import_register([VI, *_rows(6)], actor=OFFICE)
    received = flow.receive(petitioner=Petitioner("Trần Thị B"), topic="Môi trường",
                            content="Rác thải.", actor=OFFICE, channel="written")
    exported = _exported(flow)
    assert received.tracking_code in {cell for row in exported for cell in row}
    again = flow.import_register(exported, actor=OFFICE)
    assert (again.added, again.skipped, again.rows) == (0, 7, 7)
    assert flow.storage.count_submissions(_all()) == 7


def test_an_export_imported_into_another_store_keeps_its_tracking_codes() -> None:
    """Moving a register to another store (a new system) keeps each matter's code, so a
    citizen's code still finds it there; importing the file again adds nothing."""
    source = _flow()
    source.import_register([VI, *_rows(5)], actor=OFFICE)
    codes = sorted(s.tracking_code or "" for s in source.submissions().items)
    # Random codes in the target (not SequentialIds, which would draw the source's again).
    target = DialogueFlow(MemoryStorage(), clock=FixedClock(TODAY))
    moved = target.import_register(_exported(source), actor=OFFICE)
    assert moved.added == 5
    assert codes == sorted(target.submission(i).tracking_code or "" for i in moved.ids)
    assert target.lookup(codes[0]).tracking_code == codes[0]
    again = target.import_register(_exported(source), actor=OFFICE)
    assert (again.added, again.skipped) == (0, 5)


def test_an_export_of_another_organisation_is_refused_row_by_row() -> None:
    """The codes name another organisation's matters: the rows are refused, nothing is
    written, and the message says what to do."""
    flow = _flow()
    flow.add_organisation(Organisation("tinh", "Tỉnh", "province"))
    flow.add_organisation(Organisation("xa-a", "Xã A", "commune", "tinh"))
    flow.add_organisation(Organisation("xa-b", "Xã B", "commune", "tinh"))
    desk_a = Actor("vp-a", "Văn phòng", Role.OFFICE, organisation_id="xa-a")
    flow.import_register([VI, *_rows(3)], actor=desk_a)
    desk_b = Actor("vp-b", "Văn phòng", Role.OFFICE, organisation_id="xa-b")
    with pytest.raises(ImportRejected) as caught:
        flow.import_register(_exported(flow, "xa-a"), actor=desk_b)
    errors = caught.value.errors
    assert [(2, "tracking_code"), (3, "tracking_code"), (4, "tracking_code")] == [
        (e.row, e.field) for e in errors]
    assert "of xa-a" in errors[0].message
    assert "xa-a's register, which its own office imports" in errors[0].message
    assert flow.storage.count_submissions(_all()) == 3


def test_a_bad_or_repeated_tracking_code_is_the_rows_problem() -> None:
    """A cell that is not a tracking code, or a code two rows share: named by row and
    column, never quoting the cell."""
    flow = _flow()
    code = new_tracking_code()
    header = [*VI, "Mã tra cứu"]
    rows = [header, [*_rows(1)[0], "0912 345 678"], [*_rows(1, first=2)[0], code],
            [*_rows(1, first=3)[0], code]]
    errors = _rejected(flow, rows)
    assert [(2, "tracking_code", "Mã tra cứu"), (4, "tracking_code", "Mã tra cứu")] == [
        (e.row, e.field, e.column) for e in errors]
    assert "0912" not in errors[0].message
    assert "leave it empty" in errors[0].message
    assert "rename the column" in errors[0].message
    assert "row 3" in errors[1].message
    assert flow.storage.count_submissions(_all()) == 0


def test_matters_are_made_in_the_order_received_and_listed_in_row_order() -> None:
    """A register out of date order: its matters get their ids in the order they were
    received (the store then writes its indexes of ids and days in order); the result
    lists the ids in the order of the rows."""
    given = _rows(6)
    rows = [given[3], given[0], given[5], given[1], given[4], given[2]]  # days 5 2 7 3 6 4
    flow = _flow()
    result = flow.import_register([VI, *rows], actor=OFFICE)
    made = [flow.submission(sid) for sid in result.ids]
    assert [s.content for s in made] == [row[5] for row in rows]
    by_id = sorted(made, key=lambda s: s.id)
    assert [s.received_at.day for s in by_id] == [2, 3, 4, 5, 6, 7]


def test_a_register_without_numbers_is_keyed_by_its_cells() -> None:
    header = VI[1:]
    rows = [r[1:] for r in _rows(4)]
    flow = _flow()
    assert flow.import_register([header, *rows], actor=OFFICE).added == 4
    # The same cells written otherwise (a date in ISO, other spaces and case) are the same.
    rewritten = [["2021-06-0" + str(int(r[0].split("/")[0])), f" {str(r[1]).upper()} ",
                  *r[2:]] for r in rows]  # type: ignore[union-attr]
    again = flow.import_register([header, *rewritten], actor=OFFICE)
    assert (again.added, again.skipped) == (0, 4)
    changed = [list(r) for r in rows]
    changed[0][4] = "Nội dung khác"
    assert flow.import_register([header, *changed], actor=OFFICE).added == 1
    # A tracking-code column is not part of a row's key: the same rows with codes added
    # (codes the store does not hold) are still the rows imported before.
    coded = [[*r, new_tracking_code()] for r in rows]
    again = flow.import_register([[*header, "Mã tra cứu"], *coded], actor=OFFICE, dry_run=True)
    assert (again.added, again.skipped, again.rows) == (0, 4, 4)


def test_identical_rows_without_numbers_are_an_error() -> None:
    header = VI[1:]
    row = _rows(1)[0][1:]
    errors = _rejected(_flow(), [header, row, list(row)])
    assert [e.row for e in errors] == [3]


def test_a_concurrent_import_of_the_same_rows_is_skipped_on_retry() -> None:
    """Another import committed the same keys between the look-up and the commit: the
    commit is a conflict, and the import decides again (those rows then skipped)."""

    class Racing(MemoryStorage):
        raced = False

        def import_keys(self, organisation_id: str, keys: object) -> dict[str, str]:
            if not self.raced:
                self.raced = True
                other = _flow(self)
                other.import_register([VI, *_rows(3)], actor=OFFICE)
                return {}
            return super().import_keys(organisation_id, keys)  # type: ignore[arg-type]

    storage = Racing()
    result = DialogueFlow(storage, clock=FixedClock(TODAY)).import_register(
        [VI, *_rows(5)], actor=OFFICE)
    assert (result.added, result.skipped) == (2, 3)
    assert storage.count_submissions(_all()) == 5


def test_a_tracking_code_another_matter_holds_is_drawn_again() -> None:
    """Codes are drawn unique within the import; one a stored matter holds makes the
    store refuse the commit, and the import draws again, checking each code as receive."""
    storage = MemoryStorage()
    intake = Actor("tn", "Tiếp nhận", Role.INTAKE_DESK)
    held = _flow(storage).receive(petitioner=Petitioner.anonymous(), topic="Đất đai",
                                  content="x", actor=intake).tracking_code
    assert held is not None

    class Repeating:
        """Unique ids, and the held code for the first four draws."""

        def __init__(self) -> None:
            self.repeats = 4

        def __call__(self, prefix: str) -> str:
            return time_ordered_id(prefix)

        def tracking_code(self) -> str:
            self.repeats -= 1
            return held if self.repeats >= 0 else new_tracking_code()

    flow = DialogueFlow(storage, clock=FixedClock(TODAY), ids=Repeating())
    result = flow.import_register([VI, *_rows(3)], actor=OFFICE)
    codes = [flow.submission(i).tracking_code for i in result.ids]
    assert result.added == 3
    assert held not in codes
    assert len(set(codes)) == 3


def test_a_key_held_fails_a_commit() -> None:
    flow = _flow()
    flow.import_register([VI, *_rows(1)], actor=OFFICE)
    key = next(iter(flow.storage.import_keys("default", ["2021:1"]).items()))
    assert key[0] == "2021:1"
    with pytest.raises(VersionConflictError):
        flow.storage.commit(Changeset(((sample_submission("sub-x"), 0),),
                                      import_keys=(ImportKey("default", "2021:1", "sub-x"),)))


def _all() -> SubmissionQuery:
    return SubmissionQuery(limit=1)


# --- clocks, notices, audit ------------------------------------------------------------------


def test_an_assigned_row_gets_its_answer_clock_from_the_day_it_was_received() -> None:
    flow = _flow()
    result = flow.import_register([VI, ["1", "17/06/2021", None, None, "Đất đai", "Nội dung",
                                        "Địa chính"]], actor=OFFICE)
    s = flow.submission(result.ids[0])
    assert s.state is SubmissionState.ASSIGNED
    assert s.assigned_on == dt.date(2021, 6, 17)
    assert s.due is not None
    assert s.due.rule_id == "written-answer"
    assert s.due.anchor == dt.date(2021, 6, 17)
    assert s.due.date == flow.calendar.add_working_days(dt.date(2021, 6, 17), 30)


def test_rows_escalated_answered_and_received() -> None:
    header = ["Ngày tiếp nhận", "Lĩnh vực", "Nội dung", "Cấp có thẩm quyền", "Ngày trả lời",
              "Nội dung trả lời", "Hình thức tiếp nhận"]
    flow = _flow()
    result = flow.import_register([header,
                                   ["1/6/2021", "Đất đai", "a", "UBND huyện", None, None, None],
                                   ["2/6/2021", "Đất đai", "b", None, "9/6/2021", "Đã trả lời",
                                    None],
                                   ["3/6/2021", "Đất đai", "c", None, None, None, "written"]],
                                  actor=OFFICE)
    escalated, answered, waiting = (flow.submission(i) for i in result.ids)
    assert (escalated.state, escalated.competent_level) == (SubmissionState.ESCALATED,
                                                            "UBND huyện")
    assert escalated.due is not None
    assert escalated.due.rule_id == "written-answer"
    assert (answered.state, answered.answered_on, answered.answer_mode) == (
        SubmissionState.ANSWERED, dt.date(2021, 6, 9), AnswerMode.IN_WRITING)
    assert waiting.state is SubmissionState.RECEIVED
    assert waiting.due is not None
    assert (waiting.due.rule_id, waiting.due.anchor) == ("processing", dt.date(2021, 6, 3))
    assert waiting.tracking_code


def test_an_old_open_row_is_overdue_in_the_report() -> None:
    flow = _flow()
    result = flow.import_register([VI, ["1", "17/06/2021", None, None, "Đất đai", "x",
                                        "Địa chính"]], actor=OFFICE)
    report = flow.report("2021")
    assert [item.submission_id for item in report.overdue] == list(result.ids)


def test_no_notification_and_an_import_audit_row() -> None:
    flow = _flow()
    result = flow.import_register([VI, *_rows(4)], actor=OFFICE)
    assert flow.storage.pending_notifications() == []
    assert sum(flow.outbox_stats().values()) == 0
    for number, sid in enumerate(result.ids, start=2):
        trail = flow.storage.history("submission", sid)
        assert [(r.event, r.source, r.actor_id, r.details) for r in trail] == [
            ("import", None, OFFICE.id, {"row": str(number)})]
        assert trail[0].at == flow.clock.now()


def test_a_dry_run_checks_and_counts_but_writes_nothing() -> None:
    flow = _flow()
    flow.import_register([VI, *_rows(2)], actor=OFFICE)
    before = store_contents(flow.storage)
    result = flow.import_register([VI, *_rows(5)], actor=OFFICE, dry_run=True)
    assert result == ImportResult(3, 2, 5, (), (), dry_run=True)
    assert store_contents(flow.storage) == before
    bad = [VI, ["1", "hôm nay", None, None, "x", "y", None]]
    assert _rejected(flow, bad, dry_run=True)[0].field == "received_on"


# --- who may import, and where -------------------------------------------------------------


def test_only_the_office_or_the_chair_imports_into_their_own_organisation() -> None:
    flow = _flow()
    with pytest.raises(PermissionDeniedError):
        flow.import_register([VI], actor=Actor("d", "Địa chính", Role.DEPARTMENT,
                                               department="Địa chính"))
    with pytest.raises(PermissionDeniedError):
        flow.import_register([VI], actor=OFFICE, organisation="xa-khac")


def test_into_an_organisation_under_its_own_policy() -> None:
    flow = _flow()
    flow.storage.commit(Changeset(((Organisation("xa-mot", "Xã Một", "commune"), 0),)))
    clerk = Actor("vp-xa-mot", "Văn phòng", Role.OFFICE, organisation_id="xa-mot")
    result = flow.import_register([VI, *_rows(2)], actor=clerk)
    assert {flow.submission(i).organisation_id for i in result.ids} == {"xa-mot"}
    assert flow.import_register([VI, *_rows(2)], actor=OFFICE).added == 2  # another register


def test_on_sqlite_a_reopened_store_still_skips(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    rows = [VI, *_rows(30)]
    with DialogueFlow.open(url, clock=FixedClock(TODAY)) as flow:
        assert flow.import_register(rows, actor=OFFICE).added == 30
    with DialogueFlow.open(url, clock=FixedClock(TODAY)) as flow:
        again = flow.import_register([VI, *_rows(31)], actor=OFFICE)
        assert (again.added, again.skipped) == (1, 30)


# --- property ----------------------------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")),
                min_size=1, max_size=30).filter(lambda t: t.strip() != "")


@st.composite
def _register(draw: st.DrawFn) -> list[Row]:
    numbered = draw(st.booleans())
    count = draw(st.integers(min_value=0, max_value=12))
    rows: list[Row] = []
    for k in range(count):
        day = draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=TODAY))
        written = draw(st.sampled_from([day, day.strftime("%d/%m/%Y"), day.isoformat()]))
        department = draw(st.none() | st.sampled_from(["Địa chính", "Tư pháp"]))
        rows.append([str(k + 1), written, draw(st.none() | _TEXT), draw(_TEXT),
                     f"{draw(_TEXT)} {k}", department])
    header: list[object] = ["Số thứ tự", "Ngày tiếp nhận", "Họ và tên", "Lĩnh vực",
                            "Nội dung", "Cơ quan, bộ phận giải quyết"]
    if not numbered:
        header, rows = header[1:], [r[1:] for r in rows]
    return [header, *rows]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(register=_register())
def test_any_valid_register_imports_and_reimports_as_nothing(register: list[Row]) -> None:
    flow = _flow()
    first = flow.import_register(register, actor=OFFICE)
    assert (first.added, first.skipped) == (len(register) - 1, 0)
    again = flow.import_register(register, actor=OFFICE)
    assert (again.added, again.skipped) == (0, len(register) - 1)
