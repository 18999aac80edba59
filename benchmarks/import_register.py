"""Importing an office's register of 100,000 rows into a SQLite file (issue 18).

Run: ``uv run python benchmarks/import_register.py [--n 100000] [--seed 18]``.

The data set: ``n`` rows of a register as an office keeps one (``benchmarks`` writes it as a
CSV with the register's Vietnamese headers): a number, a day of receipt over 2021-2023
written DD/MM/YYYY, a channel and a kind in words, a petitioner (name, address, a phone for
most, an e-mail for some, anonymous for one row in ten), a topic, a content of 20-60
Vietnamese words, a department for six rows in ten, a competent level for one in twenty,
the day and text of a written answer for three in ten, and a column an import ignores.

Printed, each the best of one run on a fresh file:

- **read**: reading the CSV into rows alone (the standard library's ``csv``), the floor
  any import of the file pays; with dialogue-flow-xlsx installed, the same rows written to
  an ``.xlsx`` (openpyxl) and read back through the format hook
  (``dialogue_flow_read_table``), as ``dialogue-flow import`` reads a spreadsheet;
- **validate**: ``flow.import_register(rows, dry_run=True)``: the header mapped, every
  cell parsed and checked, every clock counted, the keys looked up; nothing written;
- **import**: ``flow.import_register(rows)``: the same, then every submission, audit row
  and key written in one commit; **write** is import minus validate;
- **total**: read + import, what a clerk waits for;
- **re-import**: the same rows again (everything skipped, nothing written);
- the load average before and after: on a shared machine the wall times include waiting
  for other processes, so the CPU seconds are printed beside them.

Target (issue 18): total <= 30 s for 100,000 rows on SQLite.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py, which would shadow the standard library's calendar.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

from dialogue_flow import Actor, DialogueFlow, FixedClock, Role, load_plugins  # noqa: E402
from dialogue_flow._formats import call_format_hook  # noqa: E402

_T = TypeVar("_T")

_VOCABULARY = (
    "đất đai quyền sử dụng giấy chứng nhận cấp đổi tranh chấp ranh giới thửa đất bồi thường "
    "giải phóng mặt bằng tái định cư ô nhiễm môi trường nước thải rác sinh hoạt khói bụi "
    "đường giao thông nông thôn cầu cống sạt lở mương thủy lợi tưới tiêu điện chiếu sáng "
    "trường học y tế trạm bảo hiểm xã hội hộ nghèo chính sách người có công việc làm thanh "
    "niên an ninh trật tự cờ bạc ma túy tiếng ồn karaoke chợ vệ sinh an toàn thực phẩm")
WORDS = tuple(_VOCABULARY.split())
TOPICS = ("Đất đai", "Môi trường", "Giao thông", "Chính sách xã hội", "An ninh trật tự",
          "Y tế", "Giáo dục")
DEPARTMENTS = ("Địa chính", "Văn hóa - Xã hội", "Công an xã", "Tư pháp", "Kinh tế")
CHANNELS = ("Gửi bằng văn bản", "Phát biểu trực tiếp tại hội nghị", "Tiếp công dân định kỳ")
KINDS = ("Kiến nghị", "Ý kiến", "Phản ánh", "Câu hỏi")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
GIVEN = ("Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Minh Đức", "Thị Hoa", "Văn Hùng")
HEADER = ("Số thứ tự", "Ngày tiếp nhận", "Hình thức tiếp nhận", "Loại", "Họ và tên",
          "Địa chỉ", "Điện thoại", "Thư điện tử", "Lĩnh vực", "Nội dung",
          "Cơ quan, bộ phận giải quyết", "Cấp có thẩm quyền", "Ngày trả lời",
          "Nội dung trả lời", "Ghi chú")
FIRST = dt.date(2021, 1, 4)
DAYS = 3 * 365


def register_rows(n: int, rng: random.Random) -> list[list[str]]:
    """``n`` rows of a register (the header not included), all text as in a CSV."""
    rows = []
    for number in range(1, n + 1):
        received = FIRST + dt.timedelta(days=rng.randrange(DAYS))
        anonymous = rng.random() < 0.1
        name = "" if anonymous else f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        department = rng.choice(DEPARTMENTS) if rng.random() < 0.6 else ""
        competent = "UBND huyện" if not department and rng.random() < 0.12 else ""
        answered = rng.random() < 0.3
        answered_on = received + dt.timedelta(days=rng.randrange(1, 40))
        rows.append([
            str(number), received.strftime("%d/%m/%Y"), rng.choice(CHANNELS),
            rng.choice(KINDS), name, "" if anonymous else f"Thôn {rng.randrange(1, 12)}",
            "" if anonymous else f"09{rng.randrange(10**8):08d}",
            f"nguoi{number}@example.vn" if rng.random() < 0.2 and not anonymous else "",
            rng.choice(TOPICS),
            " ".join(rng.choice(WORDS) for _ in range(rng.randrange(20, 61))),
            department, competent,
            answered_on.strftime("%d/%m/%Y") if answered and answered_on < TODAY else "",
            "Đã trả lời bằng văn bản." if answered and answered_on < TODAY else "",
            f"ghi chú {number % 7}"])
    return rows


TODAY = dt.date(2024, 6, 3)


#: CPU seconds of the last :func:`timed` action (the machine may be shared: wall time
#: includes waiting for other processes and for the disk).
CPU = [0.0]


def timed(action: Callable[[], _T]) -> tuple[_T, float]:
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    CPU[0] = time.process_time() - cpu
    return result, time.perf_counter() - start


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def xlsx_read(rows: Sequence[Sequence[object]], folder: Path) -> float | str:
    """Seconds to read the rows back from an .xlsx through the format hook, or why not."""
    if importlib.util.find_spec("dialogue_flow_xlsx") is None:
        return "skipped: dialogue-flow-xlsx is not installed"
    if importlib.util.find_spec("openpyxl") is None:
        return "skipped: openpyxl is not installed"
    import openpyxl  # noqa: PLC0415 - only when the xlsx plugin is installed

    path = folder / "register.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sổ theo dõi")
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    pm = load_plugins(entry_points=False)
    try:
        _read, seconds = timed(lambda: [list(r) for r in call_format_hook(
            pm, "dialogue_flow_read_table", "xlsx", path=path, sheet=None)])
    except Exception as exc:  # noqa: BLE001 - the plugin may not read yet
        return f"skipped: the xlsx plugin cannot read yet ({type(exc).__name__}: {exc})"
    return seconds


def run(n: int, seed: int, *, xlsx: bool = True) -> None:
    rng = random.Random(seed)
    office = Actor("van-phong", "Văn phòng Đảng ủy", Role.OFFICE)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "register.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([list(HEADER), *register_rows(n, rng)])
        size = path.stat().st_size
        load = os.getloadavg()[0]
        rows, read = timed(lambda: read_csv(path))
        read_cpu = CPU[0]
        print(f"{n:,} rows, CSV of {size / 1e6:.1f} MB")
        print(f"read CSV          {read:7.2f} s  (CPU {read_cpu:5.2f} s)")
        spreadsheet = xlsx_read(rows, folder) if xlsx else "skipped: --no-xlsx"
        print(f"read xlsx         {spreadsheet:7.2f} s" if isinstance(spreadsheet, float)
              else f"read xlsx         {spreadsheet}")

        def flow_on(name: str) -> Any:
            return DialogueFlow.open(f"sqlite:///{folder / name}", clock=FixedClock(TODAY))

        with flow_on("validate.db") as flow:
            result, validate = timed(lambda: flow.import_register(rows, actor=office,
                                                                   dry_run=True))
            validate_cpu = CPU[0]
            assert result.added == n, result  # noqa: S101 - a benchmark's own check
        with flow_on("import.db") as flow:
            result, imported = timed(lambda: flow.import_register(rows, actor=office))
            imported_cpu = CPU[0]
            assert result.added == n, result  # noqa: S101
            again, reimport = timed(lambda: flow.import_register(rows, actor=office))
            assert (again.added, again.skipped) == (0, n), again  # noqa: S101
        db = (folder / "import.db").stat().st_size
        print(f"validate          {validate:7.2f} s  (CPU {validate_cpu:5.2f} s; dry run: "
              "parse, check, clocks, keys)")
        print(f"write             {imported - validate:7.2f} s  (import minus validate)")
        print(f"import            {imported:7.2f} s  (CPU {imported_cpu:5.2f} s; validate + "
              f"one commit; database {db / 1e6:.0f} MB)")
        total = read + imported
        print(f"total             {total:7.2f} s  (CPU {read_cpu + imported_cpu:5.2f} s; read CSV "
              f"+ import; target <= 30 s: {'met' if total <= 30 else 'MISSED'})")
        print(f"re-import         {reimport:7.2f} s  (all {n:,} skipped)")
        print(f"load average      {load:.1f} before, {os.getloadavg()[0]:.1f} after (1 minute; "
              f"{os.cpu_count()} CPUs: other processes' share of them is in the wall times)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--no-xlsx", action="store_true", help="skip the .xlsx read")
    args = parser.parse_args()
    run(args.n, args.seed, xlsx=not args.no_xlsx)


if __name__ == "__main__":
    main()
