"""The letterhead of a document (issue 18): derived from the organisation tree, replaced by
the settings file's ``[documents]`` table; and the chart data of a report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue_flow import ConfigurationError, Organisation
from dialogue_flow._charts_data import month_state_chart, on_time_chart
from dialogue_flow._letterhead import Letterhead, date_line, day_text, letterhead_of
from dialogue_flow._report import Period
from dialogue_flow._settings import read_settings
from dialogue_flow.storage import SubmissionFacts

PROVINCE = Organisation("tinh-mau", "Tỉnh ủy Mẫu", "province")
COMMUNE = Organisation("xa-mau-dong", "Đảng ủy xã Mẫu Đông", "commune", parent_id="tinh-mau")


class TestLetterhead:
    def test_a_commune_under_its_province(self) -> None:
        head = letterhead_of(COMMUNE, PROVINCE)
        assert "ĐẢNG ỦY XÃ MẪU ĐÔNG" == head.issuer
        assert "ĐẢNG BỘ TỈNH MẪU" == head.superior
        assert ("ĐU", "Mẫu Đông") == (head.issuer_code, head.place)
        assert "Tỉnh ủy Mẫu" == head.superior_committee
        assert ("T/M BAN THƯỜNG VỤ", "BÍ THƯ") == (head.on_behalf, head.signer_title)

    def test_a_province_signs_with_its_own_code(self) -> None:
        head = letterhead_of(PROVINCE)
        assert ("TỈNH ỦY MẪU", "", "TU", "Mẫu") == (head.issuer, head.superior,
                                                     head.issuer_code, head.place)
        assert "Văn phòng Tỉnh ủy" == head.office

    def test_no_record_leaves_the_names_to_the_settings(self) -> None:
        head = letterhead_of(None)
        assert ("ĐẢNG ỦY", "", "") == (head.issuer, head.superior, head.place)
        assert "……, ngày 03 tháng 6 năm 2021" == date_line(head, dt.date(2021, 6, 3), "vi")

    @pytest.mark.parametrize(("day", "vi", "en"), [
        (dt.date(2021, 6, 3), "ngày 03 tháng 6 năm 2021", "3 June 2021"),
        (dt.date(2021, 2, 17), "ngày 17 tháng 02 năm 2021", "17 February 2021"),
        (dt.date(2021, 12, 1), "ngày 01 tháng 12 năm 2021", "1 December 2021"),
    ])
    def test_the_date_as_the_guidance_writes_it(self, day: dt.date, vi: str, en: str) -> None:
        assert (vi, en) == (day_text(day, "vi"), day_text(day, "en"))

    def test_settings_replace_fields_for_all_then_per_organisation(self, tmp_path: Path) -> None:
        (tmp_path / "dialogue-flow.toml").write_text(
            '[documents]\ntemplates = "tpl"\nplace = "Thạch Tân"\nsigner = "Nguyễn Văn A"\n'
            '[documents.recipients]\nanswer = ["Như trên,", "Lưu VP."]\n'
            '[documents.organisation.xa-mau-dong]\nsigner = "Trần Thị B"\n',
            encoding="utf-8")
        documents = read_settings(tmp_path / "dialogue-flow.toml").documents
        assert documents is not None
        assert tmp_path / "tpl" == documents.templates
        assert ("Như trên,", "Lưu VP.") == documents.recipients["answer"]
        derived = letterhead_of(COMMUNE, PROVINCE)
        mine = documents.letterhead_for("xa-mau-dong", derived)
        assert ("Thạch Tân", "Trần Thị B", "ĐẢNG ỦY XÃ MẪU ĐÔNG") == (
            mine.place, mine.signer, mine.issuer)
        assert "Nguyễn Văn A" == documents.letterhead_for("other", derived).signer

    @pytest.mark.parametrize(("text", "complaint"), [
        ("[documents]\nplace = 3\n", "documents.place"),
        ('[documents]\nsignatory = "A"\n', "unknown key documents.'signatory'"),
        ('[documents.recipients]\nminutes = ["x"]\n', "documents.recipients.'minutes'"),
        ('[documents.recipients]\nanswer = "x"\n', "documents.recipients.answer"),
        ('[documents.organisation.x]\nseal = "x"\n', "documents.organisation.x.'seal'"),
        ("documents = 1\n", "documents"),
    ])
    def test_a_bad_documents_table_names_the_key(self, tmp_path: Path, text: str,
                                                 complaint: str) -> None:
        (tmp_path / "s.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigurationError, match=complaint.replace(".", r"\.")):
            read_settings(tmp_path / "s.toml")

    def test_replaced_keeps_what_it_does_not_name(self) -> None:
        head = Letterhead(issuer="X").replaced({"place": "Y"})
        assert ("X", "Y", "ĐU") == (head.issuer, head.place, head.issuer_code)


def _fact(received: dt.date, state: str, department: str | None = None,
          answered: dt.date | None = None, due: dt.date | None = None) -> SubmissionFacts:
    return SubmissionFacts(id=f"s-{received}-{state}", state=state, topic="t",
                           department=department, competent_level=None, channel="spoken",
                           answer_mode=None, received_on=received, answered_on=answered,
                           due_date=due, dialogue_id=None)


class TestChartData:
    def test_matters_by_month_and_state(self) -> None:
        facts = [_fact(dt.date(2021, 1, 5), "closed"), _fact(dt.date(2021, 1, 9), "assigned"),
                 _fact(dt.date(2021, 3, 1), "closed")]
        chart = month_state_chart(Period.parse("2021-Q1"), facts, "vi")
        assert ["2021-01", "2021-02", "2021-03"] == chart["categories"]
        assert ["01/2021", "02/2021", "03/2021"] == chart["category_labels"]
        values = {s["key"]: s["values"] for s in chart["series"]}
        assert [1, 0, 1] == values["closed"]
        assert [1, 0, 0] == values["assigned"]
        labels = {s["key"]: s["label"] for s in chart["series"]}
        assert ("Kết thúc", "Giao xử lý") == (labels["closed"], labels["assigned"])

    def test_on_time_rate_by_department(self) -> None:
        d = dt.date(2021, 6, 1)
        facts = [_fact(d, "answered", "Địa chính", dt.date(2021, 6, 10), dt.date(2021, 6, 20)),
                 _fact(d, "answered", "Địa chính", dt.date(2021, 7, 10), dt.date(2021, 6, 20)),
                 _fact(d, "answered", "Kinh tế", dt.date(2021, 6, 10), None),
                 _fact(d, "assigned", "Kinh tế")]
        chart = on_time_chart(facts, "en")
        assert ["Địa chính"] == chart["categories"]
        assert [50.0] == chart["series"][0]["values"]
        assert [[1, 2]] == chart["counts"]

    @given(st.lists(st.tuples(st.dates(dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
                              st.sampled_from(["received", "answered", "assigned",
                                               "escalated", "closed"])), max_size=40))
    def test_every_matter_is_counted_once(self, rows: list[tuple[dt.date, str]]) -> None:
        chart = month_state_chart(Period.parse("2021"), [_fact(d, s) for d, s in rows], "vi")
        assert len(rows) == sum(sum(s["values"]) for s in chart["series"])
        assert 12 == len(chart["categories"])
