"""A document mapping rendered into its Word template with docxtpl.

The template sees the mapping's keys (``number``, ``header``, ``place_date``, ``title``,
``subtitle``, ``addressee``, ``signature``, ``recipients``, ``body``, ...) and
``chart_images``: the report's charts as pictures, 16 cm wide, when matplotlib is installed
(``dialogue-flow-docx[charts]``), else none, and the report leaves its charts out. Values
are escaped, so a petitioner's "<" or "&" stays text.

Imported by the plugin's hook when a document is asked for: python-docx, docxtpl and
matplotlib are loaded then, never when the command line starts.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any, Final

from docx.document import Document
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Emu
from docxtpl import DocxTemplate, InlineImage  # type: ignore[import-untyped]

from dialogue_flow import ConfigurationError, DialogueFlowError, InvalidInputError

from ._templates import template_path

__all__ = ["render_document"]

_log = logging.getLogger(__name__)

#: The caption that marks a report's tables, whose columns the renderer sizes.
_SIZED: Final = "dialogue_flow:columns"

#: The characters a value loses: the control characters but tab and line feed, and the
#: two XML forbids.
_CONTROL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

#: What a chart that cannot be drawn leaves in the report, by language.
_NOT_DRAWN: Final = {"vi": "[Biểu đồ «{title}» không vẽ được: {reason}]",
                     "en": "[The chart “{title}” could not be drawn: {reason}]"}

#: A column's share of a table grows with its longest text, within these bounds.
_NARROWEST, _WIDEST = 5, 32


def render_document(document: Mapping[str, Any], language: str,
                    templates: str | None) -> bytes:
    """The Word file of ``document`` (a mapping of ``dialogue_flow.documents``) from the
    template of its kind in ``language``: ``templates``'s when that folder has one.

    :raises InvalidInputError: the mapping names no kind.
    :raises ConfigurationError: the template is missing or cannot be rendered (naming it).
    """
    kind = document.get("kind")
    if not isinstance(kind, str):
        raise InvalidInputError("kind", f"a document mapping names its kind, got {kind!r}")
    path = template_path(kind, language, templates)
    if not zipfile.is_zipfile(path):
        raise ConfigurationError(f"the Word template {path} cannot be used: it is not a Word "
                                 "file (a .docx is a zip package); save it from Word or "
                                 "LibreOffice as .docx")
    template = DocxTemplate(str(path))
    context = {**_text_only(document),
               "chart_images": _chart_images(template, document, language)}
    try:
        template.render(context, autoescape=True)
        _size_columns(template.docx)
        out = io.BytesIO()
        template.save(out)
    except DialogueFlowError:
        raise
    except Exception as exc:  # whatever a template makes go wrong is the template's
        raise ConfigurationError(f"the Word template {path} cannot be used: "
                                 f"{type(exc).__name__}: {_reason(exc)}") from exc
    return out.getvalue()


def _text_only(value: Any) -> Any:
    """``value`` with its strings cleared of control characters: XML has no place for
    most, and docxtpl reads a form feed or a bell in a value as a page or paragraph break (a
    petition pasted from elsewhere must not break the page). A line break stays one."""
    if isinstance(value, str):
        return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(value, Mapping):
        return {key: _text_only(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_text_only(item) for item in value]
    return value


def _reason(exc: Exception) -> str:
    """The error without the template's XML (a syntax error quotes its line)."""
    text = str(getattr(exc, "message", None) or exc)
    first = text.splitlines()[0] if text else "no message"
    line = getattr(exc, "lineno", None)
    return f"{first} (line {line} of its XML)" if isinstance(line, int) else first


def _chart_images(template: DocxTemplate, document: Mapping[str, Any],
                  language: str) -> list[InlineImage | str]:
    """The report's charts as pictures, or none without matplotlib. A chart that cannot be
    drawn leaves a note in its place (and a warning in the log): the report's figures and
    tables are still written, and the reader sees what is missing."""
    body = document.get("body")
    charts = body.get("charts") if isinstance(body, Mapping) else None
    if not charts or importlib.util.find_spec("matplotlib") is None:
        return []
    from ._charts import chart_png  # noqa: PLC0415 - matplotlib when a report has charts

    images: list[InlineImage | str] = []
    for index, chart in enumerate(charts):
        try:
            picture = chart_png(chart, language)
        except Exception as exc:  # noqa: BLE001 - a note in the report instead
            reason = f"{type(exc).__name__}: {_reason(exc)}"
            _log.warning("chart %d of the report not drawn: %s", index + 1, reason)
            title = chart.get("title") if isinstance(chart, Mapping) else None
            note = _NOT_DRAWN.get(language, _NOT_DRAWN["en"])
            images.append(note.format(title=title or index + 1, reason=reason))
        else:
            images.append(InlineImage(template, io.BytesIO(picture), width=Cm(16)))
    return images


def _size_columns(document: Document) -> None:
    """Share out the width of each report table (whose number of columns the data decides)
    by the length of each column's longest text."""
    for table in document.tables:
        tbl = table._tbl  # noqa: SLF001 - python-docx has no API for the grid
        caption = tbl.tblPr.find(qn("w:tblCaption"))
        if caption is None or caption.get(qn("w:val")) != _SIZED:
            continue
        grid = tbl.tblGrid.gridCol_lst
        rows = [list(tr.tc_lst) for tr in tbl.tr_lst]
        if not grid or any(len(row) != len(grid) for row in rows):
            continue  # a host's table of its own shape: left as Word lays it out
        width = sum(column.w or 0 for column in grid)
        weights = _weights([[_cell_text(cell) for cell in row] for row in rows])
        total = sum(weights)
        widths = [Emu(width * weight // total) for weight in weights]
        for column, share in zip(grid, widths, strict=True):
            column.w = share
        for row in rows:
            for cell, share in zip(row, widths, strict=True):
                cell.width = share


def _cell_text(cell: BaseOxmlElement) -> str:
    """The text a table cell shows: its ``w:t`` elements'. (Not ``itertext``: python-docx
    gives its paragraph and run elements a ``text`` of their own, which lxml yields beside
    the ``w:t``'s, every word three times.)"""
    return "".join(text.text or "" for text in cell.iter(qn("w:t")))


def _weights(rows: Sequence[Sequence[str]]) -> list[int]:
    columns = zip(*rows, strict=True)
    return [min(max(_NARROWEST, *(len(text) for text in column)), _WIDEST)
            for column in columns]
