"""The SQL of heartbeats and of the outbox backlog (issue 17, part 6), shared by the SQLite
backend and the PostgreSQL plugin: ``dialogue-flow status`` reads both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from dialogue_flow._heartbeats import Heartbeat, OutboxBacklog
from dialogue_flow._records import Notification
from dialogue_flow._serialization import to_json

from . import decode_stored
from ._outbox import OutboxStatus
from ._schema import Dialect

__all__ = ["HeartbeatStatements"]

#: ``fetch(sql, parameters)`` -> rows.
Fetch = Callable[[str, Sequence[object]], Sequence[Sequence[Any]]]


class HeartbeatStatements:
    """The statements of one backend (its dialect, table prefix and instant conversions:
    ``to_db`` turns an aware datetime into what the ``instant`` column holds)."""

    def __init__(self, dialect: Dialect, prefix: str,
                 to_db: Callable[[dt.datetime], object]) -> None:
        q = dialect.placeholder
        self.prefix = p = prefix
        self.placeholder = q
        self.to_db = to_db
        # A later heartbeat of the same job and scope replaces the one kept; an earlier one
        # (a slow run finishing after a quicker one began and ended) does not.
        self.upsert = (
            f"INSERT INTO {p}heartbeats (job, scope, finished_at, record) "  # noqa: S608
            f"VALUES ({q}, {q}, {q}, {q}) ON CONFLICT (job, scope) DO UPDATE SET "
            "finished_at = excluded.finished_at, record = excluded.record "
            "WHERE heartbeats.finished_at <= excluded.finished_at")
        self.select = f"SELECT record FROM {p}heartbeats"  # noqa: S608
        self.notifications = f"SELECT seq, notification FROM {p}outbox WHERE seq IN "  # noqa: S608

    def row(self, heartbeat: Heartbeat) -> tuple[object, ...]:
        """The parameters of :attr:`upsert`."""
        return (heartbeat.job, heartbeat.scope, self.to_db(heartbeat.finished_at),
                to_json(heartbeat))

    def backlog_counts(self, organisations: frozenset[str] | None,
                       ) -> tuple[str, list[object]]:
        """``(organisation_id, status, count, oldest seq)`` of the pending and parked rows."""
        where = "status IN ('pending', 'parked')"
        params: list[object] = []
        if organisations is not None:
            params += sorted(organisations)
            marks = ", ".join([self.placeholder] * len(params)) or "NULL"
            where += f" AND organisation_id IN ({marks})"
        select = (f"SELECT organisation_id, status, count(*), min(seq) "  # noqa: S608
                  f"FROM {self.prefix}outbox WHERE {where} GROUP BY organisation_id, status")
        return select, params

    def backlog(self, fetch: Fetch, organisations: frozenset[str] | None,
                ) -> list[OutboxBacklog]:
        """:meth:`Storage.outbox_backlog <dialogue_flow.storage.Storage.outbox_backlog>`
        through ``fetch``: two queries (the counts, then the oldest pending rows)."""
        counts: dict[str, dict[str, int]] = {}
        oldest: dict[str, int] = {}
        for organisation_id, status, count, first in fetch(*self.backlog_counts(organisations)):
            counts.setdefault(organisation_id, {})[status] = int(count)
            if status == OutboxStatus.PENDING.value:
                oldest[organisation_id] = int(first)
        written: dict[int, dt.datetime] = {}
        if oldest:
            seqs = sorted(oldest.values())
            marks = ", ".join([self.placeholder] * len(seqs))
            for seq, text in fetch(f"{self.notifications}({marks})", seqs):
                written[int(seq)] = decode_stored(Notification, text).created_at
        return [OutboxBacklog(organisation_id,
                              pending=found.get(OutboxStatus.PENDING.value, 0),
                              parked=found.get(OutboxStatus.PARKED.value, 0),
                              oldest_pending_at=written.get(oldest.get(organisation_id, -1)))
                for organisation_id, found in sorted(counts.items())]

    def heartbeats(self, fetch: Fetch) -> list[Heartbeat]:
        """Every heartbeat kept, by job, then scope."""
        beats = [decode_stored(Heartbeat, text) for (text,) in fetch(self.select, ())]
        return sorted(beats, key=lambda beat: (beat.job, beat.scope))
