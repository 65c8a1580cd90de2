"""Figures of the transfer-learning lab: the network's blocks (frozen or trainable), training curves with the three
benefits of transfer marked on them, their side-by-side comparison, confusion matrices and per-class accuracy.

Pure builders: numpy arrays, numbers and labels in, ``go.Figure`` out (never a model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz.core import FONT, RUN_COLORS, _layout

TRAINABLE_COLOR = "#1f77b4"
MEASURES = {"start": N_("start"), "slope": N_("slope"), "asymptote": N_("asymptote")}
NEW_COLOR = "#ff7f0e"
FROZEN_COLOR = "#bdbdbd"


def _fmt_params(n: int) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e3 else str(n)


def block_diagram(names: Sequence[str], params: Sequence[int], trainable: Sequence[bool],
                  lrs: Sequence[float | None] | None = None, new: Sequence[bool] | None = None,
                  title: str | None = None):
    """The network's blocks left (input) to right (output) as bars of their parameter counts (log scale):
    blue = pretrained and trainable, orange = the new classifier, grey = frozen. Labels give each block's
    trainable parameters and learning rate."""
    import plotly.graph_objects as go

    new = list(new) if new is not None else [False] * (len(names) - 1) + [True]
    colors = [FROZEN_COLOR if not t else NEW_COLOR if nw else TRAINABLE_COLOR for t, nw in zip(trainable, new)]
    text = []
    for i, (p, t) in enumerate(zip(params, trainable)):
        lr = lrs[i] if lrs is not None else None
        status = f"lr {lr:.0e}" if (t and lr) else ("trains" if t else "🔒 frozen")
        text.append(f"{_fmt_params(p)}<br>{status}")
    fig = go.Figure(go.Bar(x=list(names), y=[max(1, int(p)) for p in params], marker_color=colors, text=text,
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}<br>%{y:,} parameters<extra></extra>"))
    fig.update_yaxes(type="log", title="parameters (log scale)")
    fig.update_xaxes(title="input → … → output", type="category")
    trainable_total = sum(int(p) for p, t in zip(params, trainable) if t)
    total = sum(int(p) for p in params)
    head = title or f"Trainable: {_fmt_params(trainable_total)} of {_fmt_params(total)} parameters " \
                    f"({trainable_total / max(1, total):.1%})"
    return _layout(fig, head, height=360, showlegend=False)


def training_curves(runs: Mapping[str, tuple[Sequence[float], Sequence[float]]], y_title: str = "validation accuracy",
                    metrics: Mapping[str, object] | None = None, x_title: str = "epoch", title: str | None = None,
                    height: int = 420, x_max: float | None = None, y_range: tuple[float, float] | None = None):
    """Curves ``{run: (epochs, values)}`` on one chart. With ``metrics`` ({run: CurveMetrics}) each curve gets
    its start (a ring on the first point), its slope (a dotted segment along the curve from its first point to
    the end of the slope's window, ``early_steps``) and its asymptote (a dashed level over the tail) when the curve
    has levelled off, else "not reached" at its last point. ``x_max`` fixes the x axis (a live chart then grows
    into a fixed frame); epochs get whole-number ticks."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (name, (x, y)) in enumerate(runs.items()):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        fig.add_trace(go.Scatter(x=list(x), y=list(y), name=name, mode="lines+markers", legendgroup=name,
                                 line=dict(color=color, width=3)))
        m = (metrics or {}).get(name)
        if m is None or not len(x):
            continue
        fig.add_trace(go.Scatter(x=[m.early_steps[0]], y=[m.start], mode="markers", showlegend=False,
                                 legendgroup=name, marker=dict(size=16, color="rgba(0,0,0,0)",
                                                               line=dict(color=color, width=3)),
                                 hovertemplate=name + "<br>" + _("start") + " %{y:.3f}<extra></extra>"))
        if np.isfinite(m.slope) and m.early_steps[1] > m.early_steps[0]:
            order = np.argsort(np.asarray(x, float))
            xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
            x0, x1 = m.early_steps
            per = _("slope {v:.3g} per {x}").format(v=m.slope, x=x_title)
            fig.add_trace(go.Scatter(x=[x0, x1], y=[m.start, float(np.interp(x1, xs, ys))], mode="lines",
                                     showlegend=False, legendgroup=name,
                                     line=dict(color=color, width=2, dash="dot"),
                                     hovertemplate=name + "<br>" + per + "<extra></extra>"))
        if getattr(m, "settled", True):
            fig.add_trace(go.Scatter(x=[m.tail_steps[0], m.tail_steps[1]], y=[m.asymptote, m.asymptote],
                                     mode="lines", showlegend=False, legendgroup=name,
                                     line=dict(color=color, width=6, dash="dash"), opacity=0.6,
                                     hovertemplate=name + "<br>" + _("asymptote") + " %{y:.3f}<extra></extra>"))
        else:
            fig.add_trace(go.Scatter(x=[m.tail_steps[1]], y=[float(y[int(np.argmax(np.asarray(x, float)))])],
                                     mode="text", text=[_("asymptote not reached")], textposition="top left",
                                     textfont=dict(color=color), showlegend=False, legendgroup=name,
                                     hoverinfo="skip"))
    last = x_max or max((max(x) for x, _v in runs.values() if len(x)), default=1)
    fig.update_xaxes(title=x_title, dtick=max(1, int(np.ceil(last / 10))), tick0=0,
                     range=[0.5, last + 0.5] if x_max else None)
    fig.update_yaxes(title=y_title, range=list(y_range) if y_range else None)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    _layout(fig, title, height)
    if title:  # keep the title above the legend
        fig.update_layout(margin=dict(t=95), title=dict(y=0.98, yanchor="top"))
    return fig


def metrics_comparison(names: Sequence[str], metrics: Sequence[object], unit: str = "accuracy",
                       x_unit: str = "epoch"):
    """Start, slope and asymptote of several runs side by side (three panels: their units differ). A run whose
    curve had not levelled off (``settled`` False) gets no asymptote bar, only "not reached"."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    titles = (_("start ({unit})").format(unit=unit), _("slope ({unit} per {x})").format(unit=unit, x=x_unit),
              _("asymptote ({unit})").format(unit=unit))
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.08)
    for c, key in enumerate(("start", "slope", "asymptote"), start=1):
        vals = [float(getattr(m, key)) if key != "asymptote" or getattr(m, "settled", True) else float("nan")
                for m in metrics]
        missing = _("not reached") if key == "asymptote" else "n/a"
        fig.add_trace(go.Bar(x=list(names), y=[v if np.isfinite(v) else 0 for v in vals],
                             marker_color=[RUN_COLORS[i % len(RUN_COLORS)] for i in range(len(names))],
                             text=[f"{v:.3g}" if np.isfinite(v) else missing for v in vals], textposition="outside",
                             cliponaxis=False, name=key, showlegend=False,
                             hovertemplate="%{x}<br>" + _(MEASURES[key]) + " %{text}<extra></extra>"), row=1, col=c)
    fig.update_xaxes(tickangle=-30)
    _layout(fig, None, height=380)
    fig.update_annotations(font_size=FONT["size"])
    return fig


def confusion_matrix(counts, labels: Sequence[str], title: str | None = None):
    """Rows = true class, columns = predicted class; the diagonal holds the correct answers."""
    from tlviz.viz.core import matrix_heatmap

    c = np.asarray(counts)
    fig = matrix_heatmap(c, x_labels=labels, y_labels=labels, title=title, x_title="predicted class",
                         y_title="true class", fmt=".0f", symmetric=False, colorscale="Blues",
                         show_values=c.size <= 400, value_name="images", height=max(360, 32 * len(labels) + 160))
    fig.update_xaxes(tickangle=-45)
    return fig


def per_class_accuracy(labels: Sequence[str], acc, title: str | None = None):
    """Validation accuracy of each class (bars), worst classes stand out in red."""
    import plotly.graph_objects as go

    a = np.nan_to_num(np.asarray(acc, dtype=float))
    colors = ["#d62728" if v < a.mean() - 0.15 else TRAINABLE_COLOR for v in a]
    fig = go.Figure(go.Bar(x=list(labels), y=a, marker_color=colors, text=[f"{v:.0%}" for v in a],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.1], title="validation accuracy", tickformat=".0%")
    fig.update_xaxes(type="category", tickangle=-30)
    return _layout(fig, title, height=340)


def cam_overlay(image, cam, alpha: float = 0.5) -> np.ndarray:
    """An RGB image (H, W, 3 uint8) blended with a Grad-CAM map (H, W in [0, 1]) in the inferno colours."""
    from tlviz.viz.core import inferno

    img = np.asarray(image, dtype=np.float32)
    heat = inferno(cam).astype(np.float32)  # (H, W, 3)
    return np.clip((1 - alpha) * img + alpha * heat, 0, 255).astype(np.uint8)


# ============================================================================================ the lab's texts

BLOCKS_NOTE = N_("Each bar is a block of the network, input on the left. Grey blocks are frozen; blue ones train with "
                 "the smaller rate of pretrained layers; orange is the new classifier, with the full rate.")
CURVES_NOTE = N_("Ring = start (the first epoch). Dotted = slope, along the curve from epoch 1 to epoch {end}. "
                 "Dashed = asymptote, the mean of the last quarter of the epochs, drawn only once the curve has "
                 "levelled off.")
METRICS_NOTE = N_("Start = the value after the first epoch; slope = the gain per epoch from epoch 1 to epoch {end} "
                  "(positive = improving, also for losses); asymptote = the mean of the last quarter of the epochs, "
                  "\"not reached\" while the curve was still improving. These are the three measures of Torrey & "
                  "Shavlik (2009); Taylor & Stone (2009) call them jumpstart, learning speed (time to a threshold) and "
                  "asymptotic performance. Each is measured on its own: a high start does not lower the slope.")
INTRO = N_("Reuse a network pretrained on ImageNet for new classes. Choose which blocks stay **frozen** and which "
           "**train**, retrain live, and measure what transfer gave you. Torrey & Shavlik (2009) name three possible "
           "benefits over training from scratch: a higher **start**, a higher **slope** (faster learning) and a "
           "higher **asymptote** (a better final level). Transfer does not always give all three: your runs below "
           "say which ones it gave here.")
