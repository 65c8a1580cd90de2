"""The class's training queue: identical runs shared exactly, first come first served, one waiting run each."""

import threading
import time

import pytest

from tlviz import jobs, training
from tlviz.errors import InputError


def counting_work(steps=5, gate: threading.Event | None = None, delay=0.0, calls=None):
    """A deterministic little trainer speaking tlviz.training; ``gate`` holds it before its first step."""

    def work(callback, should_stop):
        if calls is not None:
            calls.append(1)
        if gate is not None:
            gate.wait(5)
        h = training.History()
        for step in range(1, steps + 1):
            if should_stop():
                h.end("user")
                return h
            time.sleep(delay)
            event = training.StepEvent(step, steps, 1.0 / step, {"val_acc": step / steps}, evaluated=True)
            h.record(event)
            callback(event)
        h.end("finished")
        return h

    return work


def wait_until(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_identical_runs_are_trained_once_and_give_the_same_numbers():
    q = jobs.TrainingQueue(workers=1)
    calls = []
    followers = [q.submit(("fe", 0), f"student{i}", "feature extraction", counting_work(calls=calls))
                 for i in range(30)]
    assert all(j is followers[0] for j in followers)
    followers[0].done.wait(5)
    late = q.submit(("fe", 0), "late student", "feature extraction", counting_work(calls=calls))
    assert late is followers[0] and late.status == "finished"  # a finished run is replayed, not retrained
    assert len(calls) == 1
    own = training.History()
    counting_work()(own.record, lambda: False)  # the same run, trained on its own
    shared = late.history()
    assert shared.losses == own.losses and shared.series("val_acc") == own.series("val_acc")
    assert shared.status == "finished"


def test_queue_is_first_come_first_served_with_positions_and_estimates():
    q = jobs.TrainingQueue(workers=1)
    gate = threading.Event()
    first = q.submit("a", "ann", "A", counting_work(gate=gate), estimate_s=10)
    second = q.submit("b", "bob", "B", counting_work(), estimate_s=20)
    third = q.submit("c", "cat", "C", counting_work(), estimate_s=5)
    assert (q.position(first), q.position(second), q.position(third)) == (0, 1, 2)
    assert q.wait_estimate(first) == 0 and q.wait_estimate(second) == pytest.approx(10)
    assert q.wait_estimate(third) == pytest.approx(30)
    order = []
    for job in (first, second, third):
        threading.Thread(target=lambda j=job: (j.done.wait(5), order.append(j.label))).start()
    gate.set()
    wait_until(lambda: len(order) == 3)
    assert [j.started for j in (first, second, third)] == sorted(j.started for j in (first, second, third))
    assert all(j.status == "finished" for j in (first, second, third))


def test_one_waiting_run_per_student_and_leaving_the_queue():
    q = jobs.TrainingQueue(workers=1)
    gate = threading.Event()
    q.submit("a", "ann", "A", counting_work(gate=gate))
    waiting = q.submit("b", "bob", "B", counting_work())
    with pytest.raises(InputError, match="already wait"):
        q.submit("c", "bob", "C", counting_work())
    q.leave(waiting, "bob")
    assert waiting.status == "left" and q.position(waiting) == 0
    again = q.submit("c", "bob", "C", counting_work())  # after leaving, another run may be asked for
    assert q.position(again) == 1
    gate.set()
    again.done.wait(5)
    assert again.status == "finished"


def test_a_run_nobody_follows_stops_and_keeps_its_steps():
    q = jobs.TrainingQueue(workers=1, abandon_s=0.2)
    job = q.submit("slow", "ann", "slow", counting_work(steps=1000, delay=0.01))
    wait_until(lambda: len(job.events) >= 3)
    job.done.wait(5)  # ann never looks again: abandoned after 0.2 s
    assert job.status == "user" and 3 <= len(job.events) < 1000
    assert job.history().status == "user" and len(job.history().steps) == len(job.events)
    rerun = q.submit("slow", "ann", "slow", counting_work(steps=2))  # a stopped run is not replayed as done
    rerun.done.wait(5)
    assert rerun is not job and rerun.status == "finished"


def test_following_keeps_a_run_alive_and_leaving_stops_it():
    q = jobs.TrainingQueue(workers=1, abandon_s=0.2)
    job = q.submit("k", "ann", "run", counting_work(steps=40, delay=0.01))
    while not job.done.is_set():
        job.touch("ann")
        time.sleep(0.02)
    assert job.status == "finished"
    job2 = q.submit("k2", "ann", "run", counting_work(steps=1000, delay=0.01))
    wait_until(lambda: len(job2.events) >= 2)
    q.leave(job2, "ann")
    job2.done.wait(5)
    assert job2.status == "user"


def test_a_failing_job_reports_and_the_queue_goes_on():
    q = jobs.TrainingQueue(workers=1)

    def broken(callback, should_stop):
        raise InputError("the images are too small")

    bad = q.submit("bad", "ann", "bad", broken)
    good = q.submit("good", "bob", "good", counting_work())
    good.done.wait(5)
    assert bad.status == "failed" and bad.error == "the images are too small"
    assert good.status == "finished" and q.stats()["threads"] == 0
