"""Scoring a conversation again without the findings a lead overturned (an accepted dispute:
heard was wrong), for the store to write (`heard.store.overturning`): the same scoring as any
analysis, from the stored findings (`Analyzer.score_again`), so the overturned ones are kept as
evidence (`Scorecard.overturned`); and a rescore's fresh scorecards with them left out again, as
an ingest's of a changed conversation that still holds the words a finding was overturned on."""

from __future__ import annotations

from heard.analysis import Analyzer
from heard.ingest.cards import card_rows
from heard.model import Conversation, Scorecard
from heard.store.analysed import CardRows
from heard.store.overturning import Overturned, Score


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
    (`keys`, by conversation) left out, so a rescore or an ingest of a changed conversation
    does not bring overturned findings back. `conversation_ids` are the keys' keys: stored ids
    (a rescore) or positions in a batch (an ingest)."""
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


def still_there(overturned: list[Overturned], conversation: Conversation) -> set[str]:
    """The keys of the overturned findings whose words `conversation` (a new body of the one
    they were made on) still holds at the same place: the same turn, the same characters. A
    finding on words the new body changed or no longer has is not carried over."""
    keys = set()
    turns = conversation.turns
    for found in overturned:
        if found.turn is None or found.start is None or found.end is None or not found.quote:
            continue
        if 0 <= found.turn < len(turns) and (
            turns[found.turn].text[found.start : found.end] == found.quote
        ):
            keys.add(found.key)
    return keys
