"""The Transformer, step by step: one sentence through encoder and decoder, trained live, decoded greedily."""

import streamlit as st

from tlviz import transformer as tf
from tlviz import ui, ui_present, ui_topics, ui_transformer
from tlviz.data.parallel import get_task
from tlviz.i18n import _
from tlviz.viz import transformer as tviz


def shared(fn, *args, **kwargs):  # once for the whole class, per language (figures hold text); a live model changes
    live = st.session_state.get("tf_model") == tf.LIVE
    return fn(*args, **kwargs) if live else ui.shared_figure(fn, *args, **kwargs)


def show(steps, columns=None):
    for step, place in zip(steps, columns or [st.container()] * len(steps)):
        with place:
            st.markdown("\n\n".join(filter(None, (step.intro, step.title and f"**{step.title}**"))))
            ui.figure(step.fig, key=step.key, explanation=step.text, table=step.table)


def section_model():
    live = st.session_state.get("tf_trainer")
    options = tf.model_options(live is not None)
    left, right = st.columns([2, 3])
    choice = ui.kept(left.selectbox, _("Model"), key="tf_model", default=next(iter(options)), options=list(options),
                     url="model", format_func=lambda k: _(options[k]))
    task = ui.kept(left.radio, _("Task (untrained / live training)"), key="tf_task", default="en-de", url="task",
                   options=["en-de", "reverse"], horizontal=True, format_func=lambda n: _(get_task(n).title))
    sizes = st.expander(_("Hyperparameters of the untrained model (and of live training)"),
                        expanded=choice == tf.UNTRAINED).columns(len(tf.HYPERPARAMETERS))
    hyper = {arg: ui.kept(col.select_slider, _(label), key=f"tf_{k}", default=d, options=opts, url=k)
             for col, (k, (label, arg, opts, d)) in zip(sizes, tf.HYPERPARAMETERS.items())}
    return tf.open_model(choice, task, hyper, live), right, task, hyper, live


def section_inputs(translator, column):
    task = translator.task
    if st.session_state.setdefault("tf_src_task", task.name) != task.name:  # another task: its own example
        ui.reset_kept("tf_src", "tf_tgt")
    st.session_state["tf_src_task"] = task.name
    column.caption(tf.caption(translator))
    text = ui.kept(column.text_input, _("Source sentence"), key="tf_src", default=task.examples[0], url="src",
                   help=_("Examples: {examples}").format(examples=" · ".join(task.examples)))
    target = ui.kept(column.text_input, _("Target sentence for teacher forcing (empty: the corpus translation, else "
                     "the model's own)"), key="tf_tgt", default="", url="tgt")
    pad = ui.kept(column.checkbox, _(tviz.PAD_LABEL), key="tf_pad", default=False, url="pad",
                  help=_(tviz.PAD_HELP))
    with ui.guard(_("the forward pass")):
        view = shared(tf.trace_sentence, translator, text, target, 3 if pad else 0)
        if view.unknown:
            st.warning(tf.unknown_note(view, translator))
        st.markdown(tf.forcing_note(view))
        return text, view
    return text, None


def section_walkthrough(view, translator):
    ui_topics.qkv_search()  # the lecture's video search: what query, key and value mean, before the maths
    cfg, c = translator.config, st.columns(3)
    ui.clamp_kept("tf_layer", lo=1, hi=cfg.n_layers)
    ui.clamp_kept("tf_head", lo=1, hi=cfg.n_heads)
    block = ui.kept(c[0].radio, _("Attention block"), key="tf_block", default="encoder", options=list(tviz.BLOCKS),
                    url="block", format_func=lambda b: _(tviz.BLOCKS[b]))
    layer = ui.kept(c[1].selectbox, _("Layer"), key="tf_layer", default=1, options=list(range(1, cfg.n_layers + 1)),
                    url="layer", format_func=lambda i: _("layer {n}").format(n=i))
    head = ui.kept(c[2].selectbox, _("Head"), key="tf_head", default=1, options=list(range(1, cfg.n_heads + 1)),
                   url="head", format_func=lambda i: _("head {n}").format(n=i))
    show(shared(tviz.walkthrough, view.trace, view.source, view.decoder_input, block, layer - 1, head - 1))


def section_train(task_name, hyper, live):
    st.markdown(_(tviz.TEACHER_FORCING))
    st.dataframe(shared(tviz.teacher_forcing_table, get_task(task_name).train[:4]), hide_index=True)
    c = st.columns(4)
    steps = ui.kept(c[0].number_input, _("training steps"), "tf_steps", 400, min_value=20, max_value=3000, step=50)
    start = c[1].button(_("Train from scratch"), type="primary")
    go_on = c[2].button(_("Continue"), disabled=live is None or live.history.finished)
    c[3].button(_("Stop"), disabled=live is None and not start, help=_("Stops between steps; keeps what it learnt."))
    live = st.session_state["tf_trainer"] = tf.live_trainer(task_name, steps=steps, **hyper) if start else live
    if start or go_on:
        callback, _seen = ui.training_feedback(chart=lambda _h: tviz.training_curves(live.history))
        live.run(callback)  # takes the shared lock step by step: others' work interleaves
        st.rerun()
    if live is not None:
        st.success(tf.run_summary(live))
        show([tviz.training_step(live.history)])


def section_decode(translator, text):
    translator = ui_transformer.training_snapshot(translator)  # the shipped model along its training
    dec = shared(tf.greedy_decode, translator, text)
    show([shared(tviz.decode_overview, dec)])
    st.dataframe(shared(tviz.decode_table, dec), hide_index=True)
    k = ui_transformer.decode_step(dec)
    show(shared(tviz.decode_step_figures, dec, k, translator.task.tgt_vocab), st.columns(2))


def section_paper():
    ui_topics.why_self_attention()  # Table 1 beside our own layers timed
    show([shared(tviz.paper_step, ui.shared(tf.paper_comparison, ui_topics.paper_vocabulary()))])
    ui_topics.training_setup()  # data, hardware, time and BLEU, with the lecture's words


def main():
    ui.setup()
    ui.header(_("The Transformer, step by step"), _(tviz.INTRO))
    with ui.guard(_("loading the model")):
        translator, column, task, hyper, live = section_model()
        text, view = section_inputs(translator, column)
        sections = (lambda: section_walkthrough(view, translator), lambda: show(shared(tviz.attention_maps, view)),
                    lambda: section_train(task, hyper, live), lambda: section_decode(translator, text),
                    lambda: show(shared(tviz.loss_steps, ui.shared(tf.loss_demo))), section_paper)
        bar = ui_present.tabs([_(t) for t in tviz.TABS], key="tf_tab")  # only the open tab runs
        for tab, section, needs_view in zip(bar, sections, (1, 1, 0, 1, 0, 0)):
            with tab, ui.guard(_("this tab")):
                if tab.open and (view is not None or not needs_view):  # a bad sentence: its message is above
                    section()


main()
