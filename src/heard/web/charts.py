"""The web pages' charts as plotly figure specs (plain dicts, turned into JSON for heard.js to
draw with the plotly.js the app serves itself), and small trend sparklines as inline SVG."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from heard.model import TurnEmotion
from heard.report.chart import style_of
from heard.web.views import ComponentTrend, FeedbackPoint, HistogramBin, TrendPoint

Figure = dict[str, Any]

COMPONENT_COLOURS: dict[str, str] = {
    "attentiveness": "#0072b2",
    "reflecting": "#009e73",
    "clarification": "#b8860b",
    "empathy": "#cc79a7",
    "interruptions": "#d55e00",
    "clear_language": "#56b4e9",
    "digital": "#6a3d9a",
}
"""One colour per rubric component (Okabe–Ito based, distinguishable with colour blindness);
the page's CSS uses the same colours for the transcript highlights."""
OTHER_COLOUR = "#555555"
_MARKER_SYMBOLS = {
    "triangle": "triangle-up",
    "triangle-down": "triangle-down",
    "diamond": "diamond",
    "square": "square",
    "circle": "circle",
    "ring": "circle-open",
    "cross": "x",
}


def component_colour(component: str) -> str:
    return COMPONENT_COLOURS.get(component, OTHER_COLOUR)


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "margin": {"l": 48, "r": 16, "t": 16, "b": 48},
        "height": 280,
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "hovermode": "closest",
    }
    layout.update(extra)
    return layout


def _score_axis(title: str = "Listening Score") -> dict[str, Any]:
    return {"title": {"text": title}, "range": [0, 100], "gridcolor": "#e0e0e0", "zeroline": False}


def _gapped(points: Sequence[TrendPoint]) -> list[float | None]:
    """Each point's mean as a chart draws it: None (a gap) where TrendPoint.shown says so."""
    return [None if p.shown is None else round(p.shown, 1) for p in points]


def score_trend(points: Sequence[TrendPoint]) -> Figure:
    """Mean Listening Score per period, the number of conversations on hover; a period with
    no score or too few conversations (heard.numbers) is a gap in the line, never a zero."""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Listening Score",
                "x": [p.period.isoformat() for p in points],
                "y": _gapped(points),
                "customdata": [p.n for p in points],
                "hovertemplate": "%{x}: %{y:.0f} (%{customdata} conversations)<extra></extra>",
                "line": {"color": "#1a237e", "width": 2},
                "connectgaps": False,
            }
        ],
        "layout": _layout(yaxis=_score_axis(), xaxis={"type": "date", "gridcolor": "#eeeeee"}),
    }


def component_trends(
    components: Sequence[ComponentTrend], *, labels: dict[str, str] | None = None
) -> Figure:
    """One line per rubric component: its mean score per period."""
    labels = labels or {}
    data = []
    for trend in components:
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": labels.get(trend.component, trend.component),
                "x": [p.period.isoformat() for p in trend.points],
                "y": _gapped(trend.points),
                "customdata": [p.n for p in trend.points],
                "line": {"color": component_colour(trend.component), "width": 2},
                "hovertemplate": "%{fullData.name}: %{y:.0f} (%{customdata} conversations)"
                "<extra></extra>",
                "connectgaps": False,
            }
        )
    return {
        "data": data,
        "layout": _layout(
            height=320,
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
            margin={"l": 48, "r": 16, "t": 16, "b": 72},
            yaxis=_score_axis("mean score"),
            xaxis={"type": "date", "gridcolor": "#eeeeee"},
        ),
    }


def score_histogram(bins: Sequence[HistogramBin]) -> Figure:
    """How many conversations scored in each band."""
    return {
        "data": [
            {
                "type": "bar",
                "x": [(b.lower + b.upper) / 2 for b in bins],
                "y": [b.count for b in bins],
                "width": [(b.upper - b.lower) * 0.95 for b in bins],
                "customdata": [f"{b.lower:g}–{b.upper:g}" for b in bins],
                "hovertemplate": "%{customdata}: %{y} conversations<extra></extra>",
                "marker": {"color": "#3949ab"},
            }
        ],
        "layout": _layout(
            xaxis={"title": {"text": "Listening Score"}, "range": [0, 100]},
            yaxis={
                "title": {"text": "conversations"},
                "gridcolor": "#e0e0e0",
                "rangemode": "tozero",
            },
            bargap=0.05,
        ),
    }


def emotion_chart(emotions: Sequence[TurnEmotion], *, turns: int) -> Figure:
    """The customer's emotion turn by turn: intensity on y, marker colour and shape by emotion."""
    colours, symbols = [], []
    for e in emotions:
        colour, shape = style_of(e.label)
        colours.append(colour)
        symbols.append(_MARKER_SYMBOLS.get(shape, "circle"))
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [e.turn for e in emotions],
                "y": [e.intensity for e in emotions],
                "text": [e.label for e in emotions],
                "hovertemplate": "turn %{x}: %{text}, intensity %{y:.1f}<extra></extra>",
                "line": {"color": "#9e9e9e", "dash": "dot", "width": 1.5},
                "marker": {"color": colours, "symbol": symbols, "size": 11},
            }
        ],
        "layout": _layout(
            height=240,
            xaxis={"title": {"text": "turn"}, "range": [-0.5, max(turns - 0.5, 0.5)], "dtick": 1},
            yaxis={"title": {"text": "intensity"}, "range": [0, 1.05], "gridcolor": "#e0e0e0"},
        ),
    }


def feedback_scatter(points: Sequence[FeedbackPoint], *, answer: str) -> Figure:
    """Listening Score (x) against one survey answer (y, 1–5), each conversation a point; the
    points of one answer are spread a little so that they do not hide each other."""
    values = [getattr(p, answer) for p in points]
    spread = [((i * 7) % 11 - 5) * 0.03 for i in range(len(points))]
    title = {"csat": "CSAT (1–5)", "felt_heard": "felt heard (1–5)"}.get(answer, answer)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": [p.listening_score for p in points],
                "y": [v + s for v, s in zip(values, spread, strict=True)],
                "text": [p.conversation_id for p in points],
                "customdata": values,
                "hovertemplate": "%{text}: score %{x:.0f}, answer %{customdata}<extra></extra>",
                "marker": {"color": "#3949ab", "size": 9, "opacity": 0.7},
            }
        ],
        "layout": _layout(
            xaxis={"title": {"text": "Listening Score"}, "range": [0, 100], "gridcolor": "#eeeeee"},
            yaxis={
                "title": {"text": title},
                "range": [0.5, 5.5],
                "dtick": 1,
                "gridcolor": "#e0e0e0",
            },
        ),
    }


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


def figure_json(figure: Figure) -> str:
    """The figure as JSON that is safe inside a <script type="application/json"> element."""
    text = json.dumps(figure, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


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
