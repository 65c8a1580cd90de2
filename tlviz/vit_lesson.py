"""The ViT lesson's bundle: the images it offers (held-out silhouettes, bundled photos, uploads), everything it shows
for one image and model (:func:`lesson`), and the CNN attribution it compares with attention.

An image *source* is what a page keeps and what the shared cache keys on: a sample's name (``str``) or an upload's
bytes. Public names are re-exported by :mod:`tlviz.vit`; import them from there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tlviz import attribution, images
from tlviz.errors import InputError
from tlviz.i18n import N_, _
from tlviz.vit_model import DEFAULT_CLASSES, view_pixels
from tlviz.vit_trace import AttentionTrace, PatchTrace, attentions, patches, position_similarity, rollout, top

if TYPE_CHECKING:
    from tlviz.vit_model import ViTHandle

PHOTO_PREFIX = "photo: "
#: The attribution methods the lesson offers, by the name :func:`tlviz.attribution.explain` knows.
ATTRIBUTIONS = {"grad_cam": N_("Grad-CAM"), "ig": N_("Integrated gradients (slower)")}


@dataclass(frozen=True)
class ViTAnalysis:
    """All the lesson shows for one image and model (shared by every session that shows the same image)."""

    trace: AttentionTrace
    patches: PatchTrace
    position_similarity: np.ndarray  # (rows, cols, rows, cols)
    rollout: np.ndarray  # (rows, cols)
    top: list  # [(label, probability)], best first
    image_size: tuple[int, int] = (0, 0)  # (width, height) of the image given, before any crop


def analyse(model: ViTHandle, image, top_k: int = 5) -> ViTAnalysis:
    """One forward pass with attention, the patch embedding, position similarity, rollout and the top-k."""
    trace = attentions(model, image)
    return ViTAnalysis(trace=trace, patches=patches(model, image), position_similarity=position_similarity(model),
                       rollout=rollout(trace), top=top(model.labels, trace.probs, top_k),
                       image_size=(int(image.width), int(image.height)))


@functools.lru_cache(maxsize=2)
def silhouette_samples(per_class: int = 3) -> dict[str, Any]:
    """The default model's natural inputs: Animal-MNIST test silhouettes (never seen in training), as RGB PIL
    images keyed "cat (test #12)", ``per_class`` of each class in class order."""
    from PIL import Image

    from tlviz.data.images import animal_mnist

    _train, test = animal_mnist().split(0.2, seed=0)  # the recipe's split: these images were held out
    out = {}
    for c, name in enumerate(test.classes):
        for i in np.flatnonzero(test.labels == c)[:per_class]:
            out[f"{name} (test #{int(i)})"] = Image.fromarray(test.images[i]).convert("RGB")
    return out


def sample_names(model: ViTHandle | None = None) -> list[str]:
    """Images the lesson offers: the Animal-MNIST silhouettes and the photos bundled with installed packages. Grey
    silhouette models get their silhouettes first; photo models (ImageNet ViTs) get the photos first."""
    photos = [PHOTO_PREFIX + n for n in images.sample_images()]
    try:
        shapes = list(silhouette_samples())
    except InputError:  # Animal-MNIST not installed: photos only
        shapes = []
    return shapes + photos if model is None or model.grey else photos + shapes


def sample_class(name: str) -> str | None:
    """The true class of a silhouette sample ("cat (test #12)" -> "cat"), None for photos and uploads."""
    head = name.split(" (test #")[0]
    return head if " (test #" in name and head in DEFAULT_CLASSES else None


def true_class(model: ViTHandle, source) -> str | None:
    """The class a silhouette model should find for ``source``: known for held-out silhouettes only."""
    return sample_class(source) if model.grey and isinstance(source, str) else None


def load_sample(name: str):
    """One of :func:`sample_names` as an RGB PIL image."""
    if name.startswith(PHOTO_PREFIX):
        return images.load_sample(name[len(PHOTO_PREFIX):])
    shapes = silhouette_samples()
    if name not in shapes:
        raise InputError(_("No sample image called '{name}'.").format(name=name))
    return shapes[name]


def open_image(source):
    """An image source as an RGB PIL image: a sample's name, or an upload's bytes (checked by
    :func:`tlviz.images.load_image`: InputError for anything that is not a safe, decodable image)."""
    if isinstance(source, str):
        return load_sample(source)
    return images.load_image(bytes(source))


def check_image(source) -> tuple[int, int]:
    """``(width, height)`` of an image source, or InputError saying why it cannot be used."""
    image = open_image(source)
    return int(image.width), int(image.height)


def lesson(model: ViTHandle, source, top_k: int = 5) -> ViTAnalysis:
    """:func:`analyse` of an image source (what the page shares between sessions, keyed by model and source)."""
    return analyse(model, open_image(source), top_k)


@dataclass(frozen=True)
class CNNExplanation:
    """A CNN's attribution for the same image: ``heat`` (S, S) in [0, 1] over ``pixels`` (S, S, 3) uint8, the
    centre crop the CNN saw, for its top class ``label``."""

    heat: np.ndarray
    label: str
    pixels: np.ndarray
    method: str


def explain_with_cnn(cnn_model, source, method: str = "grad_cam") -> CNNExplanation:
    """Explain the CNN's top class on an image source with ``method`` (a key of :data:`ATTRIBUTIONS`)."""
    if method not in ATTRIBUTIONS:
        raise InputError(_("Unknown attribution method '{method}'.").format(method=method))
    image = open_image(source)
    heat, target = attribution.explain(cnn_model, image, method)
    return CNNExplanation(heat=heat, label=cnn_model.labels[target], method=method,
                          pixels=view_pixels(image, cnn_model.input_size, cnn_model.crop_pct))
