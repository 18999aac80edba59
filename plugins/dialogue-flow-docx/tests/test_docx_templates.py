"""The committed templates are what ``tools/build_templates.py`` makes, and stay editable:
every Jinja tag sits inside one run."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest
from dialogue_flow_docx import BUILT_IN, KINDS, LANGUAGES
from dialogue_flow_docx._build import write_built_in
from dialogue_flow_docx._templates import relative_name
from docx.document import Document

_TAG = re.compile(r"\{[{%].*?[%}]\}")


def text_of(doc: Document) -> list[object]:
    """The paragraphs' text and the tables' cells' text, in order (not the zip's bytes)."""
    blocks: list[object] = [p.text for p in doc.paragraphs]
    blocks += [[[cell.text for cell in row.cells] for row in table.rows]
               for table in doc.tables]
    return blocks


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    write_built_in(folder)
    return folder


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_committed_templates_are_the_builders(built, kind, language):
    """Rebuild with ``uv run python plugins/dialogue-flow-docx/tools/build_templates.py``
    and commit the templates when this fails."""
    name = relative_name(kind, language)
    assert text_of(docx.Document(str(built / name))) == text_of(
        docx.Document(str(BUILT_IN / name)))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_committed_templates_hold_the_builders_layout(built, kind, language):
    """Every part of each committed template (the page, the styles, the fonts and sizes,
    not only its words) is what the builder writes: a layout change in ``_builder.py``
    without the templates built again fails here."""
    name = relative_name(kind, language)
    assert _parts(built / name) == _parts(BUILT_IN / name)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {member: package.read(member) for member in package.namelist()}


def test_the_builder_writes_the_same_bytes_twice(built, tmp_path):
    write_built_in(tmp_path)
    for name in (relative_name(kind, language) for kind in KINDS for language in LANGUAGES):
        assert (built / name).read_bytes() == (tmp_path / name).read_bytes()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_tag_is_inside_one_run(kind, language):
    """A paragraph's tags are whole in its runs: Word and LibreOffice keep a run's text
    together when a host edits around it."""
    doc = docx.Document(str(BUILT_IN / relative_name(kind, language)))
    paragraphs = [*doc.paragraphs, *(p for table in doc.tables for row in table.rows
                                     for cell in row.cells for p in cell.paragraphs)]
    tags = 0
    for paragraph in paragraphs:
        in_runs = [tag for run in paragraph.runs for tag in _TAG.findall(run.text)]
        assert _TAG.findall(paragraph.text) == in_runs
        tags += len(in_runs)
    assert tags > 10
