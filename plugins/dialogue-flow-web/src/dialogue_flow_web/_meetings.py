"""The meetings' screens: an organisation's dialogues with their deadlines, planning one,
the commands its state allows (announce, reschedule, cancel, hold, conclude), the intake
desk's form recording opinions while the meeting runs, and the announcement and the
conclusion notice as .docx files when dialogue-flow-docx is installed.

A dialogue's page offers a command's form only when the library says it is available to
the logged-in actor now (``flow.available_commands``: the dialogue lifecycle allows it and
the role policy grants it); the plan form, the intake form (``receive``) and the documents
(``issue_document``) only when the role policy grants them (``flow.permits``). The
commands still check when they run. Every form carries the CSRF token and the version the
page showed (a stale one is HTTP 409). The intake form answers with a redirect back to the
page (one POST, then a GET), so a clerk types the next opinion at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dialogue_flow import (
    DIALOGUE,
    Actor,
    ConfigurationError,
    Dialogue,
    DialogueFlow,
    DialogueState,
    InvalidInputError,
    NotFoundError,
    Submission,
)

from . import _forms as forms
from ._words import LANGUAGES

if TYPE_CHECKING:
    from ._app import _Web

__all__ = ["DIALOGUE_COMMANDS", "DOCUMENTS", "MeetingPage", "meeting_routes"]

#: The commands a dialogue's page offers, in the order its forms are shown.
DIALOGUE_COMMANDS = ("announce", "hold", "conclude", "reschedule", "cancel")

#: The documents a dialogue's page offers, with the state from which each exists.
DOCUMENTS = {"announcement": (DialogueState.ANNOUNCED, DialogueState.HELD,
                              DialogueState.CONCLUDED, DialogueState.COMPLETED),
             "conclusion_notice": (DialogueState.CONCLUDED, DialogueState.COMPLETED)}

#: The states in which the intake desk records opinions at the dialogue.
INTAKE_STATES = (DialogueState.ANNOUNCED, DialogueState.HELD)

#: At most this many dialogues on the list, and opinions on a dialogue's page.
LIST_LIMIT = 200

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@attrs.frozen
class MeetingPage:
    """What a dialogue's page shows."""

    dialogue: Dialogue
    commands: tuple[str, ...]
    documents: tuple[str, ...]
    intake: bool
    opinions: tuple[Submission, ...]
    opinions_total: int


def dialogue_label(state: str, language: str) -> str:
    """The label of a dialogue's state in ``language``."""
    pair = DIALOGUE.labels.get(str(state))
    if pair is None:
        return str(state)
    return pair[LANGUAGES.index(language)] if language in LANGUAGES else pair[0]


def _own(flow: DialogueFlow, actor: Actor, dialogue_id: str) -> Dialogue:
    """The dialogue, if it is of ``actor``'s organisation (else not found)."""
    d = flow.dialogue(dialogue_id)
    if d.organisation_id != actor.organisation_id:
        raise NotFoundError("dialogue", dialogue_id)
    return d


def meeting_page(flow: DialogueFlow, d: Dialogue, actor: Actor) -> MeetingPage:
    """The page of ``d`` for ``actor``: the forms they may use in its state and the opinions
    recorded at it."""
    available = set(flow.available_commands(d, actor=actor))
    found = flow.submissions(dialogue_id=d.id, limit=LIST_LIMIT)
    documents: tuple[str, ...] = ()
    if flow.permits(actor, "issue_document", d):
        documents = tuple(k for k, states in DOCUMENTS.items() if d.state in states)
    return MeetingPage(
        dialogue=d, documents=documents,
        commands=tuple(c for c in DIALOGUE_COMMANDS if c in available),
        intake=d.state in INTAKE_STATES and flow.permits(actor, "receive"),
        opinions=tuple(found.items), opinions_total=found.total or len(found.items))


def plan(flow: DialogueFlow, actor: Actor, form: Mapping[str, str]) -> Dialogue:
    """Plan a dialogue from the plan form (topics one a line or comma-separated)."""
    topics = [t.strip() for t in forms.text(form, "topics").replace(",", "\n").splitlines()]
    return flow.plan_dialogue(scheduled_for=forms.day(form, "scheduled_for"),
                              title=forms.text(form, "title"), actor=actor,
                              venue=forms.text(form, "venue") or None,
                              topics=[t for t in topics if t])


def run_dialogue_command(flow: DialogueFlow, actor: Actor, dialogue_id: str, command: str,
                         form: Mapping[str, str]) -> Dialogue:
    """Run ``command`` on the dialogue as ``actor``, expecting the form's version.

    :raises InvalidInputError: a field is missing or wrong (naming it).
    :raises VersionConflictError: the dialogue changed since the page was shown.
    :raises PermissionDeniedError: the role policy does not grant it to ``actor``.
    """
    d = _own(flow, actor, dialogue_id)
    version = forms.version(form, "dialogue")
    if command == "announce":
        return flow.announce(d.id, actor=actor, on=forms.optional_day(form, "on"),
                             expected_version=version)
    if command == "hold":
        return flow.hold(d.id, actor=actor, on=forms.optional_day(form, "on"),
                         actual_attendance=forms.count(form, "actual_attendance"),
                         expected_version=version)
    if command == "conclude":
        return flow.conclude(d.id, actor=actor, on=forms.optional_day(form, "on"),
                             expected_version=version)
    if command == "reschedule":
        return flow.reschedule(d.id, scheduled_for=forms.day(form, "scheduled_for"), actor=actor,
                               reason=forms.text(form, "reason"), expected_version=version)
    if command == "cancel":
        return flow.cancel(d.id, actor=actor, reason=forms.text(form, "reason"),
                           expected_version=version)
    raise InvalidInputError("command", f"not a command of this page: {command!r}")


def record_opinion(flow: DialogueFlow, actor: Actor, dialogue_id: str,
                   form: Mapping[str, str]) -> Submission:
    """Record an opinion spoken or handed in at the dialogue (name and phone optional)."""
    d = _own(flow, actor, dialogue_id)
    who = forms.petitioner(form, "name", "phone")
    return flow.receive(petitioner=who, topic=forms.text(form, "topic"),
                        content=forms.text(form, "content"), actor=actor, dialogue=d.id,
                        channel=forms.text(form, "channel") or "spoken")


class _Meetings:
    """The meetings' pages, over the web host's helpers."""

    def __init__(self, web: _Web) -> None:
        self.web = web

    async def listing(self, request: Request) -> Response:
        web = self.web
        user = web.user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if request.method == "POST":
            return await web.submit(request, plan, lambda made: f"/meetings/{made.id}")

        def read(flow: DialogueFlow) -> tuple[list[Dialogue], dt.date, bool]:
            found = flow.dialogues(organisation=user.actor.organisation_id,
                                   limit=LIST_LIMIT)
            latest_first = sorted(found.items, key=lambda d: (d.scheduled_for, d.id),
                                  reverse=True)
            return latest_first, flow.clock.today(), flow.permits(user.actor, "plan")

        dialogues, today, may_plan = await web.run(read)
        return web.page(request, "meetings.html", dialogues=dialogues, today=today,
                        may_plan=may_plan, dialogue_label=dialogue_label)

    async def meeting(self, request: Request) -> Response:
        web = self.web
        user = web.user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        dialogue_id = request.path_params["dialogue_id"]
        shown = await web.run(lambda f: meeting_page(f, _own(f, user.actor, dialogue_id),
                                                     user.actor))
        return web.page(request, "meeting.html", meeting=shown,
                        dialogue_label=dialogue_label)

    async def command(self, request: Request) -> Response:
        dialogue_id = request.path_params["dialogue_id"]
        name = request.path_params["command"]
        if name not in DIALOGUE_COMMANDS:
            return self.web.error(request, 404, "not_found")
        return await self.web.submit(
            request, lambda f, actor, fields: run_dialogue_command(f, actor, dialogue_id,
                                                                   name, fields),
            lambda _d: f"/meetings/{dialogue_id}")

    async def opinion(self, request: Request) -> Response:
        dialogue_id = request.path_params["dialogue_id"]
        # Back with no fragment ("intake"): a URL whose fragment names an element cancels
        # autofocus (HTML's "flush autofocus candidates"), and the clerk would have to click
        # before typing the next opinion; autofocus scrolls the field into view itself.
        return await self.web.submit(
            request, lambda f, actor, fields: record_opinion(f, actor, dialogue_id, fields),
            lambda _s: f"/meetings/{dialogue_id}")

    async def document(self, request: Request) -> Response:
        web = self.web
        posted = await web.posted(request)
        if isinstance(posted, Response):
            return posted
        user, _fields = posted
        dialogue_id = request.path_params["dialogue_id"]
        kind = request.path_params["kind"]
        if kind not in DOCUMENTS:
            return web.error(request, 404, "not_found")
        language = web.language(request)

        def write(flow: DialogueFlow) -> bytes:
            d = _own(flow, user.actor, dialogue_id)
            issued: dict[str, Any] = flow.document(kind, d.id, actor=user.actor,
                                                   language=language)
            return flow.render_document(issued, "docx")

        try:
            data = await web.run(write)
        except ConfigurationError as exc:  # names the plugin to install
            return web.error(request, 501, "mt_needs_docx", str(exc))
        return Response(data, media_type=DOCX, headers={
            "Content-Disposition": f'attachment; filename="{kind}-{dialogue_id}.docx"',
            "X-Content-Type-Options": "nosniff"})


def meeting_routes(web: _Web) -> list[Route]:
    """The routes of the meetings' screens, over the web host's helpers."""
    pages = _Meetings(web)
    return [
        Route("/meetings", pages.listing, methods=["GET", "POST"]),
        Route("/meetings/{dialogue_id}", pages.meeting),
        Route("/meetings/{dialogue_id}/opinions", pages.opinion, methods=["POST"]),
        Route("/meetings/{dialogue_id}/documents/{kind}", pages.document, methods=["POST"]),
        Route("/meetings/{dialogue_id}/{command}", pages.command, methods=["POST"]),
    ]
