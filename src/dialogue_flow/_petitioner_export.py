"""What the store holds about one petitioner, as a JSON document (the right of access, Law
91/2025/QH15): :func:`held_about` lists what is held about one matter — the one place an
export (and a reader of the code) learns it from — and :func:`export_document` wraps the
matters of one petitioner.

The document (``version`` 1)::

    {
      "format": "dialogue-flow/petitioner-export",
      "version": 1,
      "made_at": "2026-03-02T08:00:00+07:00",   # when it was made
      "made_by": "vp",                           # the actor's id
      "organisations": ["xa-mot"],               # where the store was searched
      "matters": [
        {
          "submission": {...},       # the record as stored (to_dict), petitioner included
          "history": [{...}, ...],   # its audit trail, oldest first (to_dict rows)
          "notifications": [         # the notices about it, oldest first
            {"key": "...", "event": "answered", "audience": "petitioner",
             "created_at": "...", "status": "delivered",
             "deliveries": [{"recipient": "petitioner:phone", "channel": "sms"}]}
          ],
          "attachments": [{...}, ...]  # its files' records (to_dict: name, type, size,
                                       # SHA-256); the bytes: DialogueFlow.read_attachment
        }
      ],
      "access_log": [{...}, ...]     # earlier reads naming these matters (to_dict entries)
    }

Deliveries name recipients by reference ("petitioner:phone"), never by address; the
notices' text is not repeated (it is made of the matter's topic, answer and dates, all in
``submission``). A key added later leaves version 1 readable; a changed shape is version 2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Final

from ._access_records import AccessEntry
from ._attachments import attachments_of
from ._records import Submission
from ._serialization import to_dict
from .storage import OutboxEntry, Storage

__all__ = ["FORMAT", "VERSION", "export_document", "held_about"]

#: The document's ``format`` and ``version`` keys.
FORMAT: Final = "dialogue-flow/petitioner-export"
VERSION: Final = 1


def held_about(storage: Storage, s: Submission) -> dict[str, Any]:
    """Everything the store holds about one matter, JSON-ready: the record, its audit
    trail, the notices about it, and its attachments' records (names, types, sizes and
    hashes; the files themselves: ``read_attachment``)."""
    return {
        "submission": to_dict(s),
        "history": [to_dict(row) for row in storage.history(Submission.KIND, s.id)],
        "notifications": [_notice(entry)
                          for entry in storage.record_notifications(Submission.KIND, s.id)],
        "attachments": [to_dict(a) for a in attachments_of(storage, s.id)],
    }


def _notice(entry: OutboxEntry) -> dict[str, Any]:
    note = entry.notification
    return {"key": note.key, "event": note.event, "audience": note.audience,
            "created_at": note.created_at.isoformat(), "status": entry.status.value,
            "deliveries": [to_dict(d) for d in entry.deliveries]}


def export_document(storage: Storage, matters: Iterable[Submission], *, made_at: dt.datetime,
                    made_by: str, organisations: Sequence[str],
                    access_log: Iterable[AccessEntry]) -> dict[str, Any]:
    """The export of one petitioner's ``matters`` (see the module docstring)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "made_at": made_at.isoformat(),
        "made_by": made_by,
        "organisations": sorted(organisations),
        "matters": [held_about(storage, s) for s in matters],
        "access_log": [to_dict(entry) for entry in access_log],
    }
