"""The three benefits of transfer read off a learning curve: start, slope, asymptote."""

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
    early_steps: tuple[float, float]  # from the first step to where the curve got 90% of the way (the slope's run)
    tail_steps: tuple[float, float]  # the step range the asymptote was averaged over


#: The slope is measured until the curve has covered this share of the way from its start to its asymptote.
SLOPE_SHARE = 0.9


def curve_metrics(steps, values, higher_is_better: bool = True, tail_fraction: float = 1 / 4) -> CurveMetrics:
    """Start, slope and asymptote of a learning curve (Torrey & Shavlik's three measures of transfer).

    With the ``n`` evaluated points ``(steps[i], values[i])`` sorted by step, and values sign-flipped when
    ``higher_is_better`` is False (so "improving" always means "going up" below):

    - ``start`` = ``values[0]``, the first evaluated value, in the curve's units;
    - ``asymptote`` = the mean of the last ``t = max(1, ceil(n * tail_fraction))`` values: the level the curve
      settles at, in the curve's units;
    - ``slope`` = the early rate of improvement, in units per step: with the gain ``G = asymptote - start``
      (sign-adjusted), ``slope = 0.9 G / (s90 - steps[0])`` where ``s90`` is the first step at which the curve has
      covered 90% of the way from start to asymptote (linearly interpolated between evaluated points). It is
      positive when the curve improves, for loss curves too. A curve that does not improve (``G <= 0``) gets
      ``G / (steps[-1] - steps[0])`` (zero or negative); a single point gets NaN.

    A curve that rises linearly from S at rate r and then stays flat at A has exactly ``start = S``,
    ``slope = r`` and ``asymptote = A`` (as long as its flat part fills the last quarter).
    """
    x = np.asarray(steps, dtype=float).ravel()
    y = np.asarray(values, dtype=float).ravel()
    if x.shape != y.shape:
        raise InputError(f"curve_metrics needs as many steps as values ({x.size} vs {y.size}).")
    if y.size == 0:
        raise InputError("curve_metrics needs at least one evaluated point.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("The curve has missing or infinite values.")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n = y.size
    t = min(n, max(1, math.ceil(n * tail_fraction)))
    start, asymptote = float(y[0]), float(y[-t:].mean())
    sign = 1.0 if higher_is_better else -1.0
    u = sign * y  # improving = rising
    gain = sign * (asymptote - start)
    end = float(x[0])
    if n < 2 or x[-1] <= x[0]:
        slope = float("nan")
    elif gain <= 0:
        slope = gain / float(x[-1] - x[0])
        end = float(x[-1])
    else:
        target = u[0] + SLOPE_SHARE * gain
        i = int(np.argmax(u >= target - 1e-12))  # first point at or past the target (exists: the tail mean is)
        if i == 0:
            end = float(x[0])
        else:
            frac = (target - u[i - 1]) / (u[i] - u[i - 1])
            end = float(x[i - 1] + frac * (x[i] - x[i - 1]))
        slope = SLOPE_SHARE * gain / (end - float(x[0])) if end > x[0] else float("nan")
    return CurveMetrics(start=start, slope=float(slope), asymptote=asymptote, early_steps=(float(x[0]), end),
                        tail_steps=(float(x[-t]), float(x[-1])))
