"""Vision Transformers: the project's own small ViT (offline default), timm ViTs and transformers ViTs, with their
attention captured as numpy arrays.

"An image is worth 16x16 words": the image is cut into a grid of patches, each flattened and linearly projected to
a token, position embeddings are added, a class token is prepended and a Transformer encoder reads the sequence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


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
    def tiny(cls) -> "ViTConfig":
        return cls(img_size=16, patch_size=4, in_chans=3, num_classes=5, embed_dim=16, depth=2, num_heads=2)

    @classmethod
    def vit_small(cls) -> "ViTConfig":
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


# ============================================================================================ loading

import contextlib  # noqa: E402
import functools  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from tlviz import models  # noqa: E402
from tlviz.attention import LayeredAttention  # noqa: E402
from tlviz.errors import InputError  # noqa: E402

#: The offline default: the project's ViT trained on Animal-MNIST silhouettes by ``tlviz.recipes.vit_animals``.
DEFAULT = "Animal-silhouette ViT (tlviz, 28 px, 4x4 patches)"
#: What the default recognises (Animal-MNIST's classes).
DEFAULT_CLASSES = ("bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra")


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


class ViTModel(models.ImageModel):
    """A loaded ViT handle (an :class:`tlviz.models.ImageModel`); ``extra`` holds ``patch_size``, ``grid``,
    ``num_prefix`` (class token first, then e.g. DeiT's distillation token) and ``grey`` (1-channel models)."""

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


def _handle(name: str, model, labels, *, library: str, source: str, input_size: int, patch_size: int,
            num_prefix: int, mean, std, crop_pct: float, grey: bool = False, arch: str = "",
            extra: dict | None = None) -> ViTModel:
    grid = (input_size // patch_size, input_size // patch_size)
    return ViTModel(name=name, model=models.freeze(model), labels=list(labels), input_size=int(input_size),
                    mean=tuple(float(m) for m in mean), std=tuple(float(s) for s in std), crop_pct=float(crop_pct),
                    library=library, arch=arch, source=source,
                    extra={"patch_size": int(patch_size), "grid": grid, "num_prefix": int(num_prefix), "grey": grey,
                           **(extra or {})})


def _from_checkpoint(path) -> ViTModel:
    from tlviz import checkpoints

    state, meta = checkpoints.load(path)
    cfg = dict(meta.config)
    mean, std, grey = cfg.pop("mean", [0.5]), cfg.pop("std", [0.5]), bool(cfg.pop("grey", False))
    try:
        config = ViTConfig(**{k: v for k, v in cfg.items() if k in ViTConfig.__dataclass_fields__})
        model = build(config)
        model.load_state_dict(state)
    except (TypeError, RuntimeError) as exc:
        raise InputError(f"{path} is a tlviz checkpoint but not one of our ViTs: {str(exc)[:200]}") from None
    labels = list(meta.extra.get("labels") or [f"class {i}" for i in range(config.num_classes)])
    mean3, std3 = (list(mean) * 3)[:3], (list(std) * 3)[:3]
    return _handle(meta.name, model, labels, library="tlviz", source="checkpoint", input_size=config.img_size,
                   patch_size=config.patch_size, num_prefix=1, mean=mean3, std=std3, crop_pct=1.0, grey=grey,
                   arch="VisionTransformer", extra={"meta": meta})


def _timm_vit(resolved: models.Resolved) -> ViTModel:
    handle = models.load_timm(resolved, "vit")
    model = handle.model
    if not hasattr(model, "blocks") or not hasattr(model, "patch_embed"):
        raise InputError(f"'{handle.name}' is a timm model but not a Vision Transformer (no patch embedding and "
                         "transformer blocks). Pick a ViT such as vit_small_patch16_224 or deit_tiny_patch16_224.")
    patch = model.patch_embed.patch_size
    patch = int(patch[0] if isinstance(patch, (tuple, list)) else patch)
    return _handle(handle.name, model, handle.labels, library="timm", source=handle.source,
                   input_size=handle.input_size, patch_size=patch,
                   num_prefix=int(getattr(model, "num_prefix_tokens", 1)), mean=handle.mean, std=handle.std,
                   crop_pct=handle.crop_pct, arch=handle.arch)


def _transformers_vit(ref: str, local: bool, name: str) -> ViTModel:
    from transformers import AutoConfig, AutoModelForImageClassification

    models.quiet_transformers()

    def load_config(r, local_files_only):
        return AutoConfig.from_pretrained(r, local_files_only=local_files_only)

    try:
        config = load_config(ref, True) if local else models.from_hub(ref, load_config, "model")
        if getattr(config, "model_type", "") not in ("vit", "deit"):
            raise InputError(f"'{ref}' is a {getattr(config, 'model_type', 'unknown')} model; this lesson takes "
                             "Vision Transformers (model type vit or deit).")

        def load_model(r, local_files_only):
            # transformers 5 returns attention weights only from the eager implementation.
            return AutoModelForImageClassification.from_pretrained(r, local_files_only=local_files_only,
                                                                   attn_implementation="eager")

        model = load_model(ref, True) if local else models.from_hub(ref, load_model, "model")
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"Could not load a ViT from '{ref}': {str(exc)[:300]}") from None
    labels = [config.id2label.get(i, config.id2label.get(str(i), f"class {i}")) for i in range(config.num_labels)]
    num_prefix = 2 if getattr(config, "model_type", "") == "deit" else 1
    return _handle(name, model, labels, library="transformers", source="local" if local else "hub",
                   input_size=int(config.image_size), patch_size=int(config.patch_size), num_prefix=num_prefix,
                   mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), crop_pct=1.0, arch=config.model_type)


def _load_uncached(name_or_path: str) -> ViTModel:
    from pathlib import Path

    resolved = models.resolve(name_or_path, "vit")
    target = resolved.target
    if resolved.kind == "checkpoint" or (resolved.kind == "local" and target.endswith(".safetensors")):
        return _from_checkpoint(Path(target))
    if resolved.kind == "local":
        folder = Path(target) if Path(target).is_dir() else Path(target).parent
        cfg_path = folder / "config.json"
        if not cfg_path.is_file():
            raise InputError(f"'{target}' is neither a tlviz checkpoint (.safetensors) nor a model folder with a "
                             "config.json.")
        import json

        try:
            cfg = json.loads(cfg_path.read_text())
        except ValueError:
            raise InputError(f"{cfg_path} is not valid JSON.") from None
        if "architecture" in cfg and "model_type" not in cfg:  # timm's save_for_hf layout
            return _timm_vit(resolved)
        return _transformers_vit(str(folder), True, folder.name)
    if resolved.card is not None:
        if resolved.card.library == "timm":
            return _timm_vit(resolved)
        return _transformers_vit(target, False, resolved.card.name)
    import timm

    if timm.list_models(target) or timm.list_models(target.split(".")[0]):
        return _timm_vit(resolved)
    return _transformers_vit(target, False, target)


def load(name_or_path: str = DEFAULT) -> ViTModel:
    """A shared, read-only ViT: the catalogue name of our checkpoint, a timm ViT name, a Hugging Face ViT id, a
    local folder or a ``.safetensors`` checkpoint. Raises :class:`InputError` when it cannot be had."""
    from tlviz import runtime

    key = ("vit", str(name_or_path).strip())
    with runtime.exclusive(f"loading {name_or_path}"):
        return models.cached(key, lambda: _load_uncached(name_or_path))


# ============================================================================================ attention

@dataclass(frozen=True)
class AttentionTrace(LayeredAttention):
    """Everything one forward pass of a ViT shows.

    - ``weights`` (layers, heads, N, N): softmaxed attention; rows are queries; tokens are the prefix tokens
      (class token first) then the ``rows * cols`` patches in row-major order;
    - ``grid`` (rows, cols) of patches; ``num_prefix`` prefix tokens; ``tokens`` labels of the N tokens;
    - ``probs`` (num_classes,): the class probabilities of the same forward pass;
    - ``pixels`` (S, S, 3) uint8: the image as the model saw it (crop, resize, grey for grey models).
    """

    weights: np.ndarray
    grid: tuple[int, int]
    num_prefix: int
    tokens: list[str]
    probs: np.ndarray
    pixels: np.ndarray
    patch_size: int

    def patch_map(self, layer: int, head: int | None, query: int = 0) -> np.ndarray:
        """How much token ``query`` (0 = class token, ``num_prefix + r * cols + c`` = patch (r, c)) attends to
        every patch in ``layer``; ``head=None`` averages the heads. Returns (rows, cols)."""
        w = self.weights[layer]  # (heads, N, N)
        row = w[:, query].mean(0) if head is None else w[head, query]  # (N,)
        return row[self.num_prefix:].reshape(self.grid)  # (rows, cols)

    def cls_maps(self) -> np.ndarray:
        """The class token's attention to the patches for every layer and head: (layers, heads, rows, cols)."""
        L, H = self.weights.shape[:2]
        return self.weights[:, :, 0, self.num_prefix:].reshape(L, H, *self.grid)  # (L, H, rows, cols)


def token_labels(num_prefix: int, grid: tuple[int, int]) -> list[str]:
    prefix = ["[CLS]", "[DIST]"] + [f"[REG{i}]" for i in range(max(0, num_prefix - 2))]
    return prefix[:num_prefix] + [f"({r},{c})" for r in range(grid[0]) for c in range(grid[1])]


#: Models below this many parameters run on one torch thread (see :func:`_threads_for`).
SMALL_MODEL_PARAMS = 2_000_000


@contextlib.contextmanager
def _threads_for(model):
    """One torch thread for small models, for the duration of a forward pass (called under the heavy-work lock).

    Measured here on 2 busy cores: our 172k-parameter ViT took ~0.5 s per forward pass with 2 OpenMP threads (the
    second thread waits for a time slice on every matmul) and 2-10 ms with one. Tiny matmuls gain nothing from a
    second thread even on an idle machine, so small models always use one; large ones keep the configured count.
    """
    from tlviz import runtime

    small = sum(p.numel() for p in model.parameters()) < SMALL_MODEL_PARAMS
    with runtime.torch_threads(1 if small else None):
        yield


def _timm_blocks(model) -> list:
    blocks = [b for b in getattr(model, "blocks", []) if hasattr(getattr(b, "attn", None), "attn_drop")]
    if not blocks:
        raise RuntimeError(f"{type(model).__name__} has no timm attention blocks (blocks[i].attn.attn_drop); "
                           "cannot capture attention.")
    return blocks


def _capture_timm(model, x) -> tuple[np.ndarray, Any]:
    """Attention of every block of a timm ViT: fused attention turned off for this call (it never materialises
    the weights), a forward hook on each ``attn.attn_drop`` (the softmaxed weights pass through it)."""
    import torch

    blocks = _timm_blocks(model)
    captured: list[torch.Tensor] = []
    saved = [getattr(b.attn, "fused_attn", False) for b in blocks]
    hooks = [b.attn.attn_drop.register_forward_hook(lambda m, i, o: captured.append(o.detach())) for b in blocks]
    try:
        for b in blocks:
            b.attn.fused_attn = False
        with torch.inference_mode():
            logits = model(x)
    finally:
        for h in hooks:
            h.remove()
        for b, f in zip(blocks, saved):
            b.attn.fused_attn = f
    if len(captured) != len(blocks):
        raise RuntimeError(f"Captured attention from {len(captured)} of {len(blocks)} blocks: this model's attention "
                           "does not pass through attn.attn_drop (a fused or custom attention?).")
    weights = torch.stack([a[0] for a in captured]).float().numpy()  # (layers, heads, N, N)
    return weights, logits


def _capture_transformers(model, x) -> tuple[np.ndarray, Any]:
    import torch

    with torch.inference_mode():
        out = model(pixel_values=x, output_attentions=True)
    atts = getattr(out, "attentions", None)
    if not atts or any(a is None for a in atts):
        raise RuntimeError("The transformers model returned no attention weights: it needs "
                           "attn_implementation='eager'.")
    return torch.stack([a[0] for a in atts]).float().numpy(), out.logits  # (layers, heads, N, N)


def attentions(model: ViTModel, image) -> AttentionTrace:
    """Run ``image`` (RGB PIL) through the ViT once and return every layer's and head's attention."""
    import torch

    from tlviz import runtime

    x = model.preprocess(image)
    with runtime.exclusive(f"attention of {model.name}"), _threads_for(model.model):
        if model.library == "transformers":
            weights, logits = _capture_transformers(model.model, x)
        else:
            weights, logits = _capture_timm(model.model, x)
    n = weights.shape[-1]
    rows, cols = model.grid
    if n != model.num_prefix + rows * cols:
        raise RuntimeError(f"Attention over {n} tokens, expected {model.num_prefix} prefix + {rows}x{cols} patches.")
    probs = torch.softmax(logits.float(), dim=-1)[0].numpy()
    return AttentionTrace(weights=weights, grid=(rows, cols), num_prefix=model.num_prefix,
                          tokens=token_labels(model.num_prefix, (rows, cols)), probs=probs,
                          pixels=model.view(image), patch_size=model.patch_size)


def rollout(weights, grid: tuple[int, int] | None = None) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): heads averaged, the identity added for the residual path, rows
    renormalised, layers multiplied from the first up; returns the class token's row over the patches,
    ``(rows, cols)`` (not renormalised: the part that flows to prefix tokens is left out).

    ``weights``: (layers, heads, N, N) or an :class:`AttentionTrace`. ``grid=None`` assumes one class token and
    a square grid of the remaining ``N - 1`` tokens; otherwise the prefix is ``N - rows * cols`` tokens.
    """
    if isinstance(weights, AttentionTrace):
        grid = grid or weights.grid
        weights = weights.weights
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4 or w.shape[-1] != w.shape[-2]:
        raise InputError(f"rollout expects attention of shape (layers, heads, N, N), got {w.shape}.")
    n = w.shape[-1]
    if grid is None:
        side = int(round(np.sqrt(n - 1)))
        if side * side != n - 1:
            raise InputError(f"{n} tokens are not a class token plus a square grid; pass grid=(rows, cols).")
        grid = (side, side)
    prefix = n - grid[0] * grid[1]
    if prefix < 1:
        raise InputError(f"A {grid[0]}x{grid[1]} grid needs more than the {n} tokens given.")
    eye = np.eye(n)
    joint = eye
    for layer in w:  # (heads, N, N)
        a = layer.mean(0) + eye  # (N, N)
        a = a / a.sum(-1, keepdims=True)
        joint = a @ joint
    return joint[0, prefix:].reshape(grid).astype(np.float32)  # (rows, cols)


def classify(model: ViTModel, image, top_k: int = 5) -> list[tuple[str, float]]:
    """The ``top_k`` most probable labels for an RGB PIL image, best first, as (label, probability)."""
    import torch

    from tlviz import runtime

    if top_k < 1:
        raise InputError("top_k must be at least 1.")
    x = model.preprocess(image)
    with runtime.exclusive(f"classifying with {model.name}"), _threads_for(model.model), torch.inference_mode():
        out = model.model(pixel_values=x) if model.library == "transformers" else model.model(x)
    logits = out.logits if hasattr(out, "logits") else out
    probs = torch.softmax(logits.float(), dim=-1)[0].numpy()
    return top(model.labels, probs, top_k)


def top(labels, probs, top_k: int = 5) -> list[tuple[str, float]]:
    order = np.argsort(-np.asarray(probs))[:top_k]
    return [(labels[i], float(probs[i])) for i in order]


# ============================================================================================ patches

@dataclass(frozen=True)
class PatchTrace:
    """The first steps of a ViT, for one image.

    - ``pixels`` (P, p, p, 3) uint8: each patch as the model saw it, row-major (P = rows * cols);
    - ``flat`` (P, C * p * p): each patch flattened in (channel, row, column) order, normalised as the model's input;
    - ``weight`` (D, C * p * p) and ``bias`` (D,): the linear projection (the patch-embedding convolution's kernel);
    - ``embedded`` (P, D): ``flat @ weight.T + bias``, the patch tokens before position embeddings.
    """

    pixels: np.ndarray
    flat: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    embedded: np.ndarray
    grid: tuple[int, int]
    patch_size: int


def _patch_conv(model: ViTModel):
    m = model.model
    if model.library == "transformers":
        return m.vit.embeddings.patch_embeddings.projection if hasattr(m, "vit") else \
            m.deit.embeddings.patch_embeddings.projection
    return m.patch_embed.proj


def patches(model: ViTModel, image) -> PatchTrace:
    """Cut ``image`` into the model's patches, flatten them and apply the patch embedding's linear projection."""
    import torch

    x = model.preprocess(image)[0]  # (C, S, S)
    p = model.patch_size
    rows, cols = model.grid
    c = x.shape[0]
    flat = x[:, : rows * p, : cols * p].reshape(c, rows, p, cols, p).permute(1, 3, 0, 2, 4)  # (rows, cols, C, p, p)
    flat = flat.reshape(rows * cols, c * p * p).numpy()  # (P, C*p*p)
    conv = _patch_conv(model)
    weight = conv.weight.detach().float().reshape(conv.weight.shape[0], -1).numpy()  # (D, C*p*p)
    bias = (conv.bias.detach().float().numpy() if conv.bias is not None else np.zeros(weight.shape[0], np.float32))
    embedded = flat @ weight.T + bias  # (P, D)
    view = model.view(image)[: rows * p, : cols * p]  # (rows*p, cols*p, 3)
    pix = view.reshape(rows, p, cols, p, 3).transpose(0, 2, 1, 3, 4).reshape(rows * cols, p, p, 3)  # (P, p, p, 3)
    del torch
    return PatchTrace(pixels=pix, flat=flat.astype(np.float32), weight=weight, bias=bias,
                      embedded=embedded.astype(np.float32), grid=(rows, cols), patch_size=p)


def position_embeddings(model: ViTModel) -> np.ndarray:
    """The learnt position embeddings of the patches only: (rows * cols, D), row-major."""
    m = model.model
    rows, cols = model.grid
    if model.library == "transformers":
        emb = (m.vit if hasattr(m, "vit") else m.deit).embeddings.position_embeddings
    else:
        emb = m.pos_embed
    pe = emb.detach().float()[0].numpy()  # (N or P, D)
    return pe[pe.shape[0] - rows * cols:]  # (P, D): prefix tokens' positions (if any) come first


def position_similarity(model: ViTModel) -> np.ndarray:
    """Cosine similarity of each patch's position embedding with every other's: (rows, cols, rows, cols)."""
    pe = position_embeddings(model).astype(np.float64)
    pe = pe / np.maximum(np.linalg.norm(pe, axis=1, keepdims=True), 1e-12)
    rows, cols = model.grid
    return (pe @ pe.T).reshape(rows, cols, rows, cols).astype(np.float32)  # (rows, cols, rows, cols)


# ============================================================================================ the lesson's bundle

@dataclass(frozen=True)
class ViTAnalysis:
    """All the lesson shows for one image and model (what the page caches per image)."""

    trace: AttentionTrace
    patches: PatchTrace
    position_similarity: np.ndarray  # (rows, cols, rows, cols)
    rollout: np.ndarray  # (rows, cols)
    top: list  # [(label, probability)], best first


def analyse(model: ViTModel, image, top_k: int = 5) -> ViTAnalysis:
    """One forward pass with attention, the patch embedding, position similarity, rollout and the top-k."""
    trace = attentions(model, image)
    return ViTAnalysis(trace=trace, patches=patches(model, image), position_similarity=position_similarity(model),
                       rollout=rollout(trace), top=top(model.labels, trace.probs, top_k))


@functools.lru_cache(maxsize=2)
def silhouette_samples(per_class: int = 3) -> dict[str, Any]:
    """The default model's natural inputs: Animal-MNIST test silhouettes (never seen in training), as RGB PIL
    images keyed "cat (test #12)", ``per_class`` of each class in class order."""
    from PIL import Image

    from tlviz.data.images import animal_mnist

    _, test = animal_mnist().split(0.2, seed=0)  # the recipe's split: these images were held out
    out = {}
    for c, name in enumerate(test.classes):
        for k, i in enumerate(np.flatnonzero(test.labels == c)[:per_class]):
            out[f"{name} (test #{int(i)})"] = Image.fromarray(test.images[i]).convert("RGB")
    return out


PHOTO_PREFIX = "photo: "


def sample_names(model: ViTModel | None = None) -> list[str]:
    """Images the lesson offers: the Animal-MNIST silhouettes and the photos bundled with installed packages. Grey
    silhouette models get their silhouettes first; photo models (ImageNet ViTs) get the photos first."""
    from tlviz import images

    photos = [PHOTO_PREFIX + n for n in images.sample_images()]
    try:
        shapes = list(silhouette_samples())
    except InputError:  # Animal-MNIST not installed: photos only
        shapes = []
    return shapes + photos if model is None or model.grey else photos + shapes


def sample_class(name: str) -> str | None:
    """The true class of a silhouette sample ("cat (test #12)" -> "cat"), None for photos and uploads."""
    head = name.split(" (test #")[0]
    return head if " (test #" in name and head in DEFAULT_CLASSES else None


def load_sample(name: str):
    """One of :func:`sample_names` as an RGB PIL image."""
    from tlviz import images

    if name.startswith(PHOTO_PREFIX):
        return images.load_sample(name[len(PHOTO_PREFIX):])
    shapes = silhouette_samples()
    if name not in shapes:
        raise InputError(f"No sample image called '{name}'.")
    return shapes[name]
