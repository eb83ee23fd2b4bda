"""The HTML report: one self-contained, well-formed, accessible file; text always escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from heard.model import Conversation, Polarity, Role, Turn
from heard.report import render_html
from heard.report.chart import EMOTION_STYLE, style_of
from heard.report.content import tip_moment, whole_turn
from report.reports import HOSTILE, example, hostile, report_of

SECTIONS = [
    "Component scores",
    "Customer emotion",
    "Transcript",
    "Top tips",
    "Checklist",
    "Metrics",
]
EMBEDDING_TAGS = ["script", "link", "img", "iframe", "object", "embed", "audio", "video", "use"]


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def assert_self_contained(html: str) -> None:
    soup = soup_of(html)
    for tag in EMBEDDING_TAGS:
        assert soup.find_all(tag) == [], tag
    for element in soup.find_all(True):
        for attribute in ("src", "srcset", "action", "xlink:href", "background", "poster"):
            assert not element.has_attr(attribute), (element.name, attribute)
        if element.has_attr("href"):
            assert element["href"].startswith("#"), element["href"]
            assert soup.find(id=element["href"][1:]) is not None, element["href"]
        assert not any(name.startswith("on") for name in element.attrs), element.name
    style = "".join(s.get_text() for s in soup.find_all("style"))
    style += "".join(e["style"] for e in soup.find_all(style=True))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style


@pytest.mark.parametrize("name", ["03", "07"])
def test_html_has_score_moments_tips_and_chart(name) -> None:
    report = example(name)
    card, conversation = report.scorecard, report.conversation
    html = render_html([report])
    assert "http://" not in html and "https://" not in html
    assert_self_contained(html)
    soup = soup_of(html)
    assert soup.select_one(".score strong").get_text() == f"{card.listening_score:.0f}"
    meta = soup.select_one(".meta").get_text()
    assert conversation.agent.name in meta and conversation.channel.value in meta

    # every finding's words are highlighted in its turn, named in the mark's title
    for finding in card.findings:
        span = finding.spans[0]
        turn = conversation.turns[span.turn]
        if whole_turn(span, turn):
            continue
        item = soup.find(id=f"c0-t{span.turn}")
        marked = "".join(
            m.get_text()
            for m in item.find_all("mark")
            if finding.behaviour in m["data-behaviours"].split() and finding.behaviour in m["title"]
        )
        assert turn.text[span.start : span.end] in marked, finding.behaviour
        cls = {"positive": "pos", "negative": "neg", "neutral": "neu"}[finding.polarity]
        tags = [t.get_text() for t in item.select(f".tag.{cls}")]
        assert any(finding.behaviour in t for t in tags)

    tips = soup.select("ol.tips > li")
    assert len(tips) == len(card.tips) >= 1
    for item, tip in zip(tips, card.tips, strict=True):
        assert item.strong.get_text() == tip.message
        assert item.select_one(".try").get_text() == f"Try: {tip.suggestion}"
        assert tip_moment(conversation, tip) in item.blockquote.get_text()

    # one chart point per customer turn, at that turn, with a text alternative
    svg = soup.find("svg")
    points = svg.select("g.point")
    customer_turns = [t.index for t in conversation.turns if t.role == Role.CUSTOMER]
    assert [int(p["data-turn"]) for p in points] == customer_turns
    assert [p["data-label"] for p in points] == [e.label for e in card.emotions]
    assert all(p.title.get_text().startswith(f"turn {p['data-turn']}:") for p in points)
    assert svg["role"] == "img"
    for label_id in svg["aria-labelledby"].split():
        assert svg.find(id=label_id).get_text()


def test_html_structure() -> None:
    html = render_html([example("03")])
    assert html.startswith('<!doctype html>\n<html lang="en">')
    soup = soup_of(html)
    assert soup.title.get_text() == "heard report — ex-03-chat-angry-handled-badly"
    assert [h.get_text() for h in soup.find_all("h1")] == ["heard listening report"]
    assert [h.get_text() for h in soup.find_all("h2")] == ["ex-03-chat-angry-handled-badly"]
    assert [h.get_text() for h in soup.find_all("h3")] == SECTIONS
    assert len(soup.select("ol.transcript > li.turn")) == 12
    assert soup.select_one("#c0-t3 .who").get_text().startswith("3 · agent")
    assert "calm down" in [m.get_text() for m in soup.select("#c0-t3 mark.neg")]
    checklist = {
        row.find_all("td")[1].get_text(): row.find_all("td")[0].get_text()
        for row in soup.select("h3 ~ table tbody tr")
        if len(row.find_all("td")) == 4
    }
    assert checklist["dismissive"] == "✗ missed"
    assert checklist["reassurance"] == "– n/a"
    assert checklist["jargon"] == "✓ done"
    ids = [e["id"] for e in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_the_chart_svg_is_well_formed_xml() -> None:
    html = render_html([example("02")])
    svg = re.search(r"<svg.*?</svg>", html, flags=re.DOTALL).group(0)
    root = ET.fromstring(svg)
    assert root.tag == "svg"
    assert len(root.findall("g[@class='point']")) == len(example("02").scorecard.emotions)


def test_colour_is_not_the_only_cue() -> None:
    soup = soup_of(render_html([example("03")]))
    for tag in soup.select(".tag"):
        mark = {"pos": "✓", "neg": "✗", "neu": "•"}[tag["class"][1]]
        assert tag.get_text().startswith(mark)
    for row in soup.select("td.verdict"):
        assert row.get_text().split()[1] in ("done", "missed", "n/a")
    # every emotion has its own marker shape, and each point is drawn with its emotion's shape
    assert len({shape for _, shape in EMOTION_STYLE.values()}) == len(EMOTION_STYLE)
    element = {"circle": "circle", "ring": "circle", "cross": "path"}
    for point in soup.select("g.point"):
        drawn = point.find(lambda t: t.name != "title")
        assert drawn.name == element.get(style_of(point["data-label"])[1], "polygon")
    labels = [p["data-label"] for p in soup.select("g.point")]
    assert [g.get_text() for g in soup.select("g.legend")] == list(dict.fromkeys(labels))


def test_several_conversations_make_one_document_with_a_summary() -> None:
    reports = [example("02"), example("03")]
    html = render_html(reports, errors=["missing.json: no such file"])
    assert_self_contained(html)
    soup = soup_of(html)
    assert [h.get_text() for h in soup.find_all("h2")] == [
        "Summary",
        "ex-02-chat-angry-handled-well",
        "ex-03-chat-angry-handled-badly",
        "Files that could not be read",
    ]
    rows = soup.select("#summary-h ~ table tbody tr")
    assert [r.a["href"] for r in rows] == ["#c0", "#c1"]
    assert [r.find_all("td")[3].get_text() for r in rows] == [
        f"{r.scorecard.listening_score:.0f}" for r in reports
    ]
    assert len(soup.find_all("svg")) == 2
    assert soup.select_one(".errors li").get_text() == "missing.json: no such file"


def test_hostile_text_is_escaped() -> None:
    report = hostile()
    html = render_html([report], errors=["<script>bad()</script>"])
    assert_self_contained(html)
    assert "<script" not in html and "<img" not in html and "<b>id" not in html
    soup = soup_of(html)
    assert soup.find_all("style") and len(soup.find_all("style")) == 1
    for turn in report.conversation.turns:
        assert soup.select_one(f"#c0-t{turn.index} .text").get_text() == turn.text
    assert HOSTILE in soup.select_one("#c0-t1 .text").get_text()
    assert soup.h2.get_text() == "<b>id</b>"
    assert '"><img src=x onerror=alert(1)>' in soup.select_one(".meta").get_text()
    assert soup.title.get_text() == "heard report — <b>id</b>"
    assert "</title><script>x()</script>" in soup.select_one(".meta").get_text()
    assert soup.select_one(".errors li").get_text() == "<script>bad()</script>"


def test_no_customer_turns_means_no_chart() -> None:
    conversation = Conversation(
        id="agent-only", channel="email", turns=[Turn(index=0, role=Role.AGENT, text="Hello.")]
    )
    soup = soup_of(render_html([report_of(conversation)]))
    assert soup.find("svg") is None
    heading = soup.find("h3", string="Customer emotion")
    assert heading.find_next_sibling("p").get_text() == "Not measured."


@pytest.mark.parametrize("name", ["02", "03", "07"])
def test_a_mark_shows_the_strongest_polarity_of_its_findings(name) -> None:
    report = example(name)
    soup = soup_of(render_html([report]))
    polarity = {f.behaviour: f.polarity for f in report.scorecard.findings}
    strength = {Polarity.NEGATIVE: ("neg", 3), Polarity.POSITIVE: ("pos", 2)}
    marks = soup.select(".transcript mark")
    assert marks
    for mark in marks:
        names = mark["data-behaviours"].split()
        expected = max((strength.get(polarity[n], ("neu", 1)) for n in names), key=lambda x: x[1])
        assert mark["class"] == [expected[0]]
        assert all(n in mark["title"] for n in names)
