"""``dialogue-flow calendar`` and ``dialogue-flow deadline`` through click's CliRunner."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from dialogue_flow.cli import main

if TYPE_CHECKING:
    from pathlib import Path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.output


def test_calendar_2025_in_vietnamese() -> None:
    code, out = run("calendar", "2025")
    assert code == 0
    assert "2025-04-07  Thứ Hai   Ngày Giỗ Tổ Hùng Vương" in out
    assert "2025-05-02  Thứ Sáu   Ngày nghỉ (thay cho ngày 26/04/2025)" in out
    assert "2025-04-26  Thứ Bảy   Ngày làm bù (cho ngày nghỉ 02/05/2025)" in out
    assert "Tháng  1   17" in out
    assert "Cả năm    250" in out
    assert "vn/holidays-" in out


def test_calendar_2021_in_english_has_no_working_saturday() -> None:
    code, out = run("calendar", "2021", "--lang", "en")
    assert code == 0
    assert "2021-05-03  Monday    International Labor Day (observed)" in out
    assert "Working Saturdays / Sundays:\n  (none)" in out


@pytest.mark.parametrize(("args", "message"), [
    (["calendar", "2060"], "2060 is outside the calendar's years 2000-2050"),
    (["calendar", "twenty"], "'twenty' is not a valid integer"),
    (["calendar", "2025", "--lang", "fr"], "'fr' is not one of 'vi', 'en'"),
])
def test_calendar_bad_input_is_a_usage_error(args: list[str], message: str) -> None:
    code, out = run(*args)
    assert code == 2
    assert message in out
    assert "Traceback" not in out


def test_deadline_in_working_days_explains_the_skipped_days() -> None:
    code, out = run("deadline", "2021-06-25", "--working-days", "30")
    assert code == 0
    assert out.startswith("2021-06-25 + 30 ngày làm việc = 2021-08-06 (Thứ Sáu)\n")
    assert "Ngày không tính (12):" in out
    assert "2021-06-26  Thứ Bảy   Thứ Bảy" in out


def test_deadline_over_the_2025_holidays_in_english() -> None:
    code, out = run("deadline", "2025-04-29", "--working-days", "1", "--lang", "en")
    assert code == 0
    assert "2025-04-29 + 1 working day = 2025-05-05 (Monday)" in out
    assert "2025-05-02  Friday    Day off (substituted from 04/26/2025)" in out
    assert "Days not counted (5):" in out


def test_deadline_backwards() -> None:
    code, out = run("deadline", "2021-08-06", "--working-days", "-30")
    assert code == 0
    assert out.startswith("2021-08-06 - 30 ngày làm việc = 2021-06-25 (Thứ Sáu)")


def test_deadline_in_calendar_days_rolls_forward() -> None:
    code, out = run("deadline", "2025-04-28", "--days", "4")
    assert code == 0
    assert "2025-04-28 + 4 ngày = 2025-05-02; hạn cuối: 2025-05-05 (Thứ Hai)" in out
    assert "Hạn dời qua các ngày nghỉ (3):" in out


def test_deadline_before_rolls_back() -> None:
    code, out = run("deadline", "2025-05-07", "--before", "7", "--lang", "en")
    assert code == 0
    assert "No later than 7 days before 2025-05-07: 2025-04-29 (Tuesday)" in out
    assert "2025-04-30  Wednesday Liberation Day/Reunification Day" in out


@pytest.mark.parametrize(("args", "message"), [
    (["deadline", "2025-04-28"], "give exactly one of --working-days, --days, --before"),
    (["deadline", "2025-04-28", "--days", "3", "--before", "2"], "(got --days, --before)"),
    (["deadline", "2025-13-01", "--days", "3"], "'2025-13-01' does not match the format"),
    (["deadline", "28/04/2025", "--days", "3"], "does not match the format '%Y-%m-%d'"),
    (["deadline", "2025-04-28", "--days", "-3"], "-3 is not in the range x>=0"),
    (["deadline", "2025-04-28", "--working-days", "1.5"], "'1.5' is not a valid integer"),
    (["deadline", "1999-12-01", "--days", "3"],
     "Invalid value for 'START': 1999-12-01 is outside the calendar's range"),
    (["deadline", "2050-12-01", "--working-days", "60"],
     "Invalid value for '--working-days': the deadline would fall outside"),
    (["deadline", "2000-01-05", "--before", "30"],
     "Invalid value for '--before': the deadline would fall outside"),
])
def test_deadline_bad_input_is_a_usage_error(args: list[str], message: str) -> None:
    code, out = run(*args)
    assert code == 2
    assert message in out
    assert "Traceback" not in out


def test_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "storm.toml"
    path.write_text('[[day_off]]\ndate = 2025-10-07\nreason = "Nghỉ do bão"\n', encoding="utf-8")
    code, out = run("deadline", "2025-10-06", "--working-days", "1", "--overrides", str(path))
    assert code == 0
    assert "= 2025-10-08" in out
    assert "2025-10-07  Thứ Ba    Nghỉ do bão" in out
    code, out = run("calendar", "2025", "--overrides", str(path))
    assert "2025-10-07  Thứ Ba    Nghỉ do bão" in out
    assert "/ov-" in out
    assert "ov-none" not in out


def test_bad_overrides_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[day_off]\n", encoding="utf-8")
    code, out = run("calendar", "2025", "--overrides", str(path))
    assert code == 2
    assert "Invalid value for '--overrides'" in out
    assert "bad.toml: not valid TOML" in out


def test_check_lists_where_holidays_and_the_announcements_disagree() -> None:
    """`calendar YEAR --check` (issue 15): the New Year 2026 swap `holidays` misses, with
    its document, and the 24 November setting; a year before the data agrees."""
    code, out = run("calendar", "2026", "--check")
    assert code == 0
    assert ("2026-01-02  holidays: làm việc; lịch này: nghỉ — Nghỉ Tết Dương lịch (hoán đổi "
            "với thứ Bảy 10/01/2026) (12729/VPCP-KGVX, 25/12/2025)") in out
    assert "2026-01-10  holidays: nghỉ; lịch này: làm việc" in out
    check = out.split("Đối chiếu holidays")[1]
    assert "2026-11-24" not in check  # a day off in both (culture_day_off=True)
    assert "năm đã có đủ thông báo" in check
    code, out = run("calendar", "2021", "--check", "--lang", "en")
    assert (0, True) == (code, out.rstrip().endswith("holidays and the announced days agree"))
