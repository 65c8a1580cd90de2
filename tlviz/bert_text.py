"""The student's text for a BERT-family model: ``A [SEP] B`` pairs, clickable words, typed ``[MASK]`` s, the
length limit and an honest word when the text is in a language the model never saw.

Every function takes the model handle (:class:`tlviz.bert.MaskedLM`) only for its tokenizer and config."""

from __future__ import annotations

import re
from typing import Any

from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.models import GREEK_BERT

#: Longest input (in word pieces, [CLS] and [SEP] included) the lesson accepts: every view stays responsive.
MAX_TOKENS = 64

_MASK_TYPED = re.compile(r"\[\s*mask\s*\]|<mask>", re.IGNORECASE)
_SEP_TYPED = re.compile(r"\s*\[\s*sep\s*\]\s*", re.IGNORECASE)
_CLS_TYPED = re.compile(r"\[\s*cls\s*\]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def split_pair(text: str) -> tuple[str, str | None]:
    """``"sentence A [SEP] sentence B"`` -> ``("sentence A", "sentence B")``; one sentence -> ``(text, None)``.
    A typed ``[CLS]`` or a trailing ``[SEP]`` is dropped: the tokenizer adds them itself."""
    text = _CLS_TYPED.sub(" ", str(text or ""))
    parts = [p.strip() for p in _SEP_TYPED.split(text)]
    parts = [p for p in parts if p]
    if len(parts) > 2:
        raise InputError(_("Use at most one [SEP] between two sentences (BERT takes a pair: segment A and B)."))
    return (parts[0] if parts else "", parts[1] if len(parts) == 2 else None)


def words(text: str) -> list[tuple[int, int, str]]:
    """The words of ``text`` a student may click to mask: ``(start, end, word)`` character spans ([MASK], [SEP]
    and [CLS] are not words)."""
    text = str(text or "")
    marks = [m.span() for m in re.finditer(r"\[[^\]]*\]|<mask>", text, re.IGNORECASE)]
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)
            if not any(a <= m.start() < b for a, b in marks)]


def mask_word(text: str, index: int) -> str:
    """``text`` with its ``index``-th word (as listed by :func:`words`) replaced by ``[MASK]``."""
    spans = words(text)
    if not 0 <= index < len(spans):
        raise InputError(_("There is no word number {n} to mask in this sentence.").format(n=index + 1))
    a, b, _word = spans[index]
    return text[:a] + "[MASK]" + text[b:]


def word_choice(text: str, count: int) -> int | None:
    """A clicked word's number as a link writes it (``""``: none clicked); ValueError when there is no such word."""
    if text.strip() == "":
        return None
    index = int(text)
    if not 0 <= index < count:
        raise ValueError(text)
    return index


def encode(bm: Any, text: str):
    """Tokenise a sentence or a ``A [SEP] B`` pair; returns the transformers encoding (tensors, batch of 1)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(_("Please type a sentence first."))
    a, b = split_pair(text)
    if not a:
        raise InputError(_("Please type a sentence first (something before the [SEP])."))
    tok = bm.tokenizer
    mask_token = tok.mask_token or "[MASK]"
    a = _MASK_TYPED.sub(f" {mask_token} ", a)
    b = _MASK_TYPED.sub(f" {mask_token} ", b) if b else None
    enc = tok(a, b, return_tensors="pt", truncation=False)
    n = int(enc["input_ids"].shape[1])
    if n > MAX_TOKENS:
        raise InputError(_("This text is {n} word pieces long ([CLS] and [SEP] included); the lesson takes at most "
                           "{limit} so that every view stays readable and fast. Please shorten it.").format(
                               n=n, limit=MAX_TOKENS))
    return enc


def model_inputs(bm: Any, enc) -> dict:
    """The tensors of an encoding the model's forward takes (DistilBERT has no token types)."""
    inputs = {k: v for k, v in enc.items() if k in _MODEL_INPUTS}
    if getattr(bm.config, "model_type", "") == "distilbert":
        inputs.pop("token_type_ids", None)
    return inputs


def tokens(bm: Any, ids) -> list[str]:
    """Word-piece strings of token ids."""
    return [str(t) for t in bm.tokenizer.convert_ids_to_tokens([int(i) for i in ids])]


def language_note(bm: Any, text: str, pieces: list[str]) -> str | None:
    """An honest word when the model cannot know the text's language, else None: our offline models learnt
    English only, so Greek reaches them as single letters and [UNK]s; any model that makes mostly [UNK]s of a
    text is guessing too."""
    unknown = sum(p == bm.tokenizer.unk_token for p in pieces)
    if _GREEK.search(str(text or "")) and getattr(bm, "english_only", False):
        return _("{model} learnt English only: it has never read Greek, so it sees these words as single letters "
                 "and [UNK]s, and its guesses for them mean nothing. Type an English sentence, or (with internet, or "
                 "after `make prefetch`) pick the Greek BERT ({greek}).").format(model=bm.name, greek=GREEK_BERT)
    if pieces and unknown > 0.25 * len(pieces):
        return _("{n} of the {total} word pieces are [UNK]: {model} does not know much of this text, so its "
                 "guesses say little.").format(n=unknown, total=len(pieces), model=bm.name)
    return None
