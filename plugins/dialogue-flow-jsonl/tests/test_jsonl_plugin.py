"""The jsonl notifier: one JSON line per delivered notification, found by its entry point."""

from __future__ import annotations

import datetime as dt
import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from dialogue_flow_jsonl import ENV_VAR, JsonlNotifier, plugin

from dialogue_flow import (
    VIETNAM_TZ,
    Actor,
    DialogueFlow,
    DispatchResult,
    FixedClock,
    Notification,
    Petitioner,
    Recipient,
    Role,
    load_plugins,
)

NOTE = Notification(
    key="submission:sub-1:v1:received", event="received", kind="submission",
    record_id="sub-1", audience="petitioner", subject="Đã tiếp nhận ý kiến sub-1",
    body="Ý kiến đã được tiếp nhận.", language="vi",
    created_at=dt.datetime(2021, 6, 1, 8, tzinfo=VIETNAM_TZ), data={"state": "received"})


def test_appends_one_line_per_delivery(tmp_path: Path) -> None:
    """Each call appends a full JSON object with the recipients' references, never their
    addresses (the file is a log); Vietnamese stays readable. A line reaches nobody: the
    notifier returns None."""
    target = tmp_path / "out.jsonl"
    notifier = JsonlNotifier(target)
    to = [Recipient("petitioner:email", "a@xa.gov.vn", channel="email"),
          Recipient("department:Địa chính", "dc@xa.gov.vn")]
    assert notifier.dialogue_flow_deliver(NOTE, to) is None
    assert notifier.dialogue_flow_deliver(NOTE, []) is None
    text = target.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["key"] == NOTE.key
    assert first["recipients"] == ["petitioner:email", "department:Địa chính"]
    assert "@xa.gov.vn" not in text
    assert first["data"] == {"state": "received"}
    assert first["created_at"] == "2021-06-01T08:00:00+07:00"
    assert "Đã tiếp nhận" in lines[0]


def test_without_a_path_it_does_not_handle_the_notification(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No constructor path and no environment variable: returns None, writes nothing."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert JsonlNotifier().dialogue_flow_deliver(NOTE, []) is None
    assert list(tmp_path.iterdir()) == []


def test_entry_point_registers_the_module_instance() -> None:
    """The distribution's `jsonl` entry point is the module's `plugin`."""
    [ep] = [ep for ep in entry_points(group="dialogue_flow") if ep.name == "jsonl"]
    assert ep.load() is plugin
    assert load_plugins(entry_points=True).get_plugin("jsonl") is plugin


def test_delivers_through_a_flow_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loaded from its entry point, it writes each dispatched notification to the env file."""
    target = tmp_path / "flow.jsonl"
    monkeypatch.setenv(ENV_VAR, str(target))
    flow = DialogueFlow.open("memory://", load_entry_points=True,
                             clock=FixedClock(dt.date(2021, 6, 1)))
    sub = flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"), topic="Đường",
                       content="Đường xuống cấp",
                       actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK))
    # A petitioner without contacts: nobody to reach, and a line in a file reaches nobody.
    key = f"submission:{sub.id}:v1:received"
    assert flow.dispatch() == DispatchResult(no_recipient=1, no_recipient_keys=(key,))
    [row] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert row["record_id"] == sub.id
    assert "Nguyễn Văn A" not in target.read_text(encoding="utf-8")
