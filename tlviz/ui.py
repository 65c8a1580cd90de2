"""The one module that imports streamlit: shared widgets, error display, figure export, heavy-work waiting.

Pages stay thin by calling these. Rules they implement:
- bad input never shows a traceback: :func:`guard` turns :class:`InputError` (and anything unexpected) into a
  message in the page, and the rest of the page keeps working;
- what a student typed survives page switches: :func:`kept` stores widget values outside the widget;
- every figure can be exported: :func:`figure` adds PNG (plotly's camera button, offline) and CSV downloads;
- heavy model work waits its turn: :func:`heavy` shows "waiting for ..." while another session holds the lock;
- a lesson's main inputs live in the URL: ``kept(..., url="name")`` reads them from and writes them to
  ``st.query_params``, so a link opens the same view (a bad value gives a message and the default);
- a result is computed once for the whole class: :func:`shared` caches engine calls process-wide, keyed by the
  model and the inputs (:mod:`tlviz.cache`), bounded in entries and memory;
- training feedback looks the same everywhere: :func:`training_feedback` turns the trainers' ``StepEvent`` s
  (:mod:`tlviz.training`) into a progress bar and a live chart;
- every sentence is translatable: ``_()`` from :mod:`tlviz.i18n`, the language picked in :func:`setup`.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import streamlit as st

from tlviz import cache, i18n, models, runtime, training, ui_style
from tlviz.errors import InputError
from tlviz.i18n import N_, _

log = logging.getLogger("tlviz")

PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2},
                 "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def setup() -> str:
    """Once per script run, first thing in every page: the language, torch threads, the device in the sidebar.

    Returns the interface language in use (``"en"``, ``"el"``).
    """
    from tlviz.viz import core

    lang = choose_language()
    ui_style.apply()  # the page's own CSS (phone layout)
    runtime.configure_torch()
    core.use_template()  # before any figure is built
    info = runtime.device_info()
    st.sidebar.caption(_("Compute: **{device}**").format(device=info.label))
    holder = runtime.busy()
    if holder:
        st.sidebar.caption(_("Busy: {job}").format(job=holder))
    from tlviz import ui_class, ui_present  # the class strip, presentation mode (both import this module)

    ui_class.class_seat(bar=True)
    ui_present.setup()
    return lang


def session_language() -> str:
    """The language this run will speak, before the switch is drawn (app.py's navigation titles need it):
    ``?lang=`` in the URL, else the switch's last value, else the browser's language (``st.context.locale``),
    overridden by ``TLVIZ_LANG``."""
    if "lang" not in st.session_state and _store("lang") not in st.session_state:
        locale = None
        with contextlib.suppress(Exception):  # no browser context in AppTest or a bare script run
            locale = st.context.locale
        st.session_state[_store("lang")] = i18n.default_language(locale)
    wanted = st.query_params.get("lang")
    if wanted in i18n.LANGUAGES:
        return wanted
    return st.session_state.get("lang") or st.session_state[_store("lang")]


def choose_language() -> str:
    """The session's language (:func:`session_language`), with its switch in the sidebar, kept in the URL like
    every lesson input."""
    codes = list(i18n.LANGUAGES)
    i18n.set_language(session_language())
    lang = kept(st.sidebar.selectbox, "Language · Γλώσσα", key="lang", options=codes, url="lang",
                format_func=lambda c: i18n.LANGUAGES[c])
    return i18n.set_language(lang)


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
        where = _("Something went wrong with {what}").format(what=what) if what else _("Something went wrong")
        st.error(_("{where}: {error}. Your inputs are kept; try other values or reload the page.").format(
            where=where, error=f"{type(exc).__name__}: {exc}"), icon="🛑")


def _store(key: str) -> str:
    return f"_kept_{key}"


def kept(widget: Callable[..., Any], label: str, key: str, default: Any = None, url: str | None = None,
         parse: Callable[[str], Any] | None = None, **kwargs) -> Any:
    """A widget whose value survives page switches and reruns (Streamlit forgets unrendered widgets' state).

    With ``url="name"`` the value also lives in the page's URL (``?name=value``): a link opens the same view,
    and the URL follows every change. A value in the URL that the widget cannot take (not among its options,
    out of range, unreadable) gives a message and leaves the current value. ``parse`` turns the URL's text into
    a value (raising ``ValueError`` or ``InputError`` when it cannot); by default it is read after the widget's
    ``options``, ``min_value``/``max_value`` and ``default``.
    """
    store = _store(key)
    if f"_pending_{key}" in st.session_state:  # set_kept after the widget was drawn: applied now, before it
        st.session_state[key] = st.session_state.pop(f"_pending_{key}")
    # Written before the widget every run: a widget with this key on another page (the language switch is on
    # all of them) is another widget to Streamlit, and would otherwise start again from its first option.
    st.session_state[key] = st.session_state[key] if key in st.session_state else st.session_state.get(store, default)
    if url:
        _url_in(key, url, parse, kwargs)
    value = widget(label, key=key, **kwargs)
    st.session_state[store] = value
    if url:
        _url_out(key, url, value)
    return value


def cell_grid(row_names: Sequence[str], defaults: Sequence[Sequence[str]], key: str, url_row: int | None = None,
              parse: Callable[[str], Any] | None = None, first: int = 0) -> list[list[str]]:
    """A table of kept text cells, one row per name (``defaults`` rows x columns); cell ``(r, c)`` has the key
    ``f"{key}_{first + r}_{c}"``. Row ``url_row``'s cells also live in the URL as ``s1``, ``s2``... (checked by
    ``parse``). Returns the typed texts; parsing them is the engine's work."""
    rows, box = [], st.container(key=ui_style.GRID_PREFIX + key)  # its columns stay side by side on a phone
    for r, name in enumerate(row_names):
        d = len(defaults[r])
        cols = box.columns([1.2] + [1] * d + [max(0.1, 7 - d)])
        cols[0].markdown(f"**{name}**")
        rows.append([kept(cols[1 + c].text_input, f"{name} [{c + 1}]", key=f"{key}_{first + r}_{c}",
                          default=defaults[r][c], label_visibility="collapsed", parse=parse,
                          url=f"s{c + 1}" if r == url_row else None) for c in range(d)])
    return rows


def set_kept(key: str, value: Any) -> None:
    """Give a kept widget a new value (a preset button, a teacher's push): it shows the next time the widget is
    drawn, in this run if it was not drawn yet, else after ``st.rerun()``."""
    st.session_state[_store(key)] = value
    st.session_state[f"_pending_{key}"] = value


def reset_kept(*keys: str) -> None:
    """Forget kept values, so their widgets start again from their defaults."""
    for key in keys:
        for name in (key, _store(key), f"_pending_{key}"):
            st.session_state.pop(name, None)


def clamp_kept(key: str, options: Sequence[Any] | None = None, lo: Any = None, hi: Any = None) -> None:
    """Bring a kept value back into what its widget now offers (e.g. layer 12 after switching to a 4-layer
    model): not among ``options`` -> the first option; below ``lo`` / above ``hi`` -> the bound."""
    for name in (key, _store(key)):
        if name not in st.session_state:
            continue
        value = st.session_state[name]
        if options is not None and value not in list(options):
            value = list(options)[0] if len(options) else None
        if lo is not None and value is not None and value < lo:
            value = lo
        if hi is not None and value is not None and value > hi:
            value = hi
        st.session_state[name] = value


def _to_url(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(_to_url(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _from_url(text: str, current: Any, kwargs: dict) -> Any:
    """The widget value a URL's text stands for; ValueError when the widget cannot take it."""
    options = kwargs.get("options")
    if options is not None:
        options = list(options)
        if isinstance(current, (list, tuple)):
            wanted = [t for t in text.split(",") if t]
            picked = [next(o for o in options if _to_url(o) == t) for t in wanted]  # StopIteration: not offered
            return picked
        for o in options:
            if _to_url(o) == text:
                return o
        raise ValueError(text)
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if isinstance(current, bool):
        if text.lower() not in ("1", "0", "true", "false"):
            raise ValueError(text)
        return text.lower() in ("1", "true")
    if isinstance(current, int) or isinstance(lo, int):
        value: Any = int(text)
    elif isinstance(current, float) or isinstance(lo, float):
        value = float(text)
        if value != value:
            raise ValueError(text)
    else:
        value = text
        limit = kwargs.get("max_chars")
        if limit and len(value) > limit:
            raise ValueError(text)
        return value
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(text)
    return value


def _url_in(key: str, name: str, parse: Callable[[str], Any] | None, kwargs: dict) -> None:
    """Take the URL's value for a kept widget when the URL says something this session has not written."""
    text = st.query_params.get(name)
    if text is None or text == st.session_state.get(f"_url_{key}"):
        return
    try:
        value = parse(text) if parse is not None else _from_url(text, st.session_state.get(key), kwargs)
    except (ValueError, TypeError, StopIteration, InputError):
        link_warning(name, text)
        st.session_state[f"_url_{key}"] = text
        return
    st.session_state[key] = value
    st.session_state[_store(key)] = value
    st.session_state[f"_url_{key}"] = text


def link_warning(name: str, text: str) -> None:
    st.warning(_("The link's value for '{name}' ({value}) is not one this page can show; the current value "
                 "is used instead.").format(name=name, value=text[:80]), icon="🔗")


def _url_out(key: str, name: str, value: Any) -> None:
    text = _to_url(value)
    if st.query_params.get(name) != text:
        st.query_params[name] = text
    st.session_state[f"_url_{key}"] = text


#: Results shared by every session of this server process (see :mod:`tlviz.cache`): at most 2,000 entries and
#: 1 GiB; a class's default views take a few dozen entries.
SHARED = cache.SharedCache(max_entries=2000, max_bytes=2**30)


def shared(fn: Callable[..., Any], *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)``, computed once per distinct input for every session of the server.

    Use it for every heavy, deterministic engine call a lesson shows (traces, predictions, attributions) and for
    the figures built from them. Models are keyed by identity (they come from the loaders' own caches), arrays,
    images and bytes by content. The value is shared: never change it (copy first).
    """
    key, pins = cache.call_key(fn, args, kwargs)
    return SHARED.get(key, lambda: fn(*args, **kwargs), pins)


def _in_language(lang: str, fn: Callable[..., Any], *args, **kwargs) -> Any:
    with i18n.using(lang):
        return fn(*args, **kwargs)


def shared_figure(builder: Callable[..., Any], *args, **kwargs) -> Any:
    """:func:`shared` for a figure builder (or anything holding translated text): keyed by the interface
    language too, and built in it, so a Greek session never gets an English figure from the cache."""
    return shared(_in_language, i18n.language(), builder, *args, **kwargs)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "figure"


def figure(fig, key: str, explanation: str | None = None, filename: str | None = None, table=None,
           side: bool = False, height: int | None = None) -> None:
    """Show a plotly figure with its explanation, a PNG export (camera button) and a CSV of its numbers.

    ``table`` (a DataFrame) overrides the numbers exported; by default they are read off the figure. The CSV
    is made when the student presses its button, not on every run (a class's 60 runs each made every
    figure's CSV before). ``side=True`` puts the explanation in a narrow column beside the figure instead of
    under it. The figure is never changed here (it may be shared by every session through :func:`shared`).
    """
    from tlviz import ui_present, viz
    from tlviz.viz import wire

    fig = ui_present.style_figure(fig)  # presentation mode: an enlarged copy; else fig itself
    name = filename or _slug(key)
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {**PLOTLY_CONFIG["toImageButtonOptions"], "filename": name}}
    if side and explanation:
        left, right = st.columns([3, 1])
    else:
        left = right = st.container()
    with left:
        st.plotly_chart(wire.prepared(fig), key=f"fig_{key}", config=config, width="stretch",
                        height=height or "content")
    with right:
        if explanation:
            st.caption(explanation)
        if table is not None and not len(table):
            return
        if table is None and not viz.has_numbers(fig):
            return
        st.download_button(_("⬇ CSV of these numbers"), lambda: _csv(fig if table is None else table),
                           file_name=f"{name}.csv", mime="text/csv", key=f"csv_{key}", on_click="ignore")


def _csv(fig_or_table) -> bytes:
    """The CSV a figure's download button gives: its table (a DataFrame) or the numbers read off the figure."""
    from tlviz import viz

    data = fig_or_table if hasattr(fig_or_table, "to_csv") else viz.figure_table(fig_or_table)
    return data.to_csv().encode("utf-8")


def download_bytes(label: str, data: bytes, file_name: str, key: str, mime: str = "application/octet-stream"):
    st.download_button(label, data, file_name=file_name, mime=mime, key=key)


@contextlib.contextmanager
def heavy(label: str) -> Iterator[None]:
    """Run heavy model work under the shared lock, telling the student when they wait for someone else."""
    notice = st.empty()

    def on_wait(holder: str) -> None:
        notice.info(_("⏳ Waiting for another student's job to finish ({job})…").format(job=holder))

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
        raise InputError(_("No loader for models of the family '{family}'.").format(family=family))
    with st.spinner(_("Loading {name} (first time only; it is then shared by everyone)…").format(name=name)), \
            heavy(f"loading {name}"):
        return loader(name)


OTHER = N_("Other: a Hugging Face id, timm name or local folder…")  # the option's value; shown as _(OTHER)


def model_picker(family: str, key: str, label: str = "Model", help_text: str | None = None,
                 default: str | None = None, url: str | None = None) -> str:
    """Pick a model of ``family`` from the catalogue (offline ones first) or type any hub id / local folder.

    ``default``: the catalogue name to start from (else the first offline default); ``url="name"`` keeps the
    choice in the URL (and a typed id or folder as ``name_id``)."""
    cards = models.catalog(family)
    cards.sort(key=lambda c: (not c.default, not c.offline))
    names = [c.name for c in cards] + [OTHER]
    marks = {c.name: ("" if c.offline else "  " + _("(needs internet or prefetch)")) for c in cards}
    choice = kept(st.selectbox, label, key=key, default=default if default in names else names[0], options=names,
                  url=url, format_func=lambda n: _(OTHER) if n == OTHER else n + marks.get(n, ""), help=help_text)
    if choice == OTHER:
        typed = kept(st.text_input, _("Model id or folder"), key=f"{key}_other", default="",
                     url=f"{url}_id" if url else None,
                     placeholder=_("e.g. bert-base-uncased, resnet18, /path/to/folder"))
        return typed.strip()
    card = next((c for c in cards if c.name == choice), None)
    if card is not None:
        st.caption(f"{card.source} · {card.size} · {_(card.note) if card.note else ''}")
    return choice


def progress(total: int, text: str | None = None):
    """A progress bar with an ``update(done, message)`` callback, for engine callbacks."""
    text = text or _("Working…")
    bar = st.progress(0.0, text=text)

    def update(done: int, message: str | None = None) -> None:
        bar.progress(min(1.0, done / max(1, total)), text=message or text)

    return bar, update


def training_feedback(chart: Callable[[training.History], Any] | None = None, title: str | None = None,
                      every_s: float = 0.25) -> tuple[training.Callback, training.History]:
    """The one way a page follows a trainer: a progress bar, a line of numbers and (optionally) a live chart.

    Returns ``(callback, history)``: pass ``callback`` to any tlviz trainer; ``history`` mirrors the events seen
    so far (``chart(history)`` draws the live figure after every evaluation). Drawing is throttled to one update
    every ``every_s`` seconds, plus every evaluation and the last step, so the page never slows the training.
    """
    import time

    bar = st.progress(0.0, text=title or _("Starting…"))
    line, live = st.empty(), st.empty()
    seen = training.History()
    last = [0.0]

    def callback(event: training.StepEvent) -> None:
        seen.record(event)
        now = time.monotonic()
        if not (event.evaluated or event.step >= event.total or now - last[0] >= every_s):
            return
        last[0] = now
        if event.phase != "train":
            bar.progress(0.0, text=event.message or _("Preparing…"))
            return
        bar.progress(event.fraction, text=event.message or _("Step {step} of {total}").format(
            step=event.step, total=event.total))
        shown = {k: v for k, v in event.metrics.items() if isinstance(v, float)}
        numbers = " · ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in shown.items())
        line.caption(_("{seconds:.1f} s · loss {loss:.3f}").format(seconds=event.seconds, loss=event.loss)
                     + (f" · {numbers}" if numbers else ""))
        if chart is not None and (event.evaluated or event.step >= event.total):
            live.plotly_chart(chart(seen), width="stretch", key=None)

    return callback, seen
