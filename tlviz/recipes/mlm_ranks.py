"""Where our small masked LM puts the lecture's expected words: the rank of each at its sentence's [MASK].

    python -m tlviz.recipes.mlm_ranks [--folder checkpoints/mlm_small] [--write]

Prints one line per lecture sentence (``tlviz.mlm.LECTURE_MASKS``): the expected word's rank among the whole
vocabulary (1 = the model's first guess), its probability and the first guess. ``--write`` also puts the ranks into
the checkpoint's description (``tlviz_meta.json``: ``metrics["lecture_ranks"]``, ``metrics["lecture_words"]``
and the catalogue note's last sentence, :mod:`tlviz.card_notes`), as the small-MLM recipe does after every save.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tlviz.checkpoints import CHECKPOINT_DIR

FOLDER = CHECKPOINT_DIR / "mlm_small"


def measure(folder: Path = FOLDER):
    """The :class:`tlviz.mlm.WordRank` of every lecture sentence under the checkpoint in ``folder`` (loaded fresh,
    not from the app's shared cache: a recipe may just have rewritten it)."""
    from tlviz import bert, mlm

    return mlm.expected_ranks(bert._load_uncached(str(folder)))


def write(folder: Path = FOLDER, ranks=None) -> str:
    """Put the ranks into ``folder``'s tlviz_meta.json (replacing earlier ones: ``metrics["lecture_ranks"]`` and
    ``metrics["lecture_words"]``, which the note is written from); returns the note's line about them."""
    from tlviz import card_notes
    from tlviz.checkpoints import read_folder_meta, save_folder_meta

    ranks = measure(folder) if ranks is None else ranks
    meta = read_folder_meta(folder)
    meta.metrics["lecture_ranks"] = {f"{r.sentence} -> {r.expected}": r.rank for r in ranks}
    meta.metrics["lecture_words"] = [{"word": r.expected, "rank": r.rank, "first": r.first, "pieces": list(r.pieces)}
                                     for r in ranks]
    meta.note = card_notes.note(meta)
    save_folder_meta(folder, meta)
    return card_notes.lecture_ranks(meta.metrics["lecture_words"], ranks[0].vocab_size if ranks else 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=FOLDER)
    parser.add_argument("--write", action="store_true", help="store the ranks in the checkpoint's description")
    args = parser.parse_args(argv)
    ranks = measure(args.folder)
    for r in ranks:
        split = f"  (split: {' '.join(r.pieces)}; rank of the first piece)" if len(r.pieces) > 1 else ""
        print(f"{r.sentence:64s} {r.expected:8s} rank {r.rank:>5,} of {r.vocab_size:,} (p = {r.probability:.4f})  "
              f"first guess: {r.first}{split}")
    if args.write:
        print(write(args.folder, ranks))


if __name__ == "__main__":
    main()
