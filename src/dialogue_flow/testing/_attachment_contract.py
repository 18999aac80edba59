"""The storage contract for attachment records (issue 17, part 3): written in a commit with
their submission's audit row, versioned like every record, listed by submission and over
the whole store, one file each."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import attrs

from dialogue_flow import (
    VIETNAM_TZ,
    Attachment,
    AttachmentKind,
    NotFoundError,
    StorageError,
    VersionConflictError,
)
from dialogue_flow.storage import Changeset, Storage

from ._fakes import sample_submission, sample_transition
from ._support import _equal, _raises, _true

#: When the sample attachments are attached.
_AT = dt.datetime(2026, 1, 12, 9, 30, tzinfo=VIETNAM_TZ)


def sample_attachment(attachment_id: str = "att-0001", *, submission_id: str = "sub-0001",
                      version: int = 1, **fields: Any) -> Attachment:
    """A valid :class:`Attachment` (a scanned letter of ``submission_id``); ``fields``
    override any other attribute."""
    content = f"scan of {attachment_id}".encode()
    values: dict[str, Any] = {
        "id": attachment_id, "submission_id": submission_id, "version": version,
        "kind": AttachmentKind.RECEIVED, "file_key": f"2026/01/{attachment_id}",
        "content_type": "application/pdf", "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(), "attached_at": _AT,
        "actor_id": "tiep-nhan", "name": "Đơn kiến nghị của ông A.pdf",
    }
    return Attachment(**{**values, **fields})


def _attached(storage: Storage, *attachments: Attachment,
              submission_id: str = "sub-0001") -> None:
    """Store a submission and ``attachments`` as ``attach`` does: the submission's next
    version and its audit row in the same commit."""
    try:
        current = storage.get_submission(submission_id)
    except NotFoundError:
        current = sample_submission(submission_id)
        storage.commit(Changeset(((current, 0),), (sample_transition(current),)))
    new = attrs.evolve(current, version=current.version + 1)
    storage.commit(Changeset(((new, current.version), *((a, 0) for a in attachments)),
                             (sample_transition(new, event="attach"),)))


class AttachmentContract:
    """Attachment records: a record kind of its own, with the rules of the other kinds."""

    def test_attachment_reads_back_equal(self, storage: Storage) -> None:
        """Every field survives the round trip: the Vietnamese name, the kind, the hash."""
        attachment = sample_attachment(kind=AttachmentKind.ISSUED, organisation_id="xa-mot")
        _attached(storage, attachment)
        _equal(attachment, storage.get_attachment(attachment.id), "read back")
        _equal(attachment.name, storage.get_attachment(attachment.id).name, "name")

    def test_missing_attachment_raises_not_found(self, storage: Storage) -> None:
        """An unknown id is NotFoundError naming it."""
        error = _raises(NotFoundError, storage.get_attachment, "att-missing")
        _equal(("attachment", "att-missing"), (error.kind, error.record_id), "error")

    def test_found_by_its_file_key(self, storage: Storage) -> None:
        """The attachment holding a file key, erased or not; an unknown key is
        NotFoundError naming it."""
        _attached(storage, sample_attachment(), sample_attachment(
            "att-0002", file_key="2026/01/att-0002"))
        _equal("att-0002", storage.get_attachment_by_file_key("2026/01/att-0002").id, "found")
        erased = storage.get_attachment("att-0001").erasure(_AT)
        storage.commit(Changeset(((erased, 1),)))
        _equal(erased, storage.get_attachment_by_file_key("2026/01/att-0001"), "erased")
        error = _raises(NotFoundError, storage.get_attachment_by_file_key, "2026/01/none")
        _equal(("attachment", "2026/01/none"), (error.kind, error.record_id), "error")

    def test_written_with_its_audit_row_or_not_at_all(self, storage: Storage) -> None:
        """A commit whose submission write is stale writes no attachment either."""
        _attached(storage)
        stale = sample_submission(version=2)
        _raises(VersionConflictError, storage.commit, Changeset(
            ((stale, 1), (sample_attachment(), 0)), (sample_transition(stale),)))
        _raises(NotFoundError, storage.get_attachment, "att-0001")
        _equal([], storage.find_attachments("sub-0001"), "listed")

    def test_an_attachment_is_written_once(self, storage: Storage) -> None:
        """A second attachment with the same id (expected 0) is a version conflict."""
        _attached(storage, sample_attachment())
        again = sample_attachment(file_key="2026/01/other")
        _raises(VersionConflictError, storage.commit, Changeset(((again, 0),)))
        _equal("2026/01/att-0001", storage.get_attachment("att-0001").file_key, "kept")

    def test_no_two_attachments_share_a_file(self, storage: Storage) -> None:
        """A file key another attachment holds is refused, and nothing is written."""
        _attached(storage, sample_attachment())
        twin = sample_attachment("att-0002", file_key="2026/01/att-0001")
        _raises(StorageError, _attached, storage, twin)
        _raises(NotFoundError, storage.get_attachment, "att-0002")
        _equal(2, storage.get_submission("sub-0001").version, "submission untouched")
        both = [sample_attachment("att-0003", file_key="2026/01/x"),
                sample_attachment("att-0004", file_key="2026/01/x")]
        _raises(StorageError, _attached, storage, *both)
        _equal(["att-0001"], [a.id for a in storage.find_attachments()], "nothing written")

    def test_erasure_is_a_new_version(self, storage: Storage) -> None:
        """Erasing writes version 2 against version 1: the name cleared, the rest kept; a
        stale erasure is a conflict."""
        attachment = sample_attachment()
        _attached(storage, attachment)
        erased = attachment.erasure(_AT + dt.timedelta(days=400))
        storage.commit(Changeset(((erased, 1),)))
        stored = storage.get_attachment(attachment.id)
        _equal(erased, stored, "erased")
        _equal((None, attachment.sha256, 2), (stored.name, stored.sha256, stored.version),
               "name cleared, hash kept")
        _raises(VersionConflictError, storage.commit, Changeset(((erased, 1),)))

    def test_listed_by_submission_in_id_order(self, storage: Storage) -> None:
        """A submission's attachments, by id, and no other's; ``after`` and ``limit``
        page them; an unknown submission has none."""
        mine = [sample_attachment(f"att-{n:04d}") for n in (3, 1, 2)]
        _attached(storage, *mine)
        _attached(storage, sample_attachment("att-0000", submission_id="sub-0002"),
                  submission_id="sub-0002")
        _equal(["att-0001", "att-0002", "att-0003"],
               [a.id for a in storage.find_attachments("sub-0001")], "of sub-0001")
        _equal(["att-0002"], [a.id for a in storage.find_attachments(
            "sub-0001", after="att-0001", limit=1)], "a page")
        _equal([], storage.find_attachments("sub-missing"), "unknown submission")

    def test_every_attachment_of_the_store_page_by_page(self, storage: Storage) -> None:
        """Without a submission, every attachment by id (erased ones too), page by page."""
        for n in range(7):
            _attached(storage, sample_attachment(f"att-{n:04d}", submission_id=f"sub-{n % 3}"),
                      submission_id=f"sub-{n % 3}")
        first = storage.get_attachment("att-0004")
        storage.commit(Changeset(((first.erasure(_AT), 1),)))
        seen: list[str] = []
        after = None
        while page := storage.find_attachments(after=after, limit=3):
            _true(len(page) <= 3, "a page holds at most limit")
            seen += [a.id for a in page]
            after = page[-1].id
        _equal([f"att-{n:04d}" for n in range(7)], seen, "all, in id order")

    def test_an_attachment_may_be_guarded(self, storage: Storage) -> None:
        """A guard names an attachment like any record kind."""
        _attached(storage, sample_attachment())
        storage.commit(Changeset((), guards=(("attachment", "att-0001", 1),)))
        _raises(VersionConflictError, storage.commit,
                Changeset((), guards=(("attachment", "att-0001", 2),)))
