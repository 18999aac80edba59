"""Requests about personal data (Law 91/2025/QH15): finding, exporting and erasing what is
held about one petitioner, and the access log read back.

Every read of personal data through the library is logged (``FlowCore._log_access``, in
``dialogue_flow._access``): a report with personal data, a petitioner found by name, phone
or e-mail, an export, an erase. The log holds ids only.

A petitioner is named by ``phone``, ``email`` or ``name`` (matched exactly on normalised
values, every one given: ``dialogue_flow._petitioner_match``), or by one of their matters
(``submission``: an id or a tracking code), whose phone and e-mail then find the others.
The search covers ``organisation`` (default: the actor's; ``subtree=True``: and those under
it). It reads only the candidates: the matters whose petitioner shares a 16-bit bucket of
the phone, e-mail or name asked for (``petitioner_keys``, an indexed column that holds no
copy of them), then compares those exactly (docs/benchmarks.md has the figures).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ._access_records import AccessEntry, AccessQuery
from ._attachments import erased_attachments, remove_files, with_attachment_erasure
from ._checks import _check_actor, _check_id, _check_text, _opt_date
from ._clock import VIETNAM_TZ
from ._erasure import EVENT, erase_changes, is_erased
from ._errors import InvalidInputError, NotFoundError, PetitionerNotFoundError
from ._file_store import FileStore
from ._flow_core import FlowCore, Page
from ._petitioner_export import export_document
from ._petitioner_match import PetitionerMatch
from ._plugins import announce_commit, check_vetoes
from ._records import Actor, Submission
from ._tracking import is_tracking_code
from ._withheld import ConfidentialRules
from .storage import MAX_PAGE, SubmissionQuery, check_limit

__all__ = ["Erasure", "PersonalDataCommands"]

#: Matters read per page while searching for a petitioner.
_PAGE = 1000


@attrs.frozen
class Erasure:
    """What :meth:`~dialogue_flow.DialogueFlow.erase_petitioner` did, by submission id."""

    #: Erased now, in one commit.
    erased: tuple[str, ...] = ()
    #: Named (by ``submission``) but erased before: nothing was written for them.
    already_erased: tuple[str, ...] = ()
    #: Linked to an erased matter (escalated from or to it), outside the search's
    #: organisations and not erased yet: theirs to erase (or a province's, with
    #: ``subtree=True`` and an authoriser that grants it).
    elsewhere: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        """Whether anything was erased now."""
        return bool(self.erased)


class PersonalDataCommands(FlowCore):
    """The access log, and what a petitioner may ask about their data."""

    #: The flow's file store (``AttachmentCommands``): an erasure deletes the matters' files.
    _files: FileStore | None


    def access_log(self, *, organisation: str | None = None, subtree: bool = False,
                   actor: Actor | str | None = None, record: Submission | str | None = None,
                   start: dt.date | None = None, end: dt.date | None = None,
                   limit: int = 100, after: str | None = None) -> Page[AccessEntry]:
        """One page of the access log, oldest first: who read which records' personal
        data, when and why (ids only).

        ``organisation`` (``subtree=True``: and those under it): reads of its records;
        ``actor``: reads by this actor (or actor id); ``record``: reads naming this
        submission (or id); ``start`` and ``end``: reads on these days (Vietnamese time,
        both included). Pass the page's ``next_after`` as ``after`` for the next page.
        """
        actor_id = actor.id if isinstance(actor, Actor) else actor
        record_id = record.id if isinstance(record, Submission) else record
        for field, value in (("actor", actor_id), ("record", record_id)):
            if value is not None:
                _check_id(field, value)
        first, last = _opt_date("start", start), _opt_date("end", end)
        if first is not None and last is not None and last < first:
            raise InvalidInputError("end", f"{last.isoformat()} is before start "
                                    f"{first.isoformat()}")
        if after is not None and not str(after).isdigit():
            raise InvalidInputError("after", f"{after!r} is not a cursor of the access log "
                                    "(use the next_after of the previous page)")
        query = AccessQuery(
            organisations=self._scope(organisation, subtree), actor_id=actor_id,
            record_ids=None if record_id is None else frozenset({record_id}),
            since=_midnight(first), before=_midnight(last, 1),
            after=None if after is None else int(after), limit=check_limit(limit) + 1)
        found = self.storage.access_log(query)
        more = len(found) > limit
        kept = tuple(found[:limit])
        return Page(kept, str(kept[-1].seq) if more and kept else None)

    # --- one petitioner ----------------------------------------------------------------

    def find_petitioner(self, *, actor: Actor, phone: str | None = None,
                        email: str | None = None, name: str | None = None,
                        submission: str | Submission | None = None,
                        organisation: str | None = None,
                        subtree: bool = False) -> list[Submission]:
        """The matters held about one petitioner, oldest first, as stored (their identity
        included): for the intake desk, the office or the chair. The read is recorded in
        the access log (purpose ``find``); finding nobody reads nothing. A confidential
        matter is left out unless the policy names the actor's role (issue 17).

        See the module docstring for how a petitioner is named and where it searches.

        :raises InvalidInputError: no criterion, or ``submission`` with others.
        :raises NotFoundError: no such submission in the search's organisations.
        """
        scope = self._scope(self._organisation_of(actor, organisation), subtree)
        found = self._readable(actor, self._petitioner_matters(
            "find_petitioner", actor, phone, email, name, submission, scope))
        self._log_access(actor, "find", found)
        return found

    def export_petitioner(self, *, actor: Actor, phone: str | None = None,
                          email: str | None = None, name: str | None = None,
                          submission: str | Submission | None = None,
                          organisation: str | None = None,
                          subtree: bool = False) -> dict[str, Any]:
        """Everything held about one petitioner, as a JSON-ready document (``version``
        1, shape in ``dialogue_flow._petitioner_export``): their matters as stored, each
        matter's audit trail, the notices about it and whom they reached (by reference),
        and the access log's earlier reads of those matters. For the office or the chair;
        the read is recorded in the access log (purpose ``export``).

        :raises PetitionerNotFoundError: nothing is held about them.
        """
        scope = self._scope(self._organisation_of(actor, organisation), subtree)
        found = self._readable(actor, self._petitioner_matters(
            "export_petitioner", actor, phone, email, name, submission, scope))
        if not found:
            raise PetitionerNotFoundError(_criteria(phone, email, name), _where(scope))
        earlier = self._every_entry(AccessQuery(record_ids=frozenset(s.id for s in found),
                                                limit=MAX_PAGE))
        document = export_document(self.storage, found, made_at=self.clock.now(),
                                   made_by=actor.id, organisations=sorted(scope or ()),
                                   access_log=earlier)
        self._log_access(actor, "export", found)
        return document

    def erase_petitioner(self, *, actor: Actor, reason: str, phone: str | None = None,
                         email: str | None = None, name: str | None = None,
                         submission: str | Submission | None = None,
                         organisation: str | None = None,
                         subtree: bool = False) -> Erasure:
        """Erase one petitioner's personal data from every matter held about them, in one
        commit (what stays and what goes: ``dialogue_flow._erasure``): each matter gets an
        ``erase`` row in its audit trail (``reason`` there: the request's reference, never
        personal data). For the office or the chair, on each matter (by default: of their
        own organisation). The read is recorded in the access log (purpose ``erase``).

        Matters escalated from or to an erased one, in the search's organisations, are
        erased with it; those elsewhere are listed (:attr:`Erasure.elsewhere`). A matter
        named by ``submission`` and erased before is a no-op that says so
        (:attr:`Erasure.already_erased`).

        :raises PetitionerNotFoundError: nothing is held about them (nor erased before).
        :raises PermissionDeniedError: the actor may not erase one of the matters; nothing
            was erased.
        """
        _check_actor(actor)
        _check_text("reason", reason)
        scope = self._scope(self._organisation_of(actor, organisation), subtree)

        def attempt() -> Erasure:
            found = self._petitioner_matters("erase_petitioner", actor, phone, email, name,
                                             submission, scope, erased_too=True)
            if not found:
                raise PetitionerNotFoundError(_criteria(phone, email, name), _where(scope))
            family, elsewhere = self._linked(found, scope)
            return self._erase(actor, reason, family, elsewhere)

        return self._decide(Submission.KIND, None, attempt)

    def _erase(self, actor: Actor, reason: str, family: list[Submission],
               elsewhere: list[str]) -> Erasure:
        """Erase ``family`` in one commit (attachments add what they remove here)."""
        todo = [s for s in family if not is_erased(s)]
        for s in todo:
            self._authorize(actor, "erase_petitioner", s)
            check_vetoes(self.plugins, s.KIND, s, EVENT, str(s.state), actor)
        new: list[Submission] = []
        if todo:
            now = self.clock.now()
            new, changes = erase_changes(todo, actor, now, reason)
            changes = with_attachment_erasure(changes, self.storage, self._files, todo, now)
            self.storage.commit(changes)
            remove_files(self._files, erased_attachments(changes))
        self._log_access(actor, "erase", todo)  # an erased matter holds nothing to read
        for record in new:
            announce_commit(self.plugins, record.KIND, record, EVENT, actor)
        return Erasure(erased=tuple(s.id for s in todo),
                       already_erased=tuple(s.id for s in family if is_erased(s)),
                       elsewhere=tuple(elsewhere))

    def _petitioner_matters(self, action: str, actor: Actor, phone: object, email: object,
                            name: object, submission: object, scope: frozenset[str] | None,
                            *, erased_too: bool = False) -> list[Submission]:
        """The stored matters of the petitioner the arguments name, in ``scope`` (the
        search's organisations, which each command reads once), oldest first;
        ``erased_too``: with a named matter erased before."""
        _check_actor(actor)
        self._authorize(actor, action, None)
        match = PetitionerMatch.of(phone=phone, email=email, name=name)
        if submission is None and match.empty:
            raise InvalidInputError("phone", "name the petitioner: phone, email, name or "
                                    "submission")
        if submission is not None and not match.empty:
            raise InvalidInputError("submission", "name the petitioner either by one of "
                                    "their matters or by phone, email and name, not both")
        if submission is None:
            return self._scan(scope, match)
        named = self._named(submission, scope)
        if is_erased(named):
            return [named] if erased_too else []
        found = {s.id: s for criterion in PetitionerMatch.same_person(named.petitioner)
                 for s in self._scan(scope, criterion)}
        found[named.id] = named
        return [found[k] for k in sorted(found)]

    def _readable(self, actor: Actor, found: list[Submission]) -> list[Submission]:
        """``found`` without the confidential matters whose petitioner's identity
        ``actor``'s role may not read (issue 17: a match would name the denouncer); the
        policy read once per organisation, and only for a confidential matter."""
        rules: dict[str, ConfidentialRules] = {}
        kept = []
        for s in found:
            if s.confidential:
                org_id = s.organisation_id
                if org_id not in rules:
                    rules[org_id] = self.policy_of(org_id).confidential
                if not rules[org_id].may_read(actor.role):
                    continue
            kept.append(s)
        return kept

    def _named(self, submission: object, scope: frozenset[str] | None) -> Submission:
        """The matter ``submission`` names (a record, an id or a tracking code), read as
        stored; it must lie in ``scope``."""
        ref = submission.id if isinstance(submission, Submission) else submission
        _check_id("submission", ref)
        text = str(ref)
        try:
            s = self.storage.get_submission(text)
        except NotFoundError:
            code = text.replace("-", "").replace(" ", "").upper()
            if not is_tracking_code(code):
                raise
            s = self.storage.get_submission_by_code(code)
        if scope is not None and s.organisation_id not in scope:
            raise NotFoundError(Submission.KIND, text)  # not one the search may read
        return s

    def _scan(self, scope: frozenset[str] | None, match: PetitionerMatch) -> list[Submission]:
        """Every stored matter of ``scope`` whose petitioner ``match`` names, by id: the
        candidates sharing its bucket, compared exactly."""
        query = SubmissionQuery(organisations=scope, limit=_PAGE, petitioner_key=match.key)
        found: list[Submission] = []
        while page := self.storage.find_submissions(query):
            found += [s for s in page if match.matches(s.petitioner)]
            if len(page) < _PAGE:
                break
            query = attrs.evolve(query, after=page[-1].id)
        return found

    def _linked(self, found: list[Submission], scope: frozenset[str] | None,
                ) -> tuple[list[Submission], list[str]]:
        """``found`` and the matters escalated from or to them (at any depth), those in
        ``scope`` read, the ids of the others apart."""
        family = {s.id: s for s in found}
        elsewhere: set[str] = set()
        waiting = list(found)
        while waiting:
            s = waiting.pop()
            linked = {s.origin_id, s.transferred_to} | {
                row.details.get("linked") or row.details.get("origin")
                for row in self.storage.history(Submission.KIND, s.id)
                if row.event in ("escalate", "receive")}
            for other_id in sorted(i for i in linked if i is not None):
                if other_id in family or other_id in elsewhere:
                    continue
                try:
                    other = self.storage.get_submission(other_id)
                except NotFoundError:
                    continue
                if scope is not None and other.organisation_id not in scope:
                    if not is_erased(other):  # nothing left to ask of them otherwise
                        elsewhere.add(other_id)
                    continue
                family[other_id] = other
                waiting.append(other)
        return [family[k] for k in sorted(family)], sorted(elsewhere)

    def _organisation_of(self, actor: Actor, organisation: str | None) -> str:
        """The organisation a request searches: the one named, else the actor's."""
        _check_actor(actor)
        return actor.organisation_id if organisation is None else organisation

    def _every_entry(self, query: AccessQuery) -> list[AccessEntry]:
        found: list[AccessEntry] = []
        while page := self.storage.access_log(query):
            found += page
            if len(page) < query.limit:
                break
            query = attrs.evolve(query, after=page[-1].seq)
        return found


def _criteria(phone: object, email: object, name: object) -> str:
    given = [field for field, value in (("phone", phone), ("e-mail", email), ("name", name))
             if value is not None]
    return " and ".join(given) or "matter"


def _where(scope: frozenset[str] | None) -> str:
    return "the store" if scope is None else ", ".join(sorted(scope))


def _midnight(day: dt.date | None, days_after: int = 0) -> dt.datetime | None:
    """The instant ``day`` (plus ``days_after``) begins in Vietnam."""
    if day is None:
        return None
    try:
        day += dt.timedelta(days=days_after)
    except OverflowError:  # the day after the last date: no bound
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=VIETNAM_TZ)
