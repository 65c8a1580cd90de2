"""tlviz.residual: the plain and the residual CNN start equal, train finitely in lockstep through tlviz.training,
and on a fixed seed the residual one ends with the lower training loss (the degradation problem)."""

from dataclasses import replace

import numpy as np
import pytest

from tlviz import residual as R
from tlviz import training
from tlviz.errors import InputError


@pytest.fixture(scope="module")
def finished():
    run = R.ResidualComparison(R.ResidualConfig.tiny())
    events = []
    run.run(callback=events.append)
    return run, events


def test_curves_are_finite(finished):
    run, events = finished
    cfg = run.config
    for name in R.NETS:
        h = run.histories[name]
        assert h.finished and len(h.losses) == cfg.steps and np.isfinite(h.losses).all()
        norms = run.norms(name)
        assert norms.shape == (cfg.steps, cfg.depth + 2) == (cfg.steps, len(R.layer_names(cfg)))
        assert np.isfinite(norms).all() and (norms > 0).all()
        acc = h.series("val_acc")[1]
        assert len(acc) == cfg.steps // cfg.eval_every and all(0 <= a <= 1 for a in acc)


def test_with_shortcuts_the_deep_net_trains_lower(finished):
    run, _events = finished
    losses = run.final_losses()
    assert losses["residual"] < 0.75 * losses["plain"], losses  # measured: about 0.95 against 1.95


def test_both_nets_start_from_the_same_weights():
    nets = R.build_pair(R.ResidualConfig.tiny())
    a, b = nets["plain"].state_dict(), nets["residual"].state_dict()
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)


def test_a_block_with_f_zero_is_the_identity():
    import torch

    net = R.build_pair(R.ResidualConfig.tiny())
    block = net["residual"][3].eval()
    torch.nn.init.zeros_(block.bn2.weight)  # F(x) = 0: the block passes x on (through the final ReLU)
    x = torch.randn(2, 8, 8, 8)
    torch.testing.assert_close(block(x), torch.relu(x))
    plain = net["plain"][3].eval()
    torch.nn.init.zeros_(plain.bn2.weight)
    assert plain(x).abs().max() < 1e-6  # without the shortcut nothing gets through


def test_events_speak_the_training_vocabulary(finished):
    run, events = finished
    assert [e.step for e in events] == list(range(1, run.config.steps + 1))
    assert all(isinstance(e, training.StepEvent) and e.total == run.config.steps for e in events)
    assert all({"plain_loss", "residual_loss"} <= set(e.metrics) for e in events)
    assert all(e.loss == e.metrics["residual_loss"] for e in events)
    ev = [e for e in events if e.evaluated]
    assert ev and all("plain_val_acc" in e.metrics and "residual_val_acc" in e.metrics for e in ev)
    assert run.history.losses == run.histories["residual"].losses


def test_stop_keeps_the_run_and_continues_the_same():
    cfg = replace(R.ResidualConfig.tiny(), steps=12)
    whole = R.ResidualComparison(cfg)
    whole.run()
    parts = R.ResidualComparison(cfg)
    h = parts.run(should_stop=lambda: parts.step >= 5)
    assert h.status == "user" and h.stopped and parts.step == 5 and len(parts.histories["plain"].losses) == 5
    parts.run()
    assert parts.history.finished
    for k in R.NETS:  # a stopped and continued run equals an uninterrupted one (same batches, same seed)
        np.testing.assert_allclose(parts.histories[k].losses, whole.histories[k].losses, rtol=1e-5)


def test_seed_changes_the_start():
    a = R.build_pair(R.ResidualConfig.tiny())["plain"].state_dict()
    b = R.build_pair(replace(R.ResidualConfig.tiny(), seed=1))["plain"].state_dict()
    assert not all((a[k] == b[k]).all() for k in a if a[k].is_floating_point())


@pytest.mark.parametrize("kw", [dict(depth=7), dict(depth=0), dict(depth=66), dict(steps=0), dict(dataset="cifar"),
                                dict(width=0), dict(lr=0.0)])
def test_bad_settings_give_a_message(kw):
    with pytest.raises(InputError):
        R.check(replace(R.ResidualConfig(), **kw))


def test_animals_dataset_works():
    run = R.ResidualComparison(replace(R.ResidualConfig.tiny(), dataset="animals", steps=2, eval_every=2))
    run.run()
    assert run.history.finished and np.isfinite(run.history.losses).all()
    assert "18 layers" in R.summary(run) and "plain" in R.summary(run)


def test_summary_before_any_evaluation_says_so():
    run = R.ResidualComparison(replace(R.ResidualConfig.tiny(), steps=3, eval_every=10))
    run.run(should_stop=lambda: run.step >= 2)
    text = R.summary(run)
    assert "stopped at step 2" in text and "not measured yet" in text and "0.0%" not in text
