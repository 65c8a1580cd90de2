"""Two students train in the transfer-learning lab at the same time: both finish, the second is told it waits,
and neither sees the other's data or results. Screenshots during and after training land in artifacts/ (or /tmp).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.harness import ROOT, browser, errors_on, streamlit_server, wait_idle

pytestmark = pytest.mark.browser

SHOTS = ROOT / "artifacts" if (ROOT / "artifacts").is_dir() else Path("/tmp")
ANIMALS = ("bear", "giraffe", "zebra")


def _train(page) -> None:
    page.get_by_role("button", name="▶ Train").click()


def _finished(page) -> bool:
    return page.get_by_text("4 · Compare runs").count() > 0 and \
        page.locator('[data-testid="stStatusWidget"]').count() == 0


def test_two_sessions_train_at_once_without_crossing():
    with streamlit_server() as url, browser() as b:
        # A's window is tall so that the screenshot during training shows the live chart under the button.
        ctx_a, ctx_b = b.new_context(viewport={"width": 1400, "height": 2600}), \
            b.new_context(viewport={"width": 1400, "height": 900})
        a, bb = ctx_a.new_page(), ctx_b.new_page()
        for p in (a, bb):
            p.goto(f"{url}/transfer_lab", wait_until="domcontentloaded")
            wait_idle(p)
        # Student B learns digits, student A the default animals.
        bb.get_by_text("Digits 0-9 (scikit-learn)").click()
        wait_idle(bb)
        assert "giraffe" not in bb.inner_text("body")
        _train(a)
        time.sleep(0.5)
        _train(bb)
        waited, shot_live = False, False
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and not (_finished(a) and _finished(bb)):
            waited = waited or any(p.get_by_text("Waiting for another student").count() > 0 for p in (a, bb))
            if not shot_live and a.get_by_text(": live").count() > 0:
                a.wait_for_timeout(700)  # a few more epochs on the live chart
                a.screenshot(path=str(SHOTS / "transfer_lab_during.png"))
                shot_live = True
            time.sleep(0.3)
        wait_idle(a)
        wait_idle(bb)
        for p, tag in ((a, "a"), (bb, "b")):
            p.set_viewport_size({"width": 1400, "height": 5200})  # Streamlit scrolls inside; show it all
            p.wait_for_timeout(1500)
            p.screenshot(path=str(SHOTS / f"transfer_lab_after_{tag}.png"), full_page=True)
            p.set_viewport_size({"width": 1400, "height": 2600 if p is a else 900})
        assert errors_on(a) == [] and errors_on(bb) == []
        text_a, text_b = a.inner_text("body"), bb.inner_text("body")
        assert "Inside one run" in text_a and "Inside one run" in text_b  # both finished with results
        assert waited, "the second student was never told to wait"
        # One run each, and each run's results speak of its own classes only.
        assert text_a.count("#1 feature extraction") >= 1 and "#2" not in text_a
        assert "#2" not in text_b
        assert any(animal in text_a for animal in ANIMALS)
        assert not any(animal in text_b for animal in ANIMALS)
        assert "Digits" not in text_a.split("Runs to compare")[-1]

        # Student A starts a slow run (from scratch), stops it after its first point: the curve so far is kept.
        a.get_by_text("From scratch", exact=True).click()
        wait_idle(a)
        _train(a)
        a.get_by_text("#2 from scratch: live").wait_for(timeout=300_000)
        a.get_by_role("button", name="Stop training (keeps the curve so far)").click()
        wait_idle(a)
        a.get_by_text("4 · Compare runs").wait_for(timeout=60_000)
        table = a.locator('[data-testid="stDataFrame"]').nth(1)
        assert errors_on(a) == []
        runs = a.evaluate("() => document.body.innerText")
        assert "#2 from scratch" in runs and "#1 feature extraction" in runs
        a.set_viewport_size({"width": 1400, "height": 5200})
        a.wait_for_timeout(1500)
        a.screenshot(path=str(SHOTS / "transfer_lab_stopped.png"), full_page=True)
        assert table.count() == 1
