"""Parallel corpora the project writes itself, for the from-scratch Transformer.

- ``en-de``: English -> German sentence pairs generated compositionally from a small grammar in the lecture's
  spirit ("the cat drinks milk" -> "die katze trinkt milch"). German makes the model work for it: articles agree
  with the noun's gender and case ("the dog sees the cat" -> "der hund sieht die katze", but "the cat sees the dog"
  -> "die katze sieht den hund"), adjectives take endings ("ein kleiner hund", "einen kleinen hund"), a fronted
  "today" moves the verb before the subject ("heute trinkt die katze milch") and "often" moves behind the verb
  ("die katze trinkt oft milch"), so the cross-attention is not a plain diagonal.
  The lecture's self-attention sentences are in it too, in the past tense ("the cat drank the milk because it was
  hungry" -> "die katze trank die milch weil sie hungrig war", "the animal didn't cross the street because it was
  too tired" -> "das tier überquerte die straße nicht weil es zu müde war"): only the adjective tells whether "it"
  is the subject or the object, and German shows the answer in the pronoun's gender (er / sie / es).
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
           ("bird", "vogel", "m"), ("horse", "pferd", "n"), ("animal", "tier", "n"))
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

# --- "because it was ...": the lecture's self-attention sentences (past tense, "it" = subject or object)
#: gender of the drinks and foods above (``DRINKS``/``FOODS`` stay article-less in the present-tense sentences)
MASS_GENDER = {"milch": "f", "wasser": "n", "saft": "m", "tee": "m", "kaffee": "m", "brot": "n", "käse": "m",
               "fisch": "m", "fleisch": "n", "suppe": "f", "kuchen": "m", "reis": "m"}
#: the subjects of the "because" sentences: animals (English says "it" of them, as the lecture does)
ANIMALS = tuple(n for n in ANIMATE if n[0] in ("cat", "dog", "mouse", "bird", "horse", "animal"))
PLACES = (("street", "straße", "f"), ("river", "fluss", "m"), ("bridge", "brücke", "f"), ("field", "feld", "n"))
#: action: (english past, english after "didn't", german past, what is acted on)
PAST_VERBS = (("drank", "drink", "trank", "drink"), ("ate", "eat", "aß", "food"),
              ("crossed", "cross", "überquerte", "place"))
#: why, by who "it" is: (english, german) predicative adjectives; "too" only where the action did not happen
SUBJECT_WHY = {"did": (("hungry", "hungrig"), ("thirsty", "durstig")),
               "didn't": (("tired", "müde"), ("afraid", "ängstlich"))}
OBJECT_WHY = {"drink": (("sweet", "süß"), ("hot", "heiß"), ("cold", "kalt")),
              "food": (("sweet", "süß"), ("hot", "heiß"), ("cold", "kalt")),
              "place": (("wide", "breit"), ("long", "lang"))}
PRONOUN = {"m": "er", "f": "sie", "n": "es"}
#: The lecture's sentences (part 2, self-attention) and their German: always in the corpus, in the training part.
LECTURE_PAIRS = (
    ("the cat drinks milk", "die katze trinkt milch"),
    ("the cat drank the milk because it was hungry", "die katze trank die milch weil sie hungrig war"),
    ("the cat drank the milk because it was sweet", "die katze trank die milch weil sie süß war"),
    ("the animal didn't cross the street because it was too tired",
     "das tier überquerte die straße nicht weil es zu müde war"),
    ("the animal didn't cross the street because it was too wide",
     "das tier überquerte die straße nicht weil sie zu breit war"),
)

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


def because_pair(subject: tuple[list[str], list[str]], verb: tuple[str, str, str, str], noun: tuple[str, str, str],
                 negated: bool, why: tuple[str, str], about: str) -> tuple[list[str], list[str]]:
    """"SUBJ drank/ate/didn't cross the OBJ because it was (too) WHY" and its German ("SUBJ trank/aß/überquerte
    den/die/das OBJ (nicht) weil er/sie/es (zu) WHY war"): ``subject`` a nominative noun phrase (english words,
    german words), ``verb`` one of :data:`PAST_VERBS`, ``noun`` the object (english, german, gender), ``about``
    "subject" or "object": who "it" is, whose gender the German pronoun takes."""
    (subj_en, subj_de), (past, plain, de_verb, _kind) = subject, verb
    obj_en, obj_de = noun_phrase(noun, "acc", True, None)
    gender = next(g for _e, d, g in ANIMATE if d == subj_de[-1]) if about == "subject" else noun[2]
    en = subj_en + (["didn", "t", plain] if negated else [past]) + obj_en + ["because", "it", "was"]
    de = subj_de + [de_verb] + obj_de + (["nicht"] if negated else []) + ["weil", PRONOUN[gender]]
    too_en, too_de = (["too"], ["zu"]) if negated else ([], [])
    return en + too_en + [why[0]], de + too_de + [why[1], "war"]


def because_sentence(rng: random.Random) -> tuple[list[str], list[str]]:
    """A :func:`because_pair` drawn from the grammar: the action did not happen ("didn't", "too") half the time
    (always for crossing: one crosses a street for no reason worth telling); "it" is the subject or the object."""
    verb = rng.choice(PAST_VERBS)
    if verb[3] == "place":
        noun = rng.choice(PLACES)
    else:
        en, de = rng.choice(DRINKS if verb[3] == "drink" else FOODS)
        noun = (en, de, MASS_GENDER[de])
    negated = verb[3] == "place" or rng.random() < 0.5
    about = rng.choice(("subject", "object"))
    why = rng.choice(SUBJECT_WHY["didn't" if negated else "did"] if about == "subject" else OBJECT_WHY[verb[3]])
    return because_pair(_random_np(rng, ANIMALS, "nom", p_adj=0.2), verb, noun, negated, why, about)


def random_sentence(rng: random.Random, p_because: float = 0.0) -> tuple[list[str], list[str]]:
    """One English sentence and its German translation, drawn from the grammar (a :func:`because_sentence`
    with probability ``p_because``)."""
    if rng.random() < p_because:
        return because_sentence(rng)
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
    en = {"the", "a", "an", "didn", "t", "because", "it", "was", "too"} | {w for w, _ in FRONT_ADVERBS + MID_ADVERBS}
    de = {w for _, w in FRONT_ADVERBS + MID_ADVERBS} | {"nicht", "weil", "zu", "war"} | set(PRONOUN.values())
    for past, plain, de_verb, _kind in PAST_VERBS:
        en |= {past, plain}
        de.add(de_verb)
    for e, g, _gender in PLACES:
        en.add(e)
        de.add(g)
    for e, g in {w for table in (SUBJECT_WHY, OBJECT_WHY) for pairs in table.values() for w in pairs}:
        en.add(e)
        de.add(g)
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
def en_de(n_pairs: int = 3000, seed: int = 0, held_out_every: int = 8, p_because: float = 0.45) -> ParallelTask:
    """``n_pairs`` distinct English -> German pairs from the grammar (``p_because`` of them with a "because it
    was ..." reason); about 1 in ``held_out_every`` held out. The lecture's sentences are always in the training
    part."""
    rng = random.Random(seed)
    pairs: dict[str, tuple[list[str], list[str]]] = {}
    while len(pairs) < n_pairs:
        src, tgt = random_sentence(rng, p_because)
        pairs.setdefault(" ".join(src), (src, tgt))
    train, held = _split(pairs.values(), held_out_every)
    lecture = [(en.replace("'", " ").split(), de.split()) for en, de in LECTURE_PAIRS]
    held = [p for p in held if p not in lecture]
    train = [p for p in lecture if p not in train] + train
    en_words, de_words = _en_de_words()
    return ParallelTask(
        name="en-de", title=N_("English → German (generated grammar)"), train=train, held_out=held,
        src_vocab=Vocab(SPECIALS + tuple(en_words)), tgt_vocab=Vocab(SPECIALS + tuple(de_words)), max_tokens=16,
        examples=("the cat drinks milk", "the cat drank the milk because it was hungry",
                  "the cat drank the milk because it was sweet",
                  "the animal didn't cross the street because it was too tired", "today the small dog sees a black cat",
                  "the teacher often eats bread"))


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
