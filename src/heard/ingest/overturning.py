"""Scoring a conversation again without the findings a lead overturned (an accepted dispute:
heard was wrong), for the store to write (`heard.store.overturning`): the same scoring as any
analysis, from the stored findings (`Analyzer.score_again`), so the overturned ones are kept as
evidence (`Scorecard.overturned`); and a rescore's fresh scorecards with them left out again."""

from __future__ import annotations

from heard.analysis import Analyzer
from heard.ingest.cards import card_rows
from heard.model import Conversation, Scorecard
from heard.store.analysed import CardRows
from heard.store.overturning import Score


def without(
    analyzer: Analyzer, conversation: Conversation, card: Scorecard, keys: set[str]
) -> CardRows | None:
    """The rows of `card` scored again without the findings named by `keys` (those it left
    out before come back unless named); None when it already leaves out exactly those."""
    every = card.findings + card.overturned
    named = {f.key for f in every} & keys
    if {f.key for f in card.overturned} == named:
        return None
    return card_rows(analyzer.score_again(conversation, every, overturned=named).scorecard)


def scorer(analyzer: Analyzer) -> Score:
    """`without` on stored JSON, as the store's dispute decision calls it."""

    def score(body: str, card_body: str, keys: set[str]) -> CardRows | None:
        return without(
            analyzer,
            Conversation.model_validate_json(body),
            Scorecard.model_validate_json(card_body),
            keys,
        )

    return score


def rescored(
    analyzer: Analyzer,
    keys: dict[int, set[str]],
    conversation_ids: list[int],
    conversations: list[Conversation],
    cards: list[CardRows],
) -> list[CardRows]:
    """`cards` (just analysed, of these conversations) with the findings of accepted disputes
    (`keys`, by conversation) left out, so a rescore does not bring overturned findings back."""
    if not keys:
        return cards
    found = []
    for conversation_id, conversation, card in zip(
        conversation_ids, conversations, cards, strict=True
    ):
        named = keys.get(conversation_id)
        rows = None
        if named:
            rows = without(analyzer, conversation, Scorecard.model_validate_json(card.body), named)
        found.append(rows or card)
    return found
