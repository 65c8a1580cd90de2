"""The class store (API.md "Class mode"): many threads, two stores on one file, permissions, bad input, expiry."""

import threading

import pytest

from tlviz import classroom
from tlviz.classroom import ALPHABET, open_store
from tlviz.errors import InputError

CHOICES = ["the", "animal", "street", "tired"]


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture()
def path(tmp_path):
    return tmp_path / "classes.sqlite3"


@pytest.fixture()
def store(path):
    s = open_store(path)
    yield s
    s.close()


def test_create_class_gives_a_typable_code_and_a_secret(store):
    code, token = store.create_class()
    assert 4 <= len(code) <= 12 and set(code) <= set(ALPHABET) and not set(code) & set("0O1I")
    assert len(token) >= 16
    assert store.create_class()[0] != code
    assert store.member(code, token).teacher
    assert store.now_showing(code) is None and store.question(code) is None
    # typed in lower case, with a space or dash: the same class
    student = store.join(f"{code[:3].lower()}-{code[3:]} ", "Ada")
    assert store.member(code, student).nickname == "Ada"


def test_sixty_students_from_sixty_threads_counted_exactly_once(path, store):
    code, teacher = store.create_class()
    store.open_question(code, teacher, "bert-it", CHOICES)
    second = open_store(path)  # half the class goes through another connection (a second process)
    tokens = [store.join(code, f"student {i}") for i in range(60)]
    barrier = threading.Barrier(60)
    errors = []

    def student(i):
        try:
            s = store if i % 2 else second
            barrier.wait()
            s.answer(code, tokens[i], "bert-it", CHOICES[i % 3])  # first guess...
            s.answer(code, tokens[i], "bert-it", CHOICES[i % 4])  # ...replaced by the second
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.tally(code, "bert-it") == dict.fromkeys(CHOICES, 15)
    assert sum(second.tally(code, "bert-it").values()) == 60
    second.close()


def test_a_second_store_on_the_same_file_finds_everything(path, store):
    code, teacher = store.create_class()
    ada = store.join(code, "Ada <b>")
    store.push(code, teacher, "bert", {"layer": 3, "text": "the animal didn't cross"})
    store.open_question(code, teacher, "q1", CHOICES)
    store.answer(code, ada, "q1", "animal")
    store.post_run(code, ada, {"strategy": "fine-tune", "curve": [0.1, 0.5], "start": 0.1})
    store.reveal(code, teacher, "q1", "animal", "head 3 resolves the pronoun")
    store.close()

    again = open_store(path)  # a restarted server
    assert again.now_showing(code) == ("bert", {"layer": "3", "text": "the animal didn't cross"})
    q = again.question(code)
    assert q.qid == "q1" and q.choices == tuple(CHOICES) and q.revealed and q.answer == "animal"
    assert q.explanation == "head 3 resolves the pronoun"
    assert again.tally(code, "q1") == {"the": 0, "animal": 1, "street": 0, "tired": 0}
    assert again.my_answer(code, ada, "q1") == "animal"
    (run,) = again.runs(code)
    assert run["strategy"] == "fine-tune" and run["curve"] == [0.1, 0.5] and run["nickname"] == "Ada <b>"
    assert again.member(code, teacher).teacher and again.students(code) == [(1, "Ada <b>")]
    again.close()


def test_later_answer_replaces_earlier_until_the_reveal(store):
    code, teacher = store.create_class()
    ada, bob = store.join(code, "Ada"), store.join(code, "Bob")
    store.open_question(code, teacher, "q", CHOICES)
    store.answer(code, ada, "q", "the")
    store.answer(code, bob, "q", "the")
    store.answer(code, ada, "q", "tired")
    assert store.tally(code, "q") == {"the": 1, "animal": 0, "street": 0, "tired": 1}
    assert store.my_answer(code, ada, "q") == "tired"
    store.reveal(code, teacher, "q", "animal")
    with pytest.raises(InputError, match="closed"):
        store.answer(code, ada, "q", "animal")
    assert store.my_answer(code, ada, "q") == "tired"
    store.open_question(code, teacher, "q2", ["yes", "no"])  # a new question: the old one takes no answers
    with pytest.raises(InputError, match="not open"):
        store.answer(code, bob, "q", "animal")
    store.answer(code, bob, "q2", "no")
    assert store.tally(code, "q2") == {"yes": 0, "no": 1} and store.question(code).qid == "q2"


def test_teacher_actions_need_the_teacher_token(store):
    code, teacher = store.create_class()
    other_code, other_teacher = store.create_class()
    ada = store.join(code, "Ada")
    store.open_question(code, teacher, "q", CHOICES)
    for token in (ada, "", "not-a-token", other_teacher, code):
        with pytest.raises(PermissionError):
            store.push(code, token, "bert", {})
        with pytest.raises(PermissionError):
            store.open_question(code, token, "q3", CHOICES)
        with pytest.raises(PermissionError):
            store.reveal(code, token, "q", "the")
        with pytest.raises(PermissionError):
            store.end_class(code, token)
        with pytest.raises(PermissionError):
            store.answers(code, token)
    assert store.now_showing(code) is None and not store.question(code).revealed
    with pytest.raises(PermissionError):  # a teacher token is no student seat, nor another class's seat
        store.answer(code, "forged", "q", "the")
    bob_elsewhere = store.join(other_code, "Bob")
    with pytest.raises(PermissionError):
        store.answer(code, bob_elsewhere, "q", "the")
    with pytest.raises(PermissionError):
        store.post_run(code, "forged", {"strategy": "x"})


@pytest.mark.parametrize("code", ["", "ABC", "ABCDEFGH", "ABC0EF", "OOOOOO", "11IIII", "ABC DE!", None])
def test_bad_codes(store, code):
    with pytest.raises(InputError, match="class code"):
        store.join(code, "Ada")


def test_unknown_code_and_bad_nicknames(store):
    code, teacher = store.create_class()
    unknown = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
    with pytest.raises(InputError, match="no class"):
        store.join(unknown, "Ada")
    for nickname in ("", "   ", "x" * 25, "tab\there", "line\nbreak", None):
        with pytest.raises(InputError, match="nickname"):
            store.join(code, nickname)
    assert store.join(code, "x" * 24) and store.join(code, "Ελένη 🙂")


def test_bad_choices_questions_and_runs(store):
    code, teacher = store.create_class()
    ada = store.join(code, "Ada")
    with pytest.raises(InputError):
        store.answer(code, ada, "q", "the")  # nothing open
    for choices in ([], ["only"], ["a", "a"], ["a", ""], ["x" * 81, "b"], [str(i) for i in range(13)]):
        with pytest.raises(InputError):
            store.open_question(code, teacher, "q", choices)
    store.open_question(code, teacher, "q", CHOICES)
    for choice in ("dog", "", None, "THE"):
        with pytest.raises(InputError, match="not one of"):
            store.answer(code, ada, "q", choice)
    with pytest.raises(InputError, match="one of the question's choices"):
        store.reveal(code, teacher, "q", "dog")
    with pytest.raises(InputError):
        store.reveal(code, teacher, "never-opened", "the")
    with pytest.raises(InputError):
        store.post_run(code, ada, {"curve": [float("nan")]})
    with pytest.raises(InputError):
        store.post_run(code, ada, {"curve": list(range(20_000))})
    with pytest.raises(InputError):
        store.push(code, teacher, "bert", {"text": "x" * 5000})
    assert store.runs(code) == [] and store.tally(code, "q") == dict.fromkeys(CHOICES, 0)


def test_joins_are_rate_limited(path):
    clock = Clock()
    store = classroom.ClassStore(path, clock=clock)
    code, _ = store.create_class()
    for i in range(classroom.JOINS_PER_CLIENT):
        store.join(code, f"s{i}", client="session-1")
    with pytest.raises(InputError, match="Too many"):
        store.join(code, "one more", client="session-1")
    assert store.join(code, "someone else", client="session-2")
    clock.t += classroom.JOIN_WINDOW_S + 1
    assert store.join(code, "later", client="session-1")
    # guessing codes from many clients is stopped for the whole server
    for i in range(classroom.UNKNOWN_CODES_PER_WINDOW):
        with pytest.raises(InputError):
            store.join("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY", "x", client=f"bot{i}")
    with pytest.raises(InputError, match="Too many"):
        store.join(code, "real student", client="fresh")
    store.close()


def test_classes_expire(path):
    clock = Clock()
    store = classroom.ClassStore(path, ttl_s=3600, clock=clock)
    code, teacher = store.create_class()
    ada = store.join(code, "Ada")
    store.post_run(code, ada, {"strategy": "scratch"})
    assert store.expires(code) == clock.t + 3600
    clock.t += 3599
    assert len(store.runs(code)) == 1
    clock.t += 2
    for call in (lambda: store.join(code, "Bob"), lambda: store.runs(code), lambda: store.now_showing(code),
                 lambda: store.push(code, teacher, "bert", {})):
        with pytest.raises(InputError, match="ended"):
            call()
    store.create_class()  # purges on the way
    assert store._read("SELECT COUNT(*) FROM runs")[0][0] == 0
    assert store._read("SELECT COUNT(*) FROM students")[0][0] == 0
    store.close()


def test_teacher_can_end_the_class(store):
    code, teacher = store.create_class()
    store.join(code, "Ada")
    store.end_class(code, teacher)
    with pytest.raises(InputError):
        store.join(code, "Bob")


def test_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("TLVIZ_DATA", str(tmp_path / "d"))
    assert classroom.default_path() == tmp_path / "d" / "classes.sqlite3"
    monkeypatch.delenv("TLVIZ_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert classroom.data_dir() == tmp_path / "x" / "tlviz"
