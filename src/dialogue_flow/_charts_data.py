"""The charts of a periodic report, as data (issue 18): matters by month and state, and
the on-time rate by department (by organisation in a roll-up).

Each chart is a JSON-safe mapping, the ``chart`` the ``dialogue_flow_render_chart`` hook
draws (``dialogue-flow chart``) and the Word report embeds: its ``kind``, ``title``, axis
labels, ``categories`` with their ``category_labels``, and one ``series`` per colour. The
figures come from the same facts as the report (:class:`~dialogue_flow.storage.
SubmissionFacts`: no text, no personal data), streamed from the backend's indexes when it
has them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Final

from ._labels import label
from ._records import SubmissionState
from .storage import ReportFacts, SubmissionFacts

if TYPE_CHECKING:
    from ._flow import DialogueFlow
    from ._report import Period
    from ._rollup import Rollup

__all__ = ["CHART_KINDS", "month_state_chart", "on_time_chart", "period_charts",
           "period_facts", "rollup_on_time_chart"]

#: The charts a report carries.
CHART_KINDS: Final = ("by_month_state", "on_time_rate")

_WORDS: Final = {
    "by_month_state": ("Ý kiến, kiến nghị theo tháng tiếp nhận và tình trạng",
                       "Submissions by month received and state"),
    "month": ("Tháng tiếp nhận", "Month received"),
    "count": ("Số ý kiến, kiến nghị", "Submissions"),
    "on_time_rate": ("Tỷ lệ trả lời đúng hạn theo cơ quan, bộ phận",
                     "On-time answers by department"),
    "on_time_rollup": ("Tỷ lệ trả lời đúng hạn theo tổ chức", "On-time answers by organisation"),
    "rate": ("Đúng hạn (%)", "On time (%)"),
    "none": ("(chưa giao)", "(not assigned)"),
}


def _word(key: str, language: str) -> str:
    return _WORDS[key][language == "en"]


def period_charts(flow: DialogueFlow, period: Period, organisations: frozenset[str] | None,
                  language: str, rollup: Rollup | None = None) -> dict[str, dict[str, Any]]:
    """The two charts of ``period``'s report, by kind: the matters of ``organisations``
    (``None``: the whole store) by month and state, and the on-time rate by department,
    or, given a province's ``rollup``, by organisation under it."""
    facts = list(period_facts(flow, period, organisations))
    on_time = (on_time_chart(facts, language) if rollup is None
               else rollup_on_time_chart(rollup, language))
    return {"by_month_state": month_state_chart(period, facts, language),
            "on_time_rate": on_time}


def month_state_chart(period: Period, facts: Iterable[SubmissionFacts],
                      language: str) -> dict[str, Any]:
    """Stacked bars: per month of ``period``, the matters received in it by their state
    now."""
    months = _months(period)
    counts: Counter[tuple[str, str]] = Counter()
    for f in facts:
        counts[(f"{f.received_on.year:04d}-{f.received_on.month:02d}", f.state)] += 1
    series = [{"key": state.value, "label": label("state", state.value, language),
               "values": [counts[(month, state.value)] for month in months]}
              for state in SubmissionState]
    return {"kind": "by_month_state", "title": _word("by_month_state", language),
            "x_label": _word("month", language), "y_label": _word("count", language),
            "categories": months, "category_labels": [f"{m[5:]}/{m[:4]}" for m in months],
            "series": series, "stacked": True}


def on_time_chart(facts: Iterable[SubmissionFacts], language: str) -> dict[str, Any]:
    """Bars of the share answered by the due date, per department (of the answered matters
    that had one)."""
    with_due: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    for f in facts:
        if f.answered_on is None or f.due_date is None:
            continue
        who = f.department or _word("none", language)
        with_due[who] += 1
        on_time[who] += f.answered_on <= f.due_date
    names = sorted(with_due)
    return _rate_chart(_word("on_time_rate", language), names,
                       [(on_time[n], with_due[n]) for n in names], language)


def rollup_on_time_chart(rollup: Rollup, language: str) -> dict[str, Any]:
    """Bars of the on-time share per row of a roll-up (the province's own matters and each
    commune with its subtree)."""
    names = [row.name for row in rollup.rows]
    counts = [(row.report.answered_on_time, row.report.answered_with_due)
              for row in rollup.rows]
    return _rate_chart(_word("on_time_rollup", language), names, counts, language)


def _rate_chart(title: str, names: list[str], counts: list[tuple[int, int]],
                language: str) -> dict[str, Any]:
    values = [None if due == 0 else round(100 * done / due, 1) for done, due in counts]
    return {"kind": "on_time_rate", "title": title, "x_label": "",
            "y_label": _word("rate", language), "categories": names,
            "category_labels": names,
            "series": [{"key": "on_time_rate", "label": _word("rate", language),
                        "values": values}],
            "counts": [list(pair) for pair in counts], "stacked": False}


def _months(period: Period) -> list[str]:
    months = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def period_facts(flow: DialogueFlow, period: Period,
           organisations: frozenset[str] | None) -> Iterator[SubmissionFacts]:
    """The facts of the matters received in ``period`` (of ``organisations``, ``None``:
    every one)."""
    storage = flow.storage
    if isinstance(storage, ReportFacts):  # streamed from the indexes: nothing decoded
        found: Iterable[SubmissionFacts] = storage.report_facts(period.start, period.end)
    else:
        found = (SubmissionFacts.of(s) for s in flow.iter_submissions())
    for f in found:
        if f.received_on in period and (organisations is None
                                        or f.organisation_id in organisations):
            yield f
