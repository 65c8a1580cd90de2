"""A GRU encoder-decoder with Luong-style attention, small enough to train on a laptop CPU in minutes.

The model translates characters to characters (see :mod:`tlviz.data.dates` for the toy task). At each output
step the decoder's hidden state scores every encoder hidden state (dot product by default, as in the lecture),
the softmax of the scores is the attention distribution, and the weighted sum of encoder states is the context
vector the decoder uses to predict the next character. :func:`translate` returns every one of those numbers
as a :class:`DecodeTrace`; the model itself keeps no per-call state, so one loaded instance can serve every
browser session.

Training speaks :mod:`tlviz.training`: ``history = train(model, steps, callback=..., should_stop=...)`` trains the
caller's model in place (build it with :func:`build`, or copy a shared one with :func:`copy_for_training`).

torch is imported at module top because :class:`Seq2Seq` is a top-level ``nn.Module`` (one class for every build,
so ``isinstance`` works); ``import tlviz`` itself never imports this module.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tlviz import runtime, training
from tlviz.attention import masked_softmax
from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.params import count_parameters

SCORES = ("dot", "general", "additive")
DEFAULT = "Date normaliser (GRU + attention)"


@dataclass
class Seq2SeqConfig:
    """Sizes of the encoder-decoder. ``attention`` is the score function: dot, general (h W e) or additive."""

    src_vocab: tuple[str, ...]
    tgt_vocab: tuple[str, ...]
    emb: int = 32
    enc_hidden: int = 64  # per direction; the encoder is bidirectional
    dec_hidden: int = 128  # also the size of the encoder states the decoder attends to
    attention: str = "dot"
    max_out: int = 12

    def __post_init__(self):
        self.src_vocab, self.tgt_vocab = tuple(self.src_vocab), tuple(self.tgt_vocab)
        if self.attention not in SCORES:
            raise ValueError(f"attention must be one of {SCORES}, got {self.attention!r}")

    @classmethod
    def dates(cls, **kw) -> Seq2SeqConfig:
        """The shipped date normaliser's sizes."""
        from tlviz.data import dates

        return cls(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, **kw)

    @classmethod
    def quick(cls, **kw) -> Seq2SeqConfig:
        """A smaller date model the lesson page retrains live (under a minute on two cores)."""
        return cls.dates(**{"emb": 16, "enc_hidden": 48, "dec_hidden": 64, **kw})

    @classmethod
    def tiny(cls, **kw) -> Seq2SeqConfig:
        """For tests."""
        return cls.dates(**{"emb": 8, "enc_hidden": 8, "dec_hidden": 16, **kw})


class Seq2Seq(nn.Module):
    """Bidirectional GRU encoder, GRU-cell decoder with input feeding and one attention per output step.

    ``meta`` is the checkpoint's description (:class:`tlviz.checkpoints.CheckpointMeta`) for a loaded model,
    None for one built here: a fixed fact about the weights, never per-call state.
    """

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        self.config = c = config
        self.meta = None
        self.src_emb = nn.Embedding(len(c.src_vocab), c.emb, padding_idx=0)
        self.encoder = nn.GRU(c.emb, c.enc_hidden, batch_first=True, bidirectional=True)
        # The states the decoder attends to: both directions projected to the decoder's size, so a dot
        # product between a decoder state and an encoder state is defined (the lecture's 3-d example).
        self.enc_proj = nn.Linear(2 * c.enc_hidden, c.dec_hidden)
        self.init_h = nn.Linear(2 * c.enc_hidden, c.dec_hidden)
        self.tgt_emb = nn.Embedding(len(c.tgt_vocab), c.emb)
        # Input feeding (Luong et al. 2015): the previous attentional vector joins the previous token.
        self.cell = nn.GRUCell(c.emb + c.dec_hidden, c.dec_hidden)
        if c.attention == "general":
            self.W = nn.Linear(c.dec_hidden, c.dec_hidden, bias=False)
        elif c.attention == "additive":
            self.W1 = nn.Linear(c.dec_hidden, c.dec_hidden, bias=False)
            self.W2 = nn.Linear(c.dec_hidden, c.dec_hidden, bias=False)
            self.v = nn.Linear(c.dec_hidden, 1, bias=False)
        self.combine = nn.Linear(2 * c.dec_hidden, c.dec_hidden)
        self.out = nn.Linear(c.dec_hidden, len(c.tgt_vocab))

    def encode(self, src, lengths):
        """src (B, S) ids, lengths (B,) -> encoder states (B, S, H), initial decoder state (B, H)."""
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        x = self.src_emb(src)  # (B, S, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, last = self.encoder(packed)  # last: (2, B, He)
        out, _lengths = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # (B, S, 2He)
        states = self.enc_proj(out)  # (B, S, H)
        h0 = torch.tanh(self.init_h(torch.cat([last[0], last[1]], dim=-1)))  # (B, H)
        return states, h0

    def scores(self, h, states):
        """h (B, H), states (B, S, H) -> scores (B, S)."""
        kind = self.config.attention
        if kind == "dot":
            return torch.einsum("bh,bsh->bs", h, states)
        if kind == "general":
            return torch.einsum("bh,bsh->bs", self.W(h), states)
        return self.v(torch.tanh(self.W1(h).unsqueeze(1) + self.W2(states))).squeeze(-1)  # (B, S)

    def step(self, prev, h, feed, states, src_mask):
        """One decoder step: prev token ids (B,), state h (B, H), previous attentional vector feed (B, H).

        Returns logits (B, V), new h, new feed, attention weights (B, S), context (B, H), raw scores (B, S).
        """
        h = self.cell(torch.cat([self.tgt_emb(prev), feed], dim=-1), h)  # (B, H)
        raw = self.scores(h, states)  # (B, S)
        weights = masked_softmax(raw, src_mask)  # (B, S), zero on padding
        context = torch.einsum("bs,bsh->bh", weights, states)  # (B, H)
        feed = torch.tanh(self.combine(torch.cat([context, h], dim=-1)))  # (B, H)
        return self.out(feed), h, feed, weights, context, raw

    def forward(self, src, lengths, tgt_in):
        """Teacher forcing: src (B, S), lengths (B,), tgt_in (B, T) starting with <s> -> logits (B, T, V)."""
        states, h = self.encode(src, lengths)
        src_mask = src != 0  # (B, S)
        feed = states.new_zeros(h.shape)
        logits = []
        for t in range(tgt_in.shape[1]):
            lo, h, feed, *_ = self.step(tgt_in[:, t], h, feed, states, src_mask)
            logits.append(lo)
        return torch.stack(logits, dim=1)  # (B, T, V)


def one_thread():
    """One torch thread for this model's tiny matrices (see :func:`tlviz.runtime.torch_threads`)."""
    return runtime.torch_threads(1)


def build(config: Seq2SeqConfig, seed: int = 0) -> Seq2Seq:
    """A freshly initialised model; the same seed gives the same weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Seq2Seq(config)


def _device(model) -> torch.device:
    return next(model.parameters()).device


# ------------------------------------------------------------------------------------------- tokens

def encode_batch(texts: Sequence[str], vocab: Sequence[str]):
    """Character ids, right-padded with 0: (B, S) long tensor and lengths (B,)."""
    index = {ch: i for i, ch in enumerate(vocab)}
    lengths = [len(t) for t in texts]
    ids = torch.zeros(len(texts), max(lengths), dtype=torch.long)
    for b, text in enumerate(texts):
        ids[b, : len(text)] = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    return ids, torch.tensor(lengths, dtype=torch.long)


def _targets(texts: Sequence[str], vocab: Sequence[str]):
    """Decoder input ``<s> t1 .. tn`` and expected output ``t1 .. tn </s>``, each (B, n+1)."""
    index = {ch: i for i, ch in enumerate(vocab)}
    bos, eos = vocab.index("<s>"), vocab.index("</s>")
    rows = [[index[ch] for ch in t] for t in texts]
    tgt_in = torch.tensor([[bos] + r for r in rows], dtype=torch.long)
    tgt_out = torch.tensor([r + [eos] for r in rows], dtype=torch.long)
    return tgt_in, tgt_out


# ------------------------------------------------------------------------------------------- decoding

@dataclass
class DecodeTrace:
    """Everything greedy decoding computed for one source, step by step.

    Shapes: S source characters, T output steps (the end token included when produced), H decoder size,
    V output vocabulary.
    """

    source_tokens: list[str]  # (S,)
    tokens: list[str]  # (T,) produced tokens, "</s>" last when the model stopped by itself
    attention: np.ndarray  # (T, S) each row sums to 1
    scores: np.ndarray  # (T, S) raw scores before the softmax
    contexts: np.ndarray  # (T, H) context vector of each step
    encoder_states: np.ndarray  # (S, H) the states attended to
    decoder_states: np.ndarray  # (T, H) the decoder state that scored them
    probs: np.ndarray  # (T, V) next-token distribution of each step
    vocab: tuple[str, ...]  # (V,)

    @property
    def text(self) -> str:
        """The output string, without the end token."""
        return "".join(t for t in self.tokens if t not in ("<s>", "</s>", "<pad>"))

    def top(self, step: int, k: int = 5) -> list[tuple[str, float]]:
        """The k most probable tokens at ``step``, best first."""
        order = np.argsort(-self.probs[step])[:k]
        return [(self.vocab[i], float(self.probs[step, i])) for i in order]


def greedy(model, src, lengths, max_out: int | None = None):
    """Batch greedy decoding: output ids (B, T) and attention (B, T, S); no gradients."""
    c = model.config
    max_out = max_out or c.max_out
    bos = c.tgt_vocab.index("<s>")
    src, lengths = src.to(_device(model)), lengths.to(_device(model))
    with torch.no_grad():
        states, h = model.encode(src, lengths)
        mask = src != 0
        feed = states.new_zeros(h.shape)
        prev = torch.full((src.shape[0],), bos, dtype=torch.long, device=src.device)
        ids, atts = [], []
        for _step in range(max_out):
            logits, h, feed, w, _ctx, _raw = model.step(prev, h, feed, states, mask)
            prev = logits.argmax(-1)
            ids.append(prev)
            atts.append(w)
    return torch.stack(ids, 1).cpu(), torch.stack(atts, 1).cpu()  # (B, T), (B, T, S)


def decode_ids(ids, vocab: Sequence[str]) -> list[str]:
    """Strings from output ids, cut at the first end token."""
    out = []
    for row in ids.tolist():
        chars = []
        for i in row:
            if vocab[i] == "</s>":
                break
            chars.append(vocab[i] if vocab[i] not in ("<s>", "<pad>") else "")
        out.append("".join(chars))
    return out


def valid_source(text: str) -> str:
    """``text`` unchanged when the date model can read it, else :class:`InputError` (for a link's ``?date=``)."""
    from tlviz.data import dates

    dates.check_source(text)
    return text


def translate(model, text: str, max_out: int | None = None, normalise: bool = True) -> DecodeTrace:
    """Greedy decoding of one source with every intermediate kept (see :class:`DecodeTrace`).

    ``text`` is checked first (:func:`tlviz.data.dates.check_source`): empty, too long or unknown characters
    raise :class:`InputError`. Pure given the model's weights: the same text gives the same trace.
    """
    from tlviz.data import dates

    c = model.config
    src_text = dates.check_source(text) if normalise else text
    src, lengths = encode_batch([src_text], c.src_vocab)
    src, lengths = src.to(_device(model)), lengths.to(_device(model))
    bos, eos = c.tgt_vocab.index("<s>"), c.tgt_vocab.index("</s>")
    rec: dict[str, list] = {k: [] for k in ("tok", "att", "raw", "ctx", "h", "p")}
    with runtime.exclusive("seq2seq decoding"), one_thread(), torch.no_grad():
        states, h = model.encode(src, lengths)  # (1, S, H), (1, H)
        mask = src != 0
        feed = states.new_zeros(h.shape)
        prev = torch.tensor([bos], device=src.device)
        for _step in range(max_out or c.max_out):
            logits, h, feed, w, ctx, raw = model.step(prev, h, feed, states, mask)
            p = torch.softmax(logits, -1)  # (1, V)
            prev = p.argmax(-1)
            for k, v in (("att", w), ("raw", raw), ("ctx", ctx), ("h", h), ("p", p)):
                rec[k].append(v[0].cpu().numpy().copy())
            rec["tok"].append(c.tgt_vocab[int(prev)])
            if int(prev) == eos:
                break
    return DecodeTrace(source_tokens=list(src_text), tokens=rec["tok"], attention=np.stack(rec["att"]),
                       scores=np.stack(rec["raw"]), contexts=np.stack(rec["ctx"]),
                       encoder_states=states[0].cpu().numpy().copy(), decoder_states=np.stack(rec["h"]),
                       probs=np.stack(rec["p"]), vocab=c.tgt_vocab)


# ------------------------------------------------------------------------------------------- training

def evaluate(model, examples, batch: int = 500) -> dict[str, float]:
    """Exact match (whole output right) and character accuracy on ``examples`` (DateExample-like)."""
    c = model.config
    exact = chars = total_chars = 0
    with runtime.exclusive("seq2seq evaluation"), one_thread():
        for i in range(0, len(examples), batch):
            part = examples[i: i + batch]
            src, lengths = encode_batch([e.source for e in part], c.src_vocab)
            ids, _att = greedy(model, src, lengths, max_out=len(part[0].target) + 1)
            for e, out in zip(part, decode_ids(ids, c.tgt_vocab)):
                exact += out == e.target
                chars += sum(a == b for a, b in zip(out, e.target))
                total_chars += len(e.target)
    return {"exact_match": exact / len(examples), "char_accuracy": chars / max(1, total_chars)}


def alignment_hits(model, examples, batch: int = 500) -> float:
    """Share of output digits whose strongest attention falls inside the source span they come from (the
    year digits on the year, the month digits on the month, the day digits on the day)."""
    c = model.config
    hits = total = 0
    for i in range(0, len(examples), batch):
        part = examples[i: i + batch]
        src, lengths = encode_batch([e.source for e in part], c.src_vocab)
        with runtime.exclusive("seq2seq alignments"), one_thread():
            _ids, att = greedy(model, src, lengths, max_out=len(part[0].target))
        best = att.argmax(-1).numpy()  # (B, T)
        for b, e in enumerate(part):
            for t, span in enumerate(e.spans):
                if span is None:
                    continue
                total += 1
                hits += span[0] <= best[b, t] < span[1]
    return hits / max(1, total)


def optimiser(model: nn.Module, lr: float, steps: int):
    """Adam and a one-cycle schedule over ``steps`` (None below 20 steps: its warm-up divides by zero there)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1) if steps >= 20 \
        else None
    return opt, sched


def train_step(model: nn.Module, opt, sched, src, lengths, tgt_in, tgt_out, label: str) -> float:
    """One teacher-forced step of an encoder-decoder on a batch, under the heavy-work lock on one thread; the model
    is left in eval mode. ``src`` (B, S) with ``lengths`` (B,); ``tgt_in``, ``tgt_out`` (B, T). Returns the loss."""
    device = _device(model)
    with runtime.exclusive(label), one_thread():
        model.train()
        logits = model(src.to(device), lengths, tgt_in.to(device))  # (B, T, V)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.to(device).reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if sched is not None:
            sched.step()
        model.eval()
    return float(loss.item())


def train(model: Seq2Seq, steps: int = 3000, batch: int = 128, lr: float = 3e-3, seed: int = 0,
          eval_every: int = 0, eval_size: int = 500, callback: training.Callback | None = None,
          should_stop: training.ShouldStop | None = None) -> training.History:
    """Train ``model`` in place on the date task (teacher forcing, Adam, one-cycle schedule).

    The caller owns the model: build it (:func:`build`) or copy a shared one (:func:`copy_for_training`), never
    pass a cached instance. Deterministic given the model's initial weights and ``seed``. After every step
    ``callback`` gets a :class:`tlviz.training.StepEvent`; on evaluated steps (every ``eval_every`` steps and the
    last; 0: never) its metrics hold ``exact_match`` and ``char_accuracy`` on ``eval_size`` held-out dates.
    ``should_stop()`` is asked before every step: True ends the run there (status ``"user"``), keeping what was
    learnt. Returns the run's :class:`tlviz.training.History`; the model is left in eval mode whatever happens.
    """
    from tlviz.data import dates

    config = model.config
    train_dates, held_dates = dates.split_dates(seed=0)
    held = dates.sample(held_dates, eval_size, seed=1) if eval_every else []
    opt, sched = optimiser(model, lr, steps)
    history = training.History(info={"batch": batch, "lr": lr, "seed": seed, "attention": config.attention})
    t0, status = time.perf_counter(), "user"
    try:
        for step in range(1, steps + 1):
            if should_stop is not None and should_stop():
                break
            part = dates.sample(train_dates, batch, seed=seed * 1_000_003 + step)
            src, lengths = encode_batch([e.source for e in part], config.src_vocab)  # (B, S), (B,)
            loss = train_step(model, opt, sched, src, lengths, *_targets([e.target for e in part], config.tgt_vocab),
                              label="seq2seq training")
            evaluated = bool(eval_every) and (step % eval_every == 0 or step == steps)
            metrics = evaluate(model, held) if evaluated else {}
            event = training.StepEvent(step, steps, loss, metrics, time.perf_counter() - t0, evaluated)
            history.record(event)
            if callback is not None:
                callback(event)
        else:
            status = "finished"
    finally:
        model.eval()
        history.end(status, time.perf_counter() - t0)
    return history


def retrain(attention: str = "dot", steps: int = 300, callback: training.Callback | None = None,
            should_stop: training.ShouldStop | None = None) -> tuple[Seq2Seq, training.History]:
    """The lesson's live retraining: a fresh :meth:`Seq2SeqConfig.quick` model trained from scratch (batch 64, six
    evaluations on 300 held-out dates). Returns the trained model and its run's History."""
    model = build(Seq2SeqConfig.quick(attention=attention))
    history = train(model, steps=steps, batch=64, eval_every=max(25, steps // 6), eval_size=300, callback=callback,
                    should_stop=should_stop)
    return model, history


def copy_for_training(model) -> Seq2Seq:
    """A private, trainable copy of a (possibly shared, frozen) model."""
    clone = copy.deepcopy(model)
    for p in clone.parameters():
        p.requires_grad_(True)
    return clone


def n_params(model) -> int:
    return count_parameters(model)


# ------------------------------------------------------------------------------------------- checkpoints

def save(model, path: str | Path, name: str, note: str, metrics: dict, recipe: str, default: bool = False) -> Path:
    from tlviz import checkpoints

    meta = checkpoints.CheckpointMeta(name=name, family="seq2seq", recipe=recipe, config=asdict(model.config),
                                      note=note, metrics={"params": n_params(model), **metrics},
                                      extra={"default": default, "task": "dates"})
    return checkpoints.save(path, model.state_dict(), meta)


def _load_uncached(name_or_path: str) -> Seq2Seq:
    from tlviz import checkpoints, models

    resolved = models.resolve(name_or_path, "seq2seq")
    if resolved.kind not in ("checkpoint", "local") or not resolved.target.endswith(".safetensors"):
        raise InputError(_("'{name}' is not a seq2seq checkpoint. Run `python -m tlviz.recipes.seq2seq_dates` to "
                           "make the date normaliser.").format(name=name_or_path))
    state, meta = checkpoints.load(resolved.target)
    if meta.family != "seq2seq":
        raise InputError(_("{file} is a {family} checkpoint, not a seq2seq one.").format(
            file=Path(resolved.target).name, family=meta.family))
    model = build(Seq2SeqConfig(**meta.config))
    model.load_state_dict(state)
    model.meta = meta
    return models.freeze(model)


def load(name_or_path: str = DEFAULT) -> Seq2Seq:
    """The shared, read-only date model (catalogue name or path of a seq2seq checkpoint)."""
    from tlviz import models

    key = ("seq2seq", str(name_or_path).strip())
    with runtime.exclusive(f"loading {name_or_path}"):
        return models.cached(key, lambda: _load_uncached(name_or_path))
