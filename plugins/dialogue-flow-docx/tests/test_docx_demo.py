"""The 2021 demo's documents, as the library issues them (``flow.document``), written by
the plugin through the format hook (``flow.render_document``): the templates and the
library's mappings agree."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

from dialogue_flow import Actor, DialogueFlow, FixedClock, Role
from dialogue_flow._demo import run_demo

OFFICE = Actor("van-phong", "Văn phòng Đảng ủy", Role.OFFICE)
SUBJECTS = {"announcement": "dlg-0001", "conclusion_notice": "dlg-0001",
            "answer": "sub-0001", "report": "2021-H1"}


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DialogueFlow]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    run_demo(f"sqlite:///{path}", echo=lambda _line: None)
    with DialogueFlow.open(f"sqlite:///{path}", clock=FixedClock(dt.date(2021, 12, 20))) as f:
        yield f


def render(flow: DialogueFlow, document: dict[str, Any]) -> Any:
    return docx.Document(io.BytesIO(flow.render_document(document, "docx")))


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("kind", list(SUBJECTS))
def test_demo_document_renders_with_its_header_and_signature(flow, kind, language):
    mapping = flow.document(kind, SUBJECTS[kind], actor=OFFICE, language=language)
    doc = render(flow, mapping)
    left, right = doc.tables[0].rows[0].cells
    assert mapping["number"]["text"] in [p.text for p in left.paragraphs]
    assert [mapping["header"]["party"], mapping["place_date"]] == [
        p.text for p in right.paragraphs]
    signature = [p.text for p in doc.tables[-1].rows[0].cells[1].paragraphs if p.text]
    assert [mapping["signature"]["on_behalf"], mapping["signature"]["title"]] == signature[:2]
    recipients = [p.text for p in doc.tables[-1].rows[0].cells[0].paragraphs][1:]
    assert [f"- {r}" for r in mapping["recipients"]] == recipients


def test_demo_conclusion_notice_lists_its_items(flow):
    mapping = flow.document("conclusion_notice", "dlg-0001", actor=OFFICE)
    items = mapping["body"]["items"]
    assert items
    table = render(flow, mapping).tables[1]
    assert [[str(item["no"]), item["responsible"], item["due_text"]] for item in items] == [
        [row.cells[0].text, row.cells[2].text, row.cells[3].text] for row in table.rows[1:]]


def test_demo_report_has_each_table(flow):
    mapping = flow.document("report", "2021-H1", actor=OFFICE)
    doc = render(flow, mapping)
    tables = doc.tables[1:-1]
    assert [[t["columns"], *t["rows"]] for t in mapping["body"]["tables"]] == [
        [[cell.text for cell in row.cells] for row in table.rows] for table in tables]
