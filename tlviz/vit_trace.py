"""What one forward pass of a ViT shows: every layer's and head's attention (captured as numpy arrays), attention
rollout, the prediction, the patches and their linear projection, and the learnt position embeddings.

Public names are re-exported by :mod:`tlviz.vit`; import them from there.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tlviz import runtime
from tlviz.attention import LayeredAttention
from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.params import count_parameters

if TYPE_CHECKING:
    from tlviz.vit_model import ViTHandle


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

    def query_index(self, row: int, col: int) -> int:
        """The token index of patch (row, col): the prefix tokens come first, then the patches row by row."""
        return self.num_prefix + row * self.grid[1] + col

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
    small = count_parameters(model) < SMALL_MODEL_PARAMS
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


def _softmax(logits) -> np.ndarray:
    import torch

    return torch.softmax(logits.float(), dim=-1)[0].numpy()  # (num_classes,)


def attentions(model: ViTHandle, image) -> AttentionTrace:
    """Run ``image`` (RGB PIL) through the ViT once and return every layer's and head's attention."""
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
    return AttentionTrace(weights=weights, grid=(rows, cols), num_prefix=model.num_prefix,
                          tokens=token_labels(model.num_prefix, (rows, cols)), probs=_softmax(logits),
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
        raise InputError(_("rollout expects attention of shape (layers, heads, N, N), got {shape}.").format(
            shape=w.shape))
    n = w.shape[-1]
    if grid is None:
        side = int(round(np.sqrt(n - 1)))
        if side * side != n - 1:
            raise InputError(_("{n} tokens are not a class token plus a square grid; pass grid=(rows, cols).").format(
                n=n))
        grid = (side, side)
    prefix = n - grid[0] * grid[1]
    if prefix < 1:
        raise InputError(_("A {rows}x{cols} grid needs more than the {n} tokens given.").format(
            rows=grid[0], cols=grid[1], n=n))
    eye = np.eye(n)
    joint = eye
    for layer in w:  # (heads, N, N)
        a = layer.mean(0) + eye  # (N, N)
        a = a / a.sum(-1, keepdims=True)
        joint = a @ joint
    return joint[0, prefix:].reshape(grid).astype(np.float32)  # (rows, cols)


def classify(model: ViTHandle, image, top_k: int = 5) -> list[tuple[str, float]]:
    """The ``top_k`` most probable labels for an RGB PIL image, best first, as (label, probability)."""
    import torch

    if top_k < 1:
        raise InputError(_("top_k must be at least 1."))
    x = model.preprocess(image)
    with runtime.exclusive(f"classifying with {model.name}"), _threads_for(model.model), torch.inference_mode():
        out = model.model(pixel_values=x) if model.library == "transformers" else model.model(x)
    logits = out.logits if model.library == "transformers" else out
    return top(model.labels, _softmax(logits), top_k)


def top(labels, probs, top_k: int = 5) -> list[tuple[str, float]]:
    """The ``top_k`` (label, probability) pairs of a probability vector, best first."""
    order = np.argsort(-np.asarray(probs))[:top_k]
    return [(labels[i], float(probs[i])) for i in order]


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

    @property
    def channels(self) -> int:
        """Input channels per pixel (1 for grey models, 3 for RGB)."""
        return self.flat.shape[1] // self.patch_size ** 2


def _embeddings(model: ViTHandle):
    """The transformers model's embedding module (ViT or DeiT)."""
    m = model.model
    return (m.vit if hasattr(m, "vit") else m.deit).embeddings


def _patch_conv(model: ViTHandle):
    if model.library == "transformers":
        return _embeddings(model).patch_embeddings.projection
    return model.model.patch_embed.proj


def patches(model: ViTHandle, image) -> PatchTrace:
    """Cut ``image`` into the model's patches, flatten them and apply the patch embedding's linear projection."""
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
    return PatchTrace(pixels=pix, flat=flat.astype(np.float32), weight=weight, bias=bias,
                      embedded=embedded.astype(np.float32), grid=(rows, cols), patch_size=p)


def position_embeddings(model: ViTHandle) -> np.ndarray:
    """The learnt position embeddings of the patches only: (rows * cols, D), row-major."""
    rows, cols = model.grid
    emb = _embeddings(model).position_embeddings if model.library == "transformers" else model.model.pos_embed
    pe = emb.detach().float()[0].numpy()  # (N or P, D)
    return pe[pe.shape[0] - rows * cols:]  # (P, D): prefix tokens' positions (if any) come first


def position_similarity(model: ViTHandle) -> np.ndarray:
    """Cosine similarity of each patch's position embedding with every other's: (rows, cols, rows, cols)."""
    pe = position_embeddings(model).astype(np.float64)
    pe = pe / np.maximum(np.linalg.norm(pe, axis=1, keepdims=True), 1e-12)
    rows, cols = model.grid
    return (pe @ pe.T).reshape(rows, cols, rows, cols).astype(np.float32)  # (rows, cols, rows, cols)
