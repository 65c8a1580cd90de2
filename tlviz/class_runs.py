"""The class run gallery's numbers: what one finished transfer-lab run posts, and the class's medians and bands.

A posted run is a plain dict (JSON in the class store), made by :func:`run_summary`::

    {"strategy": "full", "plan": [True, ...], "metric": "val_acc", "steps": [1, 2, ...], "values": [0.4, ...],
     "start": 0.4, "slope": 0.12, "asymptote": 0.81, "label": "full fine-tuning, lr 0.01"}

``start``, ``slope`` and ``asymptote`` are :func:`tlviz.transfer.curve_metrics` of the curve. The gallery groups
runs by strategy and draws each group's median curve with a band from the 25th to the 75th percentile, on one
common grid of steps (each run interpolated inside its own range only: a short run never invents a tail).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import N_, _

#: The lab's strategies (keys of tlviz.transfer.plans.STRATEGIES) and the names the class sees.
STRATEGY_NAMES: dict[str, str] = {"scratch": N_("from scratch"), "feature_extraction": N_("feature extraction"),
                                  "finetune_last": N_("fine-tune the last blocks"), "full": N_("full fine-tuning")}
MAX_POINTS = 500
LABEL_MAX = 80
METRICS = (N_("start"), N_("slope"), N_("asymptote"))


def run_summary(strategy: str, steps: Sequence[float], values: Sequence[float], plan: Sequence[bool] = (),
                metric: str = "val_acc", higher_is_better: bool = True, label: str = "") -> dict:
    """The dict a finished run posts to the class (see the module docstring); InputError for an unusable curve."""
    from tlviz.transfer import curve_metrics

    steps = [float(s) for s in steps][-MAX_POINTS:]
    values = [float(v) for v in values][-MAX_POINTS:]
    if not steps or len(steps) != len(values) or not all(map(math.isfinite, steps + values)):
        raise InputError(_("A run needs at least one evaluated point, with finite numbers, to post to the class."))
    m = curve_metrics(steps, values, higher_is_better=higher_is_better)
    return {"strategy": str(strategy), "plan": [bool(p) for p in plan], "metric": str(metric)[:40],
            "steps": steps, "values": values, "start": float(m.start), "slope": float(m.slope),
            "asymptote": float(m.asymptote), "label": str(label)[:LABEL_MAX]}


def _curve(run: dict) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        x = np.asarray(run.get("steps", ()), dtype=float)
        y = np.asarray(run.get("values", ()), dtype=float)
    except (TypeError, ValueError):
        return None
    if x.ndim != 1 or x.shape != y.shape or not len(x) or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


def by_strategy(runs: Sequence[dict]) -> dict[str, list[dict]]:
    """The runs with a known strategy and a readable curve, grouped in the lab's strategy order."""
    groups: dict[str, list[dict]] = {s: [] for s in STRATEGY_NAMES}
    for run in runs:
        if run.get("strategy") in groups and _curve(run) is not None:
            groups[run["strategy"]].append(run)
    return {s: rs for s, rs in groups.items() if rs}


def strategy_medians(runs: Sequence[dict], metric: str = "asymptote") -> dict[str, float]:
    """Median of ``metric`` (start, slope or asymptote) per strategy, over the runs that have it."""
    if metric not in METRICS:
        raise InputError(_("Unknown measure '{m}': use start, slope or asymptote.").format(m=metric))
    out = {}
    for strategy, group in by_strategy(runs).items():
        values = [float(r[metric]) for r in group if isinstance(r.get(metric), (int, float))
                  and math.isfinite(r[metric])]
        if values:
            out[strategy] = float(np.median(values))
    return out


def bands(runs: Sequence[dict], points: int = 40) -> dict[str, dict[str, np.ndarray]]:
    """Per strategy: ``x`` (points,), ``median``, ``low`` (25th percentile), ``high`` (75th) and ``n`` (runs
    covering each x). NaN where no run of the group reaches that step."""
    out = {}
    for strategy, group in by_strategy(runs).items():
        curves = [_curve(r) for r in group]
        lo = min(float(c[0][0]) for c in curves)
        hi = max(float(c[0][-1]) for c in curves)
        x = np.linspace(lo, hi, points) if hi > lo else np.array([lo])
        ys = np.full((len(curves), len(x)), np.nan)  # (runs, points)
        for i, (cx, cy) in enumerate(curves):
            inside = (x >= cx[0]) & (x <= cx[-1])
            ys[i, inside] = np.interp(x[inside], cx, cy)
        n = np.isfinite(ys).sum(0)  # (points,)
        q = [np.array([np.percentile(ys[np.isfinite(ys[:, j]), j], p) if n[j] else np.nan for j in range(len(x))])
             for p in (50, 25, 75)]
        out[strategy] = {"x": x, "median": q[0], "low": q[1], "high": q[2], "n": n}
    return out


def mine_vs_class(runs: Sequence[dict], student: int) -> list[dict]:
    """For each of ``student``'s runs: its three measures beside its strategy's class median."""
    medians = {m: strategy_medians(runs, m) for m in METRICS}
    rows = []
    for run in runs:
        if run.get("student") != student or run.get("strategy") not in medians["start"]:
            continue
        row = {"run": run.get("label") or _(STRATEGY_NAMES[run["strategy"]])}
        for m in METRICS:
            row[_(m)] = float(run.get(m, float("nan")))
            row[_("class median {m}").format(m=_(m))] = medians[m].get(run["strategy"], float("nan"))
        rows.append(row)
    return rows


def table(runs: Sequence[dict]):
    """Every run as one row (for the teacher's CSV): who, strategy, plan, the three measures and the curve."""
    import pandas as pd

    rows = [{"run_id": r.get("run_id"), "student": r.get("student"), "nickname": r.get("nickname"),
             "strategy": r.get("strategy"), "label": r.get("label"),
             "plan": "".join("T" if p else "F" for p in r.get("plan", ())), "metric": r.get("metric"),
             **{m: r.get(m) for m in METRICS},
             "steps": " ".join(f"{s:g}" for s in r.get("steps", ())),
             "values": " ".join(f"{v:.4g}" for v in r.get("values", ()))} for r in runs]
    return pd.DataFrame(rows, columns=["run_id", "student", "nickname", "strategy", "label", "plan", "metric",
                                       *METRICS, "steps", "values"])
