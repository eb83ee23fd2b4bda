"""Near-duplicate agent replies across conversations analysed together: the same canned text
sent to different customers. Word 3-shingles, a bottom-k sketch to find candidates, and the
exact Jaccard similarity to confirm them; linear in the number of replies."""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass

from heard.model import Channel, Conversation, Role

SHINGLE = 3
"""Words per shingle."""
SKETCH = 4
"""Smallest shingle hashes kept per reply; two replies sharing one are compared."""
PER_KEY = 8
"""Different texts compared per sketch key (bounds the work on very common keys)."""
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True, slots=True)
class Reply:
    """One agent turn: its conversation (by position in the batch) and turn index."""

    conversation: int
    turn: int


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A reply and the first reply in another conversation that is nearly the same."""

    reply: Reply
    like: Reply
    similarity: float


def shingles(text: str) -> frozenset[int]:
    """Hashes of the word 3-grams of the lower-cased text (stable across processes)."""
    words = _WORD.findall(text.lower())
    return frozenset(
        zlib.crc32(" ".join(words[i : i + SHINGLE]).encode())
        for i in range(max(1, len(words) - SHINGLE + 1))
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_duplicates(
    conversations: list[Conversation], *, threshold: float, min_words: int
) -> list[Duplicate]:
    """Agent replies of at least `min_words` words that are nearly the same (Jaccard of word
    3-shingles ≥ `threshold`) as a reply in another written conversation of the batch (calls
    are left out: a scripted greeting on the phone is not a canned written reply).

    Identical normalised texts are grouped first; distinct texts join a cluster when they are
    similar to one of the few representatives that share a sketch key with them.
    """
    texts: dict[str, list[Reply]] = defaultdict(list)
    for position, conversation in enumerate(conversations):
        if conversation.channel == Channel.CALL:
            continue
        for turn in conversation.turns:
            if turn.role != Role.AGENT:
                continue
            words = _WORD.findall(turn.text.lower())
            if len(words) >= min_words:
                texts[" ".join(words)].append(Reply(position, turn.index))
    grams_of: dict[str, frozenset[int]] = {}
    cluster_of: dict[str, int] = {}
    representatives: list[tuple[str, frozenset[int]]] = []
    by_key: dict[int, list[int]] = defaultdict(list)
    for text in texts:
        grams = grams_of[text] = shingles(text)
        keys = sorted(grams)[:SKETCH]
        found = None
        for key in keys:
            for cluster in by_key[key]:
                if jaccard(grams, representatives[cluster][1]) >= threshold:
                    found = cluster
                    break
            if found is not None:
                break
        if found is None:
            found = len(representatives)
            representatives.append((text, grams))
            for key in keys:
                if len(by_key[key]) < PER_KEY:
                    by_key[key].append(found)
        cluster_of[text] = found
    members: dict[int, list[tuple[Reply, str]]] = defaultdict(list)
    for text, replies in texts.items():
        members[cluster_of[text]].extend((reply, text) for reply in replies)
    duplicates = []
    for replies in members.values():
        if len({r.conversation for r, _ in replies}) < 2:
            continue
        replies.sort(key=lambda item: (item[0].conversation, item[0].turn))
        first_in = {}
        for reply, text in replies:
            first_in.setdefault(reply.conversation, (reply, text))
        for reply, text in replies:
            like, like_text = next(first_in[c] for c in first_in if c != reply.conversation)
            similarity = 1.0 if like_text == text else jaccard(grams_of[text], grams_of[like_text])
            duplicates.append(Duplicate(reply, like, round(similarity, 2)))
    return duplicates
