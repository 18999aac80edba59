"""Whether a store's jobs run: :func:`store_status`, behind ``DialogueFlow.status()`` and
``dialogue-flow status`` (issue 17, part 6).

Per organisation: when the sweep and a dispatcher last finished for it (their heartbeats,
:mod:`dialogue_flow._heartbeats`), the outbox rows still waiting and how long the oldest
has waited, the rows parked, and the matters overdue. A status names its problems, so a
monitoring job needs only the exit code (:attr:`StoreStatus.exit_code`):

==== =========================================================================
0    the sweep ran recently enough for every organisation and nothing is stuck
3    the sweep has not run for longer than ``max_sweep_age`` (or never) for one
4    the outbox is stuck: a row has waited longer than ``max_pending_age``, or
     more rows are parked than ``max_parked``
5    both
==== =========================================================================

(1 and 2 are the command line's own: an error, a usage mistake.)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._clock import VIETNAM_TZ
from ._errors import ConfigurationError, InvalidInputError
from ._heartbeats import DISPATCH, SWEEP, Heartbeat, OutboxBacklog, last_covering
from ._records import DEFAULT_ORGANISATION

if TYPE_CHECKING:
    from ._flow import DialogueFlow

__all__ = ["EXIT_BACKLOG_STUCK", "EXIT_BOTH", "EXIT_SWEEP_LATE", "OrganisationStatus",
           "StatusThresholds", "StoreStatus", "store_status", "thresholds_from"]

EXIT_SWEEP_LATE = 3
EXIT_BACKLOG_STUCK = 4
EXIT_BOTH = 5

#: The problems a status names, per organisation.
SWEEP_LATE = "sweep_late"
SWEEP_NEVER = "sweep_never"
PENDING_STUCK = "pending_stuck"
PARKED = "parked"

_PAGE = 1000


def _positive(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise InvalidInputError(f"StatusThresholds.{attribute.name}",
                                f"expected a positive timedelta, got {value!r}")


def _count(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"StatusThresholds.{attribute.name}",
                                f"expected a whole number >= 0, got {value!r}")


@attrs.frozen
class StatusThresholds:
    """When a status says something is wrong."""

    #: The sweep is late past this age (a day, and two hours' slack for a daily job).
    max_sweep_age: dt.timedelta = attrs.field(default=dt.timedelta(hours=26),
                                              validator=_positive)
    #: The outbox is stuck when its oldest pending row is older (dispatchers retry a failing
    #: row within minutes and park it after a few attempts).
    max_pending_age: dt.timedelta = attrs.field(default=dt.timedelta(hours=1),
                                                validator=_positive)
    #: The outbox is stuck when more rows than this are parked (a person must look).
    max_parked: int = attrs.field(default=0, validator=_count)


@attrs.frozen
class OrganisationStatus:
    """One organisation's jobs and backlog, as of :attr:`StoreStatus.checked_at`."""

    organisation_id: str
    #: When the last sweep that covered it finished (``None``: never).
    last_sweep: dt.datetime | None
    #: When the last dispatch pass that covered it finished (``None``: never).
    last_dispatch: dt.datetime | None
    #: Outbox rows waiting, and when the oldest one's notification was written.
    pending: int
    oldest_pending_at: dt.datetime | None
    #: Outbox rows parked (``dialogue-flow outbox`` lists them).
    parked: int
    #: Open matters past their due date (not those handled by another organisation).
    overdue: int
    #: What is wrong: ``sweep_late``, ``sweep_never``, ``pending_stuck``, ``parked``.
    problems: tuple[str, ...] = ()


@attrs.frozen
class StoreStatus:
    """Every organisation's :class:`OrganisationStatus` and the problems found."""

    checked_at: dt.datetime
    thresholds: StatusThresholds
    organisations: tuple[OrganisationStatus, ...]

    @property
    def sweep_late(self) -> bool:
        """The sweep has not run within ``max_sweep_age`` for some organisation."""
        return any({SWEEP_LATE, SWEEP_NEVER} & set(o.problems) for o in self.organisations)

    @property
    def backlog_stuck(self) -> bool:
        """Some organisation's outbox has a row waiting too long, or too many parked."""
        return any({PENDING_STUCK, PARKED} & set(o.problems) for o in self.organisations)

    @property
    def exit_code(self) -> int:
        """0, or 3 (sweep late), 4 (outbox stuck), 5 (both): see the module docstring."""
        if self.sweep_late and self.backlog_stuck:
            return EXIT_BOTH
        if self.sweep_late:
            return EXIT_SWEEP_LATE
        return EXIT_BACKLOG_STUCK if self.backlog_stuck else 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: instants in ISO 8601, ages in seconds (for monitoring)."""
        def instant(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        def age(value: dt.datetime | None) -> int | None:
            return None if value is None else int((self.checked_at - value).total_seconds())

        return {
            "checked_at": self.checked_at.isoformat(),
            "exit_code": self.exit_code,
            "sweep_late": self.sweep_late,
            "backlog_stuck": self.backlog_stuck,
            "thresholds": {
                "max_sweep_age_seconds": int(self.thresholds.max_sweep_age.total_seconds()),
                "max_pending_age_seconds": int(
                    self.thresholds.max_pending_age.total_seconds()),
                "max_parked": self.thresholds.max_parked},
            "organisations": [{
                "organisation": o.organisation_id,
                "last_sweep": instant(o.last_sweep), "sweep_age_seconds": age(o.last_sweep),
                "last_dispatch": instant(o.last_dispatch),
                "dispatch_age_seconds": age(o.last_dispatch),
                "pending": o.pending, "oldest_pending_at": instant(o.oldest_pending_at),
                "oldest_pending_age_seconds": age(o.oldest_pending_at),
                "parked": o.parked, "overdue": o.overdue, "problems": list(o.problems),
            } for o in self.organisations],
        }


def store_status(flow: DialogueFlow, scope: frozenset[str] | None,
                 thresholds: StatusThresholds, now: dt.datetime) -> StoreStatus:
    """The status of the organisations in ``scope`` (``None``: every one the store holds,
    and the default one when it holds none or has rows of it)."""
    storage = flow.storage
    beats = storage.heartbeats()
    backlog = {b.organisation_id: b for b in storage.outbox_backlog(scope)}
    overdue = Counter(_overdue_organisations(flow, scope, now.astimezone(VIETNAM_TZ).date()))
    if scope is None:
        stored = [org.id for org in storage.find_organisations()]
        names = set(stored) | set(backlog) | set(overdue)
        if not stored:
            names.add(DEFAULT_ORGANISATION)
    else:
        names = set(scope)
    return StoreStatus(now, thresholds, tuple(
        _one(org_id, beats, backlog.get(org_id), overdue.get(org_id, 0), thresholds, now)
        for org_id in sorted(names)))


def _one(org_id: str, beats: Sequence[Heartbeat], backlog: OutboxBacklog | None,
         overdue: int, thresholds: StatusThresholds, now: dt.datetime) -> OrganisationStatus:
    sweep = last_covering(beats, SWEEP, org_id)
    dispatch = last_covering(beats, DISPATCH, org_id)
    backlog = backlog or OutboxBacklog(org_id)
    problems = []
    if sweep is None:
        problems.append(SWEEP_NEVER)
    elif now - sweep.finished_at > thresholds.max_sweep_age:
        problems.append(SWEEP_LATE)
    if backlog.oldest_pending_at is not None and (
            now - backlog.oldest_pending_at > thresholds.max_pending_age):
        problems.append(PENDING_STUCK)
    if backlog.parked > thresholds.max_parked:
        problems.append(PARKED)
    return OrganisationStatus(
        org_id, sweep.finished_at if sweep else None,
        dispatch.finished_at if dispatch else None, backlog.pending,
        backlog.oldest_pending_at, backlog.parked, overdue, tuple(problems))


def _overdue_organisations(flow: DialogueFlow, scope: frozenset[str] | None,
                           today: dt.date) -> Iterator[str]:
    """The organisation of each open matter past its due date: from the sweep's covering
    index when the backend has one (one pass), else page by page."""
    from .storage import ReportFacts, SubmissionQuery  # noqa: PLC0415 - settings read fast

    storage = flow.storage
    if isinstance(storage, ReportFacts):
        yesterday = today - dt.timedelta(days=1)
        yield from (f.organisation_id for f in storage.due_facts(dt.date.min, yesterday, scope))
        return
    after = None
    while True:
        page = storage.find_submissions(SubmissionQuery(
            overdue_as_of=today, organisations=scope, limit=_PAGE, after=after))
        yield from (s.organisation_id for s in page)
        if len(page) < _PAGE:
            return
        after = page[-1].id


#: The ``[status]`` keys of a settings file, and what each expects.
STATUS_KEYS: Mapping[str, str] = {
    "max_sweep_age_hours": "hours (a number > 0) after which the sweep is late",
    "max_pending_age_minutes": "minutes (a number > 0) after which a pending row is stuck",
    "max_parked": "a whole number >= 0 of parked rows tolerated",
}


def thresholds_from(where: str, table: object) -> StatusThresholds:
    """The ``[status]`` table of a settings file (``where`` names it in errors).

    :raises ConfigurationError: an unknown key or a value of the wrong type.
    """
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{where}: status: expected a [status] table, got "
                                 f"{type(table).__name__}")
    unknown = sorted(set(table) - set(STATUS_KEYS))
    if unknown:
        raise ConfigurationError(f"{where}: unknown key status.{unknown[0]!r}; expected some "
                                 f"of {', '.join(sorted(STATUS_KEYS))}")
    options: dict[str, Any] = {}
    for key, unit, name in (("max_sweep_age_hours", "hours", "max_sweep_age"),
                            ("max_pending_age_minutes", "minutes", "max_pending_age")):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigurationError(f"{where}: status.{key}: expected {STATUS_KEYS[key]}, "
                                         f"got {value!r}")
            options[name] = dt.timedelta(**{unit: value})
    if "max_parked" in table:
        value = table["max_parked"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigurationError(f"{where}: status.max_parked: expected "
                                     f"{STATUS_KEYS['max_parked']}, got {value!r}")
        options["max_parked"] = value
    return StatusThresholds(**options)
