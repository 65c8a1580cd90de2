"""The lessons in lecture order (pure data: app.py builds the navigation from it, the home page lists it).

A lesson appears only when its page file exists: no placeholders in the navigation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from tlviz.i18n import N_

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Lesson:
    group: str
    page: str  # path relative to the repository root
    title: str  # English, marked N_(): shown as _(title)
    icon: str  # a Material icon: Streamlit ships the font, so it shows offline and on any projector
    summary: str  # English, marked N_(): shown as _(summary)

    @property
    def available(self) -> bool:
        return (ROOT / self.page).is_file()


GROUPS = (N_("Attention"), N_("Transformers"), N_("Pretrained models"), N_("Transfer learning"),
          N_("Reference"))

LESSONS: tuple[Lesson, ...] = (
    Lesson("Attention", "lessons/seq2seq_attention.py", N_("Seq2seq attention"), ":material/center_focus_strong:",
           N_("The worked example by hand (scores, softmax, context vector), then a trained GRU encoder-decoder's "
              "alignments.")),
    Lesson("Attention", "lessons/positional_encoding.py", N_("Positional encoding"), ":material/waves:",
           N_("Sinusoids that put word order back: the formula, wavelengths, and why PE(pos+k) is a linear map.")),
    Lesson("Attention", "lessons/masks.py", N_("Masks"), ":material/visibility_off:",
           N_("Padding and look-ahead masks: -inf before the softmax, and what leaks without them.")),
    Lesson("Transformers", "lessons/transformer.py", N_("The Transformer, step by step"), ":material/view_in_ar:",
           N_("One sentence through encoder and decoder: Q, K, V, multi-head attention, teacher forcing, greedy "
              "decoding, trained live.")),
    Lesson("Pretrained models", "lessons/bert.py", N_("BERT masked LM"), ":material/extension:",
           N_("Predict [MASK]ed words and read every layer's and head's attention in a real pretrained model.")),
    Lesson("Pretrained models", "lessons/vit.py", N_("Vision Transformer"), ":material/image:",
           N_("An image is worth 16x16 words: patches, position embeddings, attention over the image, rollout.")),
    Lesson("Transfer learning", "lessons/what_is_transfer.py", N_("What transfer learning is"),
           ":material/compare_arrows:",
           N_("Domain and task on real features, the four scenarios, the four families of deep transfer learning "
              "measured live, and negative transfer.")),
    Lesson("Transfer learning", "lessons/imagenet_milestones.py", N_("ImageNet milestones"), ":material/emoji_events:",
           N_("AlexNet, GoogLeNet, VGG-16 and ResNet on their real definitions: parameters, layers, the 3×3 "
              "arithmetic, the Inception module, and a plain against a residual network trained live.")),
    Lesson("Transfer learning", "lessons/transfer_lab.py", N_("Transfer-learning lab"), ":material/science:",
           N_("Freeze layers, retrain live and measure the three benefits: higher start, slope and asymptote.")),
    Lesson("Transfer learning", "lessons/nlp_transfer.py", N_("NLP transfer lab"), ":material/chat:",
           N_("Fine-tune a pretrained BERT encoder on tweets or your own sentences: frozen layers, a new head, and "
              "attention before and after.")),
    Lesson("Reference", "lessons/glossary.py", N_("Glossary"), ":material/translate:",
           N_("The lecture's terms in Greek and English: symbols, one-line definitions and the lesson of each.")),
    Lesson("Reference", "lessons/classroom.py", N_("Class mode"), ":material/groups:",
           N_("The teacher starts a class (code, link, QR); students join, follow the teacher's view, predict and see "
              "the model's answer, and post their transfer-lab runs to one gallery.")),
)


def available_lessons() -> list[Lesson]:
    """The lessons whose page file exists (checked once per process: every page run of every student asks)."""
    return list(_available(ROOT))


@functools.cache
def _available(root: Path) -> tuple[Lesson, ...]:
    return tuple(lesson for lesson in LESSONS if (root / lesson.page).is_file())
