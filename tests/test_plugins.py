"""Plugins: loading and checking them, every hook the façade calls, the CLI, and the docs.

Tests named ``test_hook_<hook name>_...`` (here and in test_dispatch.py) are what the
meta-test counts as "this hook has a test".
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
from click.testing import CliRunner

from conftest import LAND
from dialogue_flow import (
    SUBMISSION,
    Actor,
    ConfigurationError,
    DeadlinePolicy,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    Organisation,
    PermissionDeniedError,
    Petitioner,
    PluginError,
    PluginManager,
    Role,
    SequentialIds,
    Submission,
    TransitionVetoedError,
    WorkCalendar,
    hookimpl,
    hookspecs,
    load_plugins,
)
from dialogue_flow._formats import call_format_hook
from dialogue_flow._plugins import HOOK_NAMES
from dialogue_flow.cli import main

ROOT = Path(__file__).resolve().parent.parent
PLUGINS_DOC = ROOT / "docs" / "plugins.md"


def _flow(*plugins: object, calendar: WorkCalendar | None = None, **options: Any,
          ) -> DialogueFlow:
    """A memory flow at the suite's start day with ``plugins`` registered."""
    return DialogueFlow(MemoryStorage(), calendar=calendar, clock=FixedClock(dt.date(2021, 6, 1)),
                        ids=SequentialIds(),
                        plugins=load_plugins(plugins, entry_points=False), **options)


def _receive(flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> Submission:
    return flow.receive(petitioner=petitioner, topic="Đường giao thông",
                        content="Đường thôn 1 xuống cấp", actor=intake)


class TestLoading:
    def test_builtin_logging_notifier_is_registered_like_any_plugin(self) -> None:
        """The logging notifier is a named plugin implementing dialogue_flow_deliver."""
        pm = load_plugins(entry_points=False)
        plugin = pm.get_plugin("dialogue_flow.logging")
        assert ["dialogue_flow_deliver"] == pm.hooks_of(plugin)

    def test_misspelt_hook_is_a_plugin_error_naming_plugin_and_hook(self) -> None:
        """A hookimpl whose name is no hook fails at load, with the valid names listed."""

        class Typo:
            @hookimpl
            def dialogue_flow_delivr(self, notification: Any, recipients: Any) -> None:
                """Misspelt on purpose."""

        with pytest.raises(PluginError) as info:
            load_plugins([Typo()], entry_points=False)
        message = str(info.value)
        assert "'dialogue_flow_delivr'" in message
        assert "did you mean dialogue_flow_deliver?" in message
        assert "Typo" in message
        assert all(name in message for name in HOOK_NAMES)

    def test_wrong_argument_name_is_a_plugin_error_with_the_spec(self) -> None:
        """An argument the hook does not have fails at registration, showing the spec."""

        class Wrong:
            @hookimpl
            def dialogue_flow_open_storage(self, uri: str) -> None:
                """``uri`` instead of ``url``."""

        with pytest.raises(PluginError, match=r"dialogue_flow_open_storage\(url, create\)"):
            load_plugins([Wrong()], entry_points=False)

    def test_a_plugin_registered_twice_is_a_plugin_error(self) -> None:
        """Registering the same object twice is reported, not a bare ValueError."""
        plugin = SimpleNamespace()
        with pytest.raises(PluginError, match="already registered"):
            load_plugins([plugin, plugin], entry_points=False)

    def test_string_instead_of_plugin_list_is_rejected(self) -> None:
        """``plugins="x"`` would iterate characters: refused with a clear message."""
        with pytest.raises(PluginError, match="got a string"):
            load_plugins("jsonl", entry_points=False)  # type: ignore[arg-type]

    def test_entry_point_plugins_are_loaded(self) -> None:
        """The workspace's jsonl plugin is found through the dialogue_flow entry points."""
        pm = load_plugins(entry_points=True)
        assert pm.get_plugin("jsonl") is not None

    def test_broken_entry_point_names_the_entry_point(self, monkeypatch: pytest.MonkeyPatch,
                                                      ) -> None:
        """An entry point that fails to import is a PluginError naming it."""
        broken = SimpleNamespace(name="broken", value="nowhere:plugin", dist=None,
                                 load=lambda: __import__("no_such_module_dialogue_flow"))
        monkeypatch.setattr("importlib.metadata.entry_points",
                            lambda group: [broken] if group == "dialogue_flow" else [])
        with pytest.raises(PluginError, match=r"'broken' \(nowhere:plugin\) failed to load"):
            load_plugins(entry_points=True)

    def test_every_spec_is_in_hook_names(self) -> None:
        """HOOK_NAMES lists every spec of hookspecs.py."""
        pm = PluginManager()
        specs = sorted(name for name in dir(pm.hook) if name.startswith("dialogue_flow_"))
        assert specs == list(HOOK_NAMES)


class TestFacadeHooks:
    def test_hook_dialogue_flow_open_storage_custom_scheme(self) -> None:
        """A plugin can add a URL scheme; it is asked before the built-ins."""
        opened = MemoryStorage()

        class Custom:
            @hookimpl
            def dialogue_flow_open_storage(self, url: str) -> MemoryStorage | None:
                return opened if url.startswith("custom://") else None

        flow = DialogueFlow.open("custom://x", plugins=[Custom()])
        assert flow.storage is opened
        assert isinstance(DialogueFlow.open("memory://", plugins=[Custom()]).storage,
                          MemoryStorage)

    def test_hook_dialogue_flow_open_file_store_custom_scheme(self, intake: Actor,
                                                              petitioner: Petitioner) -> None:
        """A plugin opens the file store a flow names by URL; attachments go there."""
        from dialogue_flow import MemoryFileStore  # noqa: PLC0415

        bucket = MemoryFileStore()

        class Buckets:
            @hookimpl
            def dialogue_flow_open_file_store(self, url: str) -> MemoryFileStore | None:
                return bucket if url.startswith("bucket://") else None

        flow = DialogueFlow.open("memory://", plugins=[Buckets()], files="bucket://tinh")
        s = flow.receive(petitioner=petitioner, topic="Đường", content="Hỏng", actor=intake)
        scan = flow.attach(s.id, name="a.pdf", data=b"%PDF-1.7", actor=intake)
        assert flow.files is bucket
        assert [scan.file_key] == list(bucket.keys())


    def test_hook_dialogue_flow_authorize_overrides_defaults_and_authorizers(
            self, intake: Actor, petitioner: Petitioner) -> None:
        """The first non-None plugin answer wins over host authorizers and the defaults."""

        class Closed:
            @hookimpl
            def dialogue_flow_authorize(self, actor: Actor, action: str, record: Any,
                                        ) -> bool | None:
                return False if action == "receive" else None

        flow = _flow(Closed(), authorizers=[lambda *_: True])
        with pytest.raises(PermissionDeniedError):
            _receive(flow, intake, petitioner)
        assert [] == list(flow.submissions())

    def test_hook_dialogue_flow_authorize_none_falls_through(
            self, intake: Actor, petitioner: Petitioner) -> None:
        """A plugin without opinion leaves the decision to the host's authorizers."""

        class Silent:
            @hookimpl
            def dialogue_flow_authorize(self, actor: Actor, action: str, record: Any) -> None:
                return None

        flow = _flow(Silent(), authorizers=[lambda *_: False])
        with pytest.raises(PermissionDeniedError):
            _receive(flow, intake, petitioner)

    @pytest.mark.parametrize("answer", ["not on weekends", 1, "", object()])
    def test_hook_dialogue_flow_authorize_fails_closed(
            self, intake: Actor, petitioner: Petitioner, answer: object) -> None:
        """Issue 13: only True grants. A refusal reason as text (truthy) or any other answer
        refuses the command with a PluginError; nothing is written."""

        class Odd:
            @hookimpl
            def dialogue_flow_authorize(self, actor: Actor, action: str, record: Any,
                                        ) -> object:
                return answer

        flow = _flow(Odd())
        with pytest.raises(PluginError, match="only True"):
            _receive(flow, intake, petitioner)
        assert [] == list(flow.submissions())
        host = _flow(authorizers=[lambda *_: answer])
        with pytest.raises(PluginError, match="only True"):
            _receive(host, intake, petitioner)

    def test_permits_asks_the_same_authorisers_as_the_commands(
            self, intake: Actor, chair: Actor, petitioner: Petitioner) -> None:
        """flow.permits answers what the command would decide: the plugin's answer first,
        then the host's authorizers, then the seed's rules; nothing is written."""

        class Closed:
            @hookimpl
            def dialogue_flow_authorize(self, actor: Actor, action: str, record: Any,
                                        ) -> bool | None:
                return False if action == "receive" else None

        flow = _flow(Closed())
        assert not flow.permits(intake, "receive")
        with pytest.raises(PermissionDeniedError):
            _receive(flow, intake, petitioner)
        assert flow.permits(chair, "plan")
        assert not flow.permits(intake, "plan")
        host = _flow(authorizers=[lambda actor, action, record: action == "plan"])
        assert host.permits(intake, "plan")
        assert not host.permits(chair, "assign")
        odd = _flow(authorizers=[lambda *_: "yes"])
        with pytest.raises(PluginError, match="only True"):
            odd.permits(chair, "assign")
        assert [] == list(flow.submissions())

    def test_available_commands_are_the_lifecycles_granted_and_not_refused(
            self, intake: Actor, chair: Actor, department: Actor,
            petitioner: Petitioner) -> None:
        """available_commands: the events the state allows, the authorisers grant, and no
        known rule refuses (a matter handled by the organisation it was escalated to is
        not assigned or extended here; one of a completed dialogue is not reopened)."""
        flow = _flow()
        flow.add_organisation(Organisation("tinh", "Tỉnh", "province"))
        s = _receive(flow, intake, petitioner)
        chair_may = flow.available_commands(s, actor=chair)
        assert {"answer", "assign", "escalate", "close"} <= set(chair_may)
        assert set(chair_may) <= set(SUBMISSION.allowed(s.state))
        assert "assign" not in flow.available_commands(s, actor=intake)
        assert "close" in flow.available_commands(s, actor=intake)
        assert () == flow.available_commands(s, actor=department)
        s = flow.escalate(s.id, actor=chair, to="tinh")
        here = flow.available_commands(s, actor=chair)
        assert "answer" in here
        assert not {"assign", "extend"} & set(here)
        with pytest.raises(InvalidInputError, match="record"):
            flow.available_commands(s.id, actor=chair)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError) as caught:  # a record where an id is expected
            flow.submission(s)  # type: ignore[arg-type]
        assert "got Submission" in str(caught.value)
        assert s.content not in str(caught.value)  # never the citizen's words

    def test_a_matter_of_a_completed_dialogue_is_not_offered_reopen(
            self, intake: Actor, chair: Actor, petitioner: Petitioner) -> None:
        clock = FixedClock(dt.date(2021, 6, 1))
        flow = DialogueFlow(MemoryStorage(), clock=clock)
        office = Actor("vp", "Văn phòng", Role.OFFICE)
        d = flow.plan_dialogue(scheduled_for=dt.date(2021, 6, 17), title="Quý II",
                               actor=office)
        flow.announce(d.id, actor=office)
        clock.set(dt.date(2021, 6, 17))
        flow.hold(d.id, actor=office)
        s = flow.receive(petitioner=petitioner, topic="Đường", content="Hỏng.",
                         actor=intake, dialogue=d.id)
        flow.answer(s.id, text="Sẽ sửa.", actor=chair, mode="on_the_spot")
        flow.conclude(d.id, actor=chair)
        s = flow.close(s.id, outcome="accepted", actor=office)
        assert "reopen" in SUBMISSION.allowed(s.state)
        assert "reopen" not in flow.available_commands(s, actor=chair)
        assert "cancel" not in flow.available_commands(flow.dialogue(d.id), actor=chair)

    def test_permits_reads_the_record(self, intake: Actor, chair: Actor,
                                      department: Actor, petitioner: Petitioner) -> None:
        """A department may answer only a matter assigned to it, and nobody acts on another
        organisation's record: permits sees the record as the command does."""
        flow = _flow()
        s = _receive(flow, intake, petitioner)
        assert not flow.permits(department, "answer", s)
        s = flow.assign(s.id, department=LAND, actor=chair)
        assert flow.permits(department, "answer", s)
        assert flow.permits(chair, "answer", s)
        stranger = Actor("bt-b", "Bí thư xã B", Role.CHAIR, organisation_id="xa-b")
        assert not flow.permits(stranger, "answer", s)

    def test_permits_refuses_bad_input(self, chair: Actor) -> None:
        flow = _flow()
        for actor in ("bt", None):
            with pytest.raises(InvalidInputError, match="actor"):
                flow.permits(actor, "answer")  # type: ignore[arg-type]
        for action in ("", None, 3):
            with pytest.raises(InvalidInputError, match="action"):
                flow.permits(chair, action)  # type: ignore[arg-type]
        for record in ("sub-1", {"id": "sub-1"}):
            with pytest.raises(InvalidInputError, match=r"^record: expected the Submission"):
                flow.permits(chair, "answer", record)  # type: ignore[arg-type]

    def test_permits_reads_a_confidential_identity_as_identity_does(
            self, intake: Actor, chair: Actor, petitioner: Petitioner) -> None:
        """read_identity on a confidential matter: only the roles its policy names (the
        chair by default), as flow.identity decides before the authorisers."""
        flow = _flow()
        s = flow.receive(petitioner=petitioner, topic="Cán bộ", content="Tố cáo.",
                         actor=intake, kind="denunciation")
        office = Actor("vp", "Văn phòng", Role.OFFICE)
        assert not flow.permits(office, "read_identity", s)
        assert flow.permits(chair, "read_identity", s)
        with pytest.raises(PermissionDeniedError):
            flow.identity(s, actor=office)
        plain = _receive(flow, intake, petitioner)
        assert flow.permits(office, "read_identity", plain)

    def test_hook_dialogue_flow_before_transition_veto_writes_nothing(
            self, intake: Actor, chair: Actor, petitioner: Petitioner) -> None:
        """A veto raises TransitionVetoedError with the reason; storage is unchanged."""
        seen: list[tuple[str, str, str]] = []

        class NoForest:
            @hookimpl
            def dialogue_flow_before_transition(self, kind: str, record: Any, event: str,
                                                dest: str, actor: Actor) -> str | None:
                seen.append((kind, event, dest))
                return "land matters wait for the survey" if event == "assign" else None

        flow = _flow(NoForest())
        sub = _receive(flow, intake, petitioner)
        before = (flow.submission(sub.id), flow.history(sub),
                  flow.storage.pending_notifications())
        with pytest.raises(TransitionVetoedError, match="land matters wait for the survey"):
            flow.assign(sub.id, department=LAND, actor=chair)
        after = (flow.submission(sub.id), flow.history(sub),
                 flow.storage.pending_notifications())
        assert before == after
        assert [("submission", "receive", "received"),
                ("submission", "assign", "assigned")] == seen

    def test_hook_dialogue_flow_after_commit_exception_is_logged_and_swallowed(
            self, intake: Actor, petitioner: Petitioner,
            caplog: pytest.LogCaptureFixture) -> None:
        """A failing observer does not undo or fail the command; the others still run."""
        observed: list[str] = []

        class Broken:
            @hookimpl
            def dialogue_flow_after_commit(self, kind: str, record: Any, event: str,
                                           actor: Actor) -> None:
                raise RuntimeError("metrics down")

        class Counting:
            @hookimpl
            def dialogue_flow_after_commit(self, kind: str, record: Any, event: str,
                                           actor: Actor) -> None:
                observed.append(f"{kind}:{event}:{record.version}")

        flow = _flow(Broken(), Counting())
        with caplog.at_level(logging.ERROR, logger="dialogue_flow.plugins"):
            sub = _receive(flow, intake, petitioner)
        assert sub == flow.submission(sub.id)
        assert ["submission:receive:1"] == observed
        assert "dialogue_flow_after_commit" in caplog.text
        assert "metrics down" in caplog.text

    def test_hook_dialogue_flow_calendar_overrides_move_deadlines(
            self, intake: Actor, chair: Actor, petitioner: Petitioner,
            calendar: WorkCalendar) -> None:
        """A plugin's extra day off inside the answer period pushes the due date one day."""

        class StormDay:
            @hookimpl
            def dialogue_flow_calendar_overrides(self, years: range) -> dict[str, Any]:
                assert 2021 in years
                return {"days_off": {dt.date(2021, 6, 15): "Bão số 2"}}

        def due(flow: DialogueFlow) -> dt.date:
            sub = flow.assign(_receive(flow, intake, petitioner).id, department=LAND,
                              actor=chair)
            assert sub.due is not None
            return sub.due.date

        plain, stormy = due(_flow(calendar=calendar)), due(_flow(StormDay()))
        assert calendar.add_working_days(plain, 1) == stormy

    def test_hook_dialogue_flow_calendar_overrides_contradiction_is_rejected(self) -> None:
        """One plugin's day off that another declares a working day fails loudly."""

        class Off:
            @hookimpl
            def dialogue_flow_calendar_overrides(self, years: range) -> dict[str, Any]:
                return {"days_off": {dt.date(2021, 6, 15): "off"}}

        class Working:
            @hookimpl
            def dialogue_flow_calendar_overrides(self, years: range) -> dict[str, Any]:
                return {"working_days": {dt.date(2021, 6, 15): "make-up day"}}

        with pytest.raises(Exception, match="both as a day off and as a working day"):
            _flow(Off(), Working())

    def test_hook_dialogue_flow_policies_selectable_by_id(self) -> None:
        """``policy="<id>"`` finds a plugin's policy, and still finds the bundled ones."""
        custom = DeadlinePolicy.from_mapping({**_policy_data("seed-plan"), "id": "province-x"})

        class Province:
            @hookimpl
            def dialogue_flow_policies(self) -> list[DeadlinePolicy]:
                return [custom]

        assert _flow(Province(), policy="province-x").policy is custom
        assert "complaints-2011" == _flow(Province(), policy="complaints-2011").policy.id
        with pytest.raises(Exception, match=r"no policy 'nope'; available: .*province-x"):
            _flow(Province(), policy="nope")


def _policy_data(name: str) -> dict[str, Any]:
    import tomllib  # noqa: PLC0415
    from importlib import resources  # noqa: PLC0415

    text = resources.files("dialogue_flow").joinpath(f"policies/{name}.toml").read_text(
        encoding="utf-8")
    return tomllib.loads(text)


class TestRenderReport:
    def test_hook_dialogue_flow_render_report_first_result(self) -> None:
        """Reports call it in the next issue; the manager already returns the first answer."""

        class Html:
            @hookimpl
            def dialogue_flow_render_report(self, report: Any, fmt: str,
                                            language: str) -> str | None:
                return f"<p lang={language}>{report['total']}</p>" if fmt == "html" else None

        pm = load_plugins([Html()], entry_points=False)
        hook = pm.hook.dialogue_flow_render_report
        assert "<p lang=en>3</p>" == hook(report={"total": 3}, fmt="html", language="en")
        assert hook(report={"total": 3}, fmt="xlsx", language="vi") is None


class TestFormatHooks:
    """The format hooks of issue 18, asked of the host's plugins first, then of the plugin
    installed for the format (``dialogue_flow.formats``)."""

    class Formats:
        @hookimpl
        def dialogue_flow_render_document(self, document: Any, fmt: str, language: str,
                                          templates: str | None) -> bytes | None:
            return f"{document['kind']}/{language}/{templates}".encode() if fmt == "txt" else None

        @hookimpl
        def dialogue_flow_render_chart(self, chart: Any, fmt: str, language: str,
                                       ) -> bytes | None:
            return f"<svg>{chart['title']}</svg>".encode() if fmt == "svg" else None

        @hookimpl
        def dialogue_flow_write_table(self, table: Any, fmt: str, language: str,
                                      ) -> bytes | None:
            return table["title"].encode() if fmt == "tsv" else None

        @hookimpl
        def dialogue_flow_read_table(self, path: str, fmt: str,
                                     sheet: str | None) -> Iterator[list[Any]] | None:
            return iter([["a"], [path]]) if fmt == "tsv" else None

    def test_hook_dialogue_flow_render_document_host_plugin_first(self) -> None:
        pm = load_plugins([self.Formats()], entry_points=False)
        assert b"answer/vi/None" == call_format_hook(
            pm, "dialogue_flow_render_document", "txt", document={"kind": "answer"},
            language="vi", templates=None)

    def test_the_hosts_plugin_answers_before_the_installed_one_is_loaded(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A host takes a format over: the installed plugin for it is not even imported."""
        loaded: list[str] = []

        class Installed:
            name, value, dist = "txt", "installed:plugin", None

            def load(self) -> Any:
                loaded.append(self.value)
                return TestFormatHooks.Formats()

        monkeypatch.setattr("dialogue_flow._formats.format_entry_points", lambda: [Installed()])

        class Host:
            @hookimpl
            def dialogue_flow_render_document(self, document: Any, fmt: str, language: str,
                                              templates: str | None) -> bytes | None:
                return b"host"

        pm = load_plugins([Host()], entry_points=False)
        assert b"host" == call_format_hook(pm, "dialogue_flow_render_document", "txt",
                                           document={"kind": "answer"}, language="vi",
                                           templates=None)
        assert [] == loaded
        # Without the host's, the installed plugin answers.
        assert b"answer/vi/None" == call_format_hook(
            load_plugins(entry_points=False), "dialogue_flow_render_document", "txt",
            document={"kind": "answer"}, language="vi", templates=None)
        assert ["installed:plugin"] == loaded

    def test_hook_dialogue_flow_render_chart_host_plugin(self) -> None:
        pm = load_plugins([self.Formats()], entry_points=False)
        assert b"<svg>T</svg>" == call_format_hook(pm, "dialogue_flow_render_chart", "svg",
                                                   chart={"title": "T"}, language="en")

    def test_hook_dialogue_flow_write_table_and_read_table(self) -> None:
        pm = load_plugins([self.Formats()], entry_points=False)
        assert "Sổ".encode() == call_format_hook(pm, "dialogue_flow_write_table", "tsv",
                                         table={"title": "Sổ"}, language="vi")
        rows = call_format_hook(pm, "dialogue_flow_read_table", "tsv", path="f.tsv",
                                sheet=None)
        assert [["a"], ["f.tsv"]] == list(rows)

    def test_hook_dialogue_flow_read_table_from_the_installed_plugin(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A plugin named for the format in the entry-point group is used without the host
        loading it."""
        formats = self.Formats()

        class EntryPoint:
            name, value, dist = "tsv", "tests:formats", None

            def load(self) -> Any:
                return formats

        monkeypatch.setattr("dialogue_flow._formats.format_entry_points", lambda: [EntryPoint()])
        pm = load_plugins(entry_points=False)
        rows = call_format_hook(pm, "dialogue_flow_read_table", "tsv", path="x", sheet=None)
        assert [["a"], ["x"]] == list(rows)

    def test_no_plugin_for_a_format_names_what_to_install(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("dialogue_flow._formats.format_entry_points", list)
        pm = load_plugins(entry_points=False)
        with pytest.raises(ConfigurationError, match=r"\.docx files: install dialogue-flow-docx"):
            call_format_hook(pm, "dialogue_flow_render_document", "docx", document={},
                             language="vi", templates=None)
        with pytest.raises(ConfigurationError, match=r"'odt' in the 'dialogue_flow\.formats'"):
            call_format_hook(pm, "dialogue_flow_write_table", "odt", table={}, language="vi")

    def test_a_format_plugin_that_fails_to_load_is_named(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        class Broken:
            name, value, dist = "docx", "broken:plugin", None

            def load(self) -> Any:
                raise ImportError("no module named docx")

        monkeypatch.setattr("dialogue_flow._formats.format_entry_points", lambda: [Broken()])
        with pytest.raises(PluginError, match=r"\.docx files \(broken:plugin"):
            call_format_hook(load_plugins(entry_points=False),
                             "dialogue_flow_render_document", "docx", document={},
                             language="vi", templates=None)


def _install_commands(monkeypatch: pytest.MonkeyPatch, *installed: Any) -> None:
    """Make ``installed`` the entry points of the dialogue_flow.commands group, and read no
    settings file."""

    def fake(group: str, name: str | None = None) -> list[Any]:
        if group != "dialogue_flow.commands":
            return []
        return [ep for ep in installed if name is None or ep.name == name]

    monkeypatch.setattr("dialogue_flow._cli_plugins.entry_points", fake)
    monkeypatch.delenv("DIALOGUE_FLOW_CONFIG", raising=False)


@pytest.fixture
def cli_plugins() -> Iterator[Any]:
    """Point the CLI group at given plugins; restore the entry-point plugins afterwards."""
    group: Any = main
    yield group.use_plugins
    group.use_plugins(None)


class TestCli:
    def test_hook_dialogue_flow_cli_commands_appear_in_main(self, cli_plugins: Any) -> None:
        """A plugin's command runs as a ``dialogue-flow`` subcommand and is listed."""

        @click.command("hello")
        def hello() -> None:
            click.echo("xin chào")

        class Commands:
            @hookimpl
            def dialogue_flow_cli_commands(self) -> list[click.Command]:
                return [hello]

        cli_plugins(load_plugins([Commands()], entry_points=False))
        runner = CliRunner()
        assert "xin chào\n" == runner.invoke(main, ["hello"]).output
        assert "hello" in runner.invoke(main, ["--help"]).output

    def test_an_installed_distributions_command_works_without_settings(
            self, cli_plugins: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        """A command named in the dialogue_flow.commands entry-point group is listed and
        runs once installed, with no settings file naming its plugin (issue 19: serve)."""

        @click.command("serve")
        def serve() -> None:
            """Serve the screens."""
            click.echo("serving")

        _install_commands(monkeypatch, SimpleNamespace(name="serve", value="web:serve",
                                                       dist=None, load=lambda: serve))
        cli_plugins(None)
        runner = CliRunner()
        assert "serving\n" == runner.invoke(main, ["serve"]).output
        assert "Serve the screens." in runner.invoke(main, ["--help"]).output

    def test_an_installed_command_that_fails_to_load_is_one_line(
            self, cli_plugins: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        _install_commands(
            monkeypatch,
            SimpleNamespace(name="serve", value="web:serve", dist=None,
                            load=lambda: __import__("no_such_module_dialogue_flow")),
            SimpleNamespace(name="odd", value="web:odd", dist=None,
                            load=lambda: "not a command"))
        cli_plugins(None)
        result = CliRunner().invoke(main, ["serve"])
        assert 1 == result.exit_code
        assert "the command 'serve' of web:serve failed to load: ModuleNotFoundError" in (
            result.output)
        odd = CliRunner().invoke(main, ["odd", "--port", "1"])
        assert 1 == odd.exit_code
        assert "the command 'odd' of web:odd is not a click command: str" in odd.output
        listing = CliRunner().invoke(main, ["--help"])  # the others are still listed
        assert 0 == listing.exit_code
        assert "diagram" in listing.output
        assert "serve" in listing.output

    def test_broken_plugin_gives_a_clear_error_not_a_traceback(
            self, cli_plugins: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """Unknown command + plugins failing to load: one error line, exit 1; built-ins work."""
        broken = SimpleNamespace(name="broken", value="nowhere:plugin", dist=None,
                                 load=lambda: __import__("no_such_module_dialogue_flow"))
        monkeypatch.setattr("importlib.metadata.entry_points",
                            lambda group: [broken] if group == "dialogue_flow" else [])
        settings = tmp_path / "dialogue-flow.toml"
        settings.write_text('[[plugin]]\nname = "broken"\n', encoding="utf-8")
        monkeypatch.setenv("DIALOGUE_FLOW_CONFIG", str(settings))
        cli_plugins(None)
        runner = CliRunner()
        result = runner.invoke(main, ["hello"])
        assert 1 == result.exit_code
        assert "plugins failed to load" in result.output
        assert "'broken'" in result.output
        assert not isinstance(result.exception, ModuleNotFoundError)
        assert 0 == runner.invoke(main, ["diagram"]).exit_code

    def test_plugins_command_lists_plugins_and_hooks(self, cli_plugins: Any) -> None:
        """`dialogue-flow plugins` shows each plugin and the hooks it implements."""

        class Audit:
            @hookimpl
            def dialogue_flow_after_commit(self, kind: str, record: Any, event: str,
                                           actor: Actor) -> None:
                """Nothing."""

        cli_plugins(load_plugins([Audit()], entry_points=True))
        output = CliRunner().invoke(main, ["plugins"]).output
        assert "dialogue_flow.logging (built-in)\n    dialogue_flow_deliver\n" in output
        assert "jsonl (dialogue-flow-jsonl " in output
        assert "(registered by the host)\n    dialogue_flow_after_commit\n" in output


class TestDocs:
    def test_every_hook_is_documented_under_its_exact_signature(self) -> None:
        """docs/plugins.md has a ``### name(params)`` heading per spec, and no others."""
        headings = re.findall(r"^### (dialogue_flow_\w+\(.*\))$",
                              PLUGINS_DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
        expected = [f"{name}({', '.join(inspect.signature(getattr(hookspecs, name)).parameters)})"
                    for name in HOOK_NAMES]
        assert sorted(expected) == sorted(headings)

    def test_every_hook_has_a_test(self) -> None:
        """Each hook has a ``test_hook_<name>_...`` test here or in test_dispatch.py."""
        names = set()
        for path in (Path(__file__), Path(__file__).with_name("test_dispatch.py")):
            names |= set(re.findall(r"def (test_hook_\w+)\(", path.read_text(encoding="utf-8")))
        tested = {hook for hook in HOOK_NAMES
                  if any(n.startswith(f"test_hook_{hook}_") for n in names)}
        assert set(HOOK_NAMES) == tested
        strays = sorted(n for n in names if not any(n.startswith(f"test_hook_{h}_")
                                                    for h in HOOK_NAMES))
        assert [] == strays, "a test_hook_ test names no hook"

    def test_plugin_doc_blocks_run(self) -> None:
        """The Python blocks of docs/plugins.md run as written (they assert their results)."""
        blocks = re.findall(r"```python\n(.*?)```", PLUGINS_DOC.read_text(encoding="utf-8"),
                            flags=re.DOTALL)
        assert len(blocks) >= len(HOOK_NAMES)
        for block in blocks:
            exec(compile(block, str(PLUGINS_DOC), "exec"), {"__name__": "__docs__"})  # noqa: S102
