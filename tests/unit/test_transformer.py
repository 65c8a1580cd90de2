"""The from-scratch Transformer: invariants of attention, masks, traces, decoding, training and the checkpoints."""

import math

import numpy as np
import pytest
import torch

from tlviz import training
from tlviz.data.parallel import EOS, SOS, UNK, en_de, noun_phrase, reverse
from tlviz.errors import InputError
from tlviz.transformer import (
    MultiHeadAttention,
    Seq2SeqModel,
    ToyTranslator,
    TrainConfig,
    Trainer,
    Transformer,
    TransformerConfig,
    count_parameters,
    evaluate,
    greedy_decode,
    loss_demo,
    make_batch,
    new_model,
    paper_comparison,
    parameter_count,
)


def tiny_model(seed=0, **kw):
    torch.manual_seed(seed)
    return Transformer(TransformerConfig.tiny(**kw)).eval()


def test_multi_head_attention_equals_torch():
    torch.manual_seed(0)
    d, h = 16, 4
    ours = MultiHeadAttention(d, h).eval()
    ref = torch.nn.MultiheadAttention(d, h, batch_first=True).eval()
    with torch.no_grad():
        wq, wk, wv = ref.in_proj_weight.chunk(3)
        bq, bk, bv = ref.in_proj_bias.chunk(3)
        for lin, w, b in ((ours.w_q, wq, bq), (ours.w_k, wk, bk), (ours.w_v, wv, bv)):
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        ours.w_o.weight.copy_(ref.out_proj.weight)
        ours.w_o.bias.copy_(ref.out_proj.bias)
    q, kv = torch.randn(3, 5, d), torch.randn(3, 7, d)
    real = torch.tensor([[True] * 7, [True] * 4 + [False] * 3, [True] * 2 + [False] * 5])  # (B, Lk)
    with torch.no_grad():
        out, rec = ours(q, kv, kv, real[:, None, None, :], record=True)
        ref_out, ref_w = ref(q, kv, kv, key_padding_mask=~real, need_weights=True, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(rec.weights, ref_w.numpy(), atol=1e-6)
    # a causal mask too (torch: True = not allowed; ours: True = may attend)
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    with torch.no_grad():
        out, _ = ours(q, q, q, causal)
        ref_out, _ = ref(q, q, q, attn_mask=~causal)
    torch.testing.assert_close(out, ref_out, atol=1e-5, rtol=1e-5)


def test_future_target_tokens_do_not_change_earlier_outputs():
    model = tiny_model()
    src = torch.randint(4, 11, (2, 6))
    tgt = torch.randint(4, 13, (2, 7))
    changed = tgt.clone()
    changed[:, 4:] = torch.randint(4, 13, (2, 3))
    assert not torch.equal(changed[:, 4:], tgt[:, 4:])
    with torch.no_grad():
        a, b = model(src, tgt), model(src, changed)
    torch.testing.assert_close(a[:, :4], b[:, :4], atol=1e-6, rtol=0)  # positions 0..3 see only tokens 0..3
    assert not torch.allclose(a[:, 4:], b[:, 4:])


def test_padding_keys_get_zero_attention_and_change_nothing():
    model = tiny_model()
    src = torch.randint(4, 11, (2, 8))
    src_mask = torch.tensor([[True] * 8, [True] * 5 + [False] * 3])
    tgt = torch.randint(4, 13, (2, 5))
    with torch.no_grad():
        logits, trace = model(src, tgt, src_mask, return_trace=True)
        other = src.clone()
        other[1, 5:] = torch.randint(4, 11, (3,))  # different garbage behind the padding
        logits2 = model(other, tgt, src_mask)
    assert np.all(trace.encoder_self_attention[:, 1, :, :, 5:] == 0)
    assert np.all(trace.cross_attention[:, 1, :, :, 5:] == 0)
    assert np.all(trace.cross_attention[:, 0, :, :, 5:] > 0)
    np.testing.assert_allclose(trace.cross_attention.sum(-1), 1.0, atol=1e-5)
    torch.testing.assert_close(logits, logits2, atol=1e-6, rtol=0)
    rec = trace.encoder[0].self_attn
    assert np.all(np.isneginf(rec.scores[1, :, :, 5:])) and np.all(np.isfinite(rec.raw_scores))
    np.testing.assert_array_equal(rec.scores[0], rec.raw_scores[0])


def test_sentence_trace_with_padding_matches_the_unpadded_one():
    sm = new_model(en_de())
    one = sm.trace("the cat drinks milk")
    plain, src_tok, dec_in, dec_out, unknown = one.trace, one.source, one.decoder_input, one.expected, one.unknown
    two = sm.trace("the cat drinks milk", pad=3)
    padded, src_pad = two.trace, two.source
    assert src_tok == ["the", "cat", "drinks", "milk", EOS] and src_pad == src_tok + ["<pad>"] * 3
    assert dec_in[0] == SOS and dec_out[-1] == EOS and unknown == []
    assert np.all(padded.cross_attention[..., 5:] == 0)
    np.testing.assert_allclose(padded.logits, plain.logits, atol=1e-5)
    np.testing.assert_allclose(padded.memory[:, :5], plain.memory, atol=1e-5)


def test_trace_shapes_follow_the_api():
    cfg = TransformerConfig.tiny(n_layers=3, n_heads=2)
    model = Transformer(cfg).eval()
    B, ls, lt, h, d = 2, 6, 5, cfg.n_heads, cfg.d_model
    with torch.no_grad():
        logits, tr = model(torch.randint(0, 11, (B, ls)), torch.randint(0, 13, (B, lt)), return_trace=True)
    assert logits.shape == (B, lt, cfg.tgt_vocab)
    assert tr.encoder_self_attention.shape == (3, B, h, ls, ls)
    assert tr.decoder_self_attention.shape == (3, B, h, lt, lt)
    assert tr.cross_attention.shape == (3, B, h, lt, ls)
    a = tr.encoder[0].self_attn
    assert a.q.shape == a.k.shape == a.v.shape == (B, h, ls, cfg.head_dim)
    assert a.scores.shape == a.weights.shape == (B, h, ls, ls)
    assert a.concat.shape == (B, ls, h * cfg.head_dim) and a.out.shape == (B, ls, d)
    assert tr.encoder[0].ff_hidden.shape == (B, ls, cfg.d_ff)
    assert tr.decoder[1].cross_attn.k.shape == (B, h, ls, cfg.head_dim)
    assert tr.memory.shape == (B, ls, d) and tr.probs.shape == (B, lt, cfg.tgt_vocab)
    # the decoder's masked self-attention is lower-triangular; every row sums to 1
    assert np.all(np.triu(tr.decoder_self_attention, k=1) == 0)
    np.testing.assert_allclose(tr.decoder_self_attention.sum(-1), 1.0, atol=1e-5)
    # embeddings are scaled by sqrt(d_model) and the sinusoidal PE is added
    emb = model.src_embed.table.weight.detach().numpy()[tr.src_ids] * math.sqrt(d)
    np.testing.assert_allclose(tr.src_embedding, emb, atol=1e-5)
    np.testing.assert_allclose(tr.src_input, tr.src_embedding + tr.src_position, atol=1e-5)
    assert tr.src_position[0, 1] == pytest.approx(1.0) and tr.src_position[1, 0] == pytest.approx(math.sin(1))
    # LayerNorm outputs: zero mean, unit variance per position
    np.testing.assert_allclose(tr.encoder[0].add_norm1.mean(-1), 0, atol=1e-5)


def test_query_size_and_batched_target_mask():
    cfg = TransformerConfig.tiny(d_k=5, n_heads=3)  # query size independent of d_model / heads
    model = Transformer(cfg).eval()
    src, tgt = torch.randint(0, 11, (2, 4)), torch.randint(0, 13, (2, 3))
    full = torch.ones(2, 3, 3, dtype=torch.bool)  # (B, Lt, Lt): no causal mask at all
    with torch.no_grad():
        _, tr = model(src, tgt, tgt_mask=full, return_trace=True)
    assert tr.encoder[0].self_attn.q.shape == (2, 3, 4, 5)
    assert np.all(tr.decoder_self_attention[..., 0, 1:] > 0)  # the first position now sees the future


def test_config_rejects_bad_sizes():
    with pytest.raises(InputError):
        TransformerConfig(10, 10, d_model=30, n_heads=4)
    with pytest.raises(InputError):
        TransformerConfig(10, 12, share_embeddings=True)
    cfg = TransformerConfig.tiny(src_vocab=13, tgt_vocab=13, share_embeddings=True)
    model = Transformer(cfg)
    assert model.out.weight is model.src_embed.table.weight is model.tgt_embed.table.weight
    untied = count_parameters(Transformer(TransformerConfig.tiny(src_vocab=13, tgt_vocab=13)))
    assert untied - count_parameters(model) == 2 * 13 * cfg.d_model


def test_paper_base_parameter_count():
    d, ff, n, v = 512, 2048, 6, 37000
    attn = 4 * (d * d + d)
    ffn = d * ff + ff + ff * d + d
    enc, dec = n * (attn + ffn + 2 * 2 * d), n * (2 * attn + ffn + 3 * 2 * d)
    shared = parameter_count(TransformerConfig.base(v, share_embeddings=True))
    assert (shared.encoder, shared.decoder) == (enc, dec)
    assert shared.embeddings == v * d and shared.output == v  # the output layer only adds its bias when tied
    assert shared.total == enc + dec + v * d + v
    separate = parameter_count(TransformerConfig.base(v, share_embeddings=False))
    assert separate.total == enc + dec + 3 * v * d + v
    assert 60e6 < shared.total < 66e6  # the paper reports 65M
    cmp = paper_comparison(v)
    assert cmp.tied == shared and cmp.separate == separate and cmp.layers == enc + dec
    assert round(cmp.layers / 1e6, 1) == 44.1  # the number the page used to hard-code
    assert cmp.gap == 65_000_000 - shared.total
    bigger = paper_comparison(round(cmp.vocab_to_match))  # the vocabulary that closes the gap does close it
    assert abs(bigger.tied.total - 65_000_000) <= cmp.per_token


def test_parts_add_up_to_the_distinct_total():
    model = Transformer(TransformerConfig.tiny(src_vocab=13, tgt_vocab=13, share_embeddings=True))
    seen: set[int] = set()
    parts = [count_parameters(m, seen) for m in (model.src_embed, model.tgt_embed, model.encoder, model.decoder,
                                                 model.out)]
    assert parts[1] == 0 and parts[4] == 13  # tied: the target table and output matrix are the source table
    assert sum(parts) == count_parameters(model) == parameter_count(model.config).total


def test_training_steps_reduce_the_loss():
    task = reverse()
    sm = new_model(task, TransformerConfig.tiny(len(task.src_vocab), len(task.tgt_vocab), d_model=32,
                                               n_heads=4, d_ff=64, dropout=0.0))
    before, _ = evaluate(sm.model, task.train[:200], task.src_vocab, task.tgt_vocab)
    events = []
    hist = Trainer(sm, TrainConfig(steps=40, batch_size=32, lr=3e-3, warmup=10, eval_every=20),
                   held_out=task.held_out[:50]).run(events.append)
    after, _ = evaluate(sm.model, task.train[:200], task.src_vocab, task.tgt_vocab)
    assert after < before - 0.3
    assert isinstance(hist, training.History) and hist.status == "finished" and not hist.stopped
    assert hist.steps == list(range(1, 41)) and hist.series("val_acc")[0] == [20, 40]
    assert [e.step for e in events] == hist.steps and all(isinstance(e, training.StepEvent) for e in events)
    assert all(set(e.metrics) == ({"acc", "val_loss", "val_acc"} if e.evaluated else {"acc"}) for e in events)
    assert [e.step for e in events if e.evaluated] == [20, 40] and events[-1].total == 40
    assert events[-1].metrics["val_loss"] == hist.last("val_loss") and hist.losses[-1] == events[-1].loss
    assert all(b.seconds >= a.seconds for a, b in zip(events, events[1:])) and hist.seconds >= events[-1].seconds
    with pytest.raises(AttributeError):
        events[0].loss = 0.0  # frozen
    assert not sm.model.training


def test_trainer_stops_between_steps_and_keeps_what_it_learnt():
    task = reverse()
    sm = new_model(task, TransformerConfig.tiny(len(task.src_vocab), len(task.tgt_vocab)))
    trainer = Trainer(sm, TrainConfig(steps=100, batch_size=8, eval_every=1000), held_out=[])
    hist = trainer.run(should_stop=lambda: trainer.step >= 5)
    assert hist.status == "user" and hist.stopped and not hist.finished and hist.steps[-1] == 5

    class PageRerun(BaseException):  # what Streamlit raises inside a callback when the student clicks Stop
        pass

    def cb(event):
        if event.step == 8:
            raise PageRerun

    weights = [p.detach().clone() for p in sm.model.parameters()]
    with pytest.raises(PageRerun):
        trainer.run(cb)
    assert trainer.history.steps[-1] == 8 and trainer.history.stopped and not sm.model.training
    assert any(not torch.equal(a, b) for a, b in zip(weights, sm.model.parameters()))
    trainer.run(should_stop=lambda: trainer.step >= 10)  # and it can continue where it stopped
    assert trainer.history.steps == list(range(1, 11)) and trainer.history.status == "user"


def test_teacher_forcing_batch():
    task = en_de()
    pairs = [(["the", "cat", "drinks", "milk"], ["die", "katze", "trinkt", "milch"]), (["now"], ["jetzt"])]
    src, src_mask, dec_in, dec_out = make_batch(pairs, task.src_vocab, task.tgt_vocab)
    tv = task.tgt_vocab
    assert tv.decode(dec_in[0]) == [SOS, "die", "katze", "trinkt", "milch"]
    assert tv.decode(dec_out[0]) == ["die", "katze", "trinkt", "milch", EOS]
    assert dec_in[1, 2:].eq(tv.pad_id).all() and src_mask.tolist()[1] == [True, True, False, False, False]


def test_greedy_decode_refeeds_the_output_and_stops_at_eos():
    task = reverse()
    sm = new_model(task, TransformerConfig.tiny(len(task.src_vocab), len(task.tgt_vocab)))
    trace = greedy_decode(sm, "3 1 4", max_steps=6)
    assert trace.source == ["3", "1", "4", EOS]
    for i, step in enumerate(trace.steps):
        assert step.decoder_input == [SOS] + [s.chosen for s in trace.steps[:i]]
        assert step.chosen_id == int(np.argmax(step.probs))
        assert step.cross_attention.shape == (2, 2, 4)
        np.testing.assert_allclose(step.cross_attention.sum(-1), 1.0, atol=1e-5)
    assert trace.finished == (trace.steps[-1].chosen == EOS)
    assert len(trace.steps) <= 6 and EOS not in trace.output


def test_bad_inputs_are_input_errors_and_unknown_words_are_unk():
    sm = new_model(en_de())
    with pytest.raises(InputError, match="empty"):
        greedy_decode(sm, "   ")
    with pytest.raises(InputError, match="at most"):
        greedy_decode(sm, "the cat " * 20)
    tokens, ids, unknown = sm.source_ids("The zebra drinks milk!")
    assert tokens == ["the", "zebra", "drinks", "milk"] and unknown == ["zebra"]
    assert sm.task.src_vocab.decode(ids) == ["the", UNK, "drinks", "milk", EOS]
    one = sm.trace("the zebra drinks milk", "das zebra trinkt milch")
    assert one.unknown == ["zebra"] and one.source[1] == UNK
    assert one.decoder_input == [SOS, "das", UNK, "trinkt", "milch"]


def test_corpus_split_is_deterministic_and_disjoint():
    task = en_de()
    src_train = {" ".join(s) for s, _ in task.train}
    src_held = {" ".join(s) for s, _ in task.held_out}
    assert not src_train & src_held and len(src_held) >= 80 and len(src_train) >= 600
    assert "the cat drinks milk" in src_train
    assert en_de.__wrapped__().held_out == task.held_out  # regenerated from scratch: the same split
    for s, t in task.train + task.held_out:  # every word is in the vocabularies
        assert UNK not in task.src_vocab.decode(task.src_vocab.encode(s))
        assert UNK not in task.tgt_vocab.decode(task.tgt_vocab.encode(t))
    dog, small = ("dog", "hund", "m"), ("small", "klein")
    assert noun_phrase(dog, "nom", True, None) == (["the", "dog"], ["der", "hund"])
    assert noun_phrase(dog, "acc", True, None) == (["the", "dog"], ["den", "hund"])
    assert noun_phrase(dog, "nom", False, small) == (["a", "small", "dog"], ["ein", "kleiner", "hund"])
    assert noun_phrase(("apple", "apfel", "m"), "acc", False, None) == (["an", "apple"], ["einen", "apfel"])
    fronted = [(s, t) for s, t in task.train if s[0] == "today"]
    assert fronted and all(t[0] == "heute" and t[1] in {"trinkt", "isst", "sieht", "mag", "findet", "hat",
                                                         "liebt", "hört"} for s, t in fronted)
    rev = reverse()
    assert all(t == s[::-1] for s, t in rev.train[:50])


def test_loss_demo_moves_towards_the_targets():
    demo = loss_demo(steps=60)
    assert demo.labels == ["a", "am", "i", "thanks", "student", "<eos>"]
    assert demo.positions == ["i", "am", "a", "student", "<eos>"]
    np.testing.assert_allclose(demo.before.sum(1), 1, atol=1e-5)
    assert demo.ce_after.sum() < 0.2 * demo.ce_before.sum()
    assert np.all(demo.after.argmax(1) == demo.targets.argmax(1))


def test_shipped_checkpoint_translates_held_out_sentences():
    from tlviz import transformer
    from tlviz.checkpoints import CHECKPOINT_DIR

    path = CHECKPOINT_DIR / "transformer_en_de.safetensors"
    sm = transformer.load(str(path))
    assert isinstance(sm, ToyTranslator) and Seq2SeqModel is ToyTranslator and not sm.model.training
    task = sm.task
    _, acc = evaluate(sm.model, task.held_out, task.src_vocab, task.tgt_vocab)
    assert acc >= 0.9
    assert acc == pytest.approx(sm.metrics["held_out_token_accuracy"], abs=1e-3)
    assert greedy_decode(sm, "the cat drinks milk").output == ["die", "katze", "trinkt", "milch"]


def test_shared_results_equal_uncached_ones():
    from tlviz import cache
    from tlviz.transformer import greedy_decode, trace_sentence

    sm = new_model(reverse())
    store = cache.SharedCache()

    def shared(fn, *args):
        key, pins = cache.call_key(fn, args, {})
        return store.get(key, lambda: fn(*args), pins)

    a = shared(trace_sentence, sm, "3 1 4", None, 2)
    assert shared(trace_sentence, sm, "3 1 4", None, 2) is a  # computed once
    assert shared(trace_sentence, sm, "3 1 4", None, 0) is not a  # another input, another entry
    b = trace_sentence(sm, "3 1 4", None, 2)
    np.testing.assert_array_equal(a.trace.logits, b.trace.logits)
    np.testing.assert_array_equal(a.trace.cross_attention, b.trace.cross_attention)
    assert (a.source, a.decoder_input, a.expected) == (b.source, b.decoder_input, b.expected)
    d = shared(greedy_decode, sm, "3 1 4")
    assert d.output == greedy_decode(sm, "3 1 4").output and store.stats()["entries"] == 3


def test_page_helpers_open_every_choice_and_reject_unknown_ones():
    from tlviz import transformer as tf

    assert list(tf.model_options()) == ["en-de", "reverse", tf.UNTRAINED]
    assert tf.LIVE in tf.model_options(live=True)
    small = tf.open_model(tf.UNTRAINED, "reverse", {"d_model": 32, "n_heads": 8, "d_k": 4, "n_layers": 1})
    assert small is tf.open_model(tf.UNTRAINED, "reverse", {"d_model": 32, "n_heads": 8, "d_k": 4, "n_layers": 1})
    assert "1 layers, 8 heads, d_model 32, d_k 4" in tf.caption(small)
    with pytest.raises(InputError):
        tf.open_model("gpt-5", "en-de")
    with pytest.raises(InputError):
        tf.open_model(tf.LIVE, "en-de")
    trainer = tf.live_trainer("reverse", d_model=16, n_heads=2, d_k=8, n_layers=1, d_ff=32, steps=3)
    assert tf.open_model(tf.LIVE, "en-de", trainer=trainer) is trainer.translator
    trainer.run()
    assert "finished" in tf.run_summary(trainer)


def test_the_grammar_makes_the_lectures_self_attention_sentences_and_the_pronoun_follows_it():
    from tlviz.data import parallel as P

    cat, milk = P.noun_phrase(P.ANIMATE[0], "nom", True, None), ("milk", "milch", P.MASS_GENDER["milch"])
    drank, cross = P.PAST_VERBS[0], P.PAST_VERBS[2]
    animal = P.noun_phrase(next(n for n in P.ANIMATE if n[0] == "animal"), "nom", True, None)
    built = [P.because_pair(cat, drank, milk, False, ("hungry", "hungrig"), "subject"),
             P.because_pair(cat, drank, milk, False, ("sweet", "süß"), "object"),
             P.because_pair(animal, cross, P.PLACES[0], True, ("tired", "müde"), "subject"),
             P.because_pair(animal, cross, P.PLACES[0], True, ("wide", "breit"), "object")]
    task = en_de()
    for (en, de), (src, tgt) in zip(P.LECTURE_PAIRS[1:], built):  # the grammar, not a table, makes the German
        assert task.tokenize(en) == src and de.split() == tgt
        assert task.reference(src) == tgt and (src, tgt) in task.train  # always trained on, never held out
    # "it" = the subject or the object: German shows which through the pronoun's gender
    dog = P.noun_phrase(("dog", "hund", "m"), "nom", True, None)
    assert P.because_pair(dog, drank, milk, False, ("hungry", "hungrig"), "subject")[1][-3] == "er"
    assert P.because_pair(dog, drank, milk, False, ("sweet", "süß"), "object")[1][-3] == "sie"
    because = [(s, t) for s, t in task.train + task.held_out if "because" in s]
    assert len(because) > 1000 and sum("because" in s for s, _ in task.held_out) > 100
    for s, t in because:  # negation: "didn't ... too" <-> "nicht ... zu"; the verb goes last after "weil"
        assert ("didn" in s) == ("nicht" in t) == ("too" in s) == ("zu" in t) and t[-1] == "war"
        assert t[t.index("weil") + 1] in {"er", "sie", "es"}
    assert not task.src_vocab.unknown(task.tokenize("The cat drank the milk because it was hungry."))


def test_shipped_checkpoint_translates_the_lectures_sentences():
    from tlviz import transformer
    from tlviz.data.parallel import LECTURE_PAIRS

    sm = transformer.load()
    for en, de in LECTURE_PAIRS:
        assert greedy_decode(sm, en).output == sm.task.reference(sm.task.tokenize(en)) == de.split(), en
    # and sentences it never saw: the pronoun takes the gender of the noun the adjective points to
    held = [(s, t) for s, t in sm.task.held_out if "because" in s]
    assert len(held) > 100 and sm.metrics["held_out_because_exact_match"] >= 0.9
    right = sum(greedy_decode(sm, " ".join(s)).output == t for s, t in held[:40])
    assert right >= 36


def test_snapshots_along_training_load_and_the_earlier_are_less_certain():
    from tlviz import transformer

    sm = transformer.load()
    assert sm.snapshots[:4] == (0, 50, 100, 200) and sm.snapshots[-1] == sm.metrics["steps"] > 200
    assert transformer.at_step(sm, sm.snapshots[-1]) is sm and transformer.at_step(sm, None) is sm
    sentence = "the cat drank the milk because it was hungry"
    certainty = []
    for step in sm.snapshots:
        snap = transformer.at_step(sm, step)
        assert snap.step == (None if step == sm.snapshots[-1] else step) and not snap.model.training
        assert transformer.at_step(sm, step) is snap  # loaded once, shared
        steps = greedy_decode(snap, sentence).steps
        certainty.append(float(np.mean([s.probs.max() for s in steps])))
    assert all(a < b for a, b in zip(certainty, certainty[1:])), certainty
    assert certainty[0] < 0.2 and certainty[-1] > 0.99
    acc = sm.metrics["snapshot_held_out_token_accuracy"]
    assert [acc[str(s)] for s in sm.snapshots] == sorted(acc[str(s)] for s in sm.snapshots)
    first = transformer.at_step(sm, 0).model.state_dict()
    assert not torch.equal(first["src_embed.table.weight"], sm.model.state_dict()["src_embed.table.weight"])
    with pytest.raises(InputError, match="snapshots"):
        transformer.at_step(sm, 123)
    reverse_model = transformer.load(transformer.REVERSE)
    assert reverse_model.snapshots == () or reverse_model.snapshots[-1] == reverse_model.metrics["steps"]
