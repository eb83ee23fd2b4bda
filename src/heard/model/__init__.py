"""Plain data at the centre of heard. Imports nothing else of heard."""

from heard.model.conversation import Agent, Channel, Conversation, Customer, Role, Tone, Turn, Word
from heard.model.evidence import (
    ChecklistItem,
    ComponentScore,
    Concern,
    ConcernStatus,
    Finding,
    OutcomePrediction,
    Polarity,
    Scorecard,
    Span,
    Tip,
    TurnEmotion,
    Verdict,
)

__all__ = [
    "Agent",
    "Channel",
    "ChecklistItem",
    "ComponentScore",
    "Concern",
    "ConcernStatus",
    "Conversation",
    "Customer",
    "Finding",
    "OutcomePrediction",
    "Polarity",
    "Role",
    "Scorecard",
    "Span",
    "Tip",
    "Tone",
    "Turn",
    "TurnEmotion",
    "Verdict",
    "Word",
]
