"""The reference :meth:`Lifecycle.fire` is checked against: ``transitions`` itself.

``Lifecycle.fire`` answers from a table the shared machine compiled at import and asks
guards directly (under 1 µs). :func:`machine_fire` asks the same shared machine the slow,
obvious way, through ``Event.trigger`` (12-25 µs): which events the machine knows from the
state, whether the guard's condition lets the transition run, and where it lands. The
tests require the two to give the same destination, or the same error with the same
message, for every state, event and guard outcome.

It lived on ``Lifecycle`` as ``machine_fire`` until the lifecycle definition was made
honest (issue 12): it is a test oracle, not something a host calls.
"""

from __future__ import annotations

from typing import Any

from dialogue_flow import InvalidInputError, InvalidTransitionError, Lifecycle
from dialogue_flow._lifecycle import StateRefusal


class _Work:
    """The mutable object the machine drives; its guard condition writes ``refusal``."""

    __slots__ = ("refusal", "state")

    def __init__(self, state: str) -> None:
        self.state = state
        self.refusal: str | None = None


def machine_fire(lc: Lifecycle, record_id: str, state: str, event: str,
                 **arguments: Any) -> str:
    """``lc.fire(record_id, state, event, **arguments)`` answered by ``Event.trigger``.

    The allowed events come from the machine (``get_triggers``), not from the lifecycle's
    own table, so a disagreement between the two shows up as a different error.

    :raises InvalidTransitionError: the machine has no transition for ``event`` from ``state``.
    :raises InvalidInputError: the guard's condition stopped the transition.
    :raises InvalidTransitionError: also when the guard refused because of the state.
    """
    machine = lc._machine
    source = str(state)  # transitions reads Enum members by name, not value
    allowed = tuple(sorted(machine.get_triggers(source)))
    if event not in allowed:
        raise InvalidTransitionError(lc.kind, record_id, state, event, allowed)
    work = _Work(source)
    if not machine.events[event].trigger(work, **arguments):
        spec = lc.event(event)
        if isinstance(work.refusal, StateRefusal):
            raise InvalidTransitionError(lc.kind, record_id, state, event, allowed,
                                         detail=work.refusal)
        raise InvalidInputError(spec.guard_field or event, work.refusal or "refused")
    return work.state
