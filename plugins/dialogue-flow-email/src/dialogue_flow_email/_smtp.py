"""Building and sending the e-mails: everything that needs smtplib, ssl and email.policy.

Kept apart from the package's ``__init__`` so that loading the plugin (every host that
loads the entry-point plugins does, and ``dialogue-flow --help``) imports none of them: the
notifier imports this module at its first delivery.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import TYPE_CHECKING

from dialogue_flow import Notification

if TYPE_CHECKING:
    from . import SmtpSettings

__all__ = ["EmailDeliveryError", "build_message", "message_id", "send"]


class EmailDeliveryError(smtplib.SMTPException):
    """Several recipients were refused; ``failures`` maps each address to the server's
    error. The message counts them and names the kinds of error only: addresses, and the
    server's replies that quote them, are personal data."""

    def __init__(self, failures: Mapping[str, Exception]) -> None:
        self.failures = dict(failures)
        kinds = sorted({type(exc).__name__ for exc in self.failures.values()})
        super().__init__(f"{len(self.failures)} recipients failed: {', '.join(kinds)}")


def send(notification: Notification, addresses: list[str], settings: SmtpSettings,
         ssl_context: ssl.SSLContext | None) -> None:
    """Send one copy of ``notification`` to each of ``addresses`` over one connection.

    :raises smtplib.SMTPException: the one refusal, or :class:`EmailDeliveryError` for
        several; connection and login errors propagate as they come.
    """
    failures: dict[str, Exception] = {}
    with _connect(settings, ssl_context) as smtp:
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


@contextlib.contextmanager
def _connect(settings: SmtpSettings, ssl_context: ssl.SSLContext | None,
             ) -> Iterator[smtplib.SMTP]:
    context = ssl_context or ssl.create_default_context()
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
