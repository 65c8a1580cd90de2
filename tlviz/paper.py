""""Attention Is All You Need" (Vaswani et al., NeurIPS 2017) as facts: Table 1 and the training set-up.

Every number here is the paper's; :data:`TRAINING_SETUP` also quotes the lecture's slide wherever the slide
states the same fact ("Training" and "Results" slides of part 2), and leaves the quote empty where only the paper
gives it (training steps, BLEU values). The tests pin each entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlviz.i18n import N_


@dataclass(frozen=True)
class PaperRow:
    """One row of the paper's Table 1 (n: sequence length, d: representation size, k: kernel size)."""

    kind: str  # a key of tlviz.layer_cost.NAMES
    complexity: str  # work per layer
    sequential: str  # operations that cannot run in parallel
    path: str  # maximum path length between any two positions


#: Vaswani et al. 2017, Table 1 (its fourth row, restricted self-attention, O(r·n·d) / O(1) / O(n/r), left out).
TABLE_1 = (
    PaperRow("self_attention", "O(n²·d)", "O(1)", "O(1)"),
    PaperRow("recurrent", "O(n·d²)", "O(n)", "O(n)"),
    PaperRow("convolutional", "O(k·n·d²)", "O(1)", "O(log_k(n))"),
)
#: Table 1's column headings (translated where shown).
TABLE_1_COLUMNS = (N_("Layer type"), N_("Complexity per layer"), N_("Sequential operations"),
                   N_("Maximum path length"))


@dataclass(frozen=True)
class Fact:
    what: str  # msgid: what the fact is about
    value: str  # msgid: the paper's value
    slide: str = ""  # the lecture slide's own words (English on the Greek slides), "" when the slide is silent
    where: str = ""  # where in the paper (a section number, or a msgid naming a table)


#: The paper's training set-up and results (sections 5.1-5.2, 6.1 and Table 2), with the lecture's words.
TRAINING_SETUP = (
    Fact(N_("Data, English-German"), N_("WMT 2014, about 4.5 million sentence pairs; byte-pair encoding, one "
                                        "vocabulary of about 37,000 tokens shared by source and target"),
         "WMT 2014 English-German: 4.5 million sentences pairs with 37K tokens.", "5.1"),
    Fact(N_("Data, English-French"), N_("WMT 2014, 36 million sentences; a word-piece vocabulary of 32,000 "
                                        "tokens"), "WMT 2014 English-French: 36M sentences, 32K tokens.", "5.1"),
    Fact(N_("Hardware"), N_("one machine with 8 NVIDIA P100 GPUs"), "8 Nvidia P100 GPus", "5.2"),
    Fact(N_("Base model"), N_("100,000 steps in 12 hours (about 0.4 s per step)"), "Base model 12 hours", "5.2"),
    Fact(N_("Big model"), N_("300,000 steps in 3.5 days (about 1.0 s per step)"), "big model 3.5 days", "5.2"),
    Fact(N_("Results, English-German (BLEU)"), N_("base 27.3, big 28.4 (newstest2014)"),
         "Results - BLEU score (bilingual evaluation understudy)", N_("6.1, Table 2")),
    Fact(N_("Results, English-French (BLEU)"),
         N_("base 38.1, big 41.8 (newstest2014; the paper's first arXiv version gave 41.0)"), "", N_("6.1, Table 2")),
)
#: The set-up table's column headings (translated where shown).
SETUP_COLUMNS = (N_("What"), N_("The paper"), N_("The lecture's slide (its own words)"), N_("Paper section"))
