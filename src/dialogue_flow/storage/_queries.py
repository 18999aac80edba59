"""The queries a backend answers (re-exported by :mod:`dialogue_flow.storage`): filters over
submissions, dialogues and citizen reception days, each with its reference semantics
(``matches``) every backend reproduces."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import attrs

from dialogue_flow._clock import VIETNAM_TZ
from dialogue_flow._errors import InvalidInputError
from dialogue_flow._petitioner_match import petitioner_keys
from dialogue_flow._reception_records import ReceptionDay, ReceptionState
from dialogue_flow._records import Dialogue, DialogueState, Submission, SubmissionState
from dialogue_flow._search import matches, search_terms
from dialogue_flow._validators import nfc

from ._facts import OPEN_WITH_CLOCK

__all__ = ["ORDERS", "DialogueQuery", "ReceptionQuery", "SubmissionQuery"]


#: The orders of :class:`SubmissionQuery` (``order_by``).
ORDERS = ("id", "due", "received")


def _order(inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in ORDERS:
        raise InvalidInputError("order_by", f"{value!r} is not one of: {', '.join(ORDERS)}")
    after = getattr(inst, "after", None)
    cursor = {"due": _CURSOR, "received": _RECEIVED_CURSOR}.get(str(value))
    if cursor is not None and after is not None and not (
            cursor.match(after) and _day_or_dash(after.partition("/")[0])):
        raise InvalidInputError("after", f"{after!r} is not a cursor of order_by={value!r} "
                                "(use the next_after of the previous page)")


def _day_or_dash(text: str) -> bool:
    try:
        return text == "-" or bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2}|-)/[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_RECEIVED_CURSOR = re.compile(r"^\d{4}-\d{2}-\d{2}/[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def _optional_text(value: object) -> object:
    return None if value is None else nfc(value)


def _descending(text: str) -> str:
    """A sort key that orders texts (ids, ISO dates) from the last to the first: each
    character mirrored, then a terminator above every mirrored character (so "ab" comes
    before its prefix "a")."""
    return "".join(chr(0x10FFFE - ord(c)) for c in text) + "\U0010ffff"


def _page_size(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError("limit", f"expected a whole number >= 0, got {value!r}")


@attrs.frozen
class SubmissionQuery:
    """A filter over submissions; every field narrows, ``None`` means any.

    Results are ordered by id (ids are time-ordered) and paged with ``after``: pass the last
    id of the previous page.

    The due-date filters (``due_on_or_before``, ``due_on_or_after``, ``overdue_as_of``)
    select matters by a clock running where they are: a matter transferred to another
    organisation of the store (``transferred_to`` set) shows the receiving side's due date
    but is never selected by them (issue 15: it awaits the competent level, whose matter is
    the one due or overdue).
    """

    dialogue_id: str | None = None
    states: frozenset[SubmissionState] | None = None
    #: Compared in NFC, as records hold text (a name typed decomposed finds the same).
    department: str | None = attrs.field(default=None, converter=_optional_text)
    #: Only submissions with a due date on or before this day.
    due_on_or_before: dt.date | None = None
    #: Only submissions with a due date on or after this day.
    due_on_or_after: dt.date | None = None
    #: Only open submissions (:data:`OPEN_WITH_CLOCK`) whose due date is before this day.
    overdue_as_of: dt.date | None = None
    limit: int = attrs.field(default=100, validator=_page_size)
    after: str | None = None
    #: Only submissions of these organisations (a province and its communes: the façade
    #: resolves the subtree).
    organisations: frozenset[str] | None = None
    #: ``"id"``; ``"due"``: by due date, then id, those without a due date last;
    #: ``"received"``: the most recently received first (by the local day of receipt, then
    #: id, both descending). For the last two, ``after`` is the :meth:`cursor` of the
    #: previous page's last submission.
    order_by: str = attrs.field(default="id", validator=_order)
    #: Only submissions whose topic and content hold these words (the rule of
    #: :mod:`dialogue_flow._search`: case, diacritics and "đ" ignored; the last word may be
    #: the beginning of one). Backends match :attr:`terms`, its folded words.
    search: str | None = attrs.field(default=None, converter=_optional_text, kw_only=True)
    #: :attr:`search` as folded words (empty without a search); folding checks the search
    #: (InvalidInputError naming "search").
    terms: tuple[str, ...] = attrs.field(
        init=False, repr=False, eq=False,
        default=attrs.Factory(lambda q: search_terms(q.search) if q.search is not None
                              else (), takes_self=True))
    #: Only submissions whose petitioner has this bucket among its
    #: :func:`~dialogue_flow._petitioner_match.petitioner_keys` (``"p3fa9"``): the
    #: candidates of a request about one petitioner (issue 17), compared exactly after.
    petitioner_key: str | None = attrs.field(default=None, kw_only=True)

    def matches(self, s: Submission) -> bool:
        """The reference semantics every backend must reproduce (order: :meth:`sort_key`)."""
        return (
            self.within(s)
            and (self.after is None or self.sort_key(s) > self.after_key())
        )

    def within(self, s: Submission) -> bool:
        """Every filter but the page's start: what :meth:`Storage.count_submissions`
        counts."""
        due = s.due.date if s.due else None
        return (
            (not self.by_due or s.transferred_to is None)
            and (self.organisations is None or s.organisation_id in self.organisations)
            and (self.dialogue_id is None or s.dialogue_id == self.dialogue_id)
            and (self.states is None or s.state in self.states)
            and (self.department is None or s.department == self.department)
            and (self.due_on_or_before is None or (due is not None
                                                   and due <= self.due_on_or_before))
            and (self.due_on_or_after is None or (due is not None
                                                  and due >= self.due_on_or_after))
            and (self.overdue_as_of is None or (s.state in OPEN_WITH_CLOCK and due is not None
                                                and due < self.overdue_as_of))
            and (not self.terms or matches(self.terms, s.topic, s.content))
            and (self.petitioner_key is None
                 or f" {self.petitioner_key} " in (petitioner_keys(s.petitioner) or ""))
        )

    @property
    def by_due(self) -> bool:
        """Whether a due-date filter is set (transferred matters are then left out)."""
        return (self.due_on_or_before is not None or self.due_on_or_after is not None
                or self.overdue_as_of is not None)

    def sort_key(self, s: Submission) -> tuple[str, ...]:
        """Where ``s`` stands in this query's order (ascending keys, whatever the order)."""
        if self.order_by == "id":
            return (s.id,)
        if self.order_by == "received":
            return (_descending(_received_on(s)), _descending(s.id))
        return ("0", s.due.date.isoformat(), s.id) if s.due else ("1", "", s.id)

    def cursor(self, s: Submission) -> str:
        """The ``after`` that starts the next page after ``s``."""
        if self.order_by == "id":
            return s.id
        if self.order_by == "received":
            return f"{_received_on(s)}/{s.id}"
        return f"{s.due.date.isoformat() if s.due else '-'}/{s.id}"

    def after_key(self) -> tuple[str, ...]:
        """:meth:`sort_key` of the submission ``after`` names."""
        if self.after is None:
            return ()
        if self.order_by == "id":
            return (self.after,)
        day, _, sid = self.after.partition("/")
        if self.order_by == "received":
            return (_descending(day), _descending(sid))
        return ("1", "", sid) if day == "-" else ("0", day, sid)


def _received_on(s: Submission) -> str:
    """The local (Vietnamese) day ``s`` was received, as ISO text."""
    return s.received_at.astimezone(VIETNAM_TZ).date().isoformat()


@attrs.frozen
class _ScheduledQuery:
    """What the queries over dialogues and reception days share: records with a state, a
    scheduled day and an organisation, ordered by id and paged like
    :class:`SubmissionQuery`."""

    scheduled_from: dt.date | None = None
    scheduled_to: dt.date | None = None
    limit: int = attrs.field(default=100, validator=_page_size)
    after: str | None = None
    #: Only records of these organisations.
    organisations: frozenset[str] | None = None

    def _matches(self, r: Dialogue | ReceptionDay, states: frozenset[Any] | None) -> bool:
        return (
            (self.organisations is None or r.organisation_id in self.organisations)
            and (states is None or r.state in states)
            and (self.scheduled_from is None or r.scheduled_for >= self.scheduled_from)
            and (self.scheduled_to is None or r.scheduled_for <= self.scheduled_to)
            and (self.after is None or r.id > self.after)
        )


@attrs.frozen
class DialogueQuery(_ScheduledQuery):
    """A filter over dialogues, ordered by id and paged like :class:`SubmissionQuery`."""

    states: frozenset[DialogueState] | None = attrs.field(default=None, kw_only=True)

    def matches(self, d: Dialogue) -> bool:
        return self._matches(d, self.states)


@attrs.frozen
class ReceptionQuery(_ScheduledQuery):
    """A filter over citizen reception days, ordered by id and paged like
    :class:`DialogueQuery`."""

    states: frozenset[ReceptionState] | None = attrs.field(default=None, kw_only=True)

    def matches(self, r: ReceptionDay) -> bool:
        return self._matches(r, self.states)
