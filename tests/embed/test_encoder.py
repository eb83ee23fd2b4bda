"""The encoders: MiniLM in fp32 matches the reference model and in int8 stays close to it; with
the default (small) encoder paraphrases rank above unrelated pairs, vectors are deterministic,
and texts are cached."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT
from heard import embed
from heard.embed import bert

needs_minilm = pytest.mark.skipif(embed.minilm_dir() is None, reason=embed.INSTALL_HINT)
"""MiniLM itself (the reference vectors are its); the default encoder ships with heard."""

PARAPHRASES = [
    (
        "I returned the blender three weeks ago and still have no refund.",
        "So you sent the blender back weeks ago and the money hasn't come back.",
    ),
    ("My internet keeps dropping every evening.", "So your connection cuts out at night."),
    (
        "I ordered boots on the 3rd and they haven't arrived, I need them by Friday.",
        "So the package you ordered on the 3rd is still missing and you need it by Friday.",
    ),
]
UNRELATED = [
    ("My internet keeps dropping every evening.", "Would you like to upgrade to Fiber 1 Gig?"),
    ("Are you going to replace the TV or not?", "Can you please provide your order number?"),
    ("I returned the blender three weeks ago.", "Our store on Grand Avenue opens at nine."),
]


def reference() -> tuple[list[str], np.ndarray]:
    data = json.loads((ROOT / "tests/data/embed/minilm_reference.json").read_text())
    return data["texts"], np.array(data["vectors"])


@needs_minilm
def test_fp32_matches_the_reference_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bert.VARIANT_ENV, "fp32")
    texts, expected = reference()
    vectors = bert.Encoder(embed.minilm_dir()).encode(texts)  # type: ignore[arg-type]
    assert vectors.shape == (len(texts), 384)
    assert np.abs(vectors - expected).max() < 1e-5


@needs_minilm
def test_the_int8_encoder_stays_close_to_the_reference_model() -> None:
    texts, expected = reference()
    vectors = bert.Encoder(embed.minilm_dir()).encode(texts)  # type: ignore[arg-type]
    assert vectors.shape == (len(texts), 384)
    cosines = (vectors * expected).sum(axis=1)
    assert cosines.min() > 0.95


def test_vectors_are_unit_length() -> None:
    vectors = embed.encode(["ok", "A longer sentence about a refund that never arrived."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_score_clearly_above_unrelated_pairs() -> None:
    low = min(embed.similarity(a, b) for a, b in PARAPHRASES)
    high = max(embed.similarity(a, b) for a, b in UNRELATED)
    assert low > 0.4
    assert high < 0.25
    assert low - high > 0.2


def test_deterministic_and_independent_of_batching() -> None:
    texts = [a for a, _ in PARAPHRASES] + [b for _, b in UNRELATED]
    together = embed.encoder()._encode_new(texts)
    alone = [embed.encoder()._encode_new([t])[0] for t in texts]
    assert np.array_equal(np.array(together), np.array(alone))
    assert np.array_equal(embed.encoder()._encode_new(texts), together)


def test_cached_texts_are_not_encoded_again() -> None:
    encoder = embed.encoder()
    text = "A sentence only this test uses, about a kettle that whistles."
    embed.encode([text])
    before = encoder.encoded
    again = embed.encode([text, text])
    assert encoder.encoded == before
    assert np.array_equal(again[0], again[1])


def test_deferred_encoding_names_only_the_texts_not_yet_encoded() -> None:
    known = "A sentence the cache already holds, 41."
    new = "A sentence no test encoded before, 977."
    embed.encode([known])
    with embed.deferred(), pytest.raises(embed.EmbeddingsNeeded) as need:
        embed.encode([known, new, new])
    assert need.value.texts == [new]
    direct = embed.encode([new])
    with embed.deferred():  # now all cached: answered without raising
        vectors = embed.encode([known, new])
    np.testing.assert_array_equal(vectors[1], direct[0])
