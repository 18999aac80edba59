"""Passwords, CSRF tokens, and the limits on citizen lookups and log-in attempts.

- Passwords: argon2id through argon2-cffi's :class:`~argon2.PasswordHasher`. An unknown
  login is checked against a hash made at start-up, so it costs what a wrong password
  costs and the answer's timing does not tell which logins exist.
  At most :data:`MAX_CONCURRENT_CHECKS` checks run at once (each takes argon2's 64 MiB and
  the CPUs for a few tenths of a second): a burst of log-ins queues instead of taking every CPU
  from the pages being served.
- CSRF: one random token per session, put in every form as a hidden field and compared
  with :func:`hmac.compare_digest` on every POST.
- Lookups and log-ins: a sliding window of the last minute's attempts per client address,
  in memory (one server process; behind a proxy, run uvicorn with ``--forwarded-allow-ips``
  so the address is the client's).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, MutableMapping
from typing import Any

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["CSRF_FIELD", "MAX_CONCURRENT_CHECKS", "Passwords", "SlidingWindow", "check_csrf",
           "client_key", "csrf_token", "hash_password"]

#: The hidden field of every form holding the session's CSRF token.
CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (argon2-cffi's default parameters)."""
    return PasswordHasher().hash(password)


def _cpus() -> int:
    """The CPUs this process may run on (a container's limit, where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 2


#: Password checks running at once, at most: half the CPUs (one on a 2-CPU machine).
MAX_CONCURRENT_CHECKS = max(1, _cpus() // 2)


class Passwords:
    """Checks a login's password against its stored hash in the same time whether or not
    the login exists, at most ``concurrent`` checks at a time (:meth:`check_async`)."""

    def __init__(self, hashes: dict[str, str],
                 concurrent: int = MAX_CONCURRENT_CHECKS) -> None:
        self._hasher = PasswordHasher()
        self._hashes = hashes
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self.concurrent = concurrent
        self._limiter: anyio.CapacityLimiter | None = None  # made in the server's loop

    def check(self, login: str, password: str) -> bool:
        """Whether ``password`` is ``login``'s; ``False`` for an unknown login, after the
        same work as a wrong password."""
        stored = self._hashes.get(login)
        try:
            self._hasher.verify(self._dummy if stored is None else stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return stored is not None

    async def check_async(self, login: str, password: str) -> bool:
        """:meth:`check` in a worker thread, at most ``concurrent`` at once. The others wait
        in the event loop, not in the threads every page needs: a burst of log-ins queues
        without stalling the pages."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.concurrent)
        return await anyio.to_thread.run_sync(self.check, login, password,
                                              limiter=self._limiter)


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = session[_CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def new_csrf_token(session: MutableMapping[str, Any]) -> str:
    """A fresh token (at log-in: a token seen before it is worth nothing after)."""
    session.pop(_CSRF_KEY, None)
    return csrf_token(session)


def check_csrf(session: MutableMapping[str, Any], submitted: object) -> bool:
    """Whether ``submitted`` (the form's field) is the session's token."""
    expected = session.get(_CSRF_KEY)
    if not isinstance(expected, str) or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


class SlidingWindow:
    """At most ``limit`` hits per client in any ``window`` seconds.

    At most :attr:`MAX_CLIENTS` clients are remembered: past that, the one seen least
    recently is forgotten (its hits were the oldest), so memory stays bounded whatever the
    number of addresses, and each hit costs the same. Clients are keyed by
    :func:`client_key` (an IPv6 address by its /64, which one subscriber holds whole).
    """

    MAX_CLIENTS = 10_000

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, client: str) -> int:
        """Count a hit by ``client``: 0 when allowed, else the seconds to wait (the
        ``Retry-After``) and the hit is not counted."""
        key = client_key(client)
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
                if len(self._hits) > self.MAX_CLIENTS:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return 0

    def forgive(self, client: str) -> None:
        """Take back ``client``'s latest hit (a log-in counted before its password was
        checked, that turned out right: only failures count)."""
        with self._lock:
            hits = self._hits.get(client_key(client))
            if hits:
                hits.pop()


def client_key(address: str) -> str:
    """The key a client is limited by: its IPv4 address, or the /64 network of its IPv6
    address (a subscriber is given a whole /64, so one per address would not limit)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # "unknown", or a test client's name
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
