"""`dialogue-flow attach`, `attachments`, and the file store in `check` and `repair`
(issue 17, part 3)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from click.testing import CliRunner

from dialogue_flow import Actor, DialogueFlow, Petitioner, Role
from dialogue_flow.cli import main

PDF = b"%PDF-1.7\n%%EOF\n"


def _store(tmp_path: Path) -> tuple[str, str]:
    """A store made by ``init`` with one submission; its URL and the submission's id."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    done = CliRunner().invoke(main, ["init", "--db", url])
    assert 0 == done.exit_code, done.output
    with DialogueFlow.open(url) as flow:
        s = flow.receive(petitioner=Petitioner("Nguyễn Văn A"), topic="Đường",
                         content="Hỏng", actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK))
    return url, s.id


def test_attach_list_and_fetch(tmp_path: Path) -> None:
    """A file attached from the command line lands beside the database, is listed without
    its name (unless --names) and fetched back checked; an existing output is kept."""
    url, sub = _store(tmp_path)
    scan = tmp_path / "Đơn Nguyễn Văn A.pdf"
    scan.write_bytes(PDF)
    done = CliRunner().invoke(main, ["attach", sub, str(scan), "--db", url])
    assert 0 == done.exit_code, done.output
    att_id = done.output.split()[0]
    assert f"{att_id} received application/pdf {len(PDF)} bytes sha256:" in done.output
    listed = CliRunner().invoke(main, ["attachments", sub, "--db", url])
    assert 0 == listed.exit_code, listed.output
    assert att_id in listed.output
    assert "Nguyễn" not in listed.output
    assert "1 attachment" in listed.output
    named = CliRunner().invoke(main, ["attachments", sub, "--db", url, "--names"])
    assert "Đơn Nguyễn Văn A.pdf" in named.output
    out = tmp_path / "copy.pdf"
    fetched = CliRunner().invoke(main, ["attachments", sub, "--db", url, "--get", att_id,
                                        "--output", str(out)])
    assert 0 == fetched.exit_code, fetched.output
    assert PDF == out.read_bytes()
    again = CliRunner().invoke(main, ["attachments", sub, "--db", url, "--get", att_id,
                                      "--output", str(out)])
    assert 1 == again.exit_code
    assert "exists already" in again.output


def test_a_refused_file_is_one_line(tmp_path: Path) -> None:
    url, sub = _store(tmp_path)
    program = tmp_path / "x.pdf"
    program.write_bytes(b"MZ\x90\x00")
    done = CliRunner().invoke(main, ["attach", sub, str(program), "--db", url])
    assert 1 == done.exit_code
    assert "content_type: the file's content is not application/pdf" in done.output


def test_check_reports_an_orphan_and_repair_removes_it(tmp_path: Path) -> None:
    """A file written by an attach that never committed: check exits 1 naming the repair;
    repair remove-file removes it; a live file is refused."""
    url, sub = _store(tmp_path)
    scan = tmp_path / "a.pdf"
    scan.write_bytes(PDF)
    assert 0 == CliRunner().invoke(main, ["attach", sub, str(scan), "--db", url]).exit_code
    orphan = tmp_path / "x.db-files" / "2020" / "01" / "att-crashed"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(PDF)
    hour_ago = time.time() - 3600
    os.utime(orphan, (hour_ago, hour_ago))
    checked = CliRunner().invoke(main, ["check", "--db", url, "--verify-files"])
    assert 1 == checked.exit_code
    assert "orphan_file: 2020/01/att-crashed" in checked.output
    assert "repair: dialogue-flow repair remove-file 2020/01/att-crashed" in checked.output
    repaired = CliRunner().invoke(main, ["repair", "remove-file", "2020/01/att-crashed",
                                         "--db", url, "--reason", "crash"])
    assert 0 == repaired.exit_code, repaired.output
    assert not orphan.exists()
    assert 0 == CliRunner().invoke(main, ["check", "--db", url]).exit_code
    with DialogueFlow.open(url) as flow:
        [live] = flow.attachments(sub)
    refused = CliRunner().invoke(main, ["repair", "remove-file", live.file_key, "--db", url,
                                        "--reason", "x"])
    assert 1 == refused.exit_code
    assert "not an orphan" in refused.output
