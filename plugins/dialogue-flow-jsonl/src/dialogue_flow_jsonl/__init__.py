"""A ``dialogue_flow`` notifier that appends one JSON line per notification to a file.

Installed, it is the ``dialogue_flow`` entry point ``jsonl``, run where a settings file names it
(``[[plugin]] name = "jsonl"``) or a host loads it, and writes to the
file named by the environment variable ``DIALOGUE_FLOW_JSONL_PATH`` (it does nothing when
the variable is unset). Hosts that want another file register their own instance::

    DialogueFlow.open(url, plugins=[JsonlNotifier("outbox.jsonl")])

Delivery is at least once: readers drop repeated ``key`` values.

The file is a log (hosts ship it with a log collector), so it holds no personal data: each
line names its recipients by reference (``petitioner:phone``), never by address, and a line
reaches nobody: the notifier returns ``None``, and a notification only it took counts as
``logged`` in the outbox, not ``delivered``.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from dialogue_flow import Notification, Recipient, hookimpl

__all__ = ["ENV_VAR", "JsonlNotifier", "plugin"]

#: The environment variable naming the file the entry-point plugin appends to.
ENV_VAR = "DIALOGUE_FLOW_JSONL_PATH"


class JsonlNotifier:
    """Appends each notification, with its recipients' references, as one JSON line.

    :param path: the file to append to; ``None`` reads ``DIALOGUE_FLOW_JSONL_PATH`` at each
        delivery.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else Path(path)
        self._lock = threading.Lock()

    def target(self) -> Path | None:
        """The file deliveries go to now, or ``None`` when none is configured."""
        if self.path is not None:
            return self.path
        configured = os.environ.get(ENV_VAR)
        return Path(configured) if configured else None

    @hookimpl
    def dialogue_flow_deliver(self, notification: Notification, to: list[Recipient],
                              ) -> None:
        """Append ``notification`` to the file, if one is configured. A line reaches
        nobody: ``None`` either way."""
        path = self.target()
        if path is None:
            return
        line = json.dumps({
            "key": notification.key,
            "event": notification.event,
            "kind": notification.kind,
            "record_id": notification.record_id,
            "audience": notification.audience,
            "subject": notification.subject,
            "body": notification.body,
            "language": notification.language,
            "created_at": notification.created_at.isoformat(),
            "responsible": notification.responsible,
            "data": dict(notification.data),
            "recipients": [r.ref for r in to],
        }, ensure_ascii=False)
        with self._lock, path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


#: The instance the ``jsonl`` entry point registers.
plugin = JsonlNotifier()
