"""Attachments (issue 17, part 3): files attached to a submission through a file store, with
size and type limits, a content hash verified on read, an entry in the matter's history,
erasure, and a check of the file store against the records."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from pathlib import Path

import pytest

from dialogue_flow import (
    Actor,
    Attachment,
    AttachmentLimits,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    FolderFileStore,
    InvalidInputError,
    MemoryFileStore,
    MemoryStorage,
    NotFoundError,
    PermissionDeniedError,
    Petitioner,
    Role,
    SequentialIds,
    SQLiteStorage,
    StorageError,
    Submission,
    VersionConflictError,
    WorkCalendar,
    from_json,
    to_json,
)
from dialogue_flow.storage import AccessQuery, Changeset

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
TIFF = b"II*\x00" + b"\x00" * 32
#: A name that is personal data: it must never reach the history, a log or an error.
NAME = "Đơn của Nguyễn Văn A.pdf"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>"})


@pytest.fixture
def files() -> MemoryFileStore:
    return MemoryFileStore()


@pytest.fixture
def flow(clock: FixedClock, ids: SequentialIds, calendar: WorkCalendar,
         files: MemoryFileStore) -> DialogueFlow:
    """A flow on memory storage whose files are in ``files``."""
    return DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, ids=ids, files=files)


@pytest.fixture
def sub(flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> Submission:
    return flow.receive(petitioner=petitioner, topic="Đất đai", content="Chậm cấp sổ đỏ",
                        actor=intake)


class TestAttach:
    def test_attach_records_the_file_and_its_hash(self, flow: DialogueFlow, sub: Submission,
                                                  intake: Actor,
                                                  files: MemoryFileStore) -> None:
        """The record names the file by a key the library made, its type told from the
        content, its size and SHA-256; the name is kept as metadata only."""
        att = flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
        assert ("att-0001", "2021/06/att-0001", "application/pdf", len(PDF), NAME) == (
            att.id, att.file_key, att.content_type, att.size, att.name)
        assert [att] == flow.attachments(sub.id)
        assert [att.file_key] == list(files.keys())
        assert PDF == flow.read_attachment(att.id, actor=intake)

    def test_an_entry_in_the_history_without_the_name(self, flow: DialogueFlow,
                                                      sub: Submission, intake: Actor) -> None:
        """Attaching is not a transition: the state stays, the version moves on, and the
        history names the attachment, its hash and size, never its name."""
        att = flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
        now = flow.submission(sub.id)
        row = flow.history(now)[-1]
        assert (sub.version + 1, sub.state) == (now.version, now.state)
        assert ("attach", "received", "received", now.version) == (
            row.event, row.source, row.dest, row.version)
        assert {"attachment": att.id, "kind": "received", "type": "application/pdf",
                "bytes": str(len(PDF)), "sha256": att.sha256} == dict(row.details)
        assert "Nguyễn" not in repr(row)
        assert "Nguyễn" not in repr(att)

    def test_expected_version_is_the_submission_s(self, flow: DialogueFlow, sub: Submission,
                                                  intake: Actor, chair: Actor,
                                                  files: MemoryFileStore) -> None:
        """A form that read the matter before it changed is refused, and no file stays."""
        flow.assign(sub.id, department="Địa chính", actor=chair)
        with pytest.raises(VersionConflictError):
            flow.attach(sub.id, name="x.pdf", data=PDF, actor=intake,
                        expected_version=sub.version)
        assert [] == list(files.keys())
        att = flow.attach(sub.id, name="x.pdf", data=PDF, actor=chair,
                          expected_version=sub.version + 1)
        assert sub.version + 2 == flow.submission(sub.id).version
        assert att.submission_id == sub.id

    def test_a_lost_race_is_tried_again(self, flow: DialogueFlow, sub: Submission,
                                        intake: Actor, chair: Actor,
                                        files: MemoryFileStore) -> None:
        """Without expected_version, a commit that another writer beat is decided again on
        the stored matter; the file is stored once."""
        storage = flow.storage
        commit = storage.commit
        raced: list[int] = []

        def racing(changes: Changeset) -> int:
            if not raced:  # someone assigns the matter just before our commit
                raced.append(1)
                flow.assign(sub.id, department="Địa chính", actor=chair)
            return commit(changes)

        storage.commit = racing  # type: ignore[method-assign]
        att = flow.attach(sub.id, name="x.pdf", data=PDF, actor=intake)
        assert ["assign", "attach"] == [r.event for r in flow.history(flow.submission(sub.id))
                                        ][-2:]
        assert [att.file_key] == list(files.keys())

    def test_a_binary_file_is_read_to_its_end(self, flow: DialogueFlow, sub: Submission,
                                              intake: Actor, tmp_path: Path) -> None:
        """``data`` may be an open file; a text-mode file is refused."""
        path = tmp_path / "scan.png"
        path.write_bytes(PNG * 100_000)  # 4 MB: spilled to a temporary file on the way
        with path.open("rb") as data:
            att = flow.attach(sub.id, name="scan.png", data=data, actor=intake)
        assert (len(PNG) * 100_000, "image/png") == (att.size, att.content_type)
        with path.open("r", encoding="latin-1") as text, pytest.raises(InvalidInputError,
                                                                      match="binary mode"):
            flow.attach(sub.id, name="scan.png", data=text, actor=intake)


class TestLimits:
    def test_too_large_is_refused_before_anything_is_stored(
            self, clock: FixedClock, ids: SequentialIds, calendar: WorkCalendar,
            intake: Actor, petitioner: Petitioner, files: MemoryFileStore) -> None:
        """Past max_bytes the upload stops, naming the limit; nothing is written."""
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, ids=ids,
                            files=files, attachment_limits=AttachmentLimits(max_bytes=100))
        s = flow.receive(petitioner=petitioner, topic="Đất", content="x", actor=intake)
        with pytest.raises(InvalidInputError, match="larger than 100 bytes") as error:
            flow.attach(s.id, name=NAME, data=PDF + b"\x00" * 100, actor=intake)
        assert "data" == error.value.field
        assert ([], 1, []) == (list(files.keys()), flow.submission(s.id).version,
                               flow.attachments(s.id))

    def test_an_empty_file_is_refused(self, flow: DialogueFlow, sub: Submission,
                                      intake: Actor) -> None:
        with pytest.raises(InvalidInputError, match="empty"):
            flow.attach(sub.id, name="x.pdf", data=b"", actor=intake)

    @pytest.mark.parametrize(("content", "expected"), [
        (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"),
        (TIFF, "image/tiff"), (b"MM\x00*" + b"\x00" * 8, "image/tiff"),
        (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ODT, "application/vnd.oasis.opendocument.text"),
        ("Kính gửi: Ủy ban\r\n\tnội dung\n".encode(), "text/plain"),
    ])
    def test_the_type_is_told_by_the_content(self, flow: DialogueFlow, sub: Submission,
                                             intake: Actor, content: bytes,
                                             expected: str) -> None:
        """Left out, the type is what the first bytes (or the ZIP's parts) say."""
        assert expected == flow.attach(sub.id, name="f", data=content,
                                       actor=intake).content_type

    @pytest.mark.parametrize("content", [
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
        b"\x7fELF\x02\x01\x01",  # a Linux one
        _zip({"payload.exe": b"MZ"}),  # a ZIP that is no document
        b"text with a NUL\x00",
        b"\xff\xfe not UTF-8 \xc3",
    ])
    def test_other_content_is_refused(self, flow: DialogueFlow, sub: Submission,
                                      intake: Actor, content: bytes) -> None:
        with pytest.raises(InvalidInputError, match="none of the accepted types"):
            flow.attach(sub.id, name="f.pdf", data=content, actor=intake)

    def test_a_declared_type_must_match_the_content(self, flow: DialogueFlow,
                                                    sub: Submission, intake: Actor,
                                                    files: MemoryFileStore) -> None:
        """A PNG sent as a PDF is refused, saying what its bytes are; parameters of the
        declared type are ignored; an unknown type is not accepted."""
        with pytest.raises(InvalidInputError, match=r"is not application/pdf .*image/png"):
            flow.attach(sub.id, name="x.pdf", data=PNG, actor=intake,
                        content_type="application/pdf")
        with pytest.raises(InvalidInputError, match=r"is not application/vnd\.openxml"):
            flow.attach(sub.id, name="x.docx", data=_zip({"a.txt": b"x"}), actor=intake,
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "wordprocessingml.document")
        with pytest.raises(InvalidInputError, match="video/mp4 is not accepted"):
            flow.attach(sub.id, name="x.mp4", data=PDF, actor=intake, content_type="video/mp4")
        assert [] == list(files.keys())
        att = flow.attach(sub.id, name="a.txt", data=b"ok\n", actor=intake,
                          content_type="Text/Plain; charset=UTF-8")
        assert "text/plain" == att.content_type

    def test_a_flow_may_accept_fewer_types(self, clock: FixedClock, ids: SequentialIds,
                                           calendar: WorkCalendar, intake: Actor,
                                           petitioner: Petitioner) -> None:
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, ids=ids,
                            attachment_limits=AttachmentLimits(types=["application/pdf"]))
        s = flow.receive(petitioner=petitioner, topic="Đất", content="x", actor=intake)
        with pytest.raises(InvalidInputError, match="accepted types \\(application/pdf\\)"):
            flow.attach(s.id, name="x.png", data=PNG, actor=intake)
        with pytest.raises(InvalidInputError, match="not a type whose content"):
            AttachmentLimits(types=["application/x-msdownload"])


class TestNames:
    @pytest.mark.parametrize(("given", "kept"), [
        ("../../etc/passwd", "passwd"), ("C:\\Users\\a\\đơn.pdf", "đơn.pdf"),
        ("  scan 1.jpg ", "scan 1.jpg"), ("a\x00b\x1f.pdf", "ab.pdf"),
        ("Đo\u0302n.pdf", "Đôn.pdf"),
    ])
    def test_a_name_is_only_its_last_part(self, flow: DialogueFlow, sub: Submission,
                                          intake: Actor, given: str, kept: str) -> None:
        """Folders, control characters and surrounding blanks go; the key never uses it."""
        att = flow.attach(sub.id, name=given, data=PDF, actor=intake)
        assert (kept, "2021/06/att-0001") == (att.name, att.file_key)

    @pytest.mark.parametrize("given", ["", "  ", "a/", "..", "\x00", 42])
    def test_no_name_left_is_refused(self, flow: DialogueFlow, sub: Submission,
                                     intake: Actor, given: object) -> None:
        with pytest.raises(InvalidInputError) as error:
            flow.attach(sub.id, name=given, data=PDF, actor=intake)  # type: ignore[arg-type]
        assert "name" == error.value.field

    def test_the_name_is_never_logged(self, flow: DialogueFlow, sub: Submission,
                                      intake: Actor, files: MemoryFileStore,
                                      caplog: pytest.LogCaptureFixture) -> None:
        """Not when attaching, not when a commit fails and its file is removed."""
        caplog.set_level(logging.DEBUG)
        flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
        files.delete = _failing  # type: ignore[method-assign]
        flow.storage.commit = _failing  # type: ignore[method-assign]
        with pytest.raises(StorageError):
            flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
        assert "Nguyễn" not in caplog.text
        assert "could not remove file 2021/06/att-0002" in caplog.text


def _failing(*_args: object) -> int:
    raise StorageError("disk gone")


class TestPermissions:
    def test_who_may_attach_what(self, flow: DialogueFlow, sub: Submission, intake: Actor,
                                 office: Actor, chair: Actor, department: Actor) -> None:
        """Received files: intake desk, office, chair. Issued documents: office, chair,
        and the department the matter is assigned to; never the intake desk."""
        for actor in (intake, office, chair):
            flow.attach(sub.id, name="a.pdf", data=PDF, actor=actor)
        with pytest.raises(PermissionDeniedError):
            flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake, kind="issued")
        with pytest.raises(PermissionDeniedError):
            flow.attach(sub.id, name="a.pdf", data=PDF, actor=department, kind="issued")
        flow.assign(sub.id, department="Địa chính", actor=chair)
        issued = flow.attach(sub.id, name="tra-loi.pdf", data=PDF, actor=department,
                             kind="issued")
        assert "issued" == issued.kind
        with pytest.raises(PermissionDeniedError):
            flow.attach(sub.id, name="a.pdf", data=PDF, actor=department)

    def test_another_organisation_may_not_attach_nor_read(
            self, flow: DialogueFlow, sub: Submission, intake: Actor,
            files: MemoryFileStore) -> None:
        stranger = Actor("x", "Văn phòng xã khác", Role.OFFICE, organisation_id="xa-khac")
        with pytest.raises(PermissionDeniedError):
            flow.attach(sub.id, name="a.pdf", data=PDF, actor=stranger)
        assert [] == list(files.keys())
        att = flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        with pytest.raises(PermissionDeniedError):
            flow.read_attachment(att.id, actor=stranger)

    def test_a_read_is_in_the_access_log(self, flow: DialogueFlow, sub: Submission,
                                         intake: Actor, office: Actor) -> None:
        """A file may be personal data: who read it is recorded (purpose attachment)."""
        att = flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        flow.read_attachment(att.id, actor=office)
        entry = flow.storage.access_log(_access_query())[-1]
        assert ("vp", "attachment", (sub.id,)) == (entry.actor_id, entry.purpose,
                                                    entry.record_ids)


def _access_query() -> AccessQuery:
    return AccessQuery(limit=100)


class TestReading:
    def test_a_changed_file_is_refused(self, flow: DialogueFlow, sub: Submission,
                                       intake: Actor, files: MemoryFileStore) -> None:
        """The bytes are checked against the SHA-256 before any is handed out."""
        att = flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        files.delete(att.file_key)
        files.put(att.file_key, io.BytesIO(PDF + b"tampered"))
        with pytest.raises(StorageError, match="no longer matches the SHA-256"):
            flow.open_attachment(att.id, actor=intake)
        files.delete(att.file_key)
        with pytest.raises(StorageError, match="missing from the file store"):
            flow.open_attachment(att, actor=intake)

    def test_unknown_attachments_and_submissions(self, flow: DialogueFlow,
                                                 intake: Actor) -> None:
        with pytest.raises(NotFoundError):
            flow.attachment("att-9999")
        with pytest.raises(NotFoundError):
            flow.attachments("sub-9999")
        with pytest.raises(NotFoundError):
            flow.attach("sub-9999", name="a.pdf", data=PDF, actor=intake)


class TestAtomicity:
    def test_a_failed_commit_leaves_no_file(self, flow: DialogueFlow, sub: Submission,
                                            intake: Actor, files: MemoryFileStore) -> None:
        flow.storage.commit = _failing  # type: ignore[method-assign]
        with pytest.raises(StorageError, match="disk gone"):
            flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        assert [] == list(files.keys())

    def test_a_crash_before_the_commit_leaves_an_orphan_check_finds(
            self, flow: DialogueFlow, sub: Submission, intake: Actor,
            files: MemoryFileStore) -> None:
        """The file written, then the process dies: check names the orphan and repair
        removes it; a live file is never removed."""
        live = flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        files.put("2021/06/att-crashed", io.BytesIO(PDF))
        assert [] == flow.check_files(), "too young to call an orphan"
        [problem] = flow.check_files(grace=dt.timedelta(0))
        assert ("orphan_file", "2021/06/att-crashed", "remove-file") == (
            problem.code, problem.key, problem.repair)
        with pytest.raises(InvalidInputError, match="attach may still be committing"):
            flow.remove_file("2021/06/att-crashed")
        with pytest.raises(InvalidInputError, match="not an orphan"):
            flow.remove_file(live.file_key, grace=dt.timedelta(0))
        flow.remove_file("2021/06/att-crashed", grace=dt.timedelta(0))
        assert [live.file_key] == list(files.keys())
        assert [] == flow.check_files(grace=dt.timedelta(0))

    def test_missing_and_corrupt_files_are_reported(self, flow: DialogueFlow,
                                                    sub: Submission, intake: Actor,
                                                    files: MemoryFileStore) -> None:
        gone = flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        changed = flow.attach(sub.id, name="b.pdf", data=PDF, actor=intake)
        files.delete(gone.file_key)
        files.delete(changed.file_key)
        files.put(changed.file_key, io.BytesIO(PDF + b"x"))
        assert [("missing_file", gone.id, None)] == [
            (p.code, p.attachment_id, p.repair) for p in flow.check_files()]
        assert {("missing_file", gone.id), ("corrupt_file", changed.id)} == {
            (p.code, p.attachment_id) for p in flow.check_files(verify=True)}


class TestErasure:
    def test_erasure_deletes_the_files_and_names(self, flow: DialogueFlow, sub: Submission,
                                                 intake: Actor, office: Actor,
                                                 files: MemoryFileStore) -> None:
        """The files go, the names go; type, size and hash stay; one history row; a
        second erasure has nothing left to do."""
        first = flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
        second = flow.attach(sub.id, name="anh.png", data=PNG, actor=intake)
        done = flow.erase_attachments(sub.id, actor=office, reason="yêu cầu xóa")
        assert [(a.id, None, 2, a.sha256) for a in (first, second)] == [
            (a.id, a.name, a.version, a.sha256) for a in flow.attachments(sub.id)]
        assert [] == list(files.keys())
        row = flow.history(done)[-1]
        assert ("erase_attachments", {"attachments": "2"}, done.version) == (
            row.event, dict(row.details), row.version)
        assert done == flow.erase_attachments(sub.id, actor=office, reason="lần hai")
        with pytest.raises(InvalidInputError, match="was erased"):
            flow.read_attachment(first.id, actor=office)

    def test_a_file_left_by_a_crash_after_erasure_is_reported(
            self, flow: DialogueFlow, sub: Submission, intake: Actor, office: Actor,
            files: MemoryFileStore) -> None:
        att = flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        files.delete = lambda _key: False  # type: ignore[method-assign] # the crash
        flow.erase_attachments(sub.id, actor=office, reason="xóa")
        del files.delete
        [problem] = flow.check_files()
        assert ("erased_file_left", att.id, "remove-file") == (
            problem.code, problem.attachment_id, problem.repair)
        flow.remove_file(att.file_key)
        assert [] == flow.check_files()

    def test_only_the_office_and_the_chair_erase(self, flow: DialogueFlow, sub: Submission,
                                                 intake: Actor) -> None:
        flow.attach(sub.id, name="a.pdf", data=PDF, actor=intake)
        with pytest.raises(PermissionDeniedError):
            flow.erase_attachments(sub.id, actor=intake, reason="x")


class TestFileStoreOfAFlow:
    def test_a_sqlite_file_keeps_its_files_beside_it(self, tmp_path: Path, intake: Actor,
                                                     petitioner: Petitioner) -> None:
        """``x.db`` -> ``x.db-files/``, made at the first attachment."""
        db = tmp_path / "x.db"
        with DialogueFlow.open(f"sqlite:///{db}") as flow:
            assert isinstance(flow.files, FolderFileStore)
            assert tmp_path / "x.db-files" == flow.files.root
            assert not flow.files.root.exists()
            s = flow.receive(petitioner=petitioner, topic="Đất", content="x", actor=intake)
            att = flow.attach(s.id, name="a.pdf", data=PDF, actor=intake)
        assert PDF == (tmp_path / "x.db-files" / att.file_key).read_bytes()

    def test_in_memory_stores_keep_files_in_memory(self) -> None:
        assert isinstance(DialogueFlow.open("memory://").files, MemoryFileStore)
        assert isinstance(DialogueFlow(SQLiteStorage()).files, MemoryFileStore)

    def test_a_folder_or_a_store_may_be_given(self, tmp_path: Path) -> None:
        flow = DialogueFlow.open("memory://", files=str(tmp_path / "f"))
        assert isinstance(flow.files, FolderFileStore)
        assert tmp_path / "f" == flow.files.root
        mine = MemoryFileStore()
        assert mine is DialogueFlow(MemoryStorage(), files=mine).files
        with pytest.raises(InvalidInputError, match="files"):
            DialogueFlow(MemoryStorage(), files=42)  # type: ignore[arg-type]

    def test_another_store_has_none_until_configured(self, intake: Actor,
                                                     petitioner: Petitioner) -> None:
        """A backend without a folder of its own (PostgreSQL) refuses to attach, saying
        how to configure a file store."""
        flow = DialogueFlow(_OtherStorage())  # type: ignore[arg-type]
        assert flow.files is None
        s = flow.receive(petitioner=petitioner, topic="Đất", content="x", actor=intake)
        with pytest.raises(ConfigurationError, match=r"\[attachments\] folder"):
            flow.attach(s.id, name="a.pdf", data=PDF, actor=intake)
        assert [] == flow.check_files()


class _OtherStorage:
    """A backend the library does not know (as PostgreSQL is to it)."""

    def __init__(self) -> None:
        self._inner = MemoryStorage()

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def test_an_attachment_reads_back_from_json(flow: DialogueFlow, sub: Submission,
                                            intake: Actor) -> None:
    """What a SQL backend stores, read back equal (the name included)."""
    att = flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
    assert att == from_json(Attachment, to_json(att))


def test_the_attachments_doc_blocks_run() -> None:
    """The Python blocks of docs/attachments.md run as written (they assert their results)."""
    doc = Path(__file__).resolve().parent.parent / "docs" / "attachments.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"),
                        flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, str(doc), "exec"), {"__name__": "__docs__"})  # noqa: S102


class TestPersonalDataRequests:
    """Part 1's requests include attachments: an erasure deletes the files and clears the
    names in its own commit; an export lists them."""

    def test_erase_petitioner_erases_the_files_in_the_same_commit(
            self, flow: DialogueFlow, sub: Submission, intake: Actor, chair: Actor,
            files: MemoryFileStore, petitioner: Petitioner) -> None:
        att = flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
        flow.erase_petitioner(actor=chair, reason="Đơn số 12/2021", phone=petitioner.phone)
        [erased] = flow.attachments(sub.id)
        assert (None, 2, att.sha256, att.size) == (erased.name, erased.version,
                                                   erased.sha256, erased.size)
        assert [] == list(files.keys())
        assert ["receive", "attach", "erase"] == [
            r.event for r in flow.history(flow.submission(sub.id))]
        assert [] == flow.check_files(grace=dt.timedelta(0))

    def test_the_export_lists_the_attachments(self, flow: DialogueFlow, sub: Submission,
                                              intake: Actor, office: Actor,
                                              petitioner: Petitioner) -> None:
        att = flow.attach(sub.id, name=NAME, data=PDF, actor=intake)
        doc = flow.export_petitioner(actor=office, phone=petitioner.phone)
        [listed] = doc["matters"][0]["attachments"]
        assert (att.id, NAME, att.sha256) == (listed["id"], listed["name"], listed["sha256"])

    def test_the_retention_sweep_erases_the_files(self, clock: FixedClock,
                                                  ids: SequentialIds, calendar: WorkCalendar,
                                                  intake: Actor, petitioner: Petitioner,
                                                  files: MemoryFileStore) -> None:
        flow = DialogueFlow(MemoryStorage(), calendar=calendar, clock=clock, ids=ids,
                            files=files, retention={"commune": "1y"})
        s = flow.receive(petitioner=petitioner, topic="Đường", content="x", actor=intake)
        flow.attach(s.id, name=NAME, data=PDF, actor=intake)
        flow.close(s.id, outcome="withdrawn", actor=intake)
        assert 1 == flow.sweep(dt.date(2022, 6, 2)).erased
        assert [] == list(files.keys())
        assert [None] == [a.name for a in flow.attachments(s.id)]


class TestConfidential:
    """A letter handed in with a confidential matter shows who wrote it (a denouncer)."""

    def test_only_the_named_roles_read_a_received_file(
            self, flow: DialogueFlow, intake: Actor, office: Actor, chair: Actor,
            petitioner: Petitioner) -> None:
        s = flow.receive(petitioner=petitioner, topic="Tố cáo", content="Nội dung",
                         actor=intake, confidential=True)
        letter = flow.attach(s.id, name=NAME, data=PDF, actor=intake)
        with pytest.raises(PermissionDeniedError, match="confidential submission") as refused:
            flow.read_attachment(letter.id, actor=office)
        assert "Nguyễn" not in str(refused.value)
        assert flow.read_attachment(letter.id, actor=chair) == PDF
        # The original name may say who wrote it: no reader sees it.
        assert [a.name for a in flow.attachments(s.id)] == [None]
        assert flow.attachment(letter.id).name is None

    def test_a_document_issued_for_it_stays_readable(
            self, flow: DialogueFlow, intake: Actor, office: Actor,
            petitioner: Petitioner) -> None:
        s = flow.receive(petitioner=petitioner, topic="Tố cáo", content="Nội dung",
                         actor=intake, confidential=True)
        issued = flow.attach(s.id, name="Thông báo thụ lý.pdf", data=PDF, actor=office,
                             kind="issued")
        assert flow.read_attachment(issued.id, actor=office) == PDF
        assert flow.attachment(issued.id).name == "Thông báo thụ lý.pdf"
