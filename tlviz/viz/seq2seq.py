"""Figures of the seq2seq attention lesson: the worked example step by step, temperature, and a trained model's
alignments and decoding steps. Pure: numpy + labels in, ``go.Figure`` out (conventions in :mod:`tlviz.viz.core`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tlviz import card_notes
from tlviz.i18n import N_, _
from tlviz.viz import fit
from tlviz.viz.core import (
    ATTENTION_SCALE,
    HEAD_COLORS,
    _labels,
    _layout,
    attention_heatmap,
    bar_topk,
    line_curves,
    matrix_heatmap,
)
from tlviz.viz.masks import top_title

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go


#: The lesson's texts (translated where shown: ``_(INTRO)``), kept with the figures they explain.
INTRO = N_("While writing each output word, the decoder **looks back** at every encoder hidden state: it scores "
           "them against its own state, turns the scores into weights with a softmax, and reads a weighted sum, "
           "the **context vector**. Edit any number below and every step updates.")
MODEL_INTRO = N_("A GRU encoder reads a date written the way people write it, one character at a time; an attention "
                 "decoder writes it as `yyyy-mm-dd`. Nobody told it which characters matter: the alignments below "
                 "were learnt from examples alone.")
DATE_HINT = N_("It learnt years {first}–{last} in formats such as {formats}… Outside them it fails, as every "
               "model does: try 12/25/1999 (a US date it never saw) or march 3 1850.")
RETRAIN_INTRO = N_("A smaller model of the same kind, trained from scratch on this machine (about half a minute). "
                   "Watch the loss fall; then pick “my retrained model” above and compare its alignments.")
#: The softmax temperatures offered, and the live retraining's step counts.
TEMPERATURES = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
RETRAIN_STEPS = [100, 200, 300, 400, 600]
TEXT = {
    "temperature_help": N_("weights = softmax(scores / T): small T is near-hard attention, large T spreads it out."),
    "context_exact": N_("Exactly {c}. The decoder reads this vector, together with its own state, to write the next "
                        "word."),
    "retrained": N_("Your model: {s:.0f} s, final loss {loss:.3f}, held-out exact match {em:.0%} (300 dates never "
                    "seen in training)."),
    "W": N_("W ({d}x{d}; identity gives the dot product back)"),
    "seed": N_("Seed of W1, W2, v (learnt in a real model)"),
}
EXPLAIN = {
    "scores": N_("Step 1: each encoder state gets a **score** against the decoder state. Step 2: the **softmax** "
                 "turns the scores into the **alignment** weights αⱼ, positive and summing to 1; a score far above "
                 "the others takes almost all the weight."),
    "weighted": N_("Step 3: each encoder state times its alignment weight. Step 4: their sum (below the line) is the "
                   "**context vector** c = Σ αⱼ hⱼ. Cells are rounded to 3 decimals as on the slides; hover for the "
                   "exact value (and the CSV has every digit)."),
    "temperature": N_("The same scores divided by T before the softmax: as T shrinks the largest score takes "
                      "everything (hard attention); as T grows every state gets nearly 1/n (no focus at all)."),
    "alignment": N_("Each row is one decoding step: where that output character looked in the source. Year digits "
                    "read the year, month digits the month name, day digits the day."),
    "step_attention": N_("This step's softmax over the encoder states."),
    "next_token": N_("Greedy decoding writes the most probable character (red) and feeds it back in."),
    "context": N_("The weighted sum of encoder states at this step: what the decoder read from the source."),
    "loss": N_("Cross-entropy of the next character under teacher forcing, and exact match on held-out dates."),
}


def date_hint() -> str:
    """What the date model learnt and where it fails (in the interface language)."""
    from tlviz.data import dates

    return _(DATE_HINT).format(first=dates.FIRST_YEAR, last=dates.LAST_YEAR,
                               formats=", ".join(dates.FORMAT_EXAMPLES[:4]))


def date_formats() -> str:
    """One example of each format the date model reads, for the date field's help."""
    from tlviz.data import dates

    return " · ".join(dates.FORMAT_EXAMPLES)


def model_note(meta, history=None, final: bool = False) -> str:
    """The line under a model: a checkpoint's own note (``meta``), or a retrained run's numbers (its History)."""
    if history is None:
        return card_notes.note(meta) if meta is not None else ""
    if final:
        return _(TEXT["retrained"]).format(s=history.seconds, loss=history.losses[-1],
                                           em=history.last("exact_match") or 0.0)
    return _("Your model: {steps} steps, loss {loss:.3f}.").format(steps=history.steps[-1], loss=history.losses[-1])


def fmt_number(v: float) -> str:
    """Short, exact-looking numbers for the worked example (60, 0.5, 1.4e-11)."""
    v = float(v)
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{int(round(v))}" if abs(v - round(v)) < 5e-4 else f"{v:.3f}".rstrip("0").rstrip(".")
    return f"{v:.1e}"


def fmt_rounded(v: float, digits: int = 3) -> str:
    """A number rounded for display as the slides write it: 2.863e-20 -> ``0``, 0.99999 -> ``1``, 0.7311 ->
    ``0.731`` (the exact value stays in the figures' hover and CSV)."""
    return fmt_number(round(float(v), digits) + 0.0)  # + 0.0: no "-0"


def fmt_vector(v, digits: int | None = None) -> str:
    """``[5, 0, 1]`` style, for tables and captions (rounded to ``digits`` decimals when given)."""
    cell = fmt_number if digits is None else (lambda x: fmt_rounded(x, digits))
    return "[" + ", ".join(cell(x) for x in np.asarray(v, float).ravel()) + "]"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt_power(log_e: float) -> str:
    """``e^log_e`` written for people: 148, or 7.2·10¹⁰ for e^25 (computed in logs: never overflows)."""
    if log_e < math.log(1e4):
        return f"{math.exp(log_e):.3g}"
    log10 = log_e / math.log(10)
    k = math.floor(log10)
    return f"{10 ** (log10 - k):.1f}·10" + str(k).translate(_SUPERSCRIPT)


def softmax_note(scores, temperature: float = 1.0, labels: Sequence[str] | None = None) -> str:
    """What the softmax did to *these* scores, in one sentence computed from them: the best score against the
    runner-up and how many times more weight that gives (``e^((a - b) / T)``), or that the best scores tie."""
    s = np.asarray(scores, float)
    labels = list(labels or state_labels(len(s)))
    if s.size == 1:
        return _("Here there is one state only: it takes all the weight.")
    order = np.argsort(-s, kind="stable")
    i, j = int(order[0]), int(order[1])
    gap = float(s[i] - s[j]) / float(temperature)
    if gap < 1e-9:
        tied = [labels[k] for k in order if s[i] - s[k] < 1e-9]
        share = 1.0 / float(np.exp((s - s[i]) / float(temperature)).sum())
        return _("Here the best score, {a}, is shared by {states}: equal scores get equal weights (≈ {w} each)."
                 ).format(a=fmt_number(s[i]), states=", ".join(tied), w=fmt_rounded(share))
    power = fmt_number(gap)
    if temperature != 1:
        power = f"(({fmt_number(s[i])} − {fmt_number(s[j])}) / {float(temperature):g}) = e^{power}"
    return _("Here {a} ({A}) against the runner-up {b} ({B}): e^{power} ≈ {times} times more weight for {A}.").format(
        a=fmt_number(s[i]), A=labels[i], b=fmt_number(s[j]), B=labels[j], power=power, times=fmt_power(gap))


def display_token(token: str) -> str:
    """Tokens as figures show them: plotly reads ``</s>`` as an HTML tag (it broke the axis), so spell it out."""
    return {"</s>": "⟨end⟩", "<s>": "⟨start⟩", "<pad>": "⟨pad⟩", " ": "␣"}.get(token, token)


def worked_table(ex, labels: Sequence[str] | None = None) -> pd.DataFrame:
    """The worked example as a table: each state, its score, its alignment weight and the weighted state, rounded
    to 3 decimals as the slides write them (2.863e-20 shows as 0; the figures keep the exact values)."""
    import pandas as pd

    labels = list(labels or state_labels(len(ex.scores)))
    return pd.DataFrame({_("state"): labels, _("encoder state hⱼ"): [fmt_vector(h) for h in ex.encoder_hidden],
                         _("score"): [fmt_number(v) for v in ex.scores],
                         _("alignment αⱼ (softmax)"): [fmt_rounded(v) for v in ex.weights],
                         _("weighted αⱼ · hⱼ"): [fmt_vector(v, 3) for v in ex.weighted]})


def state_labels(n: int) -> list[str]:
    return [f"h{j + 1}" for j in range(n)]


def scores_weights(scores, weights, labels: Sequence[str] | None = None, title: str | None = None) -> go.Figure:
    """Step 1 and 2 side by side: the raw scores of every encoder state and the softmax weights (sum 1)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    s, w = np.asarray(scores, float), np.asarray(weights, float)
    labels = _labels(labels or state_labels(len(s)), len(s))
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("1. score  s·hⱼ"), _("2. softmax → alignment αⱼ")),
                        horizontal_spacing=0.12)
    fig.add_trace(go.Bar(x=labels, y=s, name=_("score"), marker_color="#7f7f7f", text=[fmt_number(v) for v in s],
                         textposition="outside", cliponaxis=False,
                         hovertemplate="%{x}: " + _("score") + " %{y:.10g}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=labels, y=w, name=_("alignment"), marker_color=HEAD_COLORS[0],
                         text=[fmt_rounded(v) for v in w], textposition="outside", cliponaxis=False,
                         hovertemplate="%{x}: α = %{y:.10g}<extra></extra>"), row=1, col=2)
    fig.update_yaxes(range=[0, 1.15], row=1, col=2)
    lo, hi = min(0.0, float(s.min())), max(0.0, float(s.max()))
    pad = 0.15 * (hi - lo or 1.0)
    fig.update_yaxes(range=[lo - (pad if lo < 0 else 0), hi + pad], row=1, col=1)
    fig.update_xaxes(type="category")
    fig.update_layout(showlegend=False)
    return fit.subplot_titles(_layout(fig, title, height=360), fit.equal_panels(2, 0.12))  # both fit a phone


def weighted_states(encoder_hidden, weights, weighted, context, labels: Sequence[str] | None = None,
                    title: str | None = None) -> go.Figure:
    """Steps 3 and 4: every encoder state times its weight, and their sum, the context vector (last row)."""
    h = np.asarray(encoder_hidden, float)
    w = np.asarray(weights, float)
    rows = np.vstack([np.asarray(weighted, float), np.asarray(context, float)[None]])  # (n + 1, d)
    names = [f"{fmt_rounded(w[j])} × {lab}" for j, lab in enumerate(labels or state_labels(len(h)))]
    names.append(_("context vector c = Σ"))
    fig = matrix_heatmap(rows, x_labels=[_("dim {i}").format(i=i + 1) for i in range(h.shape[1])], y_labels=names,
                         title=title, fmt=".3g", value_name=_("value"), height=80 + 48 * len(names))
    fig.data[0].text = np.vectorize(fmt_rounded)(rows)  # rounded as on the slides
    fig.data[0].hovertemplate = "%{y}, %{x}<br>" + _("value") + " %{z:.10g}<extra></extra>"  # the exact value
    fig.add_hline(y=len(names) - 1.5, line=dict(color="black", width=3))
    return fig


def temperature_curves(scores, temperature: float, temps=None, labels: Sequence[str] | None = None,
                       title: str | None = None) -> go.Figure:
    """Each state's weight as the softmax temperature T varies (log axis): small T is near-hard attention (one
    state takes all), large T spreads the weights towards uniform. A dashed line marks the chosen T."""
    from tlviz.attention import softmax

    s = np.asarray(scores, float)
    temps = np.geomspace(0.1, 1000, 121) if temps is None else np.asarray(temps, float)
    W = np.stack([softmax(s, t) for t in temps])  # (len(temps), n)
    labels = labels or state_labels(len(s))
    fig = line_curves({lab: (temps, W[:, j]) for j, lab in enumerate(labels)}, x_title=_("temperature T (log)"),
                      y_title=_("attention weight"), title=title, height=340)
    fig.update_xaxes(type="log")
    fig.update_yaxes(range=[-0.02, 1.02])
    fig.add_vline(x=float(temperature), line=dict(color="black", dash="dash", width=2),
                  annotation_text=f"T = {temperature:g}", annotation_position="right")  # the legend is on top
    return fig


def alignment(attention, source_tokens: Sequence[str], output_tokens: Sequence[str], title: str | None = None,
              highlight_step: int | None = None) -> go.Figure:
    """The alignment matrix of a translation: output tokens (rows) against source characters (columns)."""
    src = [("␣" if t == " " else t) for t in source_tokens]
    fig = attention_heatmap(attention, x_labels=src, y_labels=[display_token(t) for t in output_tokens], title=title,
                            x_title=_("source character (encoder state)"), y_title=_("output character (decoder step)"),
                            show_values=False, height=max(320, 34 * len(output_tokens) + 120))
    if highlight_step is not None:
        n = np.asarray(attention).shape[1]
        fig.add_shape(type="rect", x0=-0.5, x1=n - 0.5, y0=highlight_step - 0.5, y1=highlight_step + 0.5,
                      line=dict(color="#d62728", width=3))
    fig.update_xaxes(tickangle=0)
    return top_title(fig, title)


def step_attention(weights, source_tokens: Sequence[str], title: str | None = None) -> go.Figure:
    """One decoding step's attention distribution over the source characters (bars that sum to 1)."""
    import plotly.graph_objects as go

    w = np.asarray(weights, float)
    src = _labels([("␣" if t == " " else t) for t in source_tokens], len(w))
    fig = go.Figure(go.Bar(x=src, y=w, marker=dict(color=w, colorscale=ATTENTION_SCALE, cmin=0, cmax=1,
                                                   line=dict(color="#08306b", width=1)),
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_xaxes(type="category", title=_("source character"), tickangle=0)
    fig.update_yaxes(range=[0, 1.05], title=_("attention weight"))
    return _layout(fig, title, height=300)


def context_vector(context, title: str | None = None) -> go.Figure:
    """A context vector as one row of coloured cells (diverging scale: its sign pattern is what the decoder
    reads)."""
    c = np.asarray(context, float)[None]
    fig = matrix_heatmap(c, x_labels=[str(i) for i in range(c.shape[1])], y_labels=[_("context")], title=title,
                         show_values=False, x_title=_("dimension"), height=200)
    fig.update_xaxes(showticklabels=c.shape[1] <= 32)
    return fig


def next_token(top: Sequence[tuple[str, float]], chosen: str | None = None, title: str | None = None) -> go.Figure:
    """The step's most probable next characters, the chosen one (greedy: the best) in red."""
    labels = [display_token(t) for t, _ in top]
    chosen = display_token(chosen) if chosen is not None else None
    return bar_topk(labels, [p for _, p in top], title=title, highlight=chosen)


def loss_curve(history, title: str | None = None) -> go.Figure:
    """A run's training loss (log scale) and, where measured, held-out exact match, from its
    :class:`tlviz.training.History` (the live mirror of ``ui.training_feedback`` or the trainer's own)."""
    steps, losses = history.series("loss")
    fig = line_curves({_("training loss"): (steps, losses)}, x_title=_("step"),
                      y_title=_("cross-entropy loss (log)"), title=title, height=320)
    fig.update_yaxes(type="log")
    eval_steps, exact = history.series("exact_match")
    if eval_steps:
        import plotly.graph_objects as go

        fig.add_trace(go.Scatter(x=eval_steps, y=exact, name=_("held-out exact match"), yaxis="y2",
                                 mode="lines+markers", line=dict(color=HEAD_COLORS[2], width=3)))
        fig.update_layout(yaxis2=dict(title=_("held-out exact match"), overlaying="y", side="right",
                                      range=[0, 1.02], tickformat=".0%", showgrid=False))
    return fig
