"""Class mode for one browser session, without streamlit: the seat a link holds, pushes, polls, asks and reveals.

:mod:`tlviz.ui` draws what these functions return; the rules live here so they are tested without a browser:

- a seat is ``?class=CODE&seat=TOKEN`` (a student) or ``?class=CODE&teacher=TOKEN`` (the teacher) in the page's
  link, and the same in the session; the link is what survives a server restart (the browser keeps its URL);
- a push sends the teacher's page and its URL state **without** the class keys: a student's page never holds the
  teacher's token (nor another student's seat);
- a student follows a push by switching to :func:`lesson_path` of the pushed page (only a known lesson, never an
  arbitrary path), with the pushed state plus their own seat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tlviz import classroom, lessons, questions
from tlviz.errors import InputError
from tlviz.i18n import _

URL_CLASS, URL_SEAT, URL_TEACHER = "class", "seat", "teacher"
PRIVATE = frozenset({URL_CLASS, URL_SEAT, URL_TEACHER})
POLL_S = 2.0  # a student's page follows a push within this (plus one script run): the issue asks for 3 s
PAGE = "classroom"  # the class page's URL path


@dataclass(frozen=True)
class Seat:
    code: str
    token: str  # secret: the teacher's token or the student's seat
    teacher: bool
    student_id: int | None = None
    nickname: str | None = None

    def url(self) -> dict[str, str]:
        return {URL_CLASS: self.code, URL_TEACHER if self.teacher else URL_SEAT: self.token}


def store() -> classroom.ClassStore:
    return classroom.shared_store()


def seat_from(kept: Seat | None, params: Mapping[str, str]) -> tuple[Seat | None, str | None]:
    """The session's seat: from the link when it names one, else the one the session kept. Returns ``(seat,
    message)``: a message when the link's seat is not (or no longer) valid."""
    code = params.get(URL_CLASS)
    token = params.get(URL_TEACHER) or params.get(URL_SEAT)
    if not code or not token:
        return kept, None
    if kept is not None and (kept.code, kept.token) == (code, token):
        return kept, None
    try:
        m = store().member(code, token)
    except (InputError, PermissionError) as exc:
        return None, str(exc)
    return Seat(m.code, token, m.teacher, m.student_id, m.nickname), None


def sync(kept: Seat | None, params: Mapping[str, str], leave: bool = False
         ) -> tuple[Seat | None, str | None, dict[str, str | None]]:
    """``(seat, message, url)``: the session's seat (:func:`seat_from`; None after ``leave``), a message for a bad
    link, and the query-parameter changes that make the link hold exactly this seat (None = remove the key)."""
    seat, message = (None, None) if leave else seat_from(kept, params)
    want = seat.url() if seat is not None else {}
    url: dict[str, str | None] = {k: v for k, v in want.items() if params.get(k) != v}
    if leave or message or seat is not None:  # a bare join link (?class=CODE) keeps its code for the join form
        url.update({k: None for k in PRIVATE if k in params and k not in want})
    return seat, message, url


def calling_page(max_depth: int = 12) -> str:
    """The URL path of the lesson page whose script is running (``lessons/bert.py`` -> ``"bert"``), read off
    the call stack (Streamlit runs each page with its own ``__file__``); ``""`` when there is none."""
    import sys

    frame = sys._getframe(1)
    for _depth in range(max_depth):
        if frame is None:
            break
        name = str(frame.f_globals.get("__file__", "")).replace("\\", "/")
        if "/lessons/" in name and name.endswith(".py"):
            return name.rsplit("/", 1)[-1][:-3]
        frame = frame.f_back
    return ""


def start() -> Seat:
    code, token = store().create_class()
    return Seat(code, token, True)


def join(code: str, nickname: str, client: str = "") -> Seat:
    token = store().join(code, nickname, client=client)
    m = store().member(code, token)
    return Seat(m.code, token, False, m.student_id, m.nickname)


def lesson_path(page: str) -> str | None:
    """The file of a lesson by its URL path (``"bert"`` -> ``"lessons/bert.py"``); None if there is no such page."""
    pages = [lesson.page for lesson in lessons.available_lessons()] + ["lessons/home.py"]
    return next((p for p in pages if p.rsplit("/", 1)[-1].removesuffix(".py") == page), None)


def push(seat: Seat, page: str, params: Mapping[str, str]) -> None:
    """Show ``page`` with the teacher's URL state ``params`` to every follower (class keys removed)."""
    if lesson_path(page) is None:
        raise InputError(_("Only a lesson page can be shown to the class."))
    store().push(seat.code, seat.token, page, {k: v for k, v in params.items() if k not in PRIVATE})


@dataclass(frozen=True)
class Live:
    """What one poll of the class shows this session."""

    students: int
    pushed: float  # when the teacher last pushed (0 before any push)
    showing: str | None  # the pushed page
    switch: dict | None  # st.switch_page's arguments (page file, query_params) to follow a push not yet seen
    question: classroom.Question | None
    lecture: questions.LectureQuestion | None
    tally: dict[str, int] = field(default_factory=dict)
    mine: str | None = None
    teacher: bool = False


def poll(seat: Seat, seen: float) -> Live:
    """The class now: students, the current push (``switch`` set when newer than ``seen``), question, answers."""
    s = store()
    s.member(seat.code, seat.token)  # an ended class (InputError) or a lost seat (PermissionError) stops here
    showing, pushed = s.now_showing(seat.code), s.pushed_at(seat.code)
    switch = None
    if showing and pushed > seen and lesson_path(showing[0]):
        switch = {"page": lesson_path(showing[0]), "query_params": {**showing[1], **seat.url()}}
    q = s.question(seat.code)
    lecture = questions.BY_ID.get(q.qid) if q else None
    tally = s.tally(seat.code, q.qid) if q and (seat.teacher or q.revealed) else {}
    mine = s.my_answer(seat.code, seat.token, q.qid) if q and not seat.teacher else None
    return Live(len(s.students(seat.code)), pushed, showing[0] if showing else None, switch, q, lecture, tally, mine,
                seat.teacher)


def ask(seat: Seat, qid: str) -> Live:
    """Open lecture question ``qid`` for the class; the class as it is now."""
    q = questions.get(qid)
    store().open_question(seat.code, seat.token, q.qid, list(q.choices))
    return poll(seat, float("inf"))


def reveal(seat: Seat, qid: str) -> questions.Reveal:
    """Compute the model's answer now (transfer questions from the class's runs) and reveal it to the class."""
    q = questions.get(qid)
    store().member(seat.code, seat.token)
    if not seat.teacher:
        raise PermissionError(_("Only the class's teacher can do this."))
    from tlviz import runtime

    with runtime.exclusive(f"class reveal {qid}"):  # BERT and ViT reveals run a model: one heavy job at a time
        result = questions.reveal(qid, store().runs(seat.code) if q.uses_runs else ())
    store().reveal(seat.code, seat.token, qid, result.answer, result.explanation)
    return result


def answer(seat: Seat, qid: str, choice: str | None, before: str | None = None) -> bool:
    """Send a student's pick (nothing when nothing is picked or it is the answer already stored)."""
    if choice is None or choice == before:
        return False
    store().answer(seat.code, seat.token, qid, choice)
    return True


def index(choices: Sequence[str], choice: str | None) -> int | None:
    return list(choices).index(choice) if choice in choices else None


def histogram(tally: Sequence[tuple[str, int]], answer: str | None = None):
    """The answers' figure, choices translated (build it through ``ui.shared_figure``)."""
    from tlviz.viz.classroom import answer_histogram

    return answer_histogram(dict(tally), [_(c) for c, _n in tally], answer=answer)


def verdict(live: Live) -> str:
    """A student's line under a revealed question: their guess beside the model's answer."""
    q = live.question
    if q is None or not q.revealed:
        return ""
    if live.teacher:
        return _("The model's answer: **{a}**.").format(a=_(q.answer))
    if live.mine is None:
        return _("You did not answer. The model's answer: **{a}**.").format(a=_(q.answer))
    if live.mine == q.answer:
        return _("Your guess, **{m}**, is what the model does.").format(m=_(live.mine))
    return _("Your guess: **{m}**. The model's answer: **{a}**.").format(m=_(live.mine), a=_(q.answer))


def post_run(seat: Seat | None, run: Mapping) -> bool:
    """A student's finished run to the class gallery: True when posted; outside a class, or as the teacher (whose
    demonstration runs stay out of the class's medians), nothing is posted."""
    if seat is None or seat.teacher:
        return False
    store().post_run(seat.code, seat.token, dict(run))
    return True


def plain(text: str) -> str:
    """``text`` for a Markdown line, shown exactly as typed: every ASCII punctuation mark backslash-escaped (no
    link, emphasis, ``:color[...]`` or HTML from a nickname)."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text))


def status(seat: Seat, live: Live) -> str:
    """The strip's first line (Markdown: the nickname escaped)."""
    who = _("teacher") if seat.teacher else plain(seat.nickname or "")
    return _("Class {code} · {who} · {n} students").format(code=seat.code, who=who, n=live.students)


def join_link(page_url: str | None, code: str) -> str:
    """The link students open (or scan): the class page with the code filled in. ``page_url`` is the class page's
    address in the teacher's browser; ``TLVIZ_PUBLIC_URL`` overrides it (e.g. behind a proxy)."""
    import os
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ.get("TLVIZ_PUBLIC_URL") or page_url or "http://localhost:8501")
    path = parts.path.rstrip("/")
    path = path[: -len(PAGE)].rstrip("/") if path.endswith(PAGE) else path
    return f"{parts.scheme}://{parts.netloc}{path}/{PAGE}?{URL_CLASS}={code}"


def runs(seat: Seat) -> Sequence[dict]:
    return store().runs(seat.code)
