"""AppTest: the seq2seq attention page: the worked example matches attention.worked_example for the typed numbers,
the trained model translates and steps, the retrain runs, the URL holds the main inputs, and bad inputs (typed or
in a link) give a message while every other input stays."""

import json

import numpy as np
import pytest

from tests.pages.pagetools import errors, figure_array, open_page, run_page
from tlviz import attention

LECTURE_S, LECTURE_H = attention.LECTURE_DECODER, attention.LECTURE_ENCODER


def _context(at) -> str:
    found = [m.value for m in at.markdown if "context vector" in m.value and "c ≈" in m.value]
    return found[0].split("c ≈")[1].strip() if found else ""


def _figure(at, key):
    return json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"fig_{key}")
                           or f"fig_{key}" in c.proto.id).proto.spec)


def _shown(at):
    """What the page shows: scores and weights (bars of the step 1-2 figure), the context (last row of step 4)."""
    bars = _figure(at, "s2s_scores")["data"]
    context = figure_array(_figure(at, "s2s_weighted")["data"][0]["z"])[-1]
    return figure_array(bars[0]["y"]), figure_array(bars[1]["y"]), context


def assert_matches_oracle(at, s, H, T=1.0, method="dot", **params):
    expected = attention.worked_example(np.array(s, float), np.array(H, float), softmax_temperature=T,
                                        method=method, **params)
    scores, weights, context = _shown(at)
    np.testing.assert_allclose(scores, expected.scores, rtol=1e-9)
    np.testing.assert_allclose(weights, expected.weights, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(context, expected.context, rtol=1e-9, atol=1e-12)
    assert _context(at) == "[" + ", ".join(f"{v:g}" for v in expected.context.round(3) + 0.0) + "]"


@pytest.fixture()
def at():
    return run_page("seq2seq_attention")


def test_lecture_example_and_trained_model(at):
    assert not errors(at)
    assert_matches_oracle(at, LECTURE_S, LECTURE_H)
    assert at.dataframe[0].value["score"].tolist() == ["15", "60", "15", "35"]
    assert any("→ `1975-08-05`" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) >= 7  # scores, weighted, temperature, alignment, step attention, next, context
    assert len(at.get("download_button")) >= 7  # CSV export of every figure


def _scores_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Step 1:"))


def test_captions_and_table_follow_the_numbers_shown(at):
    # The lecture's numbers: 60 against 35, e^25 ≈ 7.2·10¹⁰; weights such as 1.4e-20 show as 0, as on the slides.
    assert "Here 60 (h2) against the runner-up 35 (h4): e^25 ≈ 7.2·10¹⁰ times more weight for h2." in \
        _scores_caption(at)
    table = at.dataframe[0].value
    assert table["alignment αⱼ (softmax)"].tolist() == ["0", "1", "0", "0"]
    assert table["weighted αⱼ · hⱼ"].tolist() == ["[0, 0, 0]", "[5, 0, 1]", "[0, 0, 0]", "[0, 0, 0]"]
    weighted = _figure(at, "s2s_weighted")["data"][0]
    z = figure_array(weighted["z"])  # exact underneath (hover, CSV): 2.86e-20 shown as 0
    assert "e-" not in json.dumps(weighted["text"]) and weighted["text"][0][1] == "0" and 0 < z[0, 1] < 1e-19
    # The student types s = [1, 1, 1]: scores 2, 6, 2, 6, and the caption says what these numbers do.
    for c in range(3):
        at.text_input(key=f"s2s_cell_-1_{c}").input("1").run()
    assert at.dataframe[0].value["score"].tolist() == ["2", "6", "2", "6"]
    caption = _scores_caption(at)
    assert "60" not in caption and "e^25" not in caption
    assert "the best score, 6, is shared by h2, h4: equal scores get equal weights (≈ 0.491 each)" in caption
    at.select_slider(key="s2s_T").set_value(2.0).run()
    at.text_input(key="s2s_cell_-1_0").input("2").run()  # s = [2, 1, 1]: scores 2, 11, 3, 6
    assert "Here 11 (h2) against the runner-up 6 (h4): e^((11 − 6) / 2) = e^2.5 ≈ 12.2 times more weight for h2." \
        in _scores_caption(at)


def test_editing_numbers_follows_the_oracle(at):
    at.text_input(key="s2s_cell_1_0").input("0").run()  # h2 = [0, 0, 1]: now h4 wins
    H = [list(h) for h in LECTURE_H]
    H[1][0] = 0.0
    assert not errors(at) and _context(at) == "[0, 5, 1]"
    assert_matches_oracle(at, LECTURE_S, H)
    at.text_input(key="s2s_cell_-1_1").input("0").run()  # s = [10, 0, 10]
    assert_matches_oracle(at, [10, 0, 10], H)


def test_temperature_and_score_functions_follow_the_oracle(at):
    at.select_slider(key="s2s_T").set_value(100.0).run()
    assert_matches_oracle(at, LECTURE_S, LECTURE_H, T=100.0)
    at.radio(key="s2s_method").set_value("general").run()
    assert_matches_oracle(at, LECTURE_S, LECTURE_H, T=100.0, method="general", W=np.eye(3))
    at.text_area(key="s2s_W_3").input("1 0\n0 1").run()
    assert any("3x3" in e for e in errors(at))
    at.radio(key="s2s_method").set_value("scaled_dot").run()
    assert_matches_oracle(at, LECTURE_S, LECTURE_H, T=100.0, method="scaled_dot")
    at.radio(key="s2s_method").set_value("additive").run()
    assert_matches_oracle(at, LECTURE_S, LECTURE_H, T=100.0, method="additive",
                          **attention.score_params("additive", 3, seed=0))


def test_non_numeric_cell_gives_a_message_and_keeps_other_inputs(at):
    at.text_input(key="s2s_date").input("the 1st of may 2020").run()
    at.text_input(key="s2s_cell_2_2").input("abc").run()
    messages = errors(at)
    assert any("h3" in e and "'abc'" in e for e in messages), messages
    assert at.text_input(key="s2s_cell_-1_0").value == "10" and at.text_input(key="s2s_cell_2_2").value == "abc"
    assert at.text_input(key="s2s_date").value == "the 1st of may 2020"
    assert any("→ `2020-05-01`" in m.value for m in at.markdown)  # the rest of the page still works
    at.text_input(key="s2s_cell_2_2").input("").run()
    assert any("empty" in e for e in errors(at))


@pytest.mark.parametrize("text, message", [("", "type a date"), ("word " * 500, "at most"),
                                           ("5 août 1975", "'û'")])
def test_bad_dates_give_a_message_and_keep_the_worked_example(at, text, message):
    at.text_input(key="s2s_cell_0_0").input("2").run()
    at.text_input(key="s2s_date").input(text).run()
    assert not at.exception
    messages = errors(at)
    assert any(message in e for e in messages), messages
    assert at.text_input(key="s2s_cell_0_0").value == "2"
    assert _context(at) == "[5, 0, 1]"  # the worked example still computes
    at.text_input(key="s2s_date").input("august 5, 1975").run()
    assert not errors(at)


def test_retrain_runs_and_the_retrained_model_can_be_used(at):
    at.select_slider(key="s2s_r_steps").set_value(100).run()
    at.button[1].click().run()  # [0] is "back to the lecture's numbers"
    assert not at.exception and not errors(at)
    assert any("Your model:" in c.value for c in at.caption)
    at.radio(key="s2s_which").set_value("mine").run()
    assert not at.exception and not errors(at)
    assert any("→ `" in m.value for m in at.markdown)


def test_back_to_the_lecture_numbers(at):
    at.number_input(key="s2s_n").set_value(2).run()
    at.text_input(key="s2s_cell_0_0").input("7").run()
    at.radio(key="s2s_method").set_value("scaled_dot").run()
    assert _context(at) != "[5, 0, 1]"
    at.button[0].click().run()
    assert at.number_input(key="s2s_n").value == 4 and at.radio(key="s2s_method").value == "dot"
    assert _context(at) == "[5, 0, 1]" and not errors(at)
    assert at.query_params["n"] == "4" and at.query_params["method"] == "dot"


def _opened(**params):

    return open_page("seq2seq_attention", **params)


def test_a_link_opens_the_same_view_and_the_url_follows():
    at = _opened(s1="0", s2="1", s3="0", method="scaled_dot", T="5", date="1999 march 3", step="3")
    assert not at.exception and not at.warning and not errors(at)
    assert [at.text_input(key=f"s2s_cell_-1_{c}").value for c in range(3)] == ["0", "1", "0"]
    assert at.radio(key="s2s_method").value == "scaled_dot" and at.select_slider(key="s2s_T").value == 5.0
    assert at.text_input(key="s2s_date").value == "1999 march 3" and at.slider(key="s2s_step").value == 3
    assert_matches_oracle(at, [0, 1, 0], LECTURE_H, T=5.0, method="scaled_dot")
    assert any("→ `1999-03-03`" in m.value for m in at.markdown)
    at.select_slider(key="s2s_T").set_value(0.5).run()
    at.text_input(key="s2s_date").input("5 may 2001").run()
    assert at.query_params["T"] == "0.5" and at.query_params["date"] == "5 may 2001"


def test_bad_link_values_give_a_message_and_the_defaults():
    at = _opened(s1="abc", method="cosine", T="0.3", n="99", date="5 août 1975", step="banana")
    assert not at.exception and not errors(at)
    assert len(at.warning) >= 5 and all("link" in w.value for w in at.warning)
    assert at.text_input(key="s2s_cell_-1_0").value == "10" and at.radio(key="s2s_method").value == "dot"
    assert at.select_slider(key="s2s_T").value == 1.0 and at.number_input(key="s2s_n").value == 4
    assert at.text_input(key="s2s_date").value == "5 August 1975"
    assert_matches_oracle(at, LECTURE_S, LECTURE_H)
