"""``dialogue-flow demo --province`` (issue 19): a province and its communes in one store,
the data a reference host shows a province."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dialogue_flow import DialogueFlow, SubmissionState
from dialogue_flow._province_demo import PROVINCE_TREE
from dialogue_flow.cli import main


def test_the_province_demo(tmp_path: Path) -> None:
    db = tmp_path / "province.db"
    result = CliRunner().invoke(main, ["demo", "--province", "--db", str(db)])
    assert 0 == result.exit_code, result.output
    assert "Báo cáo tổng hợp 6 tháng đầu năm 2026" in result.output
    with DialogueFlow.open(f"sqlite:///{db}") as flow:
        assert {o.id for o in PROVINCE_TREE} == {o.id for o in flow.organisations()}
        escalated = flow.submissions(organisation="tinh-mau", limit=100).items
        assert 6 == len(escalated)
        assert all(s.origin_id is not None for s in escalated)  # each linked to its commune's
        assert any(s.state is SubmissionState.ANSWERED for s in escalated)
        rollup = flow.rollup("2026-H1", organisation="tinh-mau")
        assert 4 == len(rollup.rows)
        assert 15 == sum(row.report.received for row in rollup.rows[1:])
        assert 3 == len(flow.dialogues())
        assert flow.submissions(organisation="xa-mau-dong", subtree=False,
                                overdue_as_of=flow.clock.today(), limit=100).items


def test_a_rerun_starts_afresh(tmp_path: Path) -> None:
    db = tmp_path / "province.db"
    for _ in range(2):
        assert 0 == CliRunner().invoke(main, ["demo", "--province", "--db", str(db)]).exit_code
    with DialogueFlow.open(f"sqlite:///{db}") as flow:
        assert 4 == len(flow.organisations())
