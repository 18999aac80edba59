"""A retry helper for automated callers whose command does not depend on what a person saw.

A web form submits the version the clerk saw (``expected_version=``) and shows a conflict as
"changed by someone else, reload" (HTTP 409): retrying it would overwrite a decision the
clerk never read. A cron job or an import that reads and decides afresh on every attempt can
simply try again; :func:`retry_on_conflict` does that a few times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ._checks import _check_count
from ._errors import InvalidInputError, VersionConflictError

__all__ = ["retry_on_conflict"]

T = TypeVar("T")


def retry_on_conflict(command: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``command``; when it fails with :class:`VersionConflictError` (another process
    committed a change to a record it read), run it again, at most ``attempts`` times in all.

    ``command`` must read afresh each time (``lambda: flow.assign(sub_id, ...)``, not a
    record read before, nor a fixed ``expected_version=``, which would conflict every time).
    Any other error is raised at once; the last conflict is raised when the attempts run out.

    :raises InvalidInputError: ``command`` is not callable or ``attempts`` is not >= 1.
    """
    if not callable(command):
        raise InvalidInputError("command", f"expected a callable taking no arguments, got "
                                f"{type(command).__name__}")
    _check_count("attempts", attempts)
    for left in range(attempts - 1, -1, -1):
        try:
            return command()
        except VersionConflictError:
            if left == 0:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
