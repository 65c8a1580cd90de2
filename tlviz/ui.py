"""The one module that imports streamlit: shared widgets, error display, figure export, heavy-work waiting.

Pages stay thin by calling these. Rules they implement:
- bad input never shows a traceback: :func:`guard` turns :class:`InputError` (and anything unexpected) into a
  message in the page, and the rest of the page keeps working;
- what a student typed survives page switches: :func:`kept` stores widget values outside the widget;
- every figure can be exported: :func:`figure` adds PNG (plotly's camera button, offline) and CSV downloads;
- heavy model work waits its turn: :func:`heavy` shows "waiting for ..." while another session holds the lock.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import streamlit as st

from tlviz import models, runtime
from tlviz.errors import InputError

log = logging.getLogger("tlviz")

PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2},
                 "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def _use_app_navigation() -> None:
    """Make a page opened by its own URL run under app.py's navigation.

    Streamlit treats a ``pages/`` folder beside the entry point as its legacy multipage mode until app.py's
    ``st.navigation`` has run once in the process: a fresh server asked for ``/masks`` runs ``pages/masks.py``
    alone, with an automatic page list and no page config. When that happens we switch the legacy mode off and
    rerun, so app.py runs first (navigation, layout) and then the page the student asked for.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def setup() -> None:
    """Once per script run, first thing in every page: app navigation, torch threads, the device in the sidebar."""
    _use_app_navigation()
    runtime.configure_torch()
    info = runtime.device_info()
    st.sidebar.caption(f"Compute: **{info.label}**")
    holder = runtime.busy()
    if holder:
        st.sidebar.caption(f"Busy: {holder}")


def header(title: str, intro: str) -> None:
    """Page title and a one-paragraph introduction of what the page teaches."""
    st.title(title)
    st.markdown(intro)


@contextlib.contextmanager
def guard(what: str = "") -> Iterator[None]:
    """Show bad input as a clear message, never a traceback; the rest of the page keeps running."""
    try:
        yield
    except InputError as exc:
        st.error(str(exc), icon="⚠️")
    except Exception as exc:  # a bug must not blank the lesson; the log keeps the traceback for us
        log.exception("unexpected error%s", f" in {what}" if what else "")
        st.error(f"Something went wrong{(' in ' + what) if what else ''}: {type(exc).__name__}: {exc}. "
                 "Your inputs are kept; try other values or reload the page.", icon="🛑")


def kept(widget: Callable[..., Any], label: str, key: str, default: Any = None, **kwargs) -> Any:
    """A widget whose value survives page switches and reruns (Streamlit forgets unrendered widgets' state)."""
    store = f"_kept_{key}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(store, default)
    value = widget(label, key=key, **kwargs)
    st.session_state[store] = value
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "figure"


def figure(fig, key: str, explanation: str | None = None, filename: str | None = None, table=None,
           side: bool = False, height: int | None = None) -> None:
    """Show a plotly figure with its explanation, a PNG export (camera button) and a CSV of its numbers.

    ``table`` (a DataFrame) overrides the numbers exported; by default they are read off the figure.
    ``side=True`` puts the explanation in a narrow column beside the figure instead of under it.
    """
    from tlviz import viz

    name = filename or _slug(key)
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {**PLOTLY_CONFIG["toImageButtonOptions"], "filename": name}}
    if height:
        fig.update_layout(height=height)
    if side and explanation:
        left, right = st.columns([3, 1])
    else:
        left = right = st.container()
    with left:
        st.plotly_chart(fig, key=f"fig_{key}", config=config, width="stretch")
    with right:
        if explanation:
            st.caption(explanation)
        data = table if table is not None else viz.figure_table(fig)
        if data is not None and len(data):
            st.download_button("⬇ CSV of these numbers", data.to_csv().encode("utf-8"), file_name=f"{name}.csv",
                               mime="text/csv", key=f"csv_{key}")


def download_bytes(label: str, data: bytes, file_name: str, key: str, mime: str = "application/octet-stream"):
    st.download_button(label, data, file_name=file_name, mime=mime, key=key)


@contextlib.contextmanager
def heavy(label: str) -> Iterator[None]:
    """Run heavy model work under the shared lock, telling the student when they wait for someone else."""
    notice = st.empty()

    def on_wait(holder: str) -> None:
        notice.info(f"⏳ Waiting for another student's job to finish ({holder})…")

    with runtime.exclusive(label, on_wait=on_wait):
        notice.empty()
        yield


def _loaders() -> dict[str, Callable[[str], Any]]:
    from tlviz import bert, cnn

    loaders: dict[str, Callable[[str], Any]] = {"bert": bert.load, "cnn": cnn.load}
    with contextlib.suppress(ImportError, AttributeError):
        from tlviz import vit

        loaders["vit"] = vit.load
    return loaders


def load_model(family: str, name: str) -> Any:
    """A family's model through its public loader, with a spinner; InputError passes to the caller's guard."""
    loader = _loaders().get(family)
    if loader is None:
        raise InputError(f"No loader for models of the family '{family}'.")
    with st.spinner(f"Loading {name} (first time only; it is then shared by everyone)…"), heavy(f"loading {name}"):
        return loader(name)


OTHER = "Other: a Hugging Face id, timm name or local folder…"


def model_picker(family: str, key: str, label: str = "Model", help_text: str | None = None) -> str:
    """Pick a model of ``family`` from the catalogue (offline ones first) or type any hub id / local folder."""
    cards = models.catalog(family)
    cards.sort(key=lambda c: (not c.default, not c.offline))
    names = [c.name for c in cards] + [OTHER]
    marks = {c.name: ("" if c.offline else "  (needs internet or prefetch)") for c in cards}
    choice = kept(st.selectbox, label, key=key, default=names[0], options=names,
                  format_func=lambda n: n + marks.get(n, ""), help=help_text)
    if choice == OTHER:
        typed = kept(st.text_input, "Model id or folder", key=f"{key}_other", default="",
                     placeholder="e.g. bert-base-uncased, resnet18, /path/to/folder")
        return typed.strip()
    card = next((c for c in cards if c.name == choice), None)
    if card is not None:
        st.caption(f"{card.source} · {card.size} · {card.note}")
    return choice


def progress(total: int, text: str = "Working…"):
    """A progress bar with an ``update(done, message)`` callback, for engine callbacks."""
    bar = st.progress(0.0, text=text)

    def update(done: int, message: str | None = None) -> None:
        bar.progress(min(1.0, done / max(1, total)), text=message or text)

    return bar, update
