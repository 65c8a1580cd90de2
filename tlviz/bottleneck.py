"""The bottleneck that motivated attention: one GRU encoder-decoder trained without attention and with it.

Task: copy a string of random digits ("40719" -> "40719"), the source 1 to ``max_len`` characters long. A copy
task shows the bottleneck better than the date task: a date's output is always 10 characters drawn from three
short fields, so its information does not grow with the input, whereas every extra digit to copy is one more
thing the encoder must squeeze into its single vector. Without attention the decoder sees the source only
through that vector (the encoder's final state); with attention it looks back at every encoder state at every
step (:class:`tlviz.seq2seq.Seq2Seq`, dot-product scores as in the lecture).

Both models have the same layers, sizes, initial weights (same seed), batches and optimiser; only the attention
differs. :func:`compare` trains both and measures, on held-out strings of every length, the share of digits
copied right at their position and the share of strings copied exactly. Deterministic given its arguments (one
torch thread, seeded weights and batches), so a page computes it once per setting for the whole class.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np
import torch

from tlviz import seq2seq, training
from tlviz.errors import InputError
from tlviz.i18n import _

DIGITS = "0123456789"
VOCAB: tuple[str, ...] = ("<pad>", "<s>", "</s>", *DIGITS)
KINDS = ("none", "dot")  # without attention, with (dot-product) attention
#: The page's choices: the longest string (characters) and the decoder's size (the one vector without attention).
#: Measured on one core of this 2-core machine: 16 digits, 64 numbers, 300 steps train and test both in about 15 s.
MAX_LENGTHS = (8, 12, 16)
HIDDEN = (32, 64, 128)
STEPS = 300
EVAL_PER_LENGTH = 64


class NoAttention(seq2seq.Seq2Seq):
    """The same encoder-decoder with its attention taken away: the decoder's only view of the source is one
    vector, the encoder's final state (both directions, projected to the decoder's size; it also starts the
    decoder). Written as attention over a single "state", that vector, so every other layer is shared code;
    the weight of that state is always 1, and the context vector is the same at every step."""

    def encode(self, src, lengths):
        _states, h0 = super().encode(src, lengths)  # (B, S, H) unused, (B, H)
        return h0.unsqueeze(1), h0  # (B, 1, H): the whole source as one vector

    def step(self, prev, h, feed, states, src_mask):
        return super().step(prev, h, feed, states, None)  # one state, never padding


def config(max_len: int, hidden: int = 64) -> seq2seq.Seq2SeqConfig:
    """The copy models' sizes: ``hidden`` is the decoder's size, i.e. the size of the one vector without attention."""
    return seq2seq.Seq2SeqConfig(VOCAB, VOCAB, emb=16, enc_hidden=hidden // 2, dec_hidden=hidden, attention="dot",
                                 max_out=max_len + 1)


def build(kind: str, max_len: int, hidden: int = 64, seed: int = 0) -> seq2seq.Seq2Seq:
    """A fresh model, ``kind`` ``"none"`` or ``"dot"``; the same seed gives both kinds the same initial weights."""
    if kind not in KINDS:
        raise InputError(_("Unknown model kind '{kind}'; choose one of {kinds}.").format(kind=kind,
                                                                                       kinds=", ".join(KINDS)))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return (NoAttention if kind == "none" else seq2seq.Seq2Seq)(config(max_len, hidden))


def strings(n: int, max_len: int, seed: int, length: int | None = None) -> list[str]:
    """``n`` random digit strings, each ``length`` long (or of a uniform random length in 1..``max_len``)."""
    rng = random.Random(seed)
    return ["".join(rng.choice(DIGITS) for _ in range(length or rng.randint(1, max_len))) for _ in range(n)]


def _check(max_len: int, steps: int, hidden: int) -> None:
    if not 2 <= int(max_len) <= 40:
        raise InputError(_("The longest string must be between 2 and 40 digits; got {n}.").format(n=max_len))
    if not 1 <= int(steps) <= 5000:
        raise InputError(_("Training steps must be between 1 and 5000; got {n}.").format(n=steps))
    if not 4 <= int(hidden) <= 512:
        raise InputError(_("The vector size must be between 4 and 512; got {n}.").format(n=hidden))


def train_copy(model, steps: int, max_len: int, batch: int = 64, lr: float = 1e-2, seed: int = 0,
               callback: training.Callback | None = None, offset: int = 0, total: int | None = None,
               message: str = "") -> training.History:
    """Train ``model`` in place to copy digit strings (teacher forcing, Adam, one-cycle schedule).

    Deterministic given the model's weights and ``seed``: batch ``i`` is :func:`strings` with seed
    ``seed * 1_000_003 + i`` whatever the model. The callback's events count steps from ``offset`` out of
    ``total`` (so two runs in a row share one progress bar) and carry ``message``.
    """
    c = model.config
    opt, sched = seq2seq.optimiser(model, lr, steps)
    history, t0 = training.History(info={"batch": batch, "lr": lr, "seed": seed}), time.perf_counter()
    for step in range(1, steps + 1):
        part = strings(batch, max_len, seed * 1_000_003 + step)
        src, lengths = seq2seq.encode_batch(part, c.src_vocab)  # (B, S), (B,)
        loss = seq2seq.train_step(model, opt, sched, src, lengths, *_pad_targets(part, c.tgt_vocab),  # (B, S+1)
                                  label="bottleneck training")
        event = training.StepEvent(offset + step, total or steps, loss, {},
                                   time.perf_counter() - t0, step == steps, message=message)
        history.record(event)
        if callback is not None:
            callback(event)
    history.end("finished", time.perf_counter() - t0)
    return history


def _pad_targets(texts, vocab):
    """Decoder input ``<s> t1 .. tn`` and expected output ``t1 .. tn </s>``, right-padded to the longest; padded
    targets are ignored by the loss (ignore_index -100)."""
    index = {ch: i for i, ch in enumerate(vocab)}
    bos, eos = vocab.index("<s>"), vocab.index("</s>")
    width = max(len(t) for t in texts) + 1
    tgt_in = torch.zeros(len(texts), width, dtype=torch.long)
    tgt_out = torch.full((len(texts), width), -100, dtype=torch.long)
    for b, t in enumerate(texts):
        ids = [index[ch] for ch in t]
        tgt_in[b, : len(ids) + 1] = torch.tensor([bos] + ids)
        tgt_out[b, : len(ids) + 1] = torch.tensor(ids + [eos])
    return tgt_in, tgt_out


def accuracy_by_length(model, max_len: int, per_length: int = EVAL_PER_LENGTH, seed: int = 99):
    """Held-out accuracy for every length 1..``max_len``: (digits right at their position (L,), exact copies (L,)).

    The held-out strings come from a seed no training batch uses."""
    from tlviz import runtime

    c = model.config
    digit, exact = np.zeros(max_len), np.zeros(max_len)
    for i, n in enumerate(range(1, max_len + 1)):
        part = strings(per_length, max_len, seed=-(seed * 1000 + n), length=n)
        src, lengths = seq2seq.encode_batch(part, c.src_vocab)
        with runtime.exclusive("bottleneck evaluation"), seq2seq.one_thread():
            ids, _att = seq2seq.greedy(model, src, lengths, max_out=n + 1)  # (B, n+1)
        outs = seq2seq.decode_ids(ids, c.tgt_vocab)
        digit[i] = np.mean([sum(a == b for a, b in zip(o, t)) / n for o, t in zip(outs, part)])
        exact[i] = np.mean([o == t for o, t in zip(outs, part)])
    return digit, exact


@dataclass(frozen=True)
class Comparison:
    """Both models' held-out accuracy by source length. L = ``max_len`` lengths (1..L)."""

    lengths: np.ndarray  # (L,) 1..max_len
    digit_accuracy: dict  # kind -> (L,) share of digits copied right at their position
    exact: dict  # kind -> (L,) share of strings copied exactly
    histories: dict  # kind -> training.History
    seconds: dict  # kind -> training wall time (s)
    steps: int
    hidden: int
    params: dict  # kind -> trainable parameters

    def at_longest(self, kind: str) -> float:
        return float(self.digit_accuracy[kind][-1])


def compare(max_len: int = 16, steps: int = STEPS, hidden: int = 64, seed: int = 0,
            callback: training.Callback | None = None) -> Comparison:
    """Train the model without attention, then with it (same seed, batches and steps), and measure both.

    ``callback`` gets every step's :class:`~tlviz.training.StepEvent` of both runs, counted 1..2·steps (the
    message says which model is training). Raises :class:`InputError` on sizes out of range.
    """
    _check(max_len, steps, hidden)
    names = {"none": _("without attention"), "dot": _("with attention")}
    out: dict[str, dict] = {k: {} for k in ("digit", "exact", "hist", "sec", "params")}
    for i, kind in enumerate(KINDS):
        model = build(kind, max_len, hidden, seed)
        hist = train_copy(model, steps, max_len, seed=seed, callback=callback, offset=i * steps, total=2 * steps,
                          message=_("Training {model}…").format(model=names[kind]))
        out["digit"][kind], out["exact"][kind] = accuracy_by_length(model, max_len)
        out["hist"][kind], out["sec"][kind] = hist, hist.seconds
        out["params"][kind] = seq2seq.n_params(model)
    return Comparison(np.arange(1, max_len + 1), out["digit"], out["exact"], out["hist"], out["sec"], int(steps),
                      int(hidden), out["params"])
