"""What a demo scenario is: one reason customers get in touch (`Scenario`, with its second
questions, `Concern`), the moods they come in, the teams, and the values of its templates'
slots drawn for one conversation (`slots`).

Templates use `str.format` slots filled per conversation (see `slots`): ``{item}``,
``{order}``, ``{amount}``, ``{amount2}``, ``{old_amount}``, ``{weekday}``, ``{day}``, ``{days}``,
``{city}``, ``{courier}``, ``{plan}``, ``{last4}``, ``{brand}``, ``{street}``. A paraphrase
restates the opening in other words and names only what every opening of its scenario names,
so that it stays faithful to what the customer said.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

BILLING = "Billing"
DELIVERIES = "Deliveries"

MOODS = ("angry", "worried", "confused", "calm", "happy")
"""How the customer feels when they get in touch."""


@dataclass(frozen=True)
class Concern:
    """A second question the customer raises, and the answer that addresses it in its words."""

    question: str
    answer: str


@dataclass(frozen=True)
class Scenario:
    """One reason customers get in touch, with the moves of a conversation about it."""

    key: str
    title: str
    team: str
    moods: tuple[str, ...]
    items: tuple[str, ...]
    openings: tuple[str, ...]
    """The customer's first statement of the problem, with details (numbers, dates, names)."""
    paraphrases: tuple[str, ...]
    """The problem restated in other words (lower-case start; an opener is added)."""
    open_questions: tuple[str, ...]
    closed_questions: tuple[str, ...]
    answers: tuple[str, ...]
    """The customer's answer to the agent's question: one more detail."""
    actions: tuple[str, ...]
    """What the agent does, naming the customer's details."""
    generic_actions: tuple[str, ...]
    """What the agent does, in words that could fit any customer."""
    jargon: tuple[str, ...]
    """The same action in internal terms the customer never used."""
    concerns: tuple[Concern, ...]
    subject: str
    amounts: tuple[int, int] = (12, 480)
    """The range of {amount} in dollars."""


def slots(rng: random.Random, scenario: Scenario, brand: str) -> dict[str, str]:
    """Values for every template slot, drawn for one conversation. Amounts are whole dollars:
    heard's sentence splitter would cut "$64.99" in two."""
    low, high = scenario.amounts
    amount = rng.randint(low, high)
    return {
        "item": rng.choice(scenario.items),
        "order": f"W{rng.randint(10_000_000, 99_999_999)}",
        "amount": f"${amount}",
        "amount2": f"${rng.randint(3, 25)}",
        "old_amount": f"${max(5, round(amount * rng.uniform(0.6, 0.85)))}",
        "weekday": rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
        "day": rng.choice(("3rd", "5th", "9th", "12th", "14th", "18th", "21st", "27th")),
        "days": str(rng.randint(4, 16)),
        "city": rng.choice(("Columbus", "Leeds", "Dayton", "Bristol", "Tacoma", "Norwich")),
        "courier": rng.choice(("Parcelink", "SwiftPost", "Ridgeway Freight", "BlueVan")),
        "plan": rng.choice(("Plus", "Family", "Premium", "Basic")),
        "last4": f"{rng.randint(1000, 9999)}",
        "brand": brand,
        "street": f"{rng.randint(2, 240)} {rng.choice(_STREETS)}",
    }


_STREETS = (
    "Maple Street",
    "Harbour Road",
    "Elm Avenue",
    "Station Lane",
    "Orchard Close",
    "Willow Drive",
)
