"""Masks: padding and look-ahead masks, -inf before the softmax, and what leaks without them."""

import streamlit as st

from tlviz import masks, ui
from tlviz.viz import masks as vz

ui.setup()
ui.header("Attention masks",
          "Sentences in a batch have different lengths, so the short ones are **padded** to the longest; and a "
          "decoder that is learning to write word t must not **peek** at words t+1, t+2… A mask says which "
          "scores may count: the others are set to **−∞** before the softmax, which turns them into exact zeros.")

text = ui.kept(st.text_area, "Sentences of a batch (one per line)", key="mk_text",
               default="the cat drinks milk\nyou are welcome\nhello", height=110)
ENCODER, DECODER = "Encoder self-attention (padding mask)", "Decoder self-attention (padding + look-ahead)"
with ui.guard("the sentences"):
    grid, lengths = masks.pad_batch(masks.split_sentences(text))
    L = len(grid[0])
    ui.figure(vz.token_grid(grid, lengths, title=f"The padded batch: {len(grid)} sentences × {L} positions"),
              "mk_grid", "Every sentence is padded with [PAD] to the longest one so the batch is one "
                         "rectangular tensor. The model must ignore the grey cells.", side=True)

    pad = masks.padding_mask(lengths, L).numpy()  # (B, L)
    look = masks.causal_mask(L).numpy()  # (L, L)
    c1, c2 = st.columns(2)
    with c1:
        ui.figure(vz.bool_matrix(pad, x_labels=[str(j) for j in range(L)],
                                 y_labels=[f"sentence {b + 1}" for b in range(len(grid))], title="Padding mask",
                                 x_title="position", y_title=""), "mk_padding",
                  "True (✓) for a real token, False (✗) for padding: one row per sentence.")
    with c2:
        ui.figure(vz.bool_matrix(look, x_labels=[str(j) for j in range(L)], y_labels=[str(j) for j in range(L)],
                                 title="Look-ahead (causal) mask"), "mk_causal",
                  "Query i may attend to keys 0…i only: the lower triangle with the diagonal.")

    st.subheader("One sentence's attention")
    c1, c2 = st.columns([1, 2])
    which = ui.kept(c1.selectbox, "Sentence", key="mk_which", default=1 if len(grid) > 1 else 0,
                    options=list(range(len(grid))), format_func=lambda b: f"{b + 1}: {' '.join(grid[b][:lengths[b]])}")
    which = min(int(which), len(grid) - 1)
    kind = ui.kept(c2.radio, "Which attention", key="mk_kind", default=DECODER, options=[ENCODER, DECODER])
    forget = ui.kept(st.toggle, "Forget the mask", key="mk_forget", default=False,
                     help="Softmax the raw scores, as if the mask had been left out, and see what leaks.")

    mask = masks.attention_mask(lengths, L, causal=kind == DECODER)  # (B, L, L)
    result = masks.apply(masks.demo_scores(grid), mask, lengths)
    tokens = grid[which]
    blocked = ~result.mask[which]
    ui.figure(vz.bool_matrix(result.mask[which], tokens, tokens,
                             title="Combined mask (padding AND look-ahead)" if kind == DECODER else "Padding mask as "
                             "a key mask"), "mk_combined",
              "A cell is allowed only when every mask allows it. Padding columns are blocked for every query; the "
              "[PAD] rows still compute something, but the loss ignores those outputs.", side=True)
    c1, c2 = st.columns(2)
    with c1:
        ui.figure(vz.scores_matrix(result.scores[which], tokens, title="Scores Q·Kᵀ/√d before masking"),
                  "mk_scores", "Every query scores every key, padding and future words included.")
    with c2:
        ui.figure(vz.scores_matrix(result.scores[which], tokens, masked=blocked,
                                   title="Scores after masking (−∞ in grey)"), "mk_scores_masked",
                  "Masked cells become −∞, and e^(−∞) = 0: they will get no weight at all.")
    if forget:
        ui.figure(vz.weights_matrix(result.weights_unmasked[which], tokens, leak=blocked,
                                    title="Softmax WITHOUT the mask: the leak (red boxes)"), "mk_weights",
                  "Red boxes: attention that should be zero. Real words attend to padding (noise that changes "
                  "with batch size), and the decoder reads the future words it is supposed to predict.", side=True)
    else:
        ui.figure(vz.weights_matrix(result.weights[which], tokens, masked=blocked,
                                    title="Softmax of the masked scores"), "mk_weights",
                  "Masked cells are exactly 0 and every row still sums to 1 over the allowed keys.", side=True)
    keep = ("padding", "future") if kind == DECODER else ("padding",)
    ui.figure(vz.leak_bars({k: result.leak(True)[k] for k in keep}, {k: result.leak(False)[k] for k in keep},
                           title="Where real words' attention goes (all sentences)"), "mk_leak",
              "Mean share of each real word's attention spent where it must not go: 0% with the mask.", side=True)
