"""runtime.TimeSlices: a job holds the heavy-work lock across its steps for one time slice, then lets the next in
line have a turn; the lock is free after close(), also when a step raises; a run before its first curve point
goes first and keeps its turn."""

import functools
import threading
import time

import pytest

from tlviz import runtime


def test_cheap_steps_share_one_turn_and_the_lock_is_freed():
    with runtime.TimeSlices("test job", seconds=10.0) as turns:
        for _ in range(5):
            with turns.step():
                assert runtime.busy() == "test job"
        assert runtime.busy() == "test job"  # still this job's turn between steps
    assert runtime.busy() is None and runtime.HEAVY.acquire(blocking=False)
    runtime.HEAVY.release()


def test_a_used_up_slice_lets_a_waiting_job_in_between():
    order = []
    turns = runtime.TimeSlices("long job", seconds=0.05)
    with turns.step():
        waiter = threading.Thread(target=lambda: (runtime.HEAVY.acquire(), order.append("other"),
                                                  runtime.HEAVY.release()))
        waiter.start()
        time.sleep(0.1)  # the slice is used up by this step: the lock goes to the waiting job after it
    with turns.step():
        order.append("long job again")
    turns.close()
    waiter.join()
    assert order == ["other", "long job again"]


def test_the_lock_is_freed_when_a_step_raises():
    with pytest.raises(ValueError), runtime.TimeSlices("failing job", seconds=10.0) as turns, turns.step():
        raise ValueError("bad batch")
    assert runtime.HEAVY.acquire(blocking=False)
    runtime.HEAVY.release()


def test_a_run_goes_first_and_keeps_its_turn_until_its_first_epoch_is_evaluated(monkeypatch):
    from tests.unit.test_transfer import tiny_data, tiny_model
    from tlviz import transfer as T

    asked = []
    real = runtime.exclusive

    def spy(label="model work", on_wait=None, first=False, cost=0.0):
        asked.append(("lock", first))
        return real(label, on_wait, first, cost)

    monkeypatch.setattr(runtime, "exclusive", spy)
    tm = tiny_model()
    plan = T.plan_for("finetune_last", len(tm.stages), 1)  # a frozen prefix: its features are cached first
    slow = T.TrainConfig(epochs=3, batch_size=4, patience=None)
    # A turn per step, so that every step asks for the lock:
    monkeypatch.setattr(runtime.TimeSlices, "__init__", functools.partialmethod(runtime.TimeSlices.__init__,
                                                                                seconds=0.0))
    T.train(tm, tiny_data(), plan, slow, lambda e: e.evaluated and asked.append(("epoch", e.metrics["epoch"])))
    first_epoch = asked.index(("epoch", 1))
    before, after = asked[:first_epoch], [a for a in asked[first_epoch:] if a[0] == "lock"]
    assert before == [("lock", True)] * 2  # the cache, then epoch 1 in one turn (its steps keep the lock)
    assert after and not any(first for _, first in after)
