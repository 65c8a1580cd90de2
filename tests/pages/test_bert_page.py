"""AppTest: the BERT page on its offline default (our small MLM, a hard precondition), a typed local folder (the hub
code path), clicking a word to mask it, bad inputs and bad links shown as messages, links that reopen the same
view, shared results equal to fresh ones, and hostile text found only escaped in what the page produces."""

import json

import numpy as np
import pytest

from tests.pages.pagetools import errors, figure_array, open_page
from tlviz import bert, models, ui
from tlviz.checkpoints import CHECKPOINT_DIR

MLM_FOLDER = CHECKPOINT_DIR / "mlm_small"
MLM = "Small masked LM (trained here, offline)"
EVIL = "<img src=x onerror=alert(1)> </script><script>alert(\"x\")</script> 'q' \\ \\\\ 🙂 Ελληνικά [MASK]"


@pytest.fixture(autouse=True)
def small_mlm_is_there():
    """The page's default, and what most checks here read: its absence is a failure, never a skip."""
    assert MLM_FOLDER.is_dir(), f"{MLM_FOLDER} is missing: run python -m tlviz.recipes.mlm_small"
    assert bert.start_model() == MLM


def _opened(**params):
    at = open_page("bert", **params)
    assert not at.exception, at.exception
    return at


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


def _figures(at) -> dict:
    return {c.proto.id.split("-fig_")[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _no_errors(at):
    assert not at.exception, at.exception
    assert not errors(at), errors(at)


def test_default_page_renders_every_section_with_the_models_own_predictions():
    at = _opened()
    _no_errors(at)
    assert [s.value for s in at.subheader][:4] == [
        "1 · Predictions", "2 · Attention, head by head", "3 · Attribution: which words drove the prediction?",
        "4 · How BERT was trained: the masking recipe and next-sentence prediction"]
    assert at.selectbox(key="bert_model").value == MLM
    figs = _figures(at)
    assert {"bert_pred_0", "bert_heatmap", "bert_headview", "bert_modelview", "bert_neuron", "bert_ig",
            "bert_ig_att"} <= set(figs)
    assert any("not an explanation" in w.value for w in at.warning)
    # the bars are the model's probabilities (oracle: a direct fill_mask), the heatmap its layer 1, head 1
    bm = bert.load(MLM)
    expected = bert.fill_mask(bm, bert.EXAMPLES[0], top_k=5)[0]
    np.testing.assert_allclose(figure_array(figs["bert_pred_0"]["data"][0]["x"]), [p for _, p in expected],
                               rtol=1e-5)
    trace = bert.attentions(bm, bert.EXAMPLES[0])
    np.testing.assert_allclose(figure_array(figs["bert_heatmap"]["data"][0]["z"]), trace.weights[0, 0], atol=1e-6)


def test_minilm_says_plainly_it_has_no_mlm_head_and_clicking_a_word_masks_it():
    at = _opened()
    at.selectbox(key="bert_model").set_value(models.MINILM_NAME).run()
    _no_errors(at)
    assert any("no masked-LM head" in i.value for i in at.info)
    at.selectbox(key="bert_model").set_value(MLM).run()
    at.text_input(key="bert_text").set_value("The cat drank the milk because it was hungry.").run()
    assert any("No [MASK]" in i.value for i in at.info) and "bert_pred_0" not in _figures(at)
    at.get("button_group")[0].set_value(4).run()  # the word "milk"
    _no_errors(at)
    chips = at.get("html")[0].proto.body
    assert "[MASK] →" in chips and "milk" not in chips.split("[MASK]")[0].split("drank")[-1]
    assert at.query_params["mask"] == "4"
    at.selectbox(key="bert_example").set_value(bert.EXAMPLES[6]).run()  # an example replaces the sentence ...
    assert at.text_input(key="bert_text").value == bert.EXAMPLES[6]
    assert at.get("button_group")[0].value is None  # ... and forgets the clicked word


@pytest.mark.parametrize("text,message", [
    ("", "type a sentence"), ("   ", "type a sentence"), ("word " * 70, "at most 64"),
    ("a [SEP] b [SEP] c", "at most one [SEP]")])
def test_bad_inputs_are_messages_and_keep_the_page(text, message):
    at = _opened()
    at.text_input(key="bert_text").set_value(text).run()
    assert not at.exception, at.exception
    assert any(message in e for e in errors(at)), errors(at)
    assert at.text_input(key="bert_text").value == text  # the student's input stays
    at.text_input(key="bert_text").set_value("Paris is the [MASK] of France.").run()
    _no_errors(at)
    assert "bert_pred_0" in _figures(at)


def test_greek_text_gets_an_honest_word_that_the_offline_model_knows_english_only():
    at = _opened()
    at.text_input(key="bert_text").set_value("Η γάτα ήπιε το [MASK] γιατί διψούσε.").run()
    _no_errors(at)
    assert any("English only" in w.value and "Greek" in w.value for w in at.warning), [w.value for w in at.warning]
    assert "bert_pred_0" in _figures(at)  # its (meaningless) guesses are still shown, with the warning above


def test_typed_html_and_script_appear_only_escaped():
    at = _opened()
    at.text_input(key="bert_text").set_value(EVIL).run()
    for model in (MLM, models.MINILM_NAME):
        at.selectbox(key="bert_model").set_value(model).run()
        _no_errors(at)
        for text in _produced_text(at):
            assert "<img" not in text and "<script" not in text and "</script" not in text, text[:200]
        html_bodies = " ".join(h.proto.body for h in at.get("html"))
        assert "λ" in html_bodies and "<span" in html_bodies
    assert "&lt;" in html_bodies and "&quot;" in html_bodies  # MiniLM's vocabulary has < and " as tokens


def test_local_folder_goes_through_the_hub_code_path(tmp_path, tiny_bert_folder):
    at = _opened()
    at.selectbox(key="bert_model").set_value(ui.OTHER).run()
    at.text_input(key="bert_model_other").set_value(str(tmp_path / "missing")).run()
    assert any("No file or folder" in e for e in errors(at))
    at.text_input(key="bert_model_other").set_value(str(tiny_bert_folder)).run()
    _no_errors(at)
    assert any("2 layers × 4 heads" in c.value for c in at.caption)
    assert "bert_pred_0" in _figures(at)
    assert at.query_params["model_id"] == str(tiny_bert_folder)


def test_big_models_run_integrated_gradients_only_on_request(monkeypatch):
    monkeypatch.setattr(bert, "IG_AUTO_MAX_PARAMS", 1000)  # our small MLM now counts as "big"
    at = _opened()
    _no_errors(at)
    assert "bert_ig" not in _figures(at)
    at.toggle(key="bert_ig").set_value(True).run()
    _no_errors(at)
    assert "bert_ig" in _figures(at)
    at.selectbox(key="bert_layer").set_value(2).run()  # another rerun keeps the attribution
    assert "bert_ig" in _figures(at)


def test_a_link_opens_the_same_view_and_the_url_follows():
    text = "The cat drank the milk because it was hungry."
    at = _opened(text=text, mask="4", layer="2", head="3", hide="1", k="3", seed="7", rate="0.3", query="2")
    _no_errors(at)
    assert not at.warning or all("not an explanation" in w.value for w in at.warning)
    assert at.text_input(key="bert_text").value == text and at.get("button_group")[0].value == 4
    assert (at.selectbox(key="bert_layer").value, at.selectbox(key="bert_head").value) == (2, 3)
    assert at.toggle(key="bert_hide").value is True and at.slider(key="bert_k").value == 3
    assert at.number_input(key="bert_seed").value == 7 and at.slider(key="bert_rate").value == pytest.approx(0.3)
    assert at.selectbox(key="bert_query").value == 2
    figs = _figures(at)
    assert len(figure_array(figs["bert_pred_0"]["data"][0]["x"])) == 3
    bm = bert.load(MLM)
    shown = bert.attentions(bm, bert.mask_word(text, 4)).view(hide_special=True)
    np.testing.assert_allclose(figure_array(figs["bert_heatmap"]["data"][0]["z"]), shown.weights[1, 2], atol=1e-6)
    # the URL follows every change, and the new link reopens that view
    at.selectbox(key="bert_head").set_value(1).run()
    at.toggle(key="bert_avg").set_value(True).run()
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["head"] == "1" and params["average"] == "1" and params["text"] == text
    again = _opened(**params)
    _no_errors(again)
    assert again.toggle(key="bert_avg").value is True and again.selectbox(key="bert_layer").value == 2
    np.testing.assert_allclose(figure_array(_figures(again)["bert_heatmap"]["data"][0]["z"]),
                               figure_array(_figures(at)["bert_heatmap"]["data"][0]["z"]))


def test_bad_link_values_give_a_message_and_the_defaults():
    at = _opened(model="no-such-model", layer="99", head="abc", mask="42", rate="2", hide="maybe")
    assert not at.exception and not errors(at)
    links = [w.value for w in at.warning if "link" in w.value]
    assert len(links) == 6, [w.value for w in at.warning]
    assert at.selectbox(key="bert_model").value == MLM and at.selectbox(key="bert_layer").value == 1
    assert at.selectbox(key="bert_head").value == 1 and at.get("button_group")[0].value is None
    assert at.slider(key="bert_rate").value == pytest.approx(0.15) and at.toggle(key="bert_hide").value is False
    assert "bert_pred_0" in _figures(at)


def test_shared_results_equal_fresh_ones_and_are_not_changed_by_the_page():
    at = _opened()
    at.toggle(key="bert_hide").set_value(True).run()
    _no_errors(at)
    bm = bert.load(MLM)
    hits = ui.SHARED.stats()["hits"]
    shared = ui.shared_figure(bert.read, bm, bert.EXAMPLES[0], None, 5)  # as the page asked for it: a hit
    assert ui.SHARED.stats()["hits"] == hits + 1
    fresh = bert.read(bm, bert.EXAMPLES[0], None, 5)
    assert shared.predictions == fresh.predictions and shared.masks == fresh.masks
    np.testing.assert_array_equal(shared.trace.weights, fresh.trace.weights)
    np.testing.assert_array_equal(ui.shared(bert.view, shared.trace, True, False).weights,
                                  fresh.trace.view(hide_special=True).weights)
    att = ui.shared(bert.attribute, bm, shared.text, 0)
    np.testing.assert_allclose(att.scores, bert.attribute(bm, shared.text, 0).scores, atol=1e-6)


def test_offline_model_tells_the_teacher_how_to_get_bert_base_and_that_it_has_no_nsp_head():
    at = _opened()
    _no_errors(at)
    teacher = [i.value for i in at.info if "before class" in i.value]
    assert len(teacher) == 1 and "make prefetch" in teacher[0] and "python -m tlviz.recipes.prefetch" in teacher[0]
    assert MLM in teacher[0] and "~/.cache/huggingface" in teacher[0]
    assert "'capital' #" in " ".join(c.value for c in at.caption)  # the card's note: the lecture words' ranks
    assert any("[SEP] between them" in i.value for i in at.info)  # one sentence: NSP needs a pair
    at.selectbox(key="bert_example").set_value(bert.EXAMPLES[8]).run()  # a preloaded pair
    _no_errors(at)
    nsp = [i.value for i in at.info if "next-sentence-prediction head" in i.value]
    assert len(nsp) == 1 and "no prediction is shown" in nsp[0] and "make prefetch" in nsp[0]
    assert "bert_nsp" not in _figures(at)
    at = open_page("bert", lang="el")
    assert not at.exception and not errors(at)
    assert any("make prefetch" in i.value and "πριν" in i.value.lower() for i in at.info)


def test_a_model_with_the_nsp_head_shows_isnext_and_notnext(tiny_bert_pretraining_folder):
    at = _opened(model=ui.OTHER, model_id=str(tiny_bert_pretraining_folder), text=bert.EXAMPLES[9])
    _no_errors(at)
    assert not any("before class" in i.value for i in at.info)  # not the offline stand-in
    fig = _figures(at)["bert_nsp"]
    shown = figure_array(fig["data"][0]["x"])
    ns = bert.next_sentence(bert.load(str(tiny_bert_pretraining_folder)), bert.EXAMPLES[9])
    np.testing.assert_allclose(shown, [ns.is_next, ns.not_next], rtol=1e-6)
    assert list(fig["data"][0]["y"]) == ["IsNext", "NotNext"] and "The model says" in fig["layout"]["title"]["text"]
    at.text_input(key="bert_text").set_value("a [SEP] b [SEP] c").run()  # a bad pair: the message, no figure
    assert not at.exception and any("at most one [SEP]" in e for e in errors(at)) and "bert_nsp" not in _figures(at)
    at.text_input(key="bert_text").set_value("Only one sentence here.").run()
    _no_errors(at)
    assert "bert_nsp" not in _figures(at) and any("[SEP] between them" in i.value for i in at.info)
