"""Every extension point a host implements, in one place.

A host or plugin that supplies its own storage, clock, id scheme or authorisation rule
types it against these names; each is defined beside the code that calls it and listed
here, so this module is the index:

- :class:`Storage` (and the optional :class:`ReportFacts`): a storage backend; the full
  contract, with ``Changeset`` and the queries, is :mod:`dialogue_flow.storage`;
- :class:`FileStore`: where attachments' files are kept (a folder by default);
- :class:`Clock`: where "now" and "today" come from;
- :data:`IdFactory`: ``prefix -> new record id``;
- :data:`Authorizer`: ``(actor, action, record) -> True / False / None`` (no opinion).

Plugins implement hooks instead (:mod:`dialogue_flow.hookspecs`).
"""

from __future__ import annotations

from ._clock import Clock
from ._files import FileStore
from ._flow_core import Authorizer
from ._ids import IdFactory
from .storage import ReportFacts, Storage

__all__ = ["Authorizer", "Clock", "FileStore", "IdFactory", "ReportFacts", "Storage"]
