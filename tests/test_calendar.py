"""WorkCalendar: pinned legal cases, overrides, bad input, identity and the data snapshot.

The pinned cases are the ones a clerk would check by hand against the official calendar;
each docstring says what it proves. An independent day-by-day reference built directly
on ``holidays`` backs them up (tests/test_calendar_properties.py compares at random).
"""

from __future__ import annotations

import difflib
import importlib.metadata
import os
import pickle
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import holidays
import pytest

from dialogue_flow import (
    VIETNAM_TZ,
    CalendarRangeError,
    ConfigurationError,
    InvalidInputError,
    SkippedDay,
    SpecialDay,
    WorkCalendar,
)
from dialogue_flow._calendar_sources import sources

CAL = WorkCalendar.vietnam()
EN = WorkCalendar.vietnam(language="en")
SNAPSHOT = Path(__file__).parent / "snapshots" / "vietnam_days_off_2020_2027.tsv"
UPDATE_ENV = "DIALOGUE_FLOW_UPDATE_SNAPSHOTS"

# -- an independent reference: day by day, straight from `holidays` ---------------------------

_HOLIDAYS = holidays.country_holidays("VN", years=range(2000, 2051), language="vi")
#: The announced days the package ships, which win over `holidays` (issue 15).
_ANNOUNCED = {day.date: day.working for day in sources().days}


def ref_is_working(d: date) -> bool:
    """Labour Code art. 111-112 as the `holidays` data express it, one day at a time, under
    the announced days; 24 November a day off from 2026 (``culture_day_off=True``)."""
    if d in _ANNOUNCED:
        return _ANNOUNCED[d]
    if d in _HOLIDAYS or (d.year >= 2026 and (d.month, d.day) == (11, 24)):
        return False
    return d.weekday() < 5 or d in _HOLIDAYS.weekend_workdays


def ref_add(d: date, n: int) -> date:
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if ref_is_working(d):
            remaining -= 1
    return d


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- pinned cases -----------------------------------------------------------------------------


def test_seed_answer_deadline_2021() -> None:
    """The seed's rule: written answer <= 30 working days after a conclusion notice of
    Friday 2021-06-25 is due Friday 2021-08-06 (six plain weeks, no holiday in between)."""
    assert CAL.add_working_days(d("2021-06-25"), 30) == d("2021-08-06")
    assert ref_add(d("2021-06-25"), 30) == d("2021-08-06")
    assert CAL.working_days_between(d("2021-06-25"), d("2021-08-06")) == 30
    assert CAL.add_working_days(d("2021-08-06"), -30) == d("2021-06-25")


def test_tet_2021_including_compensation_for_the_weekend() -> None:
    """Tết 2021: 10-16 Feb are off, including 29 Tết (10 Feb), the day given back because
    two Tết days fell on Saturday 13 and Sunday 14; the next working day after 9 Feb is 17."""
    for day in ("2021-02-10", "2021-02-11", "2021-02-12", "2021-02-13", "2021-02-14",
                "2021-02-15", "2021-02-16"):
        assert not CAL.is_working_day(d(day)), day
    assert CAL.add_working_days(d("2021-02-09"), 1) == d("2021-02-17")
    assert CAL.explain(d("2021-02-09"), d("2021-02-17"))[0] == SkippedDay(d("2021-02-10"),
                                                                          "29 Tết")


def test_tet_2025() -> None:
    """Tết 2025: 27 Jan - 2 Feb are off (Saturday 1 Feb is itself a Tết day); the working
    day after Friday 24 Jan is Monday 3 Feb, so only 1 working day passes over the week."""
    assert CAL.add_working_days(d("2025-01-24"), 1) == d("2025-02-03")
    assert CAL.working_days_between(d("2025-01-24"), d("2025-02-03")) == 1
    assert [s.date for s in CAL.explain(d("2025-01-24"), d("2025-02-03"))] == [
        d("2025-01-25") + timedelta(days=i) for i in range(9)]


def test_hung_kings_day() -> None:
    """Hùng Kings' day (10th of the 3rd lunar month) moves every year: Wednesday 2021-04-21
    and Monday 2025-04-07 are off and are skipped."""
    assert not CAL.is_working_day(d("2021-04-21"))
    assert CAL.add_working_days(d("2021-04-20"), 1) == d("2021-04-22")
    assert not CAL.is_working_day(d("2025-04-07"))
    assert CAL.add_working_days(d("2025-04-04"), 1) == d("2025-04-08")
    assert CAL.explain(d("2025-04-04"), d("2025-04-08"))[-1].reason == (
        "Ngày Giỗ Tổ Hùng Vương (45/2019/QH14 (Bộ luật Lao động), Điều 112, 20/11/2019)")


def test_national_day_with_its_adjacent_day() -> None:
    """2 September plus one adjacent day (Labour Code 2019): Thu 2 + Fri 3 Sep 2021,
    Mon 1 + Tue 2 Sep 2025."""
    assert CAL.add_working_days(d("2021-09-01"), 1) == d("2021-09-06")
    assert CAL.add_working_days(d("2025-08-29"), 1) == d("2025-09-03")
    assert [s.date for s in CAL.days_off(2025) if s.reason.startswith("Quốc khánh")] == [
        d("2025-09-01"), d("2025-09-02")]


def test_compensatory_day_2021_05_03() -> None:
    """1 May 2021 fell on a Saturday, so Monday 3 May was off (nghỉ bù): after Thursday
    29 April (30 April is off) the next working day is Tuesday 4 May."""
    assert not CAL.is_working_day(d("2021-05-03"))
    assert CAL.add_working_days(d("2021-04-29"), 1) == d("2021-05-04")
    assert SpecialDay(d("2021-05-03"), "Thứ Hai", "Ngày Quốc tế Lao động (nghỉ bù)") in (
        CAL.days_off(2021))


def test_swapped_day_off_2025_05_02() -> None:
    """Friday 2 May 2025 was made a day off in exchange for Saturday 26 April: after
    Tuesday 29 April the next working day is Monday 5 May."""
    assert not CAL.is_working_day(d("2025-05-02"))
    assert CAL.add_working_days(d("2025-04-29"), 1) == d("2025-05-05")


def test_working_saturday_2025_04_26() -> None:
    """Saturday 26 April 2025 was a working day (làm bù): it counts, although a weekend,
    and it is where numpy's Mon-Fri weekmask goes wrong."""
    assert CAL.is_working_day(d("2025-04-26"))
    assert CAL.add_working_days(d("2025-04-25"), 1) == d("2025-04-26")
    assert CAL.working_days_between(d("2025-04-21"), d("2025-05-05")) == 8
    assert CAL.working_saturdays(2025) == [
        SpecialDay(d("2025-04-26"), "Thứ Bảy",
                   "Ngày làm bù (cho ngày nghỉ 02/05/2025) (8726/VPCP-KGVX, 26/11/2024)")]
    assert EN.working_saturdays(2025)[0].reason == (
        "Make-up working day (for the day off on 2025-05-02) (8726/VPCP-KGVX, 2024-11-26)")


def test_period_end_rolls_forward_civil_code_148() -> None:
    """Civil Code art. 148: a 4-day period from Monday 28 April 2025 would end on Friday
    2 May, a day off, so it ends on the next working day, Monday 5 May."""
    assert CAL.period_end(d("2025-04-28"), 4) == d("2025-05-05")
    assert CAL.period_end(d("2025-04-28"), 1) == d("2025-04-29")
    assert CAL.period_end(d("2025-04-27"), 0) == d("2025-04-28")  # a Sunday rolls forward


def test_latest_before_rolls_back() -> None:
    """"Announce no later than 7 days before" a meeting on Wednesday 7 May 2025 gives
    30 April, a holiday, so the announcement must be out by Tuesday 29 April."""
    assert CAL.latest_before(d("2025-05-07"), 7) == d("2025-04-29")
    assert CAL.latest_before(d("2025-05-05"), 7) == d("2025-04-28")
    assert CAL.latest_before(d("2025-05-04"), 8) == d("2025-04-26")  # the working Saturday


def test_explain_lists_skipped_days_with_reasons_in_both_languages() -> None:
    """The explanation names every non-working day and why, in the chosen language."""
    a, b = d("2025-04-25"), d("2025-05-05")
    assert CAL.explain(a, b) == [
        SkippedDay(d("2025-04-27"), "Chủ nhật"),
        SkippedDay(d("2025-04-30"), "Ngày Chiến thắng (8726/VPCP-KGVX, 26/11/2024)"),
        SkippedDay(d("2025-05-01"), "Ngày Quốc tế Lao động (8726/VPCP-KGVX, 26/11/2024)"),
        SkippedDay(d("2025-05-02"),
                   "Ngày nghỉ (thay cho ngày 26/04/2025) (8726/VPCP-KGVX, 26/11/2024)"),
        SkippedDay(d("2025-05-03"), "Thứ Bảy"),
        SkippedDay(d("2025-05-04"), "Chủ nhật"),
    ]
    assert [s.reason for s in EN.explain(a, b)][:2] == [
        "Sunday", "Liberation Day/Reunification Day (8726/VPCP-KGVX, 2024-11-26)"]
    assert CAL.explain(b, a) == CAL.explain(a - timedelta(days=1), b - timedelta(days=1))
    assert CAL.explain(a, a) == []


def test_working_days_per_month_2025() -> None:
    """Per-month counts of 2025 as printed in the official calendar (250 in the year)."""
    per_month = CAL.working_days_per_month(2025)
    assert per_month == (17, 20, 21, 21, 20, 21, 23, 21, 20, 23, 20, 23)
    assert sum(per_month) == CAL.working_days_between(d("2024-12-31"), d("2025-12-31"))


def test_whole_default_range_matches_the_reference() -> None:
    """Every single day of 2000-2050 is classified like the independent reference."""
    day, mismatches = CAL.first, []
    while day <= CAL.last:
        if CAL.is_working_day(day) != ref_is_working(day):
            mismatches.append(day)
        day += timedelta(days=1)
    assert mismatches == []


def test_n_zero_returns_the_start_even_on_a_day_off() -> None:
    """n == 0 moves nowhere: the start is returned as is, working or not."""
    assert CAL.add_working_days(d("2025-05-02"), 0) == d("2025-05-02")
    assert CAL.working_days_between(d("2025-05-02"), d("2025-05-02")) == 0


# -- dates and times --------------------------------------------------------------------------


def test_aware_datetime_is_read_as_its_local_date_in_vietnam() -> None:
    """20:00 UTC on Friday 25 April 2025 is 03:00 on Saturday 26 April in Hà Nội: the
    working Saturday. The calendar uses the Vietnamese date, not the UTC one."""
    instant = datetime(2025, 4, 25, 20, 0, tzinfo=UTC)
    assert CAL.is_working_day(instant)
    assert CAL.add_working_days(instant, 1) == d("2025-04-28")
    assert CAL.add_working_days(instant, 0) == d("2025-04-26")
    local = datetime(2025, 5, 2, 0, 30, tzinfo=VIETNAM_TZ)
    assert not CAL.is_working_day(local)


def test_date_subclass_is_accepted_and_results_are_plain_dates() -> None:
    class MyDate(date):
        pass

    result = CAL.add_working_days(MyDate(2025, 4, 25), 0)
    assert type(result) is date
    assert result == d("2025-04-25")


# -- bad input: every public method -----------------------------------------------------------

BAD_DATES = ["2025-04-26", 20250426, 45000.0, True, None,
             datetime(2025, 4, 26, 9, 0)]  # the last one is naive
DAY = d("2025-04-25")

DATE_CALLS = {
    "is_working_day": CAL.is_working_day,
    "add_working_days": lambda x: CAL.add_working_days(x, 3),
    "add_working_days(n=0)": lambda x: CAL.add_working_days(x, 0),
    "add_working_days(n<0)": lambda x: CAL.add_working_days(x, -3),
    "working_days_between(a)": lambda x: CAL.working_days_between(x, DAY),
    "working_days_between(b)": lambda x: CAL.working_days_between(DAY, x),
    "period_end": lambda x: CAL.period_end(x, 3),
    "latest_before": lambda x: CAL.latest_before(x, 3),
    "explain(a)": lambda x: CAL.explain(x, DAY),
    "explain(b)": lambda x: CAL.explain(DAY, x),
}
FIELDS = {"working_days_between(a)": "a", "working_days_between(b)": "b",
          "explain(a)": "a", "explain(b)": "b"}


@pytest.mark.parametrize("value", BAD_DATES, ids=repr)
@pytest.mark.parametrize("call", DATE_CALLS, ids=str)
def test_a_non_date_is_rejected_naming_the_parameter(call: str, value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        DATE_CALLS[call](value)
    assert caught.value.field == FIELDS.get(call, "d")
    assert not isinstance(caught.value, CalendarRangeError)
    if isinstance(value, datetime):
        assert "naive datetime" in str(caught.value)
        assert "Asia/Ho_Chi_Minh" in str(caught.value)
    elif isinstance(value, str):
        assert "fromisoformat" in str(caught.value)


COUNT_CALLS = {
    "add_working_days": ("n", lambda x: CAL.add_working_days(DAY, x)),
    "period_end": ("days", lambda x: CAL.period_end(DAY, x)),
    "latest_before": ("days", lambda x: CAL.latest_before(DAY, x)),
    "days_off": ("year", CAL.days_off),
    "working_saturdays": ("year", CAL.working_saturdays),
    "working_days_per_month": ("year", CAL.working_days_per_month),
}


@pytest.mark.parametrize("value", [True, False, 1.0, 2.5, "3", None, DAY], ids=repr)
@pytest.mark.parametrize("call", COUNT_CALLS, ids=str)
def test_a_non_int_count_is_rejected(call: str, value: object) -> None:
    field, fn = COUNT_CALLS[call]
    with pytest.raises(InvalidInputError, match=f"^{field}: expected a whole number") as caught:
        fn(value)
    assert caught.value.field == field


@pytest.mark.parametrize("method", ["period_end", "latest_before"])
def test_negative_calendar_day_periods_are_rejected(method: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^days: must be >= 0, got -1"):
        getattr(CAL, method)(DAY, -1)


def test_numpy_style_integers_are_accepted() -> None:
    """Anything with __index__ (numpy.int64, IntEnum) is a whole number; bool is not."""
    np = pytest.importorskip("numpy")
    assert CAL.add_working_days(DAY, np.int64(1)) == d("2025-04-26")
    assert CAL.period_end(DAY, np.int32(1)) == d("2025-04-26")


# -- range ------------------------------------------------------------------------------------


@pytest.mark.parametrize("outside", [d("1999-12-31"), d("2051-01-01")])
@pytest.mark.parametrize("call", DATE_CALLS, ids=str)
def test_a_date_outside_the_range_is_refused(call: str, outside: date) -> None:
    with pytest.raises(CalendarRangeError) as caught:
        DATE_CALLS[call](outside)
    assert (caught.value.first, caught.value.last) == (d("2000-01-01"), d("2050-12-31"))
    assert caught.value.value == outside
    assert "2000-01-01..2050-12-31" in str(caught.value)


@pytest.mark.parametrize(("call", "field"), [
    (lambda: CAL.add_working_days(d("2050-12-20"), 30), "n"),
    (lambda: CAL.add_working_days(d("2000-01-10"), -30), "n"),
    (lambda: CAL.period_end(d("2050-12-20"), 30), "days"),
    (lambda: CAL.period_end(d("2050-12-31"), 0), "days"),  # a Saturday: rolls past the end
    (lambda: CAL.period_end(d("2050-12-20"), 10**9), "days"),
    (lambda: CAL.latest_before(d("2000-01-10"), 30), "days"),
    (lambda: CAL.latest_before(d("2000-01-02"), 0), "days"),  # Sunday, 1 Jan is a holiday
    (lambda: CAL.latest_before(d("2000-01-10"), 10**9), "days"),
    (lambda: CAL.days_off(2051), "year"),
    (lambda: CAL.working_saturdays(1999), "year"),
    (lambda: CAL.working_days_per_month(10**6), "year"),
])
def test_a_result_outside_the_range_is_refused_not_guessed(call, field: str) -> None:
    with pytest.raises(CalendarRangeError) as caught:
        call()
    assert caught.value.field == field


def test_a_narrow_range_is_honoured() -> None:
    cal = WorkCalendar.vietnam(years=range(2025, 2026))
    assert (cal.first, cal.last) == (d("2025-01-01"), d("2025-12-31"))
    assert cal.fingerprint.split("/")[2] == "2025-2025"
    assert WorkCalendar.vietnam(years=2025) is cal
    with pytest.raises(CalendarRangeError):
        cal.add_working_days(d("2025-12-30"), 5)


@pytest.mark.parametrize("years", [range(1800, 1901), range(2090, 2200), range(2000, 2051, 2),
                                   range(2030, 2020), "2020-2030", 2025.0, True, None])
def test_bad_years_are_rejected(years: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^years: "):
        WorkCalendar.vietnam(years=years)  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["en_US", "fr", "", None])
def test_bad_language_is_rejected(language: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^language: expected 'vi' or 'en'"):
        WorkCalendar.vietnam(language=language)  # type: ignore[arg-type]


# -- overrides --------------------------------------------------------------------------------


def test_extra_day_off_and_working_day_take_effect() -> None:
    """A storm closure on Tuesday 7 October 2025, made up on Saturday 11 October."""
    cal = WorkCalendar.vietnam(extra_days_off={d("2025-10-07"): "Nghỉ do bão số 11"},
                               extra_working_days=[d("2025-10-11")])
    assert not cal.is_working_day(d("2025-10-07"))
    assert cal.is_working_day(d("2025-10-11"))
    assert cal.add_working_days(d("2025-10-06"), 1) == d("2025-10-08")
    assert cal.add_working_days(d("2025-10-10"), 1) == d("2025-10-11")
    assert cal.explain(d("2025-10-06"), d("2025-10-08")) == [
        SkippedDay(d("2025-10-07"), "Nghỉ do bão số 11")]
    assert SpecialDay(d("2025-10-07"), "Thứ Ba", "Nghỉ do bão số 11") in cal.days_off(2025)
    assert SpecialDay(d("2025-10-11"), "Thứ Bảy", "Ngày làm việc (theo cấu hình)") in (
        cal.working_saturdays(2025))
    assert cal != CAL
    assert cal.working_days_per_month(2025)[9] == CAL.working_days_per_month(2025)[9]


def test_overrides_beat_the_published_data() -> None:
    """A holiday can be made a working day, the working Saturday a day off again."""
    cal = WorkCalendar.vietnam(extra_working_days={d("2025-05-02"): "Đi làm"},
                               extra_days_off={d("2025-04-26"): "Không làm bù"})
    assert cal.is_working_day(d("2025-05-02"))
    assert not cal.is_working_day(d("2025-04-26"))
    assert cal.working_saturdays(2025) == []
    assert d("2025-05-02") not in [s.date for s in cal.days_off(2025)]
    assert cal.explain(d("2025-04-25"), d("2025-04-28"))[0].reason == "Không làm bù"


def test_contradictory_overrides_are_rejected_naming_the_date() -> None:
    with pytest.raises(ConfigurationError, match="2025-10-07 is listed both"):
        WorkCalendar.vietnam(extra_days_off={d("2025-10-07"): "bão"},
                             extra_working_days=[d("2025-10-07")])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"extra_days_off": {"2025-10-07": "bão"}}, "expected a date, got str"),
    ({"extra_days_off": {datetime(2025, 10, 7): "bão"}}, "expected a date, got datetime"),
    ({"extra_days_off": {d("2025-10-07"): ""}}, "must be a non-empty string"),
    ({"extra_days_off": {d("2025-10-07"): None}}, "must be a non-empty string"),
    ({"extra_days_off": [d("2025-10-07")]}, "expected a mapping"),
    ({"extra_working_days": "2025-10-11"}, "expected dates or a mapping"),
    ({"extra_working_days": 5}, "expected dates or a mapping"),
    ({"extra_working_days": [20251011]}, "expected a date, got int"),
    ({"extra_days_off": {d("2060-01-05"): "x"}}, "2060-01-05 lies outside"),
])
def test_bad_overrides_are_configuration_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        WorkCalendar.vietnam(**kwargs)  # type: ignore[arg-type]


TOML_OK = """
[[day_off]]
date = 2025-10-07
reason = "Nghỉ do bão số 11"

[[working_day]]
date = 2025-10-11
reason = "Làm bù cho ngày 07/10"

[[working_day]]
date = 2025-10-18
"""


def test_overrides_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(TOML_OK, encoding="utf-8")
    cal = WorkCalendar.from_toml(path)
    assert cal is WorkCalendar.vietnam(overrides_file=str(path))
    assert not cal.is_working_day(d("2025-10-07"))
    assert cal.working_saturdays(2025)[1:] == [
        SpecialDay(d("2025-10-11"), "Thứ Bảy", "Làm bù cho ngày 07/10"),
        SpecialDay(d("2025-10-18"), "Thứ Bảy", "Ngày làm việc (theo cấu hình)"),
    ]
    same = WorkCalendar.vietnam(extra_days_off={d("2025-10-07"): "reworded"},
                                extra_working_days=[d("2025-10-11"), d("2025-10-18")])
    assert same == cal  # reasons do not change counts, so not the fingerprint either
    assert same.explain(d("2025-10-06"), d("2025-10-07"))[0].reason == "reworded"


def test_arguments_merge_with_the_file_and_win_on_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(TOML_OK, encoding="utf-8")
    cal = WorkCalendar.vietnam(overrides_file=path,
                               extra_days_off={d("2025-10-07"): "Bão Matmo",
                                               d("2025-10-08"): "Bão Matmo"})
    assert [s.reason for s in cal.explain(d("2025-10-06"), d("2025-10-08"))] == [
        "Bão Matmo", "Bão Matmo"]
    with pytest.raises(ConfigurationError, match="2025-10-11 is listed both"):
        WorkCalendar.vietnam(overrides_file=path, extra_days_off={d("2025-10-11"): "x"})


@pytest.mark.parametrize(("content", "message"), [
    ("[[day_off]\ndate = 2025-10-07", "not valid TOML"),
    ("[[day_off]]\ndate = 2025-10-07\n", "reason for 2025-10-07 must be a non-empty string"),
    ('[[day_off]]\ndate = "2025-10-07"\nreason = "x"\n', "write it unquoted"),
    ("[[day_off]]\ndate = 2025-10-07T08:00:00\nreason = 'x'\n", "expected a date, got datetime"),
    ("[[day_off]]\nreason = 'x'\n", r"\[\[day_off\]\] #1: needs a line date"),
    ("[[day_off]]\ndate = 2025-10-07\nreason = 'x'\nhours = 4\n", "unknown key 'hours'"),
    ("[[days_off]]\ndate = 2025-10-07\n", "unknown section 'days_off'"),
    ("[day_off]\ndate = 2025-10-07\n", r"write \[\[day_off\]\]"),
    ("[[working_day]]\ndate = 2025-10-11\n[[working_day]]\ndate = 2025-10-11\n",
     r"#2: 2025-10-11 is listed twice"),
    ("[[working_day]]\ndate = 2025-10-11\nreason = 3\n", "non-empty string"),
    ("[[day_off]]\ndate = 2025-10-07\nreason='x'\n[[working_day]]\ndate = 2025-10-07\n",
     "2025-10-07 is listed both"),
])
def test_bad_toml_is_a_configuration_error_naming_the_file(tmp_path: Path, content: str,
                                                          message: str) -> None:
    path = tmp_path / "bad-calendar.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message) as caught:
        WorkCalendar.from_toml(path)
    assert caught.value.__cause__ is None
    assert "bad-calendar.toml" in str(caught.value)


def test_unreadable_toml_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"missing\.toml: cannot read"):
        WorkCalendar.from_toml(tmp_path / "missing.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[[day_off]]\ndate = 2025-10-07\nreason = "bão"\n'.encode("latin-1"))
    with pytest.raises(ConfigurationError, match=r"latin\.toml: not valid TOML"):
        WorkCalendar.from_toml(latin)


# -- identity ---------------------------------------------------------------------------------


def test_fingerprint_names_the_data_version_range_and_overrides() -> None:
    """The fingerprint stored with each deadline says which data computed it."""
    assert CAL.holidays_version == importlib.metadata.version("holidays")
    assert CAL.fingerprint == (f"vn/holidays-{CAL.holidays_version}+{sources().digest}/"
                               "2000-2050/ov-none")
    storm = WorkCalendar.vietnam(extra_days_off={d("2025-10-07"): "bão"})
    assert re.fullmatch(r"vn/holidays-[\w.]+\+src-[0-9a-f]{8}/2000-2050/ov-[0-9a-f]{8}",
                        storm.fingerprint)
    culture = WorkCalendar.vietnam(culture_day_off=False)
    assert "+no-vh/" in culture.fingerprint
    assert culture != CAL
    assert storm.fingerprint != CAL.fingerprint
    swap = WorkCalendar.vietnam(extra_working_days=[d("2025-10-07")])
    assert swap.fingerprint != storm.fingerprint  # the kind of override matters too


def test_equality_hash_and_repr() -> None:
    assert EN == CAL  # the language changes wording, never a count
    assert hash(EN) == hash(CAL)
    assert EN.language == "en"
    assert CAL != "vn/holidays"
    assert CAL.fingerprint in repr(CAL)
    assert "language='vi'" in repr(CAL)


def test_calendars_are_cached_and_immutable() -> None:
    assert WorkCalendar.vietnam() is CAL
    assert WorkCalendar.vietnam(extra_days_off={}) is CAL
    with pytest.raises(AttributeError, match="immutable"):
        CAL.first = d("1999-01-01")
    with pytest.raises(AttributeError, match="immutable"):
        del CAL.language
    with pytest.raises(AttributeError):
        CAL.__dict__  # noqa: B018 - slots, no instance dict
    with pytest.raises(TypeError, match=r"WorkCalendar.vietnam\(\)"):
        WorkCalendar()


def test_pickle_round_trip_rebuilds_from_the_recipe() -> None:
    cal = WorkCalendar.vietnam(extra_days_off={d("2025-10-07"): "bão"})
    clone = pickle.loads(pickle.dumps(cal))  # noqa: S301 - our own object
    assert clone is cal  # same recipe, same cached object


def test_days_off_lists_holidays_on_weekends_and_skips_plain_weekends() -> None:
    off = CAL.days_off(2021)
    assert SpecialDay(d("2021-05-01"), "Thứ Bảy", "Ngày Quốc tế Lao động") in off
    assert all(s.reason not in ("Thứ Bảy", "Chủ nhật") for s in off)
    assert [s.date for s in off] == sorted(s.date for s in off)


# -- the data snapshot ------------------------------------------------------------------------


def snapshot_text() -> str:
    """Every named day off and working weekend day of 2020-2027, in both languages."""
    rows = ["date\tweekday\tkind\tname_vi\tname_en"]
    for year in range(2020, 2028):
        for kind, vi_days, en_days in (
            ("day_off", CAL.days_off(year), EN.days_off(year)),
            ("working_day", CAL.working_saturdays(year), EN.working_saturdays(year)),
        ):
            assert [s.date for s in vi_days] == [s.date for s in en_days]
            rows += [f"{v.date.isoformat()}\t{e.weekday}\t{kind}\t{v.reason}\t{e.reason}"
                     for v, e in zip(vi_days, en_days, strict=True)]
    header, *body = rows
    return "\n".join([header, *sorted(body)]) + "\n"


def test_day_off_table_matches_the_snapshot() -> None:
    """A new `holidays` release that changes Vietnam's data fails here, with a diff."""
    actual = snapshot_text()
    if os.environ.get(UPDATE_ENV):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(actual, encoding="utf-8")
        pytest.skip(f"snapshot rewritten: {SNAPSHOT}")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"{SNAPSHOT.name} (snapshot)",
            tofile=f"holidays {CAL.holidays_version} (now)"))
        pytest.fail(
            f"Vietnam's day-off data changed:\n{diff}\nCheck the change against the "
            f"government's announcements; if it is right, regenerate the snapshot with\n"
            f"  {UPDATE_ENV}=1 uv run pytest tests/test_calendar.py\n"
            "and mention it in the CHANGELOG (stored deadlines keep their old fingerprint).",
            pytrace=False)


def test_the_snapshot_contains_the_pinned_days() -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    for line in ("2025-04-26\tSaturday\tworking_day\t", "2021-05-03\tMonday\tday_off\t",
                 "2025-05-02\tFriday\tday_off\t", "2026-08-22\tSaturday\tworking_day\t"):
        assert line in text


def test_the_python_examples_of_docs_calendar_md_run() -> None:
    """docs/calendar.md stays true: its Python blocks assert their results."""
    text = (Path(__file__).parent.parent / "docs" / "calendar.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, "docs/calendar.md", "exec"), {})  # noqa: S102


def test_offsets_other_than_vietnam_are_converted() -> None:
    """23:30 on 25 April in UTC-5 is 11:30 on 26 April in Vietnam (working Saturday)."""
    instant = datetime(2025, 4, 25, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert CAL.add_working_days(instant, 0) == d("2025-04-26")


class TestWithOverrides:
    def test_refuses_what_vietnam_refuses(self) -> None:
        cal = WorkCalendar.vietnam(years=range(2025, 2027))
        day = date(2025, 10, 7)
        with pytest.raises(ConfigurationError, match="both as a day off and as a working"):
            cal.with_overrides(extra_days_off={day: "bão"}, extra_working_days=[day])
        with pytest.raises(ConfigurationError, match="outside the calendar's years 2025-2026"):
            cal.with_overrides(extra_days_off={date(2030, 1, 2): "bão"})
        with pytest.raises(ConfigurationError, match="extra_days_off"):
            cal.with_overrides(extra_days_off={day: ""})

    def test_keeps_language_and_years(self) -> None:
        cal = WorkCalendar.vietnam(years=range(2025, 2027), language="en")
        closed = cal.with_overrides(extra_days_off={date(2025, 10, 7): "Storm No. 11"})
        assert ("en", cal.first, cal.last) == (closed.language, closed.first, closed.last)
        assert [("2025-10-07", "Storm No. 11")] == [
            (s.date.isoformat(), s.reason)
            for s in closed.explain(date(2025, 10, 6), date(2025, 10, 7))]


# -- the announced days (issue 15) -----------------------------------------------------------


def ref_holidays_only_add(day: date, n: int) -> date:
    """``n`` working days after ``day`` by `holidays` alone (what the library did before)."""
    while n:
        day += timedelta(days=1)
        n -= day not in _HOLIDAYS and (day.weekday() < 5 or day in _HOLIDAYS.weekend_workdays)
    return day


def test_new_year_2026_follows_letter_12729_vpcp_kgvx() -> None:
    """`holidays` 0.109 missed the swap: Fri 2 January 2026 off, Sat 10 January worked."""
    assert (False, True) == (CAL.is_working_day(d("2026-01-02")),
                             CAL.is_working_day(d("2026-01-10")))
    [skipped] = [s for s in CAL.explain(d("2026-01-01"), d("2026-01-03")) if s.date.day == 2]
    assert "(12729/VPCP-KGVX, 25/12/2025)" in skipped.reason
    # 5 working days from Wed 31 Dec 2025 end on Fri 9 January, not on Thu 8 January as
    # `holidays` alone has it.
    assert (d("2026-01-09"), d("2026-01-08")) == (CAL.add_working_days(d("2025-12-31"), 5),
                                                  ref_holidays_only_add(d("2025-12-31"), 5))


def test_24_november_is_a_setting_on_by_default() -> None:
    """`holidays` 0.109 makes Ngày Văn hóa Việt Nam a day off, as Resolution 28/2026/QH16
    does; a host whose reading differs turns it off."""
    assert d("2026-11-24") in holidays.country_holidays("VN", years=2026)
    assert not CAL.is_working_day(d("2026-11-24"))
    assert "28/2026/QH16" in CAL.explain(d("2026-11-23"), d("2026-11-24"))[0].reason
    off = WorkCalendar.vietnam(years=range(2026, 2028), culture_day_off=False)
    assert off.is_working_day(d("2026-11-24"))
    with pytest.raises(InvalidInputError, match="culture_day_off"):
        WorkCalendar.vietnam(culture_day_off="yes")  # type: ignore[arg-type]


def test_years_without_an_announcement_are_provisional() -> None:
    """Days off of a year not announced yet say so in every explanation."""
    assert 2027 in CAL.provisional_years
    assert not {2021, 2025, 2026} & CAL.provisional_years
    [liberation] = list(CAL.explain(d("2027-04-29"), d("2027-04-30")))
    assert liberation.reason.endswith("(tạm tính, chưa có thông báo chính thức)")
    [may_day] = list(EN.explain(d("2021-04-30"), d("2021-05-01")))
    assert "provisional" not in may_day.reason
