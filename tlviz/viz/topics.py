"""Figures and tables of the lecture's short topics (pure: results in, ``go.Figure`` / DataFrame out).

- the bottleneck that motivated attention (:mod:`tlviz.bottleneck`, seq2seq page);
- why self-attention: the paper's Table 1 and our layers timed (:mod:`tlviz.paper`, :mod:`tlviz.layer_cost`);
- query, key and value as retrieval (:mod:`tlviz.retrieval`);
- the paper's training set-up (:mod:`tlviz.paper`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz.core import HEAD_COLORS, _labels, _layout, line_curves

if TYPE_CHECKING:
    import plotly.graph_objects as go

KIND_COLORS = {"none": HEAD_COLORS[3], "dot": HEAD_COLORS[0]}
KIND_NAMES = {"none": N_("without attention (one vector)"), "dot": N_("with attention")}
LAYER_COLORS = {"self_attention": HEAD_COLORS[0], "recurrent": HEAD_COLORS[3], "convolutional": HEAD_COLORS[2]}


# --------------------------------------------------------------------------------------------- the bottleneck

def bottleneck_figure(cmp) -> go.Figure:
    """Held-out accuracy by source length for both models (a :class:`tlviz.bottleneck.Comparison`): digits right
    at their position (thick) and whole strings copied exactly (dotted); chance (one digit in ten) dashed."""
    import plotly.graph_objects as go

    fig = go.Figure()
    x = cmp.lengths.tolist()
    for kind in ("none", "dot"):
        name, color = _(KIND_NAMES[kind]), KIND_COLORS[kind]
        fig.add_trace(go.Scatter(x=x, y=cmp.digit_accuracy[kind].tolist(), name=name + " · " + _("digits right"),
                                 mode="lines+markers", line=dict(color=color, width=4)))
        fig.add_trace(go.Scatter(x=x, y=cmp.exact[kind].tolist(), name=name + " · " + _("whole string right"),
                                 mode="lines", line=dict(color=color, width=2, dash="dot")))
    fig.add_hline(y=0.1, line=dict(color="#7f7f7f", dash="dash"), annotation_text=_("chance: 1 digit in 10"),
                  annotation_position="bottom right")
    fig.update_xaxes(title=_("length of the string to copy (digits)"), dtick=2)
    fig.update_yaxes(title=_("held-out accuracy"), range=[0, 1.04], tickformat=".0%")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return _layout(fig, None, height=460)


def bottleneck_losses(history, steps: int) -> go.Figure:
    """The live training loss of both runs from one History whose steps count 1..2·steps (first run: no
    attention)."""
    s, losses = np.asarray(history.steps), np.asarray(history.losses)
    series = {_(KIND_NAMES[k]): (s[part] - off, losses[part]) for k, part, off in
              (("none", s <= steps, 0), ("dot", s > steps, steps)) if part.any()}
    fig = line_curves(series, x_title=_("step"), y_title=_("cross-entropy loss (log)"), height=300,
                      colors={_(KIND_NAMES[k]): KIND_COLORS[k] for k in KIND_COLORS})
    fig.update_yaxes(type="log")
    return fig


# --------------------------------------------------------------------------------------------- why self-attention

def paper_table(rows, names: dict, columns) -> object:
    """The paper's Table 1 as a DataFrame (rows :class:`tlviz.paper.PaperRow`; layer names and headings are
    msgids)."""
    import pandas as pd

    return pd.DataFrame([[_(names[r.kind]), r.complexity, r.sequential, r.path] for r in rows],
                        columns=[_(c) for c in columns]).set_index(_(columns[0]))


def timing_figure(timing, names: dict) -> go.Figure:
    """Milliseconds of one forward pass against the sequence length n, log-log, one line per layer kind."""
    series = {_(names[k]): (timing.lengths.tolist(), (timing.seconds[k] * 1e3).tolist()) for k in timing.seconds}
    fig = line_curves(series, x_title=_("sequence length n (log)"), y_title=_("ms per forward pass (log)"),
                      colors={_(names[k]): LAYER_COLORS[k] for k in timing.seconds}, height=420)
    fig.update_xaxes(type="log", tickvals=timing.lengths.tolist())
    fig.update_yaxes(type="log", dtick=1)  # powers of ten only: log minor ticks read as noise on a projector
    return fig


def timing_table(timing, names: dict) -> object:
    """The timing's numbers (ms and multiply-adds per layer kind and n) for the CSV export."""
    import pandas as pd

    rows = [{"n": int(n), **{f"{_(names[k])} (ms)": float(timing.seconds[k][i] * 1e3) for k in timing.seconds},
             **{f"{_(names[k])} ({_('multiply-adds')})": int(timing.operations[k][i]) for k in timing.seconds}}
            for i, n in enumerate(timing.lengths)]
    return pd.DataFrame(rows).set_index("n")


def timing_caption(timing, names: dict) -> str:
    """What the measurement shows, computed from its numbers."""
    n, i = int(timing.lengths[-1]), len(timing.lengths) - 1
    ms = {k: timing.seconds[k][i] * 1e3 for k in timing.seconds}
    cross = timing.crossover()
    text = _("Measured here: the CPU time of one forward pass on one thread (time other programs take from the core "
             "is not counted), d = {d}, batch {b}, fastest of {r} runs. At n = {n}: self-attention {sa:.2f} ms, GRU "
             "{rnn:.2f} ms, convolution {conv:.2f} ms.").format(
        d=timing.d, b=timing.batch, r=timing.repeats, n=n, sa=ms["self_attention"], rnn=ms["recurrent"],
        conv=ms["convolutional"])
    text += " " + (_("Self-attention overtakes the GRU from n = {n} on: its n²·d term dominates once n is large "
                     "next to d.").format(n=cross) if cross else _(
        "Self-attention stays below the GRU up to n = {n}; its n²·d term grows fastest and would overtake it at "
        "longer sequences.").format(n=n))
    text += " " + _("Each head's n × n score matrix at n = {n} holds {mb:.1f} MB (float32): memory, too, grows as "
                    "n².").format(n=n, mb=n * n * 4 / 2**20)
    return text + " " + _("One thread runs everything one after another, so the GRU's chief cost in the paper, "
                          "its n steps that must wait for each other, is hidden here: on a GPU the attention's "
                          "matrix products run in parallel while the GRU still takes n steps.")


# --------------------------------------------------------------------------------------------- retrieval

def _rgb(c) -> str:
    r, g, b = (int(round(255 * float(v))) for v in np.clip(c, 0, 1))
    return f"rgb({r},{g},{b})"


def retrieval_figure(ret, titles) -> go.Figure:
    """Every video's softmax weight as a bar in the video's value colour, its score beside it (``1.79 → 27%``)."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(
        x=ret.weights, y=_labels(titles, len(titles)), orientation="h", marker_color=[_rgb(c) for c in ret.values],
        marker_line=dict(color="#444444", width=1), text=[f"{s:.2f} → {w:.0%}" for s, w in zip(ret.scores,
                                                                                              ret.weights)],
        # Inside a bar of half the axis or more (outside it, a phone cut the text at the figure's edge), else beside
        textposition=["inside" if w >= 0.5 else "outside" for w in ret.weights], cliponaxis=False,
        insidetextanchor="end", customdata=ret.scores,
        hovertemplate="%{y}<br>score %{customdata:.3f} → weight %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=_("weight"), range=[0, 1.18], tickformat=".0%")  # the formula is above, in LaTeX
    return _layout(fig, None, height=90 + 44 * len(titles))


def mixed_figure(ret) -> go.Figure:
    """What comes back: attention's soft mix of the values above the hard lookup's single best value."""
    import plotly.graph_objects as go

    names = [_("attention: the weighted mix"), _("search engine: best match only")]
    colours = (ret.mixed, ret.values[ret.best])
    fig = go.Figure(go.Bar(  # the labels inside the swatches: beside them they would squeeze them on a phone
        x=[1, 1], y=[0, 1], orientation="h", marker_color=[_rgb(c) for c in colours], hoverinfo="skip",
        text=[f"{name}<br>R {c[0]:.2f} · G {c[1]:.2f} · B {c[2]:.2f}" for name, c in zip(names, colours)],
        textposition="inside", insidetextanchor="middle", textfont=dict(color="white", size=16)))
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(bargap=0.1)
    return _layout(fig, _("Value returned"), height=220)


def retrieval_table(ret, titles, topics) -> object:
    """Every video's key, score, weight and value (the page's table and CSV)."""
    import pandas as pd

    return pd.DataFrame({
        _("video"): list(titles),
        _("key: topics in its title"): [", ".join(_(topics[t]) for t in np.flatnonzero(k)) for k in ret.keys],
        _("score"): np.round(ret.scores, 3), _("weight"): np.round(ret.weights, 3),
        _("value (R, G, B)"): [", ".join(f"{v:.2f}" for v in c) for c in ret.values]})


# --------------------------------------------------------------------------------------------- training set-up

def setup_table(facts, columns) -> object:
    """The paper's training set-up (:data:`tlviz.paper.TRAINING_SETUP`) with the lecture's words beside it."""
    import pandas as pd

    return pd.DataFrame([[_(f.what), _(f.value), f.slide or "—", _(f.where)] for f in facts],
                        columns=[_(c) for c in columns]).set_index(_(columns[0]))
