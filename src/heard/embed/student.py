"""heard's small encoder: two transformer layers distilled from all-MiniLM-L6-v2's six.

The project trains the layers itself (``scripts/distil_encoder.py``) on text whose licence allows
commercial use (``scripts/student_corpus.py``) and ships them in
``heard/weights/encoder_student.safetensors`` (fp16), with a JSON of how they were made and how
close they come to MiniLM. The tokenizer and the embedding layers are the teacher's, unchanged:
heard ships them too (``heard/weights/minilm``, `heard.embed.shipped_dir`). `assemble` writes
the two together as a BERT folder (model.safetensors, config.json, tokenizer.json) in the
embedding cache, where the ONNX graph builder and the numpy network read it like any other.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

NAME = "small"
"""The name `HEARD_EMBED_MODEL` gives this encoder (and the prefix of its cached graphs)."""
STUDENT_FILES = ("encoder_student.safetensors", "encoder_student.json")
"""The distilled layers and how they were made, in the heard.weights package."""


def student_files() -> tuple[Path, Path]:
    """The shipped weights and their JSON (they may be missing in a source checkout)."""
    from heard import weights

    root = Path(weights.__file__).parent
    return root / STUDENT_FILES[0], root / STUDENT_FILES[1]


def assemble(embeddings: Path, directory: Path) -> Path:
    """A BERT folder of MiniLM's tokenizer and embeddings (`embeddings`: heard's shipped copy,
    tokenizer.json, config.json and embeddings.safetensors) with the student's layers, in
    `directory` (made once per pair of weights; later calls return it)."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    weights, meta = student_files()
    teacher = hashlib.sha256()
    for name in ("embeddings.safetensors", "config.json", "tokenizer.json"):
        teacher.update(hashlib.sha256((embeddings / name).read_bytes()).digest())
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    folder = directory / f"student-{teacher.hexdigest()[:16]}-{digest}"
    if (folder / "model.safetensors").is_file():
        return folder
    directory.mkdir(parents=True, exist_ok=True)
    layers = load_file(str(weights))
    config = json.loads((embeddings / "config.json").read_text("utf-8"))
    config["num_hidden_layers"] = json.loads(meta.read_text("utf-8"))["layers"]
    config["heard_name"] = NAME
    merged = load_file(str(embeddings / "embeddings.safetensors"))
    merged.update({k: v.astype(np.float32) for k, v in layers.items()})
    building = Path(tempfile.mkdtemp(dir=directory, prefix=".student-"))
    try:
        save_file(merged, str(building / "model.safetensors"))
        (building / "config.json").write_text(json.dumps(config, indent=2), "utf-8")
        shutil.copyfile(embeddings / "tokenizer.json", building / "tokenizer.json")
        try:
            os.replace(building, folder)
        except OSError:  # another process made it first
            if not (folder / "model.safetensors").is_file():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    for old in directory.glob("student-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return folder
