"""The outbox dispatcher, the built-in logging notifier and the notifier hooks."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    Actor,
    DialogueFlow,
    Dispatcher,
    DispatchResult,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    Notification,
    PermanentDeliveryError,
    Petitioner,
    PluginManager,
    Role,
    SequentialIds,
    Submission,
    hookimpl,
    load_plugins,
)
from dialogue_flow.cli import main

START = dt.date(2021, 6, 1)


class Capturing:
    """A notifier that keeps what it was given."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, list[str]]] = []

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str],
                              ) -> str:
        self.delivered.append((notification.key, recipients))
        return "capture"


class Failing:
    """A notifier whose channel is down."""

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str],
                              ) -> str:
        raise ConnectionError("smtp down")


def _flow(*plugins: object, clock: FixedClock | None = None, entry_points: bool = False,
          ) -> DialogueFlow:
    return DialogueFlow(MemoryStorage(), clock=clock or FixedClock(START),
                        ids=SequentialIds(),
                        plugins=load_plugins(plugins, entry_points=entry_points))


def _receive(flow: DialogueFlow, intake: Actor, petitioner: Petitioner) -> Submission:
    return flow.receive(petitioner=petitioner, topic="Đường giao thông",
                        content="Đường thôn 1 xuống cấp", actor=intake)


class TestRunOnce:
    def test_delivers_and_marks_delivered(self, intake: Actor, petitioner: Petitioner) -> None:
        """Each pending row goes to every notifier once, then is never claimed again."""
        capture = Capturing()
        flow = _flow(capture)
        sub = _receive(flow, intake, petitioner)
        assert DispatchResult(delivered=1) == flow.dispatch()
        # The petitioner's phone: the built-in recipients of a notice to the petitioner.
        assert [(f"submission:{sub.id}:v1:received", ["0912345678"])] == capture.delivered
        assert DispatchResult() == flow.dispatch()
        assert 1 == flow.storage.outbox_stats()["delivered"]

    def test_failing_notifier_does_not_block_the_other_and_is_retried_then_parked(
            self, intake: Actor, petitioner: Petitioner) -> None:
        """The commit stands; the other channel delivers; the row backs off, then parks."""
        clock = FixedClock(START)
        capture = Capturing()
        flow = _flow(Failing(), capture, clock=clock)
        sub = _receive(flow, intake, petitioner)
        assert sub == flow.submission(sub.id)
        dispatcher = Dispatcher(flow.storage, flow.plugins, clock=clock, worker_id="w1",
                                max_attempts=3, backoff=dt.timedelta(minutes=1))

        assert DispatchResult(retried=1) == dispatcher.run_once()
        assert 1 == len(capture.delivered)
        assert DispatchResult() == dispatcher.run_once()  # backing off for a minute
        clock.advance(minutes=1)
        assert DispatchResult(retried=1) == dispatcher.run_once()
        clock.advance(minutes=1)
        assert DispatchResult() == dispatcher.run_once()  # now two minutes
        clock.advance(minutes=1)
        assert DispatchResult(parked=1) == dispatcher.run_once()
        assert 3 == len(capture.delivered)
        clock.advance(days=1)
        assert DispatchResult() == dispatcher.run_once()
        assert {"pending": 0, "delivered": 0, "parked": 1, "logged": 0,
                "no_recipient": 0} == flow.storage.outbox_stats()
        entry = flow.storage.claim_notifications  # parked rows are never claimable again
        assert [] == entry("w2", clock.now() + dt.timedelta(days=30), dt.timedelta(minutes=1),
                           10)

    def test_parked_row_keeps_the_last_error(self, intake: Actor, petitioner: Petitioner,
                                              ) -> None:
        """The error text names the plugin and the kind of exception, not its text (issue
        13: it may quote an address)."""
        flow = _flow(Failing())
        _receive(flow, intake, petitioner)
        dispatcher = Dispatcher(flow.storage, flow.plugins, clock=flow.clock, max_attempts=1)
        recorded: list[tuple[str, dt.datetime | None]] = []
        original = flow.storage.mark_failed

        def spy(key: str, worker: str, error: str, retry_at: dt.datetime | None) -> bool:
            recorded.append((error, retry_at))
            return original(key, worker, error, retry_at)

        flow.storage.mark_failed = spy  # type: ignore[method-assign]
        assert DispatchResult(parked=1) == dispatcher.run_once()
        [(error, retry_at)] = recorded
        assert retry_at is None
        assert "test_dispatch.Failing: ConnectionError" == error

    def test_backoff_doubles_and_is_capped(self) -> None:
        """30 s, 60 s, 120 s ... never more than max_backoff."""
        dispatcher = Dispatcher(MemoryStorage(), load_plugins(entry_points=False),
                                backoff=dt.timedelta(seconds=30),
                                max_backoff=dt.timedelta(minutes=2))
        delays = [dispatcher.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 1000)]
        assert [30, 60, 120, 120, 120] == delays

    @pytest.mark.parametrize(("option", "value"), [
        ("max_attempts", 0), ("lease", dt.timedelta(0)), ("backoff", 5),
    ])
    def test_bad_options_are_rejected(self, option: str, value: Any) -> None:
        """Options are checked when the dispatcher is built."""
        with pytest.raises(InvalidInputError, match=option):
            Dispatcher(MemoryStorage(), load_plugins(entry_points=False), **{option: value})

    def test_bad_limit_is_rejected(self) -> None:
        """``limit`` must be a whole number >= 1."""
        with pytest.raises(InvalidInputError, match="limit"):
            _flow().dispatch(0)


class Hanging:
    """A channel that never answers until released (a hung SMS gateway)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str]) -> None:
        self.calls += 1
        self.release.wait(30)


class Leaky:
    """A channel whose error quotes the petitioner's phone number."""

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str]) -> None:
        raise ConnectionError("gateway refused 0912345678 (Nguyễn Văn A)")


class TestTimeouts:
    """Issue 13: a hung channel does not hold the claimed rows until the lease expires."""

    def test_a_hung_channel_times_out_and_the_row_is_free_at_once(
            self, intake: Actor, petitioner: Petitioner) -> None:
        hanging, capture = Hanging(), Capturing()
        flow = _flow(hanging, capture)
        _receive(flow, intake, petitioner)
        _receive(flow, intake, petitioner)
        dispatcher = Dispatcher(flow.storage, flow.plugins, clock=flow.clock,
                                delivery_timeout=dt.timedelta(seconds=0.2))
        started = time.monotonic()
        try:
            assert DispatchResult(retried=2) == dispatcher.run_once()
            assert time.monotonic() - started < 5  # two timeouts of 0.2 s, not the lease
            assert 2 == len(capture.delivered)  # the other channel still delivered both
            # Released for retry at once, not after the back-off: claimable now.
            again = flow.storage.claim_notifications("w2", flow.clock.now(),
                                                     dt.timedelta(minutes=1), 10)
            assert 2 == len(again)
            assert all("timed out (no answer within 0.2 s)" in (e.last_error or "")
                       for e in again)
        finally:
            hanging.release.set()

    def test_timeout_per_channel(self, intake: Actor, petitioner: Petitioner) -> None:
        hanging = Hanging()
        flow = _flow(hanging)
        _receive(flow, intake, petitioner)
        name = flow.plugins.get_name(hanging)
        assert name is not None
        dispatcher = Dispatcher(flow.storage, flow.plugins, clock=flow.clock,
                                delivery_timeout=dt.timedelta(minutes=5),
                                channel_timeouts={name: dt.timedelta(seconds=0.1)})
        try:
            assert DispatchResult(retried=1) == dispatcher.run_once()
        finally:
            hanging.release.set()

    def test_bad_timeouts_are_refused(self) -> None:
        flow = _flow()
        with pytest.raises(InvalidInputError, match="delivery_timeout"):
            Dispatcher(flow.storage, flow.plugins, delivery_timeout=dt.timedelta(0))
        with pytest.raises(InvalidInputError, match="channel_timeouts"):
            Dispatcher(flow.storage, flow.plugins, channel_timeouts={"sms": 5})  # type: ignore[dict-item]

    def test_no_personal_data_in_the_stored_error(self, intake: Actor,
                                                  petitioner: Petitioner,
                                                  caplog: pytest.LogCaptureFixture) -> None:
        flow = _flow(Leaky())
        _receive(flow, intake, petitioner)
        dispatcher = Dispatcher(flow.storage, flow.plugins, clock=flow.clock, max_attempts=1)
        with caplog.at_level(logging.DEBUG, logger="dialogue_flow"):
            assert DispatchResult(parked=1) == dispatcher.run_once()
        [entry] = flow.storage.parked_notifications(10)
        shown = f"{entry.last_error} {caplog.text}"
        assert [] == [v for v in ("0912345678", "Nguyễn Văn A") if v in shown]


class TestHooks:
    def test_hook_dialogue_flow_recipients_are_merged_without_duplicates(
            self, intake: Actor, petitioner: Petitioner) -> None:
        """Every plugin's addresses (and the petitioner's phone) reach the notifiers, each
        once; a hook naming only ``notification`` (written before the hook took more)
        still works."""

        class Office:
            @hookimpl
            def dialogue_flow_recipients(self, notification: Notification) -> list[str]:
                return ["office@xa.gov.vn", "chair@xa.gov.vn"]

        class Chair:
            @hookimpl
            def dialogue_flow_recipients(self, notification: Notification) -> list[str]:
                return ["chair@xa.gov.vn"]

        capture = Capturing()
        flow = _flow(Office(), Chair(), capture)
        _receive(flow, intake, petitioner)
        flow.dispatch()
        [(_key, recipients)] = capture.delivered
        assert sorted(["office@xa.gov.vn", "chair@xa.gov.vn", "0912345678"]) == sorted(
            recipients)

    def test_hook_dialogue_flow_recipients_failure_retries_without_delivering(
            self, intake: Actor, petitioner: Petitioner) -> None:
        """No delivery to a partial recipient list: the row is retried."""

        class Broken:
            @hookimpl
            def dialogue_flow_recipients(self, notification: Notification) -> list[str]:
                raise LookupError("directory offline")

        capture = Capturing()
        flow = _flow(Broken(), capture)
        _receive(flow, intake, petitioner)
        assert DispatchResult(retried=1) == flow.dispatch()
        assert [] == capture.delivered

    def test_hook_dialogue_flow_deliver_builtin_logs_without_personal_data(
            self, intake: Actor, petitioner: Petitioner,
            caplog: pytest.LogCaptureFixture) -> None:
        """The logging notifier logs event, key, the recipients' references and the subject;
        the petitioner never appears. A log line reaches nobody: logged, not delivered."""
        flow = _flow()
        sub = _receive(flow, intake, petitioner)
        with caplog.at_level(logging.DEBUG):
            assert DispatchResult(logged=1) == flow.dispatch()
        assert "petitioner:phone" in caplog.text
        assert f"submission:{sub.id}:v1:received" in caplog.text
        assert "received" in caplog.text
        for personal in (petitioner.name, petitioner.address, petitioner.phone):
            assert personal is not None
            assert personal not in caplog.text

    def test_hook_dialogue_flow_deliver_jsonl_through_its_entry_point(
            self, intake: Actor, petitioner: Petitioner, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """The installed jsonl plugin, loaded from its entry point, appends one line per row,
        naming the recipients by reference: a log line, which reaches nobody (logged)."""
        target = tmp_path / "out.jsonl"
        monkeypatch.setenv("DIALOGUE_FLOW_JSONL_PATH", str(target))
        for unset in ("DIALOGUE_FLOW_SMTP_HOST", "DIALOGUE_FLOW_WEBHOOK_URL"):
            monkeypatch.delenv(unset, raising=False)
        flow = _flow(entry_points=True)
        assert flow.plugins.get_plugin("jsonl") is not None
        sub = _receive(flow, intake, petitioner)
        assert DispatchResult(logged=1) == flow.dispatch()
        [line] = target.read_text(encoding="utf-8").splitlines()
        row = json.loads(line)
        assert f"submission:{sub.id}:v1:received" == row["key"]
        assert "received" == row["event"]
        assert ["petitioner:phone"] == row["recipients"]
        assert "0912345678" not in line


class TestCli:
    def test_dispatch_command_prints_counts(self, tmp_path: Path, intake: Actor,
                                            petitioner: Petitioner) -> None:
        """`dialogue-flow dispatch --db URL` delivers what is due and prints the counts."""
        url = f"sqlite:///{tmp_path / 'flow.db'}"
        with DialogueFlow.open(url, clock=FixedClock(START)) as flow:
            _receive(flow, intake, petitioner)
        runner = CliRunner()
        result = runner.invoke(main, ["dispatch", "--db", url, "--limit", "10"])
        assert 0 == result.exit_code, result.output
        # The petitioner's phone, and no notifier but the logging one: logged only.
        assert ("delivered: 0, logged only: 1, no recipient: 0, retried: 0, parked: 0\n"
                == result.output)
        assert ("delivered: 0, logged only: 0, no recipient: 0, retried: 0, parked: 0\n"
                == runner.invoke(main, ["dispatch", "--db", url]).output)

    def test_dispatch_command_reports_a_bad_url_clearly(self) -> None:
        """An unknown scheme is one error line, exit 1."""
        result = CliRunner().invoke(main, ["dispatch", "--db", "nope://x"])
        assert 1 == result.exit_code
        assert "no storage backend for nope:// URLs" in result.output


class TestPermanentFailures:
    def test_hook_dialogue_flow_deliver_permanent_error_parks_at_once(self) -> None:
        """A channel raising PermanentDeliveryError parks the row on the first attempt,
        although max_attempts allows five."""
        class Refusing:
            @hookimpl
            def dialogue_flow_deliver(self, notification: Notification,
                                      recipients: list[str]) -> str | None:
                raise PermanentDeliveryError("HTTP 400")

        storage, pm, clock = _permanent_setup(Refusing())
        result = Dispatcher(storage, pm, clock=clock, max_attempts=5).run_once()
        assert DispatchResult(parked=1) == result

    def test_hook_dialogue_flow_deliver_transient_failure_elsewhere_keeps_retrying(
            self) -> None:
        """If another channel failed only transiently, the row is retried, not parked."""
        class Refusing:
            @hookimpl
            def dialogue_flow_deliver(self, notification: Notification,
                                      recipients: list[str]) -> str | None:
                raise PermanentDeliveryError("HTTP 400")

        class Flaky:
            @hookimpl
            def dialogue_flow_deliver(self, notification: Notification,
                                      recipients: list[str]) -> str | None:
                raise OSError("connection reset")

        storage, pm, clock = _permanent_setup(Refusing(), Flaky())
        result = Dispatcher(storage, pm, clock=clock, max_attempts=5).run_once()
        assert DispatchResult(retried=1) == result


def _permanent_setup(*plugins: object) -> tuple[MemoryStorage, PluginManager, FixedClock]:
    clock = FixedClock(dt.date(2021, 6, 1))
    storage = MemoryStorage()
    flow = DialogueFlow(storage, clock=clock, ids=SequentialIds())
    flow.receive(petitioner=Petitioner(name="A"), topic="t", content="c",
                 actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK))
    return storage, load_plugins(list(plugins), entry_points=False, builtins=False), clock
