"""Counting a network's parameters, one way for every lesson: distinct tensors (tied matrices counted once),
optionally only those that train.

Works on a module (anything with ``.parameters()``) or on an iterable of parameters (a freeze plan's groups).
Pure Python: the caller already holds the torch objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def count_parameters(params: Any, seen: set[int] | None = None, trainable_only: bool = False) -> int:
    """Number of distinct parameter values in ``params`` (a module or an iterable of tensors).

    ``trainable_only`` counts those with ``requires_grad``. ``seen`` holds the ids of parameters already counted
    elsewhere: they are skipped and the new ones added, so the parts of one model (embeddings, encoder, decoder,
    output) add up to its total.
    """
    tensors: Iterable[Any] = params.parameters() if hasattr(params, "parameters") else params
    seen = set() if seen is None else seen
    n = 0
    for p in tensors:
        if id(p) in seen or (trainable_only and not p.requires_grad):
            continue
        seen.add(id(p))
        n += int(p.numel())
    return n
