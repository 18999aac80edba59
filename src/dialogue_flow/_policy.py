"""Deadline policies: the legal time limits as data, each with its legal basis.

A policy is a set of :class:`DeadlineRule` (a count of working or calendar days, after or
before an anchor event) and :class:`ReportRule` (fixed report dates each year). Policies are
plain TOML files: the default one is the seed's plan (``policies/seed-plan.toml``); a second
bundled one (``complaints-2011``) shows the mechanism is general; hosts load their own with
:meth:`DeadlinePolicy.from_toml` or contribute them through a plugin.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._errors import ConfigurationError
from ._records import Deadline

if TYPE_CHECKING:
    from ._calendar import WorkCalendar

__all__ = [
    "Anchor",
    "DeadlinePolicy",
    "DeadlineRule",
    "Direction",
    "Purpose",
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


def _day_of_every_year(inst: ReportRule, _attribute: attrs.Attribute[Any], value: int) -> None:
    try:  # 2001 is not a leap year: 29 February does not exist every year
        ok = not isinstance(inst.month, bool) and dt.date(2001, inst.month, value) is not None
    except (TypeError, ValueError):
        ok = False
    if isinstance(value, bool) or not ok:
        raise ValueError(f"month {inst.month!r} / day {value!r} is not a date that exists "
                         "every year")


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


@attrs.frozen
class ReportRule:
    """A report due every year before a fixed day (e.g. "trước ngày 15/6")."""

    id: str = attrs.field(validator=_text)
    period: str = attrs.field(validator=_text)
    month: int
    day: int = attrs.field(validator=_day_of_every_year)
    basis: str = attrs.field(validator=_text)

    def compute(self, year: int, calendar: WorkCalendar) -> Deadline:
        """"Before 15 June" means it must arrive by the last working day before the 15th."""
        limit = dt.date(year, self.month, self.day)
        due = calendar.latest_before(limit, 1)
        skipped = tuple(calendar.explain(due, limit - dt.timedelta(days=1)))
        return Deadline(date=due, rule_id=self.id, anchor=limit, basis=self.basis,
                        calendar=calendar.fingerprint, skipped=skipped)


_POLICY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


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

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not _POLICY_ID.match(self.id):  # type: ignore[redundant-expr] # TOML may give any type
            raise ConfigurationError(
                f"policy id {self.id!r}: expected a name of letters, digits, '.', '_' or '-' "
                "(e.g. seed-2021)")
        if not isinstance(self.name, str) or not self.name.strip():  # type: ignore[redundant-expr] # TOML may give any type
            raise ConfigurationError(f"policy {self.id}: name must be non-blank text")
        if not isinstance(self.description, str):
            raise ConfigurationError(f"policy {self.id}: description must be text")
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
        """The report due dates of ``year``, in date order."""
        return sorted((r.compute(year, calendar) for r in self.reports), key=lambda d: d.date)

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
            unknown = set(data) - {"id", "name", "description", "rules", "reports"}
            if unknown:
                raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
            rules = [_build(DeadlineRule, r, f"rules[{i}]")
                     for i, r in enumerate(data.get("rules", []))]
            reports = [_build(ReportRule, r, f"reports[{i}]")
                       for i, r in enumerate(data.get("reports", []))]
            return cls(id=data["id"], name=data["name"], rules=tuple(rules),
                       reports=tuple(reports),
                       description=data.get("description", ""))
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
