"""What a citizen may learn from a tracking code: :meth:`DialogueFlow.lookup` and its
:class:`PublicStatus` (issue 16).

A code is all a caller needs, so what it shows is only what is safe to show to anyone who
holds it: where the matter stands, who must answer it and by when, and the answer once
given. Never the petitioner (name, address, phone, e-mail), nor the matter's topic and
content: those are the citizen's own words and may name people or places (a neighbour in a
land dispute); the citizen knows them already. The answer is shown: it is the committee's
reply, written to be given to the petitioner.
"""

from __future__ import annotations

import datetime as dt

import attrs

from ._clock import VIETNAM_TZ
from ._flow_core import FlowCore
from ._records import CloseReason, Submission, SubmissionState
from ._tracking import parse_tracking_code
from .storage import OPEN_WITH_CLOCK

__all__ = ["LookupQueries", "PublicStatus"]

#: States in which a due date still binds the committee.
_OPEN = OPEN_WITH_CLOCK


@attrs.frozen
class PublicStatus:
    """Where a matter stands, as a citizen holding its tracking code may see it.

    No personal data and none of the citizen's own words (see the module docstring).
    """

    tracking_code: str
    state: SubmissionState
    #: The day it was received (local date).
    received_on: dt.date
    #: While the matter is open: the day it must be answered (or decided) by.
    due_on: dt.date | None
    #: Who must answer it now: the department it is assigned to, or the competent level
    #: it was escalated to (``None`` while nobody is named).
    responsible: str | None
    #: The organisation handling it, by name (``None`` for a store's unnamed default).
    organisation: str | None
    #: The answer, once given.
    answer: str | None = None
    answered_on: dt.date | None = None
    #: Why it was closed, once closed.
    close_reason: CloseReason | None = None

    @classmethod
    def of(cls, s: Submission, organisation: str | None) -> PublicStatus:
        """The public part of ``s`` (``organisation``: the name of its organisation)."""
        return cls(
            tracking_code=s.tracking_code or "", state=s.state,
            received_on=s.received_at.astimezone(VIETNAM_TZ).date(),
            due_on=s.due.date if s.due is not None and s.state in _OPEN else None,
            responsible=s.responsible, organisation=organisation, answer=s.answer,
            answered_on=s.answered_on, close_reason=s.close_reason)


class LookupQueries(FlowCore):
    """The citizen's lookup (mixed into :class:`~dialogue_flow.DialogueFlow`)."""

    def lookup(self, code: str) -> PublicStatus:
        """Where the matter with tracking code ``code`` stands, as a citizen may see it.

        ``code`` is read as people type it: any case, spaces and dashes ignored. No actor
        and no authorisation: the code is the citizen's key, so the answer holds nothing
        personal (:class:`PublicStatus`).

        :raises InvalidInputError: ``code`` is not a tracking code (the message says why:
            its length, a character codes do not use, or a check character that does not
            match, i.e. a mistyped or swapped character).
        :raises NotFoundError: a well-formed code no matter has.
        """
        submission = self.storage.get_submission_by_code(parse_tracking_code(code, "code"))
        org = self._stored_organisation(submission.organisation_id)
        return PublicStatus.of(submission, org.name if org is not None else None)
