"""Deadline policies: the legal time limits as data, each with its legal basis.

A policy is a set of :class:`DeadlineRule` (a count of working or calendar days, after or
before an anchor event) and :class:`ReportRule` (the reports it asks for: a period and the
day the report is due). Policies are plain TOML files: the default one is the seed's plan
(``policies/seed-plan.toml``); ``complaints-2011`` shows the mechanism is general;
``215-KL`` lists the report periods of Conclusion 215-KL/TW without dates (hosts add the
dates their provincial office sets); hosts load their own with
:meth:`DeadlinePolicy.from_toml` or contribute them through a plugin. A policy and each of
its rules may carry the dates they are in force (``effective_from``/``effective_until``; the
policy's apply to its rules that name none).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import attrs

from ._errors import CalendarRangeError, ConfigurationError
from ._records import Deadline
from ._withheld import ConfidentialRules, confidential_rules

if TYPE_CHECKING:
    from ._calendar import WorkCalendar

__all__ = [
    "Anchor",
    "DeadlinePolicy",
    "DeadlineRule",
    "Direction",
    "Purpose",
    "ReportDue",
    "ReportRule",
    "Unit",
    "bundled_policies",
]


class Unit(enum.StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


class Direction(enum.StrEnum):
    AFTER = "after"  # due no later than N days after the anchor
    BEFORE = "before"  # must happen no later than N days before the anchor


class Anchor(enum.StrEnum):
    """The event a period counts from (the anchor day itself is not counted)."""

    DIALOGUE_DATE = "dialogue_date"  # the day the dialogue is scheduled for
    DIALOGUE_HELD = "dialogue_held"  # the day it actually took place
    CONCLUSION_NOTICE = "conclusion_notice"  # the day the chair's notice was issued
    ASSIGNED = "assigned"  # the day a department (or higher level) took the matter
    RECEIVED = "received"  # the day the submission was recorded


class Purpose(enum.StrEnum):
    """What a rule's deadline is for; the façade asks the policy by purpose."""

    ANNOUNCEMENT = "announcement"
    CONCLUSION_NOTICE = "conclusion_notice"
    WRITTEN_ANSWER = "written_answer"
    #: The first clock on a matter received outside a dialogue: decide it (answer, assign,
    #: escalate, close) or tell the petitioner it was accepted for handling.
    PROCESSING = "processing"


#: Variants a rule may be specific to; a missing variant falls back to "standard".
VARIANTS = ("standard", "complex", "remote", "remote_complex")


_E = TypeVar("_E", bound=enum.StrEnum)


def _member(cls: type[_E], value: object) -> _E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)  # noqa: TRY004 - reported as ValueError like a bad name
        return cls(value)
    except ValueError:
        choices = ", ".join(m.value for m in cls)
        raise ValueError(f"{value!r} is not one of: {choices}") from None


# Named converters: the attrs mypy plugin understands these, not closures.
def _purpose(value: object) -> Purpose:
    return _member(Purpose, value)


def _unit(value: object) -> Unit:
    return _member(Unit, value)


def _direction(value: object) -> Direction:
    return _member(Direction, value)


def _anchor(value: object) -> Anchor:
    return _member(Anchor, value)


def _channels(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(
            isinstance(c, str) and c.strip() for c in value):
        raise ValueError(f'channels must be a list of channel names (e.g. ["written"]), '
                         f"got {value!r}")
    return tuple(value)


def _positive(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a whole number >= 1, got {value!r}")


def _text(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be non-blank text, got {value!r}")


def _optional_day(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A quoted "2019-02-18" or a TOML date-time would only fail later, in every comparison.
    if value is not None and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
        raise ValueError(f"{attribute.name} must be a date (2019-02-18, unquoted), "
                         f"got {value!r}")


def _day_of_every_year(month: object, day: object) -> None:
    try:  # 2001 is not a leap year: 29 February does not exist every year
        ok = (not isinstance(month, bool) and not isinstance(day, bool)
              and dt.date(2001, month, day) is not None)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"month {month!r} / day {day!r} is not a date that exists every year")


def _whole(value: object, low: int, high: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


@attrs.frozen
class DeadlineRule:
    """One legal time limit: ``count`` ``unit`` ``direction`` the ``anchor`` event."""

    id: str = attrs.field(validator=_text)
    purpose: Purpose = attrs.field(converter=_purpose)
    count: int = attrs.field(validator=_positive)
    unit: Unit = attrs.field(converter=_unit)
    direction: Direction = attrs.field(converter=_direction)
    anchor: Anchor = attrs.field(converter=_anchor)
    basis: str = attrs.field(validator=_text)
    variant: str = attrs.field(default="standard", validator=attrs.validators.in_(VARIANTS))
    effective_from: dt.date | None = attrs.field(default=None, validator=_optional_day)
    effective_until: dt.date | None = attrs.field(default=None, validator=_optional_day)
    #: The channels of the matters it applies to (empty: every channel).
    channels: tuple[str, ...] = attrs.field(default=(), converter=_channels)

    def __attrs_post_init__(self) -> None:
        if self.effective_from and self.effective_until and (
                self.effective_until < self.effective_from):
            raise ValueError(f"effective_until {self.effective_until} is before "
                             f"effective_from {self.effective_from}: the rule is never in force")

    def in_force_on(self, day: dt.date) -> bool:
        after_start = self.effective_from is None or day >= self.effective_from
        return after_start and (self.effective_until is None or day <= self.effective_until)

    def compute(self, anchor: dt.date, calendar: WorkCalendar) -> Deadline:
        """The deadline this rule sets for an anchor event on ``anchor``.

        Not cached here: calendars with equal fingerprints count alike but may explain in
        another language; the façade shares results per (rule, anchor) of its own calendar.
        """
        return self._compute(anchor, calendar)

    def _compute(self, anchor: dt.date, calendar: WorkCalendar) -> Deadline:
        if self.unit is Unit.WORKING_DAYS:
            sign = 1 if self.direction is Direction.AFTER else -1
            due = calendar.add_working_days(anchor, sign * self.count)
            # every non-working day inside the span was skipped by the count
            low, high = (anchor, due) if due >= anchor else (due, anchor)
            skipped = tuple(calendar.explain(low, high))
        elif self.direction is Direction.AFTER:
            # calendar days all count; only the days the end was rolled over are explained
            due = calendar.period_end(anchor, self.count)
            nominal = anchor + dt.timedelta(days=self.count)
            skipped = tuple(calendar.explain(nominal - dt.timedelta(days=1), due))
        else:
            due = calendar.latest_before(anchor, self.count)
            skipped = tuple(calendar.explain(due, anchor - dt.timedelta(days=self.count)))
        return Deadline(
            date=due, rule_id=self.id, anchor=anchor, basis=self.basis,
            calendar=calendar.fingerprint, skipped=skipped,
        )


#: The periods a report may cover (Conclusion 215-KL/TW: monthly, first quarter, 6 months,
#: 9 months, the year, ad hoc), with the last month of each; ``month`` is every month.
_PERIOD_END = {"month": None, "Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6, "H2": 12,
               "9M": 9, "year": 12}
#: ``ad_hoc``: reports on request; they have no date of their own (``report --period
#: FIRST..LAST``).
REPORT_PERIODS = (*_PERIOD_END, "ad_hoc")
#: ``before``: due the last working day before the day ("trước ngày 15/6"); ``by``: due that
#: day, or the last working day before it when it is a day off ("chậm nhất ngày 5").
REPORT_LIMITS = ("before", "by")


class ReportDue(NamedTuple):
    """One report a policy asks for: the rule, the period it covers and when it is due."""

    rule: ReportRule
    #: The period's label, as :meth:`~dialogue_flow.Period.parse` reads it (``2026-03``,
    #: ``2026-Q1``, ``2026-H1``, ``2026-9M``, ``2026``); for a period a host named in its
    #: own words, ``"<period> <year>"``.
    period: str
    #: The year of the period (not always the year it is due in).
    year: int
    deadline: Deadline


@attrs.frozen
class ReportRule:
    """A report the policy asks for: the ``period`` it covers and the day it is due.

    Three forms:

    * a fixed day of the period's year, ``month`` and ``day`` (the seed's plan: H1 before
      15 June, the year before 10 December);
    * a day after the period, ``months_after`` and ``day``: the ``day`` of the month
      ``months_after`` months after the period's last month (a monthly report by the 5th of
      the next month: ``period = "month"``, ``months_after = 1``, ``day = 5``, ``limit =
      "by"``); a day past the month's end is its last day;
    * no date (neither): the period is known, the date is not yet; listed by ``dialogue-flow
      policies``, never reminded (the bundled ``215-KL``, whose dates hosts add).

    ``period`` is one of :data:`REPORT_PERIODS`; a fixed-day rule may also name its period
    in its own words (it is then only a label).
    """

    id: str = attrs.field(validator=_text)
    period: str = attrs.field(validator=_text)
    month: int | None
    day: int | None
    basis: str = attrs.field(validator=_text)
    months_after: int | None = attrs.field(default=None, kw_only=True)
    limit: str = attrs.field(default="before", kw_only=True,
                             validator=attrs.validators.in_(REPORT_LIMITS))
    effective_from: dt.date | None = attrs.field(default=None, kw_only=True,
                                                 validator=_optional_day)
    effective_until: dt.date | None = attrs.field(default=None, kw_only=True,
                                                  validator=_optional_day)

    def __attrs_post_init__(self) -> None:
        _check_report_form(self)
        if self.effective_from and self.effective_until and (
                self.effective_until < self.effective_from):
            raise ValueError(f"effective_until {self.effective_until} is before "
                             f"effective_from {self.effective_from}: the rule is never in force")

    @property
    def dated(self) -> bool:
        """Whether the rule says when its reports are due (undated ones are never
        reminded)."""
        return self.day is not None

    def in_force_on(self, day: dt.date) -> bool:
        after_start = self.effective_from is None or day >= self.effective_from
        return after_start and (self.effective_until is None or day <= self.effective_until)

    def compute(self, year: int, calendar: WorkCalendar) -> Deadline:
        """When the report on ``year``'s period is due (a rule with one period a year).

        "Before 15 June" means it must arrive by the last working day before the 15th.

        :raises ValueError: a monthly or undated rule (see :meth:`DeadlinePolicy.reports_due`).
        """
        if not self.dated or self.period == "month":
            raise ValueError(f"report {self.id} is {'due every month' if self.dated else 'undated'}"
                             "; ask DeadlinePolicy.reports_due for its dates")
        ((_label, _end, limit),) = self._periods(year)
        return self._deadline(limit, calendar)

    def due(self, year: int, calendar: WorkCalendar) -> list[ReportDue]:
        """The reports on ``year``'s periods (twelve for a monthly rule), when in force on
        the period's last day; none for an undated rule."""
        return [ReportDue(self, label, year, self._deadline(limit, calendar))
                for label, end, limit in self._periods(year) if self.in_force_on(end)]

    def _periods(self, year: int) -> list[tuple[str, dt.date, dt.date]]:
        """``(label, last day, limit day)`` of each period of ``year`` (the last day of a
        period named in a host's words is its limit day); none that a date cannot hold."""
        if not self.dated:
            return []
        kind = self.period
        lasts = range(1, 13) if kind == "month" else [_PERIOD_END.get(kind)]
        found = []
        for last in lasts:
            try:
                if last is None:  # a fixed day, the period named in the host's words
                    limit = dt.date(year, self.month or 0, self.day or 0)
                    found.append((f"{kind} {year}", limit, limit))
                    continue
                end = _month_end(year, last)
                if self.months_after is None:
                    limit = dt.date(year, self.month or 0, self.day or 0)
                else:
                    months = year * 12 + last - 1 + self.months_after
                    limit = _month_end(months // 12, months % 12 + 1)
                    limit = limit.replace(day=min(self.day or 0, limit.day))
            except ValueError:  # before year 1 or after 9999
                continue
            label = (f"{year:04d}" if kind == "year" else f"{year:04d}-{last:02d}"
                     if kind == "month" else f"{year:04d}-{kind}")
            found.append((label, end, limit))
        return found

    def _deadline(self, limit: dt.date, calendar: WorkCalendar) -> Deadline:
        last = limit - dt.timedelta(days=1) if self.limit == "before" else limit
        due = calendar.latest_before(last, 0)
        skipped = tuple(calendar.explain(due, last))
        return Deadline(date=due, rule_id=self.id, anchor=limit, basis=self.basis,
                        calendar=calendar.fingerprint, skipped=skipped)


def _check_report_form(rule: ReportRule) -> None:
    """One of the three forms of :class:`ReportRule`, with a period it can compute."""
    if rule.months_after is None and rule.month is not None:
        _day_of_every_year(rule.month, rule.day)
        if rule.period in ("month", "ad_hoc"):
            raise ValueError(f"a {rule.period} report has no fixed day of the year; give "
                             "months_after and day (or neither)")
    elif rule.months_after is not None:
        if rule.month is not None:
            raise ValueError("give month (a fixed day of the year) or months_after (a day "
                             "after the period), not both")
        if not _whole(rule.months_after, 0, 12):
            raise ValueError(f"months_after must be a whole number from 0 to 12, got "
                             f"{rule.months_after!r}")
        if not _whole(rule.day, 1, 31):
            raise ValueError(f"day must be a day of the month (1-31), got {rule.day!r}")
        if rule.period not in _PERIOD_END:
            raise ValueError(f"period {rule.period!r} is not one of {', '.join(_PERIOD_END)}")
    elif rule.day is not None:
        raise ValueError(f"day {rule.day!r} of which month? give month (a fixed day of the "
                         "year) or months_after (a day after the period)")
    elif rule.period not in REPORT_PERIODS:
        raise ValueError(f"period {rule.period!r} is not one of {', '.join(REPORT_PERIODS)}")


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return following - dt.timedelta(days=1)


_POLICY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: How far a report's due day can fall before its limit day (the days off before it).
_LONGEST_CLOSURE = dt.timedelta(days=62)


def read_toml(source: object, what: str) -> tuple[str, dict[str, Any]]:
    """``(where, data)`` of a TOML file (a :class:`~pathlib.Path`) or TOML text (a str);
    ``where`` names the file in errors.

    :raises ConfigurationError: naming the file and what is wrong.
    """
    if not isinstance(source, (str, Path)):
        raise ConfigurationError(f"a {what} is read from a pathlib.Path or from TOML text "
                                 f"(str), not a {type(source).__name__}")
    where = str(source) if isinstance(source, Path) else f"<{what} text>"
    try:
        text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        return where, tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{where}: cannot read {what}: {exc}") from None


@attrs.frozen
class DeadlinePolicy:
    """A named, validated set of rules."""

    id: str
    name: str
    rules: tuple[DeadlineRule, ...]
    reports: tuple[ReportRule, ...] = ()
    description: str = ""
    #: The days the policy is in force: they apply to each of its rules (and reports) that
    #: names none of its own (each bound on its own).
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    #: Who sees a confidential matter's petitioner (``[confidential]``, see ``_withheld``).
    confidential: ConfidentialRules = attrs.field(default=None, converter=confidential_rules)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not _POLICY_ID.match(self.id):  # type: ignore[redundant-expr] # TOML may give any type
            raise ConfigurationError(
                f"policy id {self.id!r}: expected a name of letters, digits, '.', '_' or '-' "
                "(e.g. seed-2021)")
        if not isinstance(self.name, str) or not self.name.strip():  # type: ignore[redundant-expr] # TOML may give any type
            raise ConfigurationError(f"policy {self.id}: name must be non-blank text")
        if not isinstance(self.description, str):
            raise ConfigurationError(f"policy {self.id}: description must be text")
        self._inherit_dates()
        ids = [r.id for r in self.rules] + [r.id for r in self.reports]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ConfigurationError(f"policy {self.id}: rule ids used twice: {', '.join(dupes)}")
        for a in self.rules:
            for b in self.rules:
                if a is not b and (a.purpose, a.variant) == (b.purpose, b.variant) and _overlap(
                        a, b) and (not a.channels or not b.channels
                                   or set(a.channels) & set(b.channels)):
                    raise ConfigurationError(
                        f"policy {self.id}: rules {a.id} and {b.id} are both in force for "
                        f"{a.purpose.value} ({a.variant}) at the same time; give them "
                        "non-overlapping effective_from/effective_until dates or channels"
                    )

    def _inherit_dates(self) -> None:
        """The policy's effective dates on every rule and report that names none."""
        for name in ("effective_from", "effective_until"):
            try:
                _optional_day(None, attrs.fields_dict(DeadlinePolicy)[name], getattr(self, name))
            except ValueError as exc:
                raise ConfigurationError(f"policy {self.id}: {exc}") from None
        start, end = self.effective_from, self.effective_until
        if start and end and end < start:
            raise ConfigurationError(f"policy {self.id}: effective_until {end} is before "
                                     f"effective_from {start}: it is never in force")
        if start is None and end is None:
            return
        for field in ("rules", "reports"):
            inherited = []
            for rule in getattr(self, field):
                try:
                    inherited.append(attrs.evolve(
                        rule, effective_from=rule.effective_from or start,
                        effective_until=rule.effective_until or end))
                except ValueError as exc:
                    raise ConfigurationError(f"policy {self.id}: {rule.id}: {exc} (with the "
                                             "policy's own dates)") from None
            # Frozen: set once here, while the instance is being built.
            object.__setattr__(self, field, tuple(inherited))

    def rule_for(self, purpose: Purpose | str, on: dt.date, variant: str = "standard",
                 channel: str | None = None) -> DeadlineRule:
        """The rule in force on ``on`` for ``purpose`` (falls back to the standard variant),
        and for a matter that came by ``channel`` when given.

        :raises ConfigurationError: the policy has no such rule in force that day.
        """
        purpose = _purpose(purpose)
        found = self.applicable_rule(purpose, on, variant, channel)
        if found is not None:
            return found
        raise ConfigurationError(
            f"policy {self.id} has no rule for {purpose.value} ({variant}) in force on "
            f"{on.isoformat()}; add one to the policy file"
        )

    def applicable_rule(self, purpose: Purpose | str, on: dt.date, variant: str = "standard",
                        channel: str | None = None) -> DeadlineRule | None:
        """:meth:`rule_for`, or ``None`` where the policy sets no such limit (a policy
        without a processing rule, or one for other channels)."""
        purpose = _purpose(purpose)
        for wanted in dict.fromkeys((variant, "standard")):
            for rule in self.rules:
                if rule.purpose is purpose and rule.variant == wanted and rule.in_force_on(
                        on) and (channel is None or not rule.channels
                                 or channel in rule.channels):
                    return rule
        return None

    def rule_ids(self, *purposes: Purpose) -> frozenset[str]:
        """The ids of this policy's rules for any of ``purposes``."""
        return frozenset(r.id for r in self.rules if r.purpose in purposes)

    def has_rule(self, purpose: Purpose | str) -> bool:
        return any(r.purpose is Purpose(purpose) for r in self.rules)

    def report_deadlines(self, year: int, calendar: WorkCalendar) -> list[Deadline]:
        """The report due dates in ``year``, in date order."""
        return [due.deadline for due in self.reports_due(
            dt.date(year, 1, 1), dt.date(year, 12, 31), calendar)]

    def reports_due(self, start: dt.date, end: dt.date, calendar: WorkCalendar,
                    ) -> list[ReportDue]:
        """Every report due from ``start`` to ``end`` (both included), in date order: each
        dated rule's periods whose last day it is in force on."""
        found = []
        latest = min(end, dt.date.max - _LONGEST_CLOSURE) + _LONGEST_CLOSURE
        for rule in self.reports:
            # A report is due at most a year after its period; "before 1 January" is due
            # the year before: the periods of the years around the span, limits first.
            for year in range(max(start.year - 1, 1), min(end.year + 1, dt.MAXYEAR) + 1):
                for label, last, limit in rule._periods(year):  # noqa: SLF001 - same module
                    # The limit is the latest a report can be due; a long closure moves it
                    # back some days, never months.
                    if limit < start or limit > latest or not (
                            rule.in_force_on(last)):
                        continue
                    try:
                        deadline = rule._deadline(limit, calendar)  # noqa: SLF001
                    except (CalendarRangeError, OverflowError):
                        if limit <= end:
                            raise
                        continue  # past the calendar's range, and after the span anyway
                    if start <= deadline.date <= end:
                        found.append(ReportDue(rule, label, year, deadline))
        return sorted(found, key=lambda due: (due.deadline.date, due.rule.id))

    # --- loading ----------------------------------------------------------------------

    @classmethod
    def from_toml(cls, source: str | Path) -> DeadlinePolicy:
        """Load a policy from a TOML file (a :class:`~pathlib.Path`) or TOML text (a str).

        :raises ConfigurationError: with the file name and what is wrong in it.
        """
        where, data = read_toml(source, "policy")
        return cls.from_mapping(data, where=where)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "<policy>") -> DeadlinePolicy:
        """Build a policy from already-parsed data (what a plugin may return)."""
        try:
            unknown = set(data) - {f.name for f in attrs.fields(cls)}
            if unknown:
                raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
            rules = [_build(DeadlineRule, r, f"rules[{i}]")
                     for i, r in enumerate(data.get("rules", []))]
            # month and day may be left out (a day after the period, or no date yet)
            reports = [_build(ReportRule, {"month": None, "day": None, **r} if isinstance(
                r, Mapping) else r, f"reports[{i}]")
                       for i, r in enumerate(data.get("reports", []))]
            return cls(id=data["id"], name=data["name"], rules=tuple(rules),
                       reports=tuple(reports), description=data.get("description", ""),
                       effective_from=data.get("effective_from"),
                       effective_until=data.get("effective_until"),
                       confidential=data.get("confidential"))
        except KeyError as exc:
            raise ConfigurationError(f"{where}: missing key {exc.args[0]!r}") from None
        except ConfigurationError as exc:  # the policy's own checks (overlapping rules)
            raise ConfigurationError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"{where}: {exc}") from None

    @classmethod
    def bundled(cls, name: str) -> DeadlinePolicy:
        """One of the policies shipped with the library (see :func:`bundled_policies`)."""
        if name not in bundled_policies():
            raise ConfigurationError(
                f"no bundled policy {name!r}; available: {', '.join(bundled_policies())}"
            )
        text = resources.files("dialogue_flow").joinpath(f"policies/{name}.toml").read_text(
            encoding="utf-8")
        return cls.from_mapping(tomllib.loads(text), where=f"bundled policy {name}")

    @classmethod
    def default(cls) -> DeadlinePolicy:
        """The seed's plan: the policy used when none is given."""
        return cls.bundled("seed-plan")


def bundled_policies() -> tuple[str, ...]:
    """Names of the policies shipped with the library."""
    folder = resources.files("dialogue_flow").joinpath("policies")
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                        if p.name.endswith(".toml")))


def _build(cls: type[Any], raw: object, where: str) -> Any:
    if not isinstance(raw, Mapping):
        raise TypeError(f"{where} must be a table")
    fields = {f.name for f in attrs.fields(cls)}
    unknown = set(raw) - fields
    if unknown:
        raise ValueError(f"{where}: unknown keys: {', '.join(sorted(unknown))}")
    try:
        return cls(**raw)
    except TypeError as exc:
        raise TypeError(f"{where}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _overlap(a: DeadlineRule, b: DeadlineRule) -> bool:
    low = max(a.effective_from or dt.date.min, b.effective_from or dt.date.min)
    high = min(a.effective_until or dt.date.max, b.effective_until or dt.date.max)
    return low <= high
