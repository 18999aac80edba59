"""Tables as files (issue 18): ``.csv`` written and read by the library itself, any other
suffix (``.xlsx``) by the plugin for that format (:func:`~dialogue_flow._formats.call_format_hook`).

A ``.csv`` is written in UTF-8 with a byte-order mark, so that Excel opens Vietnamese text
right, each text cell that a spreadsheet would take for a formula (``=``, ``+``, ``-``,
``@``...) behind a ``'``; a file of several sheets (a report) as one block per sheet, each
headed by a line with the sheet's name and separated by an empty line. Read back, a
``.csv`` may be UTF-8 with or without the mark, its delimiter ``,``, ``;`` (Excel's in a
Vietnamese or French locale) or a tab, guessed from the header line; the ``'`` written
before a formula's first character is taken off again (a text that itself starts with
``'`` before such a character, ``'=A1``, gets one more, so it reads back as it was), and
empty rows at the end (a spreadsheet saves some) are left out.

A file is written whole or not at all: into a temporary file beside it, then renamed; a
file marked read-only is not replaced.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import secrets
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from ._errors import ConfigurationError, InvalidInputError, PluginError
from ._formats import call_format_hook
from ._plugins import PluginManager
from ._report import _FORMULA_START

__all__ = ["read_csv", "read_table_file", "table_csv", "table_format", "write_table_file"]

#: The spreadsheet formats this project's plugins write and read (the library: ``csv``).
_PUBLISHED: Final = frozenset({"xlsx"})

#: The delimiters a CSV may use, the first winning a tie.
_DELIMITERS: Final = (",", ";", "\t")

#: How much of a CSV file is read to guess its delimiter (its header line lies within).
_SNIFF_CHARS: Final = 1 << 16
#: The byte-order mark, as a character.
_BOM: Final = "\ufeff"

#: The types a table's column may have (:func:`dialogue_flow_write_table`).
_COLUMN_TYPES: Final = frozenset({"text", "date", "integer", "number", "percent"})


def table_format(path: Path, field: str = "output") -> str:
    """The format a file's suffix names (``"xlsx"`` for ``register.XLSX``).

    :raises InvalidInputError: the name has no suffix.
    """
    fmt = path.suffix.lower().removeprefix(".")
    if not fmt:
        raise InvalidInputError(field, f"{str(path)!r} has no suffix to tell its format: "
                                "name a .xlsx or a .csv file")
    return fmt


def write_table_file(path: Path, table: Mapping[str, Any], *, language: str,
                     plugins: PluginManager) -> None:
    """Write ``table`` (the mapping of :func:`dialogue_flow_write_table`) to ``path`` in
    the format its suffix names: ``.csv`` by the library, others by a plugin.

    :raises InvalidInputError: ``path`` has no suffix, or ``table`` is not such a mapping
        (a row with more or fewer cells than columns, a date cell that is not a date:
        named by sheet, row and column, never quoting a cell).
    :raises ConfigurationError: no plugin writes that format (naming what to install).
    :raises PluginError: the plugin answered something other than bytes.
    :raises OSError: the file cannot be written (:exc:`PermissionError` for one marked
        read-only, which the rename would otherwise replace).
    """
    fmt = table_format(path)
    _check_table(table)
    if fmt == "csv":
        data = table_csv(table)
    else:
        data = _format_hook(plugins, "dialogue_flow_write_table", fmt, table=table,
                            language=language)
        if not isinstance(data, bytes):
            raise PluginError(f"the plugin writing .{fmt} files returned "
                              f"{type(data).__name__}, not bytes")
    _write_whole(path, data)


def _check_table(table: object) -> None:
    """Check that ``table`` is what :func:`dialogue_flow_write_table` takes: a host's own
    table fails here, naming where, instead of deep inside a writer (the ``zip`` of the
    CSV writer, openpyxl's date conversion).

    :raises InvalidInputError: on ``table``, naming the sheet, row and column.
    """
    if not isinstance(table, Mapping) or not isinstance(table.get("sheets"), Sequence):
        raise InvalidInputError("table", 'expected a mapping with "sheets": a list of '
                                '{"name", "columns", "rows"}')
    for number, sheet in enumerate(table["sheets"], start=1):
        where = f"sheet {number}"
        if not isinstance(sheet, Mapping) or not all(
                isinstance(sheet.get(k), Sequence) for k in ("columns", "rows")):
            raise InvalidInputError("table", f'{where}: expected {{"name", "columns", '
                                    '"rows"}, the columns and rows lists')
        kinds = []
        for column in sheet["columns"]:
            kind = column.get("type") if isinstance(column, Mapping) else None
            if kind not in _COLUMN_TYPES or not isinstance(column.get("width"), (int, float)):
                raise InvalidInputError("table", f'{where}: a column is {{"key", "label", '
                                        f'"type", "width"}}, its type one of '
                                        f"{', '.join(sorted(_COLUMN_TYPES))}")
            kinds.append(kind)
        dates = [index for index, kind in enumerate(kinds) if kind == "date"]
        for row_number, row in enumerate(sheet["rows"], start=1):
            if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(
                    row) != len(kinds):
                raise InvalidInputError("table", f"{where}, row {row_number}: expected a "
                                        f"list of {len(kinds)} cells, one per column")
            for index in dates:
                if row[index] is not None and not _is_date(row[index]):
                    raise InvalidInputError("table", f"{where}, row {row_number}, column "
                                            f"{index + 1}: a date column's cell is a date "
                                            "or ISO text (2021-06-17)")


def _is_date(cell: object) -> bool:
    if isinstance(cell, dt.date):
        return True
    if not isinstance(cell, str):
        return False
    try:
        dt.date.fromisoformat(cell)
    except ValueError:
        return False
    return True


def _write_whole(path: Path, data: bytes) -> None:
    """``data`` into ``path`` through a temporary file renamed over it: a reader never
    sees half a file, and a failed write leaves what was there. The file gets the
    permissions any new file gets (the umask's), not a temporary file's owner-only ones.
    A file there marked read-only (no write permission for anyone) is left alone: renaming
    over it would replace it, as writing into it would not."""
    if path.is_file() and not stat.S_IMODE(path.stat().st_mode) & 0o222:
        raise PermissionError(errno.EACCES, "the file is marked read-only; make it writable "
                              "or choose another name", str(path))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as out:
            out.write(data)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def table_csv(table: Mapping[str, Any]) -> bytes:
    """``table`` as CSV in UTF-8 with a byte-order mark: the header of labels, then the
    rows; several sheets one after the other, each headed by its name."""
    sheets = table["sheets"]
    out = io.StringIO()
    writer = csv.writer(out)
    for index, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if index:
                writer.writerow([])
            writer.writerow([_escaped(str(sheet["name"]))])
        columns = sheet["columns"]
        writer.writerow([_escaped(str(c["label"])) for c in columns])
        kinds = [c["type"] for c in columns]
        for row in sheet["rows"]:
            writer.writerow([_csv_text(cell, kind) for cell, kind in zip(row, kinds,
                                                                        strict=True)])
    return out.getvalue().encode("utf-8-sig")


def _csv_text(cell: object, kind: str) -> str:
    if cell is None:
        return ""
    if kind == "percent" and isinstance(cell, (int, float)):
        return f"{cell * 100:.1f}%"
    if isinstance(cell, str):
        return _escaped(cell)
    return str(cell)


def _escaped(text: str) -> str:
    """A cell a spreadsheet shows as text: a ``'`` before a text whose first character
    after any ``'`` would start a formula (``=HYPERLINK(...)``, ``-1+2``, ``'=A1``), which
    :func:`_unescaped` takes off again."""
    return "'" + text if text.lstrip("'").startswith(_FORMULA_START) else text


def read_table_file(path: Path, *, sheet: str | None,
                    plugins: PluginManager) -> Iterator[Sequence[Any]]:
    """The rows of ``path``, the header first: a ``.csv`` read by the library (cells as
    text), others by the plugin for the suffix (typed cells: dates, numbers).

    :raises InvalidInputError: no such file, no suffix, a sheet named for a CSV, or a file
        that is not of the format its suffix says.
    :raises ConfigurationError: no plugin reads that format.
    """
    fmt = table_format(path, "file")
    if not path.is_file():
        raise InvalidInputError("file", f"{str(path)!r}: no such file")
    if fmt == "csv":
        if sheet is not None:
            raise InvalidInputError("sheet", f"{path.name} is a .csv file: it has no sheets "
                                    "to choose from")
        return read_csv(path)
    rows = _format_hook(plugins, "dialogue_flow_read_table", fmt, path=str(path),
                        sheet=sheet)
    return iter(rows)


def _format_hook(plugins: PluginManager, hook: str, fmt: str, **kwargs: Any) -> Any:
    """:func:`call_format_hook`, its error for a format no plugin handles naming the
    spreadsheet formats there are (the format's own plugin, as for ``.docx``, may write
    other things than tables: installing it would not help)."""
    try:
        return call_format_hook(plugins, hook, fmt, **kwargs)
    except ConfigurationError as exc:
        if fmt in _PUBLISHED:
            raise
        what = "writes tables as" if hook == "dialogue_flow_write_table" else "reads tables from"
        raise ConfigurationError(
            f"no plugin {what} .{fmt} files: use a .xlsx file (dialogue-flow-xlsx) or a .csv "
            f"file, or install a plugin that implements {hook} for .{fmt}") from exc


def read_csv(path: Path) -> Iterator[list[str]]:
    """The rows of a CSV file (UTF-8, with or without a byte-order mark, even twice; ``,``,
    ``;`` or tab between cells), each a list of text cells; empty rows at the end left out.

    :raises InvalidInputError: not UTF-8 text, or not CSV (the line named); raised when the
        file is opened for the encoding of its start, else while reading.
    """
    source = path.open(encoding="utf-8-sig", newline="")  # closed by _rows
    try:
        sample = source.read(_SNIFF_CHARS)
        source.seek(0)
        # A mark saved twice (a tool that adds one to a file that has it) would stay at
        # the start of the first header, which then matches no column: skipped too.
        marks = len(sample) - len(sample.lstrip(_BOM))
        source.read(marks)
        delimiter = _delimiter(sample[marks:])
    except UnicodeDecodeError:
        source.close()
        raise InvalidInputError("file", _not_utf8(path)) from None
    return _rows(path, source, delimiter)


def _rows(path: Path, source: io.TextIOWrapper, delimiter: str) -> Iterator[list[str]]:
    with source:
        reader = csv.reader(source, delimiter=delimiter)
        empty: list[list[str]] = []  # held back until a row with a cell follows
        try:
            for row in reader:
                cells = [_unescaped(cell) for cell in row]
                if not any(cell.strip() for cell in cells):
                    empty.append(cells)
                    continue
                yield from empty
                empty.clear()
                yield cells
        except UnicodeDecodeError:
            raise InvalidInputError("file", _not_utf8(path)) from None
        except csv.Error as exc:
            raise InvalidInputError("file", f"{path.name}, line {reader.line_num}: not a CSV "
                                    f"file ({exc})") from None


def _not_utf8(path: Path) -> str:
    return (f"{path.name} is not UTF-8 text; save the sheet as «CSV UTF-8» (Excel) or "
            "as .xlsx")


def _delimiter(sample: str) -> str:
    """The delimiter splitting the first line of ``sample`` (the header) into the most
    cells; ``,`` when none splits it."""
    first = next(iter(sample.splitlines()), "")
    best, cells = ",", 1
    for candidate in _DELIMITERS:
        found = len(next(csv.reader([first], delimiter=candidate), []))
        if found > cells:
            best, cells = candidate, found
    return best


def _unescaped(cell: str) -> str:
    """A cell without the ``'`` :func:`_escaped` wrote before it."""
    return (cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START)
            else cell)
