"""The three lifecycles, declared once as data and executed by ``transitions``.

The declarations below (:data:`SUBMISSION`, :data:`DIALOGUE` and :data:`RECEPTION`, the
citizen reception day) drive everything: the
one shared ``transitions.Machine`` per lifecycle, which compiles them into the table of
outcomes :meth:`Lifecycle.fire` answers from (each guard, a pure function, is asked on
every call; the test suite runs ``Event.trigger`` itself and checks the two agree), the
validation of the definition when the module is imported, the error messages (which
events are allowed from a state), the Mermaid diagrams and the state tables in the docs.

"Final" means what it means in python-statemachine: the record's life is over for good and
no event starts from a final state (a completed or cancelled dialogue). A matter that rests
with nothing pending but may be taken up again (a closed submission, which ``reopen``
sends back to received) is in a *resting* state instead. A lifecycle declares both sets;
validation refuses an event from a final state, a resting state nothing leaves, and any
reachable state with no path to a final or resting state (a trap).

Why one shared machine driven on a throw-away working object (measured on transitions
0.9.3; docs/benchmarks.md): a machine per record costs 156-345 µs and 13-29 KiB each, and
``add_model`` on records scans linearly, cannot decorate frozen or slotted classes and
overwrites a loaded state with ``initial``. Guards are pure functions of the command's
arguments; there is no I/O in callbacks, because transitions does not roll back a state
change when a callback raises: the façade computes the transition, then commits once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from transitions import Machine

from ._errors import ConfigurationError, InvalidInputError, InvalidTransitionError
from ._reception_records import ReceptionState
from ._records import CloseReason, DialogueState, SubmissionState

__all__ = ["DIALOGUE", "RECEPTION", "SUBMISSION", "EventSpec", "Lifecycle"]

#: A guard looks at the command's arguments and returns why the event is refused, or None.
Guard = Callable[[Mapping[str, Any]], str | None]


class StateRefusal(str):
    """A guard's refusal caused by the record's current state, not by the arguments (the
    same arguments would pass from another state): raised as
    :class:`InvalidTransitionError`, so a host does not blame the user for a race."""

    __slots__ = ()


@attrs.frozen
class EventSpec:
    """One event of a lifecycle: from which states, to which state, and what it means."""

    name: str
    sources: tuple[str, ...]
    #: ``None`` for an internal event: the record changes but its state does not.
    dest: str | None
    doc: str
    #: The argument a refusal by ``guard`` is about (for :class:`InvalidInputError`).
    guard_field: str = ""
    guard: Guard | None = attrs.field(default=None, eq=False)


class _Work:
    """The throw-away mutable object the shared machine drives for one event."""

    __slots__ = ("refusal", "state")

    def __init__(self, state: str) -> None:
        self.state = state
        self.refusal: str | None = None


@attrs.frozen
class Lifecycle:
    """A validated lifecycle with its single shared ``transitions`` machine.

    :raises ConfigurationError: when built from a definition with an undeclared state, an
        event declared twice from one state, an event from a final state, a resting state
        that no event leaves, an unreachable state or a trap; the message names each flaw.
    """

    kind: str
    states: tuple[str, ...]
    initial: str
    #: The event that creates a record in ``initial`` (recorded in the audit trail).
    creation_event: str
    #: States that end the record's life for good: no event starts from a final state.
    final: frozenset[str]
    events: tuple[EventSpec, ...]
    labels: Mapping[str, tuple[str, str]] = attrs.field(factory=dict)
    #: States where a matter rests with nothing pending, yet an event may take it up again
    #: (a closed submission is reopened). Each must have an event that leaves it.
    resting: frozenset[str] = attrs.field(default=frozenset(), kw_only=True)
    _machine: Machine = attrs.field(init=False, eq=False, repr=False)
    _allowed: Mapping[str, tuple[str, ...]] = attrs.field(init=False, eq=False, repr=False)
    _outcomes: Mapping[tuple[str, str], str] = attrs.field(init=False, eq=False, repr=False)
    _guards: Mapping[str, EventSpec] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _validate(self)
        machine = Machine(
            model=None,
            states=[{"name": s, "final": s in self.final} for s in self.states],
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
            transitions=[
                {
                    "trigger": e.name,
                    "source": list(e.sources),
                    "dest": e.dest,
                    "conditions": [_condition(e.guard)] if e.guard else [],
                }
                for e in self.events
            ],
        )
        allowed = {
            state: tuple(sorted(e.name for e in self.events if state in e.sources))
            for state in self.states
        }
        object.__setattr__(self, "_machine", machine)
        object.__setattr__(self, "_allowed", allowed)
        object.__setattr__(self, "_outcomes", _compiled_outcomes(machine, self.events))
        object.__setattr__(self, "_guards", {e.name: e for e in self.events if e.guard})

    def allowed(self, state: str) -> tuple[str, ...]:
        """The events allowed from ``state``, sorted."""
        return self._allowed[state]

    def event(self, name: str) -> EventSpec:
        for spec in self.events:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def fire(self, record_id: str, state: str, event: str, **arguments: Any) -> str:
        """Run ``event`` from ``state`` and return the resulting state.

        The destination comes from the table the shared machine compiled at import
        (:func:`_compiled_outcomes`); a guarded event first asks its guard, the same pure
        function the machine's condition wraps. The tests run the machine's own
        ``Event.trigger`` beside it (``tests/lifecycle_oracle.py``) and check every state,
        event and guard outcome agree.

        :raises InvalidTransitionError: the event is not allowed from ``state``.
        :raises InvalidInputError: a guard refused the command's arguments.
        :raises InvalidTransitionError: also when a guard refused because of the state
            (a :class:`StateRefusal`).
        """
        dest = self._outcomes.get((state, event))
        if dest is None:
            raise InvalidTransitionError(self.kind, record_id, state, event,
                                         self._allowed[state])
        spec = self._guards.get(event)
        if spec is not None:
            refusal = spec.guard({"source": str(state), **arguments})  # type: ignore[misc]
            if isinstance(refusal, StateRefusal):
                raise InvalidTransitionError(self.kind, record_id, state, event,
                                             self._allowed[state], detail=refusal)
            if refusal is not None:
                raise InvalidInputError(spec.guard_field or event, refusal)
        return dest

    def mermaid(self) -> str:
        """The lifecycle as a Mermaid ``stateDiagram-v2``, generated from the declaration.

        A final state ends at ``[*]``; a resting state carries a note naming the events
        that take it up again (it is not an end: those events leave it).
        """
        from transitions.extensions.diagrams import GraphMachine  # noqa: PLC0415

        graph = GraphMachine(
            model=None,
            states=list(self.states),
            initial=self.initial,
            auto_transitions=False,
            graph_engine="mermaid",
            title=f"{self.kind} lifecycle",
            transitions=[
                {"trigger": e.name, "source": list(e.sources), "dest": e.dest or e.sources}
                for e in self.events
                if e.dest is not None
            ]
            + [
                {"trigger": e.name, "source": s, "dest": s}
                for e in self.events
                if e.dest is None
                for s in e.sources
            ],
        )

        class _Model:
            pass

        model = _Model()
        graph.add_model(model)
        text: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
        # Drop the styling of the "current" state: a definition has no current state.
        lines = [
            line for line in text.splitlines()
            if not line.strip().startswith(("Class ", "classDef "))
        ]
        lines += [f"  {state} --> [*]" for state in sorted(self.final)]
        lines += [f"  note right of {state} : resting, taken up again by "
                  + " or ".join(_leaving(self.events, state))
                  for state in sorted(self.resting)]
        return "\n".join(lines).strip() + "\n"

    def table(self) -> str:
        """A Markdown table of the events: from, to, meaning."""
        rows = ["| event | from | to | meaning |", "|---|---|---|---|"]
        rows.append(f"| {self.creation_event} | (new) | {self.initial} | creates the record |")
        for e in self.events:
            dest = e.dest if e.dest is not None else "(unchanged)"
            rows.append(f"| {e.name} | {', '.join(e.sources)} | {dest} | {e.doc} |")
        return "\n".join(rows) + "\n"


def _compiled_outcomes(machine: Machine, events: tuple[EventSpec, ...],
                       ) -> dict[tuple[str, str], str]:
    """Every (source, event) -> destination, as the shared machine decides it.

    The machine has no callbacks, so a transition depends on nothing but its source and,
    for a guarded event, on the guard's verdict: :meth:`Lifecycle.fire` answers from this
    table (a dict lookup instead of 12-25 µs in ``Event.trigger``, measured by
    ``benchmarks/lifecycle.py``). Unguarded events are run once through the machine;
    a guarded one is read from the machine's compiled transition (validation allows one
    transition per (event, source), so the guard is the only thing left to decide).
    """
    outcomes: dict[tuple[str, str], str] = {}
    for spec in events:
        for source in spec.sources:
            if spec.guard is not None:
                compiled = machine.events[spec.name].transitions[source]
                if len(compiled) != 1:  # pragma: no cover - _validate refuses duplicates
                    raise ConfigurationError(f"event {spec.name!r} from {source!r} has "
                                             f"{len(compiled)} transitions")
                outcomes[(source, spec.name)] = compiled[0].dest or source
                continue
            work = _Work(source)
            if not machine.events[spec.name].trigger(work):  # pragma: no cover - no guard
                raise ConfigurationError(f"event {spec.name!r} refused from {source!r}")
            outcomes[(source, spec.name)] = work.state
    return outcomes


def _condition(guard: Guard) -> Callable[[Any], bool]:
    def condition(event_data: Any) -> bool:
        refusal = guard({"source": event_data.model.state, **event_data.kwargs})
        event_data.model.refusal = refusal
        return refusal is None

    return condition


def _validate(lc: Lifecycle) -> None:
    """Reject a definition that says something it does not do.

    Undeclared states and events declared twice from one state are reported first (the
    graph checks below would be meaningless). Then, all together: an event starting from a
    final state, a resting state that no event leaves, a state declared both, an
    unreachable state, and a trap (a reachable state with no path to a final or resting
    state).
    """
    problems = _undeclared(lc)
    if not problems:
        problems = _ends(lc) + _unreachable_or_trapped(lc)
    if problems:
        raise ConfigurationError(f"{lc.kind} lifecycle: " + "; ".join(problems))


def _undeclared(lc: Lifecycle) -> list[str]:
    known = set(lc.states)
    problems: list[str] = []
    if lc.initial not in known:
        problems.append(f"initial state {lc.initial!r} is not declared")
    problems += [f"final state {s!r} is not declared" for s in sorted(lc.final - known)]
    problems += [f"resting state {s!r} is not declared" for s in sorted(lc.resting - known)]
    seen: set[tuple[str, str]] = set()
    for e in lc.events:
        problems += [f"event {e.name!r} starts from undeclared state {s!r}"
                     for s in e.sources if s not in known]
        for s in e.sources:  # one at a time: a source listed twice in one event counts too
            if (e.name, s) in seen:
                problems.append(f"event {e.name!r} is declared twice from {s!r}")
            seen.add((e.name, s))
        if e.dest is not None and e.dest not in known:
            problems.append(f"event {e.name!r} leads to undeclared state {e.dest!r}")
    return problems


def _ends(lc: Lifecycle) -> list[str]:
    """Final and resting states are what they say (python-statemachine's meaning of final)."""
    if not lc.final and not lc.resting:
        return ["no final or resting state is declared, so every state would be a trap"]
    problems = [f"state {s!r} is declared both final and resting: a final state ends the "
                f"record's life, a resting one is left again by an event"
                for s in sorted(lc.final & lc.resting)]
    for state in sorted(lc.final - lc.resting):
        starting = sorted({e.name for e in lc.events if state in e.sources})
        if starting:
            problems.append(
                f"final state {state!r} has events starting from it ({', '.join(starting)}): "
                f"no event may start from a final state; declare it resting if the record "
                f"may be taken up again")
    problems += [f"resting state {state!r} has no event that leaves it: declare it final if "
                 f"the record's life ends there"
                 for state in sorted(lc.resting - lc.final) if not _leaving(lc.events, state)]
    return problems


def _leaving(events: tuple[EventSpec, ...], state: str) -> list[str]:
    """The events that move a record out of ``state``, sorted."""
    return sorted({e.name for e in events if state in e.sources and e.dest not in (None, state)})


def _unreachable_or_trapped(lc: Lifecycle) -> list[str]:
    edges: dict[str, set[str]] = {s: set() for s in lc.states}
    for e in lc.events:
        for s in e.sources:
            edges[s].add(e.dest or s)
    reachable = _closure({lc.initial}, edges)
    ends = lc.final | lc.resting
    problems: list[str] = []
    for state in lc.states:
        if state not in reachable:
            problems.append(f"state {state!r} cannot be reached from {lc.initial!r}")
        elif ends and not _closure({state}, edges) & ends:  # no ends: _ends said so
            problems.append(f"state {state!r} is a trap: no path from it to a final or "
                            f"resting state")
    return problems


def _closure(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(start)
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# --- the submission lifecycle ------------------------------------------------------------

_R, _AN, _AS, _E, _C = (s.value for s in SubmissionState)

#: Which close reasons make sense from which state (docs/domain.md, "The submission").
CLOSE_REASONS: Mapping[str, frozenset[CloseReason]] = {
    _R: frozenset({CloseReason.WITHDRAWN, CloseReason.DUPLICATE, CloseReason.SETTLED_AT_MEETING,
                   CloseReason.RETURNED}),
    _AN: frozenset({CloseReason.ACCEPTED, CloseReason.WITHDRAWN, CloseReason.DUPLICATE,
                    CloseReason.SETTLED_AT_MEETING, CloseReason.ANSWERED_BY_COMPETENT_LEVEL}),
    _AS: frozenset({CloseReason.WITHDRAWN, CloseReason.DUPLICATE, CloseReason.RETURNED}),
    _E: frozenset({CloseReason.WITHDRAWN, CloseReason.DUPLICATE,
                   CloseReason.ANSWERED_BY_COMPETENT_LEVEL}),
}


def _close_guard(arguments: Mapping[str, Any]) -> str | None:
    source, reason = arguments["source"], arguments.get("reason")
    allowed = CLOSE_REASONS[source]
    if reason in allowed:
        return None
    choices = ", ".join(sorted(r.value for r in allowed))
    refusal = (f"a submission that is {source} cannot be closed as {reason}; "
               f"allowed outcomes from {source}: {choices}")
    # A reason fit for another state (accepted, after a reopen): the state refused it.
    if any(reason in reasons for reasons in CLOSE_REASONS.values()):
        return StateRefusal(refusal)
    return refusal


SUBMISSION = Lifecycle(
    kind="submission",
    states=tuple(s.value for s in SubmissionState),
    initial=_R,
    creation_event="receive",
    # A closed submission is not final: the petitioner may not be satisfied (reopen).
    final=frozenset(),
    resting=frozenset({_C}),
    labels={
        _R: ("Tiếp nhận", "Received"),
        _AN: ("Đã trả lời", "Answered"),
        _AS: ("Giao xử lý", "Assigned"),
        _E: ("Chuyển cấp có thẩm quyền", "Escalated"),
        _C: ("Kết thúc", "Closed"),
    },
    events=(
        EventSpec("prepare", (_R,), None,
                  "route an opinion collected beforehand to a department to prepare the "
                  "answer for the meeting (no legal clock)"),
        EventSpec("accept", (_R,), None,
                  "tell the petitioner the matter was accepted for handling: the processing "
                  "clock is met and the answer clock starts"),
        EventSpec("answer", (_R, _AS, _E), _AN,
                  "the chair or the responsible department answers, on the spot or in writing"),
        EventSpec("assign", (_R, _AS, _E), _AS,
                  "the chair directs a department to resolve it (again from assigned: "
                  "re-assign; from escalated: handed back by the competent level)"),
        EventSpec("escalate", (_R, _AS), _E,
                  "beyond this level's authority: forwarded to the named competent level"),
        EventSpec("extend", (_AS, _E), None,
                  "a complex matter gets a later due date, with a notice to the petitioner"),
        EventSpec("close", (_R, _AN, _AS, _E), _C,
                  "settled: accepted, withdrawn, duplicate or settled at the meeting",
                  guard_field="outcome", guard=_close_guard),
        EventSpec("reopen", (_AN, _C), _R,
                  "the petitioner is not satisfied; the chair decides again"),
        EventSpec("return", (_E,), _R,
                  "the organisation it was escalated to hands it back (within this level's "
                  "authority); its clock resumes"),
        EventSpec("detach", (_R, _AN, _AS, _E), None,
                  "repair: an open matter left out of its dialogue's conclusion notice is "
                  "handled on its own, outside the dialogue (dialogue-flow check)"),
        EventSpec("mark_confidential", (_R, _AN, _AS, _E, _C), None,
                  "the petitioner's identity is protected from now on (a denunciation is "
                  "from the start): withheld from every reader the policy does not name"),
    ),
)

# --- the dialogue lifecycle --------------------------------------------------------------

_P, _AO, _H, _CO, _CP, _CA = (s.value for s in DialogueState)


def _complete_guard(arguments: Mapping[str, Any]) -> str | None:
    still_open = arguments.get("open_submissions", ())
    if still_open:
        return "submissions still open: " + ", ".join(sorted(still_open))
    return None


DIALOGUE = Lifecycle(
    kind="dialogue",
    states=tuple(s.value for s in DialogueState),
    initial=_P,
    creation_event="plan",
    final=frozenset({_CP, _CA}),
    labels={
        _P: ("Kế hoạch", "Planned"),
        _AO: ("Đã thông báo", "Announced"),
        _H: ("Đã tổ chức", "Held"),
        _CO: ("Đã thông báo kết luận", "Concluded"),
        _CP: ("Hoàn thành", "Completed"),
        _CA: ("Hủy", "Cancelled"),
    },
    events=(
        EventSpec("announce", (_P,), _AO,
                  "the office announces it to the People, at least 7 days ahead"),
        EventSpec("reschedule", (_P, _AO), _P,
                  "move the date; a new announcement is required"),
        EventSpec("cancel", (_P, _AO), _CA, "called off, with a reason"),
        EventSpec("hold", (_AO,), _H, "the dialogue took place"),
        EventSpec("conclude", (_H,), _CO,
                  "the chair's conclusion notice is issued (within 10 days)"),
        EventSpec("complete", (_CO,), _CP,
                  "every submission raised at it is closed",
                  guard_field="dialogue", guard=_complete_guard),
    ),
)

# --- the citizen reception day lifecycle ----------------------------------------------------

_S, _RA, _RH, _RC = (s.value for s in ReceptionState)

RECEPTION = Lifecycle(
    kind="reception_day",
    states=tuple(s.value for s in ReceptionState),
    initial=_S,
    creation_event="schedule",
    final=frozenset({_RH, _RC}),
    labels={
        _S: ("Ấn định", "Scheduled"),
        _RA: ("Đã thông báo", "Announced"),
        _RH: ("Đã tiếp công dân", "Held"),
        _RC: ("Hủy", "Cancelled"),
    },
    events=(
        EventSpec("announce", (_S,), _RA,
                  "the office announces the day publicly, before it comes"),
        EventSpec("hold", (_RA,), _RH,
                  "the head (or a delegate) received citizens: who received, how many came"),
        EventSpec("cancel", (_S, _RA), _RC,
                  "called off, with a reason; a replacement day may be scheduled with it"),
    ),
)
