"""Two students train in the transfer-learning lab at the same time through the class's queue (one training slot
here, so the second is told its place and waits): both finish, and neither sees the other's data or results. A
stopped run keeps its curve: its row says "stopped" and the epochs it finished. Screenshots during and after
training land in artifacts/ (or /tmp).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser.harness import ROOT, browser, errors_on, streamlit_server, wait_idle

pytestmark = pytest.mark.browser

SHOTS = ROOT / "artifacts" if (ROOT / "artifacts").is_dir() else Path("/tmp")
ANIMALS = ("bear", "giraffe", "zebra")


def _train(page) -> None:
    page.get_by_role("button", name="▶ Train").click()


def _run_table(page) -> list[list[str]]:
    """The run table's rows (cells as text), read from the accessible table beside the data grid's canvas."""
    table = page.locator('[data-testid="stDataFrame"] table').nth(1)
    rows = table.evaluate("""t => [...t.querySelectorAll('tr')]
        .map(r => [...r.querySelectorAll('th, td')].map(c => c.textContent.trim()))""")
    header, *body = [r for r in rows if any(r)]
    return [dict(zip(header, r)) for r in body]


def _finished(page) -> bool:
    """Every run in the page's run table has ended."""
    if page.locator('[data-testid="stDataFrame"] table').count() < 2:
        return False
    rows = _run_table(page)
    return bool(rows) and all(r["status"] in ("finished", "early-stopped", "stopped") for r in rows)


def test_two_sessions_train_at_once_without_crossing():
    with streamlit_server(env={"TLVIZ_TRAIN_WORKERS": "1"}) as url, browser() as b:
        # A's window is tall so that the screenshot during training shows the live chart under the button.
        ctx_a, ctx_b = b.new_context(viewport={"width": 1400, "height": 2600}), \
            b.new_context(viewport={"width": 1400, "height": 900})
        a, bb = ctx_a.new_page(), ctx_b.new_page()
        # Both open a teacher's link (small runs: 20 images per class, 8 epochs, no early stopping); student B's
        # link picks the digits, student A learns the default animals.
        small = "per_class=20&epochs=8&patience=0"
        a.goto(f"{url}/transfer_lab?{small}", wait_until="domcontentloaded")
        bb.goto(f"{url}/transfer_lab?{small}&data={quote('Digits 0-9 (scikit-learn)')}", wait_until="domcontentloaded")
        for p in (a, bb):
            wait_idle(p)
        assert "giraffe" not in bb.inner_text("body")
        _train(a)
        time.sleep(0.5)
        _train(bb)
        waited, shot_live = False, False
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and not (_finished(a) and _finished(bb)):
            waited = waited or any(p.get_by_text("in the class's queue").count() > 0 for p in (a, bb))
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
        assert waited, "the second student was never told their place in the queue"
        # One run each, and each run's results speak of its own classes only.
        assert text_a.count("#1 feature extraction") >= 1 and "#2" not in text_a
        assert "#2" not in text_b
        assert any(animal in text_a for animal in ANIMALS)
        assert not any(animal in text_b for animal in ANIMALS)
        assert "Digits" not in text_a.split("Runs to compare")[-1]

        # Student A starts a slow run (from scratch), stops it after its first point: the curve so far is kept.
        a.get_by_text("From scratch", exact=True).click()
        wait_idle(a)
        a.locator('.st-key-tl_epochs [tabindex="0"]').first.press("End")  # 40 epochs: still training when stopped
        wait_idle(a)
        _train(a)
        a.get_by_text("#2 from scratch: live").wait_for(timeout=300_000)
        a.get_by_text(re.compile(r"Epoch 2/\d+, step")).wait_for(timeout=300_000)  # the first epoch is on the chart
        a.get_by_role("button", name="Stop training (keeps the curve so far)").click()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _finished(a):
            time.sleep(0.5)
        assert errors_on(a) == []
        rows = {r["run"]: r for r in _run_table(a)}
        stopped = rows["#2 from scratch"]
        assert stopped["status"] == "stopped" and 1 <= int(stopped["epochs"]) < 40, stopped
        assert rows["#1 feature extraction"]["status"] == "finished" and rows["#1 feature extraction"]["epochs"] == "8"
        a.set_viewport_size({"width": 1400, "height": 5200})
        a.wait_for_timeout(1500)
        a.screenshot(path=str(SHOTS / "transfer_lab_stopped.png"), full_page=True)
