"""ui.figure's class-scale shortcuts change nothing a student gets: the chart's JSON is byte for byte what
``st.plotly_chart`` makes of the figure itself, and the deferred CSV holds the figure's numbers."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from tlviz import ui, viz
from tlviz.viz import wire


def _figure() -> go.Figure:
    rng = np.random.default_rng(0)
    fig = go.Figure(go.Heatmap(z=rng.random((7, 5)), x=list("abcde"), y=[f"q{i}" for i in range(7)],
                               text=np.round(rng.random((7, 5)), 2), texttemplate="%{text}"))
    fig.add_trace(go.Scatter(x=[1, 2, 3], y=np.array([0.5, np.nan, 2.0]), name="line"))
    fig.update_layout(title="Ω attention · Greek too", height=321)
    return fig


def _two_charts():
    import streamlit as st

    from tests.unit.test_ui_figure import _figure
    from tlviz import ui
    from tlviz.viz import wire

    fig = _figure()
    st.plotly_chart(fig, key="plain", config=ui.PLOTLY_CONFIG, width="stretch", height="content")
    st.plotly_chart(wire.prepared(fig), key="prepared", config=ui.PLOTLY_CONFIG, width="stretch", height="content")


def test_prepared_figure_sends_the_same_json_as_the_figure():
    at = AppTest.from_function(_two_charts).run()
    assert not at.exception
    plain, ready = at.get("plotly_chart")
    assert len(plain.proto.spec) > 1000
    assert ready.proto.spec == plain.proto.spec
    assert ready.proto.config == plain.proto.config


def test_prepared_once_per_figure_object_and_the_figure_untouched():
    fig = _figure()
    before = fig.to_json()
    first = wire.prepared(fig)
    assert wire.prepared(fig) is first  # the whole class shares one serialisation
    assert wire.prepared(_figure()) is not first  # another figure (even an equal one) is its own
    assert fig.to_json() == before
    assert first.to_dict()["layout"]["title"]["text"] == "Ω attention · Greek too"


def test_stand_in_dropped_with_its_figure():
    import gc

    fig = _figure()
    wire.prepared(fig)
    key = id(fig)
    assert key in wire._PREPARED
    del fig
    gc.collect()
    assert key not in wire._PREPARED


def test_deferred_csv_holds_the_figures_numbers():
    fig = _figure()
    expected = viz.figure_table(fig).to_csv().encode("utf-8")
    assert ui._csv(fig) == expected
    table = pd.DataFrame({"x": [1, 2], "p": [0.25, 0.75]})
    assert ui._csv(table) == table.to_csv().encode("utf-8")


@pytest.mark.parametrize("fig, has", [(go.Figure(), False), (go.Figure(go.Bar(x=[1], y=[2])), True),
                                      (go.Figure(go.Heatmap(z=[[1]])), True)])
def test_has_numbers(fig, has):
    assert viz.has_numbers(fig) is has


def test_pages_send_the_compact_template():
    """ui.setup makes tlviz's template plotly's default: a lesson's figures carry plotly_white's look (white, the
    same colour bars) without its 7 kB of defaults for plot types we never draw."""
    import json

    from tests.pages.pagetools import open_page

    at = open_page("masks")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert specs
    for spec in specs:
        template = spec["layout"]["template"]
        assert template["layout"]["paper_bgcolor"] == "white" and template["layout"]["plot_bgcolor"] == "white"
        assert "polar" not in template["layout"] and "scatter3d" not in template["data"]
        assert template["data"]["heatmap"][0]["colorbar"] == {"outlinewidth": 0, "ticks": ""}
        assert len(json.dumps(template)) < 2500
