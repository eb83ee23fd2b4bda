"""The Markdown report: the score, the moments with their quotes, the tips, in a stable
structure; hostile transcript text stays text."""

from __future__ import annotations

import re

import pytest

from heard.report import render_markdown, trajectory
from heard.report.content import label, quote
from heard.report.markdown import escape, slug
from report.reports import HOSTILE, example, hostile

SECTIONS = [
    "### Component scores",
    "### Customer emotion",
    "### Transcript",
    "### Moments",
    "### Top tips",
    "### Checklist",
    "### Metrics",
]


@pytest.mark.parametrize("name", ["03", "07"])
def test_markdown_has_score_moments_and_tips(name) -> None:
    report = example(name)
    card = report.scorecard
    text = render_markdown([report])
    assert f"**Listening Score: {card.listening_score:.0f}/100**" in text
    for finding in card.findings:
        span = finding.spans[0]
        words = escape(quote(report.conversation, span))
        line = f"**{escape(label(finding))}** · turn {span.turn} — “{words}”"
        assert line in text, line
    assert card.tips
    for n, tip in enumerate(card.tips, start=1):
        assert f"{n}. **{escape(tip.message)}**" in text
        assert f"Try: {escape(tip.suggestion)}" in text


def test_markdown_structure() -> None:
    report = example("03")
    text = render_markdown([report])
    headings = re.findall(r"^#+ .*$", text, flags=re.MULTILINE)
    assert headings == ["# heard listening report", "## ex-03-chat-angry-handled-badly", *SECTIONS]
    assert "| ✗ | dismissive | empathy | missed | avoid: 2× — turn 3: “calm down” |" in text
    for emotion in report.scorecard.emotions:
        assert f"| {emotion.turn} | {emotion.label} | {emotion.intensity:.1f} |" in text
    assert f"\n{trajectory(report.scorecard.emotions).describe()}\n" in text
    assert text.count("**calm down**") == 1  # highlighted once, in turn 3
    assert re.search(r"^\*\*3 · agent\*\* Sir, please \*\*calm down\*\*", text, re.MULTILINE)
    assert "- `heard.call_timing.v1`: needs start and end times" in text


def test_several_conversations_make_one_document_with_a_summary() -> None:
    reports = [example("02"), example("03")]
    text = render_markdown(reports, errors=["missing.json: no such file"])
    assert text.count("\n## ") == 3  # two conversations and the unreadable files
    rows = [line for line in text.splitlines() if line.startswith("| [")]
    assert len(rows) == 2
    for row, report in zip(rows, reports, strict=True):
        anchor = slug(report.conversation.id)
        assert f"](#{anchor})" in row
        assert f"| {report.scorecard.listening_score:.0f} |" in row
        assert f"\n## {report.conversation.id}\n" in text
    assert text.index("| [") < text.index("\n## ex-02")
    assert text.rstrip().endswith("- missing.json: no such file")


def test_hostile_text_is_escaped() -> None:
    text = render_markdown([hostile()])
    assert "<script>" not in text and "<img" not in text and "<style>" not in text
    assert "</li>" not in text
    assert escape(HOSTILE) in text
    assert "&lt;script&gt;alert('owned')&lt;/script&gt; \\| \\*bold\\* \\[link\\]" in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words, 3-5 days.", "plain words, 3-5 days."),
        ("clear_language", "clear_language"),
        ("_emphasis_ *strong*", "\\_emphasis\\_ \\*strong\\*"),
        ("a | b", "a \\| b"),
        ("<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"),
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("- not a list", "\\- not a list"),
        ("two\nlines", "two<br>lines"),
        ("`code` [x](y) ~strike~ back\\slash", "\\`code\\` \\[x\\](y) \\~strike\\~ back\\\\slash"),
    ],
)
def test_escape(raw, escaped) -> None:
    assert escape(raw) == escaped
