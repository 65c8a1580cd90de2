"""Nothing leaves the room: every page of the real app, in headless Chromium, asks no host but the app's own.

Every request (documents, scripts, fonts, images, the favicon, websockets) of every lesson page is recorded from a
fresh browser context, so nothing comes from a cache. A `:material/...:` or emoji page icon, for example, makes
Streamlit's frontend fetch the favicon from fonts.gstatic.com or a CDN; app.py uses a local SVG instead.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.harness import browser, streamlit_server, wait_idle
from tlviz.lessons import available_lessons

pytestmark = pytest.mark.browser

PAGES = [""] + [Path(lesson.page).stem for lesson in available_lessons()]
LOCAL_SCHEMES = {"data", "blob", "about"}  # never leave the browser


@pytest.fixture(scope="module")
def app():
    with streamlit_server() as url, browser() as b:
        yield url, b


def outside(urls: list[str], own: str) -> list[str]:
    """The URLs whose host is not ``own`` (``host:port``), ignoring schemes that never touch the network."""
    return [u for u in urls if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).netloc != own]


def test_outside_filter():
    own = "127.0.0.1:8501"
    assert outside(["http://127.0.0.1:8501/static/x.js", "ws://127.0.0.1:8501/_stcore/stream",
                    "data:image/svg+xml;base64,AAAA", "blob:http://127.0.0.1:8501/1"], own) == []
    assert outside(["https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/lightbulb/default/24px.svg",
                    "http://localhost:8501/"], own) == [
        "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/lightbulb/default/24px.svg",
        "http://localhost:8501/"]


@pytest.mark.parametrize("path", PAGES, ids=[p or "home" for p in PAGES])
def test_page_asks_only_the_app(app, path):
    url, b = app
    own = urlsplit(url).netloc
    context = b.new_context(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.goto(f"{url}/{path}", wait_until="domcontentloaded")
        wait_idle(page)  # the run is over and the page stopped growing for 2 s: late fonts and icons are in
        icon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    finally:
        context.close()
    assert any(u.startswith(url) for u in requests), "no request was recorded at all"
    assert any(urlsplit(u).path.endswith("/_stcore/stream") for u in requests), "the app's websocket was not seen"
    assert outside(requests, own) == []
    assert icon and all(h.startswith(("data:", url)) for h in icon), icon
