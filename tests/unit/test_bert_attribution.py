"""Integrated gradients projects only the [MASK] onto the vocabulary (tlviz.bert_attribution._vocabulary_at): the
same attributions as the full projection, and no other thread's forward pass is touched; the prediction and the
convergence delta come from one pass of the input and the baseline together."""

import threading

import numpy as np
import pytest
import torch

from tlviz import bert
from tlviz.checkpoints import CHECKPOINT_DIR
from tlviz.errors import InputError

SENTENCE = "The cat drank the milk because it was [MASK]."


@pytest.fixture(scope="module", params=["mlm_small", "bert", "distilbert"])
def masked_lm(request):
    if request.param == "mlm_small":
        return bert.load(str(CHECKPOINT_DIR / "mlm_small"))
    return bert.load(str(request.getfixturevalue(f"tiny_{request.param}_folder")))


def test_cut_projection_gives_the_full_projections_attributions(masked_lm, monkeypatch):
    cut = bert.attribute(masked_lm, SENTENCE, steps=12)
    monkeypatch.setattr(masked_lm.model, "get_output_embeddings", lambda: None)  # no cut: every position
    full = bert.attribute(masked_lm, SENTENCE, steps=12)
    assert cut.tokens == full.tokens and cut.target == full.target
    np.testing.assert_allclose(cut.scores, full.scores, atol=1e-5)
    assert cut.delta == pytest.approx(full.delta, abs=1e-6)


def test_other_threads_keep_every_position(masked_lm):
    from tlviz import bert_attribution, bert_text

    enc = bert_text.encode(masked_lm, SENTENCE)
    inputs = bert_text.model_inputs(masked_lm, enc)
    seen = {}

    def other_session():
        with torch.no_grad():
            seen["shape"] = tuple(masked_lm.model(**inputs).logits.shape)

    with bert_attribution._vocabulary_at(masked_lm.model.get_output_embeddings(), 2):
        with torch.no_grad():
            mine = tuple(masked_lm.model(**inputs).logits.shape)
        worker = threading.Thread(target=other_session)
        worker.start()
        worker.join()
    T = enc["input_ids"].shape[1]
    assert mine[1] == 1 and seen["shape"][1] == T
    with torch.no_grad():  # and the hook is gone afterwards
        assert masked_lm.model(**inputs).logits.shape[1] == T


def test_prediction_and_delta_come_from_one_pass_and_match_captums(masked_lm):
    """attribute() reads the prediction and both ends of the path from one batch of two: the same target,
    probability and convergence delta as a forward pass of its own and captum's return_convergence_delta."""
    from captum.attr import LayerIntegratedGradients

    from tlviz import bert_text

    att = bert.attribute(masked_lm, SENTENCE, steps=12)
    (candidates,) = bert.fill_mask(masked_lm, SENTENCE, top_k=1)
    assert att.target == candidates[0][0] and att.probability == pytest.approx(candidates[0][1], abs=1e-5)
    enc = bert_text.encode(masked_lm, SENTENCE)
    inputs = bert_text.model_inputs(masked_lm, enc)
    extra = {k: v for k, v in inputs.items() if k != "input_ids"}
    tok, ids = masked_lm.tokenizer, enc["input_ids"]
    target_id = tok.convert_tokens_to_ids(att.target)
    special = torch.tensor([int(i) in set(tok.all_special_ids) for i in ids[0]])
    baseline = torch.where(special, ids[0], torch.full_like(ids[0], tok.pad_token_id))[None]

    def forward(input_ids):
        kwargs = {k: v.expand(input_ids.shape[0], -1) for k, v in extra.items()}
        logits = masked_lm.model(input_ids=input_ids, **kwargs).logits[:, att.position]
        return torch.softmax(logits.float(), -1)[:, target_id]

    lig = LayerIntegratedGradients(forward, masked_lm.model.get_input_embeddings())
    attr, delta = lig.attribute(ids, baselines=baseline, n_steps=12, internal_batch_size=12,
                                return_convergence_delta=True)
    scores = attr[0].sum(-1).detach().numpy()
    np.testing.assert_allclose(att.scores, scores / np.abs(scores).sum(), atol=1e-5)
    assert att.delta == pytest.approx(float(delta.abs().sum()), abs=1e-5)
    with pytest.raises(InputError):
        bert.attribute(masked_lm, SENTENCE, target="qqqqzzzz")
