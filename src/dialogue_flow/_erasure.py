"""Erasing a petitioner's personal data from a matter (Law 91/2025/QH15), on request
(:meth:`~dialogue_flow.DialogueFlow.erase_petitioner`) or when the organisation's retention
ran out (the daily sweep, :func:`erase_expired`).

What an erased matter keeps and loses — decided here, once:

- the petitioner becomes ``petitioner.redacted(Redaction.ERASED)``: no name, address,
  phone, e-mail or contacts; its group's name and size and its :attr:`source` stay, so
  reports count persons, groups and anonymous opinions as before;
- the citizen's own words (``content``) are replaced by :data:`ERASED_CONTENT`: they may
  name people, and nothing tells them apart. The search words follow (a matter is no
  longer found by what the citizen wrote);
- the topic, state, dates, department, due dates, answer mode and day, tracking code and
  every report column stay: the matter still counts where it counted;
- the answer stays: it is the organisation's own act, which it keeps like the reasons its
  audit trail records (the library never writes a petitioner's name, phone or address into
  either; an answer quoting one is the office's to correct);
- the audit trail keeps its rows as they are (who did what, when): no row holds a
  petitioner's personal data — a receipt's row has no details — and an ``erase`` row is
  added (no personal data in it; the reason is the operator's, who must not quote any);
- outbox rows hold no personal data by design (addresses are looked up at delivery and
  recorded by reference): nothing to erase there;
- the matter's attachments (issue 17, part 3) lose their names in the same commit, and
  their files are deleted once it committed; their type, size and hash stay
  (``dialogue_flow._attachments.with_attachment_erasure``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final

import attrs

from ._attachments import erased_attachments, remove_files, with_attachment_erasure
from ._clock import VIETNAM_TZ
from ._errors import TransitionVetoedError, VersionConflictError
from ._flow_core import _row
from ._petitioner import Redaction
from ._plugins import announce_commit, check_vetoes
from ._records import (
    DEFAULT_ORGANISATION,
    Actor,
    Organisation,
    Role,
    Submission,
    SubmissionState,
    TransitionRecord,
)
from ._retention import retention_start
from ._tree import default_organisation
from .storage import Changeset, SubmissionQuery

if TYPE_CHECKING:
    from ._flow import DialogueFlow

__all__ = ["ERASED_CONTENT", "erase_changes", "erase_expired", "erased", "is_erased"]

logger = logging.getLogger("dialogue_flow.erasure")

#: What an erased matter's content reads (Vietnamese, then English).
ERASED_CONTENT: Final = ("[Nội dung đã xóa để bảo vệ dữ liệu cá nhân] "
                         "[Content erased to protect personal data]")
#: The audit trail's event of an erasure.
EVENT: Final = "erase"
#: Matters a sweep reads and erases per commit.
_BATCH: Final = 200


def is_erased(s: Submission) -> bool:
    """Whether ``s``'s personal data was erased already."""
    return s.petitioner.redaction is Redaction.ERASED


def erased(s: Submission, now: dt.datetime) -> Submission:
    """``s`` without its petitioner's personal data, as its next version (see the module
    docstring for what stays)."""
    return attrs.evolve(s, petitioner=s.petitioner.redacted(Redaction.ERASED),
                        content=ERASED_CONTENT, version=s.version + 1, updated_at=now)


def erase_changes(records: Sequence[Submission], actor: Actor, now: dt.datetime,
                  reason: str | None) -> tuple[list[Submission], Changeset]:
    """The erased versions of ``records`` and the one changeset writing them with their
    ``erase`` rows (each compared with the version read)."""
    new = [erased(s, now) for s in records]
    rows: list[TransitionRecord] = [_row(n, EVENT, str(s.state), actor, now, reason)
                                    for s, n in zip(records, new, strict=True)]
    return new, Changeset(tuple((n, s.version) for s, n in zip(records, new, strict=True)),
                          tuple(rows))


def erase_expired(flow: DialogueFlow, today: dt.date, tree: dict[str, Organisation],
                  organisations: frozenset[str] | None) -> int:
    """Erase the personal data of every matter of ``organisations`` (``None``: every one)
    closed before its organisation's retention period, in commits of at most a few
    hundred; return how many were erased. Idempotent: an erased matter is not again.

    The closed day is the day the matter last changed while closed (its close, or a later
    correction): never earlier than the close, so nothing is erased early. No retention for
    an organisation (its own, or the flow's for its level): nothing of it is erased.
    """
    erased_count = 0
    for org in _in_scope(tree, organisations):
        period = org.retention or flow.retention.get(org.level)
        if period is None:
            continue
        keep_from = retention_start(today, period)
        actor = Actor("dialogue-flow-sweep", "dialogue-flow sweep", Role.OFFICE,
                      organisation_id=org.id)
        for batch in _expired(flow, org.id, keep_from):
            erased_count += _erase_batch(flow, batch, actor, f"retention {period} after "
                                         "closing")
    return erased_count


def _in_scope(tree: dict[str, Organisation],
              organisations: frozenset[str] | None) -> Iterator[Organisation]:
    yield from (org for org_id, org in sorted(tree.items())
                if organisations is None or org_id in organisations)
    if DEFAULT_ORGANISATION not in tree and (organisations is None
                                             or DEFAULT_ORGANISATION in organisations):
        yield default_organisation()


def _expired(flow: DialogueFlow, organisation_id: str,
             keep_from: dt.date) -> Iterator[list[Submission]]:
    """Batches of ``organisation_id``'s closed matters not erased yet, closed before
    ``keep_from`` (read from the store as stored: the sweep reads identities only to drop
    them)."""
    query = SubmissionQuery(states=frozenset({SubmissionState.CLOSED}),
                            organisations=frozenset({organisation_id}), limit=_BATCH)
    while page := flow.storage.find_submissions(query):
        batch = [s for s in page if not is_erased(s)
                 and s.updated_at.astimezone(VIETNAM_TZ).date() < keep_from]
        if batch:
            yield batch
        if len(page) < _BATCH:
            return
        query = attrs.evolve(query, after=page[-1].id)


def _erase_batch(flow: DialogueFlow, batch: list[Submission], actor: Actor,
                 reason: str) -> int:
    """Commit one batch; on a conflict (a matter changed meanwhile), each matter alone,
    leaving the one that changed to the next sweep. A plugin's veto keeps that matter."""
    now = flow.clock.now()
    kept = []
    for s in batch:
        try:
            check_vetoes(flow.plugins, s.KIND, s, EVENT, str(s.state), actor)
        except TransitionVetoedError as exc:
            logger.warning("retention: %s", exc)
            continue
        kept.append(s)
    if not kept:
        return 0
    try:
        new, changes = erase_changes(kept, actor, now, reason)
        changes = with_attachment_erasure(changes, flow.storage, flow.files, kept, now)
        flow.storage.commit(changes)
    except VersionConflictError:
        if len(kept) == 1:
            return 0
        return sum(_erase_batch(flow, [s], actor, reason) for s in kept)
    remove_files(flow.files, erased_attachments(changes))
    for record in new:
        announce_commit(flow.plugins, record.KIND, record, EVENT, actor)
    return len(new)
