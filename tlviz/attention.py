"""Attention maths, written out so every intermediate can be shown."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import _


class LayeredAttention:
    """Shared by the attention traces of pretrained models (:class:`tlviz.bert.AttentionTrace`,
    :class:`tlviz.vit.AttentionTrace`): ``weights`` is ``(layers, heads, Lq, Lk)``."""

    weights: object

    @property
    def num_layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def num_heads(self) -> int:
        return int(self.weights.shape[1])


def masked_softmax(scores, mask=None, dim: int = -1):
    """softmax over ``dim`` of the scores a mask allows, the one masking rule of tlviz (attention, masks, seq2seq).

    ``scores`` a torch tensor ``(..., Lk)``; ``mask`` bool broadcastable to it, **True = may attend** (None: all).
    Masked entries get exactly 0; the allowed ones of a row sum to 1; a row with no allowed entry gets all zeros,
    never NaN (softmax(-inf, ..., -inf) would be 0/0). Computes in the scores' dtype.
    """
    import torch

    if mask is None:
        return torch.softmax(scores, dim=dim)
    mask = torch.as_tensor(mask, dtype=torch.bool, device=scores.device).expand_as(scores)
    any_allowed = mask.any(dim=dim, keepdim=True)  # (..., 1)
    safe = scores.masked_fill(~mask, float("-inf")).masked_fill(~any_allowed, 0.0)
    return torch.softmax(safe, dim=dim) * any_allowed.to(scores.dtype)


def scaled_dot_product(q, k, v, mask=None, return_scores: bool = False):
    """softmax(q k^T / sqrt(d)) v, as in "Attention Is All You Need".

    q ``(..., Lq, d)``, k ``(..., Lk, d)``, v ``(..., Lk, dv)`` (torch tensors); ``mask`` bool broadcastable to
    ``(..., Lq, Lk)`` with **True = may attend**. Returns ``(out (..., Lq, dv), weights (..., Lq, Lk))``; with
    ``return_scores`` also the scaled scores with masked cells at -inf. A query with no allowed key gets all-zero
    weights (and a zero output), never NaN (:func:`masked_softmax`). Computes in the inputs' dtype.
    """
    import torch

    d = q.shape[-1]
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d)  # (..., Lq, Lk)
    if mask is not None:
        mask = torch.as_tensor(mask, dtype=torch.bool, device=scores.device)
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = masked_softmax(scores, mask)  # (..., Lq, Lk)
    out = torch.matmul(weights, v)  # (..., Lq, dv)
    return (out, weights, scores) if return_scores else (out, weights)


SCORE_METHODS = ("dot", "scaled_dot", "general", "additive")

#: The score functions' formulas (LaTeX), for the lesson page.
SCORE_FORMULAS = {
    "dot": r"\mathrm{score}(\mathbf{s}, \mathbf{h}_j) = \mathbf{s}^\top \mathbf{h}_j",
    "scaled_dot": r"\mathrm{score}(\mathbf{s}, \mathbf{h}_j) = \frac{\mathbf{s}^\top \mathbf{h}_j}{\sqrt{d}}",
    "general": r"\mathrm{score}(\mathbf{s}, \mathbf{h}_j) = \mathbf{s}^\top W \mathbf{h}_j",
    "additive": r"\mathrm{score}(\mathbf{s}, \mathbf{h}_j) = \mathbf{v}^\top \tanh(W_1 \mathbf{s} + W_2 \mathbf{h}_j)",
}

#: The rest of one attention step, after the score (LaTeX).
#: Written after a score formula; ``\allowbreak`` lets a narrow screen wrap between the equations (each in
#: braces stays whole), see :data:`tlviz.viz.fit.FORMULA_BREAK`.
STEP_FORMULA = (r" \allowbreak\qquad {\alpha = \mathrm{softmax}(\mathrm{scores}/T)}"
                r" \allowbreak\qquad {\mathbf{c} = \textstyle\sum_j \alpha_j \mathbf{h}_j}")

#: The lecture's worked example (decoder state, encoder states).
LECTURE_DECODER = (10.0, 5.0, 10.0)
LECTURE_ENCODER = ((0.0, 1.0, 1.0), (5.0, 0.0, 1.0), (1.0, 1.0, 0.0), (0.0, 5.0, 1.0))


def lecture_cells(n: int, d: int) -> list[list[str]]:
    """The lecture's numbers as typed cells for ``n`` encoder states of size ``d``: the decoder state first, then
    each encoder state; cells beyond the lecture's 4 x 3 are ``"0"``."""
    rows = [LECTURE_DECODER] + [LECTURE_ENCODER[j] if j < len(LECTURE_ENCODER) else () for j in range(n)]
    return [[f"{row[c]:g}" if c < len(row) else "0" for c in range(d)] for row in rows]


def matrix_text(m) -> str:
    """A matrix as the lines of numbers :func:`parse_matrix` reads back (``np.eye(2)`` -> ``"1 0\\n0 1"``)."""
    return "\n".join(" ".join(f"{v:g}" for v in row) for row in np.asarray(m, dtype=np.float64))


def number_text(text: str) -> str:
    """``text`` unchanged when it is a number :func:`parse_number` accepts, else :class:`InputError` (for a link's
    value of a typed cell)."""
    parse_number(text)
    return text


def identity_text(d: int) -> str:
    """The d x d identity as typed text (the general score's W that gives the dot product back)."""
    return matrix_text(np.eye(int(d)))


def _as_numpy(x):
    """numpy float64 view of a numpy array, list or torch tensor (and whether it was torch)."""
    if hasattr(x, "detach"):
        return x.detach().cpu().double().numpy(), True
    return np.asarray(x, dtype=np.float64), False


def score_params(method: str, d: int, seed: int = 0, hidden: int | None = None) -> dict:
    """Seeded parameters of a score function: ``W`` (d, d) for general; ``W1``, ``W2`` (hidden, d) and ``v``
    (hidden,) for additive. The same seed gives the same numbers."""
    rng = np.random.default_rng(seed)
    if method == "general":
        return {"W": np.round(rng.normal(0.0, 1.0, (d, d)), 2)}
    if method == "additive":
        h = hidden or d
        return {"W1": np.round(rng.normal(0.0, 1.0 / np.sqrt(d), (h, d)), 2),
                "W2": np.round(rng.normal(0.0, 1.0 / np.sqrt(d), (h, d)), 2),
                "v": np.round(rng.normal(0.0, 1.0, h), 2)}
    return {}


def score(query, keys, method: str = "dot", seed: int = 0, **params):
    """Scores of one query against ``n`` keys: query ``(d,)``, keys ``(n, d)`` -> ``(n,)``.

    ``method``: ``"dot"`` (q·k), ``"scaled_dot"`` (q·k / sqrt(d)), ``"general"`` (q·W·k with ``W`` (d, d)),
    ``"additive"`` (Bahdanau: v·tanh(W1 q + W2 k) with ``W1``, ``W2`` (h, d) and ``v`` (h,)). Parameters not
    given are drawn with ``seed`` (:func:`score_params`). numpy in, numpy out; torch in, torch out (float64
    maths, returned in the query's dtype).
    """
    q, is_torch = _as_numpy(query)
    k = _as_numpy(keys)[0]
    if q.ndim != 1 or k.ndim != 2 or k.shape[1] != q.shape[0]:
        raise InputError(_("The query must be one vector (d,) and the keys a table (n, d) of the same width; got "
                           "{q} and {k}.").format(q=q.shape, k=k.shape))
    if method not in SCORE_METHODS:
        raise InputError(_("Unknown score function '{method}'; choose one of {methods}.").format(
            method=method, methods=", ".join(SCORE_METHODS)))
    d = q.shape[0]
    given = {name: _as_numpy(value)[0] for name, value in params.items() if value is not None}
    defaults = score_params(method, d, seed=seed, hidden=(given["v"].shape[0] if "v" in given else None))
    p = {**defaults, **given}
    if method == "dot":
        out = k @ q
    elif method == "scaled_dot":
        out = k @ q / np.sqrt(d)
    elif method == "general":
        W = p["W"]
        if W.shape != (d, d):
            raise InputError(_("W must be {d}x{d} to score {d}-d vectors; got {rows}x{cols}.").format(
                d=d, rows=W.shape[0], cols=W.shape[1]))
        out = k @ (W.T @ q)  # q^T W k_j for every j
    else:
        W1, W2, v = p["W1"], p["W2"], p["v"]
        if W1.shape[1] != d or W2.shape[1] != d or W1.shape[0] != W2.shape[0] or v.shape != (W1.shape[0],):
            raise InputError(_("Additive attention needs W1 and W2 of shape (h, d) and v of shape (h,)."))
        out = np.tanh(W1 @ q + k @ W2.T) @ v  # (n,)
    if is_torch:
        import torch

        return torch.as_tensor(out, dtype=query.dtype if query.dtype.is_floating_point else torch.float64)
    return out


def softmax(x, temperature: float = 1.0):
    """Numerically stable softmax of a 1-d array, ``softmax(x / T)``; -inf entries get weight 0."""
    x = np.asarray(x, dtype=np.float64)
    if not temperature > 0:
        raise InputError(_("The softmax temperature must be a positive number."))
    z = x / temperature
    finite = np.isfinite(z)
    if not finite.any():
        return np.zeros_like(z)
    e = np.where(finite, np.exp(z - z[finite].max()), 0.0)
    return e / e.sum()


@dataclass
class WorkedExample:
    """The lecture's seq2seq attention step, every intermediate kept. n encoder states of size d."""

    decoder_hidden: np.ndarray  # (d,)
    encoder_hidden: np.ndarray  # (n, d)
    scores: np.ndarray  # (n,)
    weights: np.ndarray  # (n,) softmax(scores / T), sums to 1
    weighted: np.ndarray  # (n, d) each encoder state times its weight
    context: np.ndarray  # (d,) sum of the weighted states
    temperature: float = 1.0
    method: str = "dot"


def worked_example(decoder_hidden=LECTURE_DECODER, encoder_hidden=LECTURE_ENCODER, softmax_temperature: float = 1.0,
                   method: str = "dot", **params) -> WorkedExample:
    """One attention step by hand: scores, softmax(scores / T), weighted states, context vector.

    Defaults are the lecture's numbers: decoder ``[10, 5, 10]``, encoder ``[0,1,1]``, ``[5,0,1]``, ``[1,1,0]``,
    ``[0,5,1]`` -> scores 15, 60, 15, 35 -> weights about ``[0, 1, 0, 0]`` -> context about ``[5, 0, 1]``.
    ``method`` (dot by default, as in the lecture) and ``params`` go to :func:`score`. Non-finite or misshapen
    numbers raise :class:`InputError`.
    """
    s = _as_numpy(decoder_hidden)[0]
    h = _as_numpy(encoder_hidden)[0]
    if s.ndim != 1 or s.size == 0:
        raise InputError(_("The decoder hidden state must be one row of numbers."))
    if h.ndim != 2 or h.shape[0] == 0:
        raise InputError(_("Give at least one encoder hidden state."))
    if h.shape[1] != s.shape[0]:
        raise InputError(_("The decoder state has {n} numbers but the encoder states have {m}: they must be the same "
                           "size to take dot products.").format(n=s.shape[0], m=h.shape[1]))
    if not (np.isfinite(s).all() and np.isfinite(h).all()):
        raise InputError(_("Every cell must hold a number (no blanks, no text, no infinity)."))
    scores = score(s, h, method, **params)
    weights = softmax(scores, softmax_temperature)
    weighted = weights[:, None] * h  # (n, d)
    return WorkedExample(decoder_hidden=s, encoder_hidden=h, scores=scores, weights=weights, weighted=weighted,
                         context=weighted.sum(axis=0), temperature=float(softmax_temperature), method=method)


# ------------------------------------------------------------------------------------------- typed numbers

#: Largest magnitude a typed number may have (exp() of bigger scores is still fine thanks to the max-shift, but
#: numbers this large make every table unreadable).
MAX_ABS_NUMBER = 1e6


def parse_number(text, where: str | None = None) -> float:
    """A number a student typed (``"5"``, ``" -0.5 "``, ``"1e-3"``, ``"2,5"``) or an :class:`InputError` saying
    which cell is wrong."""
    where = where or _("this cell")
    raw = str(text).strip()
    if not raw:
        raise InputError(_("{where} is empty: type a number there.").format(where=where))
    try:
        value = float(raw.replace(",", ".")) if raw.count(",") == 1 and "." not in raw else float(raw)
    except ValueError:
        raise InputError(_("{where} holds '{text}', which is not a number. Type a number such as 5 or -0.5.").format(
            where=where, text=raw[:20])) from None
    if not np.isfinite(value) or abs(value) > MAX_ABS_NUMBER:
        raise InputError(_("{where} holds {text}: please use a finite number between -{limit} and {limit}.").format(
            where=where, text=raw[:20], limit=f"{MAX_ABS_NUMBER:g}"))
    return value


def parse_cells(cells, row_names=None) -> np.ndarray:
    """A table of typed cells (rows of strings) as a float64 array ``(rows, cols)``, naming the first bad cell."""
    names = list(row_names) if row_names is not None else [_("row {n}").format(n=i + 1) for i in range(len(cells))]
    cell = _("Cell {row}, column {col}")
    return np.array([[parse_number(c, cell.format(row=names[r], col=j + 1)) for j, c in enumerate(row)]
                     for r, row in enumerate(cells)], dtype=np.float64)


def parse_matrix(text: str, shape: tuple[int, int] | None = None, name: str | None = None) -> np.ndarray:
    """A matrix typed as lines of numbers separated by spaces or commas (``"1 0\\n0 1"``)."""
    name = name or _("the matrix")
    rows = [line.replace(",", " ").replace(";", " ").split() for line in str(text).strip().splitlines()]
    rows = [r for r in rows if r]
    if not rows:
        raise InputError(_("Type {name}: one row per line, numbers separated by spaces.").format(name=name))
    if len({len(r) for r in rows}) != 1:
        raise InputError(_("Every row of {name} needs the same number of entries.").format(name=name))
    m = parse_cells(rows, [_("{name} row {n}").format(name=name, n=i + 1) for i in range(len(rows))])
    if shape is not None and m.shape != tuple(shape):
        raise InputError(_("{name} must be {rows}x{cols} here; you typed {r}x{c}.").format(
            name=name, rows=shape[0], cols=shape[1], r=m.shape[0], c=m.shape[1]))
    return m
