"""PostgreSQL URLs and options: our own query parameters split off libpq's, passwords kept
out of messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dialogue_flow import ConfigurationError

from ._schemes import SCHEMES

__all__ = ["check_option", "is_text", "parse_url", "redact"]

#: Our own URL query parameters; every other one goes to libpq.
_URL_OPTIONS: dict[str, Callable[[str], object]] = {
    "schema": str, "pool_min_size": int, "pool_max_size": int, "pool_timeout": float,
    "retries": int, "retry_delay": float,
}



def parse_url(url: str) -> tuple[str, dict[str, Any]]:
    """Split our options off a ``postgresql://`` URL; the rest is libpq's."""
    if not is_text(url) or url.split(":", 1)[0].lower() not in SCHEMES:
        raise ConfigurationError(f"not a PostgreSQL URL: {url!r} (expected "
                                 "postgresql://user:password@host:port/dbname)")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ConfigurationError(f"bad PostgreSQL URL {redact(url)!r}: {exc}") from None
    ours: dict[str, Any] = {}
    theirs: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        convert = _URL_OPTIONS.get(name)
        if convert is None:
            theirs.append((name, value))
            continue
        try:
            ours[name] = convert(value)
        except ValueError:
            raise ConfigurationError(f"{redact(url)!r}: {name} must be a "
                                     f"{convert.__name__}, not {value!r}") from None
    return urlunsplit(parts._replace(query=urlencode(theirs))), ours


def redact(conninfo: str) -> str:
    """The connection string without its password, for messages."""
    if "://" in conninfo:
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", conninfo)
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", conninfo)


def is_text(value: object) -> bool:
    """For arguments from untyped callers (mypy knows they are str)."""
    return isinstance(value, str)


def check_option(name: str, value: object, kind: type | tuple[type, ...], low: float,
                  high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:  # type: ignore[operator] # numbers checked by isinstance
        raise ConfigurationError(f"{name}: expected a number in {low}..{high}, got {value!r}")
