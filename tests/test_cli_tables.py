"""``dialogue-flow export`` and ``dialogue-flow import`` (issue 18, part 2): the register
and the reports written as spreadsheets, a register read from one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dialogue_flow import DialogueFlow
from dialogue_flow._table_files import read_csv
from dialogue_flow.cli import main


@pytest.fixture
def demo(demo_2021_file: Path, tmp_path: Path) -> str:
    """A copy of the demo's store (``dialogue-flow demo``), for a test that writes (the
    access log)."""
    copy = tmp_path / "demo.db"
    copy.write_bytes(demo_2021_file.read_bytes())
    return f"sqlite:///{copy}"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def access_log(url: str) -> list[tuple[str, str, int]]:
    with DialogueFlow.open(url, create=False) as flow:
        return [(e.actor_id, e.purpose, len(e.record_ids))
                for e in flow.access_log(limit=1000)]


class TestExport:
    def test_the_register_as_csv_without_personal_data(self, demo: str,
                                                        tmp_path: Path) -> None:
        out = tmp_path / "register.csv"
        result = run("export", "register", "--db", demo, "--output", str(out))
        assert (0, f"{out}: 12 dòng, 1 trang tính\n") == (result.exit_code, result.output)
        rows = list(read_csv(out))
        assert (13, "Số thứ tự", "Ngày tiếp nhận") == (len(rows), rows[0][0], rows[0][3])
        assert "Họ và tên" not in rows[0]
        assert not any("Công dân" in cell for row in rows for cell in row)
        assert [] == access_log(demo)

    def test_personal_data_is_recorded_in_the_access_log(self, demo: str,
                                                        tmp_path: Path) -> None:
        out = tmp_path / "register.csv"
        result = run("export", "register", "--db", demo, "--output", str(out),
                     "--personal-data", "--actor", "van-phong", "--lang", "en")
        assert 0 == result.exit_code, result.output
        rows = list(read_csv(out))
        assert ("Name", "Công dân 1") == (rows[0][7], rows[1][7])
        assert [("van-phong", "register", 12)] == access_log(demo)

    def test_personal_data_needs_an_actor(self, demo: str, tmp_path: Path) -> None:
        result = run("export", "register", "--db", demo, "--output",
                     str(tmp_path / "r.csv"), "--personal-data")
        assert (2, True) == (result.exit_code, "--actor" in result.output)
        assert [] == list(tmp_path.glob("r.csv"))

    def test_a_report_as_csv_one_block_per_sheet(self, demo: str, tmp_path: Path) -> None:
        out = tmp_path / "report.csv"
        result = run("export", "report", "--db", demo, "--period", "2021-H1", "--as-of",
                     "2021-12-31", "--output", str(out), "--lang", "en")
        assert (0, f"{out}: 33 rows in 7 sheets\n") == (result.exit_code, result.output)
        rows = list(read_csv(out))
        assert (["Summary"], ["Item", "Value"], ["Submissions received", "6"]) == (
            rows[0], rows[1], rows[2])
        assert ["Escalated"] in rows

    def test_a_report_with_personal_data_names_the_petitioners(self, demo: str,
                                                              tmp_path: Path) -> None:
        out = tmp_path / "report.csv"
        result = run("export", "report", "--db", demo, "--period", "2021", "--as-of",
                     "2021-12-31", "--output", str(out), "--personal-data", "--actor",
                     "bi-thu")
        assert 0 == result.exit_code, result.output
        assert "Công dân 4" in out.read_text(encoding="utf-8-sig")
        assert [("bi-thu", "report", 6)] == access_log(demo)

    def test_a_report_needs_a_period(self, demo: str, tmp_path: Path) -> None:
        result = run("export", "report", "--db", demo, "--output", str(tmp_path / "r.csv"))
        assert (2, True) == (result.exit_code, "--period" in result.output)

    def test_a_rollup_needs_an_organisation_and_a_report(self, demo: str,
                                                        tmp_path: Path) -> None:
        for what in ("report", "register"):
            result = run("export", what, "--db", demo, "--period", "2021", "--rollup",
                         "--output", str(tmp_path / "r.csv"))
            assert (2, True) == (result.exit_code, "--rollup" in result.output)

    def test_a_rollup(self, tmp_path: Path) -> None:
        db = f"sqlite:///{tmp_path / 'tree.db'}"
        with DialogueFlow.open(db) as flow:
            from dialogue_flow import Organisation  # noqa: PLC0415

            flow.load_organisations([Organisation("tinh-a", "Tỉnh ủy A", "province"),
                                     Organisation("xa-a", "Đảng ủy xã A", "commune",
                                                  parent_id="tinh-a")])
        out = tmp_path / "rollup.csv"
        result = run("export", "report", "--db", db, "--period", "2021", "--org", "tinh-a",
                     "--rollup", "--output", str(out))
        assert 0 == result.exit_code, result.output
        rows = list(read_csv(out))
        assert (["Tỉnh ủy A", "0"], ["Đảng ủy xã A", "0"], ["Tổng", "0"], "") == (
            rows[1][:2], rows[2][:2], rows[3][:2], rows[3][-1])

    def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(
            self, demo: str, tmp_path: Path) -> None:
        """A file marked read-only (kept as it was), a folder that does not exist, a
        folder."""
        locked = tmp_path / "locked.csv"
        locked.write_bytes(b"before")
        locked.chmod(0o444)
        (tmp_path / "folder.csv").mkdir()
        for output, said in ((locked, "read-only"),
                             (tmp_path / "none" / "r.csv", "No such file or directory"),
                             (tmp_path / "folder.csv", "directory")):
            result = run("export", "register", "--db", demo, "--output", str(output))
            assert (True, True, False) == (result.exit_code != 0, said in result.output,
                                           "Traceback" in result.output), result.output
        assert b"before" == locked.read_bytes()

    def test_a_file_without_a_suffix(self, demo: str, tmp_path: Path) -> None:
        result = run("export", "register", "--db", demo, "--output", str(tmp_path / "r"))
        assert (1, True) == (result.exit_code, "name a .xlsx or a .csv file" in result.output)

    def test_a_format_nobody_writes_names_what_to_install(self, demo: str,
                                                          tmp_path: Path) -> None:
        result = run("export", "register", "--db", demo, "--output", str(tmp_path / "r.ods"))
        assert (1, True) == (result.exit_code, "no plugin writes tables as .ods" in
                             result.output)
        assert [] == list(tmp_path.glob("r.ods"))

    def test_xlsx_through_the_installed_plugin(self, demo: str, tmp_path: Path) -> None:
        out = tmp_path / "register.xlsx"
        result = run("export", "register", "--db", demo, "--output", str(out))
        assert 0 == result.exit_code, result.output
        assert out.read_bytes().startswith(b"PK")  # a zip: the workbook


@pytest.fixture
def empty(tmp_path: Path) -> str:
    """A new, empty store."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    DialogueFlow.open(url).shutdown()
    return url


def submissions(url: str) -> list[tuple[str, str, str]]:
    with DialogueFlow.open(url, create=False) as flow:
        return [(s.topic, s.state.value, s.received_at.date().isoformat())
                for s in flow.iter_submissions()]


#: A clerk's own register: their headers, a semicolon between cells (Excel in Vietnamese).
OWN = ("STT;Ngày nhận;Vấn đề;Nội dung kiến nghị;Người gửi\n"
       "1;01/06/2021;đất đai;Cấp sổ đỏ chậm.;Nguyễn Văn A\n"
       "2;02/06/2021;giao thông;Đường liên thôn hỏng.;\n")
MAP = ("--map", "number=STT", "--map", "received_on=Ngày nhận", "--map", "topic=Vấn đề",
       "--map", "content=Nội dung kiến nghị", "--map", "name=Người gửi")


class TestImport:
    def test_the_register_exported_imports_into_an_empty_store_once(
            self, demo: str, empty: str, tmp_path: Path) -> None:
        """Every row of the demo's register is added, with its dates and state; the same
        file again adds nothing."""
        out = tmp_path / "register.csv"
        assert 0 == run("export", "register", "--db", demo, "--output", str(out)).exit_code
        first = run("import", str(out), "--db", empty, "--actor", "van-phong")
        assert 0 == first.exit_code, first.output
        assert "đã thêm 12, bỏ qua 0 (đã có trong kho)" == first.output.splitlines()[0]
        again = run("import", str(out), "--db", empty, "--actor", "van-phong", "--lang",
                    "en")
        assert (0, "added 0, skipped 12 (already in the store)") == (
            again.exit_code, again.output.splitlines()[0])
        rows = submissions(empty)
        assert (12, True) == (len(rows), ("quản lý đất đai", "answered", "2021-05-28") in rows)

    def test_an_export_imported_back_into_its_store_adds_nothing(self, demo: str,
                                                                 tmp_path: Path) -> None:
        """The export's tracking codes name the store's own matters: all skipped."""
        out = tmp_path / "register.xlsx"
        assert 0 == run("export", "register", "--db", demo, "--output", str(out)).exit_code
        back = run("import", str(out), "--db", demo, "--actor", "van-phong")
        assert (0, "đã thêm 0, bỏ qua 12 (đã có trong kho)") == (
            back.exit_code, back.output.splitlines()[0])
        assert 12 == len(submissions(demo))

    def test_the_columns_it_did_not_read_are_listed(self, demo: str, empty: str,
                                                    tmp_path: Path) -> None:
        out = tmp_path / "register.csv"
        run("export", "register", "--db", demo, "--output", str(out), "--lang", "en")
        result = run("import", str(out), "--db", empty, "--actor", "van-phong", "--lang",
                     "en")
        assert "columns not used: Record id, Organisation, State" in result.output
        assert "Tracking code" not in result.output  # read: the matters keep their codes

    def test_a_register_of_its_own_with_a_mapping(self, empty: str, tmp_path: Path) -> None:
        path = tmp_path / "so-theo-doi.csv"
        path.write_text(OWN, encoding="utf-8-sig")
        result = run("import", str(path), "--db", empty, "--actor", "van-phong", *MAP)
        assert (0, "đã thêm 2, bỏ qua 0 (đã có trong kho)\n") == (result.exit_code,
                                                                    result.output)
        assert [("giao thông", "received", "2021-06-02"),
                ("đất đai", "received", "2021-06-01")] == sorted(submissions(empty))

    def test_a_dry_run_writes_nothing(self, empty: str, tmp_path: Path) -> None:
        path = tmp_path / "so.csv"
        path.write_text(OWN, encoding="utf-8")
        result = run("import", str(path), "--db", empty, "--actor", "van-phong", "--dry-run",
                     *MAP)
        assert (0, "chạy thử: sẽ thêm 2, bỏ qua 0 (đã có trong kho); chưa ghi gì\n") == (
            result.exit_code, result.output)
        assert [] == submissions(empty)

    def test_every_row_error_on_its_own_line_and_nothing_written(
            self, empty: str, tmp_path: Path) -> None:
        """A bad date on row 2 and a missing topic on row 3: both listed, by row and by
        the file's own column header, and nothing imported; no personal cell quoted."""
        path = tmp_path / "so.csv"
        path.write_text(OWN.replace("01/06/2021", "31/02/2021").replace("giao thông", ""),
                        encoding="utf-8")
        result = run("import", str(path), "--db", empty, "--actor", "van-phong", *MAP)
        lines = result.output.splitlines()
        assert 1 == result.exit_code
        assert lines[0].startswith("dòng 2, cột «Ngày nhận»: ")
        assert lines[1].startswith("dòng 3, cột «Vấn đề»: ")
        assert "không nhập: 2 lỗi, chưa ghi gì" == lines[-1]
        assert "Nguyễn Văn A" not in result.output
        assert [] == submissions(empty)

    def test_in_english(self, empty: str, tmp_path: Path) -> None:
        path = tmp_path / "so.csv"
        path.write_text(OWN.replace("01/06/2021", "sometime"), encoding="utf-8")
        result = run("import", str(path), "--db", empty, "--actor", "van-phong", "--lang",
                     "en", *MAP)
        assert (1, True) == (result.exit_code, result.output.startswith(
            "row 2, column «Ngày nhận»: "))

    def test_a_bad_mapping(self, empty: str, tmp_path: Path) -> None:
        path = tmp_path / "so.csv"
        path.write_text(OWN, encoding="utf-8")
        result = run("import", str(path), "--db", empty, "--actor", "van-phong", "--map",
                     "topic")
        assert (2, True) == (result.exit_code, "FIELD=HEADER" in result.output)

    def test_a_missing_file_or_a_sheet_of_a_csv(self, empty: str, tmp_path: Path) -> None:
        result = run("import", str(tmp_path / "none.csv"), "--db", empty, "--actor", "vp")
        assert (1, True) == (result.exit_code, "no such file" in result.output)
        path = tmp_path / "so.csv"
        path.write_text(OWN, encoding="utf-8")
        result = run("import", str(path), "--db", empty, "--actor", "vp", "--sheet", "A")
        assert (1, True) == (result.exit_code, "no sheets" in result.output)
