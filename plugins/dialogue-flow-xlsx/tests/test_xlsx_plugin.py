"""The xlsx plugin (issue 18, part 2): the register and reports written as workbooks and
read back with openpyxl (headers, cell types, widths, the frozen header row), and
workbooks read for an import."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dialogue_flow_xlsx import plugin
from dialogue_flow_xlsx._xlsx import DATE_FORMAT, PERCENT_FORMAT, sheet_names
from openpyxl import Workbook, load_workbook

from dialogue_flow import DialogueFlow, InvalidInputError
from dialogue_flow._demo import run_demo
from dialogue_flow._formats import call_format_hook
from dialogue_flow._plugins import PluginManager
from dialogue_flow._register import REGISTER_COLUMNS
from dialogue_flow.cli import main

TWELVE = 12


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seed's 2021 plan played into a SQLite file."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    run_demo(f"sqlite:///{path}", echo=lambda _line: None)
    return f"sqlite:///{path}"


def export(*args: str) -> None:
    result = CliRunner().invoke(main, ["export", *args])
    assert 0 == result.exit_code, result.output


@pytest.fixture(scope="module")
def register(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's register written by ``dialogue-flow export register``."""
    path = tmp_path_factory.mktemp("out") / "register.xlsx"
    export("register", "--db", demo_db, "--output", str(path), "--as-of", "2021-12-31")
    return path


def table(columns: list[tuple[str, str]], rows: list[list[Any]],
          names: tuple[str, ...] = ("Sổ",)) -> dict[str, Any]:
    return {"title": "Bảng", "sheets": [
        {"name": name, "columns": [{"key": f"c{i}", "label": label, "type": kind, "width": 12}
                                   for i, (label, kind) in enumerate(columns)],
         "rows": rows} for name in names]}


def write(path: Path, content: Mapping[str, Any]) -> Path:
    data = plugin.dialogue_flow_write_table(table=content, fmt="xlsx", language="vi")
    assert data is not None
    path.write_bytes(data)
    return path


def damaged(path: Path, part: str, change: Callable[[bytes], bytes | None]) -> Path:
    """``path`` with its zip package's ``part`` changed (``None``: left out)."""
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    changed = change(parts.pop(part))
    if changed is not None:
        parts[part] = changed
    with zipfile.ZipFile(path, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


class TestRegisterWorkbook:
    def test_vietnamese_headers_bold_and_frozen(self, register: Path) -> None:
        ws = load_workbook(register).active
        assert ws is not None
        assert [c.vi for c in REGISTER_COLUMNS if not c.personal] == [
            cell.value for cell in ws[1]]
        assert all(cell.font.b for cell in ws[1])
        assert ("A2", "Sổ theo dõi", TWELVE + 1) == (ws.freeze_panes, ws.title, ws.max_row)

    def test_the_columns_widths(self, register: Path) -> None:
        ws = load_workbook(register).active
        assert ws is not None
        assert [float(c.width) for c in REGISTER_COLUMNS if not c.personal] == [
            ws.column_dimensions[cell.column_letter].width for cell in ws[1]]

    def test_dates_are_real_dates_shown_day_first(self, register: Path) -> None:
        ws = load_workbook(register).active
        assert ws is not None
        received = ws["D2"]
        assert (dt.datetime(2021, 5, 28), DATE_FORMAT, True) == (  # noqa: DTZ001 - as Excel
            received.value, received.number_format, received.is_date)

    def test_personal_columns_only_with_personal_data(self, demo_db: str,
                                                       tmp_path: Path) -> None:
        path = tmp_path / "named.xlsx"
        export("register", "--db", demo_db, "--output", str(path), "--personal-data",
               "--actor", "van-phong", "--lang", "en")
        ws = load_workbook(path).active
        assert ws is not None
        assert ["Name", "Address", "Phone", "E-mail"] == [cell.value for cell in ws[1]][7:11]
        assert "Công dân 1" == ws["H2"].value


class TestReportWorkbook:
    def test_a_sheet_per_part_counts_as_integers(self, demo_db: str, tmp_path: Path) -> None:
        path = tmp_path / "report.xlsx"
        export("report", "--db", demo_db, "--period", "2021", "--as-of", "2021-12-31",
               "--output", str(path))
        book = load_workbook(path)
        assert ["Tổng hợp", "Theo trạng thái", "Theo lĩnh vực", "Theo bộ phận",
                "Theo hình thức tiếp nhận", "Quá hạn", "Chuyển cấp có thẩm quyền"] == (
                    book.sheetnames)
        assert ("Giao xử lý", 5) == (book["Theo trạng thái"]["A4"].value,
                                     book["Theo trạng thái"]["B4"].value)
        assert isinstance(book["Theo trạng thái"]["B4"].value, int)
        assert "Báo cáo tiếp xúc, đối thoại — năm 2021" == book.properties.title
        assert all(ws.freeze_panes == "A2" for ws in book.worksheets)

    def test_a_rollup_rate_is_a_percentage(self, tmp_path: Path) -> None:
        path = write(tmp_path / "r.xlsx", table([("Tổ chức", "text"), ("Tỷ lệ", "percent")],
                                                [["Xã A", 0.5], ["Tổng", None]]))
        ws = load_workbook(path).active
        assert ws is not None
        assert (0.5, PERCENT_FORMAT, None) == (ws["B2"].value, ws["B2"].number_format,
                                               ws["B3"].value)


class TestCells:
    def test_a_formula_stays_text(self, tmp_path: Path) -> None:
        """A topic or content starting with ``=`` (a citizen's text) is never a formula."""
        path = write(tmp_path / "f.xlsx", table([("Nội dung", "text")],
                                                [['=HYPERLINK("http://x")']]))
        cell = load_workbook(path).active["A2"]
        assert ('=HYPERLINK("http://x")', "s") == (cell.value, cell.data_type)

    def test_control_characters_are_dropped(self, tmp_path: Path) -> None:
        path = write(tmp_path / "c.xlsx", table([("Nội dung", "text")], [["a\x07b"]]))
        assert "ab" == load_workbook(path).active["A2"].value

    def test_sheet_names_excel_accepts(self) -> None:
        """At most 31 characters, none of ``[]:*?/\\``, distinct ignoring case."""
        long = "Tiếp công dân định kỳ chưa đủ số ngày tối thiểu"
        names = sheet_names([long, long, "a/b", "A-B", "", "Sổ"])
        assert [long[:31], long[:27] + " (2)", "a-b", "A-B (2)", "Sheet5", "Sổ"] == names
        assert all(len(n) <= 31 for n in names)

    def test_other_formats_are_left_to_other_plugins(self, tmp_path: Path) -> None:
        assert plugin.dialogue_flow_write_table(table=table([], []), fmt="ods",
                                                language="vi") is None
        assert plugin.dialogue_flow_read_table(path=str(tmp_path / "x.ods"), fmt="ods",
                                               sheet=None) is None


class TestRead:
    def test_typed_cells_and_no_empty_rows_at_the_end(self, tmp_path: Path) -> None:
        book = Workbook()
        ws = book.active
        assert ws is not None
        ws.append(["Ngày tiếp nhận", "Số", "Nội dung"])
        ws.append([dt.date(2021, 6, 1), 7, "đường hỏng"])
        ws.append([None, None, None])
        ws.append([dt.datetime(2021, 6, 2, 9, 30), 8.5, "x"])  # noqa: DTZ001 - as Excel
        ws.append([None, None, None])
        ws["A7"] = " "
        book.save(tmp_path / "r.xlsx")
        rows = list(call_format_hook(PluginManager(), "dialogue_flow_read_table", "xlsx",
                                     path=str(tmp_path / "r.xlsx"), sheet=None))
        assert [("Ngày tiếp nhận", "Số", "Nội dung"), (dt.date(2021, 6, 1), 7, "đường hỏng"),
                (None, None, None),
                (dt.datetime(2021, 6, 2, 9, 30), 8.5, "x")] == rows  # noqa: DTZ001

    def test_a_sheet_by_name(self, tmp_path: Path) -> None:
        path = write(tmp_path / "s.xlsx", table([("A", "text")], [["x"]],
                                                names=("Một", "Hai")))
        assert [("A",), ("x",)] == list(plugin.dialogue_flow_read_table(
            path=str(path), fmt="xlsx", sheet="Hai") or [])

    def test_a_sheet_by_name_ignoring_case_and_unicode_form(self, tmp_path: Path) -> None:
        """``--sheet "sổ cũ"`` typed composed differently or in lower case finds «Sổ cũ»."""
        path = write(tmp_path / "s.xlsx", table([("A", "text")], [["x"]],
                                                names=("Một", "Sổ cũ")))
        typed = unicodedata.normalize("NFD", "sổ cũ")
        assert [("A",), ("x",)] == list(plugin.dialogue_flow_read_table(
            path=str(path), fmt="xlsx", sheet=typed) or [])

    def test_a_missing_sheet_lists_the_sheets(self, tmp_path: Path) -> None:
        path = write(tmp_path / "s.xlsx", table([("A", "text")], [], names=("Một", "Hai")))
        with pytest.raises(InvalidInputError) as info:
            plugin.dialogue_flow_read_table(path=str(path), fmt="xlsx", sheet="Ba")
        assert ("sheet", True) == (info.value.field, "'Một', 'Hai'" in str(info.value))

    def test_a_file_that_is_not_a_workbook(self, tmp_path: Path) -> None:
        path = tmp_path / "register.xlsx"
        path.write_text("Ngày,Nội dung\n", encoding="utf-8")
        with pytest.raises(InvalidInputError) as info:
            plugin.dialogue_flow_read_table(path=str(path), fmt="xlsx", sheet=None)
        assert ("file", True, True) == (info.value.field, str(path) in str(info.value),
                                        ".xlsx" in str(info.value))

    @pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/styles.xml",
                                      "xl/worksheets/sheet1.xml"])
    def test_a_damaged_workbook_is_refused_as_such(self, tmp_path: Path, part: str) -> None:
        """A part cut short (not XML) or missing: openpyxl's own error (an XML
        ParseError, an IndexError) reached the caller."""
        path = damaged(write(tmp_path / "r.xlsx", table([("A", "text")], [["x"]])), part,
                       lambda data: data[:len(data) // 2])
        with pytest.raises(InvalidInputError) as info:
            list(plugin.dialogue_flow_read_table(path=str(path), fmt="xlsx", sheet=None)
                 or [])
        assert ("file", True) == (info.value.field, str(path) in str(info.value))
        damaged(path, "xl/worksheets/sheet1.xml", lambda _data: None)
        with pytest.raises(InvalidInputError):
            plugin.dialogue_flow_read_table(path=str(path), fmt="xlsx", sheet=None)

    def test_a_cell_openpyxl_cannot_read_is_refused_without_quoting_it(
            self, tmp_path: Path) -> None:
        """A number cell holding letters failed deep in openpyxl (a ValueError quoting the
        cell) while the rows were read: now an error naming the last row read, which the
        command line prints before it exits 1, no traceback."""
        path = write(tmp_path / "r.xlsx", table(
            [("Ngày tiếp nhận", "date"), ("Lĩnh vực", "text"), ("Nội dung", "text")],
            [["2021-06-01", "đất đai", "a"], ["2021-06-02", "đất đai", "b"]]))
        damaged(path, "xl/worksheets/sheet1.xml",
                lambda data: data.replace(b"<v>44349<", b"<v>0912345678x<"))
        with pytest.raises(InvalidInputError) as info:
            list(plugin.dialogue_flow_read_table(path=str(path), fmt="xlsx", sheet=None)
                 or [])
        assert ("file", True, False) == (info.value.field, "after row 2" in str(info.value),
                                         "0912345678" in str(info.value))
        db = f"sqlite:///{tmp_path / 'empty.db'}"
        DialogueFlow.open(db).shutdown()
        done = CliRunner().invoke(main, ["import", str(path), "--db", db, "--actor", "vp"])
        assert (1, True, False) == (done.exit_code, "after row 2" in done.output,
                                    "Traceback" in done.output)
        assert isinstance(done.exception, SystemExit)

    def test_what_it_writes_it_reads(self, register: Path) -> None:
        rows = list(plugin.dialogue_flow_read_table(path=str(register), fmt="xlsx",
                                                    sheet=None) or [])
        assert (TWELVE + 1, "Ngày tiếp nhận", dt.date(2021, 5, 28), "1") == (
            len(rows), rows[0][3], rows[1][3], rows[1][0])


def test_openpyxl_is_imported_only_when_a_workbook_is_written_or_read() -> None:
    """Loading the plugin (as ``--help`` with it named does) leaves openpyxl out."""
    code = ("import sys, dialogue_flow_xlsx; "
            "print('openpyxl' in sys.modules, 'dialogue_flow_xlsx._xlsx' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: S603
                          check=True, timeout=60)
    assert "False False" == done.stdout.strip()


class TestRoundTrip:
    def test_the_register_imports_into_an_empty_store_and_then_adds_nothing(
            self, register: Path, tmp_path: Path) -> None:
        """The demo's register, written as .xlsx, read back by ``dialogue-flow import``:
        every matter added with its dates; the same file again adds none."""
        db = f"sqlite:///{tmp_path / 'empty.db'}"
        DialogueFlow.open(db).shutdown()
        first = CliRunner().invoke(main, ["import", str(register), "--db", db, "--actor",
                                          "van-phong", "--lang", "en"])
        assert (0, "added 12, skipped 0 (already in the store)") == (
            first.exit_code, first.output.splitlines()[0])
        again = CliRunner().invoke(main, ["import", str(register), "--db", db, "--actor",
                                          "van-phong", "--lang", "en"])
        assert (0, "added 0, skipped 12 (already in the store)") == (
            again.exit_code, again.output.splitlines()[0])
        with DialogueFlow.open(db, create=False) as flow:
            received = sorted(s.received_at.date() for s in flow.iter_submissions())
        assert (dt.date(2021, 5, 28), dt.date(2021, 9, 16), TWELVE) == (
            received[0], received[-1], len(received))
