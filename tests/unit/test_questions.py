"""Lecture questions: every lesson has two or more, and each reveal is computed by the engine, not written in."""

import numpy as np
import pytest

from tlviz import class_runs, questions
from tlviz.errors import InputError
from tlviz.lessons import LESSONS

TAUGHT = ("seq2seq_attention", "positional_encoding", "masks", "transformer", "bert", "vit", "transfer_lab")
STATIC = [q.qid for q in questions.BY_ID.values() if not q.uses_runs]


def test_every_lesson_has_two_questions_with_distinct_choices():
    stems = {lesson.page.split("/")[-1].removesuffix(".py") for lesson in LESSONS}
    assert set(TAUGHT) <= stems
    for stem in TAUGHT:
        qs = questions.for_lesson(stem)
        assert len(qs) >= 2, stem
        for q in qs:
            assert 2 <= len(q.choices) <= 12 and len(set(q.choices)) == len(q.choices)
            assert all(len(c) <= 80 for c in q.choices) and len(q.qid) <= 80
    assert len(questions.BY_ID) == sum(len(qs) for qs in questions.QUESTIONS.values())


@pytest.mark.parametrize("qid", STATIC)
def test_each_reveal_picks_one_of_its_choices_with_numbers(qid):
    r = questions.reveal(qid)
    assert r.answer in questions.get(qid).choices and r.explanation and r.numbers
    assert all(np.isfinite(v) for v in r.numbers.values())


def test_reveals_follow_the_engine(monkeypatch):
    assert questions.reveal("s2s-most").answer.startswith("h2")  # scores 15, 60, 15, 35
    assert questions.reveal("pe-ratio").numbers["ratio"] == pytest.approx(100.0)
    assert questions.reveal("vit-tokens").answer == "50"
    assert questions.reveal("mask-pad").numbers["padding"] == 0.0
    assert questions.reveal("mask-leak").numbers["future"] > 0.05
    peak = questions.reveal("tf-peak").numbers
    assert peak["peak"] > 0.8 > 0.45 > peak["scaled"]
    # the reveal really runs the engine: change the lecture's decoder state and the answer moves
    from tlviz import attention

    original = attention.worked_example
    monkeypatch.setattr(attention, "worked_example",
                        lambda *a, **k: original((0.0, 10.0, 1.0), *a[1:], **k))  # h4 = [0, 5, 1] scores highest
    assert questions.reveal("s2s-most").answer.startswith("h4")


def test_bert_head_links_it_to_the_animal():
    tired = questions.reveal("bert-it")
    assert tired.answer == "animal" and tired.numbers["animal"] > 0.3
    wide = questions.reveal("bert-wide").numbers
    assert wide["wide"] < wide["tired"]


def _run(strategy, values, student=1):
    return {**class_runs.run_summary(strategy, range(1, len(values) + 1), values), "student": student}


def test_transfer_questions_come_from_the_class_runs():
    with pytest.raises(InputError, match="No runs"):
        questions.reveal("tl-start", [])
    runs = [_run("scratch", [0.1, 0.2, 0.3, 0.35]), _run("scratch", [0.12, 0.25, 0.4, 0.45]),
            _run("full", [0.5, 0.7, 0.8, 0.82]), _run("feature_extraction", [0.6, 0.65, 0.66, 0.66])]
    assert questions.reveal("tl-start", runs).answer == class_runs.STRATEGY_NAMES["feature_extraction"]
    assert questions.reveal("tl-end", runs).answer == class_runs.STRATEGY_NAMES["full"]
    assert questions.reveal("tl-end", runs).numbers["scratch"] == pytest.approx(np.median([0.35, 0.45]))


def test_unknown_question():
    with pytest.raises(InputError):
        questions.reveal("nope")


def test_bands_and_table():
    runs = [_run("full", [0.5, 0.7, 0.8]), _run("full", [0.3, 0.5, 0.6, 0.7, 0.72]), _run("odd", [0.1]),
            {"strategy": "full", "steps": [1, 2], "values": [0.1]}]  # unknown strategy and a broken curve: left out
    b = class_runs.bands(runs, points=5)
    assert list(b) == ["full"]
    full = b["full"]
    assert full["x"][0] == 1 and full["x"][-1] == 5 and list(full["n"]) == [2, 2, 2, 1, 1]
    assert full["median"][0] == pytest.approx(0.4) and full["low"][0] <= full["median"][0] <= full["high"][0]
    assert full["median"][-1] == pytest.approx(0.72)
    t = class_runs.table(runs)
    assert len(t) == 4 and "asymptote" in t.columns
    rows = class_runs.mine_vs_class(runs, student=1)
    assert len(rows) == 2
    with pytest.raises(InputError):
        class_runs.run_summary("full", [1, 2], [0.1, float("nan")])
