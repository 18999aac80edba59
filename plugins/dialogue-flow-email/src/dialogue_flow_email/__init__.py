"""A ``dialogue_flow`` notifier that sends each notification as an e-mail over SMTP.

Installed, it is the ``dialogue_flow`` entry point ``email``, run where a settings file names it
(``[[plugin]] name = "email"``) or a host loads it, and reads its
settings from the environment at each delivery (``DIALOGUE_FLOW_SMTP_HOST``, ``_PORT``,
``_USER``, ``_PASSWORD``, ``_SENDER``, ``_SECURITY`` = ``starttls`` | ``ssl`` | ``none``,
``_TIMEOUT``); it does nothing while ``DIALOGUE_FLOW_SMTP_HOST`` is unset. Hosts that
want explicit settings register their own instance::

    DialogueFlow.open(url, plugins=[EmailNotifier(host="smtp.xa.gov.vn",
                                                  sender="dang-uy@xa.gov.vn")])

Each recipient of channel ``email`` (the petitioner's e-mail, a host's directory entry), or
of no channel whose address looks like an e-mail address, gets its own copy (so addresses
are never shown to each other), with a plain-text part and an HTML alternative, UTF-8
headers encoded per RFC 2047, a ``Message-ID`` derived from the notification's idempotency
key and the key itself in ``X-Dialogue-Flow-Key``: delivery is at least once, and a repeat
carries the same ``Message-ID``. It returns the recipients it sent to, so the outbox records them by
reference (``petitioner:email``). SMTP and network errors propagate, so the dispatcher
retries and parks.

Loading the plugin imports neither smtplib nor ssl: building and sending live in ``_smtp``,
imported at the first delivery.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeVar

from dialogue_flow import ConfigurationError, Notification, Recipient, hookimpl

if TYPE_CHECKING:
    import ssl

    from ._smtp import EmailDeliveryError, build_message
    from ._smtp import message_id as message_id  # public, though never in __all__

__all__ = [
    "ENV_PREFIX",
    "SECURITY_MODES",
    "EmailDeliveryError",
    "EmailNotifier",
    "SmtpSettings",
    "build_message",
    "for_email",
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


# What `_smtp` defines, behind smtplib, ssl and email.policy (~10 ms to import together,
# on top of dialogue_flow's own imports): read on first access.
_FROM_SMTP: Final = frozenset({"EmailDeliveryError", "build_message", "message_id"})


if not TYPE_CHECKING:  # type checkers read the imports above, and still flag typos

    def __getattr__(name: str) -> object:
        if name not in _FROM_SMTP:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from . import _smtp  # noqa: PLC0415 - smtplib only for those who send

        value: object = getattr(_smtp, name)
        globals()[name] = value
        return value


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
    def dialogue_flow_deliver(self, notification: Notification, to: list[Recipient],
                              ) -> list[Recipient] | None:
        """Send one copy to each e-mail address among ``to`` (:func:`for_email`); the
        recipients sent to, or ``None`` if there is none or no host."""
        settings = self.settings()
        if settings is None:
            return None
        chosen = [r for r in to if for_email(r)]
        if not chosen:
            return None
        from ._smtp import send  # noqa: PLC0415 - smtplib and ssl only when sending

        send(notification, list(dict.fromkeys(r.address for r in chosen)), settings,
             self.ssl_context)
        return chosen


def for_email(recipient: Recipient) -> bool:
    """Whether this channel sends to ``recipient``: its channel is ``email``, or it has
    none and its address looks like one; either way the address must be a plain ASCII
    ``local@domain.tld`` (:func:`is_email_address`)."""
    return recipient.channel in ("email", None) and is_email_address(recipient.address)


def is_email_address(value: str) -> bool:
    """Whether ``value`` is a plain ASCII ``local@domain.tld`` address."""
    return _ADDRESS.fullmatch(value) is not None


def _number(kind: Callable[[str], _N], name: str, raw: object) -> _N:
    try:
        return kind(str(raw))
    except ValueError:
        raise ConfigurationError(f"{ENV_PREFIX}{name}: expected a number, got {raw!r}",
                                 ) from None


#: The instance the ``email`` entry point registers: configured from the environment.
plugin = EmailNotifier()
