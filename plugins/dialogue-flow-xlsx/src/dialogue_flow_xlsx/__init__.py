"""Excel for dialogue_flow (issue 18): the register and reports as .xlsx, and a register
read from .xlsx for an import.

Installed, the plugin is found by the file's suffix (the ``dialogue_flow.formats``
entry-point group): ``dialogue-flow export register --output register.xlsx`` and
``dialogue-flow import register.xlsx`` use it without a settings file naming it. openpyxl
is imported inside the hooks, so the command line starts fast with the plugin installed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dialogue_flow import hookimpl

__all__ = ["FORMAT", "XlsxPlugin", "plugin"]

#: The file format the plugin writes and reads (the suffix without its dot).
FORMAT = "xlsx"


class XlsxPlugin:
    """Writes tables as .xlsx workbooks (``dialogue_flow_write_table``) and reads the rows
    of one (``dialogue_flow_read_table``)."""

    @hookimpl
    def dialogue_flow_write_table(self, table: Mapping[str, Any], fmt: str,
                                  language: str) -> bytes | None:
        """``table`` as an .xlsx workbook: bold header row frozen at A2, the columns'
        widths, dates as real dates shown DD/MM/YYYY, shares as percentages, a sheet per
        table sheet (names cut to Excel's 31 characters and made distinct)."""
        del language  # the table's labels are in it already
        if fmt != FORMAT:
            return None
        from ._xlsx import workbook_bytes  # noqa: PLC0415 - openpyxl only when writing

        return workbook_bytes(table)

    @hookimpl
    def dialogue_flow_read_table(self, path: str, fmt: str,
                                 sheet: str | None) -> Iterator[Sequence[Any]] | None:
        """The rows of an .xlsx workbook's sheet (``None``: the first), the header first,
        cells typed (a date cell as a date); :class:`~dialogue_flow.InvalidInputError` for
        a file that is not one, or a sheet it has not (naming its sheets)."""
        if fmt != FORMAT:
            return None
        from ._xlsx import read_rows  # noqa: PLC0415 - openpyxl only when reading

        return read_rows(path, sheet)


#: The plugin object the entry points name.
plugin = XlsxPlugin()
