"""Vision Transformers: the project's own small ViT (offline default), timm ViTs and transformers ViTs, with their
attention captured as numpy arrays.

"An image is worth 16x16 words": the image is cut into a grid of patches, each flattened and linearly projected to
a token, position embeddings are added, a class token is prepended and a Transformer encoder reads the sequence.

This module is the family's public face (``../shared/API.md``); the work is split by idea:

- :mod:`tlviz.vit_model`: the config, building and loading models behind one read-only :class:`ViTHandle`;
- :mod:`tlviz.vit_trace`: one forward pass's attention (:func:`attentions`), :func:`rollout`, :func:`classify`,
  the patches and position embeddings;
- :mod:`tlviz.vit_lesson`: the lesson's images and its bundle per image (:func:`lesson`), the CNN comparison.
"""

from tlviz.vit_lesson import (
    ATTRIBUTIONS,
    PHOTO_PREFIX,
    CNNExplanation,
    ViTAnalysis,
    analyse,
    check_image,
    explain_with_cnn,
    lesson,
    load_sample,
    open_image,
    sample_class,
    sample_names,
    silhouette_samples,
    true_class,
)
from tlviz.vit_model import (
    DEFAULT,
    DEFAULT_CLASSES,
    ViTConfig,
    ViTHandle,
    ViTModel,
    _handle,
    build,
    load,
    view_pixels,
)
from tlviz.vit_trace import (
    SMALL_MODEL_PARAMS,
    AttentionTrace,
    PatchTrace,
    _capture_timm,
    attentions,
    classify,
    patches,
    position_embeddings,
    position_similarity,
    rollout,
    token_labels,
    top,
)

__all__ = [
    "ATTRIBUTIONS", "DEFAULT", "DEFAULT_CLASSES", "PHOTO_PREFIX", "SMALL_MODEL_PARAMS", "AttentionTrace",
    "CNNExplanation", "PatchTrace", "ViTAnalysis", "ViTConfig", "ViTHandle", "ViTModel", "_capture_timm", "_handle",
    "analyse", "attentions", "build", "check_image", "classify", "explain_with_cnn", "lesson", "load", "load_sample",
    "open_image", "patches", "position_embeddings", "position_similarity", "rollout", "sample_class", "sample_names",
    "silhouette_samples", "token_labels", "top", "true_class", "view_pixels",
]
