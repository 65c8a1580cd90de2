"""tlviz.attention: the lecture's worked example to the digit, score functions, and scaled dot-product attention
against PyTorch's own."""

import math

import numpy as np
import pytest
import torch

from tlviz import attention
from tlviz.errors import InputError

DEC = [10, 5, 10]
ENC = [[0, 1, 1], [5, 0, 1], [1, 1, 0], [0, 5, 1]]


def test_lecture_scores_are_exact():
    ex = attention.worked_example(DEC, ENC)
    assert ex.scores.tolist() == [15.0, 60.0, 15.0, 35.0]


def test_lecture_weights_are_the_softmax_of_the_scores():
    ex = attention.worked_example(DEC, ENC)
    e = [math.exp(s - 60) for s in (15, 60, 15, 35)]
    expected = [v / sum(e) for v in e]
    np.testing.assert_allclose(ex.weights, expected, rtol=1e-12, atol=0)
    assert ex.weights.sum() == pytest.approx(1.0, abs=1e-15)
    # "about [0, 1, 0, 0]": the second state takes all but e^-25 of the weight
    np.testing.assert_allclose(ex.weights, [0, 1, 0, 0], atol=2e-11)
    assert ex.weights.argmax() == 1


def test_lecture_weighted_states_and_context():
    ex = attention.worked_example(DEC, ENC)
    np.testing.assert_allclose(ex.weighted, [[0, 0, 0], [5, 0, 1], [0, 0, 0], [0, 0, 0]], atol=1e-9)
    np.testing.assert_allclose(ex.context, [5, 0, 1], atol=1e-9)
    np.testing.assert_allclose(ex.context, ex.weighted.sum(0), rtol=0, atol=0)
    np.testing.assert_allclose(ex.weighted, ex.weights[:, None] * np.array(ENC, float))


def test_defaults_are_the_lecture_example():
    ex = attention.worked_example()
    assert ex.scores.tolist() == [15.0, 60.0, 15.0, 35.0]
    assert ex.method == "dot" and ex.temperature == 1.0


def test_temperature_goes_from_hard_to_uniform():
    hard = attention.worked_example(DEC, ENC, softmax_temperature=0.1)
    soft = attention.worked_example(DEC, ENC, softmax_temperature=1e6)
    mid = attention.worked_example(DEC, ENC, softmax_temperature=20)
    np.testing.assert_allclose(hard.weights, [0, 1, 0, 0], atol=1e-100)
    np.testing.assert_allclose(soft.weights, 0.25, atol=1e-4)
    assert 0.5 < mid.weights[1] < 0.9 and mid.weights[3] > mid.weights[0]  # order of the scores kept
    np.testing.assert_allclose(soft.context, np.mean(ENC, axis=0), atol=1e-3)
    with pytest.raises(InputError):
        attention.worked_example(DEC, ENC, softmax_temperature=0)


def test_worked_example_rejects_bad_shapes_and_values():
    with pytest.raises(InputError, match="same size"):
        attention.worked_example([1, 2], ENC)
    with pytest.raises(InputError):
        attention.worked_example([1, 2, 3], np.zeros((0, 3)))
    with pytest.raises(InputError, match="number"):
        attention.worked_example([1, np.nan, 3], ENC)


def test_score_functions():
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=5), rng.normal(size=(7, 5))
    dot = attention.score(q, k, "dot")
    np.testing.assert_allclose(dot, k @ q)
    np.testing.assert_allclose(attention.score(q, k, "scaled_dot"), dot / math.sqrt(5))
    np.testing.assert_allclose(attention.score(q, k, "general", W=np.eye(5)), dot)
    W = rng.normal(size=(5, 5))
    np.testing.assert_allclose(attention.score(q, k, "general", W=W), [q @ W @ kj for kj in k])
    W1, W2, v = rng.normal(size=(4, 5)), rng.normal(size=(4, 5)), rng.normal(size=4)
    np.testing.assert_allclose(attention.score(q, k, "additive", W1=W1, W2=W2, v=v),
                               [v @ np.tanh(W1 @ q + W2 @ kj) for kj in k])
    # seeded parameters are reproducible and differ between seeds
    a = attention.score(q, k, "additive", seed=3)
    np.testing.assert_array_equal(a, attention.score(q, k, "additive", seed=3))
    assert not np.allclose(a, attention.score(q, k, "additive", seed=4))
    with pytest.raises(InputError):
        attention.score(q, k, "cosine")
    with pytest.raises(InputError):
        attention.score(q, k, "general", W=np.eye(4))


def test_score_keeps_torch_in_torch_out():
    q, k = torch.tensor([1.0, 2.0]), torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    out = attention.score(q, k, "scaled_dot")
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([1.0, 2.0]) / math.sqrt(2))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("mask_kind", [None, "random", "causal", "padding"])
def test_scaled_dot_product_equals_torch(dtype, mask_kind):
    g = torch.Generator().manual_seed(7)
    B, H, Lq, Lk, d, dv = 2, 3, 5, 6, 8, 4
    q = torch.randn(B, H, Lq, d, generator=g, dtype=dtype)
    k = torch.randn(B, H, Lk, d, generator=g, dtype=dtype)
    v = torch.randn(B, H, Lk, dv, generator=g, dtype=dtype)
    if mask_kind == "random":
        mask = torch.rand(B, H, Lq, Lk, generator=g) > 0.4
        mask[..., 0] = True  # every row keeps a key, so torch's result is defined everywhere
    elif mask_kind == "causal":
        mask = torch.ones(Lq, Lk, dtype=torch.bool).tril()
    elif mask_kind == "padding":
        mask = (torch.arange(Lk) < torch.tensor([4, 6])[:, None])[:, None, None, :]  # (B, 1, 1, Lk)
    else:
        mask = None
    out, weights = attention.scaled_dot_product(q, k, v, mask)
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == torch.float32 else dict(rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(out, expected, **tol)
    assert out.dtype == dtype and weights.dtype == dtype
    torch.testing.assert_close(weights.sum(-1), torch.ones(B, H, Lq, dtype=dtype), **tol)
    if mask is not None:
        assert (weights.masked_select(~mask.expand_as(weights)) == 0).all()


def test_fully_masked_row_gives_zeros_not_nan():
    q, k, v = torch.randn(1, 3, 4), torch.randn(1, 5, 4), torch.randn(1, 5, 2)
    mask = torch.ones(1, 3, 5, dtype=torch.bool)
    mask[0, 1] = False  # query 1 may attend to nothing
    out, weights, scores = attention.scaled_dot_product(q, k, v, mask, return_scores=True)
    assert not torch.isnan(out).any() and not torch.isnan(weights).any()
    assert (weights[0, 1] == 0).all() and (out[0, 1] == 0).all()
    torch.testing.assert_close(weights[0, [0, 2]].sum(-1), torch.ones(2))
    assert torch.isinf(scores[0, 1]).all()


def test_parse_numbers_name_the_bad_cell():
    assert attention.parse_number(" -0.5 ") == -0.5
    assert attention.parse_number("2,5") == 2.5
    assert attention.parse_number("1e-3") == 0.001
    with pytest.raises(InputError, match="h2.*'abc'"):
        attention.parse_cells([["1", "2"], ["abc", "3"]], ["h1", "h2"])
    with pytest.raises(InputError, match="empty"):
        attention.parse_number("", "Cell h1, column 1")
    for bad in ("inf", "nan", "1e300"):
        with pytest.raises(InputError):
            attention.parse_number(bad)
    np.testing.assert_array_equal(attention.parse_matrix("1 0\n0, 1"), np.eye(2))
    with pytest.raises(InputError, match="2x2"):
        attention.parse_matrix("1 0 0\n0 1 0", (2, 2), "W")
    with pytest.raises(InputError, match="same number"):
        attention.parse_matrix("1 0\n0")
