"""AppTest: the app's entry point and home page run, list the lessons that exist and the model catalogue."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tlviz import models
from tlviz.lessons import LESSONS, available_lessons

ROOT = Path(__file__).resolve().parents[2]


def test_app_runs_home_with_lessons_and_models():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value.startswith("tlviz")
    table = at.table[0].value
    assert "★ " + models.MINILM_NAME in table.index and "★ " + models.EFFNET_NAME in table.index
    assert table.loc["★ " + models.EFFNET_NAME, "offline now"] == "yes"
    assert table.loc["BERT base uncased", "offline now"] == "no: needs internet"
    headers = {h.value for h in at.subheader}
    for lesson in available_lessons():
        assert lesson.group in headers
    assert any("Compute:" in c.value for c in at.sidebar.caption)


def test_lessons_are_in_lecture_order_and_only_existing_pages_listed(tmp_path, monkeypatch):
    groups = [lesson.group for lesson in LESSONS]
    order = ["Attention", "Transformers", "Pretrained models", "Transfer learning", "Reference"]
    assert sorted(groups, key=order.index) == groups
    import tlviz.lessons as lessons

    monkeypatch.setattr(lessons, "ROOT", tmp_path)
    assert lessons.available_lessons() == []
    (tmp_path / "lessons").mkdir()
    (tmp_path / LESSONS[0].page).write_text("")
    lessons._available.cache_clear()  # checked once per process: the pages do not come and go while it serves
    assert lessons.available_lessons() == [LESSONS[0]]


def test_home_in_greek_lists_every_lesson_and_model():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "el"
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("page_link")) == len(available_lessons())
    assert len(at.table) == 1 and len(at.table[0].value) == len(models.catalog())
