"""tlviz's one visual language: pure figure builders (numpy arrays + labels in, ``go.Figure`` out).

Conventions, the same on every page from the seq2seq alignment to ViT patches:
- attention matrices: rows are queries (who attends, top to bottom), columns are keys (attended to, left to
  right), white (0) to deep blue (1), fixed 0..1 range so two maps can be compared by eye;
- signed values (embeddings, PE, Q/K/V, scores): a diverging red-white-blue scale centred on 0;
- heat over an image (attention over patches, Grad-CAM): Inferno, spelled out (:data:`INFERNO_SCALE`);
- masked cells: grey with the text "-inf";
- heads have fixed colours (:data:`HEAD_COLORS`), runs too (:data:`RUN_COLORS`);
- fonts large enough for the back row of a lecture hall.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Attention weights, 0 -> white, 1 -> deep blue.
ATTENTION_SCALE = [[0.0, "#ffffff"], [0.15, "#deebf7"], [0.4, "#9ecae1"], [0.7, "#3182bd"], [1.0, "#08306b"]]
#: Signed quantities, negative red, positive blue.
DIVERGING_SCALE = "RdBu"
MASK_COLOR = "#bdbdbd"
#: Anchors of the Inferno colour map: heat laid over an image (attention over patches, Grad-CAM).
_INFERNO = np.array([[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21],
                     [250, 193, 39], [252, 255, 164]], dtype=np.float64)
#: The same colours as a plotly colour scale. Spelled out on purpose: Streamlit's chart theme repaints the low end
#: of the *named* scale "Inferno" pink (seen in the browser); an explicit list is drawn as given.
INFERNO_SCALE = [[i / (len(_INFERNO) - 1), "rgb({},{},{})".format(*map(int, rgb))] for i, rgb in enumerate(_INFERNO)]
HEAD_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173"]
RUN_COLORS = HEAD_COLORS
FONT = dict(size=15)
#: The plotly template of tlviz's figures, registered by :func:`use_template`.
TEMPLATE = "tlviz"
#: What of plotly's ``plotly_white`` template our figures use. A template travels inside every figure sent to a
#: browser; the full one (defaults for polar, ternary, 3-D and map plots and two dozen trace types) was 7 kB of
#: each figure, two thirds of the Transformer page's 235 kB, encoded again for each of 60 students.
_TEMPLATE_LAYOUT = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor",
                    "plot_bgcolor", "coloraxis", "colorscale", "xaxis", "yaxis", "shapedefaults",
                    "annotationdefaults", "title")
#: Trace types whose defaults are kept, less their colour scale (the layout's is the same one).
_TEMPLATE_TRACES = ("bar", "table", "heatmap", "scatter")


def use_template() -> None:
    """Make tlviz's template (``plotly_white`` cut to what our figures use) plotly's default, for every figure
    built from now on. :func:`tlviz.ui.setup` calls it before a page builds anything.

    A default template is given to each new figure without validation; passing ``template=`` to
    ``update_layout`` validates a copy of it, which cost 22 ms per figure (58 ms for the full ``plotly_white``),
    more than the rest of most figures."""
    import plotly.graph_objects as go
    import plotly.io as pio

    if pio.templates.default == TEMPLATE:
        return
    if TEMPLATE not in pio.templates:
        white = pio.templates["plotly_white"].to_plotly_json()
        pio.templates[TEMPLATE] = go.layout.Template(
            layout={k: v for k, v in white["layout"].items() if k in _TEMPLATE_LAYOUT},
            data={k: [{a: b for a, b in t.items() if a != "colorscale"} for t in v]
                  for k, v in white["data"].items() if k in _TEMPLATE_TRACES})
    pio.templates.default = TEMPLATE


#: Cells beyond this many show no numbers inside (they would be unreadable).
MAX_ANNOTATED_CELLS = 160


def inferno(values) -> np.ndarray:
    """Values in [0, 1] -> RGB uint8 (..., 3) on the Inferno scale (for heat composed into images)."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), 0, 1) * (len(_INFERNO) - 1)
    lo = np.floor(v).astype(int).clip(0, len(_INFERNO) - 2)
    t = (v - lo)[..., None]
    return ((1 - t) * _INFERNO[lo] + t * _INFERNO[lo + 1]).round().astype(np.uint8)


def head_color(i: int) -> str:
    return HEAD_COLORS[i % len(HEAD_COLORS)]


def _layout(fig, title: str | None, height: int | None = None, **kwargs):
    if height:
        kwargs["height"] = height
    fig.update_layout(title=dict(text=title or "", x=0.0, xanchor="left"), font=FONT,
                      margin=dict(l=10, r=10, t=50 if title else 20, b=10), **kwargs)
    return fig


def _labels(labels: Sequence[str] | None, n: int) -> list[str]:
    """Plotly merges identical category labels; make repeated tokens unique with invisible suffixes."""
    if labels is None:
        return [str(i) for i in range(n)]
    out, seen = [], {}
    for lab in labels:
        lab = str(lab)
        k = seen.get(lab, 0)
        seen[lab] = k + 1
        out.append(lab + "\u200b" * k)
    return out


def _cell_text(values: np.ndarray, fmt: str, masked: np.ndarray | None) -> np.ndarray:
    text = np.vectorize(lambda v: format(v, fmt))(np.nan_to_num(values))
    if masked is not None:
        text = np.where(masked, "-inf", text)
    return text


def attention_heatmap(weights, x_labels: Sequence[str] | None = None, y_labels: Sequence[str] | None = None,
                      title: str | None = None, masked=None, show_values: bool | None = None,
                      x_title: str = "key (attended to)", y_title: str = "query (attending)",
                      zmax: float = 1.0, height: int | None = None, colorbar: bool = True):
    """Attention weights (Lq, Lk) as a heatmap. ``masked`` (bool, same shape, True = masked) greys cells out."""
    import plotly.graph_objects as go

    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap expects a 2-D matrix, got shape {w.shape}")
    m = None if masked is None else np.broadcast_to(np.asarray(masked, dtype=bool), w.shape)
    z = w if m is None else np.where(m, np.nan, w)
    show_values = (w.size <= MAX_ANNOTATED_CELLS) if show_values is None else show_values
    fig = go.Figure(go.Heatmap(
        z=z, x=_labels(x_labels, w.shape[1]), y=_labels(y_labels, w.shape[0]), zmin=0.0, zmax=zmax,
        colorscale=ATTENTION_SCALE, showscale=colorbar, xgap=1, ygap=1,
        text=_cell_text(w, ".2f", m) if show_values else None, texttemplate="%{text}" if show_values else None,
        hovertemplate="query %{y}<br>key %{x}<br>weight %{z:.3f}<extra></extra>",
        colorbar=dict(title="weight", thickness=12)))
    if m is not None:  # masked cells drawn as a grey layer underneath the NaNs
        fig.add_trace(go.Heatmap(z=np.where(m, 1.0, np.nan), x=fig.data[0].x, y=fig.data[0].y,
                                 colorscale=[[0, MASK_COLOR], [1, MASK_COLOR]], showscale=False, hoverinfo="skip",
                                 xgap=1, ygap=1))
        fig.data = fig.data[::-1]
    fig.update_yaxes(autorange="reversed", title=y_title, type="category")
    fig.update_xaxes(title=x_title, side="top", type="category", tickangle=-45)
    return _layout(fig, title, height)


def matrix_heatmap(values, x_labels: Sequence[str] | None = None, y_labels: Sequence[str] | None = None,
                   title: str | None = None, x_title: str = "", y_title: str = "", show_values: bool | None = None,
                   fmt: str = ".2f", symmetric: bool = True, colorscale=None, masked=None,
                   height: int | None = None, value_name: str = "value"):
    """Any matrix (rows x columns): signed values on the diverging scale centred on 0 by default."""
    import plotly.graph_objects as go

    v = np.asarray(values, dtype=float)
    if v.ndim == 1:
        v = v[None, :]
    m = None if masked is None else np.broadcast_to(np.asarray(masked, dtype=bool), v.shape)
    finite = v[np.isfinite(v)] if m is None else v[~m & np.isfinite(v)]
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    bound = bound or 1.0
    z = v if m is None else np.where(m, np.nan, v)
    show_values = (v.size <= MAX_ANNOTATED_CELLS) if show_values is None else show_values
    fig = go.Figure(go.Heatmap(
        z=z, x=_labels(x_labels, v.shape[1]), y=_labels(y_labels, v.shape[0]),
        zmin=-bound if symmetric else None, zmax=bound if symmetric else None, zmid=0 if symmetric else None,
        colorscale=colorscale or (DIVERGING_SCALE if symmetric else "Viridis"), reversescale=False, xgap=1,
        ygap=1, text=_cell_text(v, fmt, m) if show_values else None,
        texttemplate="%{text}" if show_values else None,
        hovertemplate=f"%{{y}}, %{{x}}<br>{value_name} %{{z:.4g}}<extra></extra>",
        colorbar=dict(title=value_name, thickness=12)))
    if m is not None:
        fig.add_trace(go.Heatmap(z=np.where(m, 1.0, np.nan), x=fig.data[0].x, y=fig.data[0].y,
                                 colorscale=[[0, MASK_COLOR], [1, MASK_COLOR]], showscale=False, hoverinfo="skip",
                                 xgap=1, ygap=1))
        fig.data = fig.data[::-1]
    fig.update_yaxes(autorange="reversed", title=y_title, type="category")
    fig.update_xaxes(title=x_title, type="category")
    return _layout(fig, title, height)


def heatmap_grid(weights, row_titles: Sequence[str], col_titles: Sequence[str],
                 x_labels: Sequence[str] | None = None, y_labels: Sequence[str] | None = None,
                 title: str | None = None, cell_px: int = 150, show_ticks: bool | None = None):
    """Many attention maps at once, e.g. (layers, heads, T, T) as a grid of small heatmaps ("model view")."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    w = np.asarray(weights, dtype=float)
    if w.ndim != 4:
        raise ValueError(f"heatmap_grid expects (rows, cols, Lq, Lk), got shape {w.shape}")
    rows, cols = w.shape[:2]
    show_ticks = (w.shape[-1] <= 12 and cols <= 4) if show_ticks is None else show_ticks
    fig = make_subplots(rows=rows, cols=cols, row_titles=list(row_titles), column_titles=list(col_titles),
                        horizontal_spacing=0.01 if not show_ticks else 0.05, vertical_spacing=0.02)
    xl, yl = _labels(x_labels, w.shape[3]), _labels(y_labels, w.shape[2])
    for r in range(rows):
        for c in range(cols):
            fig.add_trace(go.Heatmap(z=w[r, c], x=xl, y=yl, zmin=0, zmax=1, colorscale=ATTENTION_SCALE,
                                     showscale=(r == 0 and c == 0), colorbar=dict(title="weight", thickness=10),
                                     hovertemplate=f"{row_titles[r]}, {col_titles[c]}<br>query %{{y}}<br>"
                                                   "key %{x}<br>weight %{z:.3f}<extra></extra>"),
                          row=r + 1, col=c + 1)
    # every panel of a row has the same queries and of a column the same keys: label them once, on the left and at
    # the bottom (labels inside the grid printed over the neighbouring panel at a phone's width)
    fig.update_yaxes(autorange="reversed", showticklabels=False, type="category")
    fig.update_xaxes(showticklabels=False, type="category")
    fig.update_yaxes(showticklabels=show_ticks, col=1)
    fig.update_xaxes(showticklabels=show_ticks, row=rows)
    _layout(fig, title, height=max(250, int(cell_px * rows + 80)))
    fig.update_annotations(font_size=12)
    return fig


def bar_topk(labels: Sequence[str], probs, title: str | None = None, highlight: str | None = None,
             x_title: str = "probability", color: str = HEAD_COLORS[0]):
    """Horizontal bars of the best candidates, best on top (top-k predictions, next-token distributions)."""
    import plotly.graph_objects as go

    p = np.asarray(probs, dtype=float)
    labels = [str(x) for x in labels]
    colors = ["#d62728" if highlight is not None and lab == highlight else color for lab in labels]
    fig = go.Figure(go.Bar(x=p, y=_labels(labels, len(labels)), orientation="h", marker_color=colors,
                           text=[f"{v:.1%}" for v in p], textposition="auto",
                           hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=x_title, range=[0, max(1e-9, float(p.max(initial=0))) * 1.15])
    return _layout(fig, title, height=max(220, 40 * len(labels) + 80))


def line_curves(series: dict[str, tuple[Sequence[float], Sequence[float]]], x_title: str = "step",
                y_title: str = "value", title: str | None = None, colors: dict[str, str] | None = None,
                dashes: dict[str, str] | None = None, height: int | None = 380):
    """Named curves ``{name: (x, y)}`` on one chart (training curves, PE sinusoids)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (name, (x, y)) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=list(x), y=list(y), name=name, mode="lines+markers" if len(x) <= 40 else "lines",
                                 line=dict(color=(colors or {}).get(name, RUN_COLORS[i % len(RUN_COLORS)]),
                                           dash=(dashes or {}).get(name, "solid"), width=3)))
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return _layout(fig, title, height)


def figure_table(fig):
    """The numbers behind a figure as a DataFrame (for CSV export): a heatmap's matrix with its labels, or the
    (trace, x, y) points of every other trace."""
    import pandas as pd

    heatmaps = [t for t in fig.data if t.type == "heatmap" and t.hoverinfo != "skip"]
    if len(heatmaps) == 1 and heatmaps[0].x is not None and heatmaps[0].y is not None:
        t = heatmaps[0]
        z = np.asarray(t.z, dtype=float)
        clean = lambda labels: [str(v).replace("\u200b", "") for v in labels]  # noqa: E731
        return pd.DataFrame(z, index=clean(t.y), columns=clean(t.x))
    rows = []
    for i, t in enumerate(fig.data):
        name = t.name or f"trace {i}"
        if t.type == "heatmap":
            z = np.asarray(t.z, dtype=float)
            for (r, c), v in np.ndenumerate(z):
                rows.append({"trace": name, "row": r, "col": c, "value": v})
        elif getattr(t, "x", None) is not None and getattr(t, "y", None) is not None:
            for x, y in zip(t.x, t.y):
                rows.append({"trace": name, "x": str(x).replace("\u200b", ""), "y": y})
    return pd.DataFrame(rows)


def has_numbers(fig) -> bool:
    """Whether :func:`figure_table` has anything to export (a heatmap, or a trace with x and y): cheap, no table
    is built."""
    return any(t.type == "heatmap" or (getattr(t, "x", None) is not None and getattr(t, "y", None) is not None)
               for t in fig.data)
