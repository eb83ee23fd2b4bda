"""Human names of the values heard shows and filters by, in one table, so a value reads the
same on every page, report and command: the customer's emotions, the bands of the predicted
outcome, survey answers, yes and no, sort orders, the kinds of live nudges. Behaviours and
components are named by the rubric (a team may rename them); everything else a person reads
is named here. Imports nothing of heard."""

from __future__ import annotations

NAMES: dict[str, dict[str, str]] = {
    "emotion": {
        "anger": "anger",
        "frustration": "frustration",
        "worry": "worry",
        "sadness": "sadness",
        "confusion": "confusion",
        "satisfaction": "satisfaction",
        "neutral": "no emotion (neutral throughout)",
        "upset": "any upset: anger, frustration, worry, sadness or confusion",
    },
    "outcome": {
        "likely_heard": "likely felt heard",
        "unsure": "unsure",
        "at_risk": "at risk of not feeling heard",
    },
    "survey": {
        "answered": "answered",
        "unanswered": "not answered",
        "satisfied": "satisfied (CSAT 4–5)",
        "unsatisfied": "not satisfied (CSAT 1–3)",
        "heard": "felt heard (4–5)",
        "not_heard": "did not feel heard (1–3)",
    },
    "yes_no": {"yes": "yes", "no": "no"},
    "nudge": {
        "vulnerable_customer": "customer may be at risk",
        "premature_solution": "acknowledge before fixing",
        "acknowledge_emotion": "acknowledge the feeling",
        "interruption": "let the customer finish",
        "open_concern": "a concern is still open",
        "silence": "long silence",
        "talk_ratio": "let the customer talk",
        "paraphrase": "check you understood",
        "jargon": "plain words",
        "blame": "blaming the customer",
        "dismissive": "dismissive words",
        "condescending": "condescending tone",
    },
    "order": {
        "newest": "newest first",
        "oldest": "oldest first",
        "-score": "highest score",
        "score": "lowest score",
    },
}
"""kind → value → its human name."""


def name(kind: str, value: str) -> str:
    """The human name of `value` of `kind`; an unknown value with its underscores as spaces."""
    return NAMES[kind].get(value, value.replace("_", " "))


def choices(kind: str) -> list[tuple[str, str]]:
    """(value, name) of every value of `kind`, in the table's order (a form's options)."""
    return list(NAMES[kind].items())
