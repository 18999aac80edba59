"""Everything a store holds, read through the :class:`~dialogue_flow.storage.Storage`
protocol: two stores compare equal record for record (a copy, a restore, a migration)."""

from __future__ import annotations

from typing import Any

from dialogue_flow._access_records import AccessQuery
from dialogue_flow._attachments import attachments_of
from dialogue_flow.storage import (
    MAX_PAGE,
    DialogueQuery,
    OutboxStatus,
    ReceptionQuery,
    Storage,
    StoredRecord,
    SubmissionQuery,
    every_page,
)

__all__ = ["store_contents"]


def store_contents(storage: Storage) -> dict[str, Any]:
    """Every record of ``storage`` (organisations, dialogues, submissions, reception days,
    attachments), each one's audit trail, every outbox row of every status (with its
    attempts, lease, last error and deliveries; pending rows in claim order), the access
    log and the documents issued, as plain values that compare with ``==``. For
    test-sized stores: it reads them all."""
    submissions = []
    query = SubmissionQuery(limit=MAX_PAGE)
    while page := storage.find_submissions(query):
        submissions += page
        query = SubmissionQuery(limit=MAX_PAGE, after=page[-1].id)
    records: list[StoredRecord] = [
               *storage.find_organisations(),
               *every_page(storage.find_dialogues, DialogueQuery(limit=MAX_PAGE)),
               *submissions,
               *every_page(storage.find_reception_days, ReceptionQuery(limit=MAX_PAGE)),
               *attachments_of(storage, None)]
    return {
        "records": {(r.KIND, r.id): r for r in records},
        "history": {(r.KIND, r.id): storage.history(r.KIND, r.id) for r in records},
        "outbox": {status.value: storage.outbox_entries(status, MAX_PAGE)
                   for status in OutboxStatus},
        "pending": storage.pending_notifications(),
        "access_log": storage.access_log(AccessQuery(limit=MAX_PAGE)),
        "documents": storage.documents(),
    }
