"""Attention masks. Convention everywhere (PyTorch's): True = may attend / real token."""

from __future__ import annotations


def padding_mask(lengths, max_len: int | None = None):
    """bool ``(B, max_len)``: True where position < length (a real token), False on padding."""
    import torch

    lengths = torch.as_tensor(lengths, dtype=torch.long)
    max_len = int(lengths.max().item()) if max_len is None else int(max_len)
    return torch.arange(max_len).unsqueeze(0) < lengths.unsqueeze(1)  # (B, max_len)


def causal_mask(size: int):
    """bool ``(size, size)``: lower triangle with the diagonal; query i may attend to keys 0..i."""
    import torch

    return torch.ones(size, size, dtype=torch.bool).tril()
