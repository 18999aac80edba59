# Copyright (c) 2026 dialogue_flow developers. MIT License.
"""The working-day calendar of Vietnamese state bodies, precomputed for O(1) queries.

Why a table and not ``holidays`` directly: every deadline the library computes, checks
or explains asks "which day is the n-th working day after d?". ``holidays`` answers by
walking day by day (tens of microseconds per call); a committee with hundreds of petitions
asks that question thousands of times per report. So the calendar is built once per
(year range, language, overrides) from ``holidays.country_holidays("VN")`` into flat
arrays indexed by ``date.toordinal() - first_ordinal``:

* ``_after[i]``  = number of working days in ``[first, day i]`` minus one,
* ``_before[i]`` = number of working days in ``[first, day i)``,
* ``_working``   = the working days themselves, in order,

so "the n-th working day after d" is ``_working[_after[i] + n]`` and "the n-th before d" is
``_working[_before[i] + n]``: an index lookup, no loop. The hottest path reads the same
numbers from dicts keyed by the date itself (``_after_of``, ``_before_of``), which saves the
``toordinal()`` call and the range check: a missing key *is* the range check. Built calendars
are cached.

Counting rules (docs/calendar.md has the legal basis): a day is *non-working* if it is a
Saturday or Sunday that the government did not swap into a working day
(``weekend_workdays``), or a public holiday (compensatory days included); host overrides
then win. The start day is never counted (Civil Code art. 147). Outside the built range the
calendar raises `CalendarRangeError`: it never guesses.

Dates: a `datetime.date`, or a timezone-aware `datetime.datetime`, which is read as its
local date in Asia/Ho_Chi_Minh. Naive datetimes, strings and numbers are rejected.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.metadata
import operator
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple, NoReturn, TypeAlias

from ._calendar_overrides import check_days_off, check_working_days, read_overrides_file
from ._calendar_sources import layer_sources, sources
from ._clock import VIETNAM_TZ
from ._errors import CalendarRangeError, ConfigurationError, InvalidInputError

__all__ = ["DEFAULT_YEARS", "Language", "SkippedDay", "SpecialDay", "WorkCalendar"]

Language: TypeAlias = Literal["vi", "en"]
_Day: TypeAlias = date  # NamedTuple fields called ``date`` would shadow the type otherwise

#: 2000-2050 costs ~20 ms to build and ~3.4 MB (benchmarks/calendar.py), plus ~0.8 s once per
#: process to import ``holidays``, which loads every country; hence the lazy imports.
DEFAULT_YEARS: Final = range(2000, 2051)

_HOLIDAYS_LANGUAGE: Final[dict[str, str]] = {"vi": "vi", "en": "en_US"}
_WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
# ``holidays`` names a swapped day off "Ngày nghỉ (thay cho ngày 26/04/2025)"; the date
# format lets us name the matching working Saturday after the day off it pays for.
_SWAP_FORMAT: Final[dict[str, str]] = {"vi": "%d/%m/%Y", "en": "%m/%d/%Y"}
_MAKE_UP: Final[dict[str, str]] = {"vi": "Ngày làm bù", "en": "Make-up working day"}
_MAKE_UP_FOR: Final[dict[str, str]] = {
    "vi": "Ngày làm bù (cho ngày nghỉ {})",
    "en": "Make-up working day (for the day off on {})",
}
_CONFIGURED_WORKING: Final[dict[str, str]] = {
    "vi": "Ngày làm việc (theo cấu hình)",
    "en": "Working day (configured)",
}

# Overrides in hashable, sorted form: the cache key and the fingerprint input.
_DaysOff: TypeAlias = tuple[tuple[date, str], ...]
_WorkingDays: TypeAlias = tuple[tuple[date, str | None], ...]


class SkippedDay(NamedTuple):
    """A non-working day inside a counted interval, and why it does not count."""

    date: _Day
    reason: str


class SpecialDay(NamedTuple):
    """A day that departs from the plain Monday-Friday rule (a holiday, a swap, an override)."""

    date: _Day
    weekday: str  # in the calendar's language, e.g. "Thứ Bảy" / "Saturday"
    reason: str


class WorkCalendar:
    """Immutable working-day calendar over a bounded range of whole years.

    Build it with `WorkCalendar.vietnam` or `WorkCalendar.from_toml` (both cached); two
    calendars are equal when their `fingerprint` is, i.e. when they count identically:
    the language and the wording of override reasons only change explanations.
    """

    __slots__ = (
        "_after", "_after_of", "_args", "_before", "_before_of", "_explained", "_first_ord",
        "_off_ords", "_reasons", "_size", "_weekend_working", "_working", "culture_day_off",
        "fingerprint", "first", "holidays_version", "language", "last", "provisional_years",
    )
    first: date
    last: date
    language: Language
    holidays_version: str
    fingerprint: str
    #: Whether 24 November (from 2026) is a day off (see :meth:`vietnam`).
    culture_day_off: bool
    #: The years of the range whose days off are not all announced yet (their days off
    #: come from ``holidays`` alone, and their explanations say "provisional").
    provisional_years: frozenset[int]
    _args: tuple[int, int, Language, _DaysOff, _WorkingDays, bool]
    _first_ord: int
    _size: int
    _after: list[int]
    _before: list[int]
    _after_of: dict[date, int]
    _before_of: dict[date, int]
    _working: list[date]
    _off_ords: list[int]
    _reasons: dict[int, str]
    _weekend_working: dict[int, str]
    _explained: dict[tuple[int, int], tuple[SkippedDay, ...]]

    def __init__(self) -> None:
        raise TypeError("build a calendar with WorkCalendar.vietnam() or WorkCalendar.from_toml()")

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def vietnam(
        cls,
        *,
        years: range | int = DEFAULT_YEARS,
        language: Language = "vi",
        extra_days_off: Mapping[date, str] | None = None,
        extra_working_days: Mapping[date, str] | Iterable[date] | None = None,
        overrides_file: str | Path | None = None,
        culture_day_off: bool = True,
    ) -> WorkCalendar:
        """The calendar of Vietnamese state bodies for ``years`` (a ``range`` or one year).

        Built from ``holidays`` with the announced days of the shipped data layered over it
        (each with its document; see :mod:`dialogue_flow._calendar_sources`).
        ``culture_day_off``: whether 24 November (Ngày Văn hóa Việt Nam, from 2026) is a day
        off: by default it is (National Assembly Resolution 28/2026/QH16, in force 1 July
        2026; 10065/VPCP-KGVX gives 24/11/2026 as one day off), as ``holidays`` 0.109 has
        it. ``False`` counts it as a working day, for a host whose reading differs.

        ``extra_days_off`` maps a date to the reason it is off (a storm closure);
        ``extra_working_days`` lists dates that are working days although the published
        data say otherwise (a swap announced after the ``holidays`` release), optionally
        with a reason. ``overrides_file`` adds the entries of a TOML file (see
        `from_toml`); an argument's reason wins over the file's for the same date. A date
        both off and working, or outside ``years``, raises `ConfigurationError`.
        """
        first_year, last_year = _check_years(years)
        if language not in _HOLIDAYS_LANGUAGE:
            raise InvalidInputError(
                "language", f"expected 'vi' or 'en', got {language!r}")
        off: dict[date, str] = {}
        working: dict[date, str | None] = {}
        if overrides_file is not None:
            off, working = read_overrides_file(overrides_file)
        off.update(check_days_off(extra_days_off, "extra_days_off"))
        working.update(check_working_days(extra_working_days, "extra_working_days"))
        if not isinstance(culture_day_off, bool):
            raise InvalidInputError("culture_day_off", "expected True or False")
        return _checked_build(first_year, last_year, language, off, working, culture_day_off)

    @classmethod
    def from_toml(
        cls, path: str | Path, *, years: range | int = DEFAULT_YEARS, language: Language = "vi",
    ) -> WorkCalendar:
        """The Vietnamese calendar with the overrides of a TOML file::

            [[day_off]]
            date = 2025-10-07            # a TOML date, unquoted
            reason = "Nghỉ do bão số 11"  # required

            [[working_day]]
            date = 2025-10-11
            reason = "Làm bù cho ngày 07/10"  # optional

        Any problem (missing file, bad TOML, unknown key, wrong type) raises
        `ConfigurationError` naming the file.
        """
        return cls.vietnam(years=years, language=language, overrides_file=path)

    def with_overrides(
        self,
        *,
        extra_days_off: Mapping[date, str] | None = None,
        extra_working_days: Mapping[date, str] | Iterable[date] | None = None,
    ) -> WorkCalendar:
        """This calendar with more overrides: an organisation's own (a storm closure in one
        province). For a date this calendar overrides already, the new entry wins (a day
        this calendar makes a working day can be closed, and the other way round); a date
        both off and working in the new entries, or outside the calendar's years, raises
        `ConfigurationError`.
        """
        first_year, last_year, language, own_off, own_working, culture = self._args
        new_off = check_days_off(extra_days_off, "extra_days_off")
        new_working = check_working_days(extra_working_days, "extra_working_days")
        off = {d: r for d, r in own_off if d not in new_working}
        working = {d: r for d, r in own_working if d not in new_off}
        off.update(new_off)
        working.update(new_working)
        return _checked_build(first_year, last_year, language, off, working, culture)

    # -- queries (the hot paths avoid helper calls on purpose) ------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day of state bodies."""
        try:
            return self._after_of[d] == self._before_of[d]
        except (KeyError, TypeError):  # not a date, or out of range: let _index say which
            i = self._index(d, "d")
            return self._after[i] == self._before[i]

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself is not counted).

        ``n < 0`` counts backwards (the ``|n|``-th working day before ``d``); ``n == 0``
        returns ``d`` unchanged even if it is not a working day.
        """
        if n.__class__ is int:  # excludes bool
            try:
                if n > 0:
                    return self._working[self._after_of[d] + n]
                if n < 0 and (k := self._before_of[d] + n) >= 0:
                    return self._working[k]
            except (KeyError, TypeError, IndexError):
                pass  # not a date, or out of range: the checked path says which
        return self._add_checked(d, n)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]`` if ``b >= a``; minus the working days in ``[b, a)`` if not.

        The asymmetric interval makes it the exact inverse of `add_working_days`:
        ``working_days_between(d, add_working_days(d, n)) == n`` for every ``d`` and ``n``.
        """
        i = self._index(a, "a")
        j = self._index(b, "b")
        if j >= i:
            return self._after[j] - self._after[i]
        return self._before[j] - self._before[i]

    def period_end(self, d: date, days: int) -> date:
        """End of a period of ``days`` calendar days from ``d`` (Civil Code art. 147-148).

        ``d + days``, moved forward to the next working day if it is not one. ``days`` must
        be >= 0; ``days == 0`` gives ``d`` itself, or the next working day.
        """
        i = self._index(d, "d") + _as_count(days, "days")
        if i >= self._size:
            raise self._range_error("days", i)
        k = self._before[i]
        if k >= len(self._working):
            raise self._beyond("days", forward=True)
        return self._working[k]

    def latest_before(self, d: date, days: int) -> date:
        """The last day allowed by "no later than ``days`` days before ``d``".

        ``d - days``, moved back to the previous working day if it is not one (the act must
        happen on a working day, and moving later would break the limit). ``days >= 0``.
        """
        i = self._index(d, "d") - _as_count(days, "days")
        if i < 0:
            raise self._range_error("days", i)
        k = self._after[i]
        if k < 0:
            raise self._beyond("days", forward=False)
        return self._working[k]

    def explain(self, a: date, b: date) -> list[SkippedDay]:
        """The non-working days that `working_days_between(a, b)` did not count, and why.

        Those in ``(a, b]`` when ``b >= a``, those in ``[b, a)`` when ``b < a``; ascending.
        """
        i = self._index(a, "a") + self._first_ord
        j = self._index(b, "b") + self._first_ord
        # Cached per (a, b): every due date a command computes explains its skipped days,
        # and matters assigned the same day share them (lifecycle.py --profile: 11.2 µs of
        # an in-memory event uncached, 1.4 µs cached). Bounded: cleared when full.
        known = self._explained.get((i, j))
        if known is None:
            lo, hi = (i + 1, j + 1) if j >= i else (j, i)
            start = bisect.bisect_left(self._off_ords, lo)
            stop = bisect.bisect_left(self._off_ords, hi)
            known = tuple(SkippedDay(date.fromordinal(o), self._reason(o))
                          for o in self._off_ords[start:stop])
            if len(self._explained) >= _EXPLAINED:
                self._explained.clear()
            self._explained[(i, j)] = known
        return list(known)

    # -- whole-year views (CLI, reports) ----------------------------------------------------

    def days_off(self, year: int) -> list[SpecialDay]:
        """Named days off of ``year``: holidays, compensatory days, overrides (not weekends).

        A holiday falling on a weekend is listed too: it is why a compensatory day exists.
        """
        lo, hi = self._year_bounds(year)
        start = bisect.bisect_left(self._off_ords, lo)
        stop = bisect.bisect_left(self._off_ords, hi)
        return [self._special(o, self._reasons[o])
                for o in self._off_ords[start:stop] if o in self._reasons]

    def working_saturdays(self, year: int) -> list[SpecialDay]:
        """Weekend days of ``year`` that are working days (government swaps, overrides).

        In practice they are all Saturdays; a working Sunday would be listed as well.
        """
        lo, hi = self._year_bounds(year)
        return [self._special(o, r) for o, r in sorted(self._weekend_working.items())
                if lo <= o < hi]

    def working_days_per_month(self, year: int) -> tuple[int, ...]:
        """The number of working days in each month of ``year`` (12 numbers)."""
        self._year_bounds(year)
        counts = []
        for month in range(1, 13):
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            i = start.toordinal() - self._first_ord
            j = end.toordinal() - self._first_ord
            counts.append(self._after[j] - self._before[i] + 1)
        return tuple(counts)

    # -- identity -----------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        _, _, _, off, working, _ = self._args
        return (f"<WorkCalendar {self.fingerprint} language={self.language!r} "
                f"extra_days_off={len(off)} extra_working_days={len(working)}>")

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"WorkCalendar is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"WorkCalendar is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_build, self._args)  # pickles as its recipe; unpickling hits the cache

    # -- internals ------------------------------------------------------------------------------

    def _add_checked(self, d: object, n: object) -> date:
        i = self._index(d, "d")
        n = _as_int(n, "n")
        if n > 0:
            k = self._after[i] + n
            if k < len(self._working):
                return self._working[k]
        elif n < 0:
            k = self._before[i] + n
            if k >= 0:
                return self._working[k]
        else:
            return date.fromordinal(i + self._first_ord)
        raise self._beyond("n", forward=n > 0)

    def _index(self, d: object, field: str) -> int:
        day = d if type(d) is date else _as_date(d, field)
        i = day.toordinal() - self._first_ord
        if not 0 <= i < self._size:
            raise CalendarRangeError(field, day, self.first, self.last)
        return i

    def _range_error(self, field: str, i: int) -> CalendarRangeError:
        """The target date ``first + i`` is outside the range."""
        o = min(max(i + self._first_ord, 1), date.max.toordinal())
        return CalendarRangeError(field, date.fromordinal(o), self.first, self.last)

    def _beyond(self, field: str, *, forward: bool) -> CalendarRangeError:
        """The answer lies past an end of the range; name the first day we know nothing of."""
        return self._range_error(field, self._size if forward else -1)

    def _year_bounds(self, year: int) -> tuple[int, int]:
        year = _as_int(year, "year")
        if not self.first.year <= year <= self.last.year:
            raise CalendarRangeError("year", date(min(max(year, 1), 9999), 1, 1),
                                     self.first, self.last)
        return date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()

    def _reason(self, o: int) -> str:
        return self._reasons.get(o) or _WEEKDAYS[self.language][date.fromordinal(o).weekday()]

    def _special(self, o: int, reason: str) -> SpecialDay:
        d = date.fromordinal(o)
        return SpecialDay(d, _WEEKDAYS[self.language][d.weekday()], reason)


# -- building -------------------------------------------------------------------------------


def _checked_build(first_year: int, last_year: int, language: Language,
                   off: Mapping[date, str], working: Mapping[date, str | None],
                   culture_day_off: bool = True) -> WorkCalendar:
    """The calendar of checked overrides: no date both off and working, none outside the
    years."""
    both = sorted(off.keys() & working.keys())
    if both:
        listed = ", ".join(d.isoformat() for d in both)
        raise ConfigurationError(
            f"calendar overrides contradict each other: {listed} is listed both as a day "
            "off and as a working day; keep only one")
    outside = sorted(d for d in off.keys() | working.keys()
                     if not first_year <= d.year <= last_year)
    if outside:
        raise ConfigurationError(
            f"calendar override {outside[0].isoformat()} lies outside the calendar's years "
            f"{first_year}-{last_year}; widen `years` or remove the override")
    return _build(first_year, last_year, language,
                  tuple(sorted(off.items())), tuple(sorted(working.items())), culture_day_off)



# Building the tables takes ~25 ms (holidays already imported) against 0.07 ms from the
# cache, and hosts build a flow, hence a calendar, per request or per command.
@functools.lru_cache(maxsize=16)  # ~3.4 MB each for the default range
def _build(first_year: int, last_year: int, language: Language,
           days_off: _DaysOff, working_days: _WorkingDays,
           culture_day_off: bool = True) -> WorkCalendar:
    """Compute the tables once per distinct recipe (the CLI and the façade rebuild often)."""
    import holidays  # noqa: PLC0415 - see DEFAULT_YEARS

    source = holidays.country_holidays(
        "VN", years=range(first_year, last_year + 1), language=_HOLIDAYS_LANGUAGE[language])
    first = date(first_year, 1, 1)
    last = date(last_year, 12, 31)
    first_ord = first.toordinal()
    reasons = {d.toordinal(): name for d, name in source.items()}
    weekend_working: dict[int, str] = {}
    swap_fmt = _SWAP_FORMAT[language]
    for d in source.weekend_workdays:
        if first_year <= d.year <= last_year and d not in source:  # a holiday would win
            stamp = d.strftime(swap_fmt)
            paid = next((o for o, name in reasons.items() if stamp in name), None)
            weekend_working[d.toordinal()] = (
                _MAKE_UP[language] if paid is None else _MAKE_UP_FOR[language].format(
                    _show_date(date.fromordinal(paid), language)))
    layer_sources(reasons, weekend_working, first_year, last_year, language, culture_day_off)
    reasons.update((d.toordinal(), r) for d, r in days_off)
    forced_working = {d.toordinal(): r or _CONFIGURED_WORKING[language] for d, r in working_days}
    for o in forced_working:
        reasons.pop(o, None)
    weekend_working.update((o, r) for o, r in forced_working.items()
                           if date.fromordinal(o).weekday() >= 5)
    for d, _ in days_off:
        weekend_working.pop(d.toordinal(), None)

    after: list[int] = []
    before: list[int] = []
    working: list[date] = []
    off_ords: list[int] = []
    days = [date.fromordinal(o) for o in range(first_ord, last.toordinal() + 1)]
    count = 0
    for o, day in enumerate(days, start=first_ord):
        before.append(count)
        weekend = (o + 6) % 7 >= 5  # day.weekday(), cheaper
        if o in forced_working or (o not in reasons and (not weekend or o in weekend_working)):
            working.append(day)
            count += 1
        else:
            off_ords.append(o)
        after.append(count - 1)

    cal = object.__new__(WorkCalendar)
    version = _holidays_version()
    fields: dict[str, object] = {
        "first": first, "last": last, "language": language, "holidays_version": version,
        "fingerprint": f"vn/holidays-{version}+{sources().digest}"
                       f"{'' if culture_day_off else '+no-vh'}/{first_year}-{last_year}/"
                       f"{_overrides_hash(days_off, working_days)}",
        "_args": (first_year, last_year, language, days_off, working_days, culture_day_off),
        "culture_day_off": culture_day_off,
        "provisional_years": frozenset(y for y in range(first_year, last_year + 1)
                                       if sources().provisional(y)),
        "_first_ord": first_ord, "_size": len(after),
        "_after": after, "_before": before, "_working": working, "_off_ords": off_ords,
        "_after_of": dict(zip(days, after, strict=True)),
        "_before_of": dict(zip(days, before, strict=True)),
        "_reasons": reasons, "_weekend_working": weekend_working, "_explained": {},
    }
    for name, value in fields.items():
        object.__setattr__(cal, name, value)
    return cal


#: How many explanations a calendar keeps (see ``explain``).
_EXPLAINED = 4096


def _show_date(d: date, language: Language) -> str:
    """Dates in our own wording: 02/05/2025 in Vietnamese, ISO in English (no US ambiguity)."""
    return d.strftime("%d/%m/%Y") if language == "vi" else d.isoformat()


@functools.cache
def _holidays_version() -> str:
    return importlib.metadata.version("holidays")


def _overrides_hash(days_off: _DaysOff, working_days: _WorkingDays) -> str:
    """Hash the override *dates* only: rewording a reason does not change any count."""
    if not days_off and not working_days:
        return "ov-none"
    text = ";".join([f"off:{d.isoformat()}" for d, _ in days_off]
                    + [f"work:{d.isoformat()}" for d, _ in working_days])
    return "ov-" + hashlib.sha256(text.encode()).hexdigest()[:8]


# -- argument checking ------------------------------------------------------------------------


def _as_date(value: object, field: str) -> date:
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise InvalidInputError(
                field, f"naive datetime {value.isoformat()}: pass a date, or a timezone-aware "
                "datetime (it is read as its local date in Asia/Ho_Chi_Minh)")
        return value.astimezone(VIETNAM_TZ).date()
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    hint = (f"; parse it first, e.g. datetime.date.fromisoformat({value!r})"
            if isinstance(value, str) else "")
    raise InvalidInputError(
        field, f"expected a datetime.date, got {type(value).__name__} {value!r}{hint}")


def _as_int(value: object, field: str) -> int:
    if not isinstance(value, bool):
        try:
            return operator.index(value)  # type: ignore[arg-type]  # int, numpy ints
        except TypeError:
            pass
    raise InvalidInputError(
        field, f"expected a whole number of days (int), got {type(value).__name__} {value!r}")


def _as_count(value: object, field: str) -> int:
    days = value if type(value) is int else _as_int(value, field)
    if days < 0:
        raise InvalidInputError(
            field, f"must be >= 0, got {days}; count the other way with "
            "latest_before()/period_end() instead of a negative number")
    return days


def _check_years(years: object) -> tuple[int, int]:
    from holidays.countries.vietnam import Vietnam  # noqa: PLC0415 - see DEFAULT_YEARS

    supported = range(Vietnam.start_year, Vietnam.end_year + 1)
    if isinstance(years, int) and not isinstance(years, bool):
        years = range(years, years + 1)
    if not isinstance(years, range) or years.step != 1 or not years:
        raise InvalidInputError(
            "years", f"expected a non-empty range of years with step 1 such as "
            f"range(2000, 2051), or one year, got {years!r}")
    if years[0] < supported[0] or years[-1] > supported[-1]:
        raise InvalidInputError(
            "years", f"{years[0]}-{years[-1]} is outside the years the holidays package knows "
            f"for Vietnam ({supported[0]}-{supported[-1]})")
    return years[0], years[-1]
