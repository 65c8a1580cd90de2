"""Residual learning, live: a deep plain CNN and the same depth with identity shortcuts, trained side by side.

Both networks have the same layers and start from the same weights; the only difference is the ``+ x`` of each
block (He et al., 2016: a block learns F(x) and outputs F(x) + x). On a packaged dataset, with BatchNorm in both,
the deep plain net trains worse than its residual twin: the *degradation problem* (its training loss, not just its
test loss, stays higher). The trainer records every layer's gradient norm at every step.

It speaks :mod:`tlviz.training`: ``run(callback, should_stop)`` sends one frozen ``StepEvent`` per step (both
nets take one step each; ``loss`` is the residual net's, ``metrics`` holds ``plain_loss`` and ``residual_loss``,
plus ``plain_val_acc`` and ``residual_val_acc`` on evaluated steps) and each net keeps its own ``History``
(:attr:`ResidualComparison.histories`). Every step takes :func:`tlviz.runtime.exclusive`.

Example::

    run = ResidualComparison(ResidualConfig.tiny())
    run.run()
    run.histories["plain"].losses[-1], run.histories["residual"].losses[-1]
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from tlviz import training
from tlviz.errors import InputError
from tlviz.i18n import N_, _

#: The packaged datasets the demo trains on, with the side their images are scaled to.
DATASETS = {"digits": (N_("Handwritten digits (8×8, scikit-learn)"), 8),
            "animals": (N_("Animal-MNIST silhouettes (14×14)"), 14)}
DEPTHS = (8, 14, 20, 32, 44, 56)
NETS = ("plain", "residual")


@dataclass(frozen=True)
class ResidualConfig:
    """Both networks: a 3x3 stem, ``depth`` 3x3 convolutions in blocks of two (conv-BN-ReLU-conv-BN, then
    ReLU after the optional ``+ x``), global average pooling and a linear classifier; SGD with momentum."""

    depth: int = 20
    width: int = 16
    steps: int = 120
    batch_size: int = 64
    lr: float = 0.05
    dataset: str = "digits"
    seed: int = 0
    eval_every: int = 25
    threads: int = 1  # small convolutions: a second thread does not pay (see tlviz.runtime.torch_threads)

    @classmethod
    def tiny(cls) -> ResidualConfig:
        return cls(depth=16, width=8, steps=40, batch_size=32, eval_every=10)


def check(config: ResidualConfig) -> ResidualConfig:
    """The config, or an InputError saying what a student can change."""
    if config.dataset not in DATASETS:
        raise InputError(_("Unknown dataset '{name}'. Choose one of: {names}.").format(
            name=str(config.dataset)[:40], names=", ".join(DATASETS)))
    if not 2 <= config.depth <= 64 or config.depth % 2:
        raise InputError(_("The depth must be an even number of layers from 2 to 64 (got {n}).").format(
            n=config.depth))
    if not 1 <= config.steps <= 2000:
        raise InputError(_("The number of steps must be from 1 to 2000 (got {n}).").format(n=config.steps))
    if not 1 <= config.width <= 64 or not 1 <= config.batch_size <= 512 or not 0 < config.lr <= 1:
        raise InputError(_("Width 1-64, batch 1-512 and a learning rate in (0, 1] are needed."))
    return config


def _net(config: ResidualConfig, shortcuts: bool):
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        """conv-BN-ReLU-conv-BN = F(x); out = ReLU(F(x) + x) with the shortcut, ReLU(F(x)) without."""

        def __init__(self, w: int):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(w, w, 3, padding=1, bias=False), nn.BatchNorm2d(w)
            self.conv2, self.bn2 = nn.Conv2d(w, w, 3, padding=1, bias=False), nn.BatchNorm2d(w)

        def forward(self, x):  # (B, w, H, W) -> (B, w, H, W)
            f = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            return torch.relu(f + x) if shortcuts else torch.relu(f)

    w = config.width
    return nn.Sequential(nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                         *[Block(w) for _ in range(config.depth // 2)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w, 10))  # (B, w, 1, 1) -> (B, 10)


def build_pair(config: ResidualConfig):
    """``{"plain": net, "residual": net}``: the same layers and the same initial weights (seeded)."""
    import torch

    check(config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        residual = _net(config, True)
        plain = _net(config, False)  # its own random init is overwritten next; drawn here, off the global stream
    plain.load_state_dict(residual.state_dict())  # the same start: only the "+ x" differs
    return {"plain": plain, "residual": residual}


def layer_names(config: ResidualConfig) -> list[str]:
    """One name per weighted layer, input to output: the stem, every block's two convolutions, the classifier."""
    names = [_("stem conv")]
    for b in range(config.depth // 2):
        names += [_("block {b} conv {i}").format(b=b + 1, i=i) for i in (1, 2)]
    return names + [_("classifier")]


@functools.lru_cache(maxsize=len(DATASETS))
def _data(name: str):
    """Normalised float tensors ``(N, 1, S, S)`` and labels, split 80/20 (seeded, stratified)."""
    import torch
    import torch.nn.functional as F

    from tlviz.data import images

    ds = images.digits() if name == "digits" else images.animal_mnist()
    train, test = ds.split(0.2, seed=0)
    side = DATASETS[name][1]

    def tensors(part):
        x = torch.tensor(part.images, dtype=torch.float32)[:, None] / 255.0  # (N, 1, H, W)
        if x.shape[-1] != side:
            x = F.interpolate(x, size=(side, side), mode="area")  # (N, 1, S, S)
        return x, torch.tensor(part.labels, dtype=torch.long)

    (xt, yt), (xv, yv) = tensors(train), tensors(test)
    mean, std = xt.mean(), xt.std()
    return (xt - mean) / std, yt, (xv - mean) / std, yv


class ResidualComparison:
    """Trains the plain and the residual network in lockstep on the same batches (see the module docstring).

    :attr:`grad_norms` holds, per net, one array ``(layers,)`` per step: the L2 norm of each weighted layer's
    weight gradient (order of :func:`layer_names`). Stopping keeps everything learnt; ``run`` again continues.
    """

    def __init__(self, config: ResidualConfig | None = None):
        import torch

        self.config = check(config or ResidualConfig())
        self.nets = build_pair(self.config)
        self.optimizers = {k: torch.optim.SGD(n.parameters(), lr=self.config.lr, momentum=0.9)
                           for k, n in self.nets.items()}
        self.histories = {k: training.History() for k in NETS}
        self.history = training.History()  # the combined events, as sent to the callback
        self.grad_norms: dict[str, list[np.ndarray]] = {k: [] for k in NETS}
        self.step = 0
        self._rng = np.random.default_rng(self.config.seed)
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def _weighted(self, net):
        import torch.nn as nn

        return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]

    def _train_step(self, idx) -> dict[str, float]:
        import torch.nn.functional as F

        xt, yt, _xv, _yv = _data(self.config.dataset)
        losses = {}
        for name in NETS:
            net, opt = self.nets[name], self.optimizers[name]
            net.train()
            loss = F.cross_entropy(net(xt[idx]), yt[idx])  # (B, 10) logits against (B,) labels
            opt.zero_grad(set_to_none=True)
            loss.backward()
            self.grad_norms[name].append(np.array([float(m.weight.grad.norm()) for m in self._weighted(net)]))
            opt.step()
            losses[name] = float(loss.detach())
        return losses

    def _accuracy(self, name: str) -> float:
        import torch

        _xt, _yt, xv, yv = _data(self.config.dataset)
        net = self.nets[name].eval()
        with torch.no_grad():
            return float((net(xv).argmax(-1) == yv).float().mean())

    def run(self, callback: training.Callback | None = None,
            should_stop: training.ShouldStop | None = None) -> training.History:
        """Train up to ``config.steps`` steps in all (continuing from :attr:`step`); returns :attr:`history`."""
        from tlviz import runtime

        cfg, h = self.config, self.history
        n_train = len(_data(cfg.dataset)[1])
        start = time.perf_counter() - h.seconds
        h.status = "running"
        try:
            while self.step < cfg.steps:
                if self._stop.is_set() or (should_stop is not None and should_stop()):
                    break
                idx = self._rng.choice(n_train, size=min(cfg.batch_size, n_train), replace=False)
                with runtime.exclusive("training a plain and a residual CNN"), runtime.torch_threads(cfg.threads):
                    losses = self._train_step(idx)
                    self.step += 1
                    evaluated = self.step % cfg.eval_every == 0 or self.step == cfg.steps
                    accs = {k: self._accuracy(k) for k in NETS} if evaluated else {}
                seconds = time.perf_counter() - start
                for k in NETS:
                    self.histories[k].record(training.StepEvent(
                        self.step, cfg.steps, losses[k], {"val_acc": accs[k]} if evaluated else {}, seconds,
                        evaluated))
                metrics = {f"{k}_loss": losses[k] for k in NETS} | {f"{k}_val_acc": v for k, v in accs.items()}
                event = training.StepEvent(self.step, cfg.steps, losses["residual"], metrics, seconds, evaluated)
                h.record(event)
                if callback is not None:
                    callback(event)
        finally:
            status = "finished" if self.step >= cfg.steps else "user"
            for hist in (h, *self.histories.values()):
                hist.end(status, time.perf_counter() - start)
        return h

    def norms(self, name: str) -> np.ndarray:
        """``(steps, layers)`` gradient norms of net ``name`` so far."""
        rows = self.grad_norms[name]
        return np.stack(rows) if rows else np.zeros((0, self.config.depth + 2))

    def final_losses(self, last: int = 10) -> dict[str, float]:
        """Each net's training loss averaged over its last ``last`` steps (the curves are noisy per batch)."""
        return {k: float(np.mean(self.histories[k].losses[-last:])) if self.histories[k].losses else float("nan")
                for k in NETS}


def summary(run: ResidualComparison) -> str:
    """One sentence on a run: how it ended and where each net's training loss and accuracy ended."""
    h, losses = run.history, run.final_losses()
    state = _("finished") if h.finished else _("stopped at step {n} (kept)").format(n=run.step)
    acc = {k: run.histories[k].last("val_acc") for k in NETS}
    text = _("{depth} layers, {state} in {seconds:.0f} s. Training loss (mean of the last 10 steps): plain "
             "{plain:.3f}, residual {residual:.3f}.").format(
        depth=run.config.depth + 2, state=state, seconds=h.seconds, plain=losses["plain"], residual=losses["residual"])
    if acc["plain"] is None:
        return text + " " + _("Held-out accuracy: not measured yet (every {n} steps).").format(n=run.config.eval_every)
    return text + " " + _("Held-out accuracy: plain {pa:.1%}, residual {ra:.1%}.").format(pa=acc["plain"],
                                                                                         ra=acc["residual"])


def with_settings(depth: int, steps: int, dataset: str, seed: int = 0) -> ResidualConfig:
    """The page's config: the defaults with a student's depth, steps, dataset and seed."""
    return check(replace(ResidualConfig(), depth=int(depth), steps=int(steps), dataset=dataset, seed=int(seed)))
