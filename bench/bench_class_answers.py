"""Class mode's store under a class: 60 students answer one question at the same moment (60 threads, as 60
browser sessions are threads of one server), and the teacher's histogram query must count all 60.

Measured: from the barrier releasing the 60 answers to the teacher's ``tally`` seeing 60 (the histogram's data;
the page shows it at its next 2 s poll), and one round of the 60 students' polls (``class_session.poll``, what
each student's class strip does every 2 s). Baseline: the same answers through a store that opens a fresh SQLite
connection for each call (the naive way), to show what one long-lived, locked connection buys.

    .venv/bin/python -m bench.bench_class_answers
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from bench import row


def _answer_all(store, code: str, tokens: list[str]) -> float:
    """Seconds from releasing the students to the teacher's tally counting every answer."""
    barrier = threading.Barrier(len(tokens) + 1)
    errors: list[Exception] = []

    def student(i: int) -> None:
        barrier.wait()
        try:
            store.answer(code, tokens[i], "s2s-most", ("h1 = [0, 1, 1]", "h2 = [5, 0, 1]")[i % 2])
        except Exception as exc:  # pragma: no cover - reported in the row
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    while sum(store.tally(code, "s2s-most").values()) < len(tokens) and not errors:
        time.sleep(0.001)
    elapsed = time.perf_counter() - t0
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return elapsed


class _StorePerCall:
    """The baseline: every call opens its own store (a fresh SQLite connection) and closes it, the naive way."""

    def __init__(self, path: Path):
        from tlviz.classroom import ClassStore

        self.path, self.cls = path, ClassStore

    def answer(self, *args):
        store = self.cls(self.path)
        try:
            store.answer(*args)
        finally:
            store.close()

    def tally(self, *args):
        store = self.cls(self.path)
        try:
            return store.tally(*args)
        finally:
            store.close()


def measure(students: int = 60) -> dict[str, float]:
    from tlviz import class_session, classroom, questions

    choices = list(questions.get("s2s-most").choices)
    with tempfile.TemporaryDirectory() as d:
        os.environ["TLVIZ_DATA"] = d
        store = classroom.shared_store()
        code, teacher = store.create_class()
        tokens = [store.join(code, f"student {i}") for i in range(students)]
        store.open_question(code, teacher, "s2s-most", choices)
        ours = _answer_all(store, code, tokens)
        seats = [class_session.Seat(code, t, False) for t in tokens]
        t0 = time.perf_counter()
        for seat in seats:
            class_session.poll(seat, 0.0)
        polls = time.perf_counter() - t0
        other = classroom.open_store(Path(d) / "per-call.sqlite3")
        code2, teacher2 = other.create_class()
        tokens2 = [other.join(code2, f"student {i}") for i in range(students)]
        other.open_question(code2, teacher2, "s2s-most", choices)
        base = _answer_all(_StorePerCall(Path(d) / "per-call.sqlite3"), code2, tokens2)
        other.close()
        os.environ.pop("TLVIZ_DATA", None)
    return {"ours": ours, "baseline": base, "polls": polls}


def run(quick: bool = False) -> list[dict]:
    students = 8 if quick else 60
    m = measure(students)
    notes = (f"{students} students answer at once; all counted in the teacher's tally after {m['ours'] * 1000:.0f} ms "
             f"(+ at most one 2 s poll to draw); one round of {students} student polls {m['polls'] * 1000:.0f} ms")
    return [row(f"class answers x{students} until tallied", m["ours"], "a new connection per call",
                m["baseline"], notes)]


if __name__ == "__main__":
    from bench import format_table

    print(format_table(run()))
