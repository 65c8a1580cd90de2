"""Figures of the masks lesson: the padded token grid, boolean masks, scores with -inf, and the leak when a mask
is forgotten. Pure: numpy + labels in, ``go.Figure`` out (conventions in :mod:`tlviz.viz.core`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz.core import HEAD_COLORS, MASK_COLOR, _labels, _layout, attention_heatmap, matrix_heatmap

if TYPE_CHECKING:
    import plotly.graph_objects as go

ALLOWED_COLOR = "#9ecae1"
LEAK_COLOR = "#d62728"

#: The lesson's texts (translated where shown: ``_(INTRO)``), kept with the figures they explain.
INTRO = N_("Sentences in a batch have different lengths, so the short ones are **padded** to the longest; and a "
           "decoder that is learning to write word t must not **peek** at words t+1, t+2… A mask says which scores "
           "may count: the others are set to **−∞** before the softmax, which turns them into exact zeros.")
ENCODER = N_("Encoder self-attention (padding mask)")
DECODER = N_("Decoder self-attention (padding + look-ahead)")
COMBINED_TITLE = {"encoder": N_("Padding mask as a key mask"), "decoder": N_("Combined mask (padding AND look-ahead)")}
EXPLAIN = {
    "grid": N_("Every sentence is padded with [PAD] to the longest one so the batch is one rectangular tensor. The "
               "model must ignore the grey cells."),
    "padding": N_("True (✓) for a real token, False (✗) for padding: one row per sentence."),
    "causal": N_("Query i may attend to keys 0…i only: the lower triangle with the diagonal."),
    "combined": N_("A cell is allowed only when every mask allows it. Padding columns are blocked for every query; "
                   "the [PAD] rows still compute something, but the loss ignores those outputs."),
    "scores": N_("Every query scores every key, padding and future words included."),
    "scores_masked": N_("Masked cells become −∞, and e^(−∞) = 0: they will get no weight at all."),
    "leak": N_("Red boxes: attention that should be zero. Real words attend to padding (noise that changes with "
               "batch size), and the decoder reads the future words it is supposed to predict."),
    "weights": N_("Masked cells are exactly 0 and every row still sums to 1 over the allowed keys."),
    "leak_bars": N_("Mean share of each real word's attention spent where it must not go: 0% with the mask."),
}


def top_title(fig: go.Figure, title: str | None) -> go.Figure:
    """Room for a title above an x axis drawn on top (they overlap with the default margin)."""
    if title:
        fig.update_layout(margin=dict(t=110), title=dict(y=0.98, yanchor="top"))
    return fig


def sentence_labels(n: int) -> list[str]:
    """``sentence 1``, ``sentence 2``... (in the interface language)."""
    return [_("sentence {n}").format(n=b + 1) for b in range(n)]


def token_grid(grid: Sequence[Sequence[str]], lengths: Sequence[int], title: str | None = None) -> go.Figure:
    """The padded batch: one row per sentence, real tokens blue, padding grey."""
    import plotly.graph_objects as go

    B, L = len(grid), len(grid[0])
    real = np.array([[1.0 if j < n else 0.0 for j in range(L)] for n in lengths])  # (B, L)
    fig = go.Figure(go.Heatmap(z=real, x=[str(j) for j in range(L)], y=sentence_labels(B), zmin=0, zmax=1,
                               colorscale=[[0, MASK_COLOR], [1, ALLOWED_COLOR]], showscale=False, xgap=3, ygap=3,
                               text=np.array(grid, dtype=object), texttemplate="%{text}", textfont=dict(size=15),
                               hovertemplate="%{y}, " + _("position") + " %{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", title=_("position"), side="top")
    return top_title(_layout(fig, title, height=110 + 48 * B), title)


def bool_matrix(mask, x_labels: Sequence[str] | None = None, y_labels: Sequence[str] | None = None,
                title: str | None = None, x_title: str | None = None, y_title: str | None = None) -> go.Figure:
    """A boolean mask, True = may attend (blue, ✓), False = masked (grey, ✗). Axis titles default to key (x) and
    query (y)."""
    import plotly.graph_objects as go

    m = np.asarray(mask, dtype=bool)
    if m.ndim == 1:
        m = m[None]  # (1, L)
    fig = go.Figure(go.Heatmap(z=m.astype(float), x=_labels(x_labels, m.shape[1]), y=_labels(y_labels, m.shape[0]),
                               zmin=0, zmax=1, colorscale=[[0, MASK_COLOR], [1, ALLOWED_COLOR]], showscale=False,
                               xgap=2, ygap=2, text=np.where(m, "✓", "✗"), texttemplate="%{text}",
                               hovertemplate="%{y} → %{x}: %{text}<extra></extra>"))
    y_title = _("query (attending)") if y_title is None else y_title
    fig.update_yaxes(autorange="reversed", type="category", title=y_title)
    fig.update_xaxes(type="category", title=_("key (attended to)") if x_title is None else x_title, side="top",
                     tickangle=-45)
    return top_title(_layout(fig, title, height=max(220, 36 * m.shape[0] + 160)), title)


def scores_matrix(scores, tokens: Sequence[str], masked=None, title: str | None = None) -> go.Figure:
    """Scores Q·Kᵀ/√d of one sentence; with ``masked`` (True = masked) those cells show -inf in grey."""
    fig = matrix_heatmap(scores, x_labels=tokens, y_labels=tokens, title=title, x_title=_("key (attended to)"),
                         y_title=_("query (attending)"), masked=masked, value_name=_("score"),
                         height=max(260, 36 * len(tokens) + 130))
    fig.update_xaxes(side="top", tickangle=-45)
    return top_title(fig, title)


def weights_matrix(weights, tokens: Sequence[str], masked=None, leak=None, title: str | None = None) -> go.Figure:
    """Attention after the softmax. ``masked`` greys out masked cells; ``leak`` (bool, True where the mask
    should have stopped attention) outlines in red the cells that leak when the mask is forgotten."""
    fig = attention_heatmap(weights, x_labels=tokens, y_labels=tokens, title=title, masked=masked,
                            height=max(260, 36 * len(tokens) + 130))
    main = next(tr for tr in fig.data if tr.hoverinfo != "skip")
    if masked is not None and main.text is not None:  # after the softmax a masked cell holds exactly 0, not -inf
        main.text = np.where(np.asarray(masked, dtype=bool), "0", np.asarray(main.text, dtype=object))
    if leak is not None:
        for r, c in zip(*np.nonzero(np.asarray(leak, dtype=bool))):
            fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                          line=dict(color=LEAK_COLOR, width=2.5))
    return top_title(fig, title)


def leak_bars(with_mask: dict, without_mask: dict, title: str | None = None) -> go.Figure:
    """Share of a real word's attention spent on padding and on future words, with and without the mask."""
    import plotly.graph_objects as go

    names = {"padding": _("on padding"), "future": _("on future words")}
    keys = [k for k in names if k in with_mask]
    fig = go.Figure([
        go.Bar(x=[names[k] for k in keys], y=[with_mask[k] for k in keys], name=_("with the mask"),
               marker_color=HEAD_COLORS[0], text=[f"{with_mask[k]:.0%}" for k in keys], textposition="outside"),
        go.Bar(x=[names[k] for k in keys], y=[without_mask[k] for k in keys], name=_("mask forgotten"),
               marker_color=LEAK_COLOR, text=[f"{without_mask[k]:.0%}" for k in keys], textposition="outside"),
    ])
    fig.update_yaxes(title=_("mean share of attention"), tickformat=".0%", range=[0, 1.1])
    fig = _layout(fig, title, height=340)
    fig.update_layout(barmode="group", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      margin=dict(t=90))
    return fig
