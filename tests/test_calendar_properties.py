"""Properties of WorkCalendar that must hold for every date and count (Hypothesis).

Each property is one sentence of the counting rules in docs/calendar.md; together they pin
the arithmetic down without trusting any single hand-made example.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dialogue_flow import VIETNAM_TZ, InvalidInputError, WorkCalendar
from strategies import (
    aware_datetimes,
    calendar_dates,
    day_counts,
    day_off_overrides,
    non_counts,
    non_dates,
    positive_counts,
    recent_dates,
    working_day_counts,
)

CAL = WorkCalendar.vietnam()
ONE = timedelta(days=1)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=30, deadline=None)

# A date drawn either anywhere in the range or where the irregular days cluster.
any_date = st.one_of(calendar_dates(), recent_dates())


def ref_add(cal: WorkCalendar, d: date, n: int) -> date:
    """Day by day, using only is_working_day: the obviously-correct slow definition."""
    step = ONE if n > 0 else -ONE
    for _ in range(abs(n)):
        d += step
        while not cal.is_working_day(d):
            d += step
    return d


@FAST
@given(any_date, working_day_counts())
def test_result_is_a_working_day(d: date, n: int) -> None:
    assume(n != 0)
    assert CAL.is_working_day(CAL.add_working_days(d, n))


@FAST
@given(any_date, working_day_counts())
def test_adding_n_is_adding_one_n_times(d: date, n: int) -> None:
    step = 1 if n >= 0 else -1
    expected = d
    for _ in range(abs(n)):
        expected = CAL.add_working_days(expected, step)
    assert CAL.add_working_days(d, n) == expected
    assert CAL.add_working_days(d, n) == ref_add(CAL, d, n)


@FAST
@given(any_date, st.integers(min_value=0, max_value=40), working_day_counts())
def test_monotonic_in_the_start_date(d: date, gap: int, n: int) -> None:
    later = d + timedelta(days=gap)
    assert CAL.add_working_days(d, n) <= CAL.add_working_days(later, n)


@FAST
@given(any_date, working_day_counts())
def test_working_days_between_inverts_add_working_days(d: date, n: int) -> None:
    """For every start, working day or not, and both signs."""
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n


@FAST
@given(any_date, positive_counts())
def test_backward_inverts_forward_from_a_working_day(d: date, n: int) -> None:
    assume(CAL.is_working_day(d))
    assert CAL.add_working_days(CAL.add_working_days(d, n), -n) == d
    assert CAL.add_working_days(CAL.add_working_days(d, -n), n) == d


@FAST
# Within the strategies' one-year margin (regression: -367 days from 2001-01-01 left the
# calendar's range and raised CalendarRangeError).
@given(any_date, st.integers(min_value=-360, max_value=360))
def test_working_days_between_counts_and_explain_lists_the_rest(a: date, offset: int) -> None:
    """Between a and b every day is either counted or explained, never both."""
    b = a + timedelta(days=offset)
    counted = CAL.working_days_between(a, b)
    skipped = CAL.explain(a, b)
    assert abs(counted) + len(skipped) == abs(offset)
    assert counted >= 0 if b >= a else counted <= 0
    # (a, b] one way, [a, b) on the way back (for a <= b): the two ends trade places
    ends = CAL.is_working_day(b) - CAL.is_working_day(a)
    assert CAL.working_days_between(b, a) == -counted + (ends if b >= a else -ends)
    lo, hi = (a, b) if b >= a else (b - ONE, a - ONE)  # (a, b] or [b, a)
    assert all(lo < s.date <= hi and not CAL.is_working_day(s.date) for s in skipped)
    assert [s.date for s in skipped] == sorted({s.date for s in skipped})


@FAST
@given(any_date, day_counts())
def test_period_end_is_the_first_working_day_on_or_after_d_plus_days(d: date, days: int) -> None:
    end = CAL.period_end(d, days)
    nominal = d + timedelta(days=days)
    assert CAL.is_working_day(end)
    assert end >= nominal
    assert not any(CAL.is_working_day(nominal + timedelta(days=k))
                   for k in range((end - nominal).days))


@FAST
@given(any_date, day_counts())
def test_latest_before_is_the_last_working_day_on_or_before_d_minus_days(d: date,
                                                                          days: int) -> None:
    latest = CAL.latest_before(d, days)
    nominal = d - timedelta(days=days)
    assert CAL.is_working_day(latest)
    assert latest <= nominal
    assert not any(CAL.is_working_day(nominal - timedelta(days=k))
                   for k in range((nominal - latest).days))


@FAST
@given(any_date, day_counts())
def test_period_end_and_latest_before_agree_with_working_day_steps(d: date, days: int) -> None:
    """Rolling forward is "0 working days after the day before"; rolling back is the mirror."""
    nominal = d + timedelta(days=days)
    assert CAL.period_end(d, days) == CAL.add_working_days(nominal - ONE, 1)
    back = d - timedelta(days=days)
    assert CAL.latest_before(d, days) == CAL.add_working_days(back + ONE, -1)


@SLOW
@given(day_off_overrides(date(2024, 1, 1), date(2026, 12, 31)),
       st.sets(calendar_dates(date(2024, 1, 1), date(2026, 12, 31)), max_size=5),
       calendar_dates(date(2024, 7, 1), date(2026, 6, 30)), working_day_counts())
def test_overrides_take_effect(off: dict[date, str], working: set[date], d: date,
                              n: int) -> None:
    working -= off.keys()
    cal = WorkCalendar.vietnam(years=range(2024, 2027), extra_days_off=off,
                               extra_working_days=working)
    base = WorkCalendar.vietnam(years=range(2024, 2027))
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        expected = (day in working or (day not in off and base.is_working_day(day)))
        assert cal.is_working_day(day) == expected, day
        day += ONE
    assert cal.add_working_days(d, n) == ref_add(cal, d, n)
    assert {s.date: s.reason for s in cal.explain(d, d + timedelta(days=60))
            if s.date in off} == {k: v.strip() for k, v in off.items()
                                  if d < k <= d + timedelta(days=60)}
    assert (cal == base) == (not off and not working)


@FAST
@given(aware_datetimes(), working_day_counts())
def test_aware_datetimes_count_from_their_vietnamese_date(instant, n: int) -> None:
    local = instant.astimezone(VIETNAM_TZ).date()
    assert CAL.add_working_days(instant, n) == CAL.add_working_days(local, n)
    assert CAL.is_working_day(instant) == CAL.is_working_day(local)


@FAST
@given(non_dates(), working_day_counts())
def test_non_dates_are_rejected_everywhere(value: object, n: int) -> None:
    for call in (lambda: CAL.add_working_days(value, n),  # type: ignore[arg-type]
                 lambda: CAL.is_working_day(value),  # type: ignore[arg-type]
                 lambda: CAL.working_days_between(value, date(2025, 1, 1)),  # type: ignore[arg-type]
                 lambda: CAL.explain(date(2025, 1, 1), value),  # type: ignore[arg-type]
                 lambda: CAL.period_end(value, abs(n))):  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            call()


@FAST
@given(calendar_dates(), non_counts())
def test_non_counts_are_rejected(d: date, value: object) -> None:
    for call in (lambda: CAL.add_working_days(d, value),  # type: ignore[arg-type]
                 lambda: CAL.period_end(d, value),  # type: ignore[arg-type]
                 lambda: CAL.latest_before(d, value)):  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            call()


@SLOW
@given(day_off_overrides(date(2024, 1, 1), date(2026, 12, 31)),
       day_off_overrides(date(2024, 1, 1), date(2026, 12, 31)),
       st.sets(calendar_dates(date(2024, 1, 1), date(2026, 12, 31)), max_size=5))
def test_with_overrides_layers_the_new_entries_over_the_old(
        old_off: dict[date, str], new_off: dict[date, str], new_working: set[date]) -> None:
    """An organisation's overrides on top of the flow's: the same calendar as one built
    with the merged overrides, the newer entry winning for a date both name."""
    new_working -= new_off.keys()
    years = range(2024, 2027)
    base = WorkCalendar.vietnam(years=years, extra_days_off=old_off)
    layered = base.with_overrides(extra_days_off=new_off, extra_working_days=new_working)
    merged_off = {d: r for d, r in old_off.items() if d not in new_working} | new_off
    assert layered == WorkCalendar.vietnam(years=years, extra_days_off=merged_off,
                                           extra_working_days=new_working)
    assert base.with_overrides() == base
