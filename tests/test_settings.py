"""One settings file, the policy a store records, no silent empty store (issue 16, items 2-3).

``dialogue-flow.toml`` is read by every command (``--config``, ``DIALOGUE_FLOW_CONFIG``) and by
``DialogueFlow.from_config``; ``dialogue-flow init`` is the only command that creates a store
(with ``demo``), and records the policy the store runs under from then on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DeadlinePolicy,
    DialogueFlow,
    FixedClock,
    Petitioner,
    PluginError,
    Role,
    SequentialIds,
)
from dialogue_flow._settings import read_settings
from dialogue_flow.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "dialogue-flow.toml"
TREE = ROOT / "examples" / "province-tree.toml"
COMPLAINTS = "complaints-2011"
intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)


def _settings(tmp_path: Path, text: str, name: str = "dialogue-flow.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


class TestReading:
    def test_the_example_reads(self) -> None:
        """examples/dialogue-flow.toml: every setting, paths from the file's folder."""
        settings = read_settings(EXAMPLE)
        assert f"sqlite:///{(EXAMPLE.parent / 'province.db').as_posix()}" == settings.storage
        assert (COMPLAINTS, "vi", True) == (settings.policy, settings.language,
                                            settings.culture_day_off)
        assert 4 == len(settings.organisations)
        assert {dt.date(2025, 10, 7): "Nghỉ do bão số 11"} == dict(settings.days_off)
        assert {"commune": 2, "province": 1} == settings.reception_minimum
        assert ["dialogue_flow_jsonl:JsonlNotifier"] == [p.object for p in settings.plugins]

    @pytest.mark.parametrize(("text", "says"), [
        ('polcy = "seed-plan"\n', "unknown key 'polcy' (did you mean 'policy'?)"),
        ("storage = 7\n", "storage: expected a storage URL string"),
        ('language = "fr"\n', "language: expected one of 'vi', 'en', got str 'fr'"),
        ('[calendar]\nculture_day_off = "yes"\n', "calendar.culture_day_off: expected true"),
        ("[calendar]\nholidays = 1\n", "unknown key calendar.'holidays'"),
        ('[reception_minimum]\ncommune = "2"\n', "reception_minimum.commune: expected a whole"),
        ("[[plugin]]\nsettings = {}\n", "give either name"),
        ('[[plugin]]\nobject = "nocolon"\n', 'plugin #1.object: expected a "module:attribute"'),
        ('[[plugin]]\nname = "x"\nsetings = {}\n', "unknown key [[plugin]] #1 'setings'"),
        ('organisations = "t.toml"\n[[organisation]]\nid = "x"\n', "not both"),
        ("[[calendar.working_day]]\ndate = 2025-10-11\n", "needs a line reason"),
        ('[[calendar.day_off]]\ndate = "2025-10-07"\nreason = "x"\n', "expected a date"),
        ("storage = [\n", "not a valid TOML settings file"),
    ])
    def test_a_wrong_setting_names_the_file_the_key_and_what_is_expected(
            self, tmp_path: Path, text: str, says: str) -> None:
        """Unknown keys and wrong types are refused, with the file name in the message."""
        path = _settings(tmp_path, text)
        with pytest.raises(ConfigurationError) as caught:
            read_settings(path)
        assert str(path) in str(caught.value)
        assert says in str(caught.value)

    def test_a_missing_file_is_named(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError, match="cannot read the settings file"):
            read_settings(tmp_path / "nope.toml")

    def test_a_policy_file_is_loaded_from_the_settings_folder(self, tmp_path: Path) -> None:
        """``policy = "x.toml"``: the host's own policy, as a file beside the settings."""
        text = (ROOT / "src" / "dialogue_flow" / "policies" / "seed-plan.toml").read_text(
            encoding="utf-8").replace('id = "seed-plan"', 'id = "tinh-mau-2026"', 1)
        (tmp_path / "own.toml").write_text(text, encoding="utf-8")
        settings = read_settings(_settings(tmp_path, 'policy = "own.toml"\n'))
        assert isinstance(settings.policy, DeadlinePolicy)
        assert "tinh-mau-2026" == settings.policy.id

    def test_plugin_settings_stay_out_of_repr(self, tmp_path: Path) -> None:
        settings = read_settings(_settings(
            tmp_path, '[[plugin]]\nobject = "m:P"\nsettings = { password = "bi-mat" }\n'))
        assert "bi-mat" not in repr(settings)


class TestFromConfig:
    def test_every_setting_reaches_the_flow(self, tmp_path: Path) -> None:
        """Storage, policy, language, calendar, reception minimum and plugins."""
        path = _settings(tmp_path, f"""
            storage = "sqlite:///c.db"
            policy = "{COMPLAINTS}"
            language = "en"
            [calendar]
            culture_day_off = false
            [[calendar.day_off]]
            date = 2025-10-07
            reason = "Storm"
            [reception_minimum]
            commune = 3
            [[plugin]]
            object = "dialogue_flow_jsonl:JsonlNotifier"
            settings = {{ path = "out.jsonl" }}
        """.replace("\n            ", "\n"))
        with DialogueFlow.from_config(path, create=True) as flow:
            assert (tmp_path / "c.db").exists()
            assert (COMPLAINTS, "en") == (flow.policy.id, flow.language)
            assert not flow.calendar.is_working_day(dt.date(2025, 10, 7))
            assert flow.calendar.is_working_day(dt.date(2026, 11, 24))
            assert 3 == flow.reception_minimum["commune"]
            assert 1 == flow.reception_minimum["province"]  # the others keep 215-KL/TW's
            assert flow.plugins.get_plugin("dialogue_flow_jsonl:JsonlNotifier") is not None

    def test_explicit_options_win_over_the_file(self, tmp_path: Path) -> None:
        path = _settings(tmp_path, 'storage = "sqlite:///c.db"\nlanguage = "en"\n')
        with DialogueFlow.from_config(path, storage="memory://", language="vi",
                                      clock=FixedClock(dt.date(2021, 6, 1))) as flow:
            assert ("vi", False) == (flow.language, (tmp_path / "c.db").exists())

    def test_a_missing_store_is_refused(self, tmp_path: Path) -> None:
        """The store must exist: a typo in the URL is not a new, empty store."""
        path = _settings(tmp_path, 'storage = "sqlite:///typo.db"\n')
        with pytest.raises(ConfigurationError, match="dialogue-flow init") as caught:
            DialogueFlow.from_config(path)
        assert "typo.db" in str(caught.value)
        assert not (tmp_path / "typo.db").exists()

    def test_no_storage_anywhere_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError, match='no storage = "URL"'):
            DialogueFlow.from_config(_settings(tmp_path, 'language = "vi"\n'))

    def test_a_plugin_that_refuses_its_settings_is_named_without_them(
            self, tmp_path: Path) -> None:
        path = _settings(tmp_path, '[[plugin]]\nobject = "dialogue_flow_jsonl:JsonlNotifier"\n'
                                   'settings = { secret = "bi-mat" }\n')
        with pytest.raises(PluginError, match=r"\[\[plugin\]\] #1") as caught:
            DialogueFlow.from_config(path, storage="memory://")
        assert "bi-mat" not in str(caught.value)

    def test_an_installed_plugin_not_named_does_not_run(self, tmp_path: Path) -> None:
        """Installed is not loaded: only the plugins the file names run."""
        named = _settings(tmp_path, '[[plugin]]\nname = "jsonl"\n')
        with DialogueFlow.from_config(named, storage="memory://") as flow:
            assert flow.plugins.get_plugin("jsonl") is not None
            assert flow.plugins.get_plugin("email") is None
        with pytest.raises(PluginError, match=r"no installed plugin 'nope' .*; installed: "):
            DialogueFlow.from_config(_settings(tmp_path, '[[plugin]]\nname = "nope"\n', "b"),
                                     storage="memory://")


class TestRecordedPolicy:
    def test_init_records_the_policy_and_a_flow_without_one_takes_it(self,
                                                                     tmp_path: Path) -> None:
        """Issue 16: a cron job opened without the host's policy ran the seed plan on a
        store run under the Law on Complaints. Now the store says which policy it runs."""
        url = f"sqlite:///{tmp_path / 'c.db'}"
        assert 0 == _run("init", "--db", url, "--policy", COMPLAINTS)[0]
        with DialogueFlow.open(url) as flow:
            assert COMPLAINTS == flow.policy.id
            [row] = flow.storage.history("policy", "default")
            assert (None, COMPLAINTS, "dialogue-flow init") == (row.source, row.dest,
                                                                row.reason)

    def test_a_flow_naming_another_policy_is_refused(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        _run("init", "--db", url, "--policy", COMPLAINTS)
        with pytest.raises(ConfigurationError) as caught:
            DialogueFlow.open(url, policy="seed-plan")
        assert f"runs under policy {COMPLAINTS!r}" in str(caught.value)
        assert "orgs --set-policy seed-plan" in str(caught.value)

    def test_cron_sweep_and_report_follow_the_store(self, tmp_path: Path) -> None:
        """The issue's cron job: `sweep --db` and `report --db` with no settings run under
        the recorded policy (the complaints law has no report dates: no seed-plan report
        reminder), and a settings file naming the seed plan is refused, writing nothing."""
        url = f"sqlite:///{tmp_path / 'c.db'}"
        _run("init", "--db", url, "--policy", COMPLAINTS)
        code, out = _run("sweep", "--db", url, "--today", "2021-06-09")
        assert (0, True) == (code, "reports 0; new notices 0" in out.replace(
            ", reception days 0", "")), out
        wrong = _settings(tmp_path, 'policy = "seed-plan"\n')
        code, out = _run("sweep", "--db", url, "--config", str(wrong), "--today",
                         "2021-06-09")
        assert (1, True) == (code, f"runs under policy {COMPLAINTS!r}" in out), out
        with DialogueFlow.open(url) as flow:
            assert {"pending": 0} == {"pending": flow.outbox_stats()["pending"]}
            assert COMPLAINTS == flow.report("2021").policy
        code, out = _run("report", "--db", url, "--period", "2021", "--format", "json")
        names = {COMPLAINTS, DeadlinePolicy.bundled(COMPLAINTS).name}
        assert (0, True) == (code, json.loads(out)["policy"] in names), out

    def test_set_policy_changes_it_deliberately(self, tmp_path: Path) -> None:
        """`orgs --set-policy` is the way to change it: with a reason, audited."""
        url = f"sqlite:///{tmp_path / 'c.db'}"
        _run("init", "--db", url)
        code, out = _run("orgs", "--db", url, "--set-policy", COMPLAINTS)
        assert (2, True) == (code, "needs --reason" in out)
        code, out = _run("orgs", "--db", url, "--set-policy", COMPLAINTS, "--reason",
                         "set up under the wrong policy")
        assert (0, True) == (code, f"policy of the store: seed-plan -> {COMPLAINTS}" in out)
        with DialogueFlow.open(url) as flow:
            assert COMPLAINTS == flow.policy.id
            assert ["seed-plan", COMPLAINTS] == [
                r.dest for r in flow.storage.history("policy", "default")]

    def test_setting_the_same_policy_writes_nothing(self) -> None:
        with DialogueFlow.open("memory://") as flow:
            flow.set_policy("seed-plan")
            flow.set_policy("seed-plan")
            assert 1 == len(flow.storage.history("policy", "default"))

    def test_an_organisation_under_another_policy_is_refused(self, tmp_path: Path) -> None:
        """The store records each organisation's policy; settings naming another refuse."""
        base = f'storage = "sqlite:///c.db"\norganisations = "{TREE.as_posix()}"\n'
        path = _settings(tmp_path, base)
        assert 0 == _run("init", "--config", str(path))[0]
        code, out = _run("orgs", "--config", str(path), "--set-policy", COMPLAINTS, "--org",
                         "xa-mau-dong", "--reason", "a test")
        assert 0 == code, out
        with pytest.raises(ConfigurationError) as caught:
            DialogueFlow.from_config(path)
        assert "organisation 'xa-mau-dong' runs under policy 'complaints-2011'" in str(
            caught.value)
        assert "--set-policy seed-plan --org xa-mau-dong" in str(caught.value)
        code, out = _run("init", "--config", str(path))
        assert (1, True) == (code, "xa-mau-dong" in out)

    def test_an_organisation_the_store_lacks_is_refused(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        _run("init", "--db", url)
        path = _settings(tmp_path, f'organisations = "{TREE.as_posix()}"\n')
        with pytest.raises(ConfigurationError, match="'tinh-mau' is not in the store; load"):
            DialogueFlow.from_config(path, storage=url)


class TestInit:
    def test_init_creates_loads_and_records_and_is_idempotent(self, tmp_path: Path) -> None:
        path = _settings(tmp_path, f'storage = "sqlite:///c.db"\npolicy = "{COMPLAINTS}"\n'
                                   f'organisations = "{TREE.as_posix()}"\n')
        code, out = _run("init", "--config", str(path))
        assert 0 == code, out
        assert [f"store ready: sqlite:///{(tmp_path / 'c.db').as_posix()}",
                f"policy: {COMPLAINTS} (recorded now)",
                "organisations: 4 in the settings, 4 stored"] == out.splitlines()
        code, out = _run("init", "--config", str(path))
        assert (0, f"policy: {COMPLAINTS} (as recorded)") == (code, out.splitlines()[1])
        with DialogueFlow.from_config(path) as flow:
            assert 1 == len(flow.storage.history("policy", "default"))

    def test_init_with_another_policy_than_recorded_is_refused(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        _run("init", "--db", url)
        code, out = _run("init", "--db", url, "--policy", COMPLAINTS)
        assert (1, True) == (code, "runs under policy 'seed-plan'" in out)

    def test_init_needs_a_store(self) -> None:
        code, out = _run("init")
        assert (2, True) == (code, "init needs --db URL or a settings file" in out)


class TestNoSilentEmptyStore:
    @pytest.mark.parametrize("command", [
        ["report", "--period", "2021"], ["sweep"], ["dispatch"], ["outbox"], ["orgs"],
        ["check"], ["receptions", "--org", "x", "--month", "2026-01"],
        ["ics", "--org", "x", "--from", "2026-01-01", "--to", "2026-01-31"],
        ["repair", "complete", "dlg-1", "--reason", "x"],
    ], ids=lambda c: c[0])
    def test_a_missing_file_is_an_error_naming_it_and_init(self, tmp_path: Path,
                                                           command: list[str]) -> None:
        """Issue 16: `report --db sqlite:///nonexist.db` created it and printed zeros."""
        db = tmp_path / "nonexist.db"
        code, out = _run(*command, "--db", f"sqlite:///{db}")
        assert (1, True, True) == (code, str(db) in out, "dialogue-flow init" in out), out
        assert [] == list(tmp_path.iterdir())

    def test_an_empty_file_is_not_a_store(self, tmp_path: Path) -> None:
        (tmp_path / "empty.db").touch()
        code, out = _run("report", "--db", f"sqlite:///{tmp_path / 'empty.db'}", "--period",
                         "2021")
        assert (1, True) == (code, "holds no dialogue_flow store" in out), out

    def test_library_open_still_creates_unless_told_not_to(self, tmp_path: Path) -> None:
        """`DialogueFlow.open` keeps creating for library users; `create=False` refuses."""
        with pytest.raises(ConfigurationError, match="no SQLite database at"):
            DialogueFlow.open(f"sqlite:///{tmp_path / 'a.db'}", create=False)
        DialogueFlow.open(f"sqlite:///{tmp_path / 'a.db'}").shutdown()
        DialogueFlow.open(f"sqlite:///{tmp_path / 'a.db'}", create=False).shutdown()
        DialogueFlow.open("sqlite://", create=False).shutdown()  # in memory: always new

    def test_no_storage_is_a_usage_error(self) -> None:
        code, out = _run("sweep")
        assert (2, True) == (code, "no storage: give --db URL" in out)


class TestCommandLineSettings:
    def test_config_and_the_environment_variable(self, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        """`--config` on the command or the group, or DIALOGUE_FLOW_CONFIG; --lang wins."""
        path = _settings(tmp_path, f'storage = "sqlite:///c.db"\npolicy = "{COMPLAINTS}"\n'
                                   'language = "en"\n')
        assert 0 == _run("init", "--config", str(path))[0]
        with DialogueFlow.from_config(path, clock=FixedClock(dt.date(2021, 6, 1)),
                                      ids=SequentialIds()) as flow:
            flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"), topic="đất đai",
                         content="...", actor=intake)
        for args in (["sweep", "--config", str(path)], ["--config", str(path), "sweep"]):
            assert 0 == _run(*args, "--today", "2021-06-14")[0]
        monkeypatch.setenv("DIALOGUE_FLOW_CONFIG", str(path))
        code, out = _run("sweep", "--today", "2021-06-30")
        assert 0 == code, out
        with DialogueFlow.from_config(path) as flow:
            languages = {n.language for n in flow.storage.pending_notifications()}
        assert {"en"} == languages
        with DialogueFlow.from_config(path, clock=FixedClock(dt.date(2021, 7, 1))) as flow:
            flow.receive(petitioner=Petitioner(name="Trần Thị B"), topic="đất đai",
                         content="...", actor=intake)
        code, out = _run("sweep", "--lang", "vi", "--today", "2021-07-30")
        assert 0 == code, out
        with DialogueFlow.from_config(path) as flow:
            languages = {n.language for n in flow.storage.pending_notifications()}
        assert {"en", "vi"} == languages

    def test_calendar_reads_the_settings(self, tmp_path: Path) -> None:
        path = _settings(tmp_path, '[[calendar.day_off]]\ndate = 2025-10-07\n'
                                   'reason = "Nghỉ do bão số 11"\n')
        code, out = _run("calendar", "2025", "--config", str(path))
        assert (0, True) == (code, "2025-10-07" in out and "Nghỉ do bão số 11" in out)
        assert "Nghỉ do bão số 11" not in _run("calendar", "2025")[1]

    def test_plugins_lists_loaded_installed_and_storage(self, tmp_path: Path) -> None:
        path = _settings(tmp_path, '[[plugin]]\nname = "jsonl"\n')
        code, out = _run("plugins", "--config", str(path))
        assert 0 == code, out
        assert "jsonl (dialogue-flow-jsonl " in out
        assert "webhook" in out.split("installed, not loaded")[1]
        assert "postgresql://" in out.splitlines()[-1]
        assert "jsonl (" not in _run("plugins")[1]

    def test_a_plugins_cli_command_comes_from_the_settings(self, tmp_path: Path) -> None:
        """A plugin's command is listed and runs only when the settings name the plugin."""
        module = tmp_path / "hello_plugin_df.py"
        module.write_text(
            "import click\nfrom dialogue_flow import hookimpl\n\n\n"
            "@click.command('hello')\ndef hello():\n    click.echo('xin chào')\n\n\n"
            "class Plugin:\n    @hookimpl\n    def dialogue_flow_cli_commands(self):\n"
            "        return [hello]\n", encoding="utf-8")
        path = _settings(tmp_path, '[[plugin]]\nobject = "hello_plugin_df:Plugin"\n'
                                   "settings = {}\n")
        with pytest.MonkeyPatch.context() as patch:
            patch.syspath_prepend(str(tmp_path))
            assert (0, "xin chào\n") == _run("--config", str(path), "hello")
            assert 2 == _run("hello")[0]


class TestTheExample:
    def test_the_example_settings_run_a_province(self, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        """examples/dialogue-flow.toml as an office uses it: init, a petition through the
        host's code, then cron's sweep and dispatch, all from the one file."""
        for source in (EXAMPLE, TREE):
            shutil.copy(source, tmp_path / source.name)
        monkeypatch.chdir(tmp_path)
        config = str(tmp_path / EXAMPLE.name)
        code, out = _run("init", "--config", config)
        assert (0, f"policy: {COMPLAINTS} (recorded now)") == (code, out.splitlines()[1]), out
        commune = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK,
                        organisation_id="xa-mau-dong")
        with DialogueFlow.from_config(config, clock=FixedClock(dt.date(2025, 10, 6))) as flow:
            sub = flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"),
                               topic="đất đai", content="...", actor=commune)
            assert (COMPLAINTS, sub.organisation_id) == (flow.policy.id, "xa-mau-dong")
            assert not flow.calendar_of("xa-mau-dong").is_working_day(dt.date(2025, 10, 7))
        assert 0 == _run("sweep", "--config", config, "--today", "2025-10-08")[0]
        code, out = _run("dispatch", "--config", config)
        assert (0, True) == (code, out.startswith("delivered: ")), out
        assert (tmp_path / "province.db").exists()



class TestDocs:
    def test_settings_doc_blocks_run(self) -> None:
        """The Python blocks of docs/settings.md run as written (they assert their results)."""
        text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
        blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
        assert blocks
        for block in blocks:
            exec(compile(block, "docs/settings.md", "exec"), {})  # noqa: S102

    def test_the_doc_s_sample_is_a_valid_settings_file(self, tmp_path: Path) -> None:
        """The TOML block of docs/settings.md reads (its files made up beside it)."""
        text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
        sample = re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)[0]
        shutil.copy(TREE, tmp_path / "province-tree.toml")
        (tmp_path / "days-off.toml").write_text("", encoding="utf-8")
        settings = read_settings(_settings(tmp_path, sample))
        assert ["jsonl", None] == [p.name for p in settings.plugins]
