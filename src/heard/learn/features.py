"""Hashed n-gram TF-IDF features computed for a whole batch of texts at once with numpy.

Each n-gram is identified by a 64-bit polynomial hash of its UTF-8 bytes (so a vocabulary
is an array of integers, not strings), and every step — tokenising, hashing, counting,
weighting — runs as a few numpy operations over the concatenated batch, which keeps both
training on tens of thousands of texts and prediction on one conversation fast.

Blocks: ``w`` words and word bigrams of the text (a word is a run of letters, digits, ``'``
or ``_``; ``?`` and ``!`` count as words); ``c`` byte 3–5-grams of the text with spaces
normalised and padded; ``x`` words of the context (what the text answers), stop words left
out. Dense features: the share of the text's content words found in the context and the
other way round, and whether there is a context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

_P = np.uint64(0x100000001B3)
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_BIGRAM = np.uint64(0x9E3779B97F4A7C15)
_SEP = 0
_STOP_WORDS = (
    "a an and are as at be but by for from has have i i'm in is it it's its me my of on or "
    "so that the this to was we were what with you your"
)
DENSE = ("text_in_context", "context_in_text", "has_context")
BLOCKS = ("w", "c", "x")

_WORD_BYTE = np.zeros(256, dtype=bool)
for _chars in (b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0123456789'_"):
    _WORD_BYTE[np.frombuffer(_chars, dtype=np.uint8)] = True
_WORD_BYTE[128:] = True
_MARK_BYTE = np.zeros(256, dtype=bool)
_MARK_BYTE[np.frombuffer(b"?!", dtype=np.uint8)] = True


@dataclass
class _Batch:
    """Texts joined into one byte array with prefix hashes for any byte range."""

    data: np.ndarray
    row: np.ndarray
    """The text each byte belongs to."""
    prefix: np.ndarray
    inverse: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str], *, pad: bool) -> _Batch:
        cleaned = [" ".join(t.replace("\0", " ").lower().split()) for t in texts]
        if pad:
            cleaned = [f" {t} " for t in cleaned]
        data = np.frombuffer("\0".join(cleaned).encode("utf-8"), dtype=np.uint8)
        row = np.cumsum(data == _SEP)
        size = len(data)
        powers = np.full(size, _P, dtype=np.uint64)
        powers[:1] = 1  # (a single empty text has no bytes at all)
        powers = np.cumprod(powers, dtype=np.uint64)
        inverse = np.full(size, _P_INV, dtype=np.uint64)
        inverse[:1] = 1
        inverse = np.cumprod(inverse, dtype=np.uint64)
        prefix = np.zeros(size + 1, dtype=np.uint64)
        np.cumsum((data.astype(np.uint64) + np.uint64(1)) * powers, dtype=np.uint64, out=prefix[1:])
        return cls(data, row, prefix, inverse)

    def hash(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Hash of the bytes [start, end) for each pair (the same bytes give the same hash)."""
        return (self.prefix[end] - self.prefix[start]) * self.inverse[start]

    def words(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, hash, length in bytes) of each word, in text order."""
        word = _WORD_BYTE[self.data]
        before = np.r_[False, word[:-1]]
        after = np.r_[word[1:], False]
        starts = np.flatnonzero(word & ~before)
        ends = np.flatnonzero(word & ~after) + 1
        marks = np.flatnonzero(_MARK_BYTE[self.data])
        starts = np.concatenate([starts, marks])
        ends = np.concatenate([ends, marks + 1])
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
        return self.row[starts], self.hash(starts, ends), ends - starts

    def char_grams(self) -> tuple[np.ndarray, np.ndarray]:
        """(row, hash) of each byte 3-, 4- and 5-gram that stays inside one text."""
        seps = np.r_[0, np.cumsum(self.data == _SEP)]
        rows, hashes = [], []
        for n in (3, 4, 5):
            start = np.arange(max(len(self.data) - n + 1, 0))
            inside = seps[start + n] - seps[start] == 0
            start = start[inside]
            rows.append(self.row[start])
            hashes.append(self.hash(start, start + n) ^ np.uint64(n))
        return np.concatenate(rows), np.concatenate(hashes)


def _stop_hashes() -> np.ndarray:
    batch = _Batch.of([_STOP_WORDS], pad=False)
    return np.unique(batch.words()[1])


_STOP = _stop_hashes()


def grams(name: str, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, term hash) of every n-gram occurrence of block `name` in `texts`."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    if name == "c":
        return _Batch.of(texts, pad=True).char_grams()
    row, word, _ = _Batch.of(texts, pad=False).words()
    if name == "x":
        keep = ~np.isin(word, _STOP)
        return row[keep], word[keep]
    same = row[1:] == row[:-1]
    pairs = (word[:-1] * _BIGRAM + word[1:]) ^ _BIGRAM
    return np.concatenate([row, row[1:][same]]), np.concatenate([word, pairs[same]])


def _content_words(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) of each distinct content word (not a stop word, over 2 bytes) per text."""
    row, word, length = _Batch.of(texts, pad=False).words()
    keep = (length > 2) & ~np.isin(word, _STOP)
    row, word = row[keep], word[keep]
    keys, first = np.unique(word ^ (row.astype(np.uint64) * _BIGRAM), return_index=True)
    return row[first], keys


def overlap(texts: Sequence[str], contexts: Sequence[str]) -> np.ndarray:
    """(n, 3) dense features, see `DENSE`."""
    n = len(texts)
    result = np.zeros((n, len(DENSE)))
    if not n:
        return result
    t_rows, t_keys = _content_words(texts)
    c_rows, c_keys = _content_words(contexts)
    shared = np.bincount(t_rows[np.isin(t_keys, c_keys)], minlength=n)
    mine = np.bincount(t_rows, minlength=n)
    theirs = np.bincount(c_rows, minlength=n)
    result[:, 0] = np.where(theirs > 0, shared / np.maximum(mine, 1), 0.0)
    result[:, 1] = shared / np.maximum(theirs, 1)
    result[:, 2] = theirs > 0
    return result


@dataclass
class Block:
    """One bag of n-grams: its vocabulary (sorted term hashes) and inverse document frequencies."""

    name: str
    terms: np.ndarray
    """uint64 term hashes, sorted; a term's column is its position."""
    idf: np.ndarray
    _empty: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._empty = len(self.terms) == 0

    def __len__(self) -> int:
        return len(self.terms)

    @classmethod
    def learn(cls, name: str, texts: Sequence[str], *, min_df: int, max_terms: int) -> Block:
        """The `max_terms` most frequent terms seen in at least `min_df` texts, with smooth idf."""
        row, term = grams(name, texts)
        present = np.unique(term ^ (row.astype(np.uint64) * _BIGRAM), return_index=True)[1]
        hashes, df = np.unique(term[present], return_counts=True)
        keep = df >= min_df
        hashes, df = hashes[keep], df[keep]
        top = np.lexsort((hashes, -df))[:max_terms]
        order = np.argsort(hashes[top])
        hashes, df = hashes[top][order], df[top][order]
        n = len(texts)
        idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        return cls(name, hashes, idf)

    def rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the L2-normalised sublinear TF-IDF of each text."""
        return self.weigh(*grams(self.name, texts), len(texts))

    def weigh(
        self, row: np.ndarray, term: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`rows` from n-grams already found (`grams` of this block's kind over `n` texts)."""
        if self._empty or not len(term):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        col = np.searchsorted(self.terms, term)
        col[col == len(self.terms)] = 0
        hit = self.terms[col] == term
        key = row[hit].astype(np.int64) * len(self.terms) + col[hit]
        key, count = np.unique(key, return_counts=True)
        r, c = np.divmod(key, len(self.terms))
        values = (1.0 + np.log(count)) * self.idf[c]
        norms = np.sqrt(np.bincount(r, weights=values * values, minlength=n))
        return r, c, values / norms[r]
