"""AppTest: class mode's page and the class strip: start, join (bad inputs too), answer, reveal, the gallery, and
no teacher token or teacher control on a student's page."""

import json

import pytest

from tests.pages.pagetools import errors, open_page
from tlviz import class_runs, class_session, classroom


@pytest.fixture(autouse=True)
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("TLVIZ_DATA", str(tmp_path))
    return tmp_path


def _page(**params):
    return open_page("classroom", **params)


def _everything(at) -> str:
    """Every text and widget on the page (values, labels, options), as one string."""
    texts = [str(e.value) for kind in ("markdown", "caption", "text", "code", "success", "info", "warning", "error",
                                       "title", "header", "subheader", "metric") for e in getattr(at, kind)]
    widgets = [f"{w.label} {getattr(w, 'options', '')} {getattr(w, 'value', '')}"
               for kind in ("button", "radio", "selectbox", "text_input", "toggle") for w in getattr(at, kind)]
    return "\n".join(texts + widgets + [str(c.proto) for c in at.get("plotly_chart")])


def _student(code, nickname="Ada"):
    at = _page()
    at.text_input(key="cls_code").input(code)
    at.text_input(key="cls_nick").input(nickname)
    return at.button(key="cls_join").click().run()


def test_start_a_class_shows_code_link_and_qr():
    at = _page()
    assert not at.exception and not errors(at)
    at.button(key="cls_start").click().run()
    assert not at.exception and not errors(at)
    code, token = at.query_params["class"], at.query_params["teacher"]
    assert classroom.shared_store().member(code, token).teacher
    assert any(code in m.value for m in at.markdown)
    link = next(c.value for c in at.code if f"/classroom?class={code}" in c.value)
    assert at.image and link in at.image[0].captions[0]  # the QR code of the join link
    assert any("teacher" in c.value for c in at.caption)


@pytest.mark.parametrize("code, nickname, message", [
    ("", "Ada", "class code"), ("ABC", "Ada", "class code"), ("OOOO00", "Ada", "class code"),
    ("ZZZZZZ", "Ada", "no class"), (None, "", "nickname"), (None, "x" * 30, "at most")])
def test_bad_joins_give_a_message(code, nickname, message):
    real, _ = classroom.shared_store().create_class()
    at = _student(real if code is None else code, nickname)
    assert not at.exception
    assert any(message in e for e in errors(at)), errors(at)
    assert "seat" not in at.query_params


def test_student_joins_answers_and_sees_the_reveal_without_teacher_powers():
    store = classroom.shared_store()
    code, teacher = store.create_class()
    nick = "<b>Bo</b><script>x()"
    at = _student(code.lower(), nick)
    assert not at.exception and not errors(at)
    seat = at.query_params["seat"]
    assert store.member(code, seat).nickname == nick and "teacher" not in at.query_params
    assert any(nick in t.value for t in at.text)  # shown as plain text
    assert not any("<script>" in m.value for m in at.markdown)
    labels = [b.label for b in at.button]
    assert not any("Show this view" in b or "Reveal" in b or "End the class" in b for b in labels)

    store.open_question(code, teacher, "s2s-most", list(class_session.questions.get("s2s-most").choices))
    at.run()
    radio = at.radio(key="_cq_s2s-most")
    radio.set_value("h4 = [0, 5, 1]").run()
    radio = at.radio(key="_cq_s2s-most")
    radio.set_value("h2 = [5, 0, 1]").run()  # a later answer replaces the earlier one
    assert store.tally(code, "s2s-most")["h2 = [5, 0, 1]"] == 1 and sum(store.tally(code, "s2s-most").values()) == 1
    assert code in _everything(at) and teacher not in _everything(at)

    seat_obj = class_session.seat_from(None, {"class": code, "teacher": teacher})[0]
    class_session.reveal(seat_obj, "s2s-most")
    at.run()
    assert not at.exception
    shown = " ".join(s.value for s in at.success)
    assert "Your guess, **h2 = [5, 0, 1]**, is what the model does." in shown and "15, 60, 15, 35" in shown
    assert teacher not in _everything(at)


def test_teacher_strip_asks_and_reveals_with_a_live_histogram():
    store = classroom.shared_store()
    code, teacher = store.create_class()
    ada = store.join(code, "Ada")
    at = _page(**{"class": code, "teacher": teacher})
    assert not at.exception and not errors(at)
    store.open_question(code, teacher, "pe-ratio", ["2", "2π", "100", "10,000"])
    store.answer(code, ada, "pe-ratio", "10,000")
    at.run()
    hist = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert list(hist["data"][0]["x"]) in ([0, 0, 0, 1],) or "bdata" in hist["data"][0]["x"]
    at.button(key="_class_reveal").click().run()
    assert not at.exception and not errors(at)
    q = store.question(code)
    assert q.revealed and q.answer == "100" and "10000^(2/4)" in q.explanation


def test_gallery_shows_the_class_runs_and_exports():
    store = classroom.shared_store()
    code, teacher = store.create_class()
    for i, (strategy, values) in enumerate([("scratch", [0.1, 0.2, 0.3]), ("full", [0.5, 0.7, 0.8]),
                                            ("full", [0.4, 0.6, 0.75])]):
        token = store.join(code, f"s{i}")
        store.post_run(code, token, class_runs.run_summary(strategy, [1, 2, 3], values))
    at = _page(**{"class": code, "teacher": teacher})
    assert not at.exception and not errors(at)
    gallery = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any("The class's runs (3)" in g["layout"]["title"]["text"] for g in gallery)
    assert len(at.get("download_button")) >= 2


def test_a_stale_seat_in_the_link_is_refused_with_a_message():
    code, _ = classroom.shared_store().create_class()
    at = _page(**{"class": code, "seat": "forged-token-123456"})
    assert not at.exception
    assert any("join it again" in w.value for w in at.warning)
    assert "seat" not in at.query_params and at.button(key="cls_join")
