"""Run the real app (`streamlit run`) on a free local port and drive it with headless Debian Chromium.

Used by the browser tests and by hand to look at a page:

    .venv/bin/python -m tests.browser.harness transformer /tmp/transformer.png   # url path = page file's stem
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TLVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict | None = None, timeout: float = 90.0) -> Iterator[str]:
    """Start `streamlit run app.py` and yield its base URL; stop it afterwards."""
    port = free_port()
    run_env = {**os.environ, "TLVIZ_OFFLINE": "1", "HF_HUB_OFFLINE": "1", **(env or {})}
    log = open(ROOT / "artifacts" / f"streamlit-{port}.log", "w") if (ROOT / "artifacts").is_dir() else \
        subprocess.DEVNULL  # noqa: SIM115 (the server's log stays open while it runs; closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit code {proc.poll()})")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log is not subprocess.DEVNULL:
            log.close()


@contextlib.contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def wait_idle(page, timeout_ms: int = 120_000) -> None:
    """Wait until the script run has finished (Streamlit's status widget is hidden) and charts are drawn."""
    # First something of the page itself must be drawn (the websocket is up and the script started) ...
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                           timeout=timeout_ms)
    # ... then the run must be over (status widget hidden) and the content must stop growing: the status widget
    # can blink off between reruns, and lazily loaded widgets (data grids, charts) draw after the run.
    status = '[data-testid="stStatusWidget"]'
    last, stable = -1, 0
    deadline = time.monotonic() + timeout_ms / 1000
    while stable < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        page.wait_for_selector(status, state="hidden", timeout=timeout_ms)
        height = page.evaluate("() => (document.querySelector('[data-testid=\"stMain\"]') || document.body)"
                               ".scrollHeight")
        stable = stable + 1 if height == last else 0
        last = height


def open_page(b, url: str, width: int = 1400, height: int = 900):
    page = b.new_page(viewport={"width": width, "height": height})
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)
    return page


def screenshot(page, path: str | Path, max_height: int = 12000) -> None:
    """The whole page: Streamlit scrolls inside its own container, so grow the viewport to the content first."""
    height = page.evaluate("""() => {
        const ids = ["stMainBlockContainer", "stMain", "stAppViewContainer", "stSidebarContent"];
        const hs = ids.map(id => document.querySelector(`[data-testid="${id}"]`))
                      .filter(Boolean).map(el => el.scrollHeight + el.getBoundingClientRect().top);
        return Math.max(document.body.scrollHeight, ...hs);
    }""")
    width = page.viewport_size["width"] if page.viewport_size else 1400
    page.set_viewport_size({"width": width, "height": int(min(max_height, max(900, height + 40)))})
    page.wait_for_timeout(1200)  # charts re-layout to the new size
    page.screenshot(path=str(path), full_page=True)


def errors_on(page) -> list[str]:
    """Texts of error boxes and exceptions shown in the page."""
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return [boxes.nth(i).inner_text()[:500] for i in range(boxes.count())]


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else ""
    out = Path(sys.argv[2] if len(sys.argv) > 2 else f"/tmp/{path or 'home'}.png")
    with streamlit_server() as url, browser() as b:
        page = open_page(b, f"{url}/{path}")
        screenshot(page, out)
        print(f"saved {out}; errors: {errors_on(page)}")


if __name__ == "__main__":
    main()
