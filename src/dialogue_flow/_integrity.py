"""Auditing a store for broken dialogue invariants, and the audited repairs (issue 13).

The commands keep three invariants under any interleaving (``DialogueRaceContract``): a
dialogue is completed if and only if it is concluded and none of its matters is open; every
matter received before the conclusion is in the notice or was settled at the meeting; none
is received after. A store written by an earlier release may break them. :meth:`check`
finds each break and names the repair; each repair is a command with its audit row:

- a dialogue **concluded with every matter closed** (stuck: no close is left to complete
  it) -> :meth:`complete_dialogue`;
- an **open matter of a completed dialogue**, or an open matter **left out of the
  conclusion notice** though it was not settled at the meeting -> :meth:`detach`: it keeps
  its state, clock and history and is handled on its own, outside the dialogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import attrs

from ._checks import _check_actor, _check_text
from ._errors import InvalidInputError
from ._records import Actor, Dialogue, DialogueState, Submission, SubmissionState
from ._submission_commands import SubmissionCommands
from .storage import SubmissionCount

__all__ = ["IntegrityCommands", "Violation"]

_OPEN = frozenset(s.value for s in SubmissionState if s is not SubmissionState.CLOSED)


@attrs.frozen
class Violation:
    """One broken invariant, with the repair that fixes it."""

    #: ``stuck_concluded``, ``open_in_completed`` or ``missing_from_notice``.
    code: str
    dialogue_id: str
    #: The record the repair acts on (the dialogue, or the submission).
    record_id: str
    message: str
    #: The repair command: ``complete`` (a dialogue) or ``detach`` (a submission).
    repair: str


class IntegrityCommands(SubmissionCommands):
    """:meth:`check` and its repairs (mixed into :class:`~dialogue_flow.DialogueFlow`)."""

    def check(self) -> list[Violation]:
        """Every broken dialogue invariant in the store, oldest dialogue first."""
        return [v for d in self._iter_dialogues() for v in self._violations(d)]

    def _iter_dialogues(self) -> Iterator[Dialogue]:
        after = None
        while True:
            page = self.dialogues(state=(DialogueState.CONCLUDED, DialogueState.COMPLETED),
                                  limit=1000, after=after)
            yield from page.items
            if page.next_after is None:
                return
            after = page.next_after

    def _violations(self, d: Dialogue) -> Iterator[Violation]:
        subs = list(self.iter_submissions(dialogue_id=d.id))
        still_open = [s for s in subs if s.state is not SubmissionState.CLOSED]
        listed = {item.submission_id for item in d.conclusion.items} if d.conclusion else set()
        # When the notice was issued (read once per dialogue); without it, nothing to check.
        concluded = [row.at for row in self.history(d) if row.event == "conclude"]
        issued = concluded[-1] if d.conclusion is not None and concluded else None
        if d.state is DialogueState.CONCLUDED and not still_open:
            yield Violation("stuck_concluded", d.id, d.id,
                            f"dialogue {d.id} is concluded and every matter of it is closed, "
                            "but it was never completed", "complete")
        for s in still_open:
            if d.state is DialogueState.COMPLETED:
                yield Violation("open_in_completed", d.id, s.id,
                                f"submission {s.id} is {s.state} in completed dialogue {d.id}",
                                "detach")
            elif issued is not None and s.id not in listed and not self._settled(s, issued):
                yield Violation("missing_from_notice", d.id, s.id,
                                f"submission {s.id} ({s.state}) is not in the conclusion "
                                f"notice of dialogue {d.id} and was not settled at the meeting",
                                "detach")

    def _settled(self, s: Submission, by: dt.datetime) -> bool:
        """Whether ``s`` was answered or closed by ``by`` (at the meeting)."""
        return any(row.event in ("answer", "close") and row.at <= by
                   for row in self.history(s))

    def complete_dialogue(self, dialogue: str | Dialogue, *, actor: Actor, reason: str,
                          expected_version: int | None = None) -> Dialogue:
        """Repair: complete a concluded dialogue whose matters are all closed.

        Refused while a matter is open (the close of the last one completes it); the commit
        checks that none opened meanwhile.
        """
        dialogue = self._expect(Dialogue, dialogue, expected_version)
        _check_actor(actor)
        _check_text("reason", reason)
        d = self._current(Dialogue, dialogue)
        still_open = [s.id for s in self.iter_submissions(dialogue_id=d.id, state=_OPEN)]
        if d.state is DialogueState.CONCLUDED and still_open:
            raise InvalidInputError("dialogue", f"dialogue {d.id} still has open matters "
                                    f"({', '.join(still_open)}); it completes when the last "
                                    "is closed")
        return self._change(d, "complete", actor, {}, reason=reason,
                            details={"repair": "stuck_concluded"},
                            arguments={"open_submissions": ()},
                            counts=[SubmissionCount(d.id, _OPEN, at_most=0)])

    def detach(self, submission: str | Submission, *, actor: Actor, reason: str,
               expected_version: int | None = None) -> Submission:
        """Repair: take an open matter out of its dialogue, keeping its state and clock.

        Only for what :meth:`check` reports: an open matter of a completed dialogue, or one
        left out of the conclusion notice. Detaching the last open matter of a concluded
        dialogue completes the dialogue in the same commit.
        """
        submission = self._expect(Submission, submission, expected_version)
        _check_actor(actor)
        _check_text("reason", reason)
        s = self._current(Submission, submission)
        if s.dialogue_id is None:
            raise InvalidInputError("submission", f"{s.id} belongs to no dialogue")
        d = self.dialogue(s.dialogue_id)
        broken = {v.record_id for v in self._violations(d) if v.repair == "detach"}
        if s.id not in broken:
            raise InvalidInputError(
                "submission", f"{s.id} breaks no invariant of dialogue {d.id} "
                "(dialogue-flow check lists what to detach)")
        extra, rows, guards, counts = self._completion(s, actor) if (
            d.state is DialogueState.CONCLUDED) else ([], [], [], [])
        if d.state is DialogueState.COMPLETED:
            guards = [(Dialogue.KIND, d.id, d.version)]
        return self._change(s, "detach", actor, {"dialogue_id": None}, reason=reason,
                            details={"dialogue": d.id}, extra=extra, extra_rows=rows,
                            guards=guards, counts=counts)
