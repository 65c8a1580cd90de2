"""BERT masked LM: [MASK] predictions, per-head attention (heatmap, head, model and neuron views), integrated
gradients, and the 15% masking recipe, on the packaged MiniLM, our small MLM, or any BERT-family hub model."""

import streamlit as st

from tlviz import bert, ui, ui_present
from tlviz.i18n import _
from tlviz.viz import bert as vb


def show(key: str, build, *args, place=None, table=None, side=False, hidden=False, **fmt):
    """A figure built once for the whole class (per language), with its explanation and CSV export."""
    with place or st.container():
        ui.figure(ui.shared_figure(build, *args), f"bert_{key}", vb.explain(key, hidden, **fmt), table=table, side=side)


def select(place, label: str, name: str, options: list, default=None, **kwargs):
    """A kept select box, in the URL as ``name``; a value its options no longer hold goes back to the first."""
    ui.clamp_kept(f"bert_{name}", options=options)
    return ui.kept(place.selectbox, label, key=f"bert_{name}", default=options[0] if default is None else default,
                   url=name, options=options, **kwargs)


def section_sentence():
    def use_example():  # picking an example replaces the sentence (and forgets the clicked word)
        ui.set_kept("bert_text", st.session_state["bert_example"])
        ui.reset_kept("bert_pick")

    example = ui.kept(st.selectbox, _("Lecture examples"), key="bert_example", default=bert.EXAMPLES[0],
                      options=list(bert.EXAMPLES), on_change=use_example)
    text = ui.kept(st.text_input, _("Your sentence (at most {n} word pieces)").format(n=bert.MAX_TOKENS),
                   key="bert_text", default=example, url="text", on_change=lambda: ui.reset_kept("bert_pick"))
    spans = bert.words(text)
    picked = ui.kept(st.pills, _("Click a word to mask it"), key="bert_pick", url="mask",
                     options=list(range(len(spans))), selection_mode="single", format_func=lambda i: spans[i][2],
                     parse=lambda t: bert.word_choice(t, len(spans)))
    return text, picked


def section_predictions(bm, text, picked):
    st.subheader(_("1 · Predictions"))
    top_k = ui.kept(st.slider, _("top-k"), key="bert_k", default=5, min_value=1, max_value=15, url="k")
    reading = ui.shared_figure(bert.read, bm, text, picked, top_k)  # per language too: it holds a note
    st.html(ui.shared_figure(vb.reading_html, reading.trace, reading.fills))
    st.caption(_(vb.EXPLAIN["chips"]))
    for kind, note in vb.reading_notes(reading.note, bm.has_mlm, bool(reading.masks), bm.name, bm.english_only):
        getattr(st, kind)(note)  # st.warning / st.info
    cols = st.columns(max(1, min(3, len(reading.predictions))))
    for m, fig in enumerate(ui.shared_figure(vb.prediction_figures, reading.predictions, reading.truth)):
        with cols[m % len(cols)]:
            ui.figure(fig, f"bert_pred_{m}", vb.prediction_explanation(reading.truth))
    return reading


def section_attention(reading):
    st.subheader(_("2 · Attention, head by head"))
    trace, c = reading.trace, st.columns(4)
    layer = select(c[0], _("Layer"), "layer", list(range(1, trace.num_layers + 1)), format_func=vb.layer_label)
    head = select(c[1], _("Head"), "head", list(range(1, trace.num_heads + 1)), format_func=vb.head_label)
    hide = ui.kept(c[2].toggle, _("Hide [CLS]/[SEP]"), key="bert_hide", default=False, url="hide")
    avg = ui.kept(c[3].toggle, _("Average the heads"), key="bert_avg", default=False, url="average")
    shown, layer, head = ui.shared(bert.view, trace, hide, avg), layer - 1, None if avg else head - 1
    show("heatmap", vb.heatmap, shown, layer, head, hidden=hide)
    c, n, label = st.columns([2, 1]), len(shown.tokens), vb.token_option(shown.tokens)
    start = select(c[0], _("Head view: lines from"), "from", list(range(-1, n)), format_func=label)
    every = ui.kept(c[1].toggle, _("Every head of this layer"), key="bert_every", default=False, url="every")
    show("headview", vb.layer_head_view, shown, layer, None if every else head or 0, None if start < 0 else start,
         side=True, table=ui.shared(vb.weights_table, shown.weights[layer, head or 0], shown.tokens))
    show("modelview", vb.model_view, shown.weights, shown.tokens, _("Model view: every layer × every head"),
         table=ui.shared_figure(bert.head_patterns, shown))
    if head is not None and shown.queries is not None:
        query = select(st, _("Neuron view: query token"), "query", list(range(n)), reading.neuron_query(hide),
                       format_func=label)
        nv = ui.shared(bert.neuron_view, shown, layer, head, query)
        show("neuron", vb.neuron_figure, nv, shown.tokens, query, layer, head, hidden=hide)
    st.warning(_(vb.NOT_AN_EXPLANATION))


def section_attribution(bm, reading):
    st.subheader(_("3 · Attribution: which words drove the prediction?"))
    if not reading.predictions:
        return st.info(_(vb.EXPLAIN["no_attribution"]))
    which = select(st, _("Explain [MASK] #"), "explain", list(range(1, len(reading.masks) + 1)))
    if bert.explains_automatically(bm) or st.toggle(_("Explain with integrated gradients (a few seconds for each "
                                                      "sentence)"), key="bert_ig"):
        with st.spinner(_("Integrated gradients (24 forward/backward passes)…")):
            att = ui.shared(bert.attribute, bm, reading.text, which - 1)
        a, b = st.columns(2)
        show("ig", vb.attribution_figure, att, place=a, delta=att.delta)
        row = ui.shared(bert.mean_row, reading.trace, att.position)  # (T,): the [MASK]'s attention, all heads
        show("ig_att", vb.mask_attention_figure, reading.trace.tokens, row, place=b)


def section_recipe(bm, text):
    st.subheader(_("4 · How BERT was trained: the masking recipe and next-sentence prediction"))
    a, b = st.columns(2)
    seed = ui.kept(a.number_input, _("Seed (change it for another draw)"), "bert_seed", 0, url="seed", min_value=0)
    rate = ui.kept(b.slider, _("Share of tokens chosen"), "bert_rate", 0.15, url="rate", min_value=0.05, max_value=0.5)
    run = ui.shared(bert.masking_recipe, bm, text, int(seed), float(rate))
    st.html(ui.shared_figure(vb.masking_html, run.tokens, run.corrupted, run.kinds, run.predictions))
    st.caption(vb.explain("recipe", seed=run.seed, rate=rate))
    st.markdown(_(vb.NSP))
    pair = ui.shared_figure(bert.next_sentence, bm, text)  # IsNext / NotNext, or why there is none (per language)
    if pair.note:
        return st.info(pair.note)
    show("nsp", vb.nsp_figure, pair)


def main():
    ui.setup()
    ui.header(_("BERT: a masked language model, opened up"), _(vb.INTRO))
    with ui.guard(_("the model")):  # a model or sentence that fails: its message, and the sections after it wait
        bm = ui.load_model("bert", ui.model_picker("bert", key="bert_model", label=_("Model"), url="model",
                           default=bert.start_model(), help_text=_("bert-base-uncased needs internet once.")))
        st.caption(bert.describe(bm))
        text, picked = section_sentence()
        reading = ui_present.slide(1, section_predictions, bm, text, picked)
        for n, section in enumerate((lambda: section_attention(reading), lambda: section_attribution(bm, reading),
                                     lambda: section_recipe(bm, text)), 2):
            with ui_present.section(n), ui.guard(_("this section")):
                section()


main()
