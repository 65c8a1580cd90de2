"""tlviz.viz.fit: figures laid out to read on a 390 px phone as well as on the projector (issue 15, point 11)."""

import numpy as np

from tlviz.viz import fit
from tlviz.viz.bert import tokens_html
from tlviz.viz.positional import shift_figure
from tlviz.viz.transformer import side_by_side


def test_wrap_breaks_at_spaces_and_keeps_a_bracket_whole():
    assert fit.wrap("sum = encoder input (5, 64)", 13) == "sum = encoder<br>input (5, 64)"
    assert fit.wrap("positional encoding (5, 64)", 11) == "positional<br>encoding<br>(5, 64)"
    assert fit.wrap("LayerNorm(sum)", 6) == "LayerNorm<br>(sum)"  # a long word breaks before a bracket
    assert fit.wrap("Transformer", 6) == "Transformer"  # else it stays whole
    assert fit.wrap("one<br>two three", 5) == "one<br>two<br>three"  # breaks already there are kept
    assert fit.wrap("short", 40) == "short"
    assert fit.wrap("x (είσοδος του υποεπιπέδου)", 13) == "x (είσοδος<br>του<br>υποεπιπέδου)"  # too long to hold


def test_chars_per_line_follows_the_panel_width_and_font():
    assert fit.chars_per_line(1.0, 10, width_px=300) == 60  # 300 px / (0.5 x 10 px)
    assert fit.chars_per_line(1 / 3, 10, width_px=300) == 20
    assert fit.chars_per_line(0.01, 30) == 6  # never fewer than 6


def test_three_subplot_titles_fit_their_panels_on_a_phone_and_the_top_margin_grows():
    mats = [np.zeros((5, 64)) for _ in range(3)]
    titles = ["embedding × √64 (5, 64)", "positional encoding (5, 64)", "sum = encoder input (5, 64)"]
    fig = side_by_side(mats, titles, ["the", "cat", "drinks", "milk", "<eos>"])
    width = fit.chars_per_line(fit.equal_panels(3, 0.04)[0], 14)
    texts = [a.text for a in fig.layout.annotations]
    assert [t.replace("<br>", " ") for t in texts] == titles  # nothing lost, only broken into lines
    for t in texts:
        assert all(len(line) <= width for line in t.split("<br>") if " " in line), t
    lines = max(t.count("<br>") for t in texts)
    assert lines >= 1 and fig.layout.margin.t >= 20 + lines * 14 * 1.3 - 1


def test_formulas_wrap_between_equations_only():
    tex = fit.formulas("a = b", "c = d")
    assert tex == r"{a = b} \allowbreak\qquad {c = d}"


def test_shift_figure_puts_the_check_in_two_columns_level_with_the_rows_of_m():
    d = 8
    M, pe = np.eye(d), np.linspace(-1, 1, d)
    fig = shift_figure(M, pe, pe, pos=5, k=3)
    check = fig.data[1]
    assert np.asarray(check.z).shape == (d, 2)  # one row per dimension, like M
    assert list(check.y) == list(fig.data[0].y)
    assert check.textfont.size is None  # plotly fits the numbers to the cells
    assert np.allclose(np.asarray(check.z)[:, 0], np.asarray(check.z)[:, 1])


def test_token_chips_can_wrap_between_chips_but_not_inside_one():
    html = tokens_html(["[CLS]", "the", "[MASK]", "[SEP]"], fills={2: ("milk", 0.42)})
    assert html.count("<wbr>") == 3
    assert html.count("white-space:nowrap") == 4
