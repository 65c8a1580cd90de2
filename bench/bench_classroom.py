"""Classroom scale: N simulated students (default 60) open every page at the same moment, over Streamlit's own
websocket protocol, against a real ``streamlit run app.py`` server that this benchmark starts itself.

Each student is one websocket session (``/_stcore/stream``), as one browser tab makes: it sends a ``rerun_script``
BackMsg naming the page (its URL path, with any query string) and waits for the ``script_finished`` ForwardMsg. A
session fails when it sees an exception element, a compile error, an unknown page, a dropped websocket or a
timeout. Students keep their sessions open and move from page to page together, as a class follows the teacher;
the teacher opens each page first (its time is the "first open" column), so the students meet a warm server.

Two servers run one after the other with the same code: **ours** (``.streamlit/config.toml``, what ``make run``
serves) and **baseline** (the development settings: file watcher on, a full garbage collection after every run,
the developer toolbar). The server's peak memory (RSS, psutil) is measured over each page and over the whole run.

Modes:
  open       every student opens each page with its default inputs (``--pages``, default: all)
  sentences  every student types a different sentence, given through the page's URL (``?text=...`` on BERT)
  soak       300 sessions come and go (open a lesson, change an input, close); server memory and threads after
             the first 60 and at the end
  browser    while N students keep re-running a lesson, a real Chromium opens it (as the teacher's projector
             would): seconds until its page is drawn and idle, and the students' p50 / p95 meanwhile

    .venv/bin/python -m bench.bench_classroom                       # 60 students, every page, ours vs baseline
    .venv/bin/python -m bench.bench_classroom --students 4 --pages home --profiles ours     # seconds: a smoke run
    .venv/bin/python -m bench.bench_classroom --mode sentences --pages bert
    .venv/bin/python -m bench.bench_classroom --mode soak --sessions 300
    .venv/bin/python -m bench.bench_classroom --mode browser --pages transformer   # needs chromium + playwright
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from bench import row

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
#: Flags on top of .streamlit/config.toml (command-line flags win over the file).
PROFILES: dict[str, list[str]] = {
    "ours": [],
    "baseline": ["--server.fileWatcherType", "auto", "--runner.postScriptGC", "true", "--client.toolbarMode",
                 "developer"],
}
#: The URL parameter (``ui.kept(..., url=...)``) that holds each page's sentence, and a maker of distinct ones.
SUBJECTS = ("cat", "dog", "teacher", "child", "farmer", "doctor", "student", "bird", "horse", "girl")
REASONS = ("hungry", "tired", "happy", "cold", "late", "angry")
SENTENCE_PARAMS = {"bert": "text", "masks": "text", "positional_encoding": "sentence", "seq2seq_attention": "date"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

#: Options set by ``python -m bench`` (its --students/--pages/--mode/--profiles) for a full run.
OPTIONS: dict = {}


def sentence(page: str, i: int) -> str:
    """Student ``i``'s own input for ``page`` (distinct for i < 60)."""
    subject, reason = SUBJECTS[i % len(SUBJECTS)], REASONS[(i // len(SUBJECTS)) % len(REASONS)]
    if page == "seq2seq_attention":
        return f"{1 + i % 28} {MONTHS[i % 12]} {1950 + i}"
    if page == "bert":
        return f"The {subject} drank the [MASK] because it was {reason}."
    if page == "masks":
        return f"the {subject} was {reason}\nthe {subject} sat down"
    return f"the {subject} is {reason}"


def pages(names: list[str] | None = None) -> dict[str, str]:
    """Benchmark name -> the page name sent to Streamlit (its URL path; the home page is ``""``)."""
    from tlviz.lessons import available_lessons

    every = {"home": ""} | {Path(lesson.page).stem: Path(lesson.page).stem for lesson in available_lessons()}
    if not names or names == ["all"]:
        return every
    unknown = [n for n in names if n not in every]
    if unknown:
        raise SystemExit(f"unknown pages {unknown}; known: {sorted(every)}")
    return {n: every[n] for n in names}


# --- the server ----------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run app.py`` with a profile's flags on a free port; samples its memory every 50 ms."""

    def __init__(self, profile: str, timeout: float = 120.0):
        self.profile, self.timeout, self.port = profile, timeout, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._peak = self._window = 0
        self._stop = threading.Event()

    def __enter__(self) -> Server:
        import psutil

        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"tlviz-bench-{self.profile}-", suffix=".log",
                                               delete=False)
        env = {**os.environ, "TLVIZ_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
             str(self.port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
             *PROFILES[self.profile]], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + self.timeout
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"streamlit ({self.profile}) did not start; see {self.log.name}")
            time.sleep(0.3)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            with contextlib.suppress(Exception):
                rss = self.rss()
                self._peak, self._window = max(self._peak, rss), max(self._window, rss)

    def rss(self) -> int:
        return self.ps.memory_info().rss + sum(c.memory_info().rss for c in self.ps.children(recursive=True))

    def threads(self) -> int:
        return self.ps.num_threads()

    def sessions(self) -> int | None:
        """Sessions the server still holds (``active_sessions`` of ``/_stcore/metrics``), None if unreadable."""
        with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(self.url + "/_stcore/metrics",
                                                                               timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("active_sessions"):
                    return int(float(line.split()[-1]))
        return None

    def state(self) -> tuple[int, int, int | None]:
        """(RSS bytes, threads, sessions held)."""
        return self.rss(), self.threads(), self.sessions()

    def window_peak(self) -> int:
        """The peak RSS since the last call (and restart the window)."""
        peak, self._window = self._window, self.rss()
        return max(peak, self._window)

    def peak(self) -> int:
        """The whole run's peak: the kernel's high-water mark (VmHWM) where there is one, else the samples."""
        with contextlib.suppress(OSError, ValueError):
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
            return max(self._peak, int(hwm.split()[1]) * 1024)
        return self._peak

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# --- one student ---------------------------------------------------------------------------------------------------

class SessionFailed(Exception):
    pass


@dataclass
class Student:
    """One browser tab: one websocket session that runs pages and reports how long each took."""

    url: str
    timeout: float = 600.0
    widgets: list = field(default_factory=list)  # the last run's widget elements (proto messages)
    query: str = ""  # the last query string the page wrote back (ui.kept mirrors inputs into the URL)

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await connect(ws_url, subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"], max_size=None,
                                open_timeout=self.timeout, ping_interval=None)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()

    async def run(self, page: str, query: str = "", widget_states=None) -> float:
        """Run ``page`` and return the seconds until ``script_finished``; raise :class:`SessionFailed` otherwise."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.query_string = query
        if widget_states is not None:
            msg.rerun_script.widget_states.CopyFrom(widget_states)
        start = time.perf_counter()
        try:
            await self.ws.send(msg.SerializeToString())
            await asyncio.wait_for(self._until_finished(), self.timeout)
        except TimeoutError as exc:
            raise SessionFailed(f"no script_finished within {self.timeout:.0f} s") from exc
        except SessionFailed:
            raise
        except Exception as exc:  # websockets.ConnectionClosed and friends: a dropped websocket
            raise SessionFailed(f"websocket: {type(exc).__name__}: {exc}") from exc
        return time.perf_counter() - start

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        widgets, problems = [], []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                name = element.WhichOneof("type")
                if name == "exception":
                    problems.append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
                elif name in ("slider", "checkbox", "text_input"):
                    widgets.append((name, getattr(element, name)))
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                problems.append(f"page not found: {fwd.page_not_found.page_name!r}")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    widgets, problems = [], []  # the page reran itself (st.rerun): wait for that run
                    continue
                if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    problems.append("compile error")
                self.widgets = widgets
                if problems:
                    raise SessionFailed("; ".join(problems))
                return

    def changed_input(self):
        """WidgetStates that change one input of the last run (a slider, else a toggle, else a text), or None."""
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        order = {"slider": 0, "checkbox": 1, "text_input": 2}
        usable = [(n, w) for n, w in self.widgets if not w.disabled and not (n == "slider" and len(w.default) != 1)]
        if not usable:
            return None
        name, w = min(usable, key=lambda nw: order[nw[0]])
        states = WidgetStates()
        state = states.widgets.add()
        state.id = w.id
        if name == "slider" and w.options:  # a select_slider: its formatted option strings
            state.string_array_value.data.append(w.options[0] if list(w.raw_value) == [w.options[-1]] else
                                                 w.options[-1])
        elif name == "slider":
            state.double_array_value.data.append(w.min if w.default[0] != w.min else w.max)
        elif name == "checkbox":
            state.bool_value = not w.default
        else:
            state.string_value = (w.default or "a") + " again"
        return states


# --- a class ---------------------------------------------------------------------------------------------------------

@dataclass
class PageResult:
    page: str
    times: list[float]  # finished sessions
    failures: list[str]
    first_open_s: float | None
    peak_rss: int
    applied: int | None = None  # sentences mode: sessions whose own sentence came back in the page's URL

    def stat(self, q: float) -> float:
        if not self.times:
            return float("nan")
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]

    @property
    def p50(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def p95(self) -> float:
        return self.stat(0.95)

    @property
    def max(self) -> float:
        return max(self.times) if self.times else float("nan")


async def _gather_runs(students: list[Student], page: str, queries: list[str]) -> tuple[list[float], list[str]]:
    outcomes = await asyncio.gather(*(s.run(page, q) for s, q in zip(students, queries)), return_exceptions=True)
    times = [o for o in outcomes if isinstance(o, float)]
    failures = [str(o) for o in outcomes if isinstance(o, BaseException)]
    return times, failures


async def _class(server: Server, page_names: dict[str, str], students: int, mode: str, warm: bool,
                 timeout: float) -> list[PageResult]:
    teacher = Student(server.url, timeout)
    class_ = [Student(server.url, timeout) for _ in range(students)]
    results = []
    try:
        await teacher.connect()
        await asyncio.gather(*(s.connect() for s in class_))
        for name, page in page_names.items():
            first = None
            if warm:
                with contextlib.suppress(SessionFailed):
                    first = await teacher.run(page)
            queries = [""] * students
            if mode == "sentences":
                param = SENTENCE_PARAMS.get(name)
                if param is None:
                    raise SystemExit(f"--mode sentences: no sentence parameter known for page {name!r}; "
                                     f"known: {sorted(SENTENCE_PARAMS)}")
                queries = [urlencode({param: sentence(name, i)}) for i in range(students)]
            server.window_peak()
            times, failures = await _gather_runs(class_, page, queries)
            applied = None
            if mode == "sentences":
                applied = sum(1 for s, q in zip(class_, queries) if parse_qs(q).items() <= parse_qs(s.query).items())
            results.append(PageResult(name, times, failures, first, server.window_peak(), applied))
            r = results[-1]
            print(f"  [{server.profile}] {name}: first {_s(first)} s, p50 {_s(r.p50)}, p95 {_s(r.p95)}, max "
                  f"{_s(r.max)} s, failed {len(failures)}/{students}", file=sys.stderr, flush=True)
    finally:
        await asyncio.gather(teacher.close(), *(s.close() for s in class_))
    return results


def measure(students: int = 60, page_names: list[str] | None = None, profiles: tuple[str, ...] = ("ours", "baseline"),
            mode: str = "open", warm: bool = True, timeout: float = 600.0) -> dict[str, dict]:
    """Run the class on each profile's server in turn: ``{profile: {"pages": [PageResult], "peak_rss": bytes}}``."""
    chosen = pages(page_names)
    out = {}
    for profile in profiles:
        with Server(profile) as server:
            results = asyncio.run(_class(server, chosen, students, mode, warm, timeout))
            out[profile] = {"pages": results, "peak_rss": server.peak(), "log": server.log.name}
    return out


# --- soak ------------------------------------------------------------------------------------------------------------

async def _soak(server: Server, lessons: list[str], sessions: int, concurrency: int, timeout: float,
                marks: tuple[int, ...]) -> dict:
    gate = asyncio.Semaphore(concurrency)
    done, failures, samples, times = 0, [], {}, []
    lock = asyncio.Lock()

    async def one(i: int) -> None:
        nonlocal done
        async with gate:
            student = Student(server.url, timeout)
            page = lessons[i % len(lessons)]
            try:
                await student.connect()
                times.append(await student.run(page))
                states = student.changed_input()
                if states is not None:
                    times.append(await student.run(page, student.query, states))
            except SessionFailed as exc:
                failures.append(f"{page}: {exc}")
            except Exception as exc:  # refused connection and the like
                failures.append(f"{page}: {type(exc).__name__}: {exc}")
            finally:
                await student.close()
            async with lock:
                done += 1
                if done in marks:
                    await asyncio.sleep(1.0)  # let the server notice the closed sockets
                    samples[done] = server.state()

    await asyncio.gather(*(one(i) for i in range(sessions)))
    await asyncio.sleep(5.0)
    samples["end + 5 s"] = server.state()
    return {"samples": samples, "failures": failures, "times": times}


def soak(sessions: int = 300, concurrency: int = 60, profile: str = "ours", timeout: float = 600.0,
         page_names: list[str] | None = None) -> dict:
    chosen = [p for n, p in pages(page_names).items() if n != "home"] or [""]
    with Server(profile) as server:
        start = server.state()
        out = asyncio.run(_soak(server, chosen, sessions, concurrency, timeout, (min(60, sessions), sessions)))
        out["samples"] = {"start": start, **out["samples"]}
        out["peak_rss"] = server.peak()
    return out


# --- a real browser among the class ----------------------------------------------------------------------------------

def _browser_opens(url: str, path: str, times: int = 3) -> list[float]:
    """Seconds from Chromium's request for ``url/path`` until the page was drawn: the last change of its height
    while the run went on, once Streamlit's status widget is hidden and the height has held for 2 s. ``times``
    opens, each in a fresh tab (Chromium as the browser tests start it)."""
    from tests.browser.harness import browser

    main = "() => (document.querySelector('[data-testid=stMain]') || document.body).scrollHeight"
    seconds = []
    with browser() as b:
        for _ in range(times):
            page = b.new_page(viewport={"width": 1280, "height": 720})
            t0 = time.perf_counter()
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]',
                                   timeout=600_000)
            height, changed = -1, time.perf_counter()
            while time.perf_counter() - changed < 2.0 or page.locator('[data-testid="stStatusWidget"]').is_visible():
                now_height = page.evaluate(main)
                if now_height != height:
                    height, changed = now_height, time.perf_counter()
                page.wait_for_timeout(100)
            seconds.append(changed - t0)
            page.close()
    return seconds


async def _busy_class(server: Server, page: str, students: int, timeout: float, stop: asyncio.Event) -> list[float]:
    class_ = [Student(server.url, timeout) for _ in range(students)]
    times: list[float] = []

    async def keep_running(s: Student) -> None:
        while not stop.is_set():
            with contextlib.suppress(SessionFailed):
                times.append(await s.run(page))

    try:
        await asyncio.gather(*(s.connect() for s in class_))
        await asyncio.gather(*(keep_running(s) for s in class_))
    finally:
        await asyncio.gather(*(s.close() for s in class_))
    return times


def browser_under_load(page_name: str = "transformer", students: int = 60, timeout: float = 600.0) -> dict:
    """The class keeps re-running ``page_name`` while Chromium opens it three times (after a 10 s warm-up of the
    class); the browser's open times, the students' run times meanwhile, and the server's peak memory."""
    page = pages([page_name])[page_name]

    async def go(server: Server) -> dict:
        teacher = Student(server.url, timeout)
        await teacher.connect()
        await teacher.run(page)
        await teacher.close()
        stop = asyncio.Event()
        busy = asyncio.create_task(_busy_class(server, page, students, timeout, stop))
        await asyncio.sleep(10.0)
        opened = await asyncio.to_thread(_browser_opens, server.url, page)
        stop.set()
        times = await busy
        return {"browser_s": opened, "student_times": times}

    with Server("ours") as server:
        out = asyncio.run(go(server))
        out["peak_rss"] = server.peak()
    return out


def format_browser(out: dict, page: str, students: int) -> str:
    t = sorted(out["student_times"])
    p95 = t[min(len(t) - 1, round(0.95 * len(t) + 0.5) - 1)] if t else float("nan")
    return (f"{page}, {students} students re-running it: Chromium drew the page in "
            f"{', '.join(f'{s:.2f}' for s in out['browser_s'])} s (1280x720, until idle); students meanwhile "
            f"p50 {_s(statistics.median(t) if t else None)} s, p95 {_s(p95)} s over {len(t)} runs; "
            f"server peak RSS {out['peak_rss'] / MB:.0f} MB")


# --- reports ---------------------------------------------------------------------------------------------------------

def _s(x: float | None) -> str:
    return "-" if x is None or x != x else f"{x:.2f}"


def format_class(out: dict[str, dict], students: int) -> str:
    profiles = list(out)
    head = ["page", *(f"{p} {c}" for p in profiles for c in ("first", "p50", "p95", "max", "failed", "MB"))]
    if len(profiles) == 2:
        head.append("p95 ratio")
    lines = [head]
    for i, first in enumerate(out[profiles[0]]["pages"]):
        cells = [first.page]
        for p in profiles:
            r = out[p]["pages"][i]
            failed = f"{len(r.failures)}/{students}" + (f" ({r.applied} own)" if r.applied is not None else "")
            cells += [_s(r.first_open_s), _s(r.p50), _s(r.p95), _s(r.max), failed, f"{r.peak_rss / MB:.0f}"]
        if len(profiles) == 2:
            a, b = out[profiles[0]]["pages"][i].p95, out[profiles[1]]["pages"][i].p95
            cells.append(f"{b / a:.1f}x" if a and a == a and b == b else "-")
        lines.append(cells)
    widths = [max(len(line[c]) for line in lines) for c in range(len(head))]
    text = [" | ".join(v.ljust(w) for v, w in zip(line, widths)) for line in lines]
    text.insert(1, "-+-".join("-" * w for w in widths))
    text.append("")
    text += [f"{p}: server peak RSS {out[p]['peak_rss'] / MB:.0f} MB (log {out[p]['log']})" for p in profiles]
    for p in profiles:
        for r in out[p]["pages"]:
            for f in sorted(set(r.failures))[:3]:
                text.append(f"{p} {r.page} failed: {f}")
    text.append("seconds from rerun_script to script_finished per student; first = the teacher's first open "
                "(cold); MB = server peak RSS during the students' round")
    return "\n".join(text)


def format_soak(out: dict) -> str:
    lines = [f"{'after sessions':>16} | {'RSS MB':>7} | threads | sessions held"]
    lines += [f"{str(k):>16} | {rss / MB:7.0f} | {n:7d} | {'-' if held is None else held}"
              for k, (rss, n, held) in out["samples"].items()]
    times = sorted(out["times"])
    lines.append(f"runs {len(times)}, p50 {_s(statistics.median(times) if times else None)} s, max "
                 f"{_s(times[-1] if times else None)} s, failed sessions {len(out['failures'])}, peak RSS "
                 f"{out['peak_rss'] / MB:.0f} MB")
    lines += [f"failed: {f}" for f in sorted(set(out["failures"]))[:5]]
    return "\n".join(lines)


# --- python -m bench -------------------------------------------------------------------------------------------------

def run(quick: bool = False) -> list[dict]:
    """Rows for ``python -m bench``: one per page, ours' p95 against the baseline's (4 students on home if quick)."""
    opts = {"students": 4, "pages": ["home"], "profiles": ("ours",)} if quick else {
        "students": 60, "pages": None, "profiles": ("ours", "baseline")}
    opts |= {k: v for k, v in OPTIONS.items() if v is not None}
    if opts.get("mode") == "sentences" and not OPTIONS.get("pages"):
        opts["pages"] = ["bert"]
    out = measure(opts["students"], opts["pages"], tuple(opts["profiles"]), opts.get("mode", "open"))
    print(format_class(out, opts["students"]))
    ours, base = out[opts["profiles"][0]], out.get("baseline")
    rows = []
    for i, r in enumerate(ours["pages"]):
        b = base["pages"][i] if base else None
        notes = (f"{opts['students']} students at once; p50 {_s(r.p50)}, max {_s(r.max)} s; failed "
                 f"{len(r.failures)}; peak RSS {r.peak_rss / MB:.0f} MB")
        if b:
            notes += f" (baseline p50 {_s(b.p50)}, max {_s(b.max)}, failed {len(b.failures)}, {b.peak_rss / MB:.0f} MB)"
        rows.append(row(f"classroom {r.page} p95", r.p95, "dev settings (file watcher, post-run GC)" if b else "",
                        b.p95 if b else None, notes) | {"sessions": opts["students"], "finished": len(r.times)})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=60, help="students at once (soak: at most this many open)")
    parser.add_argument("--pages", nargs="*", default=None, help="page names (home, bert, vit...; default: all)")
    parser.add_argument("--mode", choices=("open", "sentences", "soak", "browser"), default="open")
    parser.add_argument("--profiles", default=None, help="comma-separated: ours,baseline (soak: ours)")
    parser.add_argument("--sessions", type=int, default=300, help="soak: sessions in all")
    parser.add_argument("--cold", action="store_true", help="no teacher opening each page first")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a session may wait for its page")
    args = parser.parse_args(argv)
    if args.mode == "soak":
        for profile in (args.profiles or "ours").split(","):
            print(f"soak, {profile}: {args.sessions} sessions, at most {args.students} at once")
            print(format_soak(soak(args.sessions, args.students, profile, args.timeout, args.pages)))
        return
    if args.mode == "browser":
        for name in args.pages or ["transformer"]:
            print(format_browser(browser_under_load(name, args.students, args.timeout), name, args.students))
        return
    pages_ = args.pages or (["bert"] if args.mode == "sentences" else None)
    profiles = tuple((args.profiles or "ours,baseline").split(","))
    out = measure(args.students, pages_, profiles, args.mode, not args.cold, args.timeout)
    print(f"{args.students} students at once, mode {args.mode}")
    print(format_class(out, args.students))


if __name__ == "__main__":
    main()
