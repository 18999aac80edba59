# ruff: noqa: S603 - the tests run LibreOffice and poppler
"""Each kind of document rendered by LibreOffice headless to PDF and PNG: it opens, has the
pages expected, the header's words, and is drawn in Liberation Serif (the metric-compatible
stand-in for Times New Roman, which the file names).

LibreOffice (``libreoffice-writer-nogui``), ``fonts-liberation2`` and ``poppler-utils``
are Debian packages ``.ci/run`` installs: on CI (``CI=true``) a missing tool fails these
tests; elsewhere it skips them.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from dialogue_flow_docx import BUILT_IN, KINDS, plugin
from docx_samples import all_kinds

#: The pages each sample fills (A4, Liberation Serif 14); the report's charts take the
#: second page when they are drawn (matplotlib installed).
CHARTS = all(importlib.util.find_spec(name) is not None
             for name in ("matplotlib", "dialogue_flow_docx._charts"))
PAGES = {"announcement": 1, "conclusion_notice": 2, "answer": 1, "report": 2 if CHARTS else 1}


def _require(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    message = (f"{', '.join(missing)} not found: install libreoffice-writer-nogui "
               "fonts-liberation2 poppler-utils (.ci/run does)")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; the rendering tests are never skipped in CI", pytrace=False)
    pytest.skip(message)


def _run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=240, check=False)
    assert 0 == done.returncode, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample as .docx, converted to PDF by one LibreOffice run with a fresh
    profile."""
    _require("soffice", "pdftoppm", "pdftotext", "pdffonts", "pdfinfo")
    out = tmp_path_factory.mktemp("libreoffice")
    profile = tmp_path_factory.mktemp("lo-profile")
    files = []
    for kind, document in all_kinds().items():
        data = plugin.dialogue_flow_render_document(document=document, fmt="docx",
                                                    language="vi", templates=None)
        assert data is not None
        (out / f"{kind}.docx").write_bytes(data)
        files.append(out / f"{kind}.docx")
    _run("soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", out, *files)
    return {kind: out / f"{kind}.pdf" for kind in all_kinds()}


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_count(pdfs, kind):
    info = _run("pdfinfo", pdfs[kind])
    pages = next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))
    assert PAGES[kind] == int(pages)
    assert "A4" in info


@pytest.mark.parametrize("kind", list(PAGES))
def test_text_holds_the_header_and_signature(pdfs, kind):
    document = all_kinds()[kind]
    text = " ".join(_run("pdftotext", "-layout", pdfs[kind], "-").split())
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ TỈNH MẪU",
                     "ĐẢNG ỦY XÃ MẪU ĐÔNG", document["number"]["text"],
                     document["place_date"], "Nơi nhận:", "T/M BAN THƯỜNG VỤ", "BÍ THƯ",
                     document["title"]):
        assert expected in text


@pytest.mark.parametrize("kind", list(PAGES))
def test_drawn_in_liberation_serif(pdfs, kind):
    """Times New Roman is not installable here: LibreOffice substitutes the
    metric-compatible Liberation Serif, and embeds it."""
    fonts = _run("pdffonts", pdfs[kind])
    assert "LiberationSerif" in fonts
    assert "LiberationSerif-Bold" in fonts
    assert "DejaVu" not in fonts  # no fallback: every Vietnamese letter has its glyph


def test_pages_as_png(pdfs, tmp_path):
    _run("pdftoppm", "-png", "-r", "80", pdfs["conclusion_notice"], tmp_path / "page")
    pages = sorted(tmp_path.glob("page*.png"))
    assert PAGES["conclusion_notice"] == len(pages)
    assert pages[0].read_bytes().startswith(b"\x89PNG")
    assert pages[0].stat().st_size > 10_000


def test_page_two_is_numbered_and_the_signature_keeps_company(pdfs):
    """Page 2 starts with its number; the notice's last paragraph goes over with the
    signature block rather than leaving it alone on the page."""
    first = _run("pdftotext", "-f", "1", "-l", "1", pdfs["conclusion_notice"], "-")
    second = _run("pdftotext", "-f", "2", "-l", "2", pdfs["conclusion_notice"], "-")
    assert "2" == second.split()[0]
    assert not first.split()[0].isdigit()
    assert "T/M BAN THƯỜNG VỤ" in second
    assert "thực hiện./." in " ".join(second.split())


def _text(data: bytes) -> list[object]:
    doc = docx.Document(io.BytesIO(data))
    return [*(p.text for p in doc.paragraphs),
            *([cell.text for row in table.rows for cell in row.cells] for table in doc.tables)]


def test_templates_saved_again_by_libreoffice_still_work(tmp_path):
    """A clerk's edit: each template opened and saved as .docx by LibreOffice renders the
    same text as the plugin's own (the tags survive the round trip)."""
    _require("soffice")
    profile = tmp_path / "profile"
    _run("soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp_path / "saved",
         *(BUILT_IN / f"{kind}.docx" for kind in KINDS))
    for document in all_kinds().values():
        own, saved = (plugin.dialogue_flow_render_document(
            document=document, fmt="docx", language="vi", templates=folder)
            for folder in (None, str(tmp_path / "saved")))
        assert own is not None
        assert saved is not None
        assert _text(own) == _text(saved)
