"""The report and sweep SQL of :class:`~dialogue_flow.storage.sql.Statements` (a mixin, kept
apart so each module stays a size one can read): keyset-paged facts from the covering
indexes, the aggregates of a report, and their rows as :class:`SubmissionFacts` and
:class:`ReportInputs`. Neither backend loads records for a report or a sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from dialogue_flow.storage._facts import OPEN_WITH_CLOCK, ReportInputs, SubmissionFacts
from dialogue_flow.storage._schema import Dialect

__all__ = ["PAGE", "Fetch", "ReportStatements"]

#: ``fetch(sql, parameters) -> rows``: how a backend runs one read statement.
Fetch = Callable[[str, Sequence[object]], list[Any]]
#: Rows a keyset-paged report or sweep query returns at a time.
PAGE: Final = 5000
_OPEN_WITH_CLOCK: Final = tuple(sorted(s.value for s in OPEN_WITH_CLOCK))
#: The report's columns, in SubmissionFacts order, then what the keyset pages on.
_FACTS = ("id, state, topic, department, competent_level, channel, answer_mode, "
          "received_on, answered_on, due_date, dialogue_id, organisation_id, transferred_to, "
          "source")




class ReportStatements:
    """The report and sweep statements; :class:`Statements` sets ``dialect`` and ``prefix``."""

    dialect: Dialect
    prefix: str

    def _in(self, column: str, values: Sequence[object]) -> str:
        if not values:
            return "1 = 0"  # `x in frozenset()` is never true
        return f"{column} IN ({', '.join([self.dialect.placeholder] * len(values))})"

    # --- reports and the sweep -------------------------------------------------------------

    def report_facts(self, fetch: Fetch, start: dt.date, end: dt.date,
                     ) -> Iterator[SubmissionFacts]:
        """:meth:`ReportFacts.report_facts` through ``fetch``, a page at a time, so no lock
        or connection is held while the caller works on a row."""
        for row in self._keyset(fetch, self.report_page(), start, end, (), (7, 0)):
            yield self.facts(row)

    def due_facts_of(self, fetch: Fetch, start: dt.date, end: dt.date,
                     organisations: frozenset[str] | None = None,
                     ) -> Iterator[SubmissionFacts]:
        """:meth:`ReportFacts.due_facts` through ``fetch``, a page at a time."""
        orgs = sorted(organisations) if organisations is not None else []
        if organisations is not None and not orgs:
            return
        for row in self._keyset(fetch, self.due_page(len(orgs)), start, end,
                                (*_OPEN_WITH_CLOCK, *orgs), (5, 0)):
            yield self.due_facts(row, start)

    def read_report_inputs(self, fetch: Fetch, start: dt.date, end: dt.date,
                           organisations: frozenset[str] | None = None) -> ReportInputs:
        """:meth:`ReportFacts.report_inputs` through ``fetch``: three aggregate queries."""
        groups, spans, items = (fetch(sql, params) for sql, params
                                in self.report_queries(start, end, organisations))
        return self.report_inputs(groups, spans, items)

    def _keyset(self, fetch: Fetch, select: str, start: dt.date, end: dt.date,
                extra: Sequence[object], cursor_at: tuple[int, int]) -> Iterator[Any]:
        """Rows of ``select`` (ordered by a date column then id; parameters: the last
        (date, id) seen, ``end``, ``extra``..., the page size), a query per page."""
        day = self.dialect.date_param
        cursor: tuple[object, object] = (day(start), "")
        while True:
            rows = fetch(select, [*cursor, day(end), *extra, PAGE])
            yield from rows
            if len(rows) < PAGE:
                return
            cursor = (rows[-1][cursor_at[0]], rows[-1][cursor_at[1]])

    def report_page(self) -> str:
        """One page of report facts, keyset-paged on ``(received_on, id)``: parameters are
        the last (received_on, id) seen, the period's end, the page size."""
        q = self.dialect.placeholder
        return (f"SELECT {_FACTS} FROM {self.prefix}submissions"  # noqa: S608
                f"{self.dialect.hint('submissions_report')} WHERE (received_on, id) > ({q}, {q}) "
                f"AND received_on <= {q} ORDER BY received_on, id LIMIT {q}")

    def due_page(self, organisations: int = 0) -> str:
        """One page of the sweep's matters (open with a clock, due in a window, not
        transferred to another organisation of the store: the matter there is swept),
        keyset-paged on ``(due_date, id)`` with the parameters of :meth:`report_page` and
        the open states (then ``organisations`` organisation ids) before the page size."""
        q = self.dialect.placeholder
        scope = (f" AND {self._in('organisation_id', [q] * organisations)}"
                 if organisations else "")
        return (f"SELECT id, state, topic, department, competent_level, due_date, dialogue_id, "  # noqa: S608
                f"organisation_id FROM {self.prefix}submissions"
                f"{self.dialect.hint('submissions_due')} "
                f"WHERE (due_date, id) > ({q}, {q}) AND due_date <= {q} "
                f"AND {self._in('state', _OPEN_WITH_CLOCK)} AND due_date IS NOT NULL "
                f"AND transferred_to IS NULL{scope} "
                f"ORDER BY due_date, id LIMIT {q}")

    def facts(self, row: Sequence[Any]) -> SubmissionFacts:
        """A row of :meth:`report_page` as report facts."""
        date = self.dialect.date_value
        (sid, state, topic, department, level, channel, mode, received, answered, due, dlg,
         org, transferred_to, source) = row
        return SubmissionFacts(
            id=sid, state=state, topic=topic, department=department, competent_level=level,
            channel=channel, answer_mode=mode, received_on=date(received),
            answered_on=None if answered is None else date(answered),
            due_date=None if due is None else date(due), dialogue_id=dlg,
            organisation_id=org, transferred_to=transferred_to, source=source)

    def due_facts(self, row: Sequence[Any], start: dt.date) -> SubmissionFacts:
        """A row of :meth:`due_page` as facts; reception and answer are not read (the
        sweep does not use them): ``received_on`` is ``start``, ``channel`` empty."""
        sid, state, topic, department, level, due, dialogue_id, org = row
        return SubmissionFacts(
            id=sid, state=state, topic=topic, department=department, competent_level=level,
            channel="", answer_mode=None, received_on=start, answered_on=None,
            due_date=self.dialect.date_value(due), dialogue_id=dialogue_id,
            organisation_id=org)

    def report_queries(self, start: dt.date, end: dt.date,
                       organisations: frozenset[str] | None = None,
                       ) -> tuple[tuple[str, list[object]], ...]:
        """The three aggregate queries of :meth:`report_inputs`: groups with the timeliness
        sums, answer spans, and the open matters (of ``organisations`` when given)."""
        q, day = self.dialect.placeholder, self.dialect.date_param
        period: list[object] = [day(start), day(end)]
        index = "submissions_report"
        scope = ""
        if organisations is not None:
            index = "submissions_report_by_organisation"
            scope = f" AND {self._in('organisation_id', sorted(organisations))}"
            period += sorted(organisations)
        source = (f"FROM {self.prefix}submissions{self.dialect.hint(index)} "
                  f"WHERE received_on BETWEEN {q} AND {q}{scope}")
        # One scan for the counts and the timeliness sums (summed over the groups later).
        groups = ("SELECT state, topic, department, channel, count(*), "
                  "sum(CASE WHEN answered_on IS NOT NULL AND answer_mode = 'on_the_spot' "
                  "THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN answered_on IS NOT NULL AND due_date IS NOT NULL "
                  "THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN answered_on <= due_date THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN source = 'anonymous' THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN source = 'group' THEN 1 ELSE 0 END) "
                  f"{source} GROUP BY state, topic, department, channel")
        spans = (f"SELECT received_on, answered_on, count(*) {source} "
                 "AND answered_on IS NOT NULL GROUP BY received_on, answered_on")
        items = (f"SELECT {_FACTS} {source} AND {self._in('state', _OPEN_WITH_CLOCK)} "
                 "ORDER BY id")
        return ((groups, period), (spans, period), (items, [*period, *_OPEN_WITH_CLOCK]))

    def report_inputs(self, groups: Sequence[Sequence[Any]], spans: Sequence[Sequence[Any]],
                      items: Sequence[Sequence[Any]]) -> ReportInputs:
        """The rows of :meth:`report_queries` as :class:`ReportInputs`."""
        date = self.dialect.date_value
        return ReportInputs(
            groups=tuple(sorted(((st, tp, dp, ch, int(n)) for st, tp, dp, ch, n, *_ in groups),
                                key=lambda g: (g[0], g[1], g[2] or "", g[3]))),
            answered_on_the_spot=sum(int(row[5] or 0) for row in groups),
            answered_with_due=sum(int(row[6] or 0) for row in groups),
            answered_on_time=sum(int(row[7] or 0) for row in groups),
            anonymous=sum(int(row[8] or 0) for row in groups),
            from_groups=sum(int(row[9] or 0) for row in groups),
            answer_spans=tuple(sorted((date(r), date(a), int(n)) for r, a, n in spans)),
            open_items=tuple(self.facts(row) for row in items))
