"""Presentation mode in headless Chromium at a projector's 1280x720: every page opened with ``?present=1``.

Measured in the rendered page, not in the figures' JSON: the computed font size of every plotly text
(``.main-svg text``: ticks, axis titles, legends, cell numbers, subplot titles) and of every caption, the caption
colour, the sidebar collapsed, the toolbar hidden, one slide visible, and the right arrow moving to the next
slide, through all of them (the left one back). Screenshots of what the projector shows:
/tmp/shots/present_<page>_<slide>.png.
"""

import re
from pathlib import Path

import pytest

from tests.browser.harness import browser, errors_on, open_page, streamlit_server, wait_idle
from tlviz.lessons import available_lessons

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")
WIDTH, HEIGHT, MIN_PX = 1280, 720, 18
PAGES = [("", "home")] + [(Path(lesson.page).stem, Path(lesson.page).stem) for lesson in available_lessons()]

MEASURE = """() => {
  const shown = (el) => el.getClientRects().length > 0;
  const main = document.querySelector('[data-testid="stMain"]');
  const texts = [...main.querySelectorAll('.main-svg text')].filter(t => shown(t) && t.textContent.trim()
      && t.getBBox().width > 0).map(t => [t.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(t).fontSize)]);
  const opacity = (el) => {
      let o = 1;
      for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
      return o; };
  const captions = [...main.querySelectorAll('[data-testid="stCaptionContainer"]')].filter(shown).map(c => {
      const p = c.querySelector('p') || c, s = getComputedStyle(p);
      return [c.textContent.trim().slice(0, 40), parseFloat(s.fontSize), s.color, opacity(p)]; });
  const sections = [...main.querySelectorAll('[class*="st-key-tlviz-section-"]')].map(el =>
      [[...el.classList].find(c => c.startsWith('st-key-tlviz-section-')), shown(el)]);
  const alarm = '[data-testid="stAlertContentError"], [data-testid="stAlertContentWarning"]';
  const inside = (el) => el.closest('[class*="st-key-tlviz-section-"], .st-key-tlviz-present-nav');
  const leadIn = [...main.querySelectorAll('[data-testid="stElementContainer"]')].filter(el => shown(el)
      && !inside(el) && !el.querySelector('h1, ' + alarm) && el.getBoundingClientRect().height > 0)
      .map(el => el.textContent.trim().slice(0, 40));
  const bar = document.querySelector('[data-testid="stSidebar"]');
  const box = bar ? bar.getBoundingClientRect() : null;
  const toolbar = document.querySelector('[data-testid="stMainMenu"]');
  return {texts, captions, sections, leadIn, sidebar: box ? [box.left, box.right, box.width] : null,
          toolbar: toolbar ? shown(toolbar) : false};
}"""


def _slide(sections) -> set[int]:
    """The slide numbers whose containers are visible (``st-key-tlviz-section-3`` and ``...-3-2`` are slide 3)."""
    return {int(re.match(r"st-key-tlviz-section-(\d+)", key).group(1)) for key, shown in sections if shown}


def _check(m, name: str, slide: int) -> None:
    small = [t for t in m["texts"] if t[1] < MIN_PX]
    assert not small, f"{name} slide {slide}: plot text under {MIN_PX} px: {small[:10]}"
    for text, px, color, opacity in m["captions"]:
        assert px >= MIN_PX, (name, text, px)
        rgb = [int(v) for v in re.findall(r"\d+", color)[:3]]
        assert max(rgb) <= 40 and opacity >= 0.99, f"{name}: caption '{text}' is {color} at opacity {opacity}"
    assert m["sidebar"] is not None and (m["sidebar"][1] <= 0 or m["sidebar"][2] == 0), m["sidebar"]
    assert m["toolbar"] is False
    assert _slide(m["sections"]) == {slide}, (name, m["sections"])


@pytest.fixture(scope="module")
def app():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, browser() as b:
        yield url, b


def _press(page, key: str) -> None:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # the page has the keys
    page.keyboard.press(key)
    page.wait_for_timeout(500)
    wait_idle(page)


def _button(page, name: str):
    return page.locator(f".st-key-tlviz-present-{name} button >> visible=true")


@pytest.mark.parametrize("path, name", PAGES, ids=[name for _, name in PAGES])
def test_presentation_mode_on_a_projector(app, path, name):
    """Every slide of the page in turn (the right arrow), each measured and shot; then the left arrow goes back."""
    url, b = app
    page = open_page(b, f"{url}/{path}?present=1", width=WIDTH, height=HEIGHT)
    try:
        assert errors_on(page) == []
        m = page.evaluate(MEASURE)
        page.screenshot(path=str(SHOTS / f"present_{name}_1.png"))
        _check(m, name, 1)
        count = len(_slide([(key, True) for key, _shown in m["sections"]]))
        measured = len(m["texts"])
        if count == 1:  # e.g. class mode before joining: nothing to move to, the arrow changes nothing
            _press(page, "ArrowRight")
            assert _slide(page.evaluate(MEASURE)["sections"]) == {1} and _button(page, "next").is_disabled()
            return
        for slide in range(2, count + 1):
            _press(page, "ArrowRight")
            m = page.evaluate(MEASURE)
            page.screenshot(path=str(SHOTS / f"present_{name}_{slide}.png"))
            _check(m, name, slide)
            assert f"slide={slide}" in page.url
            assert m["leadIn"] == [], f"{name}: the lead-in still shows on slide {slide}: {m['leadIn']}"
            assert errors_on(page) == [], (name, slide)
            measured += len(m["texts"])
        assert _button(page, "next").is_disabled()  # the last slide
        assert measured or name in ("home", "glossary", "classroom"), "no plot text measured on any slide"
        _press(page, "ArrowLeft")
        assert _slide(page.evaluate(MEASURE)["sections"]) == {count - 1}
    finally:
        page.close()


def test_the_switch_turns_it_on_and_the_cross_turns_it_off(app):
    """Without the URL: the sidebar switch turns presentation mode on (the sidebar then collapses), and the ✕
    button turns it off (all sections visible again, the sidebar back)."""
    url, b = app
    page = open_page(b, f"{url}/masks", width=WIDTH, height=HEIGHT)
    try:
        assert page.locator(".st-key-tlviz-present-next").count() == 0  # off: no buttons at all
        page.locator('[data-testid="stSidebar"]').get_by_text("Presentation mode").click()
        page.wait_for_timeout(500)
        wait_idle(page)
        m = page.evaluate(MEASURE)
        assert _slide(m["sections"]) == {1} and "present=1" in page.url
        assert m["sidebar"][1] <= 0 or m["sidebar"][2] == 0, f"the sidebar stayed open: {m['sidebar']}"
        _button(page, "exit").click()
        page.wait_for_timeout(500)
        wait_idle(page)
        m = page.evaluate(MEASURE)
        assert m["sections"] == [] and "present=0" in page.url and "slide=" not in page.url
        assert m["sidebar"][2] > 100, f"the sidebar did not come back: {m['sidebar']}"
        page.screenshot(path=str(SHOTS / "present_off_masks.png"))
    finally:
        page.close()
