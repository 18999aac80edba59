"""The office's screens, as data for the templates: the dashboard of an organisation's
matters due soon and overdue, a matter's page (its deadline, history and the forms of the
commands its state allows), and running those commands from a submitted form.

A matter's page offers a form for a command only when the library says it is available
to the logged-in actor now (``flow.available_commands``: the submission lifecycle allows
it from the current state, the role policy grants it, and no rule known before running
refuses it, such as reopening a matter of a completed dialogue). The command still checks
everything when it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from dialogue_flow import (
    SUBMISSION,
    Actor,
    CloseReason,
    DialogueFlow,
    InvalidInputError,
    NotFoundError,
    Organisation,
    Submission,
    TransitionRecord,
)
from dialogue_flow.storage import OPEN_WITH_CLOCK

from . import _forms as forms

__all__ = ["COMMANDS", "Dashboard", "Group", "MatterPage", "close_outcomes", "dashboard",
           "in_scope", "matter_page", "offered_commands", "run_command"]

#: The commands a matter's page offers, in the order its forms are shown.
COMMANDS = ("answer", "assign", "escalate", "extend", "close", "reopen")

#: At most this many matters in each list of the dashboard (its total is shown).
LIST_LIMIT = 200


@attrs.frozen
class Group:
    """The matters of one department or body (``name`` ``None``: nobody named yet)."""

    name: str | None
    matters: tuple[Submission, ...]


@attrs.frozen
class Dashboard:
    """An organisation's matters overdue and due soon, grouped by who must answer."""

    organisation: Organisation
    today: dt.date
    due_soon_until: dt.date
    overdue: tuple[Group, ...]
    overdue_total: int
    due_soon: tuple[Group, ...]
    due_soon_total: int


@attrs.frozen
class MatterPage:
    """What a matter's page shows."""

    submission: Submission
    history: tuple[TransitionRecord, ...]
    commands: tuple[str, ...]
    close_outcomes: tuple[str, ...]
    #: Organisations a matter may be escalated to (every stored one but its own).
    organisations: tuple[Organisation, ...]
    #: The known departments and bodies of its organisation (suggestions for assign).
    bodies: tuple[str, ...]
    #: Whether the actor's role may read the petitioner (an access-logged read).
    may_read_identity: bool
    #: Every stored organisation's name by id (the history's details name them).
    names: Mapping[str, str]


def offered_commands(flow: DialogueFlow, actor: Actor, s: Submission) -> tuple[str, ...]:
    """The commands of :data:`COMMANDS` the matter's page offers ``actor`` for ``s``: those
    the library says are available now (``flow.available_commands``)."""
    available = set(flow.available_commands(s, actor=actor))
    return tuple(c for c in COMMANDS if c in available)


def close_outcomes(state: str) -> tuple[str, ...]:
    """The outcomes a matter in ``state`` may be closed with (the close event's own guard
    decides; a return has its own command)."""
    spec = SUBMISSION.event("close")
    if str(state) not in spec.sources:
        return ()
    guard = spec.guard
    return tuple(r.value for r in CloseReason if r is not CloseReason.RETURNED and (
        guard is None or guard({"source": str(state), "reason": r}) is None))


def _grouped(matters: tuple[Submission, ...]) -> tuple[Group, ...]:
    groups: dict[str | None, list[Submission]] = {}
    for s in matters:
        groups.setdefault(s.responsible, []).append(s)
    names = sorted(groups, key=lambda n: (n is not None, n or ""))
    return tuple(Group(n, tuple(groups[n])) for n in names)


def dashboard(flow: DialogueFlow, actor: Actor, due_soon_days: int) -> Dashboard:
    """The dashboard of ``actor``'s organisation: its open matters past their due date, and
    those due from today to ``due_soon_days`` working days on, by due date."""
    org_id = actor.organisation_id
    today = flow.clock.today()
    until = flow.calendar_of(org_id).add_working_days(today, due_soon_days)
    overdue = flow.submissions(organisation=org_id, overdue_as_of=today, order_by="due",
                               limit=LIST_LIMIT)
    soon = flow.submissions(organisation=org_id, state=OPEN_WITH_CLOCK, order_by="due",
                            due_on_or_after=today, due_on_or_before=until, limit=LIST_LIMIT)
    return Dashboard(flow.organisation(org_id), today, until,
                     _grouped(overdue.items), overdue.total or 0,
                     _grouped(soon.items), soon.total or 0)


def in_scope(flow: DialogueFlow, actor: Actor, s: Submission) -> bool:
    """Whether ``actor`` may see ``s``: a matter of its organisation or of one under it."""
    if s.organisation_id == actor.organisation_id:
        return True
    try:
        under = flow.organisations(under=actor.organisation_id)
    except NotFoundError:  # the actor's organisation is not stored: nothing is under it
        return False
    return any(o.id == s.organisation_id for o in under)


def matter_page(flow: DialogueFlow, s: Submission, actor: Actor) -> MatterPage:
    """The page of ``s`` for ``actor``: its history and the forms they may use now."""
    orgs = flow.organisations()
    own = next((o for o in orgs if o.id == s.organisation_id), None)
    return MatterPage(
        submission=s, history=tuple(flow.history(s)),
        commands=offered_commands(flow, actor, s), close_outcomes=close_outcomes(s.state),
        organisations=tuple(o for o in orgs if o.id != s.organisation_id),
        bodies=own.bodies if own is not None else (),
        may_read_identity=flow.permits(actor, "read_identity", s),
        names={o.id: o.name for o in orgs})


def run_command(flow: DialogueFlow, actor: Actor, submission_id: str, command: str,
                form: Mapping[str, Any]) -> Submission:
    """Run ``command`` on the matter with the submitted ``form``'s fields, as ``actor``,
    expecting the version the form carries.

    :raises InvalidInputError: a field is missing or wrong (naming it).
    :raises VersionConflictError: the matter changed since the page was shown.
    :raises PermissionDeniedError: the role policy does not grant it to ``actor``.
    """
    version = forms.version(form, "matter")
    complex_matter = form.get("complex") == "on"
    if command == "answer":
        return flow.answer(submission_id, text=forms.text(form, "text"), actor=actor,
                           mode=forms.optional(form, "mode"), expected_version=version)
    if command == "assign":
        return flow.assign(submission_id, department=forms.text(form, "department"), actor=actor,
                           complex=complex_matter, expected_version=version)
    if command == "escalate":
        return flow.escalate(submission_id, actor=actor, to=forms.optional(form, "to"),
                             body=forms.optional(form, "body"),
                             competent_level=forms.optional(form, "competent_level"),
                             complex=complex_matter, expected_version=version)
    if command == "extend":
        return flow.extend(submission_id, until=forms.day(form, "until"),
                           reason=forms.text(form, "reason"), actor=actor,
                           expected_version=version)
    if command == "close":
        outcome = forms.text(form, "outcome")
        if not outcome:
            raise InvalidInputError("outcome", "choose how the matter ends")
        return flow.close(submission_id, outcome=outcome, actor=actor,
                          duplicate_of=forms.optional(form, "duplicate_of"),
                          note=forms.optional(form, "note"), expected_version=version)
    if command == "reopen":
        return flow.reopen(submission_id, reason=forms.text(form, "reason"), actor=actor,
                           expected_version=version)
    raise InvalidInputError("command", f"not a command of this page: {command!r}")
