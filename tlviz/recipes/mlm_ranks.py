"""Where our small masked LM puts the lecture's expected words: the rank of each at its sentence's [MASK].

    python -m tlviz.recipes.mlm_ranks [--folder checkpoints/mlm_small] [--write]

Prints one line per lecture sentence (``tlviz.mlm.LECTURE_MASKS``): the expected word's rank among the whole
vocabulary (1 = the model's first guess), its probability and the first guess. ``--write`` also puts the ranks into
the checkpoint's description (``tlviz_meta.json``: ``metrics["lecture_ranks"]`` and the catalogue note's last
sentence), as the small-MLM recipe does after every save.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tlviz.checkpoints import CHECKPOINT_DIR

FOLDER = CHECKPOINT_DIR / "mlm_small"
_NOTE_START = "Lecture sentences, rank"


def measure(folder: Path = FOLDER):
    """The :class:`tlviz.mlm.WordRank` of every lecture sentence under the checkpoint in ``folder`` (loaded fresh,
    not from the app's shared cache: a recipe may just have rewritten it)."""
    from tlviz import bert, mlm

    return mlm.expected_ranks(bert._load_uncached(str(folder)))


def write(folder: Path = FOLDER, ranks=None) -> str:
    """Put the ranks into ``folder``'s tlviz_meta.json (replacing earlier ones); returns the note's new line."""
    from tlviz import mlm
    from tlviz.checkpoints import read_folder_meta, save_folder_meta

    ranks = measure(folder) if ranks is None else ranks
    meta = read_folder_meta(folder)
    line = mlm.ranks_line(ranks)
    kept = meta.note.split(" " + _NOTE_START)[0]
    meta.note = f"{kept} {line}".strip()
    meta.metrics["lecture_ranks"] = {f"{r.sentence} -> {r.expected}": r.rank for r in ranks}
    save_folder_meta(folder, meta)
    return line


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
