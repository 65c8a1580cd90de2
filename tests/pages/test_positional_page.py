"""AppTest: the positional-encoding page draws every figure, follows its sliders, and turns bad input into
messages while keeping the student's other inputs."""


import numpy as np
import pytest

from tests.pages.pagetools import errors, figure_array, run_page

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
