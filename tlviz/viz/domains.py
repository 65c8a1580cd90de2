"""Figures of the "what transfer learning is" lesson: example images of two domains, their features in 2-D,
target accuracy before and after each family of deep transfer learning, and the negative-transfer case.
Pure: numpy + labels in, ``go.Figure`` out (conventions in :mod:`tlviz.viz.core`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import N_, _
from tlviz.viz import fit
from tlviz.viz.core import HEAD_COLORS, _layout

if TYPE_CHECKING:
    import plotly.graph_objects as go

SOURCE_COLOR, TARGET_COLOR = "#1f77b4", "#ff7f0e"
BEFORE_COLOR, AFTER_COLOR = "#bdbdbd", "#2ca02c"
WORSE_COLOR = "#d62728"

INTRO = N_("A **domain** D = {X, P(X)} is a feature space X and a distribution P(X) over it; a **task** T = {Y, "
           "P(Y|X)} is a label space Y and the labels' distribution given the inputs, learnt from pairs (xᵢ, yᵢ). "
           "Transfer learning learns the target's P(Yₜ|Xₜ) with help from a source domain and task, when "
           "Dₛ ≠ Dₜ and/or Tₛ ≠ Tₜ, usually with far more source than target data (Nₛ ≫ Nₜ). Below, both domains "
           "are real: the packaged EfficientNet-Lite0's features (1280 numbers per image) of animal silhouettes.")
SCENARIO_TEXT = {
    "x": N_("**Xₛ ≠ Xₜ.** The source is one-channel greyscale silhouettes; the target is colour images, every one "
            "with its own ink and background colours (in text: a language the source never saw, cross-lingual "
            "adaptation). The network maps both into one feature space, but not onto the same places."),
    "px": N_("**P(Xₛ) ≠ P(Xₜ).** The same ten animals, the same label names, but the target's images are "
             "shifted. The features move, and a classifier trained on the source loses accuracy: domain "
             "adaptation is about exactly this case (in text: documents on other topics)."),
    "y": N_("**Yₛ ≠ Yₜ.** The source knows bear, bird, cat, cow and dog; the target asks for elephant, giraffe, "
            "horse, sheep and zebra (the lecture: cat/dog data helping chair/desk/person). The source classifier "
            "cannot name a single target class, yet its features still help a new head learn from a few labels."),
    "pyx": N_("**P(Yₛ|Xₛ) ≠ P(Yₜ|Xₜ).** Same inputs, other labels: the target calls a horse's silhouette "
              "\"zebra\", a cat \"dog\" and a cow \"sheep\" (and back). The lecture's example: the word "
              "\"monitor\" is mostly a noun in technical reports and mostly a verb in patient-monitoring reports: "
              "the same x, another y. No amount of unlabelled target data can reveal this: it takes target labels."),
}
EXPLAIN = {
    "examples": N_("Top row: source images; bottom row: the target's. Both go through the same pretrained "
                   "network."),
    "scatter": N_("Each point is one test image's 1280 features, projected onto the two directions along which "
                  "source and target together vary most (PCA). Circles: source; crosses: target; colour: class."),
    "families": N_("Grey: the source classifier on the target, without adaptation. Green: after the family's "
                   "adaptation. The same target test images throughout."),
    "aligned": N_("The features the adapted classifier reads, source and target together. Point size of the "
                  "instance-based family: a source image's importance weight."),
    "negative": N_("Target test accuracy of a classifier trained on the target's few labels, alone and pooled "
                   "with each source. Red: worse than the target alone: negative transfer."),
}
FAMILY_TEXT = {
    "instance": N_("A domain classifier learns to tell source from target; each source image is weighted by "
                   "p(target|x)/p(source|x), so images that look like the target count more in training."),
    "mapping": N_("The target's features are mapped onto the source's statistics: CORAL matches each feature's "
                  "mean and variance (the full 1280×1280 covariance overfits on 300 images). MMD measures how far "
                  "apart the two distributions are."),
    "network": N_("The network trained on the source is reused as it is (pretrained backbone + source head); its "
                  "feature scale is re-estimated on the target's unlabelled images and its head fine-tuned on {k} "
                  "labelled target images per class. The lab retrains real blocks of the network."),
    "adversarial": N_("DANN: a feature layer feeds the label classifier and, through a gradient-reversal layer, a "
                      "domain classifier. The reversed gradient trains the features to hide which domain an image "
                      "came from while staying useful for the labels."),
}


def examples_strip(source, target, title: str | None = None) -> go.Figure:
    """Two rows of images, uint8 ``(k, S, S, 3)`` each: the source's above, the target's below."""
    import plotly.graph_objects as go

    k = min(len(source), len(target))
    rows = [np.concatenate(list(imgs[:k]), axis=1) for imgs in (source, target)]  # (S, k*S, 3) each
    gap = np.full((4, rows[0].shape[1], 3), 255, np.uint8)
    mosaic = np.concatenate([rows[0], gap, rows[1]], axis=0)
    fig = go.Figure(go.Image(z=mosaic, hoverinfo="skip"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=260)


def feature_scatter(source_xy, target_xy, source_labels, target_labels, source_classes: Sequence[str],
                    target_classes: Sequence[str], title: str | None = None, sizes=None) -> go.Figure:
    """Source (circles) and target (crosses) points in one 2-D projection, coloured by class name."""
    import plotly.graph_objects as go

    fig = go.Figure()
    names = list(dict.fromkeys([*source_classes, *target_classes]))
    size = 9 if sizes is None else np.clip(5 + 6 * np.asarray(sizes, float), 4, 30)
    for xy, labels, classes, symbol, side in ((source_xy, source_labels, source_classes, "circle", _("source")),
                                              (target_xy, target_labels, target_classes, "x", _("target"))):
        xy, labels = np.asarray(xy), np.asarray(labels)
        for c, name in enumerate(classes):
            m = labels == c
            if not m.any():
                continue
            s = size if np.isscalar(size) or side == _("target") else size[m]
            fig.add_trace(go.Scatter(x=xy[m, 0], y=xy[m, 1], mode="markers", name=f"{side}: {name}",
                                     marker=dict(symbol=symbol, size=s if side == _("source") else 9,
                                                 color=HEAD_COLORS[names.index(name) % len(HEAD_COLORS)],
                                                 line=dict(width=1, color="white"), opacity=0.8)))
    fig.update_xaxes(title=_("principal component 1"), zeroline=False)
    fig.update_yaxes(title=_("principal component 2"), zeroline=False)
    return _layout(fig, title, height=480)


def before_after(names: Sequence[str], before: Sequence[float], after: Sequence[float],
                 title: str | None = None) -> go.Figure:
    """Target accuracy without (grey) and with (green) each family's adaptation, side by side."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for values, label, color in ((before, _("without adaptation"), BEFORE_COLOR),
                                 (after, _("with adaptation"), AFTER_COLOR)):
        fig.add_trace(go.Bar(x=list(names), y=list(values), name=label, marker_color=color,
                             text=[f"{v:.0%}" for v in values], textposition="outside"))
    fig.update_yaxes(title=_("target test accuracy"), range=[0, 1.1], tickformat=".0%")
    fig.update_layout(barmode="group")
    return _layout(fig, title, height=400)


def negative_bars(names: Sequence[str], values: Sequence[float], title: str | None = None) -> go.Figure:
    """One bar per training set; red where it is worse than the first (the target alone)."""
    import plotly.graph_objects as go

    base = values[0]
    colors = [BEFORE_COLOR] + [WORSE_COLOR if v < base else AFTER_COLOR for v in values[1:]]
    fig = go.Figure(go.Bar(x=list(values), y=list(names), orientation="h", marker_color=colors,
                           text=[f"{v:.0%}" for v in values], textposition="outside"))
    fig.add_vline(x=base, line_dash="dot", line_color="#555")
    fig.update_xaxes(title=_("target test accuracy"), range=[0, 1.1], tickformat=".0%")
    # long names wrapped (the data keeps them whole, for the CSV): on a phone they pushed the bars off the figure
    fig.update_yaxes(autorange="reversed", tickvals=list(names), ticktext=[fit.wrap(n, 24) for n in names])
    return fit.title(_layout(fig, title, height=340, showlegend=False))
