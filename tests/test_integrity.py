"""`check` and its repairs (issue 13): a store written before the commit enforced the
dialogue invariants may hold stuck dialogues; each break is found, named and repaired by an
audited command, and the CLI says what to do."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from dialogue_flow import (
    Actor,
    DialogueFlow,
    DialogueState,
    FixedClock,
    InvalidInputError,
    InvalidTransitionError,
    Petitioner,
    SequentialIds,
    SubmissionState,
    Violation,
    WorkCalendar,
)
from dialogue_flow.cli import main
from dialogue_flow.storage import Changeset
from dialogue_flow.testing import sample_transition

LAND = "Địa chính"


def _concluded(flow: DialogueFlow, clock: FixedClock, office: Actor, chair: Actor,
               intake: Actor, petitioner: Petitioner, n: int) -> tuple[str, list[str]]:
    clock.set(date(2021, 6, 1))
    d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại", actor=office)
    flow.announce(d.id, actor=office)
    clock.set(date(2021, 6, 17))
    flow.hold(d.id, actor=office)
    subs = [flow.receive(dialogue=d.id, petitioner=petitioner, topic="đất đai", content="...",
                         actor=intake).id for _ in range(n)]
    for s in subs:
        flow.assign(s, department=LAND, actor=chair)
    flow.conclude(d.id, actor=chair)
    clock.set(date(2021, 6, 18))
    return d.id, subs


def _write_as_an_old_release(flow: DialogueFlow, *records: object) -> None:
    """What a release without the commit guards could leave: records written as they are."""
    pairs = []
    for record in records:
        current = (flow.storage.get_dialogue(record.id) if record.KIND == "dialogue"  # type: ignore[attr-defined]
                   else flow.storage.get_submission(record.id))  # type: ignore[attr-defined]
        pairs.append((record, current.version))
    flow.storage.commit(Changeset(tuple(pairs), tuple(  # type: ignore[arg-type]
        sample_transition(r) for r in records)))  # type: ignore[arg-type]


@pytest.fixture
def broken(flow: DialogueFlow, clock: FixedClock, office: Actor, chair: Actor, intake: Actor,
           petitioner: Petitioner) -> dict[str, str]:
    """Three dialogues, each with one kind of break."""
    stuck, (s1,) = _concluded(flow, clock, office, chair, intake, petitioner, 1)
    closed = attrs.evolve(flow.submission(s1), state=SubmissionState.CLOSED,
                          close_reason="withdrawn", version=flow.submission(s1).version + 1)
    _write_as_an_old_release(flow, closed)

    done, (s2, s3) = _concluded(flow, clock, office, chair, intake, petitioner, 2)
    flow.close(s2, outcome="withdrawn", actor=chair)
    d = flow.dialogue(done)
    _write_as_an_old_release(flow, attrs.evolve(d, state=DialogueState.COMPLETED,
                                                version=d.version + 1))

    late_d, (s4,) = _concluded(flow, clock, office, chair, intake, petitioner, 1)
    late = attrs.evolve(flow.submission(s4), id="sub-late", version=1,
                        state=SubmissionState.RECEIVED, department=None, due=None,
                        tracking_code=None)  # codes are unique; an old release's row
    flow.storage.commit(Changeset(((late, 0),), (sample_transition(late, event="receive"),)))
    return {"stuck": stuck, "done": done, "open": s3, "late_dialogue": late_d,
            "late": "sub-late"}


class TestCheck:
    def test_finds_each_break(self, flow: DialogueFlow, broken: dict[str, str]) -> None:
        found = flow.check()
        assert [("stuck_concluded", broken["stuck"], "complete"),
                ("open_in_completed", broken["open"], "detach"),
                ("missing_from_notice", broken["late"], "detach")] == [
                    (v.code, v.record_id, v.repair) for v in found]
        assert all(isinstance(v, Violation) for v in found)

    def test_a_healthy_store_has_none(self, flow: DialogueFlow, clock: FixedClock,
                                      office: Actor, chair: Actor, intake: Actor,
                                      petitioner: Petitioner) -> None:
        d, subs = _concluded(flow, clock, office, chair, intake, petitioner, 2)
        flow.close(subs[0], outcome="withdrawn", actor=chair)
        assert [] == flow.check()
        flow.close(subs[1], outcome="withdrawn", actor=chair)
        assert DialogueState.COMPLETED == flow.dialogue(d).state
        assert [] == flow.check()

    def test_repairs_leave_nothing_to_report(self, flow: DialogueFlow, chair: Actor,
                                             broken: dict[str, str]) -> None:
        """Each repair is an audited command; afterwards the store is healthy."""
        repaired = flow.complete_dialogue(broken["stuck"], actor=chair, reason="sửa lỗi")
        assert DialogueState.COMPLETED == repaired.state
        assert ("complete", "sửa lỗi") == (flow.history(repaired)[-1].event,
                                           flow.history(repaired)[-1].reason)
        for sub in (broken["open"], broken["late"]):
            before = flow.submission(sub)
            after = flow.detach(sub, actor=chair, reason="ngoài thông báo kết luận")
            assert (None, before.state, before.due) == (after.dialogue_id, after.state,
                                                        after.due)
            assert "detach" == flow.history(after)[-1].event
        # The late dialogue keeps its listed matter open: concluded, as it should be.
        assert DialogueState.CONCLUDED == flow.dialogue(broken["late_dialogue"]).state
        assert [] == flow.check()

    def test_detaching_the_last_open_matter_completes(self, flow: DialogueFlow, chair: Actor,
                                                      broken: dict[str, str]) -> None:
        listed = next(s.id for s in flow.iter_submissions(dialogue_id=broken["late_dialogue"])
                      if s.id != broken["late"])
        flow.close(listed, outcome="withdrawn", actor=chair)
        assert DialogueState.CONCLUDED == flow.dialogue(broken["late_dialogue"]).state
        flow.detach(broken["late"], actor=chair, reason="ngoài thông báo kết luận")
        assert DialogueState.COMPLETED == flow.dialogue(broken["late_dialogue"]).state

    def test_repairs_refuse_what_is_not_broken(self, flow: DialogueFlow, clock: FixedClock,
                                               office: Actor, chair: Actor, intake: Actor,
                                               petitioner: Petitioner) -> None:
        d, subs = _concluded(flow, clock, office, chair, intake, petitioner, 1)
        with pytest.raises(InvalidInputError, match="still has open matters"):
            flow.complete_dialogue(d, actor=chair, reason="x")
        with pytest.raises(InvalidInputError, match="breaks no invariant"):
            flow.detach(subs[0], actor=chair, reason="x")
        flow.close(subs[0], outcome="withdrawn", actor=chair)
        with pytest.raises(InvalidTransitionError):
            flow.complete_dialogue(d, actor=chair, reason="x")


class TestCli:
    def test_check_then_repair(self, tmp_path: Path, office: Actor, chair: Actor,
                               intake: Actor, petitioner: Petitioner) -> None:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        clock = FixedClock(date(2021, 6, 1))
        with DialogueFlow.open(url, clock=clock, ids=SequentialIds(),
                               calendar=WorkCalendar.vietnam()) as flow:
            stuck, (s1,) = _concluded(flow, clock, office, chair, intake, petitioner, 1)
            sub = flow.submission(s1)
            _write_as_an_old_release(flow, attrs.evolve(
                sub, state=SubmissionState.CLOSED, close_reason="withdrawn",
                version=sub.version + 1))
        first = CliRunner().invoke(main, ["check", "--db", url])
        assert 1 == first.exit_code, first.output
        assert f"dialogue-flow repair complete {stuck} --db {url}" in first.output
        fixed = CliRunner().invoke(main, ["repair", "complete", stuck, "--db", url,
                                          "--reason", "sửa lỗi phiên bản cũ"])
        assert 0 == fixed.exit_code, fixed.output
        again = CliRunner().invoke(main, ["check", "--db", url])
        assert (0, "0 problems found\n") == (again.exit_code, again.output)
        refused = CliRunner().invoke(main, ["repair", "complete", stuck, "--db", url,
                                            "--reason", "x"])
        assert 1 == refused.exit_code
        assert "Traceback" not in refused.output
        assert refused.output.startswith("Error: cannot complete")


def test_clock_is_not_needed_for_the_audit(flow: DialogueFlow, clock: FixedClock) -> None:
    """check reads only: on an empty store it finds nothing and writes nothing."""
    clock.set(clock.today() + timedelta(days=1))
    assert [] == flow.check()
    assert [] == flow.storage.pending_notifications()
