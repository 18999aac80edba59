"""Benchmark: WorkCalendar.add_working_days against the alternatives a developer would try.

    uv run python benchmarks/calendar.py

One run, one seeded set of 100,000 (start, n) pairs, start in 2020-2030, n in 1..60.
Each contender answers every pair (or a stated sample); we print µs per call, the ratio to
ours and how many answers disagree with ours. The correct numpy configuration is: weekmask
all seven days, holidays = every non-working day of the calendar, roll="backward" (a start
on a day off first steps back to the last working day, from which "the n-th working day
after" is the same answer). The Mon-Fri weekmask cannot express a working Saturday: that is
the trap a plain numpy business-day calendar falls into. Takes well under two minutes.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is called calendar.py: run as a script, its folder comes first on sys.path and
# it would shadow the standard library's `calendar` (which `holidays` and `email` import).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import gc  # noqa: E402
import importlib.metadata  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import dialogue_flow._calendar as calmod  # noqa: E402
from dialogue_flow import WorkCalendar  # noqa: E402

PAIRS = 100_000
SEED = 20250426
FIRST, LAST = date(2020, 1, 1), date(2030, 12, 31)
HOLIDAYS_BUDGET_S = 20.0  # above this projected time, holidays runs on a sample


def timed(fn, *, repeat=1):
    """Best wall time of ``repeat`` runs of fn(), with the garbage collector paused."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result


def deep_size(obj, seen=None):
    """Bytes held by obj and everything it references (each object counted once)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        size += sum(deep_size(x, seen) for x in obj)
    elif hasattr(obj, "__slots__") and not isinstance(obj, (str, bytes, int, date)):
        size += sum(deep_size(getattr(obj, name), seen) for name in obj.__slots__)
    return size


def same_data_as_ours(hol: Any) -> Any:
    """``holidays``' calendar with the announced days the package ships over it
    (calendars/vietnam.toml), and 24 November a day off (``culture_day_off=True``)."""
    from dialogue_flow._calendar_sources import sources  # noqa: PLC0415

    # holidays' pop() ignores a default: ask first.
    for culture_day in (date(year, 11, 24) for year in range(2026, 2032)):
        hol[culture_day] = "Ngày Văn hóa Việt Nam"
    for day in sources().days:
        if day.working:
            if day.date in hol:
                hol.pop(day.date)
            if day.date.weekday() >= 5:
                hol.weekend_workdays.add(day.date)
        else:
            hol[day.date] = day.reason
    return hol


def main() -> int:
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"holidays {importlib.metadata.version('holidays')}, numpy {np.__version__}")

    # -- build ----------------------------------------------------------------------------
    cold, cal = timed(WorkCalendar.vietnam)
    builds = []
    for _ in range(5):
        calmod._build.cache_clear()  # noqa: SLF001 - measure a real rebuild
        builds.append(timed(WorkCalendar.vietnam)[0])
    cal = WorkCalendar.vietnam()
    cached, _ = timed(lambda: [WorkCalendar.vietnam() for _ in range(1000)])
    print(f"\nBuild 2000-2050: first in process {cold * 1e3:.0f} ms (includes importing "
          f"holidays), rebuild {statistics.median(builds) * 1e3:.1f} ms (median of 5), "
          f"cached {cached / 1000 * 1e6:.1f} µs")
    print(f"Memory of the built calendar: {deep_size(cal) / 1e6:.2f} MB "
          f"({cal._size} days, {len(cal._working)} working days)")  # noqa: SLF001

    # -- the workload ---------------------------------------------------------------------
    rng = random.Random(SEED)
    span = (LAST - FIRST).days + 1
    pairs = [(FIRST + timedelta(days=rng.randrange(span)), rng.randint(1, 60))
             for _ in range(PAIRS)]
    print(f"\nWorkload: {PAIRS:,} (start, n) pairs, start {FIRST}..{LAST}, n 1..60, "
          f"seed {SEED}")

    add = cal.add_working_days
    t_ours, ours = timed(lambda: [add(d, n) for d, n in pairs], repeat=5)
    rows = [("dialogue_flow WorkCalendar.add_working_days", t_ours, PAIRS, 0, True)]

    # holidays' own method; it honours weekend_workdays (is_working_day checks them)
    import holidays  # noqa: PLC0415

    hol = same_data_as_ours(holidays.country_holidays("VN", years=range(2019, 2032),
                                                     language="vi"))
    nth = hol.get_nth_working_day
    probe_t, _ = timed(lambda: [nth(d, n) for d, n in pairs[:1000]])
    sample = PAIRS if probe_t * PAIRS / 1000 <= HOLIDAYS_BUDGET_S else 5_000
    t, got = timed(lambda: [nth(d, n) for d, n in pairs[:sample]])
    rows.append(("holidays get_nth_working_day"
                 + ("" if sample == PAIRS else f" (sample {sample:,})"),
                 t, sample, sum(g != o for g, o in zip(got, ours, strict=False)), True))

    # a plain day-by-day loop over the same published data
    off = set(hol.keys())
    ww = hol.weekend_workdays
    one = timedelta(days=1)

    def day_by_day(d, n):
        while n:
            d += one
            if d not in off and (d.weekday() < 5 or d in ww):
                n -= 1
        return d

    t, got = timed(lambda: [day_by_day(d, n) for d, n in pairs])
    rows.append(("plain day-by-day loop", t, PAIRS, sum(g != o for g, o in zip(got, ours,
                                                                                strict=True)),
                 True))

    # numpy, correctly configured
    non_working = [date.fromordinal(o) for o in cal._off_ords]  # noqa: SLF001
    good = np.busdaycalendar(weekmask="1111111", holidays=np.array(non_working, "datetime64[D]"))

    def np_one(d, n):
        return np.busday_offset(np.datetime64(d, "D"), n, roll="backward",
                                busdaycal=good).item()

    t, got = timed(lambda: [np_one(d, n) for d, n in pairs])
    rows.append(("numpy busday_offset, one call per pair", t, PAIRS,
                 sum(g != o for g, o in zip(got, ours, strict=True)), True))
    starts = np.array([d for d, _ in pairs], dtype="datetime64[D]")
    counts = np.array([n for _, n in pairs], dtype=np.int64)
    t_vec, res = timed(lambda: np.busday_offset(starts, counts, roll="backward", busdaycal=good),
                       repeat=5)
    got = res.astype(object).tolist()
    rows.append(("numpy busday_offset, vectorised (call only)", t_vec, PAIRS,
                 sum(g != o for g, o in zip(got, ours, strict=True)), True))
    t, res = timed(lambda: np.busday_offset(
        np.array([d for d, _ in pairs], dtype="datetime64[D]"),
        np.array([n for _, n in pairs], dtype=np.int64),
        roll="backward", busdaycal=good).astype(object).tolist(), repeat=3)
    rows.append(("numpy busday_offset, vectorised (with conversions)", t, PAIRS,
                 sum(g != o for g, o in zip(res, ours, strict=True)), True))

    # numpy the obvious way: Mon-Fri + the holiday list. Cannot express a working Saturday.
    public = np.array(sorted(d for d in hol if FIRST.year - 1 <= d.year <= LAST.year + 1),
                      dtype="datetime64[D]")
    naive = np.busdaycalendar(weekmask="1111100", holidays=public)
    for roll in ("backward", "forward"):
        t, res = timed(lambda roll=roll: np.busday_offset(starts, counts, roll=roll,
                                                          busdaycal=naive))
        got = res.astype(object).tolist()
        rows.append((f"numpy Mon-Fri weekmask + holidays, roll={roll} (the trap)", t, PAIRS,
                     sum(g != o for g, o in zip(got, ours, strict=True)), False))

    # -- report ---------------------------------------------------------------------------
    us_ours = t_ours / PAIRS * 1e6
    print(f"\n{'contender':<58} {'µs/call':>9} {'vs ours':>8} {'disagree':>14}")
    for name, seconds, count, wrong, _ in rows:
        us = seconds / count * 1e6
        print(f"{name:<58} {us:>9.3f} {us / us_ours:>7.1f}x "
              f"{wrong:>6,} ({wrong / count:5.2%})")

    us = {name: seconds / count * 1e6 for name, seconds, count, _, _ in rows}
    hol_name = rows[1][0]
    checks = [
        (">= 150x faster than holidays' get_nth_working_day",
         us[hol_name] / us_ours >= 150, f"{us[hol_name] / us_ours:.0f}x"),
        ("faster per item than vectorised numpy (call only)",
         us_ours < us["numpy busday_offset, vectorised (call only)"],
         f"{us_ours:.3f} vs {us['numpy busday_offset, vectorised (call only)']:.3f} µs"),
        ("zero disagreements for the correct configurations",
         all(wrong == 0 for _, _, _, wrong, correct in rows if correct),
         str(sum(wrong for _, _, _, wrong, correct in rows if correct))),
        ("~0.2 µs per add_working_days call (loop included)", us_ours <= 0.25,
         f"{us_ours:.3f} µs"),
    ]
    print("\nTargets:")
    for label, ok, figure in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {label}: {figure}")
    return 0 if all(ok for _, ok, _ in checks[:3]) else 1


if __name__ == "__main__":
    sys.exit(main())
