"""Seq2seq attention: the lecture's worked example by hand, then a trained GRU encoder-decoder's alignments."""

import streamlit as st

from tlviz import attention, seq2seq, ui, ui_present, ui_topics
from tlviz.i18n import _
from tlviz.viz import seq2seq as vz


def show(name: str, builder, *args, side: bool = False, place=None, note: str = "", **kwargs):
    """A figure built once for the class (per language), its explanation (+ a ``note`` on its numbers), CSV."""
    with place or st.container():
        ui.figure(ui.shared_figure(builder, *args, **kwargs), f"s2s_{name}", _(vz.EXPLAIN[name]) + note, side=side)


def section_inputs():
    """The decoder state, the encoder states, the score function and the temperature, as typed cells."""
    st.header(_("1. One attention step, by hand"))
    size = st.columns([1, 1, 2, 2])
    n = ui.kept(size[0].number_input, _("encoder states n"), key="s2s_n", default=4, min_value=1, max_value=8, url="n")
    d = ui.kept(size[1].number_input, _("size d"), key="s2s_d", default=3, min_value=1, max_value=6, url="d")
    size[2].button(_("↺ Back to the lecture's numbers"), on_click=ui.reset_kept, args=(
        "s2s_n", "s2s_d", "s2s_T", "s2s_method", *(f"s2s_cell_{r}_{c}" for r in range(-1, n) for c in range(d))))
    names = [_("decoder s")] + vz.state_labels(n)  # the decoder state (row 0) is in links too: s1, s2...
    cells = ui.cell_grid(names, attention.lecture_cells(n, d), "s2s_cell", 0, attention.number_text, first=-1)
    left, right = st.columns(2)
    method = ui.kept(left.radio, _("Score function"), key="s2s_method", default="dot", url="method",
                     options=attention.SCORE_METHODS, horizontal=True, format_func=lambda m: m.replace("_", " "),
                     help=_("The lecture uses the plain dot product."))
    temperature = ui.kept(right.select_slider, _("Softmax temperature T"), key="s2s_T", default=1.0, url="T",
                          options=vz.TEMPERATURES, help=_(vz.TEXT["temperature_help"]))
    st.latex(attention.SCORE_FORMULAS[method] + attention.STEP_FORMULA)
    return names, cells, method, temperature


def section_worked(names, cells, method, temperature):
    """The general score's W (typed) or the additive score's seeded parameters, then every step on the numbers."""
    d, params = len(cells[0]), {}
    if method == "general":
        text = ui.kept(st.columns([2, 3])[0].text_area, _(vz.TEXT["W"]).format(d=d), key=f"s2s_W_{d}",
                       default=attention.identity_text(d), height=70 + 22 * d)
        params = {"W": attention.parse_matrix(text, (d, d), "W")}
    elif method == "additive":
        seed = ui.kept(st.columns([1, 3])[0].number_input, _(vz.TEXT["seed"]), key="s2s_seed", default=0,
                       min_value=0, max_value=999)
        params = attention.score_params(method, d, seed=int(seed))
        st.caption(" · ".join(f"{k} = {v.tolist()}" for k, v in params.items()))
    s, H = attention.parse_cells(cells[:1], names[:1])[0], attention.parse_cells(cells[1:], names[1:])
    ex = ui.shared(attention.worked_example, s, H, softmax_temperature=temperature, method=method, **params)
    left, right = st.columns([3, 2])
    left.dataframe(ui.shared_figure(vz.worked_table, ex, names[1:]), hide_index=True, width="stretch")
    right.markdown(_("#### context vector\n### c ≈ {c}").format(c=vz.fmt_vector(ex.context.round(3))))
    right.caption(_(vz.TEXT["context_exact"]).format(c=vz.fmt_vector(ex.context)))
    show("scores", vz.scores_weights, ex.scores, ex.weights, names[1:], side=True,
         note=" " + vz.softmax_note(ex.scores, temperature, names[1:]))
    show("weighted", vz.weighted_states, H, ex.weights, ex.weighted, ex.context, names[1:], side=True)
    show("temperature", vz.temperature_curves, ex.scores, temperature, labels=names[1:], side=True)
    return ex


def section_model():
    """The shipped date model, or the one this student retrained below, and a date through it."""
    st.header(_("2. A trained encoder-decoder with attention"))
    st.markdown(_(vz.MODEL_INTRO))
    mine = st.session_state.get("s2s_retrained")
    names = {"shipped": _("shipped model"), "mine": _("my retrained model")}
    which = ui.kept(st.radio, _("Model"), key="s2s_which", default="shipped", horizontal=True,
                    options=["shipped"] + (["mine"] if mine else []), format_func=names.get)
    model, history = mine if (which == "mine" and mine) else (seq2seq.load(), None)
    st.caption(vz.model_note(model.meta, history))
    return model


def section_translate(model):
    """A date through the model: its alignment, then one decoding step's attention, next token and context."""
    text = ui.kept(st.text_input, _("A date"), key="s2s_date", default="5 August 1975", url="date",
                   parse=seq2seq.valid_source, help=vz.date_formats())
    st.caption(vz.date_hint())
    with ui.guard(_("translating")):
        trace = ui.shared(seq2seq.translate, model, text)
        st.markdown(f"### `{''.join(trace.source_tokens)}` → `{trace.text}`")  # the source as the model read it
        T = len(trace.tokens)
        ui.clamp_kept("s2s_step", lo=1, hi=T)
        step = ui.kept(st.slider, _("Decoding step"), key="s2s_step", default=1, min_value=1, max_value=T,
                       url="step") if T > 1 else 1
        show("alignment", vz.alignment, trace.attention, trace.source_tokens, trace.tokens, highlight_step=step - 1)
        a, b = st.columns(2)
        show("step_attention", vz.step_attention, trace.attention[step - 1], trace.source_tokens, place=a,
             title=_("step {n}: attention (sums to 1)").format(n=step))
        show("next_token", vz.next_token, trace.top(step - 1), trace.tokens[step - 1], place=b,
             title=_("step {n}: next character").format(n=step))
        show("context", vz.context_vector, trace.contexts[step - 1], title=_(
            "step {n}: context vector ({d} numbers)").format(n=step, d=trace.contexts.shape[1]))


def section_retrain():
    """Train a small model of the same kind from scratch, live; it joins the model choice above."""
    st.header(_("3. Retrain it yourself"))
    st.caption(_(vz.RETRAIN_INTRO))
    c1, c2, c3 = st.columns(3)
    method = ui.kept(c1.selectbox, _("Score function"), key="s2s_r_method", default="dot", options=seq2seq.SCORES)
    steps = ui.kept(c2.select_slider, _("Training steps"), key="s2s_r_steps", default=300, options=vz.RETRAIN_STEPS)
    if c3.button(_("▶ Retrain"), type="primary"):
        with ui.guard(_("retraining")), ui.heavy("retraining the date model"):
            callback, _seen = ui.training_feedback(vz.loss_curve, title=_("Training…"))
            st.session_state["s2s_retrained"] = seq2seq.retrain(method, steps, callback=callback)
            st.rerun()  # so the model choice above offers the new model
    if mine := st.session_state.get("s2s_retrained"):
        st.caption(vz.model_note(None, mine[1], final=True))
        show("loss", vz.loss_curve, mine[1])


def main():
    ui.setup()
    ui.header(_("Seq2seq attention, worked by hand"), _(vz.INTRO))
    names, cells, method, temperature = ui_present.slide(1, section_inputs)
    with ui_present.section(2), ui.guard(_("the worked example")):
        section_worked(names, cells, method, temperature)
    with ui_present.section(3), ui.guard(_("loading the date model")):
        section_translate(section_model())
    ui_present.slide(4, section_retrain)
    ui_present.slide(5, ui_topics.bottleneck_section)


main()
