"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, fonts or links
to anything outside it) that reads well on screen and on paper. All text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from heard import __version__
from heard.model import Polarity, Verdict
from heard.report.chart import emotion_chart
from heard.report.content import (
    POLARITY_MARK,
    VERDICT_MARK,
    VERDICT_WORD,
    ConversationReport,
    agent_name,
    customer_name,
    findings_by_turn,
    label,
    metric_text,
    outcome_text,
    score_text,
    segments,
    stamp,
    tip_moment,
    trajectory,
)

POLARITY_CLASS = {Polarity.POSITIVE: "pos", Polarity.NEGATIVE: "neg", Polarity.NEUTRAL: "neu"}
VERDICT_CLASS = {Verdict.DONE: "pos", Verdict.MISSED: "neg", Verdict.NOT_APPLICABLE: "na"}

CSS = """
:root { --pos: #1b5e20; --pos-bg: #e3f2e5; --neg: #b71c1c; --neg-bg: #fde7e7;
  --neu: #0d47a1; --neu-bg: #e6eefb; --muted: #5f6368; --rule: #dadce0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #202124; margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.35rem; border-top: 3px solid #202124; padding-top: 1rem; margin-top: 2.5rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.muted, .meta { color: var(--muted); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.when { display: block; font-size: .8rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--rule);
  vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.score { font-size: 1.2rem; }
.score strong { font-size: 2.4rem; }
.bar { background: #eceff1; height: .9rem; width: 100%; min-width: 6rem; border-radius: 2px; }
.bar span { display: block; height: 100%; border-radius: 2px; }
.bar .hi { background: var(--pos); } .bar .mid { background: #f9a825; }
.bar .lo { background: var(--neg); }
ol.transcript { list-style: none; padding: 0; }
.turn { display: grid; grid-template-columns: 7.5rem 1fr; gap: .75rem; padding: .4rem 0;
  border-bottom: 1px solid var(--rule); break-inside: avoid; }
.who { color: var(--muted); text-align: right; font-size: .9rem; }
.turn.customer .who { color: #6a1b9a; } .turn.agent .who { color: #00695c; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
mark { color: inherit; padding: 0 .1rem; border-radius: 2px; }
mark.pos { background: var(--pos-bg); border-bottom: 2px solid var(--pos); }
mark.neg { background: var(--neg-bg); border-bottom: 2px dashed var(--neg); }
mark.neu { background: var(--neu-bg); border-bottom: 2px dotted var(--neu); }
.tags { display: block; margin-top: .2rem; }
.tag { display: inline-block; font-size: .8rem; border: 1px solid; border-radius: 3px;
  padding: 0 .35rem; margin: 0 .25rem .2rem 0; }
.tag.pos, .verdict.pos { color: var(--pos); } .tag.neg, .verdict.neg { color: var(--neg); }
.tag.neu { color: var(--neu); } .verdict.na { color: var(--muted); }
.tips li { margin-bottom: .75rem; }
blockquote { margin: .3rem 0; padding: .2rem .75rem; border-left: 4px solid var(--rule);
  color: #3c4043; }
.try { background: var(--pos-bg); border-left: 4px solid var(--pos); padding: .3rem .75rem; }
figure { margin: .5rem 0; }
figcaption { color: var(--muted); font-size: .9rem; }
.legend-key { font-size: .85rem; color: var(--muted); }
.errors li { color: var(--neg); }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-before: page; } h2.first { break-before: auto; }
  section, table, figure, .tips li { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def anchor(index: int, turn: int | None = None) -> str:
    """A document-unique id for a conversation (by position) or one of its turns."""
    return f"c{index}" if turn is None else f"c{index}-t{turn}"


def _bar(score: float | None) -> str:
    if score is None:
        return '<div class="bar" aria-hidden="true"></div>'
    level = "hi" if score >= 70 else "mid" if score >= 40 else "lo"
    return (
        f'<div class="bar" aria-hidden="true"><span class="{level}" '
        f'style="width: {score:.0f}%"></span></div>'
    )


def _title(finding_label: str, polarity: Polarity, explanation: str) -> str:
    text = f"{POLARITY_MARK[polarity]} {finding_label}"
    return f"{text} — {explanation}" if explanation else text


def _transcript(report: ConversationReport, index: int) -> list[str]:
    by_turn = findings_by_turn(report.scorecard)
    out = ['<ol class="transcript">']
    for turn in report.conversation.turns:
        marks = by_turn.get(turn.index, [])
        text = []
        for piece in segments(turn, marks):
            if piece.polarity is None:
                text.append(escape(piece.text))
                continue
            title = "; ".join(_title(label(f), f.polarity, f.explanation) for f in piece.findings)
            behaviours = " ".join(f.behaviour for f in piece.findings)
            text.append(
                f'<mark class="{POLARITY_CLASS[piece.polarity]}" title="{escape(title)}" '
                f'data-behaviours="{escape(behaviours)}">{escape(piece.text)}</mark>'
            )
        tags = "".join(
            f'<span class="tag {POLARITY_CLASS[f.polarity]}" '
            f'title="{escape(_title(label(f), f.polarity, f.explanation))}">'
            f"{POLARITY_MARK[f.polarity]} {escape(label(f))}</span>"
            for f in marks
        )
        subject = f"<strong>Subject: {escape(turn.subject)}</strong>\n" if turn.subject else ""
        out.append(
            f'<li class="turn {escape(turn.role.value)}" id="{anchor(index, turn.index)}">'
            f'<span class="who">{turn.index} · {escape(turn.role.value)}'
            + (f'<span class="when">{escape(when)}</span>' if (when := stamp(turn)) else "")
            + "</span>"
            f'<div><div class="text">{subject}{"".join(text)}</div>'
            + (f'<span class="tags">{tags}</span>' if tags else "")
            + "</div></li>"
        )
    out.append("</ol>")
    return out


def _conversation(report: ConversationReport, index: int, *, first: bool) -> list[str]:
    conversation, card = report.conversation, report.scorecard
    facts = [("channel", conversation.channel.value)]
    if agent := agent_name(conversation):
        facts.append(("agent", agent))
    if customer := customer_name(conversation):
        facts.append(("customer", customer))
    if report.file:
        facts.append(("file", report.file))
    if card.rubric:
        facts.append(("rubric", card.rubric))
    heading_class = ' class="first"' if first else ""
    out = [
        f'<article class="conversation" id="{anchor(index)}" aria-labelledby="{anchor(index)}-h">',
        f'<h2 id="{anchor(index)}-h"{heading_class}>{escape(conversation.id)}</h2>',
        '<p class="meta">'
        + " · ".join(f"{name} <strong>{escape(value)}</strong>" for name, value in facts)
        + "</p>",
        f'<p class="score">Listening Score <strong>{score_text(card.listening_score)}</strong>'
        "/100</p>",
        *([f'<p class="outcome">{escape(outcome_text(card) or "")}</p>'] if card.outcome else []),
        "<section>",
        "<h3>Component scores</h3>",
        "<table><thead><tr><th>component</th><th><span class=sr>bar</span></th>"
        "<th class=num>score</th><th class=num>weight</th><th class=num>findings</th></tr>"
        "</thead><tbody>",
    ]
    for c in card.components:
        out.append(
            f"<tr><td>{escape(c.component)}</td><td>{_bar(c.score)}</td>"
            f"<td class=num>{score_text(c.score)}</td><td class=num>{c.weight:g}</td>"
            f"<td class=num>{c.findings}</td></tr>"
        )
    out += ["</tbody></table>", "</section>", "<section>", "<h3>Customer emotion</h3>"]
    if card.emotions:
        out += [
            "<figure>",
            emotion_chart(
                card.emotions, turns=len(conversation.turns), id_prefix=f"{anchor(index)}-chart"
            ),
            f"<figcaption>Customer emotion by turn (x: turn, y: intensity 0–1; marker shape "
            f"and colour show the emotion). Trajectory: "
            f"{escape(trajectory(card.emotions).describe())}.</figcaption>",
            "</figure>",
        ]
    else:
        out.append("<p>Not measured.</p>")
    out += [
        "</section>",
        "<section>",
        "<h3>Transcript</h3>",
        '<p class="legend-key">Highlights: <mark class="pos">✓ good listening</mark> '
        '<mark class="neg">✗ poor listening</mark> <mark class="neu">• measurement</mark> '
        "— hover a highlight for the behaviour and why.</p>",
        *_transcript(report, index),
        "</section>",
        "<section>",
        "<h3>Top tips</h3>",
    ]
    out += _tips(report, index)
    out += [
        "</section>",
        "<section>",
        "<h3>Checklist</h3>",
        "<table><thead><tr><th>verdict</th><th>behaviour</th><th>component</th><th>why</th>"
        "</tr></thead><tbody>",
    ]
    for item in card.checklist:
        out.append(
            f'<tr><td class="verdict {VERDICT_CLASS[item.verdict]}">{VERDICT_MARK[item.verdict]} '
            f"{VERDICT_WORD[item.verdict]}</td><td>{escape(item.behaviour)}</td>"
            f"<td>{escape(item.component)}</td><td>{escape(item.reason)}</td></tr>"
        )
    out += [
        "</tbody></table>",
        "</section>",
        "<section>",
        "<h3>Metrics</h3>",
        "<table><tbody>",
    ]
    for key, value in card.metrics.items():
        out.append(
            f"<tr><th scope=row>{escape(key)}</th>"
            f"<td class=num>{escape(metric_text(value))}</td></tr>"
        )
    out += ["</tbody></table>"]
    if report.skipped:
        out.append('<p class="muted">Detectors skipped:</p><ul class="muted">')
        out += [
            f"<li><code>{escape(name)}</code>: {escape(reason)}</li>"
            for name, reason in report.skipped.items()
        ]
        out.append("</ul>")
    out += ["</section>", "</article>"]
    return out


def _tips(report: ConversationReport, index: int) -> list[str]:
    """The conversation's top tips, each with the moment it points to and what to try."""
    conversation, card = report.conversation, report.scorecard
    out: list[str] = []
    if card.tips:
        out.append('<ol class="tips">')
        for tip in card.tips:
            item = f"<li><p><strong>{escape(tip.message)}</strong></p>"
            moment = tip_moment(conversation, tip)
            if moment and tip.span is not None:
                item += (
                    f'<blockquote><a href="#{anchor(index, tip.span.turn)}">turn '
                    f"{tip.span.turn}</a>: {escape(moment)}</blockquote>"
                )
            if tip.suggestion:
                item += f'<p class="try"><strong>Try:</strong> {escape(tip.suggestion)}</p>'
            out.append(item + "</li>")
        out.append("</ol>")
    else:
        out.append("<p>No tips: nothing to improve was found.</p>")
    return out


def _summary(reports: Sequence[ConversationReport]) -> list[str]:
    out = [
        '<section aria-labelledby="summary-h">',
        '<h2 id="summary-h" class="first">Summary</h2>',
        "<table><thead><tr><th>conversation</th><th>channel</th><th>agent</th>"
        "<th class=num>Listening Score</th><th>customer emotion</th><th>top tip</th>"
        "</tr></thead><tbody>",
    ]
    for index, report in enumerate(reports):
        conversation, card = report.conversation, report.scorecard
        out.append(
            f'<tr><td><a href="#{anchor(index)}">{escape(conversation.id)}</a></td>'
            f"<td>{escape(conversation.channel.value)}</td>"
            f"<td>{escape(agent_name(conversation) or '')}</td>"
            f"<td class=num>{score_text(card.listening_score)}</td>"
            f"<td>{escape(trajectory(card.emotions).describe())}</td>"
            f"<td>{escape(card.tips[0].behaviour) if card.tips else ''}</td></tr>"
        )
    out += ["</tbody></table>", "</section>"]
    return out


def render_html(reports: Sequence[ConversationReport], *, errors: Sequence[str] = ()) -> str:
    """The whole HTML document for the reports (and the files that could not be read)."""
    title = (
        f"heard report — {reports[0].conversation.id}"
        if len(reports) == 1
        else f"heard report — {len(reports)} conversations"
    )
    body = [
        "<header>",
        "<h1>heard listening report</h1>",
        f'<p class="muted">{len(reports)} conversation{"s" if len(reports) != 1 else ""} · '
        f"made by heard {escape(__version__)}</p>",
        "</header>",
        "<main>",
    ]
    if len(reports) > 1:
        body += _summary(reports)
    for index, report in enumerate(reports):
        body += _conversation(report, index, first=index == 0 and len(reports) == 1)
    if errors:
        body += [
            '<section aria-labelledby="errors-h">',
            '<h2 id="errors-h">Files that could not be read</h2>',
            '<ul class="errors">',
            *(f"<li>{escape(message)}</li>" for message in errors),
            "</ul>",
            "</section>",
        ]
    body.append("</main>")
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
