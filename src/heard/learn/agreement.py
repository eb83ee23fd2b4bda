"""How far raters agree on categories: percent agreement and Fleiss' kappa over items rated by
two or more raters (any number each), beside Cohen's kappa of two raters (heard.learn.corpus).
Calibration sessions of the team app read their figures here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def percent_agreement(items: Sequence[Sequence[Hashable]]) -> float | None:
    """The mean share of agreeing rater pairs per item, over the items with two or more
    ratings (each item: the categories its raters gave). None when no item has two."""
    shares = []
    for ratings in items:
        n = len(ratings)
        if n < 2:
            continue
        agreeing = sum(k * (k - 1) for k in Counter(ratings).values())
        shares.append(agreeing / (n * (n - 1)))
    return sum(shares) / len(shares) if shares else None


def fleiss_kappa(items: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa over the items with two or more ratings (raters per item may differ):
    (mean observed pair agreement − chance agreement) / (1 − chance agreement), chance from the
    categories' shares of all ratings. None when undefined: no such item, or every rating the
    same category (chance agreement 1)."""
    rated = [list(r) for r in items if len(r) >= 2]
    observed = percent_agreement(rated)
    if observed is None:
        return None
    counts = Counter(c for ratings in rated for c in ratings)
    total = sum(counts.values())
    chance = sum((n / total) ** 2 for n in counts.values())
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)
