"""Files attached to submissions (issue 17, part 3): :class:`AttachmentCommands`, mixed
into :class:`~dialogue_flow.DialogueFlow`.

Attaching is not a state transition, but it is an entry in the matter's history: the
submission gets a new version (its state unchanged) and an audit row ``attach`` naming the
attachment, its kind, type, size and SHA-256, never the file's name; the
:class:`~dialogue_flow.Attachment` record is written in the same commit. As for ``prepare``
or ``extend``, ``expected_version`` is the submission's version, and a form that read the
matter before a file was attached gets a :class:`VersionConflictError`.

Order of writes, so that a crash never leaves a record without its file:

1. every check (type, size, name, permission) before anything is written;
2. the bytes go to the file store under a fresh key the library makes
   (:func:`~dialogue_flow._attachment_records.file_key`), flushed to disk;
3. the commit; if it fails, the file is removed again. A crash between 2 and 3 leaves a
   file no record names: :meth:`AttachmentCommands.check_files` (``dialogue-flow check``)
   reports it and :meth:`AttachmentCommands.remove_file` (``dialogue-flow repair
   remove-file KEY``) removes it.

Erasure runs the other way round: the commit clears the names and marks the records
erased, then the files are deleted; a crash in between leaves an erased record's file,
which ``check`` reports and ``repair`` removes the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import IO, Any, Final

import attrs

from ._attachment_records import (
    Attachment,
    AttachmentKind,
    AttachmentLimits,
    check_key,
    clean_name,
    file_key,
)
from ._checks import _check_actor, _check_id, _check_text, _replace
from ._errors import (
    ConfigurationError,
    DialogueFlowError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    VersionConflictError,
)
from ._file_store import FileStore
from ._file_types import detect, matches, normal_type
from ._files import MemoryFileStore, folder_beside, open_file_store, sha256_of
from ._flow_core import DECIDE_ATTEMPTS, FlowCore
from ._plugins import announce_commit, check_vetoes
from ._records import Actor, Submission, TransitionRecord, _to_member
from ._withheld import identity_readable
from .storage import Changeset, Storage
from .storage._memory import MemoryStorage
from .storage._sqlite import SQLiteStorage

__all__ = ["ATTACHMENT_OPTIONS", "ORPHAN_GRACE", "AttachmentCommands", "FileProblem",
           "attachment_erasure", "attachments_of", "default_file_store", "erased_attachments",
           "remove_files", "with_attachment_erasure"]

logger = logging.getLogger("dialogue_flow.attachments")

#: The constructor options this mixin adds (``DialogueFlow.open`` passes them on).
ATTACHMENT_OPTIONS: Final = frozenset({"files", "attachment_limits"})
#: A file younger than this is never called an orphan: an attach may be between writing
#: it and committing its record.
ORPHAN_GRACE: Final = dt.timedelta(minutes=10)

_NO_STORE: Final = ("this flow has no file store for attachments: set [attachments] folder "
                    '= "files" (or store = "URL") in the settings file, or pass files=... '
                    "to DialogueFlow.open")
_ACTIONS: Final = {AttachmentKind.RECEIVED: "attach", AttachmentKind.ISSUED: "attach_issued"}
_CHUNK: Final = 1024 * 1024
#: Attachment records read at a time.
_PAGE: Final = 1000
#: Bytes kept in memory while an upload is checked; larger ones spill to a temporary file.
_IN_MEMORY: Final = 1024 * 1024


@attrs.frozen
class FileProblem:
    """One disagreement between the attachment records and the file store."""

    #: ``orphan_file`` (a file no record names: a crash between the file and the commit),
    #: ``erased_file_left`` (the file of an erased attachment: a crash after the erasure),
    #: ``missing_file`` (a record whose file is gone) or ``corrupt_file`` (its bytes no
    #: longer match the SHA-256, with ``verify=True``).
    code: str
    key: str
    attachment_id: str | None
    message: str
    #: ``"remove-file"`` (``dialogue-flow repair remove-file KEY``), or ``None``: restore
    #: the file from a backup.
    repair: str | None


class AttachmentCommands(FlowCore):
    """Attaching files to submissions, reading them back, erasing them, and checking the
    file store against the records (mixed into :class:`~dialogue_flow.DialogueFlow`)."""

    def __init__(self, storage: Storage, *,
                 files: FileStore | str | os.PathLike[str] | None = None,
                 attachment_limits: AttachmentLimits | None = None, **options: Any) -> None:
        """``files``: the file store attachments are kept in (a
        :class:`~dialogue_flow.FileStore`, a folder path, or a URL a
        ``dialogue_flow_open_file_store`` plugin opens); by default a folder beside a SQLite
        database file (``commune.db-files/``), memory for an in-memory store, and none for
        other stores (attaching then refuses, saying how to configure one).
        ``attachment_limits``: the size and types accepted (default: 20 MiB, every type
        the library can check). The other ``options`` are :class:`FlowCore`'s.
        """
        super().__init__(storage, **options)
        if attachment_limits is not None and not isinstance(attachment_limits,
                                                            AttachmentLimits):
            raise InvalidInputError("attachment_limits", "expected an AttachmentLimits, got "
                                    f"{type(attachment_limits).__name__}")
        #: What :meth:`attach` accepts.
        self.attachment_limits = attachment_limits or AttachmentLimits()
        self._files = _file_store(files, self)

    @property
    def files(self) -> FileStore | None:
        """The file store attachments are kept in (``None`` when there is none): what a
        backup copies (:meth:`~dialogue_flow.FolderFileStore.inventory` lists every file
        with its size and SHA-256)."""
        return self._files

    # --- attaching ----------------------------------------------------------------------

    def attach(self, submission: str | Submission, *, name: str, data: bytes | IO[bytes],
               actor: Actor, content_type: str | None = None,
               kind: AttachmentKind | str = AttachmentKind.RECEIVED,
               expected_version: int | None = None) -> Attachment:
        """Attach a file to a submission: a scanned letter or photo handed in
        (``kind="received"``), or a document issued for it (``kind="issued"``).

        ``data`` is the bytes or a file opened in binary mode (read to its end).
        ``content_type`` is checked against the file's first bytes; left out, it is told
        from them. ``name`` is the file's original name, kept only as metadata (it may be
        personal data: never logged nor in the history). Not a state transition: the
        submission gets a new version and an ``attach`` row in its history.

        :raises InvalidInputError: too large, empty, a type not accepted or that the
            content contradicts, a name that is no name.
        :raises PermissionDeniedError: ``actor`` may not attach (``attach`` for received
            files: intake desk, office, chair; ``attach_issued``: office, chair, the
            department the matter is assigned to).
        :raises ConfigurationError: the flow has no file store.
        :raises VersionConflictError: the submission moved on from ``expected_version``
            (without it, a commit that lost a race is tried again).
        """
        pinned = expected_version is not None or isinstance(submission, Submission)
        submission = self._expect(Submission, submission, expected_version)
        _check_actor(actor)
        which = _to_member(AttachmentKind, "kind", kind)
        label = clean_name(name)
        store = self._file_store()
        limits = self.attachment_limits
        with _spooled(data, limits.max_bytes) as (spool, size, digest):
            checked_type = _checked_type(spool, content_type, limits)
            s = self._current(Submission, submission)
            self._authorize(actor, _ACTIONS[which], s)  # refused before a byte is stored
            now = self.clock.now()
            attachment_id = self._new_id("att")
            attachment = Attachment(
                id=attachment_id, submission_id=s.id, version=1, kind=which,
                file_key=file_key(attachment_id, now), content_type=checked_type, size=size,
                sha256=digest, attached_at=now, actor_id=actor.id,
                organisation_id=s.organisation_id, name=label)
            spool.seek(0)
            store.put(attachment.file_key, spool)
        try:
            for left in range(DECIDE_ATTEMPTS - 1, -1, -1):
                try:
                    return self._commit_attachment(submission, attachment, actor)
                except VersionConflictError:
                    if pinned or left == 0:
                        raise
        except BaseException:
            _discard(store, attachment.file_key)
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _commit_attachment(self, ref: str | Submission, attachment: Attachment,
                           actor: Actor) -> Attachment:
        s = self._current(Submission, ref)
        self._authorize(actor, _ACTIONS[attachment.kind], s)
        new = _replace(s, {"version": s.version + 1, "updated_at": attachment.attached_at})
        row = _row(new, "attach", actor, attachment.attached_at, details={
            "attachment": attachment.id, "kind": attachment.kind.value,
            "type": attachment.content_type, "bytes": str(attachment.size),
            "sha256": attachment.sha256})
        check_vetoes(self.plugins, Submission.KIND, s, "attach", str(s.state), actor)
        self.storage.commit(Changeset(((new, s.version), (attachment, 0)), (row,)))
        announce_commit(self.plugins, Submission.KIND, new, "attach", actor)
        return attachment

    # --- reading ------------------------------------------------------------------------

    def attachments(self, matter: str | Submission) -> list[Attachment]:
        """Every attachment of a submission (its id or record), oldest first (erased ones
        too, without name or file). :raises NotFoundError: no such submission."""
        submission_id = matter.id if isinstance(matter, Submission) else matter
        _check_id("submission_id", submission_id)
        s = self.storage.get_submission(submission_id)  # NotFoundError
        return [_shown(a, s) for a in attachments_of(self.storage, submission_id)]

    def attachment(self, attachment_id: str) -> Attachment:
        """One attachment's record (a received file of a confidential matter without its
        name). :raises NotFoundError:"""
        _check_id("attachment_id", attachment_id)
        held = self.storage.get_attachment(attachment_id)
        return _shown(held, self.storage.get_submission(held.submission_id))

    def iter_attachments(self) -> Iterator[Attachment]:
        """Every attachment of the store, by id, page by page (erased ones too): with
        :attr:`files`, what a backup copies and checks."""
        return _paged(self.storage, None)

    def open_attachment(self, attachment: str | Attachment, *, actor: Actor) -> IO[bytes]:
        """The file of an attachment, for reading (close it, or use ``with``): a copy read
        once from the file store, its bytes checked against the SHA-256 recorded when it
        was attached.

        A file may be personal data: ``actor`` must be allowed ``read_attachment`` on the
        submission (intake desk, office, chair; the department it is assigned to), and the
        read is recorded in the access log (purpose ``attachment``).

        :raises StorageError: the file is missing or no longer matches its hash (restore
            it from a backup). :raises InvalidInputError: the attachment was erased.
        """
        _check_actor(actor)
        held = self.attachment(attachment.id if isinstance(attachment, Attachment)
                               else attachment)
        if held.erased:
            raise InvalidInputError("attachment", f"{held.id} was erased; its file is gone")
        s = self.storage.get_submission(held.submission_id)
        self._authorize(actor, "read_attachment", s)
        # A letter handed in with a confidential matter shows who wrote it (a denouncer):
        # only the roles its policy names read it, as for the identity itself.
        if held.kind is AttachmentKind.RECEIVED and not identity_readable(
                s, actor.role, self.policy_of(s.organisation_id).confidential):
            raise PermissionDeniedError(
                f"{actor.name} ({actor.role}) may not read attachment {held.id}: a file "
                f"handed in with confidential submission {s.id} is for the roles the policy "
                f"of {s.organisation_id} names ([confidential] roles)")
        # One read from the store into a copy (in memory up to 1 MiB): the bytes handed
        # out are the bytes checked, and a remote store is not read twice.
        with ExitStack() as on_failure:
            copy = on_failure.enter_context(tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY))
            try:
                with self._file_store().open(held.file_key) as file:
                    digest = sha256_of(file, copy_to=copy)
            except NotFoundError:
                raise StorageError(f"attachment {held.id}: its file {held.file_key} is "
                                   "missing from the file store; restore it from a "
                                   "backup") from None
            if digest != held.sha256:
                raise StorageError(f"attachment {held.id}: its file {held.file_key} no "
                                   "longer matches the SHA-256 recorded when it was "
                                   "attached; restore it from a backup")
            self._log_access(actor, "attachment", [s])
            on_failure.pop_all()  # checked: the caller closes it
        copy.seek(0)
        return copy

    def read_attachment(self, attachment: str | Attachment, *, actor: Actor) -> bytes:
        """The bytes of an attachment, checked (as :meth:`open_attachment`)."""
        with self.open_attachment(attachment, actor=actor) as file:
            return file.read()

    # --- erasure ------------------------------------------------------------------------

    def erase_attachments(self, submission: str | Submission, *, actor: Actor, reason: str,
                          expected_version: int | None = None) -> Submission:
        """Delete the files of every attachment of a submission and clear their names;
        their type, size and hash stay (statistics, the shape of the history), each record
        at version 2 with ``erased_at``. One audit row ``erase_attachments`` with the count;
        nothing is written when none is left to erase.

        :return: the submission (a new version when something was erased).
        """
        submission = self._expect(Submission, submission, expected_version)
        _check_actor(actor)
        _check_text("reason", reason)
        s = self._current(Submission, submission)
        self._authorize(actor, "erase_attachments", s)
        now = self.clock.now()
        writes = self._attachment_erasure(s.id, now)
        if not writes:
            return s
        new = _replace(s, {"version": s.version + 1, "updated_at": now})
        row = attrs.evolve(_row(new, "erase_attachments", actor, now,
                                details={"attachments": str(len(writes))}), reason=reason)
        check_vetoes(self.plugins, Submission.KIND, s, "erase_attachments", str(s.state),
                     actor)
        self.storage.commit(Changeset(((new, s.version), *writes), (row,)))
        announce_commit(self.plugins, Submission.KIND, new, "erase_attachments", actor)
        self._remove_attachment_files(record for record, _version in writes)
        return new

    def _attachment_erasure(self, submission_id: str, at: dt.datetime,
                            ) -> list[tuple[Attachment, int]]:
        """:func:`attachment_erasure` with this flow's storage and file store."""
        return attachment_erasure(self.storage, self._files, submission_id, at)

    def _remove_attachment_files(self, erased: Iterable[Attachment]) -> None:
        """:func:`remove_files` from this flow's file store, once the erasure committed."""
        remove_files(self._files, erased)

    # --- checking the file store ------------------------------------------------------------

    def check_files(self, *, verify: bool = False,
                    grace: dt.timedelta = ORPHAN_GRACE) -> list[FileProblem]:
        """Where the attachment records and the file store disagree, by key: files no
        record names (``orphan_file``, once older than ``grace``), files of erased
        attachments (``erased_file_left``), records whose file is gone (``missing_file``)
        and, with ``verify`` (reads every file), files whose bytes changed
        (``corrupt_file``).
        """
        live: dict[str, Attachment] = {}
        erased: dict[str, Attachment] = {}
        for a in self.iter_attachments():
            (erased if a.erased else live)[a.file_key] = a
        store = self._files
        if store is None:
            if live:
                self._file_store()  # ConfigurationError: records without a store
            return []
        problems: list[FileProblem] = []
        seen: set[str] = set()
        for key in store.keys():  # noqa: SIM118 - a FileStore, not a dict
            held = live.get(key)
            if held is not None:
                seen.add(key)
                if verify and not _same_bytes(store, held):
                    problems.append(FileProblem(
                        "corrupt_file", key, held.id, f"the file of attachment {held.id} no "
                        "longer matches its SHA-256; restore it from a backup", None))
            elif key in erased:
                problems.append(FileProblem(
                    "erased_file_left", key, erased[key].id, f"attachment {erased[key].id} "
                    "was erased but its file is still stored", "remove-file"))
            elif not _too_young(store, key, grace):
                problems.append(FileProblem("orphan_file", key, None, "no attachment record "
                                            "names this file (an attach that did not "
                                            "commit)", "remove-file"))
        problems += [FileProblem("missing_file", key, a.id, f"the file of attachment {a.id} "
                                 "is missing; restore it from a backup", None)
                     for key, a in sorted(live.items()) if key not in seen]
        return sorted(problems, key=lambda p: (p.key, p.code))

    def remove_file(self, key: str, *, grace: dt.timedelta = ORPHAN_GRACE) -> None:
        """Repair: delete a file no live attachment names (what :meth:`check_files`
        reports as ``orphan_file`` or ``erased_file_left``).

        :raises InvalidInputError: the file belongs to a live attachment, or no record
            names it and it was written less than ``grace`` ago.
        :raises NotFoundError: no such file.
        """
        check_key(key)
        store = self._file_store()
        if not store.exists(key):
            raise NotFoundError("file", key)
        try:
            holder: Attachment | None = self.storage.get_attachment_by_file_key(key)
        except NotFoundError:
            holder = None
        if holder is not None and not holder.erased:
            raise InvalidInputError("key", f"{key} is the file of attachment {holder.id}, "
                                    "not an orphan; nothing was removed")
        if holder is None and _too_young(store, key, grace):
            raise InvalidInputError("key", f"{key} was written less than {grace} ago: "
                                    "an attach may still be committing it; check again later")
        store.delete(key)
        logger.info("removed file %s from the file store (%s)", key,
                    "an erased attachment's" if holder else "an orphan")

    def _file_store(self) -> FileStore:
        if self._files is None:
            raise ConfigurationError(_NO_STORE)
        return self._files


def _shown(attachment: Attachment, s: Submission) -> Attachment:
    """``attachment`` as a reader sees it: a file handed in with a confidential matter
    without its original name (a name may say who wrote it)."""
    if s.confidential and attachment.kind is AttachmentKind.RECEIVED:
        return attrs.evolve(attachment, name=None)
    return attachment


def attachments_of(storage: Storage, submission_id: str | None) -> list[Attachment]:
    """Every attachment record of ``submission_id`` (of every submission when ``None``),
    by id, page by page (an export of what is held about a petitioner lists them)."""
    return list(_paged(storage, submission_id))


def _paged(storage: Storage, submission_id: str | None) -> Iterator[Attachment]:
    """The attachment records of ``submission_id`` (of every submission when ``None``),
    by id, read a page at a time."""
    after: str | None = None
    while True:
        page = storage.find_attachments(submission_id, after=after, limit=_PAGE)
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1].id


def attachment_erasure(storage: Storage, store: FileStore | None, submission_id: str,
                       at: dt.datetime) -> list[tuple[Attachment, int]]:
    """The writes that erase every attachment of ``submission_id`` not erased yet (their
    names cleared, ``erased_at`` set), as ``(record, stored version)`` pairs for a
    :class:`Changeset`: an erasure of a petitioner's data includes them in its own commit,
    then deletes the files from ``store`` with :func:`remove_files`.

    :raises ConfigurationError: there are files to delete but no file store.
    """
    writes = [(a.erasure(at), a.version) for a in attachments_of(storage, submission_id)
              if not a.erased]
    if writes and store is None:
        raise ConfigurationError(_NO_STORE)
    return writes


def with_attachment_erasure(changes: Changeset, storage: Storage, store: FileStore | None,
                            submissions: Iterable[Submission], at: dt.datetime) -> Changeset:
    """``changes`` (an erasure of ``submissions``' personal data) with the erasure of their
    attachments added, so names go in the same commit; once it committed, delete the files
    with :func:`remove_files` of :func:`erased_attachments`.

    :raises ConfigurationError: there are files to delete but no file store.
    """
    writes = [w for s in submissions for w in attachment_erasure(storage, store, s.id, at)]
    return attrs.evolve(changes, records=(*changes.records, *writes)) if writes else changes


def erased_attachments(changes: Changeset) -> list[Attachment]:
    """The attachments ``changes`` erases (whose files are to be deleted once committed)."""
    return [r for r, _version in changes.records if isinstance(r, Attachment) and r.erased]


def remove_files(store: FileStore | None, erased: Iterable[Attachment]) -> None:
    """Delete the files of attachments whose erasure is committed (the commit first: a
    crash in between leaves files ``dialogue-flow check`` reports as ``erased_file_left``).
    One that cannot be deleted is logged by its key and left for ``check``."""
    if store is None:
        return
    for attachment in erased:
        _discard(store, attachment.file_key)


def _file_store(files: object, flow: FlowCore) -> FileStore | None:
    if files is None:
        return default_file_store(flow.storage)
    if isinstance(files, (str, os.PathLike)):
        return open_file_store(os.fspath(files), flow.plugins)
    if isinstance(files, FileStore):
        return files
    raise InvalidInputError("files", f"expected a FileStore, a folder path or a file store "
                            f"URL, got {type(files).__name__}")


def default_file_store(storage: object) -> FileStore | None:
    """The file store of a flow given none: the folder beside a SQLite database file
    (``commune.db`` -> ``commune.db-files/``, created at the first attachment), memory for
    an in-memory store, and none for any other store (a PostgreSQL server has no folder of
    its own: configure ``[attachments] folder`` or ``store``)."""
    if isinstance(storage, MemoryStorage):
        return MemoryFileStore()
    if isinstance(storage, SQLiteStorage):
        if storage.path in ("", ":memory:"):
            return MemoryFileStore()
        return folder_beside(storage.path)
    return None



def _row(record: Submission, event: str, actor: Actor, now: dt.datetime,
         details: dict[str, str]) -> TransitionRecord:
    """The audit row of a change that keeps the submission's state."""
    state = str(record.state)
    return TransitionRecord(kind=Submission.KIND, record_id=record.id, version=record.version,
                            event=event, source=state, dest=state, actor_id=actor.id, at=now,
                            details=details, organisation_id=record.organisation_id)


@contextmanager
def _spooled(data: object, max_bytes: int) -> Iterator[tuple[IO[bytes], int, str]]:
    """``data`` copied into a temporary file (in memory up to 1 MiB), with its size and
    SHA-256; refused past ``max_bytes`` without reading further."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        source: Any = None
        chunks: Iterator[bytes] = iter([bytes(data)])
    elif callable(getattr(data, "read", None)):
        source = data
        chunks = iter(lambda: source.read(_CHUNK), b"")
    else:
        raise InvalidInputError("data", "expected bytes or a file opened in binary mode, got "
                                f"{type(data).__name__}")
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as spool:
        for chunk in chunks:
            if not isinstance(chunk, (bytes, bytearray)):
                raise InvalidInputError("data", "the file gives text, not bytes: open it in "
                                        "binary mode ('rb')")
            size += len(chunk)
            if size > max_bytes:
                raise InvalidInputError("data", f"larger than {max_bytes:,} bytes, the most "
                                        "this flow accepts ([attachments] max_bytes)")
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise InvalidInputError("data", "the file is empty")
        yield spool, size, digest.hexdigest()


def _checked_type(spool: IO[bytes], content_type: str | None,
                  limits: AttachmentLimits) -> str:
    accepted = ", ".join(sorted(limits.types))
    if content_type is None:
        found = detect(spool, limits.types)
        if found is None:
            raise InvalidInputError("data", "its content is none of the accepted types "
                                    f"({accepted})")
        return found
    wanted = normal_type(content_type)
    if wanted not in limits.types:
        raise InvalidInputError("content_type", f"{wanted} is not accepted; accepted: "
                                f"{accepted}")
    if not matches(wanted, spool):
        seen = detect(spool)
        looks = f" (its first bytes say {seen})" if seen else ""
        raise InvalidInputError("content_type", f"the file's content is not {wanted}{looks}")
    return wanted


def _same_bytes(store: FileStore, attachment: Attachment) -> bool:
    try:
        with store.open(attachment.file_key) as file:
            return sha256_of(file) == attachment.sha256
    except NotFoundError:
        return False


def _too_young(store: FileStore, key: str, grace: dt.timedelta) -> bool:
    """Whether the store says ``key`` was written less than ``grace`` ago, by the wall
    clock (a file's time is the disk's, not the flow's clock); a store that cannot tell
    (no ``modified(key)``): never."""
    modified = getattr(store, "modified", None)
    if modified is None:
        return False
    with suppress(DialogueFlowError, OSError):
        return bool(dt.datetime.now(dt.UTC) - modified(key) < grace)
    return False


def _discard(store: FileStore, key: str) -> None:
    """Remove a file the database does not (or no longer) need; a failure is logged by key
    and left for ``dialogue-flow check``."""
    try:
        store.delete(key)
    except (DialogueFlowError, OSError) as exc:
        logger.warning("could not remove file %s from the file store (%s); dialogue-flow "
                       "check will report it", key, type(exc).__name__)
