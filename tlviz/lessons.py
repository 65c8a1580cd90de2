"""The lessons in lecture order (pure data: app.py builds the navigation from it, the home page lists it).

A lesson appears only when its page file exists: no placeholders in the navigation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Lesson:
    group: str
    page: str  # path relative to the repository root
    title: str
    icon: str  # a Material icon: Streamlit ships the font, so it shows offline and on any projector
    summary: str

    @property
    def available(self) -> bool:
        return (ROOT / self.page).is_file()


GROUPS = ("Attention", "Transformers", "Pretrained models", "Transfer learning", "Reference")

LESSONS: tuple[Lesson, ...] = (
    Lesson("Attention", "lessons/seq2seq_attention.py", "Seq2seq attention", ":material/center_focus_strong:",
           "The worked example by hand (scores, softmax, context vector), then a trained GRU encoder-decoder's "
           "alignments."),
    Lesson("Attention", "lessons/positional_encoding.py", "Positional encoding", ":material/waves:",
           "Sinusoids that put word order back: the formula, wavelengths, and why PE(pos+k) is a linear map."),
    Lesson("Attention", "lessons/masks.py", "Masks", ":material/visibility_off:",
           "Padding and look-ahead masks: -inf before the softmax, and what leaks without them."),
    Lesson("Transformers", "lessons/transformer.py", "The Transformer, step by step", ":material/view_in_ar:",
           "One sentence through encoder and decoder: Q, K, V, multi-head attention, teacher forcing, greedy "
           "decoding, trained live."),
    Lesson("Pretrained models", "lessons/bert.py", "BERT masked LM", ":material/extension:",
           "Predict [MASK]ed words and read every layer's and head's attention in a real pretrained model."),
    Lesson("Pretrained models", "lessons/vit.py", "Vision Transformer", ":material/image:",
           "An image is worth 16x16 words: patches, position embeddings, attention over the image, rollout."),
    Lesson("Transfer learning", "lessons/transfer_lab.py", "Transfer-learning lab", ":material/science:",
           "Freeze layers, retrain live and measure the three benefits: higher start, slope and asymptote."),
    Lesson("Reference", "lessons/glossary.py", "Glossary", ":material/translate:",
           "The lecture's terms in Greek and English: symbols, one-line definitions and the lesson of each."),
    Lesson("Reference", "lessons/classroom.py", "Class mode", ":material/groups:",
           "The teacher starts a class (code, link, QR); students join, follow the teacher's view, predict and see "
           "the model's answer, and post their transfer-lab runs to one gallery."),
)


def available_lessons() -> list[Lesson]:
    return [lesson for lesson in LESSONS if lesson.available]
