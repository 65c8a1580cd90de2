"""Figures of the positional-encoding lesson. Pure: numpy in, ``go.Figure`` out (conventions in
:mod:`tlviz.viz.core`: signed values on the diverging red-white-blue scale)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz import fit
from tlviz.viz.core import HEAD_COLORS, _labels, _layout, line_curves, matrix_heatmap

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go


#: The lesson's texts (translated where shown: ``_(INTRO)``), kept with the figures they explain.
INTRO = N_("Attention looks at all words at once, so by itself it cannot tell *the cat chased the dog* from *the "
           "dog chased the cat*. The Transformer therefore **adds** to every word embedding a vector that depends "
           "only on the word's position: fixed sines and cosines of different wavelengths.")
FORMULA = fit.formulas(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d_{model}}}\right)",
                       r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d_{model}}}\right)")
TEXT = {
    "lecture": N_("With d_model = 4 there are two sin/cos pairs: i = 0 turns with wavelength 2π, i = 1 with "
                  "10000^(2/4) = 100 times longer, so its values barely move over a few positions."),
}
EXPLAIN = {
    "heatmap": N_("Each row is the vector added to the word at that position. Left columns oscillate fast (they "
                  "tell neighbours apart); right columns change slowly (they tell the beginning from the end). No "
                  "two rows are the same."),
    "curves": N_("A word at position pos reads one value (a dot) from each curve. Even dimensions are sines, odd "
                 "ones cosines of the same frequency; higher pairs turn more slowly."),
    "wavelengths": N_("Pair i turns with wavelength 2π·10000^(2i/d): each pair's is {ratio:.4g} times the previous "
                      "one (a straight line on a log axis), from 2π up towards 10000·2π (the last pair reaches "
                      "{last:,.0f})."),
    "similarity": N_("Largest on the diagonal (a position with itself, = d/2) and the same along every parallel: "
                     "the dot product depends only on the distance |p - q|."),
    "profile": N_("Nearby positions look alike; far ones less so. Attention can use this to find neighbours."),
    "shift": N_("M rotates each (sin, cos) pair by the angle k·ωᵢ. It depends on k only: change pos and M stays the "
                "same, yet M·PE(pos) = PE(pos + k) (largest difference here {err:.1e}). So a layer can learn to "
                "attend 'k words back' with one fixed linear map."),
    "input": N_("A repeated word (e.g. 'the') has the same embedding at both places; only the positional encoding "
                "makes its two input rows differ. Embeddings here are fixed random vectors standing in for learnt "
                "ones."),
}


def lecture_table(pe) -> pd.DataFrame:
    """PE rows as a table, one column per dimension named by its function: ``i=0: sin(pos)``,
    ``i=1: cos(pos/100)``... (the lecture's d_model = 4 example)."""
    import pandas as pd

    pe = np.asarray(pe, float)
    L, d = pe.shape
    columns = []
    for j in range(d):
        div = 10000 ** (2 * (j // 2) / d)
        arg = "pos" if div == 1 else f"pos/{div:g}"
        columns.append(f"i={j // 2}: {'sin' if j % 2 == 0 else 'cos'}({arg})")
    return pd.DataFrame(pe.round(4), columns=columns, index=[_("pos {p}").format(p=p) for p in range(L)])


def pe_heatmap(pe, title: str | None = None) -> go.Figure:
    """PE as positions (rows) by dimensions (columns): fast stripes on the left, slow ones on the right."""
    pe = np.asarray(pe, float)
    L, d = pe.shape
    fig = matrix_heatmap(pe, x_labels=[str(j) for j in range(d)], y_labels=[str(p) for p in range(L)], title=title,
                         x_title=_("dimension"), y_title=_("position"), value_name="PE",
                         height=min(700, max(300, 6 * L + 120)), show_values=pe.size <= 64, fmt=".3f")
    fig.data[0].update(zmin=-1, zmax=1, xgap=0 if d > 40 else 1, ygap=0 if L > 40 else 1)
    if L > 40:
        fig.update_yaxes(nticks=16)
    return fig


def pe_curves(d_model: int, dims: Sequence[int], positions: int, title: str | None = None) -> go.Figure:
    """Chosen dimensions as smooth curves over position, with dots at the integer positions words sit at."""
    import plotly.graph_objects as go

    from tlviz.positional import frequencies

    w = frequencies(d_model)
    x = np.linspace(0, positions - 1, 600)
    fig = go.Figure()
    for n, j in enumerate(dims):
        f = np.sin if j % 2 == 0 else np.cos
        color = HEAD_COLORS[n % len(HEAD_COLORS)]
        name = _("dim {j} ({fn}, i={i})").format(j=j, fn="sin" if j % 2 == 0 else "cos", i=j // 2)
        fig.add_trace(go.Scatter(x=x, y=f(x * w[j // 2]), name=name, mode="lines", line=dict(color=color, width=3)))
        p = np.arange(positions)
        fig.add_trace(go.Scatter(x=p, y=f(p * w[j // 2]), mode="markers", marker=dict(color=color, size=7),
                                 showlegend=False, name=name))
    fig.update_xaxes(title=_("position"))
    fig.update_yaxes(title=_("PE value"), range=[-1.1, 1.1])
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return _layout(fig, title, height=380)


def wavelength_figure(d_model: int, title: str | None = None) -> go.Figure:
    """Wavelength of each sin/cos pair on a log axis: a straight line, i.e. a geometric progression, from 2*pi
    to (nearly) 10000*2*pi."""
    from tlviz.positional import wavelengths

    lam = wavelengths(d_model)
    i = np.arange(len(lam))
    fig = line_curves({_("wavelength 2π·10000^(2i/d)"): (i, lam)}, x_title=_("pair index i (dimensions 2i, 2i+1)"),
                      y_title=_("wavelength in positions (log)"), title=title, height=360)
    fig.update_yaxes(type="log")
    for y, text in ((2 * np.pi, "2π"), (10000 * 2 * np.pi, "10000·2π")):
        fig.add_hline(y=y, line=dict(color="#7f7f7f", dash="dot"), annotation_text=text,
                      annotation_position="bottom right")
    return fig


def similarity_figure(sim, title: str | None = None) -> go.Figure:
    """PE[p]·PE[q] for every pair of positions: the bands run parallel to the diagonal (only |p - q| matters)."""
    sim = np.asarray(sim, float)
    L = sim.shape[0]
    fig = matrix_heatmap(sim, x_labels=[str(p) for p in range(L)], y_labels=[str(p) for p in range(L)],
                         title=title, x_title=_("position q"), y_title=_("position p"), show_values=False,
                         value_name="PE·PE", height=460)
    fig.data[0].update(xgap=0, ygap=0)
    return fig


def similarity_profile(sim, title: str | None = None) -> go.Figure:
    """One row of the similarity matrix: how PE(0) relates to PE(k), falling with distance k."""
    s = np.asarray(sim, float)[0]
    return line_curves({"PE(0)·PE(k)": (np.arange(len(s)), s)}, x_title=_("distance k"),
                       y_title=_("dot product"), title=title, height=300)


def shift_figure(M, pe_from, pe_to, pos: int, k: int, title: str | None = None) -> go.Figure:
    """The rotation matrix M (left) and the check PE(pos + k) = M · PE(pos) (right: two identical columns, one
    row per dimension, level with M's rows). Two narrow columns keep their numbers readable on a phone, where
    the two rows of eight numbers they replace printed over each other."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    M = np.asarray(M, float)
    d = M.shape[0]
    labels = [str(j) for j in range(d)]
    widths = [0.62, 0.38]
    fig = make_subplots(rows=1, cols=2, column_widths=widths, horizontal_spacing=0.1,
                        subplot_titles=(_("M for k = {k} (2×2 rotation blocks)").format(k=k),
                                        _("PE(pos+k) and M·PE(pos)")))
    fig.add_trace(go.Heatmap(z=M, x=labels, y=labels, zmin=-1, zmax=1, colorscale="RdBu", showscale=False,
                             xgap=1, ygap=1, hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>"),
                  row=1, col=1)
    cols = np.vstack([pe_to, M @ np.asarray(pe_from, float)]).T  # (d, 2)
    fig.add_trace(go.Heatmap(z=cols, x=[f"PE({pos + k})", f"M·PE({pos})"], y=labels, zmin=-1, zmax=1,
                             colorscale="RdBu", colorbar=dict(title=_("value"), thickness=12), xgap=2, ygap=1,
                             text=np.vectorize(lambda v: f"{v:.2f}")(cols) if d <= 32 else None,
                             texttemplate="%{text}" if d <= 32 else None,  # font size: plotly fits the cell
                             hovertemplate="%{y}, %{x}: %{z:.4f}<extra></extra>"), row=1, col=2)
    fig.update_yaxes(autorange="reversed", type="category", title_text=_("dimension"), row=1, col=1)
    fig.update_yaxes(autorange="reversed", type="category", showticklabels=False, row=1, col=2)
    fig.update_xaxes(type="category", title_text=_("dimension"), automargin=True, row=1, col=1)
    fig.update_xaxes(type="category", row=1, col=2)
    _layout(fig, title, height=max(340, 22 * d + 150))
    return fit.subplot_titles(fig, [w * 0.9 for w in widths])


def input_sum_figure(emb, pe, total, tokens: Sequence[str], title: str | None = None) -> go.Figure:
    """Word embedding + positional encoding = what the first layer reads; three panels, tokens as rows."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    parts = [np.asarray(a, float) for a in (emb, pe, total)]
    bound = max(float(np.abs(p).max()) for p in parts) or 1.0
    T, d = parts[0].shape
    ylab = _labels([f"{t} ({i})" for i, t in enumerate(tokens)], T)
    xlab = [str(j) for j in range(d)]
    titles = (_("word embedding"), _("+ positional encoding"), _("= model input"))
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.05, shared_yaxes=True)
    for c, part in enumerate(parts):
        fig.add_trace(go.Heatmap(z=part, x=xlab, y=ylab, zmin=-bound, zmax=bound, zmid=0, colorscale="RdBu",
                                 showscale=c == 2, colorbar=dict(title=_("value"), thickness=12), xgap=0, ygap=1,
                                 hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>"), row=1, col=c + 1)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", title=_("dimension"))  # plotly picks as many ticks as the width holds
    _layout(fig, title, height=max(280, 30 * T + 140))
    return fit.subplot_titles(fig, fit.equal_panels(3, 0.05))
