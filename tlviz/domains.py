"""Domains and tasks made concrete (Pan & Yang 2010): the packaged backbone's features of a source set and a
target set, the four transfer scenarios, a 2-D picture of both and a source-trained classifier measured on each.

A domain D = {X, P(X)} is a feature space and a distribution over it; a task T = {Y, P(Y|X)} a label space and
the labels' distribution given the inputs. Each scenario changes exactly one of the four:

- ``x``: X differs (greyscale silhouettes against colour images: one channel against three);
- ``px``: P(X) differs (the same classes inverted, rotated, noisy, blurred or colour-shifted: :data:`SHIFTS`);
- ``y``: Y differs (five animals in the source, five others in the target);
- ``pyx``: P(Y|X) differs (the same kind of inputs, other labels: the target calls a horse's silhouette a zebra).

The images are Animal-MNIST silhouettes at 64 px; the features are EfficientNet-Lite0's pooled 1280-d output
(ImageNet weights). Features are computed once per process and scenario (:func:`pair`), a few seconds each.
Classifiers are trained in torch on the features and speak :mod:`tlviz.training`; nothing here draws or prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tlviz import training
from tlviz.errors import InputError
from tlviz.i18n import N_, _

SIZE = 64  # input pixels: small enough that 800 images take a few seconds on two cores
DATASET = "Animal-MNIST (10 animals)"
#: Per class: the packaged split gives 60 training and 20 test images, halved between source and target.
TRAIN_PC, TEST_PC = 60, 20
#: Labelled target images per class a "few labels" head gets (network-based reuse, target-only baseline).
FEW_SHOT = 3

SCENARIOS = {
    "x": N_("X differs: other inputs"),
    "px": N_("P(X) differs: same classes, shifted inputs"),
    "y": N_("Y differs: new classes"),
    "pyx": N_("P(Y|X) differs: same inputs, other labels"),
}
SHIFTS = {
    "invert": N_("inverted (black on white)"),
    "rotate": N_("rotated by 90°"),
    "noise": N_("noisy"),
    "blur": N_("blurred"),
    "colour": N_("colour-shifted"),
}
DEFAULT_SHIFT = "invert"
#: P(Y|X) differs: the target swaps these names (silhouettes of a horse and a zebra look alike).
SWAPS = (("horse", "zebra"), ("cat", "dog"), ("cow", "sheep"))


@dataclass(frozen=True)
class Domain:
    """One labelled sample of a domain: ``features`` float32 ``(N, D)``, ``labels`` int64 ``(N,)`` indexing
    ``classes``, and a few of its images, uint8 ``(k, S, S, 3)``, to show."""

    name: str
    features: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    examples: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class DomainPair:
    """A source domain and a target domain, each split into a training and a test part."""

    scenario: str
    shift: str
    source_train: Domain
    source_test: Domain
    target_train: Domain
    target_test: Domain

    @property
    def same_labels(self) -> bool:
        """True when source and target share their label space (a source classifier can be scored on both)."""
        return self.source_train.classes == self.target_train.classes


# ============================================================================================ images and shifts

def shift_images(images, shift: str, seed: int = 0):
    """uint8 torch ``(N, 3, S, S)`` -> the same images under ``shift`` (one of :data:`SHIFTS`), uint8."""
    import torch
    import torchvision.transforms.functional as TF

    if shift not in SHIFTS:
        raise InputError(_("Unknown shift '{shift}'; choose one of: {names}.").format(shift=shift,
                                                                                    names=", ".join(SHIFTS)))
    x = images
    if shift == "invert":
        return 255 - x
    if shift == "rotate":
        return torch.rot90(x, 1, (2, 3)).contiguous()
    if shift == "noise":
        g = torch.Generator().manual_seed(int(seed))
        return (x.float() + 60.0 * torch.randn(x.shape, generator=g)).clamp(0, 255).round().to(torch.uint8)
    if shift == "blur":
        return TF.gaussian_blur(x, kernel_size=9, sigma=3.0)
    # colour: an orange shape on a blue ground, the same tint for every image
    ink = torch.tensor([1.0, 0.35, 0.1]).view(1, 3, 1, 1)
    ground = torch.tensor([0.1, 0.4, 0.8]).view(1, 3, 1, 1)
    a = x.float() / 255.0
    return ((a * ink + (1 - a) * ground) * 255.0).round().to(torch.uint8)


def colourise(images, seed: int = 0):
    """Grey silhouettes uint8 ``(N, 3, S, S)`` -> colour images: every image its own random ink and ground."""
    import torch

    g = torch.Generator().manual_seed(int(seed))
    n = images.shape[0]
    ink = torch.rand((n, 3, 1, 1), generator=g)
    ground = torch.rand((n, 3, 1, 1), generator=g)
    a = images.float() / 255.0
    return ((a * ink + (1 - a) * ground) * 255.0).round().to(torch.uint8)


def backbone_features(images, handle=None, chunk: int = 100) -> np.ndarray:
    """uint8 ``(N, 3, S, S)`` -> the backbone's globally pooled features float32 ``(N, D)`` (1280 for
    EfficientNet-Lite0). The lock is taken per chunk, so other students' work interleaves."""
    import torch

    from tlviz import cnn, runtime

    handle = handle or cnn.load()
    mean = torch.tensor(handle.mean).view(1, 3, 1, 1)
    std = torch.tensor(handle.std).view(1, 3, 1, 1)
    out = []
    for part in images.split(chunk):
        with runtime.exclusive(_("computing features")), torch.inference_mode():
            x = (part.float() / 255.0 - mean) / std
            f = handle.model.forward_features(x)  # (n, D, s, s)
            out.append(f.mean(dim=(2, 3)).float().numpy())  # (n, D)
    return np.concatenate(out).astype(np.float32)


def _examples(images, k: int = 8) -> np.ndarray:
    return images[:k].permute(0, 2, 3, 1).contiguous().numpy()  # (k, S, S, 3)


def _base():
    """The packaged images, split once: source and target halves of the training and test parts."""
    from tlviz import transfer as T

    data = T.packaged_data(DATASET, SIZE, TRAIN_PC, TEST_PC)
    x = {"train": data.x_train, "test": data.x_val}
    y = {"train": data.y_train.numpy(), "test": data.y_val.numpy()}
    halves = {}
    for part in ("train", "test"):
        for side, start in (("source", 0), ("target", 1)):  # interleaved halves: both stratified
            halves[side, part] = (x[part][start::2], y[part][start::2])
    return data.classes, halves


def _domain(name: str, images, labels, classes, keep=None, relabel=None) -> Domain:
    labels = np.asarray(labels, dtype=np.int64)
    if keep is not None:  # a subset of the classes, renumbered 0..k-1 in ``keep``'s order
        mask = np.isin(labels, keep)
        images, labels = images[mask], np.searchsorted(np.asarray(keep), labels[mask])
        classes = tuple(classes[i] for i in keep)
    if relabel is not None:
        labels = np.asarray(relabel, dtype=np.int64)[labels]
    return Domain(name, backbone_features(images), labels, tuple(classes), _examples(images))


def _source_domains(classes, halves, keep=None) -> tuple[Domain, Domain]:
    from tlviz import models

    def build():
        return tuple(_domain("source", *halves["source", part], classes, keep) for part in ("train", "test"))
    return models.cached(("domains-source", SIZE, tuple(keep) if keep else None), build)


def pair(scenario: str = "px", shift: str = DEFAULT_SHIFT) -> DomainPair:
    """The source and target domains of ``scenario`` (``shift`` matters for ``px`` only), with features.

    Computed once per process and input (the source features once for all scenarios): read-only, shared.
    """
    from tlviz import models

    if scenario not in SCENARIOS:
        raise InputError(_("Unknown scenario '{s}'; choose one of: {names}.").format(s=scenario,
                                                                                names=", ".join(SCENARIOS)))
    if shift not in SHIFTS:
        raise InputError(_("Unknown shift '{shift}'; choose one of: {names}.").format(shift=shift,
                                                                                    names=", ".join(SHIFTS)))
    shift = shift if scenario == "px" else ""
    return models.cached(("domains-pair", SIZE, scenario, shift), lambda: _pair(scenario, shift))


def _pair(scenario: str, shift: str) -> DomainPair:
    classes, halves = _base()
    keep_s = keep_t = relabel = None
    if scenario == "y":
        keep_s, keep_t = list(range(0, 5)), list(range(5, 10))
    src_train, src_test = _source_domains(classes, halves, keep_s)
    targets = []
    for part, seed in (("train", 1), ("test", 2)):
        images, labels = halves["target", part]
        if scenario == "x":
            images = colourise(images, seed)
        elif scenario == "px":
            images = shift_images(images, shift, seed)
        elif scenario == "pyx":
            relabel = swapped_labels(classes)
        targets.append(_domain("target", images, labels, classes, keep_t, relabel))
    return DomainPair(scenario, shift, src_train, src_test, targets[0], targets[1])


def swapped_labels(classes: Sequence[str], swaps=SWAPS) -> np.ndarray:
    """The target's label for each source label: :data:`SWAPS` exchanged, every other class kept."""
    table = np.arange(len(classes))
    for a, b in swaps:
        if a in classes and b in classes:
            i, j = classes.index(a), classes.index(b)
            table[i], table[j] = j, i
    return table


# ============================================================================================ classifiers

@dataclass(frozen=True)
class Standardiser:
    """Feature-wise standardisation fitted on one set: ``(x - mean) / std``."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardiser:
        # A floor on the scale: a feature silent on this set (std 0) must not blow another set's values up a
        # millionfold (it wrecked the PCA picture and MMD).
        std = x.std(0)
        return cls(x.mean(0), np.maximum(std, 0.1 * float(std.mean()) + 1e-6))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std).astype(np.float32)


@dataclass(frozen=True)
class Linear:
    """A trained softmax (logistic-regression) classifier: ``logits = x @ weight.T + bias``."""

    weight: np.ndarray  # (C, D)
    bias: np.ndarray  # (C,)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.argmax(x @ self.weight.T + self.bias, axis=1)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(x) == y)) if len(y) else float("nan")


def fit_linear(x: np.ndarray, y: np.ndarray, n_classes: int, weights: np.ndarray | None = None, steps: int = 150,
               lr: float = 0.02, l2: float = 1e-2, init: Linear | None = None, seed: int = 0,
               callback: training.Callback | None = None,
               should_stop: training.ShouldStop = training.stop_never) -> tuple[Linear, training.History]:
    """Full-batch softmax regression (Adam, L2) on features ``x (N, D)``, labels ``y (N,)``.

    ``weights (N,)`` weighs each sample's loss (instance reweighting); ``init`` starts from a trained classifier
    (fine-tuning; the L2 term then pulls towards ``init``, a prior from the source). One StepEvent per step;
    the heavy lock is taken per step.
    """
    import time

    import torch

    from tlviz import runtime

    if len(y) == 0:
        raise InputError(_("There are no training examples."))
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    wt = torch.ones(len(y)) if weights is None else torch.from_numpy(np.asarray(weights, dtype=np.float32))
    wt = wt / wt.sum()
    g = torch.Generator().manual_seed(int(seed))
    if init is None:
        w0 = torch.zeros(n_classes, x.shape[1])
        w0.normal_(0, 0.01, generator=g)
        b0 = torch.zeros(n_classes)
    else:
        w0, b0 = torch.from_numpy(init.weight.copy()), torch.from_numpy(init.bias.copy())
    prior_w, prior_b = w0.clone(), b0.clone()
    weight, bias = w0.requires_grad_(), b0.requires_grad_()
    opt = torch.optim.Adam([weight, bias], lr=lr)
    history, t0 = training.History(), time.monotonic()
    for step in range(1, steps + 1):
        if should_stop():
            history.end("user", time.monotonic() - t0)
            break
        with runtime.exclusive(_("training a classifier")), runtime.torch_threads(1):
            logits = xt @ weight.T + bias  # (N, C)
            loss = (torch.nn.functional.cross_entropy(logits, yt, reduction="none") * wt).sum()
            loss = loss + l2 * ((weight - prior_w).pow(2).sum() + (bias - prior_b).pow(2).sum())
            opt.zero_grad()
            loss.backward()
            opt.step()
            acc = float((logits.argmax(1) == yt).float().mean())
        event = training.StepEvent(step, steps, float(loss.detach()), {"train_acc": acc}, time.monotonic() - t0)
        history.record(event)
        if callback is not None:
            callback(event)
    else:
        history.end("finished", time.monotonic() - t0)
    return Linear(weight.detach().numpy().copy(), bias.detach().numpy().copy()), history


def few_shot(domain: Domain, k: int = FEW_SHOT, seed: int = 0) -> np.ndarray:
    """Indices of ``k`` examples per class of ``domain`` (the target's few labels), seeded."""
    rng = np.random.default_rng(seed)
    idx = [rng.permutation(np.flatnonzero(domain.labels == c))[:k] for c in range(len(domain.classes))]
    return np.sort(np.concatenate(idx))


# ============================================================================================ the scenario measured

def project_2d(*arrays: np.ndarray) -> list[np.ndarray]:
    """PCA of the arrays stacked together (numpy SVD): each array's ``(n_i, 2)`` coordinates on the first two
    principal components of the union, so source and target are drawn in one picture."""
    stacked = np.concatenate(arrays).astype(np.float64)
    centred = stacked - stacked.mean(0)
    _u, _s, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T  # (N, 2)
    coords *= np.sign(vt[:2].sum(1) + 1e-12)  # a fixed orientation: the picture does not flip between runs
    return list(np.split(coords, np.cumsum([len(a) for a in arrays])[:-1]))


@dataclass(frozen=True)
class ScenarioResult:
    """A source-trained classifier on both domains, and a head trained on the target's few labels.

    ``target_acc`` is None when the label spaces differ (a source classifier cannot name the target's classes).
    ``source_xy``/``target_xy`` ``(n, 2)``: the test features' 2-D projection; ``*_labels`` their classes.
    """

    source_acc: float
    target_acc: float | None
    few_shot_acc: float
    few_shot_k: int
    source_xy: np.ndarray
    target_xy: np.ndarray
    source_labels: np.ndarray
    target_labels: np.ndarray
    history: training.History


def measure(p: DomainPair, seed: int = 0) -> ScenarioResult:
    """Train on the source, score on the source's and the target's test images; a few-label target head too."""
    norm = Standardiser.fit(p.source_train.features)
    clf, history = fit_linear(norm(p.source_train.features), p.source_train.labels, len(p.source_train.classes),
                              seed=seed)
    xs, xt = norm(p.source_test.features), norm(p.target_test.features)
    target_acc = clf.accuracy(xt, p.target_test.labels) if p.same_labels else None
    idx = few_shot(p.target_train, FEW_SHOT, seed)
    tnorm = Standardiser.fit(p.target_train.features)
    head, _h = fit_linear(tnorm(p.target_train.features[idx]), p.target_train.labels[idx],
                          len(p.target_train.classes), seed=seed)
    few = head.accuracy(tnorm(p.target_test.features), p.target_test.labels)
    sxy, txy = project_2d(xs, xt)
    return ScenarioResult(clf.accuracy(xs, p.source_test.labels), target_acc, few, FEW_SHOT, sxy, txy,
                          p.source_test.labels, p.target_test.labels, history)


def digits_domain() -> Domain:
    """An unrelated source: scikit-learn's handwritten digits (30 per class, at the same size), labelled 0-9."""
    from tlviz import models

    def build():
        from tlviz import transfer as T
        from tlviz.data import images

        data = T.prepare(images.digits(), SIZE, train_per_class=30, val_per_class=1)
        return _domain("digits", data.x_train, data.y_train.numpy(), data.classes)
    return models.cached(("domains-digits", SIZE), build)


def measured(scenario: str = "px", shift: str = DEFAULT_SHIFT) -> tuple[DomainPair, ScenarioResult]:
    """The lesson's first section in one call: the scenario's domains and their measurement."""
    p = pair(scenario, shift)
    return p, measure(p)
