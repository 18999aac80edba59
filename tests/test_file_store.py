"""File stores (issue 17, part 3): the folder store keeps every key inside its folder (no
path traversal: ``..``, absolute paths, symbolic links, NUL, Windows separators), stores
by URL and by plugin, and the ``[attachments]`` table of a settings file."""

from __future__ import annotations

import io
import os
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    AttachmentLimits,
    ConfigurationError,
    DialogueFlow,
    FileStore,
    FolderFileStore,
    InvalidInputError,
    MemoryFileStore,
    NotFoundError,
    PluginError,
    StorageError,
    check_key,
    hookimpl,
    load_plugins,
)
from dialogue_flow._files import open_file_store
from dialogue_flow._settings import init_store, read_settings

BAD_KEYS = [
    "../outside", "a/../../outside", "/etc/passwd", "//server/share", "C:/Windows/x",
    "C:\\Windows\\x", "a\\..\\b", "a/b\\c", "a\x00b", "", ".", "..", ".hidden", "a//b",
    "a/", "/", "a/./b", "a/b/c/d/e/f/g/h/i", "x" * 129, "d\u00e9j\u00e0", "a b", "a:b",
    "~/x", "%2e%2e/x",
]


@pytest.fixture
def store(tmp_path: Path) -> FolderFileStore:
    return FolderFileStore(tmp_path / "files")


class TestFolderStore:
    def test_round_trip(self, store: FolderFileStore) -> None:
        """put, exists, open, keys, delete; a key holds one file and is never replaced."""
        store.put("2026/01/att-1", io.BytesIO(b"hello"))
        assert store.exists("2026/01/att-1")
        with store.open("2026/01/att-1") as file:
            assert b"hello" == file.read()
        assert ["2026/01/att-1"] == list(store.keys())
        with pytest.raises(StorageError, match="already holds"):
            store.put("2026/01/att-1", io.BytesIO(b"other"))
        assert b"hello" == (store.root / "2026" / "01" / "att-1").read_bytes()
        assert store.delete("2026/01/att-1")
        assert not store.delete("2026/01/att-1")
        assert not store.exists("2026/01/att-1")
        with pytest.raises(NotFoundError):
            store.open("2026/01/att-1")

    def test_inventory_lists_size_and_hash(self, store: FolderFileStore) -> None:
        """For a backup's manifest: every file with its size and SHA-256."""
        store.put("a", io.BytesIO(b"abc"))
        store.put("b/c", io.BytesIO(b""))
        assert [("a", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
                ("b/c", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                ] == [(f.key, f.size, f.sha256) for f in store.inventory()]

    @pytest.mark.parametrize("key", BAD_KEYS)
    def test_a_key_outside_the_rule_is_refused_everywhere(self, store: FolderFileStore,
                                                          key: str) -> None:
        """No method of the store turns such a key into a path."""
        for call in (lambda: store.put(key, io.BytesIO(b"x")), lambda: store.open(key),
                     lambda: store.delete(key), lambda: store.exists(key),
                     lambda: store.path(key)):
            with pytest.raises(InvalidInputError) as error:
                call()
            assert "key" == error.value.field
        assert not store.root.exists()

    def test_a_symbolic_link_below_the_root_is_never_followed(self, tmp_path: Path,
                                                              store: FolderFileStore) -> None:
        """A folder or file link inside the store leads nowhere: refused on every method,
        and left out of the keys."""
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "secret").write_bytes(b"secret")
        store.root.mkdir()
        (store.root / "link").symlink_to(outside, target_is_directory=True)
        (store.root / "file-link").symlink_to(outside / "secret")
        for key in ("link/secret", "link/new", "file-link"):
            for call in (lambda k=key: store.open(k), lambda k=key: store.delete(k),
                         lambda k=key: store.put(k, io.BytesIO(b"x"))):
                with pytest.raises(InvalidInputError, match="symbolic link"):
                    call()
        assert [] == list(store.keys())
        assert b"secret" == (outside / "secret").read_bytes()
        assert not (outside / "new").exists()

    def test_a_linked_root_is_the_administrator_s_choice(self, tmp_path: Path) -> None:
        """The folder itself may be a link (a bigger disk): it is resolved once."""
        disk = tmp_path / "disk"
        disk.mkdir()
        (tmp_path / "files").symlink_to(disk, target_is_directory=True)
        store = FolderFileStore(tmp_path / "files")
        store.put("k", io.BytesIO(b"x"))
        assert b"x" == (disk / "k").read_bytes()

    def test_stray_files_are_not_keys(self, store: FolderFileStore) -> None:
        """A file the store did not write under a key (an editor's backup, a dot file)
        is not listed."""
        store.put("2026/k", io.BytesIO(b"x"))
        (store.root / ".DS_Store").write_bytes(b"x")
        (store.root / "2026" / "k~ space").write_bytes(b"x")
        assert ["2026/k"] == list(store.keys())

    def test_a_failed_write_leaves_nothing(self, store: FolderFileStore) -> None:
        class Broken(io.RawIOBase):
            def readinto(self, _buffer: object) -> int:
                raise OSError(5, "I/O error")

        with pytest.raises(StorageError, match="nothing was kept"):
            store.put("k", Broken())  # type: ignore[arg-type]
        assert not store.exists("k")

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=string.printable + "\x00\\/.đ", max_size=40))
    def test_any_key_stays_inside_the_folder(self, tmp_path_factory: pytest.TempPathFactory,
                                             key: str) -> None:
        """Whatever the key, it is refused or it names a path inside the root."""
        store = FolderFileStore(tmp_path_factory.getbasetemp() / "hypothesis-files")
        try:
            path = store.path(key)
        except InvalidInputError:
            return
        assert path.resolve().is_relative_to(store.root)
        assert check_key(key) == path.relative_to(store.root).as_posix()


class TestOpeningByUrl:
    def test_built_in_stores(self, tmp_path: Path) -> None:
        pm = load_plugins()
        folder = open_file_store("files", pm, base=tmp_path)
        assert isinstance(folder, FolderFileStore)
        assert tmp_path / "files" == folder.root
        url = open_file_store(f"file://{tmp_path}/other", pm)
        assert isinstance(url, FolderFileStore)
        assert tmp_path / "other" == url.root
        assert isinstance(open_file_store("memory://", pm), MemoryFileStore)

    def test_an_unknown_scheme_says_what_to_install(self) -> None:
        with pytest.raises(ConfigurationError, match="no file store for s3:// URLs"):
            open_file_store("s3://bucket/prefix", load_plugins())

    def test_a_plugin_opens_its_scheme(self) -> None:
        """The dialogue_flow_open_file_store hook: the first store returned wins."""
        opened: list[str] = []

        class Bucket:
            @hookimpl
            def dialogue_flow_open_file_store(self, url: str) -> FileStore | None:
                if not url.startswith("s3://"):
                    return None
                opened.append(url)
                return MemoryFileStore()

        flow = DialogueFlow.open("memory://", plugins=[Bucket()], files="s3://b/p")
        assert isinstance(flow.files, MemoryFileStore)
        assert ["s3://b/p"] == opened

    def test_a_plugin_must_return_a_file_store(self) -> None:
        class Wrong:
            @hookimpl
            def dialogue_flow_open_file_store(self, url: str) -> object:
                del url
                return "not a store"

        with pytest.raises(PluginError, match="not a file store"):
            open_file_store("s3://b", load_plugins([Wrong()]))


class TestSettings:
    def test_a_folder_relative_to_the_settings_file(self, tmp_path: Path) -> None:
        config = tmp_path / "dialogue-flow.toml"
        config.write_text('storage = "sqlite:///x.db"\n[attachments]\nfolder = "tep"\n'
                          'max_bytes = 1000\ntypes = ["application/pdf"]\n', encoding="utf-8")
        done = _init(config)
        assert done
        with DialogueFlow.from_config(config) as flow:
            assert isinstance(flow.files, FolderFileStore)
            assert tmp_path / "tep" == flow.files.root
            assert AttachmentLimits(1000, frozenset({"application/pdf"})) == (
                flow.attachment_limits)
        found = read_settings(config).file_store()
        assert isinstance(found, FolderFileStore)
        assert tmp_path / "tep" == found.root

    def test_without_the_table_a_sqlite_store_keeps_files_beside_it(self,
                                                                    tmp_path: Path) -> None:
        config = tmp_path / "dialogue-flow.toml"
        config.write_text('storage = "sqlite:///x.db"\n', encoding="utf-8")
        found = read_settings(config).file_store()
        assert isinstance(found, FolderFileStore)
        assert tmp_path / "x.db-files" == found.root
        config.write_text('storage = "postgresql://h/db"\n', encoding="utf-8")
        assert read_settings(config).file_store() is None

    @pytest.mark.parametrize(("table", "message"), [
        ('folder = "a"\nstore = "s3://b"', "either folder"),
        ("folders = 'a'", "unknown key attachments.'folders' \\(did you mean 'folder'"),
        ("max_bytes = 0", "attachments.max_bytes: expected the largest file"),
        ("max_bytes = true", "attachments.max_bytes"),
        ('types = ["video/mp4"]', "attachments.types: 'video/mp4' is not a type"),
        ('types = "application/pdf"', "attachments.types: expected a list"),
        ("folder = ''", "attachments.folder"),
    ])
    def test_mistakes_name_the_key(self, tmp_path: Path, table: str, message: str) -> None:
        config = tmp_path / "dialogue-flow.toml"
        config.write_text(f'storage = "sqlite:///x.db"\n[attachments]\n{table}\n',
                          encoding="utf-8")
        with pytest.raises(ConfigurationError, match=message):
            read_settings(config)


def _init(config: Path) -> bool:
    """What ``dialogue-flow init --config`` does."""
    return init_store(DialogueFlow, read_settings(config)).recorded


def test_the_folder_store_satisfies_the_protocol(tmp_path: Path) -> None:
    assert isinstance(FolderFileStore(tmp_path), FileStore)
    assert isinstance(MemoryFileStore(), FileStore)
    assert os.fspath(tmp_path) in repr(FolderFileStore(tmp_path))
