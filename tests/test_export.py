"""The register and the reports as tables, and tables as CSV files (issue 18, part 2).

The register is read from the seed's 2021 plan (``dialogue-flow demo``): twelve matters of
two dialogues, the last ones still open, so overdue ones show from the autumn on.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    Organisation,
    Petitioner,
    PluginError,
    Role,
    SequentialIds,
    SubmissionKind,
    hookimpl,
    load_plugins,
)
from dialogue_flow._export import register_table, report_table, rollup_table
from dialogue_flow._labels import VOCABULARIES
from dialogue_flow._plugins import PluginManager
from dialogue_flow._register import REGISTER_COLUMNS
from dialogue_flow._table_files import read_csv, read_table_file, table_csv, write_table_file

END_OF_2021 = dt.date(2021, 12, 31)
PUBLIC = [c.field for c in REGISTER_COLUMNS if not c.personal]
EVERY = [c.field for c in REGISTER_COLUMNS]


@pytest.fixture(scope="module")
def demo_url(demo_2021_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the seed's 2021 plan in a SQLite file (the access log is written to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    path.write_bytes(demo_2021_file.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def demo(demo_url: str) -> Iterator[DialogueFlow]:
    with DialogueFlow.open(demo_url, create=False, clock=FixedClock(END_OF_2021)) as flow:
        yield flow


def sheet(table: Mapping[str, Any], index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = table["sheets"][index]
    return found


def column(table: Mapping[str, Any], key: str, index: int = 0) -> list[Any]:
    """The cells of column ``key`` of a table's sheet."""
    keys = [c["key"] for c in sheet(table, index)["columns"]]
    return [row[keys.index(key)] for row in sheet(table, index)["rows"]]


def office(org: str = "default") -> Actor:
    return Actor(f"office.{org}", "Văn phòng", Role.OFFICE, organisation_id=org)


def reads(flow: DialogueFlow) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e.actor_id, e.purpose, e.record_ids) for e in flow.access_log(limit=1000)]


class TestRegister:
    def test_one_row_per_matter_in_the_register_columns(self, demo: DialogueFlow) -> None:
        """Each of the demo's twelve matters, oldest received first, numbered from 1, with
        the register's columns in order, its Vietnamese headers and their types."""
        table = register_table(demo)
        columns = sheet(table)["columns"]
        assert PUBLIC == [c["key"] for c in columns]
        assert [c.vi for c in REGISTER_COLUMNS if not c.personal] == [c["label"]
                                                                      for c in columns]
        assert [(c.type, c.width) for c in REGISTER_COLUMNS if not c.personal] == [
            (c["type"], c["width"]) for c in columns]
        assert [str(n) for n in range(1, 13)] == column(table, "number")
        assert [f"sub-{n:04d}" for n in range(1, 13)] == column(table, "id")
        assert "2021-05-28" == column(table, "received_on")[0]
        assert column(table, "received_on") == sorted(column(table, "received_on"))

    def test_the_cells_of_a_matter_answered_and_closed(self, demo: DialogueFlow) -> None:
        """Dates as ISO text, channel, kind and state in words, the answer, the dialogue."""
        table = register_table(demo)
        keys = [c["key"] for c in sheet(table)["columns"]]
        first = dict(zip(keys, sheet(table)["rows"][0], strict=True))
        assert {"received_on": "2021-05-28", "organisation": "default",
                "channel": "Tổng hợp trước hội nghị (MTTQ, đoàn thể)", "kind": "Kiến nghị",
                "topic": "quản lý đất đai", "department": "Địa chính", "state": "Kết thúc",
                "due": "2021-08-06", "answered_on": "2021-07-16",
                "answer": "Đã cấp giấy chứng nhận.", "overdue": None,
                "dialogue": "dlg-0001"} == {k: first[k] for k in (
                    "received_on", "organisation", "channel", "kind", "topic", "department",
                    "state", "due", "answered_on", "answer", "overdue", "dialogue")}

    def test_no_personal_column_and_no_access_log_by_default(self, demo: DialogueFlow) -> None:
        before = reads(demo)
        table = register_table(demo)
        assert not any("Công dân" in str(cell) for row in sheet(table)["rows"] for cell in row)
        assert before == reads(demo)

    def test_personal_data_needs_the_actor_who_reads_it(self, demo: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError) as info:
            register_table(demo, include_personal_data=True)
        assert "actor" == info.value.field

    def test_personal_columns_for_an_actor_are_in_the_access_log(
            self, demo: DialogueFlow) -> None:
        """The name, address, phone and e-mail columns in the register's places; the read
        recorded once, purpose ``register``, naming every matter shown."""
        table = register_table(demo, include_personal_data=True, actor=office())
        assert EVERY == [c["key"] for c in sheet(table)["columns"]]
        assert [f"Công dân {n}" for n in range(1, 13)] == column(table, "name")
        assert ("office.default", "register", tuple(f"sub-{n:04d}" for n in range(1, 13))
                ) == reads(demo)[-1]

    def test_the_period_picks_the_matters_received_in_it(self, demo: DialogueFlow) -> None:
        table = register_table(demo, period="2021-H1")
        assert [f"sub-{n:04d}" for n in range(1, 7)] == column(table, "id")
        assert "Sổ theo dõi ý kiến, kiến nghị — 6 tháng đầu năm 2021" == table["title"]

    def test_a_matter_keeps_its_number_in_every_period(self, demo: DialogueFlow) -> None:
        """The second half's matters are numbered 7 to 12, as in the year's register: an
        import keyed by the number takes each once however the exports overlap."""
        table = register_table(demo, period="2021-H2")
        assert ([str(n) for n in range(7, 13)], [f"sub-{n:04d}" for n in range(7, 13)]) == (
            column(table, "number"), column(table, "id"))

    def test_overdue_as_of_a_day(self, demo: DialogueFlow) -> None:
        """On 1 September 2021 the three matters of the first dialogue still open past
        their due dates are overdue, the escalated one awaiting the district too."""
        overdue = column(register_table(demo, as_of=dt.date(2021, 9, 1)), "overdue")
        assert ["sub-0004", "sub-0005", "sub-0006"] == [
            f"sub-{n:04d}" for n, cell in enumerate(overdue, start=1) if cell == "Có"]

    def test_in_english(self, demo: DialogueFlow) -> None:
        table = register_table(demo, language="en")
        assert ("Register", "Received on", "Petition", "Closed") == (
            sheet(table)["name"], sheet(table)["columns"][3]["label"],
            column(table, "kind")[0], column(table, "state")[0])

    def test_a_bad_language_period_or_day_is_refused(self, demo: DialogueFlow) -> None:
        cases: tuple[tuple[dict[str, Any], str], ...] = (
            ({"language": "fr"}, "language"),
            ({"period": "2021-H3"}, "period"), ({"as_of": "2021-06-01"}, "as_of"))
        for options, field in cases:
            with pytest.raises(InvalidInputError) as info:
                register_table(demo, **options)
            assert field == info.value.field

    def test_every_kind_has_words_in_both_languages(self) -> None:
        assert {k.value for k in SubmissionKind} == set(VOCABULARIES["kind"])


#: A denouncer and a named petitioner of the commune.
DENOUNCER = Petitioner("Nguyễn Văn A", address="Thôn 1", phone="0912345678")
NEIGHBOUR = Petitioner("Trần Thị B", phone="0987654321")


@pytest.fixture
def commune() -> DialogueFlow:
    """A province and a commune: a denunciation and a petition at the commune, a petition
    at the province."""
    flow = DialogueFlow.open("memory://", clock=FixedClock(dt.date(2021, 6, 1)),
                             ids=SequentialIds())
    flow.load_organisations([Organisation("tinh-a", "Tỉnh ủy A", "province"),
                             Organisation("xa-a", "Đảng ủy xã A", "commune",
                                          parent_id="tinh-a")])
    desk = Actor("desk", "Tiếp nhận", Role.INTAKE_DESK, organisation_id="xa-a")
    flow.receive(petitioner=DENOUNCER, topic="tố cáo", content="Thu tiền trái quy định.",
                 channel="written", kind="denunciation", actor=desk)
    flow.receive(petitioner=NEIGHBOUR, topic="đất đai", content="Cấp sổ đỏ chậm.",
                 channel="written", actor=desk)
    flow.receive(petitioner=NEIGHBOUR, topic="giao thông", content="Đường hỏng.",
                 channel="written",
                 actor=Actor("pdesk", "Tiếp nhận", Role.INTAKE_DESK, organisation_id="tinh-a"))
    return flow


class TestConfidential:
    def test_withheld_from_a_role_the_policy_does_not_name(self, commune: DialogueFlow) -> None:
        """The office reads the petition's petitioner, not the denouncer's; the access log
        names only the matter whose identity was shown."""
        table = register_table(commune, organisation="xa-a", include_personal_data=True,
                               actor=office("xa-a"))
        assert ([None, "Trần Thị B"], [None, "0987654321"], ["Tố cáo", "Kiến nghị"]) == (
            column(table, "name"), column(table, "phone"), column(table, "kind"))
        assert [("office.xa-a", "register", ("sub-0002",))] == reads(commune)

    def test_shown_to_the_chair(self, commune: DialogueFlow) -> None:
        chair = Actor("chair", "Bí thư", Role.CHAIR, organisation_id="xa-a")
        table = register_table(commune, organisation="xa-a", include_personal_data=True,
                               actor=chair)
        assert ["Nguyễn Văn A", "Trần Thị B"] == column(table, "name")
        assert [("chair", "register", ("sub-0001", "sub-0002"))] == reads(commune)

    def test_numbered_in_each_organisations_register(self, commune: DialogueFlow) -> None:
        table = register_table(commune)
        assert (["sub-0001", "sub-0002", "sub-0003"], ["1", "2", "1"]) == (
            column(table, "id"), column(table, "number"))

    def test_the_subtree(self, commune: DialogueFlow) -> None:
        assert ["sub-0003"] == column(register_table(commune, organisation="tinh-a"), "id")
        assert ["sub-0001", "sub-0002", "sub-0003"] == column(
            register_table(commune, organisation="tinh-a", subtree=True), "id")


class TestReports:
    def test_a_report_has_a_sheet_per_part(self, demo: DialogueFlow) -> None:
        table = report_table(demo.report("2021", as_of=END_OF_2021))
        assert ["Tổng hợp", "Theo trạng thái", "Theo lĩnh vực", "Theo bộ phận",
                "Theo hình thức tiếp nhận", "Quá hạn", "Chuyển cấp có thẩm quyền"] == [
                    s["name"] for s in table["sheets"]]
        assert "Báo cáo tiếp xúc, đối thoại — năm 2021" == table["title"]

    def test_the_summary_figures_as_numbers(self, demo: DialogueFlow) -> None:
        """Counts as integers, the on-time rate in percent, the medians as numbers."""
        summary = dict(sheet(report_table(demo.report("2021", as_of=END_OF_2021)))["rows"])
        assert (12, 100, 14) == (summary["Số ý kiến, kiến nghị tiếp nhận"],
                                 summary["Tỷ lệ trả lời đúng hạn (%)"],
                                 summary["Số ngày làm việc đến khi trả lời (trung vị)"])
        assert all(isinstance(v, int) for v in summary.values())

    def test_counts_and_lists(self, demo: DialogueFlow) -> None:
        table = report_table(demo.report("2021", as_of=END_OF_2021), "en")
        by_state = sheet(table, 1)
        assert (["State", "Count"], ["Assigned", 5]) == (
            [c["label"] for c in by_state["columns"]], by_state["rows"][2])
        assert ["text", "integer"] == [c["type"] for c in by_state["columns"]]
        overdue = sheet(table, 5)
        assert ["sub-0004", "sub-0005", "sub-0006", "sub-0010", "sub-0011", "sub-0012"] == [
            row[0] for row in overdue["rows"]]
        assert ["text", "text", "text", "date", "text", "date", "text"] == [
            c["type"] for c in overdue["columns"]]
        assert ["2021-06-17", "2021-08-27"] == [overdue["rows"][0][i] for i in (3, 5)]

    def test_the_petitioner_only_in_a_report_with_personal_data(
            self, demo: DialogueFlow) -> None:
        plain = report_table(demo.report("2021", as_of=END_OF_2021))
        named = report_table(demo.report("2021", as_of=END_OF_2021,
                                         include_personal_data=True, actor=office()))
        assert "petitioner" not in [c["key"] for c in sheet(plain, 5)["columns"]]
        assert "Công dân 4" == column(named, "petitioner", 5)[0]

    def test_a_rollup_has_a_row_per_organisation_and_the_total(
            self, commune: DialogueFlow) -> None:
        table = rollup_table(commune.rollup("2021", organisation="tinh-a"))
        assert [["Tỉnh ủy A", 1], ["Đảng ủy xã A", 2], ["Tổng", 3]] == [
            row[:2] for row in sheet(table)["rows"]]
        assert ("percent", None) == (sheet(table)["columns"][-1]["type"],
                                     sheet(table)["rows"][-1][-1])
        assert "Báo cáo tổng hợp — Tỉnh ủy A — năm 2021" == table["title"]


def simple(rows: list[list[Any]], kinds: tuple[str, ...] = ("text", "text")
           ) -> dict[str, Any]:
    return {"title": "t", "sheets": [{"name": "s", "columns": [
        {"key": f"c{i}", "label": f"Cột {i}", "type": kind, "width": 10}
        for i, kind in enumerate(kinds)], "rows": rows}]}


class TestCsv:
    def test_utf8_with_a_byte_order_mark(self) -> None:
        data = table_csv(simple([["Địa chính", None]]))
        assert data.startswith(b"\xef\xbb\xbf")
        assert "Cột 0,Cột 1\r\nĐịa chính,\r\n" == data.decode("utf-8-sig")

    def test_a_formula_is_written_as_text_and_read_back_as_it_was(self, tmp_path: Path) -> None:
        """A spreadsheet would run ``=HYPERLINK(...)``: written behind a ``'``, read back
        without it."""
        path = tmp_path / "t.csv"
        path.write_bytes(table_csv(simple([['=HYPERLINK("x")', "-1+2"]])))
        assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
        assert [["Cột 0", "Cột 1"], ['=HYPERLINK("x")', "-1+2"]] == list(read_csv(path))

    @pytest.mark.parametrize("text", ["'=1+2", "'-x", "''@y", "'", "''", "'abc", "-"])
    def test_a_text_starting_with_an_apostrophe_reads_back_as_it_was(
            self, tmp_path: Path, text: str) -> None:
        """``'=1+2`` lost its ``'`` (read back as ``=1+2``): the ``'`` before a formula
        was taken off a text that had it of its own."""
        path = tmp_path / "t.csv"
        path.write_bytes(table_csv(simple([[text, "b"]])))
        assert [["Cột 0", "Cột 1"], [text, "b"]] == list(read_csv(path))

    @pytest.mark.parametrize("delimiter", [",", ";", "\t"])
    def test_the_delimiter_is_found(self, tmp_path: Path, delimiter: str) -> None:
        path = tmp_path / "t.csv"
        path.write_text(f"Ngày tiếp nhận{delimiter}Nội dung\n01/06/2021{delimiter}"
                        f'"a, b; c"\n', encoding="utf-8")
        assert [["Ngày tiếp nhận", "Nội dung"], ["01/06/2021", "a, b; c"]] == list(
            read_csv(path))

    def test_with_or_without_a_byte_order_mark_and_empty_rows_at_the_end(
            self, tmp_path: Path) -> None:
        path = tmp_path / "t.csv"
        for encoding in ("utf-8", "utf-8-sig"):
            path.write_text("a;b\n;\n1;2\n;\n ; \n", encoding=encoding)
            assert [["a", "b"], ["", ""], ["1", "2"]] == list(read_csv(path))

    def test_a_byte_order_mark_saved_twice_is_not_part_of_the_first_header(
            self, tmp_path: Path) -> None:
        """The second mark stayed in «Ngày tiếp nhận», which then matched no column (and
        the import's error named a header that looked the same)."""
        path = tmp_path / "t.csv"
        path.write_text("\ufeff\ufeffNgày tiếp nhận;Nội dung\n01/06/2021;a\n",
                        encoding="utf-8")
        assert [["Ngày tiếp nhận", "Nội dung"], ["01/06/2021", "a"]] == list(read_csv(path))

    def test_not_utf8_is_refused_with_what_to_do(self, tmp_path: Path) -> None:
        path = tmp_path / "t.csv"
        path.write_bytes("Ngày tiếp nhận,Nội dung\n".encode("utf-16"))
        with pytest.raises(InvalidInputError) as info:
            list(read_csv(path))
        assert ("file", True) == (info.value.field, "CSV UTF-8" in str(info.value))

    def test_a_multi_sheet_table_is_one_block_per_sheet(self) -> None:
        table = simple([["x", "y"]])
        table["sheets"].append({**table["sheets"][0], "name": "s2"})
        assert "s\r\nCột 0,Cột 1\r\nx,y\r\n\r\ns2\r\nCột 0,Cột 1\r\nx,y\r\n" == table_csv(
            table).decode("utf-8-sig")

    def test_numbers_and_shares(self) -> None:
        data = table_csv(simple([[3, 0.6667]], ("integer", "percent")))
        assert "3,66.7%" == data.decode("utf-8-sig").splitlines()[1]

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.lists(st.text(st.characters(exclude_categories=("Cs", "Cc")),
                                     max_size=12) | st.sampled_from(["a\nb", "x\r\ny", "'"]),
                             min_size=2, max_size=2).filter(lambda r: r[0].strip() != ""),
                    max_size=6))
    def test_round_trip(self, tmp_path_factory: pytest.TempPathFactory,
                        rows: list[list[str]]) -> None:
        """What the library writes it reads back cell for cell."""
        path = tmp_path_factory.mktemp("csv") / "t.csv"
        path.write_bytes(table_csv(simple([list(r) for r in rows])))
        assert [["Cột 0", "Cột 1"], *rows] == list(read_csv(path))


class _WritesText:
    @hookimpl
    def dialogue_flow_write_table(self, table: Mapping[str, Any], fmt: str,
                                  language: str) -> bytes | None:
        return "text, not bytes" if fmt == "ods" else None  # type: ignore[return-value]


class TestFiles:
    def test_csv_is_written_by_the_library(self, tmp_path: Path) -> None:
        path = tmp_path / "Sổ.CSV"
        write_table_file(path, simple([["a", "b"]]), language="vi", plugins=PluginManager())
        assert [["Cột 0", "Cột 1"], ["a", "b"]] == list(
            read_table_file(path, sheet=None, plugins=PluginManager()))

    def test_the_file_gets_the_permissions_of_a_new_file(self, tmp_path: Path) -> None:
        """Not a temporary file's owner-only ones: a shared folder's readers read it."""
        path = tmp_path / "r.csv"
        mask = os.umask(0o022)
        try:
            write_table_file(path, simple([]), language="vi", plugins=PluginManager())
        finally:
            os.umask(mask)
        assert (0o644, [path]) == (path.stat().st_mode & 0o777, list(tmp_path.iterdir()))

    @pytest.mark.parametrize(("rows", "said"), [
        ([["a"]], "sheet 1, row 1: expected a list of 2 cells"),
        ([["a", None], ["a", None, "c"]], "sheet 1, row 2: expected a list of 2 cells"),
        ([["a", "17/06/2021"]], "sheet 1, row 1, column 2: a date column's cell"),
        ([["a", 44364]], "sheet 1, row 1, column 2: a date column's cell"),
    ])
    def test_a_table_not_as_the_hook_takes_it_is_refused_naming_where(
            self, tmp_path: Path, rows: list[list[Any]], said: str) -> None:
        """A host's own table (write_table_file is public) failed deep in the writer: a
        ValueError from zip(strict=True) or from openpyxl's date. Nothing is written and
        the cell is not quoted."""
        for name in ("r.csv", "r.ods"):
            with pytest.raises(InvalidInputError) as info:
                write_table_file(tmp_path / name, simple(rows, ("text", "date")),
                                 language="vi", plugins=load_plugins([_WritesText()]))
            assert ("table", True, False) == (info.value.field, said in str(info.value),
                                              "17/06" in str(info.value))
        assert [] == list(tmp_path.iterdir())
        write_table_file(tmp_path / "ok.csv", simple([["a", "2021-06-17"], ["b", None],
                                                      ["c", dt.date(2021, 6, 17)]],
                                                     ("text", "date")),
                         language="vi", plugins=PluginManager())

    def test_a_file_marked_read_only_is_not_replaced(self, tmp_path: Path) -> None:
        """The rename over it replaced a read-only file (as writing into it would not)."""
        path = tmp_path / "r.csv"
        path.write_bytes(b"before")
        path.chmod(0o444)
        with pytest.raises(PermissionError) as info:
            write_table_file(path, simple([]), language="vi", plugins=PluginManager())
        assert (b"before", [path], True) == (path.read_bytes(), list(tmp_path.iterdir()),
                                             "read-only" in str(info.value))

    def test_a_file_without_a_suffix_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInputError) as info:
            write_table_file(tmp_path / "register", simple([]), language="vi",
                             plugins=PluginManager())
        assert ("output", True) == (info.value.field, ".xlsx" in str(info.value))

    def test_a_format_no_plugin_writes_names_what_to_install(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError) as info:
            write_table_file(tmp_path / "r.ods", simple([]), language="vi",
                             plugins=PluginManager())
        assert ".ods" in str(info.value)
        assert [] == list(tmp_path.iterdir())

    def test_a_format_whose_plugin_writes_no_table_names_the_spreadsheet_formats(
            self, tmp_path: Path) -> None:
        """``.docx`` is dialogue-flow-docx's, which writes documents, not tables: the error
        does not send the clerk to install it."""
        docx, png = tmp_path / "register.docx", tmp_path / "register.png"
        png.write_bytes(b"x")
        with pytest.raises(ConfigurationError) as writing:
            write_table_file(docx, simple([]), language="vi", plugins=PluginManager())
        with pytest.raises(ConfigurationError) as reading:
            read_table_file(png, sheet=None, plugins=PluginManager())
        for info in (writing, reading):
            assert ("install dialogue-flow-docx" not in str(info.value),
                    "use a .xlsx file (dialogue-flow-xlsx) or a .csv file" in str(info.value)
                    ) == (True, True)

    def test_a_plugin_answering_text_fails_and_the_old_file_stays(self, tmp_path: Path) -> None:
        path = tmp_path / "r.ods"
        path.write_bytes(b"before")
        with pytest.raises(PluginError):
            write_table_file(path, simple([]), language="vi",
                             plugins=load_plugins([_WritesText()]))
        assert ([path], b"before") == (list(tmp_path.iterdir()), path.read_bytes())

    def test_reading_a_missing_file_or_a_sheet_of_a_csv(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInputError) as info:
            read_table_file(tmp_path / "none.csv", sheet=None, plugins=PluginManager())
        assert "no such file" in str(info.value)
        path = tmp_path / "r.csv"
        path.write_text("a\n1\n", encoding="utf-8")
        with pytest.raises(InvalidInputError) as info:
            read_table_file(path, sheet="Sheet1", plugins=PluginManager())
        assert "sheet" == info.value.field
