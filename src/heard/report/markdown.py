"""The Markdown report (GitHub-flavoured): one document, a section per conversation, with
a summary table on top when there are several. Transcript text is escaped, never trusted."""

from __future__ import annotations

import re
from collections.abc import Sequence

from heard import __version__
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
    quote,
    score_text,
    segments,
    tip_moment,
    trajectory,
)

_SPECIAL = re.compile(r"([\\`*\[\]|~]|(?<!\w)_|_(?!\w))")
_LINE_START = re.compile(r"^(\s*)([#+=-]|\d+[.)])")


def escape(text: str) -> str:
    """Text shown literally in Markdown: punctuation backslash-escaped, <, > and & as entities,
    line breaks as <br>."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m[1] + m[2][:-1] + "\\" + m[2][-1], text)
    return text.replace("\r\n", "\n").replace("\n", "<br>")


def slug(text: str) -> str:
    """The anchor GitHub gives a heading with this text."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def _bar(score: float | None) -> str:
    if score is None:
        return ""
    full = round(score / 10)
    return "█" * full + "░" * (10 - full)


def _summary(reports: Sequence[ConversationReport]) -> list[str]:
    lines = [
        "| conversation | channel | agent | Listening Score | customer emotion | top tip |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for report in reports:
        conversation, card = report.conversation, report.scorecard
        lines.append(
            f"| [{escape(conversation.id)}](#{slug(conversation.id)}) "
            f"| {conversation.channel.value} | {escape(agent_name(conversation) or '')} "
            f"| {score_text(card.listening_score)} "
            f"| {escape(trajectory(card.emotions).describe())} "
            f"| {escape(card.tips[0].behaviour) if card.tips else ''} |"
        )
    return lines


def _conversation(report: ConversationReport) -> list[str]:
    conversation, card = report.conversation, report.scorecard
    who = [f"**{conversation.channel.value}**"]
    if agent := agent_name(conversation):
        who.append(f"agent {escape(agent)}")
    if customer := customer_name(conversation):
        who.append(f"customer {escape(customer)}")
    if report.file:
        who.append(f"file `{report.file.replace('`', '')}`")
    lines = [
        f"## {escape(conversation.id)}",
        "",
        " · ".join(who),
        "",
        f"**Listening Score: {score_text(card.listening_score)}/100**",
        "",
        *([escape(outcome_text(card) or ""), ""] if card.outcome else []),
        "### Component scores",
        "",
        "| component | score | | weight | findings |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for c in card.components:
        lines.append(
            f"| {escape(c.component)} | {score_text(c.score)} | {_bar(c.score)} "
            f"| {c.weight:g} | {c.findings} |"
        )
    lines += ["", "### Customer emotion", ""]
    if card.emotions:
        lines += [
            f"{escape(trajectory(card.emotions).describe())}",
            "",
            "| turn | emotion | intensity |",
            "| ---: | --- | ---: |",
        ]
        lines += [f"| {e.turn} | {escape(e.label)} | {e.intensity:.1f} |" for e in card.emotions]
    else:
        lines.append("Not measured.")
    lines += ["", "### Transcript", ""]
    by_turn = findings_by_turn(card)
    for turn in conversation.turns:
        marks = by_turn.get(turn.index, [])
        text = "".join(
            escape(p.text) if p.polarity is None or not p.text.strip() else _bold(p.text)
            for p in segments(turn, marks)
        )
        tags = " · ".join(f"{POLARITY_MARK[f.polarity]} {escape(label(f))}" for f in marks)
        lines += [
            f"**{turn.index} · {turn.role.value}** {text}" + (f" — *{tags}*" if tags else ""),
            "",
        ]
    lines += ["### Moments", ""]
    for finding in card.findings:
        span = finding.spans[0]
        words = quote(conversation, span)
        lines.append(
            f"- {POLARITY_MARK[finding.polarity]} **{escape(label(finding))}** · turn {span.turn}"
            + (f" — “{escape(words)}”" if words else "")
            + (f" ({escape(finding.explanation)})" if finding.explanation else "")
        )
    if not card.findings:
        lines.append("No moments found.")
    lines += ["", "### Top tips", ""]
    for n, tip in enumerate(card.tips, start=1):
        lines.append(f"{n}. **{escape(tip.message)}**")
        moment = tip_moment(conversation, tip)
        if moment:
            where = f"turn {tip.span.turn}: " if tip.span is not None else ""
            lines += ["", f"   > {where}{escape(moment)}"]
        if tip.suggestion:
            lines += ["", f"   Try: {escape(tip.suggestion)}"]
        lines.append("")
    if not card.tips:
        lines += ["No tips: nothing to improve was found.", ""]
    lines += [
        "### Checklist",
        "",
        "| | behaviour | component | verdict | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in card.checklist:
        lines.append(
            f"| {VERDICT_MARK[item.verdict]} | {escape(item.behaviour)} | {escape(item.component)} "
            f"| {VERDICT_WORD[item.verdict]} | {escape(item.reason)} |"
        )
    lines += ["", "### Metrics", "", "| metric | value |", "| --- | ---: |"]
    for key, value in card.metrics.items():
        lines.append(f"| {escape(key)} | {escape(metric_text(value))} |")
    if report.skipped:
        lines += ["", "Detectors skipped:", ""]
        lines += [f"- `{name}`: {escape(reason)}" for name, reason in report.skipped.items()]
    lines.append("")
    return lines


def _bold(text: str) -> str:
    """Bold that survives leading or trailing spaces in the piece."""
    stripped = text.strip()
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{escape(lead)}**{escape(stripped)}**{escape(trail)}"


def render_markdown(reports: Sequence[ConversationReport], *, errors: Sequence[str] = ()) -> str:
    """The whole Markdown document for the reports (and the files that could not be read)."""
    rubrics = sorted({r.scorecard.rubric for r in reports if r.scorecard.rubric})
    lines = [
        "# heard listening report",
        "",
        f"{len(reports)} conversation{'s' if len(reports) != 1 else ''} · heard {__version__}"
        + (f" · rubric {escape(', '.join(rubrics))}" if rubrics else ""),
        "",
    ]
    if len(reports) > 1:
        lines += [*_summary(reports), ""]
    for report in reports:
        lines += _conversation(report)
    if errors:
        lines += ["## Files that could not be read", ""]
        lines += [f"- {escape(message)}" for message in errors]
        lines.append("")
    return "\n".join(lines)
