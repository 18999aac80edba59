"""The webhook notifier against a real HTTP server (ThreadingHTTPServer) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import entry_points
from typing import Any

import pytest
from dialogue_flow_webhook import (
    PermanentWebhookError,
    RetryableWebhookError,
    WebhookNotifier,
    encode,
    plugin,
    sign,
)

from dialogue_flow import (
    VIETNAM_TZ,
    Actor,
    ConfigurationError,
    DialogueFlow,
    Dispatcher,
    DispatchResult,
    FixedClock,
    MemoryStorage,
    Notification,
    Petitioner,
    Recipient,
    Role,
    SequentialIds,
    from_dict,
    hookimpl,
    load_plugins,
)

SECRET = "khóa-bí-mật-dùng-chung"
START = dt.date(2021, 6, 1)
NOTE = Notification(
    key="submission:sub-1:v2:answered", event="answered", kind="submission",
    record_id="sub-1", audience="petitioner", subject="Trả lời ý kiến sub-1",
    body="Đảng ủy xã đã trả lời ý kiến của ông/bà.", language="vi",
    created_at=dt.datetime(2021, 6, 1, 8, tzinfo=VIETNAM_TZ), responsible="Giao thông",
    data={"state": "answered"})


class Receiver(ThreadingHTTPServer):
    """Records each request and answers from a script of ``(status, body)`` pairs.

    Handler threads are joined on close (no daemon threads left behind); a handler told to
    stall waits on :attr:`release`, which closing sets.
    """

    daemon_threads = False
    block_on_close = True

    def __init__(self, script: list[tuple[int, str]] | None = None,
                 stall: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = list(script or [])
        self.stall = stall
        self.release = threading.Event()
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/hooks/df?token=t0p-s3cret"

    def next_answer(self) -> tuple[int, str]:
        return self.script.pop(0) if self.script else (200, '{"ok": true}')

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (time-out test) is expected: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.server.requests.append((self.path, dict(self.headers.items()), body))
        if self.server.stall:
            self.server.release.wait(self.server.stall)
        status, text = self.server.next_answer()
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """No request log on stderr."""


def _serve(receiver: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        receiver.shutdown()
        thread.join()
        receiver.server_close()  # joins the handler threads


@pytest.fixture
def server() -> Iterator[Receiver]:
    yield from _serve(Receiver())


def _notifier(server: Receiver, **kwargs: Any) -> WebhookNotifier:
    kwargs.setdefault("secret", SECRET)
    kwargs.setdefault("timeout", 5)
    return WebhookNotifier(server.url, environ={}, **kwargs)


class TestRequest:
    def test_body_headers_and_signature(self, server: Receiver) -> None:
        """One JSON document: the notification and the recipients (their addresses, and
        each with its reference and channel), signed over its bytes. Every recipient is
        handed over to the receiver: all reported reached."""
        to = [Recipient("petitioner:email", "dan@thon1.vn", channel="email"),
              Recipient("petitioner:phone", "0912345678", channel="phone")]
        assert _notifier(server).dialogue_flow_deliver(NOTE, to) == to
        [(path, headers, body)] = server.requests
        assert path == "/hooks/df?token=t0p-s3cret"
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert headers["Idempotency-Key"] == NOTE.key
        expected = hmac.new(SECRET.encode("utf-8"), body, hashlib.sha256).hexdigest()
        assert headers["X-Dialogue-Flow-Signature"] == f"sha256={expected}"
        document = json.loads(body.decode("utf-8"))
        assert document.pop("recipients") == ["dan@thon1.vn", "0912345678"]
        assert document.pop("to") == [
            {"ref": "petitioner:email", "channel": "email", "address": "dan@thon1.vn"},
            {"ref": "petitioner:phone", "channel": "phone", "address": "0912345678"}]
        assert from_dict(Notification, document) == NOTE
        assert "Đảng ủy xã" in body.decode("utf-8")  # UTF-8, not \\u escapes
        assert body == encode(NOTE, to)

    def test_a_tampered_body_fails_the_signature(self) -> None:
        body = encode(NOTE, [])
        assert sign(body, SECRET) != sign(body.replace(b"sub-1", b"sub-2"), SECRET)
        assert sign(body, SECRET) != sign(body, SECRET + "x")

    def test_without_a_secret_no_signature(self, server: Receiver) -> None:
        # POSTed, with nobody named: nobody reported reached.
        assert _notifier(server, secret=None).dialogue_flow_deliver(NOTE, []) == []
        [(_path, headers, _body)] = server.requests
        assert "X-Dialogue-Flow-Signature" not in headers
        assert headers["Idempotency-Key"] == NOTE.key


class TestAnswers:
    @pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
    def test_transient_statuses_are_retryable(self, status: int) -> None:
        for server in _serve(Receiver([(status, "thử lại sau")])):
            with pytest.raises(RetryableWebhookError, match=f"HTTP {status}") as caught:
                _notifier(server).dialogue_flow_deliver(NOTE, [])
        assert caught.value.status == status
        assert caught.value.body == "thử lại sau"

    @pytest.mark.parametrize("status", [400, 401, 404, 410, 422, 301])
    def test_other_statuses_are_permanent(self, status: int) -> None:
        for server in _serve(Receiver([(status, "x" * 500)])):
            with pytest.raises(PermanentWebhookError) as caught:
                _notifier(server).dialogue_flow_deliver(NOTE, [])
        assert caught.value.status == status
        assert caught.value.body == "x" * 200  # an excerpt

    def test_error_text_hides_path_and_query(self) -> None:
        """The URL's path and query may carry a token: errors name the origin only."""
        for server in _serve(Receiver([(400, "bad")])):
            with pytest.raises(PermanentWebhookError) as caught:
                _notifier(server).dialogue_flow_deliver(NOTE, [])
        assert "t0p-s3cret" not in str(caught.value)
        assert str(caught.value) == f"HTTP 400 from http://127.0.0.1:{server.server_port}: bad"

    def test_a_server_slower_than_the_timeout_is_retryable(self) -> None:
        for server in _serve(Receiver(stall=10)):
            with pytest.raises(RetryableWebhookError, match="timed out") as caught:
                _notifier(server, timeout=0.2).dialogue_flow_deliver(NOTE, [])
            assert len(server.requests) == 1
        assert caught.value.status is None
        assert isinstance(caught.value.__cause__, TimeoutError)

    def test_nobody_listening_is_retryable(self) -> None:
        for server in _serve(Receiver()):
            url = server.url
        with pytest.raises(RetryableWebhookError, match="ConnectionRefusedError"):
            WebhookNotifier(url, timeout=2, environ={}).dialogue_flow_deliver(NOTE, [])


class TestThroughTheDispatcher:
    def test_500_then_200_is_retried_then_delivered(self) -> None:
        clock = FixedClock(START)
        storage = RecordingStorage()
        for server in _serve(Receiver([(500, "database is down")])):
            flow = _flow(storage, clock, _notifier(server))
            dispatcher = Dispatcher(storage, flow.plugins, clock=clock, worker_id="w1",
                                    max_attempts=3, backoff=dt.timedelta(minutes=1))
            assert dispatcher.run_once() == DispatchResult(retried=1)
            clock.advance(minutes=1)
            assert dispatcher.run_once() == DispatchResult(delivered=1)
            first, second = server.requests
        assert first[2] == second[2]  # the same bytes, the same key: the receiver dedupes
        assert first[1]["Idempotency-Key"] == second[1]["Idempotency-Key"]
        [(_key, error, retry_at)] = storage.failures
        assert retry_at is not None
        assert "RetryableWebhookError: HTTP 500" in error
        assert "database is down" not in error  # the body may echo personal data

    def test_400_parks_with_status_and_body(self) -> None:
        """A 4xx is a PermanentDeliveryError: parked on the first attempt (although three
        are allowed), with the status (not the body: it may echo personal data) as the row's
        error."""
        clock = FixedClock(START)
        storage = RecordingStorage()
        for server in _serve(Receiver([(400, '{"error": "unknown event"}')])):
            flow = _flow(storage, clock, _notifier(server))
            dispatcher = Dispatcher(storage, flow.plugins, clock=clock, max_attempts=3)
            assert dispatcher.run_once() == DispatchResult(parked=1)
        [(_key, error, retry_at)] = storage.failures
        assert retry_at is None
        assert "PermanentWebhookError: HTTP 400" in error
        assert "unknown event" not in error
        assert storage.outbox_stats()["parked"] == 1
        assert sum(storage.outbox_stats().values()) == 1

    def test_end_to_end_from_the_environment(self, server: Receiver,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
        """The entry-point instance, configured by the environment, posts each row once."""
        monkeypatch.setenv("DIALOGUE_FLOW_WEBHOOK_URL", server.url)
        monkeypatch.setenv("DIALOGUE_FLOW_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("DIALOGUE_FLOW_WEBHOOK_TIMEOUT", "5")
        for name in ("DIALOGUE_FLOW_SMTP_HOST", "DIALOGUE_FLOW_JSONL_PATH"):
            monkeypatch.delenv(name, raising=False)
        flow = DialogueFlow(MemoryStorage(), clock=FixedClock(START), ids=SequentialIds(),
                            plugins=load_plugins([Directory()], entry_points=True))
        assert flow.plugins.get_plugin("webhook") is plugin
        _receive(flow)
        [note] = flow.storage.pending_notifications()
        assert flow.dispatch() == DispatchResult(delivered=1)
        assert flow.dispatch() == DispatchResult()
        [(_path, headers, body)] = server.requests
        assert headers["Idempotency-Key"] == note.key
        assert json.loads(body)["recipients"] == ["dan@thon1.vn"]
        assert "Nguyễn Văn A" not in body.decode("utf-8")


class TestConfiguration:
    def test_unconfigured_does_nothing(self) -> None:
        assert WebhookNotifier(environ={}).dialogue_flow_deliver(NOTE, []) is None

    def test_environment(self) -> None:
        settings = WebhookNotifier(environ={
            "DIALOGUE_FLOW_WEBHOOK_URL": "https://hooks.xa.gov.vn/df",
            "DIALOGUE_FLOW_WEBHOOK_SECRET": SECRET,
            "DIALOGUE_FLOW_WEBHOOK_TIMEOUT": "2.5"}).settings()
        assert settings is not None
        assert (settings.url, settings.secret, settings.timeout) == (
            "https://hooks.xa.gov.vn/df", SECRET, 2.5)
        assert SECRET not in repr(settings)

    @pytest.mark.parametrize(("url", "timeout"), [
        ("ftp://hooks.xa.gov.vn/", None), ("hooks.xa.gov.vn/df", None),
        ("https://hooks.xa.gov.vn/", 0),
    ])
    def test_bad_explicit_settings_fail_at_once(self, url: str, timeout: float | None,
                                                 ) -> None:
        with pytest.raises(ConfigurationError):
            WebhookNotifier(url, timeout=timeout, environ={})

    def test_bad_environment_fails_the_delivery(self) -> None:
        notifier = WebhookNotifier(environ={"DIALOGUE_FLOW_WEBHOOK_URL": "http://h.vn/",
                                            "DIALOGUE_FLOW_WEBHOOK_TIMEOUT": "soon"})
        with pytest.raises(ConfigurationError, match="TIMEOUT"):
            notifier.dialogue_flow_deliver(NOTE, [])

    def test_entry_point_registers_the_module_instance(self) -> None:
        [ep] = [ep for ep in entry_points(group="dialogue_flow") if ep.name == "webhook"]
        assert ep.load() is plugin
        assert load_plugins(entry_points=True).get_plugin("webhook") is plugin


class Directory:
    @hookimpl
    def dialogue_flow_recipients(self, notification: Notification) -> list[str]:
        return ["dan@thon1.vn"]


class RecordingStorage(MemoryStorage):
    """Memory storage that keeps what each failed attempt reported."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[tuple[str, str, dt.datetime | None]] = []

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        self.failures.append((key, error, retry_at))
        return super().mark_failed(key, worker, error, retry_at)


def _flow(storage: MemoryStorage, clock: FixedClock, *plugins: object) -> DialogueFlow:
    flow = DialogueFlow(storage, clock=clock, ids=SequentialIds(),
                        plugins=load_plugins([Directory(), *plugins], entry_points=False))
    _receive(flow)
    return flow


def _receive(flow: DialogueFlow) -> None:
    flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"), topic="Đường giao thông",
                 content="Đường thôn 1 xuống cấp",
                 actor=Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK))
