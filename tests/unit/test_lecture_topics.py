"""The lecture's short topics: the bottleneck, why self-attention, Q/K/V as retrieval, the paper's set-up."""

import numpy as np
import pytest
import torch

from tlviz import bottleneck, layer_cost, paper, retrieval
from tlviz.errors import InputError

# ------------------------------------------------------------------------------------------- the bottleneck


@pytest.fixture(scope="module")
def small_comparison():
    """Both copy models on strings of 1..8 digits, a 32-number vector, 150 steps (about 4 s on one core)."""
    return bottleneck.compare(max_len=8, steps=150, hidden=32, seed=0)


def test_without_attention_is_worse_at_the_longest_length(small_comparison):
    cmp = small_comparison
    assert cmp.at_longest("dot") > cmp.at_longest("none") + 0.2, cmp.digit_accuracy
    # and both learnt the short strings: the gap is the bottleneck, not a broken model
    assert cmp.digit_accuracy["none"][0] > 0.95 and cmp.digit_accuracy["dot"][0] > 0.95
    # the no-attention model degrades with length: its longest is clearly below its shortest
    assert cmp.digit_accuracy["none"][-1] < cmp.digit_accuracy["none"][1] - 0.3


def test_comparison_shapes_and_fairness(small_comparison):
    cmp = small_comparison
    assert cmp.lengths.tolist() == list(range(1, 9))
    for kind in bottleneck.KINDS:
        assert cmp.digit_accuracy[kind].shape == cmp.exact[kind].shape == (8,)
        assert np.all((cmp.exact[kind] >= 0) & (cmp.exact[kind] <= cmp.digit_accuracy[kind] + 1e-12))
        assert len(cmp.histories[kind].losses) == 150 and cmp.histories[kind].finished
    assert cmp.params["none"] == cmp.params["dot"]  # the same layers; only the attention differs


def test_same_seed_same_start_and_same_run():
    a, b = bottleneck.build("none", 6, 16, seed=3), bottleneck.build("dot", 6, 16, seed=3)
    for (na, pa), (nb, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert na == nb and torch.equal(pa, pb)
    runs = [bottleneck.train_copy(bottleneck.build("dot", 6, 16, seed=1), 12, 6, seed=2).losses for _ in range(2)]
    assert runs[0] == runs[1]


def test_no_attention_decoder_sees_one_vector():
    model = bottleneck.build("none", 5, 16)
    src, lengths = bottleneck.seq2seq.encode_batch(["12345", "9"], bottleneck.VOCAB)
    ids, att = bottleneck.seq2seq.greedy(model, src, lengths, max_out=6)
    assert att.shape == (2, 6, 1) and torch.allclose(att, torch.ones_like(att))
    # the one state attended to is the encoder's final state, which also starts the decoder
    states, h0 = model.encode(src, lengths)
    assert states.shape == (2, 1, 16) and torch.equal(states[:, 0], h0)


def test_training_events_count_both_runs():
    seen = []
    bottleneck.compare(max_len=3, steps=4, hidden=8, callback=seen.append)
    assert [e.step for e in seen] == list(range(1, 9)) and {e.total for e in seen} == {8}
    assert seen[3].evaluated and seen[-1].evaluated and seen[0].message != seen[-1].message


@pytest.mark.parametrize("args", [dict(max_len=1), dict(max_len=99), dict(steps=0), dict(hidden=2)])
def test_bottleneck_rejects_sizes_out_of_range(args):
    with pytest.raises(InputError):
        bottleneck.compare(**{"max_len": 4, "steps": 2, "hidden": 8, **args})


def test_copy_strings_are_digits_of_the_asked_lengths():
    s = bottleneck.strings(50, 7, seed=0)
    assert all(1 <= len(x) <= 7 and x.isdigit() for x in s) and len({len(x) for x in s}) > 3
    assert {len(x) for x in bottleneck.strings(5, 7, seed=0, length=4)} == {4}
    assert bottleneck.strings(5, 7, seed=1) == bottleneck.strings(5, 7, seed=1) != bottleneck.strings(5, 7, seed=2)


# ------------------------------------------------------------------------------------------- why self-attention

def test_paper_table_1():
    rows = {r.kind: (r.complexity, r.sequential, r.path) for r in paper.TABLE_1}
    assert rows == {"self_attention": ("O(n²·d)", "O(1)", "O(1)"), "recurrent": ("O(n·d²)", "O(n)", "O(n)"),
                    "convolutional": ("O(k·n·d²)", "O(1)", "O(log_k(n))")}
    assert set(rows) == set(layer_cost.KINDS) == set(layer_cost.NAMES)


def test_timing_sorted_lengths_positive_times_and_counts():
    t = layer_cost.time_layers(lengths=(64, 16, 32, 16), d=32, heads=4, repeats=2)
    assert t.lengths.tolist() == [16, 32, 64]  # sorted, repeats dropped
    for kind in layer_cost.KINDS:
        assert t.seconds[kind].shape == (3,) and np.all(t.seconds[kind] > 0)
        assert np.all(np.diff(t.operations[kind]) > 0)  # more positions, more work
    assert t.threads == 1 and t.d == 32


def test_operation_counts_follow_the_paper():
    small, big = layer_cost.operation_counts(100, 64), layer_cost.operation_counts(200, 64)
    assert big["recurrent"] == 2 * small["recurrent"] and big["convolutional"] == 2 * small["convolutional"]
    # the n² term: self-attention's work more than doubles when n doubles
    assert big["self_attention"] > 2 * small["self_attention"]
    huge = layer_cost.operation_counts(10_000, 64)
    assert huge["self_attention"] > huge["recurrent"]  # n >> d: n²·d dominates n·d²


@pytest.mark.parametrize("args", [dict(lengths=()), dict(lengths=(0,)), dict(d=30), dict(kernel=2)])
def test_timing_rejects_bad_settings(args):
    with pytest.raises(InputError):
        layer_cost.time_layers(**{"lengths": (8,), "d": 32, "heads": 4, **args})


# ------------------------------------------------------------------------------------------- Q/K/V retrieval

def test_retrieval_maths_is_softmax_of_scaled_dot_products():
    r = retrieval.search("cat music", temperature=1.0)
    k, v = retrieval.keys(), retrieval.values()
    expected_scores = k @ r.query.vector / np.sqrt(k.shape[1])
    assert np.allclose(r.scores, expected_scores)
    w = np.exp(expected_scores - expected_scores.max())
    assert np.allclose(r.weights, w / w.sum()) and np.isclose(r.weights.sum(), 1.0)
    assert np.allclose(r.mixed, r.weights @ v)
    assert retrieval.LIBRARY[r.best].title == "A cat plays the piano"


def test_low_temperature_returns_the_best_value():
    r = retrieval.search("cat piano", temperature=0.05)
    assert np.allclose(r.mixed, retrieval.values()[r.best], atol=1e-6) and r.weights[r.best] > 0.999999
    hot = retrieval.search("cat piano", temperature=4.0)
    assert hot.weights.max() < 0.5  # a high temperature spreads the weight


def test_greek_queries_and_ignored_words():
    r = retrieval.search("Γάτες που παίζουν πιάνο")
    assert [t for _w, t in r.query.matched] == [0, 4] and "που" in r.query.ignored
    assert r.best == retrieval.search("cats playing piano").best


@pytest.mark.parametrize("text", ["", "   ", "xyzzy qwerty", "!!!", "a" * 300])
def test_bad_queries_raise_input_error(text):
    with pytest.raises(InputError):
        retrieval.search(text)


def test_temperature_must_be_positive():
    with pytest.raises(InputError):
        retrieval.search("cat", temperature=0)


# ------------------------------------------------------------------------------------------- the training set-up

def test_training_setup_numbers():
    text = " ".join(f"{f.value} {f.slide}" for f in paper.TRAINING_SETUP)
    for number in ("4.5 million", "37,000", "37K", "36 million", "36M", "32,000", "32K", "8 NVIDIA P100", "100,000",
                   "12 hours", "300,000", "3.5 days", "27.3", "28.4", "38.1", "41.8"):
        assert number in text, number
    # the lecture's slide is quoted for every fact it states, and for none it does not (steps, BLEU values)
    quoted = {f.what for f in paper.TRAINING_SETUP if f.slide}
    assert quoted == {"Data, English-German", "Data, English-French", "Hardware", "Base model", "Big model",
                      "Results, English-German (BLEU)"}
    assert not any(ch.isdigit() for f in paper.TRAINING_SETUP if "BLEU" in f.what for ch in f.slide)


# ------------------------------------------------------------------------------------------- figures and sharing

def test_figures_hold_the_numbers(small_comparison):
    from tlviz.viz import topics as vz

    fig = vz.bottleneck_figure(small_comparison)
    ys = {t.name: list(t.y) for t in fig.data}
    assert len(ys) == 4 and any(np.allclose(y, small_comparison.digit_accuracy["none"]) for y in ys.values())
    timing = layer_cost.time_layers(lengths=(8, 16), d=32, heads=4, repeats=1)
    caption = vz.timing_caption(timing, layer_cost.NAMES)
    assert "n = 16" in caption and f"{timing.seconds['recurrent'][-1] * 1e3:.2f} ms" in caption
    table = vz.timing_table(timing, layer_cost.NAMES)
    assert table.index.tolist() == [8, 16] and table.shape[1] == 6
    r = retrieval.search("dog")
    bars = vz.retrieval_figure(r, [v.title for v in retrieval.LIBRARY]).data[0]
    assert np.allclose(bars.x, r.weights) and bars.text[1] == f"{r.scores[1]:.2f} → {r.weights[1]:.0%}"
    swatches = vz.mixed_figure(r).data[0]
    assert swatches.text[1].endswith("R {:.2f} · G {:.2f} · B {:.2f}".format(*retrieval.values()[r.best]))


def test_shared_run_keys_without_the_callback():
    from tlviz import ui_topics

    calls = []

    def work(x, callback=None):
        calls.append(x)
        if callback is not None:
            callback(x)
        return x * 2

    seen = []
    assert not ui_topics.shared_ready(work, 21)
    assert ui_topics.shared_run(work, 21, callback=seen.append) == 42 and seen == [21]
    assert ui_topics.shared_ready(work, 21)
    assert ui_topics.shared_run(work, 21, callback=seen.append) == 42 and calls == [21] and seen == [21]
