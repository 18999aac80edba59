"""A commune office's paper, from the 2021 demo: the announcement, the conclusion notice and
the 6-month report as Word files, the register as a spreadsheet, and an old register of its
own imported, first with its mistakes shown row by row.

Run it with ``uv run python examples/office_documents.py``: the files land in a temporary
folder whose name it prints. It needs the plugins ``dialogue-flow-docx`` (Word) and
``dialogue-flow-xlsx`` (.xlsx), which ``uv run`` installs; with neither, the same calls
write ``.json`` and ``.csv``. The command line does the same (docs/documents.md):
``dialogue-flow document announcement --dialogue dlg-0001 --output thong-bao.docx``.
"""

import csv
import datetime as dt
import tempfile
from pathlib import Path

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    ImportRejected,
    Role,
    read_table_file,
    register_table,
    write_table_file,
)
from dialogue_flow._demo import run_demo

office = Actor("van-phong", "Văn phòng Đảng ủy", Role.OFFICE)
folder = Path(tempfile.mkdtemp(prefix="office-documents-"))
db = f"sqlite:///{folder / 'demo.db'}"
run_demo(db, echo=lambda _line: None)  # the seed's 2021 plan, as `dialogue-flow demo` plays it

with DialogueFlow.open(db, clock=FixedClock(dt.date(2021, 7, 5))) as flow:
    # Each document is issued: it takes the next number of its type for the year.
    for kind, subject, name in (("announcement", "dlg-0001", "thong-bao.docx"),
                                ("conclusion_notice", "dlg-0001", "ket-luan.docx"),
                                ("report", "2021-H1", "bao-cao-6-thang.docx")):
        document = flow.document(kind, subject, actor=office)
        (folder / name).write_bytes(flow.render_document(document, "docx"))
        print(f"{name}: {document['number']['text']}, {document['place_date']}")
    # A reprint keeps its number.
    again = flow.document("announcement", "dlg-0001", actor=office)
    assert again["number"]["text"] == "Số 1-TB/ĐU"
    # The register, without the petitioners' names (they need personal_data and an actor).
    table = register_table(flow, period="2021")
    write_table_file(folder / "so-theo-doi.xlsx", table, language="vi", plugins=flow.plugins)
    print(f"so-theo-doi.xlsx: {len(table['sheets'][0]['rows'])} matters")

# An old register of the office's own, with headers of its own and two mistakes in it.
old = folder / "so-cu.csv"
rows = [["STT", "Ngày nhận", "Lĩnh vực", "Nội dung"],
        ["1", "17/06/2020", "đất đai", "Chậm cấp giấy chứng nhận quyền sử dụng đất."],
        ["2", "31/06/2020", "môi trường", "Ô nhiễm nguồn nước thôn 2."],
        ["3", "02/07/2020", "", "Đường liên thôn xuống cấp."]]
with old.open("w", encoding="utf-8", newline="") as f:
    csv.writer(f).writerows(rows)
mapping = {"number": "STT", "received_on": "Ngày nhận"}
with DialogueFlow.open(f"sqlite:///{folder / 'xa.db'}", create=True) as flow:
    try:
        flow.import_register(read_table_file(old, sheet=None, plugins=flow.plugins),
                             actor=office, mapping=mapping)
    except ImportRejected as exc:  # nothing was written
        for error in exc.errors:
            print(f"row {error.row}, column «{error.column}»: {error.message}")
    rows[2][1], rows[3][2] = "30/06/2020", "giao thông"  # the clerk corrects them
    with old.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    def read() -> object:
        return read_table_file(old, sheet=None, plugins=flow.plugins)

    added = flow.import_register(read(), actor=office, mapping=mapping).added
    skipped = flow.import_register(read(), actor=office, mapping=mapping).skipped
    print(f"imported {added}; the same file again: {skipped} skipped, nothing added")
print(f"files in {folder}")
