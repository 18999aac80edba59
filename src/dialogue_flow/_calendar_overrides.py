"""A calendar's overrides (extra days off, extra working days) from arguments or a TOML file,
checked: every failure is a ``ConfigurationError`` naming where the bad entry came from."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final

from ._errors import ConfigurationError

__all__ = ["check_days_off", "check_working_days", "inline_overrides", "read_overrides_file"]


def _check_day(value: object, source: str) -> date:
    if type(value) is not date:  # a datetime here is a mistake in configuration, not a time
        hint = " (write it unquoted in TOML: 2025-10-07)" if isinstance(value, str) else ""
        raise ConfigurationError(
            f"{source}: expected a date, got {type(value).__name__} {value!r}{hint}")
    return value


def _check_reason(value: object, source: str, day: date) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(
            f"{source}: the reason for {day.isoformat()} must be a non-empty string, "
            f"got {value!r}")
    return value.strip()


def check_days_off(value: object, source: str) -> dict[date, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"{source}: expected a mapping {{date: reason}}, got {type(value).__name__}")
    checked: dict[date, str] = {}
    for raw_day, raw_reason in value.items():
        day = _check_day(raw_day, source)
        checked[day] = _check_reason(raw_reason, source, day)
    return checked


def check_working_days(value: object, source: str) -> dict[date, str | None]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {(d := _check_day(k, source)): _check_reason(r, source, d)
                for k, r in value.items()}
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigurationError(
            f"{source}: expected dates or a mapping {{date: reason}}, got {type(value).__name__}")
    return {_check_day(d, source): None for d in value}


_ENTRY_KEYS: Final = frozenset({"date", "reason"})


def read_overrides_file(path: str | Path) -> tuple[dict[date, str], dict[date, str | None]]:
    """Parse the overrides TOML; every failure becomes a `ConfigurationError` naming the file."""
    name = str(path)
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigurationError(
            f"{name}: cannot read calendar overrides: {exc.strerror or exc}") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError, UnicodeDecodeError
        raise ConfigurationError(f"{name}: not valid TOML: {exc}") from None
    unknown = sorted(data.keys() - {"day_off", "working_day"})
    if unknown:
        raise ConfigurationError(
            f"{name}: unknown section {unknown[0]!r}; expected [[day_off]] or [[working_day]]")
    off = {day: _check_reason(reason, where, day)
           for day, reason, where in _file_entries(name, data, "day_off")}
    working = {day: None if reason is None else _check_reason(reason, where, day)
               for day, reason, where in _file_entries(name, data, "working_day")}
    _check_apart(name, off, working, "")
    return off, working


def inline_overrides(name: str, data: Mapping[str, Any], section: str,
                     ) -> tuple[dict[date, str], dict[date, str]]:
    """The ``[[SECTION.day_off]]`` and ``[[SECTION.working_day]]`` tables of a settings
    file (``data`` is the section), each with a reason, checked like a file's."""
    off: dict[date, str] = {}
    working: dict[date, str] = {}
    for kind, into in (("day_off", off), ("working_day", working)):
        for day, reason, where in _file_entries(name, data, kind, f"{section}."):
            if reason is None:
                raise ConfigurationError(f'{where}: needs a line reason = "..."')
            into[day] = _check_reason(reason, where, day)
    _check_apart(name, off, working, f"{section}.")
    return off, working


def _check_apart(name: str, off: Mapping[date, object], working: Mapping[date, object],
                 prefix: str) -> None:
    both = sorted(off.keys() & working.keys())
    if both:
        raise ConfigurationError(
            f"{name}: {both[0].isoformat()} is listed both as [[{prefix}day_off]] and as "
            f"[[{prefix}working_day]]; keep only one")


def _file_entries(name: str, data: Mapping[str, Any], kind: str, prefix: str = "",
                  ) -> list[tuple[date, object, str]]:
    """The (date, raw reason or None, location) of each ``[[kind]]`` table, checked for shape."""
    entries = data.get(kind, [])
    if not isinstance(entries, list):
        raise ConfigurationError(f"{name}: write [[{prefix}{kind}]] (an array of tables)")
    seen: set[date] = set()
    result = []
    for number, entry in enumerate(entries, start=1):
        where = f"{name}: [[{prefix}{kind}]] #{number}"
        if not isinstance(entry, dict) or "date" not in entry:
            raise ConfigurationError(f"{where}: needs a line date = YYYY-MM-DD")
        extra = sorted(entry.keys() - _ENTRY_KEYS)
        if extra:
            raise ConfigurationError(f"{where}: unknown key {extra[0]!r}")
        day = _check_day(entry["date"], where)
        if day in seen:
            raise ConfigurationError(f"{where}: {day.isoformat()} is listed twice")
        seen.add(day)
        result.append((day, entry.get("reason"), where))
    return result
