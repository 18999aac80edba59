"""Issuing numbered documents (issue 18): :meth:`DocumentCommands.issue_document` and
:meth:`DocumentCommands.documents`, mixed into :class:`~dialogue_flow.DialogueFlow`.

The number is the store's to give (:meth:`~dialogue_flow.storage.Storage.issue_document`):
the next of the issuing organisation's series in the year, taken in the transaction that
records the document, so two offices' workers never print the same one. What a document is
numbered in is :mod:`dialogue_flow._document_records`' (Hướng dẫn 36-HD/VPTW).

The document is recorded beside the record it belongs to, not in it: issuing writes no new
version of the dialogue or submission (a printout is not a change of the matter, and a
reprint must not conflict with a command running on it), and so no audit-trail row either,
as the audit trail holds one row per version of a record. ``documents(subject_id=...)``
lists what was issued about a record.
"""

from __future__ import annotations

import datetime as dt

from ._checks import _check_actor, _check_bool
from ._document_records import SERIES, SUBJECT_KINDS, DocumentKind, IssuedDocument
from ._errors import InvalidInputError, PermissionDeniedError
from ._flow_core import FlowCore
from ._records import _ID, _ID_RULE, Actor, Dialogue, DialogueState, Submission, _to_member

__all__ = ["DocumentCommands"]


class DocumentCommands(FlowCore):
    """Issuing numbered documents and listing them (mixed into
    :class:`~dialogue_flow.DialogueFlow`)."""

    def issue_document(self, kind: DocumentKind | str, subject: Dialogue | Submission | str,
                       *, actor: Actor, on: dt.date | None = None,
                       organisation: str | None = None,
                       reissue: bool = False) -> IssuedDocument:
        """Issue a document of ``kind`` about ``subject`` and return it with its number:
        the next of the organisation's series (TB for an announcement and a conclusion
        notice, CV for an answer, BC for a report) in the year of ``on`` (default: today;
        never a day to come).

        ``subject``: a dialogue (announcement, conclusion notice) or a submission (answer),
        as a record or its id; for a report, its scope ("2021-H1", "2021-H1:subtree"...),
        issued by ``organisation`` (default: the actor's). A dialogue's or submission's
        document is its organisation's (``organisation``, when given, must be it).

        The same kind about the same subject again returns the document already issued,
        with its number and day: a reprint. ``reissue=True`` issues it anew under the next
        number (a corrected document); the old number stays used. For the office, the
        chair and the standing committee (action ``issue_document``), of their own
        organisation.

        :raises InvalidInputError: a bad kind, subject, day or organisation; a conclusion
            notice of a dialogue not concluded, an answer to a matter not answered, an
            announcement of a cancelled dialogue.
        :raises NotFoundError: no such dialogue or submission.
        :raises PermissionDeniedError: the actor may not issue it.
        """
        member = _to_member(DocumentKind, "kind", kind)
        _check_actor(actor)
        _check_bool("reissue", reissue)
        day = self._day("on", on)
        return self._issue(member, self._subject(member, subject), subject, actor=actor,
                           day=day, organisation=organisation, reissue=reissue)

    def _issue(self, member: DocumentKind, record: Dialogue | Submission | None,
               subject: object, *, actor: Actor, day: dt.date, organisation: str | None,
               reissue: bool) -> IssuedDocument:
        """:meth:`issue_document` once its arguments are checked and ``record`` (``None``:
        a report about the scope ``subject``) is read and ready: the office documents'
        builders, which read it themselves, start here."""
        if record is not None:
            organisation_id, subject_id = record.organisation_id, record.id
            if organisation is not None and organisation != organisation_id:
                raise InvalidInputError("organisation", f"{record.KIND} {record.id} is "
                                        f"organisation {organisation_id}'s; its documents "
                                        "are numbered there")
        else:
            organisation_id = actor.organisation_id if organisation is None else organisation
            subject_id = _scope(subject)
            _check_id("organisation", organisation_id)
        self._authorize(actor, "issue_document", record)
        if record is None and organisation_id != actor.organisation_id:
            raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not issue a report "
                                        f"of organisation {organisation_id}")
        document = IssuedDocument(organisation_id, member, SERIES[member], day.year, 0,
                                  SUBJECT_KINDS[member], subject_id, day, actor.id)
        return self.storage.issue_document(document, reissue=reissue)

    def documents(self, *, organisation: str | None = None, subject_id: str | None = None,
                  kind: DocumentKind | str | None = None) -> list[IssuedDocument]:
        """The documents issued, in the order they were (of an organisation, about a
        record or a report's scope, of a kind, when given): what was issued with a record
        is ``documents(subject_id=record.id)``."""
        return self.storage.documents(organisation_id=organisation, subject_id=subject_id,
                                      kind=None if kind is None else str(kind))

    def _subject(self, kind: DocumentKind, subject: object) -> Dialogue | Submission | None:
        """The stored record a document of ``kind`` is about (``None``: a report), checked
        for being ready to be issued about."""
        wanted = SUBJECT_KINDS[kind]
        if wanted == "report":
            if isinstance(subject, Dialogue | Submission):
                raise InvalidInputError("subject", "a report is about a period's scope "
                                        "(e.g. '2021-H1'), not a record")
            return None
        if isinstance(subject, Dialogue | Submission):
            if wanted != subject.KIND:
                raise InvalidInputError("subject", f"a document of kind {kind} is about a "
                                        f"{wanted}, not a {subject.KIND}")
            subject = subject.id
        _check_id("subject", subject)
        if wanted == Dialogue.KIND:
            d = self.storage.get_dialogue(str(subject))
            if kind is DocumentKind.CONCLUSION_NOTICE and d.conclusion is None:
                raise InvalidInputError("subject", f"dialogue {d.id} has no conclusion "
                                        "notice yet (conclude it first)")
            if kind is DocumentKind.ANNOUNCEMENT and d.state is DialogueState.CANCELLED:
                raise InvalidInputError("subject", f"dialogue {d.id} was cancelled")
            return d
        s = self.storage.get_submission(str(subject))
        if s.answer is None:
            raise InvalidInputError("subject", f"submission {s.id} has no written answer "
                                    "yet")
        return s


def _check_id(field: str, value: object) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInputError(field, f"expected an id ({_ID_RULE})")


def _scope(value: object) -> str:
    """A report's scope, as its documents record it."""
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInputError("subject", "a report's scope is its period, e.g. '2021-H1' "
                                f"(or '2021-H1:subtree', '2021-H1:rollup'): {_ID_RULE}")
    return value
