"""Figures that read at a phone's width as well as on the projector (pure: figures in, figures out).

A figure is built once and shared by every session (:func:`tlviz.ui.shared_figure`), so it cannot know the screen
it will be drawn on. The choices here therefore hold at both ends: a 390 px phone, where a plot is about
:data:`PHONE_PLOT_PX` wide, and a 1280 px projector. Subplot titles are wrapped to the width one panel has on the
phone (plotly never wraps text: at 390 px three titles side by side printed over each other), and the top margin
grows by the lines added; on the projector the same titles simply take two lines instead of one.
"""

from __future__ import annotations

import re
import textwrap

#: Width of a figure's plotting area on a 390 px phone (Streamlit's padding and the plot margins taken off).
PHONE_PLOT_PX = 300
#: Average width of one character as a fraction of the font size (Streamlit's Source Sans, measured on titles).
CHAR_EM = 0.5
#: Written between two display formulas of one ``st.latex`` line: a break opportunity (KaTeX splits its output
#: there), with the usual \qquad when they fit on one line. The CSS of :mod:`tlviz.ui_style` lets them wrap.
FORMULA_BREAK = r" \allowbreak\qquad "


def chars_per_line(fraction: float, font_size: float = 16, width_px: float = PHONE_PLOT_PX) -> int:
    """How many characters of ``font_size`` fit across ``fraction`` of a plot ``width_px`` wide (at least 6)."""
    return max(6, int(fraction * width_px / (CHAR_EM * font_size)))


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters at spaces (plotly's ``<br>``); a word longer
    than ``width`` stays whole. Text that already has ``<br>`` keeps its breaks."""
    lines = []
    for part in str(text).split("<br>"):
        # a word too long for a line may break before a bracket: "LayerNorm(sum)" -> "LayerNorm" / "(sum)"
        part = " ".join(re.sub(r"(?<=\w)\(", " (", w) if len(w) > width else w for w in part.split(" "))
        # a bracket that fits a line, such as a shape "(5, 64)", is not split: its spaces are held while wrapping
        held = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(" ", "\0") if len(m.group(0)) <= width
                      else m.group(0), part)
        lines.extend(textwrap.wrap(held, width, break_long_words=False, break_on_hyphens=False) or [""])
    return "<br>".join(lines).replace("\0", " ")


def formulas(*equations: str) -> str:
    """Several LaTeX equations for one ``st.latex``: side by side where they fit, one under the other where
    they do not (each stays whole: braces make it one unbreakable group)."""
    return FORMULA_BREAK.join("{" + e + "}" for e in equations)


def subplot_titles(fig, fractions, font_size: float = 14, line_px: float | None = None):
    """Wrap the subplot titles of ``fig`` (made by ``make_subplots(subplot_titles=...)``: plotly's first
    annotations, one per panel in order, ``fractions`` giving each panel's share of the width) so that each fits
    its panel on a phone, set their font size, and grow the top margin by the lines added. Returns ``fig``."""
    titles = [a for a in fig.layout.annotations if a.yanchor == "bottom" and a.xref == "paper"][:len(fractions)]
    extra = 0
    for ann, fraction in zip(titles, fractions):
        text = wrap(ann.text or "", chars_per_line(fraction, font_size))
        ann.update(text=text, font=dict(size=font_size))
        extra = max(extra, text.count("<br>"))
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 50
    fig.update_layout(margin=dict(t=top + extra * (line_px or font_size * 1.3)))
    return fig


def title(fig, font_size: float = 16):
    """Wrap ``fig``'s title to a phone's width and keep it clear of the plot: a long title ran into the key labels
    above a heatmap. Returns ``fig``."""
    wrapped = wrap(fig.layout.title.text or "", chars_per_line(1.0, font_size))
    # at the top of the figure, and plotly keeps the plot, its tick labels and axis titles below it (automargin)
    first, _, rest = wrapped.partition("<br>")
    # plotly places a title of several lines as if it had one (the others ran off the top): the lines after the
    # first go in its subtitle, which plotly lays out below it, in the same font
    fig.update_layout(title=dict(text=first, yref="container", automargin=True,
                                 subtitle=dict(text=rest, font=dict(size=font_size, weight="bold"))))
    return fig


def equal_panels(n: int, spacing: float = 0.04) -> list[float]:
    """The width share of each of ``n`` equal panels side by side."""
    return [(1 - spacing * (n - 1)) / n] * n
