"""AppTest: the BERT page on its offline defaults, a typed local folder (the hub code path), clicking a word to
mask it, bad inputs shown as messages, and hostile text found only escaped in what the page produces."""

import json

import pytest
import torch
from streamlit.testing.v1 import AppTest

from tlviz import models
from tlviz.checkpoints import CHECKPOINT_DIR

PAGE = "../../lessons/bert.py"
EVIL = "<img src=x onerror=alert(1)> </script><script>alert(\"x\")</script> 'q' \\ \\\\ 🙂 Ελληνικά [MASK]"


def _page():
    return AppTest.from_file(PAGE, default_timeout=120)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _produced_text(at) -> list[str]:
    """Every piece of text the page produced: markdown, captions, alerts, HTML bodies, every string of every
    plotly figure (decoded from its JSON)."""
    out = [e.value for e in [*at.markdown, *at.caption, *at.info, *at.error, *at.warning, *at.subheader]]
    out += [h.proto.body for h in at.get("html")]
    for chart in at.get("plotly_chart"):
        out += list(_strings(json.loads(chart.proto.spec)))
    return out


def _no_errors(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_default_page_renders_every_section_with_predictions():
    at = _page().run()
    _no_errors(at)
    assert [s.value for s in at.subheader][:4] == [
        "1 · Predictions", "2 · Attention, head by head", "3 · Attribution: which words drove the prediction?",
        "4 · How BERT was trained: the masking recipe"]
    if (CHECKPOINT_DIR / "mlm_small").is_dir():  # our small MLM is the page's starting model
        assert at.selectbox(key="bert_model").value == "Small masked LM (trained here, offline)"
        keys = {c.proto.id.split("-fig_")[-1] for c in at.get("plotly_chart")}
        assert {"bert_pred_0", "bert_heatmap", "bert_headview", "bert_modelview", "bert_neuron", "bert_ig",
                "bert_ig_att"} <= keys
    assert any("not an explanation" in w.value for w in at.warning)


def test_minilm_says_plainly_it_has_no_mlm_head_and_clicking_a_word_masks_it():
    at = _page().run()
    at.selectbox(key="bert_model").set_value(models.MINILM_NAME).run()
    _no_errors(at)
    assert any("no masked-LM head" in i.value for i in at.info)
    at.selectbox(key="bert_model").set_value("Small masked LM (trained here, offline)").run()
    at.text_input(key="bert_text").set_value("The cat drank the milk because it was hungry.").run()
    assert any("No [MASK]" in i.value for i in at.info)
    at.get("button_group")[0].set_value(4).run()  # the word "milk"
    _no_errors(at)
    chips = at.get("html")[0].proto.body
    assert "[MASK] →" in chips and "milk" not in chips.split("[MASK]")[0].split("drank")[-1]


@pytest.mark.parametrize("text,message", [
    ("", "type a sentence"), ("word " * 70, "at most 64"), ("a [SEP] b [SEP] c", "at most one [SEP]")])
def test_bad_inputs_are_messages_and_keep_the_page(text, message):
    at = _page().run()
    at.text_input(key="bert_text").set_value(text).run()
    assert not at.exception, at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="bert_text").value == text  # the student's input stays


def test_typed_html_and_script_appear_only_escaped():
    at = _page().run()
    at.text_input(key="bert_text").set_value(EVIL).run()
    for model in ("Small masked LM (trained here, offline)", models.MINILM_NAME):
        at.selectbox(key="bert_model").set_value(model).run()
        _no_errors(at)
        for text in _produced_text(at):
            assert "<img" not in text and "<script" not in text and "</script" not in text, text[:200]
        html_bodies = " ".join(h.proto.body for h in at.get("html"))
        assert "λ" in html_bodies and "<span" in html_bodies
    assert "&lt;" in html_bodies and "&quot;" in html_bodies  # MiniLM's vocabulary has < and " as tokens


def test_local_folder_goes_through_the_hub_code_path(tmp_path):
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    tok = AutoTokenizer.from_pretrained(str(CHECKPOINT_DIR / "mlm_small"))
    torch.manual_seed(0)
    BertForMaskedLM(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                               intermediate_size=64)).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    at = _page().run()
    at.selectbox(key="bert_model").set_value("Other: a Hugging Face id, timm name or local folder…").run()
    at.text_input(key="bert_model_other").set_value(str(tmp_path / "missing")).run()
    assert any("No file or folder" in e.value for e in at.error)
    at.text_input(key="bert_model_other").set_value(str(tmp_path)).run()
    _no_errors(at)
    assert any("2 layers × 2 heads" in c.value for c in at.caption)
    assert any(c.proto.id.endswith("fig_bert_pred_0") for c in at.get("plotly_chart"))


def test_big_models_run_integrated_gradients_only_on_request(monkeypatch):
    from tlviz import bert

    monkeypatch.setattr(bert, "IG_AUTO_MAX_PARAMS", 1000)  # our small MLM now counts as "big"
    at = _page().run()
    _no_errors(at)
    ids = lambda: {c.proto.id.split("-fig_")[-1] for c in at.get("plotly_chart")}  # noqa: E731
    assert "bert_ig" not in ids()
    at.button[0].click().run()
    _no_errors(at)
    assert "bert_ig" in ids()
    at.selectbox(key="bert_layer").set_value(1).run()  # another rerun keeps the finished attribution
    assert "bert_ig" in ids()
