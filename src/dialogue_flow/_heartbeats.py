"""Heartbeats: how a store knows its jobs run (issue 17, part 6).

"No deadline slips silently" holds only while the daily sweep and the dispatcher run. Each
records a :class:`Heartbeat` in the store when it finishes: which job, over which
organisations, when, and what it did. A store keeps the latest heartbeat of each job and
scope (a cron job per committee has its own), so ``dialogue-flow status`` can say, per
organisation, when it was last swept and dispatched (:mod:`dialogue_flow._status`), and a
sweep that finds the one before it days old tells the office (:func:`missed_sweep_notices`).

:class:`OutboxBacklog` is what a store says of its outbox per organisation for the same
purpose: rows waiting and how long the oldest has waited, rows parked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._clock import VIETNAM_TZ
from ._errors import InvalidInputError
from ._messages import render
from ._records import Notification, Organisation, _aware, _record_id
from ._validators import NAME, text

if TYPE_CHECKING:
    from ._calendar import WorkCalendar

__all__ = ["DISPATCH", "SWEEP", "Heartbeat", "OutboxBacklog", "check_heartbeat",
           "last_covering", "missed_sweep_notices"]

#: The jobs the library records heartbeats of.
SWEEP = "sweep"
DISPATCH = "dispatch"


def _scope(value: object) -> tuple[str, ...] | None:
    """The organisations a job covered, sorted and without repeats (``None``: every one)."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInputError("Heartbeat.organisations",
                                "expected a set of organisation ids, or None for every one")
    return tuple(sorted(set(value)))


def _check_scope(inst: object, attribute: attrs.Attribute[Any],
                 value: tuple[str, ...] | None) -> None:
    for organisation_id in value or ():
        _record_id(inst, attribute, organisation_id)


def _counts(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise InvalidInputError("Heartbeat.counts", "expected a mapping of name to count")
    for name, count in value.items():
        if not isinstance(name, str) or isinstance(count, bool) or not isinstance(count, int) \
                or count < 0:
            raise InvalidInputError("Heartbeat.counts",
                                    f"expected whole numbers >= 0 by name, got {name!r}")
    return dict(value)


def _optional_day(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, dt.datetime)
                              or not isinstance(value, dt.date)):
        raise InvalidInputError(f"{type(inst).__name__}.{attribute.name}",
                                "expected a datetime.date")


@attrs.frozen
class Heartbeat:
    """One finished run of a job: the sweep (``job="sweep"``) or a dispatch pass
    (``job="dispatch"``).

    No personal data: organisation ids, counts, and the dispatcher's worker name (host and
    process id).
    """

    #: ``"sweep"`` or ``"dispatch"`` (a host may record jobs of its own).
    job: str = attrs.field(validator=text(NAME))
    #: When it finished (timezone-aware).
    finished_at: dt.datetime = attrs.field(validator=_aware)
    #: The organisations it covered, sorted; ``None``: the whole store.
    organisations: tuple[str, ...] | None = attrs.field(default=None, converter=_scope,
                                                        validator=_check_scope)
    #: What it did: the sweep's notices by kind, the dispatcher's outcomes.
    counts: Mapping[str, int] = attrs.field(factory=dict, converter=_counts, hash=False)
    #: The day a sweep swept for.
    day: dt.date | None = attrs.field(default=None, validator=_optional_day)
    #: The dispatcher's worker name.
    worker: str | None = attrs.field(default=None, validator=text(NAME, optional=True))

    @property
    def scope(self) -> str:
        """The key a store keeps this job's latest heartbeat under: ``*`` for the whole
        store, an organisation's id, or the number of organisations and a digest of their
        ids (a province's subtree is hundreds of ids; a key stays short)."""
        if self.organisations is None:
            return "*"
        if len(self.organisations) == 1:
            return self.organisations[0]
        digest = hashlib.sha256("\n".join(self.organisations).encode()).hexdigest()[:16]
        return f"{len(self.organisations)}:{digest}"

    def covers(self, organisation_id: str) -> bool:
        """Whether this run covered ``organisation_id``."""
        return self.organisations is None or organisation_id in self.organisations


def check_heartbeat(value: object) -> Heartbeat:
    """``value`` if it is a :class:`Heartbeat` (for backend authors)."""
    if not isinstance(value, Heartbeat):
        raise InvalidInputError("heartbeat", f"expected a Heartbeat, got "
                                f"{type(value).__name__}")
    return value


@attrs.frozen
class OutboxBacklog:
    """One organisation's outbox rows still waiting for a dispatcher, or for a person."""

    organisation_id: str
    #: Rows not delivered yet (leased, waiting for a retry or never tried).
    pending: int = 0
    #: Rows given up on after repeated failures (``dialogue-flow outbox`` lists them).
    parked: int = 0
    #: When the oldest pending row's notification was written (``None``: none pending).
    oldest_pending_at: dt.datetime | None = None


def last_covering(heartbeats: Iterable[Heartbeat], job: str,
                  organisation_id: str) -> Heartbeat | None:
    """The latest heartbeat of ``job`` that covered ``organisation_id``."""
    found = [beat for beat in heartbeats if beat.job == job and beat.covers(organisation_id)]
    return max(found, key=lambda beat: beat.finished_at, default=None)


def missed_sweep_notices(last_sweeps: Mapping[str, Heartbeat | None],
                         tree: Mapping[str, Organisation],
                         calendars: Callable[[str], WorkCalendar], today: dt.date,
                         now: dt.datetime, language: str) -> list[Notification]:
    """A notice to the office of each organisation whose last sweep was for a day before a
    working day that went by without one, as the sweep for ``today`` finds
    (``last_sweeps``: each organisation's :func:`last_covering` sweep;
    ``calendars(organisation_id)``: its calendar): the reminders and overdue notices of
    those days went out late, or not at all. A sweep run on working days only is not late on
    Monday; a sweep for a day before the last one swept (a back-fill) finds nothing. One
    notice per organisation and last day swept: the key names it, so a sweep run again
    writes nothing new. An organisation never swept gets none (its first sweep is this
    one)."""
    notes = []
    for organisation_id, last in last_sweeps.items():
        if last is None:
            continue
        since = last.day or last.finished_at.astimezone(VIETNAM_TZ).date()
        calendar = calendars(organisation_id)
        start = max(since, calendar.first)
        if start >= today:
            continue
        missed = calendar.working_days_between(start, today) - int(calendar.is_working_day(today))
        if missed < 1:
            continue
        org = tree.get(organisation_id)
        subject, body = render("sweep_missed", language, since=since.isoformat(), days=missed,
                               name=org.name if org is not None else organisation_id)
        notes.append(Notification(
            key=f"sweep_missed:{organisation_id}:{since.isoformat()}",
            event="sweep_missed", kind="organisation", record_id=organisation_id,
            audience="office", subject=subject, body=body, language=language, created_at=now,
            data={"since": since.isoformat(), "working_days": str(missed)},
            organisation_id=organisation_id))
    return notes
