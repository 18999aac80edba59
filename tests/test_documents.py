"""Office documents as data (issue 18): what the 2021 demo's announcement, conclusion notice,
written answer and report hold, their numbers, and the ``document`` and ``chart``
commands."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    Organisation,
    PermissionDeniedError,
    Petitioner,
    PluginError,
    Role,
    SequentialIds,
    SubmissionKind,
    hookimpl,
)
from dialogue_flow._documents import build_document
from dialogue_flow.cli import main

OFFICE = Actor("van-phong", "Văn phòng Đảng ủy", Role.OFFICE)


@pytest.fixture
def demo(demo_2021_file: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo store per test (issuing writes to it)."""
    return Path(shutil.copy(demo_2021_file, tmp_path / "demo.db"))


@pytest.fixture
def flow(demo: Path) -> Iterator[DialogueFlow]:
    with DialogueFlow.open(f"sqlite:///{demo}", clock=FixedClock(dt.date(2021, 12, 20))) as f:
        yield f


def _names(flow: DialogueFlow) -> set[str]:
    """Every petitioner's name and phone in the store (read as stored)."""
    found = set()
    for s in flow.iter_submissions():  # the demo has no confidential matter: as stored
        found |= {v for v in (s.petitioner.name, s.petitioner.phone) if v}
    return found


class TestAnnouncement:
    def test_the_first_announcement_is_tb_number_one(self, flow: DialogueFlow) -> None:
        d = flow.dialogue("dlg-0001")
        doc = build_document(flow, "announcement", "dlg-0001", actor=OFFICE)
        assert "Số 1-TB/ĐU" == doc["number"]["text"]
        assert (1, "TB", 2021) == (doc["number"]["value"], doc["number"]["series"],
                                   doc["number"]["year"])
        assert d.announced_on is not None
        assert d.announced_on.isoformat() == doc["issued_on"]
        assert ("THÔNG BÁO", "ĐẢNG CỘNG SẢN VIỆT NAM") == (doc["title"],
                                                          doc["header"]["party"])
        body = doc["body"]
        assert list(d.topics) == body["topics"]
        assert body["days_ahead"] >= 7
        assert d.title in doc["subtitle"]
        assert doc["place_date"].startswith("……, ngày ")

    def test_a_reprint_keeps_its_number_and_a_reissue_takes_the_next(
            self, flow: DialogueFlow) -> None:
        first = build_document(flow, "announcement", "dlg-0001", actor=OFFICE)
        again = build_document(flow, "announcement", "dlg-0001", actor=OFFICE)
        assert first["number"] == again["number"]
        assert first["issued_on"] == again["issued_on"]
        notice = build_document(flow, "conclusion_notice", "dlg-0001", actor=OFFICE)
        assert "Số 2-TB/ĐU" == notice["number"]["text"]  # one TB sequence for both
        new = build_document(flow, "announcement", "dlg-0001", actor=OFFICE, reissue=True)
        assert 3 == new["number"]["value"]

    def test_a_reprint_counts_the_days_ahead_from_the_day_it_was_issued(
            self, flow: DialogueFlow) -> None:
        first = build_document(flow, "announcement", "dlg-0001", actor=OFFICE)
        again = build_document(flow, "announcement", "dlg-0001", actor=OFFICE,
                               on=dt.date(2021, 6, 15))
        assert first == again

    def test_a_draft_takes_no_number(self, flow: DialogueFlow) -> None:
        doc = build_document(flow, "announcement", "dlg-0002", actor=OFFICE, draft=True)
        assert doc["draft"] is True
        assert doc["number"]["value"] is None
        assert "Số     -TB/ĐU" == doc["number"]["text"]
        assert [] == flow.documents()

    def test_english_words_for_an_english_document(self, flow: DialogueFlow) -> None:
        doc = build_document(flow, "announcement", "dlg-0001", actor=OFFICE, language="en",
                             draft=True)
        assert ("NOTICE", "COMMUNIST PARTY OF VIETNAM") == (doc["title"],
                                                           doc["header"]["party"])
        assert "ON BEHALF OF THE STANDING COMMITTEE" == doc["signature"]["on_behalf"]

    def test_no_default_of_the_letterhead_left_in_vietnamese(self, flow: DialogueFlow) -> None:
        """The library's own words of a store without organisations (its header's issuer,
        the office filing the copy) are English in an English document."""
        doc = build_document(flow, "announcement", "dlg-0001", actor=OFFICE, language="en",
                             draft=True)
        assert "PARTY COMMITTEE" == doc["header"]["issuer"]
        assert "File: the Party Committee's Office." == doc["recipients"][-1]
        vietnamese = build_document(flow, "announcement", "dlg-0001", actor=OFFICE,
                                    draft=True)
        assert "ĐẢNG ỦY" == vietnamese["header"]["issuer"]
        assert "Lưu Văn phòng Đảng ủy." == vietnamese["recipients"][-1]


class TestReads:
    """Each record a document is made of is read once (the letterhead built once)."""

    @staticmethod
    def _count(flow: DialogueFlow, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
        reads: Counter[str] = Counter()

        def counting(name: str, read: Callable[..., Any]) -> Callable[..., Any]:
            def counted(*args: Any) -> Any:
                reads[name] += 1
                return read(*args)
            return counted

        for name in ("get_dialogue", "get_submission", "get_organisation"):
            monkeypatch.setattr(flow.storage, name, counting(name, getattr(flow.storage, name)))
        return reads

    def test_the_announcement(self, flow: DialogueFlow,
                              monkeypatch: pytest.MonkeyPatch) -> None:
        reads = self._count(flow, monkeypatch)
        build_document(flow, "announcement", "dlg-0001", actor=OFFICE)
        assert {"get_dialogue": 1, "get_organisation": 1} == reads

    def test_the_conclusion_notice(self, flow: DialogueFlow,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
        reads = self._count(flow, monkeypatch)
        build_document(flow, "conclusion_notice", "dlg-0001", actor=OFFICE)
        assert {"get_dialogue": 1, "get_organisation": 1} == reads

    def test_the_answer(self, flow: DialogueFlow, monkeypatch: pytest.MonkeyPatch) -> None:
        reads = self._count(flow, monkeypatch)
        build_document(flow, "answer", "sub-0001", actor=OFFICE)
        # Once withheld, once as stored for the address (the identity's logged read).
        assert 2 == reads["get_submission"]


class TestConclusionNotice:
    def test_lists_the_unsettled_matters_only(self, flow: DialogueFlow) -> None:
        d = flow.dialogue("dlg-0001")
        assert d.conclusion is not None
        doc = build_document(flow, "conclusion_notice", "dlg-0001", actor=OFFICE)
        items = doc["body"]["items"]
        assert [i.submission_id for i in d.conclusion.items] == [
            i["submission_id"] for i in items]
        assert [i.responsible for i in d.conclusion.items] == [i["responsible"] for i in items]
        assert [i.due.isoformat() for i in d.conclusion.items] == [i["due"] for i in items]
        total = len(list(flow.iter_submissions(dialogue_id="dlg-0001")))
        assert total - len(items) == doc["body"]["settled"] > 0
        assert d.conclusion.issued_on.isoformat() == doc["issued_on"]
        assert {i.responsible for i in d.conclusion.items} <= {
            r.rstrip(",") for r in doc["recipients"]}

    def test_holds_no_personal_data(self, flow: DialogueFlow) -> None:
        text = json.dumps([build_document(flow, kind, "dlg-0001", actor=OFFICE)
                           for kind in ("announcement", "conclusion_notice")],
                          ensure_ascii=False)
        text += json.dumps(build_document(flow, "report", "2021", actor=OFFICE),
                           ensure_ascii=False)
        names = _names(flow)
        assert names
        assert not [name for name in names if name in text]

    def test_a_dialogue_not_concluded_has_no_notice(self, flow: DialogueFlow) -> None:
        d = flow.plan_dialogue(title="Đối thoại quý IV/2021", scheduled_for=dt.date(2022, 1, 20),
                               actor=OFFICE)
        with pytest.raises(InvalidInputError, match="no conclusion notice yet"):
            build_document(flow, "conclusion_notice", d.id, actor=OFFICE)


class TestAnswer:
    def test_is_addressed_to_the_petitioner_and_the_read_is_logged(
            self, flow: DialogueFlow) -> None:
        s = flow.submission("sub-0001")
        assert s.answer is not None
        assert s.petitioner.name is not None
        doc = build_document(flow, "answer", "sub-0001", actor=OFFICE)
        assert f"Kính gửi: {s.petitioner.name}" == doc["addressee"]
        assert "Số 1-CV/ĐU" == doc["number"]["text"]
        assert s.answer == doc["body"]["answer"]
        assert "" == doc["title"]
        logged = flow.access_log()
        assert [("van-phong", ("sub-0001",))] == [(e.actor_id, tuple(e.record_ids))
                                                 for e in logged]

    def test_an_unanswered_matter_has_no_answer(self, flow: DialogueFlow) -> None:
        open_ = next(s for s in flow.iter_submissions() if s.answer is None)
        with pytest.raises(InvalidInputError, match="has no answer yet"):
            build_document(flow, "answer", open_.id, actor=OFFICE)

    def test_an_answer_is_not_sent_before_it_is_given(self, flow: DialogueFlow) -> None:
        s = flow.submission("sub-0001")
        assert s.answered_on is not None
        with pytest.raises(InvalidInputError, match=r"^on: .* is before sub-0001 was answered"):
            build_document(flow, "answer", s.id, actor=OFFICE,
                           on=s.answered_on - dt.timedelta(days=1))
        assert [] == flow.documents()
        assert () == flow.access_log().items

    @pytest.mark.parametrize("role", [Role.INTAKE_DESK, Role.SECRETARY])
    def test_an_actor_who_may_not_issue_it_reads_no_identity(self, flow: DialogueFlow,
                                                             role: Role) -> None:
        with pytest.raises(PermissionDeniedError, match="issue_document"):
            build_document(flow, "answer", "sub-0001", actor=Actor("a", "Cán bộ", role))
        assert () == flow.access_log().items
        assert [] == flow.documents()

    def test_a_record_of_the_wrong_kind_is_named_not_printed(self, flow: DialogueFlow) -> None:
        """The error names the type: a record's repr would carry its content."""
        s = flow.submission("sub-0001")
        with pytest.raises(InvalidInputError) as raised:
            build_document(flow, "announcement", s, actor=OFFICE)
        assert "got a Submission" in str(raised.value)
        assert s.content not in str(raised.value)
        d = flow.dialogue("dlg-0001")
        with pytest.raises(InvalidInputError, match=r"^submission: .* got a Dialogue$"):
            build_document(flow, "answer", d, actor=OFFICE)


class TestReport:
    def test_the_six_month_report(self, flow: DialogueFlow) -> None:
        doc = build_document(flow, "report", "2021-H1", actor=OFFICE)
        report = flow.report("2021-H1")
        assert ("BÁO CÁO", "Số 1-BC/ĐU") == (doc["title"], doc["number"]["text"])
        summary = {row["key"]: row["value"] for row in doc["body"]["summary"]}
        assert str(report.received) == summary["received"]
        tables = {t["key"]: t for t in doc["body"]["tables"]}
        assert len(report.overdue) == len(tables["overdue"]["rows"])
        assert sum(int(count) for _, count in tables["state"]["rows"]) == report.received
        charts = {c["kind"]: c for c in doc["body"]["charts"]}
        assert 6 == len(charts["by_month_state"]["categories"])
        assert report.received == sum(sum(s["values"])
                                      for s in charts["by_month_state"]["series"])
        assert "6 tháng đầu năm 2021" in doc["subtitle"]

    def test_a_reprint_shows_the_figures_of_the_day_it_was_issued(
            self, flow: DialogueFlow) -> None:
        first = build_document(flow, "report", "2021-H1", actor=OFFICE,
                               as_of=dt.date(2021, 7, 1))
        again = build_document(flow, "report", "2021-H1", actor=OFFICE)  # today: 20 Dec
        assert first["number"] == again["number"]
        assert "2021-07-01" == again["issued_on"] == again["body"]["made_on"]
        assert first["body"] == again["body"]
        new = build_document(flow, "report", "2021-H1", actor=OFFICE, reissue=True)
        assert ("2021-12-20", 2) == (new["body"]["made_on"], new["number"]["value"])

    def test_an_option_the_kind_does_not_take(self, flow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError, match=r"^on: not an option of a document of "
                           r"kind conclusion_notice"):
            build_document(flow, "conclusion_notice", "dlg-0001", actor=OFFICE,
                           on=dt.date(2021, 7, 1))

    def test_unknown_kind(self, flow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError, match="'minutes' is not a kind of document"):
            build_document(flow, "minutes", "dlg-0001", actor=OFFICE)
        with pytest.raises(InvalidInputError, match=r"^kind: \['report'\] is not a kind"):
            flow.document(["report"], "2021", actor=OFFICE)  # type: ignore[arg-type]


class TestFlowMethods:
    def test_document_then_render_through_the_host_plugin(self, flow: DialogueFlow) -> None:
        class Text:
            @hookimpl
            def dialogue_flow_render_document(self, document: Any, fmt: str, language: str,
                                              templates: str | None) -> bytes | None:
                return f"{document['number']['text']}|{templates}".encode() if fmt == "txt" \
                    else None

        flow.plugins.register(Text())
        doc = flow.document("report", "2021-H1", actor=OFFICE)
        assert "Số 1-BC/ĐU|tpl".encode() == flow.render_document(doc, "txt", templates="tpl")

    def test_a_renderer_returning_text_is_a_plugin_error(self, flow: DialogueFlow) -> None:
        class Wrong:
            @hookimpl
            def dialogue_flow_render_document(self, document: Any, fmt: str, language: str,
                                              templates: str | None) -> Any:
                return "text"

        flow.plugins.register(Wrong())
        doc = flow.document("announcement", "dlg-0001", actor=OFFICE, draft=True)
        with pytest.raises(PluginError, match="returned str for 'txt', not bytes"):
            flow.render_document(doc, "txt")

    def test_rendering_what_is_not_a_document(self, flow: DialogueFlow) -> None:
        with pytest.raises(InvalidInputError, match=r"^document: expected the mapping"):
            flow.render_document({"kind": "answer"}, "docx")
        with pytest.raises(InvalidInputError, match=r"^language: 'fr' is not one of"):
            flow.render_document({"kind": "answer", "language": "fr"}, "docx")


class TestLetterheadFromTheTree:
    def test_a_commune_of_the_tree_heads_its_documents(self, tmp_path: Path) -> None:
        clock = FixedClock(dt.date(2026, 3, 2))
        with DialogueFlow.open("memory://", clock=clock, ids=SequentialIds()) as f:
            f.add_organisation(Organisation("tinh-mau", "Tỉnh ủy Mẫu", "province"))
            f.add_organisation(Organisation("xa-mau-dong", "Đảng ủy xã Mẫu Đông", "commune",
                                            parent_id="tinh-mau"))
            office = Actor("vp", "Văn phòng", Role.OFFICE, organisation_id="xa-mau-dong")
            d = f.plan_dialogue(title="Đối thoại quý I/2026", scheduled_for=dt.date(2026, 3, 20),
                                actor=office)
            doc = build_document(f, "announcement", d.id, actor=office)
        assert ("ĐẢNG BỘ TỈNH MẪU", "ĐẢNG ỦY XÃ MẪU ĐÔNG") == (doc["header"]["superior"],
                                                               doc["header"]["issuer"])
        assert "Mẫu Đông, ngày 02 tháng 3 năm 2026" == doc["place_date"]
        assert "Thường trực Tỉnh ủy Mẫu (để b/c)," == doc["recipients"][0]
        assert "Bí thư Đảng ủy" == doc["body"]["chair"]

    def test_a_provinces_answer_reports_to_its_own_standing_committee(self) -> None:
        with DialogueFlow.open("memory://", clock=FixedClock(dt.date(2026, 3, 2)),
                               ids=SequentialIds()) as f:
            f.add_organisation(Organisation("tinh-mau", "Tỉnh ủy Mẫu", "province"))
            office = Actor("vp", "Văn phòng", Role.OFFICE, organisation_id="tinh-mau")
            s = f.receive(petitioner=Petitioner(name="Công dân"), topic="đất đai",
                          content="Kiến nghị", actor=office)
            s = f.answer(s, text="Đã trả lời", actor=Actor("bt", "Bí thư", Role.CHAIR,
                                                            organisation_id="tinh-mau"))
            doc = build_document(f, "answer", s.id, actor=office)
            english = build_document(f, "answer", s.id, actor=office, language="en")
        assert ["Như trên,", "Thường trực Tỉnh ủy (để b/c),",
                "Lưu Văn phòng Tỉnh ủy."] == doc["recipients"]
        assert "File: the Provincial Party Committee's Office." == english["recipients"][-1]


class TestCli:
    def test_document_as_json_then_a_reprint(self, demo: Path, tmp_path: Path) -> None:
        out = tmp_path / "tb.json"
        args = ["document", "announcement", "--dialogue", "dlg-0001", "--db",
                f"sqlite:///{demo}", "--output", str(out)]
        result = CliRunner().invoke(main, args)
        assert 0 == result.exit_code, result.output
        assert "Số 1-TB/ĐU, 2021-" in result.output
        doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        assert "announcement" == doc["kind"]
        again = CliRunner().invoke(main, args)
        assert "Số 1-TB/ĐU" in again.output

    @pytest.mark.parametrize(("args", "complaint"), [
        (["announcement"], "announcement needs --dialogue"),
        (["answer", "--dialogue", "dlg-0001"], "answer needs --submission"),
        (["report", "--period", "2021", "--dialogue", "x"],
         "report takes --period, not --dialogue"),
        (["announcement", "--dialogue", "dlg-0001", "--rollup"], "are for a report"),
        (["announcement", "--dialogue", "dlg-0001", "--org", "x"], "are for a report"),
        (["conclusion_notice", "--dialogue", "dlg-0001", "--on", "2021-07-01"],
         "--on is for an announcement or an answer; conclusion_notice is dated by the notice"),
        (["report", "--period", "2021", "--on", "2021-07-01"], "report is dated --as-of"),
    ])
    def test_wrong_subjects_are_usage_errors(self, demo: Path, tmp_path: Path,
                                             args: list[str], complaint: str) -> None:
        result = CliRunner().invoke(main, ["document", *args, "--db", f"sqlite:///{demo}",
                                           "--output", str(tmp_path / "x.json")])
        assert 2 == result.exit_code
        assert complaint in result.output

    def test_a_format_no_plugin_writes(self, demo: Path, tmp_path: Path) -> None:
        result = CliRunner().invoke(main, ["document", "report", "--period", "2021", "--db",
                                           f"sqlite:///{demo}", "--output",
                                           str(tmp_path / "x.odt")])
        assert 1 == result.exit_code
        assert "no plugin writes documents as .odt files" in result.output
        assert not (tmp_path / "x.odt").exists()

    def test_chart_as_json(self, demo: Path, tmp_path: Path) -> None:
        out = tmp_path / "c.json"
        result = CliRunner().invoke(main, ["chart", "--period", "2021", "--chart",
                                           "on_time_rate", "--db", f"sqlite:///{demo}",
                                           "--output", str(out)])
        assert 0 == result.exit_code, result.output
        chart = json.loads(out.read_text(encoding="utf-8"))
        assert "on_time_rate" == chart["kind"]
        assert all(0 <= v <= 100 for v in chart["series"][0]["values"] if v is not None)

    def test_the_answer_of_a_confidential_matter_needs_a_role_that_may_read_it(
            self, flow: DialogueFlow) -> None:
        s = flow.receive(petitioner=Petitioner(name="Người tố cáo", phone="0912345678"),
                         topic="đất đai", content="Tố cáo cán bộ", actor=OFFICE,
                         kind=SubmissionKind.DENUNCIATION)
        s = flow.answer(s, text="Đã xem xét", actor=Actor("bi-thu", "Bí thư", Role.CHAIR))
        with pytest.raises(PermissionDeniedError, match="may not read the identity"):
            build_document(flow, "answer", s.id, actor=OFFICE)
