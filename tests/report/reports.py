"""Analysed examples and hand-built conversations for the report tests."""

from __future__ import annotations

from functools import cache

from conftest import EXAMPLES
from heard.analysis import Analyzer
from heard.importers import read_file
from heard.model import Conversation
from heard.report import ConversationReport


@cache
def analyzer() -> Analyzer:
    return Analyzer()


def report_of(conversation: Conversation, file: str | None = None) -> ConversationReport:
    analysis = analyzer().analyze(conversation)
    return ConversationReport(conversation, analysis.scorecard, analysis.skipped, file)


@cache
def example(name: str) -> ConversationReport:
    path = next(EXAMPLES.glob(f"{name}*.json"))
    return report_of(read_file(path)[1][0], str(path))


HOSTILE = "<script>alert('owned')</script> | *bold* [link](https://evil.example) & </li>"


def hostile() -> ConversationReport:
    """A conversation whose every free text field tries to break out of the report."""
    conversation = Conversation.model_validate(
        {
            "id": "<b>id</b>",
            "channel": "chat",
            "agent": {"name": '"><img src=x onerror=alert(1)>'},
            "customer": {"name": "</title><script>x()</script>"},
            "turns": [
                {"index": 0, "role": "customer", "text": f"I'm furious. {HOSTILE}"},
                {"index": 1, "role": "agent", "text": f"Please calm down. {HOSTILE}"},
                {"index": 2, "role": "customer", "text": "<style>body{display:none}</style>"},
            ],
        }
    )
    return report_of(conversation, file="<evil>.json")
