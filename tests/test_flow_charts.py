"""``flow.charts`` and ``flow.render_chart``: a period's two charts as data and as pictures,
the public way a host draws what the Word report and ``dialogue-flow chart`` show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dialogue_flow import (
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    NotFoundError,
    Period,
    PluginError,
    hookimpl,
)
from dialogue_flow._province_demo import run_province_demo


@pytest.fixture
def commune(demo_2021_file: Path) -> Iterator[DialogueFlow]:
    with DialogueFlow.open(f"sqlite:///{demo_2021_file}",
                           clock=FixedClock(dt.date(2021, 12, 20))) as flow:
        yield flow


@pytest.fixture(scope="module")
def province_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("province") / "province.db"
    run_province_demo(f"sqlite:///{path}", echo=lambda _line: None)
    return path


def test_the_two_charts_of_a_period(commune: DialogueFlow) -> None:
    """By month and state (stacked, a category per month) and the on-time rate by
    department; the same as the chart command and the Word report draw."""
    charts = commune.charts("2021-H1")
    assert ["by_month_state", "on_time_rate"] == list(charts)
    months = charts["by_month_state"]
    assert ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"] == \
        months["categories"]
    received = sum(sum(s["values"]) for s in months["series"])
    assert commune.report("2021-H1").received == received
    assert commune.charts(Period.parse("2021-H1")) == charts
    english = commune.charts("2021-H1", language="en")["by_month_state"]["title"]
    assert english != months["title"]


def test_a_province_rollup_charts_by_organisation(province_file: Path) -> None:
    """Given the province's roll-up, the on-time chart has a bar per row (the province's
    own matters and each commune), and the other counts the whole subtree."""
    with DialogueFlow.open(f"sqlite:///{province_file}") as flow:
        rollup = flow.rollup("2026-H1", organisation="tinh-mau")
        charts = flow.charts("2026-H1", organisation="tinh-mau", rollup=rollup)
        assert [row.name for row in rollup.rows] == \
            charts["on_time_rate"]["category_labels"]
        received = sum(sum(s["values"]) for s in charts["by_month_state"]["series"])
        assert rollup.total.received == received
        own = flow.charts("2026-H1", organisation="tinh-mau")["by_month_state"]
        assert sum(sum(s["values"]) for s in own["series"]) < received
        with pytest.raises(InvalidInputError, match="rollup"):
            flow.charts("2026-H1", organisation="xa-mau-dong", rollup=rollup)


def test_a_rollup_of_another_period_is_refused(province_file: Path) -> None:
    with DialogueFlow.open(f"sqlite:///{province_file}") as flow:
        rollup = flow.rollup("2025", organisation="tinh-mau")
        with pytest.raises(InvalidInputError, match="rollup"):
            flow.charts("2026-H1", organisation="tinh-mau", rollup=rollup)


def test_the_chart_carries_its_language_to_the_drawing(commune: DialogueFlow) -> None:
    seen: list[str] = []

    class Drawer:
        @hookimpl
        def dialogue_flow_render_chart(self, chart: Any, fmt: str, language: str) -> bytes:
            seen.append(language)
            return b"x"

    commune.plugins.register(Drawer())
    chart = commune.charts("2021", language="en")["on_time_rate"]
    assert "en" == chart["language"]
    commune.render_chart(chart, "raw")
    commune.render_chart(chart, "raw", language="vi")
    assert ["en", "vi"] == seen


def test_bad_arguments(commune: DialogueFlow) -> None:
    with pytest.raises(InvalidInputError, match="period"):
        commune.charts("last year")
    with pytest.raises(InvalidInputError, match="period"):
        commune.charts(2021)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        commune.charts("2021", organisation="xa-khac")
    with pytest.raises(InvalidInputError, match="subtree"):
        commune.charts("2021", subtree=True)
    with pytest.raises(InvalidInputError, match="language"):
        commune.charts("2021", language="fr")
    with pytest.raises(InvalidInputError, match="subtree"):
        commune.charts("2021", organisation="default", subtree=[])  # type: ignore[arg-type]


def test_render_chart_through_the_format_plugin(commune: DialogueFlow) -> None:
    """The host's plugin for the format draws it; text comes back as UTF-8 bytes; anything
    else is the plugin's error; a format nobody draws names what to install."""
    answers: dict[str, Any] = {"txt": "biểu đồ", "raw": b"\x89PNG", "odd": 42}

    class Drawer:
        @hookimpl
        def dialogue_flow_render_chart(self, chart: Any, fmt: str, language: str) -> Any:
            return answers.get(fmt)

    commune.plugins.register(Drawer())
    chart = commune.charts("2021")["on_time_rate"]
    assert "biểu đồ".encode() == commune.render_chart(chart, "txt")
    assert b"\x89PNG" == commune.render_chart(chart, "raw")
    with pytest.raises(PluginError, match="returned int for 'odd'"):
        commune.render_chart(chart, "odd")
    with pytest.raises(ConfigurationError):
        commune.render_chart(chart, "gif")
    with pytest.raises(InvalidInputError, match="chart"):
        commune.render_chart({"title": "x"}, "txt")


def test_render_chart_as_svg_with_the_installed_plugin(commune: DialogueFlow) -> None:
    """dialogue-flow-docx[charts] (installed with the dev dependencies) draws SVG."""
    svg = commune.render_chart(commune.charts("2021")["by_month_state"], "svg")
    assert svg.lstrip().startswith(b"<?xml")
    assert b"<svg" in svg
