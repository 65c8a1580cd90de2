"""The page's own CSS, written inline (offline: no CDN): what Streamlit's defaults get wrong on a phone.

Seen by a lecturer on a 390 px wide phone (issue 15, point 11), fixed here and checked by
``tests/browser/test_phone.py``:
- lesson links (``st.page_link``) ended in "…" mid-sentence: they wrap;
- display formulas (``st.latex``) looked cut at the right edge (they scroll, with no visible cue): they wrap
  between equations (a formula written with :data:`tlviz.viz.fit.FORMULA_BREAK` between them), and a single
  equation that is still too wide scrolls with a visible scroll bar;
- a grid of inputs (:func:`tlviz.ui.cell_grid`, in a container keyed ``GRID_PREFIX...``) became one column of
  boxes, because Streamlit stacks columns below 640 px: it stays a grid;
- tab labels hid behind a scroll arrow: they wrap into rows; so do widget labels (Streamlit cut them with "…");
- plotly's toolbar (always shown on touch screens) covered figure titles: on narrow screens it sits in a strip
  of its own above the figure.

Figures themselves are fixed in their builders (:mod:`tlviz.viz.fit`): they are shared by every session, so they
cannot depend on the viewer's screen.
"""

from __future__ import annotations

import streamlit as st

#: Streamlit stacks columns below this width (its own breakpoint).
NARROW_PX = 640
#: Key prefix of a container whose columns must stay side by side (``st.container(key=GRID_PREFIX + name)``).
GRID_PREFIX = "tlgrid_"
MODEBAR_STRIP_PX = 30

CSS = f"""
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] span,
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"],
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  line-height: 1.45;
}}
.katex-display > .katex {{ white-space: normal; }}
.katex-display > .katex > .katex-html > .base {{ margin: 0.3em 0; }}
.katex-display {{ overflow-x: auto; overflow-y: hidden; scrollbar-width: thin; padding-bottom: 4px; }}
.katex-display::-webkit-scrollbar {{ height: 6px; }}
.katex-display::-webkit-scrollbar-thumb {{ background: #bbb; border-radius: 3px; }}
[class*="st-key-{GRID_PREFIX}"] [data-testid="stHorizontalBlock"] {{ flex-wrap: nowrap !important; }}
[class*="st-key-{GRID_PREFIX}"] [data-testid="stColumn"] {{ min-width: 0 !important; }}
@media (max-width: {NARROW_PX}px) {{
  [class*="st-key-{GRID_PREFIX}"] [data-testid="stHorizontalBlock"] {{ gap: 0.4rem; }}
  [class*="st-key-{GRID_PREFIX}"] [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:last-child {{
    display: none;
  }}
  [data-testid="stMain"] [data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"],
  [data-testid="stMain"] [data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"] p {{
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  }}
  [data-testid="stTabs"] [role="tablist"] {{ flex-wrap: wrap; overflow-x: visible; row-gap: 0.2rem;
    column-gap: 0.9rem; }}
  [data-testid="stTabs"] [role="tablist"] [data-testid="stTab"] {{ flex-shrink: 0; }}
  [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]) {{ height: auto !important;
    flex: 0 0 auto !important; }}
  [data-testid="stPlotlyChart"] {{ margin-top: {MODEBAR_STRIP_PX}px; }}
  [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) {{ margin-top: {MODEBAR_STRIP_PX}px; }}
  [data-testid="stPlotlyChart"] .js-plotly-plot {{ overflow: visible !important; }}
  [data-testid="stPlotlyChart"] .modebar-container {{ top: -{MODEBAR_STRIP_PX}px !important; }}
}}
"""


def apply() -> None:
    """Add the CSS to the page (once per script run, from :func:`tlviz.ui.setup`); it takes no space."""
    st.html(f"<style>{CSS}</style>")
