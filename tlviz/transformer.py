"""The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al. 2017), from scratch.

Every piece the lecture names is a separate, readable module: embeddings scaled by sqrt(d_model), sinusoidal
positional encoding, multi-head attention with separate Q/K/V projections, ``LayerNorm(x + Sublayer(x))`` around
each sub-layer (post-norm, as in the paper), a position-wise feed-forward network (Linear, ReLU, Linear), and the
output projection to the vocabulary. ``forward(..., return_trace=True)`` also returns every intermediate (a
:class:`TransformerTrace` of numpy arrays), and :func:`greedy_decode` returns one :class:`DecodeStep` per output
token. :class:`Trainer` trains with teacher forcing, reports through callbacks and can be stopped between steps.

Shapes: B batch, Ls source length, Lt target length, h heads, d = d_model, d_k query (= key = value) size per head,
V vocabulary size. Masks follow PyTorch's convention: True = may attend / real token.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tlviz.errors import InputError

# Unlike the rest of the engine, this module imports torch at import time: its nn.Module classes are the
# lesson's reading material and stay plain top-level classes. Only the Transformer page imports it, and by then
# ui.setup() has already imported torch.
import torch
from torch import nn


# --------------------------------------------------------------------------------------------- config

@dataclass
class TransformerConfig:
    """Hyperparameters (the paper's base model by default)."""

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
            raise InputError("Every size in the Transformer configuration must be at least 1.")
        if self.d_k is None and self.d_model % self.n_heads:
            raise InputError(f"The embedding size ({self.d_model}) must be divisible by the number of heads "
                             f"({self.n_heads}), or give the query size d_k explicitly.")
        if self.share_embeddings and self.src_vocab != self.tgt_vocab:
            raise InputError("share_embeddings needs one vocabulary for source and target (src_vocab == tgt_vocab).")
        if not 0.0 <= self.dropout < 1.0:
            raise InputError("dropout must be in [0, 1).")

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
            raise InputError(f"The sequence has {n} tokens; this model's positional encoding covers at most "
                             f"{self.config.max_len}.")

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


def count_parameters(model) -> int:
    """Distinct parameters (tied matrices counted once)."""
    return sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class ParameterCount:
    total: int
    embeddings: int  # source + target embedding tables (once if shared)
    encoder: int
    decoder: int
    output: int  # the output projection's own parameters (only its bias when tied to the embeddings)
    config: TransformerConfig


def parameter_count(config: TransformerConfig) -> ParameterCount:
    """Build the model from our classes on torch's ``meta`` device (no memory, no maths) and count."""
    with torch.device("meta"):
        model = Transformer(config)
    seen: set[int] = set()

    def count(module) -> int:
        n = 0
        for p in module.parameters():
            if id(p) not in seen:
                seen.add(id(p))
                n += p.numel()
        return n

    emb = count(model.src_embed) + count(model.tgt_embed)
    enc, dec, out = count(model.encoder), count(model.decoder), count(model.out)
    return ParameterCount(emb + enc + dec + out, emb, enc, dec, out, config)


# ------------------------------------------------------------------------------- a model + its vocabularies

@dataclass
class Seq2SeqModel:
    """A Transformer with its task (tokeniser, vocabularies). Shared read-only when loaded through the catalogue."""

    model: Any  # Transformer in eval mode
    task: Any  # tlviz.data.parallel.ParallelTask
    name: str = "untrained"
    note: str = ""
    metrics: dict = field(default_factory=dict)

    @property
    def config(self) -> TransformerConfig:
        return self.model.config

    def source_ids(self, text: str) -> tuple[list[str], list[int], list[str]]:
        """(tokens, ids with <eos> appended, unknown words). InputError on empty or over-long input."""
        tokens, unknown = self.task.check(text)
        if len(tokens) + 1 > self.config.max_len:
            raise InputError(f"The input is too long for this model (at most {self.config.max_len - 1} tokens).")
        return tokens, self.task.src_vocab.encode(tokens) + [self.task.src_vocab.eos_id], unknown

    def target_ids(self, text: str) -> tuple[list[str], list[int], list[int]]:
        """A target sentence as (tokens, decoder input = <sos> + tokens, expected output = tokens + <eos>)."""
        v = self.task.tgt_vocab
        tokens = [t for t in re.findall(r"[^\W_]+", text.lower())] if text else []
        if self.task.char_level:
            tokens = [ch for w in tokens for ch in (w if w.isdigit() else [w])]
        if len(tokens) + 1 > self.config.max_len:
            raise InputError(f"The target is too long for this model (at most {self.config.max_len - 1} tokens).")
        ids = v.encode(tokens)
        return tokens, [v.sos_id] + ids, ids + [v.eos_id]

    def default_target(self, text: str) -> tuple[str, str]:
        """(target sentence, where it came from): the corpus translation when the sentence is in the corpus,
        else the model's own greedy translation."""
        tokens, _ = self.task.check(text)
        ref = self.task.reference(tokens)
        if ref is not None:
            return " ".join(ref), "the corpus translation"
        return " ".join(greedy_decode(self, text).output), "the model's own translation"

    def trace(self, text: str, target: str | None = None, pad: int = 0):
        """Teacher-forced forward pass of one sentence with every intermediate.

        Without ``target``: :meth:`default_target`. ``pad`` appends that many <pad> tokens to the source (as in a
        batch) and masks them. Returns (trace, source tokens incl. <eos>, decoder input tokens, expected
        output tokens, unknown words of the source and the target).
        """
        tokens, src, unknown = self.source_ids(text)
        if target is None or not target.strip():
            target, _ = self.default_target(text)
        t_tokens, dec_in, dec_out = self.target_ids(target)
        real = len(src)
        src = src + [self.task.src_vocab.pad_id] * max(0, min(pad, self.config.max_len - real))
        src_mask = torch.arange(len(src))[None] < real  # (1, Ls) True = real token
        with small_work("Transformer forward pass"):
            _, trace = self.model(torch.tensor([src]), torch.tensor([dec_in]), src_mask, return_trace=True)
        sv, tv = self.task.src_vocab, self.task.tgt_vocab
        unknown = list(dict.fromkeys(unknown + tv.unknown(t_tokens)))
        return trace, sv.decode(src), tv.decode(dec_in), tv.decode(dec_out), unknown



def new_model(task, config: TransformerConfig | None = None, seed: int = 0, **overrides) -> Seq2SeqModel:
    """An untrained model for ``task`` (``small`` size unless ``config``/``overrides`` say otherwise)."""
    torch.manual_seed(seed)
    cfg = config or TransformerConfig.small(len(task.src_vocab), len(task.tgt_vocab), **overrides)
    model = Transformer(cfg).eval()
    return Seq2SeqModel(model, task, name="untrained (random weights)")


def untrained(task_name: str, d_model: int = 64, n_heads: int = 4, d_k: int | None = None, n_layers: int = 2,
              d_ff: int = 128, seed: int = 0) -> Seq2SeqModel:
    """A shared, read-only untrained model with these hyperparameters (seeded: the same for every student)."""
    from tlviz import models
    from tlviz.data.parallel import get_task

    task = get_task(task_name)
    cfg = TransformerConfig.small(len(task.src_vocab), len(task.tgt_vocab), d_model=d_model, n_heads=n_heads,
                                  d_k=d_k, n_layers=n_layers, d_ff=d_ff)
    return models.cached(("transformer-untrained", task_name, describe(cfg), seed),
                         lambda: new_model(task, cfg, seed=seed))


def live_trainer(task_name: str, d_model: int = 64, n_heads: int = 4, d_k: int | None = None, n_layers: int = 2,
                 d_ff: int = 128, steps: int = 400, seed: int = 0) -> Trainer:
    """A fresh model of these hyperparameters and a trainer for it (the page's "train from scratch")."""
    from tlviz.data.parallel import get_task

    task = get_task(task_name)
    cfg = TransformerConfig.small(len(task.src_vocab), len(task.tgt_vocab), d_model=d_model, n_heads=n_heads,
                                  d_k=d_k, n_layers=n_layers, d_ff=d_ff)
    sm = new_model(task, cfg, seed=seed)
    sm.name = f"your live-trained model ({task.title})"
    return Trainer(sm, TrainConfig(steps=int(steps), eval_every=max(10, int(steps) // 30), seed=seed))


def describe(cfg: TransformerConfig) -> str:
    return f"{cfg.n_layers} layers, {cfg.n_heads} heads, d_model {cfg.d_model}, d_k {cfg.head_dim}, d_ff {cfg.d_ff}"


# --------------------------------------------------------------------------------------------- greedy decoding

@dataclass
class DecodeStep:
    """One step of greedy decoding: what the decoder was fed and what it chose."""

    decoder_input: list[str]  # <sos> + the output so far (the whole prefix is re-fed each step)
    probs: np.ndarray  # (V,) next-token distribution at the last position
    chosen: str
    chosen_id: int
    cross_attention: np.ndarray  # (layers, h, Ls) the last position's encoder-decoder attention
    self_attention: np.ndarray  # (layers, h, t) the last position's masked self-attention

    def top(self, vocab, k: int = 5) -> list[tuple[str, float]]:
        order = np.argsort(-self.probs)[:k]
        return [(vocab.tokens[i], float(self.probs[i])) for i in order]


@dataclass
class DecodeTrace:
    source: list[str]  # source tokens incl. <unk> and <eos>, as the encoder sees them
    unknown: list[str]  # words outside the vocabulary
    steps: list[DecodeStep]
    output: list[str]  # the translation, without <eos>
    finished: bool  # True when <eos> was produced (False: stopped at the length limit)


def greedy_decode(sm: Seq2SeqModel, text: str, max_steps: int | None = None) -> DecodeTrace:
    """Encode the source once, then feed <sos> + the output so far and take the most probable next token, until
    <eos> or ``max_steps`` (default: the model's max_len - 1)."""
    tokens, src_ids, unknown = sm.source_ids(text)
    tv = sm.task.tgt_vocab
    limit = min(max_steps or sm.config.max_len - 1, sm.config.max_len - 1)
    steps: list[DecodeStep] = []
    out_ids: list[int] = []
    finished = False
    model = sm.model
    with small_work("greedy decoding"):
        src = torch.tensor([src_ids])
        memory, _ = model.encode(src)  # steps 1-2 of the lecture happen once
        for _ in range(limit):
            dec_in = [tv.sos_id] + out_ids
            logits, (_, _, traces) = model.decode(torch.tensor([dec_in]), memory, record=True)
            probs = torch.softmax(logits[0, -1], dim=-1).numpy()
            nxt = int(probs.argmax())
            steps.append(DecodeStep(
                decoder_input=tv.decode(dec_in), probs=probs, chosen=tv.tokens[nxt], chosen_id=nxt,
                cross_attention=np.stack([t.cross_attn.weights[0, :, -1] for t in traces]),  # (layers, h, Ls)
                self_attention=np.stack([t.self_attn.weights[0, :, -1] for t in traces])))  # (layers, h, t)
            if nxt == tv.eos_id:
                finished = True
                break
            out_ids.append(nxt)
    return DecodeTrace(sm.task.src_vocab.decode(src_ids), unknown, steps, tv.decode(out_ids), finished)


def greedy_batch(model, src, src_mask, sos_id: int, eos_id: int, max_steps: int, pad_id: int = 0):
    """Greedy decoding for a batch (evaluation). Returns ids (B, <= max_steps); <eos> and what follows are -1."""
    memory, _ = model.encode(src, src_mask)
    ys = torch.full((src.shape[0], 1), sos_id, dtype=torch.long)
    done = torch.zeros(src.shape[0], dtype=torch.bool)
    outs = []
    for _ in range(max_steps):
        logits, _ = model.decode(ys, memory, src_mask)
        nxt = logits[:, -1].argmax(-1)
        finished_now = done | (nxt == eos_id)
        outs.append(torch.where(finished_now, torch.full_like(nxt, -1), nxt))
        ys = torch.cat([ys, torch.where(done, torch.full_like(nxt, pad_id), nxt)[:, None]], dim=1)
        done = finished_now
        if done.all():
            break
    return torch.stack(outs, dim=1)


# --------------------------------------------------------------------------------------------- training

def make_batch(pairs, src_vocab, tgt_vocab):
    """Pad a list of (src tokens, tgt tokens) pairs. Returns src (B, Ls) with <eos>, src_mask (B, Ls),
    decoder input (B, Lt) = <sos> + target (teacher forcing: the target shifted right), and the expected
    output (B, Lt) = target + <eos>, padded with <pad> (ignored by the loss)."""
    src = [src_vocab.encode(s) + [src_vocab.eos_id] for s, _ in pairs]
    tgt = [tgt_vocab.encode(t) for _, t in pairs]
    ls, lt = max(map(len, src)), max(map(len, tgt)) + 1
    pad_s, pad_t = src_vocab.pad_id, tgt_vocab.pad_id
    src_t = torch.tensor([s + [pad_s] * (ls - len(s)) for s in src])
    dec_in = torch.tensor([[tgt_vocab.sos_id] + t + [pad_t] * (lt - 1 - len(t)) for t in tgt])
    dec_out = torch.tensor([t + [tgt_vocab.eos_id] + [pad_t] * (lt - 1 - len(t)) for t in tgt])
    return src_t, src_t != pad_s, dec_in, dec_out


@dataclass
class TrainConfig:
    steps: int = 600
    batch_size: int = 64
    lr: float = 2e-3  # peak learning rate after warm-up
    warmup: int = 60  # linear warm-up steps, then inverse square-root decay (the paper's schedule shape)
    label_smoothing: float = 0.0
    eval_every: int = 25
    seed: int = 0
    # torch threads during each step. The models are tiny (64-wide matrices): measured here with busy cores, one
    # thread took 64 ms a step and two threads 0.9-1.6 s (thread sync dominates). None: leave as configured.
    threads: int | None = 1


@dataclass
class TrainHistory:
    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    acc: list[float] = field(default_factory=list)  # training-batch token accuracy (teacher forced)
    val_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)  # held-out token accuracy (teacher forced)
    elapsed_s: float = 0.0
    stopped: bool = False  # stopped before the planned number of steps (what was learnt is kept)
    finished: bool = False

    @property
    def last_val_acc(self) -> float | None:
        return self.val_acc[-1] if self.val_acc else None


@dataclass
class TrainEvent:
    step: int
    total: int
    loss: float
    acc: float
    elapsed_s: float
    evaluated: bool  # True when val_loss/val_acc were just computed
    history: TrainHistory


def evaluate(model, pairs, src_vocab, tgt_vocab, batch_size: int = 256) -> tuple[float, float]:
    """Teacher-forced (mean loss per token, token accuracy incl. <eos>) on ``pairs``."""
    was_training = model.training
    model.eval()
    loss_sum, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for i in range(0, len(pairs), batch_size):
            src, src_mask, dec_in, dec_out = make_batch(pairs[i:i + batch_size], src_vocab, tgt_vocab)
            logits = model(src, dec_in, src_mask)
            real = dec_out != tgt_vocab.pad_id
            loss_sum += float(torch.nn.functional.cross_entropy(logits[real], dec_out[real], reduction="sum"))
            correct += int((logits.argmax(-1)[real] == dec_out[real]).sum())
            total += int(real.sum())
    model.train(was_training)
    return loss_sum / max(1, total), correct / max(1, total)


def exact_match(model, pairs, src_vocab, tgt_vocab, batch_size: int = 256) -> float:
    """Share of ``pairs`` whose greedy translation equals the reference exactly."""
    model.eval()
    hits = 0
    with torch.no_grad():
        for i in range(0, len(pairs), batch_size):
            chunk = pairs[i:i + batch_size]
            src, src_mask, _, dec_out = make_batch(chunk, src_vocab, tgt_vocab)
            out = greedy_batch(model, src, src_mask, tgt_vocab.sos_id, tgt_vocab.eos_id, dec_out.shape[1] + 2,
                               tgt_vocab.pad_id)
            for row, (_, tgt) in zip(out.tolist(), chunk):
                hits += [t for t in row if t >= 0] == tgt_vocab.encode(tgt)
    return hits / max(1, len(pairs))


class Trainer:
    """Teacher-forced training with Adam (betas 0.9/0.98, as in the paper) and warm-up.

    ``run(callback)`` calls ``callback(TrainEvent)`` after every step; the loop stops between steps when
    :meth:`stop` was called or ``should_stop()`` returns True, and also when the callback raises (e.g. a page
    rerun): in every case the model keeps what it learnt and ``history`` what happened. Each step takes the
    process-wide heavy-work lock on its own, so other students' forward passes can interleave.
    """

    def __init__(self, sm: Seq2SeqModel, config: TrainConfig | None = None, pairs=None, held_out=None):
        self.sm = sm
        self.config = config or TrainConfig()
        self.pairs = list(pairs if pairs is not None else sm.task.train)
        self.held_out = list(held_out if held_out is not None else sm.task.held_out)
        if not self.pairs:
            raise InputError("There are no training pairs.")
        self.history = TrainHistory()
        self.step = 0
        self._stop = threading.Event()
        self._rng = np.random.default_rng(self.config.seed)
        self.optimizer = torch.optim.Adam(sm.model.parameters(), lr=self.config.lr, betas=(0.9, 0.98), eps=1e-9)

    def stop(self) -> None:
        self._stop.set()

    def lr_at(self, step: int) -> float:
        w = max(1, self.config.warmup)
        return self.config.lr * min(step / w, math.sqrt(w / max(step, 1)))

    def train_step(self) -> tuple[float, float]:
        cfg, model = self.config, self.sm.model
        sv, tv = self.sm.task.src_vocab, self.sm.task.tgt_vocab
        idx = self._rng.choice(len(self.pairs), size=min(cfg.batch_size, len(self.pairs)), replace=False)
        src, src_mask, dec_in, dec_out = make_batch([self.pairs[i] for i in idx], sv, tv)
        self.step += 1
        for g in self.optimizer.param_groups:
            g["lr"] = self.lr_at(self.step)
        model.train()
        logits = model(src, dec_in, src_mask)  # (B, Lt, V)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), dec_out.reshape(-1),
                                                 ignore_index=tv.pad_id, label_smoothing=cfg.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        self.optimizer.step()
        real = dec_out != tv.pad_id
        acc = float((logits.detach().argmax(-1)[real] == dec_out[real]).float().mean())
        return float(loss.detach()), acc

    def run(self, callback: Callable[[TrainEvent], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> TrainHistory:
        from tlviz import runtime

        cfg, h = self.config, self.history
        torch.manual_seed(cfg.seed + self.step)
        start = time.perf_counter() - h.elapsed_s
        try:
            while self.step < cfg.steps:
                if self._stop.is_set() or (should_stop is not None and should_stop()):
                    break
                with runtime.exclusive("training a Transformer"), runtime.torch_threads(cfg.threads):
                    loss, acc = self.train_step()
                    evaluated = self.step % cfg.eval_every == 0 or self.step == cfg.steps
                    if evaluated and self.held_out:
                        vl, va = evaluate(self.sm.model, self.held_out, self.sm.task.src_vocab,
                                          self.sm.task.tgt_vocab)
                h.steps.append(self.step)
                h.loss.append(loss)
                h.acc.append(acc)
                if evaluated and self.held_out:
                    h.val_steps.append(self.step)
                    h.val_loss.append(vl)
                    h.val_acc.append(va)
                h.elapsed_s = time.perf_counter() - start
                if callback is not None:
                    callback(TrainEvent(self.step, cfg.steps, loss, acc, h.elapsed_s, evaluated, h))
        finally:
            self.sm.model.eval()
            h.elapsed_s = time.perf_counter() - start
            h.finished = self.step >= cfg.steps
            h.stopped = not h.finished
        return h


# --------------------------------------------------------------------------------------------- loading / saving

DEFAULT = "Transformer EN→DE (tiny, project-trained)"
REVERSE = "Transformer digit reversal (tiny, project-trained)"


def to_checkpoint(sm: Seq2SeqModel):
    return sm.model.state_dict(), {"config": sm.config.to_dict(), "task": sm.task.name}


def load(name_or_path: str = DEFAULT) -> Seq2SeqModel:
    """A project checkpoint (catalogue name or .safetensors path) as a read-only :class:`Seq2SeqModel`."""
    from pathlib import Path

    from tlviz import checkpoints, models
    from tlviz.data.parallel import get_task

    card = models.find_card(name_or_path, "transformer")
    path = Path(card.ref if card else name_or_path)
    if not path.is_file():
        raise InputError(f"No Transformer checkpoint named '{name_or_path}'. Run `python -m "
                         "tlviz.recipes.transformer_toy` to make the project's checkpoints.")

    def factory():
        state, meta = checkpoints.load(path)
        if meta.family != "transformer":
            raise InputError(f"{path.name} is a {meta.family} checkpoint, not a Transformer.")
        model = Transformer(TransformerConfig(**meta.config))
        model.load_state_dict(state)
        for p in model.parameters():
            p.requires_grad_(False)
        return Seq2SeqModel(model.eval(), get_task(meta.extra["task"]), name=meta.name, note=meta.note,
                            metrics=meta.metrics)

    return models.cached(("transformer", str(path.resolve())), factory)


def trainable_copy(sm: Seq2SeqModel) -> Seq2SeqModel:
    """A private copy of a (possibly shared) model that may be trained."""
    import copy

    model = copy.deepcopy(sm.model)
    for p in model.parameters():
        p.requires_grad_(True)
    return Seq2SeqModel(model, sm.task, name=sm.name + " (your copy)", note=sm.note, metrics=dict(sm.metrics))


# --------------------------------------------------------------------------------------------- the loss example

@dataclass
class LossDemo:
    """The lecture's toy loss: predicted distributions vs one-hot targets over a 6-word output vocabulary."""

    labels: list[str]  # the output vocabulary, in the lecture's order
    positions: list[str]  # target words, one per output position
    targets: np.ndarray  # (T, 6) one-hot
    before: np.ndarray  # (T, 6) untrained model's distributions
    after: np.ndarray  # (T, 6) after training
    ce_before: np.ndarray  # (T,) -log p(target) per position
    ce_after: np.ndarray  # (T,)
    steps: int
    source: list[str]


def loss_demo(steps: int = 80, seed: int = 0) -> LossDemo:
    """Train a tiny Transformer on "je suis étudiant" -> "i am a student" (and "merci" -> "thanks"), scoring
    only the lecture's output words "a", "am", "i", "thanks", "student", "<eos>"."""
    from tlviz.data.parallel import SPECIALS, TOY_OUTPUT, TOY_PAIRS, Vocab

    src_vocab = Vocab(SPECIALS + tuple(sorted({w for s, _ in TOY_PAIRS for w in s})))
    tgt_vocab = Vocab(SPECIALS + tuple(w for w in TOY_OUTPUT if w not in SPECIALS))
    out_ids = [tgt_vocab.index[w] for w in TOY_OUTPUT]  # the 6 words the output layer scores
    pairs = [(list(s), list(t)) for s, t in TOY_PAIRS]
    torch.manual_seed(seed)
    model = Transformer(TransformerConfig.tiny(len(src_vocab), len(tgt_vocab), d_model=32, n_heads=4, d_ff=64))
    src, src_mask, dec_in, dec_out = make_batch(pairs, src_vocab, tgt_vocab)
    target = torch.tensor([out_ids.index(int(t)) for t in dec_out[0]])  # first pair: i am a student <eos>

    def dists():
        with torch.no_grad():
            model.eval()
            logits = model(src[:1], dec_in[:1], src_mask[:1])[0][:, out_ids]  # (T, 6)
            return torch.softmax(logits, -1).numpy()

    with small_work("loss example", grad=True):
        before = dists()
        opt = torch.optim.Adam(model.parameters(), lr=3e-3, betas=(0.9, 0.98))
        real = dec_out != tgt_vocab.pad_id
        idx = torch.tensor(out_ids)
        remap = torch.full((len(tgt_vocab),), -100, dtype=torch.long)
        remap[idx] = torch.arange(len(out_ids))
        for _ in range(steps):
            model.train()
            logits = model(src, dec_in, src_mask)[:, :, out_ids]  # (2, T, 6)
            loss = torch.nn.functional.cross_entropy(logits[real], remap[dec_out[real]])
            opt.zero_grad()
            loss.backward()
            opt.step()
        after = dists()
    onehot = np.eye(len(out_ids))[target.numpy()]
    t = np.arange(len(target))
    return LossDemo(list(TOY_OUTPUT), [TOY_OUTPUT[i] for i in target.tolist()], onehot, before, after,
                    -np.log(before[t, target.numpy()]), -np.log(after[t, target.numpy()]), steps,
                    list(TOY_PAIRS[0][0]))
