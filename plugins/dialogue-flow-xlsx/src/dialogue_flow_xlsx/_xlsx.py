"""Writing a table as an .xlsx workbook and reading one back, with openpyxl.

Imported by the plugin's hooks only when a spreadsheet is written or read: openpyxl takes
a tenth of a second to import.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Final

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
#: What openpyxl (and the zip and XML readers under it) raise for a damaged workbook: a
#: package without a part, a part cut short or not XML, a cell it cannot convert.
_DAMAGED: Final = (InvalidFileException, zipfile.BadZipFile, zlib.error, EOFError,
                   SyntaxError, KeyError, IndexError, ValueError, TypeError)


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

    :raises InvalidInputError: the file is not an .xlsx workbook, is damaged (also while
        its rows are read: the error names the last row read, never a cell), or has no
        such sheet.
    """
    source = None
    failure: str | None = None
    try:
        source = Path(path).open("rb")  # noqa: SIM115 - closed with the workbook, or here
        book = load_workbook(source, read_only=True, data_only=True)
    except (*_DAMAGED, OSError) as exc:
        if source is not None:
            source.close()  # openpyxl leaves it open when the workbook fails to load
        failure = type(exc).__name__
    if failure is not None:
        # Raised outside the handler: openpyxl's error, which may quote a cell, is not
        # kept as the context of this one.
        raise InvalidInputError(
            "file", f"{path}: not an Excel workbook (.xlsx) that can be read ({failure}); "
            "save it from the spreadsheet as .xlsx or .csv")
    assert source is not None  # noqa: S101 - opened, else it failed
    try:
        ws = book[_sheet(path, [w.title for w in book.worksheets], sheet)]
    except BaseException:
        book.close()
        source.close()
        raise
    return _rows(path, book, ws, source)


def _sheet(path: str, names: Sequence[str], wanted: str | None) -> str:
    """The name of the sheet ``wanted`` names (``None``: the first), matched exactly, else
    ignoring case and Unicode form (as Excel compares them; a name typed in a terminal
    may be composed otherwise than the workbook's)."""
    if not names:
        raise InvalidInputError("file", f"{path} has no worksheet that can be read; save it "
                                "from the spreadsheet as .xlsx or .csv")
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    found = [n for n in names if _folded(n) == _folded(wanted)]
    if len(found) == 1:
        return found[0]
    listed = ", ".join(repr(n) for n in names)
    raise InvalidInputError("sheet", f"{path} has no sheet {wanted!r}; its sheets: {listed}")


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _rows(path: str, book: Any, ws: Any, source: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``ws``, each at least as long as the header (a row's empty cells at its
    end padded with ``None``); the workbook and its file closed once they are read."""
    # A workbook written by another program may state a wrong size ("A1"), and read-only
    # mode would then read that much only: read each row as far as it goes instead.
    ws.reset_dimensions()
    try:
        empty: list[tuple[Any, ...]] = []  # held back until a row with a cell follows
        width = 0
        cells = ws.iter_rows(values_only=True)
        read = 0
        while (raw := _next_row(path, cells, read)) is not None:
            read += 1
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
        source.close()


def _next_row(path: str, rows: Iterator[tuple[Any, ...]], read: int,
              ) -> tuple[Any, ...] | None:
    """The next row of ``rows`` (``None`` after the last); a damaged sheet an
    :class:`InvalidInputError` naming the rows read, never a cell (openpyxl's own message
    may quote one)."""
    try:
        return next(rows, None)
    except _DAMAGED as exc:
        failure = type(exc).__name__
    # Raised outside the handler, so openpyxl's error is not kept as its context.
    raise InvalidInputError(
        "file", f"{path}: the sheet is damaged after row {read} ({failure}); open the file "
        "in the spreadsheet and save it again as .xlsx or .csv")


def _value(value: object) -> object:
    """A cell's value as an import takes it: a date cell (a datetime at midnight) as a
    date."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
