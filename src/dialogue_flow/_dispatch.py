"""Delivering the outbox: :class:`Dispatcher`.

A pass claims a batch of due outbox rows with a lease (so two dispatchers never send the
same row), asks the ``dialogue_flow_recipients`` hooks who gets each one (giving them the
record, its organisation and a :class:`~dialogue_flow.ReadOnlyStore`, so a cron job needs no
flow of the host's), then calls every ``dialogue_flow_deliver`` implementation *one at a
time*: pluggy would stop a fan-out at the first exception, and one broken channel must not
silence the others. A row any channel failed on is retried with exponential back-off and
parked after ``max_attempts``; delivery is therefore at least once, and channels drop
repeats by ``notification.key``.

A row every channel took is settled with what happened: ``delivered`` when a channel
reached a recipient (the outbox keeps each one's :attr:`~dialogue_flow.Recipient.ref`,
never its address), ``logged`` when recipients were named but no channel reached any (the
built-in logging notifier reaches nobody), ``no_recipient`` when no hook named anyone.

Each channel's delivery runs in a thread of its own and is waited for at most its timeout
(``delivery_timeout``, or ``channel_timeouts[plugin name]``): a hung SMS gateway must not
hold the rows this dispatcher claimed until their lease expires. A row a channel timed out on
is released for retry at once (the stuck call is left to finish or die in its daemon thread;
Python cannot stop it). What is stored as a row's ``last_error`` names the channel and the
kind of failure only: an exception's text may quote an address or a phone number (a
notifier's exception may add a ``public_detail`` it vouches for, such as ``HTTP 503``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ._checks import _check_count
from ._clock import Clock, SystemClock
from ._errors import InvalidInputError, NotFoundError, PermanentDeliveryError, PluginError
from ._heartbeats import DISPATCH, Heartbeat
from ._plugins import PluginManager
from ._recipients import Delivery, ReadOnlyStore, Recipient
from ._records import Notification
from .storage import OutboxStatus, Storage

__all__ = ["DispatchResult", "Dispatcher"]

logger = logging.getLogger("dialogue_flow.notifications")


@attrs.frozen
class DispatchResult:
    """What one :meth:`Dispatcher.run_once` pass did."""

    #: Rows a channel delivered to at least one recipient.
    delivered: int = 0
    #: Rows a channel failed on that will be tried again later.
    retried: int = 0
    #: Rows that failed ``max_attempts`` times and wait for a person.
    parked: int = 0
    #: Rows whose recipients no channel reached: only the log line (no SMS or e-mail
    #: notifier installed, none for their channels). Settled, not retried.
    logged: int = 0
    #: Rows no recipients hook named anyone for. Settled, not retried.
    no_recipient: int = 0
    #: The keys of the :attr:`no_recipient` rows, in the order they were dispatched.
    no_recipient_keys: tuple[str, ...] = ()


class Dispatcher:
    """Delivers claimed outbox rows through the ``dialogue_flow_deliver`` hooks.

    :param storage: the storage holding the outbox.
    :param plugins: the plugin manager whose notifiers deliver.
    :param clock: the time used for leases and retries.
    :param worker_id: this dispatcher's name in leases (default: host and process id).
    :param max_attempts: failed attempts after which a row is parked.
    :param backoff: the delay after the first failure; doubled after each further one,
        capped at ``max_backoff``.
    :param lease: how long a claimed row is reserved for this dispatcher.
    :param delivery_timeout: how long one channel may take to deliver one notification.
    :param channel_timeouts: per channel (the notifier plugin's registered name), a
        timeout other than ``delivery_timeout``.
    :param organisations: deliver only these organisations' notifications (a vendor's
        dispatcher per committee); ``None``: every one.
    :param heartbeat_every: a pass records a heartbeat in the store (``dialogue-flow
        status`` reads it) at most this often, busy or idle: a dispatcher polling every
        second does not write every second, nor contend for its heartbeat row with the
        other dispatchers of its scope on every pass (the heartbeat's counts are those of
        the pass that recorded it).
    """

    def __init__(
        self,
        storage: Storage,
        plugins: PluginManager,
        *,
        clock: Clock | None = None,
        worker_id: str | None = None,
        max_attempts: int = 5,
        backoff: dt.timedelta = dt.timedelta(seconds=30),
        max_backoff: dt.timedelta = dt.timedelta(hours=6),
        lease: dt.timedelta = dt.timedelta(minutes=5),
        delivery_timeout: dt.timedelta = dt.timedelta(seconds=30),
        channel_timeouts: Mapping[str, dt.timedelta] | None = None,
        organisations: frozenset[str] | None = None,
        heartbeat_every: dt.timedelta = dt.timedelta(minutes=1),
    ) -> None:
        _check_count("max_attempts", max_attempts)
        timeouts = dict(channel_timeouts or {})
        for field, value in (("backoff", backoff), ("max_backoff", max_backoff),
                             ("lease", lease), ("delivery_timeout", delivery_timeout),
                             ("heartbeat_every", heartbeat_every),
                             *((f"channel_timeouts[{k!r}]", v) for k, v in timeouts.items())):
            if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):  # type: ignore[redundant-expr] # callers may not be typed
                raise InvalidInputError(field, f"expected a positive timedelta, got {value!r}")
        self.storage = storage
        #: What the recipients hooks get to look records up with.
        self.store = ReadOnlyStore(storage)
        self.plugins = plugins
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.lease = lease
        self.delivery_timeout = delivery_timeout
        self.channel_timeouts = timeouts
        #: Claim only these organisations' notifications (``None``: every one).
        self.organisations = organisations
        self.heartbeat_every = heartbeat_every
        #: When this dispatcher last recorded a heartbeat.
        self._last_beat: dt.datetime | None = None

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after the ``attempts``-th attempt failed (1 = the first)."""
        delay: dt.timedelta = self.backoff * 2 ** min(max(attempts - 1, 0), 30)
        return min(delay, self.max_backoff)

    def run_once(self, limit: int = 100) -> DispatchResult:
        """Claim up to ``limit`` due rows and deliver each on every channel."""
        _check_count("limit", limit)
        now = self.clock.now()
        claimed = self.storage.claim_notifications(self.worker_id, now, self.lease, limit,
                                                   self.organisations)
        settled = dict.fromkeys(OutboxStatus, 0)
        unaddressed: list[str] = []
        retried = parked = 0
        for entry in claimed:
            note = entry.notification
            failures, deliveries, named = self._deliver(note)
            if not failures:
                status = (OutboxStatus.DELIVERED if deliveries else
                          OutboxStatus.LOGGED if named else OutboxStatus.NO_RECIPIENT)
                if self._settled(self.storage.mark_delivered(
                        note.key, self.worker_id, status=status, deliveries=deliveries), note):
                    settled[status] += 1
                    if status is OutboxStatus.NO_RECIPIENT:
                        unaddressed.append(note.key)
                        logger.warning("notification %s (%s, for %s): no recipient; see "
                                       "`dialogue-flow outbox`", note.key, note.event,
                                       note.audience)
                continue
            # Stored and logged: the channel and the kind of failure, never the exception's
            # text (it may quote an address or a phone number).
            error = "; ".join(f"{plugin}: {_kind(exc)}" for plugin, exc in failures)
            # A claim counts as an attempt (``entry.attempts`` includes this one). Retrying
            # is pointless only when every failing channel said so.
            permanent = all(isinstance(exc, PermanentDeliveryError) for _, exc in failures)
            if permanent or entry.attempts >= self.max_attempts:
                logger.error("notification %s (%s) parked after %d attempts; failed: %s",
                             note.key, note.event, entry.attempts, error)
                if self._settled(self.storage.mark_failed(note.key, self.worker_id, error,
                                                          None), note):
                    parked += 1
            else:
                # A timeout says nothing about the channel's next answer: try again at once.
                timed_out = all(isinstance(exc, _DeliveryTimeout) for _, exc in failures)
                retry_at = self.clock.now() + (dt.timedelta(0) if timed_out
                                               else self.retry_delay(entry.attempts))
                logger.warning("notification %s (%s) failed, retry at %s; failed: %s",
                               note.key, note.event, retry_at.isoformat(), error)
                if self._settled(self.storage.mark_failed(note.key, self.worker_id, error,
                                                          retry_at), note):
                    retried += 1
        result = DispatchResult(delivered=settled[OutboxStatus.DELIVERED], retried=retried,
                                parked=parked, logged=settled[OutboxStatus.LOGGED],
                                no_recipient=settled[OutboxStatus.NO_RECIPIENT],
                                no_recipient_keys=tuple(unaddressed))
        self._heartbeat(result, claimed=len(claimed))
        return result

    def _heartbeat(self, result: DispatchResult, claimed: int) -> None:
        """Record that this pass finished (see ``heartbeat_every``)."""
        now = self.clock.now()
        if self._last_beat is not None and now - self._last_beat < self.heartbeat_every:
            return
        self.storage.record_heartbeat(Heartbeat(
            DISPATCH, now, organisations=self.organisations, worker=self.worker_id,
            counts={"claimed": claimed, "delivered": result.delivered,
                    "logged": result.logged, "no_recipient": result.no_recipient,
                    "retried": result.retried, "parked": result.parked}))
        self._last_beat = now

    def _settled(self, held: bool, note: Notification) -> bool:
        if not held:
            logger.warning("notification %s: lease lost before the outcome was recorded; "
                           "another dispatcher owns it now", note.key)
        return held

    def _deliver(self, note: Notification,
                 ) -> tuple[list[tuple[str, BaseException]], tuple[Delivery, ...], bool]:
        """Deliver on every channel: the ``(plugin, exception)`` of those that failed, the
        recipients reached, and whether any recipient was named."""
        recipients, failures = self._recipients(note)
        if failures:  # delivering to a partial list would be silently wrong
            return failures, (), bool(recipients)
        addresses = list(dict.fromkeys(r.address for r in recipients))
        reached: dict[Delivery, None] = {}
        for impl in reversed(self.plugins.hook.dialogue_flow_deliver.get_hookimpls()):
            # Fresh lists for each channel: one that edits them must not change the next's.
            arguments = {"notification": note, "recipients": list(addresses),
                         "to": list(recipients)}
            timeout = self.channel_timeouts.get(impl.plugin_name, self.delivery_timeout)
            exc, result = _within(timeout, impl.function, [arguments[n] for n in impl.argnames])
            if exc is not None:
                failures.append((impl.plugin_name, exc))
            else:
                reached.update(dict.fromkeys(_reached(impl.plugin_name, result, recipients)))
        return failures, tuple(reached), bool(recipients)

    def _recipients(self, note: Notification,
                    ) -> tuple[list[Recipient], list[tuple[str, BaseException]]]:
        """Every ``dialogue_flow_recipients`` answer, newest plugin first, each recipient
        once per channel; the ``(plugin, exception)`` of the hooks that failed."""
        context = _Context(note, self.store)
        found: dict[tuple[str | None, str], Recipient] = {}
        failures: list[tuple[str, BaseException]] = []
        for impl in reversed(self.plugins.hook.dialogue_flow_recipients.get_hookimpls()):
            try:
                answer = impl.function(*(context.argument(name) for name in impl.argnames))
                for recipient in _as_recipients(impl.plugin_name, answer):
                    found.setdefault((recipient.channel, recipient.address), recipient)
            except Exception as exc:  # noqa: BLE001 - the row is retried, naming the plugin
                failures.append((f"{impl.plugin_name} (recipients)", exc))
        return list(found.values()), failures


class _Context:
    """The arguments a ``dialogue_flow_recipients`` hook may name, each looked up only when
    a hook names it, once per notification."""

    def __init__(self, note: Notification, store: ReadOnlyStore) -> None:
        self.note = note
        self.store = store
        self._looked_up: dict[str, Any] = {}

    def argument(self, name: str) -> Any:
        if name == "notification":
            return self.note
        if name == "store":
            return self.store
        if name not in self._looked_up:
            self._looked_up[name] = self._record() if name == "record" else self._organisation()
        return self._looked_up[name]

    def _record(self) -> Any:
        """The record, as stored; a confidential matter's petitioner withheld but in a
        notice to the petitioner, which reaches them (issue 17)."""
        if self.note.audience == "petitioner":
            found = self.store._for_petitioner(self.note)  # noqa: SLF001 - same package
            if found is not None:
                return found
        return self.store.find_record(self.note.kind, self.note.record_id)

    def _organisation(self) -> Any:
        try:
            return self.store.get_organisation(self.note.organisation_id)
        except NotFoundError:
            return None


def _as_recipients(plugin: str, answer: object) -> list[Recipient]:
    """A recipients hook's answer as :class:`Recipient` records. A plain address (what the
    hook returned before recipients had references) is named ``<plugin>#<n>`` in the
    outbox, ``n`` its place in the answer: never by the address itself."""
    if answer is None:
        return []
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        raise PluginError(f"dialogue_flow_recipients of {plugin} must return a list of "
                          f"Recipient or of addresses, got {type(answer).__name__}")
    recipients: list[Recipient] = []
    for n, item in enumerate(answer, start=1):
        if isinstance(item, Recipient):
            recipients.append(item)
        elif isinstance(item, str):
            recipients.append(Recipient(f"{plugin}#{n}", item))
        else:
            raise PluginError(f"dialogue_flow_recipients of {plugin}: item {n} is a "
                              f"{type(item).__name__}, not a Recipient nor an address")
    return recipients


def _reached(plugin: str, answer: object, recipients: list[Recipient]) -> list[Delivery]:
    """What a ``dialogue_flow_deliver`` answer says the channel ``plugin`` reached: the
    recipients it returned (of those it was given), or, for a bare channel name (the
    answer before recipients had references), a delivery to recipients it did not name.
    ``None`` or an empty answer: nobody."""
    if not answer:
        return []
    if isinstance(answer, (list, tuple, set, frozenset)) and all(
            isinstance(item, Recipient) for item in answer):
        given = set(recipients)
        return [Delivery(r.ref, plugin) for r in answer if r in given]
    if not isinstance(answer, str):
        logger.warning("dialogue_flow_deliver of %s returned a %s, not Recipient objects; "
                       "recorded as a delivery to recipients it did not name", plugin,
                       type(answer).__name__)
    return [Delivery(None, plugin)]


class _DeliveryTimeout(Exception):  # noqa: N818 - a failure recorded, never raised to callers
    """A channel did not answer within its timeout."""

    def __init__(self, timeout: dt.timedelta) -> None:
        super().__init__(f"no answer within {timeout.total_seconds():g} s")
        self.timeout = timeout


def _kind(exc: BaseException) -> str:
    """What is stored of a failure: its type, and the ``public_detail`` a notifier's
    exception may carry (text it vouches holds no personal data, e.g. ``HTTP 503``)."""
    if isinstance(exc, _DeliveryTimeout):
        return f"timed out ({exc})"
    detail = getattr(exc, "public_detail", None)
    if isinstance(detail, str) and detail:
        return f"{type(exc).__name__}: {detail[:200]}"
    return type(exc).__name__


def _within(timeout: dt.timedelta, function: Callable[..., Any], arguments: list[Any],
            ) -> tuple[BaseException | None, Any]:
    """Call ``function`` in a daemon thread: ``(None, its answer)``, or the exception it
    raised (a :class:`_DeliveryTimeout` if it is still running after ``timeout``)."""
    outcome: list[tuple[BaseException | None, Any]] = []

    def call() -> None:
        try:
            answer = function(*arguments)
        except Exception as exc:  # noqa: BLE001 - reported to the dispatcher
            outcome.append((exc, None))
        else:
            outcome.append((None, answer))

    thread = threading.Thread(target=call, name="dialogue-flow-delivery", daemon=True)
    thread.start()
    thread.join(timeout.total_seconds())
    if not outcome:
        return _DeliveryTimeout(timeout), None
    return outcome[0]

