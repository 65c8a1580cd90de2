"""Vision Transformer: an image becomes a sequence of patches; what the class token attends to, and rollout."""

import hashlib

import numpy as np
import streamlit as st

from tlviz import attribution, cnn, images, ui, vit
from tlviz.errors import InputError
from tlviz.viz import bar_topk
from tlviz.viz import vit as vz

ui.setup()
ui.header("Vision Transformer: an image is worth 16x16 words",
          "A ViT cuts the image into a grid of **patches**, flattens each one and **projects** it linearly to a "
          "token, adds a learnt **position embedding**, puts a **[CLS]** token in front and reads the sequence "
          "with a standard Transformer encoder. The class is predicted from the [CLS] token's final state.")

name = ui.model_picker("vit", key="vit_model")
model = None
with ui.guard("loading the model"):
    model = ui.load_model("vit", name)
if model is None:
    st.stop()
if model.grey:
    st.info(f"**This offline default knows only 10 animal silhouettes**: {', '.join(model.labels)} (white shape on "
            f"black, {model.input_size}x{model.input_size} px, from Animal-MNIST). Its natural inputs are the "
            "silhouettes below, held out from its training. A photo is converted honestly (grey, cropped, shrunk "
            f"to {model.input_size} px): expect its guesses on photos to be meaningless.", icon="ℹ️")

# ------------------------------------------------------------------ the image (samples or an upload)
options = vit.sample_names(model)
if st.session_state.get("vit_sample") not in options:
    st.session_state.pop("vit_sample", None)


def _keep(label, img):  # the digest is computed once per image, not on every rerun
    st.session_state["vit_image"] = (label, img, hashlib.md5(np.asarray(img).tobytes()).hexdigest())


def _use_sample():
    with ui.guard("the sample"):
        _keep(st.session_state["vit_sample"], vit.load_sample(st.session_state["vit_sample"]))


left, right = st.columns(2)
with left:
    ui.kept(st.selectbox, "Sample image", key="vit_sample", default=options[0], options=options, on_change=_use_sample)
with right:
    upload = st.file_uploader("…or upload an image (JPEG, PNG, GIF, BMP, TIFF, WebP)", key="vit_upload")
if upload is not None and upload.file_id != st.session_state.get("vit_upload_id"):
    st.session_state["vit_upload_id"], st.session_state["vit_upload_error"] = upload.file_id, None
    try:
        _keep(f"upload: {upload.name}", images.load_image(upload.getvalue()))
    except InputError as exc:
        st.session_state["vit_upload_error"] = f"'{upload.name}' was not used: {exc}"
if upload is not None and st.session_state.get("vit_upload_error"):
    st.error(st.session_state["vit_upload_error"] + " The previous image and its results are kept.", icon="⚠️")
if len(st.session_state.get("vit_image", ())) != 3:
    _use_sample()
label, image, digest = st.session_state["vit_image"]

# ------------------------------------------------------------------ one analysis per (model, image), kept
key = (model.name, digest)
store = st.session_state.setdefault("vit_results", {})
res = None
with ui.guard("the analysis"):
    if key not in store:
        with st.spinner("Running the ViT…"), ui.heavy(f"ViT attention ({model.name})"):
            store[key] = vit.analyse(model, image)
        while len(store) > 3:  # a ViT-B trace is ~20 MB: keep only the last few per student
            store.pop(next(iter(store)))
    res = store[key]
if res is None:
    st.stop()
tr, pt = res.trace, res.patches
rows, cols = tr.grid
pix = vz.display_pixels(tr.pixels)
st.caption(f"Image: **{label}** ({image.width}x{image.height} px) → the model sees {model.input_size}x"
           f"{model.input_size} px → {rows}x{cols} = {rows * cols} patches of {tr.patch_size}x{tr.patch_size} px "
           f"→ {tr.weights.shape[-1]} tokens ({tr.num_prefix} prefix + {rows * cols} patches).")

st.header("1. The image becomes a sequence")
a, b = st.columns([2, 3])
with a:
    ui.figure(vz.patch_grid(pix, tr.grid, "Patch grid"), "vit_grid",
              "What the model sees, cut into non-overlapping patches: each one becomes one 'word'.")
with b:
    ui.figure(vz.patch_sequence(pt.pixels), "vit_sequence",
              "The same patches in reading order (row by row). From here on, the model only knows a patch's place "
              "through its position embedding.")

st.header("2. Flatten and project")
d = pt.embedded.shape[1]
st.markdown(f"Each patch's {tr.patch_size}×{tr.patch_size}×{pt.flat.shape[1] // tr.patch_size ** 2} values are "
            f"flattened into a vector of {pt.flat.shape[1]}, then multiplied by one learnt matrix W "
            f"({pt.flat.shape[1]}×{d}) plus a bias: every patch becomes a {d}-dimensional token.")
a, b = st.columns(2)
with a:
    ui.figure(vz.flattened_patches(pt.flat), "vit_flat", "Rows are patches, columns pixel values "
              "(normalised: red below the mean grey, blue above).")
with b:
    ui.figure(vz.patch_tokens(pt.embedded), "vit_tokens", "The same patches after the linear projection "
              "(a 'convolution' with kernel = stride = patch size).")

st.header("3. Position embeddings")
ui.figure(vz.position_similarity_grid(res.position_similarity), "vit_pos",
          table=vz.position_similarity_table(res.position_similarity), explanation=
          "Tile (r, c) shows how similar patch (r, c)'s learnt position embedding is to every other patch's "
          "(cosine). Nobody told the model about rows and columns: a trained ViT learns that nearby patches, and "
          "patches in the same row or column, get similar embeddings.", side=True)

st.header("4. What the [CLS] token attends to")
ui.figure(vz.head_mosaic(tr.cls_maps(), pix), "vit_heads", table=vz.cls_maps_table(tr.cls_maps()), explanation=
          "Each thumbnail: one layer (row) and head (column), the [CLS] token's attention to every patch, each "
          "map scaled to its own maximum (bright = more). Early layers often look broadly; later heads "
          "specialise.")
heads = ["mean of heads"] + [f"head {h + 1}" for h in range(tr.num_heads)]
for k, hi in (("vit_layer", tr.num_layers), ("vit_row", rows - 1), ("vit_col", cols - 1), ("vit_head", None)):
    for s in (k, f"_kept_{k}"):  # a previous model may have had more layers, heads or patches
        v = st.session_state.get(s)
        if (hi is None and v is not None and v not in heads) or (hi is not None and isinstance(v, int) and v > hi):
            st.session_state[s] = heads[0] if hi is None else hi
a, b = st.columns(2)
layer = ui.kept(a.slider, "Layer", key="vit_layer", default=tr.num_layers, min_value=1, max_value=tr.num_layers)
head_name = ui.kept(b.selectbox, "Head", key="vit_head", default=heads[0], options=heads)
head = None if head_name == heads[0] else heads.index(head_name) - 1
a, b = st.columns(2)
with a:
    ui.figure(vz.attention_overlay(pix, tr.patch_map(layer - 1, head), tr.grid,
                                   f"[CLS] attention, layer {layer}, {head_name}"), "vit_cls",
              "Attention weights of the [CLS] query over the patches in this layer alone.")
with b:
    ui.figure(vz.attention_overlay(pix, res.rollout, tr.grid, "Attention rollout (all layers)",
                                   overlay_title="rollout"), "vit_rollout",
              "Rollout (Abnar & Zuidema 2020): average the heads, add the identity for the residual path, "
              "renormalise, multiply the layers. An estimate of how much each patch flows into [CLS].")

st.header("5. Pick a patch: what does it attend to?")
a, b = st.columns(2)
r = ui.kept(a.slider, "Patch row", key="vit_row", default=rows // 2, min_value=0, max_value=rows - 1)
c = ui.kept(b.slider, "Patch column", key="vit_col", default=cols // 2, min_value=0, max_value=cols - 1)
query = tr.num_prefix + r * cols + c
ui.figure(vz.attention_overlay(pix, tr.patch_map(layer - 1, head, query), tr.grid,
                               f"Patch ({r},{c}) as the query, layer {layer}, {head_name}", query=(r, c)),
          "vit_patch", "The outlined patch's row of the attention matrix: where it reads information from. Layer "
          "and head are chosen above.", side=True)

st.header("6. Prediction")
truth = vit.sample_class(label) if model.grey else None
ui.figure(bar_topk([lab for lab, _ in res.top], [p for _, p in res.top], "Top-5 classes", highlight=truth),
          "vit_top5", f"The [CLS] token's final state through the classification head ({len(model.labels)} classes)."
          + (f" The true class of this held-out silhouette is **{truth}** (red when it is in the top 5)."
             if truth else ""), side=True)

st.header("7. Attention is not an explanation")
st.markdown("Attention says where information is **read from**, not what **caused** the prediction: values, "
            "MLPs and residual paths matter too, and different attention can give the same output (Jain & "
            "Wallace 2019). Attribution methods differentiate the model instead. Here: the packaged ImageNet CNN "
            "(EfficientNet-Lite0) on the same image, explained with captum, beside the ViT's rollout.")
method = ui.kept(st.radio, "Attribution", key="vit_attr", default="Grad-CAM", horizontal=True,
                 options=["Grad-CAM", "Integrated gradients (slower)"])
with ui.guard("the CNN attribution"):
    akey = ("attr", method, key[1])
    if akey not in store:
        cnn_model = ui.load_model("cnn", cnn.DEFAULT)
        with st.spinner(f"{method} on {cnn_model.name}…"), ui.heavy(method):
            heat, target = attribution.explain(cnn_model, image, "grad_cam" if method == "Grad-CAM" else "ig")
            store[akey] = (heat, cnn_model.labels[target],
                           vit.view_pixels(image, cnn_model.input_size, cnn_model.crop_pct))
    heat, cls_name, cnn_pix = store[akey]
    a, b = st.columns(2)
    with a:
        ui.figure(vz.attribution_overlay(cnn_pix, heat, f"CNN {method}: '{cls_name.split(',')[0]}'"), "vit_attr",
                  f"Pixels that raised the CNN's score for its top class '{cls_name}'."
                  + (" It knows ImageNet's 1000 photo classes, not silhouettes: its class here is as meaningless "
                     "as the default ViT's on a photo." if truth else ""))
    with b:
        ui.figure(vz.attention_overlay(pix, res.rollout, tr.grid, "ViT attention rollout", overlay_title="rollout"),
                  "vit_rollout2", "Where the ViT's [CLS] token reads from. Agreement is not guaranteed, and neither "
                  "map alone is the 'reason' for a prediction.")
