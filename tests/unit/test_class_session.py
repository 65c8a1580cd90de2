"""Class mode per session: the link's seat, pushes without class keys, following, asking, revealing, posting."""

import pytest

from tlviz import class_runs
from tlviz import class_session as cs
from tlviz.errors import InputError


@pytest.fixture(autouse=True)
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("TLVIZ_DATA", str(tmp_path))


def test_push_is_followed_without_anyone_elses_token():
    teacher = cs.start()
    ada, bob = cs.join(teacher.code, "Ada"), cs.join(teacher.code, "Bob")
    assert cs.poll(ada, 0.0).switch is None  # nothing pushed yet
    cs.push(teacher, "bert", {"class": teacher.code, "teacher": teacher.token, "seat": bob.token, "layer": "4"})
    live = cs.poll(ada, 0.0)
    assert live.switch == {"page": "lessons/bert.py",
                           "query_params": {"layer": "4", "class": teacher.code, "seat": ada.token}}
    assert teacher.token not in str(live) and bob.token not in str(live)
    assert cs.poll(ada, live.pushed).switch is None  # seen: no second switch
    assert live.students == 2
    with pytest.raises(InputError):
        cs.push(teacher, "../../etc/passwd", {})
    with pytest.raises(PermissionError):
        cs.push(ada, "bert", {})


def test_seat_from_the_link_and_sync():
    teacher = cs.start()
    ada = cs.join(teacher.code, "Ada")
    seat, message = cs.seat_from(None, {"class": teacher.code, "seat": ada.token})
    assert seat == ada and message is None
    seat, message = cs.seat_from(None, {"class": teacher.code, "teacher": ada.token})  # a seat is no teacher
    assert not seat.teacher
    seat, message = cs.seat_from(ada, {"class": teacher.code, "seat": "forged"})
    assert seat is None and "join it again" in message
    seat, message, url = cs.sync(ada, {"lang": "en"})  # a page switch dropped the class keys: put them back
    assert seat == ada and url == ada.url()
    seat, message, url = cs.sync(ada, {"class": teacher.code, "seat": ada.token, "teacher": "x"}, leave=True)
    assert seat is None and url == {"class": None, "seat": None, "teacher": None}
    assert cs.sync(None, {"class": teacher.code}) == (None, None, {})  # a join link keeps its code


def test_ask_answer_reveal_and_verdicts():
    teacher = cs.start()
    ada = cs.join(teacher.code, "Ada")
    live = cs.ask(teacher, "s2s-most")
    assert live.question.qid == "s2s-most" and live.tally == dict.fromkeys(live.question.choices, 0)
    assert cs.poll(ada, 0).tally == {}  # students see no histogram before the reveal
    assert cs.answer(ada, "s2s-most", "h1 = [0, 1, 1]") and not cs.answer(ada, "s2s-most", None)
    with pytest.raises(PermissionError):
        cs.reveal(ada, "s2s-most")
    result = cs.reveal(teacher, "s2s-most")
    live = cs.poll(ada, 0)
    assert live.question.revealed and live.tally["h1 = [0, 1, 1]"] == 1 and result.answer.startswith("h2")
    assert "Your guess: **h1 = [0, 1, 1]**" in cs.verdict(live)
    assert cs.verdict(cs.poll(teacher, 0)).startswith("The model's answer")


def test_runs_post_only_from_students():
    teacher = cs.start()
    ada = cs.join(teacher.code, "Ada")
    run = class_runs.run_summary("full", [1, 2, 3], [0.3, 0.6, 0.7], plan=[True, True])
    assert cs.post_run(ada, run) and not cs.post_run(teacher, run) and not cs.post_run(None, run)
    (posted,) = cs.runs(teacher)
    assert posted["strategy"] == "full" and posted["nickname"] == "Ada" and posted["asymptote"] > 0.6


def test_join_link_and_calling_page(monkeypatch):
    assert cs.join_link("http://10.0.0.5:8501/classroom?class=X&teacher=y", "K7WP3Q") == \
        "http://10.0.0.5:8501/classroom?class=K7WP3Q"
    assert cs.join_link("http://h/app/classroom", "K7WP3Q") == "http://h/app/classroom?class=K7WP3Q"
    monkeypatch.setenv("TLVIZ_PUBLIC_URL", "https://class.example.org/")
    assert cs.join_link(None, "K7WP3Q") == "https://class.example.org/classroom?class=K7WP3Q"
    page = {"__file__": "/srv/tlviz/lessons/masks.py", "cs": cs}
    exec("found = cs.calling_page()", page)  # noqa: S102 - a stand-in for Streamlit running a page script
    assert page["found"] == "masks" and cs.calling_page() == ""


def test_nicknames_reach_markdown_as_plain_text():
    teacher = cs.start()
    nick = "**B** [x](h:e) <b>:r[y]"
    ada = cs.join(teacher.code, nick)
    line = cs.status(ada, cs.poll(ada, 0))
    assert "\\*\\*B\\*\\* \\[x\\]\\(h\\:e\\) \\<b\\>\\:r\\[y\\]" in line
    assert cs.plain("Ελένη 2") == "Ελένη 2"
