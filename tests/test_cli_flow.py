"""`dialogue-flow demo` and `dialogue-flow diagram`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dialogue_flow import DIALOGUE, SUBMISSION, DialogueFlow
from dialogue_flow.cli import main


class TestDemo:
    def test_demo_plays_the_seed_plan_on_sqlite(self, tmp_path: Path) -> None:
        """The demo writes a SQLite file and prints the cycle's key events and figures."""
        db = tmp_path / "demo.db"
        result = CliRunner().invoke(main, ["demo", "--db", str(db), "--lang", "en"])
        assert 0 == result.exit_code, result.output
        out = result.output
        for expected in ("Dialogue planned dlg-0001 (2021-06-17); announce by 2021-06-10",
                         "Dialogue held, attendance 94; conclusion notice due 2021-06-28",
                         "Conclusion notice: matters to resolve 4",
                         "sub-0001 → Địa chính, due 2021-08-06",
                         "Escalated to UBND huyện: sub-0005",
                         "Extended to",
                         "Reopened sub-0010 → Received",
                         "2021-06-14  report-h1",
                         "2021-12-09  report-year"):
            assert expected in out
        with DialogueFlow.open(f"sqlite:///{db}") as flow:
            states = sorted(s.state.value for s in flow.iter_submissions())
        assert ["assigned"] * 5 + ["closed"] * 6 + ["escalated"] == states

    def test_demo_is_rerunnable(self, tmp_path: Path) -> None:
        """A second run on the same file starts afresh and prints the same timeline."""
        db = tmp_path / "demo.db"
        first = CliRunner().invoke(main, ["demo", "--db", str(db)])
        second = CliRunner().invoke(main, ["demo", "--db", str(db)])
        assert (0, 0) == (first.exit_code, second.exit_code)
        assert first.output == second.output

    def test_demo_speaks_vietnamese_by_default(self, tmp_path: Path) -> None:
        """Without --lang the timeline is in Vietnamese."""
        result = CliRunner().invoke(main, ["demo", "--db", str(tmp_path / "d.db")])
        assert "Thông báo kết luận: nội dung giao giải quyết 4" in result.output


class TestDiagram:
    def test_prints_both_lifecycles(self) -> None:
        """`diagram` prints exactly the Mermaid generated from the two declarations."""
        result = CliRunner().invoke(main, ["diagram"])
        assert 0 == result.exit_code
        assert SUBMISSION.mermaid() + "\n" + DIALOGUE.mermaid() == result.output

    def test_one_lifecycle(self) -> None:
        """`--lifecycle dialogue` prints only the dialogue's diagram."""
        result = CliRunner().invoke(main, ["diagram", "--lifecycle", "dialogue"])
        assert DIALOGUE.mermaid() == result.output
