"""Confidential petitions (issue 17): marking a matter confidential, and reading its
petitioner's identity (see ``_withheld`` for what every other reader sees).

A mark is never taken back. Unmarking would show the identity, from then on, to every
reader, plugin and report of the store, and a denouncer relied on it staying hidden; a
matter marked by mistake loses nothing, as its identity stays stored and the roles the
policy names read it with :meth:`ConfidentialCommands.identity`.
"""

from __future__ import annotations

from ._checks import _check_actor, _replace
from ._errors import InvalidInputError, PermissionDeniedError
from ._flow_core import FlowCore, _row
from ._petitioner import Petitioner
from ._records import Actor, Submission, TransitionRecord
from ._withheld import identity_readable, withheld_petitioner
from .storage import Record

__all__ = ["ConfidentialCommands"]

#: Matters of one transfer family read at most (a chain is a few levels long; the bound
#: only stops a corrupted store).
_FAMILY_LIMIT = 64


class ConfidentialCommands(FlowCore):
    """Marking a matter confidential and reading its petitioner's identity (mixed into
    :class:`~dialogue_flow.DialogueFlow`)."""

    def mark_confidential(self, submission: str | Submission, *, actor: Actor,
                          expected_version: int | None = None) -> Submission:
        """Protect the petitioner's identity of a matter received without it (a
        denunciation is confidential from the start): from now on every read, report,
        notice to anyone but the petitioner and plugin sees it withheld, and the roles the
        policy names read it with :meth:`identity`. For the intake desk, the office or the
        chair; audited, with no personal data in the row.

        The matters escalated from it to other organisations of the store, and the one it
        was escalated from, are marked in the same commit; each copy keeps the identity
        only where every organisation it passed through receives it (``[confidential]
        receive_identity``), as if the matter had been confidential when it was escalated.
        A mark is never taken back (see the module docstring).

        :raises InvalidInputError: the matter is confidential already.
        """
        submission = self._expect(Submission, submission, expected_version)
        _check_actor(actor)
        return self._decide(Submission.KIND, submission,
                            lambda: self._mark_confidential(submission, actor))

    def _mark_confidential(self, submission: str | Submission, actor: Actor) -> Submission:
        s = self._current(Submission, submission)
        if s.confidential:
            raise InvalidInputError("submission", f"{s.id} is confidential already; a "
                                    "confidential matter stays so")
        now = self.clock.now()
        shown = self._family_petitioners(s)
        extra: list[tuple[Record, int]] = []
        rows: list[TransitionRecord] = []
        for other, petitioner in shown.values():
            if other.id == s.id or other.confidential:
                continue
            new = _replace(other, {"confidential": True, "petitioner": petitioner,
                                   "version": other.version + 1, "updated_at": now})
            extra.append((new, other.version))
            rows.append(_row(new, "mark_confidential", other.state, actor, now,
                             details={"by": s.organisation_id, "linked": s.id}))
        return self._change(s, "mark_confidential", actor,
                            {"confidential": True, "petitioner": shown[s.id][1]},
                            extra=extra, extra_rows=rows)

    def _family_petitioners(self, s: Submission) -> dict[str, tuple[Submission, Petitioner]]:
        """Every matter of ``s``'s transfer family (the first one it was escalated from, and
        every copy escalated from that one, at any depth), by id, with the petitioner it
        keeps once confidential: the first one its own; a copy its own only while every
        organisation from the first one down to it receives the identity."""
        root = s
        for _level in range(_FAMILY_LIMIT):
            if root.origin_id is None:
                break
            root = self.storage.get_submission(root.origin_id)
        found: dict[str, tuple[Submission, Petitioner]] = {}
        waiting: list[tuple[Submission, bool]] = [(root, True)]
        while waiting and len(found) < _FAMILY_LIMIT:
            current, identity_kept = waiting.pop()
            if current.id in found:
                continue
            found[current.id] = (current, current.petitioner if identity_kept
                                 else withheld_petitioner(current.petitioner))
            for row in self.storage.history(Submission.KIND, current.id):
                copy_id = row.details.get("linked")
                if row.event != "escalate" or copy_id is None or copy_id in found:
                    continue
                copy = self.storage.get_submission(copy_id)
                receives = self.policy_of(copy.organisation_id).confidential.receive_identity
                waiting.append((copy, identity_kept and receives))
        return found

    def identity(self, submission: str | Submission, *, actor: Actor) -> Petitioner:
        """The petitioner of ``submission`` as stored, identity included, for ``actor``;
        the read is recorded in the access log.

        A confidential matter's is given only to the roles its organisation's policy names
        (``[confidential] roles``; the chair when the policy names none). A copy received
        without the identity (its organisation's policy does not receive it) has none to
        give. Like every command, the actor must also be authorised (``read_identity``: by
        default, a role of the matter's organisation).

        :raises PermissionDeniedError: the actor may not read it.
        """
        _check_actor(actor)
        ref = submission.id if isinstance(submission, Submission) else submission
        s = self._current(Submission, ref)  # the stored record, whichever version was read
        rules = self.policy_of(s.organisation_id).confidential
        if not identity_readable(s, actor.role, rules):
            named = ", ".join(r.value for r in rules.roles) or "no role"
            raise PermissionDeniedError(
                f"{actor.name} ({actor.role}) may not read the identity of the petitioner "
                f"of confidential submission {s.id}; the policy of {s.organisation_id} "
                f"gives it to: {named}")
        self._authorize(actor, "read_identity", s)
        self._log_access(actor, "identity", [s])
        return s.petitioner
