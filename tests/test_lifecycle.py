"""The two lifecycles: their definitions are validated when built, and every (state, event)
pair either moves to the declared state or is refused with the events that are allowed.

The expected tables below are written out by hand from docs/domain.md, not read from the
library, so a change to the declaration that the domain does not call for fails here.

"Final" has python-statemachine's meaning: no event starts from a final state. A closed
submission is *resting* instead, since ``reopen`` takes it up again (issue 12: it used to
be declared final while an event left it).
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue_flow import (
    DIALOGUE,
    RECEPTION,
    SUBMISSION,
    CloseReason,
    ConfigurationError,
    DialogueState,
    EventSpec,
    InvalidInputError,
    InvalidTransitionError,
    Lifecycle,
    ReceptionState,
    SubmissionState,
)
from lifecycle_oracle import machine_fire

#: state -> event -> resulting state (docs/domain.md, "The submission").
SUBMISSION_TABLE: dict[str, dict[str, str]] = {
    "received": {"prepare": "received", "accept": "received", "answer": "answered",
                 "assign": "assigned",
                 "escalate": "escalated", "close": "closed", "detach": "received",
                 "mark_confidential": "received"},
    "answered": {"close": "closed", "reopen": "received", "detach": "answered",
                 "mark_confidential": "answered"},
    "assigned": {"answer": "answered", "assign": "assigned", "escalate": "escalated",
                 "extend": "assigned", "close": "closed", "detach": "assigned",
                 "mark_confidential": "assigned"},
    "escalated": {"answer": "answered", "assign": "assigned", "extend": "escalated",
                  "close": "closed", "detach": "escalated", "return": "received",
                  "mark_confidential": "escalated"},
    # Issue 17: a matter may be marked confidential in any state, once.
    "closed": {"reopen": "received", "mark_confidential": "closed"},
}
#: state -> event -> resulting state (docs/domain.md, "The dialogue").
DIALOGUE_TABLE: dict[str, dict[str, str]] = {
    "planned": {"announce": "announced", "reschedule": "planned", "cancel": "cancelled"},
    "announced": {"reschedule": "planned", "cancel": "cancelled", "hold": "held"},
    "held": {"conclude": "concluded"},
    "concluded": {"complete": "completed"},
    "completed": {},
    "cancelled": {},
}
#: state -> event -> resulting state (215-KL/TW: fixed, announced in advance, held or
#: cancelled and replaced).
RECEPTION_TABLE: dict[str, dict[str, str]] = {
    "scheduled": {"announce": "announced", "cancel": "cancelled"},
    "announced": {"hold": "held", "cancel": "cancelled"},
    "held": {},
    "cancelled": {},
}
#: Which close reasons fit which state (docs/domain.md, "The submission").
CLOSE_REASONS: dict[str, set[str]] = {
    "received": {"withdrawn", "duplicate", "settled_at_meeting", "returned"},
    "answered": {"accepted", "withdrawn", "duplicate", "settled_at_meeting",
                 "answered_by_competent_level"},
    "assigned": {"withdrawn", "duplicate", "returned"},
    "escalated": {"withdrawn", "duplicate", "answered_by_competent_level"},
}

SUBMISSION_EVENTS = ("receive", "prepare", "accept", "answer", "assign", "escalate", "extend",
                     "close", "reopen", "detach", "return", "mark_confidential",
                     "frobnicate")
DIALOGUE_EVENTS = ("plan", "announce", "reschedule", "cancel", "hold", "conclude", "complete",
                   "frobnicate")
RECEPTION_EVENTS = ("schedule", "announce", "hold", "cancel", "conclude", "frobnicate")

CASES = [
    *((SUBMISSION, SUBMISSION_TABLE, s, e)
      for s, e in itertools.product(SUBMISSION_TABLE, SUBMISSION_EVENTS)),
    *((DIALOGUE, DIALOGUE_TABLE, s, e)
      for s, e in itertools.product(DIALOGUE_TABLE, DIALOGUE_EVENTS)),
    *((RECEPTION, RECEPTION_TABLE, s, e)
      for s, e in itertools.product(RECEPTION_TABLE, RECEPTION_EVENTS)),
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
    """The bundled declarations say what docs/domain.md says."""

    @pytest.mark.parametrize(("lc", "table"), [(SUBMISSION, SUBMISSION_TABLE),
                                               (DIALOGUE, DIALOGUE_TABLE),
                                               (RECEPTION, RECEPTION_TABLE)])
    def test_allowed_events_per_state_match_the_domain(self, lc, table):
        """`allowed(state)` lists, sorted, exactly the events the domain allows there."""
        expected = {s: tuple(sorted(events)) for s, events in table.items()}
        assert expected == {s: lc.allowed(s) for s in lc.states}

    def test_submission_states_initial_final_and_resting(self):
        """A submission is created received; closed is resting, not final (it may be
        reopened), and no state of a submission is final."""
        assert ([s.value for s in SubmissionState], "received", "receive", frozenset(),
                frozenset({"closed"})) == (
            list(SUBMISSION.states), SUBMISSION.initial, SUBMISSION.creation_event,
            SUBMISSION.final, SUBMISSION.resting)

    def test_reception_day_states_initial_final_and_resting(self):
        """A reception day is created scheduled; held and cancelled are final (a cancelled
        day is replaced by a new one, not revived)."""
        assert ([s.value for s in ReceptionState], "scheduled", "schedule",
                frozenset({"held", "cancelled"}), frozenset()) == (
            list(RECEPTION.states), RECEPTION.initial, RECEPTION.creation_event,
            RECEPTION.final, RECEPTION.resting)

    def test_dialogue_states_initial_final_and_resting(self):
        """A dialogue is created planned; completed and cancelled are final, none resting."""
        assert ([s.value for s in DialogueState], "planned", "plan",
                frozenset({"completed", "cancelled"}), frozenset()) == (
            list(DIALOGUE.states), DIALOGUE.initial, DIALOGUE.creation_event, DIALOGUE.final,
            DIALOGUE.resting)

    @pytest.mark.parametrize("lc", [SUBMISSION, DIALOGUE, RECEPTION])
    def test_final_states_are_exactly_those_no_event_starts_from(self, lc):
        """The final set is the set of states with no allowed event, so "none (final
        state)" in an error message is true."""
        assert lc.final == {s for s in lc.states if not lc.allowed(s)}

    def test_reopen_takes_a_closed_submission_up_again(self):
        """The resting state is left by reopen, back to received (issue 12); a closed matter
        may still be marked confidential, staying closed (issue 17)."""
        assert ("received", ("mark_confidential", "reopen")) == (
            SUBMISSION.fire("s-1", "closed", "reopen"), SUBMISSION.allowed("closed"))

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
        """A reachable state with no path to a final or resting state is reported as a
        trap, saying so."""
        with pytest.raises(ConfigurationError, match="state 'd' is a trap: no path from it "
                                                     "to a final or resting state"):
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

    def test_undeclared_resting_state(self):
        """A resting state that is not declared is reported."""
        with pytest.raises(ConfigurationError, match="resting state 'z' is not declared"):
            lifecycle(resting=frozenset({"z"}))

    def test_event_leaving_a_final_state(self):
        """An event from a final state is refused, naming it and the way out (resting)."""
        with pytest.raises(ConfigurationError, match=re.escape(
                "final state 'c' has events starting from it (back): no event may start "
                "from a final state; declare it resting if the record may be taken up again")):
            lifecycle(events=(EventSpec("go", ("a",), "b", ""),
                              EventSpec("finish", ("b",), "c", ""),
                              EventSpec("back", ("c",), "a", "")))

    def test_internal_event_on_a_final_state(self):
        """An internal event on a final state is refused too: a final record takes no
        event at all (python-statemachine's rule)."""
        with pytest.raises(ConfigurationError,
                           match=r"final state 'c' has events starting from it \(note\)"):
            lifecycle(events=(EventSpec("go", ("a",), "b", ""),
                              EventSpec("finish", ("b",), "c", ""),
                              EventSpec("note", ("c",), None, "")))

    def test_resting_state_no_event_leaves(self):
        """A resting state that only internal events start from is refused: it is final
        or a trap, not resting."""
        with pytest.raises(ConfigurationError, match=re.escape(
                "resting state 'c' has no event that leaves it: declare it final if the "
                "record's life ends there")):
            lifecycle(final=frozenset(), resting=frozenset({"c"}),
                      events=(EventSpec("go", ("a",), "b", ""),
                              EventSpec("finish", ("b",), "c", ""),
                              EventSpec("note", ("c",), None, "")))

    def test_state_both_final_and_resting(self):
        """A state cannot be both: one ends the record's life, the other is left again."""
        with pytest.raises(ConfigurationError,
                           match="state 'c' is declared both final and resting"):
            lifecycle(resting=frozenset({"c"}))

    def test_neither_final_nor_resting_state(self):
        """A lifecycle with no final and no resting state is refused once, not with a
        trap per state."""
        with pytest.raises(ConfigurationError, match=r"^thing lifecycle: no final or resting "
                                                     r"state is declared, so every state "
                                                     r"would be a trap$"):
            lifecycle(final=frozenset(), events=(EventSpec("go", ("a",), "b", ""),
                                                 EventSpec("finish", ("b",), "c", ""),
                                                 EventSpec("back", ("c",), "a", "")))

    def test_a_resting_state_is_an_end_for_the_trap_check(self):
        """A lifecycle whose only end is a resting state it can leave builds, and its
        states are not traps."""
        lc = lifecycle(final=frozenset(), resting=frozenset({"c"}),
                       events=(EventSpec("go", ("a",), "b", ""),
                               EventSpec("finish", ("b",), "c", ""),
                               EventSpec("back", ("c",), "a", "")))
        assert ("a", frozenset({"c"})) == (lc.fire("t-1", "c", "back"), lc.resting)

    def test_closed_declared_final_is_refused(self):
        """Regression (issue 12): the submission lifecycle as it was declared, closed final
        while reopen leaves it, is refused for that reason."""
        with pytest.raises(ConfigurationError, match="final state 'closed' has events "
                                                     r"starting from it \(mark_confidential, "
                                                     r"reopen\)"):
            Lifecycle(kind=SUBMISSION.kind, states=SUBMISSION.states,
                      initial=SUBMISSION.initial, creation_event=SUBMISSION.creation_event,
                      final=frozenset({"closed"}), events=SUBMISSION.events)

    def test_all_flaws_of_the_graph_are_reported_together(self):
        """A final state with an event and a trap are both named in one error."""
        with pytest.raises(ConfigurationError) as info:
            lifecycle(states=("a", "b", "c", "d"),
                      events=(EventSpec("go", ("a",), "b", ""),
                              EventSpec("finish", ("b",), "c", ""),
                              EventSpec("back", ("c",), "a", ""),
                              EventSpec("stray", ("a",), "d", "")))
        assert (True, True) == ("final state 'c' has events" in str(info.value),
                                "state 'd' is a trap" in str(info.value))

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
        """Close succeeds only with a reason that fits the state; otherwise the guard refuses
        listing the allowed ones. A reason fit for another state is refused by the state
        (InvalidTransitionError, issue 13: a race is not the user's mistake)."""
        if reason.value in CLOSE_REASONS[state]:
            assert "closed" == SUBMISSION.fire("s-1", state, "close", reason=reason)
            return
        with pytest.raises(InvalidTransitionError) as info:
            SUBMISSION.fire("s-1", state, "close", reason=reason)
        assert (state, True) == (
            info.value.state, ", ".join(sorted(CLOSE_REASONS[state])) in str(info.value))

    def test_close_without_reason_is_refused(self):
        """No outcome at all is refused by the guard, not accepted."""
        with pytest.raises(InvalidInputError, match="outcome"):
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
        assert outcome(lambda *a, **k: machine_fire(lc, *a, **k)) == outcome(lc.fire)

    def test_a_refused_guard_leaves_the_shared_machine_usable(self):
        """A refusal does not poison the shared machine: the next event works."""
        with pytest.raises(InvalidTransitionError):
            SUBMISSION.fire("s-1", "assigned", "close", reason=CloseReason.ACCEPTED)
        assert "closed" == SUBMISSION.fire("s-1", "assigned", "close",
                                           reason=CloseReason.WITHDRAWN)


class TestDocumentation:
    """The Mermaid diagram and the table are generated from the declaration."""

    @pytest.mark.parametrize(("lc", "table"), [(SUBMISSION, SUBMISSION_TABLE),
                                               (DIALOGUE, DIALOGUE_TABLE),
                                               (RECEPTION, RECEPTION_TABLE)])
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

    @pytest.mark.parametrize("lc", [SUBMISSION, DIALOGUE, RECEPTION])
    def test_mermaid_marks_initial_and_final_states(self, lc):
        """The start arrow points at the initial state and exactly the final states end
        at [*]."""
        lines = {line.strip() for line in lc.mermaid().splitlines()}
        ends = {line for line in lines if line.endswith("--> [*]")}
        assert ({f"[*] --> {lc.initial}"} <= lines, {f"{s} --> [*]" for s in lc.final}) == (
            True, ends)

    def test_mermaid_notes_closed_as_resting_not_an_end(self):
        """Closed carries a note naming reopen, and no arrow to [*] (issue 12)."""
        lines = {line.strip() for line in SUBMISSION.mermaid().splitlines()}
        assert (True, False) == ("note right of closed : resting, taken up again by reopen"
                                 in lines, "closed --> [*]" in lines)

    @pytest.mark.parametrize("lc", [SUBMISSION, DIALOGUE, RECEPTION])
    def test_mermaid_is_a_state_diagram_without_current_state_styling(self, lc):
        """A definition has no current state, so no class styling is left in."""
        text = lc.mermaid()
        assert (True, False) == ("stateDiagram-v2" in text, "classDef" in text)

    @pytest.mark.parametrize(("lc", "table"), [(SUBMISSION, SUBMISSION_TABLE),
                                               (DIALOGUE, DIALOGUE_TABLE),
                                               (RECEPTION, RECEPTION_TABLE)])
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


# --- properties over any definition --------------------------------------------------------

STATE_NAMES = ("a", "b", "c", "d", "e")
EVENT_NAMES = ("go", "back", "note", "end")


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, object]:
    """Lifecycle fields over up to five declared states: random events (internal ones,
    events declared twice from a state and events from final or resting states included),
    a random initial state and random final and resting sets."""
    states = STATE_NAMES[:draw(st.integers(min_value=1, max_value=len(STATE_NAMES)))]
    state = st.sampled_from(states)
    event = st.builds(lambda name, sources, dest: EventSpec(name, tuple(sources), dest, ""),
                      st.sampled_from(EVENT_NAMES),
                      st.lists(state, min_size=1, max_size=3, unique=True),
                      st.none() | state)
    return {
        "kind": "thing",
        "states": states,
        "initial": draw(state),
        "creation_event": "create",
        "final": frozenset(draw(st.sets(state, max_size=2))),
        "resting": frozenset(draw(st.sets(state, max_size=2))),
        "events": tuple(draw(st.lists(event, max_size=6))),
    }


@st.composite
def honest_definitions(draw: st.DrawFn) -> dict[str, object]:
    """Lifecycle fields built to pass validation (random ones mostly fail): every state
    hangs off an earlier non-final one, every state not at rest gets an event towards one
    that can come to rest, every resting state an event out; then extra events, internal
    ones included, from non-final states."""
    states = list(draw(st.permutations(STATE_NAMES))[:draw(st.integers(1, len(STATE_NAMES)))])
    initial, n = states[0], len(states)
    kinds = {s: draw(st.sampled_from(("final", "resting", "plain"))) for s in states}
    if n > 1:
        kinds[initial] = draw(st.sampled_from(("resting", "plain")))
    elif kinds[initial] != "final":  # one state: nothing to leave to, so it must be final
        kinds[initial] = "final"
    if "final" not in kinds.values() and "resting" not in kinds.values():
        kinds[states[-1]] = "final"
    moves: dict[tuple[str, str], str | None] = {}

    def add(source: str, dest: str | None) -> None:
        moves[(f"e{len(moves)}", source)] = dest

    for i, state in enumerate(states[1:], start=1):
        add(draw(st.sampled_from([s for s in states[:i] if kinds[s] != "final"])), state)
    for state in states:
        if kinds[state] == "resting" and all(d in (None, state) for (_, s), d in moves.items()
                                             if s == state):
            add(state, draw(st.sampled_from([s for s in states if s != state])))
    at_rest = {s for s in states if kinds[s] != "plain"}
    for state in states:  # in order, so each target already can come to rest or is final
        if kinds[state] == "plain":
            add(state, draw(st.sampled_from(sorted(at_rest))))
            at_rest.add(state)
    open_states = [s for s in states if kinds[s] != "final"]
    for _ in range(draw(st.integers(0, 4)) if open_states else 0):
        add(draw(st.sampled_from(open_states)), draw(st.none() | st.sampled_from(states)))
    return {
        "kind": "thing",
        "states": tuple(sorted(states)),
        "initial": initial,
        "creation_event": "create",
        "final": frozenset(s for s in states if kinds[s] == "final"),
        "resting": frozenset(s for s in states if kinds[s] == "resting"),
        "events": tuple(EventSpec(name, (source,), dest, "")
                        for (name, source), dest in moves.items()),
    }


@st.composite
def nearly_honest_definitions(draw: st.DrawFn) -> dict[str, object]:
    """A valid definition with one change that may or may not break it: an event dropped
    or added (from a final state, say), a state's kind changed, another initial state."""
    fields = draw(honest_definitions())
    states: tuple[str, ...] = fields["states"]  # type: ignore[assignment]
    events: tuple[EventSpec, ...] = fields["events"]  # type: ignore[assignment]
    state = st.sampled_from(states)
    change = draw(st.sampled_from(("drop", "add", "kind", "initial")))
    if change == "drop" and events:
        dropped = draw(st.integers(0, len(events) - 1))
        fields["events"] = events[:dropped] + events[dropped + 1:]
    elif change == "add":
        fields["events"] = (*events, EventSpec(draw(st.sampled_from(EVENT_NAMES)),
                                               (draw(state),), draw(st.none() | state), ""))
    elif change == "kind":
        moved, kind = draw(state), draw(st.sampled_from(("final", "resting", "both", "plain")))
        for name in ("final", "resting"):
            others: frozenset[str] = fields[name] - {moved}  # type: ignore[operator]
            fields[name] = others | ({moved} if kind in (name, "both") else set())
    else:
        fields["initial"] = draw(state)
    return fields


def is_honest(fields: dict[str, object]) -> bool:
    """The rules of a definition, written independently of `_validate`: one transition
    per (event, state); no event from a final state; an event out of every resting state;
    every state reachable, and able to come to rest (a backward fixpoint, not a search)."""
    states: tuple[str, ...] = fields["states"]  # type: ignore[assignment]
    events: tuple[EventSpec, ...] = fields["events"]  # type: ignore[assignment]
    final: frozenset[str] = fields["final"]  # type: ignore[assignment]
    resting: frozenset[str] = fields["resting"]  # type: ignore[assignment]
    pairs = [(e.name, s) for e in events for s in e.sources]
    moves = {s: {e.dest or s for e in events if s in e.sources} for s in states}
    if len(pairs) != len(set(pairs)) or not final | resting or final & resting:
        return False
    if any(moves[s] for s in final) or any(moves[s] <= {s} for s in resting):
        return False
    reached = {fields["initial"]}
    while (grown := reached | {d for s in reached for d in moves[s]}) != reached:
        reached = grown
    at_rest = set(final | resting)
    while (grown := at_rest | {s for s in states if moves[s] & at_rest}) != at_rest:
        at_rest = grown
    return reached == at_rest == set(states)


def build(fields: dict[str, object]) -> Lifecycle | None:
    try:
        return Lifecycle(**fields)  # type: ignore[arg-type]
    except ConfigurationError:
        return None


class TestProperties:
    """Hypothesis: validation and execution over definitions nobody wrote by hand."""

    @given(st.one_of(definitions(), nearly_honest_definitions()))
    def test_validation_accepts_exactly_the_honest_definitions(self, fields):
        """A definition builds if and only if it follows the rules of `is_honest`, for
        random definitions (nearly all flawed) and for valid ones changed in one place
        (about half flawed, close to the line)."""
        assert is_honest(fields) == (build(fields) is not None)

    @given(honest_definitions())
    def test_built_definitions_are_honest(self, fields):
        """The generator of valid definitions agrees with `is_honest` (so the properties
        below run on definitions that do build)."""
        assert (True, True) == (is_honest(fields), build(fields) is not None)

    @given(honest_definitions())
    def test_final_means_no_event_and_every_state_can_come_to_rest(self, fields):
        """In any definition that builds, the final states are exactly those with no
        allowed event, and `fire` from any state reaches a final or resting state."""
        lc = Lifecycle(**fields)
        can_rest = set(lc.final | lc.resting)
        while (grown := can_rest | {s for s in lc.states for e in lc.allowed(s)
                                    if lc.fire("t-1", s, e) in can_rest}) != can_rest:
            can_rest = grown
        assert (lc.final, set(lc.states)) == (
            {s for s in lc.states if not lc.allowed(s)}, can_rest)

    @given(honest_definitions(), st.data())
    def test_fire_agrees_with_the_machine_on_any_definition(self, fields, data):
        """For any definition that builds, `fire` and transitions' `Event.trigger` give
        the same destination or the same refusal, from every state, for any event name."""
        lc = Lifecycle(**fields)
        state = data.draw(st.sampled_from(lc.states))
        event = data.draw(st.sampled_from((*EVENT_NAMES, "frobnicate")))

        def outcome(fire):
            try:
                return fire("t-1", state, event)
            except InvalidTransitionError as exc:
                return type(exc), str(exc), exc.allowed
        assert outcome(lambda *a: machine_fire(lc, *a)) == outcome(lc.fire)
