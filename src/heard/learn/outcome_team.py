"""A team's own outcome model: "felt heard" refitted on its customers' survey answers.

The team app's survey asks "Did you feel heard?" (1 not at all … 5 completely). An answer of
`YES_FROM` or more counts as yes (felt heard), below it as no. The model is the shipped
model's kind (`heard.learn.outcome`): the same features, fitted by the same
`heard.learn.outcome_fit.fit_outcome`, for the ``felt_heard`` head only; the survey does not
ask whether the customer got annoyed, so ``annoyed`` stays the shipped model's
(`OutcomeModel.fallback`). Its held-out figure is a nested 5-fold cross-validation on the
answers (each answer scored by a model fitted without it, settings chosen inside the rest),
shown beside the shipped model's AUC on the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from heard.learn.outcome import OutcomeModel, default_outcome_path
from heard.learn.outcome_fit import Labelled, auc, cross_validated, fit_outcome
from heard.model import Conversation, Scorecard

YES_FROM = 4
"""The lowest "did you feel heard?" answer (1–5) that counts as yes."""
MIN_ANSWERS = 50
"""Rated conversations needed to fit a team's model."""
MIN_EACH = 10
"""...of which at least this many yes and this many no (5-fold cross-validation needs both
answers in every fold, and a model needs both to learn anything)."""

Answer = tuple[Conversation, Scorecard | None, int]
"""(conversation, its scorecard when stored, its "did you feel heard?" rating 1–5)."""


def too_few(ratings: Sequence[int]) -> str | None:
    """Why these answers are too few to fit on, saying how many are needed; None when enough."""
    yes = sum(r >= YES_FROM for r in ratings)
    no = len(ratings) - yes
    if len(ratings) >= MIN_ANSWERS and min(yes, no) >= MIN_EACH:
        return None
    return (
        f'too few "did you feel heard?" answers to fit a model: {len(ratings)} '
        f"({yes} yes, {no} no, yes meaning {YES_FROM} or 5); at least {MIN_ANSWERS} are needed, "
        f"with at least {MIN_EACH} yes and {MIN_EACH} no"
    )


def fit_team_outcome(
    answers: Sequence[Answer],
    *,
    analyze: Callable[[list[Conversation]], list[Scorecard]],
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[OutcomeModel, dict[str, object]]:
    """The team's model fitted on all `answers`, and its held-out figures: ``auc``, ``n``,
    ``positives`` (nested cross-validation) and ``shipped_auc`` (the shipped model on the same
    answers; None when it is not installed). A ValueError (`too_few`) when there are too few.
    `analyze` scores the conversations stored without a scorecard (the caller's analyzer,
    without the outcome model: heard.learn sits below the analysis and never runs it)."""
    why = too_few([rating for _, _, rating in answers])
    if why is not None:
        raise ValueError(why)
    conversations = [c for c, _, _ in answers]
    cards = _scorecards(answers, analyze, progress)
    items = [Labelled(c, r >= YES_FROM, None) for c, _, r in answers]
    labels, oof = cross_validated(items, cards, "felt_heard", progress=progress)
    figures: dict[str, object] = dict(auc(oof.tolist(), labels.tolist()))
    figures["method"] = "nested 5-fold cross-validation on the team's answers"
    figures["shipped_auc"] = None
    if default_outcome_path().is_file():
        shipped = OutcomeModel.load(default_outcome_path())
        scores = shipped.probabilities(list(zip(conversations, cards, strict=True)))[:, 0]
        figures["shipped_auc"] = auc(scores.tolist(), labels.tolist())["auc"]
        figures["shipped_model"] = shipped.name
    progress("fitting on every answer")
    model = fit_outcome(items, cards, outputs=("felt_heard",))
    model.metadata.update(
        kind="team-outcome",
        title='Outcome model: felt heard, fitted on a team\'s "did you feel heard?" answers',
        trained=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        licence="the team's own data",
        trained_on=f'{len(items)} survey answers; yes = "did you feel heard?" ≥ {YES_FROM}',
        held_out={"felt_heard": figures},
        annoyed_from="the shipped model (the survey does not ask it)",
    )
    return model, figures


def _scorecards(
    answers: Sequence[Answer],
    analyze: Callable[[list[Conversation]], list[Scorecard]],
    progress: Callable[[str], None],
) -> list[Scorecard]:
    """The stored scorecards; a conversation stored without one is analysed now."""
    missing = [k for k, (_, card, _) in enumerate(answers) if card is None]
    cards: list[Scorecard | None] = [card for _, card, _ in answers]
    if missing:
        progress(f"analysing {len(missing)} conversations stored without a scorecard")
        fresh = analyze([answers[k][0] for k in missing])
        for k, card in zip(missing, fresh, strict=True):
            cards[k] = card
    return [card for card in cards if card is not None]
