"""Integrated gradients projects only the [MASK] onto the vocabulary (tlviz.bert_attribution._vocabulary_at): the
same attributions as the full projection, and no other thread's forward pass is touched."""

import threading

import numpy as np
import pytest
import torch

from tlviz import bert
from tlviz.checkpoints import CHECKPOINT_DIR

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
