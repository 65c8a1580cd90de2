"""The real app in headless Chromium, offline: every page opens, finishes its run and shows no error box.

A screenshot of each page is saved under artifacts/screenshots/ (look at them)."""

from pathlib import Path

import pytest

from tests.browser.harness import ROOT, browser, errors_on, open_page, screenshot, streamlit_server
from tlviz.lessons import available_lessons

pytestmark = pytest.mark.browser
SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def app():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, browser() as b:
        yield url, b


PAGES = [("", "home")] + [(Path(lesson.page).stem, Path(lesson.page).stem) for lesson in available_lessons()]


@pytest.mark.parametrize("path, name", PAGES, ids=[name for _, name in PAGES])
def test_page_renders_without_errors(app, path, name):
    url, b = app
    page = open_page(b, f"{url}/{path}")
    try:
        screenshot(page, SHOTS / f"{name}.png")
        assert errors_on(page) == []
        assert page.locator('[data-testid="stMain"]').inner_text().strip()
        if name == "home":
            nav = page.locator('[data-testid="stSidebarNav"]')
            for lesson in available_lessons():
                assert lesson.title in nav.inner_text()
    finally:
        page.close()


def test_lesson_opened_by_its_own_url_gets_the_app_navigation(app):
    """A fresh server asked directly for a lesson (a student following a link) must still show app.py's grouped
    navigation and wide layout, not Streamlit's automatic list of a pages/ folder."""
    lessons = available_lessons()
    lesson = next((lesson for lesson in lessons if lesson.page.endswith("masks.py")), lessons[-1])
    _, b = app  # one Playwright per process: reuse the module's browser, with a fresh server
    with streamlit_server() as url:
        page = open_page(b, f"{url}/{Path(lesson.page).stem}")
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Home" in nav and lesson.group in nav and lesson.title in nav
        assert "app" not in nav.split()  # the automatic list names the entry point "app"
        assert errors_on(page) == []


def test_a_figures_csv_is_made_when_its_button_is_pressed(app):
    """The CSV of a figure is deferred (made on click, not on every run): pressing the button still downloads the
    figure's numbers."""
    url, b = app
    page = open_page(b, f"{url}/masks")
    try:
        button = page.get_by_role("button", name="⬇ CSV of these numbers").first
        with page.expect_download(timeout=30_000) as got:
            button.click()
        text = Path(got.value.path()).read_text(encoding="utf-8")
        rows = [line.split(",") for line in text.strip().splitlines()]
        assert len(rows) >= 3 and all(len(r) == len(rows[0]) for r in rows)
        numbers = [float(v) for r in rows[1:] for v in r[1:] if v not in ("", "-inf", "inf")]
        assert numbers  # a matrix of scores: every cell a number
        assert got.value.suggested_filename.endswith(".csv")
    finally:
        page.close()
