"""A ``dialogue_flow`` notifier that POSTs each notification as signed JSON to a URL.

Installed, it is the ``dialogue_flow`` entry point ``webhook``, run where a settings file names it
(``[[plugin]] name = "webhook"``) or a host loads it, and reads its
settings from the environment at each delivery (``DIALOGUE_FLOW_WEBHOOK_URL``,
``_SECRET``, ``_TIMEOUT``); it does nothing while ``DIALOGUE_FLOW_WEBHOOK_URL`` is unset.
Hosts that want explicit settings register their own instance::

    DialogueFlow.open(url, plugins=[WebhookNotifier("https://hooks.xa.gov.vn/df",
                                                    secret="...")])

The body is ``dialogue_flow.to_dict(notification)`` plus ``"recipients"`` (the addresses)
and ``"to"`` (each recipient's ``ref``, ``channel`` and ``address``), UTF-8 JSON.
Headers: ``Idempotency-Key`` (the notification's key: delivery is at least once, the
receiver drops repeats) and, with a secret, ``X-Dialogue-Flow-Signature:
sha256=<hex HMAC-SHA256 of the exact body bytes>``. A 2xx answer hands every recipient
over to the receiver: they are recorded as reached (by reference). Network
errors, time-outs, 5xx, 408 and 429 raise :class:`RetryableWebhookError`; any other answer
raises :class:`PermanentWebhookError` (a :class:`dialogue_flow.PermanentDeliveryError`:
the row is parked at once) with the status and the start of the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogue_flow import (
    ConfigurationError,
    Notification,
    PermanentDeliveryError,
    Recipient,
    hookimpl,
)

if TYPE_CHECKING:
    import ssl

__all__ = [
    "ENV_PREFIX",
    "PermanentWebhookError",
    "RetryableWebhookError",
    "WebhookError",
    "WebhookNotifier",
    "WebhookSettings",
    "encode",
    "plugin",
    "sign",
]

#: Every environment variable the plugin reads starts with this.
ENV_PREFIX = "DIALOGUE_FLOW_WEBHOOK_"
#: The header carrying ``sha256=<hex digest>``.
SIGNATURE_HEADER = "X-Dialogue-Flow-Signature"
_DEFAULT_TIMEOUT = 10.0
_EXCERPT = 200
#: 4xx answers that mean "later", not "never".
_RETRYABLE_4XX = frozenset({408, 425, 429})
_USER_AGENT = "dialogue-flow-webhook/0.1"


class WebhookError(Exception):
    """A delivery the receiver did not accept."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        #: The HTTP status, or ``None`` when no answer came (network error, time-out).
        self.status = status
        #: The start of the answer's body (at most 200 characters).
        self.body = body
        #: What the dispatcher may store as the row's error: the status only (the message
        #: and the body may echo personal data back).
        self.public_detail = f"HTTP {status}" if status is not None else "no answer"


class RetryableWebhookError(WebhookError):
    """A failure that may pass: network error, time-out, 5xx, 408, 425 or 429."""


class PermanentWebhookError(WebhookError, PermanentDeliveryError):
    """The receiver refused the notification (a 4xx, or a redirect): retrying won't help,
    so the dispatcher parks the row at once, storing the status as its error."""


@dataclass(frozen=True)
class WebhookSettings:
    """Where to POST, validated."""

    url: str
    secret: str | None = None
    timeout: float = _DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigurationError(f"webhook URL: expected http(s)://host/..., "
                                     f"got {self.url!r}")
        if not self.timeout > 0:
            raise ConfigurationError(f"webhook timeout: expected seconds > 0, "
                                     f"got {self.timeout!r}")

    def __repr__(self) -> str:  # never print the secret
        return (f"WebhookSettings(url={self.url!r}, secret={'***' if self.secret else None}, "
                f"timeout={self.timeout})")


class WebhookNotifier:
    """POSTs notifications to a URL; each argument left ``None`` comes from the environment.

    :param url: where to POST (``DIALOGUE_FLOW_WEBHOOK_URL``); without one the notifier is
        switched off and returns ``None``.
    :param secret: the shared HMAC key (``DIALOGUE_FLOW_WEBHOOK_SECRET``); without one the
        signature header is left out.
    :param timeout: seconds for connecting and for each read (``_TIMEOUT``, default 10).
    :param ssl_context: the TLS context for ``https`` (default: the system's trusted
        certificates, host name checked).
    :param environ: where to read the variables (default ``os.environ``, read at each
        delivery).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        secret: str | None = None,
        timeout: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._url, self._secret, self._timeout = url, secret, timeout
        self._environ = environ
        self.ssl_context = ssl_context
        if url is not None:
            self.settings()  # explicit settings are checked at once

    def settings(self) -> WebhookSettings | None:
        """The settings in force now, or ``None`` when no URL is configured.

        :raises ConfigurationError: a value is malformed.
        """
        env = os.environ if self._environ is None else self._environ
        url = self._url or env.get(ENV_PREFIX + "URL", "").strip()
        if not url:
            return None
        secret = self._secret or env.get(ENV_PREFIX + "SECRET") or None
        timeout: float = _DEFAULT_TIMEOUT
        if self._timeout is not None:
            timeout = self._timeout
        elif raw := env.get(ENV_PREFIX + "TIMEOUT", "").strip():
            try:
                timeout = float(raw)
            except ValueError:
                raise ConfigurationError(f"{ENV_PREFIX}TIMEOUT: expected seconds, "
                                         f"got {raw!r}") from None
        return WebhookSettings(url=url, secret=secret, timeout=timeout)

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, to: list[Recipient],
                              ) -> list[Recipient] | None:
        """POST ``notification`` with its recipients; the recipients handed over (all of
        ``to``: the receiver delivers), or ``None`` when no URL is configured."""
        settings = self.settings()
        if settings is None:
            return None
        body = encode(notification, to)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": notification.key,
            "User-Agent": _USER_AGENT,
        }
        if settings.secret is not None:
            headers[SIGNATURE_HEADER] = "sha256=" + sign(body, settings.secret)
        status, excerpt = self._post(settings, body, headers)
        if 200 <= status < 300:
            return list(to)
        message = f"HTTP {status} from {_origin(settings.url)}: {excerpt}"
        if status >= 500 or status in _RETRYABLE_4XX:
            raise RetryableWebhookError(message, status=status, body=excerpt)
        raise PermanentWebhookError(message, status=status, body=excerpt)

    def _post(self, settings: WebhookSettings, body: bytes, headers: dict[str, str],
              ) -> tuple[int, str]:
        # http.client and ssl (~7 ms to import) load at the first delivery, not with the plugin.
        import http.client  # noqa: PLC0415
        import ssl  # noqa: PLC0415

        parts = urllib.parse.urlsplit(settings.url)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=settings.timeout,
                context=self.ssl_context or ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                                    timeout=settings.timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read(_EXCERPT * 4)
            return response.status, raw.decode("utf-8", "replace")[:_EXCERPT]
        except (OSError, http.client.HTTPException) as exc:  # time-outs are OSErrors
            raise RetryableWebhookError(
                f"no answer from {_origin(settings.url)}: {type(exc).__name__}: {exc}",
            ) from exc
        finally:
            connection.close()


def encode(notification: Notification, to: Sequence[Recipient]) -> bytes:
    """The exact body POSTed, UTF-8 JSON: ``to_dict(notification)`` plus ``recipients``
    (the addresses, each once) and ``to`` (each recipient's ``ref``, ``channel`` and
    ``address``)."""
    # Here, not at the top: to_dict imports cattrs (~10 ms), which loading the plugin (and
    # `dialogue-flow --help`) does not need.
    from dialogue_flow import to_dict  # noqa: PLC0415

    document = {**to_dict(notification),
                "recipients": list(dict.fromkeys(r.address for r in to)),
                "to": [{"ref": r.ref, "channel": r.channel, "address": r.address} for r in to]}
    return json.dumps(document, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign(body: bytes, secret: str) -> str:
    """The hex HMAC-SHA256 of ``body`` with ``secret``: what the receiver recomputes."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _origin(url: str) -> str:
    """``scheme://host:port`` only: paths and queries may carry tokens; keep them out."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


#: The instance the ``webhook`` entry point registers: configured from the environment.
plugin = WebhookNotifier()
