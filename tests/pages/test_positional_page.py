"""AppTest: the positional-encoding page draws every figure, follows its sliders, and turns bad input into
messages while keeping the student's other inputs."""


import numpy as np
import pytest

from tests.pages.pagetools import errors, figure_array, open_page, run_page
from tlviz import positional


@pytest.fixture()
def at():
    return run_page("positional_encoding")


def test_every_figure_and_the_lecture_table(at):
    assert not errors(at)
    table = at.dataframe[0].value
    np.testing.assert_allclose(table.to_numpy(), positional.sinusoidal(4, 4).round(4))
    charts = at.get("plotly_chart")
    assert len(charts) == 7  # PE, curves, wavelengths, similarity, profile, shift, embedding + PE
    assert len(at.get("download_button")) == 7
    assert any("largest difference here" in c.value for c in at.caption)


def test_d_model_slider_changes_the_heatmap(at):
    def heatmap_width(app):
        import json

        fig = json.loads(app.get("plotly_chart")[0].proto.spec)
        return figure_array(fig["data"][0]["z"]).shape[1]

    assert heatmap_width(at) == 64
    at.select_slider(key="pe_d").set_value(16).run()
    assert heatmap_width(at) == 16 and not errors(at)


@pytest.mark.parametrize("sentence, message", [("   ", "at least one word"), ("word " * 500, "500 words")])
def test_bad_sentence_gives_a_message_and_keeps_other_inputs(at, sentence, message):
    at.slider(key="pe_k").set_value(7).run()
    at.text_input(key="pe_sentence").input(sentence).run()
    assert not at.exception
    assert any(message in e for e in errors(at))
    assert at.slider(key="pe_k").value == 7
    assert len(at.get("plotly_chart")) == 6  # everything but the sentence figure still drawn
    at.text_input(key="pe_sentence").input("I am a robot").run()
    assert not errors(at)


def test_empty_dimension_selection_asks_for_one(at):
    at.multiselect(key="pe_dims_64").set_value([]).run()
    assert not at.exception and any("at least one dimension" in i.value for i in at.info)


def _opened(**params):

    return open_page("positional_encoding", **params)


def test_a_link_opens_the_same_view_and_the_url_follows():
    import json

    at = _opened(d="16", positions="30", k="7", pos="2", sentence="I am a robot", scale="1")
    assert not at.exception and not at.warning and not errors(at)
    assert at.select_slider(key="pe_d").value == 16 and at.slider(key="pe_len").value == 30
    assert at.slider(key="pe_k").value == 7 and at.slider(key="pe_pos").value == 2
    assert at.text_input(key="pe_sentence").value == "I am a robot" and at.checkbox(key="pe_scale").value is True
    z = figure_array(json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["z"])
    np.testing.assert_allclose(z, positional.sinusoidal(30, 16), atol=1e-12)
    at.select_slider(key="pe_d").set_value(128).run()
    at.slider(key="pe_k").set_value(11).run()
    assert at.query_params["d"] == "128" and at.query_params["k"] == "11"


def test_bad_link_values_give_a_message_and_the_defaults():
    at = _opened(d="33", positions="5000", k="-4", sentence="", scale="perhaps")
    assert not at.exception
    assert len(at.warning) == 4 and all("link" in w.value for w in at.warning)
    assert at.select_slider(key="pe_d").value == 64 and at.slider(key="pe_len").value == 60
    assert at.slider(key="pe_k").value == 3 and at.checkbox(key="pe_scale").value is False
    assert any("at least one word" in e for e in errors(at))  # an empty sentence is a sentence the page explains
