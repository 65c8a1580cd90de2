"""Figures for the projector: the same figure with every text big enough for the back row of a lecture hall.

:func:`enlarge` is what presentation mode (:mod:`tlviz.ui_present`) draws instead of a lesson's figure. It never
changes the figure it is given: lesson figures are shared by every session through the cache, and only the
teacher's projector wants them big.

Why every text is named, not just ``layout.font``: Streamlit's chart theme gives axes, legends and colour bars
their own 12-px sizes in the figure's template, and a template's axis font beats the inherited ``layout.font``
(measured: 498 of the Transformer page's 922 text items were 12 px). So each kind of text gets its own size here.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

#: The smallest text a projected figure may have, in CSS pixels (issue 15: ticks, axes, legends, cell numbers).
MIN_FONT = 18
#: Plotly's default title size is larger than the body text: keep titles a step above the ticks.
TITLE_STEP = 2

_AXIS = re.compile(r"^(x|y|z)axis\d*$")
_CARTESIAN_DEFAULTS = ("xaxis", "yaxis")  # drawn even when the layout never names them
_TEXTED_TRACES = {"heatmap", "bar", "scatter", "table", "pie", "funnel", "waterfall", "histogram", "indicator"}


def _bigger(size: Any, floor: int) -> Any:
    """A font size (a number, a list or an array of numbers, or None) raised to at least ``floor``."""
    if size is None:
        return floor
    if isinstance(size, (list, tuple, np.ndarray)):
        return [max(floor, s) if isinstance(s, (int, float)) else floor for s in np.asarray(size).tolist()]
    return max(floor, size) if isinstance(size, (int, float)) else floor


def _font(holder: dict, name: str, floor: int) -> None:
    """``holder[name]`` (a font dict, made when missing) with its size raised to at least ``floor``."""
    font = holder.get(name)
    font = dict(font) if isinstance(font, dict) else {}
    font["size"] = _bigger(font.get("size"), floor)
    holder[name] = font


def _titled(holder: dict, floor: int) -> None:
    """A part's ``title`` (a string or a dict) given a font of at least ``floor``."""
    title = holder.get("title")
    if isinstance(title, str):
        title = {"text": title}
    title = dict(title) if isinstance(title, dict) else {}
    _font(title, "font", floor)
    holder["title"] = title


def _walk(node: Any, floor: int) -> None:
    """Raise every font size already set anywhere in ``node`` (fonts of updatemenus, sliders, hover boxes...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                value["size"] = _bigger(value["size"], floor)
            else:
                _walk(value, floor)
    elif isinstance(node, list):
        for item in node:
            _walk(item, floor)


def _colorbar(holder: dict, floor: int) -> None:
    bar = dict(holder.get("colorbar") or {})
    _font(bar, "tickfont", floor)
    _titled(bar, floor)
    holder["colorbar"] = bar


def _layout(layout: dict, floor: int, height: int | None) -> None:
    _font(layout, "font", floor)
    _titled(layout, floor + TITLE_STEP)
    for name in set(_CARTESIAN_DEFAULTS) | {k for k in layout if _AXIS.match(k)}:
        axis = dict(layout.get(name) or {})
        _font(axis, "tickfont", floor)
        _titled(axis, floor)
        layout[name] = axis
    for name in [k for k in layout if k.startswith(("scene", "polar"))]:
        for sub, axis in list(layout[name].items()):
            if sub.endswith("axis") and isinstance(axis, dict):
                _font(axis, "tickfont", floor)
                _titled(axis, floor)
    legend = dict(layout.get("legend") or {})
    _font(legend, "font", floor)
    _titled(legend, floor)
    layout["legend"] = legend
    for name in [k for k in layout if k.startswith("coloraxis")]:
        _colorbar(layout[name], floor)
    notes = [dict(a) for a in layout.get("annotations") or ()]  # subplot titles and every note on the plot
    for note in notes:
        _font(note, "font", floor)
    if notes:
        layout["annotations"] = notes
    # Text inside bars or pie slices is shrunk to fit unless told otherwise: "show" keeps it at the floor.
    layout["uniformtext"] = {"minsize": floor, "mode": "show"}
    if height:
        layout["height"] = height


def _trace(trace: dict, floor: int) -> None:
    kind = trace.get("type", "scatter")
    if kind == "table":
        for part in ("header", "cells"):
            cells = dict(trace.get(part) or {})
            _font(cells, "font", floor)
            trace[part] = cells
        return
    if kind in _TEXTED_TRACES:
        for name in ("textfont", "insidetextfont", "outsidetextfont"):
            if name == "textfont" or name in trace:
                _font(trace, name, floor)
    if kind in ("heatmap", "contour", "histogram2d") and trace.get("showscale", True) is not False:
        _colorbar(trace, floor)
    marker = trace.get("marker")
    if isinstance(marker, dict) and marker.get("showscale"):
        _colorbar(marker, floor)


def enlarge(fig, min_size: int = MIN_FONT, height: int | None = None):
    """A new figure equal to ``fig`` but with every text at least ``min_size`` px: ticks, axis and colour-bar
    titles, legends, the title, annotations (``make_subplots``' subplot titles are annotations), the numbers
    printed in heatmap cells and on bars, table cells. ``height`` (px) resizes it, for a slide's key figure.

    ``fig`` is left exactly as it was (it may be shared by every session): the work is done on a deep copy.
    """
    import plotly.graph_objects as go

    spec = fig.to_dict()  # a deep copy: data (arrays too) and layout
    _walk(spec, min_size)
    layout = spec.setdefault("layout", {})
    _layout(layout, min_size, height)
    for trace in spec.get("data", []):
        _trace(trace, min_size)
    return go.Figure(spec)
