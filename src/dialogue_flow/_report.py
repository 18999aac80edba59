"""Periodic reports: what was raised in a period, where it stands, and how fast it was
answered.

Periods follow the seed's plan (6 months and the year) and the reporting cycles of
Regulation 11 as amended in 2025 (month, first quarter, 9 months): ``2021-06``,
``2021-Q1``..``2021-Q4``, ``2021-H1``, ``2021-H2``, ``2021-9M``, ``2021``. A report counts the
submissions *received* in the period, in their state on the day the report is made.
Petitioners' personal data is left out unless asked for.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import InvalidInputError
from ._labels import MONTHS_EN, ROMAN, check_language, label, labels, phrase, recipient
from ._reception_records import ReceptionMonth
from ._records import Petitioner, SubmissionState
from ._serialization import to_dict
from .storage import ReportFacts, ReportInputs, SubmissionFacts

if TYPE_CHECKING:
    from ._calendar import WorkCalendar
    from ._flow import DialogueFlow

__all__ = ["FORMATS", "RECIPIENTS", "Period", "Report", "ReportItem", "build_report",
           "render_report"]

#: The formats rendered by the library itself; plugins add others.
FORMATS = ("json", "csv", "md")

#: Who receives the report of an organisation of each level (Conclusion 215-KL/TW).
RECIPIENTS: Mapping[str, tuple[str, ...]] = {
    "commune": ("Bí thư Tỉnh ủy", "Ban Nội chính Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy"),
    "province": ("Bộ Chính trị", "Ban Bí thư", "Các ban của Trung ương"),
}

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>0[1-9]|1[0-2]|Q[1-4]|H[12]|9M))?$")


@attrs.frozen
class Period:
    """A reporting period: a label and its first and last day."""

    label: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: object) -> Period:
        """``2021``, ``2021-06``, ``2021-Q1``, ``2021-H1``, ``2021-H2``, ``2021-9M``, or an ad
        hoc period ``2026-03-01..2026-04-15`` (215-KL/TW: reports on request)."""
        if isinstance(text, str) and ".." in text:
            return cls._ad_hoc(text)
        match = _PERIOD.match(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidInputError(
                "period", f"{text!r} is not a period; use 2021, 2021-06, 2021-Q1, 2021-H1, "
                "2021-H2, 2021-9M or FIRST..LAST (2026-03-01..2026-04-15)")
        year, part = int(match["year"]), match["part"]
        if year < 1:
            raise InvalidInputError("period", f"{text!r}: there is no year 0; years start at 1")
        spans = {None: (1, 12), "H1": (1, 6), "H2": (7, 12), "9M": (1, 9),
                 "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}
        first_month, last_month = spans[part] if part in spans else (int(part), int(part))
        last_day = calendar.monthrange(year, last_month)[1]
        return cls(match.string, dt.date(year, first_month, 1),
                   dt.date(year, last_month, last_day))

    @classmethod
    def _ad_hoc(cls, text: str) -> Period:
        first, _, last = text.partition("..")
        try:
            start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        except ValueError:
            raise InvalidInputError("period", f"{text!r}: an ad hoc period is two ISO dates, "
                                    "FIRST..LAST (2026-03-01..2026-04-15)") from None
        if end < start:
            raise InvalidInputError("period", f"{text!r}: the last day is before the first")
        return cls(text, start, end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def title(self, language: str = "vi") -> str:
        """The period in words: ``6 tháng đầu năm 2021`` / ``first half of 2021`` for
        ``2021-H1``; an ad hoc period (or a label of the host's own) by its first and last
        day."""
        check_language(language)
        match = _PERIOD.match(self.label)
        if match is None:
            return phrase("days", language, start=self.start.isoformat(),
                          end=self.end.isoformat())
        year, part = match["year"], match["part"]
        if part is None:
            return phrase("year", language, year=year)
        if part in ("H1", "H2", "9M"):
            return phrase(part, language, year=year)
        if part.startswith("Q"):
            quarter = int(part[1])
            return phrase("quarter", language, year=year, quarter=quarter,
                          roman=ROMAN[quarter - 1])
        month = int(part)
        return phrase("month", language, year=year, month=month,
                      month_name=MONTHS_EN[month - 1])


def period_title(text: str, language: str) -> str:
    """``text`` (a period such as ``2021-H1``) in words; a label that is not a period (a
    report rule naming its period in its own words) as it is."""
    check_language(language)
    try:
        return Period.parse(text).title(language)
    except InvalidInputError:
        return text


@attrs.frozen
class ReportItem:
    """One submission in a report's list (overdue or escalated)."""

    submission_id: str
    topic: str
    state: str
    received_on: dt.date
    responsible: str | None
    due: dt.date | None
    dialogue_id: str | None
    #: The petitioner's name, only when the report was asked to include personal data.
    petitioner: str | None = None


@attrs.frozen
class Report:
    """The figures of one period; render it with :func:`render_report`."""

    period: Period
    made_on: dt.date
    policy: str
    received: int
    by_state: Mapping[str, int]
    by_topic: Mapping[str, int]
    by_department: Mapping[str, int]
    by_channel: Mapping[str, int]
    answered_on_the_spot: int
    #: Answered submissions that had a due date, and how many of them were on time.
    answered_with_due: int
    answered_on_time: int
    #: Working days from reception to the answer, over every answered submission.
    median_working_days_to_answer: float | None
    p90_working_days_to_answer: float | None
    overdue: tuple[ReportItem, ...]
    escalated: tuple[ReportItem, ...]
    personal_data: bool = False
    #: The organisation reported on (``None``: the whole store), and whether its subtree
    #: (a province's communes) is counted with it.
    organisation: str | None = None
    subtree: bool = False
    #: Who receives it under 215-KL/TW, by the organisation's level (:data:`RECIPIENTS`).
    recipients: tuple[str, ...] = ()
    #: Citizen reception days held in the period and the citizens received on them.
    reception_days_held: int = 0
    citizens_received: int = 0
    #: Of ``received``: raised without a name, and by a group (issue 16).
    anonymous_opinions: int = 0
    group_opinions: int = 0
    #: Each organisation's months of the period (up to ``made_on``) with fewer reception
    #: days than its minimum (215-KL/TW: commune 2, province 1 a month).
    reception_short: tuple[ReceptionMonth, ...] = ()
    #: The name of the policy ``policy`` identifies, as rendered reports show it.
    policy_name: str = ""

    @property
    def on_time_rate(self) -> float | None:
        """Share of answers with a due date given on time (``None`` if there were none)."""
        return self.answered_on_time / self.answered_with_due if self.answered_with_due else None


def build_report(flow: DialogueFlow, period: Period | str, *, as_of: dt.date | None = None,
                 include_personal_data: bool = False,
                 organisations: frozenset[str] | None = None) -> Report:
    """Count the submissions received in ``period`` as they stand on ``as_of`` (today), of
    ``organisations`` only when given."""
    chosen = period if isinstance(period, Period) else Period.parse(period)
    today = as_of if as_of is not None else flow.clock.today()
    if isinstance(today, dt.datetime) or not isinstance(today, dt.date):
        raise InvalidInputError("as_of", f"expected a datetime.date, got {today!r}")
    if not isinstance(include_personal_data, bool):
        raise InvalidInputError("include_personal_data", "expected True or False")
    storage = flow.storage
    if isinstance(storage, ReportFacts):  # aggregated by the backend: nothing decoded
        inputs = storage.report_inputs(chosen.start, chosen.end, organisations)
    else:
        inputs = ReportInputs.from_facts(
            f for f in map(SubmissionFacts.of, flow.iter_submissions())
            if (organisations is None or f.organisation_id in organisations)
            and f.received_on in chosen)
    report = _report(inputs, chosen, today, flow.policy.id, flow.calendar)
    held, citizens, short = flow.reception_summary(chosen.start, chosen.end, today,
                                                   organisations)
    report = attrs.evolve(report, reception_days_held=held, citizens_received=citizens,
                          reception_short=short, policy_name=flow.policy.name)
    if include_personal_data:
        names = {item.submission_id: _who(flow.submission(item.submission_id).petitioner)
                 for item in (*report.overdue, *report.escalated)}
        report = attrs.evolve(
            report, personal_data=True,
            overdue=tuple(attrs.evolve(i, petitioner=names[i.submission_id])
                          for i in report.overdue),
            escalated=tuple(attrs.evolve(i, petitioner=names[i.submission_id])
                            for i in report.escalated))
    return report


def _report(inputs: ReportInputs, period: Period, today: dt.date, policy: str,
            calendar: WorkCalendar) -> Report:
    states: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    departments: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for state, topic, department, channel, count in inputs.groups:
        states[state] += count
        topics[topic] += count
        channels[channel] += count
        if department:
            departments[department] += count
    # Working days from reception to answer, as (days, how many) pairs, sorted.
    spans: Counter[int] = Counter()
    for received_on, answered_on, count in inputs.answer_spans:
        spans[max(calendar.working_days_between(received_on, answered_on), 0)] += count
    overdue: list[ReportItem] = []
    escalated: list[ReportItem] = []
    for f in inputs.open_items:
        # A matter transferred within the store awaits the competent level (the escalated
        # list, with that level's due date); the matter there is the one overdue.
        is_overdue = (f.due_date is not None and f.due_date < today
                      and f.transferred_to is None)
        if is_overdue or f.state == _ESCALATED:
            item = _item(f)  # one object when a matter is in both lists
            if is_overdue:
                overdue.append(item)
            if f.state == _ESCALATED:
                escalated.append(item)
    return Report(
        period=period, made_on=today, policy=policy, received=sum(states.values()),
        by_state={s.value: states.get(s.value, 0) for s in SubmissionState},
        by_topic=dict(sorted(topics.items())),
        by_department=dict(sorted(departments.items())),
        by_channel=dict(sorted(channels.items())),
        answered_on_the_spot=inputs.answered_on_the_spot,
        answered_with_due=inputs.answered_with_due,
        answered_on_time=inputs.answered_on_time,
        anonymous_opinions=inputs.anonymous, group_opinions=inputs.from_groups,
        median_working_days_to_answer=_quantile(spans, 0.5),
        p90_working_days_to_answer=_quantile(spans, 0.9),
        overdue=tuple(overdue), escalated=tuple(escalated))


def _who(p: Petitioner) -> str | None:
    """The name a report with personal data shows: the person's, or the group's (with its
    representative); none for an anonymous opinion."""
    if p.group is not None:
        return p.group if p.name is None else f"{p.group} ({p.name})"
    return p.name


def _quantile(counts: Counter[int], q: float) -> float | None:
    """The median (q=0.5, averaging the two middle values) or the nearest-rank quantile of
    a distribution given as value -> count."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def nth(rank: int) -> int:  # 1-based rank
        seen = 0
        for value, count in ordered:
            seen += count
            if seen >= rank:
                return value
        return ordered[-1][0]

    if q == 0.5:
        return (nth((total + 1) // 2) + nth(total // 2 + 1)) / 2
    return float(nth(math.ceil(q * total)))


def _item(f: SubmissionFacts) -> ReportItem:
    responsible = f.competent_level if f.state == _ESCALATED else f.department
    return ReportItem(
        submission_id=f.id, topic=f.topic, state=f.state, received_on=f.received_on,
        responsible=responsible, due=f.due_date, dialogue_id=f.dialogue_id)


_ESCALATED = SubmissionState.ESCALATED.value


# --- rendering ---------------------------------------------------------------------------
#
# Machine-readable output keeps stable English keys whatever the language: JSON's keys and
# enum values, the CSV's header and key columns. The words people read (Markdown, the
# CSV's ``*_label`` columns, JSON's ``labels``) are in the language asked for.

def report_dict(report: Report, language: str | None = None) -> dict[str, Any]:
    """The report as a JSON-safe mapping (what the ``render_report`` hook receives); with
    ``language``, also its ``labels`` in that language (:func:`report_labels`)."""
    data = to_dict(report)
    data["on_time_rate"] = report.on_time_rate
    if not report.personal_data:
        for item in (*data["overdue"], *data["escalated"]):
            item.pop("petitioner", None)
    if language is not None:
        data["labels"] = report_labels(report, language)
    return data


def report_labels(report: Report, language: str) -> dict[str, Any]:
    """The words for the keys of ``report`` in ``language``: the title and the period, a
    label per summary figure, section, list column, state and channel, and the recipients."""
    check_language(language)
    states = [*report.by_state, *(i.state for i in (*report.overdue, *report.escalated))]
    return {
        "language": language,
        "title": phrase("title", language, period=report.period.title(language)),
        "period": report.period.title(language),
        "policy": report.policy_name or report.policy,
        "figures": labels("figure", _summary(report), language),
        "sections": labels("section", _SECTIONS, language),
        "columns": labels("column", _item_columns(report), language),
        "state": labels("state", dict.fromkeys(states), language),
        "channel": labels("channel", report.by_channel, language),
        "recipients": [recipient(r, language) for r in report.recipients],
    }


def render_report(report: Report, fmt: str, *, language: str = "vi") -> str:
    """``json``, ``csv`` or ``md`` (Markdown), its words in ``language`` (``vi`` or
    ``en``); other formats come from plugins."""
    check_language(language)
    if fmt == "json":
        return json.dumps(report_dict(report, language), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(report, language)
    if fmt == "md":
        return _markdown(report, language)
    raise InvalidInputError("format", f"{fmt!r} is not one of {', '.join(FORMATS)} (plugins "
                            "may add others through dialogue_flow_render_report)")


_SECTIONS = ("summary", "state", "topic", "department", "channel", "reception_short",
             "overdue", "escalated")
#: The sections whose keys are the library's own words (topics and departments are data).
_LABELLED = {"summary": "figure", "state": "state", "channel": "channel"}


def _summary(report: Report) -> dict[str, str]:
    """The summary figures, key -> value as text."""
    rate = report.on_time_rate
    return {
        "received": str(report.received),
        "anonymous_opinions": str(report.anonymous_opinions),
        "group_opinions": str(report.group_opinions),
        "answered_on_the_spot": str(report.answered_on_the_spot),
        "answered_with_due": str(report.answered_with_due),
        "answered_on_time": str(report.answered_on_time),
        "on_time_rate": "" if rate is None else f"{rate:.3f}",
        "median_working_days_to_answer": _num(report.median_working_days_to_answer),
        "p90_working_days_to_answer": _num(report.p90_working_days_to_answer),
        "reception_days_held": str(report.reception_days_held),
        "citizens_received": str(report.citizens_received),
        "reception_months_short": str(len(report.reception_short)),
    }


def _figures(report: Report) -> list[tuple[str, str, str]]:
    rows = [("summary", key, value) for key, value in _summary(report).items()]
    for section, counts in (("state", report.by_state), ("topic", report.by_topic),
                            ("department", report.by_department),
                            ("channel", report.by_channel)):
        rows += [(section, key, str(value)) for key, value in counts.items()]
    rows += [("reception_short", f"{m.organisation_id} {m.month}",
              f"{m.held + m.planned}/{m.minimum}") for m in report.reception_short]
    return rows


def _key_label(section: str, key: str, language: str) -> str:
    vocabulary = _LABELLED.get(section)
    return key if vocabulary is None else label(vocabulary, key, language)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _item_columns(report: Report) -> list[str]:
    return ["submission_id", "topic", "state", "received_on", "responsible", "due",
            "dialogue_id"] + (["petitioner"] if report.personal_data else [])


def _csv(report: Report, language: str) -> str:
    """Two tables: the figures (``section,key,value``), then the lists. Every column that
    holds a key has a ``*_label`` column at the end of the row with its words."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "value", "section_label", "key_label"])
    for section, key, value in _figures(report):
        row = [section, key, value, label("section", section, language),
               _key_label(section, key, language)]
        writer.writerow([_csv_cell(c) for c in row])
    writer.writerow([])
    writer.writerow(["list", *_item_columns(report), "list_label", "state_label"])
    for name, items in (("overdue", report.overdue), ("escalated", report.escalated)):
        for item in items:
            row = [name, *_item_cells(item)]
            row += [item.petitioner or ""] if report.personal_data else []
            row += [label("section", name, language), label("state", item.state, language)]
            writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading ``'`` before anything that would start
    a formula (a topic such as ``=HYPERLINK(...)`` or ``-1+2``)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _md_cell(text: str) -> str:
    """A Markdown table cell that stays one cell: ``|`` and backslashes escaped, line
    breaks as spaces (a topic cannot add rows or columns)."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.splitlines()) if text else text


def _item_cells(item: ReportItem) -> list[str]:
    return [item.submission_id, item.topic, item.state, item.received_on.isoformat(),
            item.responsible or "", item.due.isoformat() if item.due else "",
            item.dialogue_id or ""]


def _markdown(report: Report, language: str) -> str:
    def column(key: str) -> str:
        return label("column", key, language)

    lines = [f"# {_md_cell(phrase('title', language, period=report.period.title(language)))}",
             "", phrase("span", language, start=report.period.start.isoformat(),
                        end=report.period.end.isoformat(), made_on=report.made_on.isoformat(),
                        policy=_md_cell(report.policy_name or report.policy),
                        scope=_scope_line(report, language)), ""]
    if report.recipients:
        names = "; ".join(recipient(r, language) for r in report.recipients)
        lines += [phrase("recipients", language, recipients=_md_cell(names)), ""]
    lines += [f"| {column('item')} | {column('value')} |", "|---|---|"]
    lines += [f"| {_md_cell(label('figure', key, language))} | {value} |"
              for key, value in _readable_summary(report, language).items()]
    for section, counts in (("state", report.by_state), ("topic", report.by_topic),
                            ("department", report.by_department),
                            ("channel", report.by_channel)):
        lines += ["", f"## {label('section', section, language)}", "",
                  f"| | {column('count')} |", "|---|---|"]
        lines += [f"| {_md_cell(_key_label(section, key, language))} | {value} |"
                  for key, value in counts.items()]
    if report.reception_short:
        heads = ("organisation", "month", "held", "planned", "minimum")
        lines += ["", f"## {label('section', 'reception_short', language)}", "",
                  "| " + " | ".join(column(h) for h in heads) + " |", "|---|---|---|---|---|"]
        lines += [f"| {_md_cell(m.organisation_id)} | {m.month} | {m.held} | {m.planned} | "
                  f"{m.minimum} |" for m in report.reception_short]
    for name, items in (("overdue", report.overdue), ("escalated", report.escalated)):
        lines += ["", f"## {label('section', name, language)} ({len(items)})", ""]
        lines += _item_table(report, items, language)
    return "\n".join(lines) + "\n"


def _readable_summary(report: Report, language: str) -> dict[str, str]:
    """The summary figures as people read them: the on-time rate as a percentage, decimals
    with a comma in Vietnamese (``10,5``; ``1.000`` would read as a thousand)."""
    figures = _summary(report)
    rate = report.on_time_rate
    figures["on_time_rate"] = "" if rate is None else _decimal(rate * 100, language) + "%"
    for key, value in (("median_working_days_to_answer", report.median_working_days_to_answer),
                       ("p90_working_days_to_answer", report.p90_working_days_to_answer)):
        figures[key] = "" if value is None else _decimal(value, language)
    return figures


def _decimal(value: float, language: str) -> str:
    """``value`` with at most one decimal: ``66.7``, ``100``; ``66,7`` in Vietnamese."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if language == "vi" else text


def _scope_line(report: Report, language: str) -> str:
    if report.organisation is None:
        return ""
    below = phrase("subtree", language) if report.subtree else ""
    return phrase("scope", language, organisation=_md_cell(report.organisation)) + below


def _item_table(report: Report, items: Iterable[ReportItem], language: str) -> list[str]:
    columns = _item_columns(report)
    rows = ["| " + " | ".join(label("column", c, language) for c in columns) + " |",
            "|" + "---|" * len(columns)]
    for item in items:
        cells = _item_cells(item)
        cells[2] = label("state", item.state, language)
        cells += [item.petitioner or ""] if report.personal_data else []
        rows.append("| " + " | ".join(_md_cell(cell) for cell in cells) + " |")
    return rows
