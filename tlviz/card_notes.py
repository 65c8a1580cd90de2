"""A shipped checkpoint's note in the reader's language, written from the numbers its recipe measured.

A recipe keeps what it measured in the checkpoint's metadata (``metrics``, ``config``, ``extra``) and writes its
English ``note`` with :func:`note`. The model catalogue (the home page's table, each lesson's model line) calls
:func:`note` again in the page's language: the recipe's sentence, translated through gettext, filled in with the
same numbers, so a Greek page reads Greek. A checkpoint whose numbers this version cannot read (another recipe,
an older layout) keeps its own note, in English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tlviz.i18n import N_, _

SEQ2SEQ = N_("Trained by us on synthetic dates: {exact:.1%} exact match on {held:,} held-out dates never seen in "
             "training; {aligned:.0%} of output digits attend most to the right source part.")
TRANSFORMER = N_("Trained here from scratch on {train:,} {task} pairs: held-out token accuracy {acc:.1%}, whole "
                 "sentences exactly right {exact:.1%} ({held:,} unseen pairs). A toy: it knows only its small "
                 "grammar.")
VIT = N_("Our own ViT ({k:.0f}k parameters, {grid}x{grid} patches of {patch}x{patch} px) trained {minutes:.0f} min "
         "on a CPU: {acc:.1%} test accuracy on Animal-MNIST's 2,000 held-out silhouettes (10 animals, 28x28 grey). "
         "It knows only these silhouettes, not photos.")
MLM = N_("Small masked LM trained here ({layers} layers x {width}, {heads} heads, 8k uncased WordPiece) on ~2M "
         "words of English from packages for {minutes:.0f} min on 2 CPU cores: held-out top-1 {top1:.1%}, top-5 "
         "{top5:.1%}. Grammar often right, meaning often not; bert-base-uncased is far better.")
RANKS = N_("Lecture sentences, rank of the expected word among {vocab:,} word pieces: {words}.")
RANK = N_("'{word}' #{rank:,}, first guess '{first}'")
RANK_OF_PIECE = N_("'{word}' #{rank:,} for its first piece '{piece}' ({pieces}), first guess '{first}'")

Numbers = Mapping[str, Any]


def note(meta) -> str:
    """``meta``'s note (a :class:`tlviz.checkpoints.CheckpointMeta`) in the current language."""
    try:
        return write(meta.recipe, meta.metrics, meta.config, meta.extra)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):  # another recipe, or another layout
        return meta.note or ""


def write(recipe: str, metrics: Numbers, config: Numbers | None = None, extra: Numbers | None = None) -> str:
    """The note of a checkpoint that ``recipe`` made and measured so, in the current language (a recipe writes
    its English note with this). KeyError for a recipe without a note of its own here."""
    return _WRITERS[recipe](metrics, config or {}, extra or {})


def lecture_ranks(words: Sequence[Numbers], vocab: int) -> str:
    """Where a masked LM puts the lecture sentences' expected words (``metrics["lecture_words"]``: ``word``,
    ``rank``, ``first`` and the word's ``pieces``), in one sentence; empty for none."""
    def one(w: Numbers) -> str:
        pieces = list(w["pieces"])
        if len(pieces) > 1:
            return _(RANK_OF_PIECE).format(word=w["word"], rank=w["rank"], piece=pieces[0], pieces=" ".join(pieces),
                                           first=w["first"])
        return _(RANK).format(word=w["word"], rank=w["rank"], first=w["first"])

    return _(RANKS).format(vocab=vocab, words="; ".join(map(one, words))) if words else ""


def _seq2seq(m: Numbers, _config: Numbers, _extra: Numbers) -> str:
    return _(SEQ2SEQ).format(exact=m["held_out_exact_match"], held=m["held_out_examples"], aligned=m["alignment_hits"])


def _transformer(m: Numbers, _config: Numbers, extra: Numbers) -> str:
    from tlviz.data.parallel import get_task

    return _(TRANSFORMER).format(train=m["train_pairs"], task=_(get_task(extra["task"]).title),
                                 acc=m["held_out_token_accuracy"], exact=m["held_out_exact_match"],
                                 held=m["held_out_pairs"])


def _vit(m: Numbers, config: Numbers, _extra: Numbers) -> str:
    seconds = sum(r.get("train_seconds") or 0 for r in m["runs"]) if m.get("runs") else m["train_seconds"]
    return _(VIT).format(k=m["params"] / 1e3, grid=config["img_size"] // config["patch_size"],
                         patch=config["patch_size"], minutes=seconds / 60, acc=m["test_accuracy"])


def _mlm(m: Numbers, config: Numbers, _extra: Numbers) -> str:
    text = _(MLM).format(layers=config["num_hidden_layers"], width=config["hidden_size"],
                         heads=config["num_attention_heads"], minutes=m["minutes"], top1=m["heldout_top1"],
                         top5=m["heldout_top5"])
    ranks = lecture_ranks(m.get("lecture_words", ()), config["vocab_size"])
    return f"{text} {ranks}".strip()


_WRITERS: dict[str, Callable[[Numbers, Numbers, Numbers], str]] = {
    "tlviz.recipes.seq2seq_dates": _seq2seq,
    "tlviz.recipes.transformer_toy": _transformer,
    "tlviz.recipes.vit_animals": _vit,
    "tlviz.recipes.mlm_small": _mlm,
}
