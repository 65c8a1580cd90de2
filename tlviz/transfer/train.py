"""The lab's trainer: Adam with discriminative rates, early stopping, and the exact frozen-prefix feature cache."""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.training import Callback, History, ShouldStop, StepEvent, stop_never
from tlviz.transfer.data import LabData
from tlviz.transfer.plans import apply_plan, frozen_prefix, param_groups
from tlviz.transfer.stages import TransferModel

#: Frozen-prefix activations larger than this are not cached (the plain path runs instead).
CACHE_MAX_BYTES = 768 * 2**20


# ============================================================================================ training

@dataclass(frozen=True)
class TrainConfig:
    """How a run trains. ``lr`` is the new classifier's rate; pretrained layers get ``lr * backbone_lr_factor``."""

    epochs: int = 20
    batch_size: int = 32
    lr: float = 3e-3
    backbone_lr_factor: float = 0.1
    weight_decay: float = 1e-4
    patience: int | None = 4  # epochs with neither a better validation loss nor accuracy before stopping; None = never
    min_epochs: int = 0  # early stopping never stops before this many epochs (the strategy's budget to settle)
    augment: bool = False  # random flips and shifts; the whole network then sees new inputs, so no cache
    cache: bool | None = None  # None: cache the frozen prefix whenever that is exact
    seed: int = 0

    @classmethod
    def tiny(cls) -> TrainConfig:
        return cls(epochs=2, batch_size=8, lr=1e-2, patience=None)


#: The held-out metrics of every epoch's last step (``StepEvent.metrics`` when ``evaluated``).
EPOCH_METRICS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds")


def epoch_rows(history: History) -> list[dict[str, float]]:
    """One row per finished epoch: :data:`EPOCH_METRICS` read from the run's evaluations."""
    return [{k: float(e.metrics[k]) for k in EPOCH_METRICS} for e in history.evaluations if "epoch" in e.metrics]


def epochs_done(history: History) -> int:
    return sum(1 for e in history.evaluations if "epoch" in e.metrics)


def _augment(x, gen):
    """Random horizontal flip and a shift of up to 1/8 of the side (x normalised, (B, 3, S, S))."""
    import torch

    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
    s = x.shape[-1]
    pad = max(1, s // 8)
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad), mode="replicate")
    dx, dy = (int(v) for v in torch.randint(0, 2 * pad + 1, (2,), generator=gen))
    return padded[..., dy:dy + s, dx:dx + s]


def _batches(n: int, size: int):
    for i in range(0, n, size):
        yield slice(i, min(n, i + size))


def _compute_prefix(tm: TransferModel, x_u8, p: int, batch: int = 128):
    import torch

    outs = []
    with torch.no_grad():
        for sl in _batches(len(x_u8), batch):
            outs.append(tm.forward_from(tm.normalise(x_u8[sl]), 0, p))
    return torch.cat(outs)


def prefix_bytes(tm: TransferModel, p: int, n_images: int) -> int:
    """Memory the cached output of the first ``p`` stages would take for ``n_images``."""
    import torch

    if p == 0:
        return 0
    was = tm.model.training
    tm.model.eval()
    with torch.no_grad():
        out = tm.forward_from(torch.zeros(1, 3, tm.input_size, tm.input_size), 0, p)
    tm.model.train(was)
    return int(out.numel() * out.element_size() * n_images)


def evaluate(tm: TransferModel, x, y, start: int = 0, batch: int = 256) -> tuple[float, float, Any]:
    """(mean loss, accuracy, logits) of the model on inputs ``x`` entering at stage ``start`` (eval mode)."""
    import torch
    import torch.nn.functional as F

    tm.model.eval()
    logits = []
    with torch.no_grad():
        for sl in _batches(len(x), batch):
            xb = x[sl]
            if start == 0 and xb.dtype == torch.uint8:
                xb = tm.normalise(xb)
            logits.append(tm.forward_from(xb, start))
    out = torch.cat(logits)
    loss = float(F.cross_entropy(out, y))
    acc = float((out.argmax(-1) == y).float().mean())
    return loss, acc, out


def train(tm: TransferModel, data: LabData, plan: Sequence[bool], config: TrainConfig | None = None,
          callback: Callback | None = None, should_stop: ShouldStop | None = None) -> History:
    """Train ``tm`` in place under ``plan`` and return its :class:`tlviz.training.History`.

    Adam with discriminative learning rates (:func:`param_groups`), cross-entropy, one validation pass per epoch.
    ``callback`` gets a :class:`tlviz.training.StepEvent` after every step; the last step of an epoch is
    ``evaluated`` and carries :data:`EPOCH_METRICS` (``x="epoch"`` in ``History.series``). When the first stages
    are frozen and ``augment`` is off, their outputs are cached once (``history.info["cached"]``; a ``"prepare"``
    event says so): the losses and gradients are the same as running the whole network every step.
    ``should_stop()`` is checked before every step; the epochs finished so far are kept (status ``"user"``).
    Early stopping: after ``patience`` epochs in a row with neither a new best validation loss nor a new best
    validation accuracy (a curve whose loss rises while its accuracy still climbs goes on), and never before
    ``min_epochs``, training stops (status ``"early"``) and the weights of the best epoch are restored
    (``info["best_epoch"]``: the highest validation accuracy, ties to the lower validation loss).

    The steps take :data:`tlviz.runtime.HEAVY` in time slices (:class:`tlviz.runtime.TimeSlices`), the cache and
    every evaluation on their own, so several runs and the lessons of other students take turns; until its first
    epoch is evaluated a run waits for its turns ahead of the others (``first``): every run of a class shows its
    first curve point soon.

    The network trains in the channels-last memory layout (:func:`_channels_last`) and leaves as it came.
    """
    from tlviz import runtime

    heavy = f"training a transfer-learning run ({len(data.classes)} classes)"
    with _channels_last(tm), runtime.TimeSlices(heavy) as turns:  # HEAVY in slices: many cheap steps per turn
        return _train(tm, data, plan, config, callback, should_stop, turns)


@contextlib.contextmanager
def _channels_last(tm: TransferModel):
    """Hold ``tm``'s weights in the channels-last layout while it trains, then give them back contiguous (export,
    Grad-CAM and safetensors expect that). oneDNN's convolutions are about twice as fast in it on CPU: one
    training step of EfficientNet-Lite0 on 32 images of 64 px took 97-164 ms against 201-471 ms here. The
    values are the same weights; only their order in memory changes."""
    import torch

    tm.model.to(memory_format=torch.channels_last)
    try:
        yield
    finally:
        tm.model.to(memory_format=torch.contiguous_format)


def _train(tm: TransferModel, data: LabData, plan: Sequence[bool], config: TrainConfig | None,
           callback: Callback | None, should_stop: ShouldStop | None, turns) -> History:
    import torch
    import torch.nn.functional as F

    from tlviz import runtime

    cfg = config or TrainConfig()
    _check(tm, data, cfg)
    plan = tuple(bool(v) for v in plan)
    apply_plan(tm, plan)
    emit = callback or (lambda _e: None)
    stop = should_stop or stop_never
    hist = History()
    t_start = time.perf_counter()

    def event(step, total, loss, metrics=None, evaluated=False, phase="train", message=""):
        e = StepEvent(step, total, loss, metrics or {}, time.perf_counter() - t_start, evaluated, phase, message)
        hist.record(e)
        emit(e)

    p = frozen_prefix(plan)
    use_cache = p > 0 and not cfg.augment and cfg.cache is not False
    if use_cache and cfg.cache is None:
        use_cache = prefix_bytes(tm, p, len(data.x_train) + len(data.x_val)) <= CACHE_MAX_BYTES
    hist.info.update(frozen_prefix=p, cached=use_cache, cache_seconds=0.0, best_epoch=None)
    start = p if use_cache else 0
    n = len(data.y_train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    if use_cache:
        event(0, total, math.nan, phase="prepare",
              message=_("Computing the frozen blocks' features once ({n} blocks)…").format(n=p))
        t0 = time.perf_counter()
        with runtime.exclusive(turns.label, first=True):  # before the first curve point: ahead of others' turns
            tm.model.eval()
            x_train, x_val = _compute_prefix(tm, data.x_train, p), _compute_prefix(tm, data.x_val, p)
        hist.info["cache_seconds"] = time.perf_counter() - t0
    else:
        x_train, x_val = data.x_train, data.x_val

    groups, _info = param_groups(tm, plan, cfg.lr, cfg.backbone_lr_factor)
    opt = torch.optim.Adam(groups, weight_decay=cfg.weight_decay)
    gen = torch.Generator().manual_seed(cfg.seed)
    rng = runtime.seeded_rng(cfg.seed + 1)
    best_loss, best_acc, best_key, best_state, bad, done, status = math.inf, -math.inf, None, None, 0, 0, "finished"
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        tm.set_mode(plan, True)  # trainable stages in training mode, frozen ones (BatchNorm statistics) in eval
        loss_sum, correct, seen = 0.0, 0, 0
        for i, sl in enumerate(_batches(n, cfg.batch_size)):
            if stop():
                status = "user"
                break
            with turns.step(first=epoch == 1, cost=0.0 if use_cache else 1.0), runtime.own_rng(rng):
                idx = perm[sl]
                xb, yb = x_train[idx], data.y_train[idx]
                if start == 0:
                    xb = tm.normalise(xb)
                    if cfg.augment:
                        xb = _augment(xb, gen)
                if xb.dim() == 4:
                    xb = xb.contiguous(memory_format=torch.channels_last)  # the network's layout (_channels_last)
                logits = tm.forward_from(xb, start)  # (B, C)
                loss = F.cross_entropy(logits, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                value = float(loss.detach())
                hits = int((logits.argmax(-1) == yb).sum())
                last = i == steps_per_epoch - 1
                if last:
                    val_loss, val_acc, _logits = evaluate(tm, x_val, data.y_val, start)
            loss_sum, correct, seen, done = loss_sum + value * len(yb), correct + hits, seen + len(yb), done + 1
            metrics = {"epoch": epoch, "batch_acc": hits / len(yb)}
            if last:
                metrics.update(train_loss=loss_sum / seen, train_acc=correct / seen, val_loss=val_loss,
                               val_acc=val_acc, epoch_seconds=time.perf_counter() - t0)
            event(done, total, value, metrics, evaluated=last,
                  message=_("Epoch {epoch}/{epochs}, step {step}/{total}").format(
                      epoch=epoch, epochs=cfg.epochs, step=done, total=total))
        if status == "user":
            break
        progress = val_loss < best_loss - 1e-4 or val_acc > best_acc + 1e-9
        best_loss, best_acc = min(best_loss, val_loss), max(best_acc, val_acc)
        bad = 0 if progress else bad + 1
        if best_key is None or (val_acc, -val_loss) > best_key:
            best_key, hist.info["best_epoch"] = (val_acc, -val_loss), epoch
            if cfg.patience is not None:
                best_state = copy.deepcopy(tm.model.state_dict())
        if cfg.patience is not None and bad >= cfg.patience and epoch >= cfg.min_epochs and epoch < cfg.epochs:
            status = "early"
            if best_state is not None:
                tm.model.load_state_dict(best_state)
            break
    turns.close()  # the lock goes to the next in line before the page's final bookkeeping
    tm.model.eval()
    hist.end(status, time.perf_counter() - t_start)
    return hist


def _check(tm: TransferModel, data: LabData, cfg: TrainConfig) -> None:
    if int(cfg.epochs) < 1:
        raise InputError(_("Train for at least one epoch."))
    if int(cfg.batch_size) < 1:
        raise InputError(_("The batch size must be at least 1."))
    if data.input_size != tm.input_size:
        raise InputError(_("The images are {size} px but the model expects {expected} px.").format(
            size=data.input_size, expected=tm.input_size))
    if len(data.classes) != len(tm.labels):
        raise InputError(_("The data has {n} classes but the model's classifier has {m}.").format(
            n=len(data.classes), m=len(tm.labels)))
