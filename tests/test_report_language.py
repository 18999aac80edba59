"""Reports, roll-ups and the demo's timeline in the language asked for (issue 16, item 9).

A Vietnamese report has no English word left (states, channels, figures, sections, the
reception section, the recipients, the period) and an English one no Vietnamese word of
the library's; JSON and the CSV's key columns keep their stable English keys, with labels
beside them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    AnswerMode,
    Channel,
    CloseReason,
    DialogueFlow,
    DialogueState,
    FixedClock,
    InvalidInputError,
    Period,
    ReceptionMonth,
    ReceptionState,
    Report,
    ReportItem,
    Rollup,
    RollupRow,
    SubmissionState,
    hookimpl,
    load_plugins,
)
from dialogue_flow._labels import MONTHS_EN, PHRASE, RECIPIENT_EN, VOCABULARIES
from dialogue_flow._report import RECIPIENTS, render_report
from dialogue_flow._rollup import render_rollup
from dialogue_flow.cli import main
from dialogue_flow.storage import OutboxStatus

ENUMS: tuple[tuple[str, Iterable[Any]], ...] = (
    ("state", SubmissionState), ("dialogue_state", DialogueState),
    ("reception_state", ReceptionState), ("channel", Channel), ("answer_mode", AnswerMode),
    ("close_reason", CloseReason), ("outbox_status", OutboxStatus))


def _words(text: str) -> set[str]:
    """The words of ``text``, lower-cased: letters only (``in_writing`` is two words)."""
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def _phrase_text(template: str) -> str:
    return re.sub(r"\{\w+\}", " ", template)


def _library_words(index: int) -> set[str]:
    """Every word the library itself writes in one language (0: vi, 1: en), keys included
    for English: enum values, figure, section and column keys, labels and phrases."""
    texts: list[str] = []
    for words in VOCABULARIES.values():
        texts += [pair[index] for pair in words.values()]
        texts += list(words) if index else []
    texts += [_phrase_text(pair[index]) for pair in PHRASE.values()]
    texts += [*MONTHS_EN, *RECIPIENT_EN.values()] if index else [
        name for names in RECIPIENTS.values() for name in names]
    for _name, enum in ENUMS:
        texts += [str(member) for member in enum] if index else []
    return set().union(*map(_words, texts))


#: English words of three letters or more: a Vietnamese report must contain none.
ENGLISH = {w for w in _library_words(1) if len(w) >= 3}
#: Vietnamese words of the library (those with a letter English does not have): an English
#: report must contain none outside the data.
VIETNAMESE = {w for w in _library_words(0) if not w.isascii()}


def _every_word_report(*, personal_data: bool = False) -> Report:
    """A report with every state (in its lists too), every channel, every summary figure, a
    reception month short, recipients, an organisation and its subtree."""
    items = tuple(ReportItem(f"sub-{n:04d}", "đất đai", state.value, date(2026, 3, 2),
                             "Địa chính", date(2026, 3, 16), "dlg-0001",
                             petitioner="Nguyễn Văn A" if personal_data else None)
                  for n, state in enumerate(SubmissionState, 1))
    return Report(
        period=Period.parse("2026-Q1"), made_on=date(2026, 4, 1), policy="215-KL",
        policy_name="Kết luận 215-KL/TW", received=10,
        by_state={s.value: 2 for s in SubmissionState}, by_topic={"đất đai": 10},
        by_department={"Địa chính": 6}, by_channel={c.value: 2 for c in Channel},
        answered_on_the_spot=2, answered_with_due=4, answered_on_time=3,
        median_working_days_to_answer=10.5, p90_working_days_to_answer=21.0,
        overdue=items, escalated=items[3:4], personal_data=personal_data,
        organisation="xa-mau-dong", subtree=True, recipients=RECIPIENTS["commune"],
        reception_days_held=1, citizens_received=6,
        reception_short=(ReceptionMonth("xa-mau-dong", "2026-02", 2, 0, 1, 0, 6),))


#: What the report holds as data (topics, departments, ids): not the library's words.
DATA = _words("đất đai Địa chính xa-mau-dong sub dlg Nguyễn Văn A Kết luận 215-KL/TW")


class TestVocabularies:
    @pytest.mark.parametrize(("vocabulary", "enum"), ENUMS)
    def test_every_value_has_a_label_in_both_languages(self, vocabulary: str,
                                                       enum: Iterable[Any]) -> None:
        """Each state, channel, answer mode, close reason and outbox status has words in
        both languages, and the Vietnamese ones share no word with English."""
        table = VOCABULARIES[vocabulary]
        for member in enum:
            vi, en = table[str(member)]
            assert (vi.strip(), en.strip()) == (vi, en)
            assert set() == _words(vi) & ENGLISH, (member, vi)

    def test_the_states_are_the_lifecycles_labels(self) -> None:
        """States are labelled as their lifecycle declares them, not a second time."""
        from dialogue_flow import DIALOGUE, RECEPTION, SUBMISSION  # noqa: PLC0415

        assert (SUBMISSION.labels, DIALOGUE.labels, RECEPTION.labels) == (
            VOCABULARIES["state"], VOCABULARIES["dialogue_state"],
            VOCABULARIES["reception_state"])

    def test_the_two_word_lists_do_not_meet(self) -> None:
        """The checks below are meaningful: no word is in both lists."""
        assert set() == ENGLISH & _library_words(0)


class TestPeriodInWords:
    @pytest.mark.parametrize(("label", "vi", "en"), [
        ("2021", "năm 2021", "2021"),
        ("2021-06", "tháng 6 năm 2021", "June 2021"),
        ("2021-Q1", "quý I năm 2021", "Q1 2021"),
        ("2021-Q4", "quý IV năm 2021", "Q4 2021"),
        ("2021-H1", "6 tháng đầu năm 2021", "first half of 2021"),
        ("2021-H2", "6 tháng cuối năm 2021", "second half of 2021"),
        ("2021-9M", "9 tháng năm 2021", "first nine months of 2021"),
        ("2026-03-01..2026-04-15", "từ 2026-03-01 đến 2026-04-15", "2026-03-01 to 2026-04-15"),
    ])
    def test_title(self, label: str, vi: str, en: str) -> None:
        """Every kind of period reads as words; its label stays the machine's key."""
        period = Period.parse(label)
        assert (vi, en, label) == (period.title("vi"), period.title("en"), period.label)

    def test_a_label_of_the_hosts_own(self) -> None:
        """A period built with a label that is not a period reads as its days."""
        period = Period("Hè 2026", date(2026, 6, 1), date(2026, 8, 31))
        assert "từ 2026-06-01 đến 2026-08-31" == period.title("vi")

    def test_unknown_language(self) -> None:
        with pytest.raises(InvalidInputError, match="language"):
            Period.parse("2021").title("fr")


class TestVietnamese:
    """Issue 16: a Vietnamese report had ``received``, ``spoken``, ``collected`` rows."""

    def test_markdown_has_no_english_word(self) -> None:
        text = render_report(_every_word_report(personal_data=True), "md", language="vi")
        assert set() == _words(text) & ENGLISH
        assert "| Phát biểu trực tiếp tại hội nghị | 2 |" in text
        assert "| Tỷ lệ trả lời đúng hạn | 75% |" in text
        assert "| Số ngày làm việc đến khi trả lời (trung vị) | 10,5 |" in text
        assert "# Báo cáo tiếp xúc, đối thoại — quý I năm 2026\n" in text

    def test_csv_labels_have_no_english_word(self) -> None:
        """The CSV keeps its key columns; every other cell is in Vietnamese."""
        rows = list(csv.reader(io.StringIO(render_report(_every_word_report(), "csv",
                                                         language="vi"))))
        blank = rows.index([])
        figures, lists = rows[1:blank], rows[blank + 2:]
        assert ["section", "key", "value", "section_label", "key_label"] == rows[0]
        shown = [cell for row in figures for cell in row[2:]]
        shown += [cell for row in lists for i, cell in enumerate(row) if i not in (0, 3)]
        assert set() == _words(" ".join(shown)) & ENGLISH
        assert ["channel", "spoken", "2", "Theo hình thức tiếp nhận",
                "Phát biểu trực tiếp tại hội nghị"] in figures
        assert {s.value for s in SubmissionState} == {row[3] for row in lists}

    def test_json_keeps_keys_and_adds_labels(self) -> None:
        """JSON's keys and enum values are the stable English ones; ``labels`` has a
        Vietnamese word for each key a reader sees."""
        data = json.loads(render_report(_every_word_report(), "json", language="vi"))
        assert ({s.value for s in SubmissionState}, {c.value for c in Channel}) == (
            set(data["by_state"]), set(data["by_channel"]))
        words = data["labels"]
        assert set(data["by_state"]) == set(words["state"])
        assert set(data["by_channel"]) == set(words["channel"])
        assert {"received", "answered_on_the_spot", "on_time_rate"} <= set(words["figures"])
        assert ("vi", "quý I năm 2026") == (words["language"], words["period"])
        assert set() == _words(" ".join(_values(words))) & ENGLISH

    def test_rollup(self) -> None:
        text = render_rollup(_rollup(), "md", language="vi")
        assert set() == _words(text) & ENGLISH
        assert "| Tổng | 10 |" in text


def _values(value: Any) -> Iterable[str]:
    """Every text of a nested mapping that is not a key."""
    if isinstance(value, dict):
        for inner in value.values():
            yield from _values(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _values(inner)
    elif isinstance(value, str):
        yield value


def _rollup() -> Rollup:
    report = _every_word_report()
    return Rollup("tinh-mau", "Tỉnh ủy Mẫu", "province", RECIPIENTS["province"],
                  (RollupRow("xa-mau-dong", "Đảng ủy xã Mẫu Đông", report),
                   RollupRow("xa-mau-tay", "Đảng ủy xã Mẫu Tây", report)),
                  report)


class TestEnglish:
    def test_markdown_has_no_vietnamese_word_of_the_library(self) -> None:
        """Only the data (topics, departments, the policy's name) stays Vietnamese."""
        text = render_report(_every_word_report(), "md", language="en")
        assert set() == (_words(text) - DATA) & VIETNAMESE
        assert "| Spoken at the meeting | 2 |" in text
        assert "| Working days to answer (median) | 10.5 |" in text
        assert ("Recipients (Conclusion 215-KL/TW): Provincial Party Secretary; Provincial "
                "Internal Affairs Board; Provincial Propaganda and Mass Mobilisation "
                "Board.") in text

    def test_csv_keys_are_the_same_in_both_languages(self) -> None:
        """Scripts read the same keys whatever the language; only the labels change."""
        report = _every_word_report()
        vi, en = (list(csv.reader(io.StringIO(render_report(report, "csv", language=lang))))
                  for lang in ("vi", "en"))
        assert [row[:3] for row in vi] == [row[:3] for row in en]
        labels = " ".join(cell for row in en[1:] for cell in row[3:])
        assert set() == (_words(labels) - DATA) & VIETNAMESE

    def test_rollup(self) -> None:
        text = render_rollup(_rollup(), "md", language="en")
        assert set() == (_words(text) - _words("Tỉnh ủy Mẫu Đảng ủy xã Đông Tây")) & VIETNAMESE
        rows = list(csv.reader(io.StringIO(render_rollup(_rollup(), "csv", language="en"))))
        assert ["total", "Total", "10"] == rows[-1][:3]


class TestFlow:
    def test_the_flows_language_by_default(self, clock: FixedClock) -> None:
        """``render_report`` speaks the flow's language unless told otherwise."""
        flow = DialogueFlow.open("memory://", clock=clock, language="en")
        report = flow.report("2021")
        assert flow.render_report(report, "md").startswith("# Dialogue report — 2021\n")
        assert flow.render_report(report, "md", language="vi").startswith(
            "# Báo cáo tiếp xúc, đối thoại — năm 2021\n")

    @pytest.mark.parametrize("language", ["fr", "", None, "VI"])
    def test_unknown_language_is_refused(self, flow: DialogueFlow, language: Any) -> None:
        if language is None:  # None means the flow's language
            assert flow.render_report(flow.report("2021"), "md")
            return
        with pytest.raises(InvalidInputError, match="language"):
            flow.render_report(flow.report("2021"), "md", language=language)
        with pytest.raises(InvalidInputError, match="language"):
            flow.render_rollup(_rollup(), "md", language=language)

    def test_a_plugin_is_told_the_language(self, flow: DialogueFlow) -> None:
        """The hook receives the language and the report with its labels in it."""
        seen: list[tuple[str, str]] = []

        class Html:
            @hookimpl
            def dialogue_flow_render_report(self, report: dict[str, Any], fmt: str,
                                            language: str) -> str | None:
                seen.append((language, report["labels"]["title"]))
                return "<html>"

        flow.plugins = load_plugins([Html()], entry_points=False)
        flow.render_report(flow.report("2021"), "html", language="en")
        assert [("en", "Dialogue report — 2021")] == seen

    def test_a_plugin_written_before_the_language_still_works(self,
                                                              flow: DialogueFlow) -> None:
        """Hook arguments are opt-in: an implementation without ``language`` is called."""
        class Old:
            @hookimpl
            def dialogue_flow_render_report(self, report: dict[str, Any],
                                            fmt: str) -> str | None:
                return f"<p>{report['received']}</p>"

        flow.plugins = load_plugins([Old()], entry_points=False)
        assert "<p>0</p>" == flow.render_report(flow.report("2021"), "html")


class TestCli:
    def test_report_lang(self, tmp_path: Path) -> None:
        """`report --lang en` renders English; without it the report is Vietnamese."""
        url = f"sqlite:///{tmp_path / 'r.db'}"
        DialogueFlow.open(url).shutdown()
        args = ["report", "--db", url, "--period", "2021-H1"]
        en = CliRunner().invoke(main, [*args, "--lang", "en"])
        vi = CliRunner().invoke(main, args)
        assert (0, 0) == (en.exit_code, vi.exit_code), en.output + vi.output
        assert en.output.startswith("# Dialogue report — first half of 2021\n")
        assert vi.output.startswith("# Báo cáo tiếp xúc, đối thoại — 6 tháng đầu năm 2021\n")
        assert set() == _words(vi.output) & ENGLISH
        bad = CliRunner().invoke(main, [*args, "--lang", "fr"])
        assert 2 == bad.exit_code


class TestDemo:
    def test_the_vietnamese_timeline_has_no_english_word(self, tmp_path: Path) -> None:
        """No state, channel, answer mode, close reason or outbox status in English, nor any
        other word of the library's English."""
        db = tmp_path / "d.db"
        result = CliRunner().invoke(main, ["demo", "--db", str(db)])
        assert 0 == result.exit_code, result.output
        assert set() == _words(result.output.replace(str(db), "")) & ENGLISH
        assert "Trả lời sub-0001 (Trả lời bằng văn bản)" in result.output
        assert "[Phát biểu trực tiếp tại hội nghị]" in result.output

    def test_the_english_timeline_has_no_vietnamese_label(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(main, ["demo", "--db", str(tmp_path / "d.db"),
                                           "--lang", "en"])
        assert 0 == result.exit_code, result.output
        for vocabulary, _enum in ENUMS:
            for vi, _en in VOCABULARIES[vocabulary].values():
                assert f"[{vi}]" not in result.output
                assert f"({vi})" not in result.output
                assert f"→ {vi}\n" not in result.output
