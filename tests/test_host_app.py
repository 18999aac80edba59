"""examples/host_app.py, the host of issue 16: a WSGI office, its citizens' status page, and
cron jobs from the settings file with an SMS plugin reaching the petitioner's phone."""

from __future__ import annotations

import runpy
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "host_app.py"


@pytest.fixture
def host() -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLE), run_name="host_app_test")


def test_the_whole_office_day(host: dict[str, Any], tmp_path: Path) -> None:
    """The example's own run: forms, search, a version conflict, the status page, then the
    sweep and the dispatch as cron runs them (their own processes, the settings file)."""
    host["main"](tmp_path)
    sent = (tmp_path / "sms-sent.txt").read_text(encoding="utf-8")
    assert sent.startswith("0912345678\t")
    with closing(sqlite3.connect(tmp_path / "commune.db")) as db:
        outbox = " ".join(str(row) for row in db.execute("SELECT * FROM outbox"))
    assert ("0912345678" in outbox, "Nguyễn Văn A" in outbox) == (False, False)


def test_the_forms_refuse_bad_input(host: dict[str, Any], tmp_path: Path) -> None:
    from datetime import date  # noqa: PLC0415

    from dialogue_flow import DialogueFlow, FixedClock  # noqa: PLC0415

    flow = DialogueFlow.open("memory://", clock=FixedClock(date(2026, 3, 2)))
    app = host["make_app"](flow)
    call = host["call"]
    assert call(app, "GET", "/status/ABC")[0] == "400 Bad Request"  # malformed code
    assert call(app, "GET", "/submissions?q=%21%21")[0] == "400 Bad Request"  # no word
    assert call(app, "POST", "/submissions/sub-none/assign",
                {"department": "Địa chính", "version": "1"})[0] == "404 Not Found"
    assert call(app, "GET", "/nowhere")[0] == "404 Not Found"
