"""`expected_version=` on every command, and the retry helper (issue 16, item 5)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from conftest import LAND
from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    NotFoundError,
    Petitioner,
    VersionConflictError,
    retry_on_conflict,
)

#: Every command that acts on an existing record. A new one must be added here (and take
#: expected_version=): test_every_command_takes_expected_version finds them by signature.
COMMANDS = {
    "prepare", "accept", "answer", "assign", "escalate", "return_matter", "extend", "close",
    "reopen", "detach", "announce", "reschedule", "cancel", "hold", "conclude",
    "complete_dialogue", "announce_reception", "hold_reception", "cancel_reception",
    "attach", "erase_attachments",
    "mark_confidential",
}
_REFS = {"submission", "dialogue", "reception"}
#: Reads that name the record they read: nothing to conflict with.
_READS = {"identity"}


def test_every_command_takes_expected_version() -> None:
    """Every public method whose first argument is a record to act on takes
    ``expected_version``, keyword-only, defaulting to None."""
    found = set()
    for name, member in inspect.getmembers(DialogueFlow, inspect.isfunction):
        params = list(inspect.signature(member).parameters.values())
        if name.startswith("_") or len(params) < 2 or params[1].name not in _REFS or (
                name in _READS):
            continue
        found.add(name)
        param = inspect.signature(member).parameters.get("expected_version")
        assert param is not None, name
        assert (param.kind, param.default) == (inspect.Parameter.KEYWORD_ONLY, None), name
    assert COMMANDS == found


Setup = Callable[[DialogueFlow, FixedClock, dict[str, Actor]], tuple[Any, dict[str, Any]]]


def _petition(flow: DialogueFlow, a: dict[str, Actor], dialogue: str | None = None) -> str:
    return flow.receive(dialogue=dialogue, petitioner=Petitioner("Nguyễn Văn A"), topic="đất đai",
                        content="...", actor=a["intake"], channel="written").id


def _assigned(flow: DialogueFlow, a: dict[str, Actor]) -> str:
    return flow.assign(_petition(flow, a), department=LAND, actor=a["chair"]).id


def _held(flow: DialogueFlow, clock: FixedClock, a: dict[str, Actor]) -> str:
    d = flow.plan_dialogue(title="Đối thoại", scheduled_for=date(2021, 6, 17),
                           actor=a["office"])
    flow.announce(d.id, actor=a["office"])
    clock.set(date(2021, 6, 17))
    return flow.hold(d.id, actor=a["chair"]).id


def _reception(flow: DialogueFlow, a: dict[str, Actor], announced: bool) -> str:
    r = flow.plan_reception(scheduled_for=date(2021, 6, 10), actor=a["office"])
    return flow.announce_reception(r.id, actor=a["office"]).id if announced else r.id


#: command -> how to reach a state where it is allowed: (record id, its arguments).
SETUPS: dict[str, Setup] = {
    "prepare": lambda f, c, a: (_petition(f, a, f.plan_dialogue(
        title="Đối thoại", scheduled_for=date(2021, 6, 17), actor=a["office"]).id),
        {"department": LAND, "actor": a["office"]}),
    "accept": lambda f, c, a: (_petition(f, a), {"actor": a["chair"]}),
    "mark_confidential": lambda f, c, a: (_petition(f, a), {"actor": a["intake"]}),
    "answer": lambda f, c, a: (_petition(f, a), {"text": "Đã giải quyết.", "actor": a["chair"]}),
    "assign": lambda f, c, a: (_petition(f, a), {"department": LAND, "actor": a["chair"]}),
    "escalate": lambda f, c, a: (_petition(f, a), {"competent_level": "UBND tỉnh",
                                                   "actor": a["chair"]}),
    "extend": lambda f, c, a: (_assigned(f, a), {"until": date(2021, 9, 30),
                                                 "reason": "phức tạp", "actor": a["chair"]}),
    "close": lambda f, c, a: (_petition(f, a), {"outcome": "withdrawn", "actor": a["office"]}),
    "reopen": lambda f, c, a: (f.answer(_petition(f, a), text="x", actor=a["chair"]).id,
                               {"reason": "chưa thỏa đáng", "actor": a["office"]}),
    "announce": lambda f, c, a: (f.plan_dialogue(
        title="Đối thoại", scheduled_for=date(2021, 6, 17), actor=a["office"]).id,
        {"actor": a["office"]}),
    "reschedule": lambda f, c, a: (f.plan_dialogue(
        title="Đối thoại", scheduled_for=date(2021, 6, 17), actor=a["office"]).id,
        {"scheduled_for": date(2021, 6, 24), "reason": "trùng lịch", "actor": a["office"]}),
    "cancel": lambda f, c, a: (f.plan_dialogue(
        title="Đối thoại", scheduled_for=date(2021, 6, 17), actor=a["office"]).id,
        {"reason": "bão", "actor": a["office"]}),
    "hold": lambda f, c, a: (_announced_dialogue(f, c, a), {"actor": a["chair"]}),
    "conclude": lambda f, c, a: (_held(f, c, a), {"actor": a["chair"]}),
    "announce_reception": lambda f, c, a: (_reception(f, a, announced=False),
                                           {"actor": a["office"]}),
    "hold_reception": lambda f, c, a: (_reception_day_reached(f, c, a), {
        "actor": a["office"], "citizens": 3, "received_by": ["Bí thư"]}),
    "cancel_reception": lambda f, c, a: (_reception(f, a, announced=True),
                                         {"actor": a["office"], "reason": "họp đột xuất"}),
    "attach": lambda f, c, a: (_petition(f, a), {"name": "don.pdf", "data": b"%PDF-1.7",
                                                 "actor": a["intake"]}),
    "erase_attachments": lambda f, c, a: (_attached(f, a), {"actor": a["office"],
                                                            "reason": "yêu cầu xóa"}),
}


def _attached(flow: DialogueFlow, a: dict[str, Actor]) -> str:
    sid = _petition(flow, a)
    flow.attach(sid, name="don.pdf", data=b"%PDF-1.7", actor=a["intake"])
    return sid


def _announced_dialogue(flow: DialogueFlow, clock: FixedClock, a: dict[str, Actor]) -> str:
    d = flow.plan_dialogue(title="Đối thoại", scheduled_for=date(2021, 6, 17),
                           actor=a["office"])
    flow.announce(d.id, actor=a["office"])
    clock.set(date(2021, 6, 17))
    return d.id


def _reception_day_reached(flow: DialogueFlow, clock: FixedClock, a: dict[str, Actor]) -> str:
    rid = _reception(flow, a, announced=True)
    clock.set(date(2021, 6, 10))
    return rid


#: The repairs need a broken store: their expected_version is checked before anything else,
#: which the stale case below shows without one.
STALE_ONLY = {"detach", "complete_dialogue", "return_matter"}


@pytest.fixture
def actors(office: Actor, chair: Actor, intake: Actor) -> dict[str, Actor]:
    return {"office": office, "chair": chair, "intake": intake}


def _kind(command: str) -> str:
    if command.endswith("_reception"):
        return "reception"
    dialogue_commands = {"announce", "reschedule", "cancel", "hold", "conclude",
                         "complete_dialogue"}
    return "dialogue" if command in dialogue_commands else "submission"


def _read(flow: DialogueFlow, command: str, record_id: str) -> Any:
    return {"reception": flow.reception_day, "dialogue": flow.dialogue,
            "submission": flow.submission}[_kind(command)](record_id)


@pytest.mark.parametrize("command", sorted(COMMANDS - STALE_ONLY))
def test_the_version_the_caller_saw_is_accepted(flow: DialogueFlow, clock: FixedClock,
                                                actors: dict[str, Actor], command: str) -> None:
    record_id, kwargs = SETUPS[command](flow, clock, actors)
    seen = _read(flow, command, record_id).version
    getattr(flow, command)(record_id, expected_version=seen, **kwargs)
    assert _read(flow, command, record_id).version > seen  # attach returns the attachment


@pytest.mark.parametrize("command", sorted(COMMANDS - STALE_ONLY))
def test_a_stale_version_is_a_conflict_and_writes_nothing(
        flow: DialogueFlow, clock: FixedClock, actors: dict[str, Actor],
        storage_state: Callable[[], Any], command: str) -> None:
    """The web-form case: the clerk saw version v, someone else committed v + 1."""
    record_id, kwargs = SETUPS[command](flow, clock, actors)
    current = _read(flow, command, record_id).version
    before = storage_state()
    with pytest.raises(VersionConflictError) as info:
        getattr(flow, command)(record_id, expected_version=current - 1 or current + 1,
                               **kwargs)
    assert (info.value.record_id, info.value.actual) == (record_id, current)
    assert before == storage_state()


@pytest.mark.parametrize("command", sorted(STALE_ONLY))
def test_repairs_and_transfers_check_the_version_first(
        flow: DialogueFlow, clock: FixedClock, actors: dict[str, Actor],
        command: str) -> None:
    kind = _kind(command)
    record_id = (_held(flow, clock, actors) if kind == "dialogue"
                 else _petition(flow, actors))
    with pytest.raises(VersionConflictError):
        getattr(flow, command)(record_id, expected_version=7, actor=actors["chair"],
                               reason="sửa")


@pytest.mark.parametrize("bad", [0, -1, True, "2", 1.0])
def test_a_version_is_a_whole_number(flow: DialogueFlow, actors: dict[str, Actor],
                                     bad: object) -> None:
    sub = _petition(flow, actors)
    with pytest.raises(InvalidInputError) as info:
        flow.assign(sub, department=LAND, actor=actors["chair"],
                    expected_version=bad)  # type: ignore[arg-type]
    assert "expected_version" == info.value.field


def test_a_record_and_another_version_contradict(flow: DialogueFlow,
                                                 actors: dict[str, Actor]) -> None:
    s = flow.submission(_petition(flow, actors))
    with pytest.raises(InvalidInputError, match="not the version"):
        flow.assign(s, department=LAND, actor=actors["chair"], expected_version=2)
    assert 2 == flow.assign(s, department=LAND, actor=actors["chair"],
                            expected_version=1).version


def test_an_unknown_record_is_not_found(flow: DialogueFlow, actors: dict[str, Actor]) -> None:
    with pytest.raises(NotFoundError):
        flow.assign("sub-none", department=LAND, actor=actors["chair"], expected_version=1)


class TestRetry:
    def test_a_conflict_is_tried_again(self) -> None:
        calls: list[int] = []

        def command() -> str:
            calls.append(1)
            if len(calls) < 3:
                raise VersionConflictError("submission", "s-1", 1, 2)
            return "done"

        assert ("done", 3) == (retry_on_conflict(command, attempts=3), len(calls))

    def test_the_last_conflict_is_raised(self) -> None:
        calls: list[int] = []

        def command() -> None:
            calls.append(1)
            raise VersionConflictError("submission", "s-1", 1, 2)

        with pytest.raises(VersionConflictError):
            retry_on_conflict(command, attempts=2)
        assert 2 == len(calls)

    def test_other_errors_are_not_retried(self) -> None:
        calls: list[int] = []

        def command() -> None:
            calls.append(1)
            raise InvalidInputError("x", "bad")

        with pytest.raises(InvalidInputError):
            retry_on_conflict(command)
        assert 1 == len(calls)

    @pytest.mark.parametrize(("command", "attempts"), [("not callable", 3), (lambda: 1, 0),
                                                       (lambda: 1, True)])
    def test_bad_arguments(self, command: Any, attempts: Any) -> None:
        with pytest.raises(InvalidInputError):
            retry_on_conflict(command, attempts=attempts)

    def test_with_a_flow_two_writers(self, flow: DialogueFlow, chair: Actor,
                                     intake: Actor) -> None:
        """A cron job re-reads on each attempt: the second attempt sees the new version."""
        sub = _petition(flow, {"intake": intake})
        seen = {"version": 1}

        def reassign() -> int:
            current = flow.submission(sub)
            if seen["version"] == 1:  # another clerk commits between the read and ours
                seen["version"] = 2
                flow.assign(sub, department=LAND, actor=chair)
            return flow.assign(sub, department="Kiểm lâm", actor=chair,
                               expected_version=current.version).version

        assert 3 == retry_on_conflict(reassign)


class TestDayArgumentNames:
    """Every command names its day ``on=`` (issue 16, item 11); the old names still work for
    one release, with a DeprecationWarning."""

    def test_hold_and_conclude_take_on(self, flow: DialogueFlow, clock: FixedClock,
                                       actors: dict[str, Actor]) -> None:
        d = _announced_dialogue(flow, clock, actors)
        held = flow.hold(d, actor=actors["chair"], on=date(2021, 6, 17))
        clock.set(date(2021, 6, 20))
        done = flow.conclude(d, actor=actors["chair"], on=date(2021, 6, 18))
        assert (date(2021, 6, 17), date(2021, 6, 18)) == (
            held.held_on, done.conclusion.issued_on if done.conclusion else None)

    def test_the_old_names_warn(self, flow: DialogueFlow, clock: FixedClock,
                                actors: dict[str, Actor]) -> None:
        d = _announced_dialogue(flow, clock, actors)
        with pytest.warns(DeprecationWarning, match="held_on= is deprecated, use on="):
            flow.hold(d, actor=actors["chair"], held_on=date(2021, 6, 17))
        with pytest.warns(DeprecationWarning, match="notice_date= is deprecated"):
            flow.conclude(d, actor=actors["chair"], notice_date=date(2021, 6, 17))

    def test_both_names_is_an_error(self, flow: DialogueFlow, clock: FixedClock,
                                    actors: dict[str, Actor]) -> None:
        d = _announced_dialogue(flow, clock, actors)
        with pytest.raises(InvalidInputError, match="old name"):
            flow.hold(d, actor=actors["chair"], on=date(2021, 6, 17),
                      held_on=date(2021, 6, 17))


class TestReceiveAndCloseNames:
    """``receive(dialogue=)`` and ``close(outcome=)`` (issue 16, item 11)."""

    def test_receive_takes_the_dialogue_by_keyword(self, flow: DialogueFlow,
                                                   actors: dict[str, Actor]) -> None:
        d = flow.plan_dialogue(title="Đối thoại", scheduled_for=date(2021, 6, 17),
                               actor=actors["office"])
        s = flow.receive(dialogue=d.id, petitioner=Petitioner("A"), topic="t", content="c",
                         actor=actors["intake"])
        outside = flow.receive(petitioner=Petitioner("A"), topic="t", content="c",
                               actor=actors["intake"])
        assert (d.id, None) == (s.dialogue_id, outside.dialogue_id)

    def test_the_positional_dialogue_warns(self, flow: DialogueFlow,
                                           actors: dict[str, Actor]) -> None:
        with pytest.warns(DeprecationWarning, match="pass dialogue="):
            s = flow.receive(None, petitioner=Petitioner("A"), topic="t", content="c",
                             actor=actors["intake"])
        assert s.dialogue_id is None

    def test_the_dialogue_twice_is_an_error(self, flow: DialogueFlow,
                                            actors: dict[str, Actor]) -> None:
        with pytest.raises(InvalidInputError, match="twice"):
            flow.receive("dlg-1", dialogue="dlg-1", petitioner=Petitioner("A"),  # type: ignore[call-overload]
                         topic="t", content="c", actor=actors["intake"])

    def test_close_takes_an_outcome(self, flow: DialogueFlow,
                                    actors: dict[str, Actor]) -> None:
        sub = _petition(flow, actors)
        closed = flow.close(sub, outcome="withdrawn", actor=actors["office"])
        assert "withdrawn" == closed.close_reason

    def test_reason_on_close_warns(self, flow: DialogueFlow, actors: dict[str, Actor]) -> None:
        sub = _petition(flow, actors)
        with pytest.warns(DeprecationWarning, match="reason= is deprecated, use outcome="):
            flow.close(sub, reason="withdrawn", actor=actors["office"])

    def test_a_missing_outcome_names_the_field(self, flow: DialogueFlow,
                                               actors: dict[str, Actor]) -> None:
        sub = _petition(flow, actors)
        with pytest.raises(InvalidInputError) as info:
            flow.close(sub, actor=actors["office"])  # type: ignore[call-overload]
        assert "outcome" == info.value.field
