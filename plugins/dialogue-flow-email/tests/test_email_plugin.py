"""The e-mail notifier against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from dialogue_flow_email import (
    EmailDeliveryError,
    EmailNotifier,
    build_message,
    is_email_address,
    message_id,
    plugin,
)

from dialogue_flow import (
    VIETNAM_TZ,
    Actor,
    ConfigurationError,
    Delivery,
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
    hookimpl,
    load_plugins,
)
from dialogue_flow.storage import OutboxStatus

HERE = Path(__file__).parent
CERT, KEY = HERE / "localhost-cert.pem", HERE / "localhost-key.pem"
SENDER = "dang-uy@xa.gov.vn"
START = dt.date(2021, 6, 1)

NOTE = Notification(
    key="submission:sub-1:v2:answered", event="answered", kind="submission",
    record_id="sub-1", audience="petitioner",
    subject="Trả lời ý kiến về đường giao thông thôn 1",
    body="Kính gửi ông/bà,\nĐảng ủy xã đã trả lời ý kiến của ông/bà.\n\n"
         "Đường thôn 1 sẽ được sửa trong quý III <năm 2021> & sau đó.",
    language="vi", created_at=dt.datetime(2021, 6, 1, 8, tzinfo=VIETNAM_TZ),
    data={"state": "answered"})


def _to(*addresses: str, channel: str | None = None) -> list[Recipient]:
    """The recipients a dispatcher would pass for these addresses (``r1``, ``r2``...)."""
    return [Recipient(f"r{n}", a, channel=channel) for n, a in enumerate(addresses, start=1)]


#: One recipient with a plain address, as most tests send to.
DAN = _to("dan@thon1.vn")


class Inbox:
    """An aiosmtpd handler keeping each accepted message, or refusing as told."""

    def __init__(self, *, refuse_data: str | None = None,
                 refuse_rcpt: frozenset[str] = frozenset()) -> None:
        self.refuse_data = refuse_data
        self.refuse_rcpt = refuse_rcpt
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.logins: list[bytes] = []

    async def handle_RCPT(
            self, server: SMTP, session: Session, envelope: Envelope, address: str,
            rcpt_options: list[str]) -> str:
        if address in self.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
            self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data is not None:
            return self.refuse_data
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append(auth_data.login)
        ok = (auth_data.login, auth_data.password) == (b"dang-uy", b"mat-khau-2021")
        return AuthResult(success=ok, handled=False)  # False: the server replies 535


class LoopbackController(Controller):
    """aiosmtpd's controller on 127.0.0.1 and a port the OS picks (no race for a port)."""

    def __init__(self, handler: Inbox, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call] # aiosmtpd is untyped here


@pytest.fixture
def server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    return context


@pytest.fixture
def client_tls() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(CERT))


def _serve(handler: Inbox, **kwargs: Any) -> Iterator[LoopbackController]:
    controller = LoopbackController(handler, **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp(inbox: Inbox) -> Iterator[LoopbackController]:
    yield from _serve(inbox)


def _plain(controller: LoopbackController, **kwargs: Any) -> EmailNotifier:
    return EmailNotifier(host="127.0.0.1", port=controller.port, security="none",
                         sender=SENDER, timeout=5, environ={}, **kwargs)


class TestMessage:
    def test_vietnamese_text_and_html_parts_and_dedup_headers(
            self, smtp: LoopbackController, inbox: Inbox) -> None:
        """What the server receives decodes back to the notification, in both parts."""
        assert _plain(smtp).dialogue_flow_deliver(NOTE, DAN) == DAN
        [(mail_from, rcpt_tos, message)] = inbox.received
        assert mail_from == SENDER
        assert rcpt_tos == ["dan@thon1.vn"]
        assert message["Subject"] == NOTE.subject
        assert message["From"] == SENDER
        assert message["To"] == "dan@thon1.vn"
        assert message["X-Dialogue-Flow-Key"] == NOTE.key
        assert message["X-Dialogue-Flow-Event"] == "answered"
        assert message["Content-Language"] == "vi"
        assert message["Message-ID"] == message_id(NOTE.key, SENDER)
        assert message["Message-ID"].endswith("@xa.gov.vn>")
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",))
        page = message.get_body(("html",))
        assert text is not None
        assert page is not None
        assert isinstance(text, EmailMessage)
        assert isinstance(page, EmailMessage)
        assert text.get_content().replace("\r\n", "\n").rstrip("\n") == NOTE.body
        assert text.get_content_charset() == "utf-8"
        html = page.get_content()
        assert "Đảng ủy xã đã trả lời" in html
        assert "&lt;năm 2021&gt; &amp; sau đó" in html  # escaped, never markup
        assert html.count("<p>") == 2
        assert '<html lang="vi">' in html

    def test_subject_is_rfc2047_encoded_on_the_wire(self) -> None:
        """Raw headers are 7-bit ASCII; the UTF-8 subject is in encoded words."""
        raw = build_message(NOTE, sender=SENDER, to="dan@thon1.vn").as_bytes()
        headers = raw.split(b"\r\n\r\n", 1)[0]
        headers.decode("ascii")  # raises if any header byte is not ASCII
        assert b"Subject: =?utf-8?" in headers
        assert b"\r\n" in raw
        assert b"\n" not in raw.replace(b"\r\n", b"")  # SMTP line endings only

    def test_message_id_is_stable_per_key(self) -> None:
        """The same key gives the same Message-ID, another key another one."""
        first = build_message(NOTE, sender=SENDER, to="a@b.vn")["Message-ID"]
        assert first == build_message(NOTE, sender=SENDER, to="c@d.vn")["Message-ID"]
        assert first != message_id("submission:sub-1:v3:closed", SENDER)


class TestRecipients:
    @pytest.mark.parametrize(("value", "expected"), [
        ("dan@thon1.vn", True), ("giao.thong+df@xa.gov.vn", True),
        ("0912345678", False), ("user:42", False), ("Giao thông@xa.gov.vn", False),
        ("a@localhost", False), ("Nguyễn <a@b.vn>", False), ("a@b.vn\r\nBcc: x@y.vn", False),
    ])
    def test_what_counts_as_an_address(self, value: str, expected: bool) -> None:
        assert is_email_address(value) is expected

    def test_one_copy_per_address_others_ignored(self, smtp: LoopbackController,
                                                 inbox: Inbox) -> None:
        """Phone numbers and ids are skipped; each address gets its own message."""
        notifier = _plain(smtp)
        to = _to("0912345678", "a@xa.gov.vn", "user:7", "b@xa.gov.vn")
        assert notifier.dialogue_flow_deliver(NOTE, to) == [to[1], to[3]]
        assert [(r, m["To"]) for _f, r, m in inbox.received] == [
            (["a@xa.gov.vn"], "a@xa.gov.vn"), (["b@xa.gov.vn"], "b@xa.gov.vn")]

    def test_by_channel_each_address_once(self, smtp: LoopbackController,
                                          inbox: Inbox) -> None:
        """Recipients of another channel are skipped even when their address looks like
        an e-mail (a Zalo id); an address named twice gets one copy, both recipients are
        reported reached; an ``email`` recipient whose address is not a plain address is
        skipped."""
        to = [Recipient("petitioner:email", "dan@thon1.vn", channel="email"),
              Recipient("petitioner:zalo", "zalo@thon1.vn", channel="zalo"),
              Recipient("user:7", "dan@thon1.vn"),
              Recipient("user:8", "Dân <dan@thon1.vn>", channel="email")]
        assert _plain(smtp).dialogue_flow_deliver(NOTE, to) == [to[0], to[2]]
        assert [r for _f, r, _m in inbox.received] == [["dan@thon1.vn"]]

    def test_no_address_sends_nothing(self, smtp: LoopbackController, inbox: Inbox) -> None:
        assert _plain(smtp).dialogue_flow_deliver(NOTE, _to("0912345678")) is None
        assert _plain(smtp).dialogue_flow_deliver(NOTE, _to()) is None
        assert inbox.received == []


class TestSecurity:
    def test_starttls_with_login(self, inbox: Inbox, server_tls: ssl.SSLContext,
                                 client_tls: ssl.SSLContext) -> None:
        """STARTTLS is required by the server, then AUTH (only offered over TLS)."""
        for controller in _serve(inbox, tls_context=server_tls, require_starttls=True,
                                 authenticator=inbox.authenticate, auth_required=True):
            notifier = EmailNotifier(host="127.0.0.1", port=controller.port,
                                     security="starttls", user="dang-uy",
                                     password="mat-khau-2021", sender=SENDER, timeout=5,
                                     ssl_context=client_tls, environ={})
            assert notifier.dialogue_flow_deliver(NOTE, DAN) == DAN
        assert inbox.logins == [b"dang-uy"]
        assert len(inbox.received) == 1

    def test_wrong_password_raises(self, inbox: Inbox, server_tls: ssl.SSLContext,
                                   client_tls: ssl.SSLContext) -> None:
        for controller in _serve(inbox, tls_context=server_tls, require_starttls=True,
                                 authenticator=inbox.authenticate, auth_required=True):
            notifier = EmailNotifier(host="127.0.0.1", port=controller.port,
                                     user="dang-uy", password="sai", sender=SENDER,
                                     timeout=5, ssl_context=client_tls, environ={})
            with pytest.raises(smtplib.SMTPAuthenticationError):
                notifier.dialogue_flow_deliver(NOTE, DAN)
        assert inbox.received == []

    def test_starttls_refuses_an_untrusted_certificate(
            self, inbox: Inbox, server_tls: ssl.SSLContext) -> None:
        """With the default context the self-signed certificate is rejected: no mail."""
        for controller in _serve(inbox, tls_context=server_tls, require_starttls=True):
            notifier = EmailNotifier(host="127.0.0.1", port=controller.port,
                                     sender=SENDER, timeout=5, environ={})
            with pytest.raises(ssl.SSLCertVerificationError):
                notifier.dialogue_flow_deliver(NOTE, DAN)
        assert inbox.received == []

    def test_implicit_tls(self, inbox: Inbox, server_tls: ssl.SSLContext,
                          client_tls: ssl.SSLContext) -> None:
        """``security="ssl"`` speaks TLS from the first byte (SMTPS)."""
        for controller in _serve(inbox, ssl_context=server_tls):
            notifier = EmailNotifier(host="127.0.0.1", port=controller.port,
                                     security="ssl", sender=SENDER, timeout=5,
                                     ssl_context=client_tls, environ={})
            assert notifier.dialogue_flow_deliver(NOTE, DAN) == DAN
        assert len(inbox.received) == 1


class TestFailures:
    def test_refused_data_raises(self) -> None:
        handler = Inbox(refuse_data="550 5.7.1 Message rejected by policy")
        for controller in _serve(handler):
            with pytest.raises(smtplib.SMTPDataError, match="rejected by policy"):
                _plain(controller).dialogue_flow_deliver(NOTE, DAN)

    def test_one_refused_recipient_does_not_stop_the_others(self) -> None:
        """The others are sent; then the refusal is raised so the row is retried."""
        handler = Inbox(refuse_rcpt=frozenset({"gone@xa.gov.vn"}))
        for controller in _serve(handler):
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                _plain(controller).dialogue_flow_deliver(
                    NOTE, _to("gone@xa.gov.vn", "here@xa.gov.vn"))
        assert [r for _f, r, _m in handler.received] == [["here@xa.gov.vn"]]

    def test_several_refusals_are_listed(self) -> None:
        handler = Inbox(refuse_rcpt=frozenset({"a@xa.gov.vn", "b@xa.gov.vn"}))
        for controller in _serve(handler):
            with pytest.raises(EmailDeliveryError) as caught:
                _plain(controller).dialogue_flow_deliver(NOTE, _to("a@xa.gov.vn", "b@xa.gov.vn"))
        assert sorted(caught.value.failures) == ["a@xa.gov.vn", "b@xa.gov.vn"]
        assert "No such user here" in str(caught.value.failures["a@xa.gov.vn"])
        # The message counts and names the kinds: addresses are personal data.
        assert str(caught.value) == "2 recipients failed: SMTPRecipientsRefused"

    def test_nobody_listening_raises_connection_error(self) -> None:
        for controller in _serve(Inbox()):
            port = controller.port
        notifier = EmailNotifier(host="127.0.0.1", port=port, security="none",
                                 sender=SENDER, timeout=2, environ={})
        with pytest.raises(ConnectionRefusedError):
            notifier.dialogue_flow_deliver(NOTE, DAN)

    def test_dispatcher_retries_then_parks_with_the_last_error(self) -> None:
        """A server that refuses every message: retried once, then parked with its reply."""
        clock = FixedClock(START)
        storage = RecordingStorage()
        handler = Inbox(refuse_data="550 5.7.1 Message rejected by policy")
        for controller in _serve(handler):
            flow = DialogueFlow(storage, clock=clock, ids=SequentialIds(), plugins=load_plugins(
                [Directory("dan@thon1.vn"), _plain(controller)], entry_points=False))
            _receive(flow)
            dispatcher = Dispatcher(storage, flow.plugins, clock=clock, worker_id="w1",
                                    max_attempts=2, backoff=dt.timedelta(minutes=1))
            assert dispatcher.run_once() == DispatchResult(retried=1)
            assert dispatcher.run_once() == DispatchResult()  # backing off
            clock.advance(minutes=1)
            assert dispatcher.run_once() == DispatchResult(parked=1)
        assert storage.outbox_stats()["parked"] == 1
        assert sum(storage.outbox_stats().values()) == 1
        [(_k1, first, retry_at), (_k2, last, parked_at)] = storage.failures
        assert retry_at is not None
        assert parked_at is None
        assert "SMTPDataError" in last
        assert "rejected by policy" not in last  # a server's text may quote the address
        assert first == last


class TestConfiguration:
    def test_unconfigured_does_nothing(self) -> None:
        assert EmailNotifier(environ={}).dialogue_flow_deliver(NOTE, _to("a@b.vn")) is None

    def test_from_the_environment(self, smtp: LoopbackController, inbox: Inbox) -> None:
        notifier = EmailNotifier(environ={
            "DIALOGUE_FLOW_SMTP_HOST": "127.0.0.1",
            "DIALOGUE_FLOW_SMTP_PORT": str(smtp.port),
            "DIALOGUE_FLOW_SMTP_SECURITY": "NONE",
            "DIALOGUE_FLOW_SMTP_SENDER": SENDER,
            "DIALOGUE_FLOW_SMTP_TIMEOUT": "5",
        })
        settings = notifier.settings()
        assert settings is not None
        assert (settings.port, settings.security, settings.timeout) == (smtp.port, "none", 5.0)
        assert notifier.dialogue_flow_deliver(NOTE, DAN) == DAN
        assert len(inbox.received) == 1

    def test_explicit_arguments_win_over_the_environment(self) -> None:
        notifier = EmailNotifier(host="smtp.xa.gov.vn", environ={
            "DIALOGUE_FLOW_SMTP_HOST": "other", "DIALOGUE_FLOW_SMTP_SENDER": SENDER,
            "DIALOGUE_FLOW_SMTP_SECURITY": "ssl"})
        settings = notifier.settings()
        assert settings is not None
        assert (settings.host, settings.port, settings.sender) == ("smtp.xa.gov.vn", 465, SENDER)

    def test_password_never_in_repr(self) -> None:
        notifier = EmailNotifier(host="h.vn", sender=SENDER, user="u",
                                 password="bi-mat-2021", environ={})
        assert "bi-mat-2021" not in repr(notifier.settings())

    @pytest.mark.parametrize(("settings", "field"), [
        ({"sender": SENDER, "security": "tls"}, "security"),
        ({}, "sender"),
        ({"sender": "not an address"}, "sender"),
        ({"sender": SENDER, "port": 70000}, "port"),
        ({"sender": SENDER, "timeout": 0}, "timeout"),
        ({"sender": SENDER, "user": "u"}, "password"),
        ({"sender": SENDER, "user": "u", "password": "mật-khẩu"}, "ASCII"),
    ])
    def test_bad_explicit_settings_fail_at_once(self, settings: dict[str, Any],
                                                 field: str) -> None:
        with pytest.raises(ConfigurationError, match=field):
            EmailNotifier(host="smtp.xa.gov.vn", environ={}, **settings)

    def test_bad_environment_fails_the_delivery(self) -> None:
        """The dispatcher retries and parks it with the message: misconfiguration is loud."""
        notifier = EmailNotifier(environ={"DIALOGUE_FLOW_SMTP_HOST": "h.vn",
                                          "DIALOGUE_FLOW_SMTP_SENDER": SENDER,
                                          "DIALOGUE_FLOW_SMTP_PORT": "smtp"})
        with pytest.raises(ConfigurationError, match="DIALOGUE_FLOW_SMTP_PORT"):
            notifier.dialogue_flow_deliver(NOTE, _to("a@b.vn"))

    def test_entry_point_registers_the_module_instance(self) -> None:
        [ep] = [ep for ep in entry_points(group="dialogue_flow") if ep.name == "email"]
        assert ep.load() is plugin
        assert load_plugins(entry_points=True).get_plugin("email") is plugin


class Directory:
    """A ``dialogue_flow_recipients`` plugin naming one address for every notification."""

    def __init__(self, address: str) -> None:
        self.address = address

    @hookimpl
    def dialogue_flow_recipients(self, notification: Notification) -> list[str]:
        return [self.address, "0912345678"]


class RecordingStorage(MemoryStorage):
    """Memory storage that keeps what each failed attempt reported."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[tuple[str, str, dt.datetime | None]] = []

    def mark_failed(self, key: str, worker: str, error: str,
                    retry_at: dt.datetime | None) -> bool:
        self.failures.append((key, error, retry_at))
        return super().mark_failed(key, worker, error, retry_at)


def _receive(flow: DialogueFlow) -> None:
    flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"), topic="Đường giao thông",
                 content="Đường thôn 1 xuống cấp",
                 actor=Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK))


def test_end_to_end_through_the_flow(smtp: LoopbackController, inbox: Inbox,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A command writes the outbox; dispatch asks the directory, the server gets the mail.

    The entry-point instance is used, configured from the environment as a host would.
    """
    for name, value in {"HOST": "127.0.0.1", "PORT": str(smtp.port), "SECURITY": "none",
                        "SENDER": SENDER, "TIMEOUT": "5"}.items():
        monkeypatch.setenv(f"DIALOGUE_FLOW_SMTP_{name}", value)
    monkeypatch.delenv("DIALOGUE_FLOW_SMTP_USER", raising=False)
    monkeypatch.delenv("DIALOGUE_FLOW_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("DIALOGUE_FLOW_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("DIALOGUE_FLOW_JSONL_PATH", raising=False)
    flow = DialogueFlow(MemoryStorage(), clock=FixedClock(START), ids=SequentialIds(),
                        plugins=load_plugins([Directory("dan@thon1.vn")], entry_points=True))
    assert flow.plugins.get_plugin("email") is plugin
    _receive(flow)
    [note] = flow.storage.pending_notifications()
    assert flow.dispatch() == DispatchResult(delivered=1)
    [(_from, rcpt_tos, message)] = inbox.received
    assert rcpt_tos == ["dan@thon1.vn"]
    assert message["Subject"] == note.subject
    assert message["X-Dialogue-Flow-Key"] == note.key
    text = message.get_body(("plain",))
    assert isinstance(text, EmailMessage)
    assert text.get_content().replace("\r\n", "\n").rstrip("\n") == note.body.rstrip("\n")
    assert "Nguyễn Văn A" not in message.as_string()
    assert flow.dispatch() == DispatchResult()


def test_the_petitioners_email_by_default(smtp: LoopbackController, inbox: Inbox) -> None:
    """No recipients plugin of the host: a notice to the petitioner reaches the e-mail they
    left (the built-in recipients), and the outbox records ``petitioner:email``, not the
    address."""
    notifier = _plain(smtp)
    pm = load_plugins(entry_points=False)
    pm.register(notifier, name="email")
    flow = DialogueFlow(MemoryStorage(), clock=FixedClock(START), ids=SequentialIds(),
                        plugins=pm)
    flow.receive(petitioner=Petitioner(name="Nguyễn Văn A", phone="0912345678",
                                             email="dan@thon1.vn"),
                 topic="Đường giao thông", content="Đường thôn 1 xuống cấp",
                 actor=Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK))
    assert flow.dispatch() == DispatchResult(delivered=1)
    [(_from, rcpt_tos, _message)] = inbox.received
    assert rcpt_tos == ["dan@thon1.vn"]
    [entry] = flow.outbox_entries(OutboxStatus.DELIVERED)
    assert entry.deliveries == (Delivery("petitioner:email", "email"),)
