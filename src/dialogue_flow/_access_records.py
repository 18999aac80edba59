"""The access log's records (Law 91/2025/QH15): :class:`AccessEntry`, one read of personal
data through the library, and :class:`AccessQuery`, what a store is asked for.

The log holds ids, never names, phones or addresses: who read (the actor's id), when, why
(the purpose: ``report``, ``find``, ``export``, ``erase``...) and which records (submission
ids) of one organisation. A read covering several organisations' records is one entry per
organisation, so each organisation's log is complete by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from ._errors import InvalidInputError
from ._records import _aware, _record_id
from ._validators import NAME, text

__all__ = ["AccessEntry", "AccessQuery"]


def _ids(value: object) -> tuple[str, ...]:
    """Record ids as a sorted tuple without repeats (a bare string is refused: a classic
    slip that would make one id per character)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInputError("AccessEntry.record_ids", "expected a list of record ids")
    return tuple(sorted(set(value)))


def _check_ids(inst: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not value:
        raise InvalidInputError("AccessEntry.record_ids", "an entry names the records read "
                                "(at least one id)")
    for record_id in value:
        _record_id(inst, attribute, record_id)


def _seq(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 1):
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                "expected a whole number >= 1 (given by the store)")


@attrs.frozen
class AccessEntry:
    """One read of personal data: ``actor_id`` read ``record_ids`` (submissions of
    ``organisation_id``) at ``at`` for ``purpose``. No personal data in it.

    ``seq`` is given by the store when the entry is written (``None`` before): the log's
    order, and the cursor of its pages.
    """

    at: dt.datetime = attrs.field(validator=_aware)
    actor_id: str = attrs.field(validator=_record_id)
    organisation_id: str = attrs.field(validator=_record_id)
    #: Why it was read: ``report``, ``find``, ``export``, ``erase``, or a host's word.
    purpose: str = attrs.field(validator=text(NAME))
    record_ids: tuple[str, ...] = attrs.field(converter=_ids, validator=_check_ids)
    seq: int | None = attrs.field(default=None, validator=_seq)


def _id_set(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInputError("AccessQuery", "expected a set of ids")
    return frozenset(value)


def _optional_aware(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _aware(inst, attribute, value)


@attrs.frozen
class AccessQuery:
    """A page of the access log: the entries passing every given filter, by ``seq``.

    ``organisations``: of these organisations' records; ``actor_id``: read by this actor;
    ``record_ids``: naming any of these records; ``since`` (inclusive) and ``before``
    (exclusive): read within these instants; ``after``: with a ``seq`` above it. A store
    returns at most ``limit`` entries.
    """

    organisations: frozenset[str] | None = attrs.field(default=None, converter=_id_set)
    actor_id: str | None = None
    record_ids: frozenset[str] | None = attrs.field(default=None, converter=_id_set)
    since: dt.datetime | None = attrs.field(default=None, validator=_optional_aware)
    before: dt.datetime | None = attrs.field(default=None, validator=_optional_aware)
    after: int | None = attrs.field(default=None, validator=_seq)
    limit: int = 100

    def matches(self, entry: AccessEntry) -> bool:
        """Whether ``entry`` passes every filter (the reference for backends)."""
        return ((self.organisations is None or entry.organisation_id in self.organisations)
                and (self.actor_id is None or entry.actor_id == self.actor_id)
                and (self.record_ids is None
                     or not self.record_ids.isdisjoint(entry.record_ids))
                and (self.since is None or entry.at >= self.since)
                and (self.before is None or entry.at < self.before)
                and (self.after is None or (entry.seq or 0) > self.after))
