"""`dialogue-flow export-person`, `erase`, `access-log`, and `report --personal-data
--actor` (issue 17, part 1): requests about personal data from the command line, nothing
personal in what is printed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogue_flow import Actor, DialogueFlow, FixedClock, Petitioner, Role
from dialogue_flow.cli import main

PHONE = "0912345678"
NAME = "Nguyễn Văn A"


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A store with the petitioner's two matters and somebody else's, received on 1 June
    2021 (overdue by August)."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert 0 == CliRunner().invoke(main, ["init", "--db", url]).exit_code
    intake = Actor("tn", "Tiếp nhận", Role.INTAKE_DESK)
    with DialogueFlow.open(url, clock=FixedClock(date(2021, 6, 1))) as flow:
        for petitioner in (Petitioner(NAME, phone=PHONE), Petitioner(NAME, phone=PHONE),
                           Petitioner("Trần B", phone="0987654321")):
            flow.receive(petitioner=petitioner, topic="Đường", content="c", actor=intake)
    return url


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.output


class TestExportPerson:
    def test_writes_the_document(self, url: str, tmp_path: Path) -> None:
        """The file holds the two matters; what is printed holds no personal data."""
        out = tmp_path / "a.json"
        code, printed = _run("export-person", "--db", url, "--phone", PHONE, "--actor", "vp",
                             "--output", str(out))
        assert 0 == code, printed
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert (1, [NAME, NAME]) == (doc["version"], [m["submission"]["petitioner"]["name"]
                                                      for m in doc["matters"]])
        assert NAME not in printed
        assert PHONE not in printed
        assert "2 matter(s)" in printed

    def test_needs_someone_to_look_for(self, url: str, tmp_path: Path) -> None:
        """Without --phone, --email, --name or --submission: a usage error."""
        code, printed = _run("export-person", "--db", url, "--actor", "vp", "--output",
                             str(tmp_path / "a.json"))
        assert (2, True) == (code, "--phone" in printed)

    def test_nobody_held(self, url: str, tmp_path: Path) -> None:
        """Nobody held: an error that does not repeat the number."""
        code, printed = _run("export-person", "--db", url, "--phone", "0900000000",
                             "--actor", "vp", "--output", str(tmp_path / "a.json"))
        assert (1, False) == (code, "0900000000" in printed)
        assert "no matter held" in printed


class TestErase:
    def test_erases_after_confirmation(self, url: str) -> None:
        """Asked first; the ids erased are printed; the log says who."""
        code, printed = _run("erase", "--db", url, "--phone", PHONE, "--actor", "bt",
                             "--role", "chair", "--reason", "Đơn số 12", stdin="n\n")
        assert 1 == code  # aborted: nothing erased
        code, printed = _run("erase", "--db", url, "--phone", PHONE, "--actor", "bt",
                             "--role", "chair", "--reason", "Đơn số 12", "--yes")
        assert 0 == code, printed
        assert "erased 2 matter(s): sub-" in printed
        with DialogueFlow.open(url) as flow:
            assert [None, None, "Trần B"] == [s.petitioner.name
                                              for s in flow.storage.find_submissions(
                                                  flow._submission_query())]
        code, printed = _run("access-log", "--db", url, "--json")
        assert 0 == code, printed
        assert [("bt", "erase")] == [(json.loads(line)["actor_id"], json.loads(line)["purpose"])
                                     for line in printed.splitlines()]

    def test_again_by_the_matter_says_so(self, url: str) -> None:
        """A second erase of a matter prints that there was nothing to do."""
        first = _run("erase", "--db", url, "--phone", PHONE, "--actor", "bt", "--reason", "r",
                     "--yes")
        assert 0 == first[0]
        sub = first[1].split(": ")[1].split(",")[0].strip()
        code, printed = _run("erase", "--db", url, "--submission", sub, "--actor", "bt",
                             "--reason", "r", "--yes")
        assert (0, f"erased before, nothing to do: {sub}\n") == (code, printed)


class TestReportAndLog:
    def test_personal_data_needs_an_actor_and_is_logged(self, url: str) -> None:
        """--personal-data without --actor is refused; with it, the read is logged."""
        code, printed = _run("report", "--db", url, "--period", "2021-06", "--as-of",
                             "2021-08-30", "--personal-data")
        assert (2, True) == (code, "--actor" in printed)
        code, printed = _run("report", "--db", url, "--period", "2021-06", "--as-of",
                             "2021-08-30", "--personal-data", "--actor", "vp")
        assert (0, True) == (code, NAME in printed)
        code, printed = _run("access-log", "--db", url, "--actor", "vp")
        assert 0 == code, printed
        [line] = printed.splitlines()
        assert ["vp", "default", "report"] == line.split("\t")[2:5]
        assert 3 == len(line.split("\t")[5].split())
