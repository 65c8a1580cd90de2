"""Sinusoidal positional encoding (Vaswani et al. 2017, section 3.5), and the facts the lesson shows about it."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import _

#: Largest sizes the lesson accepts (a heatmap beyond that is unreadable and slow to draw).
MAX_LEN, MAX_D_MODEL = 1024, 1024


def _check(max_len: int, d_model: int) -> None:
    if int(max_len) < 1 or int(d_model) < 1:
        raise InputError(_("The number of positions and d_model must both be at least 1."))


def check_sizes(max_len: int, d_model: int) -> None:
    """What the lesson page accepts: positive sizes no larger than :data:`MAX_LEN` and :data:`MAX_D_MODEL`."""
    _check(max_len, d_model)
    if int(max_len) > MAX_LEN or int(d_model) > MAX_D_MODEL:
        raise InputError(_("Please keep positions <= {max_len} and d_model <= {max_d}.").format(max_len=MAX_LEN,
                                                                                              max_d=MAX_D_MODEL))


def sinusoidal(max_len: int, d_model: int) -> np.ndarray:
    """``(max_len, d_model)`` float64: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(same)."""
    _check(max_len, d_model)
    pos = np.arange(max_len, dtype=np.float64)[:, None]  # (max_len, 1)
    two_i = np.arange(0, d_model, 2, dtype=np.float64)  # (ceil(d/2),)
    angle = pos / np.power(10000.0, two_i / d_model)  # (max_len, ceil(d/2))
    pe = np.zeros((max_len, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe


def frequencies(d_model: int) -> np.ndarray:
    """``(ceil(d/2),)`` angular frequency of each sin/cos pair: omega_i = 1 / 10000^(2i/d_model)."""
    _check(1, d_model)
    return 1.0 / np.power(10000.0, np.arange(0, d_model, 2, dtype=np.float64) / d_model)


def wavelengths(d_model: int) -> np.ndarray:
    """``(ceil(d/2),)`` wavelength of each pair, 2*pi / omega_i: a geometric progression from 2*pi towards
    10000*2*pi (reached in the limit of large d_model; the last pair's is 2*pi*10000^((d-2)/d))."""
    return 2 * np.pi / frequencies(d_model)


def wavelength_ratio(d_model: int) -> float:
    """How many times longer each pair's wavelength is than the previous pair's: 10000^(2/d_model), the constant
    ratio of the geometric progression :func:`wavelengths`."""
    _check(1, d_model)
    return float(10000.0 ** (2.0 / d_model))


def similarity(pe: np.ndarray, normalise: bool = False) -> np.ndarray:
    """``(L, L)`` dot products PE[p]·PE[q] (cosine similarity with ``normalise``); depends on |p - q| only."""
    pe = np.asarray(pe, dtype=np.float64)
    if normalise:
        pe = pe / np.maximum(np.linalg.norm(pe, axis=1, keepdims=True), 1e-12)
    return pe @ pe.T


def shift_matrix(k: int, d_model: int) -> np.ndarray:
    """The fixed ``(d, d)`` matrix M with PE[pos + k] = M @ PE[pos] for every pos.

    Block diagonal: each (sin, cos) pair is rotated by the angle k*omega_i, because
    sin(w(p+k)) = sin(wp)cos(wk) + cos(wp)sin(wk) and cos(w(p+k)) = cos(wp)cos(wk) - sin(wp)sin(wk).
    M depends on k, never on pos. Needs an even d_model (an odd one leaves the last sine without its cosine).
    """
    if d_model % 2:
        raise InputError(_("The shift is a linear map when every sine has its cosine partner: use an even d_model."))
    M = np.zeros((d_model, d_model))
    for i, w in enumerate(frequencies(d_model)):
        c, s = np.cos(k * w), np.sin(k * w)
        M[2 * i: 2 * i + 2, 2 * i: 2 * i + 2] = [[c, s], [-s, c]]
    return M


@dataclass
class ShiftCheck:
    """The relative-position fact checked on numbers: ``M @ PE[pos] == PE[pos + k]`` for one pos and offset k."""

    k: int
    pos: int
    matrix: np.ndarray  # (d, d) shift_matrix(k, d): 2x2 rotation blocks
    pe_from: np.ndarray  # (d,) PE[pos]
    pe_to: np.ndarray  # (d,) PE[pos + k]
    shifted: np.ndarray  # (d,) M @ PE[pos]
    error: float  # max |PE[pos + k] - M @ PE[pos]|: float64 rounding, about 1e-15


def shift_check(k: int, pos: int, d_model: int) -> ShiftCheck:
    """Apply :func:`shift_matrix` to PE[pos] and measure how far it lands from PE[pos + k] (needs even d_model)."""
    k, pos = int(k), int(pos)
    if k < 0 or pos < 0:
        raise InputError(_("The position and the offset must be 0 or more."))
    M = shift_matrix(k, d_model)
    table = sinusoidal(pos + k + 1, d_model)  # (pos + k + 1, d)
    shifted = M @ table[pos]  # (d,)
    return ShiftCheck(k=k, pos=pos, matrix=M, pe_from=table[pos], pe_to=table[pos + k], shifted=shifted,
                      error=float(np.abs(table[pos + k] - shifted).max()))


def token_embeddings(tokens: list[str], d_model: int, seed: int = 0) -> np.ndarray:
    """``(T, d_model)`` stand-in word embeddings: one fixed random vector per distinct word (N(0, 1)), the same
    vector every time the word appears, so only the positional encoding tells two copies apart."""
    out = np.zeros((len(tokens), d_model))
    for t, tok in enumerate(tokens):
        rng = np.random.default_rng([seed, zlib.crc32(tok.lower().encode("utf-8"))])
        out[t] = rng.normal(0.0, 1.0, d_model)
    return out


@dataclass
class ModelInput:
    """What the first layer sees: word embedding + positional encoding, every part kept. T tokens, d_model."""

    tokens: list[str]
    embeddings: np.ndarray  # (T, d) word vectors (times sqrt(d) when scaled, as in the paper)
    pe: np.ndarray  # (T, d)
    total: np.ndarray  # (T, d) embeddings + pe


MAX_TOKENS = 64


def model_input(text: str, d_model: int, scale: bool = False, seed: int = 0) -> ModelInput:
    """Split ``text`` into words and build embedding + PE. ``scale`` multiplies embeddings by sqrt(d_model), as
    the paper does (section 3.4), so they are not drowned by the encoding."""
    tokens = str(text).split()
    if not tokens:
        raise InputError(_("Please type a sentence (at least one word)."))
    if len(tokens) > MAX_TOKENS:
        raise InputError(_("That sentence has {n} words; please keep it to {limit}.").format(n=len(tokens),
                                                                                           limit=MAX_TOKENS))
    emb = token_embeddings(tokens, d_model, seed) * (np.sqrt(d_model) if scale else 1.0)
    pe = sinusoidal(len(tokens), d_model)
    return ModelInput(tokens=tokens, embeddings=emb, pe=pe, total=emb + pe)
