"""The pages' SVG charts built from literal data: empty weeks and weeks under the minimum sample
are gaps (never zeros, never joined over), every week says its n, labels are escaped, the
markup is well-formed XML without a style attribute (the CSP allows none), text and marks
keep WCAG contrast, and the axis labels stay few enough for a 390 px phone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from heard import numbers
from heard.model import TurnEmotion
from heard.report.chart import EMOTION_STYLE
from heard.web import charts, svgplot
from heard.web.assets import STATIC_DIR
from heard.web.views import ComponentTrend, FeedbackPoint, HistogramBin, TrendPoint
from web.chartsvg import bars, plot_of, points, segments, slots

MIN = numbers.MIN_CONVERSATIONS
HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"
MONDAY = date(2026, 3, 2)


def weeks(*values: tuple[float | None, int]) -> list[TrendPoint]:
    return [
        TrendPoint(period=MONDAY + timedelta(days=7 * i), mean=mean, n=n)
        for i, (mean, n) in enumerate(values)
    ]


def svg_of(figure: svgplot.Figure, title: str = "chart") -> str:
    return figure.svg(id="c", title=title)


def contrast(colour: str, background: str = "#ffffff") -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(colour), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- trends: gaps and n -----------------------------------------------------------------------


def test_an_empty_week_is_a_gap_that_breaks_the_line() -> None:
    svg = plot_of(svg_of(charts.score_trend(weeks((60, MIN), (70, MIN), (None, 0), (80, MIN)))))
    assert [gap for _, gap in slots(svg)] == [False, False, True, False]
    assert slots(svg)[2][0] == "week of 16 Mar 2026: no conversations"
    assert segments(svg) == [("12.5%", "37.5%")], "weeks 1–2 joined, nothing across the gap"
    assert len(points(svg)) == 3


def test_a_week_under_the_minimum_shows_no_point_and_says_its_n() -> None:
    svg = plot_of(svg_of(charts.score_trend(weeks((60, MIN), (99, MIN - 1), (70, MIN)))))
    assert points(svg) == [
        f"week of 2 Mar 2026: 60 ({MIN} conversations)",
        f"week of 16 Mar 2026: 70 ({MIN} conversations)",
    ]
    assert slots(svg)[1] == (
        f"week of 9 Mar 2026: {MIN - 1} conversations, too few for a mean (a week needs {MIN})",
        True,
    )
    assert segments(svg) == [], "no line through the thin week"
    notes = [t.get_text() for t in svg.find_all("text") if t.get_text().startswith("n=")]
    assert notes == [f"n={MIN}", f"n={MIN - 1}", f"n={MIN}"]
    assert "99" not in svg.select_one("desc").get_text(), "the thin week's mean is never shown"


def test_a_long_trend_labels_at_most_six_weeks_with_the_last() -> None:
    svg = plot_of(svg_of(charts.score_trend(weeks(*[(70, MIN)] * 30))))
    labels = [t.get_text() for t in svg.find_all("text") if re.fullmatch(r"\d+ \w+", t.get_text())]
    assert 1 < len(labels) <= charts.MOST_PERIOD_LABELS
    assert labels[-1] == "21 Sep", "the latest week is always labelled"
    assert len(slots(svg)) == 30 and len(segments(svg)) == 29


def test_weeks_across_a_new_year_carry_the_year() -> None:
    trend = [
        TrendPoint(period=date(2025, 12, 22) + timedelta(days=7 * i), mean=70, n=MIN)
        for i in range(4)
    ]
    texts = [t.get_text() for t in plot_of(svg_of(charts.score_trend(trend))).find_all("text")]
    assert "12 Jan 2026" in texts


def test_component_trends_gap_per_component_and_list_the_week_on_hover() -> None:
    components = [
        ComponentTrend(component="empathy", points=weeks((50, MIN), (None, 0), (60, MIN))),
        ComponentTrend(component="reflecting", points=weeks((40, MIN), (45, MIN), (55, 2))),
    ]
    labels = {"empathy": "Empathy", "reflecting": HOSTILE}
    figure = charts.component_trends(components, labels=labels)
    svg = plot_of(figure.html(id="c", title="components"))
    assert [title for title, _ in slots(svg)] == [
        f"week of 2 Mar 2026 ({MIN} conversations): Empathy 50, {HOSTILE} 40",
        f"week of 9 Mar 2026 ({MIN} conversations): {HOSTILE} 45",
        f"week of 16 Mar 2026 ({MIN} conversations): Empathy 60",
    ]
    assert len(segments(svg)) == 1, "only reflecting's first two weeks are joined"
    assert [item.label for item in figure.legend] == ["Empathy", HOSTILE]
    assert [item.marker for item in figure.legend] == ["diamond", "square"], "shapes, not only hue"


def test_components_with_different_weeks_line_up() -> None:
    components = [
        ComponentTrend(component="empathy", points=weeks((50, MIN))),
        ComponentTrend(component="reflecting", points=weeks((40, MIN), (45, MIN))),
    ]
    svg = plot_of(svg_of(charts.component_trends(components)))
    assert len(slots(svg)) == 2 and slots(svg)[1][0].endswith(": reflecting 45")


# --- bars, emotion, scatter ---------------------------------------------------------------------


def test_histogram_bars_carry_their_counts() -> None:
    counts = [0, 1, 0, 3, 12, 7, 0, 0, 0, 1_200]
    bins = [
        HistogramBin(lower=low, upper=low + 10, count=count)
        for low, count in zip(range(0, 100, 10), counts, strict=True)
    ]
    svg = plot_of(svg_of(charts.score_histogram(bins)))
    assert bars(svg) == [
        "10–20: 1 conversation",
        "30–40: 3 conversations",
        "40–50: 12 conversations",
        "50–60: 7 conversations",
        "90–100: 1200 conversations",
    ]
    texts = [t.get_text() for t in svg.find_all("text")]
    assert "1,200" in texts and "12" in texts, "each bar's count above it"
    tallest = max(float(r["height"]) for r in svg.select("rect.bin"))
    assert tallest <= charts.HISTOGRAM_HEIGHT
    assert "Listening Score" in texts and "conversations" in texts


def test_emotion_chart_marks_each_customer_turn_by_colour_and_shape() -> None:
    emotions = [
        TurnEmotion(turn=0, label="anger", intensity=0.9),
        TurnEmotion(turn=2, label="worry", intensity=0.5),
        TurnEmotion(turn=4, label="satisfaction", intensity=0.7),
    ]
    figure = charts.emotion_chart(emotions, turns=5)
    svg = plot_of(svg_of(figure, "Customer emotion"))
    assert points(svg) == [
        "turn 0: anger, intensity 0.9",
        "turn 2: worry, intensity 0.5",
        "turn 4: satisfaction, intensity 0.7",
    ]
    assert [svg.find("polygon") is not None, svg.select("svg > rect") != []] == [True, True]
    assert [(i.label, i.marker) for i in figure.legend] == [
        ("anger", "triangle"),
        ("worry", "square"),
        ("satisfaction", "circle"),
    ]
    assert len(segments(svg)) == 2, "a dotted line from each customer turn to the next"
    assert svg.select_one("desc").get_text().startswith("turn 0: anger, intensity 0.9;")


def test_feedback_scatter_draws_each_answer_then_bins_many() -> None:
    few = [
        FeedbackPoint(conversation_id=f"c{i}", listening_score=10 * i, csat=1 + i % 5, felt_heard=3)
        for i in range(10)
    ]
    svg = plot_of(svg_of(charts.feedback_scatter(few, answer="csat")))
    assert len(points(svg)) == 10 and points(svg)[3] == "conversation c3: score 30, answer 4"
    assert "answer 1: 2 conversations, mean score 25" in svg.select_one("desc").get_text()
    many = [
        FeedbackPoint(conversation_id=str(i), listening_score=i % 100, csat=1 + i % 5, felt_heard=3)
        for i in range(charts.SCATTER_POINTS + 100)
    ]
    binned = charts.feedback_scatter(many, answer="csat")
    cells = points(plot_of(svg_of(binned)))
    assert len(cells) <= 50
    counted = sum(int(re.search(r": (\d+) conversation", c).group(1)) for c in cells)
    assert counted == len(many)
    assert len(svg_of(binned)) < 20_000, "the page stays small however many answers"


# --- escaping, markup, accessibility ---------------------------------------------------------


def hostile_figures() -> list[svgplot.Figure]:
    return [
        charts.score_trend(weeks((60, MIN))),
        charts.component_trends(
            [ComponentTrend(component="empathy", points=weeks((50, MIN)))],
            labels={"empathy": HOSTILE},
        ),
        charts.score_histogram([HistogramBin(lower=0, upper=100, count=3)]),
        charts.emotion_chart([TurnEmotion(turn=0, label=HOSTILE, intensity=0.5)], turns=1),
        charts.feedback_scatter(
            [FeedbackPoint(conversation_id=HOSTILE, listening_score=50, csat=3, felt_heard=3)],
            answer="csat",
        ),
    ]


@pytest.mark.parametrize("index", range(5))
def test_labels_are_escaped_and_the_markup_is_well_formed(index: int) -> None:
    figure = hostile_figures()[index]
    html = figure.html(id='x"><script>', title=HOSTILE)
    assert "<script>" not in html
    root = ET.fromstring(html)  # well-formed: every label escaped, every element closed
    svg = root.find("svg")
    assert svg is not None and svg.get("role") == "img"
    assert svg.findtext("title") == HOSTILE
    assert svg.find("desc") is not None and svg.findtext("desc")
    assert svg.get("aria-labelledby") == f"{svg.find('title').get('id')}"
    assert " style=" not in html, "no style attribute: the CSP refuses them"
    assert "viewBox" not in svg.attrib, "text keeps its size at every width"


def test_every_chart_colour_keeps_contrast_on_white() -> None:
    assert contrast(svgplot.INK) >= 4.5 and contrast(svgplot.MUTED) >= 4.5  # text: AA
    graphics = [
        svgplot.AXIS,
        charts.SCORE_COLOUR,
        charts.BAR_COLOUR,
        charts.EMOTION_LINE,
        charts.OTHER_COLOUR,
        *charts.COMPONENT_COLOURS.values(),
    ]
    graphics += [colour for colour, _ in EMOTION_STYLE.values()]
    for colour in graphics:  # WCAG 1.4.11: graphics at least 3:1
        assert contrast(colour) >= 3, colour
    assert len(set(charts.COMPONENT_MARKERS.values())) == len(charts.COMPONENT_MARKERS)


def test_component_colours_match_the_stylesheet() -> None:
    text = (STATIC_DIR / "heard.css").read_text(encoding="utf-8")
    for name, colour in charts.COMPONENT_COLOURS.items():
        assert f"--c-{name}: {colour};" in text, name


# --- the small pieces -------------------------------------------------------------------------


def test_ticks_thinning_and_percentages() -> None:
    assert svgplot.nice_ticks(12, most=4) == [0, 5, 10, 15]
    assert svgplot.nice_ticks(3, most=4) == [0, 1, 2, 3]
    assert svgplot.nice_ticks(0) == [0, 1]
    assert svgplot.nice_ticks(1200, most=4)[-1] >= 1200
    assert svgplot.thinned(12, most=6) == [1, 3, 5, 7, 9, 11]
    assert svgplot.thinned(3, most=6) == [0, 1, 2]
    assert svgplot.thinned(0, most=6) == []
    assert svgplot.pct(0.125) == "12.5%" and svgplot.pct(1.5) == "100%" and svgplot.pct(0) == "0%"
    assert svgplot.count_text(1200) == "1,200" and svgplot.count_text(25_000) == "25k"
