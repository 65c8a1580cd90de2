"""Attention maths, written out so every intermediate can be shown."""

from __future__ import annotations

import math


def scaled_dot_product(q, k, v, mask=None, return_scores: bool = False):
    """softmax(q k^T / sqrt(d)) v, as in "Attention Is All You Need".

    q ``(..., Lq, d)``, k ``(..., Lk, d)``, v ``(..., Lk, dv)`` (torch tensors); ``mask`` bool broadcastable to
    ``(..., Lq, Lk)`` with **True = may attend**. Returns ``(out (..., Lq, dv), weights (..., Lq, Lk))``; with
    ``return_scores`` also the scaled scores with masked cells at -inf. A query with no allowed key gets all-zero
    weights (and a zero output), never NaN. Computes in the inputs' dtype.
    """
    import torch

    d = q.shape[-1]
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d)  # (..., Lq, Lk)
    if mask is not None:
        mask = torch.as_tensor(mask, dtype=torch.bool, device=scores.device)
        scores = scores.masked_fill(~mask, float("-inf"))
        # A fully masked row would be softmax(-inf, ..., -inf) = NaN; give it zeros instead.
        any_allowed = mask.any(dim=-1, keepdim=True)  # (..., Lq, 1)
        safe = scores.masked_fill(~any_allowed, 0.0)
        weights = torch.softmax(safe, dim=-1) * any_allowed.to(scores.dtype)
    else:
        weights = torch.softmax(scores, dim=-1)
    out = torch.matmul(weights, v)  # (..., Lq, dv)
    return (out, weights, scores) if return_scores else (out, weights)
