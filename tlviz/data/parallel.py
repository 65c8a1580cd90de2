"""Parallel corpora the project writes itself, for the from-scratch Transformer.

- ``en-de``: English -> German sentence pairs generated compositionally from a small grammar in the lecture's
  spirit ("the cat drinks milk" -> "die katze trinkt milch"). German makes the model work for it: articles agree
  with the noun's gender and case ("the dog sees the cat" -> "der hund sieht die katze", but "the cat sees the dog"
  -> "die katze sieht den hund"), adjectives take endings ("ein kleiner hund", "einen kleinen hund"), a fronted
  "today" moves the verb before the subject ("heute trinkt die katze milch") and "often" moves behind the verb
  ("die katze trinkt oft milch"), so the cross-attention is not a plain diagonal.
- ``reverse``: a synthetic task, reverse a sequence of digits ("3 1 4" -> "4 1 3"): the cross-attention of a
  trained model is an anti-diagonal.

Both have a deterministic held-out split (by a hash of the source sentence, so it never depends on the order of
generation) and fixed vocabularies that start with the special tokens ``<pad> <sos> <eos> <unk>``.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from dataclasses import dataclass, field

from tlviz.errors import InputError
from tlviz.i18n import N_, _

PAD, SOS, EOS, UNK = "<pad>", "<sos>", "<eos>", "<unk>"
SPECIALS = (PAD, SOS, EOS, UNK)


@dataclass(frozen=True)
class Vocab:
    """Token <-> id. Ids 0..3 are ``<pad> <sos> <eos> <unk>``; unknown words map to ``<unk>``."""

    tokens: tuple[str, ...]
    index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if tuple(self.tokens[:4]) != SPECIALS:
            raise ValueError(f"a vocabulary starts with {SPECIALS}")
        object.__setattr__(self, "index", {t: i for i, t in enumerate(self.tokens)})

    pad_id, sos_id, eos_id, unk_id = 0, 1, 2, 3

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(t, self.unk_id) for t in tokens]

    def decode(self, ids) -> list[str]:
        return [self.tokens[int(i)] if 0 <= int(i) < len(self.tokens) else UNK for i in ids]

    def unknown(self, tokens: list[str]) -> list[str]:
        """The words of ``tokens`` outside the vocabulary (shown as ``<unk>``), in order, without repeats."""
        return list(dict.fromkeys(t for t in tokens if t not in self.index))


# --------------------------------------------------------------------------------------------- EN -> DE grammar

# noun: (english, german, gender); gender in m/f/n decides the German article and adjective endings.
ANIMATE = (("cat", "katze", "f"), ("dog", "hund", "m"), ("child", "kind", "n"), ("man", "mann", "m"),
           ("woman", "frau", "f"), ("girl", "mädchen", "n"), ("teacher", "lehrer", "m"), ("mouse", "maus", "f"),
           ("bird", "vogel", "m"), ("horse", "pferd", "n"))
THINGS = (("ball", "ball", "m"), ("book", "buch", "n"), ("car", "auto", "n"), ("lamp", "lampe", "f"),
          ("apple", "apfel", "m"), ("house", "haus", "n"))
DRINKS = (("milk", "milch"), ("water", "wasser"), ("juice", "saft"), ("tea", "tee"), ("coffee", "kaffee"))
FOODS = (("bread", "brot"), ("cheese", "käse"), ("fish", "fisch"), ("meat", "fleisch"), ("soup", "suppe"),
         ("cake", "kuchen"), ("rice", "reis"))
# verb: (english, german, object kind)
VERBS = (("drinks", "trinkt", "drink"), ("eats", "isst", "food"), ("sees", "sieht", "np"), ("likes", "mag", "np"),
         ("finds", "findet", "np"), ("has", "hat", "np"), ("loves", "liebt", "np"), ("hears", "hört", "np"))
ADJECTIVES = (("small", "klein"), ("big", "groß"), ("old", "alt"), ("young", "jung"), ("black", "schwarz"),
              ("white", "weiß"))
FRONT_ADVERBS = (("today", "heute"), ("now", "jetzt"))  # German verb-second: adverb, verb, subject
MID_ADVERBS = (("often", "oft"),)  # "the cat often drinks" -> "die katze trinkt oft"

_DEF = {("nom", "m"): "der", ("nom", "f"): "die", ("nom", "n"): "das",
        ("acc", "m"): "den", ("acc", "f"): "die", ("acc", "n"): "das"}
_INDEF = {("nom", "m"): "ein", ("nom", "f"): "eine", ("nom", "n"): "ein",
          ("acc", "m"): "einen", ("acc", "f"): "eine", ("acc", "n"): "ein"}
# adjective endings after the definite / indefinite article (weak / mixed declension)
_ADJ_DEF = {("nom", "m"): "e", ("nom", "f"): "e", ("nom", "n"): "e",
            ("acc", "m"): "en", ("acc", "f"): "e", ("acc", "n"): "e"}
_ADJ_INDEF = {("nom", "m"): "er", ("nom", "f"): "e", ("nom", "n"): "es",
              ("acc", "m"): "en", ("acc", "f"): "e", ("acc", "n"): "es"}


def noun_phrase(noun: tuple[str, str, str], case: str, definite: bool, adjective: tuple[str, str] | None):
    """(english words, german words) of an article + optional adjective + noun, German declined for ``case``."""
    en_noun, de_noun, gender = noun
    if definite:
        en_art = "the"
        de_art, ending = _DEF[(case, gender)], _ADJ_DEF[(case, gender)]
    else:
        first = adjective[0] if adjective else en_noun
        en_art = "an" if first[0] in "aeiou" else "a"
        de_art, ending = _INDEF[(case, gender)], _ADJ_INDEF[(case, gender)]
    en = [en_art] + ([adjective[0]] if adjective else []) + [en_noun]
    de = [de_art] + ([adjective[1] + ending] if adjective else []) + [de_noun]
    return en, de


def _random_np(rng: random.Random, nouns, case: str, p_adj: float = 0.3):
    noun = rng.choice(nouns)
    fitting = ADJECTIVES if noun in ANIMATE else [a for a in ADJECTIVES if a[0] != "young"]  # no "young apple"
    adjective = rng.choice(fitting) if rng.random() < p_adj else None
    return noun_phrase(noun, case, rng.random() < 0.6, adjective)


def random_sentence(rng: random.Random) -> tuple[list[str], list[str]]:
    """One English sentence and its German translation, drawn from the grammar."""
    subj_en, subj_de = _random_np(rng, ANIMATE, "nom")
    verb_en, verb_de, kind = rng.choice(VERBS)
    if kind == "drink":
        obj_en, obj_de = [list(x) for x in zip(rng.choice(DRINKS))]
    elif kind == "food":
        obj_en, obj_de = [list(x) for x in zip(rng.choice(FOODS))]
    else:
        obj_en, obj_de = _random_np(rng, ANIMATE + THINGS, "acc")
    r = rng.random()
    if r < 0.15:
        adv_en, adv_de = rng.choice(FRONT_ADVERBS)
        return [adv_en] + subj_en + [verb_en] + obj_en, [adv_de, verb_de] + subj_de + obj_de
    if r < 0.27:
        adv_en, adv_de = rng.choice(MID_ADVERBS)
        return subj_en + [adv_en, verb_en] + obj_en, subj_de + [verb_de, adv_de] + obj_de
    return subj_en + [verb_en] + obj_en, subj_de + [verb_de] + obj_de


def _en_de_words() -> tuple[list[str], list[str]]:
    en = {"the", "a", "an"} | {w for w, _ in FRONT_ADVERBS + MID_ADVERBS}
    de = {w for _, w in FRONT_ADVERBS + MID_ADVERBS}
    de |= set(_DEF.values()) | set(_INDEF.values())
    for e, g, _gender in ANIMATE + THINGS:
        en.add(e)
        de.add(g)
    for e, g in DRINKS + FOODS:
        en.add(e)
        de.add(g)
    for e, g, _kind in VERBS:
        en.add(e)
        de.add(g)
    for e, g in ADJECTIVES:
        en.add(e)
        de |= {g + end for end in set(_ADJ_DEF.values()) | set(_ADJ_INDEF.values())}
    return sorted(en), sorted(de)


# --------------------------------------------------------------------------------------------- tasks

@dataclass(frozen=True)
class ParallelTask:
    """A translation task: tokenised pairs with a deterministic held-out split and fixed vocabularies."""

    name: str
    title: str  # marked with N_: translate where shown, _(task.title)
    train: list[tuple[list[str], list[str]]]  # (source tokens, target tokens), no special tokens
    held_out: list[tuple[list[str], list[str]]]
    src_vocab: Vocab
    tgt_vocab: Vocab
    max_tokens: int  # longest input (in words) the models of this task accept
    examples: tuple[str, ...]  # example inputs for the page
    char_level: bool = False  # tokenise "31415" as digits when written without spaces

    def tokenize(self, text: str) -> list[str]:
        """Lower-case words (punctuation dropped); for digit tasks, a run of digits splits into digits."""
        if not isinstance(text, str):
            raise InputError(_("Please type a sentence."))
        words = re.findall(r"[^\W_]+|<\w+>", text.lower())
        if self.char_level:
            words = [ch for w in words for ch in (w if w.isdigit() else [w])]
        return words

    def reference(self, tokens: list[str]) -> list[str] | None:
        """The corpus translation of a tokenised source sentence, or None when it is not in the corpus."""
        if self.char_level:
            return list(reversed(tokens))
        table = getattr(self, "_refs", None)
        if table is None:
            table = {tuple(s): t for s, t in self.train + self.held_out}
            object.__setattr__(self, "_refs", table)
        return table.get(tuple(tokens))

    def check(self, text: str) -> tuple[list[str], list[str]]:
        """Tokens of ``text`` and the unknown ones; :class:`InputError` if it is empty or too long."""
        tokens = self.tokenize(text)
        if not tokens:
            raise InputError(_("The input is empty: type a sentence, e.g. “{example}”.").format(
                example=self.examples[0]))
        if len(tokens) > self.max_tokens:
            raise InputError(_("The input has {n} tokens; this model takes at most {limit}. Please shorten it.")
                             .format(n=len(tokens), limit=self.max_tokens))
        return tokens, self.src_vocab.unknown(tokens)


def _split(pairs, held_out_every: int):
    """Held out: pairs whose source hashes to 0 mod ``held_out_every`` (independent of generation order)."""
    train, held = [], []
    for src, tgt in pairs:
        h = int(hashlib.md5(" ".join(src).encode()).hexdigest(), 16)
        (held if h % held_out_every == 0 else train).append((src, tgt))
    return train, held


@functools.cache
def en_de(n_pairs: int = 800, seed: int = 0, held_out_every: int = 8) -> ParallelTask:
    """``n_pairs`` distinct English -> German pairs from the grammar; about 1 in ``held_out_every`` held out."""
    rng = random.Random(seed)
    pairs: dict[str, tuple[list[str], list[str]]] = {}
    # the lecture's sentence is always in the corpus (and in the training part)
    lecture = (["the", "cat", "drinks", "milk"], ["die", "katze", "trinkt", "milch"])
    while len(pairs) < n_pairs:
        src, tgt = random_sentence(rng)
        pairs.setdefault(" ".join(src), (src, tgt))
    train, held = _split(pairs.values(), held_out_every)
    held = [p for p in held if p[0] != lecture[0]]
    if lecture not in train:
        train.insert(0, lecture)
    en_words, de_words = _en_de_words()
    return ParallelTask(
        name="en-de", title=N_("English → German (generated grammar)"), train=train, held_out=held,
        src_vocab=Vocab(SPECIALS + tuple(en_words)), tgt_vocab=Vocab(SPECIALS + tuple(de_words)), max_tokens=12,
        examples=("the cat drinks milk", "today the small dog sees a black cat", "the teacher often eats bread",
                  "a young girl finds the old ball"))


DIGITS = tuple("0123456789")


@functools.cache
def reverse(n_pairs: int = 3000, seed: int = 0, min_len: int = 3, max_len: int = 8,
            held_out_every: int = 16) -> ParallelTask:
    """Digit sequences and their reversal (``3 1 4`` -> ``4 1 3``); source and target share one vocabulary."""
    rng = random.Random(seed)
    pairs: dict[str, tuple[list[str], list[str]]] = {}
    while len(pairs) < n_pairs:
        src = [rng.choice(DIGITS) for _ in range(rng.randint(min_len, max_len))]
        pairs.setdefault(" ".join(src), (src, src[::-1]))
    train, held = _split(pairs.values(), held_out_every)
    vocab = Vocab(SPECIALS + DIGITS)
    return ParallelTask(
        name="reverse", title=N_("Reverse a digit sequence (synthetic)"), train=train, held_out=held, src_vocab=vocab,
        tgt_vocab=vocab, max_tokens=max_len + 2, examples=("3 1 4 1 5", "2 7 1 8 2 8", "9 0 0 4"),
        char_level=True)


TASKS = {"en-de": en_de, "reverse": reverse}


def get_task(name: str) -> ParallelTask:
    if name not in TASKS:
        raise InputError(_("Unknown task '{name}'; choose one of {tasks}.").format(name=name, tasks=", ".join(TASKS)))
    return TASKS[name]()


#: The lecture's toy output vocabulary (loss example) and its target sentence.
TOY_OUTPUT = ("a", "am", "i", "thanks", "student", EOS)
TOY_PAIRS = ((("je", "suis", "étudiant"), ("i", "am", "a", "student")), (("merci",), ("thanks",)))
