"""Class mode's store: classes, the teacher's "now showing", questions and answers, and the class's runs.

The contract is in API.md ("Class mode"); everything here sits behind :class:`ClassStore`, so a server database
(PostgreSQL) can replace SQLite when several processes serve one class. Design choices:

- **SQLite in WAL mode** in one file (``TLVIZ_DATA``, default the user's data folder): a restarted server, or a
  second process, opens the same file and finds every class, answer and run. Readers never block the writer.
- **One connection per store, behind a lock**: every browser session is a thread of the server, and Streamlit
  starts a new thread for each script run, so per-thread connections would be opened and dropped every 2 s per
  student. The calls are tiny (a row or a ``GROUP BY``); the lock costs less than the connections would. Writes
  take ``BEGIN IMMEDIATE`` and a 10 s busy timeout, so two stores (two processes) queue instead of failing.
- **Tokens are secrets from** :mod:`secrets` and only their SHA-256 is stored: the file alone grants nothing.
  A join code grants joining, never a teacher action; a teacher action with a student's or an unknown token
  raises ``PermissionError``.
- **Codes** are 6 characters from an alphabet without 0/O/1/I, typed in any case, spaces and dashes ignored.
- **Joins are rate-limited** per client (a browser session or address) and, for unknown codes, for the whole
  server, so codes cannot be guessed by trying. Classes **expire** ``ttl_s`` after their creation.
- Nicknames and runs are stored as given (plain text, JSON); pages show them as text, never HTML.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tlviz.errors import InputError
from tlviz.i18n import _

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0, O, 1, I: a code read off a projector is typed right
CODE_LENGTH = 6
NICKNAME_MAX = 24
CHOICE_MAX = 80
QUESTION_ID_MAX = 80
CHOICES_MAX = 12
PAGE_MAX = 80
PARAMS_MAX_BYTES = 4_000
RUN_MAX_BYTES = 64_000
RUNS_PER_STUDENT = 50
STUDENTS_MAX = 500
TTL_S = 12 * 3600.0  # a lecture day
JOIN_WINDOW_S = 60.0
JOINS_PER_CLIENT = 10  # per window: a student retyping a code is never stopped
UNKNOWN_CODES_PER_WINDOW = 200  # the whole server: guessing one of 32^6 codes stays hopeless

_SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY, teacher TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL,
    page TEXT, params TEXT, pushed REAL NOT NULL DEFAULT 0, question TEXT);
CREATE TABLE IF NOT EXISTS students (
    token TEXT PRIMARY KEY, code TEXT NOT NULL, id INTEGER NOT NULL, nickname TEXT NOT NULL, joined REAL NOT NULL);
CREATE INDEX IF NOT EXISTS students_code ON students (code);
CREATE TABLE IF NOT EXISTS questions (
    code TEXT NOT NULL, qid TEXT NOT NULL, choices TEXT NOT NULL, opened REAL NOT NULL,
    revealed REAL, answer TEXT, explanation TEXT, PRIMARY KEY (code, qid));
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL, qid TEXT NOT NULL, student INTEGER NOT NULL, choice TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (code, qid, student));
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, student INTEGER NOT NULL, posted REAL NOT NULL,
    run TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_code ON runs (code);
CREATE TABLE IF NOT EXISTS joins (client TEXT NOT NULL, ok INTEGER NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS joins_at ON joins (at);
"""


@dataclass(frozen=True)
class Question:
    """The class's current question, as every member may see it (the answer only once revealed)."""

    qid: str
    choices: tuple[str, ...]
    opened: float
    revealed: bool
    answer: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class Member:
    """Who a token belongs to: the teacher (``student_id`` None) or a student (public id and nickname)."""

    code: str
    teacher: bool
    student_id: int | None = None
    nickname: str | None = None


def data_dir() -> Path:
    """``TLVIZ_DATA``, else the user's data folder (``$XDG_DATA_HOME/tlviz``, ``~/.local/share/tlviz``)."""
    if os.environ.get("TLVIZ_DATA"):
        return Path(os.environ["TLVIZ_DATA"]).expanduser()
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "tlviz"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tlviz"


def default_path() -> Path:
    return data_dir() / "classes.sqlite3"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    """What a student typed -> a code (upper case, spaces and dashes dropped); InputError if it cannot be one."""
    text = re.sub(r"[\s\-]+", "", str(code or "")).upper()
    if len(text) != CODE_LENGTH or any(c not in ALPHABET for c in text):
        raise InputError(_("A class code has {n} letters and digits (never 0, O, 1 or I), e.g. {example}: check "
                           "the code on the projector.").format(n=CODE_LENGTH, example="K7WP3Q"))
    return text


def clean_nickname(nickname: str) -> str:
    name = str(nickname or "").strip()
    if not name:
        raise InputError(_("Type a nickname (any name your classmates may see; no account needed)."))
    if len(name) > NICKNAME_MAX:
        raise InputError(_("A nickname has at most {n} characters.").format(n=NICKNAME_MAX))
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InputError(_("A nickname cannot hold control characters (tabs, line breaks)."))
    return name


def _text(value: Any, limit: int, what: str) -> str:
    text = str(value or "").strip()
    if not text or len(text) > limit:
        raise InputError(_("{what} must have 1 to {n} characters.").format(what=what, n=limit))
    return text


class ClassStore:
    """The class state in one SQLite file; safe to call from many threads (one per browser session)."""

    def __init__(self, path: str | os.PathLike, ttl_s: float = TTL_S, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_s, self.clock = float(ttl_s), clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(_SCHEMA)

    # -- plumbing --------------------------------------------------------------------------------------------
    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _live(self, code: str) -> str:
        """The normalised code of a class that exists and has not expired; InputError otherwise."""
        code = normalise_code(code)
        rows = self._read("SELECT expires FROM classes WHERE code = ?", (code,))
        if not rows or rows[0][0] <= self.clock():
            raise InputError(_("There is no class with the code {code} (or it has ended): check the code on the "
                               "projector.").format(code=code))
        return code

    def _teacher(self, code: str, teacher_token: str) -> str:
        code = self._live(code)
        rows = self._read("SELECT teacher FROM classes WHERE code = ?", (code,))
        if not secrets.compare_digest(rows[0][0], _hash(str(teacher_token or ""))):
            raise PermissionError(_("Only the class's teacher can do this."))
        return code

    def _student(self, code: str, student_token: str) -> int:
        code = self._live(code)
        rows = self._read("SELECT id FROM students WHERE token = ? AND code = ?", (_hash(str(student_token or "")),
                                                                                  code))
        if not rows:
            raise PermissionError(_("This seat is not in the class {code}: join it again.").format(code=code))
        return rows[0][0]

    # -- classes ---------------------------------------------------------------------------------------------
    def create_class(self) -> tuple[str, str]:
        """A new class: ``(code, teacher_token)``. Expired classes are purged on the way."""
        token, now = secrets.token_urlsafe(24), self.clock()

        def create(db):
            self._purge(db, now)
            for _attempt in range(50):
                code = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
                if not db.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone():
                    db.execute("INSERT INTO classes (code, teacher, created, expires) VALUES (?, ?, ?, ?)",
                               (code, _hash(token), now, now + self.ttl_s))
                    return code
            raise RuntimeError("no free class code")  # 32^6 codes: unreachable in practice

        return self._write(create), token

    def _purge(self, db: sqlite3.Connection, now: float) -> None:
        gone = [r[0] for r in db.execute("SELECT code FROM classes WHERE expires <= ?", (now,))]
        for table in ("students", "questions", "answers", "runs", "classes"):
            db.executemany(f"DELETE FROM {table} WHERE code = ?", [(c,) for c in gone])
        db.execute("DELETE FROM joins WHERE at < ?", (now - JOIN_WINDOW_S,))

    def purge(self) -> None:
        """Delete expired classes with everything in them."""
        self._write(lambda db: self._purge(db, self.clock()))

    def end_class(self, code: str, teacher_token: str) -> None:
        """The teacher ends the class now (it is deleted, as at expiry)."""
        code = self._teacher(code, teacher_token)
        self._write(lambda db: db.execute("UPDATE classes SET expires = ? WHERE code = ?", (self.clock(), code)))
        self.purge()

    def expires(self, code: str) -> float:
        code = self._live(code)
        return self._read("SELECT expires FROM classes WHERE code = ?", (code,))[0][0]

    def member(self, code: str, token: str) -> Member:
        """Whose token this is in the class (teacher or student); PermissionError for an unknown token."""
        code = self._live(code)
        with_hash = _hash(str(token or ""))
        if secrets.compare_digest(self._read("SELECT teacher FROM classes WHERE code = ?", (code,))[0][0], with_hash):
            return Member(code, True)
        rows = self._read("SELECT id, nickname FROM students WHERE token = ? AND code = ?", (with_hash, code))
        if not rows:
            raise PermissionError(_("This seat is not in the class {code}: join it again.").format(code=code))
        return Member(code, False, rows[0][0], rows[0][1])

    # -- joining ---------------------------------------------------------------------------------------------
    def join(self, code: str, nickname: str, client: str = "") -> str:
        """A student's token (a secret: keep it in their session/link). InputError for a bad or unknown code, a
        bad nickname, or too many attempts from ``client`` (or unknown codes overall) in the last minute."""
        now, client = self.clock(), str(client or "")[:200]
        self._limit(client, now)
        try:
            code = self._live(code)
            name = clean_nickname(nickname)
        except InputError:
            self._write(lambda db: db.execute("INSERT INTO joins VALUES (?, 0, ?)", (client, now)))
            raise
        token = secrets.token_urlsafe(18)

        def add(db):
            db.execute("INSERT INTO joins VALUES (?, 1, ?)", (client, now))
            count, top = db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM students WHERE code = ?",
                                    (code,)).fetchone()
            if count >= STUDENTS_MAX:
                raise InputError(_("This class is full ({n} students).").format(n=STUDENTS_MAX))
            db.execute("INSERT INTO students VALUES (?, ?, ?, ?, ?)", (_hash(token), code, top + 1, name, now))

        self._write(add)
        return token

    def _limit(self, client: str, now: float) -> None:
        since = now - JOIN_WINDOW_S
        mine = self._read("SELECT COUNT(*) FROM joins WHERE client = ? AND at > ?", (client, since))[0][0]
        failed = self._read("SELECT COUNT(*) FROM joins WHERE ok = 0 AND at > ?", (since,))[0][0]
        if (client and mine >= JOINS_PER_CLIENT) or failed >= UNKNOWN_CODES_PER_WINDOW:
            raise InputError(_("Too many attempts to join: wait a minute, then type the code again."))

    def students(self, code: str) -> list[tuple[int, str]]:
        """``(id, nickname)`` of every student in the class, in joining order."""
        code = self._live(code)
        return [tuple(r) for r in self._read("SELECT id, nickname FROM students WHERE code = ? ORDER BY id",
                                              (code,))]

    # -- now showing -----------------------------------------------------------------------------------------
    def push(self, code: str, teacher_token: str, page: str, params: dict) -> None:
        code = self._teacher(code, teacher_token)
        page = _text(page, PAGE_MAX, _("A page"))
        text = json.dumps({str(k): str(v) for k, v in dict(params or {}).items()}, sort_keys=True)
        if len(text) > PARAMS_MAX_BYTES:
            raise InputError(_("This view's link is too long to push ({n} characters).").format(n=len(text)))
        now = self.clock()
        self._write(lambda db: db.execute("UPDATE classes SET page = ?, params = ?, pushed = ? WHERE code = ?",
                                          (page, text, now, code)))

    def now_showing(self, code: str) -> tuple[str, dict] | None:
        page, params = self._showing(code)[:2]
        return None if page is None else (page, params)

    def pushed_at(self, code: str) -> float:
        """When the teacher last pushed (0 before any push): a follower switches when this changes."""
        return self._showing(code)[2]

    def _showing(self, code: str) -> tuple[str | None, dict, float]:
        code = self._live(code)
        page, params, pushed = self._read("SELECT page, params, pushed FROM classes WHERE code = ?", (code,))[0]
        return page, json.loads(params or "{}"), pushed

    # -- questions -------------------------------------------------------------------------------------------
    def open_question(self, code: str, teacher_token: str, question_id: str, choices: list[str]) -> None:
        """Make ``question_id`` the class's current question (reopening it keeps its answers, hides the reveal)."""
        code = self._teacher(code, teacher_token)
        qid = _text(question_id, QUESTION_ID_MAX, _("A question id"))
        offered = [_text(c, CHOICE_MAX, _("A choice")) for c in choices]
        if not 2 <= len(offered) <= CHOICES_MAX or len(set(offered)) != len(offered):
            raise InputError(_("A question offers 2 to {n} different choices.").format(n=CHOICES_MAX))
        now = self.clock()

        def open_(db):
            db.execute("INSERT INTO questions (code, qid, choices, opened) VALUES (?, ?, ?, ?) ON CONFLICT (code, qid)"
                       " DO UPDATE SET choices = excluded.choices, opened = excluded.opened, revealed = NULL, "
                       "answer = NULL, explanation = NULL", (code, qid, json.dumps(offered), now))
            db.execute("DELETE FROM answers WHERE code = ? AND qid = ? AND choice NOT IN (SELECT value FROM "
                       "json_each(?))", (code, qid, json.dumps(offered)))
            db.execute("UPDATE classes SET question = ? WHERE code = ?", (qid, code))

        self._write(open_)

    def reveal(self, code: str, teacher_token: str, question_id: str, answer: str, explanation: str = "") -> None:
        """Close the answers and show the model's ``answer`` (one of the choices) with a short explanation."""
        code = self._teacher(code, teacher_token)
        question = self.question(code, question_id)
        if question is None:
            raise InputError(_("This question was never opened in this class."))
        if answer not in question.choices:
            raise InputError(_("The answer must be one of the question's choices."))
        now = self.clock()
        self._write(lambda db: db.execute("UPDATE questions SET revealed = ?, answer = ?, explanation = ? WHERE "
                                          "code = ? AND qid = ?", (now, answer, str(explanation)[:2000], code,
                                                                    question.qid)))

    def close_question(self, code: str, teacher_token: str) -> None:
        """No current question any more (answers and reveals stay stored)."""
        code = self._teacher(code, teacher_token)
        self._write(lambda db: db.execute("UPDATE classes SET question = NULL WHERE code = ?", (code,)))

    def question(self, code: str, question_id: str | None = None) -> Question | None:
        """The current question (or ``question_id``'s), None if there is none."""
        code = self._live(code)
        qid = question_id
        if qid is None:
            qid = self._read("SELECT question FROM classes WHERE code = ?", (code,))[0][0]
            if qid is None:
                return None
        rows = self._read("SELECT qid, choices, opened, revealed, answer, explanation FROM questions WHERE code = ? "
                          "AND qid = ?", (code, str(qid)))
        if not rows:
            return None
        qid, choices, opened, revealed, answer, explanation = rows[0]
        return Question(qid, tuple(json.loads(choices)), opened, revealed is not None, answer, explanation)

    def answer(self, code: str, student_token: str, question_id: str, choice: str) -> None:
        """A student's answer; a later one replaces the earlier until the reveal."""
        student = self._student(code, student_token)
        code = normalise_code(code)
        question = self.question(code, question_id)
        if question is None or question.qid != self._read("SELECT question FROM classes WHERE code = ?",
                                                          (code,))[0][0]:
            raise InputError(_("This question is not open: wait for the teacher to open it."))
        if question.revealed:
            raise InputError(_("The answer has been revealed: answers to this question are closed."))
        if choice not in question.choices:
            raise InputError(_("'{choice}' is not one of this question's choices.").format(choice=str(choice)[:80]))
        now = self.clock()
        self._write(lambda db: db.execute(
            "INSERT INTO answers VALUES (?, ?, ?, ?, ?) ON CONFLICT (code, qid, student) DO UPDATE SET "
            "choice = excluded.choice, at = excluded.at", (code, question.qid, student, choice, now)))

    def my_answer(self, code: str, student_token: str, question_id: str) -> str | None:
        student = self._student(code, student_token)
        rows = self._read("SELECT choice FROM answers WHERE code = ? AND qid = ? AND student = ?",
                          (normalise_code(code), str(question_id), student))
        return rows[0][0] if rows else None

    def tally(self, code: str, question_id: str) -> dict[str, int]:
        """``{choice: count}`` over every offered choice (zeros included, in the offered order); no names."""
        code = self._live(code)
        question = self.question(code, question_id)
        counts = dict(self._read("SELECT choice, COUNT(*) FROM answers WHERE code = ? AND qid = ? GROUP BY choice",
                                 (code, str(question_id))))
        choices = question.choices if question else tuple(counts)
        return {c: int(counts.get(c, 0)) for c in choices}

    def answers(self, code: str, teacher_token: str) -> list[dict]:
        """Every answer of the class (for the teacher's CSV): question, student id, nickname, choice, time."""
        code = self._teacher(code, teacher_token)
        rows = self._read("SELECT a.qid, a.student, s.nickname, a.choice, a.at FROM answers a JOIN students s ON "
                          "s.code = a.code AND s.id = a.student WHERE a.code = ? ORDER BY a.qid, a.student", (code,))
        return [dict(zip(("question", "student", "nickname", "choice", "at"), r, strict=True)) for r in rows]

    # -- runs ------------------------------------------------------------------------------------------------
    def post_run(self, code: str, student_token: str, run: dict) -> None:
        """A student's finished run (any JSON-able dict: strategy, plan, curve, metrics)."""
        student = self._student(code, student_token)
        code = normalise_code(code)
        try:
            text = json.dumps(dict(run), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InputError(_("A run must be plain numbers and text (no NaN).")) from exc
        if len(text) > RUN_MAX_BYTES:
            raise InputError(_("This run is too large to post ({n} bytes).").format(n=len(text)))
        now = self.clock()

        def post(db):
            (count,) = db.execute("SELECT COUNT(*) FROM runs WHERE code = ? AND student = ?",
                                  (code, student)).fetchone()
            if count >= RUNS_PER_STUDENT:
                raise InputError(_("You have posted {n} runs, the most one student can post.").format(
                    n=RUNS_PER_STUDENT))
            db.execute("INSERT INTO runs (code, student, posted, run) VALUES (?, ?, ?, ?)", (code, student, now, text))

        self._write(post)

    def runs(self, code: str) -> list[dict]:
        """Every posted run, oldest first: the run's own keys plus ``student`` (public id), ``nickname``,
        ``posted`` (time) and ``run_id``."""
        code = self._live(code)
        rows = self._read("SELECT r.id, r.student, s.nickname, r.posted, r.run FROM runs r JOIN students s ON "
                          "s.code = r.code AND s.id = r.student WHERE r.code = ? ORDER BY r.id", (code,))
        return [{**json.loads(run), "run_id": rid, "student": sid, "nickname": nick, "posted": posted}
                for rid, sid, nick, posted, run in rows]


_stores: dict[Path, ClassStore] = {}
_stores_lock = threading.Lock()


def open_store(path: str | os.PathLike | None = None, ttl_s: float = TTL_S) -> ClassStore:
    """The store at ``path`` (default :func:`default_path`), created if missing; a new object on each call."""
    return ClassStore(default_path() if path is None else path, ttl_s=ttl_s)


def shared_store() -> ClassStore:
    """One store per data file for the whole server process (what the pages use)."""
    path = default_path().resolve()
    with _stores_lock:
        if path not in _stores:
            _stores[path] = open_store(path)
        return _stores[path]
