"""Where heavy work runs (device, threads) and the one lock that serialises it.

The app serves a whole classroom from one process: every browser tab is a thread in it. Two torch jobs at once
on a two-core machine ran 3-30x slower than one after the other, so every forward pass, training step and model
load takes :data:`HEAVY` first. The lock is fair (first come, first served): a training run takes it step by
step, so a student's forward pass waits for at most one step, never for a whole run, and several runs share the
machine in turn. Waiting students are told that they wait (see ``exclusive(on_wait=...)``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass


class FairLock:
    """A lock granted in the order it was asked for (a ticket queue), unlike ``threading.Lock``, which may hand
    itself to the same thread again and again while others starve. Not re-entrant (see :func:`exclusive`).

    ``acquire(first=True)`` goes ahead of every waiter that did not ask so: a training run before its first curve
    point (:class:`TimeSlices`), so that a class's four strategies all show a point within seconds while the runs
    that already have points wait a little longer. Among such waiters the cheaper ``cost`` goes first (the
    cached strategies' short first epochs before the long ones), then the earlier. A run's numbers do not depend
    on the order of turns (its own random stream: :func:`own_rng`)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._waiting: deque[object] = deque()
        self._first: dict[object, float] = {}  # ticket -> cost of those that asked to go first: _waiting's head
        self._held = False

    def acquire(self, blocking: bool = True, timeout: float = -1, first: bool = False, cost: float = 0.0) -> bool:
        with self._cond:
            if not self._held and not self._waiting:
                self._held = True
                return True
            if not blocking:
                return False
            ticket = object()
            if first:
                self._waiting.insert(sum(c <= cost for c in self._first.values()), ticket)
                self._first[ticket] = cost
            else:
                self._waiting.append(ticket)
            deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
            while self._held or self._waiting[0] is not ticket:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._waiting.remove(ticket)
                    self._first.pop(ticket, None)
                    self._cond.notify_all()
                    return False
                self._cond.wait(left)
            self._waiting.popleft()
            self._first.pop(ticket, None)
            self._held = True
            return True

    def release(self) -> None:
        with self._cond:
            if not self._held:
                raise RuntimeError("release of an unheld FairLock")
            self._held = False
            self._cond.notify_all()

    def waiting(self) -> int:
        """How many threads wait for the lock now."""
        with self._cond:
            return len(self._waiting)

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


#: The process-wide lock for heavy model work, shared by all sessions of the app.
HEAVY = FairLock()

_state = threading.local()
_holder: dict[str, object] = {"label": None, "since": None}
_configured = False


@dataclass(frozen=True)
class DeviceInfo:
    """The device heavy work runs on, with a label fit for the page."""

    type: str  # "cuda", "mps" or "cpu"
    label: str
    threads: int


def pick_device(prefer: str | None = None) -> str:
    """The best available device: ``cuda``, then ``mps``, then ``cpu``.

    ``prefer`` (or the ``TLVIZ_DEVICE`` environment variable) forces one; an unavailable choice falls back to cpu.
    """
    import torch

    want = (prefer or os.environ.get("TLVIZ_DEVICE", "")).strip().lower()
    has_cuda = torch.cuda.is_available()
    has_mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if want == "cpu":
        return "cpu"
    if want == "cuda":
        return "cuda" if has_cuda else "cpu"
    if want == "mps":
        return "mps" if has_mps else "cpu"
    if has_cuda:
        return "cuda"
    if has_mps:
        return "mps"
    return "cpu"


def configure_torch(threads: int | None = None) -> int:
    """Set torch's thread counts once, deliberately.

    Heavy work is serialised, so the one job running may use every core (``TLVIZ_THREADS`` overrides). Inter-op
    threads stay at 1: our models are small and inter-op parallelism only adds contention on two cores.
    """
    global _configured
    import torch

    n = threads or int(os.environ.get("TLVIZ_THREADS", "0") or 0) or (os.cpu_count() or 1)
    torch.set_num_threads(n)
    if not _configured:
        with contextlib.suppress(RuntimeError):  # only allowed before the first parallel op; harmless when late
            torch.set_num_interop_threads(1)
        _configured = True
    return n


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Use ``n`` torch threads for the block, then restore the previous count (``None`` or 0: leave it).

    Small models (the lessons' toy Transformer, seq2seq and ViT) run on one thread: their matrices are too small
    for a second thread to pay, and on busy cores every matmul waits for a time slice (measured here: 0.08 s per
    seq2seq training step on one thread against 1.6 s on two). The count is process-wide, so only change it while
    holding :data:`HEAVY`.
    """
    import torch

    before = torch.get_num_threads()
    change = bool(n) and n != before
    if change:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        if change:
            torch.set_num_threads(before)


def device_info() -> DeviceInfo:
    """Describe the device for the page ("GPU: NVIDIA H100", "CPU, 2 threads")."""
    import torch

    dev = pick_device()
    threads = torch.get_num_threads()
    if dev == "cuda":
        label = f"GPU: {torch.cuda.get_device_name(0)}"
    elif dev == "mps":
        label = "Apple GPU (MPS)"
    else:
        label = f"CPU, {threads} thread{'s' if threads != 1 else ''}"
    return DeviceInfo(type=dev, label=label, threads=threads)


def busy() -> str | None:
    """Label of the heavy job now running in another session, or None when the lock is free."""
    label = _holder["label"]
    return str(label) if label is not None else None


@contextlib.contextmanager
def exclusive(label: str = "model work", on_wait: Callable[[str], None] | None = None,
              first: bool = False, cost: float = 0.0) -> Iterator[None]:
    """Hold :data:`HEAVY` for the duration of the block.

    Re-entrant within one thread. If another session holds the lock, ``on_wait(holder_label)`` is called once so
    the page can say "waiting for ...", then we wait for our turn (first come, first served; ``first``: ahead of
    the others, the cheaper ``cost`` first: see :class:`FairLock`).
    """
    depth = getattr(_state, "depth", 0)
    if depth:
        _state.depth = depth + 1
        try:
            yield
        finally:
            _state.depth -= 1
        return
    if not HEAVY.acquire(blocking=False):
        if on_wait is not None:
            on_wait(busy() or "another student's model work")
        HEAVY.acquire(first=first, cost=cost)
    _state.depth = 1
    _holder["label"], _holder["since"] = label, time.monotonic()
    try:
        yield
    finally:
        _holder["label"], _holder["since"] = None, None
        _state.depth = 0
        HEAVY.release()


class TimeSlices:
    """One job's turns at :data:`HEAVY`, a time slice each: :meth:`step` takes the lock if this job does not hold
    it and keeps it across the job's next steps until ``seconds`` have passed, then gives the next in line a turn.

    Taken step by step, a job of many tiny steps (a cached feature-extraction epoch: 19 steps of about 3 ms) waited
    behind every other job's long step (a full fine-tuning step, about 0.1 s) at each of its own, and so finished
    with the slowest run; in slices it does a whole epoch per turn. A long step still gives the lock up after
    itself. Call :meth:`close` (or use ``with``) when the job ends or pauses; one thread only.

    ``step(first=True)`` (a run before its first curve point) waits ahead of the others (:class:`FairLock`) and
    keeps its turn until a step without it: runs started together show their first points one after the other
    (4 strategies: the last one's after about 6 s) instead of all at the end of their interleaved first epochs
    (about 10 s). Everyone else waits behind such steps either way.
    """

    def __init__(self, label: str, seconds: float = 0.1) -> None:
        self.label, self.seconds = label, float(seconds)
        self._held: contextlib.ExitStack | None = None
        self._since = 0.0

    @contextlib.contextmanager
    def step(self, first: bool = False, cost: float = 0.0) -> Iterator[None]:
        if self._held is None:
            self._held = contextlib.ExitStack()
            self._held.enter_context(exclusive(self.label, first=first, cost=cost))
            self._since = time.monotonic()
        try:
            yield
        finally:
            if not first and time.monotonic() - self._since >= self.seconds:
                self.close()

    def close(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def __enter__(self) -> TimeSlices:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def own_rng(state: list):
    """Run the block on a run's own torch random stream ``state[0]`` (dropout, initialisation), whatever other
    runs drew in between: a run's numbers depend on its seed only, not on who trained beside it. Hold
    :data:`HEAVY` around it (torch's generator is process-wide)."""
    import torch

    saved = torch.get_rng_state()
    torch.set_rng_state(state[0])
    try:
        yield
    finally:
        state[0] = torch.get_rng_state()
        torch.set_rng_state(saved)


def seeded_rng(seed: int) -> list:
    import torch

    return [torch.Generator().manual_seed(int(seed)).get_state()]
