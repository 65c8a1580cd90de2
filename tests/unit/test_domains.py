"""tlviz.domains: shifts, the P(Y|X) relabelling, the PCA picture, the feature classifier, a scenario measured
(tiny synthetic features; the real backbone's are exercised in test_adaptation and the page tests)."""

import numpy as np
import pytest
import torch

from tlviz import domains as D
from tlviz.errors import InputError
from tlviz.training import StepEvent


def _images(n=4, s=16):
    g = torch.Generator().manual_seed(0)
    return (torch.rand((n, 3, s, s), generator=g) * 255).to(torch.uint8)


@pytest.mark.parametrize("shift", list(D.SHIFTS))
def test_every_shift_keeps_shape_and_dtype_and_changes_the_images(shift):
    x = _images()
    y = D.shift_images(x, shift)
    assert y.shape == x.shape and y.dtype == torch.uint8 and not torch.equal(x, y)


def test_invert_and_rotate_are_exact():
    x = _images()
    assert torch.equal(D.shift_images(x, "invert"), 255 - x)
    assert torch.equal(D.shift_images(x, "rotate")[0, :, 0, :], x[0, :, :, -1])  # 90° anticlockwise
    assert torch.equal(D.shift_images(x, "noise", seed=3), D.shift_images(x, "noise", seed=3))


def test_unknown_shift_or_scenario_is_an_input_error():
    with pytest.raises(InputError, match="Unknown shift"):
        D.shift_images(_images(), "sepia")
    with pytest.raises(InputError, match="Unknown scenario"):
        D.pair("z")
    with pytest.raises(InputError, match="Unknown shift"):
        D.pair("px", "sepia")


def test_colourise_gives_each_image_its_own_colours():
    x = torch.zeros((3, 3, 8, 8), dtype=torch.uint8)
    c = D.colourise(x, seed=0)
    assert len({tuple(c[i, :, 0, 0].tolist()) for i in range(3)}) == 3


def test_swapped_labels_exchange_the_pairs_and_keep_the_rest():
    from tlviz.data.images import ANIMAL_CLASSES as C

    t = D.swapped_labels(C)
    assert sorted(t) == list(range(10)) and (t[t] == np.arange(10)).all()  # a permutation, its own inverse
    assert C[t[C.index("horse")]] == "zebra" and C[t[C.index("bear")]] == "bear"
    assert (t != np.arange(10)).sum() == 2 * len(D.SWAPS)


def test_project_2d_splits_the_union_back():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(30, 5)), rng.normal(size=(20, 5)) + 3
    pa, pb = D.project_2d(a, b)
    assert pa.shape == (30, 2) and pb.shape == (20, 2)
    assert abs(pa[:, 0].mean() - pb[:, 0].mean()) > 2  # the domains' gap lies along the first component


def _blobs(n=60, d=6, shift=0.0, seed=0, classes=3):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    centres = np.eye(classes, d) * 4
    return (centres[y] + rng.normal(size=(n, d)) + shift).astype(np.float32), y


def test_fit_linear_learns_speaks_training_and_stops():
    x, y = _blobs()
    events = []
    clf, history = D.fit_linear(x, y, 3, steps=60, lr=0.1, callback=events.append)
    assert clf.accuracy(x, y) == 1.0
    assert len(events) == 60 and all(isinstance(e, StepEvent) for e in events) and history.finished
    assert history.losses[-1] < history.losses[0]
    calls = iter(range(100))
    _clf, stopped = D.fit_linear(x, y, 3, steps=60, should_stop=lambda: next(calls) >= 5)
    assert stopped.status == "user" and len(stopped.steps) == 5
    with pytest.raises(InputError):
        D.fit_linear(x[:0], y[:0], 3)


def _domain(x, y, classes=("a", "b", "c")):
    return D.Domain("d", x, y, classes, np.zeros((2, 4, 4, 3), np.uint8))


def test_few_shot_takes_k_per_class():
    x, y = _blobs()
    idx = D.few_shot(_domain(x, y), k=4)
    assert np.bincount(y[idx]).tolist() == [4, 4, 4]


def test_measure_scores_the_source_classifier_on_both_domains():
    xs, ys = _blobs(seed=0)
    xt, yt = _blobs(seed=1, shift=1.0)
    p = D.DomainPair("px", "noise", _domain(xs, ys), _domain(*_blobs(seed=2)), _domain(xt, yt),
                     _domain(*_blobs(seed=3, shift=1.0)))
    r = D.measure(p)
    assert r.source_acc > 0.9 and r.target_acc is not None and 0 <= r.target_acc <= 1
    assert r.source_xy.shape == (60, 2) and r.target_xy.shape == (60, 2)
    other = D.DomainPair("y", "", p.source_train, p.source_test, _domain(xt, yt, ("d", "e", "f")),
                         _domain(xt, yt, ("d", "e", "f")))
    assert not other.same_labels and D.measure(other).target_acc is None
