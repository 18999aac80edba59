"""Reports: periods, figures on a hand-computed scenario, formats, personal data."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections import Counter
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    Period,
    Petitioner,
    Report,
    SequentialIds,
    hookimpl,
    load_plugins,
)
from dialogue_flow._report import _quantile

LAND = "Địa chính"


class TestPeriod:
    @pytest.mark.parametrize(("text", "start", "end"), [
        ("2021", date(2021, 1, 1), date(2021, 12, 31)),
        ("2021-H1", date(2021, 1, 1), date(2021, 6, 30)),
        ("2021-H2", date(2021, 7, 1), date(2021, 12, 31)),
        ("2021-9M", date(2021, 1, 1), date(2021, 9, 30)),
        ("2021-Q1", date(2021, 1, 1), date(2021, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-03-01..2026-04-15", date(2026, 3, 1), date(2026, 4, 15)),  # ad hoc (215-KL)
        ("2026-03-01..2026-03-01", date(2026, 3, 1), date(2026, 3, 1)),
    ])
    def test_parse(self, text: str, start: date, end: date) -> None:
        """Each period label covers the expected days (2024 is a leap year)."""
        assert Period(text, start, end) == Period.parse(text)

    @pytest.mark.parametrize("text", ["2021-13", "2021-Q5", "21", "2021-h1", "", 2021])
    def test_bad_period(self, text: object) -> None:
        """Anything else is refused with the accepted forms in the message."""
        with pytest.raises(InvalidInputError, match="2021-H1"):
            Period.parse(text)

    @pytest.mark.parametrize(("text", "message"), [
        ("2026-04-15..2026-03-01", "the last day is before the first"),
        ("2026-03-01..", "two ISO dates"), ("2026-02-30..2026-03-01", "two ISO dates"),
    ])
    def test_bad_ad_hoc_period(self, text: str, message: str) -> None:
        with pytest.raises(InvalidInputError, match=message):
            Period.parse(text)

    def test_an_ad_hoc_report(self, scenario: DialogueFlow) -> None:
        """A report on request covers exactly its days."""
        whole = scenario.report("2021-H1")
        ad_hoc = scenario.report(f"{whole.period.start}..{whole.period.end}")
        assert (whole.received, ad_hoc.period.label) == (
            ad_hoc.received, "2021-01-01..2021-06-30")


@pytest.fixture
def scenario(flow: DialogueFlow, clock: FixedClock, office: Actor, chair: Actor,
             intake: Actor, department: Actor, petitioner: Petitioner) -> DialogueFlow:
    return _play(flow, clock, office, chair, intake, department, petitioner)


def _play(flow: DialogueFlow, clock: FixedClock, office: Actor, chair: Actor,
          intake: Actor, department: Actor, petitioner: Petitioner) -> DialogueFlow:
    """The quarter-II dialogue of 17 June 2021 with four matters, plus one in July.

    - sub-0001 answered on the spot and closed (0 working days to answer);
    - sub-0002 assigned to the land office, due 6 August, answered Fri 16 July: on time,
      21 working days after 17 June (18, 21-25, 28-30 June; 1-2, 5-9, 12-16 July);
    - sub-0003 assigned, never answered: overdue on 9 August;
    - sub-0004 escalated to the district, never answered: overdue and escalated;
    - sub-0005 received outside a dialogue on 5 July: not in the first half-year.
    """
    d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại quý II",
                           actor=office)
    flow.announce(d.id, actor=office)
    clock.set(date(2021, 6, 17))
    flow.hold(d.id, actor=office)
    subs = [flow.receive(dialogue=d.id, petitioner=petitioner, topic=topic, content="...",
                         channel=channel, actor=intake)
            for topic, channel in (("bảo vệ rừng", "spoken"), ("đất đai", "written"),
                                   ("đất đai", "spoken"), ("môi trường", "collected"))]
    flow.answer(subs[0].id, text="Đã trả lời.", actor=chair)
    flow.close(subs[0].id, outcome="settled_at_meeting", actor=intake)
    flow.assign(subs[1].id, department=LAND, actor=chair)
    flow.assign(subs[2].id, department=LAND, actor=chair)
    flow.escalate(subs[3].id, competent_level="UBND huyện", actor=chair)
    clock.set(date(2021, 6, 25))
    flow.conclude(d.id, actor=chair)
    clock.set(date(2021, 7, 5))
    flow.receive(petitioner=petitioner, topic="sản xuất", content="...", actor=intake)
    clock.set(date(2021, 7, 16))
    flow.answer(subs[1].id, text="Đã cấp giấy.", actor=department)
    clock.set(date(2021, 8, 9))
    return flow


class TestFigures:
    def test_counts(self, scenario: DialogueFlow) -> None:
        """The first half-year counts the four matters of June, by state, topic, department
        and channel."""
        r = scenario.report("2021-H1")
        assert 4 == r.received
        assert {"received": 0, "answered": 1, "assigned": 1, "escalated": 1, "closed": 1} == (
            dict(r.by_state))
        assert {"bảo vệ rừng": 1, "môi trường": 1, "đất đai": 2} == dict(r.by_topic)
        assert {LAND: 2} == dict(r.by_department)
        assert {"collected": 1, "spoken": 2, "written": 1} == dict(r.by_channel)

    def test_timeliness(self, scenario: DialogueFlow) -> None:
        """One answer on the spot (0 days), one in writing on time (21 working days); both
        had a due date (the spot answer its conclusion notice's) and met it."""
        r = scenario.report("2021-H1")
        assert (1, 2, 2, 1.0) == (r.answered_on_the_spot, r.answered_with_due,
                                  r.answered_on_time, r.on_time_rate)
        assert (10.5, 21.0) == (r.median_working_days_to_answer,
                                r.p90_working_days_to_answer)

    def test_overdue_and_escalated_lists(self, scenario: DialogueFlow) -> None:
        """On 9 August the unanswered assigned and escalated matters (due 6 August) are
        overdue; the escalated one is listed with the competent level."""
        r = scenario.report("2021-H1")
        assert [("sub-0003", LAND, date(2021, 8, 6)), ("sub-0004", "UBND huyện",
                                                        date(2021, 8, 6))] == [
            (i.submission_id, i.responsible, i.due) for i in r.overdue]
        assert ["sub-0004"] == [i.submission_id for i in r.escalated]

    def test_as_of_an_earlier_day(self, scenario: DialogueFlow) -> None:
        """As of 6 August, the due day itself, nothing is overdue yet."""
        assert () == scenario.report("2021-H1", as_of=date(2021, 8, 6)).overdue

    def test_the_year_includes_july(self, scenario: DialogueFlow) -> None:
        """The annual report also counts the submission of 5 July."""
        assert 5 == scenario.report("2021").received

    def test_an_empty_period(self, scenario: DialogueFlow) -> None:
        """A period with nothing received has zero counts and no rates."""
        r = scenario.report("2021-Q1")
        assert (0, None, None) == (r.received, r.on_time_rate, r.median_working_days_to_answer)


class TestBackends:
    def test_sqlite_indexes_give_the_same_report(
            self, scenario: DialogueFlow, tmp_path: Path, office: Actor, chair: Actor,
            intake: Actor, department: Actor, petitioner: Petitioner) -> None:
        """SQLite answers from its report columns without decoding records; the report is
        identical to the one memory storage computes from the records themselves."""
        clock = FixedClock(date(2021, 6, 1))
        with DialogueFlow.open(f"sqlite:///{tmp_path / 'r.db'}", clock=clock,
                               ids=SequentialIds()) as on_disk:
            _play(on_disk, clock, office, chair, intake, department, petitioner)
            for period in ("2021-H1", "2021", "2021-07"):
                assert scenario.report(period) == on_disk.report(period)
                assert scenario.report(period, include_personal_data=True, actor=office) == (
                    on_disk.report(period, include_personal_data=True, actor=office))


class TestFormats:
    def test_json(self, scenario: DialogueFlow) -> None:
        """JSON carries the figures and the rate."""
        data = json.loads(scenario.render_report(scenario.report("2021-H1"), "json"))
        assert (4, 1.0, "2021-H1") == (data["received"], data["on_time_rate"],
                                       data["period"]["label"])

    def test_csv(self, scenario: DialogueFlow) -> None:
        """CSV has section,key,value rows then the lists; the labels come last."""
        rows = list(csv.reader(io.StringIO(
            scenario.render_report(scenario.report("2021-H1"), "csv"))))
        assert ["section", "key", "value", "section_label", "key_label"] == rows[0]
        assert ["summary", "received", "4"] in [row[:3] for row in rows]
        assert ["overdue", "sub-0003", "đất đai", "assigned", "2021-06-17", LAND, "2021-08-06",
                "dlg-0001", "Quá hạn", "Giao xử lý"] in rows

    def test_markdown(self, scenario: DialogueFlow) -> None:
        """Markdown has a title with the period and the overdue table."""
        text = scenario.render_report(scenario.report("2021-H1"), "md")
        assert text.startswith("# Báo cáo tiếp xúc, đối thoại — 6 tháng đầu năm 2021\n")
        assert "## Quá hạn (2)" in text

    def test_unknown_format(self, scenario: DialogueFlow) -> None:
        """A format nobody renders is refused, naming the known ones."""
        with pytest.raises(InvalidInputError, match="json, csv, md"):
            scenario.render_report(scenario.report("2021-H1"), "xlsx")

    def test_plugin_format(self, scenario: DialogueFlow) -> None:
        """A plugin's dialogue_flow_render_report renders formats the library does not."""
        class Html:
            @hookimpl
            def dialogue_flow_render_report(self, report: dict[str, object], fmt: str,
                                            ) -> str | None:
                return f"<p>{report['received']}</p>" if fmt == "html" else None

        scenario.plugins = load_plugins([Html()], entry_points=False)
        assert "<p>4</p>" == scenario.render_report(scenario.report("2021-H1"), "html")


class TestPersonalData:
    @pytest.mark.parametrize("fmt", ["json", "csv", "md"])
    def test_left_out_by_default(self, scenario: DialogueFlow, petitioner: Petitioner,
                                 fmt: str) -> None:
        """No petitioner's name, address or phone appears unless asked for."""
        text = scenario.render_report(scenario.report("2021-H1"), fmt)
        for personal in (petitioner.name, petitioner.address, petitioner.phone):
            assert personal is not None
            assert personal not in text

    @pytest.mark.parametrize("fmt", ["json", "csv", "md"])
    def test_included_on_request(self, scenario: DialogueFlow, petitioner: Petitioner,
                                 office: Actor, fmt: str) -> None:
        """With include_personal_data=True the lists name the petitioner."""
        report: Report = scenario.report("2021-H1", include_personal_data=True, actor=office)
        assert petitioner.name in scenario.render_report(report, fmt)


class TestQuantiles:
    @given(st.lists(st.integers(0, 80), min_size=1, max_size=60))
    @settings(max_examples=200, deadline=None)
    def test_median_and_p90_from_counts(self, days: list[int]) -> None:
        """The median of a value->count distribution equals statistics.median of the values;
        the 90th percentile is the nearest-rank one."""
        counts = Counter(days)
        ordered = sorted(days)
        assert statistics.median(days) == _quantile(counts, 0.5)
        assert ordered[math.ceil(0.9 * len(days)) - 1] == _quantile(counts, 0.9)

    def test_empty(self) -> None:
        """No answers, no figure."""
        assert _quantile(Counter(), 0.5) is None


class TestInjection:
    """Issue 13: what a citizen types cannot become a formula or a new table row."""

    @pytest.mark.parametrize("topic", ['=HYPERLINK("http://x","y")', "+1+2", "-1+2",
                                       "@SUM(A1)"])
    def test_csv_formula_neutralised(self, flow: DialogueFlow, clock: FixedClock,
                                     intake: Actor, petitioner: Petitioner,
                                     topic: str) -> None:
        """A topic starting with = + - @ is written as text: a leading apostrophe."""
        flow.receive(petitioner=petitioner, topic=topic, content="...", actor=intake)
        rows = list(csv.reader(io.StringIO(flow.render_report(flow.report("2021-06"),
                                                               "csv"))))
        assert ["topic", "'" + topic, "1", "Theo lĩnh vực", "'" + topic] in rows
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

    def test_markdown_cells_escaped(self, scenario: DialogueFlow) -> None:
        """A ``|`` or a line break in a cell cannot add a column or a row."""
        report = scenario.report("2021-H1")
        tampered = attrs.evolve(report, by_topic={"a | b\n| x | 9 |": 1})
        text = scenario.render_report(tampered, "md")
        line = next(x for x in text.splitlines() if x.startswith("| a "))
        assert "| a \\| b \\| x \\| 9 \\| | 1 |" == line
        assert not any(x.startswith("| x") for x in text.splitlines())
