"""A trained run's validation results, Grad-CAM maps and its export as a tlviz checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tlviz.params import count_parameters
from tlviz.transfer.data import LabData
from tlviz.transfer.stages import TransferModel
from tlviz.transfer.train import evaluate

# ============================================================================================ results

@dataclass
class Results:
    """Validation results of a trained model: ``confusion[i, j]`` counts true class i predicted as j."""

    confusion: np.ndarray  # (C, C) int
    per_class_acc: np.ndarray  # (C,) float, NaN for a class without validation images
    accuracy: float
    predictions: np.ndarray  # (N_val,) int
    probabilities: np.ndarray  # (N_val, C) float32
    misclassified: np.ndarray  # indices into the validation set, most confident mistakes first


def results(tm: TransferModel, data: LabData) -> Results:
    import torch

    from tlviz import runtime

    with runtime.exclusive("evaluating a run"):
        _, acc, logits = evaluate(tm, data.x_val, data.y_val)
    probs = torch.softmax(logits, -1).numpy().astype(np.float32)
    pred = probs.argmax(-1)
    true = data.y_val.numpy()
    c = len(tm.labels)
    conf = np.zeros((c, c), dtype=np.int64)
    np.add.at(conf, (true, pred), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(conf) / conf.sum(1)
    wrong = np.flatnonzero(pred != true)
    wrong = wrong[np.argsort(-probs[wrong, pred[wrong]])]
    return Results(conf, per_class, acc, pred, probs, wrong)


def cam_layer(tm: TransferModel, min_side: int = 4):
    """The layer Grad-CAM reads: the end of the last stage whose feature map is still at least ``min_side``
    pixels wide at the model's input size (at 64 px EfficientNet's last map is only 2x2, too coarse to show)."""
    import torch

    was = tm.model.training
    tm.model.eval()
    x = torch.zeros(1, 3, tm.input_size, tm.input_size)
    chosen = None
    with torch.no_grad():
        for st in tm.stages[:-1]:
            x = st.run(x)
            if x.ndim == 4 and min(x.shape[-2:]) >= min_side:
                chosen = st
    tm.model.train(was)
    st = chosen or tm.stages[0]
    return tm.model.get_submodule(st.modules[-1]), st.name


def grad_cam_maps(tm: TransferModel, data: LabData, indices: Sequence[int], target: str = "true",
                  layer=None) -> np.ndarray:
    """Grad-CAM maps ``(len(indices), S, S)`` in [0, 1] for validation images (via :mod:`tlviz.attribution`),
    for the true class (``target="true"``) or the predicted one, at :func:`cam_layer` unless ``layer`` is given."""
    import torch

    from tlviz.attribution import grad_cam

    tm.model.eval()
    layer = layer if layer is not None else cam_layer(tm)[0]
    out = []
    for i in indices:
        x = tm.normalise(data.x_val[int(i):int(i) + 1])
        if target == "true":
            cls = int(data.y_val[int(i)])
        else:
            with torch.no_grad():
                cls = int(tm.model(x).argmax(-1)[0])
        out.append(grad_cam(tm.model, x, cls, layer=layer))
    return np.stack(out) if out else np.zeros((0, tm.input_size, tm.input_size), np.float32)


# ============================================================================================ export

def export_checkpoint(tm: TransferModel, path: str | Path, name: str = "", note: str = "",
                      metrics: dict | None = None) -> Path:
    """Save a trained run as a tlviz checkpoint that :func:`tlviz.cnn.load` reads back (safetensors; config keys
    ``arch``, ``num_classes``, ``input_size``, ``mean``, ``std``, ``crop_pct``; ``extra["labels"]``)."""
    from tlviz import checkpoints

    params = count_parameters(tm.model)
    meta = checkpoints.CheckpointMeta(
        name=name or f"{tm.arch} fine-tuned ({len(tm.labels)} classes)", family="cnn", recipe="tlviz.transfer",
        config={"arch": tm.arch, "num_classes": len(tm.labels), "input_size": tm.input_size,
                "mean": list(tm.mean), "std": list(tm.std), "crop_pct": 1.0},
        note=note, metrics={"params": int(params), **(metrics or {})}, extra={"labels": list(tm.labels)})
    return checkpoints.save(path, tm.model.state_dict(), meta)


def export_bytes(tm: TransferModel, **kwargs) -> bytes:
    """The checkpoint as bytes (for a download button)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = export_checkpoint(tm, Path(tmp) / "model.safetensors", **kwargs)
        return path.read_bytes()


def cam_examples(data: LabData, n: int = 6, seed: int = 0) -> list[int]:
    """``n`` validation images spread over the classes (one per class first), seeded."""
    rng = np.random.default_rng(seed)
    y = data.y_val.numpy()
    picks: list[int] = []
    for c in range(len(data.classes)):
        idx = np.flatnonzero(y == c)
        if len(idx):
            picks.append(int(rng.choice(idx)))
    rng.shuffle(picks)
    return picks[:n]
