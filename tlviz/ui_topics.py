"""The lecture's short topics as page sections: the bottleneck (seq2seq page); Q/K/V as a search, why
self-attention and the paper's training set-up (Transformer page).

Each function draws its widgets, calls the engine once per distinct input for the whole class
(:func:`tlviz.ui.shared`) and shows its figures through :func:`tlviz.ui.figure`; the pages only call them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from tlviz import bottleneck, cache, layer_cost, paper, retrieval, ui
from tlviz.i18n import N_, _
from tlviz.viz import topics as vz


def shared_run(fn: Callable[..., Any], *args, callback=None, **kwargs) -> Any:
    """:func:`tlviz.ui.shared` for a deterministic trainer: ``callback`` (the live feedback of the one session that
    computes) is no part of the result, so it is no part of the key either."""
    key, pins = cache.call_key(fn, args, kwargs)
    return ui.SHARED.get(key, lambda: fn(*args, callback=callback, **kwargs), pins)


def shared_ready(fn: Callable[..., Any], *args, **kwargs) -> bool:
    """True when :func:`shared_run` (or :func:`tlviz.ui.shared`) already holds this call's result."""
    return ui.SHARED.ready(cache.call_key(fn, args, kwargs)[0])


# --------------------------------------------------------------------------------------------- seq2seq page

BOTTLENECK_INTRO = N_(
    "The lecture's translator without attention reads the whole sentence and then translates from memory; with "
    "attention they note key words while reading and look back at them while writing. Here is that difference, "
    "measured. One GRU encoder-decoder learns to **copy a string of random digits**, trained twice: **without "
    "attention**, its decoder sees the source only through one vector (the encoder's final state); **with "
    "attention**, it looks back at every encoder state at every step. Same layers, sizes, initial weights and "
    "batches. A copy task shows the bottleneck better than the dates: each extra digit is one more thing the "
    "single vector must hold, while a date always comes down to the same 8 digits.")


def bottleneck_section() -> None:
    """Seq2seq page: train both copy models (once per setting for the class) and plot accuracy by length."""
    st.header(_("4. The bottleneck that motivated attention"))
    st.markdown(_(BOTTLENECK_INTRO))
    c = st.columns([1, 1, 2])
    max_len = ui.kept(c[0].select_slider, _("Longest string (digits)"), key="s2s_bn_len", default=16,
                      options=bottleneck.MAX_LENGTHS, url="bn_len")
    hidden = ui.kept(c[1].select_slider, _("Size of the vector"), key="s2s_bn_hidden", default=64,
                     options=bottleneck.HIDDEN, url="bn_h", help=_(
                         "The decoder's size: without attention, all the source must fit in this many numbers."))
    args = (max_len, bottleneck.STEPS, hidden)
    ready = shared_ready(bottleneck.compare, *args)
    if c[2].button(_("Train both models"), type="primary", disabled=ready, icon=":material/play_arrow:", help=_(
            "Trained for these settings: the result below is shared with the whole class.") if ready else _(
            "About 5 to 25 s on one core; the result is then shared with the whole class.")):
        with ui.guard(_("training the two models")), ui.heavy("training the bottleneck models"):
            callback, _seen = ui.training_feedback(lambda h: vz.bottleneck_losses(h, bottleneck.STEPS))
            shared_run(bottleneck.compare, *args, callback=callback)
            st.rerun()  # drawn again from the shared result: the button now says it is done
    if not ready:
        st.info(_("Press “Train both models”: {steps} steps each, a few seconds per model.").format(
            steps=bottleneck.STEPS))
        return
    with ui.guard(_("the bottleneck figure")):
        cmp = ui.shared(bottleneck.compare, *args)
        ui.figure(ui.shared_figure(vz.bottleneck_figure, cmp), "s2s_bottleneck", bottleneck_caption(cmp))


def bottleneck_caption(cmp) -> str:
    """What the two curves show, computed from their numbers."""
    holds = [int(n) for n, a in zip(cmp.lengths, cmp.digit_accuracy["none"]) if a >= 0.9]
    text = _("At {n} digits: without attention {none:.0%} of the digits right, with attention {dot:.0%} (chance "
             "10%).").format(n=int(cmp.lengths[-1]), none=cmp.at_longest("none"), dot=cmp.at_longest("dot"))
    if holds:
        text += " " + _("The single vector of {h} numbers copies 90% or more up to {k} digits; beyond, it forgets."
                        ).format(h=cmp.hidden, k=max(holds))
    return text + " " + _("Each model: {steps} steps of 64 strings (1 to {n} digits), seed 0, {a:.0f} s and {b:.0f} "
                          "s of training on one thread; accuracy on {m} new strings of each length.").format(
        steps=cmp.steps, n=int(cmp.lengths[-1]), a=cmp.seconds["none"], b=cmp.seconds["dot"],
        m=bottleneck.EVAL_PER_LENGTH)


# --------------------------------------------------------------------------------------------- Transformer page

QKV_INTRO = N_(
    "The names come from information retrieval, the lecture's video search: your **search text** is the "
    "**query**, each video's **title** (and description) is its **key**, and the **videos** are the **values**. "
    "A search engine hands you the best match. Attention is a soft search: every key gets a weight, "
    "softmax(q·k / √d), and you receive the weighted **mix** of all the values. Keys set the weights; values "
    "carry what you get. Here each video's value is its thumbnail's colour, so the mix is a colour too.")


def qkv_search() -> None:
    """Transformer page: the toy video search; the student types the query."""
    with st.expander(_("Query, key and value as a search (the lecture's video search)"), expanded=False):
        st.markdown(_(QKV_INTRO))
        left, right = st.columns([3, 2])
        text = ui.kept(left.text_input, _("Search text (the query)"), key="tf_qkv_query", default="cat music",
                       url="qkv", max_chars=retrieval.MAX_QUERY_CHARS, help=_(
                           "Words about cats, dogs, cooking, football or music, in English or Greek."))
        temperature = ui.kept(right.select_slider, _("Softmax temperature T"), key="tf_qkv_T", default=1.0, url="qkv_T",
                              options=retrieval.TEMPERATURES, help=_(
                                  "Small T: the soft search becomes the search engine's hard pick."))
        st.latex(r"\begin{gathered} w_j = \mathrm{softmax}_j\!\left(\frac{q \cdot k_j}{\sqrt{d}\;T}\right) \\ "
                 r"\mathrm{value} = \textstyle\sum_j w_j\, v_j \end{gathered}")
        with ui.guard(_("the search")):
            ret = ui.shared(retrieval.search, text, temperature)
            st.caption(_("Understood: {words} → query {q}.").format(
                words=", ".join(f"{w} ({_(retrieval.TOPICS[t])})" for w, t in ret.query.matched),
                q=[int(v) for v in ret.query.vector]) + (" " + _("Ignored: {words}.").format(
                    words=", ".join(ret.query.ignored)) if ret.query.ignored else ""))
            titles = [_(v.title) for v in retrieval.LIBRARY]
            table = ui.shared_figure(vz.retrieval_table, ret, titles, retrieval.TOPICS)
            ui.figure(ui.shared_figure(vz.retrieval_figure, ret, titles), "tf_qkv_weights", _(
                "Each bar has its video's value colour; beside it, its score q·k / √d → its weight. Keys: d = {d} "
                "numbers (one per topic).").format(
                d=ret.keys.shape[1]), table=table)
            ui.figure(ui.shared_figure(vz.mixed_figure, ret), "tf_qkv_value", _(
                "The best match, “{title}”, gets {w:.0%} of the weight; the rest of the mix comes from the other "
                "videos.").format(title=titles[ret.best], w=ret.weights[ret.best]))
            st.dataframe(table, hide_index=True)


WHY_INTRO = N_(
    "The lecture's comparison: attention reduces the sequential operations and the maximum path length, which "
    "eases long-range dependencies. The paper's Table 1, for n positions of size d (k: the kernel size):")


def why_self_attention() -> None:
    """Transformer page: the paper's Table 1 beside a timing of our own three layer kinds as n grows."""
    st.subheader(_("Why self-attention"))
    st.markdown(_(WHY_INTRO))
    st.table(ui.shared_figure(vz.paper_table, paper.TABLE_1, layer_cost.NAMES, paper.TABLE_1_COLUMNS))
    d = ui.kept(st.columns([1, 2])[0].select_slider, _("Width d of the timed layers"), key="tf_cost_d", default=64,
                options=list(layer_cost.WIDTHS), url="cost_d")
    with ui.guard(_("timing the layers")):
        if not shared_ready(layer_cost.time_layers, d=d, heads=layer_cost.WIDTHS[d]):
            with ui.heavy("timing layers"):  # tells the student when someone else's job goes first
                ui.shared(layer_cost.time_layers, d=d, heads=layer_cost.WIDTHS[d])
        timing = ui.shared(layer_cost.time_layers, d=d, heads=layer_cost.WIDTHS[d])
        ui.figure(ui.shared_figure(vz.timing_figure, timing, layer_cost.NAMES), f"tf_cost_{d}",
                  vz.timing_caption(timing, layer_cost.NAMES), table=vz.timing_table(timing, layer_cost.NAMES))


def paper_vocabulary() -> int:
    """Transformer page: the shared vocabulary size our count of the paper's base model assumes (37K, as in the
    paper's English-German set-up)."""
    return ui.kept(st.number_input, _("shared vocabulary (BPE tokens)"), key="tf_vocab", default=37_000,
                   min_value=1000, max_value=100_000, step=1000, url="vocab")


def training_setup() -> None:
    """Transformer page: the paper's data, hardware, training time and BLEU, beside the lecture's own words."""
    st.subheader(_("How the paper trained it"))
    st.table(ui.shared_figure(vz.setup_table, paper.TRAINING_SETUP, paper.SETUP_COLUMNS))
    st.caption(_("BLEU (bilingual evaluation understudy), 0 to 100: how many of the machine translation's word "
                 "sequences (1 to 4 words) also occur in human translations of the same sentences; higher is better."))
