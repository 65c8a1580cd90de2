"""Helpers shared by the AppTest page tests."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "lessons"


def open_page(name: str, timeout: float = 120, state: dict | None = None, **params) -> AppTest:
    """Every page test opens its page this way: ``lessons/<name>.py`` with ``params`` in the URL (``?k=v``) and
    ``state`` in the session, run once. Checks nothing: bad-link tests look at what came back."""
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=timeout)
    for key, value in (state or {}).items():
        app.session_state[key] = value
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


def run_page(name: str, timeout: float = 60):
    """Run ``lessons/<name>.py`` once with AppTest and check that it raised nothing."""
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=timeout).run()
    assert not app.exception, app.exception
    return app


def errors(at) -> list[str]:
    """The texts of the error boxes on the page."""
    return [e.value for e in at.error]


def figure_array(value) -> np.ndarray:
    """A figure's array from its JSON (plotly encodes numpy arrays as base64 'bdata')."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = [int(s) for s in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape).astype(float)
    return np.array(value, dtype=float)
