"""The read side of :class:`~dialogue_flow.DialogueFlow`: one record, a record's audit
trail, and pages of submissions and dialogues, each filtered by organisation (a province
and its communes) and returned with a confidential petitioner withheld.

The organisation scope of a query (:meth:`FlowQueries._scope`) is shared with the commands
and the reports (``_flow_core``, ``_flow``).
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

import attrs

from ._checks import _check_bool, _check_id, _check_text, _opt_date, _states
from ._errors import InvalidInputError
from ._reception_records import ReceptionDay
from ._records import (
    DEFAULT_ORGANISATION,
    Dialogue,
    DialogueState,
    Organisation,
    Submission,
    SubmissionState,
    TransitionRecord,
)
from ._withheld import withheld
from .storage import DialogueQuery, ReceptionQuery, Storage, SubmissionQuery, check_limit

__all__ = ["FlowQueries", "Page"]

T = TypeVar("T")
_Q = TypeVar("_Q", DialogueQuery, ReceptionQuery)


@attrs.frozen
class Page(Generic[T]):
    """One page of a query; pass ``next_after`` as ``after`` to get the next page."""

    items: tuple[T, ...]
    next_after: str | None
    #: How many match the filters across every page (for a dashboard), when counted.
    total: int | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class FlowQueries:
    """Queries of a flow's store (mixed into :class:`~dialogue_flow._flow_core.FlowCore`,
    which sets :attr:`storage`)."""

    storage: Storage

    def dialogue(self, dialogue_id: str) -> Dialogue:
        """The current dialogue. :raises NotFoundError:"""
        _check_id("dialogue_id", dialogue_id)
        return self.storage.get_dialogue(dialogue_id)

    def submission(self, submission_id: str) -> Submission:
        """The current submission, petitioner withheld if confidential. :raises NotFoundError:"""
        _check_id("submission_id", submission_id)
        return withheld(self.storage.get_submission(submission_id))

    def history(self, record: Dialogue | Submission | ReceptionDay | Organisation,
                ) -> list[TransitionRecord]:
        """The audit trail of a record (or an organisation), oldest first."""
        if not isinstance(record, (Dialogue, Submission, ReceptionDay, Organisation)):
            raise InvalidInputError("record", "expected a Dialogue, a Submission, a "
                                    "ReceptionDay or an Organisation")
        return self.storage.history(record.KIND, record.id)

    def submissions(
        self,
        *,
        dialogue_id: str | None = None,
        state: SubmissionState | str | Iterable[SubmissionState | str] | None = None,
        department: str | None = None,
        due_on_or_before: dt.date | None = None,
        due_on_or_after: dt.date | None = None,
        overdue_as_of: dt.date | None = None,
        limit: int = 100,
        after: str | None = None,
        organisation: str | None = None,
        subtree: bool = False,
        order_by: str = "id",
        search: str | None = None,
    ) -> Page[Submission]:
        """One page of submissions matching every given filter, with the ``total`` across
        every page.

        ``organisation`` narrows to one organisation's matters (``subtree=True``: and those
        of every organisation under it, a province and its communes). ``search`` finds
        matters by the words of their topic and content, ignoring case and diacritics
        ("dat dai" finds "đất đai"; the last word may be the beginning of one: "dat da").
        ``order_by="id"`` lists the oldest first, ``"due"`` by due date (then id, those
        without one last), ``"received"`` the most recently received first. Pass the page's
        ``next_after`` as ``after`` for the next page.
        """
        query = self._submission_query(
            dialogue_id=dialogue_id, state=state, department=department,
            due_on_or_before=due_on_or_before, due_on_or_after=due_on_or_after,
            overdue_as_of=overdue_as_of, limit=limit, after=after,
            organisation=organisation, subtree=subtree, order_by=order_by, search=search)
        page = _paged([*map(withheld, self.storage.find_submissions(query))], limit, query)
        return attrs.evolve(page, total=self.storage.count_submissions(query))

    def _submission_query(
        self, *, dialogue_id: str | None = None, state: object = None,
        department: str | None = None, due_on_or_before: dt.date | None = None,
        due_on_or_after: dt.date | None = None, overdue_as_of: dt.date | None = None,
        limit: int = 100, after: str | None = None, organisation: str | None = None,
        subtree: bool = False, order_by: str = "id", search: str | None = None,
    ) -> SubmissionQuery:
        if dialogue_id is not None:
            _check_id("dialogue_id", dialogue_id)
        if department is not None:
            _check_text("department", department)
        if after is not None and order_by == "id":
            _check_id("after", after)
        return SubmissionQuery(
            dialogue_id=dialogue_id, states=_states(SubmissionState, state),
            department=department,
            due_on_or_before=_opt_date("due_on_or_before", due_on_or_before),
            due_on_or_after=_opt_date("due_on_or_after", due_on_or_after),
            overdue_as_of=_opt_date("overdue_as_of", overdue_as_of),
            limit=check_limit(limit) + 1, after=after,
            organisations=self._scope(organisation, subtree), order_by=order_by,
            search=search,
        )

    def iter_submissions(self, **filters: Any) -> Iterator[Submission]:
        """Every submission matching ``filters`` (as :meth:`submissions`), page by page."""
        return map(withheld, self._stored_submissions(**filters))

    def _stored_submissions(self, **filters: Any) -> Iterator[Submission]:
        """:meth:`iter_submissions` as stored, a confidential petitioner's identity
        included: for a command that writes the records back."""
        allowed = set(inspect.signature(self._submission_query).parameters) - {"limit", "after"}
        unknown = sorted(set(filters) - allowed)
        if unknown:
            raise InvalidInputError(unknown[0], "not a filter of submissions()")
        # Built once: the organisations' scope is read once, not per page.
        query = self._submission_query(**filters, limit=1000)
        while True:
            page = _paged(self.storage.find_submissions(query), 1000, query)
            yield from page.items
            if page.next_after is None:
                return
            query = attrs.evolve(query, after=page.next_after)

    def dialogues(
        self,
        *,
        state: DialogueState | str | Iterable[DialogueState | str] | None = None,
        scheduled_from: dt.date | None = None,
        scheduled_to: dt.date | None = None,
        limit: int = 100,
        after: str | None = None,
        organisation: str | None = None,
        subtree: bool = False,
    ) -> Page[Dialogue]:
        """One page of dialogues, ordered by id (``organisation``, ``subtree``: as for
        :meth:`submissions`)."""
        query = self._scheduled_query(DialogueQuery, DialogueState, state, scheduled_from,
                                      scheduled_to, limit, after, organisation, subtree)
        return _paged(self.storage.find_dialogues(query), limit)

    def _scheduled_query(self, cls: type[_Q], states: type[enum.Enum], state: object,
                         scheduled_from: object, scheduled_to: object, limit: object,
                         after: str | None, organisation: str | None, subtree: bool) -> _Q:
        """The query of one page of dialogues or reception days (records with a state, a
        scheduled day and an organisation), every argument checked; one more than
        ``limit`` is asked for, so :func:`_paged` knows whether a next page exists."""
        if after is not None:
            _check_id("after", after)
        return cls(states=_states(states, state),  # type: ignore[arg-type] # of cls's states
                   scheduled_from=_opt_date("scheduled_from", scheduled_from),
                   scheduled_to=_opt_date("scheduled_to", scheduled_to),
                   limit=check_limit(limit) + 1, after=after,
                   organisations=self._scope(organisation, subtree))

    def _scope(self, organisation: object, subtree_too: object) -> frozenset[str] | None:
        """The organisations a query covers (``None``: every one).

        :raises NotFoundError: no such organisation.
        """
        _check_bool("subtree", subtree_too)
        if organisation is None:
            if subtree_too:
                raise InvalidInputError("subtree", "name the organisation whose subtree")
            return None
        _check_id("organisation", organisation)
        org_id = str(organisation)
        if not subtree_too:
            self._check_organisation(org_id)
            return frozenset({org_id})
        # One query says both what is under it and whether it is stored at all.
        found = self.storage.organisation_subtree(org_id)
        if found:
            return found
        self._check_organisation(org_id)  # NotFoundError, unless the default organisation
        return frozenset({org_id})

    def _check_organisation(self, organisation_id: str) -> None:
        """The store knows the organisation (the default one needs no row).

        :raises NotFoundError:
        """
        if organisation_id != DEFAULT_ORGANISATION:
            self.storage.get_organisation(organisation_id)  # NotFoundError


def _paged(items: list[T], limit: int, query: SubmissionQuery | None = None) -> Page[T]:
    more = len(items) > limit
    kept = items[:limit]
    if not (more and kept):
        return Page(tuple(kept), None)
    last = kept[-1]
    cursor = query.cursor(last) if isinstance(last, Submission) and query else (
        last.id)  # type: ignore[attr-defined]
    return Page(tuple(kept), cursor)
