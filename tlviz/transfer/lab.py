"""The lab's bookkeeping: what determines a run (:class:`RunSpec`), the work a class's queue trains for it, a
session's runs (:class:`Run`) following those shared jobs, the prediction reveal and the curves' CSV.

A run is deterministic given its :class:`RunSpec` (data, backbone, strategy, freeze plan, configuration and
seed): :func:`trainer` makes the job that :class:`tlviz.jobs.TrainingQueue` trains once for every student who
asks for the same spec. Each student's :class:`Run` reads the job's events (:func:`follow`): live while it
trains, replayed quickly when it had already finished, so every student watches "their" curve grow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field, replace
from typing import Any

import numpy as np

from tlviz.i18n import N_, _
from tlviz.training import History, StepEvent
from tlviz.transfer.data import LabData
from tlviz.transfer.metrics import SLOPE_WINDOW, curve_metrics, time_to_threshold
from tlviz.transfer.plans import plan_for
from tlviz.transfer.results import Results, results
from tlviz.transfer.stages import TransferModel, build
from tlviz.transfer.train import TrainConfig, epoch_rows, train

#: A finished job is replayed to a student who asks for it later within this many seconds.
REPLAY_S = 4.0

#: How a run ended, as the run table says it.
STATUS = {"waiting": N_("waiting"), "running": N_("training"), "finished": N_("finished"),
          "early": N_("early-stopped"), "user": N_("stopped"), "failed": N_("failed"), "left": N_("left the queue")}

#: Measured seconds per epoch of the default lab (60 images per class, 64 px, 2 cores, quiet, channels-last) by
#: strategy, and the one-off feature cache: the waiting students' estimate (measured 0.01 / 0.2 / 1.8 / 1.8 s per
#: epoch and a 0.4-0.7 s cache; rounded up for the epochs' spread and a class's load).
EPOCH_S = {"feature_extraction": 0.05, "finetune_last": 0.3, "full": 2.2, "scratch": 2.2}
CACHE_S, DEFAULT_IMAGES = 1.0, 600


def history_csv(runs: dict[str, History]) -> str:
    """Every run's curves as one CSV table (run, epoch, losses, accuracies, seconds)."""
    lines = ["run,epoch,train_loss,train_acc,val_loss,val_acc,seconds"]
    for name, hist in runs.items():
        safe = '"' + name.replace('"', "'") + '"'
        for e in epoch_rows(hist):
            lines.append(f"{safe},{int(e['epoch'])},{e['train_loss']:.6f},{e['train_acc']:.6f},{e['val_loss']:.6f},"
                         f"{e['val_acc']:.6f},{e['epoch_seconds']:.3f}")
    return "\n".join(lines) + "\n"


# ============================================================================================ shared runs

@dataclass(frozen=True)
class RunSpec:
    """Everything a run's numbers depend on. Equal specs train equal runs, so the class trains each one once."""

    data: str  # LabData.fingerprint
    backbone: str
    strategy: str
    plan: tuple[bool, ...]
    config: TrainConfig

    @property
    def pretrained(self) -> bool:
        return self.strategy != "scratch"

    def key(self) -> tuple:
        return (self.data, self.backbone, self.strategy, self.plan, astuple(self.config))


@dataclass(frozen=True)
class Trained:
    """What a finished job hands its followers: the network (read-only for them), its record and results."""

    model: TransferModel
    history: History
    results: Results | None

    @property
    def status(self) -> str:
        return self.history.status


def trainer(spec: RunSpec, data: LabData, make: Callable[[], TransferModel] | None = None):
    """The queue's work for ``spec``: ``work(callback, should_stop) -> Trained`` (``make`` builds the network;
    default: :func:`build` of the spec's backbone, seeded by the spec)."""

    def work(callback, should_stop) -> Trained:
        from tlviz import runtime

        # Ahead of other turns like the run's first epoch (it comes before the first curve point too): built with
        # the usual priority, a run waited for the other runs' whole first epochs (scratch's first point 8.8 s,
        # full's 4.8 s, both 6 s now).
        with runtime.exclusive(f"preparing a {spec.strategy} run", first=True):
            tm = make() if make is not None else build(spec.backbone, len(data.classes), data.classes,
                                                       spec.pretrained, data.input_size, seed=spec.config.seed)
        hist = train(tm, data, spec.plan, spec.config, callback, should_stop)
        return Trained(tm, hist, results(tm, data) if epoch_rows(hist) else None)

    return work


#: Each strategy's budget to settle: early stopping waits at least this many epochs (TrainConfig.min_epochs).
#: Measured on the default lab (Animal-MNIST, 60 images per class, 64 px, EfficientNet-Lite0, no early stopping):
#: validation accuracy levelled off after about 10 epochs for feature extraction (0.42 -> 0.75, then 0.78 at 40),
#: 6 for fine-tuning the last 2 blocks (0.52 -> 0.82) and 14 from scratch (0.15 -> 0.58, creeping to 0.64 at 30;
#: stopping on the validation loss alone ended it at epoch 6). Full fine-tuning was not measured: the fine-tuning
#: budget, with a margin.
SETTLE_EPOCHS = {"feature_extraction": 10, "finetune_last": 10, "full": 10, "scratch": 16}


def budget(strategy: str, config: TrainConfig) -> TrainConfig:
    """``config`` with the strategy's budget to settle (:data:`SETTLE_EPOCHS`) as its ``min_epochs``."""
    return replace(config, min_epochs=min(int(config.epochs), SETTLE_EPOCHS.get(strategy, 0)))


def budget_note(strategy: str, epochs: int, patience: int | None) -> str:
    """What early stopping will do for a run of ``strategy`` over ``epochs``, in one sentence for the page."""
    need = SETTLE_EPOCHS.get(strategy, 0)
    name = _(STRATEGY_NAME[strategy])
    if epochs < need:
        return _("On the default images {strategy} needs about {need} epochs to level off: with {epochs}, expect "
                 "its asymptote to show as “not reached”.").format(strategy=name, need=need, epochs=epochs)
    if patience is None:
        return _("No early stopping: the run trains all {epochs} epochs.").format(epochs=epochs)
    return _("Early stopping waits at least {need} epochs for {strategy} (about what it needs to level off on the "
             "default images), then stops after {patience} epochs with neither a better validation loss nor "
             "accuracy.").format(need=need, strategy=name, patience=patience)


def estimate_seconds(spec: RunSpec, n_train: int) -> float:
    """Expected duration of a run, from the lab's measured speeds (:data:`EPOCH_S`), scaled by its images."""
    per_epoch = EPOCH_S.get(spec.strategy, 4.0) * max(1, n_train) / DEFAULT_IMAGES
    cache = CACHE_S if spec.strategy in ("feature_extraction", "finetune_last") else 0.0
    return cache + per_epoch * spec.config.epochs


# ============================================================================================ a session's runs

@dataclass
class Run:
    """One training run of a session: what was trained and how, its history, and (for recent runs) the model."""

    id: int
    name: str
    spec: RunSpec
    stage_names: tuple[str, ...]
    trainable_params: int
    total_params: int
    data: LabData  # the images it was trained and validated on (shared, read-only)
    prediction: str | None = None
    history: History = field(default_factory=History)
    status: str = "waiting"  # a key of STATUS
    error: str | None = None
    results: Results | None = None
    model: TransferModel | None = None  # dropped for older runs to bound a session's memory
    job: Any = None  # the tlviz.jobs.Job it follows, until it ends
    followed_at: float = 0.0
    replay: bool = False  # the job had finished when this run asked for it: replay it
    events_seen: int = 0  # how many of the job's events ``history`` holds (follow() records only the newer ones)

    @property
    def strategy(self) -> str:
        return self.spec.strategy

    @property
    def trainable(self) -> tuple[str, ...]:
        return tuple(n for n, t in zip(self.stage_names, self.spec.plan) if t)

    @property
    def over(self) -> bool:
        return self.status not in ("waiting", "running")

    def summary(self) -> dict:
        rows = epoch_rows(self.history)
        acc = [r["val_acc"] for r in rows]
        info = self.history.info
        return {_("run"): self.name, _("status"): _(STATUS[self.status]), _("epochs"): len(rows),
                _("final val acc"): acc[-1] if acc else math.nan, _("best val acc"): max(acc, default=math.nan),
                _("strategy"): _(STRATEGY_NAME[self.strategy]),
                _("backbone"): self.spec.backbone + ("" if self.spec.pretrained else _(" (random init)")),
                _("trainable params"): self.trainable_params,
                _("s / epoch"): float(np.mean([r["epoch_seconds"] for r in rows])) if rows else math.nan,
                _("feature cache"): _("yes ({s:.1f} s once)").format(s=info.get("cache_seconds", 0.0))
                if info.get("cached") else _("no")}


STRATEGY_NAME = {"scratch": N_("from scratch"), "feature_extraction": N_("feature extraction"),
               "full": N_("full fine-tuning"), "finetune_last": N_("fine-tune")}


def new_run(run_id: int, spec: RunSpec, data: LabData, stage_names: Sequence[str], stage_params: Sequence[int],
            prediction: str | None = None, name: str = "") -> Run:
    """Describe a run before it trains, so a page keeps it whatever happens next. A plan that is not the
    strategy's own (blocks toggled by hand) is labelled "custom blocks"."""
    n = len(stage_names)
    own = spec.plan in {plan_for(spec.strategy, n, k) for k in range(n)}
    short = _(STRATEGY_NAME[spec.strategy])
    if spec.strategy == "finetune_last" and own:
        short = _("fine-tune last {k}").format(k=sum(spec.plan) - 1)
    label = name or f"#{run_id} {short}" + ("" if own else " " + _("(custom blocks)"))
    trainable = sum(p for p, t in zip(stage_params, spec.plan) if t)
    return Run(run_id, label, spec, tuple(stage_names), int(trainable), int(sum(stage_params)), data, prediction)


def start(run: Run, queue, student: str, now: float) -> Run:
    """Ask the class's ``queue`` (:class:`tlviz.jobs.TrainingQueue`) for ``run``: an identical run someone asked
    for is shared (followed live, or replayed if it has finished); otherwise it waits its turn. Raises
    :class:`InputError` when the student already waits for another run."""
    job = queue.submit(run.spec.key(), student, run.name, trainer(run.spec, run.data),
                       estimate_seconds(run.spec, len(run.data.y_train)))
    run.job, run.followed_at, run.replay = job, now, job.is_over
    return follow(run, now)


def visible_events(run: Run, now: float) -> list[StepEvent]:
    """The job's events this run shows at ``now``: all of a live job's; a finished one's replayed in at most
    :data:`REPLAY_S` seconds (at least real time)."""
    events = list(run.job.events) if run.job is not None else []
    if not run.replay or not events:
        return events
    speed = max(1.0, events[-1].seconds / REPLAY_S)
    shown = (now - run.followed_at) * speed
    return [e for e in events if e.seconds <= shown]


def follow(run: Run, now: float) -> Run:
    """Bring ``run`` up to date with the job it follows; once the job has ended (and its replay is over) the
    run takes the job's network, results and status and lets go of the job."""
    job = run.job
    if job is None:
        return run
    events = visible_events(run, now)
    _catch_up(run, events, job.result.history.info if isinstance(job.result, Trained) else {})
    replaying = run.replay and len(events) < len(job.events)
    run.status = "waiting" if job.status == "waiting" else "running" if not job.is_over or replaying else job.status
    if run.over:
        if isinstance(job.result, Trained):
            run.history, run.model, run.results = job.result.history, job.result.model, job.result.results
        run.error = job.error
        run.job = None
    return run


def stop_following(run: Run, now: float) -> Run:
    """The student stopped this run: it keeps the curve seen so far (status "stopped"), and no longer follows
    the job (which goes on for any other student who follows it)."""
    if run.job is not None:
        run.history = _history(visible_events(run, now), {})
        run.job = None
    if not run.over:
        run.status = "user"
        if run.history.status == "running":
            run.history.end("user")
    return run


def leave(run: Run, queue, student: str, now: float) -> Run:
    """The student presses Stop (or leaves the queue). Alone on the job, it stops between two steps and
    :func:`follow` then keeps its network and results; when others still follow it, it goes on for them and this
    run keeps the curve seen so far."""
    job = run.job
    if job is None:
        return run
    queue.leave(job, student)
    if job.followers or run.replay or job.status == "waiting":
        return stop_following(run, now)
    return run


def _catch_up(run: Run, events: Sequence[StepEvent], info: dict) -> None:
    """Record in ``run.history`` the events it lacks: it holds the first ``run.events_seen`` of ``events`` (the
    job's, in order), so a page polling every second costs the new events, not the whole run again."""
    if run.events_seen > len(events) or run.history.status != "running":
        run.history, run.events_seen = History(), 0
    for e in events[run.events_seen:]:
        run.history.record(e)
    run.events_seen = len(events)
    run.history.info.update(info)


def _history(events: Sequence[StepEvent], info: dict) -> History:
    h = History(info=dict(info))
    for e in events:
        h.record(e)
    return h


def prediction_question(strategy: str | None) -> str:
    """The prediction asked before a run of ``strategy``: a transfer run is compared with from scratch, a
    from-scratch run with a pretrained one (never "from scratch compared with from scratch")."""
    if strategy == "scratch":
        return _("Before you train: compared with a **pretrained** network (any transfer run), this from-scratch "
                 "run's first accuracy will be…")
    return _("Before you train: compared with **from scratch**, this run's first accuracy will be…")


def prediction_reveal(runs: Sequence[Run]) -> str | None:
    """Check the student's prediction ("higher / about the same / lower" than the other kind of run: from scratch
    for a transfer run, a transfer run for a from-scratch one) against the first-epoch accuracies of the latest
    predicted run and the latest run of the other kind."""
    predicted = [r for r in runs if r.prediction and epoch_rows(r.history)]
    if not predicted:
        return None
    run = predicted[-1]
    scratch = run.strategy == "scratch"
    others = [r for r in runs if (r.strategy == "scratch") != scratch and epoch_rows(r.history)]
    said = _(run.prediction)
    if scratch:
        claim = _("You predicted that {run} would start **{said}** than a pretrained run.").format(run=run.name,
                                                                                                  said=said)
    else:
        claim = _("You predicted that {run} would start **{said}** than from scratch.").format(run=run.name, said=said)
    if not others:
        return claim + " " + (_("Train a transfer run to check.") if scratch else
                              _("Train a from-scratch run to check."))
    a, b = epoch_rows(run.history)[0]["val_acc"], epoch_rows(others[-1].history)[0]["val_acc"]
    actual = "about the same" if abs(a - b) < 0.03 else "higher" if a > b else "lower"
    verdict = _("✅ right") if actual == run.prediction else _("❌ not this time")
    return claim + " " + _("Measured after epoch 1: {a:.1%} vs {b:.1%} ({other}), so **{actual}**: {verdict}.").format(
        a=a, b=b, other=others[-1].name, actual=_(actual), verdict=verdict)


PREDICTIONS = (N_("higher"), N_("about the same"), N_("lower"))
MEASURES = {"start": N_("start"), "slope": N_("slope"), "asymptote": N_("asymptote")}


# ============================================================================================ what the runs show

def _best(values: dict[str, float], higher: bool) -> tuple[str, str] | None:
    """(best, worst) run names among finite ``values``; None when fewer than two differ."""
    finite = {n: v for n, v in values.items() if math.isfinite(v)}
    if len(finite) < 2 or max(finite.values()) - min(finite.values()) < 1e-9:
        return None
    order = sorted(finite, key=finite.get, reverse=higher)
    return order[0], order[-1]


def benefits_text(runs: Sequence[Run], metric: str = "val_acc") -> str | None:
    """What the runs shown say about the three benefits of transfer, in sentences computed from their own curves
    of ``metric`` (:func:`curve_metrics`): which run had the best start, the steepest slope and the best
    asymptote (and the worst of each), which asymptotes were not reached, and which runs stopped before their
    epochs were up. Never a claim the numbers do not make."""
    higher = "acc" in metric
    curves = {r.name: r.history.series(metric, x="epoch") for r in runs}
    ms = {n: curve_metrics(*c, higher_is_better=higher) for n, c in curves.items() if len(c[0])}
    if not ms:
        return None
    level = (lambda v: f"{v:.1%}") if higher else (lambda v: f"{v:.3f}")
    rate = (lambda v: _("{v:+.1f} points per epoch").format(v=100 * v)) if higher else (
        lambda v: _("{v:+.3f} less loss per epoch").format(v=v))
    ends = {int(m.early_steps[1]) for m in ms.values() if math.isfinite(m.slope)}
    end = ends.pop() if len(ends) == 1 else 1 + SLOPE_WINDOW  # shorter runs: over the epochs they have
    lines = []
    reached = {n: m.asymptote for n, m in ms.items() if m.settled}
    if len(ms) == 1:
        (name, m), = ms.items()
        lines.append(_("{run}: start {s}; slope {r} (epochs 1 to {end}); asymptote {a}.").format(
            run=name, s=level(m.start), r=rate(m.slope) if math.isfinite(m.slope) else "n/a", end=end,
            a=level(m.asymptote) if m.settled else _("not reached")))
    else:
        for key, values, sentence in (
                ("start", {n: m.start for n, m in ms.items()},
                 N_("Best start: **{best}** ({b}); worst: {worst} ({w}).")),
                ("slope", {n: m.slope for n, m in ms.items()},
                 N_("Steepest slope (epochs 1 to {end}): **{best}** ({b}); flattest: {worst} ({w}).")),
                ("asymptote", reached, N_("Best asymptote: **{best}** ({b}); lowest: {worst} ({w}).")),
        ):
            pair = _best(values, higher or key == "slope")
            show = rate if key == "slope" else level
            if pair:
                lines.append(_(sentence).format(best=pair[0], worst=pair[1], b=show(values[pair[0]]),
                                                w=show(values[pair[1]]), end=end))
            elif len(values) > 1 and all(math.isfinite(v) for v in values.values()):
                lines.append(_("Every run had the same {measure} ({v}).").format(
                    measure=_(MEASURES[key]), v=show(next(iter(values.values())))))
    lines.extend(_threshold_text(runs, curves, ms, higher, level))
    missing = [n for n, m in ms.items() if not m.settled]
    if missing and len(ms) > 1:
        lines.append(_("Asymptote not reached (the curve was still improving, or too short to tell): {runs}.").format(
            runs=", ".join(missing)))
    for r in runs:
        lines.extend(_stopped_text(r))
    return " ".join(lines)


def _threshold_text(runs, curves, ms, higher: bool, level) -> list[str]:
    """Taylor & Stone's time to threshold, with the latest settled from-scratch run's asymptote as the threshold:
    the epoch at which each other run first reached it."""
    scratch = [r.name for r in runs if r.strategy == "scratch" and r.name in ms and ms[r.name].settled]
    if not scratch or len(ms) < 2:
        return []
    ref = scratch[-1]
    threshold = ms[ref].asymptote
    reached = []
    for name in ms:
        epoch = time_to_threshold(*curves[name], threshold, higher_is_better=higher)
        reached.append(_("{run} at epoch {e:.0f}").format(run=name, e=epoch) if math.isfinite(epoch) else
                       _("{run} never").format(run=name))
    return [_("Time to threshold: the level {ref} settled at, {t}, was first reached by {runs}.").format(
        ref=ref, t=level(threshold), runs="; ".join(reached))]


def _stopped_text(run: Run) -> list[str]:
    done, budget = len(epoch_rows(run.history)), run.spec.config.epochs
    if run.status == "early":
        return [_("{run} stopped early at epoch {n} of {budget}: {patience} epochs without a better validation "
                  "loss or accuracy.").format(run=run.name, n=done, budget=budget, patience=run.spec.config.patience)]
    if run.status == "user" and done < budget:
        return [_("{run} was stopped by hand at epoch {n} of {budget}.").format(run=run.name, n=done, budget=budget)]
    return []
