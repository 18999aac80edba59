"""Start-up: what loading the plugins and ``dialogue-flow --help`` import (issue 12).

Each test runs a fresh interpreter (this one has imported everything already) and lists the
modules it ended up with. Nothing here is timed: ``benchmarks/startup.py`` measures the
time; these tests pin the cause, so a regression names the module that came back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

#: Modules only a command that sends, stores on PostgreSQL or plays the demo needs; each
#: takes milliseconds (psycopg ~0.3 s) that ``--help`` and plugin loading must not pay. The
#: flow, the storage package and cattrs (its serialisation) too: only a command that opens
#: a store needs them (issue 17: ``--config all --help`` had grown to ~0.3 s).
DEFERRED = (
    "cattrs",
    "dialogue_flow._demo",
    "dialogue_flow._export",  # issue 18: the spreadsheet commands' tables and files
    "dialogue_flow._table_files",
    "dialogue_flow._flow",
    "dialogue_flow._lifecycle",  # the lifecycle engine (transitions): no --help needs it
    "dialogue_flow.storage",
    "dialogue_flow_email._smtp",
    "dialogue_flow_postgres._storage",
    "email.policy",
    "http.client",
    "openpyxl",  # issue 18: dialogue-flow-xlsx writes and reads with it, inside its hooks
    "psycopg",
    "psycopg_pool",
    "smtplib",
    "ssl",
    "transitions",
)


def _modules_after(code: str) -> dict[str, list[str]]:
    """Run ``code`` in a fresh interpreter; the deferred and plugin modules it imported."""
    probe = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps({{
            "deferred": sorted(m for m in {DEFERRED!r} if m in sys.modules),
            "modules": sorted(sys.modules),
        }}))
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False, timeout=120)
    assert 0 == done.returncode, done.stderr
    found: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return found


def _entry_point_modules() -> set[str]:
    return {ep.module for ep in entry_points(group="dialogue_flow")}


class TestStartup:
    def test_loading_the_entry_point_plugins_defers_heavy_imports(self) -> None:
        """``load_plugins()`` imports every installed plugin but none of their senders or
        drivers (the PostgreSQL plugin used to import psycopg, ~0.3 s, on load)."""
        found = _modules_after("""
            from dialogue_flow import load_plugins
            load_plugins(entry_points=True)
        """)
        assert [] == found["deferred"]
        assert _entry_point_modules() <= set(found["modules"])

    def test_help_defers_heavy_imports(self) -> None:
        """``dialogue-flow --help`` imports nothing only a running command needs, and no
        plugin the settings do not name (issue 16: installed is not loaded)."""
        found = _modules_after("""
            import os
            os.environ.pop("DIALOGUE_FLOW_CONFIG", None)
            from click.testing import CliRunner
            from dialogue_flow.cli import main
            result = CliRunner().invoke(main, ["--help"])
            assert result.exit_code == 0, result.output
            assert "Commands:" in result.output
        """)
        assert [] == found["deferred"]
        assert set() == _entry_point_modules() & set(found["modules"])

    def test_help_with_settings_loads_their_plugins_only(self, tmp_path: Path) -> None:
        """With a settings file naming plugins, ``--help`` loads those (to list their
        commands) and still defers what only a running command needs."""
        settings = tmp_path / "dialogue-flow.toml"
        settings.write_text('[[plugin]]\nname = "jsonl"\n[[plugin]]\nname = "email"\n',
                            encoding="utf-8")
        found = _modules_after(f"""
            from click.testing import CliRunner
            from dialogue_flow.cli import main
            result = CliRunner().invoke(main, ["--config", {str(settings)!r}, "--help"])
            assert result.exit_code == 0, result.output
        """)
        assert [] == found["deferred"]
        assert {"dialogue_flow_jsonl", "dialogue_flow_email"} == (
            _entry_point_modules() & set(found["modules"]))

