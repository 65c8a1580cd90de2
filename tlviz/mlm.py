"""Masked-language-model work on a BERT-family model with an MLM head: filling in ``[MASK]`` and BERT's masking
recipe (BERT paper, section 3.1), both on a batch (the training recipe) and on one student's sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tlviz import bert_text
from tlviz.errors import InputError
from tlviz.i18n import _

#: What happened to each position in the masking recipe (``kinds`` arrays).
KEPT, MASKED, RANDOM, UNCHANGED = 0, 1, 2, 3


def mlm_mask(input_ids, special, mask_id: int, vocab_size: int, generator=None, rate: float = 0.15,
             at_least_one: bool = True):
    """BERT's masking recipe on a batch of token ids (torch).

    ``input_ids`` (B, T) long; ``special`` (B, T) bool, True where a position may not be chosen ([CLS], [SEP],
    padding). ``rate`` of the other positions are chosen; of those 80% become ``[MASK]``, 10% a random token, 10%
    stay unchanged. Returns ``(masked_ids (B, T), labels (B, T) with -100 where not chosen, kinds (B, T) with
    KEPT / MASKED / RANDOM / UNCHANGED)``. ``at_least_one`` chooses one position in any row that got none.
    """
    import torch

    chosen = (torch.rand(input_ids.shape, generator=generator) < rate) & ~special  # (B, T)
    if at_least_one:
        allowed = (~special).float()
        empty = (chosen.sum(1) == 0) & (allowed.sum(1) > 0)
        if empty.any():
            # one position per empty row, uniformly among the allowed ones
            pick = torch.multinomial(allowed[empty] + 1e-12 * (allowed[empty] == 0), 1, generator=generator)
            rows = torch.nonzero(empty).squeeze(1)
            chosen[rows, pick.squeeze(1)] = True
    roll = torch.rand(input_ids.shape, generator=generator)  # (B, T): which of the three fates
    to_mask = chosen & (roll < 0.8)
    to_random = chosen & (roll >= 0.8) & (roll < 0.9)
    masked = input_ids.clone()
    masked[to_mask] = mask_id
    randoms = torch.randint(vocab_size, input_ids.shape, generator=generator)
    masked[to_random] = randoms[to_random]
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    kinds = torch.zeros_like(input_ids)
    kinds[to_mask] = MASKED
    kinds[to_random] = RANDOM
    kinds[chosen & (roll >= 0.9)] = UNCHANGED
    return masked, labels, kinds


def need_mlm(bm) -> None:
    """InputError unless the model has a masked-LM head."""
    if not bm.has_mlm:
        raise InputError(_("{model} has no masked-language-model head, so it cannot fill in [MASK]. Its attention "
                           "is real; for predictions pick the small masked LM or bert-base-uncased.").format(
                               model=bm.name))


def mlm_logits(bm, enc):
    """(T, V) float logits of the MLM head for one encoding (under the shared heavy-work lock)."""
    import torch

    from tlviz import runtime

    with runtime.exclusive("BERT predictions"), torch.no_grad():
        return bm.model(**bert_text.model_inputs(bm, enc)).logits[0].float()  # (T, V)


def mask_ids(bm, ids) -> list[int]:
    """Positions of ``[MASK]`` in a (T,) tensor of ids."""
    import torch

    return torch.nonzero(ids == bm.tokenizer.mask_token_id).flatten().tolist()


def fill_mask(bm, text: str, top_k: int = 5) -> list[list[tuple[str, float]]]:
    """For each [MASK] in ``text``, in order: the ``top_k`` word pieces with their probabilities, best first."""
    need_mlm(bm)
    enc = bert_text.encode(bm, text)
    positions = mask_ids(bm, enc["input_ids"][0])
    if not positions:
        raise InputError(_("There is no [MASK] in the sentence: type [MASK] where a word should be guessed, or "
                           "pick a word to mask."))
    return top_fills(bm, mlm_logits(bm, enc), positions, top_k)


def top_fills(bm, logits, positions: list[int], top_k: int = 5) -> list[list[tuple[str, float]]]:
    """:func:`fill_mask` read off a forward pass's ``(T, V)`` logits at the [MASK] ``positions``."""
    import torch

    probs = torch.softmax(logits[positions], dim=-1)  # (M, V)
    top = probs.topk(max(1, min(int(top_k), probs.shape[-1])), dim=-1)
    return [list(zip(bert_text.tokens(bm, top.indices[m]), [float(p) for p in top.values[m]]))
            for m in range(len(positions))]


@dataclass
class MaskingRun:
    """BERT's 15% rule applied once to a sentence. T word pieces.

    ``kinds`` (T,): KEPT / MASKED / RANDOM / UNCHANGED; ``corrupted``: the tokens the model is shown;
    ``predictions``: for every chosen position, the model's top guesses for the ORIGINAL token (None when the
    model has no MLM head).
    """

    tokens: list[str]
    corrupted: list[str]
    kinds: Any  # (T,)
    seed: int
    rate: float
    predictions: dict[int, list[tuple[str, float]]] | None


def masking_recipe(bm, text: str, seed: int = 0, rate: float = 0.15, top_k: int = 3) -> MaskingRun:
    """Draw BERT's masking recipe once on ``text`` (seeded) and, with an MLM head, guess every chosen token."""
    import torch

    if not 0.0 < rate <= 1.0:
        raise InputError(_("The masking rate must be between 0 and 1 (BERT uses 0.15)."))
    enc = bert_text.encode(bm, text)
    ids = enc["input_ids"]  # (1, T)
    tok = bm.tokenizer
    # [CLS], [SEP] and any [MASK] the student typed are never chosen
    special = torch.tensor([[int(i) in set(tok.all_special_ids) for i in ids[0]]])  # (1, T)
    gen = torch.Generator().manual_seed(int(seed))
    masked, labels, kinds = mlm_mask(ids, special, tok.mask_token_id, len(tok), gen, rate=rate)
    predictions = None
    if bm.has_mlm:
        probs = torch.softmax(mlm_logits(bm, {**enc, "input_ids": masked}), -1)  # (T, V)
        predictions = {}
        for p in torch.nonzero(labels[0] != -100).flatten().tolist():
            top = probs[p].topk(top_k)
            predictions[p] = list(zip(bert_text.tokens(bm, top.indices), [float(v) for v in top.values]))
    return MaskingRun(bert_text.tokens(bm, ids[0]), bert_text.tokens(bm, masked[0]), kinds[0].numpy(), int(seed),
                      rate, predictions)


# --- the lecture's showcase sentences --------------------------------------------------------------------------

#: The lecture's sentences for a masked LM, each with the word it expects at the [MASK] (part 2, self-attention;
#: part 3, BERT).
LECTURE_MASKS = (
    ("The cat drank the milk because it was [MASK].", "hungry"),
    ("The cat drank the milk because it was [MASK].", "sweet"),
    ("The animal didn't cross the street because it was too [MASK].", "tired"),
    ("The animal didn't cross the street because it was too [MASK].", "wide"),
    ("Paris is the [MASK] of France.", "capital"),
)


@dataclass(frozen=True)
class WordRank:
    """Where a masked LM puts the expected word at a sentence's [MASK]: ``rank`` 1 = its first guess, among
    ``vocab_size`` word pieces. A word the vocabulary splits (``pieces``, e.g. ``hung ##ry``) cannot be one [MASK]'s
    answer: its rank is that of its first piece. ``first``: what the model guessed first."""

    sentence: str
    expected: str
    pieces: tuple[str, ...]
    rank: int
    probability: float
    first: str
    vocab_size: int


def expected_ranks(bm, cases=LECTURE_MASKS) -> list[WordRank]:
    """For each ``(sentence with one [MASK], expected word)``: the expected word's rank among the whole vocabulary
    at that [MASK] (:class:`WordRank`)."""
    import torch

    need_mlm(bm)
    out = []
    for sentence, word in cases:
        enc = bert_text.encode(bm, sentence)
        probs = torch.softmax(mlm_logits(bm, enc)[mask_ids(bm, enc["input_ids"][0])[0]], dim=-1)  # (V,)
        pieces = tuple(bm.tokenizer.tokenize(word))
        wid = bm.tokenizer.convert_tokens_to_ids(pieces[0])
        out.append(WordRank(sentence, word, pieces, 1 + int((probs > probs[wid]).sum()), float(probs[wid]),
                            bert_text.tokens(bm, [int(probs.argmax())])[0], int(probs.shape[0])))
    return out
