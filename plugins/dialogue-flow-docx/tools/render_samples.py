# ruff: noqa: INP001, S603, S607 - a script, not a package; it runs LibreOffice and poppler
"""Render a sample of each kind of document and write pictures of its pages for the docs:
``docs/images/documents/KIND.png`` (and ``report-last.png``, the report's charts).

The samples come from the 2021 demo (``dialogue-flow demo``: its first dialogue's
announcement and conclusion notice, the first written answer, the six-month report), made
by ``flow.document``; ``--fixtures`` uses the plugin tests' sample mappings
instead. Needs LibreOffice (``soffice``), ``fonts-liberation2`` and ``pdftoppm``::

    uv run python plugins/dialogue-flow-docx/tools/render_samples.py [--fixtures] [OUTDIR]

Each page is drawn at 60 dpi (about 500 x 700 pixels, under 150 KB).
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
IMAGES = ROOT / "docs" / "images" / "documents"
#: The pages drawn for the docs: the first of each, and the report's last (its charts).
PAGES = {"announcement": ["first"], "conclusion_notice": ["first"], "answer": ["first"],
         "report": ["first", "last"]}
#: The demo commune's letterhead (``[documents]`` in a settings file).
LETTERHEAD = {"issuer": "ĐẢNG ỦY XÃ MẪU ĐÔNG", "superior": "ĐẢNG BỘ TỈNH MẪU",
              "place": "Mẫu Đông", "superior_committee": "Tỉnh ủy Mẫu"}


def demo_documents(work: Path) -> dict[str, dict[str, Any]]:
    """The 2021 demo's documents, as ``flow.document`` issues them."""
    from dialogue_flow import Actor, DialogueFlow, FixedClock, Role  # noqa: PLC0415
    from dialogue_flow._demo import run_demo  # noqa: PLC0415
    from dialogue_flow._document_settings import DocumentSettings  # noqa: PLC0415

    url = f"sqlite:///{work / 'demo.db'}"
    run_demo(url, echo=lambda _line: None)
    office = Actor("van-phong", "Văn phòng Đảng ủy", Role.OFFICE)
    # The demo's organisation has no name: a letterhead as a settings file's [documents]
    # table gives it.
    settings = DocumentSettings(letterhead=LETTERHEAD)
    subjects = {"announcement": "dlg-0001", "conclusion_notice": "dlg-0001",
                "answer": "sub-0001", "report": "2021-H1"}
    with DialogueFlow.open(url, clock=FixedClock(dt.date(2021, 12, 20))) as flow:
        return {kind: flow.document(kind, subject, actor=office, settings=settings)
                for kind, subject in subjects.items()}


def fixture_documents() -> dict[str, dict[str, Any]]:
    """The plugin tests' sample mappings."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    samples: dict[str, dict[str, Any]] = importlib.import_module("docx_samples").all_kinds()
    return samples


def main(argv: list[str]) -> None:
    """Render the samples and write the pictures."""
    fixtures = "--fixtures" in argv
    args = [a for a in argv if a != "--fixtures"]
    out = Path(args[0]) if args else IMAGES
    out.mkdir(parents=True, exist_ok=True)
    from dialogue_flow_docx import plugin  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        documents = fixture_documents() if fixtures else demo_documents(work)
        files = []
        for kind, document in documents.items():
            data = plugin.dialogue_flow_render_document(
                document=document, fmt="docx", language=document.get("language", "vi"),
                templates=None)
            assert data is not None  # noqa: S101 - the plugin writes .docx
            (work / f"{kind}.docx").write_bytes(data)
            files.append(str(work / f"{kind}.docx"))
        subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}",
                        "--headless", "--convert-to", "pdf", "--outdir", str(work), *files],
                       check=True, capture_output=True, timeout=300)
        for kind, pages in PAGES.items():
            pdf = work / f"{kind}.pdf"
            for which in pages:
                page = 1 if which == "first" else _page_count(pdf)
                name = kind if which == "first" else f"{kind}-{which}"
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l",
                                str(page), "-singlefile", str(pdf), str(out / name)],
                               check=True, timeout=120)
                sys.stdout.write(f"{out / name}.png\n")


def _page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines()
                    if line.startswith("Pages:")))

if __name__ == "__main__":
    main(sys.argv[1:])
