"""A toy translation task with readable alignments: human-written dates to ISO dates.

"5 August 1975", "aug 5, 1975", "the 5th of august 1975", "05/08/1975" ... -> "1975-08-05".

Character level on both sides, so an attention map shows which source characters each output character was
read from: the year digits from the year, the month digits from the month name, the day digits from the day.
Every generated example also records, for each output character, the span of source characters it comes from
(:attr:`DateExample.spans`), so alignments can be checked, not just looked at.

The split is by calendar date: a held-out date never appears in training, in any format.
"""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass

from tlviz.errors import InputError

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

PAD, BOS, EOS = "<pad>", "<s>", "</s>"
SPECIALS = (PAD, BOS, EOS)
#: Characters a source date may contain (after lower-casing).
SOURCE_CHARS = " ,./-" + "0123456789" + "abcdefghijklmnopqrstuvwxyz"
TARGET_CHARS = "-0123456789"
SOURCE_VOCAB: tuple[str, ...] = SPECIALS + tuple(SOURCE_CHARS)
TARGET_VOCAB: tuple[str, ...] = SPECIALS + tuple(TARGET_CHARS)
#: Longest source accepted (characters); the longest generated format is about 35.
MAX_SOURCE_CHARS = 40
TARGET_LEN = 10  # "yyyy-mm-dd"

FIRST_YEAR, LAST_YEAR = 1900, 2099


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# Each format returns the text and, per part, where it sits: a list of (part, text) pieces, parts being
# "d" (day), "m" (month), "y" (year) or "" (filler: spaces, punctuation, weekday, "the", "of").
def _pieces(date: _dt.date, fmt: int) -> list[tuple[str, str]]:
    d, m, y = date.day, date.month, date.year
    name, short = MONTHS[m - 1], MONTHS[m - 1][:3]
    wd = WEEKDAYS[date.weekday()]
    table = {
        0: [("d", str(d)), ("", " "), ("m", name), ("", " "), ("y", str(y))],  # 5 august 1975
        1: [("d", str(d)), ("", " "), ("m", short), ("", " "), ("y", str(y))],  # 5 aug 1975
        2: [("m", name), ("", " "), ("d", str(d)), ("", ", "), ("y", str(y))],  # august 5, 1975
        3: [("m", short), ("", " "), ("d", str(d)), ("", ", "), ("y", str(y))],  # aug 5, 1975
        4: [("d", f"{d:02d}"), ("", "/"), ("m", f"{m:02d}"), ("", "/"), ("y", str(y))],  # 05/08/1975
        5: [("d", str(d)), ("", "."), ("m", str(m)), ("", "."), ("y", str(y))],  # 5.8.1975
        6: [("", "the "), ("d", _ordinal(d)), ("", " of "), ("m", name), ("", " "), ("y", str(y))],
        7: [("", wd + ", "), ("d", str(d)), ("", " "), ("m", name), ("", " "), ("y", str(y))],  # tuesday, 5 ...
        8: [("", wd[:3] + " "), ("m", short), ("", " "), ("d", _ordinal(d)), ("", " "), ("y", str(y))],
        9: [("y", str(y)), ("", " "), ("m", name), ("", " "), ("d", str(d))],  # 1975 august 5
    }
    return table[fmt]


N_FORMATS = 10
FORMAT_EXAMPLES = tuple("".join(t for _, t in _pieces(_dt.date(1975, 8, 5), f)) for f in range(N_FORMATS))


@dataclass(frozen=True)
class DateExample:
    source: str
    target: str  # "yyyy-mm-dd"
    fmt: int
    #: For each target character, the (start, stop) source character span it is read from; None for "-".
    spans: tuple[tuple[int, int] | None, ...]


def render(date: _dt.date, fmt: int) -> DateExample:
    """One date in one of the :data:`N_FORMATS` formats, with the source span behind each output character."""
    pieces = _pieces(date, fmt)
    where: dict[str, tuple[int, int]] = {}
    pos = 0
    for part, text in pieces:
        if part:
            where[part] = (pos, pos + len(text))
        pos += len(text)
    source = "".join(t for _, t in pieces)
    target = date.isoformat()
    spans = tuple([where["y"]] * 4 + [None] + [where["m"]] * 2 + [None] + [where["d"]] * 2)
    return DateExample(source, target, fmt, spans)


def all_dates() -> list[_dt.date]:
    start, stop = _dt.date(FIRST_YEAR, 1, 1), _dt.date(LAST_YEAR, 12, 31)
    return [start + _dt.timedelta(days=i) for i in range((stop - start).days + 1)]


def split_dates(seed: int = 0, held_out: float = 0.1) -> tuple[list[_dt.date], list[_dt.date]]:
    """(train, held-out) calendar dates: disjoint, deterministic given the seed."""
    dates = all_dates()
    rng = random.Random(seed)
    rng.shuffle(dates)
    n = int(len(dates) * held_out)
    return dates[n:], dates[:n]


def sample(dates: list[_dt.date], n: int, seed: int) -> list[DateExample]:
    """``n`` examples: random dates from ``dates``, each in a random format (deterministic given the seed)."""
    rng = random.Random(seed)
    return [render(rng.choice(dates), rng.randrange(N_FORMATS)) for _ in range(n)]


def normalise(text: str) -> str:
    """What the model reads: lower case, single spaces, no leading/trailing blanks."""
    return " ".join(str(text).lower().split())


def check_source(text: str) -> str:
    """The normalised source, or an :class:`InputError` a student can act on."""
    clean = normalise(text)
    if not clean:
        raise InputError("Please type a date, e.g. '5 August 1975'.")
    if len(clean) > MAX_SOURCE_CHARS:
        raise InputError(f"That is {len(clean)} characters; the date model reads at most {MAX_SOURCE_CHARS}. "
                         "Type one date, e.g. 'the 5th of august 1975'.")
    bad = sorted({c for c in clean if c not in SOURCE_CHARS})
    if bad:
        shown = " ".join(repr(c) for c in bad[:10])
        raise InputError(f"The date model only knows letters a-z, digits, spaces and , . / -; it has never seen "
                         f"{shown}. Remove {'it' if len(bad) == 1 else 'them'} and try again.")
    return clean
