"""Report and sweep facts: what a report needs of a submission, and the optional
:class:`ReportFacts` capability of a backend that answers from its indexes (re-exported by
:mod:`dialogue_flow.storage`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import NamedTuple, Protocol, runtime_checkable

import attrs

from dialogue_flow._clock import VIETNAM_TZ
from dialogue_flow._records import DEFAULT_ORGANISATION, Submission, SubmissionState

__all__ = ["OPEN_WITH_CLOCK", "ReportFacts", "ReportInputs", "SubmissionFacts"]

#: States in which a submission waits for somebody to act and its due date runs.
#: The open states whose matters run on a clock (issue 15: a received matter too, on its
#: processing or conclusion-notice clock).
OPEN_WITH_CLOCK = frozenset({SubmissionState.RECEIVED, SubmissionState.ASSIGNED,
                             SubmissionState.ESCALATED})
_OPEN_WITH_CLOCK_VALUES = frozenset(s.value for s in OPEN_WITH_CLOCK)


class SubmissionFacts(NamedTuple):
    """What a report needs of one submission, without its text or personal data.

    Backends may offer ``report_facts(start, end)`` returning these straight from indexed
    columns (an optional capability: reports fall back to reading every record).
    """

    id: str
    state: str
    topic: str
    department: str | None
    competent_level: str | None
    channel: str
    answer_mode: str | None
    #: The local date (Asia/Ho_Chi_Minh) the submission was received.
    received_on: dt.date
    answered_on: dt.date | None
    due_date: dt.date | None
    dialogue_id: str | None
    #: The organisation handling it (the sweep's notices belong to it).
    organisation_id: str = DEFAULT_ORGANISATION
    #: The matter it was transferred to at another organisation of the store: its due date
    #: is that matter's, and it is awaiting the competent level, never overdue here.
    transferred_to: str | None = None
    #: Who raised it (:attr:`~dialogue_flow.Petitioner.source`): ``person``, ``anonymous``
    #: or ``group``.
    source: str = "person"

    @classmethod
    def of(cls, s: Submission) -> SubmissionFacts:
        return cls(
            id=s.id, state=s.state.value, topic=s.topic, department=s.department,
            competent_level=s.competent_level, channel=s.channel.value,
            answer_mode=s.answer_mode.value if s.answer_mode else None,
            received_on=s.received_at.astimezone(VIETNAM_TZ).date(),
            answered_on=s.answered_on, due_date=s.due.date if s.due else None,
            dialogue_id=s.dialogue_id, organisation_id=s.organisation_id,
            transferred_to=s.transferred_to, source=s.petitioner.source)


@attrs.frozen
class ReportInputs:
    """What a report is computed from, already aggregated: a backend with a query engine
    builds it with GROUP BY instead of handing every submission to Python."""

    #: ``(state, topic, department, channel, count)`` over the period's submissions.
    groups: tuple[tuple[str, str, str | None, str, int], ...]
    answered_on_the_spot: int
    #: Answered submissions that had a due date, and those answered on or before it.
    answered_with_due: int
    answered_on_time: int
    #: ``(received_on, answered_on, count)`` over the answered submissions.
    answer_spans: tuple[tuple[dt.date, dt.date, int], ...]
    #: The open submissions with a clock (the overdue and escalated lists).
    open_items: tuple[SubmissionFacts, ...]
    #: Submissions raised without a name, and by a group (the rest by a named person).
    anonymous: int = 0
    from_groups: int = 0

    @classmethod
    def from_facts(cls, facts: Iterable[SubmissionFacts]) -> ReportInputs:
        """The reference computation, from one fact per submission."""
        groups: dict[tuple[str, str, str | None, str], int] = {}
        spans: dict[tuple[dt.date, dt.date], int] = {}
        spot = with_due = on_time = anonymous = from_groups = 0
        items: list[SubmissionFacts] = []
        for f in facts:
            anonymous += f.source == "anonymous"
            from_groups += f.source == "group"
            key = (f.state, f.topic, f.department, f.channel)
            groups[key] = groups.get(key, 0) + 1
            if f.answered_on is not None:
                spot += f.answer_mode == "on_the_spot"
                if f.due_date is not None:
                    with_due += 1
                    on_time += f.answered_on <= f.due_date
                span = (f.received_on, f.answered_on)
                spans[span] = spans.get(span, 0) + 1
            if f.state in _OPEN_WITH_CLOCK_VALUES:
                items.append(f)
        return cls(groups=tuple((*k, n) for k, n in sorted(groups.items(), key=_group_key)),
                   answered_on_the_spot=spot, answered_with_due=with_due,
                   answered_on_time=on_time, anonymous=anonymous, from_groups=from_groups,
                   answer_spans=tuple((*k, n) for k, n in sorted(spans.items())),
                   open_items=tuple(sorted(items, key=lambda f: f.id)))


def _group_key(item: tuple[tuple[str, str, str | None, str], int]) -> tuple[str, ...]:
    state, topic, department, channel = item[0]
    return (state, topic, department or "", channel)


@runtime_checkable
class ReportFacts(Protocol):
    """The optional capability of a backend that answers reports and sweeps from its
    indexes, without decoding records."""

    def report_facts(self, start: dt.date, end: dt.date) -> Iterator[SubmissionFacts]:
        """Facts of the submissions received from ``start`` to ``end`` (local dates,
        inclusive), in any order; streamed, so memory does not grow with the period."""
        ...

    def due_facts(self, start: dt.date, end: dt.date,
                  organisations: frozenset[str] | None = None) -> Iterator[SubmissionFacts]:
        """Facts of the open submissions (:data:`OPEN_WITH_CLOCK`) due from ``start`` to
        ``end`` (inclusive), in any order (of ``organisations`` only when given), those
        transferred to another organisation of the store left out (the matter there is
        due): what the sweep reminds about."""
        ...

    def report_inputs(self, start: dt.date, end: dt.date,
                      organisations: frozenset[str] | None = None) -> ReportInputs:
        """:meth:`ReportInputs.from_facts` of :meth:`report_facts`, aggregated by the
        backend; with ``organisations``, of those organisations' submissions only."""
        ...
