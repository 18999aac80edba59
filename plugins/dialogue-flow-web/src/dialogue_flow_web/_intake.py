"""Receiving a matter outside a meeting, and reading its petitioner.

``/matters/new`` is the intake desk's form for an opinion, question, petition, feedback or
denunciation handed in or spoken at the office (``flow.receive`` with no dialogue): the
matter's page it leads to shows the tracking code to give the citizen. A matter's page
offers the roles the library's policy lets read the petitioner (``read_identity``) a button
that shows the name and contacts through ``flow.identity``: each read is recorded in the
library's access log, and a confidential matter's petitioner is given only to the roles its
organisation's policy names (HTTP 403 for the others). The button is a POST, so no link,
prefetch or history entry reads it again by accident, and the page is sent ``no-store``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dialogue_flow import (
    Actor,
    DialogueFlow,
    NotFoundError,
    PermissionDeniedError,
    Petitioner,
    Submission,
    SubmissionKind,
)

from . import _forms as forms
from ._office import in_scope

if TYPE_CHECKING:
    from ._app import _Web

__all__ = ["CHANNELS", "KINDS", "intake_routes", "petitioner_of", "receive_matter"]

#: The channels a matter received at the office comes by (a meeting's opinions are
#: recorded on its page, a reception day's by the reception commands).
CHANNELS = ("written", "spoken", "collected")

#: The kinds of matter, in the order the form offers them.
KINDS = tuple(k.value for k in SubmissionKind)


def receive_matter(flow: DialogueFlow, actor: Actor, form: Mapping[str, str]) -> Submission:
    """Receive the matter of the form as ``actor``, outside any meeting: the petitioner's
    name, address, phone and e-mail are optional (an anonymous matter without them)."""
    return flow.receive(petitioner=forms.petitioner(form, "name", "address", "phone", "email"),
                        topic=forms.text(form, "topic"), content=forms.text(form, "content"),
                        actor=actor, channel=forms.optional(form, "channel") or "written",
                        kind=forms.optional(form, "kind") or SubmissionKind.PETITION,
                        confidential=form.get("confidential") == "on")


def petitioner_of(flow: DialogueFlow, actor: Actor,
                  submission_id: str) -> tuple[Submission, Petitioner]:
    """The matter (as any reader sees it) and its petitioner, read through the library's
    access-logged ``identity``; a matter outside ``actor``'s scope is not found."""
    s = flow.submission(submission_id)
    if not in_scope(flow, actor, s):
        raise NotFoundError("submission", submission_id)
    return s, flow.identity(s, actor=actor)


class _Intake:
    """The intake pages, over the web host's helpers."""

    def __init__(self, web: _Web) -> None:
        self.web = web

    async def new(self, request: Request) -> Response:
        web = self.web
        if request.method == "POST":
            return await web.submit(request, receive_matter, lambda s: f"/matters/{s.id}")
        user = web.user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        actor = user.actor
        if not await web.run(lambda f: f.permits(actor, "receive")):
            raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not receive")
        return web.page(request, "receive.html", channels=CHANNELS, kinds=KINDS)

    async def petitioner(self, request: Request) -> Response:
        web = self.web
        posted = await web.posted(request)
        if isinstance(posted, Response):
            return posted
        user, _fields = posted
        submission_id = request.path_params["submission_id"]
        s, who = await web.run(lambda f: petitioner_of(f, user.actor, submission_id))
        return web.page(request, "petitioner.html", headers={"Cache-Control": "no-store"},
                        matter=s, petitioner=who)


def intake_routes(web: _Web) -> list[Route]:
    """The intake routes; listed before the matter's own (``/matters/{id}``), whose
    patterns would take ``new`` and ``petitioner`` for an id and a command."""
    pages = _Intake(web)
    return [
        Route("/matters/new", pages.new, methods=["GET", "POST"]),
        Route("/matters/{submission_id}/petitioner", pages.petitioner, methods=["POST"]),
    ]
