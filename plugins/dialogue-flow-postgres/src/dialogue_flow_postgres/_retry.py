"""How PostgresStorage decides about a failed attempt: retry it, or tell the host.

See "Transient failures are retried" in :mod:`dialogue_flow_postgres._storage`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import attrs
import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolClosed, PoolTimeout

from dialogue_flow import (
    CommitOutcomeUnknownError,
    DialogueFlowError,
    InvalidInputError,
    StorageError,
)

__all__ = ["Attempt", "Connection", "Retry", "first_line", "retryable", "storage_error",
           "transaction", "translated"]

Connection = psycopg.Connection[Any]


@attrs.define
class Attempt:
    """What one try of an operation got to, for the retry decision."""

    #: The previous attempt failed at a point where it may have been applied.
    maybe_applied: bool = False
    #: COMMIT (or an autocommit write) was sent: from here on the outcome may be unknown.
    committing: bool = False


class Retry(Exception):  # noqa: N818 - a signal inside _run, never seen outside
    """A psycopg failure that ``_run`` decides about (retry or translate)."""

    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.error = error


@contextmanager
def translated() -> Iterator[None]:
    """Hand psycopg errors to ``_run``; turn bad text into :class:`InvalidInputError`."""
    try:
        yield
    except DialogueFlowError:
        raise
    except UnicodeEncodeError as exc:  # a lone surrogate cannot be sent as UTF-8
        raise InvalidInputError("text", f"not valid Unicode text ({exc.reason}); "
                                "nothing was written") from exc
    except psycopg.DataError as exc:
        if "NUL" in str(exc):
            raise InvalidInputError("text", "PostgreSQL cannot store the NUL character "
                                    "(\\x00) in text; nothing was written") from exc
        raise Retry(exc) from exc
    except psycopg.Error as exc:
        raise Retry(exc) from exc


@contextmanager
def transaction(conn: Connection, attempt: Attempt) -> Iterator[None]:
    """``BEGIN`` ... ``COMMIT`` on an autocommit connection, marking when COMMIT is sent;
    on any exception before it, roll back and re-raise."""
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        with suppress(psycopg.Error):  # a dead connection has nothing left to roll back
            conn.execute("ROLLBACK")
        raise
    attempt.committing = True
    conn.execute("COMMIT")


def retryable(exc: psycopg.Error, attempt: Attempt, resumable: bool) -> bool:
    if isinstance(exc, PoolTimeout | PoolClosed):
        return False  # it waited pool_timeout already, or the storage is closed
    if rolled_back(exc):
        return True  # the server says it rolled the transaction back: nothing was applied
    if isinstance(exc, pg_errors.QueryCanceled):
        return False  # statement_timeout or a cancel: repeating would wait again
    if not isinstance(exc, psycopg.OperationalError):
        return False  # integrity, syntax, data: logic errors
    return resumable or not attempt.committing


def rolled_back(exc: psycopg.Error) -> bool:
    """Class 40 (serialization failure, deadlock...): the server rolled back. Except 40003,
    "statement completion unknown", which says just that."""
    state = exc.sqlstate or ""
    return state.startswith("40") and state != "40003"


def storage_error(what: str, exc: psycopg.Error, attempt: Attempt) -> StorageError:
    if isinstance(exc, PoolTimeout):
        return StorageError(f"PostgreSQL {what}: no free connection in the pool ({exc}); "
                            "nothing was written")
    if isinstance(exc, PoolClosed):
        return StorageError(f"PostgreSQL {what}: the storage is closed")
    if attempt.committing and not rolled_back(exc):
        return CommitOutcomeUnknownError(
            f"PostgreSQL {what}: the connection failed while COMMIT was in flight "
            f"({first_line(exc)}); the commit may or may not have been applied: read the "
            "records back (their version tells) before deciding again")
    return StorageError(f"PostgreSQL {what} failed: {first_line(exc)}; nothing was written")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
