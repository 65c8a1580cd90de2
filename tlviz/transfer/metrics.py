"""The three benefits of transfer read off a learning curve: start, slope, asymptote; and time to a threshold.

The measures are those of Torrey & Shavlik (2009, "Transfer learning", Handbook of Research on Machine Learning
Applications, fig. 1: higher start, higher slope, higher asymptote) and Taylor & Stone (2009, "Transfer learning
for reinforcement learning domains: a survey", JMLR 10, sec. 2.1: jumpstart, asymptotic performance, time to
threshold). Each is measured on its own so that none penalises another by construction: a run that starts high
is not charged for it in its slope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tlviz.errors import InputError

# ============================================================================================ curve metrics

@dataclass(frozen=True)
class CurveMetrics:
    """The three benefits of transfer read off one curve (see :func:`curve_metrics` for the definitions)."""

    start: float
    slope: float
    asymptote: float
    early_steps: tuple[float, float]  # the step range the slope is measured over (first point to point k)
    tail_steps: tuple[float, float]  # the step range the asymptote was averaged over
    settled: bool = True  # the curve had levelled off over its tail (else its asymptote is not reached)


#: The slope is the improvement per step over the first this many intervals between evaluated points (epochs in
#: the lab: from epoch 1 to epoch 1 + SLOPE_WINDOW).
SLOPE_WINDOW = 3
#: A curve has levelled off when its tail rose by at most this share of its whole gain over the window before:
#: see :func:`curve_metrics`.
SETTLE_SHARE = 0.15
#: Fewer evaluated points than this cannot show that a curve has levelled off.
SETTLE_MIN_POINTS = 6


def _sorted(steps, values) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(steps, dtype=float).ravel()
    y = np.asarray(values, dtype=float).ravel()
    if x.shape != y.shape:
        raise InputError(f"curve_metrics needs as many steps as values ({x.size} vs {y.size}).")
    if y.size == 0:
        raise InputError("curve_metrics needs at least one evaluated point.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("The curve has missing or infinite values.")
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


def curve_metrics(steps, values, higher_is_better: bool = True, tail_fraction: float = 1 / 4,
                  window: int = SLOPE_WINDOW) -> CurveMetrics:
    """Start, slope and asymptote of a learning curve (Torrey & Shavlik's three measures of transfer).

    With the ``n`` evaluated points ``(steps[i], values[i])`` sorted by step, and values sign-flipped when
    ``higher_is_better`` is False (so "improving" always means "going up" below):

    - ``start`` = ``values[0]``, the first evaluated value, in the curve's units (Taylor & Stone's *jumpstart*
      is the difference of two runs' starts);
    - ``slope`` = the improvement per step over the first ``k = min(window, n - 1)`` intervals:
      ``(values[k] - values[0]) / (steps[k] - steps[0])`` (sign-adjusted: positive when the curve improves, for
      loss curves too). In the lab, with ``window = 3``: the gain per epoch from epoch 1 to epoch 4. It uses
      neither the start's level nor the asymptote, so a high start is not penalised (but a run that starts
      near its final level has little left to gain: its slope is honestly small). A single point gets NaN;
    - ``asymptote`` = the mean of the last ``t = max(1, ceil(n * tail_fraction))`` values: the level the curve
      settles at, in the curve's units;
    - ``settled``: whether the curve had levelled off, so that the asymptote is a level and not a point on a
      curve still climbing: with ``rise`` = the mean of the last ``t`` values minus the mean of the ``t`` before
      them (sign-adjusted; fewer on a short curve) and the gain ``G = |asymptote - start|``, settled when
      ``n >= SETTLE_MIN_POINTS`` and ``rise <= SETTLE_SHARE * G``. Noise is no excuse: a curve too noisy to show
      that it has levelled off is not settled.

    A curve that rises linearly from S at rate r for at least ``window`` intervals and then stays flat at A has
    exactly ``start = S``, ``slope = r`` and ``asymptote = A`` (as long as its flat part fills the last half: it
    is then ``settled``).
    """
    x, y = _sorted(steps, values)
    n = y.size
    t = min(n, max(1, math.ceil(n * tail_fraction)))
    start, asymptote = float(y[0]), float(y[-t:].mean())
    u = (1.0 if higher_is_better else -1.0) * y  # improving = rising
    k = min(int(window), n - 1)
    if k >= 1 and x[k] > x[0]:
        slope = float((u[k] - u[0]) / (x[k] - x[0]))
    else:
        slope, k = float("nan"), 0
    return CurveMetrics(start=start, slope=slope, asymptote=asymptote, early_steps=(float(x[0]), float(x[k])),
                        tail_steps=(float(x[-t]), float(x[-1])), settled=_settled(u, t))


def _settled(u: np.ndarray, t: int) -> bool:
    n = u.size
    if n < SETTLE_MIN_POINTS:
        return False
    before = u[max(0, n - 2 * t):n - t]
    rise = float(u[-t:].mean() - before.mean())
    gain = abs(float(u[-t:].mean() - u[0]))
    return rise <= SETTLE_SHARE * gain + 1e-12


def time_to_threshold(steps, values, threshold: float, higher_is_better: bool = True) -> float:
    """Taylor & Stone's *time to threshold*: the first evaluated step at which the curve reaches ``threshold``
    (at or above it; at or below for a loss with ``higher_is_better=False``), or NaN when it never does. Compared
    between runs at a level both reach (say, the from-scratch run's asymptote), fewer steps = faster learning."""
    x, y = _sorted(steps, values)
    reached = y >= threshold - 1e-12 if higher_is_better else y <= threshold + 1e-12
    return float(x[int(np.argmax(reached))]) if reached.any() else float("nan")
