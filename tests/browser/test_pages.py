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
