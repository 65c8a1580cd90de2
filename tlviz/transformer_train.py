"""Teacher-forced training of the from-scratch Transformer, and the lecture's loss example.

:class:`Trainer` keeps its loop explicit (batch, learning-rate schedule, forward, cross-entropy, backward, clip,
Adam step) and speaks :mod:`tlviz.training`: ``run(callback, should_stop)`` sends a frozen ``StepEvent`` after
every step (``metrics["acc"]``, plus ``val_loss`` / ``val_acc`` when it evaluated) and returns the run's
``History``. Stopping between steps keeps what the model learnt; ``run`` again continues where it stopped.

Torch is imported lazily; every public name is also importable from :mod:`tlviz.transformer`.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tlviz import training
from tlviz.errors import InputError
from tlviz.i18n import _

if TYPE_CHECKING:
    from tlviz.toy_translator import ToyTranslator

__all__ = ["LossDemo", "TrainConfig", "Trainer", "evaluate", "exact_match", "live_trainer", "loss_demo", "make_batch",
           "run_summary"]


def make_batch(pairs, src_vocab, tgt_vocab):
    """Pad a list of (src tokens, tgt tokens) pairs. Returns src (B, Ls) with <eos>, src_mask (B, Ls),
    decoder input (B, Lt) = <sos> + target (teacher forcing: the target shifted right), and the expected
    output (B, Lt) = target + <eos>, padded with <pad> (ignored by the loss)."""
    import torch

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


def evaluate(model, pairs, src_vocab, tgt_vocab, batch_size: int = 256) -> tuple[float, float]:
    """Teacher-forced (mean loss per token, token accuracy incl. <eos>) on ``pairs``."""
    import torch

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
    import torch

    from tlviz.toy_translator import greedy_batch

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

    ``run(callback, should_stop)`` calls ``callback(StepEvent)`` after every step; the loop ends between two steps
    when :meth:`stop` was called or ``should_stop()`` returns True, and also when the callback raises (e.g. a page
    rerun): in every case the model keeps what it learnt and :attr:`history` what happened. Each step takes the
    process-wide heavy-work lock on its own, so other students' forward passes can interleave.
    """

    def __init__(self, translator: ToyTranslator, config: TrainConfig | None = None, pairs=None, held_out=None):
        import torch

        self.translator = translator
        self.config = config or TrainConfig()
        self.pairs = list(pairs if pairs is not None else translator.task.train)
        self.held_out = list(held_out if held_out is not None else translator.task.held_out)
        if not self.pairs:
            raise InputError(_("There are no training pairs."))
        self.history = training.History()
        self.step = 0  # steps done so far, over every run
        self._stop = threading.Event()
        self._rng = np.random.default_rng(self.config.seed)
        self.optimizer = torch.optim.Adam(translator.model.parameters(), lr=self.config.lr, betas=(0.9, 0.98),
                                          eps=1e-9)

    def stop(self) -> None:
        self._stop.set()

    def lr_at(self, step: int) -> float:
        w = max(1, self.config.warmup)
        return self.config.lr * min(step / w, math.sqrt(w / max(step, 1)))

    def train_step(self) -> tuple[float, float]:
        """One optimisation step on a random batch: (loss, teacher-forced token accuracy of the batch)."""
        import torch

        cfg, model = self.config, self.translator.model
        sv, tv = self.translator.task.src_vocab, self.translator.task.tgt_vocab
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
        real = dec_out != tv.pad_id  # (B, Lt)
        acc = float((logits.detach().argmax(-1)[real] == dec_out[real]).float().mean())
        return float(loss.detach()), acc

    def run(self, callback: training.Callback | None = None,
            should_stop: training.ShouldStop | None = None) -> training.History:
        """Train up to ``config.steps`` steps in all (continuing from :attr:`step`); returns :attr:`history`."""
        import torch

        from tlviz import runtime

        cfg, h, task = self.config, self.history, self.translator.task
        torch.manual_seed(cfg.seed + self.step)
        start = time.perf_counter() - h.seconds  # a continued run counts on from the time already spent
        h.status = "running"
        try:
            while self.step < cfg.steps:
                if self._stop.is_set() or (should_stop is not None and should_stop()):
                    break
                with runtime.exclusive("training a Transformer"), runtime.torch_threads(cfg.threads):
                    loss, acc = self.train_step()
                    metrics = {"acc": acc}
                    evaluated = bool(self.held_out) and (self.step % cfg.eval_every == 0 or self.step == cfg.steps)
                    if evaluated:
                        metrics["val_loss"], metrics["val_acc"] = evaluate(
                            self.translator.model, self.held_out, task.src_vocab, task.tgt_vocab)
                event = training.StepEvent(self.step, cfg.steps, loss, metrics, time.perf_counter() - start,
                                           evaluated)
                h.record(event)
                if callback is not None:
                    callback(event)
        finally:
            self.translator.model.eval()
            h.end("finished" if self.step >= cfg.steps else "user", time.perf_counter() - start)
        return h


def run_summary(trainer: Trainer) -> str:
    """One sentence on a live run: its model, how it ended, its time and its latest held-out accuracy."""
    from tlviz.toy_translator import describe

    h = trainer.history
    state = _("finished") if h.finished else _("stopped at step {n} (kept)").format(n=h.steps[-1] if h.steps else 0)
    return _("Live model ({config}, {task}): {state}, {seconds:.0f} s, held-out token accuracy {acc:.1%}.").format(
        config=describe(trainer.translator.config), task=_(trainer.translator.task.title), state=state,
        seconds=h.seconds, acc=h.last("val_acc") or 0.0)


def live_trainer(task_name: str, d_model: int = 64, n_heads: int = 4, d_k: int | None = None, n_layers: int = 2,
                 d_ff: int = 128, steps: int = 400, seed: int = 0) -> Trainer:
    """A fresh model of these hyperparameters and a trainer for it (the page's "train from scratch")."""
    from tlviz.data.parallel import get_task
    from tlviz.toy_translator import new_model, small_config

    task = get_task(task_name)
    translator = new_model(task, small_config(task_name, d_model, n_heads, d_k, n_layers, d_ff), seed=seed)
    translator.name = _("your live-trained model ({task})").format(task=_(task.title))
    return Trainer(translator, TrainConfig(steps=int(steps), eval_every=max(10, int(steps) // 30), seed=seed))


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
    import torch

    from tlviz.data.parallel import SPECIALS, TOY_OUTPUT, TOY_PAIRS, Vocab
    from tlviz.transformer import Transformer, TransformerConfig, small_work

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
