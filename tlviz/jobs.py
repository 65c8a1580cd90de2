"""Training for a whole class: identical runs shared, the rest in a fair queue, every run kept.

Sixty students pressing Train at once mostly ask for the same few runs (the same data, strategy, plan, rates and
seed). A run is deterministic given those, so :class:`TrainingQueue` trains each distinct run once; every student
who asks for it *follows* the same job: live while it trains, replayed from its recorded events once it has
finished. Their numbers are the job's numbers, exactly the ones a run of their own would have given.

Distinct runs wait in a first-come, first-served queue. A student sees their place and an estimated wait, can
leave the queue, and holds at most one waiting run. At most ``workers`` jobs train at once; their steps
interleave through the fair heavy-work lock (:data:`tlviz.runtime.HEAVY`), so every running job gets its first
curve point early and no lesson of another student waits for a whole run.

A job keeps going while someone follows it: followers call :meth:`Job.touch` when they look at it (a page's
polling fragment). A job nobody has looked at for ``abandon_s`` seconds is stopped between two steps and keeps
the epochs it finished (status ``"user"``), like a run its student stopped.

The work itself is any trainer speaking :mod:`tlviz.training`: ``work(callback, should_stop) -> result``. This
module is pure Python: threads, no streamlit.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from tlviz import training
from tlviz.errors import InputError
from tlviz.i18n import _

Work = Callable[[training.Callback, training.ShouldStop], Any]

#: Job states: waiting in the queue, training, or ended (as :data:`tlviz.training.STATUSES`, plus ``failed`` and
#: ``left``: every follower left the queue before it started).
WAITING, RUNNING = "waiting", "running"
ENDED = ("finished", "early", "user", "failed", "left")


@dataclass(eq=False)
class Job:
    """One distinct training run and the students following it. Read it; only the queue changes it."""

    id: int
    key: Hashable
    label: str
    work: Work
    estimate_s: float  # the expected duration, for the waiting students' estimate
    events: list[training.StepEvent] = field(default_factory=list)  # append-only: followers read by index
    status: str = WAITING
    result: Any = None
    error: str | None = None
    followers: dict[str, float] = field(default_factory=dict)  # student -> last time they looked
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    ended: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def is_over(self) -> bool:
        return self.status in ENDED

    def touch(self, student: str) -> None:
        """A follower looked at the job (keeps it alive)."""
        if student in self.followers:
            self.followers[student] = time.monotonic()

    def history(self) -> training.History:
        """The job's record so far, rebuilt from its events (the same for every follower)."""
        h = training.History()
        for event in list(self.events):
            h.record(event)
        if self.is_over and self.status in training.STATUSES:
            h.end(self.status)
        return h

    def progress(self) -> float:
        last = self.events[-1] if self.events else None
        return last.fraction if last is not None else 0.0


class TrainingQueue:
    """Shared and queued training runs for every session of the server (see the module docstring)."""

    def __init__(self, workers: int = 2, abandon_s: float = 30.0, keep_finished: int = 64):
        self.workers = int(workers)
        self.abandon_s = float(abandon_s)
        self.keep_finished = int(keep_finished)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._jobs: dict[Hashable, Job] = {}  # waiting and running, by key
        self._queue: list[Job] = []  # waiting, in order of arrival
        self._running: list[Job] = []
        self._finished: OrderedDict[Hashable, Job] = OrderedDict()  # ended jobs that can be replayed
        self._threads: set[threading.Thread] = set()

    # ------------------------------------------------------------------------------------------- students
    def submit(self, key: Hashable, student: str, label: str, work: Work, estimate_s: float = 30.0) -> Job:
        """Follow the job for ``key``: an identical run already running, finished or waiting is shared;
        otherwise a new job joins the end of the queue. Raises :class:`InputError` when the student already
        waits for another run (one waiting run per student)."""
        with self._lock:
            job = self._jobs.get(key) or self._finished.get(key)
            if job is not None and job.status not in ("failed", "left", "user"):
                if key in self._finished:
                    self._finished.move_to_end(key)
                job.followers[student] = time.monotonic()
                return job
            mine = [j for j in self._queue if student in j.followers]
            if mine:
                raise InputError(_("You already wait for a run ({label}); leave the queue first to ask for "
                                   "another.").format(label=mine[0].label))
            job = Job(next(self._ids), key, label, work, float(estimate_s))
            job.followers[student] = time.monotonic()
            self._jobs[key] = job
            self._queue.append(job)
            self._start_more()
            return job

    def leave(self, job: Job, student: str) -> None:
        """The student stops following ``job``. A waiting job nobody follows leaves the queue; a running job
        nobody follows is stopped between two steps (it keeps what it learnt)."""
        with self._lock:
            job.followers.pop(student, None)
            if job.followers:
                return
            if job.status == WAITING:
                self._queue.remove(job)
                self._jobs.pop(job.key, None)
                self._end(job, "left")
            elif job.status == RUNNING:
                job.stop.set()

    def position(self, job: Job) -> int:
        """0 while training (or ended), else 1 + the number of jobs waiting before it."""
        with self._lock:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def wait_estimate(self, job: Job) -> float:
        """Seconds until ``job`` starts, estimated from the jobs ahead of it and what is left of those
        running (each job's ``estimate_s``, shared among the running slots)."""
        with self._lock:
            if job not in self._queue:
                return 0.0
            left = [max(0.0, r.estimate_s * (1 - r.progress())) if r.started else r.estimate_s
                    for r in self._running]
            slots = sorted(left) + [0.0] * max(0, self.workers - len(left))
            for ahead in self._queue[: self._queue.index(job)]:
                slots.sort()
                slots[0] += ahead.estimate_s
            return min(slots) if slots else 0.0

    # ------------------------------------------------------------------------------------------- machinery
    def _start_more(self) -> None:
        """Start waiting jobs while there are free slots (called with the lock held)."""
        while self._queue and len(self._running) < self.workers:
            job = self._queue.pop(0)
            job.status, job.started = RUNNING, time.monotonic()
            self._running.append(job)
            thread = threading.Thread(target=self._run, args=(job,), name=f"tlviz-job-{job.id}", daemon=True)
            self._threads.add(thread)
            thread.start()

    def _abandoned(self, job: Job) -> bool:
        now = time.monotonic()
        return not job.followers or all(now - seen > self.abandon_s for seen in job.followers.values())

    def _run(self, job: Job) -> None:
        def callback(event: training.StepEvent) -> None:
            job.events.append(event)

        def should_stop() -> bool:
            return job.stop.is_set() or self._abandoned(job)

        status, result, error = "failed", None, None
        try:
            result = job.work(callback, should_stop)
            status = getattr(result, "status", None) or getattr(getattr(result, "history", None), "status", None) \
                or ("user" if should_stop() else "finished")
            if status not in ENDED:
                status = "finished"
        except InputError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in one job must not take the queue down; followers see the message
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            job.result, job.error = result, error
            self._running.remove(job)
            self._jobs.pop(job.key, None)
            self._end(job, status)
            self._threads.discard(threading.current_thread())
            self._start_more()

    def _end(self, job: Job, status: str) -> None:
        job.status, job.ended = status, time.monotonic()
        if status in ("finished", "early"):
            self._finished[job.key] = job
            while len(self._finished) > self.keep_finished:
                self._finished.popitem(last=False)
        job.done.set()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"waiting": len(self._queue), "running": len(self._running), "finished": len(self._finished),
                    "threads": len(self._threads)}


_QUEUES: dict[str, TrainingQueue] = {}
_QUEUES_LOCK = threading.Lock()


#: Runs that train at once by default: the lab's four strategies, so a class that tries all four sees every curve
#: start at once. They take the heavy-work lock in time slices (:class:`tlviz.runtime.TimeSlices`), so a cheap run
#: is not held back by an expensive one, and the cores are shared, not multiplied: more slots start more runs
#: sooner and finish each later.
DEFAULT_WORKERS = 4


def class_queue(name: str = "transfer-lab", workers: int | None = None, keep_finished: int = 16) -> TrainingQueue:
    """The server's one queue called ``name``, shared by every session (created on first use). ``workers``
    defaults to ``TLVIZ_TRAIN_WORKERS`` or :data:`DEFAULT_WORKERS`. ``keep_finished`` bounds the finished runs kept
    for replay (each holds its trained network)."""
    import os

    with _QUEUES_LOCK:
        if name not in _QUEUES:
            n = workers or int(os.environ.get("TLVIZ_TRAIN_WORKERS", "0") or 0) or DEFAULT_WORKERS
            _QUEUES[name] = TrainingQueue(workers=n, keep_finished=keep_finished)
        return _QUEUES[name]
