"""Next-sentence prediction (BERT paper, section 3.1, task 2): does sentence B follow sentence A?

BERT's pre-training heads include a classifier on the [CLS] output: the pooler (dense + tanh on the [CLS]
position) and ``cls.seq_relationship`` (a linear layer to two scores, index 0 = IsNext, 1 = NotNext). A model
has it only when its checkpoint holds those weights: ``bert-base-uncased`` does; our offline models (the packaged
MiniLM, the small masked LM trained here) do not. :func:`nsp_head` finds out by loading the checkpoint as
``BertForNextSentencePrediction`` and looking at what was missing; :func:`next_sentence` runs the shared model's
encoder and that head on one ``A [SEP] B`` pair, or says plainly why it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tlviz import bert_text, models
from tlviz.i18n import N_, _

#: Why there is no prediction (translated where shown).
NO_HEAD = N_("{model} has no next-sentence-prediction head (its checkpoint holds no IsNext/NotNext classifier), so "
             "no prediction is shown here. bert-base-uncased has one: pick “BERT base uncased” above (with internet, "
             "or offline after `make prefetch`, which runs `python -m tlviz.recipes.prefetch`).")
NOT_A_PAIR = N_("Next-sentence prediction reads a pair: type two sentences with [SEP] between them, or pick one of "
                "the two preloaded pairs in “Lecture examples”.")
_HEAD_KEYS = ("cls.seq_relationship.", "bert.pooler.")


@dataclass(frozen=True)
class NextSentence:
    """The NSP head's reading of ``first [SEP] second``: ``is_next`` + ``not_next`` = 1, or ``note`` (why there
    is no prediction) with both None."""

    first: str
    second: str | None
    is_next: float | None
    not_next: float | None
    note: str | None = None


def nsp_head(bm: Any):
    """The pooler and IsNext/NotNext classifier of ``bm``'s checkpoint as one callable ``hidden (B, T, H) ->
    logits (B, 2)``, or None when the checkpoint has none (not a BERT, or the weights are missing). Loaded once
    per model for the process, read-only."""
    from tlviz import runtime

    if getattr(bm.config, "model_type", "") != "bert" or not getattr(bm, "ref", ""):
        return None

    def load():
        with runtime.exclusive(f"loading the NSP head of {bm.name}"):  # a second read of the checkpoint
            return _load_head(bm.ref, bm.source != "hub") or False  # False: "none", remembered too

    return models.cached(("bert-nsp", bm.ref), load) or None


def _load_head(ref: str, local: bool):
    import torch
    from transformers import BertForNextSentencePrediction
    from transformers.utils import logging as hf_logging

    models.quiet_transformers()

    def load(r, local_files_only):
        return BertForNextSentencePrediction.from_pretrained(r, local_files_only=local_files_only,
                                                             output_loading_info=True, dtype=torch.float32)

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # a missing head is an answer here, not a warning for the server's log
    try:
        model, info = load(ref, True) if local else models.from_hub(ref, load)
    except (OSError, ValueError, KeyError):  # InputError too (it is a ValueError): no head to be had
        return None
    finally:
        hf_logging.set_verbosity(verbosity)
    if any(str(k).startswith(_HEAD_KEYS) for k in info.get("missing_keys", ())):
        return None  # newly initialised: random weights would make a random "prediction"
    pooler, classifier = model.bert.pooler.eval(), model.cls.eval()
    for p in [*pooler.parameters(), *classifier.parameters()]:
        p.requires_grad_(False)
    return lambda hidden: classifier(pooler(hidden))  # the rest of this model (its encoder) is dropped


def next_sentence(bm: Any, text: str) -> NextSentence:
    """P(IsNext) and P(NotNext) for ``"sentence A [SEP] sentence B"`` from ``bm``'s encoder and NSP head; a note
    instead when the text is one sentence or the model has no head. InputError for an empty or over-long text."""
    import torch

    from tlviz import runtime

    first, second = bert_text.split_pair(text)
    enc = bert_text.encode(bm, text)  # checks empty / too long
    if second is None:
        return NextSentence(first, None, None, None, _(NOT_A_PAIR))
    head = nsp_head(bm)
    if head is None:
        return NextSentence(first, second, None, None, _(NO_HEAD).format(model=bm.name))
    with runtime.exclusive("BERT next-sentence prediction"), torch.no_grad():
        out = bm.model(**bert_text.model_inputs(bm, enc), output_hidden_states=True)
        probs = torch.softmax(head(out.hidden_states[-1]).float()[0], dim=-1)  # (2,): IsNext, NotNext
    return NextSentence(first, second, float(probs[0]), float(probs[1]))
