"""`dialogue-flow demo` and `dialogue-flow diagram`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dialogue_flow import DIALOGUE, RECEPTION, SUBMISSION, DialogueFlow
from dialogue_flow.cli import main


def _initialised(tmp_path: Path) -> str:
    """The URL of a new store `dialogue-flow init` created (no other command creates one)."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    done = CliRunner().invoke(main, ["init", "--db", url])
    assert 0 == done.exit_code, done.output
    return url


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
                         ("Escalated to UBND huyện (the district in 2021, abolished on 1 July "
                         "2025): sub-0005"),
                         "Extended to",
                         "Reopened sub-0010 → Received",
                         "2021-06-14  Report first half of 2021: Kế hoạch, mục III.1",
                         "2021-12-09  Report 2021: Kế hoạch, mục III.1",
                         "2021-06-07  Sweep: Announce the dialogue",
                         "2021-08-09  Sweep: Submission sub-0005 is overdue",
                         "2021-06-14  Report first half of 2021: 2 received",
                         "Received sub-0003 [Spoken at the meeting]",
                         "Answered sub-0001 (In writing)",
                         "Closed sub-0001 (Answer accepted)",
                         "Answered + Closed: sub-0002 (Settled at the meeting)",
                         # Nobody is reached: the demo's petitioners leave no contact and
                         # no recipients hook names the bodies (issue 16: never "delivered").
                         ("Notifications in the outbox: pending 0, delivered 0, parked 0, "
                          "logged 0, no recipient 77"),
                         "## Overdue (6)"):
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
    def test_prints_the_three_lifecycles(self) -> None:
        """`diagram` prints exactly the Mermaid generated from the three declarations."""
        result = CliRunner().invoke(main, ["diagram"])
        assert 0 == result.exit_code
        assert "\n".join(lc.mermaid() for lc in (SUBMISSION, DIALOGUE, RECEPTION)) == (
            result.output)

    def test_both_is_submission_and_dialogue(self) -> None:
        """`--lifecycle both` keeps its meaning from before the reception day."""
        result = CliRunner().invoke(main, ["diagram", "--lifecycle", "both"])
        assert SUBMISSION.mermaid() + "\n" + DIALOGUE.mermaid() == result.output

    def test_reception_day(self) -> None:
        """`--lifecycle reception_day` prints the citizen reception day's diagram."""
        result = CliRunner().invoke(main, ["diagram", "--lifecycle", "reception_day"])
        assert (0, RECEPTION.mermaid()) == (result.exit_code, result.output)

    def test_one_lifecycle(self) -> None:
        """`--lifecycle dialogue` prints only the dialogue's diagram."""
        result = CliRunner().invoke(main, ["diagram", "--lifecycle", "dialogue"])
        assert DIALOGUE.mermaid() == result.output


class TestSweepAndReport:
    def test_sweep_then_report_on_the_demo_file(self, tmp_path: Path) -> None:
        """After the demo, `sweep` on the day after a due date writes nothing new (the demo
        swept every day already) and `report` renders the year as JSON with the figures."""
        db = tmp_path / "demo.db"
        CliRunner().invoke(main, ["demo", "--db", str(db)])
        swept = CliRunner().invoke(main, ["sweep", "--db", f"sqlite:///{db}",
                                          "--today", "2021-11-08"])
        assert 0 == swept.exit_code, swept.output
        assert "new notices 0" in swept.output
        out = tmp_path / "report.json"
        done = CliRunner().invoke(main, ["report", "--db", f"sqlite:///{db}", "--period",
                                         "2021", "--format", "json", "--as-of", "2021-12-09",
                                         "--output", str(out)])
        assert 0 == done.exit_code, done.output
        data = json.loads(out.read_text(encoding="utf-8"))
        assert (12, 6) == (data["received"], len(data["overdue"]))

    def test_sweep_on_a_fresh_file_counts(self, tmp_path: Path) -> None:
        """`sweep` prints what it found; a fresh database has nothing due."""
        result = CliRunner().invoke(main, ["sweep", "--db", _initialised(tmp_path),
                                           "--today", "2021-06-09"])
        assert 0 == result.exit_code, result.output
        assert ("2021-06-09: due soon 0, overdue matters 0, dialogues 0, reports 1, "
                "reception days 0; new notices 1 (overdue notices 0)") in result.output

    def test_bad_period_is_a_usage_error(self, tmp_path: Path) -> None:
        """A bad period is reported in one line, without a traceback."""
        result = CliRunner().invoke(main, ["report", "--db", _initialised(tmp_path),
                                           "--period", "2021-13"])
        assert 1 == result.exit_code
        assert "is not a period" in result.output
        assert "Traceback" not in result.output

    def test_bad_date_is_a_usage_error(self, tmp_path: Path) -> None:
        """`--today` must be an ISO date."""
        result = CliRunner().invoke(main, ["sweep", "--db", f"sqlite:///{tmp_path / 'x.db'}",
                                           "--today", "9/6/2021"])
        assert 2 == result.exit_code
        assert "is not a date" in result.output


class TestOutbox:
    def test_lists_parked_rows_and_requeues_them(self, tmp_path: Path) -> None:
        """`outbox` shows the counts and each parked row's last error; `--requeue KEY`
        makes it pending again."""
        import datetime as dt  # noqa: PLC0415

        from dialogue_flow import SQLiteStorage  # noqa: PLC0415
        from dialogue_flow.storage import Changeset  # noqa: PLC0415
        from dialogue_flow.testing import sample_notification, sample_submission  # noqa: PLC0415

        db = tmp_path / "o.db"
        with SQLiteStorage(db) as storage:
            storage.commit(Changeset(records=((sample_submission(), 0),),
                                     notifications=(sample_notification("k-1"),)))
            now = dt.datetime(2021, 6, 1, tzinfo=dt.UTC)
            storage.claim_notifications("w", now, dt.timedelta(minutes=1), 10)
            storage.mark_failed("k-1", "w", "HTTP 400 from the portal", None)
        url = f"sqlite:///{db}"
        shown = CliRunner().invoke(main, ["outbox", "--db", url])
        assert 0 == shown.exit_code, shown.output
        assert "pending 0, delivered 0, parked 1" in shown.output
        assert "parked k-1" in shown.output
        assert "HTTP 400 from the portal" in shown.output
        requeued = CliRunner().invoke(main, ["outbox", "--db", url, "--requeue", "k-1"])
        assert "k-1: requeued" in requeued.output
        assert "pending 1, delivered 0, parked 0" in requeued.output

    def test_unknown_key_is_one_line(self, tmp_path: Path) -> None:
        """Requeueing a key that does not exist is an error line, exit 1, no traceback."""
        result = CliRunner().invoke(main, ["outbox", "--db", _initialised(tmp_path),
                                           "--requeue", "nope"])
        assert 1 == result.exit_code
        assert "no notification with id 'nope'" in result.output


def test_policies_lists_every_rule_with_its_basis() -> None:
    """`dialogue-flow policies` (issue 15): bundled policies, their rules and legal basis."""
    result = CliRunner().invoke(main, ["policies"])
    assert 0 == result.exit_code, result.output
    assert "seed-plan: Kế hoạch tiếp xúc" in result.output
    assert ("  processing: processing, 10 working_days after received from 2014-07-01\n"
            "      Luật Tiếp công dân 2013, Điều 28") in result.output
    assert "  report-h1: report H1, due before 15/06" in result.output
    assert "complaint-acceptance: processing, 10 calendar_days after received" in result.output
    # 215-KL/TW: the periods are known, the dates are not (issue 15, part 4)
    assert ("  report-month: report month, due date not set (the host adds the date its "
            "provincial office sets)\n      Kết luận 215-KL/TW") in result.output
