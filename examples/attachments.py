"""A commune office keeps the scanned letter of a petition and the answer it issues.

Run it with ``uv run python examples/attachments.py``. The store is a SQLite file in a
temporary folder; its files land in the folder beside it (``commune.db-files/``), under
keys the library makes, never under the names people gave them.
"""

import tempfile
from datetime import date
from pathlib import Path

from dialogue_flow import Actor, DialogueFlow, FixedClock, Petitioner, Role, SequentialIds

intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
chair = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)
land_office = Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT, department="Địa chính")

with tempfile.TemporaryDirectory() as folder:
    db = Path(folder) / "commune.db"
    clock = FixedClock(date(2026, 3, 2))
    with DialogueFlow.open(f"sqlite:///{db}", clock=clock, ids=SequentialIds()) as flow:
        matter = flow.receive(petitioner=Petitioner(name="Nguyễn Văn A", phone="0912345678"),
                              topic="đất đai", content="Chậm cấp giấy chứng nhận.",
                              actor=intake, channel="written")
        # The letter handed in at the desk, scanned (a PDF's first bytes say it is one).
        letter = flow.attach(matter.id, name="Đơn kiến nghị - Nguyễn Văn A.pdf",
                             data=b"%PDF-1.7\n... scanned pages ...\n%%EOF\n", actor=intake)
        print(f"Received {letter.id}: {letter.content_type}, {letter.size} bytes, stored as "
              f"{letter.file_key}")
        # The land office answers in writing and attaches the letter it issued.
        flow.assign(matter.id, department="Địa chính", actor=chair)
        answer = flow.attach(matter.id, name="Công văn trả lời.pdf", kind="issued",
                             data=b"%PDF-1.7\n... the answer ...\n%%EOF\n", actor=land_office)
        print(f"Issued {answer.id} by {answer.actor_id}, sha256 {answer.sha256[:16]}...")
        for row in flow.history(flow.submission(matter.id)):
            print(f"  v{row.version} {row.event} {dict(row.details).get('attachment', '')}")
        # check compares the store with the records (verify: every file with its SHA-256).
        print("Files in the store:", sorted(flow.files.keys()) if flow.files else [])
        print("Problems found by check:", flow.check_files(verify=True) or "none")
