"""runtime.TimeSlices: a job holds the heavy-work lock across its steps for one time slice, then lets the next in
line have a turn; the lock is free after close(), also when a step raises."""

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
