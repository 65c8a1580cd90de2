"""Query, key and value as retrieval: the lecture's video search, done softly, as attention does it.

A search engine matches your search text (the **query**) against each video's title and description (its
**key**) and hands you the best-matching videos (the **values**). Attention does the same lookup softly: every key
gets a weight, ``softmax(q·k / sqrt(d))``, and the answer is the weighted mix of all the values. Keys decide the
weights; values carry what you receive.

The toy library: seven videos described on five topics (cats, dogs, cooking, football, music). A video's key
says which topics its title mentions; its value is its thumbnail's colour (three numbers, red, green, blue), so
the mixed value can be seen as a colour. A typed query becomes a vector by a small word list (English and Greek
stems, :data:`STEMS`). The maths is :func:`tlviz.attention.scaled_dot_product`, with a temperature ``T``
dividing the scores (T -> 0: the hard lookup of a search engine, the best video's value alone).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import N_, _

TOPICS = (N_("cats"), N_("dogs"), N_("cooking"), N_("football"), N_("music"))
#: Word beginnings (lower case, no accents) that mention each topic, English and Greek.
STEMS = {
    0: ("cat", "kitten", "kitty", "γατ", "γατουλ", "ψιψιν"),
    1: ("dog", "pupp", "σκυλ", "κουταβ"),
    2: ("cook", "recipe", "pasta", "food", "kitchen", "bak", "μαγειρ", "συνταγ", "μακαρον", "φαγητ", "κουζιν",
        "ζυμαρικ"),
    3: ("football", "soccer", "goal", "ball", "ποδοσφαιρ", "γκολ", "μπαλ"),
    4: ("music", "song", "guitar", "piano", "sing", "μουσικ", "τραγουδ", "κιθαρ", "πιαν"),
}
#: How strongly a key states each of its topics (large enough that one shared topic stands out at T = 1).
KEY_STRENGTH = 4.0
MAX_QUERY_CHARS = 200
TEMPERATURES = (0.05, 0.25, 0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class Video:
    title: str  # English msgid, shown as _(title)
    topics: tuple[int, ...]  # indices into TOPICS: what the key says
    colour: tuple[float, float, float]  # the value: thumbnail colour, R, G, B in [0, 1]


LIBRARY = (
    Video(N_("Funny cats compilation"), (0,), (0.96, 0.55, 0.10)),
    Video(N_("A dog learns to play football"), (1, 3), (0.55, 0.35, 0.16)),
    Video(N_("Pasta in ten minutes"), (2,), (0.97, 0.84, 0.25)),
    Video(N_("Cooking for your cat"), (0, 2), (0.85, 0.15, 0.20)),
    Video(N_("The best goals of the season"), (3,), (0.10, 0.60, 0.25)),
    Video(N_("Your first guitar lesson"), (4,), (0.15, 0.35, 0.85)),
    Video(N_("A cat plays the piano"), (0, 4), (0.55, 0.25, 0.75)),
)


def keys(library=LIBRARY) -> np.ndarray:
    """The videos' keys ``(n, d)``: ``KEY_STRENGTH`` on each topic the title mentions, 0 elsewhere."""
    out = np.zeros((len(library), len(TOPICS)))
    for i, video in enumerate(library):
        out[i, list(video.topics)] = KEY_STRENGTH
    return out


def values(library=LIBRARY) -> np.ndarray:
    """The videos' values ``(n, 3)``: thumbnail colours."""
    return np.array([v.colour for v in library], dtype=np.float64)


def _plain(word: str) -> str:
    """Lower case without accents (``Γάτες`` -> ``γατεσ``): Greek words are typed with or without them."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ς", "σ")


def topic_of(word: str) -> int | None:
    """The topic a word mentions (by its beginning, :data:`STEMS`), or None."""
    plain = _plain(word)
    for topic, stems in STEMS.items():
        if any(plain.startswith(stem) for stem in stems):
            return topic
    return None


@dataclass(frozen=True)
class Query:
    text: str
    vector: np.ndarray  # (d,) 1 for each topic a word mentions
    matched: tuple[tuple[str, int], ...]  # (word, topic) for every word understood
    ignored: tuple[str, ...]  # words that mention no topic


def parse_query(text: str) -> Query:
    """A typed search as a query vector, or :class:`InputError` when it is empty, too long or mentions no topic."""
    clean = " ".join(str(text).split())
    if not clean:
        raise InputError(_("Type what you are looking for, e.g. “cat” or “football goals”."))
    if len(clean) > MAX_QUERY_CHARS:
        raise InputError(_("That search is {n} characters long; keep it under {m}.").format(
            n=len(clean), m=MAX_QUERY_CHARS))
    words = re.findall(r"\w+", clean)
    matched = tuple((w, t) for w in words if (t := topic_of(w)) is not None)
    if not matched:
        raise InputError(_("None of these words is about a topic of the library ({topics}). Try, for example, "
                           "“cat”, “dog”, “pasta”, “goal” or “guitar”.").format(
            topics=", ".join(_(t) for t in TOPICS)))
    vector = np.zeros(len(TOPICS))
    vector[[t for _w, t in matched]] = 1.0
    ignored = tuple(w for w in words if topic_of(w) is None)
    return Query(clean, vector, matched, ignored)


@dataclass(frozen=True)
class Retrieval:
    """One soft lookup. n videos, d topics (the key size), 3 numbers per value."""

    query: Query
    keys: np.ndarray  # (n, d)
    values: np.ndarray  # (n, 3)
    scores: np.ndarray  # (n,) q·k / sqrt(d)
    weights: np.ndarray  # (n,) softmax(scores / T), sums to 1
    mixed: np.ndarray  # (3,) sum_j weights_j * values_j
    temperature: float

    @property
    def best(self) -> int:
        """The index of the best-matching key (the first of equals): what a search engine would hand you."""
        return int(np.argmax(self.scores))


def search(text: str, temperature: float = 1.0, library=LIBRARY) -> Retrieval:
    """Match the typed query against every key and return the soft mix of the values (see the module doc).

    Pure: the same text and temperature give the same numbers. :class:`InputError` for a bad query or a
    temperature that is not positive.
    """
    import torch

    from tlviz.attention import scaled_dot_product

    if not temperature > 0:
        raise InputError(_("The softmax temperature must be a positive number."))
    query = parse_query(text)
    k, v = keys(library), values(library)
    q = torch.tensor(query.vector / temperature, dtype=torch.float64)[None]  # (1, d): T divides every score
    out, weights, scaled = scaled_dot_product(q, torch.tensor(k), torch.tensor(v), return_scores=True)
    return Retrieval(query, k, v, scores=scaled[0].numpy() * temperature, weights=weights[0].numpy(),
                     mixed=out[0].numpy(), temperature=float(temperature))
