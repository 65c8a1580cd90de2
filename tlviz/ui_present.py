"""Presentation mode: a lesson on the projector, one section at a time, in type the back row can read.

A switch in the sidebar (and ``?present=1`` in a link, kept like every lesson input) turns it on. Then, on every
page:
- each figure drawn through ``ui.figure`` is replaced by an enlarged copy (:func:`style_figure`: every text at
  least :data:`~tlviz.viz.present.MIN_FONT` px, and every figure but a strip at least :data:`KEY_HEIGHT` px high,
  70% of a 720-px projector); captions are dark and 18 px; the sidebar is collapsed, the header toolbar hidden;
- the page shows one slide at a time: a slide is what a page draws in :func:`section` (or calls through
  :func:`slide`; :func:`tabs` makes each tab a slide). What a page draws outside its sections (title,
  introduction, its first inputs) is the lead-in of slide 1; later slides keep only its title, errors and warnings;
- Previous / Next buttons (bottom right), the keyboard's Left / Right arrows and a clicker's Page Up / Page Down
  move between slides; the slide is in the URL too (``?slide=3``), per page.

The mode costs nothing when it is off: no copy of any figure, no element but the switch (sections and tabs are
then exactly what they were: no container, ``st.tabs``, lazy or not). It only hides with CSS what the page still
draws, so a page's control flow and results are the same in both modes (but every tab is open: each is a slide).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from tlviz.i18n import _

KEY = "present"  # the switch's kept key, also its URL name
TAB_URL = "tab"  # a page's open tab in its URL: ?tab=2
KEY_HEIGHT = 500  # px: 70% of a 1280x720 projector's height, for a slide's figures
STRIP, STRIP_GROWTH = 260, 1.25  # a figure lower than this is a strip: it grows with its text only
PLOTLY_DEFAULT_HEIGHT = 450
CAPTION_PX = 18
PREFIX = "tlviz-section-"  # section containers' keys: st-key-tlviz-section-3 (and -3-2 for a slide's second part)
_RUN, _SLIDES, _COUNTS = "_present_run", "_present_slides", "_present_counts"
#: Slides each page had in any session of this server: a link to slide 9 of a 4-slide page opens slide 4 even
#: in a session that never drew the page (a page's sections are the same for everyone, or nearly).
_SEEN: dict[str, int] = {}


def _count(page: str) -> int | None:
    """How many slides ``page`` has, as far as anyone has seen (None: not drawn yet)."""
    return st.session_state.get(_COUNTS, {}).get(page) or _SEEN.get(page)


def on() -> bool:
    """Whether this session presents (the switch, or ``?present=1``)."""
    return bool(st.session_state.get(KEY))


def _run() -> dict:
    """This script run's bookkeeping: the page, its slide, the parts of each slide drawn so far, the label."""
    return st.session_state.setdefault(_RUN, {"page": "", "slide": 1, "parts": {}})


def setup() -> None:
    """The switch (sidebar), and in presentation mode the slide's CSS, the buttons and the keys (``ui.setup``)."""
    from tlviz import ui
    from tlviz.class_session import calling_page

    was = on()
    ui.kept(st.sidebar.toggle, _("Presentation mode"), key=KEY, default=False, url=KEY,
            help=_("For the projector: big text, one section at a time (arrow keys or the buttons at the bottom "
                   "right), no sidebar. Turn it off here, or with ✕."))
    if not on():
        if was:  # just left (the switch or ✕): the sidebar and the URL as they were
            st.query_params.pop("slide", None)
            st.set_page_config(initial_sidebar_state="expanded")
        st.session_state.pop(_RUN, None)
        return
    page = calling_page() or "home"
    slides = st.session_state.setdefault(_SLIDES, {})
    slide = _slide_from_url(slides.get(page, 1), _count(page))
    slides[page] = slide
    st.session_state[_RUN] = {"page": page, "slide": slide, "parts": {}}
    if st.query_params.get("slide") != str(slide):
        st.query_params["slide"] = str(slide)
    st.session_state["_present_url_slide"] = str(slide)
    st.set_page_config(initial_sidebar_state="collapsed")
    st.html(f"<style>{css(slide)}</style>")  # a style-only block takes no room in the page
    _nav(page, slide, _count(page))


def _slide_from_url(current: int, count: int | None) -> int:
    """The slide a link asks for (``?slide=``) when it says something this session did not write, else
    ``current``; clamped to the slides the page had last time (in this session, else in any)."""
    text = st.query_params.get("slide")
    if text is not None and text != st.session_state.get("_present_url_slide"):
        try:
            current = int(text)
        except ValueError:
            st.warning(_("The link's value for '{name}' ({value}) is not one this page can show; the current value "
                         "is used instead.").format(name="slide", value=text[:80]), icon="🔗")
    return max(1, min(current, count or current))


def _step(page: str, by: int) -> None:
    """A button's callback (runs before the next run): move ``by`` slides, within the sections seen so far."""
    slides = st.session_state.setdefault(_SLIDES, {})
    count = _count(page) or slides.get(page, 1) + max(by, 0)
    slides[page] = max(1, min(count, slides.get(page, 1) + by))


def _leave() -> None:
    from tlviz import ui

    ui.set_kept(KEY, False)


def _nav(page: str, slide: int, count: int | None) -> None:
    """Previous / slide number / Next / ✕, pinned to the bottom right by :func:`css`, and the arrow keys."""
    box = st.container(key="tlviz-present-nav", horizontal=True, vertical_alignment="center", gap="small")
    box.button(_("Previous"), key="tlviz-present-prev", icon=":material/arrow_back:", on_click=_step,
               args=(page, -1), disabled=slide <= 1, help=_("Previous section (← or Page Up)"))
    _run()["label"] = box.empty()
    _label()
    box.button(_("Next"), key="tlviz-present-next", icon=":material/arrow_forward:", on_click=_step,
               args=(page, 1), disabled=count is not None and slide >= count, help=_("Next section (→ or Page Down)"))
    box.button("✕", key="tlviz-present-exit", on_click=_leave, help=_("Leave presentation mode"))
    with box:
        st.html(KEYS_SCRIPT.replace("__SLIDE__", str(slide)), unsafe_allow_javascript=True)


def _label() -> None:
    run = _run()
    count = max(st.session_state.get(_COUNTS, {}).get(run["page"], 0), max(run["parts"], default=0))
    if run.get("label") is not None:
        run["label"].markdown(f"**{run['slide']}** / {count or '…'}")


@contextlib.contextmanager
def section(n: int):
    """Slide ``n`` of the page (1, 2...): what is drawn inside belongs to it. A slide may have several parts
    (``section(3)`` twice). Off presentation mode this is nothing at all: no container, no cost."""
    if not on():
        yield
        return
    run = _run()
    part = run["parts"].get(n, 0) + 1
    run["parts"][n] = part
    counts = st.session_state.setdefault(_COUNTS, {})
    counts[run["page"]] = max(counts.get(run["page"], 0), n)
    _SEEN[run["page"]] = max(_SEEN.get(run["page"], 0), n)
    _label()
    with st.container(key=f"{PREFIX}{n}" + (f"-{part}" if part > 1 else "")):
        yield


def slide(n: int, fn: Callable[..., Any], *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)`` drawn as slide ``n`` (see :func:`section`), its result returned: a page's
    ``main()`` writes ``batch = ui_present.slide(1, section_batch, text)`` and stays an outline of the lesson."""
    with section(n):
        return fn(*args, **kwargs)


class _Tab:
    """A tab drawn as a slide: its label as a heading, then what the page puts in the tab."""

    open = True  # every slide is drawn; the CSS shows one

    def __init__(self, n: int, label: str):
        self.n, self.label, self._cm = n, label, None

    def __enter__(self):
        self._cm = section(self.n)
        self._cm.__enter__()
        st.subheader(self.label)
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def tabs(labels: Sequence[str], first: int = 1, key: str | None = None) -> Sequence[Any]:
    """``st.tabs(labels)``, or in presentation mode one slide per tab (slides ``first``, ``first + 1``...).

    With a ``key`` the tabs are lazy: only the open tab's code runs (a page draws a tab ``if tab.open``; a slide
    is always open), so a class opening the page computes and receives one tab, not all of them. Which tab is
    open is kept by its number, in the session and in the URL (``?tab=2``, the same link in every language)."""
    if on():
        return [_Tab(first + i, label) for i, label in enumerate(labels)]
    if key is None:
        return st.tabs(list(labels))
    labels = list(labels)
    i = _open_tab(labels, key)
    st.session_state[key] = labels[i]
    bar = st.tabs(labels, key=key, on_change="rerun")
    st.session_state[f"_kept_{key}"] = i
    if st.query_params.get(TAB_URL) != str(i + 1):
        st.query_params[TAB_URL] = str(i + 1)
    st.session_state[f"_url_{key}"] = str(i + 1)
    return bar


def _open_tab(labels: list[str], key: str) -> int:
    """The tab to open (0-based): a link's ``?tab=N`` the session has not seen yet, else the tab last clicked,
    else the one kept (a language switch renames the tabs; a page switch forgets their state), else the first."""
    text, seen = st.query_params.get(TAB_URL), f"_url_{key}"
    if text is not None and text != st.session_state.get(seen):
        st.session_state[seen] = text
        if text.isdigit() and 1 <= int(text) <= len(labels):
            return int(text) - 1
        from tlviz import ui

        ui.link_warning(TAB_URL, text)
    clicked = st.session_state.get(key)
    if clicked in labels:
        return labels.index(clicked)
    return min(st.session_state.get(f"_kept_{key}", 0), len(labels) - 1)


def slide_height(height: int | None) -> int:
    """A figure's height on a slide: a strip (under :data:`STRIP` px: a row of tokens, one bar) grows with its
    text; every other figure fills :data:`KEY_HEIGHT` px (about 70% of a 720-px projector), or keeps its own
    height when that is taller still (a grid of heads is meant to be scrolled)."""
    height = height or PLOTLY_DEFAULT_HEIGHT
    if height < STRIP:
        return round(height * STRIP_GROWTH)
    return max(height, KEY_HEIGHT)


def style_figure(fig):
    """``fig`` itself, or in presentation mode an enlarged copy sized for the slide (``ui.figure`` calls this
    first): every text at least 18 px, the height from :func:`slide_height`. ``fig`` is never changed."""
    if not on():
        return fig
    from tlviz.viz.present import enlarge

    return enlarge(fig, height=slide_height(fig.layout.height))


def css(slide: int) -> str:
    """The presentation stylesheet for slide ``slide``: sections, lead-in, captions, toolbar, buttons."""
    here = f".st-key-{PREFIX}{slide}"
    block = '[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] > *'
    alarm = "[data-testid='stAlertContentError'], [data-testid='stAlertContentWarning']"  # not the info notes
    parts = [here, f"[class*='st-key-{PREFIX}{slide}-']", alarm, "h1", ".st-key-tlviz-present-nav"]
    keep = "".join(f":not({p}):not(:has({p}))" for p in parts)  # the slide, errors, the title, the buttons
    # Later slides: of the lead-in (what the page drew outside sections) only the title, errors and warnings remain,
    # also when the title shares a container with the introduction.
    titled = (f"{block}:has(h1):not(:has({here})) [data-testid='stElementContainer']"
              f":not(:has(h1, {alarm}))")
    return "\n".join([
        f"[class*='st-key-{PREFIX}']:not({here}):not([class*='st-key-{PREFIX}{slide}-']) {{display: none !important}}",
        f"{block}{keep}, {titled} {{display: none !important}}" if slide > 1 else "",
        # The toolbar's menu and actions go; its "Running..." sign stays (the teacher sees the page working).
        '[data-testid="stToolbarActions"], [data-testid="stMainMenu"], [data-testid="stAppDeployButton"], '
        '[data-testid="stDecoration"] {display: none !important}',
        'header[data-testid="stHeader"] {background: transparent !important; height: 2.5rem !important}',
        '[data-testid="stMainBlockContainer"] {padding-top: 1.5rem !important; padding-bottom: 5rem !important}',
        f'[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * '
        f'{{color: #111 !important; opacity: 1 !important; font-size: {CAPTION_PX}px !important}}',
        '[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] :is(p, li) {font-size: 1.2rem}',
        # the title is a reminder on a slide, not its subject; what is typed or chosen is read from the back row
        '[data-testid="stMainBlockContainer"] h1 {font-size: 2rem !important; padding: 0 0 0.25rem 0 !important}',
        '[data-testid="stMain"] :is(input, textarea, [data-baseweb="select"] div) {font-size: 18px !important}',
        ".st-key-tlviz-present-nav {position: fixed; right: 1rem; bottom: 0.6rem; z-index: 999990; width: auto "
        "!important; background: rgba(255, 255, 255, 0.94); border-radius: 0.5rem; padding: 0.2rem 0.5rem; "
        "box-shadow: 0 1px 6px rgba(0, 0, 0, 0.3)}",
        ".st-key-tlviz-present-nav [data-testid='stHtml'] {display: none}",
    ])


# Offline, ours: the arrow keys (and a clicker's Page Up / Down) press the slide buttons; keys typed into a field,
# a slider, tabs or radio buttons stay theirs. Registered once per page (a rerun replaces the listener), and the
# page scrolls back to the top when the slide changes.
KEYS_SCRIPT = """<script>
(() => {
  const w = window.frameElement ? window.parent : window, doc = w.document, slide = __SLIDE__;
  const press = (name) => {
    const b = doc.querySelector(`.st-key-tlviz-present-${name} button`);
    if (b && !b.disabled) { b.click(); return true; }
    return false;
  };
  const onKey = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) ||
              (t.closest && t.closest('[role=slider],[role=tab],[role=radiogroup],[role=listbox],[role=combobox]'))))
      return;
    const name = {ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev"}[e.key];
    if (name && press(name)) e.preventDefault();
  };
  if (w.__tlvizPresentKeys) doc.removeEventListener("keydown", w.__tlvizPresentKeys);
  w.__tlvizPresentKeys = onKey;
  doc.addEventListener("keydown", onKey);
  if (w.__tlvizPresentSlide !== slide) {
    w.__tlvizPresentSlide = slide;
    const main = doc.querySelector('[data-testid="stMain"]');
    if (main) main.scrollTo(0, 0);
  }
})();
</script>"""
