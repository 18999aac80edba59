"""Writing the access log (Law 91/2025/QH15): :class:`AccessLogging`, the part of
:class:`~dialogue_flow._flow_core.FlowCore` every command that reads personal data calls.

Reading it back is :meth:`~dialogue_flow.DialogueFlow.access_log`
(``dialogue_flow._personal_data``); the records are in ``dialogue_flow._access_records``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._access_records import AccessEntry
from ._checks import _check_actor
from ._errors import InvalidInputError
from ._records import Actor, Submission

if TYPE_CHECKING:
    from ._clock import Clock
    from .storage import Storage

__all__ = ["AccessLogging"]


class AccessLogging:
    """Appends to the access log (a base of ``FlowCore``)."""

    storage: Storage
    clock: Clock

    def _log_access(self, actor: Actor, purpose: str, records: Iterable[Submission]) -> None:
        """Record that ``actor`` read the personal data of ``records`` for ``purpose``
        (``"report"``, ``"find"``, ``"export"``, ``"erase"``...): one entry per
        organisation of the records, all in one transaction of their own; nothing when there
        are no records.

        Call it once the read succeeded and before its data is returned: a read that could
        not be logged fails (:class:`StorageError`) instead of going unrecorded.
        """
        _check_actor(actor)
        by_organisation: dict[str, set[str]] = {}
        for record in records:
            if not isinstance(record, Submission):
                raise InvalidInputError("records", "expected Submission records, got "
                                        f"{type(record).__name__}")
            by_organisation.setdefault(record.organisation_id, set()).add(record.id)
        if not by_organisation:
            return
        now = self.clock.now()
        self.storage.log_access([
            AccessEntry(at=now, actor_id=actor.id, organisation_id=org_id, purpose=purpose,
                        record_ids=tuple(ids))
            for org_id, ids in sorted(by_organisation.items())])
