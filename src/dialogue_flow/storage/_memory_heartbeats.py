"""The in-memory backend's heartbeats and outbox backlog (issue 17, part 6), a mixin of
:class:`~dialogue_flow.MemoryStorage` kept apart so each module stays a size one can read."""

from __future__ import annotations

import threading

import attrs

from dialogue_flow._heartbeats import Heartbeat, OutboxBacklog, check_heartbeat

from ._outbox import OutboxEntry, OutboxStatus

__all__ = ["MemoryHeartbeats"]


class MemoryHeartbeats:
    """``record_heartbeat``, ``heartbeats`` and ``outbox_backlog`` on the storage's
    dictionaries and lock."""

    _lock: threading.Lock
    _outbox: dict[str, OutboxEntry]
    #: (job, scope) -> the latest heartbeat.
    _heartbeats: dict[tuple[str, str], Heartbeat]

    def record_heartbeat(self, heartbeat: Heartbeat) -> None:
        check_heartbeat(heartbeat)
        ident = (heartbeat.job, heartbeat.scope)
        with self._lock:
            kept = self._heartbeats.get(ident)
            if kept is None or kept.finished_at <= heartbeat.finished_at:
                self._heartbeats[ident] = heartbeat

    def heartbeats(self) -> list[Heartbeat]:
        with self._lock:
            return [beat for _ident, beat in sorted(self._heartbeats.items())]

    def outbox_backlog(self, organisations: frozenset[str] | None = None,
                       ) -> list[OutboxBacklog]:
        with self._lock:
            waiting = [e for e in self._outbox.values()
                       if e.status in (OutboxStatus.PENDING, OutboxStatus.PARKED) and (
                           organisations is None
                           or e.notification.organisation_id in organisations)]
        found: dict[str, OutboxBacklog] = {}
        for entry in waiting:  # in commit order: the first pending row is the oldest
            org = entry.notification.organisation_id
            was = found.get(org, OutboxBacklog(org))
            if entry.status is OutboxStatus.PARKED:
                found[org] = attrs.evolve(was, parked=was.parked + 1)
            else:
                found[org] = attrs.evolve(
                    was, pending=was.pending + 1,
                    oldest_pending_at=was.oldest_pending_at or entry.notification.created_at)
        return [found[org] for org in sorted(found)]
