"""Which input words drove a masked-LM prediction: captum's layer integrated gradients on the embeddings."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from tlviz import bert_text, mlm
from tlviz.errors import InputError
from tlviz.i18n import _


@dataclass
class Attribution:
    """Layer integrated gradients on the embeddings for one predicted token at one [MASK].

    ``scores`` (T,): each input token's attribution (summed over the embedding width, then divided by the sum of
    absolute values so the bars are comparable between sentences); ``delta``: the convergence error (captum's
    definition), the completeness gap |sum of raw attributions - (p(input) - p(baseline))| in probability units.
    """

    tokens: list[str]
    scores: Any  # (T,)
    target: str
    probability: float
    position: int
    delta: float
    steps: int


@contextlib.contextmanager
def _vocabulary_at(head, pos: int):
    """While inside, this thread's forward passes through ``head`` (a masked LM's vocabulary projection, or None:
    nothing changes) project only position ``pos`` onto the vocabulary (the logits come out as ``(n, 1, V)``);
    other threads' passes are untouched.

    The output projection (hidden size x vocabulary, 256 x 8,000 in our small MLM) costs as much as the encoder
    per position; integrated gradients needs one position's logits, for ``steps`` inputs at once. The result is
    the same (``tests/unit/test_bert.py``), at about half the cost. The head's own transform still sees every
    position (it is applied position by position, so the slice could come before it too, but it is small)."""
    import threading

    owner = threading.get_ident()

    def one_position(_module, args):  # hidden (n, T, H) -> (n, 1, H)
        return (args[0][:, pos:pos + 1], *args[1:]) if threading.get_ident() == owner else None

    hook = head.register_forward_pre_hook(one_position) if head is not None else None
    try:
        yield
    finally:
        if hook is not None:
            hook.remove()


def attribute(bm, text: str, mask_index: int = 0, target: str | None = None, steps: int = 24) -> Attribution:
    """Which input tokens pushed the model towards ``target`` (default: its top prediction) at the
    ``mask_index``-th [MASK]: captum's LayerIntegratedGradients on the embedding layer, from a baseline where
    every ordinary token is [PAD] ([CLS], [SEP] and [MASK] kept)."""
    import numpy as np
    import torch
    from captum.attr import LayerIntegratedGradients

    from tlviz import runtime

    mlm.need_mlm(bm)
    enc = bert_text.encode(bm, text)
    ids = enc["input_ids"]  # (1, T)
    tok = bm.tokenizer
    positions = mlm.mask_ids(bm, ids[0])
    if not positions:
        raise InputError(_("Attribution explains a prediction: put a [MASK] in the sentence first."))
    if not 0 <= mask_index < len(positions):
        raise InputError(_("There are only {n} [MASK]s in the sentence.").format(n=len(positions)))
    pos = positions[mask_index]
    target_id = None if target is None else _piece_id(tok, target)
    keep = torch.tensor([int(i) in set(tok.all_special_ids) for i in ids[0]])  # (T,)
    baseline = torch.where(keep, ids[0], torch.full_like(ids[0], tok.pad_token_id))[None]  # (1, T)
    extra = {k: v for k, v in bert_text.model_inputs(bm, enc).items() if k != "input_ids"}
    head = bm.model.get_output_embeddings()  # the vocabulary projection of a Hugging Face masked LM
    at = 0 if head is not None else pos  # with the projection cut to the [MASK] (_vocabulary_at) it is logit 0

    def probabilities(input_ids):  # (n, T) -> (n, V): the [MASK]'s distribution
        n = input_ids.shape[0]
        kwargs = {k: v.expand(n, -1) for k, v in extra.items()}
        return torch.softmax(bm.model(input_ids=input_ids, **kwargs).logits[:, at].float(), -1)

    lig = LayerIntegratedGradients(lambda input_ids: probabilities(input_ids)[:, target_id],
                                   bm.model.get_input_embeddings())
    with runtime.exclusive("integrated gradients"), _vocabulary_at(head, pos):
        with torch.no_grad():  # the input and the baseline in one pass: the prediction and both ends of the path
            ends = probabilities(torch.cat([ids, baseline]))  # (2, V)
        if target_id is None:
            target_id = int(ends[0].argmax())
        attr = lig.attribute(ids, baselines=baseline, n_steps=int(steps), internal_batch_size=int(steps))
    # captum's convergence delta, from the pass above instead of two more: sum(attr) - (F(input) - F(baseline))
    delta = attr.sum() - (ends[0, target_id] - ends[1, target_id])
    scores = attr[0].sum(-1).detach().float().numpy()  # (T, E) -> (T,)
    norm = np.abs(scores).sum() or 1.0
    return Attribution(bert_text.tokens(bm, ids[0]), scores / norm, bert_text.tokens(bm, [target_id])[0],
                       float(ends[0, target_id]), pos, float(delta.abs()), int(steps))


def _piece_id(tok, piece: str) -> int:
    found = tok.convert_tokens_to_ids(piece)
    if found is None or found == tok.unk_token_id:
        raise InputError(_("'{word}' is not a word piece of this model's vocabulary.").format(word=piece))
    return int(found)
