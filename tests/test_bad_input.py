"""Issue 13, items 7 and 8: bad input is answered by the library's own exceptions with a
message a user can act on, nothing is written, and the CLI prints a message, never a
traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DeadlinePolicy,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    InvalidTransitionError,
    Petitioner,
)
from dialogue_flow.cli import main

SEED = files("dialogue_flow") / "policies" / "seed-plan.toml"
_NAME_LINE = next(line for line in SEED.read_text(encoding="utf-8").splitlines()
                  if line.startswith("name = "))


@pytest.mark.parametrize(("call", "field"), [
    (lambda f: f.report("0000"), "period"),
    (lambda f: f.report_deadlines(99999), "year"),
    (lambda f: f.submissions(state=5), "state"),
    (lambda f: f.dialogues(state=object()), "state"),
])
def test_queries(flow: DialogueFlow, call: Callable[[DialogueFlow], Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        call(flow)
    assert field == info.value.field


@pytest.mark.parametrize("day", [date(2021, 5, 31), date(1900, 1, 1)])
def test_announcing_before_the_dialogue_was_planned(flow: DialogueFlow, office: Actor,
                                                    storage_state: Callable[[], Any],
                                                    day: date) -> None:
    d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại", actor=office)
    before = storage_state()
    with pytest.raises(InvalidInputError, match="before the dialogue was planned"):
        flow.announce(d.id, actor=office, on=day)
    assert before == storage_state()


def test_a_close_refused_by_the_state_is_not_bad_input(flow: DialogueFlow, chair: Actor,
                                                       intake: Actor,
                                                       petitioner: Petitioner) -> None:
    """Closing as accepted just after another process reopened it: the state refused it."""
    s = flow.receive(petitioner=petitioner, topic="đất đai", content="...", actor=intake)
    s = flow.answer(s.id, text="Đã trả lời.", actor=chair)
    flow.reopen(s.id, reason="chưa thỏa đáng", actor=intake)  # "another process"
    with pytest.raises(InvalidTransitionError, match=r"cannot close submission .* it is "
                       r"received") as info:
        flow.close(s.id, outcome="accepted", actor=intake)
    assert "received" == info.value.state


class TestPolicyFiles:
    @pytest.mark.parametrize("source", [5, None, b"id = 'x'"])
    def test_not_a_path_nor_text(self, source: object) -> None:
        with pytest.raises(ConfigurationError, match=r"pathlib\.Path or from TOML text"):
            DeadlinePolicy.from_toml(source)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("old", "new", "message"), [
        ('id = "seed-plan"', "id = 5", "policy id 5"),
        ('id = "seed-plan"', 'id = "  "', "policy id '  '"),
        (_NAME_LINE, 'name = ["x"]', "name must be non-blank text"),
    ])
    def test_bad_id_or_name(self, tmp_path: Path, old: str, new: str, message: str) -> None:
        text = SEED.read_text(encoding="utf-8")
        assert old in text
        path = tmp_path / "bad.toml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(ConfigurationError, match=message) as info:
            DeadlinePolicy.from_toml(path)
        assert str(path) in str(info.value)

    def test_overlapping_rules_name_the_file(self, tmp_path: Path) -> None:
        text = SEED.read_text(encoding="utf-8")
        first = text.index("[[rules]]")
        second = text.index("[[rules]]", first + 1)
        rule = text[first:second].replace('id = "', 'id = "copy-', 1)
        path = tmp_path / "overlap.toml"
        path.write_text(text + "\n" + rule, encoding="utf-8")
        with pytest.raises(ConfigurationError, match="at the same time") as info:
            DeadlinePolicy.from_toml(path)
        assert str(path) in str(info.value)


class TestCli:
    def test_report_into_a_missing_folder(self, tmp_path: Path) -> None:
        db = tmp_path / "c.db"
        DialogueFlow.open(f"sqlite:///{db}", clock=FixedClock(date(2021, 6, 1))).shutdown()
        result = CliRunner().invoke(main, ["report", "--db", f"sqlite:///{db}", "--period",
                                           "2021", "--output",
                                           str(tmp_path / "no" / "such" / "r.md")])
        assert 1 == result.exit_code
        assert result.output.startswith("Error: No such file or directory")
        assert result.exception is None or isinstance(result.exception, SystemExit)

    def test_bad_period(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        assert 0 == CliRunner().invoke(main, ["init", "--db", url]).exit_code
        result = CliRunner().invoke(main, ["report", "--db", url, "--period", "0000"])
        assert (1, True) == (result.exit_code, "there is no year 0" in result.output)
