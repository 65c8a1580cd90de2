"""Self-describing checkpoints: one safetensors file holding the weights and, in its header, everything needed to
rebuild and label the model (config, vocabulary or class names, measured metrics, the recipe that made it).

Nothing here unpickles: safetensors stores tensors and a string-to-string header only, so loading a checkpoint
(ours or a student's download) cannot run code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tlviz.errors import InputError

#: Where the project's own checkpoints live (made by ``python -m tlviz.recipes.NAME``).
CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"


@dataclass
class CheckpointMeta:
    """What a checkpoint says about itself."""

    name: str  # human-readable, shown in the catalogue ("Date normaliser (GRU + attention)")
    family: str  # bert | vit | cnn | seq2seq | transformer
    recipe: str  # module that made it: "tlviz.recipes.seq2seq_dates"
    config: dict[str, Any]
    note: str = ""  # one honest line on quality, with measured numbers
    metrics: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # vocabulary, class names, tokenizer json...
    tlviz_version: str = ""


def save(path: str | Path, state_dict: dict, meta: CheckpointMeta, half: bool = False) -> Path:
    """Write ``state_dict`` and ``meta`` to ``path`` (safetensors). ``half`` stores floats as fp16."""
    import torch
    from safetensors.torch import save_file

    import tlviz

    meta.tlviz_version = meta.tlviz_version or tlviz.__version__
    tensors = {}
    for key, value in state_dict.items():
        value = value.detach().cpu().contiguous()
        if half and value.is_floating_point():
            value = value.to(torch.float16)
        tensors[key] = value.clone()  # tied weights share storage; safetensors refuses shared tensors
    header = {k: json.dumps(v) for k, v in meta.__dict__.items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=header)
    return path


def read_meta(path: str | Path) -> CheckpointMeta:
    """Read only the header: cheap enough for the catalogue to scan every checkpoint."""
    from safetensors import safe_open

    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            header = f.metadata() or {}
    except Exception as exc:  # safetensors raises its own error types for garbage files
        raise InputError(f"{path.name} is not a tlviz checkpoint (a .safetensors file): {exc}") from None
    if "family" not in header or "config" not in header:
        raise InputError(f"{path.name} is a safetensors file but not a tlviz checkpoint (no tlviz header).")
    fields = {k: json.loads(v) for k, v in header.items() if k in CheckpointMeta.__dataclass_fields__}
    return CheckpointMeta(**fields)


def load(path: str | Path, dtype=None) -> tuple[dict, CheckpointMeta]:
    """Weights (as float32 unless ``dtype`` says otherwise) and metadata of a checkpoint."""
    import torch
    from safetensors.torch import load_file

    meta = read_meta(path)
    state = load_file(str(path))
    dtype = dtype or torch.float32
    state = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in state.items()}
    return state, meta


#: A checkpoint may also be a folder (e.g. a Hugging Face ``save_pretrained`` folder) holding this file.
FOLDER_META = "tlviz_meta.json"


def save_folder_meta(folder: str | Path, meta: CheckpointMeta) -> Path:
    """Describe a checkpoint folder (Hugging Face format) with a ``tlviz_meta.json`` beside its weights."""
    import tlviz

    meta.tlviz_version = meta.tlviz_version or tlviz.__version__
    path = Path(folder) / FOLDER_META
    path.write_text(json.dumps(meta.__dict__, indent=1))
    return path


def read_folder_meta(folder: str | Path) -> CheckpointMeta:
    path = Path(folder) / FOLDER_META
    try:
        data = json.loads(path.read_text())
        return CheckpointMeta(**{k: v for k, v in data.items() if k in CheckpointMeta.__dataclass_fields__})
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"{path} is not a valid tlviz checkpoint description: {exc}") from None


def find(family: str | None = None, directory: str | Path | None = None) -> list[tuple[Path, CheckpointMeta]]:
    """The project's checkpoints (optionally of one family), sorted by name: ``*.safetensors`` files with a tlviz
    header, and folders holding a ``tlviz_meta.json``."""
    directory = Path(directory) if directory else CHECKPOINT_DIR
    found = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        try:
            if path.suffix == ".safetensors":
                meta = read_meta(path)
            elif path.is_dir() and (path / FOLDER_META).is_file():
                meta = read_folder_meta(path)
            else:
                continue
        except InputError:
            continue
        if family is None or meta.family == family:
            found.append((path, meta))
    return found
