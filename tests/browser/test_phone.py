"""Every page on a 390x844 phone (issue 15, point 11), checked by the boxes the browser lays out.

A lecturer walking the lessons on a phone saw subplot titles printed over each other, a smear of BERT key labels,
formulas cut at the right edge, the worked example's 5x3 grid of inputs turned into 15 boxes in one column, the
home page's lesson links cut mid-sentence and the Transformer's tabs 4-6 hidden behind a scroll arrow. Here:
- nothing in the main block reaches past the right edge of the screen, unless it sits in a container that
  scrolls sideways (a table, a formula);
- no two texts of one figure overlap (titles, subplot titles, annotations, tick labels, cell values, legend),
  nor does plotly's toolbar cover any of them: compared as the rotated rectangles the texts really occupy; and
  none runs past the figure's left or right edge (the figure cuts it);
- the seq2seq worked example's inputs stay 3 side by side in each row; the Transformer's six tab labels are all
  on screen and each can be tapped; the home page's lesson links show their whole text; formulas either fit
  or scroll, and the two formula lines written to wrap (positional encoding, seq2seq) fit.

Screenshots: /tmp/shots/phone_<page>.png (look at them).
"""

from pathlib import Path

import pytest

from tests.browser.harness import browser, errors_on, screenshot, streamlit_server, wait_idle
from tlviz.lessons import available_lessons

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True)
PAGES = [("", "home")] + [(Path(lesson.page).stem, Path(lesson.page).stem) for lesson in available_lessons()]
#: Pages whose every figure is checked for overlapping and cut texts (a box overlapping by 4 px or less is a touch:
#: a text box holds its font's full line height): all of them.
FIGURE_PAGES = {name for _, name in PAGES}
#: The pages the lecturer saw overprinted, checked in Greek too (longer words, the class's language).
GREEK_PAGES = ["seq2seq_attention", "positional_encoding", "transformer", "bert"]

#: Layout checks run in the page. Returns lists of problems (empty = fine), each a readable sentence.
CHECKS = r"""
(figures) => {
  const vw = document.documentElement.clientWidth;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const inactive = el => !!el.closest('[data-testid="stTabPanel"][inert]');
  const shown = el => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && +cs.opacity !== 0;
  };
  const name = el => `<${el.tagName.toLowerCase()}${el.dataset && el.dataset.testid ? ' ' + el.dataset.testid : ''}> `
    + JSON.stringify((el.textContent || el.value || '').trim().slice(0, 50));
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  // what a reader sees: text, images, drawings, text fields (not a slider's invisible range input)
  const draws = el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
    || ['IMG', 'CANVAS', 'VIDEO', 'svg', 'TEXTAREA'].includes(el.tagName)
    || (el.tagName === 'INPUT' && !['range', 'hidden', 'checkbox', 'radio'].includes(el.type));
  const problems = {wide: [], overlaps: [], formulas: []};
  for (const el of main.querySelectorAll('*')) {
    if (inactive(el) || !draws(el) || el.closest('.katex-mathml') || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 1) continue;
    let a = el.parentElement, held = false;
    for (; a && a !== main; a = a.parentElement) {
      if (scrolls(a) && a.getBoundingClientRect().right <= vw + 1) { held = true; break; }
    }
    if (!held) problems.wide.push(`${name(el)} reaches x=${Math.round(r.right)} on a ${vw} px screen`);
  }
  for (const k of main.querySelectorAll('.katex-display')) {
    if (inactive(k) || !shown(k)) continue;
    if (k.scrollWidth > k.clientWidth + 1 && !scrolls(k))
      problems.formulas.push(`formula ${name(k)} is cut (${k.scrollWidth} > ${k.clientWidth}) and does not scroll`);
  }
  if (!figures) return problems;
  // a text's true outline: its box in its own coordinates, turned and moved as drawn (tick labels are rotated)
  const corners = t => {
    const b = t.getBBox(), m = t.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  const rect = r => [[r.left, r.top], [r.right, r.top], [r.right, r.bottom], [r.left, r.bottom]];
  const overlap = (p, q) => {  // separating axes of two convex quadrilaterals; overlap must exceed 4 px
    for (const poly of [p, q]) for (let i = 0; i < 4; i++) {
      const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % 4];
      const len = Math.hypot(x2 - x1, y2 - y1) || 1, ax = (y1 - y2) / len, ay = (x2 - x1) / len;
      const pp = p.map(([x, y]) => x * ax + y * ay), qq = q.map(([x, y]) => x * ax + y * ay);
      if (Math.min(Math.max(...pp), Math.max(...qq)) - Math.max(Math.min(...pp), Math.min(...qq)) <= 4) return false;
    }
    return true;
  };
  main.querySelectorAll('.js-plotly-plot').forEach((plot, i) => {
    if (inactive(plot) || !shown(plot)) return;
    const texts = [...plot.querySelectorAll('.main-svg text')].filter(t => t.textContent.trim() && shown(t));
    const items = texts.map(t => [t.textContent.trim(), corners(t)]);
    const bar = plot.querySelector('.modebar');
    if (bar && shown(bar)) items.push(['(plotly toolbar)', rect(bar.getBoundingClientRect())]);
    const title = (plot.querySelector('.gtitle') || plot.querySelector('.annotation-text') || {}).textContent
      || `figure ${i + 1}`;
    const edge = plot.querySelector('.main-svg').getBoundingClientRect();  // the figure clips what passes it
    for (const t of texts) {
      const r = t.getBoundingClientRect();
      if (r.left < edge.left - 2 || r.right > Math.min(edge.right, vw) + 2)
        problems.overlaps.push(`${title}: ${JSON.stringify(t.textContent.trim())} is cut at the figure's edge`);
    }
    for (let a = 0; a < items.length; a++) for (let b = a + 1; b < items.length; b++)
      if (overlap(items[a][1], items[b][1]))
        problems.overlaps.push(`${title}: ${JSON.stringify(items[a][0])} overlaps ${JSON.stringify(items[b][0])}`);
  });
  return problems;
}
"""


@pytest.fixture(scope="module")
def phone():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, browser() as b:
        context = b.new_context(**PHONE)
        try:
            yield url, context
        finally:
            context.close()


def open_phone(phone, path: str):
    url, context = phone
    page = context.new_page()
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    wait_idle(page)
    return page


def assert_laid_out(page, name: str, where: str = "") -> dict:
    found = page.evaluate(CHECKS, name in FIGURE_PAGES)
    at = f"{name}{where}"
    assert found["wide"] == [], f"{at}: wider than the phone: {found['wide'][:8]}"
    assert found["formulas"] == [], f"{at}: {found['formulas']}"
    assert found.get("overlaps", []) == [], f"{at}: {len(found['overlaps'])} overlapping texts: {found['overlaps'][:8]}"
    return found


@pytest.mark.parametrize("path, name", PAGES, ids=[name for _, name in PAGES])
def test_page_fits_a_phone(phone, path, name):
    page = open_phone(phone, path)
    try:
        assert errors_on(page) == []
        screenshot(page, SHOTS / f"phone_{name}.png")
        page.set_viewport_size(PHONE["viewport"])  # the screenshot grew the viewport to the page's height
        page.wait_for_timeout(1500)  # charts re-layout to the phone's size
        assert page.evaluate("document.documentElement.clientWidth") == 390
        assert_laid_out(page, name)
    finally:
        page.close()


@pytest.mark.parametrize("path", GREEK_PAGES)
def test_figure_pages_fit_a_phone_in_greek(phone, path):
    """The class is taught in Greek, whose words run longer: the same checks with ``?lang=el``."""
    page = open_phone(phone, f"{path}?lang=el")
    try:
        assert errors_on(page) == []
        assert_laid_out(page, path, " (el)")
    finally:
        page.close()


def test_home_page_lesson_links_are_whole(phone):
    page = open_phone(phone, "")
    try:
        links = page.evaluate("""() => [...document.querySelectorAll(
            '[data-testid="stMain"] [data-testid="stPageLink-NavLink"]')].map(a => {
            const r = a.getBoundingClientRect();
            const cut = [a, ...a.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 &&
                getComputedStyle(e).overflowX !== 'visible').map(e => e.tagName + ' ' + e.scrollWidth + '>' +
                e.clientWidth);
            return {text: a.innerText, right: r.right, cut};
        })""")
        assert len(links) == len(available_lessons())
        for link in links:
            assert link["right"] <= 391 and link["cut"] == [], link
    finally:
        page.close()


def test_worked_example_grid_stays_three_columns(phone):
    page = open_phone(phone, "seq2seq_attention")
    try:
        rows = page.evaluate("""() => {
            const grid = document.querySelector('[class*="st-key-tlgrid_"]');
            return [...grid.querySelectorAll('[data-testid="stHorizontalBlock"]')].map(row =>
                [...row.querySelectorAll('input')].map(i => { const r = i.getBoundingClientRect();
                    return [r.left, r.top, r.right, r.width]; }));
        }""")
        assert len(rows) == 5  # the decoder state s and the encoder states h1..h4
        for cells in rows:
            assert len(cells) == 3
            lefts, tops = [c[0] for c in cells], [c[1] for c in cells]
            assert max(tops) - min(tops) < 2, cells  # one row, side by side
            assert lefts == sorted(lefts) and all(c[2] <= 390 for c in cells), cells
            assert all(c[3] >= 40 for c in cells), cells  # wide enough to read "10"
    finally:
        page.close()


def test_transformer_tabs_all_visible_and_their_figures_fit(phone):
    page = open_phone(phone, "transformer")
    try:
        tabs = page.locator('[data-testid="stTabs"] [role="tab"]')
        assert tabs.count() == 6
        page.locator('[data-testid="stTabs"] [role="tablist"]').scroll_into_view_if_needed()
        boxes = [tabs.nth(i).bounding_box() for i in range(6)]
        for i, box in enumerate(boxes):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (i, box)
            centre = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('[role=tab]')?.innerText",
                                   [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
            assert centre == tabs.nth(i).inner_text(), (i, centre)  # nothing covers it: it can be tapped
        assert page.evaluate("""() => { const l = document.querySelector('[data-testid="stTabs"] [role=tablist]');
                                       return l.scrollWidth <= l.clientWidth + 1; }""")
        for i in range(1, 6):  # every tab's figures, as a student opens them
            tabs.nth(i).click()
            wait_idle(page)
            assert errors_on(page) == []
            assert_laid_out(page, "transformer", f" tab {i + 1}")
        screenshot(page, SHOTS / "phone_transformer_last_tab.png")
    finally:
        page.close()


@pytest.mark.parametrize("path", ["positional_encoding", "seq2seq_attention"])
def test_formula_lines_wrap_to_the_phone(phone, path):
    page = open_phone(phone, path)
    try:
        widths = page.evaluate("""() => [...document.querySelectorAll('.katex-display')]
            .map(k => [k.scrollWidth, k.clientWidth, k.getBoundingClientRect().height])""")
        assert widths
        for scroll, client, _height in widths:
            assert scroll <= client + 1, widths  # fits: wrapped, not hidden behind a scroll
        assert max(h for *_, h in widths) > 60  # the line did wrap (one line of these is about 45 px)
    finally:
        page.close()
