"""A ``dialogue_flow`` notifier that sends each notification as an e-mail over SMTP.

Installed, it is found through the ``dialogue_flow`` entry-point group and reads its
settings from the environment at each delivery (``DIALOGUE_FLOW_SMTP_HOST``, ``_PORT``,
``_USER``, ``_PASSWORD``, ``_SENDER``, ``_SECURITY`` = ``starttls`` | ``ssl`` | ``none``,
``_TIMEOUT``); it does nothing while ``DIALOGUE_FLOW_SMTP_HOST`` is unset. Hosts that
want explicit settings register their own instance::

    DialogueFlow.open(url, plugins=[EmailNotifier(host="smtp.xa.gov.vn",
                                                  sender="dang-uy@xa.gov.vn")])

Each recipient that looks like an e-mail address gets its own copy (so addresses are never
shown to each other), with a plain-text part and an HTML alternative, UTF-8 headers encoded
per RFC 2047, a ``Message-ID`` derived from the notification's idempotency key and the key
itself in ``X-Dialogue-Flow-Key``: delivery is at least once, and a repeat carries the same
``Message-ID``. SMTP and network errors propagate, so the dispatcher retries and parks.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import TypeVar

from dialogue_flow import ConfigurationError, Notification, hookimpl

__all__ = [
    "ENV_PREFIX",
    "SECURITY_MODES",
    "EmailDeliveryError",
    "EmailNotifier",
    "SmtpSettings",
    "build_message",
    "is_email_address",
    "plugin",
]

#: Every environment variable the plugin reads starts with this.
ENV_PREFIX = "DIALOGUE_FLOW_SMTP_"
#: The accepted values of ``security``: STARTTLS after connecting, TLS from the first
#: byte (SMTPS), or plain text (only for a relay on the same machine or a test server).
SECURITY_MODES = ("starttls", "ssl", "none")
_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
_DEFAULT_TIMEOUT = 30.0
_N = TypeVar("_N", int, float)

# An ASCII address with a dotted domain: what every SMTP server accepts without SMTPUTF8.
# Deliberately strict; anything else (a phone number, a user id, a display name) is not
# an e-mail address for this channel and is skipped.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
)


class EmailDeliveryError(smtplib.SMTPException):
    """Several recipients were refused; ``failures`` maps each to the server's error."""

    def __init__(self, failures: Mapping[str, Exception]) -> None:
        self.failures = dict(failures)
        detail = "; ".join(f"{address}: {type(exc).__name__}: {exc}"
                           for address, exc in self.failures.items())
        super().__init__(f"{len(self.failures)} recipients failed: {detail}")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: validated, with the port defaulted from ``security``."""

    host: str
    sender: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password: str | None = None
    timeout: float = _DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if not self.host:
            raise ConfigurationError("SMTP host: must not be empty")
        if self.security not in SECURITY_MODES:
            raise ConfigurationError(f"SMTP security: expected one of {SECURITY_MODES}, "
                                     f"got {self.security!r}")
        if not is_email_address(self.sender):
            raise ConfigurationError(f"SMTP sender: not an e-mail address: {self.sender!r}")
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"SMTP port: expected 1-65535, got {self.port!r}")
        if not self.timeout > 0:
            raise ConfigurationError(f"SMTP timeout: expected seconds > 0, got {self.timeout!r}")
        if (self.user is None) != (self.password is None):
            raise ConfigurationError("SMTP user and password: give both or neither")
        if not (self.user or "").isascii() or not (self.password or "").isascii():
            # smtplib sends AUTH credentials as ASCII only and would fail at each delivery
            raise ConfigurationError("SMTP user and password: only ASCII characters work "
                                     "with smtplib's AUTH")

    def __repr__(self) -> str:  # never print the password
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, "
                f"security={self.security!r}, sender={self.sender!r}, user={self.user!r}, "
                f"timeout={self.timeout})")


class EmailNotifier:
    """Sends notifications by e-mail; each argument left ``None`` comes from the environment.

    :param host: the SMTP server (``DIALOGUE_FLOW_SMTP_HOST``); without one the notifier
        is switched off and returns ``None``.
    :param port: default 587 for ``starttls``, 465 for ``ssl``, 25 for ``none``
        (``DIALOGUE_FLOW_SMTP_PORT``).
    :param user: the login, with ``password`` (``_USER``, ``_PASSWORD``); no login if unset.
    :param sender: the ``From`` address and envelope sender (``_SENDER``; required).
    :param security: ``starttls`` (default), ``ssl`` or ``none`` (``_SECURITY``).
    :param timeout: seconds for connecting and for each server reply (``_TIMEOUT``,
        default 30).
    :param ssl_context: the TLS context for ``starttls`` and ``ssl`` (default: the system's
        trusted certificates, host name checked).
    :param environ: where to read the variables (default ``os.environ``, read at each
        delivery so a change of configuration needs no restart).
    """

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        user: str | None = None,
        password: str | None = None,
        sender: str | None = None,
        security: str | None = None,
        timeout: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._explicit: dict[str, object | None] = {
            "HOST": host, "PORT": port, "USER": user, "PASSWORD": password,
            "SENDER": sender, "SECURITY": security, "TIMEOUT": timeout,
        }
        self._environ = environ
        self.ssl_context = ssl_context
        if host is not None:
            self.settings()  # explicit settings are checked at once

    def settings(self) -> SmtpSettings | None:
        """The settings in force now, or ``None`` when no host is configured.

        :raises ConfigurationError: a value is missing or malformed.
        """
        env = os.environ if self._environ is None else self._environ

        def value(name: str) -> object | None:
            explicit = self._explicit[name]
            if explicit is not None:
                return explicit
            raw = env.get(ENV_PREFIX + name, "").strip()
            return raw or None

        host = value("HOST")
        if host is None:
            return None
        security = str(value("SECURITY") or "starttls").lower()
        port = value("PORT")
        timeout = value("TIMEOUT")
        sender = value("SENDER")
        if sender is None:
            raise ConfigurationError(f"SMTP sender: set {ENV_PREFIX}SENDER or pass sender=")
        user, password = value("USER"), value("PASSWORD")
        return SmtpSettings(
            host=str(host),
            sender=str(sender),
            security=security,
            port=(_number(int, "PORT", port) if port is not None
                  else _DEFAULT_PORTS.get(security, 25)),
            user=None if user is None else str(user),
            password=None if password is None else str(password),
            timeout=(_number(float, "TIMEOUT", timeout) if timeout is not None
                     else _DEFAULT_TIMEOUT),
        )

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, recipients: list[str],
                              ) -> str | None:
        """Send one copy to each e-mail recipient; ``None`` if there is none or no host."""
        settings = self.settings()
        if settings is None:
            return None
        addresses = [r for r in recipients if is_email_address(r)]
        if not addresses:
            return None
        failures: dict[str, Exception] = {}
        with self._connect(settings) as smtp:
            for address in addresses:
                message = build_message(notification, sender=settings.sender, to=address)
                try:
                    smtp.send_message(message, from_addr=settings.sender, to_addrs=[address])
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    failures[address] = exc  # smtplib has reset; try the others
        if len(failures) == 1:
            raise next(iter(failures.values()))
        if failures:
            raise EmailDeliveryError(failures)
        return "email"

    @contextlib.contextmanager
    def _connect(self, settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
        context = self.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                smtp.starttls(context=context)  # raises if the server does not offer it
            if settings.user is not None and settings.password is not None:
                smtp.login(settings.user, settings.password)
            yield smtp
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        finally:
            smtp.close()


def is_email_address(value: str) -> bool:
    """Whether ``value`` is a plain ASCII ``local@domain.tld`` address."""
    return _ADDRESS.fullmatch(value) is not None


def build_message(notification: Notification, *, sender: str, to: str) -> EmailMessage:
    """The e-mail for ``notification``: text and HTML parts, headers for de-duplication."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = notification.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = message_id(notification.key, sender)
    message["X-Dialogue-Flow-Key"] = notification.key
    message["X-Dialogue-Flow-Event"] = notification.event
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(notification.body, charset="utf-8")
    message.add_alternative(_html(notification), subtype="html", charset="utf-8")
    message["Content-Language"] = notification.language  # set_content drops Content-*
    return message


def message_id(key: str, sender: str) -> str:
    """A ``Message-ID`` that is the same for every delivery of the same notification."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    domain = sender.rpartition("@")[2] or "dialogue-flow.invalid"
    return f"<dialogue-flow.{digest}@{domain}>"


def _html(notification: Notification) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", notification.body.strip()) if p.strip()]
    body = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>"
                     for p in paragraphs)
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(notification.language)}">\n'
            f'<head><meta charset="utf-8"><title>{html.escape(notification.subject)}'
            f"</title></head>\n<body>\n{body}\n</body>\n</html>\n")


def _number(kind: Callable[[str], _N], name: str, raw: object) -> _N:
    try:
        return kind(str(raw))
    except ValueError:
        raise ConfigurationError(f"{ENV_PREFIX}{name}: expected a number, got {raw!r}",
                                 ) from None


#: The instance the ``email`` entry point registers: configured from the environment.
plugin = EmailNotifier()
