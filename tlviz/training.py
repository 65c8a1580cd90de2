"""The one training vocabulary every trainer in tlviz speaks (seq2seq, the Transformer, the transfer lab).

A trainer's loop stays explicit (it is part of what a lesson shows), but its conversation with the outside world
is always the same:

- after every optimisation step it calls ``callback(event)`` with a frozen :class:`StepEvent`;
- before every step it asks ``should_stop()``; when that returns True the loop ends between two steps and keeps
  everything learnt so far;
- it returns a :class:`History`, the run's record, complete whatever stopped it (the planned end, early stopping,
  the student's stop button, an exception raised by the callback).

The engine never prints, draws or sleeps for the UI: pages subscribe through the callback
(``tlviz.ui.training_feedback`` turns events into a progress bar and a live chart).

Example::

    history = trainer.run(callback=lambda e: print(e.step, e.loss), should_stop=stop_flag.is_set)
    steps, acc = history.series("val_acc")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class StepEvent:
    """What one optimisation step did, sent to the callback right after it.

    ``step`` counts steps done in this run (1-based) out of ``total`` planned; ``loss`` is the step's training
    loss. ``metrics`` holds the values measured at this step: always the training metrics of the step, plus
    held-out ones (``val_loss``, ``val_acc``, ``exact_match``...) when ``evaluated`` is True. ``seconds`` is the
    wall time since the run began. ``phase`` is ``"train"`` for steps, ``"prepare"`` for work before the first
    step (e.g. caching frozen features; ``step`` is then 0).
    """

    step: int
    total: int
    loss: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    evaluated: bool = False
    phase: str = "train"
    message: str = ""

    def __post_init__(self):
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))  # frozen all the way down

    @property
    def fraction(self) -> float:
        """Share of the planned steps done, in [0, 1]."""
        return min(1.0, self.step / self.total) if self.total > 0 else 0.0


Callback = Callable[[StepEvent], None]
ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class Evaluation:
    """The held-out metrics measured at one step."""

    step: int
    metrics: Mapping[str, float]
    seconds: float


#: Why a run ended. ``finished``: it ran every planned step; ``early``: early stopping (no better validation
#: loss for a while); ``user``: the student stopped it (or left the page); ``running``: it has not ended yet.
STATUSES = ("running", "finished", "early", "user")


@dataclass
class History:
    """A run's record, whichever trainer made it.

    ``steps``/``losses`` hold every step's training loss; ``evaluations`` the held-out metrics of evaluated
    steps; ``seconds`` the wall time so far. ``info`` holds what a trainer wants to add about the run as a whole
    (e.g. whether the transfer lab cached frozen features), as plain numbers, strings and booleans.
    """

    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    train_metrics: list[Mapping[str, float]] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    seconds: float = 0.0
    status: str = "running"
    info: dict = field(default_factory=dict)

    def record(self, event: StepEvent) -> None:
        """Add one step's event (``phase="train"``) to the record."""
        if event.phase != "train":
            return
        self.steps.append(event.step)
        self.losses.append(float(event.loss))
        self.seconds = float(event.seconds)
        self.train_metrics.append(event.metrics)
        if event.evaluated:
            self.evaluations.append(Evaluation(event.step, event.metrics, float(event.seconds)))

    def end(self, status: str, seconds: float | None = None) -> None:
        """Mark how the run ended (one of :data:`STATUSES` but ``running``)."""
        if status not in STATUSES[1:]:
            raise ValueError(f"unknown end status {status!r}; expected one of {STATUSES[1:]}")
        self.status = status
        if seconds is not None:
            self.seconds = float(seconds)

    @property
    def stopped(self) -> bool:
        """True when the run ended before its planned number of steps (by the student or early stopping)."""
        return self.status in ("early", "user")

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def series(self, metric: str, x: str = "step") -> tuple[list[float], list[float]]:
        """``(xs, values)`` of a held-out metric over the evaluated steps (``metric="loss"``: every step's loss).

        ``x`` is ``"step"`` or the name of another metric recorded with it (e.g. ``"epoch"``).
        """
        if metric == "loss":
            return list(self.steps), list(self.losses)
        rows = [e for e in self.evaluations if metric in e.metrics]
        xs = [e.step if x == "step" else e.metrics[x] for e in rows]
        return xs, [float(e.metrics[metric]) for e in rows]

    def last(self, metric: str) -> float | None:
        """The latest evaluated value of ``metric`` (None before the first evaluation)."""
        values = self.series(metric)[1]
        return values[-1] if values else None


def stop_never() -> bool:
    return False
