"""Writing a table as an .xlsx workbook and reading one back, with openpyxl.

Imported by the plugin's hooks only when a spreadsheet is written or read: openpyxl takes
a tenth of a second to import.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from dialogue_flow import InvalidInputError

__all__ = ["DATE_FORMAT", "PERCENT_FORMAT", "read_rows", "sheet_names", "workbook_bytes"]

#: How a date cell shows (the Vietnamese order: day, month, year).
DATE_FORMAT: Final = "DD/MM/YYYY"
#: How a share from 0 to 1 shows (one decimal: 66.7%).
PERCENT_FORMAT: Final = "0.0%"
#: The longest sheet name Excel accepts, and the characters it refuses in one.
_SHEET_NAME_MAX: Final = 31
_NOT_IN_SHEET_NAMES: Final = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))
#: What a text cell starting with one of these would become: a formula (openpyxl writes a
#: text starting with "=" as one). Such cells are written as text.
_FORMULA_START: Final = "="


def workbook_bytes(table: Mapping[str, Any]) -> bytes:
    """``table`` (the mapping of ``dialogue_flow_write_table``) as an .xlsx workbook: a
    sheet per table sheet, its header row bold and frozen, its columns as wide as the
    table says, dates as real dates shown DD/MM/YYYY, shares as percentages."""
    book = Workbook(write_only=True)
    book.properties.title = str(table.get("title", ""))
    for name, sheet in zip(sheet_names([s["name"] for s in table["sheets"]]),
                           table["sheets"], strict=True):
        _write_sheet(book, name, sheet)
    if not table["sheets"]:
        book.create_sheet("Sheet1")  # a workbook needs a sheet
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_names(wanted: Sequence[object]) -> list[str]:
    """Names Excel accepts for sheets called ``wanted``, in order: at most 31 characters,
    none of ``[]:*?/\\``, never blank, each distinct (ignoring case, as Excel compares
    them): a repeated name gets `` (2)``, `` (3)``... within the 31 characters."""
    names: list[str] = []
    taken: set[str] = set()
    for index, raw in enumerate(wanted, start=1):
        base = str(raw).translate(_NOT_IN_SHEET_NAMES).strip().strip("'") or f"Sheet{index}"
        name, copy = base[:_SHEET_NAME_MAX], 1
        while name.casefold() in taken:
            copy += 1
            tail = f" ({copy})"
            name = base[:_SHEET_NAME_MAX - len(tail)] + tail
        taken.add(name.casefold())
        names.append(name)
    return names


def _write_sheet(book: Any, name: str, sheet: Mapping[str, Any]) -> None:
    ws = book.create_sheet(title=name)
    columns = sheet["columns"]
    for number, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(number)].width = float(column["width"])
    ws.freeze_panes = "A2"  # the header row stays on screen
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=_text(str(column["label"])))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    kinds = [str(column["type"]) for column in columns]
    for row in sheet["rows"]:
        ws.append([_cell(ws, value, kind) for value, kind in zip(row, kinds, strict=True)])


def _cell(ws: Any, value: object, kind: str) -> object:
    """What openpyxl writes for ``value`` in a column of ``kind``."""
    if value is None:
        return None
    if kind == "date":
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        cell = WriteOnlyCell(ws, value=day)
        cell.number_format = DATE_FORMAT
        return cell
    if kind == "percent" and isinstance(value, (int, float)):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = PERCENT_FORMAT
        return cell
    if isinstance(value, str):
        text = _text(value)
        if text.startswith(_FORMULA_START):
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = "s"  # shown as written, never run
            return cell
        return text
    return value


def _text(value: str) -> str:
    """``value`` without the control characters an .xlsx cannot hold."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", value))


def read_rows(path: str, sheet: str | None) -> Iterator[tuple[Any, ...]]:
    """The rows of sheet ``sheet`` (``None``: the first) of the workbook at ``path``, the
    header first: cells as typed (text, numbers, a date for a date cell at midnight, else
    a datetime), ``None`` for an empty one; empty rows at the end left out.

    The workbook is opened (and the sheet found) before this returns.

    :raises InvalidInputError: the file is not an .xlsx workbook, or has no such sheet.
    """
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InvalidInputError(
            "file", f"{path}: not an Excel workbook (.xlsx) that can be read "
            f"({type(exc).__name__}); save it from the spreadsheet as .xlsx or .csv") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            names = ", ".join(repr(n) for n in book.sheetnames)
            raise InvalidInputError("sheet", f"{path} has no sheet {sheet!r}; its sheets: "
                                    f"{names}")
    except BaseException:
        book.close()
        raise
    return _rows(book, ws)


def _rows(book: Any, ws: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of ``ws``, each at least as long as the header (a row's empty cells at its
    end padded with ``None``); the workbook closed once they are read."""
    # A workbook written by another program may state a wrong size ("A1"), and read-only
    # mode would then read that much only: read each row as far as it goes instead.
    ws.reset_dimensions()
    try:
        empty: list[tuple[Any, ...]] = []  # held back until a row with a cell follows
        width = 0
        for raw in ws.iter_rows(values_only=True):
            row = tuple(_value(v) for v in raw)
            width = width or len(row)
            row += (None,) * (width - len(row))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                empty.append(row)
                continue
            yield from empty
            empty.clear()
            yield row
    finally:
        book.close()


def _value(value: object) -> object:
    """A cell's value as an import takes it: a date cell (a datetime at midnight) as a
    date."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
