"""tlviz.adaptation: CORAL matches covariances, the gradient-reversal layer negates gradients, importance weights
of identical domains are about 1, MMD; then the four families and negative transfer on the real default shift
(the packaged backbone's features, computed once for the module)."""

import numpy as np
import pytest
import torch

from tlviz import adaptation as A
from tlviz import domains as D


def _gaussian(n, cov, mean, seed):
    return np.random.default_rng(seed).multivariate_normal(mean, cov, size=n)


def test_coral_gives_the_target_the_sources_covariance():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(6, 6))
    source = _gaussian(4000, m @ m.T + np.eye(6), np.zeros(6), 1)
    target = _gaussian(3000, np.diag([5.0, 0.2, 1, 3, 0.5, 2]), np.full(6, 4.0), 2)
    aligned = A.coral(target, source, eps=1e-9)
    np.testing.assert_allclose(np.cov(aligned, rowvar=False), np.cov(source, rowvar=False), atol=1e-6)
    np.testing.assert_allclose(aligned.mean(0), source.mean(0), atol=1e-6)
    assert np.abs(np.cov(target, rowvar=False) - np.cov(source, rowvar=False)).max() > 1  # it did move
    diag = A.coral(target, source, eps=1e-9, diagonal=True)
    np.testing.assert_allclose(diag.var(0), source.var(0), rtol=1e-5)


def test_coral_fitted_on_one_part_applies_to_another():
    source = _gaussian(2000, np.eye(3), np.zeros(3), 0)
    fit_on, held = _gaussian(2000, 4 * np.eye(3), np.ones(3), 1), _gaussian(2000, 4 * np.eye(3), np.ones(3), 2)
    out = A.coral(held, source, eps=1e-9, fit_on=fit_on)
    np.testing.assert_allclose(np.cov(out, rowvar=False), np.eye(3), atol=0.15)


@pytest.mark.parametrize("strength", [1.0, 0.5])
def test_gradient_reversal_is_identity_forward_and_negates_backward(strength):
    x = torch.randn(4, 3, requires_grad=True)
    y = A.grad_reverse(x, strength)
    assert torch.equal(y, x)
    w = torch.randn(4, 3)
    (y * w).sum().backward()
    torch.testing.assert_close(x.grad, -strength * w)


def test_importance_weights_of_identical_domains_are_about_one():
    x = np.random.default_rng(0).normal(size=(200, 16)).astype(np.float32)
    w, history = A.importance_weights(x, x.copy())
    assert w.shape == (200,) and history.finished
    np.testing.assert_allclose(w, 1.0, atol=0.02)
    shifted, _h = A.importance_weights(x, x + np.float32(1.0))  # now the source points nearer the target weigh more
    assert shifted.std() > 0.1


def test_mmd_is_zero_for_identical_samples_and_grows_with_the_gap():
    a = np.random.default_rng(0).normal(size=(100, 4))
    assert A.mmd(a, a) == pytest.approx(0.0, abs=1e-12)
    assert 0 < A.mmd(a, a + 0.5) < A.mmd(a, a + 3)


def test_family_checks():
    p = D.DomainPair("y", "", *[D.Domain("d", np.zeros((3, 2), np.float32), np.arange(3), c, np.zeros((1, 2, 2, 3)))
                               for c in (("a", "b", "c"),) * 2 + (("d", "e", "f"),) * 2])
    from tlviz.errors import InputError

    with pytest.raises(InputError, match="Unknown family"):
        A.run("magic", p)
    with pytest.raises(InputError, match="same classes"):
        A.run("mapping", p)


# ---------------------------------------------------------------------------------------- on the real default shift

@pytest.fixture(scope="module")
def default_pair():
    return D.pair("px", D.DEFAULT_SHIFT)


@pytest.fixture(scope="module")
def families(default_pair):
    return A.compare(default_pair)


def test_each_family_reports_target_accuracy_and_one_beats_no_adaptation(families):
    # Measured (inverted silhouettes, 300 source / 100 target test images, seed 0): no adaptation 0.68;
    # instance 0.68, mapping (diagonal CORAL) 0.80, network (3 labels per class) 0.77, DANN 0.60.
    assert [r.family for r in families] == list(A.FAMILIES)
    before = families[0].before
    for r in families:
        assert 0.0 <= r.after <= 1.0 and r.before == before and r.history.steps
        assert r.source_xy.shape[1] == r.target_xy.shape[1] == 2
    by = {r.family: r for r in families}
    assert by["mapping"].after > before + 0.07 and by["network"].after > before + 0.05
    assert by["mapping"].mmd_after < by["mapping"].mmd_before / 2  # CORAL brought the domains together
    assert by["instance"].sizes is not None and len(by["instance"].sizes) == len(by["instance"].source_xy)


def test_negative_transfer_is_measured(default_pair):
    # Measured: target alone (3 labels per class) 0.51; pooled with the CORAL-aligned related source 0.83, with
    # digits read as animals 0.56 (harmless here), with the animals under rotated labels 0.35 (negative transfer).
    nt = A.negative_transfer(default_pair)
    assert list(nt.accuracy) == list(A.SOURCES)
    assert "unrelated_labels" in nt.negative and "related" not in nt.negative
    assert nt.accuracy["related"] > nt.accuracy["target_only"] + 0.1
