"""AppTest: the glossary page lists the lecture's terms, searches them (kept in the URL), links the lessons."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.pagetools import errors, open_page, run_page
from tlviz import glossary

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def at():
    return run_page("glossary")


def table(at) -> pd.DataFrame:
    return at.dataframe[0].value


def search(at, text):
    at.text_input(key="gl_q").input(text).run()
    assert not at.exception, at.exception
    return at


def test_lists_every_term_with_a_csv(at):
    assert not errors(at)
    df = table(at)
    assert len(df) == len(glossary.TERMS) >= 40
    assert list(df.columns) == ["Greek", "English", "Symbol", "Definition", "Lesson"]
    assert "κωδικοποιητής" in set(df["Greek"]) and "Seq2seq attention" in set(df["Lesson"])
    csv = at.get("download_button")[0].proto
    assert csv.label.startswith("⬇ CSV")


@pytest.mark.parametrize("query, english", [("κωδικοποιητης", "encoder"), ("ΜΕΤΑΦΟΡΑ ΜΑΘΗΣΗΣ", "transfer learning"),
                                            ("fine tuning", "fine tuning"), ("d_k", "query size (= key size)"),
                                            ("PE", "positional encoding")])
def test_search_by_greek_without_accents_english_or_symbol(at, query, english):
    df = table(search(at, query))
    assert df["English"].iloc[0] == english
    assert at.query_params["q"] == query


def test_a_link_opens_the_same_search():
    app = open_page("glossary", q="προσοχη")
    assert not app.exception
    assert table(app)["English"].iloc[0] == "attention" and app.text_input(key="gl_q").value == "προσοχη"


@pytest.mark.parametrize("query", ["προσοχή " * 40, "<script>alert(1)</script>", "\x00%%%🙂", "' OR 1=1 --"])
def test_bad_queries_give_a_message_not_a_traceback(at, query):
    search(at, query)
    shown = errors(at) + [i.value for i in at.info]
    assert shown and not at.dataframe
    assert "Traceback" not in " ".join(shown)
    assert "at most" in shown[0] if len(query) > glossary.MAX_QUERY else "No term matches" in shown[0]
    search(at, "encoder")  # the page recovers
    assert table(at)["English"].iloc[0] == "encoder"


def test_definitions_follow_the_interface_language():
    app = open_page("glossary", lang="el", q="query")
    assert not app.exception
    row = table(app).iloc[0]
    assert row.iloc[3] == glossary.BY_KEY["query"].definition_el


def test_each_lesson_of_the_results_is_linked_in_the_app():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.switch_page("lessons/glossary.py").run()
    assert not app.exception
    pages = [link.proto.page for link in app.get("page_link")]
    assert {Path(t.lesson).stem for t in glossary.TERMS} <= set(pages)
    app.text_input(key="gl_q").input("μάσκα").run()
    links = app.get("page_link")
    assert [link.proto.page for link in links][0] == "masks"
    assert any("[MASK] token" in link.proto.label for link in links)
