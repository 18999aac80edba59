"""Storage by URL works by default (issue 16, item 4): a URL scheme is resolved through the
installed storage plugins' ``dialogue_flow.storage`` entry points, for opening storage only.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    MemoryStorage,
    Petitioner,
    PluginError,
    Role,
    hookimpl,
    load_plugins,
)
from dialogue_flow._storage_urls import STORAGE_GROUP, storage_entry_points

intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)


class FakeBackend:
    """A storage plugin that would also refuse every command, if it were ever loaded."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, bool]] = []

    @hookimpl
    def dialogue_flow_open_storage(self, url: str, create: bool) -> MemoryStorage | None:
        self.asked.append((url, create))
        return MemoryStorage() if url.startswith("fake://") else None

    @hookimpl
    def dialogue_flow_authorize(self, actor: Actor, action: str, record: Any) -> bool:
        return False


def _installed(monkeypatch: pytest.MonkeyPatch, entries: dict[str, Any]) -> None:
    """Pretend ``entries`` (scheme -> loader) are the installed storage entry points."""
    fakes = [SimpleNamespace(name=name, value=f"fake_dist:{name}", dist=None, load=load)
             for name, load in entries.items()]
    monkeypatch.setattr("importlib.metadata.entry_points",
                        lambda group: fakes if group == STORAGE_GROUP else [])


class TestResolution:
    def test_an_installed_scheme_opens_without_registering_anything(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Its storage hook is asked, with create; its other hooks never run in the flow."""
        backend = FakeBackend()
        _installed(monkeypatch, {"fake": lambda: backend})
        flow = DialogueFlow.open("fake://x", clock=FixedClock(dt.date(2021, 6, 1)))
        assert isinstance(flow.storage, MemoryStorage)
        assert [("fake://x", True)] == backend.asked
        assert not flow.plugins.is_registered(backend)
        flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"), topic="đất đai",
                     content="...", actor=intake)  # authorised: the plugin's hook is not run
        DialogueFlow.open("fake://y", create=False)
        assert ("fake://y", False) == backend.asked[-1]

    def test_the_hosts_plugins_are_asked_first(self, monkeypatch: pytest.MonkeyPatch) -> None:
        installed, own = FakeBackend(), FakeBackend()
        _installed(monkeypatch, {"fake": lambda: installed})
        DialogueFlow.open("fake://x", plugins=[own])
        assert ([], [("fake://x", True)]) == (installed.asked, own.asked)

    def test_an_unknown_scheme_names_the_installed_plugins(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        _installed(monkeypatch, {"fake": FakeBackend})
        with pytest.raises(ConfigurationError) as caught:
            DialogueFlow.open("mysql://user:bi-mat@db/x")
        message = str(caught.value)
        assert "no storage backend for mysql:// URLs" in message
        assert "installed storage plugins: fake:// (fake_dist:fake)" in message
        assert "memory://, sqlite:///path/to/file.db" in message
        assert "bi-mat" not in message  # a URL may carry a password: only its scheme

    def test_postgresql_without_its_plugin_says_what_to_install(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Before issue 16 the error listed only the built-in schemes."""
        _installed(monkeypatch, {})
        with pytest.raises(ConfigurationError, match=r"installed storage plugins: none\. "
                           r"install dialogue-flow-postgres \(pip install"):
            DialogueFlow.open("postgresql://db/x")

    def test_a_plugin_that_fails_to_load_is_named(self, monkeypatch: pytest.MonkeyPatch,
                                                  ) -> None:
        _installed(monkeypatch, {"fake": lambda: __import__("no_such_module_dialogue_flow")})
        with pytest.raises(PluginError, match=r"storage plugin for fake:// URLs \(fake_dist"):
            DialogueFlow.open("fake://x")

    def test_a_plugin_that_declines_its_own_scheme_is_an_error(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        class Declines:
            @hookimpl
            def dialogue_flow_open_storage(self, url: str) -> None:
                return None

        _installed(monkeypatch, {"fake": Declines})
        with pytest.raises(PluginError, match="did not open the URL"):
            DialogueFlow.open("fake://x")

    def test_the_postgres_distribution_declares_its_schemes(self) -> None:
        """The workspace's PostgreSQL plugin is found by scheme, as an installed one is."""
        assert {"postgres", "postgresql"} <= {ep.name for ep in storage_entry_points()}


class TestDefaultsAgree:
    def test_load_plugins_loads_no_entry_point_plugin_by_default(self) -> None:
        """`load_plugins()`, `DialogueFlow.open` and the command line agree: installed
        plugins run only when named (issue 16; `load_plugins()` used to load them all)."""
        assert load_plugins().get_plugin("jsonl") is None
        assert DialogueFlow.open("memory://").plugins.get_plugin("jsonl") is None
        assert load_plugins(entry_points=True).get_plugin("jsonl") is not None
