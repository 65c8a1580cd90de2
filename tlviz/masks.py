"""Attention masks. Convention everywhere (PyTorch's): True = may attend / real token."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import _


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


PAD = "[PAD]"
#: Limits of the lesson's sentence box: enough to see padding, small enough to read every cell.
MAX_SENTENCES, MAX_WORDS = 6, 16


def attention_mask(lengths, max_len: int | None = None, causal: bool = False):
    """bool ``(B, L, L)``: query i may attend to key j when j is a real token (and j <= i when ``causal``).

    The padding mask hides *keys*: every query row, padding included, keeps its real keys, so no row is empty
    (the outputs at padding positions are computed and then ignored, as in PyTorch).
    """
    keys = padding_mask(lengths, max_len)  # (B, L)
    L = keys.shape[1]
    mask = keys[:, None, :].expand(-1, L, -1)  # (B, L, L)
    if causal:
        mask = mask & causal_mask(L)[None]
    return mask


def split_sentences(text: str, max_sentences: int = MAX_SENTENCES, max_words: int = MAX_WORDS) -> list[list[str]]:
    """One sentence per line, split into words; :class:`InputError` for nothing typed or too much."""
    lines = [line.split() for line in str(text).splitlines()]
    sentences = [words for words in lines if words]
    if not sentences:
        raise InputError(_("Please type at least one sentence (one sentence per line)."))
    if len(sentences) > max_sentences:
        raise InputError(_("You typed {n} sentences; the grid shows at most {limit}. Remove some lines.").format(
            n=len(sentences), limit=max_sentences))
    long = [(i + 1, len(s)) for i, s in enumerate(sentences) if len(s) > max_words]
    if long:
        i, n = long[0]
        raise InputError(_("Sentence {i} has {n} words; please keep each sentence to {limit} words so every cell "
                           "stays readable.").format(i=i, n=n, limit=max_words))
    return sentences


def pad_batch(sentences: list[list[str]], pad: str = PAD) -> tuple[list[list[str]], list[int]]:
    """Right-pad every sentence to the longest: the token grid (B, L) and the true lengths (B,)."""
    L = max(len(s) for s in sentences)
    return [s + [pad] * (L - len(s)) for s in sentences], [len(s) for s in sentences]


def demo_scores(grid: list[list[str]], d: int = 16, seed: int = 0):
    """Self-attention scores ``(B, L, L)`` = Q K^T / sqrt(d) for a token grid, from stand-in embeddings plus
    positional encodings and fixed random projections W_q, W_k (no training: the lesson is the mask, not the
    numbers). numpy float64."""
    from tlviz import positional

    rng = np.random.default_rng(seed)
    Wq, Wk = rng.normal(0, 1 / np.sqrt(d), (2, d, d))
    L = len(grid[0])
    pe = positional.sinusoidal(L, d)
    x = np.stack([positional.token_embeddings(row, d, seed) + pe for row in grid])  # (B, L, d)
    q, k = x @ Wq, x @ Wk  # (B, L, d) each
    return q @ k.transpose(0, 2, 1) / np.sqrt(d)  # (B, L, L)


@dataclass
class MaskedAttention:
    """Scores before and after masking and the attention they give, with and without the mask. (B, L, L)."""

    scores: np.ndarray  # raw scores
    mask: np.ndarray  # bool, True = may attend
    masked_scores: np.ndarray  # -inf where masked
    weights: np.ndarray  # softmax of the masked scores: zeros where masked, rows sum to 1
    weights_unmasked: np.ndarray  # softmax of the raw scores: what leaks when the mask is forgotten
    lengths: list[int]

    def leak(self, use_mask: bool = True, kinds: tuple[str, ...] = ("padding", "future")) -> dict[str, float]:
        """Mean share of attention real query tokens give to padding keys and to future keys (``kinds``)."""
        w = self.weights if use_mask else self.weights_unmasked  # (B, L, L)
        L = w.shape[-1]
        pad_share, future_share = [], []
        future = np.triu(np.ones((L, L), dtype=bool), k=1)  # (L, L) keys after the query
        for b, n in enumerate(self.lengths):
            rows = w[b, :n]  # (n, L) real queries only
            pad_share.append(rows[:, n:].sum(axis=1).mean())
            future_share.append((rows * future[:n]).sum(axis=1).mean())
        found = {"padding": float(np.mean(pad_share)), "future": float(np.mean(future_share))}
        return {k: found[k] for k in kinds}

    def blocked(self, b: int) -> np.ndarray:
        """``(L, L)`` bool of sentence ``b``: True where the mask stops attention (the cells that leak without it)."""
        return ~self.mask[b]


def apply(scores, mask, lengths=None) -> MaskedAttention:
    """Mask ``scores`` (B, L, L) with ``mask`` (bool, True = may attend) and softmax each row with
    :func:`tlviz.attention.masked_softmax`, the attention layer's own rule (a row with nothing allowed gets zeros,
    never NaN). ``lengths`` (B,) are the real sentence lengths (default: the keys some query may see)."""
    import torch

    from tlviz.attention import masked_softmax

    s = torch.as_tensor(np.asarray(scores, dtype=np.float64))  # (B, L, L)
    m = torch.as_tensor(mask, dtype=torch.bool).expand_as(s)  # (B, L, L)
    if lengths is None:
        lengths = m.any(-2).sum(-1).reshape(-1).tolist()  # (B,)
    return MaskedAttention(scores=s.numpy(), mask=m.numpy(), masked_scores=s.masked_fill(~m, float("-inf")).numpy(),
                           weights=masked_softmax(s, m).numpy(), weights_unmasked=torch.softmax(s, dim=-1).numpy(),
                           lengths=[int(n) for n in lengths])


@dataclass
class Lesson:
    """Everything the masks lesson shows for one typed batch: B sentences padded to L positions."""

    grid: list[list[str]]  # (B, L) tokens, [PAD] after each sentence's end
    lengths: list[int]  # (B,)
    padding: np.ndarray  # (B, L) bool, True = real token
    look_ahead: np.ndarray  # (L, L) bool, True = may attend (lower triangle with the diagonal)
    causal: bool  # whether ``attention`` used the look-ahead mask too (decoder self-attention)
    attention: MaskedAttention  # (B, L, L) demo scores masked with padding (AND look-ahead when causal)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The leaks this attention's mask prevents: padding, and future words when causal."""
        return ("padding", "future") if self.causal else ("padding",)


def lesson(text: str, causal: bool) -> Lesson:
    """Split ``text`` (one sentence per line, :func:`split_sentences`), pad it, build both masks and the masked
    attention of demo scores (:func:`demo_scores`). Deterministic: the same text gives the same numbers."""
    grid, lengths = pad_batch(split_sentences(text))
    L = len(grid[0])
    mask = attention_mask(lengths, L, causal=causal)  # (B, L, L)
    return Lesson(grid=grid, lengths=lengths, padding=padding_mask(lengths, L).numpy(),
                  look_ahead=causal_mask(L).numpy(), causal=bool(causal),
                  attention=apply(demo_scores(grid), mask, lengths))
