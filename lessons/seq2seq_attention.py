"""Seq2seq attention: the lecture's worked example by hand, then a trained GRU encoder-decoder's alignments."""

import streamlit as st

from tlviz import attention, seq2seq, ui
from tlviz.data import dates
from tlviz.viz import seq2seq as vz

ui.setup()
ui.header("Seq2seq attention, worked by hand",
          "While writing each output word, the decoder **looks back** at every encoder hidden state: it scores "
          "them against its own state, turns the scores into weights with a softmax, and reads a weighted sum, "
          "the **context vector**. Edit any number below and every step updates.")

# ------------------------------------------------------------------ 1. the worked example
st.header("1. One attention step, by hand")
DEC, ENC = attention.LECTURE_DECODER, attention.LECTURE_ENCODER


def lecture_default(row: int, col: int) -> str:  # row -1 = decoder state
    src = DEC if row < 0 else (ENC[row] if row < len(ENC) else ())
    return f"{src[col]:g}" if col < len(src) else "0"


def reset_numbers():
    for key in [k for k in st.session_state if str(k).startswith(("s2s_cell_", "_kept_s2s_cell_"))]:
        del st.session_state[key]
    for key, value in (("s2s_n", 4), ("s2s_d", 3), ("s2s_T", 1.0), ("s2s_method", "dot")):
        st.session_state[key] = st.session_state[f"_kept_{key}"] = value


size = st.columns([1, 1, 2, 2])
n = ui.kept(size[0].number_input, "encoder states n", key="s2s_n", default=4, min_value=1, max_value=8)
d = ui.kept(size[1].number_input, "size d", key="s2s_d", default=3, min_value=1, max_value=6)
size[2].button("↺ Back to the lecture's numbers", on_click=reset_numbers)
names = ["decoder s"] + vz.state_labels(n)
cells = []
for r, name in enumerate(names):
    row = st.columns([1.2] + [1] * d + [max(0.1, 7 - d)])
    row[0].markdown(f"**{name}**")
    cells.append([ui.kept(row[1 + c].text_input, f"{name} [{c + 1}]", key=f"s2s_cell_{r - 1}_{c}",
                          default=lecture_default(r - 1, c), label_visibility="collapsed") for c in range(d)])

controls = st.columns(2)
method = ui.kept(controls[0].radio, "Score function", key="s2s_method", default="dot", options=attention.SCORE_METHODS,
                 horizontal=True, format_func=lambda m: m.replace("_", " "),
                 help="The lecture uses the plain dot product.")
temperature = ui.kept(controls[1].select_slider, "Softmax temperature T", key="s2s_T", default=1.0,
                      options=[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0],
                      help="weights = softmax(scores / T): small T is near-hard attention, large T spreads it out.")
st.latex(attention.SCORE_FORMULAS[method] + r"\qquad \alpha = \mathrm{softmax}(\mathrm{scores}/T)"
         r"\qquad \mathbf{c} = \textstyle\sum_j \alpha_j \mathbf{h}_j")

with ui.guard("the worked example"):
    params = {}
    if method == "general":
        identity = "\n".join(" ".join("1" if i == j else "0" for j in range(d)) for i in range(d))
        w_text = ui.kept(st.columns([2, 3])[0].text_area, f"W ({d}x{d}; identity gives the dot product back)",
                         key=f"s2s_W_{d}", default=identity, height=70 + 22 * d)
        params["W"] = attention.parse_matrix(w_text, (d, d), "W")
    elif method == "additive":
        seed = ui.kept(st.columns([1, 3])[0].number_input, "Seed of W1, W2, v (learnt in a real model)",
                       key="s2s_seed", default=0, min_value=0, max_value=999)
        params = attention.score_params("additive", d, seed=int(seed))
        st.caption("W1 = " + str(params["W1"].tolist()) + " · W2 = " + str(params["W2"].tolist()) + " · v = "
                   + str(params["v"].tolist()))
    s = attention.parse_cells([cells[0]], ["decoder s"])[0]
    H = attention.parse_cells(cells[1:], names[1:])
    ex = attention.worked_example(s, H, softmax_temperature=temperature, method=method, **params)

    labels = names[1:]
    left, right = st.columns([3, 2])
    left.dataframe(vz.worked_table(ex, labels), hide_index=True, width="stretch")
    right.markdown(f"#### context vector\n### c ≈ {vz.fmt_vector(ex.context.round(3))}")
    right.caption(f"Exactly {vz.fmt_vector(ex.context)}. The decoder reads this vector, together with its own "
                  "state, to write the next word.")
    ui.figure(vz.scores_weights(ex.scores, ex.weights, labels), "s2s_scores",
              "Step 1: each encoder state is scored against the decoder state. Step 2: the softmax turns scores "
              "into positive weights that sum to 1; a score far above the others takes almost all the weight "
              "(60 against 35: e^25 ≈ 7·10¹⁰ times more).",
              side=True)
    ui.figure(vz.weighted_states(H, ex.weights, ex.weighted, ex.context, labels), "s2s_weighted",
              "Step 3: each encoder state times its weight. Step 4: their sum (below the line) is the context "
              "vector.", side=True)
    ui.figure(vz.temperature_curves(ex.scores, temperature, labels=labels), "s2s_temperature",
              "The same scores divided by T before the softmax: as T shrinks the largest score takes everything "
              "(hard attention); as T grows every state gets nearly 1/n (no focus at all).", side=True)

# ------------------------------------------------------------------ 2. a trained model
st.header("2. A trained encoder-decoder with attention")
st.markdown("A GRU encoder reads a date written the way people write it, one character at a time; an attention "
            "decoder writes it as `yyyy-mm-dd`. Nobody told it which characters matter: the alignments below "
            "were learnt from examples alone.")
mine = st.session_state.get("s2s_retrained")
model = None
with ui.guard("loading the date model"):
    choices = ["shipped model"] + (["my retrained model"] if mine is not None else [])
    which = ui.kept(st.radio, "Model", key="s2s_which", default="shipped model", options=choices, horizontal=True)
    model = mine.model if (which != "shipped model" and mine is not None) else seq2seq.load()
    st.caption(model.meta.note if hasattr(model, "meta") else
               f"Your model: {len(mine.steps)} steps, loss {mine.losses[-1]:.3f}.")
text = ui.kept(st.text_input, "A date", key="s2s_date", default="5 August 1975",
               help="Formats it learnt: " + " · ".join(dates.FORMAT_EXAMPLES))
st.caption(f"It learnt years {dates.FIRST_YEAR}–{dates.LAST_YEAR} in the formats {', '.join(dates.FORMAT_EXAMPLES[:4])}"
           "… Outside them it fails, as every model does: try 12/25/1999 (a US date it never saw) or march 3 1850.")
with ui.guard("translating"):
    if model is not None:
        trace = seq2seq.translate(model, text)
        st.markdown(f"### `{' '.join(dates.normalise(text).split())}` → `{trace.text}`")
        T = len(trace.tokens)
        step = st.slider("Decoding step", 1, T, min(T, st.session_state.get("s2s_step", 1)), key=f"s2s_step_{T}")
        st.session_state["s2s_step"] = step
        ui.figure(vz.alignment(trace.attention, trace.source_tokens, trace.tokens, highlight_step=step - 1),
                  "s2s_alignment", "Each row is one decoding step: where that output character looked in the "
                  "source. Year digits read the year, month digits the month name, day digits the day.")
        a, b = st.columns(2)
        with a:
            ui.figure(vz.step_attention(trace.attention[step - 1], trace.source_tokens,
                                        title=f"step {step}: attention (sums to 1)"), "s2s_step_att",
                      "This step's softmax over the encoder states.")
        with b:
            ui.figure(vz.next_token(trace.top(step - 1), trace.tokens[step - 1],
                                    title=f"step {step}: next character"), "s2s_step_next",
                      "Greedy decoding writes the most probable character (red) and feeds it back in.")
        ui.figure(vz.context_vector(trace.contexts[step - 1], title=f"step {step}: context vector "
                                    f"({trace.contexts.shape[1]} numbers)"), "s2s_step_ctx",
                  "The weighted sum of encoder states at this step: what the decoder read from the source.")

# ------------------------------------------------------------------ 3. retrain
st.header("3. Retrain it yourself")
st.caption("A smaller model of the same kind, trained from scratch on this machine (about half a minute). "
           "Watch the loss fall; then pick “my retrained model” above and compare its alignments.")
c1, c2, c3 = st.columns(3)
r_method = ui.kept(c1.selectbox, "Score function", key="s2s_r_method", default="dot", options=seq2seq.SCORES)
r_steps = ui.kept(c2.select_slider, "Training steps", key="s2s_r_steps", default=300,
                  options=[100, 200, 300, 400, 600])
chart = st.empty()
if c3.button("▶ Retrain", type="primary"):
    with ui.guard("retraining"), ui.heavy("retraining the date model"):
        bar, update = ui.progress(r_steps, "Training…")

        def on_step(ev):
            update(ev.step, f"step {ev.step}/{ev.total}, loss {ev.loss:.3f}")
            if ev.step % 25 == 0:
                h = ev.history
                chart.plotly_chart(vz.loss_curve(h.steps, h.losses, h.eval_steps, h.exact_match), key=f"live{ev.step}")

        st.session_state["s2s_retrained"] = seq2seq.train(seq2seq.Seq2SeqConfig.quick(attention=r_method),
                                                          steps=r_steps, batch=64, eval_every=max(25, r_steps // 6),
                                                          eval_size=300, callback=on_step)
        st.rerun()  # so the model choice above offers the new model
mine = st.session_state.get("s2s_retrained")
if mine is not None:
    st.caption(f"Your model: {mine.seconds:.0f} s, final loss {mine.losses[-1]:.3f}, held-out exact match "
               f"{mine.exact_match[-1]:.0%} (300 dates never seen in training).")
    ui.figure(vz.loss_curve(mine.steps, mine.losses, mine.eval_steps, mine.exact_match), "s2s_loss",
              "Cross-entropy of the next character under teacher forcing, and exact match on held-out dates.")
