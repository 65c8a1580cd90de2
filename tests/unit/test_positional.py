"""tlviz.positional: the formula, the lecture's d_model = 4 example, wavelengths, and the linear shift."""

import math

import numpy as np
import pytest

from tlviz import positional
from tlviz.errors import InputError


@pytest.mark.parametrize("d_model", [4, 7, 16, 64])
def test_matches_the_formula(d_model):
    pe = positional.sinusoidal(30, d_model)
    assert pe.shape == (30, d_model)
    for pos in range(30):
        for j in range(d_model):
            i = j // 2
            angle = pos / 10000 ** (2 * i / d_model)
            assert pe[pos, j] == pytest.approx(math.sin(angle) if j % 2 == 0 else math.cos(angle), abs=1e-12)


def test_lecture_d_model_4_example():
    pe = positional.sinusoidal(4, 4)
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1])
    np.testing.assert_allclose(pe[1], [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)])
    np.testing.assert_allclose(pe[3], [math.sin(3), math.cos(3), math.sin(0.03), math.cos(0.03)])


def test_wavelengths_are_a_geometric_progression_from_2pi_to_10000_2pi():
    for d in (4, 64, 512):
        lam = positional.wavelengths(d)
        assert lam[0] == pytest.approx(2 * math.pi)
        ratios = lam[1:] / lam[:-1]
        np.testing.assert_allclose(ratios, 10000 ** (2 / d))
        assert lam[-1] == pytest.approx(2 * math.pi * 10000 ** ((d - 2) / d))
    assert positional.wavelengths(4096)[-1] / (2 * math.pi * 10000) > 0.99  # approaches 10000*2*pi
    pe = positional.sinusoidal(200, 8)
    lam = positional.wavelengths(8)[0]
    np.testing.assert_allclose(np.sin(2 * math.pi / lam * np.arange(200)), pe[:, 0])


@pytest.mark.parametrize("k", [0, 1, 5, 37])
def test_shift_is_one_fixed_linear_map(k):
    d = 16
    pe = positional.sinusoidal(120 + k, d)
    M = positional.shift_matrix(k, d)
    np.testing.assert_allclose(pe[k:k + 120], pe[:120] @ M.T, atol=1e-12)  # every pos, same M
    np.testing.assert_allclose(M @ M.T, np.eye(d), atol=1e-12)  # rotations
    with pytest.raises(InputError):
        positional.shift_matrix(k, 5)


def test_similarity_depends_only_on_distance():
    sim = positional.similarity(positional.sinusoidal(40, 32))
    for off in range(40):
        diag = np.diagonal(sim, off)
        np.testing.assert_allclose(diag, diag[0], atol=1e-10)
    np.testing.assert_allclose(np.diag(sim), 16.0)  # d/2: each sin^2 + cos^2 pair gives 1
    assert sim[0, 1] > sim[0, 10]


def test_model_input_repeated_word():
    x = positional.model_input("the cat drinks the milk", 16)
    assert x.tokens == ["the", "cat", "drinks", "the", "milk"]
    np.testing.assert_array_equal(x.embeddings[0], x.embeddings[3])
    assert not np.allclose(x.total[0], x.total[3])
    np.testing.assert_allclose(x.total, x.embeddings + positional.sinusoidal(5, 16))
    scaled = positional.model_input("the cat", 16, scale=True)
    np.testing.assert_allclose(scaled.embeddings, positional.token_embeddings(["the", "cat"], 16) * 4)
    with pytest.raises(InputError):
        positional.model_input("   ", 16)
    with pytest.raises(InputError, match="500 words"):
        positional.model_input("word " * 500, 16)


def test_sizes_checked():
    with pytest.raises(InputError):
        positional.sinusoidal(0, 4)
    with pytest.raises(InputError):
        positional.check_sizes(10, 4096)
    positional.sinusoidal(2048, 8)  # the engine itself has no upper limit (the Transformer may need long tables)


def test_wavelength_ratio_and_shift_check():
    for d in (4, 64, 512):
        lam = positional.wavelengths(d)
        np.testing.assert_allclose(lam[1:] / lam[:-1], positional.wavelength_ratio(d))
    assert positional.wavelength_ratio(4) == pytest.approx(100.0)
    c = positional.shift_check(3, 5, 8)
    np.testing.assert_allclose(c.pe_to, positional.sinusoidal(9, 8)[8])
    np.testing.assert_allclose(c.shifted, c.matrix @ positional.sinusoidal(6, 8)[5])
    assert c.error < 1e-12 and c.error == float(np.abs(c.pe_to - c.shifted).max())
    with pytest.raises(InputError):
        positional.shift_check(3, 5, 7)
    with pytest.raises(InputError):
        positional.shift_check(-1, 5, 8)
