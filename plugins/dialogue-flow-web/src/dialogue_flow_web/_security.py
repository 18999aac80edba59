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
import math
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["CSRF_FIELD", "MAX_CONCURRENT_CHECKS", "Passwords", "SlidingWindow", "check_csrf",
           "csrf_token", "hash_password"]

#: The hidden field of every form holding the session's CSRF token.
CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (argon2-cffi's default parameters)."""
    return PasswordHasher().hash(password)


#: Password checks running at once, at most: half the CPUs (one on a 2-CPU machine).
MAX_CONCURRENT_CHECKS = max(1, (os.cpu_count() or 2) // 2)


class Passwords:
    """Checks a login's password against its stored hash in the same time whether or not
    the login exists, at most ``concurrent`` checks at a time."""

    def __init__(self, hashes: dict[str, str],
                 concurrent: int = MAX_CONCURRENT_CHECKS) -> None:
        self._hasher = PasswordHasher()
        self._hashes = hashes
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self._slots = threading.BoundedSemaphore(concurrent)

    def check(self, login: str, password: str) -> bool:
        """Whether ``password`` is ``login``'s; ``False`` for an unknown login, after the
        same work as a wrong password."""
        stored = self._hashes.get(login)
        with self._slots:
            try:
                self._hasher.verify(self._dummy if stored is None else stored, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
        return stored is not None


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
    """At most ``limit`` hits per client in any ``window`` seconds."""

    #: Past this many clients, those with no hit in the window are forgotten.
    MAX_CLIENTS = 10_000

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> int:
        """Count a hit by ``client``: 0 when allowed, else the seconds to wait (the
        ``Retry-After``) and the hit is not counted."""
        return self._check(client, count=True)

    def wait(self, client: str) -> int:
        """The seconds ``client`` must wait before its next hit is allowed (0: none),
        counting nothing: for limits on failures, counted with :meth:`hit` afterwards."""
        return self._check(client, count=False)

    def _check(self, client: str, *, count: bool) -> int:
        now = self._clock()
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if not count:
                    return 0
                if len(self._hits) >= self.MAX_CLIENTS:
                    self._forget(now)
                hits = self._hits[client] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            if count:
                hits.append(now)
            return 0

    def _forget(self, now: float) -> None:
        for client in [c for c, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[client]
