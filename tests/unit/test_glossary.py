"""The glossary: enough of the lecture's terms, each complete and tied to a lesson, found accent-blind."""

import re
from pathlib import Path

import pytest

from tlviz import glossary as g
from tlviz.errors import InputError
from tlviz.lessons import LESSONS, ROOT

SLIDES = ROOT.parent / "shared" / "LECTURE-SLIDES-EL.txt"
GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]{2,}")  # a Greek word (a lone π or λ is a symbol)


def keys(query):
    return [t.key for t in g.search(query)]


def test_at_least_45_complete_terms_with_unique_keys():
    assert len(g.TERMS) >= 45
    assert len(g.BY_KEY) == len(g.TERMS)
    for t in g.TERMS:
        assert t.el and t.en and t.definition_el and t.definition_en, t.key
        assert GREEK.search(t.definition_el), t.key  # the Greek definition is Greek
        assert not GREEK.search(t.definition_en), t.key
        assert "\n" not in t.definition_el + t.definition_en  # one line each


def test_every_lesson_exists():
    pages = {lesson.page for lesson in LESSONS if lesson.group != "Reference"}
    for t in g.TERMS:
        assert t.lesson in pages, (t.key, t.lesson)
        assert (ROOT / t.lesson).is_file(), t.lesson
    assert {t.lesson for t in g.TERMS} == pages  # every lesson has terms


EXCERPT = ROOT / "tests" / "data" / "slides_el_excerpt.txt"


def test_the_excerpt_is_the_slides_own_text():
    if not SLIDES.is_file():  # a clean checkout without the course folder: the excerpt stands in (next test)
        assert EXCERPT.is_file()
        return
    slides = set(SLIDES.read_text(encoding="utf-8").splitlines())
    lines = [ln for ln in EXCERPT.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert lines and all(ln in slides for ln in lines)


def test_terms_marked_from_the_slides_are_in_the_slides():
    source = SLIDES if SLIDES.is_file() else EXCERPT  # never skipped: the committed excerpt on a clean checkout
    slides = g.fold(source.read_text(encoding="utf-8"))
    for t in g.TERMS:
        if not t.in_slides:
            continue
        stems = [w[:-2] if len(w) > 4 else w for w in g.fold(t.el).split() if w != "-"]
        pattern = r"\W+(?:\w+\W+){0,2}?".join(re.escape(s) + r"\w*" for s in stems)
        assert re.search(pattern, slides), (t.key, t.el)


@pytest.mark.parametrize("query, key", [
    ("προσοχη", "attention"), ("ΠΡΟΣΟΧΉ", "attention"), ("κωδικοποιητης", "encoder"),
    ("κωδικοποίηση θέσης", "positional_encoding"), ("μεταφορα μαθησης", "transfer_learning"),
    ("αποκωδικοποιηση", "greedy"), ("encoder", "encoder"), ("Fine tuning", "fine_tuning"),
    ("SOFTMAX", "softmax"), ("d_k", "key_size"), ("dk", "key_size"), ("PE", "positional_encoding"),
    ("Q", "query"), ("K", "key"), ("V", "value"), ("D={X,P(X)}", "domain"), ("[MASK]", "mask_token"),
    ("−∞", "neg_inf"), ("λ", "wavelength"),
])
def test_search_finds_greek_without_accents_english_and_symbols(query, key):
    assert keys(query)[0] == key


def test_search_ranks_exact_terms_first_and_also_reads_definitions():
    assert keys("attention")[0] == "attention" and len(keys("attention")) > 5
    assert "higher_start" in keys("ImageNet") or "pretrained_model" in keys("ImageNet")
    assert keys("") == [t.key for t in g.TERMS]
    assert keys("zzzz-no-such-term") == []


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "\x00\x1f", "%%%", "🙂", "' OR 1=1 --", "  "])
def test_odd_characters_never_raise(query):
    assert isinstance(g.search(query), list)


def test_a_very_long_query_is_an_input_error():
    with pytest.raises(InputError, match="at most"):
        g.search("προσοχή " * 100)


def test_term_is_bilingual_in_greek_and_plain_in_english():
    assert g.term("encoder", "el") == "κωδικοποιητής (encoder)"
    assert g.term("encoder", "en") == "encoder"
    assert g.term("bert", "el") == "BERT"  # not "BERT (BERT)"
    assert g.term("teacher_forcing", "el") == "teacher forcing"
    assert g.term("fine_tuning", "el") == "ακριβής προσαρμογή (fine tuning)"
    with pytest.raises(KeyError):
        g.term("no-such-key", "el")


def test_rows_follow_the_language():
    t = [g.BY_KEY["query"]]
    en = g.rows(t, "en", {g.TF: "The Transformer"})[0]
    assert en["Definition"] == t[0].definition_en and en["Lesson"] == "The Transformer"
    assert g.rows(t, "el")[0]["Definition"] == t[0].definition_el
    assert Path(g.rows(t, "en")[0]["Lesson"]).name == "transformer.py"
