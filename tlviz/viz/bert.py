"""BERT lesson figures, drawn natively (no bertviz, no CDN): head view, model view, neuron view, attribution bars,
predictions, and two small self-contained HTML snippets (the filled-in sentence and the masking recipe table).

Pure functions: numpy arrays and labels in, ``go.Figure`` or an HTML string out. Every piece of text that came
from the student (tokens are pieces of what they typed) is HTML-escaped before it reaches a figure or HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz import fit
from tlviz.viz.core import (
    ATTENTION_SCALE,
    DIVERGING_SCALE,
    FONT,
    _labels,
    _layout,
    attention_heatmap,
    bar_topk,
    head_color,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

SEGMENT_COLORS = ("#1f4e79", "#7a3b00")  # segment A, segment B token text
SPECIAL_COLOR = "#7f7f7f"
KIND_STYLE = {  # masking recipe: kind -> (label, background)
    0: (N_("kept"), "#ffffff"), 1: (N_("→ [MASK] (80%)"), "#fdd49e"), 2: (N_("→ random token (10%)"), "#fcbba1"),
    3: (N_("unchanged, still predicted (10%)"), "#c7e9c0")}


def esc(text) -> str:
    """HTML-escape anything shown in a figure or an HTML snippet (quotes included)."""
    return html.escape(str(text), quote=True)


def safe_labels(tokens: Sequence[str]) -> list[str]:
    """Token labels for plotly: escaped (plotly.js shows entities as characters) and made unique."""
    return _labels([esc(t) for t in tokens], len(tokens))


def head_view(weights, tokens: Sequence[str], heads: Sequence[int] | None = None, query: int | None = None,
              segments=None, special=None, threshold: float = 0.02, title: str | None = None,
              layer_name: str = "") -> go.Figure:
    """bertviz's head view: each token on the left (query) linked to the tokens on the right (keys) it attends to;
    line opacity = attention weight, one colour per head (click a head in the legend to hide it).

    ``weights`` (H, T, T) of one layer; ``heads`` which heads to draw (default all); ``query`` draws only that
    token's lines; weights under ``threshold`` are not drawn (they would be invisible anyway).
    """
    import plotly.graph_objects as go

    w = np.asarray(weights, dtype=float)
    if w.ndim != 3:
        raise ValueError(f"head_view expects (heads, T, T), got {w.shape}")
    H, T = w.shape[:2]
    heads = list(range(H)) if heads is None else [h for h in heads if 0 <= h < H]
    y = np.arange(T)
    levels = np.array([0.1, 0.25, 0.45, 0.7, 1.0])  # opacity bins: one trace per (head, bin) keeps it fast
    fig = go.Figure()
    rows = np.arange(T) if query is None else np.array([query])
    for h in heads:
        block = w[h][rows]  # (R, T): the drawn queries' rows
        first = True
        for b, level in enumerate(levels):
            lo = 0.0 if b == 0 else levels[b - 1]
            r, j = np.nonzero((block >= threshold) & (block > lo) & (block <= level))
            if r.size == 0:
                continue
            xs = np.tile(np.array([0.0, 1.0, np.nan], np.float32), r.size)  # per (query, key): x0, x1, gap
            ys = np.stack([rows[r], j, np.full(r.size, np.nan)], axis=1).ravel().astype(np.float32)
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", line=dict(color=head_color(h), width=1 + 4 * level),
                opacity=float(min(1.0, 0.08 + 0.92 * level)), name=_("head {n}").format(n=h + 1), legendgroup=f"h{h}",
                showlegend=first, hoverinfo="skip"))
            first = False
    seg = np.zeros(T, int) if segments is None else np.asarray(segments)
    spec = np.zeros(T, bool) if special is None else np.asarray(special, bool)
    colors = [SPECIAL_COLOR if spec[i] else SEGMENT_COLORS[int(seg[i]) % 2] for i in range(T)]
    labels = [esc(t) for t in tokens]
    for x, pos in ((0.0, "middle left"), (1.0, "middle right")):
        fig.add_trace(go.Scatter(
            x=[x] * T, y=y, mode="markers+text", text=labels, textposition=pos,
            textfont=dict(color=colors, size=FONT["size"]),
            marker=dict(size=7, color=colors), showlegend=False,
            customdata=np.arange(T), hovertemplate="%{text}<extra></extra>"))
    if query is not None and 0 <= query < T:
        fig.add_shape(type="rect", x0=-0.6, x1=-0.02, y0=query - 0.45, y1=query + 0.45,
                      line=dict(width=0), fillcolor="rgba(255,215,0,0.35)", layer="below")
    fig.update_xaxes(visible=False, range=[-0.8, 1.8])
    fig.update_yaxes(visible=False, range=[T - 0.5, -1.2])
    width = fit.chars_per_line(1 / 2.6, FONT["size"])  # the two columns are 1/2.6 of the plot apart
    heads_of = [fit.wrap(_("query (attending)"), width), fit.wrap(_("key (attended to)"), width)]
    for x, text in enumerate(heads_of):
        fig.add_annotation(x=x, y=-1.1, text=text, showarrow=False, xanchor="center", yanchor="bottom")
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=0.0, x=0, title=esc(layer_name)))
    _layout(fig, title, height=max(300, 24 * T + 120))
    extra = max(t.count("<br>") for t in heads_of)  # lines added grow upwards, into the top margin
    return fig.update_layout(margin=dict(t=fig.layout.margin.t + extra * FONT["size"] * 1.3)) if extra else fig


def model_view(weights, tokens: Sequence[str], title: str | None = None, cell_px: int = 110) -> go.Figure:
    """All layers (rows) x all heads (columns) as thumbnails, drawn as ONE heatmap mosaic (fast even at 12 x 12
    heads x 64 tokens). Weights are quantised to 256 levels (invisible at thumbnail size, 4-8 times less data)."""
    import plotly.graph_objects as go

    w = np.asarray(weights, dtype=float)
    L, H, T = w.shape[:3]
    gap = max(1, T // 12)
    size = T + gap
    # gaps are 0 (white, like zero attention); plotly ships uint8 as base64, and runs of 0 encode as "AAAA"
    mosaic = np.zeros((L * size - gap, H * size - gap), dtype=np.uint8)
    for layer in range(L):
        for h in range(H):
            r0, c0 = layer * size, h * size
            mosaic[r0:r0 + T, c0:c0 + T] = np.round(np.clip(w[layer, h], 0, 1) * 255).astype(np.uint8)
    fig = go.Figure(go.Heatmap(
        z=mosaic, zmin=0, zmax=255, colorscale=ATTENTION_SCALE, showscale=True, hoverinfo="skip",
        colorbar=dict(title=_("weight"), thickness=10, tickvals=[0, 128, 255], ticktext=["0", "0.5", "1"])))
    centres = [i * size + (T - 1) / 2 for i in range(max(L, H))]
    fig.update_xaxes(tickvals=centres[:H], ticktext=[_("head {n}").format(n=h + 1) for h in range(H)],
                     side="top", showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(tickvals=centres[:L], ticktext=[_("layer {n}").format(n=i + 1) for i in range(L)],
                     autorange="reversed", showgrid=False, zeroline=False, scaleanchor="x")
    # the plot is about 600 px wide in the page's column: make the height fit the mosaic's aspect ratio
    width_px = min(600, cell_px * H)
    _layout(fig, title, height=int(width_px * L / H) + 130)
    return fig.update_layout(margin=dict(t=80 if title else 45))  # the head names sit under the title, not on it


def neuron_view(query, keys, products, scores, weights, tokens: Sequence[str], query_token: str,
                title: str | None = None) -> go.Figure:
    """One head, one query: the query vector q, every key k_j, their elementwise products q*k_j, the scores
    sum(q*k_j)/sqrt(d) and the softmax weights (bertviz's neuron view)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    k = np.asarray(keys, float)
    T, D = k.shape
    labels = safe_labels(tokens)
    dims = [str(i) for i in range(D)]
    fig = make_subplots(rows=2, cols=4, row_heights=[0.08, 0.92], column_widths=[0.36, 0.36, 0.14, 0.14],
                        shared_yaxes=False, horizontal_spacing=0.04, vertical_spacing=0.06,
                        subplot_titles=[_("query q ({token})").format(token=esc(query_token)), "", "", "",
                                        _("keys k"), _("q × k (elementwise)"), "q·k / √d", "softmax"])
    def signed(z, x, y, row, col, bound, show=False):
        fig.add_trace(go.Heatmap(z=z, x=x, y=y, zmin=-bound, zmax=bound, zmid=0, colorscale=DIVERGING_SCALE,
                                 showscale=show, colorbar=dict(thickness=10, len=0.4, y=0.3),
                                 hovertemplate="%{y}, dim %{x}: %{z:.3f}<extra></extra>"), row=row, col=col)
    qb = float(max(np.abs(query).max(), np.abs(k).max(), 1e-9))
    signed(np.asarray(query, float)[None, :], dims, ["q"], 1, 1, qb)
    signed(k, dims, labels, 2, 1, qb)
    pb = float(max(np.abs(products).max(), 1e-9))
    signed(np.asarray(products, float), dims, labels, 2, 2, pb)
    sb = float(max(np.abs(scores).max(), 1e-9))
    s = np.asarray(scores, float)[:, None]
    fig.add_trace(go.Heatmap(z=s, x=["score"], y=labels, zmin=-sb, zmax=sb, zmid=0, colorscale=DIVERGING_SCALE,
                             showscale=False, text=np.vectorize(lambda v: f"{v:.1f}")(s), texttemplate="%{text}",
                             hovertemplate="%{y}: score %{z:.3f}<extra></extra>"), row=2, col=3)
    wv = np.asarray(weights, float)[:, None]
    fig.add_trace(go.Heatmap(z=wv, x=["weight"], y=labels, zmin=0, zmax=1, colorscale=ATTENTION_SCALE,
                             showscale=False, text=np.vectorize(lambda v: f"{v:.2f}")(wv), texttemplate="%{text}",
                             hovertemplate="%{y}: weight %{z:.3f}<extra></extra>"), row=2, col=4)
    for col in range(1, 5):
        fig.update_yaxes(autorange="reversed", type="category", row=2, col=col, showticklabels=(col in (1, 3)))
        fig.update_xaxes(showticklabels=False, row=2, col=col)
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    for col in range(2, 5):
        fig.update_xaxes(visible=False, row=1, col=col)
        fig.update_yaxes(visible=False, row=1, col=col)
    _layout(fig, title, height=max(380, 22 * T + 180))
    fig.update_layout(margin=dict(t=75 if title else 25))
    return fit.subplot_titles(fig, [0.36, 0.36, 0.36, 0.14, 0.14])


def attribution_bars(tokens: Sequence[str], scores, target: str, title: str | None = None,
                     y_title: str | None = None) -> go.Figure:
    """Integrated-gradients attribution per input token: blue pushed towards the prediction, red against."""
    import plotly.graph_objects as go

    s = np.asarray(scores, float)
    labels = safe_labels(tokens)
    colors = ["#2166ac" if v >= 0 else "#b2182b" for v in s]
    fig = go.Figure(go.Bar(x=labels, y=s, marker_color=colors,
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>", name=_("attribution")))
    fig.update_xaxes(type="category", tickangle=-45 if len(labels) <= 10 else -90,  # upright: none overlap
                     tickfont=dict(size=14 if len(labels) <= 12 else 12))
    fig.update_yaxes(title=y_title or _("attribution to '{target}'").format(target=esc(target)), zeroline=True,
                     zerolinecolor="#444")
    return _layout(fig, title, height=360)


def predictions(candidates: Sequence[tuple[str, float]], title: str | None = None,
                truth: str | None = None) -> go.Figure:
    """Top-k candidates of one [MASK] as bars (the true word, when known, in red)."""
    labels = [esc(t) for t, _p in candidates]
    return bar_topk(labels, [p for _t, p in candidates], title=title, x_title=_("probability"),
                    highlight=esc(truth) if truth is not None else None)


# --- small HTML snippets (everything escaped) --------------------------------------------------------------------

_CSS = ("font-family:sans-serif;font-size:18px;line-height:2.1;")


def _chip(text: str, bg: str, title: str = "", bold: bool = False) -> str:
    weight = "font-weight:bold;" if bold else ""
    return (f'<span title="{esc(title)}" style="background:{bg};padding:2px 6px;margin:2px;border-radius:4px;'
            f'border:1px solid #ccc;white-space:nowrap;{weight}">'
            f'{esc(text)}</span>')


def tokens_html(tokens: Sequence[str], segments=None, special=None,
                fills: dict[int, tuple[str, float]] | None = None) -> str:
    """The word pieces as chips: segment A blue, segment B orange, [CLS]/[SEP] grey; a [MASK] with a prediction
    shows it ("[MASK] → milk 42%")."""
    seg = np.zeros(len(tokens), int) if segments is None else np.asarray(segments)
    spec = np.zeros(len(tokens), bool) if special is None else np.asarray(special, bool)
    parts = []
    for i, t in enumerate(tokens):
        bg = "#eeeeee" if spec[i] else ("#dbe9f6" if int(seg[i]) == 0 else "#fde0c5")
        label = _("{segment} · position {i}").format(segment="A" if int(seg[i]) == 0 else "B", i=i)
        if fills and i in fills:
            word, p = fills[i]
            parts.append(_chip(f"{t} → {word} {p:.0%}", "#fff3b0", label, bold=True))
        else:
            parts.append(_chip(t, bg, label))
    return f'<div style="{_CSS}">{"<wbr>".join(parts)}</div>'  # <wbr>: the chips wrap on a narrow screen


def masking_html(tokens: Sequence[str], corrupted: Sequence[str], kinds,
                 predictions: dict[int, list[tuple[str, float]]] | None) -> str:
    """The masking recipe as a table: original token, what the model sees, and its guess at chosen positions."""
    rows = []
    for i, (orig, shown) in enumerate(zip(tokens, corrupted)):
        kind = int(kinds[i])
        if kind == 0:
            continue
        label, bg = KIND_STYLE[kind]
        if predictions is None:
            guess = _("— (no MLM head)")
        else:
            guess = ", ".join(f"{esc(t)} {p:.0%}" for t, p in predictions.get(i, []))
            hit = bool(predictions.get(i)) and predictions[i][0][0] == orig
            guess = ("✓ " if hit else "✗ ") + guess
        rows.append(f'<tr style="background:{bg}"><td>{i}</td><td><b>{esc(orig)}</b></td><td>{esc(shown)}</td>'
                    f"<td>{esc(_(label))}</td><td>{guess}</td></tr>")
    if not rows:
        none = esc(_("No position was chosen this time: try another seed."))
        rows.append(f'<tr><td colspan="5">{none}</td></tr>')
    head = "<tr>" + "".join(f"<th>{esc(_(h))}</th>" for h in (
        N_("position"), N_("original"), N_("model sees"), N_("what the recipe did"),
        N_("model's guess for the original"))) + "</tr>"
    sentence = " ".join(_chip(t, KIND_STYLE[int(k)][1]) for t, k in zip(corrupted, kinds))
    return (f'<div style="{_CSS}">{sentence}</div>'
            f'<div style="overflow-x:auto"><table style="font-family:sans-serif;font-size:16px;'
            f'border-collapse:collapse" border="1" cellpadding="6">{head}{"".join(rows)}</table></div>')


def weights_table(weights, tokens: Sequence[str]):
    """An attention matrix (T, T) as a DataFrame for CSV export, rows = queries, columns = keys."""
    import pandas as pd

    return pd.DataFrame(np.asarray(weights, float), index=list(tokens), columns=_labels(list(tokens), len(tokens)))


def all_ticks(fig: go.Figure) -> go.Figure:
    """Label every row and column of a token heatmap (plotly skips category ticks when it thinks them crowded);
    beyond 32 tokens the labels would overlap, so plotly's own choice is kept."""
    for axis, key in ((fig.update_xaxes, "x"), (fig.update_yaxes, "y")):
        labels = list(getattr(fig.data[-1], key))
        if len(labels) > 32:
            continue
        axis(tickmode="array", tickvals=labels, ticktext=labels, tickfont=dict(size=12 if len(labels) > 12 else 14))
    if len(fig.data[-1].x) > 10:  # upright key labels: one label's height per column, so a phone holds 16
        fig.update_xaxes(tickangle=-90)
    return fig


# --- the lesson: its texts, and its figures from a trace (pure: arrays and labels in) ---------------------------

INTRO = N_("BERT reads the whole sentence at once (left **and** right context) and was pretrained to guess hidden "
           "words: type a sentence with `[MASK]`, or click a word to hide it. Then look inside: every layer has "
           "several attention **heads**, each its own pattern. A pair of sentences is written `A [SEP] B`.")
EXPLAIN = {
    "chips": N_("Blue chips: segment A; orange: segment B; grey: [CLS] (its output summarises the input) and "
                "[SEP] (ends each segment). Hover a chip for its segment and position."),
    "no_mlm": N_("{model} has no masked-LM head, so it offers no predictions. Its attention below is real."),
    "no_mask": N_("No [MASK] in the sentence: type [MASK] or click a word above to see predictions."),
    "pred": N_("Probabilities from the MLM head's softmax over the whole vocabulary; ## marks a word piece that "
               "continues a word."),
    "pred_truth": N_("Probabilities from the MLM head's softmax over the whole vocabulary; ## marks a word piece "
                     "that continues a word; the hidden word '{word}' is red when it is among them."),
    "heatmap": N_("Row = the token attending (query), column = the token attended to (key); each row sums to 1."),
    "heatmap_hidden": N_("Row = the token attending (query), column = the token attended to (key); each row sums "
                         "to 1 (renormalised after hiding [CLS]/[SEP])."),
    "headview": N_("Head view (as in bertviz): each token on the left sends lines to the tokens it attends to; "
                   "thicker, darker lines = more attention. With every head, one colour each: click the legend."),
    "modelview": N_("Each thumbnail is one head's attention matrix (as in the heatmap above). Patterns to spot: "
                    "attend to the next / previous token, to [SEP], to the same word, broad averaging."),
    "neuron": N_("q·k: the query of one token times each key, dimension by dimension (red negative, blue "
                 "positive); the sums / √d are the scores, whose softmax is the attention row."),
    "neuron_hidden": N_("q·k: the query of one token times each key, dimension by dimension (red negative, blue "
                        "positive); the sums / √d are the scores, whose softmax is the attention row (recomputed "
                        "over the remaining tokens)."),
    "ig": N_("captum LayerIntegratedGradients on the embeddings, from an all-[PAD] baseline; blue pushed towards "
             "the prediction, red against. Completeness gap {delta:.1e}."),
    "ig_att": N_("Where the [MASK] looked, averaged over all layers and heads. Often not where the attribution "
                 "is: attention ≠ explanation."),
    "no_attribution": N_("Attribution explains a prediction: use a model with an MLM head and a [MASK] in the "
                         "sentence."),
    "recipe": N_("Seed {seed}: {rate:.0%} of the word pieces (never [CLS]/[SEP] or a [MASK] you typed) are chosen; "
                 "of those 80% become [MASK], 10% a random token, 10% stay unchanged, and the model must output the "
                 "original at every chosen position. The random and unchanged ones stop it from trusting only "
                 "[MASK] positions."),
    "nsp": N_("The NSP head's softmax over two classes: the pooler (dense + tanh) reads the final [CLS] output, a "
              "linear layer gives one score for IsNext (B follows A) and one for NotNext (B is a random sentence)."),
}
NOT_AN_EXPLANATION = N_("Attention is not an explanation: a head's weights show where information is mixed from, "
                        "not why the model predicts what it does (Jain & Wallace 2019). Compare with the "
                        "attribution below.")
NSP = N_("**Next-sentence prediction.** BERT was also shown sentence pairs `A [SEP] B`: half the time B really "
         "followed A (IsNext), half the time B was a random sentence (NotNext); a classifier on the [CLS] output "
         "learned to tell them apart.")


def nsp_figure(ns) -> go.Figure:
    """A :class:`tlviz.bert_nsp.NextSentence`'s two probabilities as bars, the model's answer in red."""
    answer = "IsNext" if ns.is_next >= ns.not_next else "NotNext"
    return bar_topk(["IsNext", "NotNext"], [ns.is_next, ns.not_next], highlight=answer, x_title=_("probability"),
                    title=_("Does B follow A? The model says {answer}").format(answer=answer))


def view_title(layer: int, head: int | None) -> str:
    """``layer 2, head 3`` (0-based in, 1-based out); ``head=None``: the heads averaged."""
    what = _("heads averaged") if head is None else _("head {n}").format(n=head + 1)
    return _("layer {n}").format(n=layer + 1) + ", " + what


def heatmap(trace, layer: int, head: int | None) -> go.Figure:
    """One head's (T, T) attention of ``trace`` (weights (L, H, T, T); ``head=None``: head 0 of an averaged
    view) with every token labelled."""
    labels = safe_labels(trace.tokens)
    fig = attention_heatmap(trace.weights[layer, head or 0], labels, labels, title=view_title(layer, head),
                            x_title=_("key (attended to)"), y_title=_("query (attending)"),
                            height=min(950, max(460, 24 * len(trace.tokens) + 210)))
    # the colour bar under the map, not beside it: the key columns get its width (on a phone, 16 keys fit)
    fig.update_traces(colorbar=dict(orientation="h", thickness=10, len=0.6, x=0.5, xanchor="center", y=-0.02,
                                    yanchor="top"), selector=dict(showscale=True))
    return all_ticks(fig)


def layer_head_view(trace, layer: int, head: int | None, query: int | None) -> go.Figure:
    """The head view of one layer of ``trace``: one head, or every head (``head=None``); lines from every token
    or from ``query`` only."""
    return head_view(trace.weights[layer], trace.tokens, None if head is None else [head], query, trace.segments,
                     trace.special, layer_name=_("layer {n}").format(n=layer + 1))


def neuron_figure(nv, tokens: Sequence[str], query: int, layer: int, head: int) -> go.Figure:
    """:func:`neuron_view` of a :class:`tlviz.bert.NeuronView` (one head, one query)."""
    title = _("Neuron view: {view}, query '{token}'").format(view=view_title(layer, head), token=esc(tokens[query]))
    return neuron_view(nv.query, nv.keys, nv.products, nv.scores, nv.weights, tokens, tokens[query], title=title)


def prediction_figures(candidates: Sequence[Sequence[tuple[str, float]]], truth: str | None) -> list[go.Figure]:
    """One bar chart per [MASK], in order (the hidden word in red when it is among the candidates)."""
    return [predictions(c, title=_("[MASK] #{n}").format(n=m + 1), truth=truth) for m, c in enumerate(candidates)]


def prediction_explanation(truth: str | None) -> str:
    return _(EXPLAIN["pred_truth"]).format(word=truth) if truth else _(EXPLAIN["pred"])


def prediction_notice(has_mlm: bool, has_mask: bool, model: str) -> str | None:
    """Why there are no predictions, or None when there are."""
    if not has_mlm:
        return _(EXPLAIN["no_mlm"]).format(model=model)
    return None if has_mask else _(EXPLAIN["no_mask"])


def explain(key: str, hidden: bool = False, **values) -> str:
    """The translated explanation of figure ``key`` (its variant for hidden [CLS]/[SEP] when there is one)."""
    text = EXPLAIN.get(f"{key}_hidden", EXPLAIN[key]) if hidden else EXPLAIN[key]
    return _(text).format(**values) if values else _(text)


def token_option(tokens: Sequence[str]):
    """A select box's label for a token position (``-1``: every token)."""
    return lambda i: _("all tokens") if i < 0 else f"{i}: {tokens[i]}"


def reading_html(trace, fills: dict[int, tuple[str, float]] | None = None) -> str:
    """:func:`tokens_html` of a trace's word pieces, each [MASK] with the model's first guess."""
    return tokens_html(trace.tokens, trace.segments, trace.special, fills)


def layer_label(n: int) -> str:
    return _("layer {n}").format(n=n)


def head_label(n: int) -> str:
    return _("head {n}").format(n=n)


BEFORE_CLASS = N_("**Teacher, before class:** {model} is an offline stand-in, far weaker than BERT itself (the "
                  "note under the model list says what it can and cannot do). To show "
                  "bert-base-uncased in class without internet, run `make prefetch` (the same as `python -m "
                  "tlviz.recipes.prefetch`; add `bert-base-uncased` to fetch that model alone) once on a machine "
                  "with internet, copy the cache (~/.cache/huggingface) to the classroom machine, then pick “BERT "
                  "base uncased” in the model list above.")


def reading_notes(language: str | None, has_mlm: bool, has_mask: bool, model: str,
                  offline: bool = False) -> list[tuple[str, str]]:
    """What to tell the student about a reading, as ``(kind, text)``: ``warning`` for a language the model does
    not know, ``info`` for why there are no predictions and, for an ``offline`` model (packaged or ours), how the
    teacher gets bert-base-uncased before class."""
    notes = [("warning", language)] if language else []
    notice = prediction_notice(has_mlm, has_mask, model)
    teacher = [("info", _(BEFORE_CLASS).format(model=model))] if offline else []
    return notes + ([("info", notice)] if notice else []) + teacher


def attribution_figure(att) -> go.Figure:
    """The integrated-gradients bars of a :class:`tlviz.bert.Attribution`."""
    title = _("IG for '{word}' ({p:.0%})").format(word=esc(att.target), p=att.probability)
    return attribution_bars(att.tokens, att.scores, att.target, title=title)


def mask_attention_figure(tokens: Sequence[str], row) -> go.Figure:
    """Where the [MASK] looked (``row`` (T,), averaged over every layer and head), as bars beside the IG ones."""
    return attribution_bars(tokens, row, "attention", title=_("Attention from the [MASK]"),
                            y_title=_("attention weight"))
