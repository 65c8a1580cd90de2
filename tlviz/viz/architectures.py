"""Figures and tables of the ImageNet-milestones lesson: parameter counts, the ILSVRC errors, layer tables, the
receptive-field grid, the Inception module, the residual block and the plain-vs-residual training. Pure: numbers
and labels in, ``go.Figure`` or ``DataFrame`` out (conventions in :mod:`tlviz.viz.core`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz import fit
from tlviz.viz.core import ATTENTION_SCALE, MASK_COLOR, RUN_COLORS, _layout, line_curves

#: The receptive field's cells, darkest where they were seen first (the attention blues, reversed).
FIELD_SCALE = [[0.0, ATTENTION_SCALE[4][1]], [0.35, ATTENTION_SCALE[3][1]], [0.7, ATTENTION_SCALE[2][1]],
               [1.0, ATTENTION_SCALE[1][1]]]

PLAIN_COLOR, RESIDUAL_COLOR = RUN_COLORS[3], RUN_COLORS[0]
TEXT_COLOR = "#222222"  # text drawn on the diagrams' boxes (the chart theme would paint it pale grey)
#: Legends under the plot: above it they run into the title in a half-width column.
LEGEND = dict(orientation="h", yanchor="top", y=-0.22, x=0)

INTRO = N_("The pretrained backbones of transfer learning come from the ImageNet challenge (ILSVRC: 1,000 classes, "
           "1.2 million training photos). Here every milestone is built from its **real torchvision definition** "
           "(without its weights, so it works offline): count its parameters, read it layer by layer, step through "
           "the 3×3 arithmetic of VGG and the Inception module of GoogLeNet, and train a deep plain network against "
           "its residual twin live.")
TABS = (N_("The architectures"), N_("The 3×3 arithmetic"), N_("The Inception module"), N_("Residual learning"))
EXPLAIN = {
    "params": N_("Parameters counted on torchvision's definitions (bars) next to the lecture's rounded numbers "
                 "(diamonds). Depth does not cost parameters: ResNet-152 has fewer than VGG-16."),
    "errors": N_("ILSVRC top-5 error of the winning entries (VGG: the 2014 runner-up). In 2015 a ResNet ensemble "
                 "passed the 5.1% of a trained human annotator."),
    "layers": N_("Parameters of each row of the table. Where do the weights sit? In AlexNet and VGG most are in the "
                 "fully connected layers; the ResNets and GoogLeNet pool globally and need only one small one."),
    "field": N_("The centre output's receptive field on the input: after layer l a stack of 3×3 convolutions (stride "
                "1) sees a (2l+1)×(2l+1) square. The number in each cell is the layer from which on it is seen."),
    "stack": N_("Weights per input-output channel pair: l stacked 3×3 layers need 9·l, one kernel with the same field "
                "needs (2l+1)². The stack also puts a ReLU after every layer: more non-linearity."),
    "inception": N_("Four branches look at the same input side by side; their outputs are concatenated along the "
                    "channels. The 1×1 convolutions in front of the 3×3 and 5×5 shrink the channels first."),
    "bottleneck": N_("Convolution weights of each branch as built (with the 1×1 bottleneck) and without it (one "
                     "k×k convolution straight from the module's input)."),
    "block": N_("A residual block learns F(x) and outputs F(x) + x: the shortcut carries x past the two layers "
                "unchanged. If the best thing to do is nothing, the block only has to push F towards 0."),
    "losses": N_("Training loss of each network at every step, on the same batches and from the same initial "
                 "weights. The plain one trains worse although it could copy its residual twin: the degradation "
                 "problem. Try 8 layers, then 44: the plain network gets worse as it gets deeper, the residual one "
                 "does not."),
    "grads": N_("Gradient norm of each layer's weights (mean of the first 20 steps), from the input (left) to the "
                "classifier (right), on a log scale."),
}

WEIGHTS_NOTE = N_("Every structure above is built offline. Of ImageNet weights only EfficientNet-Lite0's ship in a "
                  "package (the transfer lab's backbone); torchvision downloads the others, so they need internet (or "
                  "a copy in the local torch cache).")
STACK_INTRO = N_("VGG replaced big kernels by stacks of 3×3 convolutions. How many 3×3 layers see what one k×k sees, "
                 "and how many weights do they need?")


def stack_summary(k: int, n: int, saving: float) -> str:
    return _("**{n} layers of 3×3 instead of one {k}×{k}: {s:.1%} fewer weights** (the lecture: 28% for 5×5, 44.9% "
             "for 7×7, 62.8% for 11×11).").format(n=n, k=k, s=saving)


def inception_summary(module) -> str:
    return _("Without the 1×1 bottlenecks this module would need **{n:,}** weights and **{nm:.0f}M** multiply-adds "
             "per image and give {nc} channels; as built: **{w:,}** weights, **{m:.0f}M** multiply-adds, {c} "
             "channels.").format(n=module.naive_weights, nm=module.multiply_adds(naive=True) / 1e6,
                                 w=module.weights, m=module.multiply_adds() / 1e6, nc=module.naive_out_channels,
                                 c=module.out_channels)


def _millions(n: float) -> str:
    return f"{n / 1e6:.1f}M"


def summary_table(summaries: Sequence) -> object:
    """The comparison table: one row per architecture."""
    import pandas as pd

    return pd.DataFrame([{_("architecture"): s.title, _("year"): s.year, _("parameters"): _millions(s.params),
                          _("lecture"): s.lecture_params or "—", _("weighted layers"): s.depth,
                          _("ILSVRC top-5 error"): f"{s.top5:g}%" if s.top5 else "—",
                          _("float32 size"): f"{s.float32_mb:.0f} MB",
                          _("ImageNet weights"): weights_label(s.weights)} for s in summaries])


def weights_label(status: str) -> str:
    return {"package": _("offline (shipped in a package)"), "cached": _("offline (in the local torch cache)")}.get(
        status, _("weights need internet"))


def weights_table(rows: Sequence) -> object:
    """Where each architecture's ImageNet weights come from (rows of ``architectures.weights_rows()``)."""
    import pandas as pd

    return pd.DataFrame([{_("architecture"): r.title, _("parameters"): _millions(r.params),
                          _("ImageNet weights"): weights_label(r.status), _("structure"): _("works offline")}
                         for r in rows])


def params_bars(summaries: Sequence, title: str | None = None):
    import plotly.graph_objects as go

    names = [s.title for s in summaries]
    fig = go.Figure(go.Bar(x=names, y=[s.params / 1e6 for s in summaries], name=_("torchvision's definition"),
                           marker_color=RUN_COLORS[0], text=[_millions(s.params) for s in summaries],
                           textposition="outside", hovertemplate="%{x}: %{y:.2f}M<extra></extra>"))
    lect = [(s.title, float(s.lecture_params.rstrip("M"))) for s in summaries if s.lecture_params]
    fig.add_trace(go.Scatter(x=[n for n, _v in lect], y=[v for _n, v in lect], mode="markers", name=_("lecture"),
                             marker=dict(symbol="diamond", size=14, color=RUN_COLORS[1])))
    fig.update_yaxes(title=_("parameters (millions)"))
    fig.update_xaxes(tickvals=names, ticktext=[fit.wrap(n, 14) for n in names], tickangle=-45)  # short lines: not cut
    fig = _layout(fig, title or _("Parameters of each milestone"), 420,
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))  # above the plot: the names below
    fig.update_layout(margin=dict(t=80))  # (slanted on a phone) ran into a key under it
    return fit.title(fig)


def errors_chart(milestones: Sequence, human: float, title: str | None = None):
    import plotly.graph_objects as go

    x = [f"{m.year} {m.entry}" for m in milestones]
    fig = go.Figure(go.Bar(x=x, y=[m.error for m in milestones], text=[f"{m.error:g}%" for m in milestones],
                           textposition="outside", marker_color=[RUN_COLORS[0] if m.in_lecture else MASK_COLOR
                                                                 for m in milestones], name=_("top-5 error")))
    fig.add_hline(y=human, line_dash="dash", line_color=RUN_COLORS[3])
    # its label in the empty top right corner (the late bars are short): on the line it ran into their values
    fig.add_annotation(xref="paper", x=1, xanchor="right", y=31, yanchor="top", showarrow=False,
                       text=_("a trained human: {v:g}%").format(v=human), font=dict(color=RUN_COLORS[3]))
    fig.update_yaxes(title=_("top-5 error (%)"), range=[0, 32])
    fig.update_xaxes(tickvals=x, ticktext=[fit.wrap(n, 14) for n in x], tickangle=-45)
    return fit.title(_layout(fig, title or _("ILSVRC top-5 error by year (blue: the lecture's numbers)"), 420))


def milestones_table(milestones: Sequence) -> object:
    import pandas as pd

    return pd.DataFrame([{_("year"): m.year, _("entry"): m.entry, _("top-5 error"): f"{m.error:g}%",
                          _("in the lecture"): "✓" if m.in_lecture else "", _("note"): _(m.note) if m.note else "",
                          _("source"): m.source} for m in milestones])


def layer_frame(rows: Sequence) -> object:
    import pandas as pd

    return pd.DataFrame([{_("layer"): r.name, _("what"): r.kind, _("output shape"): " × ".join(map(str, r.shape)),
                          _("parameters"): f"{r.params:,}"} for r in rows])


def layer_params_bars(rows: Sequence, title: str):
    import plotly.graph_objects as go

    shown = [r for r in rows if r.params]
    fig = go.Figure(go.Bar(x=[r.name for r in shown], y=[r.params / 1e6 for r in shown], marker_color=RUN_COLORS[0],
                           hovertext=[r.kind for r in shown], hovertemplate="%{x}: %{y:.3f}M<br>%{hovertext}"
                                                                            "<extra></extra>"))
    fig.update_yaxes(title=_("parameters (millions)"))
    fig.update_xaxes(tickangle=-60, type="category")
    return _layout(fig, title, 380)


def field_grid(rf, layer: int, title: str | None = None):
    """The k x k input grid: cells seen by the centre output after ``layer`` layers coloured by the layer that
    first sees them, the others grey; the current field outlined."""
    import plotly.graph_objects as go

    k = rf.k
    seen = rf.entry <= layer
    z = np.where(seen, rf.entry / max(1, len(rf.steps)), np.nan)
    fig = go.Figure(go.Heatmap(z=np.where(seen, np.nan, 1.0), colorscale=[[0, MASK_COLOR], [1, MASK_COLOR]],
                               showscale=False, hoverinfo="skip", xgap=2, ygap=2))
    fig.add_trace(go.Heatmap(z=z, zmin=0, zmax=1, colorscale=FIELD_SCALE, showscale=False, xgap=2, ygap=2,
                             text=np.where(seen, rf.entry.astype(str), ""), texttemplate="%{text}",
                             hovertemplate=_("seen from layer %{text}") + "<extra></extra>"))
    half = rf.steps[layer - 1].field / 2
    c = (k - 1) / 2
    fig.add_shape(type="rect", x0=c - half, x1=c + half, y0=c - half, y1=c + half, line=dict(color="#d62728", width=4))
    fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=c - 0.5, y1=c + 0.5, line=dict(color="#000", width=3))
    fig.update_xaxes(visible=False, range=[-0.6, k - 0.4], scaleanchor="y")
    fig.update_yaxes(visible=False, range=[k - 0.4, -0.6])
    step = rf.steps[layer - 1]
    return _layout(fig, title or _("After layer {l}: a {f}×{f} receptive field").format(l=layer, f=step.field), 460)


def stack_bars(rf, title: str | None = None):
    import plotly.graph_objects as go

    x = [f"{s.field}×{s.field}" for s in rf.steps]
    fig = go.Figure([go.Bar(x=x, y=[s.stacked_weights for s in rf.steps], name=_("stacked 3×3 layers"),
                            marker_color=RUN_COLORS[0], text=[f"{s.layer}×9 = {s.stacked_weights}" for s in rf.steps],
                            textposition="outside"),
                     go.Bar(x=x, y=[s.single_weights for s in rf.steps], name=_("one big kernel"),
                            marker_color=RUN_COLORS[1], text=[str(s.single_weights) for s in rf.steps],
                            textposition="outside")])
    fig.update_xaxes(title=_("receptive field"), type="category")
    fig.update_yaxes(title=_("weights per channel pair"))
    return _layout(fig, title or _("Weights for the same receptive field"), 400, barmode="group",
                   legend=LEGEND)


def _box(fig, x, y, text, color, w=0.42, h=0.32):
    fig.add_shape(type="rect", x0=x - w, x1=x + w, y0=y - h, y1=y + h, fillcolor=color, line=dict(color="#444"),
                  layer="below")
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=13, color=TEXT_COLOR))


def _arrow(fig, x0, y0, x1, y1, color="#444"):
    fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=2, arrowwidth=2, arrowcolor=color, text="")


def inception_diagram(module, title: str | None = None):
    """The module drawn: its input at the bottom, the four branches side by side, the concatenation on top."""
    import plotly.graph_objects as go

    fig = go.Figure()
    colors = {1: "#c6dbef", 3: "#fdd0a2", 5: "#fcbba1"}
    _box(fig, 1.5, 0, _("input: {c} channels, {s}×{s}").format(c=module.in_channels, s=module.size), "#eeeeee",
         w=1.2)
    top = 3
    for i, b in enumerate(module.branches):
        for j, op in enumerate(b.ops):
            kernel = 3 if "pool" in op else int(op.split("×")[0])
            _box(fig, i, 1 + j, op.replace(" conv ", " conv<br>"),
                 "#e5f5e0" if "pool" in op else colors.get(kernel, "#eeeeee"))
            _arrow(fig, i if j else 1.5, j + 0.32 if j else 0.32, i, 1 + j - 0.32)
        _arrow(fig, i, len(b.ops) + 0.68, i, top - 0.32)
        fig.add_annotation(x=i + 0.08, y=top - 0.55, text=str(b.out_channels), showarrow=False, xanchor="left",
                           font=dict(size=12, color=TEXT_COLOR))
    _box(fig, 1.5, top, _("concatenate: {c} channels").format(
        c=" + ".join(str(b.out_channels) for b in module.branches) + f" = {module.out_channels}"), "#dadaeb", w=1.6)
    fig.update_xaxes(visible=False, range=[-0.6, 3.6])
    fig.update_yaxes(visible=False, range=[-0.5, top + 0.5])
    return _layout(fig, title or _("GoogLeNet's {name}, read off torchvision").format(name=module.name), 460)


def bottleneck_bars(module, title: str | None = None):
    import plotly.graph_objects as go

    bs = [b for b in module.branches if b.reduce]
    x = [f"{b.name}: {b.label}" for b in bs]
    fig = go.Figure([go.Bar(x=x, y=[b.without_bottleneck for b in bs], name=_("without the 1×1 bottleneck"),
                            marker_color=RUN_COLORS[1], text=[f"{b.without_bottleneck:,}" for b in bs],
                            textposition="outside"),
                     go.Bar(x=x, y=[b.weights for b in bs], name=_("with it (as built)"), marker_color=RUN_COLORS[0],
                            text=[f"{b.weights:,} (−{1 - b.weights / b.without_bottleneck:.0%})" for b in bs],
                            textposition="outside")])
    fig.update_yaxes(title=_("convolution weights"))
    return _layout(fig, title or _("What the 1×1 bottleneck saves"), 400, barmode="group",
                   legend=LEGEND)


def inception_table(module) -> object:
    import pandas as pd

    rows = [{_("branch"): b.name, _("operations"): " → ".join(b.ops), _("output channels"): b.out_channels,
             _("weights"): f"{b.weights:,}", _("without bottleneck"): f"{b.without_bottleneck:,}"}
            for b in module.branches]
    rows.append({_("branch"): _("whole module"), _("operations"): _("concatenated"),
                 _("output channels"): module.out_channels, _("weights"): f"{module.weights:,}",
                 _("without bottleneck"): f"{module.naive_weights:,} ({module.naive_out_channels} {_('channels')})"})
    return pd.DataFrame(rows)


def residual_block(title: str | None = None):
    """One residual block drawn: x through two weight layers as F(x), the identity shortcut around them, F(x) + x."""
    import plotly.graph_objects as go

    fig = go.Figure()
    _box(fig, 0, 4, "x", "#eeeeee", w=0.3, h=0.25)
    _box(fig, 0, 3, _("3×3 conv, BN, ReLU"), "#c6dbef", w=0.9)
    _box(fig, 0, 2, _("3×3 conv, BN"), "#c6dbef", w=0.9)
    _box(fig, 0, 0.9, "⊕", "#ffffff", w=0.22, h=0.22)
    _box(fig, 0, 0, _("ReLU → F(x) + x"), "#dadaeb", w=0.9, h=0.28)
    for y0, y1 in ((3.75, 3.32), (2.68, 2.32), (1.68, 1.12), (0.68, 0.28)):
        _arrow(fig, 0, y0, 0, y1)
    fig.add_shape(type="path", path="M 0.3 4 L 1.5 4 L 1.5 0.9 L 0.22 0.9", line=dict(color=RESIDUAL_COLOR, width=3))
    fig.add_annotation(x=1.55, y=2.5, text=_("identity shortcut: x"), showarrow=False, xanchor="left",
                       font=dict(color=RESIDUAL_COLOR))
    fig.add_annotation(x=-1.0, y=2.5, text="F(x)", showarrow=False, xanchor="right",
                       font=dict(size=18, color=TEXT_COLOR))
    fig.update_xaxes(visible=False, range=[-1.6, 2.8])
    fig.update_yaxes(visible=False, range=[-0.5, 4.5])
    return _layout(fig, title or _("A residual block: F(x) + x"), 420)


def loss_curves(histories, title: str | None = None):
    """Both nets' training loss per step (``histories``: ``{"plain": History, "residual": History}``)."""
    names = {_("plain (no shortcuts)"): histories["plain"], _("residual (identity shortcuts)"): histories["residual"]}
    colors = dict(zip(names, (PLAIN_COLOR, RESIDUAL_COLOR)))
    fig = line_curves({n: (h.steps, h.losses) for n, h in names.items()}, x_title=_("step"),
                      y_title=_("training loss"), title=title or _("Training loss: plain against residual"),
                      colors=colors)
    return fig.update_layout(legend=LEGEND)


def gradient_norms(plain: np.ndarray, residual: np.ndarray, layers: Sequence[str], title: str | None = None):
    """Per-layer gradient norms ``(steps, layers)`` of both nets, averaged over the first 20 steps."""
    series = {}
    for name, norms in ((_("plain (no shortcuts)"), plain), (_("residual (identity shortcuts)"), residual)):
        if len(norms):
            series[name] = (list(layers), np.asarray(norms)[:20].mean(0).tolist())
    fig = line_curves(series, x_title=_("layer (input → output)"), y_title=_("gradient norm"),
                      title=title or _("Gradient norm per layer"),
                      colors=dict(zip(series, (PLAIN_COLOR, RESIDUAL_COLOR))))
    fig.update_yaxes(type="log", dtick="D2")
    fig.update_xaxes(type="category", tickangle=-60)
    return fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, x=1, xanchor="right"))
