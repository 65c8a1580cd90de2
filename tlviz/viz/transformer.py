"""Figures of the from-scratch Transformer lesson (pure: traces/arrays + labels in, ``go.Figure`` out).

:func:`walkthrough` turns one :class:`~tlviz.transformer.TransformerTrace` into the lecture's sequence of steps
(tokens, embeddings + PE, Q/K/V, scores, mask, softmax, weights x V, concatenation, W_o, residual + norm,
feed-forward), each a :class:`Step` with its figure and a short explanation, so the page only loops over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz import fit
from tlviz.viz.core import (
    ATTENTION_SCALE,
    DIVERGING_SCALE,
    HEAD_COLORS,
    _labels,
    _layout,
    attention_heatmap,
    bar_topk,
    heatmap_grid,
    matrix_heatmap,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: The three attention blocks, by key (the URL's ``block=``); names translated where shown: ``_(BLOCKS[key])``.
#: The padding option: one name on its checkbox and wherever a text points to it.
PAD_LABEL = N_("Pad the source")
PAD_HELP = N_("Adds 3 <pad> tokens to the source sentence, as in a batch of sentences of different lengths: step 5 "
              "then shows the padding mask.")
BLOCKS = {
    "encoder": N_("Encoder self-attention"),
    "decoder": N_("Decoder masked self-attention"),
    "cross": N_("Encoder-decoder (cross) attention"),
}

#: The Transformer lesson's introduction, under its title.
INTRO = N_("An encoder-decoder Transformer (Vaswani et al., 2017) written from scratch in tlviz. Follow one sentence "
           "through it (embeddings, Q/K/V, scaled dot-product attention, masks, heads, residual + LayerNorm, "
           "feed-forward), train it live with teacher forcing, and watch greedy decoding word by word.")
#: The Transformer lesson's tabs, in order.
TABS = (N_("① Walk-through"), N_("② Attention maps"), N_("③ Train live"), N_("④ Greedy decoding"), N_("⑤ Loss"),
        N_("⑥ The paper's model"))
TEACHER_FORCING = N_("**Teacher forcing.** The decoder is fed the correct target shifted right behind `<sos>` and "
                     "learns to predict the next word at every position at once:")


@dataclass
class Step:
    title: str
    fig: go.Figure
    text: str  # the explanation under the figure
    key: str
    table: object = None  # optional DataFrame for the CSV export
    intro: str = ""  # optional markdown shown before the title


def _shape(a) -> str:
    return "(" + ", ".join(str(s) for s in np.shape(a)) + ")"


def side_by_side(mats: Sequence[np.ndarray], titles: Sequence[str], y_labels: Sequence[str], x_title: str = "",
                 height: int | None = None, title: str | None = None, symmetric: bool = True) -> go.Figure:
    """Several matrices with the same rows next to each other, on one diverging colour scale each."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(mats), subplot_titles=list(titles), horizontal_spacing=0.04)
    yl = _labels(y_labels, len(y_labels))
    for i, m in enumerate(mats):
        m = np.asarray(m, dtype=float)
        bound = float(np.max(np.abs(m[np.isfinite(m)]))) if np.isfinite(m).any() else 1.0
        fig.add_trace(go.Heatmap(z=m, y=yl, x=list(range(m.shape[1])), colorscale=DIVERGING_SCALE, zmid=0,
                                 zmin=-bound if symmetric else None, zmax=bound if symmetric else None,
                                 showscale=False, xgap=0, ygap=1, name=titles[i],
                                 hovertemplate="%{y}, dim %{x}<br>%{z:.3f}<extra></extra>"), row=1, col=i + 1)
        fig.update_xaxes(title_text=x_title, row=1, col=i + 1)
        fig.update_yaxes(showticklabels=(i == 0), autorange="reversed", type="category", row=1, col=i + 1)
    _layout(fig, title, height or max(220, 34 * len(y_labels) + 110))
    return fit.subplot_titles(fig, fit.equal_panels(len(mats), 0.04))  # three titles side by side fit a phone


def tokens_table(tokens: Sequence[str], ids: Sequence[int], title: str | None = None) -> go.Figure:
    """Tokens and their vocabulary ids as a small table figure."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Table(
        header=dict(values=[_("position")] + list(range(len(tokens))), fill_color="#deebf7", font=dict(size=15)),
        cells=dict(values=[[_("token"), _("id")]] + [[t, int(i)] for t, i in zip(tokens, ids)], font=dict(size=15),
                   height=30)))
    return _layout(fig, title, height=140)


def concat_heads(concat: np.ndarray, n_heads: int, y_labels: Sequence[str], title: str | None = None) -> go.Figure:
    """(L, h * d_k) heads side by side, with each head's block outlined in its colour."""
    fig = matrix_heatmap(concat, x_labels=[str(i) for i in range(concat.shape[1])], y_labels=y_labels,
                         title=title, show_values=False, x_title=_("dimension (head by head)"))
    d_k = concat.shape[1] // n_heads
    for h in range(n_heads):
        fig.add_shape(type="rect", x0=h * d_k - 0.5, x1=(h + 1) * d_k - 0.5, y0=-0.5, y1=len(y_labels) - 0.5,
                      line=dict(color=HEAD_COLORS[h % len(HEAD_COLORS)], width=3))
    return fig


def walkthrough(trace, src_tokens: Sequence[str], tgt_tokens: Sequence[str], block: str = "encoder",
                layer: int = 0, head: int = 0) -> list[Step]:
    """The lecture's steps for one attention block of one layer and one head (batch item 0)."""
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {list(BLOCKS)}")
    layer_tr = trace.encoder[layer] if block == "encoder" else trace.decoder[layer]
    attn = layer_tr.cross_attn if block == "cross" else layer_tr.self_attn
    is_enc, cross = block == "encoder", block == "cross"
    q_tokens = list(src_tokens if is_enc else tgt_tokens)
    k_tokens = list(src_tokens if block != "decoder" else tgt_tokens)
    d = trace.src_embedding.shape[-1]
    h_count, d_k = attn.q.shape[1], attn.q.shape[-1]
    q, k, v = attn.q[0, head], attn.k[0, head], attn.v[0, head]  # (Lq or Lk, d_k) each
    dim, tag, n = _("dimension"), f"{block}-{layer}-{head}", head + 1
    steps: list[Step] = []
    if layer == 0 and not cross:
        ids = trace.src_ids[0] if is_enc else trace.tgt_ids[0]
        emb, pos, inp = ((trace.src_embedding, trace.src_position, trace.src_input) if is_enc else
                         (trace.tgt_embedding, trace.tgt_position, trace.tgt_input))
        steps.append(Step(_("1. Tokens → ids"), tokens_table(q_tokens, ids), _(
            "Each word is looked up in the vocabulary. Words the model never saw become <unk>; the source ends "
            "with <eos>.") if is_enc else _(
            "The decoder input is the target shifted right behind <sos> (teacher forcing in training; at "
            "inference, the output so far)."), f"tok-{tag}"))
        steps.append(Step(_("2. Embedding × √d_model + positional encoding → {shape}").format(shape=_shape(inp[0])),
                          side_by_side([emb[0], pos, inp[0]], [
                              _("embedding × √{d} {shape}").format(d=d, shape=_shape(emb[0])),
                              _("positional encoding {shape}").format(shape=_shape(pos)),
                              _("sum = encoder input {shape}").format(shape=_shape(inp[0]))], q_tokens, dim),
                          _("One row per token. The sinusoidal encoding (sin on even, cos on odd dimensions) is "
                            "added so the model knows the word order; attention itself is order-blind."), f"emb-{tag}"))
    x_in = layer_tr.add_norm1[0] if cross else layer_tr.input[0]
    if cross:
        qkv = side_by_side([q], [_("Q = decoder·W_q {shape}").format(shape=_shape(q))], q_tokens, dim)
    else:
        qkv = side_by_side([q, k, v], [f"Q = x·W_q {_shape(q)}", f"K = x·W_k {_shape(k)}", f"V = x·W_v {_shape(v)}"],
                           q_tokens, dim)
    steps.append(Step(
        _("3. {what} of head {head}: ({n}, {d}) × W → ({n}, {d_k})").format(
            what="Q" if cross else "Q, K, V", head=n, n=len(q_tokens), d=d, d_k=d_k), qkv,
        _("Separate linear layers map the layer input {shape} to queries, keys and values; every head has its own "
          "slice of size d_k = {d_k} (here {h} heads × {d_k} = {inner}).").format(
            shape=_shape(x_in), d_k=d_k, h=h_count, inner=h_count * d_k)
        + (" " + _("In cross-attention the queries come from the decoder, keys and values from the encoder's "
                   "output.") if cross else ""), f"qkv-{tag}"))
    if cross:
        steps.append(Step(_("3b. K and V from the encoder output {shape}").format(shape=_shape(k)), side_by_side(
            [k, v], ["K = memory·W_k", "V = memory·W_v"], k_tokens, dim),
            _("The same encoder output (computed once) gives the keys and values of every decoder layer."),
            f"kv-{tag}"))
    raw, mask = attn.raw_scores[0, head], attn.mask[0]  # (Lq, Lk) each
    axes = dict(x_labels=k_tokens, y_labels=q_tokens, x_title=_("key"), y_title=_("query"), value_name=_("score"))
    steps.append(Step(_("4. Scores Q·Kᵀ / √d_k = Q·Kᵀ / √{d_k} → {shape}").format(d_k=d_k, shape=_shape(raw)),
                      matrix_heatmap(raw, **axes),
                      _("How well each query matches each key: a dot product, scaled by √d_k so large dimensions do "
                        "not push the softmax into regions with tiny gradients."), f"scores-{tag}"))
    if block == "decoder":
        why = _("The look-ahead mask: position i may only attend to positions ≤ i, so the decoder cannot peek at the "
                "words it must predict.")
    elif not (~mask).any():
        why = _("Padding positions would be set to −∞ here; a single sentence has no padding, so nothing is masked "
                "(tick “{pad}” above to see a padding mask).").format(pad=_(PAD_LABEL))
    else:
        why = _("Padding keys are set to −∞ and get zero weight after the softmax.")
    steps.append(Step(_("5. Mask: forbidden cells become −∞"), matrix_heatmap(raw, masked=~mask, **axes), why,
                      f"mask-{tag}"))
    steps.append(Step(_("6. Softmax over each row → attention weights"), attention_heatmap(
        attn.weights[0, head], k_tokens, q_tokens),
        _("Each row sums to 1: how much each query word draws from every key word (−∞ became exactly 0)."),
        f"softmax-{tag}"))
    out_h = attn.heads[0, head]  # (Lq, d_k)
    steps.append(Step(_("7. Weights × V → head {head}'s output {shape}").format(head=n, shape=_shape(out_h)),
                      side_by_side([out_h], [f"softmax(QKᵀ/√d_k)·V {_shape(out_h)}"], q_tokens, dim),
                      _("Every output row is a weighted average of the value vectors."), f"wv-{tag}"))
    steps.append(Step(_("8. All {h} heads concatenated → {shape}").format(h=h_count, shape=_shape(attn.concat[0])),
                      concat_heads(attn.concat[0], h_count, q_tokens),
                      _("The heads work in parallel, each in its own subspace; their outputs are laid side by side "
                        "(the coloured boxes are the heads)."), f"concat-{tag}"))
    steps.append(Step(_("9. Output projection W_o → {shape}").format(shape=_shape(attn.out[0])), side_by_side(
        [attn.out[0]], [f"concat·W_o {_shape(attn.out[0])}"], q_tokens, dim),
        _("A final linear layer mixes the heads back into d_model dimensions."), f"wo-{tag}"))
    norm = layer_tr.add_norm2[0] if cross else layer_tr.add_norm1[0]
    steps.append(Step(_("10. Residual + LayerNorm: LayerNorm(x + Attention(x)) → {shape}").format(shape=_shape(norm)),
                      side_by_side([x_in, attn.out[0], norm], [_("x (sub-layer input)"), _("attention output"),
                                                               _("LayerNorm(sum)")], q_tokens, dim),
                      _("The input is added back (residual connection) and each position is normalised to zero mean "
                        "and unit variance, with a learnt gain and bias."), f"norm-{tag}"))
    if block != "decoder":
        hidden = layer_tr.ff_hidden[0]  # (L, d_ff)
        steps.append(Step(
            _("11. Feed-forward: Linear → ReLU {shape} → Linear, then residual + norm").format(shape=_shape(hidden)),
            side_by_side([hidden, layer_tr.output[0]], [f"ReLU(x·W1 + b1) {_shape(hidden)}", _("layer output {shape}")
                                                        .format(shape=_shape(layer_tr.output[0]))], q_tokens, dim),
            _("The same two-layer network is applied to every position separately (zeros = ReLU cut). The layer's "
              "output has the input's shape, so layers stack."), f"ff-{tag}"))
    return steps


def attention_grid(weights: np.ndarray, x_labels: Sequence[str], y_labels: Sequence[str],
                   title: str | None = None) -> go.Figure:
    """(layers, heads, Lq, Lk) as a grid: one row per layer, heads side by side."""
    layers, heads = weights.shape[:2]
    return heatmap_grid(weights, [_("layer {n}").format(n=i + 1) for i in range(layers)],
                        [_("head {n}").format(n=h + 1) for h in range(heads)],
                        x_labels=x_labels, y_labels=y_labels, title=title, show_ticks=weights.shape[-1] <= 14,
                        cell_px=max(150, 22 * weights.shape[-2] + 40))


def training_curves(history) -> go.Figure:
    """Loss and token accuracy per step of a :class:`tlviz.training.History`: training batches (thin, every step)
    and held-out evaluations (thick)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=[_("loss (cross-entropy)"), _("token accuracy")])
    acc = [m.get("acc", float("nan")) for m in history.train_metrics]
    series = [(history.steps, history.losses, _("training batch loss"), 1, "#9ecae1", 1.5),
              (*history.series("val_loss"), _("held-out loss"), 1, HEAD_COLORS[0], 3),
              (history.steps, acc, _("training batch accuracy"), 2, "#fdae6b", 1.5),
              (*history.series("val_acc"), _("held-out accuracy"), 2, HEAD_COLORS[1], 3)]
    for x, y, name, col, color, width in series:
        fig.add_trace(go.Scatter(x=list(x), y=list(y), name=name, mode="lines", line=dict(color=color, width=width)),
                      row=1, col=col)
    fig.update_xaxes(title_text=_("training step"))
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.08, x=0))
    return fit.subplot_titles(_layout(fig, None, 380), fit.equal_panels(2, 0.2))


def step_distribution(step, vocab, k: int = 8, title: str | None = None) -> go.Figure:
    """Top-k bars of one greedy step's next-token distribution; the chosen token in red."""
    top = step.top(vocab, k)
    return bar_topk([t for t, _ in top], [p for _, p in top], title=title, highlight=step.chosen)


def step_cross_attention(step, src_tokens: Sequence[str], title: str | None = None) -> go.Figure:
    """One step's encoder-decoder attention of the newest position: a row per (layer, head)."""
    w = step.cross_attention  # (layers, h, Ls)
    layers, heads = w.shape[:2]
    rows = [_("L{layer} head {head}").format(layer=layer + 1, head=h + 1) for layer in range(layers)
            for h in range(heads)]
    return attention_heatmap(w.reshape(layers * heads, -1), src_tokens, rows, title=title,  # (layers * h, Ls)
                             y_title=_("layer, head"), x_title="", height=150 + 32 * len(rows))


def decode_alignment(decode_trace, layer: int = -1, title: str | None = None) -> go.Figure:
    """Output tokens (rows, incl. <eos>) against source tokens: cross-attention averaged over the heads."""
    mat = np.stack([s.cross_attention[layer].mean(0) for s in decode_trace.steps])  # (steps, Ls)
    return attention_heatmap(mat, decode_trace.source, [s.chosen for s in decode_trace.steps], title=title,
                             y_title=_("generated token"), x_title="")  # the title names the columns


def loss_figure(demo, which: str = "before") -> go.Figure:
    """Predicted distributions (positions x the 6 output words) next to the one-hot targets."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    pred = demo.before if which == "before" else demo.after
    ce = demo.ce_before if which == "before" else demo.ce_after
    state = _("untrained") if which == "before" else _("after {steps} steps").format(steps=demo.steps)
    fig = make_subplots(rows=1, cols=2, subplot_titles=[_("model output ({state})").format(state=state),
                                                        _("target (one-hot)")], horizontal_spacing=0.08)
    rows = [_("position {n}: {word}").format(n=i + 1, word=w) for i, w in enumerate(demo.positions)]
    for col, mat in ((1, pred), (2, demo.targets)):
        fig.add_trace(go.Heatmap(z=mat, x=demo.labels, y=rows, zmin=0, zmax=1, colorscale=ATTENTION_SCALE,
                                 showscale=col == 1, text=np.vectorize(lambda v: f"{v:.2f}")(mat),
                                 texttemplate="%{text}", xgap=1, ygap=1, colorbar=dict(title="p", thickness=12),
                                 hovertemplate="%{y}<br>%{x}: %{z:.3f}<extra></extra>"), row=1, col=col)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_yaxes(showticklabels=False, row=1, col=2)
    fig.update_xaxes(type="category", title_text=_("output word"))
    per_pos = " + ".join(f"{v:.2f}" for v in ce)
    fig = _layout(fig, _("cross-entropy = {total:.2f} = {terms} (−log p(target) per position)").format(
        total=ce.sum(), terms=per_pos), height=380)
    fig.update_layout(margin=dict(t=90))
    return fit.title(fit.subplot_titles(fig, fit.equal_panels(2, 0.08)))  # the long sum wraps on a phone


def parameter_bars(counts: dict[str, object], paper_total: float = 65e6) -> go.Figure:
    """Stacked bars of parameters by part (embeddings, encoder, decoder, output) per configuration."""
    import plotly.graph_objects as go

    parts = {"embeddings": _("embeddings"), "encoder": _("encoder"), "decoder": _("decoder"), "output": _("output")}
    fig = go.Figure()
    for i, (part, name) in enumerate(parts.items()):
        fig.add_trace(go.Bar(name=name, x=list(counts), y=[getattr(c, part) / 1e6 for c in counts.values()],
                             marker_color=HEAD_COLORS[i], hovertemplate=f"{name}: %{{y:.2f}}M<extra></extra>"))
    paper = _("paper reports")
    fig.add_trace(go.Bar(name=_("paper (total only)"), x=[paper], y=[paper_total / 1e6], marker_color="#bdbdbd",
                         hovertemplate="%{y:.0f}M<extra></extra>"))
    for name, c in counts.items():
        fig.add_annotation(x=name, y=c.total / 1e6, text=f"<b>{c.total:,}</b>", showarrow=False, yshift=14)
    fig.add_annotation(x=paper, y=paper_total / 1e6, text=f"<b>{paper_total / 1e6:.0f}M</b>", showarrow=False,
                       yshift=14)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=_("parameters (millions)"))
    return _layout(fig, None, 420)

def teacher_forcing_table(pairs):
    """Source, decoder input (<sos> + target: shifted right) and expected output (target + <eos>) per pair."""
    import pandas as pd

    return pd.DataFrame([{_("source"): " ".join(s), _("decoder input"): " ".join(["<sos>", *t]),
                          _("expected output"): " ".join([*t, "<eos>"])} for s, t in pairs])


def decode_table(decode_trace):
    """One row per greedy step: what the decoder was fed, what it chose, with which probability."""
    import pandas as pd

    return pd.DataFrame([{_("step"): i + 1, _("decoder input"): " ".join(s.decoder_input), _("chosen"): s.chosen,
                          "p": f"{s.probs[s.chosen_id]:.1%}"} for i, s in enumerate(decode_trace.steps)])


def parameter_table(counts: dict[str, object]):
    """The numbers behind :func:`parameter_bars`: one column per configuration, one row per part."""
    import pandas as pd

    parts = ("total", "embeddings", "encoder", "decoder", "output")
    return pd.DataFrame({name: {p: getattr(c, p) for p in parts} for name, c in counts.items()})


def attention_maps(view) -> list[Step]:
    """A :class:`~tlviz.toy_translator.SentenceTrace`'s three kinds of attention, each a grid of layers x heads."""
    tr = view.trace
    maps = (("encoder", _("Encoder self-attention"), tr.encoder_self_attention, view.source, view.source,
             _("Every source word looks at every source word.")),
            ("decoder", _("Decoder masked self-attention"), tr.decoder_self_attention, view.decoder_input,
             view.decoder_input, _("Upper triangle empty: no word sees the words after it.")),
            ("cross", _("Encoder-decoder attention"), tr.cross_attention, view.source, view.decoder_input,
             _("Rows: decoder positions (queries); columns: source words (keys and values from the encoder).")))
    return [Step(title, attention_grid(w[:, 0], xs, ys, title=title),  # (layers, h, Lq, Lk) of batch item 0
                 why + " " + _("One row per layer, heads side by side."), f"grid-{key}")
            for key, title, w, xs, ys, why in maps]


def decode_step_figures(dec, k: int, vocab) -> list[Step]:
    """Greedy step ``k`` (1-based) of a decode: its next-token distribution and its cross-attention over the source;
    the first step's title says what the decoder was fed and what it chose."""
    step, source = dec.steps[k - 1], dec.source
    title = _("Step {k}: decoder input `{inp}` → chose **{word}**").format(k=k, inp=" ".join(step.decoder_input),
                                                                          word=step.chosen)
    return [Step(title, step_distribution(step, vocab, title=_("next-token distribution (top 8)")),
                 _("Greedy decoding takes the most probable word (red)."), "tf_topk"),
            Step("", step_cross_attention(step, source, title=_("this step's cross-attention")),
                 _("Where the newest decoder position looks in the source, per layer and head."), "tf_stepx")]


def loss_steps(demo) -> list[Step]:
    why = _("Cross-entropy per position is −log of the probability given to the correct word; backpropagation "
            "lowers it, pushing each row towards its one-hot target.")
    intro = _("The lecture's toy output vocabulary: *a, am, i, thanks, student, <eos>*. Target: “i am a student "
              "<eos>” as one-hot rows. A tiny Transformer before and after training:")
    return [Step("", loss_figure(demo, which), why, f"tf_loss_{which}", intro=intro if which == "before" else "")
            for which in ("before", "after")]


def paper_step(cmp) -> Step:
    """Our count of the paper's base model (a :class:`~tlviz.transformer.PaperComparison`) against the paper's."""
    counts = {_("tied embeddings (paper)"): cmp.tied, _("separate embeddings"): cmp.separate}
    text = _("Base model: N = 6, d_model = 512, d_ff = 2048, h = 8, d_k = d_v = 64, dropout 0.1, built from this "
             "page's classes on PyTorch's meta device (counted, never trained here). With the paper's tied embeddings "
             "and a {vocab:,}-token vocabulary we count {tied:,} ({tied_m:.1f}M); the paper reports {paper_m:.0f}M, "
             "i.e. {gap:+,} (a larger vocabulary, about {match:,.0f} tokens, would close the gap; the paper does not "
             "give the exact count). The layers alone hold {layers_m:.1f}M.").format(
        vocab=cmp.vocab, tied=cmp.tied.total, tied_m=cmp.tied.total / 1e6, paper_m=cmp.paper_total / 1e6,
        gap=cmp.gap, match=cmp.vocab_to_match, layers_m=cmp.layers / 1e6)
    return Step("", parameter_bars(counts, cmp.paper_total), text, "tf_params", table=parameter_table(counts))


def decode_overview(dec) -> Step:
    """A greedy decode's output line (the title) and its alignment: which source words each output word used."""
    out = " ".join(dec.output) or _("(nothing)")
    title = _("Output: `{out}`").format(out=out) + ("" if dec.finished else " — " + _(
        "stopped at the length limit without <eos>"))
    fig = fit.title(decode_alignment(dec, title=_("Which source words each output word used (last layer, mean of "
                                                  "heads)")))
    return Step(title, fig, _("The encoder ran once; the decoder ran once per output word."), "tf_align",
                table=decode_table(dec))


def training_step(history) -> Step:
    return Step("", training_curves(history), _("Thin: training batches. Thick: the held-out sentences the model "
                                                "never trains on (teacher-forced token accuracy)."), "tf_curves")
