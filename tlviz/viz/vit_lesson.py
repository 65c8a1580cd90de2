"""The ViT lesson's figures and texts, built from one :class:`tlviz.vit.ViTAnalysis` (and the view the student
picked): what the page shows, ready for :func:`tlviz.ui.shared_figure`. Pure: no streamlit, no model.

Views: ``layer`` is 1-based; ``head`` is 0 for the mean of the heads, else the 1-based head; ``(row, col)`` a patch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlviz.i18n import N_, _
from tlviz.vit_lesson import ATTRIBUTIONS
from tlviz.viz.core import bar_topk
from tlviz.viz.vit import (
    attention_overlay,
    attribution_overlay,
    cls_maps_table,
    display_pixels,
    flattened_patches,
    head_mosaic,
    patch_grid,
    patch_sequence,
    patch_tokens,
    position_similarity_grid,
    position_similarity_table,
)

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

TITLE = N_("Vision Transformer: “An image is worth 16x16 words”")
TITLE_MODEL = N_("{title} · this model's words: {p}x{p}-pixel patches, {rows}x{cols} of them ({s}x{s} px)")


def title(model=None) -> str:
    """The page title: the paper's, and beside it the patch size the chosen model really uses (the offline
    default cuts 28x28 images into 4x4 patches, not 16x16)."""
    if model is None:
        return _(TITLE)
    rows, cols = model.grid
    return _(TITLE_MODEL).format(title=_(TITLE), p=model.patch_size, s=model.input_size, rows=rows, cols=cols)


INTRO = N_("A ViT cuts the image into a grid of **patches**, flattens each one and **projects** it linearly to a "
           "token, adds a learnt **position embedding**, puts a **[CLS]** token in front and reads the sequence "
           "with a standard Transformer encoder. The class is predicted from the [CLS] token's final state.")
GREY_NOTE = N_("**This offline default knows only 10 animal silhouettes**: {labels} (white shape on black, "
               "{size}x{size} px, from Animal-MNIST). Its natural inputs are the silhouettes below, held out from its "
               "training. A photo is converted honestly (grey, cropped, shrunk to {size} px): expect its guesses on "
               "photos to be meaningless.")
NOT_AN_EXPLANATION = N_(
    "Attention says where information is **read from**, not what **caused** the prediction: values, MLPs and "
    "residual paths matter too, and different attention can give the same output (Jain & Wallace 2019). Attribution "
    "methods differentiate the model instead. Here: the packaged ImageNet CNN (EfficientNet-Lite0) on the same image, "
    "explained with captum, beside the ViT's rollout.")
SECTIONS = (N_("1. The image becomes a sequence"), N_("2. Flatten and project"), N_("3. Position embeddings"),
            N_("4. What the [CLS] token attends to"), N_("5. Pick a patch: what does it attend to?"),
            N_("6. Prediction"), N_("7. Attention is not an explanation"))
EXPLAIN = {
    "grid": N_("What the model sees, cut into non-overlapping patches: each one becomes one 'word'."),
    "sequence": N_("The same patches in reading order (row by row). From here on, the model only knows a patch's "
                   "place through its position embedding."),
    "flat": N_("Rows are patches, columns pixel values (normalised: red below the mean grey, blue above)."),
    "tokens": N_("The same patches after the linear projection (a 'convolution' with kernel = stride = patch size)."),
    "pos": N_("Tile (r, c) shows how similar patch (r, c)'s learnt position embedding is to every other patch's "
              "(cosine). Nobody told the model about rows and columns: a trained ViT learns that nearby patches, and "
              "patches in the same row or column, get similar embeddings."),
    "heads": N_("Each thumbnail: one layer (row) and head (column), the [CLS] token's attention to every patch, each "
                "map scaled to its own maximum (bright = more). Early layers often look broadly; later heads "
                "specialise."),
    "cls": N_("Attention weights of the [CLS] query over the patches in this layer alone."),
    "rollout": N_("Rollout (Abnar & Zuidema 2020): average the heads, add the identity for the residual path, "
                  "renormalise, multiply the layers. An estimate of how much each patch flows into [CLS]."),
    "patch": N_("The outlined patch's row of the attention matrix: where it reads information from. Layer and head "
                "are chosen above."),
    "top5": N_("The [CLS] token's final state through the classification head ({n} classes)."),
    "top5_truth": N_(" The true class of this held-out silhouette is **{truth}** (red when it is in the top 5)."),
    "attr": N_("Pixels that raised the CNN's score for its top class '{label}'."),
    "attr_grey": N_(" It knows ImageNet's 1000 photo classes, not silhouettes: its class here is as meaningless as "
                    "the default ViT's on a photo."),
    "rollout2": N_("Where the ViT's [CLS] token reads from. Agreement is not guaranteed, and neither map alone is the "
                   "'reason' for a prediction."),
}


def head_name(head: int) -> str:
    """The Head selector's text: 0 = the mean of the heads, h = head h."""
    return _("mean of heads") if head == 0 else _("head {n}").format(n=head)


def caption(res, label: str) -> str:
    """From the image to the tokens, in numbers."""
    tr, (w, h) = res.trace, res.image_size
    rows, cols = tr.grid
    s = tr.pixels.shape[0]
    return _("Image: **{label}** ({w}x{h} px) → the model sees {s}x{s} px → {rows}x{cols} = {n} patches of {p}x{p} px "
             "→ {tokens} tokens ({prefix} prefix + {n} patches).").format(
        label=label, w=w, h=h, s=s, rows=rows, cols=cols, n=rows * cols, p=tr.patch_size, tokens=len(tr.tokens),
        prefix=tr.num_prefix)


def projection_text(res) -> str:
    pt = res.patches
    values, d = pt.flat.shape[1], pt.embedded.shape[1]
    return _("Each patch's {p}×{p}×{c} values are flattened into a vector of {v}, then multiplied by one learnt matrix "
             "W ({v}×{d}) plus a bias: every patch becomes a {d}-dimensional token.").format(
        p=pt.patch_size, c=pt.channels, v=values, d=d)


def explanation(name: str, n_classes: int = 0, truth: str | None = None, label: str = "") -> str:
    """The translated text under figure ``name``; the prediction and attribution texts take their facts."""
    if name == "top5":
        return _(EXPLAIN["top5"]).format(n=n_classes) + (_(EXPLAIN["top5_truth"]).format(truth=truth) if truth else "")
    if name == "attr":
        return _(EXPLAIN["attr"]).format(label=label) + (_(EXPLAIN["attr_grey"]) if truth else "")
    return _(EXPLAIN[name])


def _cls(res, layer: int, head: int) -> go.Figure:
    tr = res.trace
    return attention_overlay(display_pixels(tr.pixels), tr.patch_map(layer - 1, head - 1 if head else None), tr.grid,
                             _("[CLS] attention, layer {layer}, {head}").format(layer=layer, head=head_name(head)))


def _patch(res, layer: int, head: int, row: int, col: int) -> go.Figure:
    tr = res.trace
    heat = tr.patch_map(layer - 1, head - 1 if head else None, tr.query_index(row, col))
    return attention_overlay(display_pixels(tr.pixels), heat, tr.grid, _(
        "Patch ({r},{c}) as the query, layer {layer}, {head}").format(r=row, c=col, layer=layer, head=head_name(head)),
        query=(row, col))


def _rollout(res, title: str) -> go.Figure:
    tr = res.trace
    return attention_overlay(display_pixels(tr.pixels), res.rollout, tr.grid, title, overlay_title=_("rollout"))


def figure(res, name: str, *view) -> go.Figure:
    """Figure ``name`` (a key of :data:`EXPLAIN`) for one analysis and view (see the module's docstring):
    ``cls`` takes (layer, head), ``patch`` (layer, head, row, col), ``top5`` (the true class or None)."""
    tr, pt = res.trace, res.patches
    builders = {
        "grid": lambda: patch_grid(display_pixels(tr.pixels), tr.grid, _("Patch grid")),
        "sequence": lambda: patch_sequence(pt.pixels),
        "flat": lambda: flattened_patches(pt.flat),
        "tokens": lambda: patch_tokens(pt.embedded),
        "pos": lambda: position_similarity_grid(res.position_similarity),
        "heads": lambda: head_mosaic(tr.cls_maps(), display_pixels(tr.pixels)),
        "cls": lambda: _cls(res, *view),
        "rollout": lambda: _rollout(res, _("Attention rollout (all layers)")),
        "rollout2": lambda: _rollout(res, _("ViT attention rollout")),
        "patch": lambda: _patch(res, *view),
        "top5": lambda: bar_topk([lab for lab, _p in res.top], [p for _lab, p in res.top], _("Top-5 classes"),
                                 highlight=view[0] if view else None, x_title=_("probability")),
    }
    return builders[name]()


#: Figures whose CSV export is a table of their own (the others are read off the figure).
TABLES = ("pos", "heads")


def table(res, name: str) -> pd.DataFrame:
    """The numbers behind figure ``name`` (one of :data:`TABLES`) for the CSV export."""
    if name == "pos":
        return position_similarity_table(res.position_similarity)
    return cls_maps_table(res.trace.cls_maps())


def attribution_figure(exp) -> go.Figure:
    """A :class:`tlviz.vit.CNNExplanation` over the CNN's view of the image."""
    return attribution_overlay(exp.pixels, exp.heat, _("CNN {method}: '{label}'").format(
        method=_(ATTRIBUTIONS[exp.method]).split(" (")[0], label=exp.label.split(",")[0]))
