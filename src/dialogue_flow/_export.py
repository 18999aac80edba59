"""The register of submissions and the reports as tables, for a spreadsheet (issue 18).

A table is the mapping :func:`~dialogue_flow.hookspecs.dialogue_flow_write_table` takes:
``{"title", "sheets": [{"name", "columns": [{"key", "label", "type", "width"}], "rows"}]}``,
dates as ISO text in ``"date"`` columns, counts as ``int``, shares from 0 to 1 in
``"percent"`` columns, ``None`` for an empty cell. ``dialogue_flow._table_files`` writes it
as ``.csv`` and a plugin as ``.xlsx``.

The register (sổ theo dõi kiến nghị) has one row per submission, the columns of
:data:`~dialogue_flow._register.REGISTER_COLUMNS` in order. Its personal columns (the
petitioner's name, address, phone, e-mail) are there only when asked for, for an ``actor``
whose read is recorded in the access log (purpose ``register``), like a report with
personal data; a confidential matter's petitioner stays withheld unless the actor's role
may read it under the matter's organisation's policy (``[confidential] roles``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._checks import _check_actor
from ._clock import VIETNAM_TZ
from ._errors import InvalidInputError
from ._labels import check_language, label, phrase
from ._register import REGISTER_COLUMNS, RegisterColumn, register_column
from ._report import Period, Report, ReportItem, _summary, _who, report_labels
from ._withheld import ConfidentialRules, identity_readable, withheld_petitioner
from .storage import OPEN_WITH_CLOCK

if TYPE_CHECKING:
    from ._flow import DialogueFlow
    from ._petitioner import Petitioner
    from ._records import Actor, Submission
    from ._rollup import Rollup

__all__ = ["register_table", "report_table", "rollup_table"]

#: The access log's purpose for a register read with personal data.
REGISTER_PURPOSE: Final = "register"

_REGISTER_TITLE: Final = ("Sổ theo dõi ý kiến, kiến nghị", "Register of submissions")
_REGISTER_SHEET: Final = ("Sổ theo dõi", "Register")
_YES: Final = ("Có", "Yes")
#: Sheet names where the section's label is too long for a sheet tab (31 characters).
_SHORT_SHEET: Final = {"reception_short": ("Tiếp công dân chưa đủ", "Reception short")}


def _words(pair: tuple[str, str], language: str) -> str:
    return pair[language == "en"]


def _column(key: str, heading: str, kind: str, width: int) -> dict[str, Any]:
    return {"key": key, "label": heading, "type": kind, "width": width}


def _heading(text: str) -> str:
    """A column label as a spreadsheet header: its first letter capitalised (``lĩnh vực``
    -> ``Lĩnh vực``), the rest as it is."""
    return text[:1].upper() + text[1:]


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- the register ------------------------------------------------------------------------

def register_table(flow: DialogueFlow, *, period: Period | str | None = None,
                   organisation: str | None = None, subtree: bool = False,
                   as_of: dt.date | None = None, include_personal_data: bool = False,
                   actor: Actor | None = None, language: str = "vi") -> dict[str, Any]:
    """The register of ``flow``'s submissions as a table: one row per submission (of
    ``organisation``, with its subtree when ``subtree``; received in ``period`` when given),
    oldest received first; ``overdue`` as of ``as_of`` (default: today).

    A row's ``number`` is the matter's in its organisation's register of the year it was
    received (1, 2, ... in the order received), whatever the period exported: a matter
    keeps its number in every export of the scope, so an import keyed by it (another
    store's) takes each matter once however the exports overlap.

    ``include_personal_data=True`` adds the petitioner's columns: it needs the ``actor``
    who reads them, and the read is recorded in the access log (purpose ``register``) for
    every row that shows an identity. A confidential matter's stays withheld unless the
    actor's role may read it.

    :raises InvalidInputError: a bad period, day, language, or personal data without an
        actor.
    :raises NotFoundError: no such organisation.
    """
    chosen, today = _register_arguments(flow, period, as_of, include_personal_data, actor,
                                        language)
    columns = [c for c in REGISTER_COLUMNS if include_personal_data or not c.personal]
    shown = _Identities(flow, actor) if include_personal_data and actor is not None else None
    every: list[tuple[dt.datetime, str, str, int]] = []  # each matter of the scope
    cells_of: dict[str, list[Any]] = {}  # the rows of those received in the period
    for s in flow._stored_submissions(organisation=organisation, subtree=subtree):  # noqa: SLF001 - the identities are withheld here, row by row
        received_on = s.received_at.astimezone(VIETNAM_TZ).date()
        every.append((s.received_at, s.id, s.organisation_id, received_on.year))
        if chosen is not None and received_on not in chosen:
            continue
        petitioner = None if shown is None else shown.petitioner(s)
        cells = _register_cells(s, received_on, petitioner, today, language)
        cells_of[s.id] = [cells.get(c.field) for c in columns]
    rows = _numbered(every, cells_of)
    if shown is not None and actor is not None:
        flow._log_access(actor, REGISTER_PURPOSE, shown.read)  # noqa: SLF001 - as reports do
    title = _words(_REGISTER_TITLE, language)
    if chosen is not None:
        title += f" — {chosen.title(language)}"
    return {"title": title,
            "sheets": [{"name": _words(_REGISTER_SHEET, language),
                        "columns": [_register_column(c, language) for c in columns],
                        "rows": rows}]}


def _register_arguments(flow: DialogueFlow, period: Period | str | None, as_of: object,
                        include_personal_data: object, actor: Actor | None,
                        language: str) -> tuple[Period | None, dt.date]:
    """The period and the day of :func:`register_table`, every argument checked."""
    check_language(language)
    chosen = None if period is None else (
        period if isinstance(period, Period) else Period.parse(period))
    today = flow.clock.today() if as_of is None else as_of
    if isinstance(today, dt.datetime) or not isinstance(today, dt.date):
        raise InvalidInputError("as_of", f"expected a datetime.date, got {today!r}")
    if not isinstance(include_personal_data, bool):
        raise InvalidInputError("include_personal_data", "expected True or False")
    if actor is not None:
        _check_actor(actor)
    elif include_personal_data:
        raise InvalidInputError("actor", "a register with personal data names who reads it "
                                "(actor=...); the read is recorded in the access log")
    return chosen, today


def _numbered(every: list[tuple[dt.datetime, str, str, int]],
              cells_of: Mapping[str, list[Any]]) -> list[list[Any]]:
    """The rows of ``cells_of`` (by matter id) in the order received, each numbered in its
    organisation's register of its year: ``every`` is each matter of the scope as
    (received at, id, organisation, year)."""
    numbers: Counter[tuple[str, int]] = Counter()
    rows = []
    for _at, record_id, org, year in sorted(every):
        numbers[org, year] += 1
        if record_id in cells_of:
            row = cells_of[record_id]
            row[0] = str(numbers[org, year])  # "number" is the first column
            rows.append(row)
    return rows


def _register_column(c: RegisterColumn, language: str) -> dict[str, Any]:
    return _column(c.field, c.label(language), c.type, c.width)


class _Identities:
    """The petitioner each row shows to ``actor``, a confidential one withheld unless the
    actor's role may read it; the stored records whose identity was shown, for the access
    log."""

    def __init__(self, flow: DialogueFlow, actor: Actor) -> None:
        self._flow, self._role = flow, actor.role
        self._rules: dict[str, ConfidentialRules] = {}  # read once per organisation
        self.read: list[Submission] = []

    def petitioner(self, s: Submission) -> Petitioner:
        shown = s.petitioner
        if s.confidential:
            org = s.organisation_id
            if org not in self._rules:
                self._rules[org] = self._flow.policy_of(org).confidential
            if not identity_readable(s, self._role, self._rules[org]):
                shown = withheld_petitioner(s.petitioner)
        if any(v is not None for v in (shown.name, shown.group, shown.address, shown.phone,
                                       shown.email)):
            self.read.append(s)
        return shown


def _register_cells(s: Submission, received_on: dt.date, petitioner: Petitioner | None,
                    today: dt.date, language: str) -> dict[str, Any]:
    """The register's cells of ``s`` by field (the personal ones when ``petitioner``)."""
    overdue = (s.state in OPEN_WITH_CLOCK and s.due is not None and s.due.date < today
               and s.transferred_to is None)
    cells: dict[str, Any] = {
        "id": s.id, "tracking_code": s.tracking_code, "received_on": received_on.isoformat(),
        "organisation": s.organisation_id,
        "channel": label("channel", s.channel.value, language),
        "kind": label("kind", s.kind.value, language),
        "topic": s.topic, "content": s.content, "department": s.department,
        "competent_level": s.competent_level,
        "state": label("state", s.state.value, language),
        "due": _iso(None if s.due is None else s.due.date),
        "answered_on": _iso(s.answered_on), "answer": s.answer,
        "overdue": _words(_YES, language) if overdue else None,
        "dialogue": s.dialogue_id,
    }
    if petitioner is not None:
        cells |= {"name": _who(petitioner), "address": petitioner.address,
                  "phone": petitioner.phone, "email": petitioner.email}
    return cells


# --- reports -----------------------------------------------------------------------------

def report_table(report: Report, language: str = "vi") -> dict[str, Any]:
    """``report`` as a table: a sheet of its summary figures, one per breakdown (by state,
    topic, department, channel), the months short of citizen reception days when there
    are any, and the overdue and escalated lists (with the petitioner's name only when the
    report was made with personal data). Words in ``language``."""
    words = report_labels(report, language)
    sheets = [_summary_sheet(report, words, language)]
    for section, counts, vocabulary in (("state", report.by_state, "state"),
                                        ("topic", report.by_topic, None),
                                        ("department", report.by_department, None),
                                        ("channel", report.by_channel, "channel")):
        sheets.append(_counts_sheet(section, counts, vocabulary, language))
    if report.reception_short:
        sheets.append(_reception_sheet(report, language))
    for section, items in (("overdue", report.overdue), ("escalated", report.escalated)):
        sheets.append(_items_sheet(section, items, report.personal_data, language))
    return {"title": words["title"], "sheets": sheets}


def _sheet_name(section: str, language: str) -> str:
    short = _SHORT_SHEET.get(section)
    return label("section", section, language) if short is None else _words(short, language)


def _summary_sheet(report: Report, words: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The summary figures, one per row; the on-time rate in percent (a figure column has
    one type: numbers)."""
    rows: list[list[Any]] = []
    for key, text in _summary(report).items():
        heading = words["figures"][key]
        value: float | int | None = None if text == "" else float(text)
        if key == "on_time_rate":
            heading += " (%)"
            value = None if value is None else round(value * 100, 1)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 14, not 14.0
        rows.append([heading, value])
    return {"name": _sheet_name("summary", language),
            "columns": [_column("item", _heading(label("column", "item", language)), "text",
                                56),
                        _column("value", _heading(label("column", "value", language)),
                                "number", 14)],
            "rows": rows}


def _counts_sheet(section: str, counts: Mapping[str, int], vocabulary: str | None,
                  language: str) -> dict[str, Any]:
    rows = [[key if vocabulary is None else label(vocabulary, key, language), count]
            for key, count in counts.items()]
    return {"name": _sheet_name(section, language),
            "columns": [_column(section, register_column(section).label(language), "text",
                                40),
                        _column("count", _heading(label("column", "count", language)),
                                "integer", 12)],
            "rows": rows}


def _reception_sheet(report: Report, language: str) -> dict[str, Any]:
    def heading(key: str) -> str:
        return _heading(label("column", key, language))

    return {"name": _sheet_name("reception_short", language),
            "columns": [_column("organisation", heading("organisation"), "text", 20),
                        _column("month", heading("month"), "text", 10),
                        *(_column(k, heading(k), "integer", 10)
                          for k in ("held", "planned", "minimum"))],
            "rows": [[m.organisation_id, m.month, m.held, m.planned, m.minimum]
                     for m in report.reception_short]}


#: A report list's columns: (key, type, width).
_ITEM_COLUMNS: Final = (("submission_id", "text", 12), ("topic", "text", 24),
                        ("state", "text", 24), ("received_on", "date", 14),
                        ("responsible", "text", 22), ("due", "date", 14),
                        ("dialogue_id", "text", 12))


def _items_sheet(section: str, items: tuple[ReportItem, ...], personal: bool,
                 language: str) -> dict[str, Any]:
    specs = [*_ITEM_COLUMNS, *((("petitioner", "text", 24),) if personal else ())]
    rows = []
    for item in items:
        row = [item.submission_id, item.topic, label("state", item.state, language),
               item.received_on.isoformat(), item.responsible, _iso(item.due),
               item.dialogue_id]
        rows.append([*row, item.petitioner] if personal else row)
    return {"name": _sheet_name(section, language),
            "columns": [_column(key, _heading(label("column", key, language)), kind, width)
                        for key, kind, width in specs],
            "rows": rows}


#: A roll-up's figure columns (the roll-up's own, and the on-time rate).
_ROLLUP_FIGURES: Final = ("received", "answered_on_the_spot", "answered_with_due",
                          "answered_on_time", "overdue", "escalated")


def rollup_table(rollup: Rollup, language: str = "vi") -> dict[str, Any]:
    """``rollup`` as a table of one sheet: a row per organisation (its own matters first,
    then each organisation directly under it with its subtree) and the total, with each
    one's on-time rate."""
    check_language(language)

    def figures(report: Report) -> list[Any]:
        counts = {"received": report.received,
                  "answered_on_the_spot": report.answered_on_the_spot,
                  "answered_with_due": report.answered_with_due,
                  "answered_on_time": report.answered_on_time,
                  "overdue": len(report.overdue), "escalated": len(report.escalated)}
        return [*(counts[k] for k in _ROLLUP_FIGURES), report.on_time_rate]

    rows = [[row.name, *figures(row.report)] for row in rollup.rows]
    rows.append([phrase("total", language), *figures(rollup.total)])
    columns = [_column("organisation", _heading(label("column", "organisation", language)),
                       "text", 30),
               *(_column(k, label("figure", k, language), "integer", 16)
                 for k in _ROLLUP_FIGURES),
               _column("on_time_rate", label("figure", "on_time_rate", language), "percent",
                       16)]
    title = phrase("rollup_title", language, name=rollup.name,
                   period=rollup.total.period.title(language))
    return {"title": title,
            "sheets": [{"name": label("section", "summary", language), "columns": columns,
                        "rows": rows}]}
