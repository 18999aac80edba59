"""Issue 18's "done when", from the command line: a clerk runs the 2021 demo and gets the
announcement, the conclusion notice and the 6-month report as Word files in the party's
format, the register as .xlsx, and imports a register of their own with per-row errors.

(The Word files' rendering by LibreOffice is tested in the docx plugin's own tests.)
"""

from __future__ import annotations

import csv
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from dialogue_flow.cli import main


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert 0 == result.exit_code, result.output
    return result.output


@pytest.fixture
def demo(tmp_path: Path) -> str:
    _run("demo", "--db", str(tmp_path / "demo.db"))
    return f"sqlite:///{tmp_path / 'demo.db'}"


def _text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_clerks_documents_from_the_demo(demo: str, tmp_path: Path) -> None:
    announcement, notice, report = (tmp_path / name for name in (
        "thong-bao.docx", "ket-luan.docx", "bao-cao-6-thang.docx"))
    assert "Số 1-TB/ĐU, 2021-06-10" in _run(
        "document", "announcement", "--dialogue", "dlg-0001", "--db", demo,
        "--output", str(announcement))
    assert "Số 2-TB/ĐU, 2021-06-25" in _run(
        "document", "conclusion_notice", "--dialogue", "dlg-0001", "--db", demo,
        "--output", str(notice))
    assert "Số 1-BC/ĐU, 2021-07-05" in _run(
        "document", "report", "--period", "2021-H1", "--as-of", "2021-07-05", "--db", demo,
        "--output", str(report))
    text = _text(announcement)
    for line in ("ĐẢNG CỘNG SẢN VIỆT NAM", "Số 1-TB/ĐU", "THÔNG BÁO", "T/M BAN THƯỜNG VỤ",
                 "BÍ THƯ", "Nơi nhận", "Đối thoại quý II/2021"):
        assert line in text, line
    body = docx.Document(str(notice))
    assert "Times New Roman" == body.styles["Normal"].font.name
    assert 14 == body.styles["Normal"].font.size.pt
    assert "Số 2-TB/ĐU" in _text(notice)
    assert "6 tháng đầu năm 2021" in _text(report)
    # Running it again reprints the same number; the register of numbers holds three.
    assert "Số 1-TB/ĐU" in _run("document", "announcement", "--dialogue", "dlg-0001",
                                "--db", demo, "--output", str(announcement))


def test_the_register_as_xlsx(demo: str, tmp_path: Path) -> None:
    out = tmp_path / "so-theo-doi.xlsx"
    _run("export", "register", "--db", demo, "--output", str(out))
    sheet = openpyxl.load_workbook(out).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert "Ngày tiếp nhận" in headers
    assert "Họ và tên" not in headers  # no personal data unless asked for
    assert "A2" == sheet.freeze_panes
    received = headers.index("Ngày tiếp nhận")
    assert 12 == sheet.max_row - 1
    assert hasattr(sheet.cell(row=2, column=received + 1).value, "year")  # a real date


def test_importing_an_offices_register_with_per_row_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'xa.db'}"
    _run("init", "--db", db)
    register = tmp_path / "so-cu.csv"
    rows = [["Số TT", "Ngày nhận", "Họ tên", "Lĩnh vực", "Nội dung đơn"],
            ["1", "17/06/2021", "Nguyễn Văn A", "đất đai", "Chậm cấp giấy chứng nhận."],
            ["2", "31/02/2021", "Trần Thị B", "môi trường", "Ô nhiễm nguồn nước."],
            ["3", "18/06/2021", "Lê Văn C", "", "Đường hỏng."]]
    with register.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    mapping = ["--map", "number=Số TT", "--map", "received_on=Ngày nhận", "--map",
               "name=Họ tên", "--map", "content=Nội dung đơn"]
    result = CliRunner().invoke(main, ["import", str(register), "--db", db, "--actor",
                                       "van-phong", *mapping])
    assert 1 == result.exit_code
    assert "dòng 3, cột «Ngày nhận»: 31/02/2021 is not a day of the calendar" in result.output
    assert "dòng 4, cột «Lĩnh vực»: must not be empty" in result.output
    assert "không nhập: 2 lỗi, chưa ghi gì" in result.output
    assert "Trần Thị B" not in result.output  # no personal data in an error
    rows[2][1], rows[3][3] = "28/02/2021", "giao thông"
    with register.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    first = _run("import", str(register), "--db", db, "--actor", "van-phong", *mapping)
    again = _run("import", str(register), "--db", db, "--actor", "van-phong", *mapping)
    assert first.startswith("đã thêm 3, bỏ qua 0")
    assert again.startswith("đã thêm 0, bỏ qua 3")  # the same register again adds nothing
