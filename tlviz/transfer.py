"""Transfer learning, measured: freeze plans over a backbone's blocks, discriminative learning rates, a trainer
with callbacks, a stop flag and early stopping, the frozen-prefix feature cache, and the three benefits of
transfer (Torrey & Shavlik: higher start, higher slope, higher asymptote) read off training curves.

The network is cut into *stages* in execution order (stem, the backbone's blocks, the classifier). A freeze plan
says, per stage, whether it trains. BatchNorm policy: a frozen stage runs in eval mode (its running mean and
variance stay the ImageNet ones and its affine weights do not train); a trainable stage runs in train mode. So a
frozen stage is a fixed function of its input, which is what makes the cache exact: when the first ``p`` stages
are frozen and the input is not augmented, their output is computed once per image and every epoch only runs the
stages after them (a feature-extraction epoch then costs only the classifier).

Nothing here imports streamlit, prints, draws or sleeps: the page subscribes through callbacks.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tlviz.errors import InputError

#: Strategies offered by the lab, with the sentence the page shows.
STRATEGIES: dict[str, str] = {
    "scratch": "From scratch: the same network with random weights, every layer trains.",
    "feature_extraction": "Feature extraction: the pretrained backbone is frozen; only a new classifier trains.",
    "finetune_last": "Fine-tune the last k blocks: early blocks stay frozen (general features), the last k blocks "
                     "and the new classifier train.",
    "full": "Full fine-tuning: start from the pretrained weights and train every layer.",
}

#: Frozen-prefix activations larger than this are not cached (the plain path runs instead).
CACHE_MAX_BYTES = 768 * 2**20


# ============================================================================================ the staged network

@dataclass(frozen=True)
class Stage:
    """One block of the network as the lab shows it: a name, the modules it owns and how to run it."""

    name: str
    modules: tuple[str, ...]  # attribute paths in the timm model ("blocks.3", "conv_head")
    run: Callable[[Any], Any]  # tensor -> tensor
    new: bool = False  # the freshly initialised classifier (not pretrained)


def _seq(model, paths: Sequence[str]) -> Callable[[Any], Any]:
    mods = [model.get_submodule(p) for p in paths]

    def run(x):
        for m in mods:
            x = m(x)
        return x
    return run


def _stages_for(model) -> list[Stage]:
    """The lab's stages for a timm model: EfficientNet / MobileNetV3 / ResNet by their blocks, anything else as
    one "backbone" stage plus the classifier."""
    import torch.nn.functional as F

    kind = type(model).__name__
    stages: list[Stage] = []
    if kind == "EfficientNet" and hasattr(model, "blocks"):
        stages.append(Stage("stem", ("conv_stem", "bn1"), _seq(model, ("conv_stem", "bn1"))))
        n = len(model.blocks)
        for i in range(n):
            paths = (f"blocks.{i}",) + (("conv_head", "bn2") if i == n - 1 else ())
            name = f"block {i + 1}" + (" + head conv" if i == n - 1 else "")
            stages.append(Stage(name, paths, _seq(model, paths)))
        stages.append(Stage("classifier", ("global_pool", "classifier"), model.forward_head, new=True))
    elif kind == "MobileNetV3" and hasattr(model, "blocks"):
        stages.append(Stage("stem", ("conv_stem", "bn1"), _seq(model, ("conv_stem", "bn1"))))
        for i in range(len(model.blocks)):
            stages.append(Stage(f"block {i + 1}", (f"blocks.{i}",), _seq(model, (f"blocks.{i}",))))
        head = ("global_pool", "conv_head", "norm_head", "act2", "flatten")
        stages.append(Stage("pool + head conv", head, _seq(model, head)))

        def classify(x, model=model):
            if model.drop_rate > 0.0:
                x = F.dropout(x, p=model.drop_rate, training=model.training)
            return model.classifier(x)
        stages.append(Stage("classifier", ("classifier",), classify, new=True))
    elif kind == "ResNet" and hasattr(model, "layer4"):
        stem = ("conv1", "bn1", "act1", "maxpool")
        stages.append(Stage("stem", stem, _seq(model, stem)))
        for i in range(1, 5):
            stages.append(Stage(f"layer {i}", (f"layer{i}",), _seq(model, (f"layer{i}",))))
        stages.append(Stage("classifier", ("global_pool", "fc"), model.forward_head, new=True))
    else:
        head_names = tuple(n for n, m in model.named_children() if m is model.get_classifier())
        body = tuple(n for n, _ in model.named_children() if n not in head_names)
        stages.append(Stage("backbone", body, model.forward_features))
        stages.append(Stage("classifier", head_names, model.forward_head, new=True))
    return stages


class TransferModel:
    """A timm classifier with a fresh ``num_classes`` head, cut into :class:`Stage` s.

    ``model`` is a private copy (never a shared, cached instance): it can be trained. ``model(x)`` and
    ``forward_from(x, 0)`` give the same logits.
    """

    def __init__(self, model, arch: str, labels: Sequence[str], pretrained: bool, input_size: int,
                 mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), source_name: str = ""):
        self.model = model
        self.arch = arch
        self.labels = list(labels)
        self.pretrained = pretrained
        self.input_size = int(input_size)
        self.mean = tuple(float(v) for v in mean)
        self.std = tuple(float(v) for v in std)
        self.source_name = source_name or arch
        self.stages = _stages_for(model)
        self._stage_params = self._assign_params()

    def _assign_params(self) -> list[list[tuple[str, Any]]]:
        """Each parameter belongs to exactly one stage; anything no stage names goes to the classifier."""
        owner: dict[str, int] = {}
        for i, st in enumerate(self.stages):
            for path in st.modules:
                for name, _ in self.model.get_submodule(path).named_parameters():
                    owner.setdefault(f"{path}.{name}", i)
        groups: list[list[tuple[str, Any]]] = [[] for _ in self.stages]
        for name, p in self.model.named_parameters():
            groups[owner.get(name, len(self.stages) - 1)].append((name, p))
        return groups

    def __deepcopy__(self, memo):
        # The stages close over this instance's modules: a copy must rebuild them around its own model.
        return TransferModel(copy.deepcopy(self.model, memo), self.arch, self.labels, self.pretrained,
                             self.input_size, self.mean, self.std, self.source_name)

    # ----------------------------------------------------------------------------------------- structure
    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    def stage_parameters(self, i: int) -> list[tuple[str, Any]]:
        return list(self._stage_params[i])

    def stage_param_counts(self) -> list[int]:
        return [sum(p.numel() for _, p in group) for group in self._stage_params]

    def trainable_names(self) -> set[str]:
        return {n for n, p in self.model.named_parameters() if p.requires_grad}

    # ----------------------------------------------------------------------------------------- running
    def forward_from(self, x, start: int = 0, stop: int | None = None):
        """Run stages ``start`` .. ``stop - 1`` (default: to the logits) on ``x``."""
        for st in self.stages[start:stop]:
            x = st.run(x)
        return x

    def normalise(self, images_u8):
        """uint8 ``(N, 3, S, S)`` -> float ``(N, 3, S, S)`` normalised with the backbone's mean and std."""
        import torch

        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        return (images_u8.float() / 255.0 - mean) / std

    def set_mode(self, plan: Sequence[bool], training: bool) -> None:
        """Train mode for trainable stages, eval mode for frozen ones (the BatchNorm policy), or all eval."""
        self.model.train(training)
        if training:
            for st, trains in zip(self.stages, plan):
                if not trains:
                    for path in st.modules:
                        self.model.get_submodule(path).eval()


def _timm_model(arch: str, num_classes: int, pretrained_from=None):
    import timm

    model = timm.create_model(arch, pretrained=False, num_classes=num_classes)
    if pretrained_from is not None:
        state = {k: v for k, v in pretrained_from.state_dict().items()}
        own = model.state_dict()
        keep = {k: v for k, v in state.items() if k in own and tuple(own[k].shape) == tuple(v.shape)}
        model.load_state_dict(keep, strict=False)  # every tensor but the old 1000-class head
    return model


def build(backbone: str | None = None, num_classes: int = 10, labels: Sequence[str] | None = None,
          pretrained: bool = True, input_size: int = 64) -> TransferModel:
    """A trainable copy of ``backbone`` (catalogue name or timm name; default the packaged EfficientNet-Lite0)
    with a new ``num_classes`` classifier. ``pretrained=False`` gives the same architecture from random weights
    (the "from scratch" run; timm's default initialisation, seeded by the caller)."""
    from tlviz import cnn, runtime

    labels = list(labels) if labels is not None else [f"class {i}" for i in range(num_classes)]
    if len(labels) != num_classes:
        raise InputError(f"{num_classes} classes but {len(labels)} class names.")
    if num_classes < 2:
        raise InputError("Training a classifier needs at least two classes.")
    handle = cnn.load(backbone or cnn.DEFAULT)  # shared and read-only: we only read its weights
    if not handle.arch:
        raise InputError(f"'{handle.name}' is not a timm CNN the lab can retrain.")
    with runtime.exclusive(f"preparing {handle.name}"):
        model = _timm_model(handle.arch, num_classes, handle.model if pretrained else None)
    return TransferModel(model, handle.arch, labels, pretrained, input_size, handle.mean, handle.std,
                         source_name=handle.name)


def from_module(model, labels: Sequence[str], pretrained: bool = True, input_size: int = 32,
                mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), arch: str = "") -> TransferModel:
    """Wrap an already built timm model (tests use timm's tiny ``test_efficientnet``)."""
    arch = arch or (getattr(model, "default_cfg", None) or {}).get("architecture", type(model).__name__)
    return TransferModel(model, arch, labels, pretrained, input_size, mean, std)


# ============================================================================================ freeze plans

def plan_for(strategy: str, n_stages: int, k: int = 1) -> tuple[bool, ...]:
    """Which stages train (True) under a strategy. The last stage is the new classifier and always trains.

    - ``scratch`` and ``full``: every stage;
    - ``feature_extraction``: the classifier only;
    - ``finetune_last``: the last ``k`` backbone stages and the classifier.
    """
    if strategy not in STRATEGIES:
        raise InputError(f"Unknown strategy '{strategy}': choose one of {', '.join(STRATEGIES)}.")
    if strategy in ("scratch", "full"):
        return (True,) * n_stages
    if strategy == "feature_extraction":
        return (False,) * (n_stages - 1) + (True,)
    k = max(0, min(int(k), n_stages - 1))
    return (False,) * (n_stages - 1 - k) + (True,) * (k + 1)


def apply_plan(tm: TransferModel, plan: Sequence[bool]) -> None:
    """Set ``requires_grad`` on exactly the parameters of the stages that train."""
    plan = tuple(bool(v) for v in plan)
    if len(plan) != len(tm.stages):
        raise InputError(f"The plan has {len(plan)} entries for {len(tm.stages)} blocks.")
    if not any(plan):
        raise InputError("Nothing would train: switch on at least one block (the classifier, say).")
    for group, trains in zip(tm._stage_params, plan):
        for _, p in group:
            p.requires_grad_(trains)


def frozen_prefix(plan: Sequence[bool]) -> int:
    """Number of leading stages that are frozen (what the feature cache can skip)."""
    n = 0
    for trains in plan:
        if trains:
            break
        n += 1
    return n


@dataclass(frozen=True)
class ParamGroupInfo:
    name: str
    stages: tuple[str, ...]
    params: int
    lr: float


def param_groups(tm: TransferModel, plan: Sequence[bool], lr: float, backbone_lr_factor: float = 0.1
                 ) -> tuple[list[dict], list[ParamGroupInfo]]:
    """Optimizer parameter groups with discriminative learning rates, and their description for the page.

    The new classifier gets ``lr``; pretrained stages that train get ``lr * backbone_lr_factor`` (they are already
    good and should not be distorted fast). From scratch nothing is pretrained, so every stage gets ``lr``.
    """
    head, body = [], []
    head_names, body_names = [], []
    for st, group, trains in zip(tm.stages, tm._stage_params, plan):
        if not trains or not group:
            continue
        if st.new or not tm.pretrained:
            head += [p for _, p in group]
            head_names.append(st.name)
        else:
            body += [p for _, p in group]
            body_names.append(st.name)
    groups, info = [], []
    if head:
        groups.append({"params": head, "lr": lr})
        info.append(ParamGroupInfo("new classifier" if tm.pretrained else "all layers (random init)",
                                   tuple(head_names), sum(p.numel() for p in head), lr))
    if body:
        groups.append({"params": body, "lr": lr * backbone_lr_factor})
        info.append(ParamGroupInfo("pretrained layers", tuple(body_names), sum(p.numel() for p in body),
                                   lr * backbone_lr_factor))
    return groups, info


# ============================================================================================ curve metrics

@dataclass(frozen=True)
class CurveMetrics:
    """The three benefits of transfer read off one curve (see :func:`curve_metrics` for the definitions)."""

    start: float
    slope: float
    asymptote: float
    early_steps: tuple[float, float]  # from the first step to where the curve got 90% of the way (the slope's run)
    tail_steps: tuple[float, float]  # the step range the asymptote was averaged over


#: The slope is measured until the curve has covered this share of the way from its start to its asymptote.
SLOPE_SHARE = 0.9


def curve_metrics(steps, values, higher_is_better: bool = True, tail_fraction: float = 1 / 4) -> CurveMetrics:
    """Start, slope and asymptote of a learning curve (Torrey & Shavlik's three measures of transfer).

    With the ``n`` evaluated points ``(steps[i], values[i])`` sorted by step, and values sign-flipped when
    ``higher_is_better`` is False (so "improving" always means "going up" below):

    - ``start`` = ``values[0]``, the first evaluated value, in the curve's units;
    - ``asymptote`` = the mean of the last ``t = max(1, ceil(n * tail_fraction))`` values: the level the curve
      settles at, in the curve's units;
    - ``slope`` = the early rate of improvement, in units per step: with the gain ``G = asymptote - start``
      (sign-adjusted), ``slope = 0.9 G / (s90 - steps[0])`` where ``s90`` is the first step at which the curve has
      covered 90% of the way from start to asymptote (linearly interpolated between evaluated points). It is
      positive when the curve improves, for loss curves too. A curve that does not improve (``G <= 0``) gets
      ``G / (steps[-1] - steps[0])`` (zero or negative); a single point gets NaN.

    A curve that rises linearly from S at rate r and then stays flat at A has exactly ``start = S``,
    ``slope = r`` and ``asymptote = A`` (as long as its flat part fills the last quarter).
    """
    x = np.asarray(steps, dtype=float).ravel()
    y = np.asarray(values, dtype=float).ravel()
    if x.shape != y.shape:
        raise InputError(f"curve_metrics needs as many steps as values ({x.size} vs {y.size}).")
    if y.size == 0:
        raise InputError("curve_metrics needs at least one evaluated point.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("The curve has missing or infinite values.")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n = y.size
    t = min(n, max(1, math.ceil(n * tail_fraction)))
    start, asymptote = float(y[0]), float(y[-t:].mean())
    sign = 1.0 if higher_is_better else -1.0
    u = sign * y  # improving = rising
    gain = sign * (asymptote - start)
    end = float(x[0])
    if n < 2 or x[-1] <= x[0]:
        slope = float("nan")
    elif gain <= 0:
        slope = gain / float(x[-1] - x[0])
        end = float(x[-1])
    else:
        target = u[0] + SLOPE_SHARE * gain
        i = int(np.argmax(u >= target - 1e-12))  # first point at or past the target (exists: the tail mean is)
        if i == 0:
            end = float(x[0])
        else:
            frac = (target - u[i - 1]) / (u[i] - u[i - 1])
            end = float(x[i - 1] + frac * (x[i] - x[i - 1]))
        slope = SLOPE_SHARE * gain / (end - float(x[0])) if end > x[0] else float("nan")
    return CurveMetrics(start=start, slope=float(slope), asymptote=asymptote, early_steps=(float(x[0]), end),
                        tail_steps=(float(x[-t]), float(x[-1])))


# ============================================================================================ data

@dataclass
class LabData:
    """Images for the lab, already at the network's input size.

    ``x_train`` uint8 ``(N, 3, S, S)``, ``y_train`` int64 ``(N,)``; the same for validation.
    """

    name: str
    classes: tuple[str, ...]
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any

    @property
    def input_size(self) -> int:
        return int(self.x_train.shape[-1])

    def counts(self) -> list[tuple[str, int, int]]:
        """(class, training images, validation images) per class."""
        tr = np.bincount(self.y_train.numpy(), minlength=len(self.classes))
        va = np.bincount(self.y_val.numpy(), minlength=len(self.classes))
        return [(c, int(a), int(b)) for c, a, b in zip(self.classes, tr, va)]


def _resize_u8(images: np.ndarray, size: int):
    """uint8 ``(N, H, W)`` (grey) or ``(N, H, W, 3)`` -> uint8 torch ``(N, 3, size, size)`` (bilinear)."""
    import torch
    import torch.nn.functional as F

    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = np.repeat(arr[..., None], 3, axis=-1)  # (N, H, W, 3)
    t = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float()  # (N, 3, H, W)
    out = []
    for chunk in t.split(512):
        out.append(F.interpolate(chunk, size=(size, size), mode="bilinear", align_corners=False,
                                 antialias=chunk.shape[-1] > size))
    return torch.cat(out).round().clamp(0, 255).to(torch.uint8)


def prepare(dataset, input_size: int = 64, train_per_class: int | None = 60, val_per_class: int | None = 20,
            val_fraction: float = 0.2, seed: int = 0) -> LabData:
    """A seeded, stratified train/validation split of an :class:`~tlviz.data.images.ImageDataset`, resized.

    With ``val_per_class`` set, each class gives that many validation images and up to ``train_per_class``
    training images (a subset keeps live runs fast); classes with fewer images are split by ``val_fraction``
    (at least one image each side). Every class needs at least 2 images.
    """
    import torch

    if not 16 <= int(input_size) <= 320:
        raise InputError("The input size must be between 16 and 320 pixels.")
    labels = np.asarray(dataset.labels)
    rng = np.random.default_rng(seed)
    tr_idx, va_idx = [], []
    for c, name in enumerate(dataset.classes):
        idx = np.flatnonzero(labels == c)
        if len(idx) < 2:
            raise InputError(f"The class '{name}' has {len(idx)} image(s); every class needs at least 2 (one to "
                             "train on, one to validate).")
        rng.shuffle(idx)
        n_val = val_per_class if val_per_class else 0
        if not n_val or len(idx) < 2 * n_val:
            n_val = min(len(idx) - 1, max(1, int(round(len(idx) * val_fraction))))
        va_idx.extend(idx[:n_val])
        rest = idx[n_val:]
        tr_idx.extend(rest[:train_per_class] if train_per_class else rest)
    tr_idx, va_idx = np.sort(np.array(tr_idx)), np.sort(np.array(va_idx))
    images = np.asarray(dataset.images)
    return LabData(dataset.name, tuple(dataset.classes), _resize_u8(images[tr_idx], input_size),
                   torch.from_numpy(labels[tr_idx].astype(np.int64)), _resize_u8(images[va_idx], input_size),
                   torch.from_numpy(labels[va_idx].astype(np.int64)))


# ============================================================================================ training

@dataclass
class TrainConfig:
    """How a run trains. ``lr`` is the new classifier's rate; pretrained layers get ``lr * backbone_lr_factor``."""

    epochs: int = 20
    batch_size: int = 32
    lr: float = 3e-3
    backbone_lr_factor: float = 0.1
    weight_decay: float = 1e-4
    patience: int | None = 4  # epochs without a new best validation loss before stopping; None = never
    augment: bool = False  # random flips and shifts; the whole network then sees new inputs, so no cache
    cache: bool | None = None  # None: cache the frozen prefix whenever that is exact
    seed: int = 0

    @classmethod
    def tiny(cls) -> "TrainConfig":
        return cls(epochs=2, batch_size=8, lr=1e-2, patience=None)


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float


@dataclass
class History:
    """What a run did, epoch by epoch (kept whatever stops it)."""

    epochs: list[EpochRecord] = field(default_factory=list)
    batch_losses: list[float] = field(default_factory=list)
    cached: bool = False
    cache_seconds: float = 0.0
    frozen_prefix: int = 0
    stopped_by_user: bool = False
    stopped_early: bool = False  # early stopping: validation loss stopped improving
    best_epoch: int | None = None
    total_seconds: float = 0.0

    def series(self, key: str) -> tuple[list[int], list[float]]:
        return [e.epoch for e in self.epochs], [getattr(e, key) for e in self.epochs]

    def to_rows(self) -> list[dict]:
        return [asdict(e) for e in self.epochs]


@dataclass(frozen=True)
class Progress:
    """A training event for the page: ``phase`` is "cache", "train" or "done"."""

    phase: str
    done: int
    total: int
    message: str


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
          on_epoch: Callable[[EpochRecord, History], None] | None = None,
          on_progress: Callable[[Progress], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> History:
    """Train ``tm`` in place under ``plan`` and return its :class:`History`.

    Adam with discriminative learning rates (:func:`param_groups`), cross-entropy, one validation pass per epoch.
    When the first stages are frozen and ``augment`` is off, their outputs are cached once (``History.cached``);
    the losses and gradients are the same as running the whole network every step. ``should_stop()`` is checked
    between steps: the history of finished epochs is kept. Early stopping: after ``patience`` epochs without a
    new best validation loss, training stops and the weights of the best epoch are restored.
    """
    import torch
    import torch.nn.functional as F

    from tlviz import runtime

    cfg = config or TrainConfig()
    if int(cfg.epochs) < 1:
        raise InputError("Train for at least one epoch.")
    if int(cfg.batch_size) < 1:
        raise InputError("The batch size must be at least 1.")
    if data.input_size != tm.input_size:
        raise InputError(f"The images are {data.input_size} px but the model expects {tm.input_size} px.")
    if len(data.classes) != len(tm.labels):
        raise InputError(f"The data has {len(data.classes)} classes but the model's classifier has "
                         f"{len(tm.labels)}.")
    plan = tuple(bool(v) for v in plan)
    apply_plan(tm, plan)
    emit = on_progress or (lambda _p: None)
    stop = should_stop or (lambda: False)
    hist = History()
    t_start = time.perf_counter()

    with runtime.exclusive("training a transfer-learning run"):
        p = frozen_prefix(plan)
        use_cache = p > 0 and not cfg.augment and cfg.cache is not False
        if use_cache and cfg.cache is None:
            use_cache = prefix_bytes(tm, p, len(data.x_train) + len(data.x_val)) <= CACHE_MAX_BYTES
        hist.frozen_prefix = p
        start = p if use_cache else 0
        if use_cache:
            t0 = time.perf_counter()
            emit(Progress("cache", 0, 1, f"Computing the frozen blocks' features once ({p} blocks)…"))
            tm.model.eval()
            x_train = _compute_prefix(tm, data.x_train, p)
            x_val = _compute_prefix(tm, data.x_val, p)
            hist.cached, hist.cache_seconds = True, time.perf_counter() - t0
            emit(Progress("cache", 1, 1, f"Features cached in {hist.cache_seconds:.1f} s"))
        else:
            x_train, x_val = data.x_train, data.x_val

        groups, _ = param_groups(tm, plan, cfg.lr, cfg.backbone_lr_factor)
        opt = torch.optim.Adam(groups, weight_decay=cfg.weight_decay)
        gen = torch.Generator().manual_seed(cfg.seed)
        n = len(data.y_train)
        steps_per_epoch = math.ceil(n / cfg.batch_size)
        total = steps_per_epoch * cfg.epochs
        best_loss, best_state, bad = float("inf"), None, 0
        done = 0
        for epoch in range(1, cfg.epochs + 1):
            t0 = time.perf_counter()
            tm.set_mode(plan, True)
            perm = torch.randperm(n, generator=gen)
            loss_sum, correct, seen = 0.0, 0, 0
            interrupted = False
            for sl in _batches(n, cfg.batch_size):
                if stop():
                    interrupted = True
                    break
                idx = perm[sl]
                xb, yb = x_train[idx], data.y_train[idx]
                if start == 0:
                    xb = tm.normalise(xb)
                    if cfg.augment:
                        xb = _augment(xb, gen)
                logits = tm.forward_from(xb, start)
                loss = F.cross_entropy(logits, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                value = float(loss.detach())
                hist.batch_losses.append(value)
                loss_sum += value * len(yb)
                correct += int((logits.argmax(-1) == yb).sum())
                seen += len(yb)
                done += 1
                emit(Progress("train", done, total, f"Epoch {epoch}/{cfg.epochs}, step {done}/{total}"))
            if interrupted:
                hist.stopped_by_user = True
                break
            val_loss, val_acc, _ = evaluate(tm, x_val, data.y_val, start)
            rec = EpochRecord(epoch, loss_sum / max(1, seen), correct / max(1, seen), val_loss, val_acc,
                              time.perf_counter() - t0)
            hist.epochs.append(rec)
            if on_epoch is not None:
                on_epoch(rec, hist)
            if val_loss < best_loss - 1e-4:
                best_loss, bad, hist.best_epoch = val_loss, 0, epoch
                if cfg.patience is not None:
                    best_state = copy.deepcopy(tm.model.state_dict())
            else:
                bad += 1
                if cfg.patience is not None and bad >= cfg.patience:
                    hist.stopped_early = True
                    if best_state is not None:
                        tm.model.load_state_dict(best_state)
                    break
        tm.model.eval()
    hist.total_seconds = time.perf_counter() - t_start
    emit(Progress("done", 1, 1, f"Finished in {hist.total_seconds:.1f} s"))
    return hist


# ============================================================================================ results

@dataclass
class Results:
    """Validation results of a trained model: ``confusion[i, j]`` counts true class i predicted as j."""

    confusion: np.ndarray  # (C, C) int
    per_class_acc: np.ndarray  # (C,) float, NaN for a class without validation images
    accuracy: float
    predictions: np.ndarray  # (N_val,) int
    probabilities: np.ndarray  # (N_val, C) float32
    misclassified: np.ndarray  # indices into the validation set, most confident mistakes first


def results(tm: TransferModel, data: LabData) -> Results:
    import torch

    from tlviz import runtime

    with runtime.exclusive("evaluating a run"):
        _, acc, logits = evaluate(tm, data.x_val, data.y_val)
    probs = torch.softmax(logits, -1).numpy().astype(np.float32)
    pred = probs.argmax(-1)
    true = data.y_val.numpy()
    c = len(tm.labels)
    conf = np.zeros((c, c), dtype=np.int64)
    np.add.at(conf, (true, pred), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(conf) / conf.sum(1)
    wrong = np.flatnonzero(pred != true)
    wrong = wrong[np.argsort(-probs[wrong, pred[wrong]])]
    return Results(conf, per_class, acc, pred, probs, wrong)


def cam_layer(tm: TransferModel, min_side: int = 4):
    """The layer Grad-CAM reads: the end of the last stage whose feature map is still at least ``min_side``
    pixels wide at the model's input size (at 64 px EfficientNet's last map is only 2x2, too coarse to show)."""
    import torch

    was = tm.model.training
    tm.model.eval()
    x = torch.zeros(1, 3, tm.input_size, tm.input_size)
    chosen = None
    with torch.no_grad():
        for st in tm.stages[:-1]:
            x = st.run(x)
            if x.ndim == 4 and min(x.shape[-2:]) >= min_side:
                chosen = st
    tm.model.train(was)
    st = chosen or tm.stages[0]
    return tm.model.get_submodule(st.modules[-1]), st.name


def grad_cam_maps(tm: TransferModel, data: LabData, indices: Sequence[int], target: str = "true",
                  layer=None) -> np.ndarray:
    """Grad-CAM maps ``(len(indices), S, S)`` in [0, 1] for validation images (via :mod:`tlviz.attribution`),
    for the true class (``target="true"``) or the predicted one, at :func:`cam_layer` unless ``layer`` is given."""
    import torch

    from tlviz.attribution import grad_cam

    tm.model.eval()
    layer = layer if layer is not None else cam_layer(tm)[0]
    out = []
    for i in indices:
        x = tm.normalise(data.x_val[int(i):int(i) + 1])
        if target == "true":
            cls = int(data.y_val[int(i)])
        else:
            with torch.no_grad():
                cls = int(tm.model(x).argmax(-1)[0])
        out.append(grad_cam(tm.model, x, cls, layer=layer))
    return np.stack(out) if out else np.zeros((0, tm.input_size, tm.input_size), np.float32)


# ============================================================================================ export

def export_checkpoint(tm: TransferModel, path: str | Path, name: str = "", note: str = "",
                      metrics: dict | None = None) -> Path:
    """Save a trained run as a tlviz checkpoint that :func:`tlviz.cnn.load` reads back (safetensors; config keys
    ``arch``, ``num_classes``, ``input_size``, ``mean``, ``std``, ``crop_pct``; ``extra["labels"]``)."""
    from tlviz import checkpoints

    params = sum(p.numel() for p in tm.model.parameters())
    meta = checkpoints.CheckpointMeta(
        name=name or f"{tm.arch} fine-tuned ({len(tm.labels)} classes)", family="cnn", recipe="tlviz.transfer",
        config={"arch": tm.arch, "num_classes": len(tm.labels), "input_size": tm.input_size,
                "mean": list(tm.mean), "std": list(tm.std), "crop_pct": 1.0},
        note=note, metrics={"params": int(params), **(metrics or {})}, extra={"labels": list(tm.labels)})
    return checkpoints.save(path, tm.model.state_dict(), meta)


def export_bytes(tm: TransferModel, **kwargs) -> bytes:
    """The checkpoint as bytes (for a download button)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = export_checkpoint(tm, Path(tmp) / "model.safetensors", **kwargs)
        return path.read_bytes()


def history_csv(runs: dict[str, History]) -> str:
    """Every run's curves as one CSV table (run, epoch, losses, accuracies, seconds)."""
    lines = ["run,epoch,train_loss,train_acc,val_loss,val_acc,seconds"]
    for name, hist in runs.items():
        safe = '"' + name.replace('"', "'") + '"'
        for e in hist.epochs:
            lines.append(f"{safe},{e.epoch},{e.train_loss:.6f},{e.train_acc:.6f},{e.val_loss:.6f},"
                         f"{e.val_acc:.6f},{e.seconds:.3f}")
    return "\n".join(lines) + "\n"


# ============================================================================================ the lab's runs

def stage_lrs(new: Sequence[bool], plan: Sequence[bool], lr: float, backbone_lr_factor: float,
              pretrained: bool = True) -> list[float | None]:
    """The learning rate each stage trains with (None = frozen), as :func:`param_groups` assigns them; ``new``
    flags the freshly initialised classifier stage(s)."""
    return [None if not trains else (lr if (nw or not pretrained) else lr * backbone_lr_factor)
            for nw, trains in zip(new, plan)]


@dataclass
class Run:
    """One training run of a session: what was trained and how, its history, and (for recent runs) the model."""

    id: int
    name: str
    strategy: str
    arch: str
    pretrained: bool
    trainable: tuple[str, ...]  # names of the stages that trained
    trainable_params: int
    total_params: int
    groups: list[ParamGroupInfo]
    config: TrainConfig
    data_name: str
    input_size: int
    history: History = field(default_factory=History)
    status: str = "running"  # running | finished | early-stopped | stopped
    prediction: str | None = None
    results: Results | None = None
    model: TransferModel | None = None  # dropped for older runs to bound a session's memory
    data: LabData | None = None  # the images it was trained and validated on (shared, read-only)

    def summary(self) -> dict:
        h = self.history
        best = max((e.val_acc for e in h.epochs), default=float("nan"))
        per_epoch = float(np.mean([e.seconds for e in h.epochs])) if h.epochs else float("nan")
        return {"run": self.name, "strategy": self.strategy, "backbone": self.arch + ("" if self.pretrained else
                                                                                       " (random init)"),
                "trainable params": self.trainable_params, "epochs": len(h.epochs),
                "final val acc": h.epochs[-1].val_acc if h.epochs else float("nan"), "best val acc": best,
                "s / epoch": per_epoch, "feature cache": f"yes ({h.cache_seconds:.1f} s once)" if h.cached else "no",
                "status": self.status}


def new_run(run_id: int, tm: TransferModel, plan: Sequence[bool], config: TrainConfig, strategy: str,
            data: LabData, name: str = "", prediction: str | None = None) -> Run:
    """Describe a run before it trains (so a page can keep it even if training is interrupted). A plan that is
    not the strategy's own (blocks toggled by hand) is labelled "custom blocks"."""
    apply_plan(tm, plan)
    _, groups = param_groups(tm, plan, config.lr, config.backbone_lr_factor)
    trainable = tuple(s.name for s, t in zip(tm.stages, plan) if t)
    n_body = len(trainable) - 1
    own = tuple(plan) in {plan_for(strategy, len(plan), k) for k in range(len(plan))}
    short = {"scratch": "from scratch", "feature_extraction": "feature extraction", "full": "full fine-tuning",
             "finetune_last": f"fine-tune last {n_body}" if own else "fine-tune"}[strategy]
    label = name or f"#{run_id} {short}" + ("" if own else " (custom blocks)")
    return Run(run_id, label, strategy, tm.arch, tm.pretrained, trainable,
               sum(p.numel() for p in tm.model.parameters() if p.requires_grad),
               sum(p.numel() for p in tm.model.parameters()), groups, config, data.name, tm.input_size,
               prediction=prediction, model=tm, data=data)


def finish_run(run: Run, interrupted: bool = False) -> Run:
    """Status and validation results once training has ended (normally, early, or by the student's stop;
    ``interrupted`` when the trainer never returned, e.g. the page was rerun by a stop button)."""
    h = run.history
    if interrupted:
        h.stopped_by_user = True
    run.status = "stopped" if h.stopped_by_user else "early-stopped" if h.stopped_early else "finished"
    if run.model is not None and run.data is not None and h.epochs:
        run.results = results(run.model, run.data)
    return run


#: The packaged image sets the lab offers, by the name the page shows.
PACKAGED = {"Animal-MNIST (10 animals)": "animal_mnist", "Digits 0-9 (scikit-learn)": "digits"}


def packaged_data(name: str, input_size: int = 64, train_per_class: int = 60, val_per_class: int = 20) -> LabData:
    """A packaged set, split and resized once per process (shared by every session, read-only)."""
    from tlviz import models
    from tlviz.data import images

    if name not in PACKAGED:
        raise InputError(f"No packaged image set called '{name}'.")
    key = ("transfer-data", name, int(input_size), int(train_per_class), int(val_per_class))
    return models.cached(key, lambda: prepare(getattr(images, PACKAGED[name])(), input_size, train_per_class,
                                              val_per_class))


def structure(backbone: str | None = None, num_classes: int = 10) -> tuple[list[str], list[int], list[bool]]:
    """(stage names, parameter counts, new-classifier flags) of a backbone, for the block picture."""
    from tlviz import models

    def make():
        tm = build(backbone, num_classes, pretrained=False)
        return tm.stage_names, tm.stage_param_counts(), [s.new for s in tm.stages]
    return models.cached(("transfer-structure", backbone or "", int(num_classes)), make)


def cam_examples(data: LabData, n: int = 6, seed: int = 0) -> list[int]:
    """``n`` validation images spread over the classes (one per class first), seeded."""
    rng = np.random.default_rng(seed)
    y = data.y_val.numpy()
    picks: list[int] = []
    for c in range(len(data.classes)):
        idx = np.flatnonzero(y == c)
        if len(idx):
            picks.append(int(rng.choice(idx)))
    rng.shuffle(picks)
    return picks[:n]


def prediction_reveal(runs: Sequence[Run]) -> str | None:
    """Check the student's prediction ("higher / about the same / lower than from scratch") against the starts
    of the latest predicted run and a from-scratch run."""
    predicted = [r for r in runs if r.prediction and r.history.epochs]
    if not predicted:
        return None
    run = predicted[-1]
    scratch = [r for r in runs if r.strategy == "scratch" and r.history.epochs and r is not run]
    if run.strategy == "scratch":
        return f"You predicted before {run.name}; compare it with a transfer run to check your prediction."
    if not scratch:
        return (f"You predicted that {run.name} would start {run.prediction} than from scratch. Train a "
                "from-scratch run to check.")
    a, b = run.history.epochs[0].val_acc, scratch[-1].history.epochs[0].val_acc
    actual = "about the same" if abs(a - b) < 0.03 else "higher" if a > b else "lower"
    verdict = "✅ right" if actual == run.prediction else "❌ not this time"
    return (f"You predicted that {run.name} would start **{run.prediction}** than from scratch. Measured after "
            f"epoch 1: {a:.1%} vs {b:.1%} ({scratch[-1].name}), so **{actual}**: {verdict}.")
