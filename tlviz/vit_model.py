"""Loading Vision Transformers: the project's own small ViT (offline default), timm ViTs and transformers ViTs,
behind one read-only handle (:class:`ViTHandle`) that knows how the model sees an image.

Public names are re-exported by :mod:`tlviz.vit`; import them from there.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tlviz import checkpoints, models, runtime
from tlviz.errors import InputError
from tlviz.i18n import _

#: The offline default: the project's ViT trained on Animal-MNIST silhouettes by ``tlviz.recipes.vit_animals``.
DEFAULT = "Animal-silhouette ViT (tlviz, 28 px, 4x4 patches)"
#: What the default recognises (Animal-MNIST's classes).
DEFAULT_CLASSES = ("bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra")


@dataclass(frozen=True)
class ViTConfig:
    """A timm ``VisionTransformer`` built from scratch (the project's own models and the tests' tiny ones)."""

    img_size: int = 28
    patch_size: int = 4
    in_chans: int = 1
    num_classes: int = 10
    embed_dim: int = 96
    depth: int = 6
    num_heads: int = 4
    mlp_ratio: float = 2.0
    drop_rate: float = 0.0
    attn_drop_rate: float = 0.0
    drop_path_rate: float = 0.0

    @classmethod
    def tiny(cls) -> ViTConfig:
        return cls(img_size=16, patch_size=4, in_chans=3, num_classes=5, embed_dim=16, depth=2, num_heads=2)

    @classmethod
    def vit_small(cls) -> ViTConfig:
        """ViT-S/16's shape (224 px, 16x16 patches, 384 wide, 12 layers x 6 heads), for random-weight benchmarks."""
        return cls(img_size=224, patch_size=16, in_chans=3, num_classes=1000, embed_dim=384, depth=12,
                   num_heads=6, mlp_ratio=4.0)

    @property
    def grid(self) -> tuple[int, int]:
        return (self.img_size // self.patch_size, self.img_size // self.patch_size)

    def to_dict(self) -> dict:
        return asdict(self)


def build(config: ViTConfig):
    """A timm ``VisionTransformer`` with a class token, randomly initialised."""
    from timm.models.vision_transformer import VisionTransformer

    return VisionTransformer(img_size=config.img_size, patch_size=config.patch_size, in_chans=config.in_chans,
                             num_classes=config.num_classes, embed_dim=config.embed_dim, depth=config.depth,
                             num_heads=config.num_heads, mlp_ratio=config.mlp_ratio, class_token=True,
                             global_pool="token", drop_rate=config.drop_rate,
                             attn_drop_rate=config.attn_drop_rate, drop_path_rate=config.drop_path_rate)


def view_pixels(image, size: int, crop_pct: float = 1.0, grey: bool = False) -> np.ndarray:
    """An RGB PIL image as a model of input ``size`` sees it (short side resized to ``size / crop_pct``, centre crop,
    as :func:`tlviz.images.to_tensor` does): (size, size, 3) uint8; ``grey`` converts to grey first."""
    from PIL import Image

    short = max(1, int(round(size / crop_pct)))
    factor = min(image.size) // (2 * short)
    if factor >= 2:  # a huge photo: a fast box reduction first, the bicubic resize then has little to do
        image = image.reduce(factor)
    img = image.convert("L").convert("RGB") if grey else image.convert("RGB")
    w, h = img.size
    scale = short / min(w, h)
    resized = img.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BICUBIC)
    left, top = (resized.width - size) // 2, (resized.height - size) // 2
    return np.asarray(resized.crop((left, top, left + size, top + size)), dtype=np.uint8).copy()  # (S, S, 3)


class ViTHandle(models.ImageModel):
    """A loaded ViT (an :class:`tlviz.models.ImageModel`), shared read-only by every session; ``extra`` holds
    ``patch_size``, ``grid``, ``num_prefix`` (class token first, then e.g. DeiT's distillation token) and ``grey``
    (1-channel models)."""

    @property
    def patch_size(self) -> int:
        return int(self.extra["patch_size"])

    @property
    def grid(self) -> tuple[int, int]:
        return tuple(self.extra["grid"])  # type: ignore[return-value]

    @property
    def num_prefix(self) -> int:
        return int(self.extra.get("num_prefix", 1))

    @property
    def grey(self) -> bool:
        return bool(self.extra.get("grey", False))

    def view(self, image) -> np.ndarray:
        """What the model sees, as pixels: the centre crop resized to the input size, (S, S, 3) uint8 (grey models:
        the grey image repeated in the three channels)."""
        return view_pixels(image, self.input_size, self.crop_pct, self.grey)

    def preprocess(self, image) -> Any:
        """RGB PIL image -> normalised tensor (1, C, S, S), C = 1 for grey models, 3 otherwise."""
        import torch

        pixels = self.view(image).astype(np.float32) / 255.0  # (S, S, 3)
        if self.grey:
            pixels = pixels[..., :1]  # (S, S, 1): the three channels are equal
        mean = np.asarray(self.mean, dtype=np.float32)[: pixels.shape[-1]]
        std = np.asarray(self.std, dtype=np.float32)[: pixels.shape[-1]]
        arr = (pixels - mean) / std
        return torch.from_numpy(arr.transpose(2, 0, 1).copy()).unsqueeze(0)  # (1, C, S, S)


#: The old name (it shadowed transformers' ``ViTModel``, a different thing); kept for notebooks.
ViTModel = ViTHandle


def _handle(name: str, model, labels, *, library: str, source: str, input_size: int, patch_size: int,
            num_prefix: int, mean, std, crop_pct: float, grey: bool = False, arch: str = "",
            extra: dict | None = None) -> ViTHandle:
    grid = (input_size // patch_size, input_size // patch_size)
    return ViTHandle(name=name, model=models.freeze(model), labels=list(labels), input_size=int(input_size),
                     mean=tuple(float(m) for m in mean), std=tuple(float(s) for s in std), crop_pct=float(crop_pct),
                     library=library, arch=arch, source=source,
                     extra={"patch_size": int(patch_size), "grid": grid, "num_prefix": int(num_prefix), "grey": grey,
                            **(extra or {})})


def _from_checkpoint(path) -> ViTHandle:
    state, meta = checkpoints.load(path)
    cfg = dict(meta.config)
    mean, std, grey = cfg.pop("mean", [0.5]), cfg.pop("std", [0.5]), bool(cfg.pop("grey", False))
    try:
        config = ViTConfig(**{k: v for k, v in cfg.items() if k in ViTConfig.__dataclass_fields__})
        model = build(config)
        model.load_state_dict(state)
    except (TypeError, RuntimeError) as exc:
        raise InputError(_("{path} is a tlviz checkpoint but not one of our ViTs: {error}").format(
            path=path, error=str(exc)[:200])) from None
    labels = list(meta.extra.get("labels") or [f"class {i}" for i in range(config.num_classes)])
    mean3, std3 = (list(mean) * 3)[:3], (list(std) * 3)[:3]
    return _handle(meta.name, model, labels, library="tlviz", source="checkpoint", input_size=config.img_size,
                   patch_size=config.patch_size, num_prefix=1, mean=mean3, std=std3, crop_pct=1.0, grey=grey,
                   arch="VisionTransformer", extra={"meta": meta})


def _timm_vit(resolved: models.Resolved) -> ViTHandle:
    handle = models.load_timm(resolved, "vit")
    model = handle.model
    if not hasattr(model, "blocks") or not hasattr(model, "patch_embed"):
        raise InputError(_("'{name}' is a timm model but not a Vision Transformer (no patch embedding and "
                           "transformer blocks). Pick a ViT such as vit_small_patch16_224 or "
                           "deit_tiny_patch16_224.").format(name=handle.name))
    patch = model.patch_embed.patch_size
    patch = int(patch[0] if isinstance(patch, (tuple, list)) else patch)
    return _handle(handle.name, model, handle.labels, library="timm", source=handle.source,
                   input_size=handle.input_size, patch_size=patch,
                   num_prefix=int(getattr(model, "num_prefix_tokens", 1)), mean=handle.mean, std=handle.std,
                   crop_pct=handle.crop_pct, arch=handle.arch)


def _transformers_vit(ref: str, local: bool, name: str) -> ViTHandle:
    from transformers import AutoConfig, AutoModelForImageClassification

    models.quiet_transformers()

    def load_config(r, local_files_only):
        return AutoConfig.from_pretrained(r, local_files_only=local_files_only)

    def load_model(r, local_files_only):
        # transformers 5 returns attention weights only from the eager implementation.
        return AutoModelForImageClassification.from_pretrained(r, local_files_only=local_files_only,
                                                               attn_implementation="eager")

    try:
        config = load_config(ref, True) if local else models.from_hub(ref, load_config, "model")
        kind = getattr(config, "model_type", "") or "unknown"
        if kind not in ("vit", "deit"):
            raise InputError(_("'{ref}' is a {kind} model; this lesson takes Vision Transformers (model type vit or "
                               "deit).").format(ref=ref, kind=kind))
        model = load_model(ref, True) if local else models.from_hub(ref, load_model, "model")
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(_("Could not load a ViT from '{ref}': {error}").format(ref=ref, error=str(exc)[:300])) \
            from None
    labels = [config.id2label.get(i, config.id2label.get(str(i), f"class {i}")) for i in range(config.num_labels)]
    num_prefix = 2 if config.model_type == "deit" else 1
    return _handle(name, model, labels, library="transformers", source="local" if local else "hub",
                   input_size=int(config.image_size), patch_size=int(config.patch_size), num_prefix=num_prefix,
                   mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=1.0, arch=config.model_type)


def _from_folder(resolved: models.Resolved) -> ViTHandle:
    target = resolved.target
    folder = Path(target) if Path(target).is_dir() else Path(target).parent
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise InputError(_("'{target}' is neither a tlviz checkpoint (.safetensors) nor a model folder with a "
                           "config.json.").format(target=target))
    try:
        cfg = json.loads(cfg_path.read_text())
    except ValueError:
        raise InputError(_("{path} is not valid JSON.").format(path=cfg_path)) from None
    if "architecture" in cfg and "model_type" not in cfg:  # timm's save_for_hf layout
        return _timm_vit(resolved)
    return _transformers_vit(str(folder), True, folder.name)


def _load_uncached(name_or_path: str) -> ViTHandle:
    resolved = models.resolve(name_or_path, "vit")
    target = resolved.target
    if resolved.kind == "checkpoint" or (resolved.kind == "local" and target.endswith(".safetensors")):
        return _from_checkpoint(Path(target))
    if resolved.kind == "local":
        return _from_folder(resolved)
    if resolved.card is not None:
        if resolved.card.library == "timm":
            return _timm_vit(resolved)
        return _transformers_vit(target, False, resolved.card.name)
    import timm

    if timm.list_models(target) or timm.list_models(target.split(".")[0]):
        return _timm_vit(resolved)
    return _transformers_vit(target, False, target)


def load(name_or_path: str = DEFAULT) -> ViTHandle:
    """A shared, read-only ViT: the catalogue name of our checkpoint, a timm ViT name, a Hugging Face ViT id, a
    local folder or a ``.safetensors`` checkpoint. Raises :class:`InputError` when it cannot be had."""
    key = ("vit", str(name_or_path).strip())
    with runtime.exclusive(f"loading {name_or_path}"):
        return models.cached(key, lambda: _load_uncached(name_or_path))
