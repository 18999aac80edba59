"""The province's screens (issue 19): its communes' open and overdue matters, the matters
escalated to it, and the roll-up report of a period with its charts.

Shown only to an actor of a province-level organisation; anyone else logged in gets 403:
the pages are no secret (the docs name them), the actor is known, and its organisation is
simply not one they are for, as the library's role policy answers a command it does not
grant. The charts are the library's chart data (``flow.charts``) drawn as SVG by
``flow.render_chart`` (the ``dialogue_flow_render_chart`` hook of
``dialogue-flow-docx[charts]``) and served by a route of this host (the page's policy
allows images from itself only); without that plugin the page shows the same figures as
tables. Nothing here shows a petitioner: the lists give a matter's code, topic, state and
deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dialogue_flow import (
    ConfigurationError,
    DialogueFlow,
    DialogueFlowError,
    Organisation,
    Period,
    Rollup,
    Submission,
    rollup_table,
)
from dialogue_flow.storage import OPEN_WITH_CLOCK

if TYPE_CHECKING:
    from ._app import _Web
    from ._config import User

__all__ = ["CHARTS", "CommuneCounts", "ProvincePage", "default_period", "escalated_to",
           "province_page", "province_routes"]

#: The charts of the roll-up, by the name in their image's address.
CHARTS = ("by_month_state", "on_time_rate")

#: At most this many matters in a list (its total is shown).
LIST_LIMIT = 200

_PAGE = 500  # matters read at a time when scanning the province's own


@attrs.frozen
class CommuneCounts:
    """One commune's open matters (waiting for somebody, on a clock) and overdue ones."""

    organisation: Organisation
    open: int
    overdue: int


@attrs.frozen
class ProvincePage:
    """What the province's page shows."""

    province: Organisation
    today: dt.date
    communes: tuple[CommuneCounts, ...]
    escalated: tuple[Submission, ...]
    period: Period
    rollup: Rollup
    #: The roll-up as the library's table (:func:`dialogue_flow.rollup_table`): its
    #: columns (``key``, ``label``, ``type``) and rows, a row per organisation, the total
    #: last; the page shows the same cells as an exported roll-up.
    table: dict[str, Any]
    #: The chart data, shown as tables when no plugin draws pictures.
    charts: tuple[dict[str, Any], ...]


def default_period(today: dt.date) -> str:
    """The half year of ``today``: ``2026-H1`` or ``2026-H2``."""
    return f"{today.year:04d}-H{1 if today.month <= 6 else 2}"


def escalated_to(flow: DialogueFlow, province: str) -> tuple[Submission, ...]:
    """The matters of ``province`` transferred to it from another organisation (their
    ``origin_id`` set), by due date (those without one last)."""
    found: list[Submission] = []
    after: str | None = None
    while True:
        page = flow.submissions(organisation=province, limit=_PAGE, after=after)
        found.extend(s for s in page.items if s.origin_id is not None)
        if len(page.items) < _PAGE:
            break
        after = page.items[-1].id
    return tuple(sorted(found, key=lambda s: (s.due is None,
                                              s.due.date if s.due else dt.date.min, s.id)))


def charts(flow: DialogueFlow, rollup: Rollup, period: Period,
           language: str) -> dict[str, dict[str, Any]]:
    """The roll-up's charts as data: its matters by month and state, and the on-time
    share of each row."""
    return flow.charts(period, organisation=rollup.organisation, rollup=rollup,
                       language=language)


def table(rollup: Rollup, language: str) -> dict[str, Any]:
    """The roll-up's one sheet as the library tabulates it (its columns and rows)."""
    sheet: dict[str, Any] = rollup_table(rollup, language)["sheets"][0]
    return sheet


def province_page(flow: DialogueFlow, province: Organisation, period_text: str | None,
                  language: str) -> ProvincePage:
    """The page of ``province`` with the roll-up of ``period_text`` (default: this half
    year).

    :raises InvalidInputError: ``period_text`` is not a period (naming ``period``).
    """
    today = flow.clock.today()
    period = Period.parse(period_text or default_period(today))
    communes = tuple(
        CommuneCounts(o, flow.submissions(organisation=o.id, subtree=True,
                                          state=OPEN_WITH_CLOCK, limit=1).total or 0,
                      flow.submissions(organisation=o.id, subtree=True, overdue_as_of=today,
                                       limit=1).total or 0)
        for o in flow.organisations() if o.parent_id == province.id)
    rollup = flow.rollup(period, organisation=province.id)
    return ProvincePage(
        province=province, today=today, communes=communes,
        escalated=escalated_to(flow, province.id), period=period, rollup=rollup,
        table=table(rollup, language),
        charts=tuple(charts(flow, rollup, period, language).values()))


def _province_of(flow: DialogueFlow, user: User) -> Organisation | None:
    """The organisation of ``user`` when it is a province, else ``None``."""
    org = next((o for o in flow.organisations() if o.id == user.actor.organisation_id), None)
    return org if org is not None and org.level == "province" else None


def _draw(flow: DialogueFlow, chart: dict[str, Any], language: str) -> bytes:
    """``chart`` as an SVG picture.

    :raises ConfigurationError: no plugin draws SVG charts.
    """
    return flow.render_chart(chart, "svg", language=language)


#: A chart of one empty bar: what the probe of :meth:`_Screens.can_draw` draws.
_PROBE = {"kind": "on_time_rate", "title": "", "x_label": "", "y_label": "",
          "categories": ["-"], "category_labels": ["-"],
          "series": [{"key": "on_time_rate", "label": "", "values": [None]}],
          "counts": [[0, 0]], "stacked": False}


class _Screens:
    """The province's pages on one web host."""

    def __init__(self, web: _Web) -> None:
        self.web = web
        self.levels: dict[str, bool] = {}
        self.drawable: bool | None = None

    def is_province(self, user: User | None) -> bool:
        """Whether ``user`` acts for a province (the nav's "Province" link)."""
        if user is None:
            return False
        org_id = user.actor.organisation_id
        if org_id not in self.levels:  # a level does not change while serving
            try:
                self.levels[org_id] = _province_of(self.web.shared.get(), user) is not None
            except DialogueFlowError:  # an error page is being shown: no link, no cache
                return False
        return self.levels[org_id]

    def can_draw(self, flow: DialogueFlow) -> bool:
        """Whether a plugin draws SVG charts (tried once, on a chart of one empty bar)."""
        if self.drawable is None:
            try:
                _draw(flow, _PROBE, "vi")
                self.drawable = True
            except Exception:  # noqa: BLE001 - a probe (ConfigurationError when no plugin
                self.drawable = False  # draws SVG): the page then shows tables
        return self.drawable

    async def guard(self, request: Request) -> Organisation | Response:
        """The province of the logged-in actor, or the page to answer instead: the log-in
        page, or 403 for an actor of any other level."""
        user = self.web.user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        province = await self.web.run(lambda f: _province_of(f, user))
        if province is None:
            return self.web.error(request, 403, "forbidden")
        return province

    async def page(self, request: Request) -> Response:
        province = await self.guard(request)
        if isinstance(province, Response):
            return province
        language = self.web.language(request)
        period_text = request.query_params.get("period", "").strip() or None

        def read(flow: DialogueFlow) -> tuple[ProvincePage, bool]:
            return (province_page(flow, province, period_text, language),
                    self.can_draw(flow))

        shown, pictures = await self.web.run(read)
        return self.web.page(request, "province.html", p=shown, pictures=pictures)

    async def matters(self, request: Request) -> Response:
        province = await self.guard(request)
        if isinstance(province, Response):
            return province
        org_id = request.query_params.get("organisation", "")
        which = request.query_params.get("show", "open")
        if which not in ("open", "overdue"):
            return self.web.error(request, 404, "not_found")

        def read(flow: DialogueFlow) -> tuple[Organisation, Any] | None:
            org = next((o for o in flow.organisations(under=province.id) if o.id == org_id),
                       None)
            if org is None:
                return None  # not under this province: as if it did not exist
            options: dict[str, Any] = ({"state": OPEN_WITH_CLOCK} if which == "open"
                                       else {"overdue_as_of": flow.clock.today()})
            listed = flow.submissions(organisation=org_id, subtree=True, order_by="due",
                                      limit=LIST_LIMIT, **options)
            return org, listed

        answer = await self.web.run(read)
        if answer is None:
            return self.web.error(request, 404, "not_found")
        org, listed = answer
        return self.web.page(request, "province_matters.html", org=org, which=which,
                             matters=listed.items, total=listed.total or 0)

    async def chart(self, request: Request) -> Response:
        province = await self.guard(request)
        if isinstance(province, Response):
            return province
        kind = request.path_params["kind"]
        if kind not in CHARTS:
            return self.web.error(request, 404, "not_found")
        language = self.web.language(request)
        period_text = request.query_params.get("period", "").strip() or None

        def read(flow: DialogueFlow) -> bytes | None:
            period = Period.parse(period_text or default_period(flow.clock.today()))
            # Only the on-time chart has a bar per row of the roll-up; the other counts the
            # province's subtree by month without it (a roll-up is a report per commune).
            rollup = (flow.rollup(period, organisation=province.id)
                      if kind == "on_time_rate" else None)
            chart = flow.charts(period, organisation=province.id, subtree=True,
                                rollup=rollup, language=language)[kind]
            try:
                return _draw(flow, chart, language)
            except ConfigurationError:
                return None

        picture = await self.web.run(read)
        if picture is None:  # no plugin draws charts: the page shows them as tables
            return self.web.error(request, 404, "not_found")
        return Response(picture, media_type="image/svg+xml",
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "private, max-age=300",
                                 "Content-Security-Policy": "default-src 'none'; "
                                                            "style-src 'unsafe-inline'"})


def province_routes(web: _Web) -> list[Route]:
    """The routes of the province's screens on ``web``, and the template global
    ``is_province(user)`` that shows the "Province" link to its actors."""
    screens = _Screens(web)
    web.templates.globals["is_province"] = screens.is_province
    return [Route("/province", screens.page), Route("/province/matters", screens.matters),
            Route("/province/charts/{kind}.svg", screens.chart)]
