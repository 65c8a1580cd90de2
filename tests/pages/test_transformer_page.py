"""The Transformer page (AppTest): default run, bad inputs, unknown words, the untrained model, live training."""

from streamlit.testing.v1 import AppTest

from tlviz import transformer as tf

PAGE = "../../lessons/transformer.py"


def run(**state):
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_default_page_walks_one_sentence_through():
    at = run()
    assert not at.exception and not at.error
    md = texts(at.markdown)
    for step in ("Tokens → ids", "positional encoding", "Q, K, V", "Softmax", "concatenated", "Residual + LayerNorm",
                 "Feed-forward", "<sos> die katze trinkt milch"):
        assert step in md
    assert "**Output:** `die katze trinkt milch`" in md  # the shipped checkpoint translates the lecture's sentence
    assert len(at.get("plotly_chart")) >= 15


def test_empty_and_too_long_input_give_a_clear_message():
    at = run(**{"tf_src_en-de": "   "})
    assert not at.exception and "empty" in texts(at.error)
    at = run(**{"tf_src_en-de": "the cat drinks milk " * 10})
    assert not at.exception and "at most 12" in texts(at.error)
    assert at.text_input(key="tf_src_en-de").value.startswith("the cat")  # the input is kept


def test_unknown_words_are_shown_as_unk_with_a_note():
    at = run(**{"tf_src_en-de": "the zebra drinks milk"})
    assert not at.exception and not at.error
    assert "zebra" in texts(at.warning) and "<unk>" in texts(at.warning)


def test_untrained_model_follows_the_hyperparameters():
    at = run(tf_model="Untrained (choose the hyperparameters)", tf_h=8, tf_dk=4, tf_n=1, tf_d=32)
    assert not at.exception and not at.error
    assert "1 layers, 8 heads, d_model 32, d_k 4" in texts(at.caption)
    assert "(5, 32) × W → (5, 4)" in texts(at.markdown)


def test_reversal_checkpoint_and_bad_target():
    at = run(tf_model=tf.REVERSE, tf_src_reverse="3 1 4 1 5")
    assert not at.exception and not at.error
    assert "**Output:** `5 1 4 1 3`" in texts(at.markdown)
    at = run(**{"tf_tgt_en-de": "die katze " * 30})
    assert not at.exception and "too long" in texts(at.error)


def test_live_training_runs_and_offers_the_model():
    at = run(tf_steps=20, tf_task="reverse")
    at.button[0].click().run()  # Train from scratch
    assert not at.exception and not at.error
    assert "finished" in texts(at.success)
    assert "Your live-trained model" in at.selectbox(key="tf_model").options
