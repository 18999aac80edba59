"""The SQL of requests about personal data, shared by the SQL backends (issue 17): the
statements that append :class:`~dialogue_flow.AccessEntry` rows, the page of a
:class:`~dialogue_flow.storage.AccessQuery`, and the outbox rows about one record (what an
export lists of the notices sent to a petitioner).

Two tables (schema version 6): ``access_log``, one row per entry (its record ids as a JSON
list, so a page is read without a join), and ``access_log_records``, one row per (record,
entry), clustered by record, which the "about this record" filter reads (an export, an
erase, a citizen asking who read their file). Instants are converted by the backend
(SQLite stores integer microseconds, PostgreSQL ``timestamptz``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from dialogue_flow._access_records import AccessEntry, AccessQuery
from dialogue_flow._errors import InvalidInputError, StorageError
from dialogue_flow._records import Notification

from . import decode_stored
from ._outbox import OutboxEntry, OutboxStatus, decode_deliveries
from ._schema import Dialect
from .sql import _STATUS

__all__ = ["AccessStatements", "InstantIn", "InstantOut"]

#: A backend's conversion of an instant to a parameter, and of a column's value back.
InstantIn = Callable[[dt.datetime], object]
InstantOut = Callable[[Any], dt.datetime]

_COLUMNS = "seq, at, actor_id, organisation_id, purpose, record_ids"


class AccessStatements:
    """The access log's statements for one backend (table names from here, never input)."""

    def __init__(self, dialect: Dialect, prefix: str, instant_in: InstantIn,
                 instant_out: InstantOut) -> None:
        self.placeholder = q = dialect.placeholder
        self.prefix = p = prefix
        self.instant_in, self.instant_out = instant_in, instant_out
        #: One entry (``RETURNING seq`` appended where the engine has it).
        self.insert_entry = (
            f"INSERT INTO {p}access_log (at, actor_id, organisation_id, purpose, "  # noqa: S608
            f"record_ids) VALUES ({q}, {q}, {q}, {q}, {q})")
        #: One (record, entry) pair.
        self.insert_record = (f"INSERT INTO {p}access_log_records (record_id, seq) "  # noqa: S608
                              f"VALUES ({q}, {q})")
        #: The outbox rows whose key begins with a prefix (``submission:ID:``: every key
        #: the library writes about a record begins so), oldest first, as ``(status,
        #: attempts, next_attempt_at, lease_owner, lease_until, last_error, deliveries,
        #: notification)``. ``substr``, not a range on the key's index: a range is only
        #: right under a binary collation, which PostgreSQL's ``text`` need not have; an
        #: export is rare, and the outbox is pruned.
        self.notifications_about = (
            f"SELECT {_STATUS}, attempts, next_attempt_at, lease_owner, "  # noqa: S608
            f"lease_until, last_error, deliveries, notification FROM {p}outbox "
            f"WHERE substr(key, 1, {q}) = {q} ORDER BY seq")

    def entry_row(self, entry: AccessEntry) -> tuple[object, ...]:
        """The parameters of :attr:`insert_entry` for ``entry``."""
        if not isinstance(entry, AccessEntry):
            raise InvalidInputError("entries", f"expected AccessEntry items, got "
                                    f"{type(entry).__name__}")
        return (self.instant_in(entry.at), entry.actor_id, entry.organisation_id,
                entry.purpose, json.dumps(list(entry.record_ids)))

    def page(self, query: AccessQuery) -> tuple[str, list[object]]:
        """``(sql, parameters)`` of the page ``query`` asks for, by ``seq``."""
        q, p = self.placeholder, self.prefix
        where: list[str] = []
        params: list[object] = []
        if query.organisations is not None:
            where.append(_in("organisation_id", len(query.organisations), q))
            params += sorted(query.organisations)
        if query.actor_id is not None:
            where.append(f"actor_id = {q}")
            params.append(query.actor_id)
        if query.record_ids is not None:
            where.append(f"seq IN (SELECT seq FROM {p}access_log_records "  # noqa: S608
                         f"WHERE {_in('record_id', len(query.record_ids), q)})")
            params += sorted(query.record_ids)
        if query.since is not None:
            where.append(f"at >= {q}")
            params.append(self.instant_in(query.since))
        if query.before is not None:
            where.append(f"at < {q}")
            params.append(self.instant_in(query.before))
        if query.after is not None:
            where.append(f"seq > {q}")
            params.append(query.after)
        condition = " AND ".join(where) if where else "1 = 1"
        select = (f"SELECT {_COLUMNS} FROM {p}access_log WHERE {condition} "  # noqa: S608
                  f"ORDER BY seq LIMIT {q}")
        return select, [*params, query.limit]

    def entries(self, rows: Sequence[Sequence[Any]]) -> list[AccessEntry]:
        """The entries of :meth:`page`'s rows; corrupt data is a :class:`StorageError`
        naming the row's ``seq``."""
        found = []
        for seq, at, actor_id, organisation_id, purpose, record_ids in rows:
            try:
                found.append(AccessEntry(
                    at=self.instant_out(at), actor_id=actor_id,
                    organisation_id=organisation_id, purpose=purpose,
                    record_ids=json.loads(record_ids), seq=int(seq)))
            except (ValueError, TypeError) as exc:  # InvalidInputError too; never the data
                raise StorageError(f"access log entry {seq} cannot be read back: "
                                   f"{type(exc).__name__}") from None
        return found


    def about(self, kind: str, record_id: str) -> tuple[str, list[object]]:
        """``(sql, parameters)`` of the outbox rows about one record (see
        :attr:`notifications_about`)."""
        prefix = f"{kind}:{record_id}:"
        return self.notifications_about, [len(prefix), prefix]

    def outbox_entries(self, rows: Sequence[Sequence[Any]], kind: str,
                       record_id: str) -> list[OutboxEntry]:
        """The entries of :meth:`about`'s rows that are about that record."""
        found = []
        for status, attempts, next_at, owner, until, error, deliveries, text in rows:
            note = decode_stored(Notification, text)
            if (note.kind, note.record_id) != (kind, record_id):
                continue
            found.append(OutboxEntry(
                notification=note, status=OutboxStatus(status), attempts=attempts,
                next_attempt_at=None if next_at is None else self.instant_out(next_at),
                lease_owner=owner, lease_until=None if until is None else self.instant_out(until),
                last_error=error, deliveries=decode_deliveries(deliveries)))
        return found


def _in(column: str, count: int, placeholder: str) -> str:
    if not count:
        return "1 = 0"
    return f"{column} IN ({', '.join([placeholder] * count)})"
