"""Switching language mid-lesson keeps everything the student did: the typed sentence, the lab's finished runs;
and the language itself survives a page switch (the switch is a widget on every page)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.pages.test_transfer_page import _open, _train
from tlviz import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_the_language_survives_a_page_switch_and_the_menu_speaks_it(monkeypatch):
    monkeypatch.setenv("TLVIZ_LANG", "el")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception and at.selectbox(key="lang").value == "el"
    at.switch_page("lessons/masks.py").run()
    assert not at.exception
    assert at.selectbox(key="lang").value == "el" and at.query_params["lang"] == "el"
    assert at.title[0].value.startswith("Μάσκες")


def test_switching_language_keeps_the_typed_sentence():
    at = AppTest.from_file(str(ROOT / "lessons" / "masks.py"), default_timeout=60).run()
    at.text_area(key="mk_text").input("ένα δύο τρία\nfour five").run()
    english = at.title[0].value
    at.selectbox(key="lang").set_value("el").run()
    assert not at.exception
    assert at.title[0].value != english and at.text_area(key="mk_text").value == "ένα δύο τρία\nfour five"
    with i18n.using("el"):  # AppTest formats the radio's value in the test's thread, so in the page's language
        at.selectbox(key="lang").set_value("en").run()
    assert at.title[0].value == english and at.text_area(key="mk_text").value == "ένα δύο τρία\nfour five"


def test_switching_language_keeps_the_labs_finished_runs():
    at = _open()
    _train(at, 1)
    before = at.session_state["tl_runs"]
    assert len(before) == 1 and before[0].status == "finished"
    at.selectbox(key="lang").set_value("el").run()
    assert not at.exception and not at.error
    runs = at.session_state["tl_runs"]
    assert runs == before and runs[0].results is not None
    table = at.dataframe[1].value  # the same run, its table now in Greek
    assert list(table["εκτέλεση"]) == [runs[0].name] and list(table["κατάσταση"]) == ["ολοκληρώθηκε"]
