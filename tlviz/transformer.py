"""The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al. 2017), from scratch.

Every piece the lecture names is a separate, readable module: embeddings scaled by sqrt(d_model), sinusoidal
positional encoding, multi-head attention with separate Q/K/V projections, ``LayerNorm(x + Sublayer(x))`` around
each sub-layer (post-norm, as in the paper), a position-wise feed-forward network (Linear, ReLU, Linear), and the
output projection to the vocabulary. ``forward(..., return_trace=True)`` also returns every intermediate (a
:class:`TransformerTrace` of numpy arrays); :func:`parameter_count` and :func:`paper_comparison` count the paper's
base model on these very classes.

The rest of the lesson's engine lives beside this file, and its public names are importable from here too:
:mod:`tlviz.toy_translator` (a model with its toy task's vocabularies, loading, greedy decoding) and
:mod:`tlviz.transformer_train` (teacher-forced training speaking :mod:`tlviz.training`, the lecture's loss example).

Shapes: B batch, Ls source length, Lt target length, h heads, d = d_model, d_k query (= key = value) size per head,
V vocabulary size. Masks follow PyTorch's convention: True = may attend / real token.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass, field

import numpy as np

# Unlike the rest of the engine, this module imports torch at import time: its nn.Module classes are the
# lesson's reading material and stay plain top-level classes. Only the Transformer page imports it, and by then
# ui.setup() has already imported torch.
import torch
from torch import nn

from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.params import count_parameters  # noqa: F401 (also tlviz.transformer.count_parameters)

# --------------------------------------------------------------------------------------------- config

@dataclass(frozen=True)
class TransformerConfig:
    """Hyperparameters (the paper's base model by default). Frozen: equal configs are one cache key."""

    src_vocab: int
    tgt_vocab: int
    d_model: int = 512  # embedding size = every layer's output size
    n_heads: int = 8
    d_ff: int = 2048  # inner size of the feed-forward network
    n_layers: int = 6  # N, for the encoder stack and the decoder stack each
    dropout: float = 0.1
    max_len: int = 512  # longest sequence the positional encoding covers
    share_embeddings: bool = False  # tie source, target embedding and output projection (paper, section 3.4)
    d_k: int | None = None  # query size per head; None = d_model // n_heads as in the paper

    def __post_init__(self):
        if min(self.src_vocab, self.tgt_vocab, self.d_model, self.n_heads, self.d_ff, self.n_layers,
               self.max_len) < 1:
            raise InputError(_("Every size in the Transformer configuration must be at least 1."))
        if self.d_k is None and self.d_model % self.n_heads:
            raise InputError(_("The embedding size ({d_model}) must be divisible by the number of heads ({heads}), "
                               "or give the query size d_k explicitly.").format(d_model=self.d_model,
                                                                               heads=self.n_heads))
        if self.share_embeddings and self.src_vocab != self.tgt_vocab:
            raise InputError(_("share_embeddings needs one vocabulary for source and target "
                               "(src_vocab == tgt_vocab)."))
        if not 0.0 <= self.dropout < 1.0:
            raise InputError(_("dropout must be in [0, 1)."))

    @property
    def head_dim(self) -> int:
        return self.d_k if self.d_k is not None else self.d_model // self.n_heads

    @classmethod
    def tiny(cls, src_vocab: int = 11, tgt_vocab: int = 13, **overrides) -> TransformerConfig:
        """A very small model for tests: 2 layers, 2 heads, d_model 16."""
        base = dict(d_model=16, n_heads=2, d_ff=32, n_layers=2, dropout=0.0, max_len=32)
        return cls(src_vocab, tgt_vocab, **{**base, **overrides})

    @classmethod
    def small(cls, src_vocab: int, tgt_vocab: int, **overrides) -> TransformerConfig:
        """The size the shipped toy checkpoints and live training use: 2 layers, 4 heads, d_model 64."""
        base = dict(d_model=64, n_heads=4, d_ff=128, n_layers=2, dropout=0.1, max_len=32)
        return cls(src_vocab, tgt_vocab, **{**base, **overrides})

    @classmethod
    def base(cls, vocab: int = 37000, share_embeddings: bool = True) -> TransformerConfig:
        """The paper's base model: N = 6, d_model = 512, d_ff = 2048, h = 8, shared 37k BPE vocabulary (EN-DE)."""
        return cls(vocab, vocab, share_embeddings=share_embeddings)

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------- traces

@dataclass
class AttentionStep:
    """One multi-head attention block, every intermediate as numpy."""

    q: np.ndarray  # (B, h, Lq, d_k) per-head queries
    k: np.ndarray  # (B, h, Lk, d_k)
    v: np.ndarray  # (B, h, Lk, d_k)
    raw_scores: np.ndarray  # (B, h, Lq, Lk) Q K^T / sqrt(d_k) before the mask
    scores: np.ndarray  # (B, h, Lq, Lk) the same with -inf where masked
    mask: np.ndarray  # (B, Lq, Lk) bool, True = may attend
    weights: np.ndarray  # (B, h, Lq, Lk) softmax of the scores; rows sum to 1
    heads: np.ndarray  # (B, h, Lq, d_k) weights @ V per head
    concat: np.ndarray  # (B, Lq, h * d_k) heads side by side
    out: np.ndarray  # (B, Lq, d) after the output projection W_o


@dataclass
class EncoderLayerTrace:
    input: np.ndarray  # (B, Ls, d)
    self_attn: AttentionStep
    add_norm1: np.ndarray  # (B, Ls, d) LayerNorm(x + SelfAttention(x))
    ff_hidden: np.ndarray  # (B, Ls, d_ff) after ReLU
    ff_out: np.ndarray  # (B, Ls, d)
    output: np.ndarray  # (B, Ls, d) LayerNorm(y + FeedForward(y))


@dataclass
class DecoderLayerTrace:
    input: np.ndarray  # (B, Lt, d)
    self_attn: AttentionStep  # masked self-attention
    add_norm1: np.ndarray  # (B, Lt, d)
    cross_attn: AttentionStep  # encoder-decoder attention: queries from the decoder, keys/values from the encoder
    add_norm2: np.ndarray  # (B, Lt, d)
    ff_hidden: np.ndarray  # (B, Lt, d_ff)
    ff_out: np.ndarray  # (B, Lt, d)
    output: np.ndarray  # (B, Lt, d)


@dataclass
class TransformerTrace:
    """Everything one forward pass computed. Attention weights are also stacked on a leading layer axis."""

    src_ids: np.ndarray  # (B, Ls) int
    tgt_ids: np.ndarray  # (B, Lt) int: the decoder input (target shifted right behind <sos>)
    src_embedding: np.ndarray  # (B, Ls, d) embedding * sqrt(d)
    src_position: np.ndarray  # (Ls, d) sinusoidal positional encoding
    src_input: np.ndarray  # (B, Ls, d) their sum (before dropout)
    tgt_embedding: np.ndarray  # (B, Lt, d)
    tgt_position: np.ndarray  # (Lt, d)
    tgt_input: np.ndarray  # (B, Lt, d)
    encoder: list[EncoderLayerTrace]
    decoder: list[DecoderLayerTrace]
    memory: np.ndarray  # (B, Ls, d) the encoder's output, read by every decoder layer
    logits: np.ndarray  # (B, Lt, V)
    probs: np.ndarray  # (B, Lt, V) softmax over the vocabulary
    encoder_self_attention: np.ndarray = field(init=False)  # (layers, B, h, Ls, Ls)
    decoder_self_attention: np.ndarray = field(init=False)  # (layers, B, h, Lt, Lt)
    cross_attention: np.ndarray = field(init=False)  # (layers, B, h, Lt, Ls)

    def __post_init__(self):
        self.encoder_self_attention = np.stack([lay.self_attn.weights for lay in self.encoder])
        self.decoder_self_attention = np.stack([lay.self_attn.weights for lay in self.decoder])
        self.cross_attention = np.stack([lay.cross_attn.weights for lay in self.decoder])


def _np(t) -> np.ndarray:
    return t.detach().float().cpu().numpy() if t.is_floating_point() else t.detach().cpu().numpy()


# --------------------------------------------------------------------------------------------- modules

class MultiHeadAttention(nn.Module):
    """Multi-head attention with separate Q, K, V projections (``q = Wq a``...), h heads of size d_k, and W_o."""

    def __init__(self, d_model: int, n_heads: int, d_k: int | None = None):
        super().__init__()
        self.n_heads = n_heads
        self.d_k = d_k if d_k is not None else d_model // n_heads
        inner = n_heads * self.d_k
        self.w_q = nn.Linear(d_model, inner)
        self.w_k = nn.Linear(d_model, inner)
        self.w_v = nn.Linear(d_model, inner)
        self.w_o = nn.Linear(inner, d_model)

    def _split(self, x):
        b, n, _ = x.shape
        return x.view(b, n, self.n_heads, self.d_k).transpose(1, 2)  # (B, h, L, d_k)

    def forward(self, query, key, value, mask=None, record: bool = False):
        """query (B, Lq, d), key/value (B, Lk, d); ``mask`` bool broadcastable to (B, 1, Lq, Lk), True = may
        attend. Returns (out (B, Lq, d), AttentionStep or None)."""
        from tlviz.attention import scaled_dot_product

        q, k, v = self._split(self.w_q(query)), self._split(self.w_k(key)), self._split(self.w_v(value))
        heads, weights, scores = scaled_dot_product(q, k, v, mask, return_scores=True)  # (B, h, Lq, d_k)
        b, _, lq, _ = heads.shape
        concat = heads.transpose(1, 2).reshape(b, lq, self.n_heads * self.d_k)  # (B, Lq, h * d_k)
        out = self.w_o(concat)
        if not record:
            return out, None
        full_mask = (torch.ones(b, 1, lq, k.shape[2], dtype=torch.bool) if mask is None
                     else torch.as_tensor(mask).expand(b, 1, lq, k.shape[2]))
        raw = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)  # (B, h, Lq, Lk), unmasked
        return out, AttentionStep(q=_np(q), k=_np(k), v=_np(v), raw_scores=_np(raw), scores=_np(scores),
                                  mask=_np(full_mask[:, 0]),
                                  weights=_np(weights), heads=_np(heads), concat=_np(concat), out=_np(out))


class FeedForward(nn.Module):
    """Position-wise feed-forward network: Linear -> ReLU -> Linear, the same for every position."""

    def __init__(self, d_model: int, d_ff: int):
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)

    def forward(self, x):
        hidden = torch.relu(self.linear1(x))  # (B, L, d_ff)
        return self.linear2(hidden), hidden


class EncoderLayer(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.self_attn = MultiHeadAttention(cfg.d_model, cfg.n_heads, cfg.d_k)
        self.ff = FeedForward(cfg.d_model, cfg.d_ff)
        self.norm1, self.norm2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x, mask, record: bool = False):
        attn, a_rec = self.self_attn(x, x, x, mask, record)
        y = self.norm1(x + self.dropout(attn))  # LayerNorm(x + Sublayer(x))
        ff, hidden = self.ff(y)
        out = self.norm2(y + self.dropout(ff))
        rec = EncoderLayerTrace(_np(x), a_rec, _np(y), _np(hidden), _np(ff), _np(out)) if record else None
        return out, rec


class DecoderLayer(nn.Module):
    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.self_attn = MultiHeadAttention(cfg.d_model, cfg.n_heads, cfg.d_k)
        self.cross_attn = MultiHeadAttention(cfg.d_model, cfg.n_heads, cfg.d_k)
        self.ff = FeedForward(cfg.d_model, cfg.d_ff)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(cfg.d_model) for _ in range(3))
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x, memory, self_mask, cross_mask, record: bool = False):
        attn, s_rec = self.self_attn(x, x, x, self_mask, record)
        y = self.norm1(x + self.dropout(attn))
        cross, c_rec = self.cross_attn(y, memory, memory, cross_mask, record)  # queries: decoder; K, V: encoder
        z = self.norm2(y + self.dropout(cross))
        ff, hidden = self.ff(z)
        out = self.norm3(z + self.dropout(ff))
        rec = (DecoderLayerTrace(_np(x), s_rec, _np(y), c_rec, _np(z), _np(hidden), _np(ff), _np(out))
               if record else None)
        return out, rec


class Embeddings(nn.Module):
    """Token ids (B, L) -> vectors (B, L, d), multiplied by sqrt(d_model) as in the paper (section 3.4)."""

    def __init__(self, vocab: int, d_model: int):
        super().__init__()
        self.table = nn.Embedding(vocab, d_model)
        self.scale = math.sqrt(d_model)

    def forward(self, ids):
        return self.table(ids) * self.scale


class Transformer(nn.Module):
    """Encoder stack + decoder stack + output projection. See the module docstring for shapes and masks."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        from tlviz.positional import sinusoidal

        self.config = config
        self.src_embed = Embeddings(config.src_vocab, config.d_model)
        self.tgt_embed = self.src_embed if config.share_embeddings else Embeddings(config.tgt_vocab, config.d_model)
        self.register_buffer("pe", torch.tensor(sinusoidal(config.max_len, config.d_model), dtype=torch.float32),
                             persistent=False)  # fixed, never learnt: not part of the checkpoint
        self.encoder = nn.ModuleList(EncoderLayer(config) for _ in range(config.n_layers))
        self.decoder = nn.ModuleList(DecoderLayer(config) for _ in range(config.n_layers))
        self.out = nn.Linear(config.d_model, config.tgt_vocab)
        if config.share_embeddings:
            self.out.weight = self.src_embed.table.weight  # one matrix for both embeddings and the pre-softmax map
        self.dropout = nn.Dropout(config.dropout)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        # embeddings are multiplied by sqrt(d): start them at std 1/sqrt(d) so the sum with PE is balanced
        for emb in {id(self.src_embed): self.src_embed, id(self.tgt_embed): self.tgt_embed}.values():
            nn.init.normal_(emb.table.weight, std=self.config.d_model ** -0.5)

    # ----- pieces (greedy decoding encodes once, then runs the decoder again and again)
    def _check_len(self, n: int) -> None:
        if n > self.config.max_len:
            raise InputError(_("The sequence has {n} tokens; this model's positional encoding covers at most "
                               "{max_len}.").format(n=n, max_len=self.config.max_len))

    def encode(self, src, src_mask=None, record: bool = False):
        """src (B, Ls) ids -> memory (B, Ls, d), and the per-layer traces when ``record``."""
        self._check_len(src.shape[1])
        emb = self.src_embed(src)  # (B, Ls, d)
        pos = self.pe[: src.shape[1]]  # (Ls, d)
        x = self.dropout(emb + pos)
        mask = None if src_mask is None else src_mask[:, None, None, :].bool()  # (B, 1, 1, Ls)
        traces = []
        for layer in self.encoder:
            x, rec = layer(x, mask, record)
            traces.append(rec)
        return x, (emb, pos, traces)

    def decode(self, tgt, memory, src_mask=None, tgt_mask=None, record: bool = False):
        """tgt (B, Lt) decoder input ids, memory (B, Ls, d) -> logits (B, Lt, V)."""
        lt = tgt.shape[1]
        self._check_len(lt)
        emb = self.tgt_embed(tgt)  # (B, Lt, d)
        pos = self.pe[:lt]
        x = self.dropout(emb + pos)
        if tgt_mask is None:
            tgt_mask = torch.ones(lt, lt, dtype=torch.bool, device=tgt.device).tril()  # causal: no peeking ahead
        tgt_mask = tgt_mask.bool()
        self_mask = tgt_mask[None, None] if tgt_mask.dim() == 2 else tgt_mask[:, None]  # (B or 1, 1, Lt, Lt)
        cross_mask = None if src_mask is None else src_mask[:, None, None, :].bool()  # (B, 1, 1, Ls)
        traces = []
        for layer in self.decoder:
            x, rec = layer(x, memory, self_mask, cross_mask, record)
            traces.append(rec)
        return self.out(x), (emb, pos, traces)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, return_trace: bool = False):
        """src (B, Ls), tgt (B, Lt) ids. ``src_mask`` bool (B, Ls), True = real token (None: all real);
        ``tgt_mask`` bool (Lt, Lt) or (B, Lt, Lt), True = may attend (None: causal). Returns logits (B, Lt, V),
        or (logits, :class:`TransformerTrace`) with ``return_trace``."""
        memory, (s_emb, s_pos, enc_tr) = self.encode(src, src_mask, return_trace)
        logits, (t_emb, t_pos, dec_tr) = self.decode(tgt, memory, src_mask, tgt_mask, return_trace)
        if not return_trace:
            return logits
        trace = TransformerTrace(
            src_ids=_np(src), tgt_ids=_np(tgt), src_embedding=_np(s_emb), src_position=_np(s_pos),
            src_input=_np(s_emb + s_pos), tgt_embedding=_np(t_emb), tgt_position=_np(t_pos),
            tgt_input=_np(t_emb + t_pos), encoder=enc_tr, decoder=dec_tr, memory=_np(memory), logits=_np(logits),
            probs=_np(torch.softmax(logits, dim=-1)))
        return logits, trace


@contextlib.contextmanager
def small_work(label: str, threads: int = 1, grad: bool = False):
    """Hold the heavy-work lock and use ``threads`` torch threads inside it (process-wide, hence only under the
    lock). Our toy models are too small for two threads to pay: see :class:`TrainConfig`."""
    from tlviz import runtime

    with runtime.exclusive(label), runtime.torch_threads(threads), torch.set_grad_enabled(grad):
        yield


@dataclass(frozen=True)
class ParameterCount:
    total: int
    embeddings: int  # source + target embedding tables (once if shared)
    encoder: int
    decoder: int
    output: int  # the output projection's own parameters (only its bias when tied to the embeddings)
    config: TransformerConfig


def parameter_count(config: TransformerConfig) -> ParameterCount:
    """Build the model from our classes on torch's ``meta`` device (no memory, no maths) and count by part."""
    with torch.device("meta"):
        model = Transformer(config)
    seen: set[int] = set()
    emb = count_parameters(model.src_embed, seen) + count_parameters(model.tgt_embed, seen)
    enc, dec = count_parameters(model.encoder, seen), count_parameters(model.decoder, seen)
    out = count_parameters(model.out, seen)
    return ParameterCount(emb + enc + dec + out, emb, enc, dec, out, config)


#: The base model's size as the paper reports it (Table 3), rounded to millions; the exact vocabulary is not given.
PAPER_BASE_PARAMETERS = 65_000_000


@dataclass(frozen=True)
class PaperComparison:
    """Our count of the paper's base model (tied and separate embeddings) against the paper's 65M."""

    vocab: int  # the shared BPE vocabulary assumed
    tied: ParameterCount  # embeddings and output projection share one matrix, as in the paper
    separate: ParameterCount
    paper_total: int = PAPER_BASE_PARAMETERS

    @property
    def layers(self) -> int:
        """The encoder and decoder stacks alone (no embeddings, no output layer)."""
        return self.tied.encoder + self.tied.decoder

    @property
    def gap(self) -> int:
        """The paper's total minus ours with tied embeddings (positive: the paper counts more)."""
        return self.paper_total - self.tied.total

    @property
    def per_token(self) -> int:
        """Parameters one more vocabulary entry adds with tied embeddings: an embedding row and an output bias."""
        return self.tied.config.d_model + 1

    @property
    def vocab_to_match(self) -> float:
        """The vocabulary size at which our tied count would equal the paper's total."""
        return self.vocab + self.gap / self.per_token


def paper_comparison(vocab: int = 37_000) -> PaperComparison:
    """Count :meth:`TransformerConfig.base` with a ``vocab``-token shared vocabulary, tied and untied."""
    return PaperComparison(int(vocab), parameter_count(TransformerConfig.base(vocab, True)),
                           parameter_count(TransformerConfig.base(vocab, False)))


# The lesson's other engine modules, re-exported so that `tlviz.transformer` stays the one place to import from.
from tlviz.toy_translator import *  # noqa: E402, F403  (see its __all__)
from tlviz.transformer_train import *  # noqa: E402, F403
