"""The customer-emotion chart as inline SVG, drawn by our own code: no assets, no libraries."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from heard.model import TurnEmotion

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 64
"""Margins around the plot area, in SVG units (the legend sits under the x axis)."""

EMOTION_STYLE: dict[str, tuple[str, str]] = {
    "anger": ("#c62828", "triangle"),
    "frustration": ("#e65100", "diamond"),
    "worry": ("#6a1b9a", "square"),
    "confusion": ("#1565c0", "triangle-down"),
    "sadness": ("#00838f", "pentagon"),
    "satisfaction": ("#2e7d32", "circle"),
    "neutral": ("#757575", "ring"),
}
"""Colour and marker shape per emotion: the shape tells the emotions apart without colour."""
OTHER_STYLE = ("#37474f", "cross")


MARKER_POLYGONS: dict[str, tuple[tuple[float, float], ...]] = {
    "triangle": ((0, -1), (1, 0.8), (-1, 0.8)),
    "triangle-down": ((0, 1), (1, -0.8), (-1, -0.8)),
    "diamond": ((0, -1), (1, 0), (0, 1), (-1, 0)),
    "square": ((-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)),
    "pentagon": ((0, -1), (0.95, -0.31), (0.59, 0.81), (-0.59, 0.81), (-0.95, -0.31)),
}
"""Marker outlines around (0, 0) at radius 1, shared with the web pages' charts."""


def _marker(shape: str, x: float, y: float, colour: str, r: float = 6) -> str:
    if shape in MARKER_POLYGONS:
        points = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in MARKER_POLYGONS[shape])
        return f'<polygon points="{points}" fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.9:.1f}" fill="{colour}"/>'
    if shape == "ring":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.7:.1f}" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    a, b, c, d = x - r, y - r, x + r, y + r
    path = f"M{a:.1f},{b:.1f}L{c:.1f},{d:.1f}M{a:.1f},{d:.1f}L{c:.1f},{b:.1f}"
    return f'<path d="{path}" stroke="{colour}" stroke-width="2.5"/>'


def style_of(label: str) -> tuple[str, str]:
    """(colour, marker shape) for an emotion label."""
    return EMOTION_STYLE.get(label, OTHER_STYLE)


def emotion_chart(emotions: Sequence[TurnEmotion], *, turns: int, id_prefix: str) -> str:
    """An SVG line chart of the customer's emotion: x = turn, y = intensity, one marker per
    customer turn shaped and coloured by its emotion, with a title and description."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    last = max(turns - 1, 1)

    def x_of(turn: int) -> float:
        return LEFT + plot_w * turn / last

    def y_of(intensity: float) -> float:
        return TOP + plot_h * (1 - intensity)

    title = "Customer emotion over the conversation"
    desc = "; ".join(f"turn {e.turn}: {e.label}, intensity {e.intensity:.1f}" for e in emotions)
    parts = [
        f'<svg class="emotion-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        'font-family="system-ui, sans-serif" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
        f'<title id="{id_prefix}-title">{title}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc or "no customer turns")}</desc>',
    ]
    for level in (0.0, 0.5, 1.0):
        y = y_of(level)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{level:g}</text>"
        )
    parts.append(
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">intensity</text>'
    )
    step = max(1, round(turns / 16))
    for turn in range(0, turns, step):
        parts.append(
            f'<text x="{x_of(turn):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
            f'font-size="11">{turn}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h + 32}" text-anchor="middle" '
        f'font-size="11">turn</text>'
    )
    if len(emotions) > 1:
        line = " ".join(f"{x_of(e.turn):.1f},{y_of(e.intensity):.1f}" for e in emotions)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="#9e9e9e" stroke-width="1.5" '
            f'stroke-dasharray="4 3"/>'
        )
    for e in emotions:
        colour, shape = style_of(e.label)
        parts.append(
            f'<g class="point" data-turn="{e.turn}" data-label="{escape(e.label)}" '
            f'data-intensity="{e.intensity:g}">'
            f"<title>turn {e.turn}: {escape(e.label)}, intensity {e.intensity:.1f}</title>"
            f"{_marker(shape, x_of(e.turn), y_of(e.intensity), colour)}</g>"
        )
    x = float(LEFT)
    for name in dict.fromkeys(e.label for e in emotions):
        colour, shape = style_of(name)
        parts.append(
            f'<g class="legend">{_marker(shape, x + 6, HEIGHT - 12, colour, r=5)}'
            f'<text x="{x + 16:.1f}" y="{HEIGHT - 8}" font-size="11">{escape(name)}</text></g>'
        )
        x += 28 + 6.2 * len(name)
    parts.append("</svg>")
    return "\n".join(parts)
