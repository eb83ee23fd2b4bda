"""Adoption: whether the agent did what a nudge suggested within the next agent turns, judged
from the same findings the batch analysis gives those turns, and counted per nudge kind."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, computed_field

from heard.live.events import Adoption, Nudge
from heard.live.nudges import ACKNOWLEDGING, INTERRUPTING, REFLECTING, Situation, talk_seconds
from heard.model import ConcernStatus, Role


@dataclass
class Watched:
    """A nudge shown, waiting for the agent's next turns."""

    nudge: Nudge
    after: int
    """Turns in the conversation when it was shown: its window starts at this index."""
    time: float | None
    data: dict[str, object] = field(default_factory=dict)


class KindAdoption(BaseModel):
    """Adoption of one nudge kind: shown, decided (judged by the end), adopted."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    shown: int = 0
    decided: int = 0
    adopted: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float | None:
        return self.adopted / self.decided if self.decided else None


def _verdict(w: Watched, sit: Situation, *, final: bool) -> tuple[bool, int | None] | None:
    """(adopted, the agent turn that did it) once decided, else None."""
    window = sit.policy.adoption_turns
    replies = [t for t in sit.turns[w.after :] if t.role == Role.AGENT][:window]
    full = len(replies) >= window
    kind = w.nudge.kind
    at = {r.index: sit.behaviours_at(r.index) for r in replies}
    if kind in ("acknowledge_emotion", "premature_solution"):
        wanted = ACKNOWLEDGING | REFLECTING
    elif kind == "paraphrase":
        wanted = REFLECTING
    else:
        wanted = set()
    if wanted:
        for r in replies:
            if at[r.index] & wanted:
                return True, r.index
        return (False, None) if full or (final and replies) else None
    if kind == "open_concern":
        concern = w.data.get("concern")
        card = sit.scorecard
        for c in card.concerns if card else []:
            if (
                c.id == concern
                and c.status in (ConcernStatus.ADDRESSED, ConcernStatus.CONFIRMED)
                and c.addressed is not None
                and c.addressed >= w.after
            ):
                return True, c.addressed
        return (False, None) if full or (final and replies) else None
    if kind in ("interruption", "blame", "dismissive", "condescending"):
        bad = INTERRUPTING if kind == "interruption" else {kind}
        for r in replies:
            if at[r.index] & bad:
                return False, None
        return (True, None) if full or (final and replies) else None
    if kind == "jargon":
        term = str(w.data.get("term", "")).lower()
        plain = str(w.data.get("plain") or "").lower()
        for r in replies:
            if term and term in r.text.lower():
                return False, None
            if plain and plain in r.text.lower():
                return True, r.index
        if full or (final and replies):
            clean = not any("jargon" in at[r.index] for r in replies)
            return clean, None
        return None
    if kind == "talk_ratio":
        if not (full or (final and replies)):
            return None
        if w.time is None or sit.now is None:
            return False, None
        agent, customer = talk_seconds(sit, w.time, sit.now)
        total = agent + customer
        return (total > 0 and customer / total >= sit.policy.adoption_talk_share), None
    if kind == "silence":
        later = sit.turns[w.after :]
        if later:
            if later[0].role == Role.AGENT:
                return True, later[0].index
            for r in replies:
                if at[r.index] & {"callback_offer", "hold"}:
                    return True, r.index
        return (False, None) if full or (final and replies) else None
    return (False, None) if full or final else None


class AdoptionTracker:
    """The nudges of one conversation still being judged, and the per-kind counts."""

    def __init__(self) -> None:
        self.watching: list[Watched] = []
        self.kinds: dict[str, KindAdoption] = {}
        self.decided: list[Adoption] = []

    def watch(self, nudge: Nudge, *, after: int, time: float | None, data: dict[str, object]):
        self.watching.append(Watched(nudge, after, time, data))
        self.kinds.setdefault(nudge.kind, KindAdoption(kind=nudge.kind)).shown += 1

    def update(self, sit: Situation, *, final: bool = False) -> list[Adoption]:
        """Adoptions decided by the conversation as it is now (`final`: it has ended, so
        decide what can be; nudges with no agent turn after them stay undecided)."""
        decided = []
        for w in list(self.watching):
            verdict = _verdict(w, sit, final=final)
            if verdict is None:
                continue
            self.watching.remove(w)
            adopted, turn = verdict
            kind = self.kinds[w.nudge.kind]
            kind.decided += 1
            kind.adopted += adopted
            decided.append(
                Adoption(nudge=w.nudge.id, kind=w.nudge.kind, adopted=adopted, turn=turn)
            )
        self.decided.extend(decided)
        return decided

    def report(self) -> dict[str, KindAdoption]:
        return dict(sorted(self.kinds.items()))


def combine(reports: list[dict[str, KindAdoption]]) -> dict[str, KindAdoption]:
    """Per-kind counts over several conversations."""
    shown: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    adopted: Counter[str] = Counter()
    for report in reports:
        for kind, k in report.items():
            shown[kind] += k.shown
            decided[kind] += k.decided
            adopted[kind] += k.adopted
    return {
        kind: KindAdoption(
            kind=kind, shown=shown[kind], decided=decided[kind], adopted=adopted[kind]
        )
        for kind in sorted(shown)
    }
