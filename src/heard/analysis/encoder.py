"""What the analysis needs of a sentence encoder, and the one it uses unless given another.

The analysis does not choose an encoder: `Analyzer(encoder=...)` receives any object with
`available()` and `encode(texts)`, and detectors that require embeddings get their vectors
through `Context.encoder`. Unless told otherwise it is heard's own (`heard.embed`, a lower
layer that knows nothing of the analysis: docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


class SentenceEncoder(Protocol):
    """Unit vectors for sentences."""

    def available(self) -> bool:
        """Whether this install can encode (the model is there); detectors that require
        embeddings are skipped, with the reason, when it cannot."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector (a row) per text, in order."""
        ...


class ShippedEncoder:
    """heard's own encoder (`heard.embed`, chosen by HEARD_EMBED_MODEL, loaded on first use),
    as a small stateless object that pickles (analyzers go to worker processes)."""

    def available(self) -> bool:
        import heard.embed

        return heard.embed.available()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import heard.embed

        return heard.embed.encode(texts)


_SHIPPED = ShippedEncoder()


def default_encoder() -> SentenceEncoder:
    """The encoder an analyzer uses unless given one: heard's own."""
    return _SHIPPED
