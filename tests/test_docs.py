"""The README, the examples and the generated docs stay true."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from dialogue_flow import DIALOGUE, RECEPTION, SUBMISSION

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LIFECYCLES_DOC = ROOT / "docs" / "lifecycles.md"


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def _listed(states: frozenset[str]) -> str:
    return ", ".join(sorted(states)) or "none"


def render_lifecycles_doc() -> str:
    """docs/lifecycles.md, generated from the lifecycle declarations."""
    parts = [
        "# Lifecycles\n",
        ("Generated from `dialogue_flow.SUBMISSION`, `dialogue_flow.DIALOGUE` and "
         "`dialogue_flow.RECEPTION` (the citizen reception day) by "
         "`tests/test_docs.py` (run it with `DIALOGUE_FLOW_UPDATE_DOCS=1` after changing a "
         "declaration). `dialogue-flow diagram` prints the same diagrams.\n"),
    ]
    for lc in (SUBMISSION, DIALOGUE, RECEPTION):
        labels = ", ".join(f"`{s}` ({vi} / {en})" for s, (vi, en) in lc.labels.items())
        parts += [
            f"## {lc.kind.replace('_', ' ').capitalize()}\n",
            (f"States: {labels}. Final (the record's life is over; no event starts from "
             f"it): {_listed(lc.final)}. Resting (nothing pending; an event may take the "
             f"matter up again): {_listed(lc.resting)}.\n"),
            lc.table(),
            f"```mermaid\n{lc.mermaid()}```\n",
        ]
    return "\n".join(parts)


class TestReadme:
    def test_python_blocks_run(self) -> None:
        """Every Python block of the README runs as written (they assert their results)."""
        blocks = _blocks(README.read_text(encoding="utf-8"), "python")
        assert len(blocks) >= 2
        for block in blocks:
            exec(compile(block, str(README), "exec"), {"__name__": "__readme__"})  # noqa: S102

    def test_policy_doc_blocks_run(self) -> None:
        """The Python blocks of docs/policies.md and docs/operations.md run as written."""
        for name in ("policies.md", "operations.md"):
            for block in _blocks((ROOT / "docs" / name).read_text(encoding="utf-8"),
                                 "python"):
                exec(compile(block, f"docs/{name}", "exec"), {})  # noqa: S102

    def test_quick_start_is_two_commands(self) -> None:
        """The quick start is one set-up-and-demo command and one test command."""
        shell = _blocks(README.read_text(encoding="utf-8"), "sh")
        assert shell[0].strip() == "pip install uv && uv run dialogue-flow demo"
        assert shell[1].strip() == "uv run pytest"

    @pytest.mark.parametrize("line", [
        "dialogue-flow calendar 2025",
        "dialogue-flow deadline 2021-06-25 --working-days 30",
        "dialogue-flow diagram",
    ])
    def test_cli_lines_run(self, line: str) -> None:
        """The command lines the README shows exit 0 (run through the installed script)."""
        shell = "\n".join(_blocks(README.read_text(encoding="utf-8"), "sh"))
        assert f"uv run {line}" in shell
        exe = Path(sys.executable).parent / "dialogue-flow"
        done = subprocess.run([str(exe), *line.split()[1:]], capture_output=True, text=True,
                              check=False, timeout=60)
        assert done.returncode == 0, done.stderr


class TestExamples:
    @pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.py")),
                             ids=lambda p: p.name)
    def test_example_runs(self, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Each example runs to the end and prints something."""
        runpy.run_path(str(path), run_name="__main__")
        assert capsys.readouterr().out.strip()


class TestGeneratedDocs:
    def test_lifecycles_doc_matches_declaration(self) -> None:
        """docs/lifecycles.md is what the declarations generate today."""
        expected = render_lifecycles_doc()
        if os.environ.get("DIALOGUE_FLOW_UPDATE_DOCS") == "1":
            LIFECYCLES_DOC.write_text(expected, encoding="utf-8")
        assert expected == LIFECYCLES_DOC.read_text(encoding="utf-8"), (
            "docs/lifecycles.md is stale: DIALOGUE_FLOW_UPDATE_DOCS=1 uv run pytest "
            "tests/test_docs.py")
