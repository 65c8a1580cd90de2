"""The Transformer page (AppTest): default run, bad inputs, unknown words, the untrained model, live training, the
view in the URL (a link opens the same view; a bad value gives a message and the defaults)."""


import json

from tests.pages.pagetools import figure_array, open_page
from tlviz import transformer as tf

PAGE = "../../lessons/transformer.py"


def run(params=None, **state):
    return open_page("transformer", state=state, **(params or {}))


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_default_page_walks_one_sentence_through():
    at = run()
    assert not at.exception and not at.error
    md = texts(at.markdown)
    for step in ("Tokens → ids", "positional encoding", "Q, K, V", "Softmax", "concatenated", "Residual + LayerNorm",
                 "Feed-forward", "<sos> die katze trinkt milch"):
        assert step in md
    assert len(at.get("plotly_chart")) >= 10 and "Output: `" not in md  # only the open tab (walk-through) runs
    assert at.query_params["model"] == "en-de" and at.query_params["src"] == "the cat drinks milk"
    at = run({"tab": "6"})
    assert not at.exception and "44.1M" in texts(at.caption)  # computed from the paper's base configuration


def test_tabs_run_only_when_open_and_live_in_the_url():
    at = run({"tab": "4"})  # a link to the greedy decoding tab
    assert not at.exception and not at.error and not at.warning
    md = texts(at.markdown)
    assert "Output: `die katze trinkt milch`" in md and "Q, K, V" not in md  # the shipped checkpoint translates it
    assert at.session_state["tf_tab"].startswith("④") and at.query_params["tab"] == "4"
    at.session_state["tf_tab"] = at.session_state["tf_tab"].replace("④ Greedy decoding", "② Attention maps")
    at.run()  # a click on another tab
    assert not at.exception and at.query_params["tab"] == "2" and "Output: `" not in texts(at.markdown)
    at.query_params["lang"] = "el"
    at.run()  # the labels change language, the open tab stays
    assert not at.exception and at.session_state["tf_tab"].startswith("②") and at.query_params["tab"] == "2"
    for bad in ("9", "two"):
        at = run({"tab": bad})
        assert not at.exception and "link" in texts(at.warning) and at.query_params["tab"] == "1"
        assert "Tokens → ids" in texts(at.markdown)


def test_empty_and_too_long_input_give_a_clear_message():
    at = run(tf_src="   ")
    assert not at.exception and "empty" in texts(at.error)
    at = run(tf_src="the cat drinks milk " * 10)
    assert not at.exception and "at most 16" in texts(at.error)
    assert at.text_input(key="tf_src").value.startswith("the cat")  # the input is kept


def test_unknown_words_are_shown_as_unk_with_a_note():
    at = run(tf_src="the zebra drinks milk")
    assert not at.exception and not at.error
    assert "zebra" in texts(at.warning) and "<unk>" in texts(at.warning)


def test_untrained_model_follows_the_hyperparameters():
    at = run(tf_model=tf.UNTRAINED, tf_h=8, tf_dk=4, tf_n=1, tf_d=32)
    assert not at.exception and not at.error
    assert "1 layers, 8 heads, d_model 32, d_k 4" in texts(at.caption)
    assert "(5, 32) × W → (5, 4)" in texts(at.markdown)


def test_reversal_checkpoint_and_bad_target():
    at = run({"tab": "4"}, tf_model="reverse", tf_src="3 1 4 1 5")
    assert not at.exception and not at.error
    assert "Output: `5 1 4 1 3`" in texts(at.markdown)
    at = run(tf_tgt="die katze " * 30)
    assert not at.exception and "too long" in texts(at.error)


def test_a_link_opens_the_same_view():
    at = run({"model": "reverse", "src": "2 7 1 8", "block": "cross", "layer": "2", "head": "3", "pad": "1",
              "vocab": "40000"})
    assert not at.exception and not at.error and not at.warning
    assert at.selectbox(key="tf_model").value == "reverse" and at.text_input(key="tf_src").value == "2 7 1 8"
    assert at.radio(key="tf_block").value == "cross" and at.checkbox(key="tf_pad").value is True
    assert (at.selectbox(key="tf_layer").value, at.selectbox(key="tf_head").value) == (2, 3)
    assert "Encoder-decoder (cross) attention" in " ".join(at.radio(key="tf_block").options)
    at = run({"model": "reverse", "src": "2 7 1 8", "step": "2", "tab": "4"})
    assert not at.exception and not at.error and not at.warning and at.radio(key="tf_step").value == 2
    assert "Output: `8 1 7 2`" in texts(at.markdown) and "Step 2: decoder input `<sos> 8`" in texts(at.markdown)
    at = run({"vocab": "40000", "tab": "6"})
    assert not at.exception and not at.warning and at.number_input(key="tf_vocab").value == 40000


def test_changes_follow_into_the_url():
    at = run()
    at.selectbox(key="tf_head").set_value(4).run()
    at.radio(key="tf_block").set_value("decoder").run()
    at.text_input(key="tf_src").set_value("the dog eats bread").run()
    assert not at.exception
    assert (at.query_params["head"], at.query_params["block"], at.query_params["src"]) == (
        "4", "decoder", "the dog eats bread")
    at.selectbox(key="tf_model").set_value("reverse").run()  # another task: its own example sentence
    assert at.query_params["model"] == "reverse" and at.text_input(key="tf_src").value == "3 1 4 1 5"
    assert not at.exception and not at.error


def test_bad_or_stale_url_values_give_a_message_and_the_defaults():
    at = run({"model": "gpt-5", "layer": "9", "head": "x", "block": "middle", "pad": "maybe"})
    assert not at.exception and not at.error
    assert len(at.warning) >= 5 and all("link" in w.value for w in at.warning)
    assert at.selectbox(key="tf_model").value == "en-de" and at.radio(key="tf_block").value == "encoder"
    assert (at.selectbox(key="tf_layer").value, at.selectbox(key="tf_head").value) == (1, 1)
    at = run({"step": "99", "tab": "4"})  # a widget in another tab checks its link value when its tab opens
    assert not at.exception and not at.error and "link" in texts(at.warning)
    at = run({"model": "live"})  # a link to someone else's live model: there is none in this session
    assert not at.exception and "link" in texts(at.warning) and at.selectbox(key="tf_model").value == "en-de"


def test_live_training_runs_and_offers_the_model():
    at = run({"tab": "3"}, tf_steps=20, tf_task="reverse", tf_model=tf.UNTRAINED)
    at.button[0].click().run()  # Train from scratch
    assert not at.exception and not at.error
    assert "finished" in texts(at.success)
    assert "Your live-trained model" in at.selectbox(key="tf_model").options  # options as shown
    at.selectbox(key="tf_model").set_value(tf.LIVE).run()
    assert not at.exception and not at.error and "live-trained" in texts(at.caption)


def test_the_lectures_self_attention_sentences_translate_on_the_page():
    from tlviz.data.parallel import LECTURE_PAIRS

    for en, de in LECTURE_PAIRS[1:]:
        at = run({"src": en, "tab": "4"})
        assert not at.exception and not at.error and not at.warning, en  # no <unk>, no message
        assert f"Output: `{de}`" in texts(at.markdown)
        assert f"→ expected output: `{de} <eos>`" in texts(at.markdown)  # teacher forcing on the corpus German


def test_one_name_for_the_padding_control():
    at = run()
    box = at.checkbox(key="tf_pad")
    assert box.label == "Pad the source" and "<pad>" in box.help
    assert "tick “Pad the source” above" in texts(at.markdown) + texts(at.caption)  # step 5 names the same box
    box.check().run()
    assert not at.exception and "Padding keys are set to −∞" in texts(at.markdown) + texts(at.caption)
    at = run({"lang": "el"})
    label = at.checkbox(key="tf_pad").label
    assert label != "Pad the source" and f"«{label}»" in texts(at.markdown) + texts(at.caption)


def test_training_snapshots_show_the_distribution_sharpen():
    last = tf.load().snapshots[-1]  # the finished model's step, as its checkpoint says
    at = run({"tab": "4"})
    snap = at.select_slider(key="tf_snap")
    assert list(snap.options) == ["step 0 (untrained)", "step 50", "step 100", "step 200", f"step {last} (finished)"]
    assert snap.value == last and "Output: `die katze trinkt milch`" in texts(at.markdown)
    peaks = {}
    for step in (0, 50, last):
        at = run({"snap": str(step), "src": "the cat drank the milk because it was hungry", "tab": "4"})
        assert not at.exception and not at.error and at.query_params["snap"] == str(step)
        assert f"After {step} of {last} training steps: held-out token accuracy" in texts(at.caption)
        topk = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith("tf_topk"))
        peaks[step] = float(figure_array(topk["data"][0]["x"]).max())  # step 1's most probable next word
    assert peaks[0] < peaks[50] < peaks[last] and peaks[0] < 0.2 and peaks[last] > 0.99
    at = run({"snap": "37", "tab": "4"})  # a step the checkpoint did not keep: a message, and the finished model
    assert not at.exception and not at.error and "link" in texts(at.warning)
    assert at.select_slider(key="tf_snap").value == last
    at = run({"model": "reverse", "tab": "4"})  # no snapshots kept: no slider
    assert not at.exception and not at.error and "tf_snap" not in [w.key for w in at.select_slider]
