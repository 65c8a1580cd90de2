"""tlviz.masks: the API's semantics (True = may attend), combination, -inf, leaks, and no NaN."""

import numpy as np
import pytest
import torch

from tlviz import attention, masks
from tlviz.errors import InputError


def test_padding_mask_true_on_real_tokens():
    m = masks.padding_mask([3, 1, 5], 5)
    assert m.dtype == torch.bool and m.shape == (3, 5)
    assert m.tolist() == [[True] * 3 + [False] * 2, [True] + [False] * 4, [True] * 5]
    assert masks.padding_mask([2, 4]).shape == (2, 4)


def test_causal_mask_lower_triangle_with_diagonal():
    m = masks.causal_mask(4)
    assert m.dtype == torch.bool
    assert torch.equal(m, torch.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool))


def test_attention_mask_combines_padding_and_causal():
    lengths = [3, 1, 5]
    pad, look = masks.padding_mask(lengths, 5), masks.causal_mask(5)
    enc = masks.attention_mask(lengths, 5)
    dec = masks.attention_mask(lengths, 5, causal=True)
    assert enc.shape == dec.shape == (3, 5, 5)
    assert torch.equal(enc, pad[:, None, :].expand(3, 5, 5))
    assert torch.equal(dec, pad[:, None, :] & look[None])
    assert dec.any(-1).all()  # no query row is left without a key


def test_apply_minus_inf_zero_weights_rows_sum_to_one():
    grid, lengths = masks.pad_batch(masks.split_sentences("the cat sat\nhello\na b c d e"))
    scores = masks.demo_scores(grid)
    mask = masks.attention_mask(lengths, causal=True)
    r = masks.apply(scores, mask, lengths)
    m = mask.numpy()
    assert np.isneginf(r.masked_scores[~m]).all() and np.isfinite(r.masked_scores[m]).all()
    assert (r.weights[~m] == 0).all()
    np.testing.assert_allclose(r.weights.sum(-1), 1.0)
    # same numbers as the attention layer itself
    _, w = attention.scaled_dot_product(torch.zeros(3, 5, 1), torch.zeros(3, 5, 1), torch.zeros(3, 5, 1), mask)
    r0 = masks.apply(np.zeros((3, 5, 5)), mask)
    np.testing.assert_allclose(r0.weights, w.numpy())


def test_forgetting_the_mask_leaks():
    grid, lengths = masks.pad_batch(masks.split_sentences("the cat sat\nhello\na b c d e"))
    r = masks.apply(masks.demo_scores(grid), masks.attention_mask(lengths, causal=True), lengths)
    assert r.leak(True) == {"padding": 0.0, "future": 0.0}
    leak = r.leak(False)
    assert leak["padding"] > 0.01 and leak["future"] > 0.1
    assert r.lengths == [3, 1, 5]


def test_fully_masked_row_gives_no_nan():
    mask = torch.ones(1, 3, 3, dtype=torch.bool)
    mask[0, 2] = False
    r = masks.apply(np.random.default_rng(0).normal(size=(1, 3, 3)), mask)
    assert not np.isnan(r.weights).any()
    assert (r.weights[0, 2] == 0).all()


def test_sentence_input_checks():
    assert masks.split_sentences("a b\n\n  c  \n") == [["a", "b"], ["c"]]
    grid, lengths = masks.pad_batch([["a", "b"], ["c"]])
    assert grid == [["a", "b"], ["c", masks.PAD]] and lengths == [2, 1]
    with pytest.raises(InputError, match="at least one"):
        masks.split_sentences(" \n ")
    with pytest.raises(InputError, match="500 words"):
        masks.split_sentences("short\n" + "word " * 500)
    with pytest.raises(InputError, match="sentences"):
        masks.split_sentences("\n".join(["a"] * 20))


def test_one_masked_softmax_for_attention_and_masks():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(2, 4, 4, generator=g, dtype=torch.float64)
    mask = masks.attention_mask([3, 2], 4, causal=True)
    mask[1, 3] = False  # one query row with nothing allowed
    w = attention.masked_softmax(scores, mask)
    assert (w[~mask] == 0).all() and not torch.isnan(w).any()
    torch.testing.assert_close(w[1, 3], torch.zeros(4, dtype=torch.float64))
    np.testing.assert_allclose(w.sum(-1)[mask.any(-1)].numpy(), 1.0)
    np.testing.assert_array_equal(masks.apply(scores.numpy(), mask).weights, w.numpy())
    ref = torch.nn.functional.scaled_dot_product_attention  # PyTorch agrees where a row has an allowed key
    q = torch.randn(2, 4, 8, generator=g, dtype=torch.float64)
    mask = masks.attention_mask([3, 2], 4, causal=True)
    out, _ = attention.scaled_dot_product(q, q, q, mask)
    torch.testing.assert_close(out, ref(q, q, q, attn_mask=mask))


def test_lesson_bundles_the_batch_masks_and_attention():
    lesson = masks.lesson("the cat sat\nhello", causal=True)
    assert lesson.grid == [["the", "cat", "sat"], ["hello", masks.PAD, masks.PAD]] and lesson.lengths == [3, 1]
    np.testing.assert_array_equal(lesson.padding, [[1, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(lesson.look_ahead, np.tril(np.ones((3, 3), bool)))
    np.testing.assert_array_equal(lesson.attention.mask, lesson.padding[:, None, :] & lesson.look_ahead[None])
    np.testing.assert_array_equal(lesson.attention.blocked(1), ~lesson.attention.mask[1])
    assert lesson.kinds == ("padding", "future") and masks.lesson("a b", causal=False).kinds == ("padding",)
    assert set(lesson.attention.leak(False, lesson.kinds)) == {"padding", "future"}
    with pytest.raises(InputError):
        masks.lesson("  ", causal=True)
