"""The party's document format as python-docx building blocks, for the template builder.

The built-in templates (``templates/*.docx``) are made by ``tools/build_templates.py`` from
:mod:`dialogue_flow_docx._wording` with this module: A4, the margins, Times New Roman 14 and
the layout of the party's guidance on document format (Hướng dẫn 36-HD/VPTW of 2018 of the
Central Party Office): the two-column header, the bold capital title, the justified body,
"Nơi nhận" beside the signature block. Every Jinja tag is written as one run, so the
templates keep working after a host edits them in Word or LibreOffice.

Imported only when templates are built: never by the plugin's hooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import docx
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

__all__ = ["FONT", "Run", "TemplateBuilder"]

#: The font the guidance names; LibreOffice without it draws the metric-compatible
#: Liberation Serif.
FONT: Final = "Times New Roman"

#: The page's usable width: A4 (210 mm) less the left (30 mm) and right (15 mm) margins.
_TEXT_WIDTH_MM: Final = 165

#: A run: its text, or (text, "biu" flags: bold, italic, underline).
Run = str | tuple[str, str]

_ALIGN: Final = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                 "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


class TemplateBuilder:
    """One template document being built, in the party's format.

    :param language: ``"vi"`` or ``"en"``: the document's language tag (spelling and
        hyphenation in Word and LibreOffice).
    """

    def __init__(self, language: str) -> None:
        self.document: Document = docx.Document()
        self.language = language
        self._page()
        self._styles("vi-VN" if language == "vi" else "en-GB")

    # -- the page and the styles ------------------------------------------------------

    def _page(self) -> None:
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance, section.footer_distance = Mm(10), Mm(10)
        # The page number, centred at the top from the second page on (the first page's
        # header is left empty).
        section.different_first_page_header_footer = True
        section.first_page_header.is_linked_to_previous = False  # an empty one of its own
        number = section.header.paragraphs[0]
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        shown = OxmlElement("w:r")  # what a reader shows before it counts the pages
        text = OxmlElement("w:t")
        text.text = "2"
        shown.append(text)
        field.append(shown)
        number._p.append(field)  # noqa: SLF001 - python-docx has no field API

    def _styles(self, lang: str) -> None:
        styles = self.document.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is not None:  # the theme's Calibri would win over the style's font
            for fonts in defaults.iter(qn("w:rFonts")):
                _set_fonts(fonts)
            for tag in defaults.iter(qn("w:lang")):
                tag.set(qn("w:val"), lang)
        normal = self.document.styles["Normal"]
        normal.font.size = Pt(14)
        rpr = normal.element.get_or_add_rPr()
        _set_fonts(rpr.get_or_add_rFonts())
        lang_el = OxmlElement("w:lang")
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang_el.set(qn(attr), lang)
        rpr.append(lang_el)
        paragraph = normal.paragraph_format
        paragraph.space_before, paragraph.space_after = Pt(0), Pt(6)
        paragraph.line_spacing = 1.1

    # -- paragraphs ---------------------------------------------------------------------

    def para(self, *runs: Run, align: str = "justify", indent: bool = True, size: int = 14,
             before: int = 0, after: int = 6, into: _Cell | None = None,
             keep: bool = False) -> Paragraph:
        """A paragraph of ``runs`` (each run one piece of text: a Jinja tag never spans
        two), justified with a first-line indent unless told otherwise; ``keep``: on the
        same page as the next paragraph (a heading, a table's title)."""
        paragraph = (into.add_paragraph() if into is not None
                     else self.document.add_paragraph())
        paragraph.alignment = _ALIGN[align]
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = Mm(10) if indent and align == "justify" else Mm(0)
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if keep:
            fmt.keep_with_next = True
        for run in runs:
            text, flags = (run, "") if isinstance(run, str) else run
            if not text:
                continue
            added = paragraph.add_run(text)
            added.bold = "b" in flags or None
            added.italic = "i" in flags or None
            added.underline = "u" in flags or None
            if "c" in flags:
                added.font.all_caps = True
            if size != 14:
                added.font.size = Pt(size)
        return paragraph

    def tag(self, statement: str, into: _Cell | None = None) -> None:
        """A paragraph holding only the Jinja statement ``{%p statement %}``: docxtpl
        removes the paragraph and keeps the statement (a loop or a condition over whole
        paragraphs)."""
        self.para("{%p " + statement + " %}", align="left", into=into, after=0)

    def heading(self, text: str) -> None:
        """A bold section heading of the body (``I. KẾT QUẢ``)."""
        self.para((text, "b"), before=6, keep=True)

    # -- the header block ---------------------------------------------------------------

    def header(self, *, subject_line: bool = False) -> None:
        """The header as a borderless table: left the superior body, the issuing committee
        (bold) with "*" under it and the number; right "ĐẢNG CỘNG SẢN VIỆT NAM" (bold,
        underlined) and the italic place-and-date line. ``subject_line``: a letter's
        (công văn) "V/v ..." line under the number (the mapping's ``subtitle``)."""
        table = self._table([78, 87], borders=False)
        left, right = table.rows[0].cells
        _first_paragraph_removed(left)
        _first_paragraph_removed(right)
        self.tag("if header.superior", into=left)
        self.para("{{ header.superior }}", align="center", after=0, into=left)
        self.tag("endif", into=left)
        self.para(("{{ header.issuer }}", "b"), align="center", after=0, into=left)
        self.para("*", align="center", after=0, into=left)
        self.para("{{ number.text }}", align="center", after=0, into=left)
        if subject_line:
            self.para(("{{ subtitle }}", "i"), align="center", size=12, before=3, after=0,
                      into=left)
        self.para(("{{ header.party }}", "bu"), align="center", size=15, after=0, into=right)
        self.para(("{{ place_date }}", "i"), align="center", before=14, after=0, into=right)
        self.tag("if draft", into=right)
        self.para(("DỰ THẢO" if self.language == "vi" else "DRAFT", "b"), align="center",
                  before=6, after=0, into=right)
        self.tag("endif", into=right)

    def title(self) -> None:
        """The title in bold capitals and the subtitle in bold under it, centred."""
        self.para(("{{ title }}", "bc"), align="center", size=16, before=18, after=0)
        self.para(("{{ subtitle }}", "b"), align="center", after=0)
        self.para("-----", align="center", after=12)

    # -- the end: Nơi nhận and the signature --------------------------------------------

    def closing(self, recipients_label: str) -> None:
        """"Nơi nhận:" and its list (12 pt) at the left, the signature block (bold) at the
        right, side by side in a borderless table that a page break never splits."""
        # The last paragraph goes over to the next page with the signature: a signature
        # never stands alone on a page.
        self.document.paragraphs[-1].paragraph_format.keep_with_next = True
        self.para("", after=0, keep=True)
        table = self._table([80, 85], borders=False)
        _cant_split(table.rows[0])
        left, right = table.rows[0].cells
        _first_paragraph_removed(left)
        _first_paragraph_removed(right)
        self.para((recipients_label, "biu"), align="left", size=12, after=0, into=left)
        self.tag("for recipient in recipients", into=left)
        self.para("- {{ recipient }}", align="left", size=12, after=0, into=left)
        self.tag("endfor", into=left)
        for field in ("on_behalf", "title"):
            self.para(("{{ signature." + field + " }}", "b"), align="center", after=0,
                      into=right)
        for _ in range(4):  # the room to sign and stamp
            self.para("", align="center", after=0, into=right)
        self.para(("{{ signature.name }}", "b"), align="center", after=0, into=right)

    # -- tables -------------------------------------------------------------------------

    def items_table(self, columns: Sequence[tuple[str, int]], loop: str,
                    cells: Sequence[Sequence[Run]]) -> None:
        """A bordered table: a bold header row of ``columns`` (label, width in mm) that
        repeats on each page, then one row per item of the Jinja ``loop`` (``item in
        body["items"]``) whose cells hold ``cells``."""
        table = self._table([width for _, width in columns], borders=True)
        header = table.rows[0]
        _repeat_header(header)
        for cell, (label, _) in zip(header.cells, columns, strict=True):
            _first_paragraph_removed(cell)
            self.para((label, "b"), align="center", size=13, after=0, into=cell)
        self._loop_rows(table, loop, cells)

    def dynamic_table(self) -> None:
        """A bordered table of a report's ``t`` (``t.columns``, ``t.rows``): as many
        columns as the data has (docxtpl's column loops), the header row bold and repeated
        on each page. The renderer sets the columns' widths once their number is known."""
        table = self._table([40, 20, 85, 20], borders=True)
        caption = OxmlElement("w:tblCaption")
        caption.set(qn("w:val"), "dialogue_flow:columns")
        table._tbl.tblPr.insert_element_before(  # noqa: SLF001 - no caption API
            caption, "w:tblDescription", "w:tblPrChange")
        header = table.rows[0]
        _repeat_header(header)
        texts = ["{{ t.columns[0] }}", "{%tc for column in t.columns[1:] %}",
                 "{{ column }}", "{%tc endfor %}"]
        for cell, text in zip(header.cells, texts, strict=True):
            _first_paragraph_removed(cell)
            self.para((text, "b"), align="center", size=13, after=0, into=cell)
        self._loop_rows(table, "row in t.rows", [
            ["{{ row[0] }}"], ["{%tc for value in row[1:] %}"], ["{{ value }}"],
            ["{%tc endfor %}"]], align=["left", "center", "center", "center"])

    def _loop_rows(self, table: Table, loop: str, cells: Sequence[Sequence[Run]],
                   align: Sequence[str] | None = None) -> None:
        opening, row, closing = (table.add_row(),  # type: ignore[no-untyped-call]
                                 table.add_row(),  # type: ignore[no-untyped-call]
                                 table.add_row())  # type: ignore[no-untyped-call]
        for marker, text in ((opening, "{%tr for " + loop + " %}"), (closing, "{%tr endfor %}")):
            _first_paragraph_removed(marker.cells[0])
            self.para(text, align="left", size=13, after=0, into=marker.cells[0])
        _cant_split(row)
        for index, (cell, runs) in enumerate(zip(row.cells, cells, strict=True)):
            _first_paragraph_removed(cell)
            where = align[index] if align else ("center" if index != 1 else "left")
            self.para(*runs, align=where, size=13, after=0, into=cell)

    def _table(self, widths_mm: Sequence[int], *, borders: bool) -> Table:
        table: Table = self.document.add_table(rows=1, cols=len(widths_mm))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        tbl_pr = table._tbl.tblPr  # noqa: SLF001 - borders have no python-docx API
        tbl_pr.insert_element_before(_borders(borders), "w:shd", "w:tblLayout", "w:tblCellMar",
                                     "w:tblLook", "w:tblCaption", "w:tblDescription")
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
        for cell, width in zip(table.rows[0].cells, widths_mm, strict=True):
            cell.width = Mm(width)
        return table

    def save(self, path: str) -> None:
        """Write the template."""
        self.document.save(path)


def _set_fonts(fonts: BaseOxmlElement) -> None:
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _borders(visible: bool) -> BaseOxmlElement:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if visible else "nil")
        if visible:
            edge.set(qn("w:sz"), "4")
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
        borders.append(edge)
    return borders


def _repeat_header(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined] # noqa: SLF001
    tr_pr.append(OxmlElement("w:tblHeader"))
    _cant_split(row)


def _cant_split(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined] # noqa: SLF001
    tr_pr.append(OxmlElement("w:cantSplit"))


def _first_paragraph_removed(cell: _Cell) -> None:
    """A new cell holds one empty paragraph: removed, so the builder's are the only ones
    (a cell must end with a paragraph: the builder always adds one)."""
    first = cell.paragraphs[0]
    if not first.text:
        first._element.getparent().remove(first._element)  # noqa: SLF001
