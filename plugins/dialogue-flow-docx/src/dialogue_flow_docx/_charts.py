"""The charts of a periodic report, drawn as PNG or SVG with matplotlib.

The library builds each chart as a JSON-safe mapping (``dialogue_flow``'s chart data: its
``kind``, ``title``, axis labels, ``categories`` with their ``category_labels``, one
``series`` per colour and, for the on-time rate, the ``counts`` behind each rate); this
module only draws it. Two kinds:

- ``"by_month_state"``: one bar per month, stacked by state (one colour and hatch per
  state, a legend under the plot, the month's total over its bar);
- ``"on_time_rate"``: one horizontal bar per department (per commune in a roll-up) from 0
  to 100 %, labelled with the rate and "(on time/answered with a due date)"; a category
  without answers that had a due date gets no bar and the label "—".

Choices a reader of the printed report depends on:

- Party offices print in black and white, so states differ by luminance *and* hatch, not
  by hue alone.
- DejaVu Sans (shipped with matplotlib) carries every Vietnamese diacritic; SVG text stays
  text (``svg.fonttype = "none"``) so it can be searched and copied.
- The same chart gives the same bytes: no date or software version in the file, a fixed
  SVG id salt.
- A chart without data is drawn with a "Không có số liệu" / "No data" note, never refused:
  a report of a quiet half-year is still a report. An on-time rate of 0 % is data (every
  answer late), not "no data".

matplotlib is an extra (``dialogue-flow-docx[charts]``), imported only when a chart is
drawn. Figures are built as ``Figure`` objects with the Agg canvas, never through pyplot's
global state; the few settings that matplotlib only reads from its global ``rcParams``
(font, SVG text and ids) are applied with ``rc_context`` under a lock, so charts drawn from
several threads do not see each other's settings.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from dialogue_flow import ConfigurationError, InvalidInputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["CHART_KINDS", "FORMATS", "PNG_DPI", "chart_png", "render_chart"]

#: The image formats :func:`render_chart` draws.
FORMATS = ("png", "svg")
#: The chart kinds it knows.
CHART_KINDS = ("by_month_state", "on_time_rate")
#: Pixels per inch of a PNG: sharp when printed at the picture's width in a Word page.
PNG_DPI = 150
#: The default picture width: the text width of an A4 page in the party's format.
DEFAULT_WIDTH_CM = 16.0

_CM_PER_INCH = 2.54
_LANGUAGES = ("vi", "en")
_NO_DATA = {"vi": "Không có số liệu", "en": "No data"}
_NO_RATE = "—"
# Settings matplotlib reads from rcParams only (not per figure): applied per drawing.
_RC = {
    "font.family": "DejaVu Sans",
    # Point sizes as printed: the picture is placed at its own size (16 cm) in the report.
    "font.size": 9.0,
    "axes.titlesize": 11.0,
    "axes.labelsize": 9.5,
    "legend.fontsize": 9.0,
    "hatch.linewidth": 0.7,
    "text.parse_math": False,  # a "$" in a department's name is a dollar, not TeX
    "svg.fonttype": "none",
    "svg.hashsalt": "dialogue-flow-chart",
}
# Fill colours in steps of grey level (a black-and-white print tells them apart) with a
# hatch each (so two fills of near grey still differ). Hatches of lines only: dots and
# circles cost a hundred kilobytes of SVG each. Dark fills get white hatch lines.
_STYLES = (
    ("#1f3864", ""),  # grey level ~ 52
    ("#f2b134", "///"),  # ~ 180
    ("#c0504d", "\\\\\\"),  # ~ 113
    ("#d9d9d9", "xxx"),  # ~ 217
    ("#4f9d69", "---"),  # ~ 128
    ("#8d6e63", "|||"),  # ~ 118
    ("#9dc3e6", "+++"),  # ~ 189
    ("#404040", "////"),  # ~ 64
)
_DARK_GREY_LEVEL = 100
_RATE_COLOUR = "#1f3864"
_MAX_TITLE_CHARACTERS = 70
_MAX_LABEL_LINES = 3
_LOCK = threading.Lock()


@attrs.frozen
class _Series:
    """One series of a chart: its legend label and one value per category."""

    label: str
    values: tuple[float | None, ...]


@attrs.frozen
class _Chart:
    """A chart mapping once checked: the only shape the drawing code sees."""

    kind: str
    title: str
    x_label: str
    y_label: str
    labels: tuple[str, ...]
    series: tuple[_Series, ...]
    counts: tuple[tuple[int, int] | None, ...]
    stacked: bool

    @property
    def empty(self) -> bool:
        """Nothing to draw: no categories or series, or no value (a count of 0 is none)."""
        if not self.labels or not self.series:
            return True
        values = [value for series in self.series for value in series.values]
        if self.kind == "on_time_rate":
            return all(value is None for value in values)
        return all(not value for value in values)


def render_chart(chart: Mapping[str, Any], fmt: str, language: str) -> bytes:
    """Draw a report's chart as a PNG or SVG image.

    :param chart: the chart mapping (see the module docstring and ``docs/documents.md``).
    :param fmt: ``"png"`` or ``"svg"``.
    :param language: ``"vi"`` or ``"en"``: the language of the "no data" note and of the
        numbers' decimal mark (the chart's own text comes translated in ``chart``).
    :return: the image's bytes; the same chart always gives the same bytes. The picture is
        :data:`DEFAULT_WIDTH_CM` wide (a PNG at :data:`PNG_DPI`).
    :raises InvalidInputError: for an unknown format, kind or language, or a malformed chart.
    :raises ConfigurationError: when matplotlib is not installed.
    """
    image_format = _check_format(fmt)
    return _render(_read_chart(chart), image_format, _check_language(language),
                   DEFAULT_WIDTH_CM)


def chart_png(chart: Mapping[str, Any], language: str,
              width_cm: float = DEFAULT_WIDTH_CM) -> bytes:
    """Draw a chart as a PNG to embed in a Word page ``width_cm`` wide at :data:`PNG_DPI`.

    The PNG records its resolution, so a word processor shows it ``width_cm`` wide.

    :raises InvalidInputError: for a width outside 4–50 cm, or as :func:`render_chart`.
    :raises ConfigurationError: when matplotlib is not installed.
    """
    return _render(_read_chart(chart), "png", _check_language(language), _check_width(width_cm))


def _check_format(fmt: object) -> str:
    if not isinstance(fmt, str) or fmt.lower().lstrip(".") not in FORMATS:
        raise InvalidInputError("fmt", f"cannot draw a chart as {fmt!r}: use png or svg")
    return fmt.lower().lstrip(".")


def _check_width(width_cm: object) -> float:
    if (isinstance(width_cm, bool) or not isinstance(width_cm, int | float)
            or not 4 <= width_cm <= 50):
        raise InvalidInputError("width_cm", f"{width_cm!r} is not a width from 4 to 50 cm")
    return float(width_cm)


def _check_language(language: object) -> str:
    if language not in _LANGUAGES:
        raise InvalidInputError("language", f"{language!r} is not a language: use vi or en")
    return str(language)


def _read_chart(chart: object) -> _Chart:
    """Check the mapping's shape and return it as a :class:`_Chart`."""
    if not isinstance(chart, Mapping):
        raise InvalidInputError("chart", f"a chart is a mapping, not {type(chart).__name__}")
    kind = chart.get("kind")
    if kind not in CHART_KINDS:
        raise InvalidInputError("chart.kind", f"unknown chart kind {kind!r}: use "
                                              + " or ".join(CHART_KINDS))
    categories = _strings(chart.get("categories", ()), "chart.categories")
    labels = _strings(chart.get("category_labels", categories), "chart.category_labels")
    if len(labels) != len(categories):
        raise InvalidInputError("chart.category_labels",
                                f"{len(labels)} labels for {len(categories)} categories")
    raw_series = chart.get("series", ())
    if not isinstance(raw_series, Sequence) or isinstance(raw_series, str):
        raise InvalidInputError("chart.series", "a list of {key, label, values} mappings")
    series = tuple(_read_series(item, f"chart.series[{index}]", len(labels), str(kind))
                   for index, item in enumerate(raw_series))
    return _Chart(
        kind=str(kind),
        title=_text(chart.get("title", ""), "chart.title"),
        x_label=_text(chart.get("x_label", ""), "chart.x_label"),
        y_label=_text(chart.get("y_label", ""), "chart.y_label"),
        labels=labels,
        series=series,
        counts=_read_counts(chart.get("counts"), len(labels)),
        stacked=bool(chart.get("stacked", kind == "by_month_state")),
    )


def _read_series(item: object, field: str, size: int, kind: str) -> _Series:
    if not isinstance(item, Mapping):
        raise InvalidInputError(field, "a series is a mapping {key, label, values}")
    raw_values = item.get("values", ())
    if not isinstance(raw_values, Sequence) or isinstance(raw_values, str):
        raise InvalidInputError(f"{field}.values", "a list of numbers (or null)")
    if len(raw_values) != size:
        raise InvalidInputError(f"{field}.values",
                                f"{len(raw_values)} values for {size} categories")
    values: list[float | None] = []
    for value in raw_values:
        if value is None:
            values.append(None)
            continue
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or value < 0):
            raise InvalidInputError(f"{field}.values",
                                    f"{value!r} is not a number of 0 or more (or null)")
        if kind == "on_time_rate" and value > 100:
            raise InvalidInputError(f"{field}.values", f"{value!r} is not a rate from 0 to 100")
        values.append(float(value))
    label = item.get("label", item.get("key", ""))
    return _Series(label=_text(label, f"{field}.label"), values=tuple(values))


def _read_counts(raw: object, size: int) -> tuple[tuple[int, int] | None, ...]:
    if raw is None:
        return (None,) * size
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != size:
        raise InvalidInputError("chart.counts", f"one [on time, with a due date] pair for "
                                                f"each of the {size} categories")
    counts: list[tuple[int, int] | None] = []
    for pair in raw:
        if pair is None:
            counts.append(None)
            continue
        if (not isinstance(pair, Sequence) or len(pair) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                           for n in pair)):
            raise InvalidInputError("chart.counts", f"{pair!r} is not a pair of counts")
        counts.append((pair[0], pair[1]))
    return tuple(counts)


def _strings(raw: object, field: str) -> tuple[str, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInputError(field, "a list of texts")
    return tuple(_text(item, field) for item in raw)


def _text(raw: object, field: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str | int):
        raise InvalidInputError(field, f"{type(raw).__name__} is not a text")
    return str(raw)


def _figure_class() -> tuple[type[Figure], Any]:
    """matplotlib's Figure class and its ``rc_context``, or what to install."""
    try:
        from matplotlib import rc_context  # noqa: PLC0415 - an extra, only needed to draw
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError as error:
        raise ConfigurationError("drawing a chart needs matplotlib: "
                                 "install dialogue-flow-docx[charts]") from error
    return Figure, rc_context


def _render(chart: _Chart, fmt: str, language: str, width_cm: float) -> bytes:
    figure_class, rc_context = _figure_class()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

    # A whole number of pixels: 16 cm at 150 dpi is 945 pixels, not 944.88 cut to 944.
    width = round(width_cm / _CM_PER_INCH * PNG_DPI) / PNG_DPI
    with _LOCK, rc_context(_RC):
        figure = figure_class(figsize=(width, _height(chart, width)), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        if chart.title:
            axes.set_title(_wrap(chart.title, _MAX_TITLE_CHARACTERS), fontweight="bold")
        if chart.empty:
            _draw_no_data(axes, language)
        elif chart.kind == "on_time_rate":
            _draw_on_time_rate(axes, chart, language)
        else:
            _draw_by_month_state(figure, axes, chart)
        # No date and no software version in the file: the same chart, the same bytes.
        metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return buffer.getvalue()


def _height(chart: _Chart, width: float) -> float:
    """The figure's height in inches: bars of a rate chart keep their thickness."""
    if chart.empty:
        return width * 0.3
    if chart.kind != "on_time_rate":
        return width * 0.6
    lines = sum(min(_MAX_LABEL_LINES, label.count("\n") + 1)
                for label in (_wrap(text, _label_width(chart)) for text in chart.labels))
    height_cm = 3.0 + 0.55 * len(chart.labels) + 0.3 * lines
    return min(max(height_cm, 4.5), 24.0) / _CM_PER_INCH


def _draw_no_data(axes: Axes, language: str) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, _NO_DATA[language], transform=axes.transAxes, ha="center",
              va="center", fontsize=11, color="#404040")


def _draw_by_month_state(figure: Figure, axes: Axes, chart: _Chart) -> None:
    """Bars per month, stacked by state (or side by side when not ``stacked``)."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    positions = range(len(chart.labels))
    # A state no matter is in stays out of the bars and the legend; the others keep the
    # style of their place in the series, so a state looks the same in every report.
    drawn = [(index, series) for index, series in enumerate(chart.series)
             if any(series.values)]
    bottoms = [0.0] * len(chart.labels)
    bar_width = 0.7 if chart.stacked else 0.8 / len(drawn)
    for place, (index, series) in enumerate(drawn):
        colour, hatch = _STYLES[index % len(_STYLES)]
        heights = [value or 0.0 for value in series.values]
        offset = 0.0 if chart.stacked else bar_width * (place + 0.5) - 0.4
        xs = [x + offset for x in positions]
        axes.bar(xs, heights, bar_width, bottom=bottoms if chart.stacked else 0.0,
                 label=series.label, color=colour, hatch=hatch, linewidth=0.5,
                 edgecolor="white" if _grey_level(colour) < _DARK_GREY_LEVEL else "#303030")
        if chart.stacked:
            bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
    if chart.stacked and len(chart.labels) <= 24:
        top = max(bottoms)
        for x, total in zip(positions, bottoms, strict=True):
            if total:
                axes.text(x, total + top * 0.01, _number(total), ha="center", va="bottom",
                          fontsize=8)
        axes.set_ylim(0, top * 1.08)
    axes.set_xticks(list(positions), [_wrap(label, 12) for label in chart.labels],
                    rotation=45 if len(chart.labels) > 12 else 0,
                    ha="right" if len(chart.labels) > 12 else "center")
    axes.set_xlim(-0.6, len(chart.labels) - 0.4)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _grid(axes, "y")
    axes.set_xlabel(chart.x_label)
    axes.set_ylabel(chart.y_label)
    if any(series.label for _, series in drawn):
        figure.legend(loc="outside lower center", ncols=min(len(drawn), 4), frameon=False)


def _draw_on_time_rate(axes: Axes, chart: _Chart, language: str) -> None:
    """Horizontal bars 0–100 %, the rate and its counts written on each."""
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    series = chart.series[0]
    positions = range(len(chart.labels))
    drawn = [(y, rate) for y, rate in zip(positions, series.values, strict=True)
             if rate is not None]  # no rate, no bar: an empty bar would read as 0 %
    axes.barh([y for y, _ in drawn], [rate for _, rate in drawn], 0.6, color=_RATE_COLOUR,
              label=series.label)
    for y, rate, pair in zip(positions, series.values, chart.counts, strict=True):
        counts = f" ({pair[0]}/{pair[1]})" if pair is not None else ""
        if rate is None:
            axes.text(1, y, _NO_RATE + counts, va="center", ha="left", color="#404040")
        elif rate >= 50:
            axes.text(rate - 1, y, _percent(rate, language) + counts, va="center", ha="right",
                      color="white", fontweight="bold")
        else:
            axes.text(rate + 1, y, _percent(rate, language) + counts, va="center", ha="left",
                      color="black")
    width = _label_width(chart)
    axes.set_yticks(list(positions), [_wrap(label, width) for label in chart.labels])
    axes.set_ylim(len(chart.labels) - 0.5, -0.5)  # the first category on top
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 20))
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _position: _percent(value, language)))
    _grid(axes, "x")
    axes.set_xlabel(chart.y_label if chart.y_label != "%" else "")
    axes.set_ylabel(chart.x_label)


def _grid(axes: Axes, axis: str) -> None:
    axes.set_axisbelow(True)
    axes.grid(axis=axis, color="#c8c8c8", linewidth=0.5)  # type: ignore[arg-type]
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _label_width(chart: _Chart) -> int:
    """Characters per line of a category label beside a horizontal bar."""
    return 22 if len(chart.labels) > 1 else 30


def _wrap(text: str, width: int) -> str:
    """Wrap a long label over at most three lines, cutting with "…" beyond them."""
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > _MAX_LABEL_LINES:
        lines = [*lines[:_MAX_LABEL_LINES - 1], lines[_MAX_LABEL_LINES - 1][:width - 1] + "…"]
    return "\n".join(lines)


def _percent(value: float, language: str) -> str:
    text = _number(value).replace(".", "," if language == "vi" else ".")
    return f"{text} %" if language == "vi" else f"{text}%"


def _number(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _grey_level(colour: str) -> float:
    """The grey a ``#rrggbb`` colour prints as (0 black, 255 white; ITU-R BT.601)."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue
