"""The Starlette application: :func:`create_app`.

Every page is rendered on the server from the package's Jinja2 templates (autoescaped) and
its one stylesheet; nothing is loaded from another host. The flow is opened once, on the
first request, and shared; its calls run in Starlette's thread pool, so a slow commit does
not stall the other requests. Errors the library raises become pages with their status:
a stale version 409 ("changed by someone else, reload"), a refusal of the role policy 403,
bad input 400 with the library's message, never a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any, TypeVar

from jinja2 import Environment, PackageLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dialogue_flow import (
    SUBMISSION,
    Actor,
    DialogueFlow,
    DialogueFlowError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    TransitionVetoedError,
    VersionConflictError,
)

from ._config import User, WebConfig
from ._intake import intake_routes
from ._meetings import meeting_routes
from ._office import COMMANDS, dashboard, in_scope, matter_page, run_command
from ._province import province_routes
from ._security import (
    CSRF_FIELD,
    Passwords,
    SlidingWindow,
    check_csrf,
    csrf_token,
    new_csrf_token,
)
from ._words import LANGUAGES, Words, pick_language

__all__ = ["create_app"]

T = TypeVar("T")

#: Sent with every page: only this host's own stylesheet and forms, never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class _Shared:
    """The flow, opened on first use and shared by every request."""

    def __init__(self, opener: Callable[[], DialogueFlow]) -> None:
        self._opener = opener
        self._flow: DialogueFlow | None = None
        self._lock = threading.Lock()

    def get(self) -> DialogueFlow:
        with self._lock:
            if self._flow is None:
                self._flow = self._opener()
            return self._flow

    def close(self) -> None:
        with self._lock:
            if self._flow is not None:
                self._flow.shutdown()
                self._flow = None


class _Web:
    """The pages of one :class:`WebConfig`."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.shared = _Shared(config.open_flow)
        self.passwords = Passwords({k: u.password_hash for k, u in config.users.items()})
        self.lookups = SlidingWindow(config.lookups_per_minute)
        self.logins = SlidingWindow(config.logins_per_minute)
        self.templates = Environment(loader=PackageLoader("dialogue_flow_web", "templates"),
                                     autoescape=True, trim_blocks=True, lstrip_blocks=True)
        names = {u.actor.id: u.actor.name for u in config.users.values()}
        self.templates.globals.update(
            state_label=_state_label, CSRF_FIELD=CSRF_FIELD, LANGUAGES=LANGUAGES,
            # The history's "by": the name of an actor who logs in here, else the id.
            actor_name=lambda actor_id: names.get(actor_id, actor_id))

    # -- helpers -----------------------------------------------------------------------

    def language(self, request: Request) -> str:
        chosen = request.query_params.get("lang")
        if chosen in LANGUAGES:
            request.session["lang"] = chosen
        return pick_language(request.session.get("lang"), self.config.language)

    def user(self, request: Request) -> User | None:
        login = request.session.get("login")
        return self.config.users.get(login) if isinstance(login, str) else None

    def page(self, request: Request, template: str, status: int = 200,
             headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
        language = self.language(request)
        user = self.user(request)
        html = self.templates.get_template(template).render(
            w=Words(language), lang=language, user=user,
            # Made when a form needs it: a citizen's status page sets no cookie.
            csrf=lambda: csrf_token(request.session),
            # The page the language switch comes back to: a GET's own, a POST's form page.
            path=page_of(request.method, request.url.path), **context)
        # A logged-in page (tracking codes, matters' words) is kept by no cache.
        private = {"Cache-Control": "no-store"} if user is not None else {}
        return HTMLResponse(html, status_code=status,
                            headers={**SECURITY_HEADERS, **private, **(headers or {})})

    def error(self, request: Request, status: int, key: str,
              detail: str | None = None, field: str | None = None) -> HTMLResponse:
        """The error page: the words of ``key``; the form ``field`` the library named, in
        the page's language; the library's own ``detail`` (English) below."""
        return self.page(request, "error.html", status=status, message_key=key,
                         detail=detail, field=field,
                         reload=page_of(request.method, request.url.path))

    async def run(self, call: Callable[[DialogueFlow], T]) -> T:
        """``call(flow)`` in the thread pool (the flow opened on first use)."""
        def work() -> T:
            return call(self.shared.get())
        return await run_in_threadpool(work)

    async def form(self, request: Request) -> dict[str, str] | None:
        """The POSTed form's text fields, or ``None`` when its CSRF token is missing or not
        the session's."""
        async with request.form() as data:
            fields = {k: v for k, v in data.items() if isinstance(v, str)}
        if not check_csrf(request.session, fields.get(CSRF_FIELD)):
            return None
        return fields

    async def posted(self, request: Request) -> tuple[User, dict[str, str]] | Response:
        """The logged-in user and the form of a POST whose CSRF token checks; else the
        answer to send instead: the log-in page, or 403."""
        user = self.user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        fields = await self.form(request)
        if fields is None:
            return self.error(request, 403, "csrf")
        return user, fields

    async def submit(self, request: Request,
                     work: Callable[[DialogueFlow, Actor, dict[str, str]], T],
                     then: Callable[[T], str]) -> Response:
        """A form's command: ``work(flow, actor, fields)`` with the logged-in actor and the
        POSTed form (its CSRF token checked), in the thread pool; then a redirect (303,
        post/redirect/get) to the page ``then(result)`` names. Else the log-in page or
        403; the library's errors become their pages (:meth:`handlers`)."""
        posted = await self.posted(request)
        if isinstance(posted, Response):
            return posted
        user, fields = posted
        done = await self.run(lambda f: work(f, user.actor, fields))
        return RedirectResponse(then(done), status_code=303)

    # -- log-in ------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        if request.method == "GET":
            return self.page(request, "login.html")
        fields = await self.form(request)
        if fields is None:
            return self.error(request, 403, "csrf")
        login = fields.get("login", "").strip()
        client = _client(request)
        # Counted before the check, so a burst of guesses sent at once is limited too;
        # taken back when the password is right (only failures count).
        wait = self.logins.hit(client)
        if wait:
            language = self.language(request)
            return self.page(request, "login.html", status=429, login=login,
                             headers={"Retry-After": str(wait)},
                             problem=Words(language).fmt("too_many_logins", seconds=wait))
        password = fields.get("password", "")
        if not await self.passwords.check_async(login, password):
            return self.page(request, "login.html", status=401, failed=True, login=login)
        self.logins.forgive(client)
        request.session["login"] = login
        new_csrf_token(request.session)
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        if await self.form(request) is None:
            return self.error(request, 403, "csrf")
        language = request.session.get("lang")
        request.session.clear()
        if language in LANGUAGES:
            request.session["lang"] = language
        return RedirectResponse("/login", status_code=303)

    async def switch_language(self, request: Request) -> Response:
        chosen = request.path_params["language"]
        if chosen not in LANGUAGES:
            return self.error(request, 404, "not_found")
        request.session["lang"] = chosen
        back = request.query_params.get("next", "/")
        if not back.startswith("/") or back.startswith("//"):
            back = "/"  # only this host's own pages
        return RedirectResponse(back, status_code=303)

    # -- the office --------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        user = self.user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        board, may_receive = await self.run(lambda f: (
            dashboard(f, user.actor, self.config.due_soon_days),
            f.permits(user.actor, "receive")))
        return self.page(request, "dashboard.html", board=board, may_receive=may_receive,
                         due_soon_days=self.config.due_soon_days)

    async def matter(self, request: Request) -> Response:
        user = self.user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        submission_id = request.path_params["submission_id"]

        def read(flow: DialogueFlow) -> Any:
            s = flow.submission(submission_id)
            if not in_scope(flow, user.actor, s):
                raise NotFoundError("submission", submission_id)
            return matter_page(flow, s, user.actor)

        return self.page(request, "matter.html", matter=await self.run(read))

    async def command(self, request: Request) -> Response:
        submission_id = request.path_params["submission_id"]
        command = request.path_params["command"]
        if command not in COMMANDS:
            return self.error(request, 404, "not_found")
        return await self.submit(
            request, lambda f, actor, fields: run_command(f, actor, submission_id, command,
                                                          fields),
            lambda _s: f"/matters/{submission_id}")

    # -- the citizen -------------------------------------------------------------------

    async def status(self, request: Request) -> Response:
        code = request.query_params.get("code", "").strip()
        if not code:
            return self.page(request, "status.html", code="", found=None)
        wait = self.lookups.hit(_client(request))
        if wait:
            language = self.language(request)
            return self.page(request, "status.html", status=429,
                             headers={"Retry-After": str(wait)}, code=code, found=None,
                             problem=Words(language).fmt("too_many", seconds=wait))
        try:
            found = await self.run(lambda f: f.lookup(code))
        except NotFoundError:
            return self.page(request, "status.html", status=404, code=code, found=None,
                             problem=Words(self.language(request))["not_found_code"])
        except InvalidInputError as exc:  # says what is wrong with the code as typed
            problem = f"{Words(self.language(request))['bad_code']} ({exc})"
            return self.page(request, "status.html", status=400, code=code, found=None,
                             problem=problem)
        return self.page(request, "status.html", code=code, found=found)

    async def stylesheet(self, _request: Request) -> Response:
        css = files("dialogue_flow_web").joinpath("static/style.css").read_text("utf-8")
        return Response(css, media_type="text/css",
                        headers={"Cache-Control": "max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})

    # -- errors ------------------------------------------------------------------------

    def handlers(self) -> dict[Any, Callable[[Request, Exception], Awaitable[Response]]]:
        def handler(status: int, key: str, detail: bool = False,
                    ) -> Callable[[Request, Exception], Awaitable[Response]]:
            async def handle(request: Request, exc: Exception) -> Response:
                return self.error(request, status, key, str(exc) if detail else None,
                                  getattr(exc, "field", None) if detail else None)
            return handle

        async def conflict(request: Request, _exc: Exception) -> Response:
            meeting = request.url.path.startswith("/meetings")
            return self.error(request, 409, "conflict_meeting" if meeting else "conflict")

        return {
            VersionConflictError: conflict,
            PermissionDeniedError: handler(403, "forbidden"),
            InvalidInputError: handler(400, "bad_input", detail=True),
            InvalidTransitionError: handler(400, "bad_input", detail=True),
            TransitionVetoedError: handler(422, "bad_input", detail=True),
            NotFoundError: handler(404, "not_found"),
            StorageError: handler(503, "server_error"),
            DialogueFlowError: handler(500, "server_error"),
        }


def _client(request: Request) -> str:
    """The client's address (behind a proxy, uvicorn's forwarded one)."""
    return request.client.host if request.client is not None else "unknown"


def page_of(method: str, path: str) -> str:
    """The page to reload after an error at ``path``: itself for a GET; for a POST, the page
    its form was on (``/matters/X/answer`` → ``/matters/X``, ``/meetings/D/hold`` →
    ``/meetings/D``), never the POST's own address, which answers a GET with 405."""
    if method != "POST":
        return path
    parts = path.strip("/").split("/")
    if parts[0] in ("matters", "meetings") and len(parts) > 2:
        return f"/{parts[0]}/{parts[1]}"
    if parts[0] == "logout":
        return "/"
    return path  # /login, /meetings (plan) and /matters/new answer a GET at the same place


def _state_label(state: str, language: str) -> str:
    pair = SUBMISSION.labels.get(str(state))
    if pair is None:
        return str(state)
    return pair[LANGUAGES.index(language)] if language in LANGUAGES else pair[0]


def create_app(config: WebConfig) -> Starlette:
    """The web host of ``config``: the office's dashboard and matter pages behind a log-in,
    and the citizen's status page by tracking code.

    The session is a signed cookie (HttpOnly, SameSite=Lax; HTTPS-only when
    ``config.https_only``) holding the login, the language and the CSRF token.
    """
    if not isinstance(config, WebConfig):
        raise InvalidInputError("config", "expected a dialogue_flow_web.WebConfig")
    web = _Web(config)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            web.shared.close()

    routes = [
        Route("/", web.home),
        Route("/login", web.login_page, methods=["GET", "POST"]),
        Route("/logout", web.logout, methods=["POST"]),
        Route("/lang/{language}", web.switch_language),
        *intake_routes(web),  # before /matters/{submission_id}: "new" is no id
        Route("/matters/{submission_id}", web.matter),
        Route("/matters/{submission_id}/{command}", web.command, methods=["POST"]),
        *meeting_routes(web),
        Route("/status", web.status),
        Route("/static/style.css", web.stylesheet),
        *province_routes(web),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=config.secret_key,
                             session_cookie="dialogue_flow_session", same_site="lax",
                             https_only=config.https_only, max_age=12 * 3600)]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers=web.handlers())
    app.state.web = web
    return app
