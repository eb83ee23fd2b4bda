"""Reports of analysed conversations for people: terminal (rich), Markdown and one
self-contained HTML file. Plain functions over the model, reusable by the CLI and a web app."""

from heard.report.content import ConversationReport, Segment, Trajectory, segments, trajectory
from heard.report.html import render_html
from heard.report.markdown import render_markdown
from heard.report.terminal import print_report, print_summary

__all__ = [
    "ConversationReport",
    "Segment",
    "Trajectory",
    "print_report",
    "print_summary",
    "render_html",
    "render_markdown",
    "segments",
    "trajectory",
]
