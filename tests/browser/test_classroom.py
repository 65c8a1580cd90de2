"""Class mode in a real browser: a teacher and three students in separate contexts. They join by code, follow a
push, answer; the teacher's histogram counts them and the teacher reveals; the gallery shows the students' runs;
the server restarts mid-class and everything is still there; a student's session has no teacher control.
Screenshots of the teacher's projected view and a 390-px phone land in artifacts/ (or /tmp).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.harness import ROOT, browser, errors_on, screenshot, streamlit_server, wait_idle
from tlviz import class_runs, classroom

pytestmark = pytest.mark.browser

SHOTS = ROOT / "artifacts" if (ROOT / "artifacts").is_dir() else Path("/tmp")
RUNS = [("scratch", [0.12, 0.2, 0.28, 0.33]), ("full", [0.4, 0.62, 0.71, 0.74]), ("full", [0.35, 0.58, 0.7, 0.72])]


def _params(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _until(page, check, timeout: float = 20.0, step_ms: int = 200) -> float:
    """Seconds until ``check()`` is true (fails after ``timeout``); waits through ``page`` so that Playwright
    keeps handling the browser's events (a plain sleep would freeze ``page.url``)."""
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < timeout, "timed out"
        page.wait_for_timeout(step_ms)
    return time.monotonic() - t0


def _goto(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def test_teacher_and_three_students(tmp_path):
    env = {"TLVIZ_DATA": str(tmp_path)}
    with browser() as b:
        teacher_ctx = b.new_context(viewport={"width": 1400, "height": 1000})
        contexts = [b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)] + \
            [b.new_context(viewport={"width": 1000, "height": 900}) for _i in range(2)]
        teacher, students = teacher_ctx.new_page(), [c.new_page() for c in contexts]
        with streamlit_server(env=env) as url:
            _goto(teacher, f"{url}/classroom")
            teacher.get_by_role("button", name="Start a class").click()
            _until(teacher, lambda: "teacher" in _params(teacher))
            wait_idle(teacher)
            code, token = _params(teacher)["class"], _params(teacher)["teacher"]
            assert code in teacher.inner_text("body") and not errors_on(teacher)
            for i, page in enumerate(students):
                _goto(page, f"{url}/classroom?class={code}")
                page.get_by_label("Nickname", exact=False).fill(f"student <b>{i}</b>")
                page.get_by_role("button", name="Join").click()
                _until(page, lambda page=page: "seat" in _params(page))
                wait_idle(page)
                assert f"as student <b>{i}</b>" in page.inner_text("body")  # the nickname as text, never HTML
                assert token not in page.url and token not in page.content()
            # the teacher pushes a lesson view; every student follows within a few seconds
            _goto(teacher, f"{url}/masks?class={code}&teacher={token}&forget=1")
            t0 = time.monotonic()
            teacher.get_by_role("button", name="Show this view to the class").click()
            for page in students:
                _until(page, lambda page=page: "/masks" in page.url)
            follow = time.monotonic() - t0  # click to the last student's page switched
            for page in students:
                wait_idle(page)
                assert _params(page)["forget"] == "1" and "teacher" not in _params(page)
                assert token not in page.content()
                assert page.get_by_role("button", name="Show this view to the class").count() == 0
            # the teacher asks; students answer (a later answer replaces the earlier one)
            teacher.get_by_role("button", name="Ask", exact=True).click()
            picks = ["the future words the decoder must predict", "the padding", "the padding"]
            for page, pick in zip(students, picks, strict=True):
                page.get_by_text("nothing: the softmax hides it").click(timeout=15_000)  # first guess
                page.wait_for_timeout(700)
                page.get_by_text(pick).click()
            store = classroom.open_store(tmp_path / "classes.sqlite3")
            _until(teacher, lambda: sum(store.tally(code, "mask-leak").values()) == 3 and
                   store.tally(code, "mask-leak")["the padding"] == 2)
            _until(teacher, lambda: "3 answers" in teacher.inner_text("body"), timeout=10)
            screenshot(teacher, SHOTS / "class_teacher_question.png")
            teacher.get_by_role("button", name="Reveal the model's answer").click()
            for page in students:  # each sees the answer and their own guess beside it, at their next poll
                _until(page, lambda page=page: "real words give" in page.inner_text("body"), timeout=15)
            assert "is what the model does" in students[0].inner_text("body")
            assert "Your guess: the padding. The model's answer: the future words" in students[1].inner_text("body")
            screenshot(teacher, SHOTS / "class_teacher_reveal.png")
            screenshot(students[0], SHOTS / "class_phone_reveal.png")
            # the students' finished runs (the lab posts them through ui.post_class_run; the store directly here)
            seats = [_params(p)["seat"] for p in students]
            for seat, (strategy, values) in zip(seats, RUNS, strict=True):
                store.post_run(code, seat, class_runs.run_summary(strategy, range(1, 5), values))
            _goto(teacher, f"{url}/classroom?class={code}&teacher={token}")
            assert "The class's runs (3)" in teacher.inner_text("body") and not errors_on(teacher)
            screenshot(teacher, SHOTS / "class_teacher_gallery.png")
        # a server restart mid-class: a new server on the same data finds the class, answers and runs
        with streamlit_server(env=env) as url:
            _goto(teacher, f"{url}/classroom?class={code}&teacher={token}")
            body = teacher.inner_text("body")
            assert code in body and "The class's runs (3)" in body and not errors_on(teacher)
            assert store.tally(code, "mask-leak")["the padding"] == 2
            phone = students[0]
            _goto(phone, f"{url}/classroom?class={code}&seat={seats[0]}")
            _until(phone, lambda: "/masks" in phone.url or "as student" in phone.inner_text("body"), timeout=15)
            wait_idle(phone)
            screenshot(phone, SHOTS / "class_phone_after_restart.png")
            # a student's seat offered as the teacher's token gives no teacher control
            _goto(students[1], f"{url}/classroom?class={code}&teacher={seats[1]}")
            assert students[1].get_by_role("button", name="End the class now").count() == 0
            assert students[1].get_by_role("button", name="Show this view to the class").count() == 0
        print(f"students followed the push within {follow:.1f} s")
        assert follow < 8.0
