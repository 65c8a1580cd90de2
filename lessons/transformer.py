"""The Transformer, step by step: one sentence through encoder and decoder, trained live, decoded greedily."""

import pandas as pd
import streamlit as st

from tlviz import models, ui
from tlviz import transformer as tf
from tlviz.data.parallel import get_task
from tlviz.viz import transformer as tviz

ui.setup()
ui.header("The Transformer, step by step",
          "An encoder-decoder Transformer (Vaswani et al., 2017) written from scratch in tlviz. Follow one "
          "sentence through it (embeddings, Q/K/V, scaled dot-product attention, masks, heads, residual + "
          "LayerNorm, feed-forward), train it live with teacher forcing, and watch greedy decoding word by word.")

UNTRAINED, LIVE = "Untrained (choose the hyperparameters)", "Your live-trained model"
names = [c.name for c in sorted(models.catalog("transformer"), key=lambda c: not c.default)] + [UNTRAINED]
live = st.session_state.get("tf_trainer")
names += [LIVE] if live is not None else []
left, right = st.columns([2, 3])
with left:
    choice = ui.kept(st.selectbox, "Model", key="tf_model", default=names[0], options=names)
    task_name = ui.kept(st.radio, "Task (untrained / live training)", key="tf_task", default="en-de",
                        options=["en-de", "reverse"], horizontal=True,
                        format_func=lambda n: get_task(n).title)
with st.expander("Hyperparameters of the untrained model (and of live training)", expanded=choice == UNTRAINED):
    c = st.columns(5)
    d_model = ui.kept(c[0].select_slider, "embedding size d_model", key="tf_d", default=64, options=[16, 32, 64, 128])
    heads = ui.kept(c[1].select_slider, "heads h", key="tf_h", default=4, options=[1, 2, 4, 8])
    d_k = ui.kept(c[2].select_slider, "query size d_k", key="tf_dk", default=16, options=[4, 8, 16, 32, 64])
    layers = ui.kept(c[3].select_slider, "layers N", key="tf_n", default=2, options=[1, 2, 3, 4, 6])
    d_ff = ui.kept(c[4].select_slider, "feed-forward size d_ff", key="tf_ff", default=128, options=[32, 64, 128, 256])

sm = None
with ui.guard("loading the model"):
    if choice == LIVE and live is not None:
        sm = live.sm
    elif choice == UNTRAINED:
        sm = tf.untrained(task_name, d_model, heads, d_k, layers, d_ff)
    else:
        sm = tf.load(choice)
if sm is None:
    st.stop()
task = sm.task
with right:
    st.caption(f"**{sm.name}** · {tf.describe(sm.config)} · {tf.count_parameters(sm.model):,} parameters"
               + (f" · {sm.note}" if sm.note else ""))
    text = ui.kept(st.text_input, "Source sentence", key=f"tf_src_{task.name}", default=task.examples[0],
                   help=f"Examples: {' · '.join(task.examples)}")
    target = ui.kept(st.text_input, "Target sentence for teacher forcing (empty: the corpus translation, else the "
                     "model's own)", key=f"tf_tgt_{task.name}", default="")
    pad = ui.kept(st.checkbox, "Add 3 <pad> tokens to the source, as in a batch (shows the padding mask)",
                  key="tf_pad", default=False)

tabs = st.tabs(["① Walk-through", "② Attention maps", "③ Train live", "④ Greedy decoding", "⑤ Loss",
                "⑥ The paper's model"])
trace = None
with ui.guard("the forward pass"):
    trace, src_tok, dec_in, dec_out, unknown = sm.trace(text, target, 3 if pad else 0)
    if unknown:
        st.warning(f"Not in the vocabulary, shown as <unk>: {', '.join(unknown)}. This model only knows the "
                   f"{len(task.src_vocab) - 4} source and {len(task.tgt_vocab) - 4} target words of its corpus.")

with tabs[0]:
    if trace is not None:
        st.markdown(f"Decoder input (shifted right): `{' '.join(dec_in)}` → expected output: "
                    f"`{' '.join(dec_out)}`")
        c = st.columns(3)
        block = c[0].radio("Attention block", list(tviz.BLOCKS), format_func=tviz.BLOCKS.get, key="tf_block")
        layer = c[1].selectbox("Layer", range(sm.config.n_layers), format_func=lambda i: f"layer {i + 1}",
                               key="tf_layer")
        head = c[2].selectbox("Head", range(sm.config.n_heads), format_func=lambda i: f"head {i + 1}", key="tf_head")
        for step in tviz.walkthrough(trace, src_tok, dec_in, block, layer, head):
            st.markdown(f"**{step.title}**")
            ui.figure(step.fig, key=step.key, explanation=step.text)

with tabs[1]:
    if trace is not None:
        for title, w, xs, ys, expl in (
                ("Encoder self-attention", trace.encoder_self_attention, src_tok, src_tok,
                 "Every source word looks at every source word."),
                ("Decoder masked self-attention", trace.decoder_self_attention, dec_in, dec_in,
                 "Upper triangle empty: no word sees the words after it."),
                ("Encoder-decoder attention", trace.cross_attention, src_tok, dec_in,
                 "Rows: decoder positions (queries); columns: source words (keys and values from the encoder).")):
            ui.figure(tviz.attention_grid(w[:, 0], xs, ys, title=title), key=f"grid-{title}",
                      explanation=f"{expl} One row per layer, heads side by side.")

with tabs[2]:
    st.markdown("**Teacher forcing.** The decoder is fed the correct target shifted right behind `<sos>` and "
                "learns to predict the next word at every position at once:")
    st.dataframe(tviz.teacher_forcing_table(get_task(task_name).train[:4]), hide_index=True, width="stretch")
    c = st.columns(4)
    steps = ui.kept(c[0].number_input, "training steps", key="tf_steps", default=400, min_value=20,
                    max_value=3000, step=50)
    start = c[1].button("Train from scratch", icon=":material/play_arrow:", type="primary")
    go_on = c[2].button("Continue", icon=":material/fast_forward:", disabled=live is None or live.history.finished)
    c[3].button("Stop", icon=":material/stop:", disabled=live is None and not start,
                help="Stops between two steps; the model keeps what it has learnt.")
    bar, curves = st.empty(), st.empty()
    with ui.guard("training"):
        if start:
            live = st.session_state["tf_trainer"] = tf.live_trainer(task_name, d_model, heads, d_k, layers, d_ff,
                                                                   steps)
        if start or go_on:
            prog = bar.progress(0.0, "starting…")

            def on_step(e):
                if e.step % 5 and not e.evaluated and e.step != e.total:
                    return  # a page update every 5 steps is enough (each one is also where Stop takes effect)
                prog.progress(e.step / e.total, f"step {e.step}/{e.total} · loss {e.loss:.3f} · "
                                                f"{e.elapsed_s:.0f} s")
                if e.evaluated:
                    curves.plotly_chart(tviz.training_curves(e.history), key=f"live_{e.step}")

            live.run(on_step)  # takes the shared lock step by step: others' work interleaves
            st.rerun()
    if live is not None:
        h = live.history
        state = "finished" if h.finished else f"stopped at step {h.steps[-1] if h.steps else 0} (kept)"
        st.success(f"Live model ({tf.describe(live.sm.config)}, {live.sm.task.title}): {state}, "
                   f"{h.elapsed_s:.0f} s, held-out token accuracy "
                   f"{(h.last_val_acc or 0):.1%}. Pick “{LIVE}” above to explore it.")
        ui.figure(tviz.training_curves(h), key="tf_curves", explanation="Thin: training batches. Thick: the "
                  "held-out sentences the model never trains on (teacher-forced token accuracy).")

with tabs[3]:
    with ui.guard("greedy decoding"):
        dec = tf.greedy_decode(sm, text)
        st.markdown(f"**Output:** `{' '.join(dec.output) or '(nothing)'}`"
                    + ("" if dec.finished else " — stopped at the length limit without <eos>"))
        ui.figure(tviz.decode_alignment(dec, title="Which source words each output word used (last layer, "
                                                   "mean of heads)"), key="tf_align",
                  explanation="The encoder ran once; the decoder ran once per output word.")
        st.dataframe(tviz.decode_table(dec), hide_index=True, width="stretch")
        k = st.radio("Step", range(1, len(dec.steps) + 1), horizontal=True,
                     format_func=lambda i: f"{i}: {dec.steps[i - 1].chosen}")
        s = dec.steps[k - 1]
        st.markdown(f"Step {k}: decoder input `{' '.join(s.decoder_input)}` → chose **{s.chosen}**")
        a, b = st.columns(2)
        with a:
            ui.figure(tviz.step_distribution(s, task.tgt_vocab, title="next-token distribution (top 8)"),
                      key="tf_topk", explanation="Greedy decoding takes the most probable word (red).")
        with b:
            ui.figure(tviz.step_cross_attention(s, dec.source, title="this step's cross-attention"),
                      key="tf_stepx", explanation="Where the newest decoder position looks in the source, per "
                      "layer and head.")

with tabs[4]:
    st.markdown("The lecture's toy output vocabulary: *a, am, i, thanks, student, <eos>*. Target: "
                "“i am a student <eos>” as one-hot rows. A tiny Transformer before and after training:")
    with ui.guard("the loss example"), ui.heavy("loss example"):
        demo = models.cached(("transformer-loss-demo",), tf.loss_demo)
        for which in ("before", "after"):
            ui.figure(tviz.loss_figure(demo, which), key=f"tf_loss_{which}", explanation=(
                "Cross-entropy per position is −log of the probability given to the correct word; backpropagation "
                "lowers it, pushing each row towards its one-hot target."))

with tabs[5]:
    vocab = st.number_input("shared vocabulary (BPE tokens)", 1000, 100_000, 37_000, 1000, key="tf_vocab")
    with ui.guard("counting parameters"):
        counts = {"tied embeddings (paper)": tf.parameter_count(tf.TransformerConfig.base(vocab, True)),
                  "separate embeddings": tf.parameter_count(tf.TransformerConfig.base(vocab, False))}
        tied = counts["tied embeddings (paper)"].total
        ui.figure(tviz.parameter_bars(counts), key="tf_params", explanation=(
            "Base model: N = 6, d_model = 512, d_ff = 2048, h = 8, d_k = d_v = 64, dropout 0.1, built from this "
            "page's classes on PyTorch's meta device (counted, never trained here). With the paper's tied "
            f"embeddings and a {vocab:,}-token vocabulary we count {tied:,} ({tied / 1e6:.1f}M); the paper reports "
            f"65M, i.e. {65e6 - tied:+,.0f} (a larger vocabulary, about "
            f"{(65e6 - tied) / 513 + vocab:,.0f} tokens, would close the gap; the paper does not give the exact "
            "count). The layers alone hold 44.1M."),
            table=pd.DataFrame({n: vars(c) for n, c in counts.items()}).drop("config"))
