"""Class mode's figures: the answers' histogram, the class run gallery, and the join QR code (offline, segno)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz.core import RUN_COLORS, _layout

if TYPE_CHECKING:
    import plotly.graph_objects as go

ANSWER_COLOR, OTHER_COLOR, MINE_COLOR = "#2ca02c", "#9ecae1", "#ff7f0e"
HISTOGRAM_NOTE = N_("Counts of the class's answers (no names). After the reveal the model's answer is green.")
GALLERY_NOTE = N_("Every posted run, thin lines, coloured by strategy; the thick line is the strategy's median and "
                  "the band spans the middle half of the class's runs (25th to 75th percentile).")


def answer_histogram(tally: Mapping[str, int], labels: Sequence[str] | None = None, answer: str | None = None,
                     mine: str | None = None, title: str | None = None) -> go.Figure:
    """Horizontal bars, one per choice in offered order: count and share. ``answer`` green, ``mine`` outlined."""
    import plotly.graph_objects as go

    tally = dict(tally)  # a mapping or (choice, count) pairs (hashable, for ui.shared_figure)
    choices = list(tally)
    labels = list(labels) if labels is not None else choices
    counts = np.array([int(tally[c]) for c in choices])
    total = max(1, int(counts.sum()))
    colors = [ANSWER_COLOR if c == answer else OTHER_COLOR for c in choices]
    lines = [3 if c == mine else 0 for c in choices]
    fig = go.Figure(go.Bar(y=labels, x=counts, orientation="h", marker=dict(color=colors, line=dict(
        color=MINE_COLOR, width=lines)), text=[f"{n} ({n / total:.0%})" for n in counts], textposition="auto",
        hovertemplate="%{y}: %{x}<extra></extra>", name=_("answers")))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=_("students"), rangemode="tozero", dtick=max(1, int(np.ceil(counts.max(initial=1) / 6))))
    return _layout(fig, title or _("{n} answers").format(n=int(counts.sum())), height=90 + 52 * len(choices),
                   showlegend=False)


def run_gallery(runs: Sequence[dict], bands: Mapping[str, Mapping[str, np.ndarray]], names: Mapping[str, str],
                mine: int | None = None, y_title: str | None = None, title: str | None = None) -> go.Figure:
    """Every run's curve (thin), each strategy's median (thick) and 25-75% band; ``mine`` (a student id) bold.
    Nicknames never enter the figure (plotly reads some HTML in names): runs are labelled by number."""
    import plotly.graph_objects as go

    fig = go.Figure()
    color = {s: RUN_COLORS[i % len(RUN_COLORS)] for i, s in enumerate(names)}
    for strategy, b in bands.items():
        c, name = color.get(strategy, "#7f7f7f"), _(names.get(strategy, strategy))
        ok = np.isfinite(b["median"])
        x = b["x"][ok]
        fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([b["high"][ok], b["low"][ok][::-1]]),
                                 fill="toself", fillcolor=c, opacity=0.18, line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, legendgroup=strategy))
        fig.add_trace(go.Scatter(x=x, y=b["median"][ok], mode="lines", line=dict(color=c, width=4),
                                 name=_("{s}: median of {n}").format(s=name, n=int(b["n"].max(initial=0))),
                                 legendgroup=strategy))
    for run in runs:
        strategy = run.get("strategy")
        if strategy not in bands:
            continue
        is_mine = mine is not None and run.get("student") == mine
        fig.add_trace(go.Scatter(x=run["steps"], y=run["values"], mode="lines+markers" if is_mine else "lines",
                                 line=dict(color=color.get(strategy, "#7f7f7f"), width=3 if is_mine else 1,
                                           dash="dot" if is_mine else "solid"),
                                 opacity=1.0 if is_mine else 0.45, legendgroup=strategy,
                                 name=_("your run") if is_mine else _("run {i}").format(i=run.get("run_id")),
                                 showlegend=is_mine, hovertemplate=_("run {i}").format(i=run.get("run_id"))
                                 + ": %{y:.3f}<extra></extra>"))
    fig.update_xaxes(title=_("epoch"))
    fig.update_yaxes(title=y_title or _("validation accuracy"))
    return _layout(fig, title or _("The class's runs ({n})").format(n=len(runs)), height=460,
                   legend=dict(orientation="h", y=-0.2))


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of ``text`` as PNG bytes, drawn offline (segno, pure Python); dark on white, quiet zone kept."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
