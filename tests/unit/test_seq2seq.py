"""tlviz.seq2seq and the date task: determinism, traces, input checks, and the shipped checkpoint's measured
quality and alignments."""

import datetime as dt

import numpy as np
import pytest
import torch

from tlviz import seq2seq
from tlviz.checkpoints import CHECKPOINT_DIR
from tlviz.data import dates
from tlviz.errors import InputError

SHIPPED = CHECKPOINT_DIR / "seq2seq_dates.safetensors"


def test_date_examples_know_where_each_output_character_comes_from():
    ex = dates.render(dt.date(1975, 8, 5), 6)
    assert ex.source == "the 5th of august 1975" and ex.target == "1975-08-05"
    y, m, d = ex.spans[0], ex.spans[5], ex.spans[8]
    assert ex.source[slice(*y)] == "1975" and ex.source[slice(*m)] == "august" and ex.source[slice(*d)] == "5th"
    assert ex.spans[4] is None and ex.spans[7] is None
    for f in range(dates.N_FORMATS):
        e = dates.render(dt.date(2001, 12, 31), f)
        assert e.source[slice(*e.spans[0])] == "2001"
        assert len(e.source) <= dates.MAX_SOURCE_CHARS and set(e.source) <= set(dates.SOURCE_CHARS)


def test_split_is_disjoint_and_deterministic():
    train, held = dates.split_dates(seed=0)
    assert not set(train) & set(held)
    assert len(held) == pytest.approx(0.1 * (len(train) + len(held)), abs=1)
    assert dates.split_dates(seed=0)[1][:5] == held[:5]


def test_source_checks():
    assert dates.check_source("  5   August 1975 ") == "5 august 1975"
    with pytest.raises(InputError, match="type a date"):
        dates.check_source("   ")
    with pytest.raises(InputError, match="at most"):
        dates.check_source("word " * 500)
    with pytest.raises(InputError, match="'é'"):
        dates.check_source("5 décembre 1975")


def test_build_and_train_are_deterministic():
    cfg = seq2seq.Seq2SeqConfig.tiny()
    a, b = seq2seq.build(cfg, seed=3), seq2seq.build(cfg, seed=3)
    for (_, pa), (_, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(pa, pb)
    h1 = seq2seq.train(a, steps=4, batch=8, seed=1)
    h2 = seq2seq.train(b, steps=4, batch=8, seed=1)
    assert h1.losses == h2.losses and h1.steps == [1, 2, 3, 4]
    assert h1.status == "finished" and not a.training
    assert all(torch.equal(pa, pb) for pa, pb in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.out.weight, seq2seq.build(cfg, seed=3).out.weight)  # trained in place


def test_every_build_is_the_same_class():
    a = seq2seq.build(seq2seq.Seq2SeqConfig.tiny())
    b = seq2seq.build(seq2seq.Seq2SeqConfig.tiny(attention="additive"), seed=1)
    assert type(a) is type(b) is seq2seq.Seq2Seq
    assert isinstance(a, seq2seq.Seq2Seq) and isinstance(b, torch.nn.Module)
    assert isinstance(seq2seq.copy_for_training(a), seq2seq.Seq2Seq) and a.meta is None


def test_trainer_speaks_the_training_vocabulary():
    from tlviz import training

    seen = []
    model = seq2seq.build(seq2seq.Seq2SeqConfig.tiny())
    h = seq2seq.train(model, steps=50, batch=8, eval_every=2, eval_size=10, callback=seen.append,
                      should_stop=lambda: len(seen) >= 3)
    assert isinstance(h, training.History) and h.status == "user" and h.stopped
    assert h.steps == [1, 2, 3] == [e.step for e in seen] and len(h.losses) == 3
    assert all(isinstance(e, training.StepEvent) and e.total == 50 for e in seen)
    assert [e.evaluated for e in seen] == [False, True, False]
    assert set(seen[1].metrics) == {"exact_match", "char_accuracy"} and 0 <= h.last("exact_match") <= 1
    assert seen[0].seconds <= seen[2].seconds <= h.seconds and not model.training


def test_an_exception_in_the_callback_ends_the_run_and_keeps_the_model_usable():
    model = seq2seq.build(seq2seq.Seq2SeqConfig.tiny())

    def boom(event):
        if event.step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        seq2seq.train(model, steps=10, batch=4, callback=boom)
    assert not model.training
    assert seq2seq.translate(model, "5 may 2000").tokens


@pytest.mark.parametrize("score", seq2seq.SCORES)
def test_trace_shapes_and_invariants(score):
    model = seq2seq.build(seq2seq.Seq2SeqConfig.tiny(attention=score))
    tr = seq2seq.translate(model, "5 August 1975")
    S, T, H = len("5 august 1975"), len(tr.tokens), model.config.dec_hidden
    assert tr.source_tokens == list("5 august 1975")
    assert tr.attention.shape == tr.scores.shape == (T, S)
    assert tr.contexts.shape == tr.decoder_states.shape == (T, H) and tr.encoder_states.shape == (S, H)
    assert tr.probs.shape == (T, len(model.config.tgt_vocab))
    np.testing.assert_allclose(tr.attention.sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(tr.probs.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(tr.contexts, tr.attention @ tr.encoder_states, atol=1e-5)  # context = sum a_j h_j
    assert [t for t, _ in tr.top(0, 3)][0] == tr.tokens[0]  # greedy: the best token is the one written
    assert model.config.max_out >= T


def test_copy_for_training_leaves_the_shared_model_alone():
    from tlviz import models

    shared = models.freeze(seq2seq.build(seq2seq.Seq2SeqConfig.tiny()))
    before = {k: v.clone() for k, v in shared.state_dict().items()}
    seq2seq.train(seq2seq.copy_for_training(shared), steps=2, batch=4)
    assert all(torch.equal(before[k], v) for k, v in shared.state_dict().items())
    assert not shared.training and not any(p.requires_grad for p in shared.parameters())


@pytest.fixture(scope="module")
def shipped():
    assert SHIPPED.is_file(), "run `python -m tlviz.recipes.seq2seq_dates` to make the shipped checkpoint"
    return seq2seq.load(str(SHIPPED))


@pytest.fixture(scope="module")
def held_out():
    _, held = dates.split_dates(seed=0)
    return dates.sample(held, 1000, seed=123)


def test_shipped_checkpoint_is_in_the_catalogue_and_self_describing():
    from tlviz import models

    card = models.find_card(seq2seq.DEFAULT, "seq2seq")
    assert card is not None and card.default and card.offline and card.source == "checkpoint"
    meta = seq2seq.load().meta
    assert meta.recipe == "tlviz.recipes.seq2seq_dates" and meta.metrics["held_out_exact_match"] >= 0.95
    assert SHIPPED.stat().st_size < 15 * 2**20


def test_shipped_checkpoint_reaches_95_percent_on_held_out_dates(shipped, held_out):
    scores = seq2seq.evaluate(shipped, held_out)
    assert scores["exact_match"] >= 0.95
    assert seq2seq.translate(shipped, "5 August 1975").text == "1975-08-05"
    assert seq2seq.translate(shipped, "the 31st of december 1999").text == "1999-12-31"


def test_shipped_alignments_point_at_the_right_source_part(shipped, held_out):
    # The year digits attend most to the year, the month digits to the month, the day digits to the day.
    assert seq2seq.alignment_hits(shipped, held_out) >= 0.85


def test_shipped_alignment_is_monotonic_where_the_format_is(shipped):
    # "1975 august 5" keeps the order of "1975-08-05": the centre of attention must move left to right.
    tr = seq2seq.translate(shipped, "1975 august 5")
    digits = [t for t, tok in enumerate(tr.tokens) if tok.isdigit()]
    centre = tr.attention[digits] @ np.arange(tr.attention.shape[1])
    groups = [centre[:4].mean(), centre[4:6].mean(), centre[6:8].mean()]
    assert groups[0] < groups[1] < groups[2]


def test_worked_example_texts_are_computed_from_the_numbers():
    from tlviz import attention
    from tlviz.viz import seq2seq as vz

    assert [vz.fmt_rounded(v) for v in (2.863e-20, -1e-9, 0.99999, 0.7311, 60.0)] == ["0", "0", "1", "0.731", "60"]
    assert vz.fmt_power(25) == "7.2·10¹⁰" and vz.fmt_power(5) == "148"
    assert vz.fmt_power(1000) == "2.0·10⁴³⁴"  # e^1000 without overflow
    ex = attention.worked_example()  # the lecture's 15, 60, 15, 35
    assert vz.softmax_note(ex.scores) == "Here 60 (h2) against the runner-up 35 (h4): e^25 ≈ 7.2·10¹⁰ times more " \
                                         "weight for h2."
    tie = attention.worked_example([1, 1, 1])  # scores 2, 6, 2, 6
    assert "shared by h2, h4" in vz.softmax_note(tie.scores) and f"≈ {tie.weights[1]:.3f} each" in \
        vz.softmax_note(tie.scores)
    assert vz.softmax_note([3.0]) == "Here there is one state only: it takes all the weight."
    table = vz.worked_table(ex)
    assert table["alignment αⱼ (softmax)"].tolist() == ["0", "1", "0", "0"]
