"""``sqlite:`` URLs (split from the SQLite backend to keep it a size one can read)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote

from dialogue_flow._errors import ConfigurationError

__all__ = ["parse_url"]


def parse_url(url: str) -> tuple[str, dict[str, Any]]:
    """``sqlite:///path`` -> (path, options), following SQLAlchemy's spelling."""
    prefix = "sqlite://"
    if not _is_text(url) or not url.startswith(prefix):
        raise ConfigurationError(f"not an SQLite URL: {url!r} (expected sqlite:///path/to/file.db "
                                 "or sqlite:// for an in-memory database)")
    rest, _, query = url[len(prefix):].partition("?")
    if rest == "":
        path = ":memory:"
    elif rest.startswith("/") and rest != "/":
        path = unquote(rest[1:])
        if "\x00" in path:
            raise ConfigurationError(f"bad SQLite URL {url!r}: a file name cannot hold a NUL "
                                     "character")
    else:
        raise ConfigurationError(
            f"bad SQLite URL {url!r}: use sqlite:///relative/path.db, "
            "sqlite:////absolute/path.db or sqlite:// (in memory); there is no host part")
    options: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if name == "busy_timeout":
            try:
                options[name] = float(value)
            except ValueError:
                raise ConfigurationError(f"{url!r}: busy_timeout must be a number of seconds, "
                                         f"not {value!r}") from None
        elif name in ("synchronous", "checkpoint"):
            options[name] = value.lower()
        else:
            raise ConfigurationError(f"{url!r}: unknown option {name!r} "
                                     "(known: busy_timeout, synchronous, checkpoint)")
    return path, options


def _is_text(value: object) -> bool:
    """For arguments from untyped callers (mypy knows they are str)."""
    return isinstance(value, str)
