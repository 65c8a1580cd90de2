"""The four families of deep transfer learning (Tan et al. 2018), live on cached features of one domain shift.

Each family trains on the labelled source and is scored on the shifted target's test images, beside the same
source classifier without adaptation (the baseline):

- ``instance``: source samples reweighted by importance weights p_t(x) / p_s(x) read off a domain classifier
  (:func:`importance_weights`), so source images that look like the target count more;
- ``mapping``: both domains mapped into one space where their statistics agree: CORAL (:func:`coral`, Sun et al.
  2016) recolours the target's features with the source's mean and covariance; MMD (:func:`mmd`) measures how far
  apart the two distributions are before and after;
- ``network``: the network trained on the source (pretrained backbone + source head) reused and fine-tuned on a
  few labelled target images (:data:`tlviz.domains.FEW_SHOT` per class);
- ``adversarial``: DANN (Ganin et al. 2016): a feature layer trained to serve the label classifier while a domain
  classifier, behind a gradient-reversal layer (:func:`grad_reverse`), fails to tell source from target.

Every trainer speaks :mod:`tlviz.training` (one StepEvent per step, a History back) and takes the heavy lock per
step. Nothing here draws or prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from tlviz import training
from tlviz.domains import FEW_SHOT, DomainPair, Standardiser, few_shot, fit_linear, project_2d
from tlviz.errors import InputError
from tlviz.i18n import N_, _

FAMILIES = {
    "instance": N_("Instance-based: reweight source samples"),
    "mapping": N_("Mapping-based: align the feature statistics (CORAL)"),
    "network": N_("Network-based: reuse the source network, fine-tune on a few target labels"),
    "adversarial": N_("Adversarial-based: DANN with gradient reversal"),
}
MAX_WEIGHT = 10.0  # importance weights are clipped: a few huge weights would make the source set a handful


# ============================================================================================ the pieces

def grad_reverse(x, strength: float = 1.0):
    """The gradient-reversal layer: the identity going forward, the gradient times ``-strength`` going back."""
    return _GradReverse.apply(x, float(strength))


def _grad_reverse_class():
    import torch

    class GradReverse(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, strength):
            ctx.strength = strength
            return x.view_as(x)

        @staticmethod
        def backward(ctx, grad):
            return -ctx.strength * grad, None

    return GradReverse


class _Lazy:
    """Builds the autograd Function on first use, so importing this module imports no torch."""

    def __init__(self) -> None:
        self._cls = None

    def apply(self, *args):
        if self._cls is None:
            self._cls = _grad_reverse_class()
        return self._cls.apply(*args)


_GradReverse = _Lazy()


def domain_probability(xs: np.ndarray, xt: np.ndarray, steps: int = 100, l2: float = 1e-2,
                       seed: int = 0) -> tuple[np.ndarray, training.History]:
    """A domain classifier (logistic regression, source 0 / target 1, classes balanced): p(target | x) for each
    source sample ``(n_s,)``."""
    x = np.concatenate([xs, xt])
    d = np.r_[np.zeros(len(xs), np.int64), np.ones(len(xt), np.int64)]
    balance = np.r_[np.full(len(xs), 1.0 / len(xs)), np.full(len(xt), 1.0 / len(xt))]
    clf, history = fit_linear(x, d, 2, weights=balance, steps=steps, l2=l2, seed=seed)
    logits = xs @ clf.weight.T + clf.bias  # (n_s, 2)
    logits = logits - logits.max(1, keepdims=True)
    p = np.exp(logits)
    return p[:, 1] / p.sum(1), history


def importance_weights(xs: np.ndarray, xt: np.ndarray, max_weight: float = MAX_WEIGHT,
                       seed: int = 0) -> tuple[np.ndarray, training.History]:
    """Importance weights w(x) = p_t(x) / p_s(x) = p(target|x) / p(source|x) of the source samples, from a
    balanced domain classifier; clipped to ``max_weight`` and scaled to mean 1. Identical domains give about 1."""
    p, history = domain_probability(xs, xt, seed=seed)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    w = np.clip(p / (1 - p), 0.0, max_weight)
    return (w / w.mean()).astype(np.float32), history


def _sqrtm(c: np.ndarray, power: float) -> np.ndarray:
    """A symmetric positive semi-definite matrix to ``power`` (±1/2), through its eigendecomposition."""
    vals, vecs = np.linalg.eigh(c)
    vals = np.clip(vals, 1e-10, None)
    return (vecs * vals**power) @ vecs.T


def coral(x: np.ndarray, reference: np.ndarray, eps: float = 1.0, diagonal: bool = False,
          fit_on: np.ndarray | None = None) -> np.ndarray:
    """CORAL (Sun et al. 2016): ``x (n, D)`` whitened with its domain's covariance and recoloured with
    ``reference``'s (both with ``eps·I`` added), means matched too. The map is fitted on ``fit_on`` (default ``x``
    itself), e.g. a domain's unlabelled training part, and applied to ``x``, its held-out part.

    With ``eps`` -> 0 and full-rank data the result's mean and covariance are exactly ``reference``'s.
    ``diagonal=True`` aligns each feature's mean and variance only: with a few hundred images in 1280 dimensions
    the full covariance is rank-deficient and its map overfits (measured on the inverted silhouettes, before the
    standardiser's scale floor: 0.51 full, 0.79 diagonal, 0.46 unadapted).
    """
    fit_on = x if fit_on is None else fit_on
    if diagonal:
        scale = np.sqrt((reference.var(0) + eps) / (fit_on.var(0) + eps))  # (D,)
        return ((x - fit_on.mean(0)) * scale + reference.mean(0)).astype(np.float32)
    c_x = np.cov(fit_on, rowvar=False) + eps * np.eye(x.shape[1])
    c_r = np.cov(reference, rowvar=False) + eps * np.eye(x.shape[1])
    a = _sqrtm(c_x, -0.5) @ _sqrtm(c_r, 0.5)  # (D, D)
    return ((x - fit_on.mean(0)) @ a + reference.mean(0)).astype(np.float32)


def mmd(a: np.ndarray, b: np.ndarray, gamma: float | None = None) -> float:
    """The squared maximum mean discrepancy between two samples with an RBF kernel (biased estimate); ``gamma``
    defaults to 1 / the median squared distance (the median heuristic). 0 for identical samples."""
    x = np.concatenate([a, b]).astype(np.float64)
    sq = (x * x).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    if gamma is None:
        med = np.median(d2[np.triu_indices(len(x), 1)])
        gamma = 1.0 / med if med > 0 else 1.0
    k = np.exp(-gamma * d2)
    n = len(a)
    return float(k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean())


# ============================================================================================ the families

@dataclass(frozen=True)
class FamilyResult:
    """One family on one shift: target accuracy before (the plain source classifier) and after adaptation.

    ``source_xy``/``target_xy`` ``(n, 2)``: the 2-D picture of the features the adapted classifier reads (aligned,
    reweighted or learnt), for the target's test images and the source's; ``*_labels`` their classes, ``sizes``
    a marker size per source point (the importance weights). ``mmd_before``/``mmd_after``: domain distance.
    """

    family: str
    before: float
    after: float
    source_acc: float
    mmd_before: float
    mmd_after: float
    source_xy: np.ndarray
    target_xy: np.ndarray
    source_labels: np.ndarray
    target_labels: np.ndarray
    history: training.History
    sizes: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    @property
    def gain(self) -> float:
        return self.after - self.before


def _standardised(p: DomainPair):
    norm = Standardiser.fit(p.source_train.features)
    return (norm(p.source_train.features), norm(p.target_train.features), norm(p.source_test.features),
            norm(p.target_test.features))


def _mmd_sub(a: np.ndarray, b: np.ndarray, n: int = 150) -> float:
    return mmd(a[:n], b[:n])


def run(family: str, p: DomainPair, seed: int = 0, callback: training.Callback | None = None,
        should_stop: training.ShouldStop = training.stop_never) -> FamilyResult:
    """Train ``family`` (one of :data:`FAMILIES`) on ``p``'s source (and unlabelled target) and score it on the
    target's test images, beside the unadapted source classifier."""
    if family not in FAMILIES:
        raise InputError(_("Unknown family '{f}'; choose one of: {names}.").format(f=family, names=", ".join(FAMILIES)))
    if not p.same_labels:
        raise InputError(_("Domain adaptation needs the same classes in source and target; pick a P(X) shift."))
    xs, xt, xs_test, xt_test = _standardised(p)
    ys, yt_test, n_classes = p.source_train.labels, p.target_test.labels, len(p.source_train.classes)
    base, base_history = fit_linear(xs, ys, n_classes, seed=seed)
    before = base.accuracy(xt_test, yt_test)
    mmd_before = _mmd_sub(xs_test, xt_test)
    run_family = {"instance": _instance, "mapping": _mapping, "network": _network, "adversarial": _adversarial}
    out = run_family[family](p, xs, xt, xs_test, xt_test, base, seed, callback, should_stop)
    clf_acc, s_feat, t_feat, history, extra = out
    sizes = extra.pop("sizes", None)
    sxy, txy = project_2d(s_feat, t_feat)
    return FamilyResult(family, before, clf_acc["target"], clf_acc["source"], mmd_before, _mmd_sub(s_feat, t_feat),
                        sxy, txy, p.source_test.labels if sizes is None else ys, yt_test, history, sizes, extra)


def _instance(p, xs, xt, xs_test, xt_test, base, seed, callback, should_stop):
    w, _h = importance_weights(xs, xt, seed=seed)
    clf, history = fit_linear(xs, p.source_train.labels, len(p.source_train.classes), weights=w, seed=seed,
                              callback=callback, should_stop=should_stop)
    acc = {"target": clf.accuracy(xt_test, p.target_test.labels),
           "source": clf.accuracy(xs_test, p.source_test.labels)}
    ess = float(w.sum() ** 2 / (w**2).sum())  # effective sample size of the reweighted source
    return acc, xs, xt_test, history, {"sizes": w, "effective_samples": ess, "max_weight": float(w.max())}


def _mapping(p, xs, xt, xs_test, xt_test, base, seed, callback, should_stop):
    # The target's features recoloured with the source's statistics (fitted on its unlabelled training part),
    # then read by the source classifier retrained on the same space.
    mapped_test = coral(xt_test, xs, eps=0.1, diagonal=True, fit_on=xt)
    clf, history = fit_linear(xs, p.source_train.labels, len(p.source_train.classes), seed=seed,
                              callback=callback, should_stop=should_stop)
    acc = {"target": clf.accuracy(mapped_test, p.target_test.labels),
           "source": clf.accuracy(xs_test, p.source_test.labels)}
    return acc, xs_test, mapped_test, history, {"variant": "diagonal"}


def _network(p, xs, xt, xs_test, xt_test, base, seed, callback, should_stop):
    # The source network reused whole: its feature scale re-estimated on the target's unlabelled images (as
    # AdaBN re-estimates BatchNorm statistics), its head fine-tuned on a few labelled target images.
    own = Standardiser.fit(p.target_train.features)
    xt, xt_test = own(p.target_train.features), own(p.target_test.features)
    idx = few_shot(p.target_train, FEW_SHOT, seed)
    clf, history = fit_linear(xt[idx], p.target_train.labels[idx], len(p.target_train.classes), init=base,
                              steps=100, lr=0.02, l2=1e-2, seed=seed, callback=callback, should_stop=should_stop)
    acc = {"target": clf.accuracy(xt_test, p.target_test.labels),
           "source": clf.accuracy(xs_test, p.source_test.labels)}
    return acc, xs_test, xt_test, history, {"labelled_target": int(len(idx))}


def _adversarial(p, xs, xt, xs_test, xt_test, base, seed, callback, should_stop, steps: int = 300,
                 hidden: int = 128, lr: float = 1e-3):
    import torch
    import torch.nn.functional as F

    from tlviz import runtime

    n_classes = len(p.source_train.classes)
    with runtime.exclusive(_("preparing DANN")), runtime.own_rng(runtime.seeded_rng(seed)):
        feat = torch.nn.Sequential(torch.nn.Linear(xs.shape[1], hidden), torch.nn.ReLU())
        label = torch.nn.Linear(hidden, n_classes)
        domain = torch.nn.Sequential(torch.nn.Linear(hidden, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
    params = [*feat.parameters(), *label.parameters(), *domain.parameters()]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=1e-4)
    s, t = torch.from_numpy(xs), torch.from_numpy(xt)
    ys = torch.from_numpy(p.source_train.labels)
    d = torch.cat([torch.zeros(len(s)), torch.ones(len(t))])
    history, t0 = training.History(), time.monotonic()
    for step in range(1, steps + 1):
        if should_stop():
            history.end("user", time.monotonic() - t0)
            break
        strength = 2.0 / (1.0 + np.exp(-10.0 * step / steps)) - 1.0  # DANN's schedule: 0 -> 1
        with runtime.exclusive(_("training DANN")), runtime.torch_threads(1):
            hs, ht = feat(s), feat(t)  # (n_s, H), (n_t, H)
            class_loss = F.cross_entropy(label(hs), ys)
            dom_logits = domain(grad_reverse(torch.cat([hs, ht]), strength)).squeeze(1)  # (n_s + n_t,)
            dom_loss = F.binary_cross_entropy_with_logits(dom_logits, d)
            loss = class_loss + dom_loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            dom_acc = float(((dom_logits > 0).float() == d).float().mean())
        event = training.StepEvent(step, steps, float(loss.detach()), {"class_loss": float(class_loss.detach()),
                                                              "domain_loss": float(dom_loss.detach()),
                                                              "domain_acc": dom_acc}, time.monotonic() - t0)
        history.record(event)
        if callback is not None:
            callback(event)
    else:
        history.end("finished", time.monotonic() - t0)
    with runtime.exclusive(_("scoring DANN")), torch.no_grad():
        hs_test, ht_test = feat(torch.from_numpy(xs_test)), feat(torch.from_numpy(xt_test))
        acc = {"target": float((label(ht_test).argmax(1).numpy() == p.target_test.labels).mean()),
               "source": float((label(hs_test).argmax(1).numpy() == p.source_test.labels).mean())}
    return acc, hs_test.numpy(), ht_test.numpy(), history, {"final_domain_acc": dom_acc}


def compare(p: DomainPair, seed: int = 0) -> list[FamilyResult]:
    """All four families on ``p``, in :data:`FAMILIES` order."""
    return [run(f, p, seed) for f in FAMILIES]


# ============================================================================================ negative transfer

#: The sources the negative-transfer case pools with the target's few labels.
SOURCES = {
    "target_only": N_("target only ({k} labels per class)"),
    "related": N_("+ related source (the same animals, aligned by CORAL)"),
    "unrelated_inputs": N_("+ unrelated source: handwritten digits, read as animals"),
    "unrelated_labels": N_("+ unrelated source: the same animals under other labels"),
}


@dataclass(frozen=True)
class NegativeTransfer:
    """Target test accuracy of one classifier per entry of :data:`SOURCES` (same target labels, same test)."""

    accuracy: dict
    k: int

    @property
    def negative(self) -> list[str]:
        """The sources that made the target worse than training on the target alone."""
        base = self.accuracy["target_only"]
        return [s for s, a in self.accuracy.items() if s != "target_only" and a < base]


def negative_transfer(p: DomainPair, k: int = FEW_SHOT, seed: int = 0) -> NegativeTransfer:
    """When (not) to transfer: a classifier trained on the target's ``k`` labels per class alone, then pooled
    with a related source (the pair's own source, its features aligned to the target's by diagonal CORAL) and with
    two unrelated ones (digits whose 0-9 are read as the ten animals; the source's animals with their labels
    rotated by one class). Scored on the target's test images."""
    from tlviz.domains import digits_domain

    if not p.same_labels:
        raise InputError(_("The negative-transfer case needs the same classes in source and target."))
    idx = few_shot(p.target_train, k, seed)
    xt, yt = p.target_train.features[idx], p.target_train.labels[idx]
    norm = Standardiser.fit(p.target_train.features)  # the target's unlabelled images give the feature scale
    n_classes = len(p.target_train.classes)
    digits = digits_domain()
    pools = {"target_only": (xt, yt),
             "related": (coral(p.source_train.features, p.target_train.features, eps=1e-3, diagonal=True),
                         p.source_train.labels),
             "unrelated_inputs": (digits.features, digits.labels % n_classes),
             "unrelated_labels": (p.source_train.features, (p.source_train.labels + 1) % n_classes)}
    accuracy = {}
    for name, (xs, ys) in pools.items():
        x = xt if name == "target_only" else np.concatenate([xs, xt])
        y = yt if name == "target_only" else np.concatenate([ys, yt])
        clf, _h = fit_linear(norm(x), y, n_classes, seed=seed)
        accuracy[name] = clf.accuracy(norm(p.target_test.features), p.target_test.labels)
    return NegativeTransfer(accuracy, k)


def on_shift(shift: str, seed: int = 0) -> tuple[list[FamilyResult], NegativeTransfer]:
    """The lesson's second and third sections in one call: the four families and the negative-transfer case on
    the P(X) shift ``shift`` (one of :data:`tlviz.domains.SHIFTS`)."""
    from tlviz.domains import pair

    p = pair("px", shift)
    return compare(p, seed), negative_transfer(p, seed=seed)
