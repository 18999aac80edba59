# Copyright (c) 2026 dialogue_flow developers. MIT License.
"""``dialogue-flow calendar`` and ``dialogue-flow deadline``: the calendar, readable.

Bad input is a usage error (exit code 2, one clear line); the library's own errors are
translated here so nobody sees a traceback for a typo or a date outside the range.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

import click

from ._cli_settings import config_option, plugins_for, settings_for
from ._errors import CalendarRangeError, ConfigurationError

if TYPE_CHECKING:
    from datetime import datetime

    from ._calendar import Language, WorkCalendar

__all__ = ["calendar_command", "deadline_command"]

_TEXT: Final[dict[str, dict[str, str]]] = {
    "vi": {
        "title": "Lịch làm việc năm {year} của cơ quan nhà nước",
        "days_off": "Ngày nghỉ (lễ, Tết, nghỉ bù, theo cấu hình):",
        "saturdays": "Thứ Bảy / Chủ nhật làm việc:",
        "none": "  (không có)",
        "per_month": "Số ngày làm việc theo tháng:",
        "month": "Tháng {m:>2}",
        "total": "Cả năm",
        "working_days": "{start} {op} {n} ngày làm việc = {end} ({weekday})",
        "days": "{start} + {n} ngày = {nominal}; hạn cuối: {end} ({weekday})",
        "before": "Chậm nhất {n} ngày trước {start}: {end} ({weekday})",
        "skipped": "Ngày không tính ({count}):",
        "moved": "Hạn dời qua các ngày nghỉ ({count}):",
        "source": "Dữ liệu: {fingerprint}",
        "check": "Đối chiếu holidays với các thông báo của Chính phủ ({status}):",
        "announced": "năm đã có đủ thông báo",
        "history": "năm trước dữ liệu đã công bố: theo holidays",
        "provisional": "năm tạm tính: chưa có đủ thông báo chính thức",
        "agree": "  holidays và dữ liệu đã công bố khớp nhau",
        "differs": "  {date}  holidays: {raw}; lịch này: {ours} — {why}",
        "working": "làm việc", "off": "nghỉ",
    },
    "en": {
        "title": "Working-day calendar of state bodies, {year}",
        "days_off": "Days off (holidays, Tết, compensatory, configured):",
        "saturdays": "Working Saturdays / Sundays:",
        "none": "  (none)",
        "per_month": "Working days per month:",
        "month": "Month {m:>2}",
        "total": "Year",
        "working_days": "{start} {op} {n} working day{s} = {end} ({weekday})",
        "days": "{start} + {n} day{s} = {nominal}; the period ends on {end} ({weekday})",
        "before": "No later than {n} days before {start}: {end} ({weekday})",
        "skipped": "Days not counted ({count}):",
        "moved": "The end moved over these days off ({count}):",
        "source": "Data: {fingerprint}",
        "check": "holidays checked against the government's announcements ({status}):",
        "announced": "every announcement of the year recorded",
        "history": "a year before the recorded announcements: as holidays has it",
        "provisional": "provisional: not every announcement recorded yet",
        "agree": "  holidays and the announced days agree",
        "differs": "  {date}  holidays: {raw}; this calendar: {ours} — {why}",
        "working": "working day", "off": "day off",
    },
}

_lang_option = click.option(
    "--lang", "language", type=click.Choice(["vi", "en"]), default=None,
    help="Language of holiday names and labels (default: the settings', else vi).")
_overrides_option = click.option(
    "--overrides", "overrides", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="TOML file of extra days off / working days ([[day_off]], [[working_day]]); "
         "replaces the settings' [calendar] overrides file.")


def _calendar(ctx: click.Context, config: Path | None, language: Language | None,
              overrides: Path | None) -> tuple[WorkCalendar, Language]:
    """The calendar the command shows: the settings' (``--config``: overrides, 24 November,
    their plugins' days), with ``--overrides`` in place of the settings' file; and the
    language (``--lang``, else the settings', else Vietnamese)."""
    from ._calendar import WorkCalendar  # noqa: PLC0415 - keeps `dialogue-flow --help` fast

    settings = settings_for(ctx, config)
    chosen: Language = language or ("en" if settings is not None
                                     and settings.language == "en" else "vi")
    try:
        if settings is not None:
            return settings.calendar(plugins_for(ctx, config), language=chosen,
                                     overrides_file=overrides), chosen
        return WorkCalendar.vietnam(language=chosen, overrides_file=overrides), chosen
    except ConfigurationError as exc:
        raise click.BadParameter(str(exc), param_hint="'--overrides'") from None


@click.command("calendar")
@click.argument("year", type=int)
@_lang_option
@_overrides_option
@config_option
@click.option("--check", is_flag=True,
              help="Also list where the holidays package and the announced days disagree.")
@click.pass_context
def calendar_command(ctx: click.Context, *, year: int, language: Language | None,
                     overrides: Path | None, config: Path | None, check: bool) -> None:
    """Days off, working Saturdays and working days per month of YEAR."""
    cal, language = _calendar(ctx, config, language, overrides)
    if not cal.first.year <= year <= cal.last.year:
        raise click.BadParameter(
            f"{year} is outside the calendar's years {cal.first.year}-{cal.last.year}",
            param_hint="'YEAR'")
    text = _TEXT[language]
    lines = [text["title"].format(year=year), "", text["days_off"]]
    lines += [f"  {d.date.isoformat()}  {d.weekday:<9} {d.reason}" for d in cal.days_off(year)]
    lines += ["", text["saturdays"]]
    saturdays = cal.working_saturdays(year)
    lines += [f"  {d.date.isoformat()}  {d.weekday:<9} {d.reason}" for d in saturdays]
    if not saturdays:
        lines.append(text["none"])
    lines += ["", text["per_month"]]
    per_month = cal.working_days_per_month(year)
    lines += [f"  {text['month'].format(m=m)}  {n:>3}" for m, n in enumerate(per_month, start=1)]
    lines += [f"  {text['total']:<8}  {sum(per_month):>3}", "",
              text["source"].format(fingerprint=cal.fingerprint)]
    if check:
        lines += ["", *_check_lines(year, cal, text)]
    click.echo("\n".join(lines))


def _check_lines(year: int, cal: WorkCalendar, text: dict[str, str]) -> list[str]:
    from ._calendar_sources import disagreements, sources  # noqa: PLC0415 - --help starts fast

    if year in cal.provisional_years:
        status = text["provisional"]
    else:
        status = text["announced" if year in sources().years else "history"]
    found = disagreements(year, cal.language, culture_day_off=cal.culture_day_off)
    lines = [text["check"].format(status=status)]
    lines += [text["differs"].format(
        date=f.date.isoformat(), raw=text["working" if f.holidays_working else "off"],
        ours=text["working" if f.working else "off"], why=f.why) for f in found]
    return lines if found else [*lines, text["agree"]]


@click.command("deadline")
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="START")
@click.option("--working-days", type=int, default=None,
              help="The N-th working day after START (negative: before).")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="A period of N calendar days from START, ending on a working day.")
@click.option("--before", type=click.IntRange(min=0), default=None,
              help="No later than N days before START, on a working day.")
@_lang_option
@_overrides_option
@config_option
@click.pass_context
def deadline_command(ctx: click.Context, *, start: datetime, working_days: int | None,
                     days: int | None, before: int | None, language: Language | None,
                     overrides: Path | None, config: Path | None) -> None:
    """Compute a deadline from START (a date, YYYY-MM-DD) and explain the days it skipped.

    \b
    dialogue-flow deadline 2021-06-25 --working-days 30
    dialogue-flow deadline 2025-04-28 --days 10
    dialogue-flow deadline 2025-05-05 --before 7
    """
    from ._calendar import _WEEKDAYS  # noqa: PLC0415 - keeps `dialogue-flow --help` fast

    chosen = [name for name, value in (("--working-days", working_days), ("--days", days),
                                       ("--before", before)) if value is not None]
    if len(chosen) != 1:
        got = f" (got {', '.join(chosen)})" if chosen else ""
        raise click.UsageError(f"give exactly one of --working-days, --days, --before{got}")
    cal, language = _calendar(ctx, config, language, overrides)
    text = _TEXT[language]
    day = start.date()
    try:
        if working_days is not None:
            end = cal.add_working_days(day, working_days)
            headline = text["working_days"].format(
                start=day, op="+" if working_days >= 0 else "-", n=abs(working_days), end=end,
                s=_plural(working_days), weekday=_WEEKDAYS[language][end.weekday()])
            heading, skipped = text["skipped"], cal.explain(day, end)
        elif days is not None:
            end = cal.period_end(day, days)
            nominal = day + timedelta(days=days)
            headline = text["days"].format(start=day, n=days, nominal=nominal, end=end,
                                           s=_plural(days),
                                           weekday=_WEEKDAYS[language][end.weekday()])
            heading = text["moved"]
            skipped = [s for s in cal.explain(day, end) if s.date >= nominal]
        else:
            n = before or 0  # exactly one option is set, checked above
            end = cal.latest_before(day, n)
            nominal = day - timedelta(days=n)
            headline = text["before"].format(start=day, n=n, end=end,
                                             weekday=_WEEKDAYS[language][end.weekday()])
            heading, skipped = text["moved"], cal.explain(end, nominal)
    except CalendarRangeError as exc:
        span = f"{cal.first.isoformat()}..{cal.last.isoformat()}"
        if exc.field == "d":
            raise click.BadParameter(f"{day} is outside the calendar's range {span}",
                                     param_hint="'START'") from None
        raise click.BadParameter(f"the deadline would fall outside the calendar's range {span}",
                                 param_hint=f"'{chosen[0]}'") from None
    lines = [headline, heading.format(count=len(skipped))]
    lines += [f"  {s.date.isoformat()}  {_WEEKDAYS[language][s.date.weekday()]:<9} {s.reason}"
              for s in skipped] or [text["none"]]
    lines += ["", text["source"].format(fingerprint=cal.fingerprint)]
    click.echo("\n".join(lines))


def _plural(n: int) -> str:
    """English "s" (Vietnamese templates do not use it)."""
    return "" if abs(n) == 1 else "s"
