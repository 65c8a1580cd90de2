"""BERT masked LM: [MASK] predictions, per-head attention (heatmap, head, model and neuron views), integrated
gradients, and the 15% masking recipe, on the packaged MiniLM, our small MLM, or any BERT-family hub model."""

import zlib

import streamlit as st

from tlviz import bert, models, ui
from tlviz.viz import bert as vb
from tlviz.viz.core import attention_heatmap

ui.setup()
ui.header("BERT: a masked language model, opened up",
          "BERT reads the whole sentence at once (left **and** right context) and was pretrained to guess hidden "
          "words: type a sentence with `[MASK]`, or click a word to hide it. Then look inside: every layer has "
          "several attention **heads**, each its own pattern. A pair of sentences is written `A [SEP] B`.")

# Our small MLM is the page's starting model when it exists: it can fill in [MASK] offline.
mlm = next((c.name for c in models.catalog("bert") if c.source == "checkpoint" and c.default), None)
if mlm and "bert_model" not in st.session_state:
    st.session_state.setdefault("_kept_bert_model", mlm)
name = ui.model_picker("bert", key="bert_model",
                       help_text="bert-base-uncased / distilbert-base-uncased need internet once (or a prefetch).")
example = ui.kept(st.selectbox, "Lecture examples", key="bert_example", default=bert.EXAMPLES[0],
                  options=list(bert.EXAMPLES))
if st.session_state.get("_bert_last_example") != example:  # picking an example replaces the text
    st.session_state["_bert_last_example"] = example
    st.session_state["bert_text"] = st.session_state["_kept_bert_text"] = example
text = ui.kept(st.text_input, f"Your sentence (at most {bert.MAX_TOKENS} word pieces)", key="bert_text",
               default=example)

bm = trace = None
with ui.guard("the model"):
    bm = ui.load_model("bert", name)
    st.caption(f"{bm.num_layers} layers × {bm.num_heads} heads · source: {bm.source}"
               + ("" if bm.has_mlm else " · **no masked-LM head: attention only, no predictions**"))
if bm is None:
    st.stop()

spans = bert.words(text)
picked = st.pills("Click a word to mask it", options=list(range(len(spans))), selection_mode="single",
                  format_func=lambda i: spans[i][2], key=f"bert_pick_{zlib.crc32(text.encode())}")
query_text = bert.mask_word(text, picked) if picked is not None else text

st.subheader("1 · Predictions")
with ui.guard("the sentence"):
    with ui.heavy("BERT attention"):
        trace = bert.attentions(bm, query_text)
if trace is None:
    st.stop()
with ui.guard("the predictions"):
    masks = bert.mask_positions(trace, bm.tokenizer.mask_token_id)
    preds = []
    if bm.has_mlm and masks:
        with ui.heavy("BERT predictions"):
            preds = bert.fill_mask(bm, query_text, top_k=ui.kept(st.slider, "top-k", key="bert_k", default=5,
                                                                 min_value=1, max_value=15))
    fills = {p: cands[0] for p, cands in zip(masks, preds)}
    st.html(vb.tokens_html(trace.tokens, trace.segments, trace.special, fills))
    st.caption("Blue chips: segment A; orange: segment B; grey: [CLS] (its output summarises the input) and "
               "[SEP] (ends each segment). Hover a chip for its segment and position.")
    if not bm.has_mlm:
        st.info(f"{bm.name} has no masked-LM head, so it offers no predictions. Its attention below is real.")
    elif not masks:
        st.info("No [MASK] in the sentence: type [MASK] or click a word above to see predictions.")
    cols = st.columns(max(1, min(3, len(preds))))
    for m, cands in enumerate(preds):
        with cols[m % len(cols)]:
            truth = spans[picked][2].lower() if picked is not None and len(preds) == 1 else None
            ui.figure(vb.predictions(cands, title=f"[MASK] #{m + 1}", truth=truth), f"bert_pred_{m}",
                      "Probabilities from the MLM head's softmax over the whole vocabulary; ## marks a "
                      "word piece that continues a word" + (f"; the hidden word '{truth}' is red when it is "
                                                           "among them." if truth else "."))

st.subheader("2 · Attention, head by head")
with ui.guard("the attention views"):
    c1, c2, c3, c4 = st.columns(4)
    layer = ui.kept(c1.selectbox, "Layer", key="bert_layer", default=0, options=list(range(trace.num_layers)),
                    format_func=lambda i: f"layer {i + 1}")
    head = ui.kept(c2.selectbox, "Head", key="bert_head", default=0, options=list(range(trace.num_heads)),
                   format_func=lambda i: f"head {i + 1}")
    hide = ui.kept(c3.toggle, "Hide [CLS]/[SEP]", key="bert_hide", default=False)
    avg = ui.kept(c4.toggle, "Average the heads", key="bert_avg", default=False)
    layer, head = min(layer, trace.num_layers - 1), min(head, trace.num_heads - 1)
    shown = trace.view(hide_special=hide, average_heads=avg)
    h = 0 if avg else head
    label = f"layer {layer + 1}, " + ("heads averaged" if avg else f"head {head + 1}")
    ui.figure(vb.all_ticks(attention_heatmap(shown.weights[layer, h], vb.safe_labels(shown.tokens),
                                             vb.safe_labels(shown.tokens), title=label,
                                             height=min(950, max(460, 24 * len(shown.tokens) + 170)))), "bert_heatmap",
              "Row = the token attending (query), column = the token attended to (key); each row sums to 1"
              + (" (renormalised after hiding [CLS]/[SEP])." if hide else "."))
    q_opts = ["all tokens"] + list(range(len(shown.tokens)))
    q_pick = st.selectbox("Head view: lines from", q_opts, key="bert_hv_query",
                          format_func=lambda i: i if isinstance(i, str) else f"{i}: {shown.tokens[i]}")
    ui.figure(vb.head_view(shown.weights[layer], shown.tokens, None if avg else [head],
                           None if isinstance(q_pick, str) else q_pick, shown.segments, shown.special,
                           layer_name=f"layer {layer + 1}"), "bert_headview",
              "Head view (as in bertviz): each token on the left sends lines to the tokens it attends to; "
              "thicker, darker lines = more attention.", side=True,
              table=vb.weights_table(shown.weights[layer, h], shown.tokens))
    all_heads = st.toggle("Head view with every head of this layer (one colour each; click the legend)",
                          key="bert_hv_all")
    if all_heads and not avg:
        ui.figure(vb.head_view(shown.weights[layer], shown.tokens, None, None, shown.segments, shown.special,
                               layer_name=f"layer {layer + 1}"), "bert_headview_all",
                  "All heads overlaid; click a head in the legend to hide it.")
    ui.figure(vb.model_view(shown.weights, shown.tokens, title="Model view: every layer × every head"),
              "bert_modelview", "Each thumbnail is one head's attention matrix (as in the heatmap above). "
              "Patterns to spot: attend to the next / previous token, to [SEP], to the same word, broad averaging.",
              table=bert.head_patterns(shown))
    if not avg and shown.queries is not None:
        qi = st.selectbox("Neuron view: query token", list(range(len(shown.tokens))), key="bert_nv_query",
                          index=min(len(shown.tokens) - 1, masks[0] if masks and not hide else 1),
                          format_func=lambda i: f"{i}: {shown.tokens[i]}")
        nv = bert.neuron_view(shown, layer, head, qi)
        ui.figure(vb.neuron_view(nv.query, nv.keys, nv.products, nv.scores, nv.weights, shown.tokens,
                                 shown.tokens[qi], title=f"Neuron view: {label}, query '{vb.esc(shown.tokens[qi])}'"),
                  "bert_neuron", "q·k: the query of one token times each key, dimension by dimension (red "
                  "negative, blue positive); the sums / √d are the scores, whose softmax is the attention row"
                  + (" (recomputed over the remaining tokens)." if hide else "."))
    st.warning("Attention is not an explanation: a head's weights show where information is mixed from, not why "
               "the model predicts what it does (Jain & Wallace 2019). Compare with the attribution below.")

st.subheader("3 · Attribution: which words drove the prediction?")
with ui.guard("the attribution"):
    att = None
    if bm.has_mlm and masks:
        which = st.selectbox("Explain [MASK] #", list(range(len(masks))), format_func=lambda m: str(m + 1),
                             key="bert_ig_mask") if len(masks) > 1 else 0
        ig_key = (bm.name, query_text, which)
        kept_ig = st.session_state.get("_bert_ig")
        att = kept_ig[1] if kept_ig and kept_ig[0] == ig_key else None
        if att is None and (bm.params <= bert.IG_AUTO_MAX_PARAMS or st.button("Explain with integrated "
                                                                             "gradients (a few seconds)")):
            with st.spinner("Integrated gradients (24 forward/backward passes)…"), ui.heavy("integrated gradients"):
                att = bert.attribute(bm, query_text, mask_index=which)
            st.session_state["_bert_ig"] = (ig_key, att)
    if not (bm.has_mlm and masks):
        st.info("Attribution explains a prediction: use a model with an MLM head and a [MASK] in the sentence.")
    elif att is not None:
        a, b = st.columns(2)
        with a:
            ui.figure(vb.attribution_bars(att.tokens, att.scores, att.target,
                                          title=f"IG for '{vb.esc(att.target)}' "
                                                f"({att.probability:.0%})"), "bert_ig",
                      f"captum LayerIntegratedGradients on the embeddings, from an all-[PAD] baseline; blue pushed "
                      f"towards the prediction, red against. Completeness gap {att.delta:.1e}.")
        with b:
            row = trace.weights[:, :, att.position].mean(axis=(0, 1))  # (T,): the [MASK] row, all layers/heads
            ui.figure(vb.attribution_bars(trace.tokens, row, "attention", title="Attention from the [MASK]",
                                          y_title="attention weight"),
                      "bert_ig_att",
                      "Where the [MASK] looked, averaged over all layers and heads. Often not where the "
                      "attribution is: attention ≠ explanation.")

st.subheader("4 · How BERT was trained: the masking recipe")
with ui.guard("the masking recipe"):
    c1, c2 = st.columns(2)
    seed = ui.kept(c1.number_input, "Seed (change it for another draw)", key="bert_seed", default=0, min_value=0,
                   max_value=10**6, step=1)
    rate = ui.kept(c2.slider, "Share of tokens chosen", key="bert_rate", default=0.15, min_value=0.05,
                   max_value=0.5, step=0.05)
    run = bert.masking_recipe(bm, text, seed=int(seed), rate=float(rate))
    st.html(vb.masking_html(run.tokens, run.corrupted, run.kinds, run.predictions))
    st.caption(f"Seed {run.seed}: {rate:.0%} of the word pieces (never [CLS]/[SEP] or a [MASK] you typed) are "
               "chosen; of those 80% become [MASK], 10% a random token, 10% stay unchanged, and the model must "
               "output the original at every chosen position. The random and unchanged ones stop it from trusting "
               "only [MASK] positions.")
    st.markdown("**Next-sentence prediction.** BERT was also shown sentence pairs `A [SEP] B`: half the time B "
                "really followed A (IsNext), half the time B was a random sentence (NotNext); a classifier on the "
                "[CLS] output learned to tell them apart. Try the two preloaded pairs above.")
