# ruff: noqa: SLF001, S603 - the tests read the XML python-docx has no API for, and run tools
"""The Word documents read back with python-docx: the party's format (Hướng dẫn
36-HD/VPTW) and the mapping's words where the templates put them."""

from __future__ import annotations

import functools
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from dialogue_flow_docx import BUILT_IN, KINDS, copy_templates, plugin
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx_samples import ITEMS, all_kinds, announcement, answer, conclusion_notice, report
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_flow import ConfigurationError, InvalidInputError, PluginManager
from dialogue_flow._formats import call_format_hook


def render(document: dict[str, Any], language: str = "vi",
           templates: str | None = None) -> Document:
    data = plugin.dialogue_flow_render_document(document=document, fmt="docx",
                                                language=language, templates=templates)
    assert data is not None
    return docx.Document(io.BytesIO(data))


def mm(length: Any) -> float:
    return round(length.mm, 1)


def texts(cell: Any) -> list[str]:
    return [p.text for p in cell.paragraphs]


def body_paragraphs(doc: Document) -> list[Any]:
    return [p for p in doc.paragraphs if p.text.strip()]


@pytest.fixture(scope="module")
def rendered() -> dict[str, Document]:
    return {kind: render(document) for kind, document in all_kinds().items()}


@pytest.mark.parametrize("kind", KINDS)
def test_page_is_A4_with_the_guidance_margins(rendered, kind):
    """A4 portrait; top and bottom 20 mm, left 30 mm, right 15 mm (within the guidance's
    20-25, 20-25, 30-35 and 15-20 mm)."""
    section = rendered[kind].sections[0]
    assert (210, 297) == (mm(section.page_width), mm(section.page_height))
    assert (20, 20, 30, 15) == (mm(section.top_margin), mm(section.bottom_margin),
                                mm(section.left_margin), mm(section.right_margin))


@pytest.mark.parametrize("kind", KINDS)
def test_body_is_times_new_roman_14_justified(rendered, kind):
    """Every run is Times New Roman (the Normal style and the defaults, no theme font), the
    body 14 pt and justified."""
    doc = rendered[kind]
    normal = doc.styles["Normal"]
    assert "Times New Roman" == normal.font.name
    assert Pt(14) == normal.font.size
    fonts = normal.element.rPr.rFonts
    assert {"Times New Roman"} == {fonts.get(qn(f"w:{a}")) for a in
                                   ("ascii", "hAnsi", "eastAsia", "cs")}
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    for element in defaults.iter(qn("w:rFonts")):
        assert not [a for a in element.attrib if a.endswith("Theme")]
    runs = [run for p in doc.paragraphs for run in p.runs]
    assert all(run.font.name is None for run in runs)  # inherited: Times New Roman
    justified = [p for p in body_paragraphs(doc)
                 if p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY]
    assert len(justified) >= 3
    assert all(run.font.size is None for p in justified for run in p.runs)  # 14 pt


@pytest.mark.parametrize("kind", KINDS)
def test_header_block(rendered, kind):
    """The header is a borderless two-column table: left the superior body (regular), the
    committee (bold), "*" and the number; right the party's name bold and underlined, the
    place and date in italics."""
    document = all_kinds()[kind]
    header: Table = rendered[kind].tables[0]
    left, right = header.rows[0].cells
    expected_left = ["ĐẢNG BỘ TỈNH MẪU", "ĐẢNG ỦY XÃ MẪU ĐÔNG", "*",
                     document["number"]["text"]]
    if kind == "answer":
        expected_left.append("V/v trả lời kiến nghị của công dân")
    assert expected_left == texts(left)
    superior, issuer = left.paragraphs[0].runs[0], left.paragraphs[1].runs[0]
    assert (None, True) == (superior.bold, issuer.bold)
    assert ["ĐẢNG CỘNG SẢN VIỆT NAM", document["place_date"]] == texts(right)
    party, place = right.paragraphs[0].runs[0], right.paragraphs[1].runs[0]
    assert (True, True, None) == (party.bold, party.underline, party.italic)
    assert (True, None) == (place.italic, place.bold)
    borders = header._tbl.tblPr.find(qn("w:tblBorders"))
    assert {"nil"} == {edge.get(qn("w:val")) for edge in borders}


def test_no_superior_body_leaves_its_line_out():
    document = announcement()
    document["header"]["superior"] = ""
    left = render(document).tables[0].rows[0].cells[0]
    assert ["ĐẢNG ỦY XÃ MẪU ĐÔNG", "*", "Số 12-TB/ĐU"] == texts(left)


def test_draft_number_is_left_blank_and_marked():
    document = announcement()
    document.update(draft=True, number={**document["number"], "value": None,
                                        "text": "Số     -TB/ĐU"})
    left, right = render(document).tables[0].rows[0].cells
    assert "Số     -TB/ĐU" == texts(left)[-1]
    assert "DỰ THẢO" == texts(right)[-1]
    assert "DỰ THẢO" not in texts(render(announcement()).tables[0].rows[0].cells[1])


@pytest.mark.parametrize("kind", KINDS)
def test_page_number_from_the_second_page(rendered, kind):
    """The page number, centred at the top, from page 2 on (the first page's header
    empty)."""
    section = rendered[kind].sections[0]
    assert section.different_first_page_header_footer
    field = section.header._element.find(".//" + qn("w:fldSimple"))
    assert "PAGE" == field.get(qn("w:instr"))
    assert "" == "".join(p.text for p in section.first_page_header.paragraphs)


@pytest.mark.parametrize(("kind", "title"), [("announcement", "THÔNG BÁO"),
                                             ("conclusion_notice", "THÔNG BÁO"),
                                             ("report", "BÁO CÁO")])
def test_title_bold_capitals_and_subtitle_bold(rendered, kind, title):
    paragraphs = rendered[kind].paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.text == title)
    run = paragraphs[at].runs[0]
    assert (True, True) == (run.bold, run.font.all_caps)
    assert WD_ALIGN_PARAGRAPH.CENTER == paragraphs[at].alignment
    subtitle = paragraphs[at + 1]
    assert all_kinds()[kind]["subtitle"] == subtitle.text
    assert subtitle.runs[0].bold


@pytest.mark.parametrize("kind", KINDS)
def test_signature_and_recipients_side_by_side(rendered, kind):
    """The last table: "Nơi nhận:" (italic, underlined) and its 12 pt list at the left, the
    signature block in bold at the right."""
    document = all_kinds()[kind]
    closing = rendered[kind].tables[-1]
    left, right = closing.rows[0].cells
    label = left.paragraphs[0].runs[0]
    assert "Nơi nhận:" == label.text
    assert (True, True) == (label.italic, label.underline)
    assert [f"- {r}" for r in document["recipients"]] == texts(left)[1:]
    assert {Pt(12)} == {run.font.size for p in left.paragraphs for run in p.runs}
    signed = [text for text in texts(right) if text]
    assert ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn Bình"] == signed
    assert all(run.bold for p in right.paragraphs for run in p.runs)
    assert "Nguyễn Văn Bình" == texts(right)[-1]  # below the room to sign


def test_conclusion_table_lists_the_items(rendered):
    """One bordered row per matter not settled, under a bold header row that repeats on
    every page; the matters settled at the meeting are only counted."""
    table = rendered["conclusion_notice"].tables[1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert ["STT", "Nội dung ý kiến, kiến nghị", "Cơ quan giải quyết",
            "Thời hạn trả lời"] == rows[0]
    assert [[str(item["no"]), f"{item['topic']}: {item['content']} ({item['tracking_code']})",
             item["responsible"], item["due_text"]] for item in ITEMS] == rows[1:]
    first = table.rows[0]._tr.trPr
    assert first.find(qn("w:tblHeader")) is not None
    assert all(run.bold for cell in table.rows[0].cells for p in cell.paragraphs
               for run in p.runs)
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {"single"} == {edge.get(qn("w:val")) for edge in borders}
    text = "\n".join(p.text for p in rendered["conclusion_notice"].paragraphs)
    assert "(4 nội dung) không nêu lại" in text
    assert "Chậm nhất 30 ngày làm việc" in text


def test_conclusion_without_items_says_all_were_settled():
    doc = render(conclusion_notice(items=[]))
    assert 2 == len(doc.tables)  # the header and the closing: no table of matters
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Tất cả ý kiến, kiến nghị của Nhân dân đã được trả lời" in text


def test_values_are_escaped_and_vietnamese_kept(rendered):
    """A "<", ">" or "&" in a matter stays text; Vietnamese letters come back unchanged."""
    cells = [cell.text for row in rendered["conclusion_notice"].tables[1].rows
             for cell in row.cells]
    assert any("<gần khu dân cư>" in text for text in cells)
    assert any("mưa bão & lũ" in text for text in cells)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=30))
def test_any_text_comes_back_as_text(value):
    """Whatever a value holds (markup, tags, quotes, Vietnamese, control characters) comes
    back as its text: the control characters but tab and line feed dropped, never a page
    or paragraph break, never broken XML."""
    document = answer()
    document["body"]["topic"] = value
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", "",
                      value.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = [p.text for p in render(document).paragraphs]
    intro = next(p for p in paragraphs if p.startswith("Vào ngày 17 tháng 6 năm 2021"))
    assert f"về lĩnh vực {expected} (mã tra cứu TT-7K2M)" in intro
    assert _answer_paragraphs() == len(paragraphs)


@functools.cache
def _answer_paragraphs() -> int:
    return len(render(answer()).paragraphs)


def test_announcement_words(rendered):
    text = "\n".join(p.text for p in rendered["announcement"].paragraphs)
    for expected in (("Ban Thường vụ Đảng ủy thông báo tổ chức tiếp xúc, đối thoại trực "
                      "tiếp với Nhân dân (Đối thoại quý II/2021)"),
                     "1. Thời gian: ngày 17 tháng 6 năm 2021.",
                     "2. Địa điểm: Hội trường UBND xã Mẫu Đông.",
                     "- Đất đai, giải phóng mặt bằng.", "- Giao thông nông thôn.",
                     "đại diện Địa chính, UBND xã;", "(dự kiến khoảng 90 người)"):
        assert expected in text


def test_answer_is_addressed_and_keeps_the_answer_lines(rendered):
    paragraphs = [p.text for p in rendered["answer"].paragraphs]
    assert "Kính gửi: Ông Trần Văn Hòa" in paragraphs
    assert "Hồ sơ của các hộ đã được tiếp nhận đầy đủ." in paragraphs
    assert "UBND xã đã trình UBND huyện cấp giấy chứng nhận trong quý III/2021." in paragraphs
    assert not any(p.startswith("BÁO CÁO") or p == "THÔNG BÁO" for p in paragraphs)


def test_report_tables_have_the_data_columns(rendered):
    doc = rendered["report"]
    tables = doc.tables[1:-1]
    expected = report()["body"]["tables"]
    assert len(expected) == len(tables)
    for table, data in zip(tables, expected, strict=True):
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        assert [data["columns"], *data["rows"]] == rows
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        widths = [col.w for col in table._tbl.tblGrid.gridCol_lst]
        assert len(data["columns"]) == len(widths)
        assert abs(sum(widths) - Mm(165)) < Mm(1)
    summary = [p.text for p in doc.paragraphs if p.text.startswith("- ")]
    assert ["- Tiếp nhận: 20.", "- Đã trả lời: 12.", "- Quá hạn: 1."] == summary


@pytest.mark.parametrize(("language", "none"), [("vi", "Không có."), ("en", "None.")])
def test_a_report_table_without_rows_says_none(language, none):
    """A table with nothing to list (no matter overdue) is a line saying so under its
    title, not a header row over nothing."""
    document = report()
    document["body"]["tables"][1]["rows"] = []
    doc = render(document, language=language)
    assert 3 == len(doc.tables)  # the header, the table by topic, the closing
    paragraphs = [p.text for p in doc.paragraphs]
    assert none == paragraphs[paragraphs.index("2. Quá hạn") + 1]
    assert none not in paragraphs[:paragraphs.index("2. Quá hạn")]


def test_report_columns_are_shared_by_their_longest_text(rendered):
    """Each column of a report table gets a share of the 165 mm by its longest text
    (header or value), from 5 to 32 characters: "STT" keeps one line."""
    table = rendered["report"].tables[-2]  # the overdue matters: five columns
    data = report()["body"]["tables"][-1]
    longest = [min(max(5, *(len(text) for text in column)), 32)
               for column in zip(data["columns"], *data["rows"], strict=True)]
    widths = [col.w for col in table._tbl.tblGrid.gridCol_lst]
    assert [round(share / sum(longest), 3) for share in longest] == [
        round(width / sum(widths), 3) for width in widths]
    assert [[cell.width for cell in row.cells] for row in table.rows] == [
        widths for _ in table.rows]


def test_report_embeds_one_picture_per_chart(rendered):
    pytest.importorskip("matplotlib")
    pytest.importorskip("dialogue_flow_docx._charts")
    pictures = rendered["report"].inline_shapes
    assert len(report()["body"]["charts"]) == len(pictures)
    assert all(Mm(159) < shape.width <= Mm(161) for shape in pictures)


def test_a_chart_that_cannot_be_drawn_leaves_a_note_not_a_missing_report(caplog):
    """A malformed chart (here a series one value short) does not cost the report: its
    figures and tables are written, the other chart is drawn, and the broken one's place
    says what is missing and why; the log warns."""
    pytest.importorskip("matplotlib")
    document = report()
    document["body"]["charts"][0]["series"][0]["values"].pop()
    with caplog.at_level("WARNING", logger="dialogue_flow_docx"):
        doc = render(document)
    assert 1 == len(doc.inline_shapes)
    paragraphs = [p.text for p in doc.paragraphs]
    assert "III. BIỂU ĐỒ" in paragraphs
    assert ("[Biểu đồ «Ý kiến, kiến nghị theo tháng và tình trạng» không vẽ được: "
            "InvalidInputError: chart.series[0].values: 5 values for 6 categories]"
            in paragraphs)
    assert "- Tiếp nhận: 20." in paragraphs
    assert 4 == len(doc.tables)  # the header, two report tables, the closing
    warning = ("chart 1 of the report not drawn: InvalidInputError: chart.series[0].values: "
               "5 values for 6 categories")
    assert [warning] == [r.getMessage() for r in caplog.records]


def test_report_without_matplotlib_leaves_the_charts_out(monkeypatch):
    import importlib.util  # noqa: PLC0415

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    doc = render(report())
    assert 0 == len(doc.inline_shapes)
    assert "III. BIỂU ĐỒ" not in [p.text for p in doc.paragraphs]


def test_english_templates():
    document = announcement()
    document.update(language="en", title="NOTICE", recipients=["File: Office."],
                    signature={"on_behalf": "ON BEHALF OF THE STANDING COMMITTEE",
                               "title": "SECRETARY", "name": ""})
    doc = render(document, language="en")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "1. Time: ngày 17 tháng 6 năm 2021." in text
    assert ["Recipients:", "- File: Office."] == texts(doc.tables[-1].rows[0].cells[0])


def test_a_templates_folder_replaces_one_kind(tmp_path):
    """A host's ``announcement.docx`` replaces the plugin's; the other kinds stay the
    plugin's own."""
    own = docx.Document()
    own.add_paragraph("Thông báo riêng: {{ body.venue }}")
    own.save(str(tmp_path / "announcement.docx"))
    assert ["Thông báo riêng: Hội trường UBND xã Mẫu Đông"] == [
        p.text for p in render(announcement(), templates=str(tmp_path)).paragraphs]
    assert "THÔNG BÁO" in [p.text for p in render(conclusion_notice(),
                                                  templates=str(tmp_path)).paragraphs]


@pytest.mark.parametrize(("content", "reason"), [
    (b"not a zip file", "it is not a Word file"),
    (b"PK\x03\x04broken", "it is not a Word file"),
    ("zip without a document", "KeyError")])
def test_a_broken_template_is_a_configuration_error_naming_it(tmp_path, content, reason):
    if isinstance(content, str):
        with zipfile.ZipFile(tmp_path / "answer.docx", "w") as package:
            package.writestr("readme.txt", content)
    else:
        (tmp_path / "answer.docx").write_bytes(content)
    with pytest.raises(ConfigurationError, match=r"answer\.docx cannot be used: .*" + reason):
        render(answer(), templates=str(tmp_path))


def test_a_template_with_a_bad_tag_is_a_configuration_error(tmp_path):
    own = docx.Document()
    own.add_paragraph("{% if body.venue %} no end")
    own.save(str(tmp_path / "announcement.docx"))
    with pytest.raises(ConfigurationError, match=r"announcement\.docx cannot be used.*"
                                                 r"TemplateSyntaxError"):
        render(announcement(), templates=str(tmp_path))


@pytest.mark.parametrize("language", ["", "en/", "../en", "/etc", "e n", ".."])
def test_a_language_that_is_not_a_tag_is_refused(tmp_path, language):
    """A document's language names its templates' folder: never a path (an empty one used
    to give the Vietnamese templates, "../x" a folder outside)."""
    with pytest.raises(InvalidInputError, match="language"):
        render(announcement(), language=language, templates=str(tmp_path))


def test_a_language_without_templates_is_a_configuration_error_naming_the_file(tmp_path):
    """A language the plugin has no templates for (fr) is used from the host's folder
    (fr/KIND.docx) or named as missing."""
    with pytest.raises(ConfigurationError, match=r"no Word template fr/answer\.docx for "
                                                 r"language 'fr'"):
        render(answer(), language="fr", templates=str(tmp_path))
    (tmp_path / "fr").mkdir()
    own = docx.Document()
    own.add_paragraph("Réponse à {{ addressee }}")
    own.save(str(tmp_path / "fr" / "answer.docx"))
    assert ["Réponse à Kính gửi: Ông Trần Văn Hòa"] == [
        p.text for p in render(answer(), language="fr", templates=str(tmp_path)).paragraphs]


def test_a_missing_templates_folder_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="is not a folder"):
        render(announcement(), templates=str(tmp_path / "nowhere"))


def test_an_unknown_kind_is_refused():
    with pytest.raises(ConfigurationError, match="no Word template for a document of kind"):
        render({**announcement(), "kind": "minutes"})
    with pytest.raises(InvalidInputError, match="kind"):
        render({"number": {}})


def test_other_formats_are_left_to_other_plugins():
    assert plugin.dialogue_flow_render_document(document=announcement(), fmt="pdf",
                                                language="vi", templates=None) is None
    assert plugin.dialogue_flow_render_chart(chart={}, fmt="docx", language="vi") is None


def test_found_by_the_docx_suffix_without_settings():
    """``call_format_hook`` finds the plugin through the ``dialogue_flow.formats`` entry
    point: installing it is enough."""
    data = call_format_hook(PluginManager(), "dialogue_flow_render_document", "docx",
                            document=announcement(), language="vi", templates=None)
    assert zipfile.is_zipfile(io.BytesIO(data))


def test_copy_templates_writes_every_kind_and_keeps_edits(tmp_path):
    (tmp_path / "report.docx").write_bytes(b"edited")
    copied = copy_templates(tmp_path)
    assert 7 == len(copied)
    assert b"edited" == (tmp_path / "report.docx").read_bytes()
    assert (BUILT_IN / "en" / "answer.docx").read_bytes() == (
        tmp_path / "en" / "answer.docx").read_bytes()


def test_copy_templates_from_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "dialogue_flow_docx", str(tmp_path / "t")],
                         capture_output=True, text=True, check=True)
    assert 8 == len(out.stdout.splitlines())
    assert (tmp_path / "t" / "conclusion_notice.docx").is_file()


def test_copy_templates_into_a_file_says_so_without_a_traceback(tmp_path):
    (tmp_path / "t").write_text("not a folder")
    out = subprocess.run([sys.executable, "-m", "dialogue_flow_docx", str(tmp_path / "t")],
                         capture_output=True, text=True, check=False)
    assert 1 == out.returncode
    assert out.stderr.startswith(f"cannot copy the templates into {tmp_path / 't'}: ")
    assert 1 == len(out.stderr.splitlines())  # one line, no traceback


def test_plugin_imports_without_the_heavy_libraries():
    """The command line starts fast: importing the plugin loads neither python-docx,
    docxtpl nor matplotlib."""
    code = ("import sys, dialogue_flow_docx; "
            "print(sorted({'docx', 'docxtpl', 'matplotlib', 'jinja2'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "[]" == out.stdout.strip()


def test_templates_ship_in_the_package():
    assert sorted(Path(BUILT_IN).rglob("*.docx")) == sorted(
        [BUILT_IN / f"{k}.docx" for k in KINDS] + [BUILT_IN / "en" / f"{k}.docx"
                                                     for k in KINDS])
