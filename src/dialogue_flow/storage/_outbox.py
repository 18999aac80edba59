"""The outbox's rows as backends hand them out, and the argument checks every backend
shares (re-exported by :mod:`dialogue_flow.storage`, where backends import them from), so
a backend's errors match the built-in ones'."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

import attrs

from dialogue_flow._errors import InvalidInputError, StorageError
from dialogue_flow._recipients import Delivery
from dialogue_flow._records import Notification
from dialogue_flow._serialization import from_json, to_json

__all__ = [
    "MAX_PAGE",
    "SETTLED",
    "OutboxEntry",
    "OutboxStatus",
    "check_claim",
    "check_instant",
    "check_limit",
    "check_retry",
    "check_settled",
    "check_status",
    "check_worker",
    "decode_deliveries",
    "encode_deliveries",
]

#: The largest page a query returns; ``after`` pages further.
MAX_PAGE = 10_000


class OutboxStatus(enum.StrEnum):
    """Where an outbox row stands.

    A dispatched row is settled as one of three statuses, never claimed again: a channel
    reached someone (``delivered``), recipients were named but no channel reached any of
    them (``logged``: the built-in logging notifier's line reaches nobody), or nobody was
    named (``no_recipient``). SQL backends keep the three as status ``delivered`` and the
    ``outcome`` column (``NULL`` on rows settled before schema version 5: delivered).
    """

    #: Waiting for delivery (possibly leased to a dispatcher right now, or waiting for a retry).
    PENDING = "pending"
    #: A channel reached at least one recipient; never claimed again.
    DELIVERED = "delivered"
    #: Gave up after repeated failures; an operator must look at ``last_error``.
    PARKED = "parked"
    #: Recipients were named, but no channel reached one (only logged); never claimed again.
    LOGGED = "logged"
    #: No recipients hook named anyone; never claimed again.
    NO_RECIPIENT = "no_recipient"


#: The statuses a dispatcher settles a row with (:meth:`Storage.mark_delivered`).
SETTLED: frozenset[OutboxStatus] = frozenset({
    OutboxStatus.DELIVERED, OutboxStatus.LOGGED, OutboxStatus.NO_RECIPIENT})


@attrs.frozen
class OutboxEntry:
    """One outbox row as a dispatcher sees it when it claims it.

    Instants are timezone-aware (backends may normalise them to UTC; compare instants, not
    their offsets).
    """

    notification: Notification
    status: OutboxStatus = OutboxStatus.PENDING
    #: Delivery attempts started, this one included: a claim counts as an attempt, so a
    #: notification that crashes its dispatcher still reaches the parking limit.
    attempts: int = 0
    #: Not claimable before this instant (``None``: as soon as it is committed).
    next_attempt_at: dt.datetime | None = None
    #: The dispatcher holding (or that last held) the lease.
    lease_owner: str | None = None
    #: The lease is valid while ``now < lease_until``; afterwards anyone may claim the row.
    lease_until: dt.datetime | None = None
    #: What the last failed attempt reported.
    last_error: str | None = None
    #: Of a settled row: the recipients each channel reached, by reference (no addresses).
    deliveries: tuple[Delivery, ...] = ()

    @property
    def key(self) -> str:
        """The notification's stable idempotency key."""
        return self.notification.key


# --- argument checks shared by every backend's outbox ---------------------------------------

def check_claim(worker: object, now: object, lease: object, limit: object) -> None:
    """Reject bad :meth:`Storage.claim_notifications` arguments (for backend authors)."""
    check_worker(worker)
    check_instant("now", now)
    if not isinstance(lease, dt.timedelta) or lease <= dt.timedelta(0):
        raise InvalidInputError("lease", f"expected a positive timedelta, got {lease!r}")
    try:
        now + lease  # type: ignore[operator] # checked above
    except OverflowError:
        raise InvalidInputError("lease", f"{lease!r} after {now!r} is past year 9999") from None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputError("limit", f"expected a whole number >= 1, got {limit!r}")


def check_limit(limit: object) -> int:
    """A page size: a whole number from 1 to :data:`MAX_PAGE` (the façade's own rule)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputError("limit", f"expected a whole number >= 1, got {limit!r}")
    if limit > MAX_PAGE:
        raise InvalidInputError("limit", f"at most {MAX_PAGE} per page; use `after` to page")
    return limit


def check_retry(error: object, retry_at: object) -> None:
    """Reject bad :meth:`Storage.mark_failed` arguments (for backend authors)."""
    if not isinstance(error, str):
        raise InvalidInputError("error", f"expected text, got {type(error).__name__}")
    if retry_at is not None:
        check_instant("retry_at", retry_at)


def check_settled(status: object, deliveries: object) -> tuple[OutboxStatus,
                                                               tuple[Delivery, ...]]:
    """Check :meth:`Storage.mark_delivered`'s ``status`` and ``deliveries`` (for backend
    authors); return them as an :class:`OutboxStatus` and a tuple."""
    if not isinstance(status, str) or status not in SETTLED:
        raise InvalidInputError("status", f"{status!r} does not settle a row; expected one "
                                f"of {', '.join(sorted(SETTLED))}")
    if isinstance(deliveries, (str, bytes)) or not isinstance(deliveries, (list, tuple)):
        raise InvalidInputError("deliveries", "expected a list of Delivery, got "
                                f"{type(deliveries).__name__}")
    for delivery in deliveries:
        if not isinstance(delivery, Delivery):
            raise InvalidInputError("deliveries", "expected Delivery items, got "
                                    f"{type(delivery).__name__}")
    return OutboxStatus(status), tuple(deliveries)


def check_status(status: object) -> OutboxStatus:
    """``status`` as an :class:`OutboxStatus` (for :meth:`Storage.outbox_entries`)."""
    if isinstance(status, str) and status in OutboxStatus.__members__.values():
        return OutboxStatus(status)
    raise InvalidInputError("status", f"{status!r} is not one of: {', '.join(OutboxStatus)}")


def encode_deliveries(deliveries: Sequence[Delivery]) -> str | None:
    """The JSON a SQL backend stores of a row's deliveries (``None`` for none)."""
    return to_json(list(deliveries)) if deliveries else None


def decode_deliveries(text: str | None) -> tuple[Delivery, ...]:
    """The deliveries :func:`encode_deliveries` stored; corrupt data is a
    :class:`StorageError`."""
    if text is None:
        return ()
    try:
        return from_json(tuple[Delivery, ...], text)
    except InvalidInputError as exc:
        raise StorageError(f"an outbox row's deliveries cannot be read back: {exc}") from None


def check_worker(worker: object) -> None:
    if not isinstance(worker, str) or not worker.strip():
        raise InvalidInputError("worker", f"expected a non-blank dispatcher name, got {worker!r}")


def check_instant(field: str, value: object) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise InvalidInputError(field, f"expected a timezone-aware datetime, got {value!r}")
