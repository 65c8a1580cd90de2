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
#: Axis and legend text on a projector: near black (Streamlit's theme draws it grey).
INK = "#1a1a1a"

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


def _font(holder: dict, name: str, floor: int, ink: bool = False) -> None:
    """``holder[name]`` (a font dict, made when missing) with its size raised to at least ``floor``; ``ink``:
    dark unless the figure chose a colour (the theme's grey ticks fade on a projector)."""
    font = holder.get(name)
    font = dict(font) if isinstance(font, dict) else {}
    font["size"] = _bigger(font.get("size"), floor)
    if ink:
        font.setdefault("color", INK)
    holder[name] = font


def _titled(holder: dict, floor: int, ink: bool = True) -> None:
    """A part's ``title`` (a string or a dict) given a font of at least ``floor``."""
    title = holder.get("title")
    if isinstance(title, str):
        title = {"text": title}
    title = dict(title) if isinstance(title, dict) else {}
    _font(title, "font", floor, ink)
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
        _font(axis, "tickfont", floor, ink=True)
        _titled(axis, floor)
        layout[name] = axis
    for name in [k for k in layout if k.startswith(("scene", "polar"))]:
        for sub, axis in list(layout[name].items()):
            if sub.endswith("axis") and isinstance(axis, dict):
                _font(axis, "tickfont", floor)
                _titled(axis, floor)
    legend = dict(layout.get("legend") or {})
    _font(legend, "font", floor, ink=True)
    _titled(legend, floor)
    layout["legend"] = legend
    for name in [k for k in layout if k.startswith("coloraxis")]:
        _colorbar(layout[name], floor)
    notes = [dict(a) for a in layout.get("annotations") or ()]  # subplot titles and every note on the plot
    for note in notes:
        _font(note, "font", floor, ink=True)
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
    if kind in ("bar", "funnel", "waterfall"):  # kept at 18 px, a number too wide for its bar was turned on end
        trace.setdefault("textangle", 0)
    if kind in ("heatmap", "contour", "histogram2d") and trace.get("showscale", True) is not False:
        _colorbar(trace, floor)
    marker = trace.get("marker")
    if isinstance(marker, dict) and marker.get("showscale"):
        _colorbar(marker, floor)


def _axis_key(ref: str | None, letter: str) -> str:
    """A trace's axis reference (``"x"``, ``"x3"``) as its layout key (``"xaxis"``, ``"xaxis3"``)."""
    return f"{letter}axis{(ref or letter)[1:]}"


def _shared_ticks(spec: dict) -> None:
    """In a grid of subplots, the tick labels that repeat along a row (y) or a column (x) are shown once, at the
    left / bottom: at 18 px, a subplot's y labels would otherwise run into its left neighbour (seen on the
    Transformer's attention maps). Labels that differ from the edge subplot's are kept."""
    layout, panels = spec["layout"], {}
    for trace in spec.get("data", []):
        if trace.get("type") != "heatmap" or trace.get("x") is None or trace.get("y") is None:
            continue
        x, y = _axis_key(trace.get("xaxis"), "x"), _axis_key(trace.get("yaxis"), "y")
        panels[(x, y)] = ([str(v) for v in trace["x"]], [str(v) for v in trace["y"]])
    if len(panels) < 2:
        return
    domain = lambda key: tuple((layout.get(key) or {}).get("domain") or (0.0, 1.0))  # noqa: E731
    shown = lambda key: (layout.get(key) or {}).get("showticklabels") is not False  # noqa: E731
    for (x, y), (xs, ys) in panels.items():
        row = [p for p in panels if domain(p[1]) == domain(y)]
        left = min(row, key=lambda p: domain(p[0])[0])
        if left != (x, y) and panels[left][1] == ys and shown(left[1]):
            layout.setdefault(y, {})["showticklabels"] = False
        column = [p for p in panels if domain(p[0]) == domain(x)]
        bottom = min(column, key=lambda p: domain(p[1])[0])
        if bottom != (x, y) and panels[bottom][0] == xs and shown(bottom[0]):
            layout.setdefault(x, {})["showticklabels"] = False


def _room_above(spec: dict, floor: int) -> None:
    """A title above an x axis drawn on top (attention maps: keys on top) gets a margin of its own: at 18 px the
    axis' tick labels and title grow upwards into the figure's title (seen on the Transformer's decoding map),
    and plotly's ``title.automargin`` does not count a top axis. The room is estimated from the longest label,
    assumed turned 45 degrees."""
    layout = spec["layout"]
    title = layout.get("title") or {}
    if not title.get("text"):
        return
    top = [k for k in layout if _AXIS.match(k) and k.startswith("x") and (layout[k] or {}).get("side") == "top"
           and layout[k].get("showticklabels") is not False]
    if not top:
        return
    labels = [str(v) for k in top for v in (layout[k].get("ticktext") or ())]
    for trace in spec.get("data", []):
        if _axis_key(trace.get("xaxis"), "x") in top and trace.get("x") is not None:
            labels += [str(v) for v in trace["x"]]
    longest = max((len(v) for v in labels), default=3)
    ticks = floor * (1.4 if longest <= 3 else 1.0 + 0.45 * longest)
    named = any(((layout[k].get("title") or {}).get("text")) for k in top)
    needed = round((floor + TITLE_STEP) * 1.8 + ticks + (floor * 1.6 if named else 0) + 12)
    margin = dict(layout.get("margin") or {})
    margin["t"] = max(margin.get("t") or 0, needed)
    layout["margin"] = margin
    title.update(yref="container", y=1.0, yanchor="top", pad={"t": 8})
    layout["title"] = title


def _log_labels(spec: dict) -> None:
    """Plotly labels a log axis' 2s and 5s between decades at 75% of the font (13.5 px at 18, measured), also in
    its "complete" mode: over a decade or more only the decades are labelled."""
    layout = spec["layout"]
    for name in [k for k in layout if _AXIS.match(k) and (layout[k] or {}).get("type") == "log"]:
        values = [np.asarray(t.get(name[0]), dtype=float).ravel() for t in spec.get("data", [])
                  if _axis_key(t.get(f"{name[0]}axis"), name[0]) == name and t.get(name[0]) is not None]
        values = np.concatenate(values) if values else np.array([])
        values = values[np.isfinite(values) & (values > 0)]
        wide = values.size == 0 or values.max() >= 10 * values.min()
        layout[name].setdefault("minorloglabels", "none" if wide else "complete")


def _room_for_top_notes(spec: dict, floor: int) -> None:
    """Subplot titles of the top row sit above the plot area: at 18 px a two-line one was cut by the figure's top
    edge (the PE shift figure). The top margin grows to hold their lines (and the title above them)."""
    layout = spec["layout"]
    top = [a for a in layout.get("annotations") or () if a.get("yref") == "paper" and (a.get("y") or 0) >= 0.99
           and a.get("yanchor") == "bottom" and a.get("text")]
    if not top:
        return
    lines = max(str(a["text"]).count("<br>") + 1 for a in top)
    titled = bool((layout.get("title") or {}).get("text"))
    needed = round(lines * floor * 1.35 + (floor + TITLE_STEP) * 1.8 * titled + 10)
    margin = dict(layout.get("margin") or {})
    margin["t"] = max(margin.get("t") or 0, needed)
    layout["margin"] = margin
    if titled:  # the title at the very top, the subplot titles under it
        layout["title"].update(yref="container", y=1.0, yanchor="top", pad={"t": 8})


def enlarge(fig, min_size: int = MIN_FONT, height: int | None = None):
    """A new figure equal to ``fig`` but with every text at least ``min_size`` px: ticks, axis and colour-bar
    titles, legends, the title, annotations (``make_subplots``' subplot titles are annotations), the numbers
    printed in heatmap cells and on bars, table cells. ``height`` (px) resizes it, for a slide's key figure.

    ``fig`` is left exactly as it was (it may be shared by every session): the work is done on a deep copy.
    """
    import copy

    import plotly.graph_objects as go

    # A deep copy that keeps arrays as numpy arrays (``to_dict`` would turn them into base64 blobs, which the CSV
    # export could not read back).
    spec = copy.deepcopy({"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()})
    _walk(spec, min_size)
    layout = spec.setdefault("layout", {})
    _layout(layout, min_size, height)
    for trace in spec.get("data", []):
        _trace(trace, min_size)
    _shared_ticks(spec)
    _room_above(spec, min_size)
    _room_for_top_notes(spec, min_size)
    _log_labels(spec)
    return go.Figure(spec)
