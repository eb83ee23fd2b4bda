"""Charts as inline SVG drawn on the server, with no script and no library: the pages' trends,
bars and scatters are markup that any browser shows at once and a screen reader can name.

The plot area is the `<svg>` element itself, without a viewBox: x positions are percentages of
its width and y positions pixels, so the text keeps its size on a 390 px phone and on a wide
screen (a scaled viewBox would shrink the labels to a few pixels on a phone). The y-axis
labels sit left of the plot area, in the chart's CSS margin (`overflow: visible`; heard.css
`.chart svg`). Every chart carries a `<title>` and a `<desc>` (`role="img"`), and each point,
bar and period a `<title>`: the details a pointer hovering shows, and that heard.js writes
under the chart when a finger taps it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from heard.report.chart import MARKER_POLYGONS

INK = "#1f2328"
"""Text (15:1 on white)."""
MUTED = "#595959"
"""Secondary text such as each period's n (7:1 on white)."""
AXIS = "#767676"
"""Axis lines (4.5:1 on white, over the 3:1 graphics need)."""
GRID = "#e3e3e3"
"""Grid lines: a faint guide, not information."""
GAP_FILL = "#f0f0f0"
"""The background of a period drawn as a gap (no conversations, or too few for a mean)."""

FONT_SIZE = 12
TOP = 10
"""Room above the plot area, in pixels (a bar's count label, the top tick's label)."""
BOTTOM = 34
"""Room under the plot area for the x ticks' labels and the axis title."""
NOTE_ROW = 14
"""Extra room under the x ticks when they carry a note (each period's n)."""
LEFT_MARGIN = 56
"""The CSS left margin of a chart's svg (heard.css), where the y-axis labels sit."""


def _number(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pct(share: float) -> str:
    """A share of the plot width (0–1) as an SVG percentage."""
    return f"{_number(100 * max(0.0, min(share, 1.0)))}%"


def nice_ticks(high: float, *, most: int = 5) -> list[float]:
    """Round tick values from 0 to at least `high` (1, 2 or 5 times a power of ten apart), at
    most `most` + 1 of them."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if high >= 1 else step
    count = math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def count_text(value: float) -> str:
    """A count for an axis label: 950, 1,200, 12k."""
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def thinned(count: int, *, most: int) -> list[int]:
    """Which of `count` evenly spaced slots get a label, at most `most` of them, evenly apart
    and always the last one."""
    if count <= 0:
        return []
    step = max(1, math.ceil(count / most))
    picked = list(range(count - 1, -1, -step))
    return sorted(picked)


@dataclass(frozen=True)
class Tick:
    """A labelled place on an axis: `at` is a share of the axis (0–1 along x) or a value
    (along y), `note` a second, muted line under an x tick's label."""

    at: float
    label: str
    note: str = ""


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    marker: str = "circle"


def shape(kind: str, colour: str, *, size: float = 5, title: str = "") -> str:
    """A marker centred on (0, 0): circle, ring, square, triangle, triangle-down, diamond,
    pentagon or cross (the shapes tell series apart without colour)."""
    inner = f"<title>{escape(title)}</title>" if title else ""
    if kind == "circle":
        return f'<circle r="{_number(size * 0.9)}" fill="{colour}">{inner}</circle>'
    if kind == "ring":
        return (
            f'<circle r="{_number(size * 0.75)}" fill="#ffffff" stroke="{colour}" '
            f'stroke-width="2.5">{inner}</circle>'
        )
    if kind in MARKER_POLYGONS:
        points = " ".join(
            f"{_number(dx * size)},{_number(dy * size)}" for dx, dy in MARKER_POLYGONS[kind]
        )
        return f'<polygon points="{points}" fill="{colour}">{inner}</polygon>'
    r = _number(size * 0.85)
    path = f"M-{r},-{r}L{r},{r}M-{r},{r}L{r},-{r}"
    return (
        f'<path d="{path}" stroke="{colour}" stroke-width="2.5" fill="none" '
        f'pointer-events="all">{inner}</path>'
    )


def legend_swatch(item: LegendItem) -> str:
    """A legend entry's marker, a small SVG the legend's text names (hidden from readers)."""
    return (
        '<svg class="swatch-marker" width="14" height="14" aria-hidden="true">'
        f'<g transform="translate(7 7)">{shape(item.marker, item.colour, size=5)}</g></svg>'
    )


@dataclass(frozen=True)
class Figure:
    """A chart ready to be placed: its marks, its height in pixels, a description of its data
    for screen readers and, for several series, a legend. The page gives it an id and a
    title when it places it (`html`)."""

    body: str
    height: int
    description: str
    legend: tuple[LegendItem, ...] = ()

    def svg(self, *, id: str, title: str) -> str:
        ident = escape(id)
        return (
            f'<svg class="plot" height="{self.height}" role="img" '
            f'aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
            f'font-size="{FONT_SIZE}" fill="{INK}" overflow="visible">'
            f'<title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape(self.description)}</desc>'
            f"{self.body}</svg>"
        )

    def html(self, *, id: str, title: str) -> str:
        """The chart in a `<figure>`: the SVG, its legend, and a line where heard.js writes
        what a tap on a point or a period says (pointers get it as a tooltip)."""
        legend = ""
        if self.legend:
            items = "".join(
                f"<li>{legend_swatch(item)}{escape(item.label)}</li>" for item in self.legend
            )
            legend = f'<ul class="legend">{items}</ul>'
        return (
            f'<figure class="chart" id="{escape(id)}">{self.svg(id=id, title=title)}{legend}'
            '<p class="chart-readout" aria-live="polite"></p></figure>'
        )


class Plot:
    """Marks on a plot area `height` pixels high, drawn in order (later marks on top): x is a
    share of the width (0 at the left, 1 at the right), y a value between `low` and `high`
    (bottom to top)."""

    def __init__(self, *, height: int, low: float, high: float, notes: bool = False) -> None:
        self.height = height
        self.low, self.high = low, high
        self.top = TOP
        self.bottom = BOTTOM + (NOTE_ROW if notes else 0)
        self.parts: list[str] = []

    def y(self, value: float) -> float:
        """The pixel row of a value (clamped into the plot area)."""
        share = (value - self.low) / (self.high - self.low) if self.high != self.low else 0
        return self.top + self.height * (1 - max(0.0, min(share, 1.0)))

    def band(self, start: float, end: float, *, title: str, gap: bool = False) -> None:
        """A period's column, the full height of the plot: its title is what hovering or
        tapping anywhere in it shows; a gap is shaded."""
        fill = GAP_FILL if gap else "transparent"
        self.parts.append(
            f'<rect class="{"slot gap" if gap else "slot"}" x="{pct(start)}" y="{self.top}" '
            f'width="{pct(end - start)}" height="{self.height}" fill="{fill}">'
            f"<title>{escape(title)}</title></rect>"
        )

    def y_axis(self, ticks: Sequence[Tick], *, title: str) -> None:
        """Grid lines and labels at `ticks` (values), and the axis title, turned, on the left."""
        for tick in ticks:
            y = _number(self.y(tick.at))
            self.parts.append(
                f'<line x1="0" x2="100%" y1="{y}" y2="{y}" stroke="{GRID}"/>'
                f'<text x="-8" y="{y}" dy="0.32em" text-anchor="end">{escape(tick.label)}</text>'
            )
        middle = _number(self.top + self.height / 2)
        self.parts.append(
            f'<text transform="rotate(-90)" x="-{middle}" y="-{LEFT_MARGIN - 12}" '
            f'text-anchor="middle">{escape(title)}</text>'
        )

    def x_axis(self, ticks: Sequence[Tick], *, title: str) -> None:
        """The baseline, labels under it at `ticks` (shares of the width) with their notes,
        and the axis title."""
        base = self.top + self.height
        self.parts.append(f'<line x1="0" x2="100%" y1="{base}" y2="{base}" stroke="{AXIS}"/>')
        for tick in ticks:
            x = pct(tick.at)
            self.parts.append(
                f'<line x1="{x}" x2="{x}" y1="{base}" y2="{base + 4}" stroke="{AXIS}"/>'
                f'<text x="{x}" y="{base + 16}" text-anchor="middle">{escape(tick.label)}</text>'
            )
            if tick.note:
                self.parts.append(
                    f'<text x="{x}" y="{base + 16 + NOTE_ROW}" text-anchor="middle" '
                    f'font-size="11" fill="{MUTED}">{escape(tick.note)}</text>'
                )
        self.parts.append(
            f'<text x="50%" y="{base + self.bottom - 4}" text-anchor="middle">'
            f"{escape(title)}</text>"
        )

    def line(
        self,
        points: Sequence[tuple[float, float | None]],
        *,
        colour: str,
        width: float = 2,
        dash: str = "",
    ) -> None:
        """Segments between neighbouring points that both have a value: a None is a gap that
        breaks the line, never a zero."""
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for (x1, v1), (x2, v2) in pairwise(points):
            if v1 is None or v2 is None:
                continue
            self.parts.append(
                f'<line class="series" x1="{pct(x1)}" y1="{_number(self.y(v1))}" x2="{pct(x2)}" '
                f'y2="{_number(self.y(v2))}" stroke="{colour}" stroke-width="{width}"{dashed}/>'
            )

    def marker(
        self,
        at: float,
        value: float,
        *,
        colour: str,
        kind: str = "circle",
        size: float = 5,
        title: str = "",
        opacity: float = 1.0,
    ) -> None:
        """A marker at (`at`, `value`) with its tooltip. Circles are placed directly; other
        shapes sit in a nested svg at the point, as a path cannot take a percentage."""
        x, y = pct(at), _number(self.y(value))
        faded = f' fill-opacity="{opacity:g}"' if opacity < 1 else ""
        inner = f"<title>{escape(title)}</title>" if title else ""
        if kind == "circle":
            self.parts.append(
                f'<circle cx="{x}" cy="{y}" r="{_number(size * 0.9)}" fill="{colour}"{faded}>'
                f"{inner}</circle>"
            )
            return
        self.parts.append(
            f'<svg x="{x}" y="{y}" overflow="visible">'
            f"{shape(kind, colour, size=size, title=title)}</svg>"
        )

    def bar(
        self, start: float, end: float, value: float, *, colour: str, title: str, label: str = ""
    ) -> None:
        """A bar from the baseline up to `value`, between `start` and `end` (shares of the
        width), with its tooltip and a label above it."""
        top, base = self.y(value), self.y(self.low)
        self.parts.append(
            f'<rect class="bin" x="{pct(start)}" y="{_number(top)}" width="{pct(end - start)}" '
            f'height="{_number(base - top)}" fill="{colour}"><title>{escape(title)}</title></rect>'
        )
        if label:
            middle = pct((start + end) / 2)
            self.parts.append(
                f'<text x="{middle}" y="{_number(top - 4)}" text-anchor="middle" '
                f'font-size="11">{escape(label)}</text>'
            )

    def figure(self, *, description: str, legend: Sequence[LegendItem] = ()) -> Figure:
        return Figure(
            body="".join(self.parts),
            height=self.top + self.height + self.bottom,
            description=description,
            legend=tuple(legend),
        )
