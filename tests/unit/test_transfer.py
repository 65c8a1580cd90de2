"""tlviz.transfer: freeze plans, BatchNorm policy, the feature cache's exactness, curve metrics, the trainer."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch

from tlviz import transfer as T
from tlviz.data.images import ImageDataset
from tlviz.errors import InputError
from tlviz.training import StepEvent


def tiny_model(arch: str = "test_efficientnet", classes: int = 3, seed: int = 0) -> T.TransferModel:
    import timm

    torch.manual_seed(seed)
    model = timm.create_model(arch, pretrained=False, num_classes=classes)
    return T.from_module(model, [f"c{i}" for i in range(classes)], input_size=32, arch=arch)


def tiny_data(n_per_class: int = 8, classes: int = 3, size: int = 32, seed: int = 0) -> T.LabData:
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for c in range(classes):
        base = np.zeros((size, size), np.uint8)
        base[:, c * size // classes:(c + 1) * size // classes] = 220  # a class-dependent stripe
        for _ in range(n_per_class):
            images.append(np.clip(base + rng.integers(0, 40, (size, size)), 0, 255).astype(np.uint8))
            labels.append(c)
    ds = ImageDataset("stripes", np.stack(images), np.array(labels), tuple(f"c{i}" for i in range(classes)))
    return T.prepare(ds, size, train_per_class=None, val_per_class=None, val_fraction=0.25, seed=seed)


#: timm's test_efficientnet, by its own parameter names: which prefix belongs to which lab stage (written out by
#: hand from ``named_parameters()``, not derived from the partition under test).
STAGE_PREFIXES = {"stem": ("conv_stem.", "bn1."), "block 1": ("blocks.0.",), "block 2": ("blocks.1.",),
                  "block 3": ("blocks.2.",), "block 4": ("blocks.3.",),
                  "block 5 + head conv": ("blocks.4.", "conv_head.", "bn2."), "classifier": ("classifier.",)}


def expected_trainable(tm: T.TransferModel, plan) -> set[str]:
    """The parameters that should train under ``plan``, by name."""
    prefixes = tuple(p for name, trains in zip(tm.stage_names, plan) if trains for p in STAGE_PREFIXES[name])
    return {n for n, _ in tm.model.named_parameters() if n.startswith(prefixes)}


def test_stage_prefixes_cover_the_tiny_network():
    tm = tiny_model()
    assert tm.stage_names == list(STAGE_PREFIXES)
    every = tuple(p for ps in STAGE_PREFIXES.values() for p in ps)
    assert all(n.startswith(every) for n, _ in tm.model.named_parameters())


# ----------------------------------------------------------------------------------------------- structure

@pytest.mark.parametrize("arch", ["test_efficientnet", "test_resnet", "mobilenetv3_small_050"])
def test_stages_compose_to_the_model_and_partition_parameters(arch):
    tm = tiny_model(arch)
    tm.model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(tm.forward_from(x, 0), tm.model(x))
        mid = tm.forward_from(x, 0, 2)
        torch.testing.assert_close(tm.forward_from(mid, 2), tm.model(x))
    owned = [n for group in tm._stage_params for n, _ in group]
    assert sorted(owned) == sorted(n for n, _ in tm.model.named_parameters())  # each parameter exactly once
    assert sum(tm.stage_param_counts()) == sum(p.numel() for p in tm.model.parameters())
    assert tm.stages[-1].new and tm.stages[-1].name == "classifier"


def test_deepcopy_runs_its_own_modules():
    import copy

    tm = tiny_model()
    T.apply_plan(tm, T.plan_for("feature_extraction", len(tm.stages)))
    twin = copy.deepcopy(tm)
    assert twin.trainable_names() == tm.trainable_names()
    with torch.no_grad():
        twin.model.classifier.weight.add_(1.0)
        twin.model.conv_stem.weight.mul_(2.0)
    x = torch.randn(2, 3, 32, 32)
    tm.model.eval()
    twin.model.eval()
    with torch.no_grad():
        torch.testing.assert_close(twin.forward_from(x), twin.model(x))
        assert not torch.allclose(twin.forward_from(x), tm.forward_from(x))
    assert {id(p) for _, p in twin.stage_parameters(0)} <= {id(p) for p in twin.model.parameters()}


def test_plan_for_strategies():
    assert T.plan_for("feature_extraction", 5) == (False, False, False, False, True)
    assert T.plan_for("finetune_last", 5, 2) == (False, False, True, True, True)
    assert T.plan_for("full", 4) == T.plan_for("scratch", 4) == (True,) * 4
    assert T.plan_for("finetune_last", 3, 99) == (True, True, True)
    with pytest.raises(InputError):
        T.plan_for("magic", 3)


@pytest.mark.parametrize("strategy,k", [("feature_extraction", 0), ("finetune_last", 1), ("finetune_last", 3),
                                        ("full", 0)])
def test_freezing_leaves_exactly_the_intended_parameters_trainable(strategy, k):
    tm = tiny_model()
    plan = T.plan_for(strategy, len(tm.stages), k)
    T.apply_plan(tm, plan)
    assert tm.trainable_names() == expected_trainable(tm, plan)
    if strategy == "feature_extraction":
        assert tm.trainable_names() == {"classifier.weight", "classifier.bias"}


def test_default_backbone_blocks_and_freezing():
    tm = T.build(num_classes=4, labels=list("abcd"), input_size=64)
    assert tm.arch == "tf_efficientnet_lite0"
    assert tm.stage_names[0] == "stem" and tm.stage_names[-2] == "block 7 + head conv"
    T.apply_plan(tm, T.plan_for("finetune_last", len(tm.stages), 1))
    assert tm.trainable_names() == {n for n, _ in tm.model.named_parameters()
                                    if n.startswith(("blocks.6.", "conv_head.", "bn2.", "classifier."))}
    # Pretrained weights really came over (not a random init): same as the packaged model's.
    from tlviz import cnn

    shared = cnn.load().model
    torch.testing.assert_close(tm.model.conv_stem.weight, shared.conv_stem.weight)
    assert not any(p.requires_grad for p in shared.parameters())  # the shared model stays read-only
    scratch = T.build(num_classes=4, labels=list("abcd"), pretrained=False)
    assert not torch.allclose(scratch.model.conv_stem.weight, shared.conv_stem.weight)


def test_batchnorm_policy_frozen_stats_stay_trainable_stats_move():
    tm = tiny_model()
    data = tiny_data()
    plan = T.plan_for("finetune_last", len(tm.stages), 1)
    frozen_bn = tm.model.bn1.running_mean.clone()
    last = tm.stages[-2].modules[0]
    last_bn = [m for m in tm.model.get_submodule(last).modules() if isinstance(m, torch.nn.BatchNorm2d)][0]
    before = last_bn.running_mean.clone()
    T.train(tm, data, plan, T.TrainConfig.tiny())
    torch.testing.assert_close(tm.model.bn1.running_mean, frozen_bn, rtol=0, atol=0)
    assert not torch.allclose(last_bn.running_mean, before)


def test_param_groups_discriminative_rates():
    tm = tiny_model()
    plan = T.plan_for("finetune_last", len(tm.stages), 2)
    groups, info = T.param_groups(tm, plan, lr=1e-2, backbone_lr_factor=0.1)
    assert [g["lr"] for g in groups] == [1e-2, pytest.approx(1e-3)]
    assert info[0].stages == ("classifier",) and len(info[1].stages) == 2
    assert sum(i.params for i in info) == sum(p.numel() for n, p in tm.model.named_parameters()
                                              if n in expected_trainable(tm, plan))
    tm.pretrained = False
    groups, info = T.param_groups(tm, T.plan_for("scratch", len(tm.stages)), lr=1e-2)
    assert len(groups) == 1 and groups[0]["lr"] == 1e-2


# ----------------------------------------------------------------------------------------------- the cache

def test_cached_path_gives_same_gradients_as_plain_path():
    tm = tiny_model()
    plan = T.plan_for("finetune_last", len(tm.stages), 2)
    T.apply_plan(tm, plan)
    tm.set_mode(plan, True)
    p = T.frozen_prefix(plan)
    assert p == len(tm.stages) - 3
    data = tiny_data()
    x, y = tm.normalise(data.x_train[:6]), data.y_train[:6]
    grads = []
    for cached in (False, True):
        tm.model.zero_grad()
        if cached:
            with torch.no_grad():
                feats = tm.forward_from(x, 0, p)
            out = tm.forward_from(feats, p)
        else:
            out = tm.forward_from(x, 0)
        loss = torch.nn.functional.cross_entropy(out, y)
        loss.backward()
        grads.append((float(loss.detach()),
                      {n: q.grad.clone() for n, q in tm.model.named_parameters() if q.grad is not None}))
    (l0, g0), (l1, g1) = grads
    assert l0 == pytest.approx(l1, rel=1e-6)
    assert g0.keys() == g1.keys() == tm.trainable_names()
    for n in g0:
        torch.testing.assert_close(g0[n], g1[n], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("strategy,k", [("feature_extraction", 0), ("finetune_last", 2)])
def test_cached_training_equals_plain_training(strategy, k):
    data = tiny_data()
    runs = []
    for cache in (False, True):
        tm = tiny_model(seed=1)
        plan = T.plan_for(strategy, len(tm.stages), k)
        hist = T.train(tm, data, plan, T.TrainConfig(epochs=2, batch_size=5, lr=1e-2, patience=None, cache=cache))
        assert hist.info["cached"] is cache
        runs.append((hist, tm))
    (h0, m0), (h1, m1) = runs
    np.testing.assert_allclose(h0.losses, h1.losses, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(h0.series("val_loss")[1], h1.series("val_loss")[1], rtol=1e-4)
    for (n, a), (_, b) in zip(m0.model.state_dict().items(), m1.model.state_dict().items()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=n)


def test_augmentation_or_no_frozen_prefix_disables_cache():
    data = tiny_data()
    tm = tiny_model()
    h = T.train(tm, data, T.plan_for("feature_extraction", len(tm.stages)),
                T.TrainConfig(epochs=1, batch_size=8, augment=True, patience=None))
    assert not h.info["cached"] and h.info["frozen_prefix"] == len(tm.stages) - 1
    h = T.train(tm, data, T.plan_for("full", len(tm.stages)), T.TrainConfig.tiny())
    assert not h.info["cached"] and h.info["frozen_prefix"] == 0


# ----------------------------------------------------------------------------------------------- trainer

def test_stop_flag_keeps_finished_epochs():
    data = tiny_data()
    tm = tiny_model()
    steps_per_epoch = math.ceil(len(data.y_train) / 8)
    calls = {"n": 0}

    def should_stop():
        calls["n"] += 1
        return calls["n"] > steps_per_epoch * 2 + 1  # stop in the middle of epoch 3

    events = []
    h = T.train(tm, data, T.plan_for("feature_extraction", len(tm.stages)),
                T.TrainConfig(epochs=10, batch_size=8, patience=None), callback=events.append, should_stop=should_stop)
    assert h.status == "user" and [r["epoch"] for r in T.epoch_rows(h)] == [1, 2]
    assert len(h.losses) == steps_per_epoch * 2 + 1
    steps = [e for e in events if e.phase == "train"]
    assert [e.step for e in steps] == list(range(1, steps_per_epoch * 2 + 2))  # one event per step, in order
    assert [e.metrics["epoch"] for e in steps if e.evaluated] == [1, 2] and events[0].phase == "prepare"
    assert all(isinstance(e, StepEvent) for e in events)  # the one training vocabulary


def test_early_stopping_restores_best_epoch():
    # Validation labels unrelated to the images: the better the model fits training, the worse validation gets.
    data = tiny_data(n_per_class=12)
    g = torch.Generator().manual_seed(3)
    data.y_val = torch.randint(0, 3, data.y_val.shape, generator=g)
    tm = tiny_model()
    h = T.train(tm, data, T.plan_for("finetune_last", len(tm.stages), 1),
                T.TrainConfig(epochs=30, batch_size=8, lr=3e-2, patience=2))
    rows = T.epoch_rows(h)
    assert h.status == "early" and len(rows) < 30
    best = max(rows, key=lambda r: (r["val_acc"], -r["val_loss"]))
    assert rows[h.info["best_epoch"] - 1] == best
    loss, acc, _ = T.evaluate(tm, data.x_val, data.y_val)
    assert acc == pytest.approx(best["val_acc"]) and loss == pytest.approx(best["val_loss"], rel=1e-4)  # restored


def _scripted_training(monkeypatch, val, **config):
    """Train with validation results scripted per epoch (``val``: (loss, accuracy) pairs); the epochs run."""
    import importlib

    train_module = importlib.import_module("tlviz.transfer.train")  # the module (the package re-exports train())
    script = iter(val)
    monkeypatch.setattr(train_module, "evaluate", lambda *a, **k: (*next(script), None))
    data, tm = tiny_data(), tiny_model()
    h = T.train(tm, data, T.plan_for("feature_extraction", len(tm.stages)),
                T.TrainConfig(batch_size=64, **config))
    return h, [int(r["epoch"]) for r in T.epoch_rows(h)]


def test_early_stopping_waits_while_accuracy_still_climbs_and_for_the_budget(monkeypatch):
    # The lecturer's from-scratch run: validation loss rising from epoch 3 while accuracy still climbs. Stopping
    # on the loss alone ended it at epoch 7; now only epochs with neither a better loss nor accuracy count.
    climbing = [(1.0, 0.30), (0.9, 0.35), (0.95, 0.40), (1.0, 0.42), (1.1, 0.44), (1.2, 0.46), (1.3, 0.48),
                (1.4, 0.48), (1.5, 0.47), (1.6, 0.48), (1.7, 0.48), (1.8, 0.48)]
    h, epochs = _scripted_training(monkeypatch, climbing, epochs=12, patience=4)
    assert h.status == "early" and epochs == list(range(1, 12)) and h.info["best_epoch"] == 7
    # The strategy's budget: never stopped before min_epochs, whatever the curve.
    flat = [(1.0, 0.5)] * 12
    h, epochs = _scripted_training(monkeypatch, flat, epochs=12, patience=2, min_epochs=9)
    assert h.status == "early" and epochs == list(range(1, 10))
    # Running out of epochs is "finished", not "early", even when the patience ran out on the last epoch.
    h, epochs = _scripted_training(monkeypatch, flat, epochs=3, patience=2)
    assert h.status == "finished" and epochs == [1, 2, 3]


def test_bad_training_inputs():
    tm = tiny_model()
    data = tiny_data()
    with pytest.raises(InputError):
        T.apply_plan(tm, (False,) * len(tm.stages))
    with pytest.raises(InputError):
        T.train(tm, data, T.plan_for("full", len(tm.stages)), T.TrainConfig(epochs=0))
    with pytest.raises(InputError):
        T.train(tiny_model(classes=4), data, (True,) * len(tm.stages))


def test_short_run_on_default_data_beats_chance():
    from tlviz.data.images import animal_mnist

    ds = animal_mnist()
    data = T.prepare(ds, 64, train_per_class=30, val_per_class=10)
    assert [c[1:] for c in data.counts()] == [(30, 10)] * 10
    tm = T.build(num_classes=10, labels=ds.classes, input_size=64)
    h = T.train(tm, data, T.plan_for("feature_extraction", len(tm.stages)),
                T.TrainConfig(epochs=6, patience=None))
    assert h.info["cached"] and h.last("val_acc") > 0.3  # chance is 0.1
    res = T.results(tm, data)
    assert res.confusion.sum() == len(data.y_val) and res.accuracy == pytest.approx(h.last("val_acc"))
    assert np.trace(res.confusion) / res.confusion.sum() == pytest.approx(res.accuracy)
    wrong = res.misclassified
    assert np.all(res.predictions[wrong] != data.y_val.numpy()[wrong])


# ----------------------------------------------------------------------------------------------- metrics

def test_curve_metrics_recovers_known_start_slope_asymptote():
    steps = np.arange(1, 25)
    start, rate, level = 0.3, 0.05, 0.8
    values = np.minimum(start + rate * (steps - 1), level)  # linear rise over the first 11 steps, then flat
    m = T.curve_metrics(steps, values)
    assert m.start == pytest.approx(start) and m.slope == pytest.approx(rate) and m.asymptote == pytest.approx(level)
    assert m.early_steps == (1.0, 1.0 + T.SLOPE_WINDOW) and m.tail_steps == (19.0, 24.0) and m.settled
    # A loss curve falling at the same rate: slope positive as it improves.
    loss = np.maximum(2.0 - 0.1 * (steps - 1), 0.9)
    m = T.curve_metrics(steps, loss, higher_is_better=False)
    assert (m.start, m.slope, m.asymptote) == (pytest.approx(2.0), pytest.approx(0.1), pytest.approx(0.9))
    # Unsorted input gives the same answer; steps need not start at 1 nor be unit-spaced.
    perm = np.random.default_rng(0).permutation(len(steps))
    assert T.curve_metrics(steps[perm], values[perm]) == T.curve_metrics(steps, values)
    m = T.curve_metrics(steps * 10, values)
    assert m.slope == pytest.approx(rate / 10)


def test_slope_is_the_gain_per_epoch_over_the_first_k_epochs():
    # By definition: (value at epoch 1 + k - value at epoch 1) / k, whatever comes later.
    values = np.array([0.10, 0.25, 0.31, 0.43, 0.90, 0.20, 0.5, 0.5])
    for k in (1, 2, 3, 5):
        m = T.curve_metrics(np.arange(1, 9), values, window=k)
        assert m.slope == pytest.approx((values[k] - values[0]) / k) and m.early_steps == (1.0, 1.0 + k)
    assert T.curve_metrics([1, 2], [0.2, 0.5]).slope == pytest.approx(0.3)  # shorter than the window: all of it


def test_a_high_start_is_not_penalised():
    # The lecturer's case: from scratch starts at 10% and climbs 5 points per epoch to 60%; fine-tuning starts at
    # 60% and climbs 6 points per epoch to 85%, reaching 90% of its way late and noisily. The old definition
    # (0.9 x gain / epochs to 90%) ranked from scratch first; per epoch over the first 3 epochs fine-tuning wins.
    steps = np.arange(1, 21)
    scratch = np.minimum(0.10 + 0.05 * (steps - 1), 0.60)
    tuned = np.minimum(0.60 + 0.06 * (steps - 1), 0.78) + np.where(steps > 10, 0.07, 0.0)
    s, f = T.curve_metrics(steps, scratch), T.curve_metrics(steps, tuned)
    assert s.slope == pytest.approx(0.05) and f.slope == pytest.approx(0.06)
    assert f.start > s.start and f.slope > s.slope and f.asymptote > s.asymptote
    # The same curve lifted by 0.3 keeps its slope exactly: the start's level does not enter it.
    lifted = T.curve_metrics(steps, scratch + 0.3)
    assert lifted.slope == pytest.approx(s.slope) and lifted.start == pytest.approx(s.start + 0.3)


def test_curve_metrics_on_noisy_exponential_curves():
    rng = np.random.default_rng(1)
    steps = np.arange(1, 41)
    a, s, tau = 0.9, 0.2, 4.0
    values = a - (a - s) * np.exp(-(steps - 1) / tau) + rng.normal(0, 0.005, steps.size)
    m = T.curve_metrics(steps, values)
    assert m.start == pytest.approx(s, abs=0.02) and m.asymptote == pytest.approx(a, abs=0.01) and m.settled
    assert m.slope == pytest.approx((a - s) * (1 - np.exp(-3 / tau)) / 3, abs=0.005)
    # A transferred curve (higher start, faster, higher level) wins on all three measures.
    better = T.curve_metrics(steps, 0.95 - 0.55 * np.exp(-(steps - 1) / 2.0))
    assert better.start > m.start and better.slope > m.slope and better.asymptote > m.asymptote


def test_settled_only_when_the_curve_has_levelled_off():
    steps = np.arange(1, 21)
    assert not T.curve_metrics(steps, 0.1 + 0.02 * steps).settled  # still climbing: no asymptote yet
    # The lecturer's from-scratch run, early-stopped at epoch 7 while climbing 0.40 -> 0.48.
    assert not T.curve_metrics(range(1, 8), [0.10, 0.20, 0.28, 0.33, 0.37, 0.40, 0.48]).settled
    rng = np.random.default_rng(0)
    noisy_flat = np.minimum(0.2 + 0.1 * (steps - 1), 0.7) + rng.normal(0, 0.02, steps.size)
    assert T.curve_metrics(steps, noisy_flat).settled  # levelled, up to its noise
    assert not T.curve_metrics(range(1, 6), [0.5] * 5).settled  # too few epochs to tell
    assert T.curve_metrics(range(1, 7), [0.5] * 6).settled
    loss = np.maximum(2.0 - 0.1 * (steps - 1), 0.9)
    assert T.curve_metrics(steps, loss, higher_is_better=False).settled
    assert not T.curve_metrics(steps, 2.0 - 0.05 * steps, higher_is_better=False).settled


def test_time_to_threshold():
    steps = np.arange(1, 11)
    values = np.minimum(0.2 + 0.1 * (steps - 1), 0.7)
    assert T.time_to_threshold(steps, values, 0.5) == 4 and T.time_to_threshold(steps, values, 0.2) == 1
    assert math.isnan(T.time_to_threshold(steps, values, 0.71))
    assert T.time_to_threshold(steps[::-1], values[::-1], 0.45) == 4  # sorted by step first
    assert T.time_to_threshold(steps, 1 - values, 0.5, higher_is_better=False) == 4


def test_curve_metrics_edge_cases():
    m = T.curve_metrics([1], [0.5])
    assert m.start == m.asymptote == 0.5 and math.isnan(m.slope) and not m.settled
    flat = T.curve_metrics([1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5])
    assert flat.slope == 0 and flat.start == flat.asymptote == 0.5
    worse = T.curve_metrics([0, 1, 2, 3], [0.6, 0.5, 0.4, 0.3])  # gets worse: negative slope
    assert worse.slope == pytest.approx(-0.1)
    with pytest.raises(InputError):
        T.curve_metrics([], [])
    with pytest.raises(InputError):
        T.curve_metrics([1, 2], [0.1])
    with pytest.raises(InputError):
        T.curve_metrics([1, 2], [0.1, float("nan")])


# ----------------------------------------------------------------------------------------------- results, export

def test_export_checkpoint_loads_back_with_cnn_load(tmp_path):
    from tlviz import checkpoints, cnn

    tm = tiny_model()
    data = tiny_data()
    T.train(tm, data, T.plan_for("full", len(tm.stages)), T.TrainConfig.tiny())
    path = T.export_checkpoint(tm, tmp_path / "run.safetensors", name="tiny run", metrics={"val_acc": 0.5})
    meta = checkpoints.read_meta(path)
    assert set(meta.config) >= {"arch", "num_classes", "input_size", "mean", "std", "crop_pct"}
    assert meta.extra["labels"] == ["c0", "c1", "c2"]
    handle = cnn.load(str(path))
    assert handle.labels == ["c0", "c1", "c2"] and handle.input_size == 32
    x = tm.normalise(data.x_val)
    with torch.no_grad():
        torch.testing.assert_close(handle.model(x), tm.model.eval()(x))
    blob = T.export_bytes(tm, name="tiny run")  # the download button's bytes: the same checkpoint, loadable
    (tmp_path / "bytes.safetensors").write_bytes(blob)
    again = cnn.load(str(tmp_path / "bytes.safetensors"))
    with torch.no_grad():
        torch.testing.assert_close(again.model(x), tm.model(x))


def test_grad_cam_maps_on_validation_images():
    tm = tiny_model()
    data = tiny_data()
    layer, name = T.cam_layer(tm)
    assert name in tm.stage_names[:-1]
    maps = T.grad_cam_maps(tm, data, [0, 1, 2])
    assert maps.shape == (3, 32, 32) and maps.min() >= 0 and maps.max() <= 1 and maps.max() > 0


def test_history_csv():
    from tlviz.training import History

    h = History()
    for epoch, (tl, ta, vl, va) in enumerate([(1.0, 0.5, 1.1, 0.4), (0.8, 0.6, 0.9, 0.5)], 1):
        h.record(StepEvent(epoch, 2, tl, dict(epoch=epoch, train_loss=tl, train_acc=ta, val_loss=vl, val_acc=va,
                                              epoch_seconds=0.2), evaluated=True))
    text = T.history_csv({'run "a"': h})
    lines = text.strip().splitlines()
    assert lines[0].startswith("run,epoch") and len(lines) == 3 and lines[2].startswith("\"run 'a'\",2,0.8")


# ----------------------------------------------------------------------------------------------- figures

def test_figures_show_what_they_claim():
    from tlviz.viz import transfer as V

    fig = V.block_diagram(["stem", "b1", "classifier"], [100, 2000, 30], [False, True, True], [None, 1e-4, 1e-3])
    assert list(fig.data[0].marker.color) == [V.FROZEN_COLOR, V.TRAINABLE_COLOR, V.NEW_COLOR]
    assert "2.0k of 2.1k" in fig.layout.title.text
    steps = np.arange(1, 13)
    vals = np.minimum(0.2 + 0.1 * (steps - 1), 0.8)
    m = T.curve_metrics(steps, vals)
    fig = V.training_curves({"run": (steps, vals)}, metrics={"run": m})
    ring, slope, level = fig.data[1], fig.data[2], fig.data[3]
    assert ring.y[0] == pytest.approx(0.2) and level.y[0] == pytest.approx(0.8)
    assert tuple(slope.x) == (1, 4) and slope.y[-1] == pytest.approx(0.5)  # from epoch 1 to 4, on the curve
    fig = V.metrics_comparison(["a", "b"], [m, m])
    assert len(fig.data) == 3 and list(fig.data[1].y) == [pytest.approx(0.1)] * 2
    conf = np.array([[3, 1], [0, 4]])
    fig = V.confusion_matrix(conf, ["x", "y"])
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), conf)
    img = np.zeros((4, 4, 3), np.uint8)
    out = V.cam_overlay(img, np.eye(4))
    assert out.shape == (4, 4, 3) and out[0, 0].sum() > out[0, 1].sum()


# ----------------------------------------------------------------------------------------------- runs of a class

def _spec(tm, data, strategy: str, k: int = 1, plan=None, epochs: int = 2) -> T.RunSpec:
    plan = plan or T.plan_for(strategy, len(tm.stages), k)
    return T.RunSpec(data.fingerprint, "test_efficientnet", strategy, plan,
                     T.TrainConfig(epochs=epochs, batch_size=8, lr=1e-2, patience=None))


def test_run_records_and_labels():
    tm, data = tiny_model(), tiny_data()
    names, params = tm.stage_names, tm.stage_param_counts()
    run = T.new_run(3, _spec(tm, data, "finetune_last", 2), data, names, params)
    assert run.name == "#3 fine-tune last 2" and run.trainable == tuple(names[-3:])
    assert run.trainable_params == sum(params[-3:]) and run.total_params == sum(params)
    custom = (True,) + (False,) * (len(names) - 2) + (True,)
    run = T.new_run(4, _spec(tm, data, "feature_extraction", plan=custom), data, names, params)
    assert run.name.endswith("(custom blocks)")
    assert T.stage_lrs([False, False, True], (False, True, True), 1e-2, 0.1) == [None, pytest.approx(1e-3), 1e-2]


def _locked(fn, **kwargs):
    """Build under the heavy-work lock, as :func:`T.build` does: torch's global generator is the process's."""
    from tlviz import runtime

    with runtime.exclusive("a test network"):
        return fn(**kwargs)


def test_a_queued_run_gives_exactly_the_numbers_of_a_run_of_its_own():
    """Shared runs are trained once for the class; what a student follows must be what training alone gives,
    even with another run training beside it (its own random stream, steps interleaved)."""
    from tlviz.jobs import TrainingQueue

    data = tiny_data()
    tm = tiny_model()
    names, params = tm.stage_names, tm.stage_param_counts()
    spec = _spec(tm, data, "full", epochs=2)
    alone = T.train(tiny_model(seed=5), data, spec.plan, spec.config)
    queue = TrainingQueue(workers=2)
    runs = []
    for i, (s, seed) in enumerate([(spec, 5), (_spec(tm, data, "scratch", epochs=3), 9)]):
        run = T.new_run(i + 1, s, data, names, params)
        make = (lambda seed=seed: _locked(tiny_model, seed=seed))
        run.job = queue.submit(s.key(), f"student {i}", run.name, T.trainer(s, data, make=make), 5.0)
        runs.append(run)
    twin = T.new_run(3, spec, data, names, params)  # a second student asks for the very same run
    T.start(twin, queue, "student 2", 0.0)
    assert twin.job is runs[0].job and not twin.replay
    while twin.job is not None and not twin.job.is_over:  # the twin's page polls: each poll adds the new events
        T.follow(twin, 0.0)
        assert twin.history.losses == alone.losses[:len(twin.history.losses)]  # a prefix of the run, in order
        time.sleep(0.005)
    for r in [*runs, twin]:
        if r.job is not None:
            r.job.done.wait(60)
            T.follow(r, 1e9)
    shared, other = runs
    assert shared.status == twin.status == other.status == "finished"
    assert shared.history.losses == alone.losses == twin.history.losses  # bit for bit
    assert T.epoch_rows(shared.history) != [] and shared.history.series("val_acc") == alone.series("val_acc")
    assert shared.model is twin.model and shared.results.accuracy == pytest.approx(alone.last("val_acc"))


def test_a_finished_run_is_replayed_and_a_stopped_follower_keeps_what_it_saw():
    from tlviz.jobs import TrainingQueue

    data, tm = tiny_data(), tiny_model()
    spec = _spec(tm, data, "feature_extraction", epochs=3)
    queue = TrainingQueue(workers=1)
    first = T.new_run(1, spec, data, tm.stage_names, tm.stage_param_counts())
    first.job = queue.submit(spec.key(), "a", first.name, T.trainer(spec, data, make=tiny_model), 1.0)
    first.job.done.wait(60)
    events = list(first.job.events)
    T.follow(first, 1e9)
    assert first.status == "finished" and first.job is None
    late = T.new_run(2, spec, data, tm.stage_names, tm.stage_param_counts())
    T.start(late, queue, "b", now=100.0)
    assert late.replay and late.status == "running"  # replayed as their own run, not shown all at once
    speed = max(1.0, events[-1].seconds / T.REPLAY_S)
    half = 100.0 + events[len(events) // 2].seconds / speed
    T.follow(late, half)
    seen = len(late.history.steps)
    assert 0 < seen < len(first.history.steps)
    T.leave(late, queue, "b", half)
    assert late.status == "user" and late.job is None and late.history.status == "user"
    assert late.history.steps == first.history.steps[:seen]
    T.follow(late, 1e9)  # nothing more arrives once stopped
    assert late.status == "user" and len(late.history.steps) == seen


# ----------------------------------------------------------------------------------------------- what the page says

def _curve_run(run_id: int, strategy: str, accs, status: str = "finished", epochs: int | None = None,
               prediction: str | None = None) -> T.Run:
    """A run with a given validation-accuracy curve (no training), for the page's sentences."""
    from tlviz.training import History

    names = ("stem", "block", "classifier")
    spec = T.RunSpec("data", "test_efficientnet", strategy, T.plan_for(strategy, 3, 1),
                     T.TrainConfig(epochs=epochs or len(accs), patience=4))
    run = T.new_run(run_id, spec, tiny_data(n_per_class=2), names, (10, 10, 10), prediction=prediction)
    h = History()
    for e, a in enumerate(accs, 1):
        h.record(StepEvent(e, len(accs), 1.0, dict(epoch=e, train_loss=1.0, train_acc=a, val_loss=1 - a, val_acc=a,
                                                   epoch_seconds=0.1), evaluated=True))
    h.end(status)
    run.history, run.status = h, status
    return run


def test_the_benefits_sentence_says_what_the_runs_show():
    steps = np.arange(1, 21)
    scratch = _curve_run(1, "scratch", np.minimum(0.10 + 0.05 * (steps - 1), 0.60))
    frozen = _curve_run(2, "feature_extraction", np.minimum(0.60 + 0.02 * (steps - 1), 0.70))
    tuned = _curve_run(3, "finetune_last", np.minimum(0.50 + 0.08 * (steps - 1), 0.90))
    text = T.benefits_text([scratch, frozen, tuned])
    # Whoever the numbers favour: the high start of feature extraction, the steepest slope of fine-tuning, and
    # from scratch climbing faster than feature extraction (the page never promises otherwise).
    assert f"Best start: **{frozen.name}** (60.0%); worst: {scratch.name} (10.0%)." in text
    assert f"Steepest slope (epochs 1 to 4): **{tuned.name}** (+8.0 points per epoch); flattest: {frozen.name} " \
           "(+2.0 points per epoch)." in text
    assert f"Best asymptote: **{tuned.name}** (90.0%); lowest: {scratch.name} (60.0%)." in text
    assert "not reached" not in text and "stopped" not in text
    assert f"Time to threshold: the level {scratch.name} settled at, 60.0%, was first reached by {scratch.name} at " \
           f"epoch 11; {frozen.name} at epoch 1; {tuned.name} at epoch 3." in text
    # The lecturer's early-stopped scratch run: stopped at epoch 7 of 20 while still climbing.
    early = _curve_run(4, "scratch", [0.10, 0.20, 0.28, 0.33, 0.37, 0.40, 0.48], status="early", epochs=20)
    text = T.benefits_text([early, frozen])
    assert f"Asymptote not reached (the curve was still improving, or too short to tell): {early.name}." in text
    assert f"{early.name} stopped early at epoch 7 of 20: 4 epochs without a better validation loss or accuracy." \
        in text
    assert "Best asymptote" not in text  # one reached asymptote is nothing to compare
    from tlviz.viz import transfer as V

    fig = V.metrics_comparison([early.name, frozen.name],
                               [T.curve_metrics(*r.history.series("val_acc", x="epoch")) for r in (early, frozen)])
    assert list(fig.data[2].text) == ["not reached", "0.7"] and fig.data[2].y[0] == 0
    one = T.benefits_text([frozen])
    assert one == f"{frozen.name}: start 60.0%; slope +2.0 points per epoch (epochs 1 to 4); asymptote 70.0%."


def test_the_prediction_fits_the_strategy():
    assert "compared with **from scratch**" in T.prediction_question("feature_extraction")
    assert "from scratch" not in T.prediction_question("scratch").split("compared with")[1].split(",")[0]
    scratch = _curve_run(1, "scratch", [0.1, 0.2], prediction="lower")
    assert "Train a transfer run to check" in T.prediction_reveal([scratch])
    frozen = _curve_run(2, "feature_extraction", [0.5, 0.6])
    text = T.prediction_reveal([frozen, scratch])
    assert f"{scratch.name} would start **lower** than a pretrained run" in text
    assert f"10.0% vs 50.0% ({frozen.name}), so **lower**: ✅ right" in text
    tuned = _curve_run(3, "finetune_last", [0.08, 0.5], prediction="higher")
    text = T.prediction_reveal([frozen, scratch, tuned])
    assert f"{tuned.name} would start **higher** than from scratch" in text and "❌ not this time" in text


def test_each_strategy_gets_its_budget_to_settle():
    cfg = T.TrainConfig(epochs=30, patience=4)
    assert {s: T.budget(s, cfg).min_epochs for s in T.STRATEGIES} == T.SETTLE_EPOCHS
    assert T.SETTLE_EPOCHS["scratch"] > T.SETTLE_EPOCHS["feature_extraction"]  # from scratch learns slowest
    assert T.budget("scratch", T.TrainConfig(epochs=5)).min_epochs == 5  # never more than the epochs asked for
    assert "expect its asymptote to show as “not reached”" in T.budget_note("scratch", 5, 4)
    assert "waits at least" in T.budget_note("scratch", 30, 4) and "all 30 epochs" in T.budget_note("full", 30, None)
