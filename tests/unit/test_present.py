"""Presentation mode's figures: an enlarged copy with every text at least 18 px; the shared original untouched."""

import numpy as np
import plotly.graph_objects as go
import pytest

from tlviz import viz
from tlviz.viz.present import MIN_FONT, enlarge


def _figures():
    """Figures of the kinds the lessons draw: an annotated attention map, a grid of subplots (subplot titles are
    annotations), top-k bars with their numbers, curves with a legend, a table, a matrix with a colour bar."""
    rng = np.random.default_rng(0)
    w = rng.dirichlet(np.ones(5), size=5)
    table = go.Figure(go.Table(header=dict(values=["a", "b"], font=dict(size=12)),
                               cells=dict(values=[[1, 2], [3, 4]], font=dict(size=[11, 13]))))
    table.update_layout(height=200)
    return {
        "heatmap": viz.attention_heatmap(w, list("abcde"), list("vwxyz"), title="weights", show_values=True),
        "grid": viz.heatmap_grid(rng.dirichlet(np.ones(4), size=(2, 3, 4)), ["L1", "L2"], ["h1", "h2", "h3"],
                                 list("abcd"), list("abcd"), title="model view"),
        "bars": viz.bar_topk(["cat", "dog", "milk"], [0.6, 0.3, 0.1], title="top 3"),
        "curves": viz.line_curves({"train": ([0, 1, 2], [1.0, 0.5, 0.2]), "val": ([0, 1, 2], [1.1, 0.7, 0.4])}),
        "table": table,
        "matrix": viz.matrix_heatmap(rng.normal(size=(3, 4)), title="scores", x_title="key", y_title="query"),
    }


FIGURES = _figures()


def _font_sizes(node, path=""):
    """Every (path, size) of a font set anywhere in a figure's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                sizes = value["size"] if isinstance(value["size"], (list, tuple)) else [value["size"]]
                yield from ((f"{path}.{key}", s) for s in sizes)
            yield from _font_sizes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _font_sizes(item, f"{path}[{i}]")


@pytest.mark.parametrize("name", FIGURES)
def test_enlarge_returns_a_new_figure_and_leaves_the_original_exactly_as_it_was(name):
    fig = FIGURES[name]
    before = fig.to_json()
    big = enlarge(fig, height=500)
    assert big is not fig and isinstance(big, go.Figure)
    assert fig.to_json() == before  # shared through the cache by every session: never changed
    assert big.layout.height == 500 and fig.layout.height != 500
    assert big.to_json() != before
    # same data: the copy shows the same numbers
    for a, b in zip(fig.data, big.data):
        assert a.type == b.type
        if a.type == "heatmap":
            np.testing.assert_array_equal(np.asarray(a.z, dtype=float), np.asarray(b.z, dtype=float))


@pytest.mark.parametrize("name", FIGURES)
def test_every_font_the_enlarged_figure_names_is_at_least_18px(name):
    big = enlarge(FIGURES[name]).to_plotly_json()
    sizes = list(_font_sizes(big))
    assert sizes, "the figure names no font at all"
    small = [(where, s) for where, s in sizes if s < MIN_FONT]
    assert not small, small
    # and the originals do have smaller text (the test can fail): 15-px body, 12-px ticks and the like
    assert any(s < MIN_FONT for _where, s in _font_sizes(FIGURES[name].to_plotly_json())) or name == "table"


@pytest.mark.parametrize("name", FIGURES)
def test_each_kind_of_text_gets_its_own_size_not_only_the_inherited_layout_font(name):
    """Streamlit's theme gives axes, legends and colour bars 12-px fonts in the template: inheritance from
    ``layout.font`` is not enough, so each kind must be set explicitly."""
    big = enlarge(FIGURES[name])
    layout = big.layout
    assert layout.font.size >= MIN_FONT and layout.title.font.size >= MIN_FONT
    assert layout.legend.font.size >= MIN_FONT
    axes = [k for k in layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
    assert {"xaxis", "yaxis"} <= set(axes)
    for k in axes:
        assert layout[k].tickfont.size >= MIN_FONT and layout[k].title.font.size >= MIN_FONT, k
    for note in layout.annotations:  # subplot titles, notes on the plot
        assert note.font.size >= MIN_FONT
    assert layout.uniformtext.minsize >= MIN_FONT  # text inside bars is not shrunk below the floor
    for trace in big.data:
        if trace.type == "heatmap":
            assert trace.textfont.size >= MIN_FONT  # the numbers printed in the cells
            if trace.showscale is not False:  # a grid of small maps shows no colour bar at all
                assert trace.colorbar.tickfont.size >= MIN_FONT
        if trace.type == "bar":
            assert trace.textfont.size >= MIN_FONT and trace.textangle == 0  # not turned on end in a thin bar
        if trace.type == "table":
            assert trace.header.font.size >= MIN_FONT
            assert min(trace.cells.font.size) >= MIN_FONT


def test_subplot_titles_and_a_larger_size_already_set_are_kept():
    fig = FIGURES["grid"]
    big = enlarge(fig)
    assert [a.text for a in big.layout.annotations] == [a.text for a in fig.layout.annotations]
    huge = go.Figure(go.Bar(x=[1], y=[2], text=["x"], textfont=dict(size=30)))
    assert enlarge(huge).data[0].textfont.size == 30  # never smaller than before
    assert enlarge(huge, min_size=24).layout.xaxis.tickfont.size == 24


def test_slide_height_fills_the_screen_but_strips_only_grow_with_their_text():
    from tlviz import ui_present

    assert ui_present.slide_height(None) == ui_present.KEY_HEIGHT  # plotly's default 450 -> 70% of 720 px
    assert ui_present.slide_height(380) == ui_present.KEY_HEIGHT
    assert ui_present.slide_height(120) == 150  # a row of tokens: 25% more room for 18-px text
    assert ui_present.slide_height(900) == 900  # a grid of heads meant to scroll keeps its height


def test_the_stylesheet_shows_only_the_current_slide():
    from tlviz import ui_present

    css = ui_present.css(3)
    hide = css.splitlines()[0]
    assert hide.startswith("[class*='st-key-tlviz-section-']") and "display: none" in hide
    assert ":not(.st-key-tlviz-section-3)" in hide and ":not(.st-key-tlviz-section-2)" not in hide
    assert "stMainMenu" in css and "stCaptionContainer" in css and "#111" in css
    assert ":not(h1)" in ui_present.css(2) and ":not(h1)" not in ui_present.css(1)  # lead-in hidden from slide 2


def test_a_grid_of_maps_shows_its_repeated_tick_labels_once_at_the_left_and_bottom():
    """At 18 px, each subplot's token labels ran into its neighbour (the Transformer's attention maps label every
    panel): repeated labels stay only on the left column and the bottom row; labels that differ stay."""
    from plotly.subplots import make_subplots

    def grid(second_row_y):
        fig = make_subplots(rows=2, cols=3, horizontal_spacing=0.05)
        for r in (1, 2):
            for c in (1, 2, 3):
                y = second_row_y if (r, c) == (2, 2) else list("wxyz")
                fig.add_trace(go.Heatmap(z=np.eye(4), x=list("abcd"), y=y), row=r, col=c)
        return fig

    fig = grid(list("wxyz"))
    assert all(fig.layout[k].showticklabels is None for k in fig.layout.to_plotly_json() if k[1:5] == "axis")
    layout = enlarge(fig).layout
    for t in fig.data:
        x, y = layout[f"xaxis{t.xaxis[1:]}"], layout[f"yaxis{t.yaxis[1:]}"]
        left = fig.layout[f"xaxis{t.xaxis[1:]}"].domain[0] == 0
        bottom = fig.layout[f"yaxis{t.yaxis[1:]}"].domain[0] == 0
        assert (y.showticklabels is not False) == left and (x.showticklabels is not False) == bottom
    other = grid(list("pqrs"))  # one panel's rows are other tokens: its labels are kept
    kept = enlarge(other).layout
    assert kept[f"yaxis{other.data[4].yaxis[1:]}"].showticklabels is not False
    assert kept[f"yaxis{other.data[5].yaxis[1:]}"].showticklabels is False


def test_a_title_above_a_top_axis_gets_room_of_its_own_and_log_axes_label_at_full_size():
    """At 18 px the key labels on top of an attention map grew into the figure's title; plotly's log axes write
    the 2s and 5s between decades at 75% of the font (13.5 px measured in the browser)."""
    w = np.full((3, 4), 0.25)
    fig = viz.attention_heatmap(w, ["the", "because", "drinks", "<eos>"], list("abc"), title="a title")
    assert fig.layout.xaxis.side == "top"
    big = enlarge(fig)
    assert big.layout.margin.t >= fig.layout.margin.t + 2 * MIN_FONT
    assert big.layout.title.yref == "container" and big.layout.title.yanchor == "top"
    untitled = viz.attention_heatmap(w, ["the", "because", "drinks", "<eos>"], list("abc"))
    assert enlarge(untitled).layout.margin.t == untitled.layout.margin.t  # nothing to make room for
    log = go.Figure(go.Scatter(x=[1, 10, 100], y=[1, 2, 3])).update_xaxes(type="log")
    assert enlarge(log).layout.xaxis.minorloglabels == "none" and log.layout.xaxis.minorloglabels is None
    narrow = go.Figure(go.Scatter(x=[2, 3, 5], y=[1, 2, 3])).update_xaxes(type="log")  # under a decade
    assert enlarge(narrow).layout.xaxis.minorloglabels == "complete"


def test_two_line_subplot_titles_of_the_top_row_fit_under_the_figure_title():
    """At 18 px a two-line subplot title was cut by the figure's top edge (the PE shift figure)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=["M for k = 3<br>(2×2 rotation blocks)", "PE"])
    fig.add_trace(go.Heatmap(z=np.eye(3)), row=1, col=1).add_trace(go.Heatmap(z=np.eye(3)), row=1, col=2)
    fig.update_layout(margin=dict(t=40), title="shift")
    big = enlarge(fig)
    assert big.layout.margin.t >= 2 * MIN_FONT + (MIN_FONT + 2) and big.layout.title.yanchor == "top"
    assert fig.layout.margin.t == 40
