"""A figure as it goes over the wire to a browser: turned into plain JSON data once per figure object, however
many sessions show it (:func:`prepared`). Pure plotly: no streamlit here; :func:`tlviz.ui.figure` uses it."""

from __future__ import annotations

import functools
from typing import Any

_PREPARED: dict[int, Any] = {}  # id(figure) -> (weak ref to it, its stand-in); dropped with the figure


@functools.cache
def _prepared_type() -> type:  # plotly is imported with the first figure, not with this module
    import plotly.graph_objects as go

    class Prepared(go.Figure):
        """A figure's plain-JSON form, made once and shown by every session that shows the figure.

        ``st.plotly_chart`` asks a figure for ``to_dict()``, which deep-copies every trace; then it encodes
        the copy, turning each numpy array into base64 on the way. On one shared figure that work was done
        again for each of 60 students (a third of the server's time on the Transformer page). This stand-in
        answers ``to_dict()`` with the figure already in JSON data types, so only the final, fast JSON
        encoding is left per session; the bytes sent are the same (``tests/unit/test_ui_figure.py``). Nothing
        of it is ever changed: ``st.plotly_chart`` only reads it.
        """

        def __init__(self, spec: dict) -> None:  # no go.Figure.__init__: only to_dict() is ever asked for
            object.__setattr__(self, "_spec", spec)

        def to_dict(self) -> dict:
            return self._spec

    return Prepared


def prepared(fig) -> Any:
    """``fig`` in the form :func:`tlviz.ui.figure` hands to ``st.plotly_chart``: prepared once per figure object, so a
    figure shared through :func:`tlviz.ui.shared_figure` is serialised once for the whole class."""
    import json
    import weakref

    import plotly.io

    found = _PREPARED.get(id(fig))
    if found is not None and found[0]() is fig:
        return found[1]
    ready = _prepared_type()(json.loads(plotly.io.to_json(fig, validate=False)))
    _PREPARED[id(fig)] = (weakref.ref(fig), ready)
    weakref.finalize(fig, _PREPARED.pop, id(fig), None)
    return ready
