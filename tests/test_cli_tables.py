"""``dialogue-flow export`` and ``dialogue-flow import`` (issue 18, part 2): the register
and the reports written as spreadsheets, a register read from one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dialogue_flow import DialogueFlow
from dialogue_flow._demo import run_demo
from dialogue_flow._table_files import read_csv
from dialogue_flow.cli import main


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's 2021 plan played into a SQLite file (``dialogue-flow demo``)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    run_demo(f"sqlite:///{path}", echo=lambda _line: None)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> str:
    """A copy of the demo's store, for a test that writes (the access log)."""
    copy = tmp_path / "demo.db"
    copy.write_bytes(demo_file.read_bytes())
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

