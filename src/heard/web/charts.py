"""The web pages' charts, drawn as inline SVG on the server (heard.web.svgplot): the Listening
Score and each rubric component per week (gaps for empty weeks and weeks under the minimum
sample, each week's n), the score distribution, the customer's emotion turn by turn, the score
against survey answers, and small trend sparklines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from heard import numbers
from heard.model import TurnEmotion
from heard.report.chart import style_of
from heard.web.svgplot import Figure, LegendItem, Plot, Tick, count_text, nice_ticks, thinned
from heard.web.views import ComponentTrend, FeedbackPoint, HistogramBin, TrendPoint

__all__ = [
    "COMPONENT_COLOURS",
    "Figure",
    "component_colour",
    "component_trends",
    "emotion_chart",
    "feedback_scatter",
    "mean_score_by_answer",
    "score_histogram",
    "score_trend",
    "sparkline",
]

COMPONENT_COLOURS: dict[str, str] = {
    "attentiveness": "#0072b2",
    "reflecting": "#009e73",
    "clarification": "#b8860b",
    "empathy": "#cc79a7",
    "interruptions": "#d55e00",
    "clear_language": "#2f8fce",
    "digital": "#6a3d9a",
}
"""One colour per rubric component (Okabe–Ito based, distinguishable with colour blindness,
each at least 3:1 against white as WCAG asks of graphics); the page's CSS uses the same
colours for the transcript highlights."""
COMPONENT_MARKERS: dict[str, str] = {
    "attentiveness": "circle",
    "reflecting": "square",
    "clarification": "triangle",
    "empathy": "diamond",
    "interruptions": "triangle-down",
    "clear_language": "ring",
    "digital": "cross",
}
"""One marker shape per component, so that the lines are told apart without colour too."""
OTHER_COLOUR = "#555555"
SCORE_COLOUR = "#1a237e"
BAR_COLOUR = "#3949ab"
EMOTION_LINE = "#767676"

TREND_HEIGHT = 180
COMPONENT_HEIGHT = 220
HISTOGRAM_HEIGHT = 180
EMOTION_HEIGHT = 150
SCATTER_HEIGHT = 200
MOST_PERIOD_LABELS = 6
"""The most week labels under a trend: six "12 May" labels fit a 390 px phone's chart."""
MOST_TURN_LABELS = 10
SCATTER_POINTS = 400
"""Up to this many survey answers the feedback chart draws one point per conversation; above,
one circle per answer and score band, sized by how many (the page stays small)."""
SCORE_TICKS = [Tick(v, f"{v:g}") for v in (0, 25, 50, 75, 100)]


def component_colour(component: str) -> str:
    return COMPONENT_COLOURS.get(component, OTHER_COLOUR)


def component_marker(component: str) -> str:
    return COMPONENT_MARKERS.get(component, "circle")


def _slot(index: int, count: int) -> tuple[float, float, float]:
    """Start, middle and end of the `index`-th of `count` equal columns (shares of the width)."""
    return index / count, (index + 0.5) / count, (index + 1) / count


def _day(day: date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def _week_ticks(periods: Sequence[date], notes: Sequence[str] = ()) -> list[Tick]:
    """Labels for some of the weeks: at most six, or three with the year when the weeks
    cross a new year."""
    spans_years = bool(periods) and periods[0].year != periods[-1].year
    most = 3 if spans_years else MOST_PERIOD_LABELS
    ticks = []
    for i in thinned(len(periods), most=most):
        day = periods[i]
        label = _day(day) if spans_years else f"{day.day} {day:%b}"
        ticks.append(Tick(_slot(i, len(periods))[1], label, notes[i] if notes else ""))
    return ticks


def _conversations(n: int) -> str:
    return f"{n} conversation{'s' if n != 1 else ''}"


def _period_text(point: TrendPoint) -> str:
    """What a week says on hover and to a screen reader: its mean and n, or why it is a gap."""
    week = f"week of {_day(point.period)}"
    if point.n == 0:
        return f"{week}: no conversations"
    if point.shown is not None:
        return f"{week}: {point.shown:.0f} ({_conversations(point.n)})"
    if point.mean is None:
        return f"{week}: {_conversations(point.n)}, none scored"
    return (
        f"{week}: {_conversations(point.n)}, too few for a mean "
        f"(a week needs {numbers.MIN_CONVERSATIONS})"
    )


def _by_period(points: Sequence[TrendPoint], periods: Sequence[date]) -> list[TrendPoint]:
    """`points` on every one of `periods`, an empty point (n 0) where one is missing."""
    found = {p.period: p for p in points}
    return [found.get(period) or TrendPoint(period=period) for period in periods]


def score_trend(points: Sequence[TrendPoint]) -> Figure:
    """Mean Listening Score per week, each week's n under its label and on hover; a week with
    no score or too few conversations (heard.numbers) is a shaded gap in the line, never a
    zero."""
    count = len(points)
    plot = Plot(height=TREND_HEIGHT, low=0, high=100, notes=True)
    for i, point in enumerate(points):
        start, _, end = _slot(i, count)
        plot.band(start, end, title=_period_text(point), gap=point.shown is None)
    plot.y_axis(SCORE_TICKS, title="Listening Score")
    periods = [p.period for p in points]
    plot.x_axis(_week_ticks(periods, [f"n={p.n}" for p in points]), title="week")
    middles = [_slot(i, count)[1] for i in range(count)]
    plot.line([(x, p.shown) for x, p in zip(middles, points, strict=True)], colour=SCORE_COLOUR)
    for x, point in zip(middles, points, strict=True):
        if point.shown is not None:
            plot.marker(x, point.shown, colour=SCORE_COLOUR, size=4, title=_period_text(point))
    shown = [p for p in points if p.shown is not None]
    summary = "Mean Listening Score per week"
    if points:
        summary += f" from {_day(points[0].period)} to {_day(points[-1].period)}"
    summary += (
        f"; {len(shown)} of {count} weeks have a mean (a week needs "
        f"{numbers.MIN_CONVERSATIONS} conversations). "
    )
    return plot.figure(description=summary + "; ".join(_period_text(p) for p in points) + ".")


def component_trends(
    components: Sequence[ComponentTrend], *, labels: dict[str, str] | None = None
) -> Figure:
    """One line per rubric component, its mean score per week, each with its colour and marker
    shape (and a legend); hovering a week lists every component's mean that week and its n."""
    labels = labels or {}
    periods = sorted({p.period for c in components for p in c.points})
    count = len(periods)
    weeks = [
        (labels.get(c.component, c.component), c.component, _by_period(c.points, periods))
        for c in components
    ]
    plot = Plot(height=COMPONENT_HEIGHT, low=0, high=100)
    for i, period in enumerate(periods):
        start, _, end = _slot(i, count)
        n = max((points[i].n for _, _, points in weeks), default=0)
        shown = [(name, points[i].shown) for name, _, points in weeks]
        means = [f"{name} {mean:.0f}" for name, mean in shown if mean is not None]
        title = f"week of {_day(period)} ({_conversations(n)})"
        if means:
            title += ": " + ", ".join(means)
        elif n:
            title += f": too few for a mean (a week needs {numbers.MIN_CONVERSATIONS})"
        plot.band(start, end, title=title, gap=not means)
    plot.y_axis(SCORE_TICKS, title="mean score")
    plot.x_axis(_week_ticks(periods), title="week")
    middles = [_slot(i, count)[1] for i in range(count)]
    legend = []
    lines = []
    for name, component, points in weeks:
        colour, kind = component_colour(component), component_marker(component)
        legend.append(LegendItem(name, colour, kind))
        plot.line([(x, p.shown) for x, p in zip(middles, points, strict=True)], colour=colour)
        for x, point in zip(middles, points, strict=True):
            if point.shown is not None:
                plot.marker(
                    x,
                    point.shown,
                    colour=colour,
                    kind=kind,
                    size=4,
                    title=f"{name}, {_period_text(point)}",
                )
        values = ", ".join(
            f"{p.period.day} {p.period:%b} {'gap' if p.shown is None else f'{p.shown:.0f}'}"
            for p in points
        )
        lines.append(f"{name}: {values}")
    description = "Mean score per rubric component per week"
    if periods:
        description += f" from {_day(periods[0])} to {_day(periods[-1])}"
    description += ". " + "; ".join(lines) + "."
    return plot.figure(description=description, legend=legend)


def score_histogram(bins: Sequence[HistogramBin]) -> Figure:
    """How many conversations scored in each band, the count above each bar and on hover."""
    high = max((b.count for b in bins), default=0)
    ticks = nice_ticks(high, most=4)
    plot = Plot(height=HISTOGRAM_HEIGHT, low=0, high=ticks[-1])
    texts = [f"{b.lower:g}–{b.upper:g}: {_conversations(b.count)}" for b in bins]
    for b, text in zip(bins, texts, strict=True):
        plot.band(b.lower / 100, b.upper / 100, title=text)
    plot.y_axis([Tick(v, count_text(v)) for v in ticks], title="conversations")
    plot.x_axis([Tick(v / 100, f"{v}") for v in range(0, 101, 20)], title="Listening Score")
    for b, text in zip(bins, texts, strict=True):
        if b.count:
            inset = (b.upper - b.lower) * 0.04 / 100
            plot.bar(
                b.lower / 100 + inset,
                b.upper / 100 - inset,
                b.count,
                colour=BAR_COLOUR,
                title=text,
                label=count_text(b.count),
            )
    total = sum(b.count for b in bins)
    description = f"{_conversations(total)} by Listening Score band: " + "; ".join(texts) + "."
    return plot.figure(description=description)


def emotion_chart(emotions: Sequence[TurnEmotion], *, turns: int) -> Figure:
    """The customer's emotion turn by turn: intensity up the side, one marker per customer
    turn coloured and shaped by its emotion (a legend names them), a dotted line between."""
    count = max(turns, 1)
    plot = Plot(height=EMOTION_HEIGHT, low=0, high=1)
    texts = [f"turn {e.turn}: {e.label}, intensity {e.intensity:.1f}" for e in emotions]
    for e, text in zip(emotions, texts, strict=True):
        start, _, end = _slot(e.turn, count)
        plot.band(start, end, title=text)
    plot.y_axis([Tick(v, f"{v:g}") for v in (0, 0.5, 1)], title="intensity")
    turn_ticks = [Tick(_slot(t, count)[1], str(t)) for t in thinned(turns, most=MOST_TURN_LABELS)]
    plot.x_axis(turn_ticks, title="turn")
    plot.line(
        [(_slot(e.turn, count)[1], e.intensity) for e in emotions],
        colour=EMOTION_LINE,
        width=1.5,
        dash="4 3",
    )
    legend: dict[str, LegendItem] = {}
    for e, text in zip(emotions, texts, strict=True):
        colour, kind = style_of(e.label)
        legend.setdefault(e.label, LegendItem(e.label, colour, kind))
        plot.marker(_slot(e.turn, count)[1], e.intensity, colour=colour, kind=kind, title=text)
    description = "; ".join(texts) + "." if texts else "No customer turns."
    return plot.figure(description=description, legend=list(legend.values()))


ANSWER_TITLES = {"csat": "CSAT (1–5)", "felt_heard": "felt heard (1–5)"}


def feedback_scatter(points: Sequence[FeedbackPoint], *, answer: str) -> Figure:
    """Listening Score (across) against one survey answer (up, 1–5): each conversation a
    point, spread a little up and down so that the points of one answer do not hide each
    other; past `SCATTER_POINTS` answers, one circle per answer and score band of ten, its
    area by how many conversations."""
    plot = Plot(height=SCATTER_HEIGHT, low=0.5, high=5.5)
    plot.y_axis([Tick(v, str(v)) for v in range(1, 6)], title=ANSWER_TITLES.get(answer, answer))
    plot.x_axis([Tick(v / 100, f"{v}") for v in range(0, 101, 20)], title="Listening Score")
    values = [getattr(p, answer) for p in points]
    if len(points) <= SCATTER_POINTS:
        for i, (point, value) in enumerate(zip(points, values, strict=True)):
            spread = ((i * 7) % 11 - 5) * 0.03
            plot.marker(
                point.listening_score / 100,
                value + spread,
                colour=BAR_COLOUR,
                size=4.5,
                opacity=0.7,
                title=f"conversation {point.conversation_id}: score "
                f"{point.listening_score:.0f}, answer {value}",
            )
    else:
        cells: dict[tuple[int, int], int] = {}
        for point, value in zip(points, values, strict=True):
            band = min(int(point.listening_score // 10), 9)
            cells[(value, band)] = cells.get((value, band), 0) + 1
        most = max(cells.values())
        for (value, band), n in sorted(cells.items()):
            plot.marker(
                (band * 10 + 5) / 100,
                value,
                colour=BAR_COLOUR,
                opacity=0.7,
                size=2.5 + 9 * (n / most) ** 0.5,
                title=f"answer {value}, score {band * 10}–{band * 10 + 10}: {_conversations(n)}",
            )
    means = "; ".join(
        f"answer {value}: {_conversations(n)}, mean score {mean:.0f}"
        for value, n, mean in mean_score_by_answer(points, answer=answer)
    )
    title = ANSWER_TITLES.get(answer, answer)
    description = f"Listening Score against {title} for {_conversations(len(points))}. {means}."
    return plot.figure(description=description)


def mean_score_by_answer(
    points: Sequence[FeedbackPoint], *, answer: str
) -> list[tuple[int, int, float]]:
    """(answer 1–5, conversations, mean Listening Score) for each answer given."""
    groups: dict[int, list[float]] = {}
    for point in points:
        groups.setdefault(getattr(point, answer), []).append(point.listening_score)
    return [
        (value, len(scores), sum(scores) / len(scores)) for value, scores in sorted(groups.items())
    ]


def sparkline(
    values: Sequence[float | None], *, width: int = 120, height: int = 28, label: str = ""
) -> str:
    """A small inline-SVG line of weekly means (0–100, gaps where a week had none), with the last
    value dotted; an accessible name says the first and last values."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    description = label or "trend"
    if known:
        description += f": {known[0][1]:.0f} → {known[-1][1]:.0f} over {len(values)} weeks"
    else:
        description += ": no scores"
    parts = [
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(description)}">',
        f"<title>{escape(description)}</title>",
    ]
    last_x = max(len(values) - 1, 1)

    def xy(i: int, v: float) -> str:
        x = 2 + (width - 4) * i / last_x
        y = 2 + (height - 4) * (1 - max(0.0, min(v, 100.0)) / 100)
        return f"{x:.1f},{y:.1f}"

    run: list[str] = []
    runs: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(xy(i, v))
    if run:
        runs.append(run)
    for points in runs:
        if len(points) == 1:
            x, y = points[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="1.5" fill="#3949ab"/>')
        else:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="#3949ab" '
                'stroke-width="1.5"/>'
            )
    if known:
        x, y = xy(*known[-1]).split(",")
        parts.append(f'<circle class="last" cx="{x}" cy="{y}" r="2.5" fill="#1a237e"/>')
    parts.append("</svg>")
    return "".join(parts)
