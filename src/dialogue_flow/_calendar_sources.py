"""The days off and working days the government announced, with their documents (issue 15).

``holidays`` computes Vietnam's public holidays from the Labour Code and lists the swaps it
knows of, but lags behind the yearly announcements (it missed the New Year 2026 swap of
letter 12729/VPCP-KGVX). ``calendars/vietnam.toml``, shipped in the package, records each
announced day with the document that announced it; the calendar layers it over
``holidays`` (and under a host's own overrides). A year the file marks ``announced`` is
complete. A year it marks otherwise, and every year after the last one it lists, is
*provisional* (no announcement recorded yet): explanations of its days off say so. Years
before the first one it lists are history, taken from ``holidays`` as they are.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import tomllib
from importlib import resources
from typing import Any, Final, NamedTuple

from ._errors import ConfigurationError

__all__ = ["Disagreement", "SourcedDay", "Sources", "disagreements", "layer_sources",
           "sources"]

_ENTRY_KEYS: Final = frozenset({"date", "kind", "reason", "reason_en", "document", "issued",
                                "issuer"})
_KINDS: Final = ("day_off", "working_day")
_WHERE: Final = "dialogue_flow/calendars/vietnam.toml"


class SourcedDay(NamedTuple):
    """One announced day: off, or worked although a weekend (or a holiday in ``holidays``)."""

    date: dt.date
    working: bool
    reason: str
    reason_en: str
    document: str
    issued: dt.date
    issuer: str

    def text(self, language: str, name: str | None = None) -> str:
        """``name`` (by default the entry's own reason) with its source, e.g. "Nghỉ Tết
        Dương lịch ... (12729/VPCP-KGVX, 25/12/2025)"."""
        if language == "vi":
            return (f"{name or self.reason} "
                    f"({self.document}, {self.issued.strftime('%d/%m/%Y')})")
        return f"{name or self.reason_en} ({self.document}, {self.issued.isoformat()})"


class Sources(NamedTuple):
    """The shipped data: the announced days, and how far the announcements go."""

    days: tuple[SourcedDay, ...]
    #: ``{year: status}`` of the years the data lists ("announced" or "provisional").
    years: dict[int, str]
    #: Identifies the data's dates and kinds (part of a calendar's fingerprint).
    digest: str

    def provisional(self, year: int) -> bool:
        """Whether ``year`` has no complete announcement recorded yet."""
        if year in self.years:
            return self.years[year] != "announced"
        return bool(self.years) and year > max(self.years)


@functools.cache
def sources() -> Sources:
    """The shipped data, checked once per process.

    :raises ConfigurationError: the file is malformed (a packaging mistake).
    """
    text = resources.files("dialogue_flow").joinpath("calendars/vietnam.toml").read_text(
        encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{_WHERE}: not valid TOML: {exc}") from None
    days = tuple(sorted((_entry(n, raw) for n, raw in enumerate(data.get("entry", []))),
                        key=lambda d: d.date))
    seen: set[dt.date] = set()
    for day in days:
        if day.date in seen:
            raise ConfigurationError(f"{_WHERE}: {day.date.isoformat()} is listed twice")
        seen.add(day.date)
    years: dict[int, str] = {}
    for raw in data.get("year", []):
        if not isinstance(raw, dict) or type(raw.get("year")) is not int or raw.get(
                "status") not in ("announced", "provisional"):
            raise ConfigurationError(f"{_WHERE}: [[year]] needs year = YYYY and status = "
                                     '"announced" or "provisional"')
        years[raw["year"]] = raw["status"]
    recipe = ";".join(f"{d.date.isoformat()}:{'work' if d.working else 'off'}" for d in days)
    digest = "src-" + hashlib.sha256(recipe.encode()).hexdigest()[:8]
    return Sources(days=days, years=years, digest=digest)


def _entry(n: int, raw: Any) -> SourcedDay:
    where = f"{_WHERE}: entry {n + 1}"
    if not isinstance(raw, dict) or set(raw) != _ENTRY_KEYS:
        raise ConfigurationError(f"{where}: expected the keys {', '.join(sorted(_ENTRY_KEYS))}")
    if raw["kind"] not in _KINDS:
        raise ConfigurationError(f"{where}: kind must be one of {', '.join(_KINDS)}")
    for key in ("date", "issued"):
        if type(raw[key]) is not dt.date:
            raise ConfigurationError(f"{where}: {key} must be a date (unquoted in TOML)")
    for key in ("reason", "reason_en", "document", "issuer"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise ConfigurationError(f"{where}: {key} must be non-blank text")
    return SourcedDay(date=raw["date"], working=raw["kind"] == "working_day",
                      reason=raw["reason"], reason_en=raw["reason_en"],
                      document=raw["document"], issued=raw["issued"], issuer=raw["issuer"])


class Disagreement(NamedTuple):
    """A day ``holidays`` counts otherwise than the announcement (or the settings) do."""

    date: dt.date
    #: Whether ``holidays`` alone makes it a working day.
    holidays_working: bool
    #: Whether the calendar counts it as a working day.
    working: bool
    #: The announcement, or why the calendar differs.
    why: str


def disagreements(year: int, language: str, *, culture_day_off: bool = True,
                  ) -> list[Disagreement]:
    """Where ``holidays`` and this calendar's data disagree in ``year``, by date."""
    import holidays  # noqa: PLC0415 - only the check needs it here

    raw = holidays.country_holidays("VN", years=year)

    def raw_working(day: dt.date) -> bool:
        return day not in raw and (day.weekday() < 5 or day in raw.weekend_workdays)

    found = [Disagreement(d.date, raw_working(d.date), d.working, d.text(language))
             for d in sources().days if d.date.year == year and raw_working(d.date) != d.working]
    culture = dt.date(year, 11, 24)
    if year >= 2026 and culture.weekday() < 5 and (culture in raw) != culture_day_off:
        why = (("Ngày Văn hóa Việt Nam (Nghị quyết 28/2026/QH16): cấu hình culture_day_off="
                f"{culture_day_off}") if language == "vi" else
               ("Vietnam Cultural Day (Resolution 28/2026/QH16): the setting "
                f"culture_day_off={culture_day_off}"))
        found.append(Disagreement(culture, culture not in raw, not culture_day_off, why))
    return sorted(found)


#: Said after a day off that only ``holidays`` knows of, in a year not announced yet.
_PROVISIONAL: Final[dict[str, str]] = {"vi": " (tạm tính, chưa có thông báo chính thức)",
                                       "en": " (provisional: not announced yet)"}
#: 24 November, Ngày Văn hóa Việt Nam (Resolution 80-NQ/TW), from this year.
_CULTURE_DAY_FROM: Final = 2026
_CULTURE_DAY: Final[dict[str, str]] = {
    "vi": "Ngày Văn hóa Việt Nam (Nghị quyết 28/2026/QH16)",
    "en": "Vietnam Cultural Day (Resolution 28/2026/QH16)"}


def layer_sources(reasons: dict[int, str], weekend_working: dict[int, str], first_year: int,
                   last_year: int, language: str, culture_day_off: bool) -> None:
    """Over ``holidays``' days (in place): the culture-day setting, "provisional" on the
    days off of years not announced, then the announced days with their documents."""
    data = sources()
    for year in range(max(first_year, _CULTURE_DAY_FROM), last_year + 1):
        o = dt.date(year, 11, 24).toordinal()
        if culture_day_off:
            reasons[o] = _CULTURE_DAY[language]
        else:
            reasons.pop(o, None)
    for table in (reasons, weekend_working):
        for o in table:
            if data.provisional(dt.date.fromordinal(o).year):
                table[o] += _PROVISIONAL[language]
    for day in data.days:
        if not first_year <= day.date.year <= last_year:
            continue
        # A day `holidays` names alike keeps its name (in the calendar's language), with
        # the document beside it; one it does not know takes the entry's own reason.
        o = day.date.toordinal()
        if day.working:
            reasons.pop(o, None)
            if day.date.weekday() >= 5:
                weekend_working[o] = day.text(language, weekend_working.get(o))
        else:
            reasons[o] = day.text(language, reasons.get(o))
            weekend_working.pop(o, None)
