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
