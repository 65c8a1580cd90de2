"""Heavy work is serialised across sessions, and a waiting session is told."""

import threading
import time

import pytest
import torch

from tlviz import runtime


def test_exclusive_serialises_and_reports_waiting():
    order, waited = [], []
    inside = threading.Event()
    release = threading.Event()

    def first():
        with runtime.exclusive("student A training"):
            order.append("A in")
            inside.set()
            release.wait(5)
            order.append("A out")

    t = threading.Thread(target=first)
    t.start()
    inside.wait(5)
    assert runtime.busy() == "student A training"

    def second():
        with runtime.exclusive("student B", on_wait=waited.append):
            order.append("B in")

    t2 = threading.Thread(target=second)
    t2.start()
    time.sleep(0.3)
    assert order == ["A in"]  # B is blocked while A holds the lock
    release.set()
    t.join(5)
    t2.join(5)
    assert order == ["A in", "A out", "B in"]
    assert waited == ["student A training"]
    assert runtime.busy() is None


def test_exclusive_is_reentrant_in_one_thread():
    with runtime.exclusive("outer"), runtime.exclusive("inner"):
        assert runtime.busy() == "outer"
    assert runtime.busy() is None


@pytest.mark.parametrize("cuda, mps, forced, expected", [
    (True, True, "", "cuda"),  # CUDA first
    (False, True, "", "mps"),  # then Apple's MPS
    (False, False, "", "cpu"),  # else the CPU
    (True, True, "cpu", "cpu"),  # TLVIZ_DEVICE forces one
    (True, False, "mps", "cpu"),  # an unavailable choice falls back to the CPU
    (False, True, "cuda", "cpu"),
    (False, True, "MPS", "mps"),
])
def test_pick_device_order_and_override(monkeypatch, cuda, mps, forced, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.setenv("TLVIZ_DEVICE", forced)
    assert runtime.pick_device() == expected
    monkeypatch.delenv("TLVIZ_DEVICE")
    assert runtime.pick_device(forced or None) == expected  # the argument does what the variable does


def test_threads_are_set_and_restored():
    runtime.configure_torch(2)
    with runtime.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    n = runtime.configure_torch(1)
    info = runtime.device_info()
    assert n == 1 and info.threads == 1 and info.label
    runtime.configure_torch()


def test_heavy_lock_is_first_come_first_served():
    lock = runtime.FairLock()
    lock.acquire()
    order = []

    def worker(i):
        with lock:
            order.append(i)

    threads = []
    for i in range(8):
        t = threading.Thread(target=worker, args=(i,))
        t.start()
        threads.append(t)
        while lock.waiting() < i + 1:  # each thread queues before the next one starts
            time.sleep(0.001)
    lock.release()
    for t in threads:
        t.join(5)
    assert order == list(range(8))
    assert lock.waiting() == 0
    assert lock.acquire(timeout=0.01)
    assert not lock.acquire(blocking=False)
    assert not lock.acquire(timeout=0.05)  # a timed-out waiter leaves the queue
    assert lock.waiting() == 0
    lock.release()


def test_first_waiters_go_ahead_of_the_others_cheapest_then_in_their_order():
    lock = runtime.FairLock()
    lock.acquire()
    order = []

    def worker(name, first, cost):
        lock.acquire(first=first, cost=cost)
        order.append(name)
        lock.release()

    queued = [("a", False, 0), ("b", False, 0), ("F1", True, 1), ("c", False, 0), ("F2", True, 1), ("cheap", True, 0)]
    threads = []
    for i, (name, first, cost) in enumerate(queued):
        t = threading.Thread(target=worker, args=(name, first, cost))
        t.start()
        threads.append(t)
        while lock.waiting() < i + 1:
            time.sleep(0.001)
    assert not lock.acquire(timeout=0.02, first=True)  # a first waiter that times out leaves the queue too
    lock.release()
    for t in threads:
        t.join(5)
    assert order == ["cheap", "F1", "F2", "a", "b", "c"]  # the cheaper first, then in their order
    assert lock.waiting() == 0 and not lock._first

