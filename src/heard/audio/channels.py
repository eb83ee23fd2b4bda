"""A call's channels worked on side by side: each party's voice activity (Silero) and tone
(pitch tracking, K-weighting) are one channel's work that needs nothing of the other's, and the
work is done in ONNX Runtime, NumPy and SciPy, which let go of Python's lock while they compute,
so threads read the two channels of a call on two cores at once. Whisper's windows of a call
are read side by side the same way (`heard.audio.recognise`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def side_by_side(
    function: Callable[[Item], Result], items: Sequence[Item], *, workers: int
) -> list[Result]:
    """`function` of each item, in the items' order, up to `workers` at once (threads of a pool
    made for the call; one at a time in this thread when `workers` is 1 or there is one item)."""
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(workers, len(items))) as pool:
        return list(pool.map(function, items))
