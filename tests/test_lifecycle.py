"""The two lifecycles: their definitions are validated when built, and every (state, event)
pair either moves to the declared state or is refused with the events that are allowed.

The expected tables below are written out by hand from DOMAIN.md, not read from the
library, so a change to the declaration that the domain does not call for fails here.
"""

from __future__ import annotations

import itertools
import re

import pytest

from dialogue_flow import (
    DIALOGUE,
    SUBMISSION,
    CloseReason,
    ConfigurationError,
    DialogueState,
    EventSpec,
    InvalidInputError,
    InvalidTransitionError,
    Lifecycle,
    SubmissionState,
)

#: state -> event -> resulting state (DOMAIN.md, "The submission").
SUBMISSION_TABLE: dict[str, dict[str, str]] = {
    "received": {"prepare": "received", "answer": "answered", "assign": "assigned",
                 "escalate": "escalated", "close": "closed"},
    "answered": {"close": "closed", "reopen": "received"},
    "assigned": {"answer": "answered", "assign": "assigned", "escalate": "escalated",
                 "extend": "assigned", "close": "closed"},
    "escalated": {"answer": "answered", "assign": "assigned", "extend": "escalated",
                  "close": "closed"},
    "closed": {"reopen": "received"},
}
#: state -> event -> resulting state (DOMAIN.md, "The dialogue"; DESIGN.md lifecycles).
DIALOGUE_TABLE: dict[str, dict[str, str]] = {
    "planned": {"announce": "announced", "reschedule": "planned", "cancel": "cancelled"},
    "announced": {"reschedule": "planned", "cancel": "cancelled", "hold": "held"},
    "held": {"conclude": "concluded"},
    "concluded": {"complete": "completed"},
    "completed": {},
    "cancelled": {},
}
#: Which close reasons fit which state (DOMAIN.md, "closed").
CLOSE_REASONS: dict[str, set[str]] = {
    "received": {"withdrawn", "duplicate", "settled_at_meeting"},
    "answered": {"accepted", "withdrawn", "duplicate", "settled_at_meeting"},
    "assigned": {"withdrawn", "duplicate"},
    "escalated": {"withdrawn", "duplicate"},
}

SUBMISSION_EVENTS = ("receive", "prepare", "answer", "assign", "escalate", "extend", "close",
                     "reopen", "frobnicate")
DIALOGUE_EVENTS = ("plan", "announce", "reschedule", "cancel", "hold", "conclude", "complete",
                   "frobnicate")

CASES = [
    *((SUBMISSION, SUBMISSION_TABLE, s, e)
      for s, e in itertools.product(SUBMISSION_TABLE, SUBMISSION_EVENTS)),
    *((DIALOGUE, DIALOGUE_TABLE, s, e)
      for s, e in itertools.product(DIALOGUE_TABLE, DIALOGUE_EVENTS)),
]


def guard_arguments(state: str, event: str) -> dict[str, object]:
    """Arguments that satisfy the guards, so only the state decides."""
    if event == "close" and state in CLOSE_REASONS:
        return {"reason": CloseReason(min(CLOSE_REASONS[state]))}
    if event == "complete":
        return {"open_submissions": ()}
    return {}


def lifecycle(**overrides: object) -> Lifecycle:
    """A small valid lifecycle (a -> b -> c, c final), with some fields replaced."""
    fields: dict[str, object] = {
        "kind": "thing",
        "states": ("a", "b", "c"),
        "initial": "a",
        "creation_event": "create",
        "final": frozenset({"c"}),
        "events": (EventSpec("go", ("a",), "b", "a to b"),
                   EventSpec("finish", ("b",), "c", "b to c")),
    }
    fields.update(overrides)
    return Lifecycle(**fields)  # type: ignore[arg-type]


def allowed_in_message(message: str, state: str) -> tuple[str, ...]:
    match = re.search(rf"events allowed from {state}: (.*)$", message)
    assert match is not None, message
    listed = match.group(1)
    return () if listed == "none (final state)" else tuple(listed.split(", "))


class TestDeclaration:
    """The bundled declarations say what DOMAIN.md says."""

    @pytest.mark.parametrize(("lc", "table"), [(SUBMISSION, SUBMISSION_TABLE),
                                               (DIALOGUE, DIALOGUE_TABLE)])
    def test_allowed_events_per_state_match_the_domain(self, lc, table):
        """`allowed(state)` lists, sorted, exactly the events the domain allows there."""
        expected = {s: tuple(sorted(events)) for s, events in table.items()}
        assert expected == {s: lc.allowed(s) for s in lc.states}

    def test_submission_states_initial_and_final(self):
        """A submission is created received, and closed is its only final state."""
        assert ([s.value for s in SubmissionState], "received", "receive",
                frozenset({"closed"})) == (list(SUBMISSION.states), SUBMISSION.initial,
                                           SUBMISSION.creation_event, SUBMISSION.final)

    def test_dialogue_states_initial_and_final(self):
        """A dialogue is created planned; completed and cancelled are final."""
        assert ([s.value for s in DialogueState], "planned", "plan",
                frozenset({"completed", "cancelled"})) == (
            list(DIALOGUE.states), DIALOGUE.initial, DIALOGUE.creation_event, DIALOGUE.final)

    def test_prepare_and_extend_are_internal_events(self):
        """The two events that change a submission without moving it have no destination."""
        assert (None, None) == (SUBMISSION.event("prepare").dest, SUBMISSION.event("extend").dest)

    def test_unknown_event_name_is_a_key_error(self):
        """`event()` of a name that is not declared raises KeyError naming it."""
        with pytest.raises(KeyError, match="frobnicate"):
            SUBMISSION.event("frobnicate")

    def test_every_state_has_english_and_vietnamese_labels(self):
        """The labels cover every state of both lifecycles (vi, en)."""
        assert (set(SUBMISSION.states), set(DIALOGUE.states)) == (
            set(SUBMISSION.labels), set(DIALOGUE.labels))


class TestValidation:
    """A definition with a flaw is refused when it is built, naming the flaw."""

    def test_a_sound_definition_builds(self):
        """The helper's definition is valid, so the failures below are caused by the flaw."""
        assert ("a", "b") == (lifecycle().initial, lifecycle().fire("t-1", "a", "go"))

    def test_unreachable_state(self):
        """A state no event leads to is reported as unreachable from the initial state."""
        with pytest.raises(ConfigurationError, match="state 'd' cannot be reached from 'a'"):
            lifecycle(states=("a", "b", "c", "d"),
                      events=(EventSpec("go", ("a",), "b", ""),
                              EventSpec("finish", ("b", "d"), "c", "")))

    def test_trap_state(self):
        """A reachable state with no path to a final state is reported as a trap."""
        with pytest.raises(ConfigurationError, match="state 'd' is a trap"):
            lifecycle(states=("a", "b", "c", "d"),
                      events=(EventSpec("go", ("a",), "b", ""),
                              EventSpec("stray", ("a",), "d", ""),
                              EventSpec("spin", ("d",), None, ""),
                              EventSpec("finish", ("b",), "c", "")))

    def test_undeclared_source(self):
        """An event starting from a state that is not declared is reported."""
        with pytest.raises(ConfigurationError,
                           match="event 'go' starts from undeclared state 'x'"):
            lifecycle(events=(EventSpec("go", ("a", "x"), "b", ""),
                              EventSpec("finish", ("b",), "c", "")))

    def test_undeclared_destination(self):
        """An event leading to a state that is not declared is reported."""
        with pytest.raises(ConfigurationError, match="event 'go' leads to undeclared state 'y'"):
            lifecycle(events=(EventSpec("go", ("a",), "y", ""),
                              EventSpec("finish", ("b",), "c", "")))

    def test_duplicate_event_and_source_in_two_declarations(self):
        """The same event declared twice from the same state is reported."""
        with pytest.raises(ConfigurationError, match="event 'go' is declared twice from 'a'"):
            lifecycle(events=(EventSpec("go", ("a",), "b", ""),
                              EventSpec("go", ("a",), "c", ""),
                              EventSpec("finish", ("b",), "c", "")))

    def test_duplicate_source_within_one_declaration(self):
        """A source listed twice in one event is the same ambiguity, and is reported too."""
        with pytest.raises(ConfigurationError, match="event 'go' is declared twice from 'a'"):
            lifecycle(events=(EventSpec("go", ("a", "a"), "b", ""),
                              EventSpec("finish", ("b",), "c", "")))

    def test_undeclared_initial_state(self):
        """An initial state that is not declared is reported."""
        with pytest.raises(ConfigurationError, match="initial state 'z' is not declared"):
            lifecycle(initial="z")

    def test_undeclared_final_state(self):
        """A final state that is not declared is reported."""
        with pytest.raises(ConfigurationError, match="final state 'z' is not declared"):
            lifecycle(final=frozenset({"c", "z"}))

    def test_message_names_the_lifecycle(self):
        """The error starts with the kind of lifecycle, so a host knows which one is wrong."""
        with pytest.raises(ConfigurationError, match=r"^thing lifecycle: "):
            lifecycle(initial="z")


class TestFire:
    """Every state x every event, for both lifecycles."""

    @pytest.mark.parametrize(("lc", "table", "state", "event"), CASES,
                             ids=[f"{c[0].kind}-{c[2]}-{c[3]}" for c in CASES])
    def test_event_moves_to_the_declared_state_or_is_refused(self, lc, table, state, event):
        """An allowed event returns the domain's destination; any other raises
        InvalidTransitionError naming the state and exactly the allowed events."""
        arguments = guard_arguments(state, event)
        if event in table[state]:
            assert table[state][event] == lc.fire("r-1", state, event, **arguments)
            return
        with pytest.raises(InvalidTransitionError) as info:
            lc.fire("r-1", state, event, **arguments)
        err = info.value
        expected_allowed = tuple(sorted(table[state]))
        assert (expected_allowed, expected_allowed, state, event, lc.kind, "r-1") == (
            err.allowed, allowed_in_message(str(err), state), err.state, err.event, err.kind,
            err.record_id)

    @pytest.mark.parametrize(("lc", "state"), [
        *((SUBMISSION, s) for s in SUBMISSION_TABLE), *((DIALOGUE, s) for s in DIALOGUE_TABLE)])
    def test_error_allowed_equals_lifecycle_allowed(self, lc, state):
        """The error's `allowed` is the lifecycle's own answer for that state."""
        with pytest.raises(InvalidTransitionError) as info:
            lc.fire("r-1", state, "frobnicate")
        assert lc.allowed(state) == info.value.allowed

    def test_final_state_without_events_says_so(self):
        """From a final state with no way out the message says none are allowed."""
        with pytest.raises(InvalidTransitionError, match=r"none \(final state\)"):
            DIALOGUE.fire("d-1", "completed", "announce")

    def test_enum_state_is_accepted(self):
        """A state given as the enum member behaves as its value."""
        assert "answered" == SUBMISSION.fire("s-1", SubmissionState.RECEIVED, "answer")

    @pytest.mark.parametrize(("state", "reason"), [
        (s, r) for s in CLOSE_REASONS for r in CloseReason])
    def test_close_reason_guard(self, state, reason):
        """Close succeeds only with a reason that fits the state; otherwise the guard
        refuses with InvalidInputError on the `reason` field listing the allowed ones."""
        if reason.value in CLOSE_REASONS[state]:
            assert "closed" == SUBMISSION.fire("s-1", state, "close", reason=reason)
            return
        with pytest.raises(InvalidInputError) as info:
            SUBMISSION.fire("s-1", state, "close", reason=reason)
        assert ("reason", True) == (
            info.value.field, ", ".join(sorted(CLOSE_REASONS[state])) in str(info.value))

    def test_close_without_reason_is_refused(self):
        """No reason at all is refused by the guard, not accepted."""
        with pytest.raises(InvalidInputError, match="reason"):
            SUBMISSION.fire("s-1", "received", "close")

    def test_complete_guard_lists_open_submissions(self):
        """A dialogue cannot complete while submissions are open; they are named, sorted."""
        with pytest.raises(InvalidInputError, match="submissions still open: s-1, s-2") as info:
            DIALOGUE.fire("d-1", "concluded", "complete", open_submissions=("s-2", "s-1"))
        assert "dialogue" == info.value.field

    @pytest.mark.parametrize(("lc", "state", "event", "arguments"), [
        *((lc, state, event, guard_arguments(state, event)) for lc, _t, state, event in CASES),
        *((SUBMISSION, s, "close", {"reason": r}) for s in CLOSE_REASONS for r in CloseReason),
        (SUBMISSION, "received", "close", {}),
        (DIALOGUE, "concluded", "complete", {"open_submissions": ("s-2", "s-1")}),
        (DIALOGUE, "concluded", "complete", {}),
    ])
    def test_fire_agrees_with_the_shared_machine(self, lc, state, event, arguments):
        """The compiled table answers exactly as transitions' Event.trigger: the same
        destination, or the same error with the same message."""
        def outcome(fire):
            try:
                return fire("r-1", state, event, **arguments)
            except (InvalidInputError, InvalidTransitionError) as exc:
                return type(exc), str(exc)
        assert outcome(lc.machine_fire) == outcome(lc.fire)

    def test_a_refused_guard_leaves_the_shared_machine_usable(self):
        """A refusal does not poison the shared machine: the next event works."""
        with pytest.raises(InvalidInputError):
            SUBMISSION.fire("s-1", "assigned", "close", reason=CloseReason.ACCEPTED)
        assert "closed" == SUBMISSION.fire("s-1", "assigned", "close",
                                           reason=CloseReason.WITHDRAWN)


class TestDocumentation:
    """The Mermaid diagram and the table are generated from the declaration."""

    @pytest.mark.parametrize(("lc", "table"), [(SUBMISSION, SUBMISSION_TABLE),
                                               (DIALOGUE, DIALOGUE_TABLE)])
    def test_mermaid_has_every_transition(self, lc, table):
        """Each (source, event, destination) appears as an edge labelled with the event."""
        edges: set[tuple[str, str, str]] = set()
        for line in lc.mermaid().splitlines():
            match = re.fullmatch(r"\s*(\w+) --> (\w+): (.+)", line)
            if match:
                for event in match.group(3).split(" | "):
                    edges.add((match.group(1), event.strip(), match.group(2)))
        expected = {(s, e, d) for s, moves in table.items() for e, d in moves.items()}
        assert expected == edges

    @pytest.mark.parametrize("lc", [SUBMISSION, DIALOGUE])
    def test_mermaid_marks_initial_and_final_states(self, lc):
        """The start arrow points at the initial state and every final state ends at [*]."""
        lines = {line.strip() for line in lc.mermaid().splitlines()}
        expected = {f"[*] --> {lc.initial}", *(f"{s} --> [*]" for s in lc.final)}
        assert expected <= lines

    @pytest.mark.parametrize("lc", [SUBMISSION, DIALOGUE])
    def test_mermaid_is_a_state_diagram_without_current_state_styling(self, lc):
        """A definition has no current state, so no class styling is left in."""
        text = lc.mermaid()
        assert (True, False) == ("stateDiagram-v2" in text, "classDef" in text)

    @pytest.mark.parametrize(("lc", "table"), [(SUBMISSION, SUBMISSION_TABLE),
                                               (DIALOGUE, DIALOGUE_TABLE)])
    def test_table_lists_every_event_once(self, lc, table):
        """The Markdown table has one row per event, the creation event first."""
        rows = [line.split("|")[1].strip() for line in lc.table().splitlines()[2:]]
        events = sorted({e for moves in table.values() for e in moves})
        assert [lc.creation_event, *sorted(events)] == [rows[0], *sorted(rows[1:])]

    def test_table_shows_internal_events_as_unchanged(self):
        """Internal events are listed with "(unchanged)" as destination."""
        rows = {line.split("|")[1].strip(): line.split("|")[3].strip()
                for line in SUBMISSION.table().splitlines()[2:]}
        assert ("(unchanged)", "(unchanged)", "answered") == (
            rows["prepare"], rows["extend"], rows["answer"])
