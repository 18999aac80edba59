"""Roll-up reports: a province's figures with one row per commune and the totals (issue 14).

Conclusion 215-KL/TW (docs/domain.md, "Since 2025"): a commune's secretary reports to the
provincial secretary, the provincial Internal Affairs board and the provincial Propaganda
and Mass Mobilisation board; a province's secretary to the Politburo, the Secretariat and
the central boards; monthly, Q1, 6-month, 9-month, annual or ad hoc. Each row is the same
:class:`~dialogue_flow.Report` a commune makes of itself (its subtree, when it has one), so
the totals are the sums of what each organisation reports.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import attrs

from ._errors import InvalidInputError
from ._labels import check_language, label, labels, phrase, recipient
from ._report import RECIPIENTS, Report, _csv_cell, _md_cell, report_dict

__all__ = ["RECIPIENTS", "Rollup", "RollupRow", "render_rollup", "rollup_dict"]



@attrs.frozen
class RollupRow:
    """One organisation's figures in a roll-up."""

    organisation: str
    name: str
    report: Report


@attrs.frozen
class Rollup:
    """An organisation's report with a row for its own matters and one per organisation
    directly under it (with their subtrees), and the total."""

    organisation: str
    name: str
    level: str
    #: Who receives it (215-KL/TW), by the organisation's level; empty for other levels.
    recipients: tuple[str, ...]
    rows: tuple[RollupRow, ...]
    total: Report


_COLUMNS = ("received", "answered_on_the_spot", "answered_with_due", "answered_on_time",
            "overdue", "escalated")


def _figures(report: Report) -> dict[str, int]:
    return {"received": report.received, "answered_on_the_spot": report.answered_on_the_spot,
            "answered_with_due": report.answered_with_due,
            "answered_on_time": report.answered_on_time, "overdue": len(report.overdue),
            "escalated": len(report.escalated)}


def rollup_dict(rollup: Rollup, language: str | None = None) -> dict[str, Any]:
    """A JSON-safe mapping: the figures per row, the total, and the total's full report;
    with ``language``, also the ``labels`` of its columns and title in that language."""
    data = {
        "organisation": rollup.organisation, "name": rollup.name, "level": rollup.level,
        "recipients": list(rollup.recipients),
        "period": report_dict(rollup.total)["period"],
        "rows": [{"organisation": row.organisation, "name": row.name, **_figures(row.report)}
                 for row in rollup.rows],
        "total": _figures(rollup.total),
        "report": report_dict(rollup.total, language),
    }
    if language is not None:
        data["labels"] = {
            "language": language,
            "title": _title(rollup, language),
            "period": rollup.total.period.title(language),
            "columns": labels("column", ("organisation",), language) | labels(
                "figure", _COLUMNS, language),
            "total": phrase("total", language),
            "recipients": [recipient(r, language) for r in rollup.recipients],
        }
    return data


def _title(rollup: Rollup, language: str) -> str:
    return phrase("rollup_title", language, name=rollup.name,
                  period=rollup.total.period.title(language))


def render_rollup(rollup: Rollup, fmt: str, *, language: str = "vi") -> str:
    """``json``, ``csv`` or ``md``, its words in ``language`` (``vi`` or ``en``). The CSV's
    header and ``organisation`` column are stable keys (the total's is ``total``); its
    ``name`` column is the organisation's name, the total's in ``language``."""
    check_language(language)
    if fmt == "json":
        return json.dumps(rollup_dict(rollup, language), ensure_ascii=False, indent=2) + "\n"
    rows = [(row.organisation, row.name, _figures(row.report)) for row in rollup.rows]
    rows.append(("total", phrase("total", language), _figures(rollup.total)))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["organisation", "name", *_COLUMNS])
        for org, name, figures in rows:
            writer.writerow([_csv_cell(org), _csv_cell(name),
                             *(str(figures[c]) for c in _COLUMNS)])
        return out.getvalue()
    if fmt == "md":
        period = rollup.total.period
        heads = [label("column", "organisation", language),
                 *(label("figure", c, language) for c in _COLUMNS)]
        lines = [f"# {_md_cell(_title(rollup, language))}", "",
                 phrase("rollup_span", language, start=period.start.isoformat(),
                        end=period.end.isoformat(),
                        made_on=rollup.total.made_on.isoformat()), "",
                 "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        lines += [f"| {_md_cell(name)} | " + " | ".join(str(f[c]) for c in _COLUMNS) + " |"
                  for _org, name, f in rows]
        if rollup.recipients:
            lines += ["", phrase("rollup_recipients", language),
                      *(f"- {_md_cell(recipient(r, language))}" for r in rollup.recipients)]
        return "\n".join(lines) + "\n"
    raise InvalidInputError("format", f"{fmt!r} is not one of json, csv, md")
