"""Who may do what: the default authorisation rules, taken from the seed's plan.

- the office plans, announces, reschedules, cancels and holds dialogues, and schedules,
  announces, holds and cancels citizen reception days (the chair too);
- the intake desk (and the office) records submissions and routes collected opinions;
- the chair assigns, escalates, extends and concludes, and may answer anything;
- a department answers only what is assigned to it;
- closing and reopening on the petitioner's word: the chair, the office or the intake desk;
- telling a petitioner the matter was accepted for handling: the chair or the office;
- marking a matter confidential: the intake desk, the office or the chair; reading the
  identity of a petitioner (``identity``): any role, and for a confidential matter only the
  roles its organisation's policy names (``[confidential] roles``, checked before these);
- attaching a file handed in (``attach``): the intake desk, the office or the chair; a
  document issued for the matter (``attach_issued``): the office, the chair, or the
  department the matter is assigned to; reading an attachment's file (``read_attachment``):
  those four; erasing a matter's files (``erase_attachments``): the office or the chair;
- issuing a numbered document (``issue_document``, issue 18: an announcement, a conclusion
  notice, an answer, a report): the office, the chair or the standing committee;
- requests about a petitioner's personal data (Law 91/2025/QH15): finding their matters
  (``find_petitioner``): the intake desk, the office or the chair; exporting or erasing
  them (``export_petitioner``, ``erase_petitioner``): the office or the chair;
- every role acts only on its own organisation's records (a province reads its communes'
  matters through queries; acting on them needs an authorisation hook that grants it);
- the repairs of ``dialogue-flow check`` (completing a stuck dialogue, detaching a matter
  left out of a conclusion notice): the chair or the office;
- importing the office's register of past matters (``import_register``, issue 18): the
  office or the chair.

Hosts replace or refine this through the ``authorize`` hook (first non-None answer wins).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._reception_records import ReceptionDay
from ._records import Actor, Dialogue, Role, Submission, SubmissionState

__all__ = ["RULES", "default_authorize"]

_C, _O, _I, _D = Role.CHAIR, Role.OFFICE, Role.INTAKE_DESK, Role.DEPARTMENT

#: action -> roles allowed by default
RULES: Mapping[str, frozenset[Role]] = {
    "plan": frozenset({_O, _C}),
    "schedule": frozenset({_O, _C}),
    "announce": frozenset({_O, _C}),
    "reschedule": frozenset({_O, _C}),
    "cancel": frozenset({_O, _C}),
    "hold": frozenset({_O, _C}),
    "conclude": frozenset({_C}),
    "receive": frozenset({_I, _O, _C}),
    "prepare": frozenset({_O, _C}),
    "accept": frozenset({_C, _O}),
    "answer": frozenset({_C, _D}),
    "assign": frozenset({_C}),
    "escalate": frozenset({_C}),
    "extend": frozenset({_C}),
    "close": frozenset({_C, _O, _I}),
    "reopen": frozenset({_C, _O, _I}),
    "complete": frozenset({_C, _O}),
    "detach": frozenset({_C, _O}),
    "mark_confidential": frozenset({_I, _O, _C}),
    # A confidential matter's petitioner: the policy's [confidential] roles narrow it first.
    "read_identity": frozenset(Role),
    # Requests about personal data (issue 17, part 1).
    "find_petitioner": frozenset({_I, _O, _C}),
    "export_petitioner": frozenset({_O, _C}),
    "erase_petitioner": frozenset({_O, _C}),
    # Attachments (issue 17): files handed in, documents issued, reading and erasing them.
    "attach": frozenset({_I, _O, _C}),
    "attach_issued": frozenset({_O, _C, _D}),
    "read_attachment": frozenset({_I, _O, _C, _D}),
    "erase_attachments": frozenset({_O, _C}),
    # Numbered documents (issue 18): those who sign or issue for the committee.
    "issue_document": frozenset({_O, _C, Role.STANDING_COMMITTEE}),
    # Importing a register of past matters (issue 18).
    "import_register": frozenset({_O, _C}),
}


def default_authorize(actor: Actor, action: str,
                      record: Dialogue | Submission | ReceptionDay | None) -> bool:
    """The seed's rules. A department acts only on submissions assigned to it; everybody
    acts only on the records of their own organisation (the same roles exist at every
    level: a province has its own chair, office, intake desk and boards)."""
    if actor.role not in RULES.get(action, frozenset()):
        return False
    if record is not None and record.organisation_id != actor.organisation_id:
        return False
    if actor.role is Role.DEPARTMENT and isinstance(record, Submission):
        return (record.department == actor.department
                and record.state is SubmissionState.ASSIGNED)
    return True
