"""A shipped checkpoint's note is written from the numbers its recipe measured, in the reader's language
(tlviz.card_notes); a checkpoint whose numbers it cannot read keeps its own words."""

import dataclasses
import re

import pytest

from tlviz import card_notes, checkpoints, models
from tlviz.checkpoints import CHECKPOINT_DIR
from tlviz.i18n import set_language


def shipped():
    return [meta for _path, meta in checkpoints.find()]


def in_language(lang, fn, *args):
    set_language(lang)
    try:
        return fn(*args)
    finally:
        set_language("en")


def numbers(text):
    return re.findall(r"\d+(?:\.\d+)?%", text)


@pytest.mark.parametrize("meta", shipped(), ids=lambda m: m.name)
def test_every_shipped_note_reads_in_greek_with_the_same_numbers(meta):
    english, greek = card_notes.note(meta), in_language("el", card_notes.note, meta)
    assert meta.recipe in card_notes._WRITERS and english and greek != english
    assert any("α" <= ch <= "ω" for ch in greek) and numbers(greek) == numbers(english) != []


def test_the_recipes_english_is_the_stored_note_of_the_checkpoints_written_since():
    for name in ("vit_animals.safetensors", "mlm_small"):
        path = CHECKPOINT_DIR / name
        meta = checkpoints.read_folder_meta(path) if path.is_dir() else checkpoints.read_meta(path)
        assert card_notes.note(meta) == meta.note


def test_unknown_recipes_and_other_layouts_keep_their_own_words():
    meta = shipped()[0]
    other = dataclasses.replace(meta, recipe="someone.elses.recipe", note="Their own words.")
    assert card_notes.note(other) == "Their own words."
    older = dataclasses.replace(meta, metrics={}, note="An older layout.")
    assert card_notes.note(older) == "An older layout."
    with pytest.raises(KeyError):
        card_notes.write("someone.elses.recipe", {})


def test_the_catalogue_shows_the_note_in_the_pages_language():
    english = {c.name: c.note for c in models.catalog() if c.source == "checkpoint"}
    greek = {c.name: c.note for c in in_language("el", models.catalog) if c.source == "checkpoint"}
    assert english.keys() == greek.keys() and all(greek[n] != english[n] for n in english)
