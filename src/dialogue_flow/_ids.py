"""Record ids: short, unique across processes, and ordered by creation time."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable

from ._tracking import tracking_code_from

__all__ = ["IdFactory", "SequentialIds", "time_ordered_id"]

#: Makes a new id for a record kind prefix ("dlg", "sub").
IdFactory = Callable[[str], str]

_last = 0
_lock = threading.Lock()


def time_ordered_id(prefix: str) -> str:
    """``prefix-`` + milliseconds since the epoch (hex) + 24 random bits.

    Ids sort by creation time across processes (paging is by id) and two workers creating
    records in the same millisecond collide with probability 2**-24 per pair.
    """
    global _last  # noqa: PLW0603 - one counter per process keeps ids strictly increasing
    with _lock:
        now = max(time.time_ns() // 1_000_000, _last)
        _last = now
    return f"{prefix}-{now:011x}{secrets.randbits(24):06x}"


class SequentialIds:
    """Deterministic ids (``dlg-0001``, ``sub-0001``, ...) for tests, demos and examples;
    a flow built with them also gives deterministic tracking codes (:meth:`tracking_code`).

    Only safe with a single writer: two processes would hand out the same ids. Never for
    real data: its tracking codes can be worked out by anyone.
    """

    def __init__(self, width: int = 4) -> None:
        self._width = width
        self._number = f"{{:0{width}d}}".format  # built once: a call is 1 µs cheaper
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def __call__(self, prefix: str) -> str:
        counter = self._counters.get(prefix)
        if counter is None:
            with self._lock:
                counter = self._counters.setdefault(prefix, itertools.count(1))
        # next() on an itertools.count is atomic under the GIL (one C call), as the lock was.
        return f"{prefix}-{self._number(next(counter))}"

    def tracking_code(self) -> str:
        """The next of a fixed sequence of valid tracking codes (the flow asks for one per
        submission it receives)."""
        return tracking_code_from(self(_CODE_SEED))


#: The prefix of the ids a SequentialIds derives its tracking codes from.
_CODE_SEED = "tracking-code"
