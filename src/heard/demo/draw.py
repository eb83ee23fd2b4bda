"""The demo's random source: `random.Random` with cheaper choice and integer draws.

The standard `choice` and `randint` draw rejection-sampled bits, several microseconds each;
the generator makes dozens per conversation, so these take one `random()` float instead
(bias below 1e-15 for the small ranges used). Seeded by a string, results do not depend on
the process (string seeds are hashed with SHA-512, not Python's salted `hash`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Draw(random.Random):
    """A seeded random source for the demo generator."""

    def choice(self, seq: Sequence[T]) -> T:
        if not seq:
            raise IndexError("cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if step != 1 or stop <= start:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))
