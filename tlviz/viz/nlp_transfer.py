"""Figures of the NLP transfer lab: attention before / after fine-tuning and their difference, which heads changed,
the prediction before and after, and how much each layer's weights moved. Pure: arrays and labels in, figures out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz.bert import all_ticks, safe_labels
from tlviz.viz.core import _layout, attention_heatmap, matrix_heatmap
from tlviz.viz.transfer import FROZEN_COLOR, NEW_COLOR, TRAINABLE_COLOR

INTRO = N_("NLP's ImageNet moment: BERT-style encoders are **pretrained** once on huge amounts of text (masked words "
           "and next-sentence prediction), then **fine-tuned** on a small labelled set with a new classification "
           "head. Here a real pretrained encoder (MiniLM-L6: 6 layers × 12 heads) learns to tell the sentiment of "
           "tweets, or the classes you type yourself. Choose what stays frozen, train, and then measure what "
           "fine-tuning changed: the lecture says *usually only the new layers and maybe the last few layers "
           "change*.")
HEAD_NOTE = N_("The new head: the encoder turns every word piece into a vector; the head reads ONE vector per "
               "sentence (the [CLS] position, or the mean of the real word pieces) and maps it to the classes with "
               "a single linear layer, trained from random weights.")
CHANGE_NOTE = N_("For each layer: how far its weights moved during training, relative to where they started "
                 "(‖w_after − w_before‖ / ‖w_before‖). Frozen layers are exactly 0; the new head starts from random "
                 "weights, so its change is large by construction.")
HEADS_NOTE = N_("Each cell is one head: how different its attention became, averaged over the sentence's words "
                "(0 = identical rows, 1 = no overlap at all). The ringed cells are the heads that changed most.")
DIFF_NOTE = N_("After minus before: blue = the head attends more to that word after training, red = less.")


def _names(n: int, word: str) -> list[str]:
    return [f"{word} {i + 1}" for i in range(n)]


def weight_change(stage_names: Sequence[str], change: Sequence[float], trained: Sequence[bool], new: Sequence[bool],
                  title: str | None = None):
    """Bars: the relative weight change of each stage; grey = frozen (0), orange = the new head, blue = trained."""
    import plotly.graph_objects as go

    vals = np.nan_to_num(np.asarray(change, dtype=float))
    colors = [NEW_COLOR if nw else TRAINABLE_COLOR if t else FROZEN_COLOR for t, nw in zip(trained, new)]
    names = list(stage_names)
    fig = go.Figure(go.Bar(x=names, y=np.where(vals > 0, vals, np.nan), marker_color=colors,
                           text=[f"{v:.2%}" for v in vals], textposition="outside",
                           hovertemplate="%{x}<br>%{y:.4%}<extra></extra>"))
    for name, v in zip(names, vals):  # a log axis has no 0: say it where the bar would stand
        if v == 0:
            fig.add_annotation(x=name, y=0.02, yref="paper", yanchor="bottom", showarrow=False,
                               text=_("frozen<br>0"), font=dict(color="#7f7f7f"))
    fig.update_yaxes(title=_("relative weight change (log scale)"), tickformat=".1%",
                     type="log" if vals.max() > 0 else None)
    fig.update_xaxes(title=_("layer (input on the left)"), type="category", categoryorder="array",
                     categoryarray=names)
    return _layout(fig, title or _("What training changed, layer by layer"), height=360)


def head_changes(change, top: Sequence[tuple[int, int, float]], title: str | None = None):
    """(L, H) heatmap of each head's attention change, the ``top`` (layer, head) cells ringed."""
    import plotly.graph_objects as go

    c = np.asarray(change, dtype=float)
    layers, heads = _names(c.shape[0], _("layer")), _names(c.shape[1], _("head"))
    fig = matrix_heatmap(c, heads, layers, title or _("Which heads changed most"), x_title=_("head"),
                         y_title=_("layer"), symmetric=False, colorscale="Viridis", value_name=_("change"),
                         show_values=c.size <= 96, fmt=".2f")
    fig.data[0].update(zmin=0.0)
    fig.add_trace(go.Scatter(x=[heads[h - 1] for _l, h, _v in top], y=[layers[lay - 1] for lay, _h, _v in top],
                             mode="markers", marker=dict(symbol="circle-open", size=26, color="#d62728",
                                                         line=dict(width=3)), hoverinfo="skip", showlegend=False))
    return fig


def attention_pair(before, after, tokens: Sequence[str], layer: int, head: int) -> tuple:
    """Three heatmaps for head ``head`` of layer ``layer`` (0-based): before, after, after minus before."""
    b, a = np.asarray(before)[layer, head], np.asarray(after)[layer, head]
    where = _("layer {l}, head {h}").format(l=layer + 1, h=head + 1)
    kw = dict(x_title=_("key (attended to)"), y_title=_("query (attending)"), show_values=False)
    labels = safe_labels(tokens)
    figs = (attention_heatmap(b, labels, labels, _("Before training · {where}").format(where=where), **kw),
            attention_heatmap(a, labels, labels, _("After training · {where}").format(where=where), **kw),
            matrix_heatmap(a - b, labels, labels, _("Difference (after − before) · {where}").format(where=where),
                           x_title=kw["x_title"], y_title=kw["y_title"], show_values=False, value_name=_("change")))
    for fig in figs:
        fig.update_xaxes(side="top", tickangle=-45)
        all_ticks(fig)
    return figs


def predictions(labels: Sequence[str], before, after, title: str | None = None):
    """Grouped bars: the class probabilities before and after training for one sentence."""
    import plotly.graph_objects as go

    fig = go.Figure([go.Bar(name=_("before training"), x=list(labels), y=np.asarray(before, float),
                            marker_color=FROZEN_COLOR, texttemplate="%{y:.0%}", textposition="outside"),
                     go.Bar(name=_("after training"), x=list(labels), y=np.asarray(after, float),
                            marker_color=TRAINABLE_COLOR, texttemplate="%{y:.0%}", textposition="outside")])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=_("probability"), range=[0, 1.15], tickformat=".0%")
    return _layout(fig, title or _("The prediction before and after"), height=330)
