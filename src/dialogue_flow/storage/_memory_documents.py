"""The in-memory backend's issued documents (issue 18), a mixin of
:class:`~dialogue_flow.MemoryStorage` kept apart so each module stays a size one can read.
The same rules as the SQL backends' (:mod:`dialogue_flow.storage._document_sql`), under
the storage's one lock."""

from __future__ import annotations

import threading

import attrs

from dialogue_flow._document_records import IssuedDocument, document_filters

from ._document_sql import check_issue

__all__ = ["MemoryDocuments"]


class MemoryDocuments:
    """``issue_document`` and ``documents`` on the storage's list and lock."""

    _lock: threading.Lock
    #: Every document issued, in issue order.
    _documents: list[IssuedDocument]

    def issue_document(self, document: IssuedDocument, *,
                       reissue: bool = False) -> IssuedDocument:
        document = check_issue(document, reissue)
        subject = _subject(document)
        with self._lock:
            if not reissue:
                found = [kept for kept in self._documents if _subject(kept) == subject]
                if found:
                    return found[-1]
            sequence = (document.organisation_id, document.series, document.year)
            last = max((kept.number for kept in self._documents
                        if (kept.organisation_id, kept.series, kept.year) == sequence),
                       default=0)
            issued = attrs.evolve(document, number=last + 1)
            self._documents.append(issued)
            return issued

    def documents(self, *, organisation_id: str | None = None, subject_id: str | None = None,
                  kind: str | None = None) -> list[IssuedDocument]:
        organisation_id, subject_id, kind = document_filters(organisation_id, subject_id, kind)
        with self._lock:
            return [kept for kept in self._documents
                    if (organisation_id is None or kept.organisation_id == organisation_id)
                    and (subject_id is None or kept.subject_id == subject_id)
                    and (kind is None or kept.kind == kind)]


def _subject(document: IssuedDocument) -> tuple[str, str, str, str]:
    return (document.subject_id, document.subject_kind, document.kind.value,
            document.organisation_id)
