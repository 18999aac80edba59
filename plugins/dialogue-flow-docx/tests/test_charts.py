"""The report's charts drawn as PNG and SVG (dialogue_flow_docx._charts)."""

from __future__ import annotations

import builtins
import struct
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import pytest
from dialogue_flow_docx._charts import PNG_DPI, chart_png, render_chart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue_flow import ConfigurationError, InvalidInputError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_TEXT = "{http://www.w3.org/2000/svg}text"
MONTHS = ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"]

BY_MONTH: dict[str, Any] = {
    "kind": "by_month_state", "title": "Ý kiến, kiến nghị theo tháng và tình trạng",
    "x_label": "Tháng", "y_label": "Số ý kiến, kiến nghị",
    "categories": MONTHS, "category_labels": [f"{m[5:]}/2021" for m in MONTHS],
    "series": [
        {"key": "received", "label": "Tiếp nhận", "values": [0, 1, 0, 2, 1, 3]},
        {"key": "assigned", "label": "Đã chuyển cơ quan", "values": [1, 2, 0, 3, 2, 4]},
        {"key": "answered", "label": "Đã trả lời", "values": [3, 4, 1, 5, 6, 2]},
        {"key": "closed", "label": "Đã kết thúc", "values": [5, 2, 1, 2, 3, 1]},
    ],
    "stacked": True,
}
ON_TIME: dict[str, Any] = {
    "kind": "on_time_rate", "title": "Tỷ lệ trả lời đúng hạn theo cơ quan",
    "x_label": "", "y_label": "%",
    "categories": ["dc", "tp", "yt", "ca"],
    "category_labels": ["Địa chính", "Tư pháp – Hộ tịch", "Trạm Y tế xã", "Công an xã"],
    "series": [{"key": "on_time_rate", "label": "Đúng hạn (%)",
                "values": [80.0, 100.0, None, 33.3]}],
    "counts": [[4, 5], [3, 3], [0, 0], [1, 3]],
    "stacked": False,
}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_dpi(data: bytes) -> float:
    """The resolution a PNG records (its pHYs chunk, in pixels per metre)."""
    at = data.index(b"pHYs")
    per_metre, _ = struct.unpack(">II", data[at + 4:at + 12])
    return per_metre * 0.0254


def svg_texts(data: bytes) -> list[str]:
    """Every text of an SVG (it parses as XML, or this fails)."""
    root = ET.fromstring(data)  # noqa: S314 - our own output
    return [element.text or "" for element in root.iter(SVG_TEXT)]


def with_(chart: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    return {**chart, **changes}


# --- the picture ----------------------------------------------------------------------------


@pytest.mark.parametrize("chart", [BY_MONTH, ON_TIME], ids=["by_month_state", "on_time_rate"])
def test_png_is_sized_for_a_word_page(chart: dict[str, Any]) -> None:
    """A PNG 16 cm wide at 150 dpi (945 pixels) that records its resolution, so Word shows
    it 16 cm wide; render_chart's PNG is chart_png's default."""
    data = render_chart(chart, "png", "vi")
    assert data.startswith(PNG_MAGIC)
    assert 945 == png_size(data)[0]
    assert round(png_dpi(data)) == PNG_DPI
    assert data == chart_png(chart, "vi")


def test_chart_png_takes_the_width_of_the_picture() -> None:
    """An 8 cm picture is half as many pixels wide."""
    assert 472 == png_size(chart_png(BY_MONTH, "vi", width_cm=8))[0]


def test_svg_keeps_its_text_as_text_with_vietnamese_intact() -> None:
    """The SVG parses as XML; the title, the axis labels, the months and the states are
    text elements (searchable, copyable), diacritics included."""
    data = render_chart(BY_MONTH, "svg", "vi")
    assert "font-family: 'DejaVu Sans'" in data.decode()  # has every Vietnamese letter
    texts = svg_texts(data)
    for expected in ["Ý kiến, kiến nghị theo tháng và tình trạng", "Tháng",
                     "Số ý kiến, kiến nghị", "01/2021", "06/2021", "Tiếp nhận",
                     "Đã chuyển cơ quan", "Đã trả lời", "Đã kết thúc"]:
        assert expected in texts


def test_stacked_bars_show_each_months_total() -> None:
    """Each month's stack carries its total (9 in January, 10 in June)."""
    texts = svg_texts(render_chart(BY_MONTH, "svg", "vi"))
    assert {"9", "10", "12"} <= set(texts)


def test_each_state_has_its_own_hatch_or_plain_fill() -> None:
    """Four states, four fills: told apart on a black-and-white print by their grey and
    hatch, not by hue alone."""
    data = render_chart(BY_MONTH, "svg", "vi").decode()
    assert 3 == data.count("<pattern")  # the first state is a plain dark fill


def test_a_state_without_matters_is_left_out_and_the_others_keep_their_style() -> None:
    """Of the five states, those no matter of the period is in get no bar and no legend
    line; a state keeps the fill of its place in the series (the same in every report)."""
    series = [{**BY_MONTH["series"][0], "values": [0] * 6}, *BY_MONTH["series"][1:2]]
    data = render_chart(with_(BY_MONTH, series=series), "svg", "vi")
    texts = svg_texts(data)
    assert "Tiếp nhận" not in texts
    assert "Đã chuyển cơ quan" in texts
    assert "#f2b134" in data.decode()  # the second style
    assert "#1f3864" not in data.decode()  # the first style's state has no bar


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_same_chart_gives_the_same_bytes(fmt: str) -> None:
    """No date, no software version, fixed SVG ids: a report rebuilt is byte-identical."""
    first = render_chart(BY_MONTH, fmt, "vi")
    assert first == render_chart(dict(BY_MONTH), fmt, "vi")
    assert b"matplotlib.org" not in first  # the software's name and version
    assert b"<dc:date>" not in first


def test_charts_drawn_from_threads_are_the_same() -> None:
    """Four threads drawing at once get the bytes one thread gets (no shared pyplot state,
    no settings of one drawing leaking into another)."""
    expected = {"png": render_chart(ON_TIME, "png", "vi"),
                "svg": render_chart(BY_MONTH, "svg", "en")}
    results: list[bool] = []

    def draw(fmt: str) -> None:
        chart, language = (ON_TIME, "vi") if fmt == "png" else (BY_MONTH, "en")
        results.append(render_chart(chart, fmt, language) == expected[fmt])

    threads = [threading.Thread(target=draw, args=(fmt,)) for fmt in ["png", "svg"] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [True] * 4 == results


def test_bars_side_by_side_when_not_stacked() -> None:
    """stacked false: one bar per state beside the others, no totals written."""
    texts = svg_texts(render_chart(with_(BY_MONTH, stacked=False), "svg", "vi"))
    assert "Tiếp nhận" in texts
    assert "12" not in texts


def test_long_labels_are_wrapped_and_cut() -> None:
    """A long department name is wrapped over lines of 22 characters at most, and one
    beyond three lines is cut with "…"."""
    long_name = "Ban Chỉ đạo thực hiện Quy chế dân chủ ở cơ sở của Đảng ủy xã"
    longer = "Văn phòng " * 12
    chart = with_(ON_TIME, categories=["a", "b"], category_labels=[long_name, longer],
                  series=[{"key": "on_time_rate", "label": "", "values": [50.0, 20.0]}],
                  counts=[[1, 2], [1, 5]])
    texts = svg_texts(render_chart(chart, "svg", "vi"))
    lines = [text for text in texts if text in long_name or text.rstrip("…") in longer]
    assert ["Ban Chỉ đạo thực hiện", "Quy chế dân chủ ở cơ", "sở của Đảng ủy xã",
            "Văn phòng Văn phòng", "Văn phòng Văn phòng", "Văn phòng Văn phòng…"] == lines


# --- the on-time rate -----------------------------------------------------------------------


def test_on_time_rates_are_labelled_with_their_counts() -> None:
    """Each bar says its rate (Vietnamese decimal comma) and "(on time/with a due date)"."""
    texts = svg_texts(render_chart(ON_TIME, "svg", "vi"))
    assert {"80 % (4/5)", "100 % (3/3)", "33,3 % (1/3)", "Địa chính"} <= set(texts)
    assert {"0 %", "100 %"} <= set(texts)  # the axis runs from 0 to 100 %


def test_a_missing_rate_is_a_dash_and_no_bar() -> None:
    """A department with no answer due yet has no rate: "—", and no bar that would read as
    0 %; a rate of 0 % (every answer late) does get its (empty) bar and its label."""
    chart = with_(ON_TIME, series=[{"key": "on_time_rate", "label": "",
                                    "values": [80.0, 0.0, None, None]}],
                  counts=[[4, 5], [0, 2], [0, 0], None])
    data = render_chart(chart, "svg", "vi")
    texts = svg_texts(data)
    assert {"— (0/0)", "—", "0 % (0/2)"} <= set(texts)
    assert 2 == data.decode().count("fill: #1f3864")  # the bars of 80 % and 0 %


def test_english_rates_use_a_decimal_point() -> None:
    texts = svg_texts(render_chart(ON_TIME, "svg", "en"))
    assert "33.3% (1/3)" in texts


# --- no data --------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", [
    with_(BY_MONTH, categories=[], category_labels=[],
          series=[{"key": "received", "label": "Tiếp nhận", "values": []}]),
    with_(BY_MONTH, series=[{"key": "received", "label": "Tiếp nhận",
                             "values": [0, 0, None, 0, 0, 0]}]),
    with_(BY_MONTH, series=[]),
    with_(ON_TIME, series=[{"key": "on_time_rate", "label": "",
                            "values": [None, None, None, None]}]),
    {"kind": "on_time_rate"},
], ids=["no categories", "all zero", "no series", "no rate", "bare"])
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_chart_without_data_says_so(chart: dict[str, Any], fmt: str) -> None:
    """A quiet half-year still gets its picture: the title and a "no data" note."""
    data = render_chart(chart, fmt, "vi")
    if fmt == "png":
        assert data.startswith(PNG_MAGIC)
    else:
        assert "Không có số liệu" in svg_texts(data)


def test_no_data_in_english() -> None:
    assert "No data" in svg_texts(render_chart(with_(BY_MONTH, series=[]), "svg", "en"))


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("chart", "fmt", "language", "field", "named"), [
    (BY_MONTH, "gif", "vi", "fmt", "'gif'"),
    (with_(BY_MONTH, kind="pie"), "png", "vi", "chart.kind", "'pie'"),
    ({}, "png", "vi", "chart.kind", "None"),
    ([1, 2], "png", "vi", "chart", "list"),
    (BY_MONTH, "png", "fr", "language", "'fr'"),
    (with_(BY_MONTH, category_labels=["01/2021"]), "png", "vi", "chart.category_labels",
     "1 labels"),
    (with_(BY_MONTH, series=[{"label": "x", "values": [1, 2]}]), "png", "vi",
     "chart.series[0].values", "2 values"),
    (with_(BY_MONTH, series=[{"label": "x", "values": [1, 2, 3, 4, 5, -1]}]), "png", "vi",
     "chart.series[0].values", "-1"),
    (with_(BY_MONTH, series=[{"label": "x", "values": [1, 2, 3, 4, 5, "6"]}]), "png", "vi",
     "chart.series[0].values", "'6'"),
    (with_(ON_TIME, series=[{"values": [120.0, 1.0, 1.0, 1.0]}]), "png", "vi",
     "chart.series[0].values", "120.0"),
    (with_(ON_TIME, counts=[[1, 2]]), "png", "vi", "chart.counts", "4 categories"),
    (with_(ON_TIME, counts=[[1, 2], [1], None, None]), "png", "vi", "chart.counts", "[1]"),
])
def test_a_malformed_request_names_what_is_wrong(
        chart: Any, fmt: str, language: str, field: str, named: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        render_chart(chart, fmt, language)
    assert field == caught.value.field
    assert named in str(caught.value)


@pytest.mark.parametrize("width", [0, 2.5, 80, float("nan"), True])
def test_a_picture_width_outside_4_to_50_cm_is_refused(width: float) -> None:
    with pytest.raises(InvalidInputError, match="width_cm"):
        chart_png(BY_MONTH, "vi", width_cm=width)


def test_without_matplotlib_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extra is missing: a ConfigurationError naming dialogue-flow-docx[charts], not an
    ImportError from deep inside."""
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ConfigurationError, match=r"install dialogue-flow-docx\[charts\]"):
        render_chart(BY_MONTH, "png", "vi")


# --- any small chart ------------------------------------------------------------------------

LABEL = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyÝĐàảãáạếềểễệốồổỗộứừửữự 0123456789-–,.()/$%",
                max_size=40)


@st.composite
def charts(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed chart mapping of either kind, 0 to 8 categories."""
    kind = draw(st.sampled_from(["by_month_state", "on_time_rate"]))
    size = draw(st.integers(0, 8))
    labels = draw(st.lists(LABEL, min_size=size, max_size=size))
    if kind == "on_time_rate":
        value = st.none() | st.floats(0, 100)
        series_count = 1
    else:
        value = st.none() | st.integers(0, 500)
        series_count = draw(st.integers(0, 9))
    series = [{"key": f"s{index}", "label": draw(LABEL),
               "values": draw(st.lists(value, min_size=size, max_size=size))}
              for index in range(series_count)]
    chart = {"kind": kind, "title": draw(LABEL), "x_label": draw(LABEL),
             "y_label": draw(LABEL), "categories": [str(i) for i in range(size)],
             "category_labels": labels, "series": series,
             "stacked": draw(st.booleans())}
    if kind == "on_time_rate":
        pair = st.tuples(st.integers(0, 99), st.integers(0, 99)).map(list)
        chart["counts"] = draw(st.lists(st.none() | pair, min_size=size, max_size=size))
    return chart


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chart=charts(), language=st.sampled_from(["vi", "en"]))
def test_any_well_formed_chart_is_drawn(chart: dict[str, Any], language: str) -> None:
    """Whatever the data (no months, a hundred-and-more in one, long or empty labels, a
    dollar sign that TeX would read as maths), a well-formed chart is a PNG and an SVG."""
    data = render_chart(chart, "png", language)
    assert data.startswith(PNG_MAGIC)
    assert 945 == png_size(data)[0]
    svg_texts(render_chart(chart, "svg", language))
