"""``dialogue-flow backup`` and ``restore`` (issue 17, part 4): SQLite's online backup,
consistent while others write; a manifest of counts, checksums and files; a restore that
verifies it and loads the store and its attachments into a new store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    FolderFileStore,
    MemoryStorage,
    Petitioner,
    Role,
    SequentialIds,
    SQLiteStorage,
    StorageError,
    WorkCalendar,
)
from dialogue_flow._backup import (
    DATABASE,
    MANIFEST,
    BackupManifest,
    _database_sums,
    restore_backup,
    verify_backup,
)
from dialogue_flow.cli import main
from dialogue_flow.storage import MAX_PAGE, SubmissionQuery
from dialogue_flow.testing import store_contents

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)


@pytest.fixture
def office(tmp_path: Path, calendar: WorkCalendar) -> Iterator[DialogueFlow]:
    """A commune's flow on a SQLite file, its attachments in the folder beside it: two
    matters, one with a scanned letter and a photo."""
    (tmp_path / "office").mkdir()
    flow = DialogueFlow.open(f"sqlite:///{tmp_path / 'office' / 'commune.db'}",
                             calendar=calendar, clock=FixedClock(dt.date(2021, 6, 1)),
                             ids=SequentialIds())
    first = flow.receive(petitioner=Petitioner("Nguyễn Văn A", phone="0912345678"),
                         topic="đất đai", content="Chậm cấp giấy chứng nhận.", actor=intake)
    flow.attach(first.id, name="don-kien-nghi.pdf", data=PDF, actor=intake)
    flow.attach(first.id, name="anh-hien-truong.png", data=PNG, actor=intake)
    flow.receive(petitioner=Petitioner("Trần Thị B"), topic="môi trường", content="Khói.",
                 actor=intake)
    yield flow
    flow.shutdown()


def _restored(tmp_path: Path, name: str = "restored") -> tuple[str, FolderFileStore]:
    (tmp_path / name).mkdir()
    return (f"sqlite:///{tmp_path / name / 'commune.db'}",
            FolderFileStore(tmp_path / name / "files"))


class TestBackupAndRestore:
    def test_a_restored_store_holds_everything_with_its_files(self, office: DialogueFlow,
                                                              tmp_path: Path) -> None:
        """Backup, then restore into a new store and file store: the same records, audit
        trails, outbox and access log, and every attachment readable with its bytes;
        the restored store passes ``check``."""
        manifest = office.backup(tmp_path / "backup")
        assert [(f.bytes, f.sha256) for f in manifest.files] == [
            (a.size, a.sha256) for a in office.iter_attachments()]
        url, files = _restored(tmp_path)
        with SQLiteStorage.from_url(url) as target:
            done = restore_backup(tmp_path / "backup", target, files=files)
            assert store_contents(office.storage) == store_contents(target)
        assert (2, 0) == (done.files_restored, done.files_present)
        with DialogueFlow.open(url, create=False, files=files) as restored:
            assert [] == restored.check()
            assert [] == restored.check_files(verify=True)
            for attachment in office.iter_attachments():
                assert office.read_attachment(attachment.id, actor=intake) == \
                    restored.read_attachment(attachment.id, actor=intake)

    def test_the_manifest_says_what_the_backup_holds(self, office: DialogueFlow,
                                                     tmp_path: Path) -> None:
        """Schema version, each table's rows and checksum, the database file's SHA-256,
        each file's key, size and SHA-256; no personal data."""
        office.backup(tmp_path / "backup")
        text = (tmp_path / "backup" / MANIFEST).read_text(encoding="utf-8")
        data = json.loads(text)
        assert "dialogue-flow-backup/1" == data["format"]
        assert 2 == data["tables"]["submissions"]["rows"]
        assert 2 == len(data["files"])
        assert {"key", "bytes", "sha256"} == set(data["files"][0])
        for personal in ("Nguyễn", "0912345678", "don-kien-nghi"):
            assert personal not in text
        assert verify_backup(tmp_path / "backup") == BackupManifest.from_json(
            text, tmp_path / "backup" / MANIFEST)

    def test_the_backup_is_one_file_without_wal(self, office: DialogueFlow,
                                                tmp_path: Path) -> None:
        """store.db is complete on its own (rollback journal, no -wal/-shm beside it)."""
        office.backup(tmp_path / "backup")
        assert {DATABASE, MANIFEST, "files"} == {p.name for p in (tmp_path / "backup").iterdir()}
        with closing(sqlite3.connect(tmp_path / "backup" / DATABASE)) as conn:
            assert "delete" == conn.execute("PRAGMA journal_mode").fetchone()[0]

    def test_restore_refuses_a_store_holding_rows_unless_replace(
            self, office: DialogueFlow, tmp_path: Path) -> None:
        """Into a store that holds rows: ConfigurationError and nothing written (no file
        either); with replace=True the store becomes the backup's."""
        office.backup(tmp_path / "backup")
        url, files = _restored(tmp_path)
        with DialogueFlow.open(url, files=files, calendar=office.calendar) as other:
            other.receive(petitioner=Petitioner("Lê Văn C"), topic="giao thông",
                          content="Đường hỏng.", actor=intake)
            before = store_contents(other.storage)
            with pytest.raises(ConfigurationError, match="not empty"):
                restore_backup(tmp_path / "backup", other.storage, files=files)
            assert before == store_contents(other.storage)
            assert [] == list(files.keys())
            restore_backup(tmp_path / "backup", other.storage, files=files, replace=True)
            assert store_contents(office.storage) == store_contents(other.storage)

    def test_restore_needs_a_file_store_for_the_files(self, office: DialogueFlow,
                                                      tmp_path: Path) -> None:
        office.backup(tmp_path / "backup")
        with SQLiteStorage(tmp_path / "t.db") as target, \
                pytest.raises(ConfigurationError, match="2 attachment files"):
            restore_backup(tmp_path / "backup", target)

    def test_a_file_store_holding_other_bytes_under_a_key_is_refused(
            self, office: DialogueFlow, tmp_path: Path) -> None:
        manifest = office.backup(tmp_path / "backup")
        url, files = _restored(tmp_path)
        key = manifest.files[0].key
        path = files.root / key
        path.parent.mkdir(parents=True)
        path.write_bytes(b"something else")
        with SQLiteStorage.from_url(url) as target, \
                pytest.raises(StorageError, match="other bytes"):
            restore_backup(tmp_path / "backup", target, files=files)

    def test_restore_into_a_memory_store_is_refused(self, office: DialogueFlow,
                                                    tmp_path: Path) -> None:
        office.backup(tmp_path / "backup")
        with pytest.raises(ConfigurationError, match="MemoryStorage"):
            restore_backup(tmp_path / "backup", MemoryStorage(), files=FolderFileStore(
                tmp_path / "f"))

    def test_a_backup_of_an_earlier_release_is_restored(self, tmp_path: Path) -> None:
        """A backup whose store.db has schema version 2 (written before organisations)
        verifies against its manifest and is brought to this release's schema on the
        way in; the backup itself is left as it was."""
        from migration_expectations import (  # noqa: PLC0415
            FIXTURES,
            assert_matches_expectations,
            load_expectations,
        )

        folder = tmp_path / "old-backup"
        folder.mkdir()
        with closing(sqlite3.connect(folder / DATABASE)) as conn:
            conn.executescript((FIXTURES / "sqlite_schema_v2.sql").read_text(encoding="utf-8"))
        version, sums = _database_sums(folder / DATABASE)
        assert 2 == version
        manifest = BackupManifest(
            created_at=dt.datetime(2021, 7, 1, tzinfo=dt.UTC), library="0.0.1",
            source="SQLiteStorage", schema_version=version,
            database_bytes=(folder / DATABASE).stat().st_size,
            database_sha256=_sha256(folder / DATABASE), tables=sums)
        (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        with SQLiteStorage(tmp_path / "t.db") as target:
            done = restore_backup(folder, target)
            assert_matches_expectations(target, load_expectations(
                FIXTURES / "schema_v2_expected.json"))
        assert sums["submissions"].rows == done.copy.sums()["submissions"].rows
        assert manifest == verify_backup(folder)


class TestVerify:
    @pytest.fixture
    def backup(self, office: DialogueFlow, tmp_path: Path) -> Path:
        office.backup(tmp_path / "backup")
        return tmp_path / "backup"

    def test_a_changed_attachment_is_found(self, backup: Path) -> None:
        [changed, *_] = sorted((backup / "files").rglob("att-*"))
        changed.write_bytes(changed.read_bytes() + b"x")
        with pytest.raises(StorageError, match=f"file .*{changed.name} differs"):
            verify_backup(backup)

    def test_a_missing_attachment_is_found(self, backup: Path) -> None:
        [gone, *_] = sorted((backup / "files").rglob("att-*"))
        gone.unlink()
        with pytest.raises(StorageError, match="is missing"):
            verify_backup(backup)

    def test_a_changed_database_is_found(self, backup: Path) -> None:
        with closing(sqlite3.connect(backup / DATABASE)) as conn, conn:
            conn.execute("DELETE FROM outbox WHERE seq = (SELECT max(seq) FROM outbox)")
        with pytest.raises(StorageError, match=r"store\.db is not the file"):
            verify_backup(backup)

    def test_a_folder_without_manifest_is_not_a_backup(self, tmp_path: Path) -> None:
        with pytest.raises(StorageError, match="is not a backup"):
            verify_backup(tmp_path)

    def test_a_manifest_key_leaving_the_folder_is_refused(self, backup: Path) -> None:
        data = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
        data["files"][0]["key"] = "../../etc/passwd"
        (backup / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(StorageError, match="may not be"):
            verify_backup(backup)


class TestBackupRefusals:
    def test_an_existing_folder_is_refused(self, office: DialogueFlow, tmp_path: Path) -> None:
        (tmp_path / "there").mkdir()
        with pytest.raises(ConfigurationError, match="exists already"):
            office.backup(tmp_path / "there")

    def test_a_memory_store_cannot_be_backed_up(self, tmp_path: Path) -> None:
        with DialogueFlow.open("memory://") as flow, \
                pytest.raises(ConfigurationError, match="memory://"):
            flow.backup(tmp_path / "backup")
        assert not (tmp_path / "backup").exists()


def test_a_backup_is_consistent_while_others_write(tmp_path: Path,
                                                  calendar: WorkCalendar) -> None:
    """A writer in another connection receives matters one commit at a time, before,
    during and after the backup. The backup opens, passes ``dialogue-flow check``, and
    holds a prefix of the writer's commits: the first k matters, each with its audit row
    and its notice, and nothing of the later ones."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    with DialogueFlow.open(url, calendar=calendar) as seed:
        for n in range(300):  # enough pages that the backup takes a moment
            seed.receive(petitioner=Petitioner(f"Công dân {n}"), topic="đất đai",
                         content="Nội dung " * 200, actor=intake)
    stop = threading.Event()
    received: list[str] = []

    def write() -> None:
        with DialogueFlow.open(url, calendar=calendar, create=False) as writer:
            while not stop.is_set():
                received.append(writer.receive(
                    petitioner=Petitioner("Người viết"), topic="w", content="x",
                    actor=intake).id)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while len(received) < 5:
            threading.Event().wait(0.01)
        with DialogueFlow.open(url, calendar=calendar, create=False) as flow:
            before = len(received)
            flow.backup(tmp_path / "backup")
            during = len(received)
        while len(received) < during + 5:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert during > before  # the writer committed while the backup ran
    verify_backup(tmp_path / "backup")
    # Opened from a copy: opening a SQLite file writes to it (WAL mode, statistics).
    shutil.copyfile(tmp_path / "backup" / DATABASE, tmp_path / "opened.db")
    with SQLiteStorage(tmp_path / "opened.db", create=False) as copy:
        held = {r.id for r in copy.find_submissions(SubmissionQuery(limit=MAX_PAGE))}
        written = [sid for sid in received if sid in held]
        assert written == received[:len(written)]  # a prefix of the writer's commits
        assert len(written) >= before
        for sid in written:
            assert 1 == len(copy.history("submission", sid))
        keys = {n.key for n in copy.pending_notifications()}
        assert {sid for sid in received if f"submission:{sid}:v1:received" in keys} == set(
            written)
    done = CliRunner().invoke(main, ["check", "--db", f"sqlite:///{tmp_path / 'opened.db'}"])
    assert (0, "0 problems found\n") == (done.exit_code, done.output[-17:])


class TestCommandLine:
    def test_backup_check_and_restore(self, office: DialogueFlow, tmp_path: Path) -> None:
        """``backup FOLDER``, ``restore FOLDER --check``, ``restore FOLDER --to URL
        --files DIR``; a second restore into the same store exits 1 without --replace."""
        url = f"sqlite:///{tmp_path / 'office' / 'commune.db'}"
        done = CliRunner().invoke(main, ["backup", str(tmp_path / "b"), "--db", url])
        assert 0 == done.exit_code, done.output
        assert "2 files" in done.output
        checked = CliRunner().invoke(main, ["restore", str(tmp_path / "b"), "--check"])
        assert 0 == checked.exit_code, checked.output
        assert "as its manifest says" in checked.output
        target = f"sqlite:///{tmp_path / 'new' / 'commune.db'}"
        (tmp_path / "new").mkdir()
        restored = CliRunner().invoke(main, ["restore", str(tmp_path / "b"), "--to", target])
        assert 0 == restored.exit_code, restored.output
        assert "2 files restored" in restored.output
        assert {f.key for f in office.backup(tmp_path / "b2").files} == set(
            FolderFileStore(tmp_path / "new" / "commune.db-files").keys())
        again = CliRunner().invoke(main, ["restore", str(tmp_path / "b"), "--to", target])
        assert 1 == again.exit_code
        assert "not empty" in again.output

    def test_a_damaged_backup_is_not_restored(self, office: DialogueFlow,
                                              tmp_path: Path) -> None:
        office.backup(tmp_path / "b")
        [changed, *_] = sorted((tmp_path / "b" / "files").rglob("att-*"))
        changed.write_bytes(b"tampered")
        target = tmp_path / "new.db"
        done = CliRunner().invoke(main, ["restore", str(tmp_path / "b"), "--to",
                                         f"sqlite:///{target}", "--files",
                                         str(tmp_path / "files")])
        assert 1 == done.exit_code
        assert "differs" in done.output
        with SQLiteStorage(target, create=False) as store:
            assert 0 == sum(store.outbox_stats().values())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
