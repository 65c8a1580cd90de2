"""The one training vocabulary: frozen events, one History, the same stop signature for every trainer."""

import dataclasses

import pytest

from tlviz import training


def test_step_event_is_frozen_all_the_way_down():
    metrics = {"val_acc": 0.5}
    event = training.StepEvent(step=3, total=10, loss=1.25, metrics=metrics, seconds=0.5, evaluated=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.loss = 0.0
    with pytest.raises(TypeError):
        event.metrics["val_acc"] = 1.0
    metrics["val_acc"] = 0.9  # the caller's dict is copied, not shared
    assert event.metrics["val_acc"] == 0.5
    assert event.fraction == pytest.approx(0.3)
    assert training.StepEvent(step=5, total=0, loss=0.0).fraction == 0.0


def test_history_records_steps_and_evaluations():
    h = training.History()
    h.record(training.StepEvent(0, 4, 0.0, phase="prepare", message="caching"))
    for step in range(1, 5):
        evaluated = step % 2 == 0
        metrics = {"acc": step / 10} | ({"val_acc": step / 4, "epoch": step // 2} if evaluated else {})
        h.record(training.StepEvent(step, 4, 2.0 / step, metrics, seconds=step * 0.1, evaluated=evaluated))
    assert h.steps == [1, 2, 3, 4]  # the prepare event is not a step
    assert h.losses == [2.0, 1.0, pytest.approx(2 / 3), 0.5]
    assert h.series("val_acc") == ([2, 4], [0.5, 1.0])
    assert h.series("val_acc", x="epoch") == ([1, 2], [0.5, 1.0])
    assert h.series("loss") == ([1, 2, 3, 4], h.losses)
    assert h.last("val_acc") == 1.0 and h.last("nothing") is None
    assert h.seconds == pytest.approx(0.4)
    assert h.status == "running" and not h.stopped


@pytest.mark.parametrize("status, stopped, finished", [("finished", False, True), ("early", True, False),
                                                        ("user", True, False)])
def test_history_end_states(status, stopped, finished):
    h = training.History()
    h.end(status, seconds=2.0)
    assert (h.stopped, h.finished, h.seconds) == (stopped, finished, 2.0)


def test_history_rejects_unknown_end():
    with pytest.raises(ValueError):
        training.History().end("crashed")
