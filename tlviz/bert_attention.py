"""What a BERT-family encoder's heads do with one input: every layer's and head's attention from one forward pass,
the display views (special tokens hidden, heads averaged), bertviz's neuron view and a table of head patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tlviz import bert_text
from tlviz.attention import LayeredAttention
from tlviz.errors import InputError
from tlviz.i18n import _


@dataclass
class AttentionTrace(LayeredAttention):
    """What the encoder did with one input. Shapes: T word pieces, L layers, H heads, D per-head width.

    ``weights`` (L, H, T, T): row i = how query i spreads its attention over the keys, each row sums to 1.
    ``queries`` / ``keys`` (L, H, T, D): the per-head query and key vectors (the neuron view), or None.
    ``segments`` (T,): 0 for segment A (with [CLS] and the first [SEP]), 1 for segment B.
    """

    tokens: list[str]
    weights: Any  # ndarray (L, H, T, T)
    segments: Any  # ndarray (T,) int
    token_ids: Any  # ndarray (T,) int
    special: Any  # ndarray (T,) bool: [CLS], [SEP] and other special tokens
    queries: Any = None  # ndarray (L, H, T, D) or None
    keys: Any = None  # ndarray (L, H, T, D) or None
    model_name: str = ""

    def view(self, hide_special: bool = False, average_heads: bool = False) -> AttentionTrace:
        """See :func:`view`."""
        return view(self, hide_special, average_heads)


def view(trace: AttentionTrace, hide_special: bool = False, average_heads: bool = False) -> AttentionTrace:
    """A copy for display: without [CLS]/[SEP] rows and columns (each remaining row renormalised to sum to 1, so
    it shows how the attention that did not go to them is shared), and/or heads averaged (H = 1)."""
    import numpy as np

    w, q, k = trace.weights, trace.queries, trace.keys
    keep = np.arange(len(trace.tokens))
    if hide_special:
        keep = np.flatnonzero(~trace.special)
        if keep.size == 0:
            raise InputError(_("Nothing is left once [CLS] and [SEP] are hidden."))
        w = w[:, :, keep][:, :, :, keep]  # (L, H, T', T')
        w = w / np.clip(w.sum(-1, keepdims=True), 1e-12, None)
        q = None if q is None else q[:, :, keep]  # (L, H, T', D)
        k = None if k is None else k[:, :, keep]
    if average_heads:
        w = w.mean(axis=1, keepdims=True)  # (L, 1, T', T')
        q = k = None  # an average of heads has no single query/key space
    return AttentionTrace([trace.tokens[i] for i in keep], w, trace.segments[keep], trace.token_ids[keep],
                          trace.special[keep], q, k, trace.model_name)


def _qk_modules(model) -> list[tuple[Any, Any]]:
    """(query Linear, key Linear) of every layer, in layer order (BERT-style and DistilBERT-style names)."""
    found: dict[int, dict[str, Any]] = {}
    for name, module in model.named_modules():
        m = re.search(r"layer\.(\d+)\.attention\.(?:self\.)?(query|key|q_lin|k_lin)$", name)
        if m:
            found.setdefault(int(m.group(1)), {})["q" if m.group(2) in ("query", "q_lin") else "k"] = module
    return [(found[i].get("q"), found[i].get("k")) for i in sorted(found)]


def _segments(bm, enc, text: str, ids):
    """Segment of each position (T,): the tokenizer's token types, else B starts after the first [SEP]."""
    import numpy as np

    T = ids.shape[0]
    seg = enc.get("token_type_ids")
    segments = seg[0].numpy() if seg is not None else np.zeros(T, dtype=int)
    if seg is None or (bert_text.split_pair(text)[1] and not segments.any()):  # DistilBERT: no token types
        sep_id = bm.tokenizer.sep_token_id
        first_sep = int(np.flatnonzero(ids.numpy() == sep_id)[0]) if (ids == sep_id).any() else T
        segments = (np.arange(T) > first_sep).astype(int)
    return segments.astype(int)


def attentions(bm, text: str, with_qk: bool = True) -> AttentionTrace:
    """Every layer's and head's attention for ``text`` (a sentence, or ``A [SEP] B``), from one forward pass."""
    return traced(bm, text, with_qk)[0]


def traced(bm, text: str, with_qk: bool = True) -> tuple[AttentionTrace, Any]:
    """:func:`attentions` of ``text`` and, from the same forward pass, the MLM head's ``(T, V)`` float logits
    (torch; None for a model without the head): what a student's sentence needs, in one pass instead of two."""
    import numpy as np
    import torch

    from tlviz import runtime

    enc = bert_text.encode(bm, text)
    qk = _qk_modules(bm.model) if with_qk else []
    captured: dict[tuple[int, str], Any] = {}
    hooks = []
    for i, (q, k) in enumerate(qk):
        for tag, mod in (("q", q), ("k", k)):
            if mod is not None:
                hooks.append(mod.register_forward_hook(
                    lambda _m, _inp, out, i=i, tag=tag: captured.__setitem__((i, tag), out.detach())))
    try:
        with runtime.exclusive("BERT attention"), torch.no_grad():
            out = bm.model(**bert_text.model_inputs(bm, enc), output_attentions=True)
    finally:
        for h in hooks:
            h.remove()
    atts = getattr(out, "attentions", None)
    if not atts or atts[0] is None:
        raise InputError(_("{model} returned no attention weights (it needs eager attention).").format(model=bm.name))
    weights = torch.stack([a[0] for a in atts]).float().numpy()  # (L, H, T, T)
    ids = enc["input_ids"][0]
    T = ids.shape[0]
    queries = keys = None
    L, H = weights.shape[:2]
    if qk and all((i, t) in captured for i in range(L) for t in ("q", "k")):
        def split(x):  # a Linear's output (1, T, H*D) -> (H, T, D)
            return x[0].float().reshape(T, H, -1).permute(1, 0, 2)

        queries = torch.stack([split(captured[(i, "q")]) for i in range(L)]).numpy()  # (L, H, T, D)
        keys = torch.stack([split(captured[(i, "k")]) for i in range(L)]).numpy()
    special_ids = set(bm.tokenizer.all_special_ids)
    special = np.array([int(i) in special_ids and int(i) != bm.tokenizer.mask_token_id for i in ids])
    logits = getattr(out, "logits", None) if bm.has_mlm else None
    trace = AttentionTrace(bert_text.tokens(bm, ids), weights, _segments(bm, enc, text, ids), ids.numpy(), special,
                           queries, keys, bm.name)
    return trace, None if logits is None else logits[0].float()


def mask_positions(trace: AttentionTrace, mask_token_id: int) -> list[int]:
    """The positions of the [MASK] tokens, in order."""
    return [i for i, t in enumerate(trace.token_ids) if int(t) == mask_token_id]


def mean_row(trace: AttentionTrace, query: int):
    """(T,): where position ``query`` looked, averaged over every layer and head (still sums to 1)."""
    return trace.weights[:, :, query].mean(axis=(0, 1))  # (L, H, T) -> (T,)


@dataclass
class NeuronView:
    """One head's attention from one query, opened up (bertviz's neuron view). D = per-head width, T keys.

    ``query`` (D,), ``keys`` (T, D), ``products`` (T, D) = query * key elementwise, ``scores`` (T,) = their sums
    divided by sqrt(D), ``weights`` (T,) = softmax(scores), equal to the model's attention row.
    """

    query: Any
    keys: Any
    products: Any
    scores: Any
    weights: Any
    model_weights: Any  # (T,) the row the model itself returned


def neuron_view(trace: AttentionTrace, layer: int, head: int, query: int) -> NeuronView:
    """Recompute one attention row from the captured query and key vectors (0-based layer, head, query)."""
    import numpy as np

    if trace.queries is None or trace.keys is None:
        raise InputError(_("This model's query and key vectors were not captured (or heads are averaged); "
                           "the neuron view needs one real head."))
    q = trace.queries[layer, head, query]  # (D,)
    k = trace.keys[layer, head]  # (T, D)
    products = k * q[None, :]  # (T, D)
    scores = products.sum(-1) / np.sqrt(q.shape[0])
    e = np.exp(scores - scores.max())
    return NeuronView(q, k, products, scores, e / e.sum(), trace.weights[layer, head, query])


def head_patterns(trace: AttentionTrace):
    """A table (pandas DataFrame, one row per layer and head) of how much attention, averaged over queries, goes
    to [CLS], to [SEP], to the token itself, to the previous and to the next token: the usual head patterns.
    Column names are in the interface language (the table is exported as shown)."""
    import numpy as np
    import pandas as pd

    w = trace.weights  # (L, H, T, T)
    T = w.shape[-1]
    toks = [t.upper() for t in trace.tokens]
    is_cls = np.array([t in ("[CLS]", "<S>") for t in toks])
    is_sep = np.array([t in ("[SEP]", "</S>") for t in toks])
    rows = []
    for layer in range(w.shape[0]):
        for h in range(w.shape[1]):
            m = w[layer, h]  # (T, T)
            rows.append({_("layer"): layer + 1, _("head"): h + 1,
                         _("to [CLS]"): float(m[:, is_cls].sum(1).mean()) if is_cls.any() else 0.0,
                         _("to [SEP]"): float(m[:, is_sep].sum(1).mean()) if is_sep.any() else 0.0,
                         _("to itself"): float(np.diag(m).mean()),
                         _("to previous"): float(np.diag(m, -1).mean()) if T > 1 else 0.0,
                         _("to next"): float(np.diag(m, 1).mean()) if T > 1 else 0.0,
                         _("entropy (bits)"): float(-(m * np.log2(np.clip(m, 1e-12, None))).sum(1).mean())})
    return pd.DataFrame(rows).set_index([_("layer"), _("head")])
