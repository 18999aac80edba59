"""The built-in notifier: :class:`LoggingNotifier`.

Apart from the dispatcher (``_dispatch``) that calls notifiers and from the plugin loading
(``_plugins``) that registers this one, so neither of those two needs to import the other
for it.
"""

from __future__ import annotations

import logging

from ._recipients import Recipient
from ._records import Notification
from .hookspecs import hookimpl

__all__ = ["LoggingNotifier"]

logger = logging.getLogger("dialogue_flow.notifications")


class LoggingNotifier:
    """The built-in channel: one log line per notification, without personal data.

    Logs the event, the key, the record, the recipients' references (``petitioner:phone``,
    never an address) and the subject (templates never carry a petitioner's name, address,
    phone or e-mail) to the ``dialogue_flow.notifications`` logger at INFO.

    A log line reaches nobody: it returns ``None``, so a row only it took is counted as
    ``logged``, not ``delivered``.
    """

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, to: list[Recipient],
                              ) -> None:
        refs = ", ".join(r.ref for r in to) or "no recipient"
        logger.info("%s %s %s/%s -> %s (%s): %s", notification.event, notification.key,
                    notification.kind, notification.record_id, notification.audience, refs,
                    notification.subject)
