"""Vision Transformer: an image becomes a sequence of patches; what the class token attends to, and rollout."""

import streamlit as st

from tlviz import cnn, ui, ui_present, vit
from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.viz import vit_lesson as vz


def show(res, name, *view, side=False, explanation=None):
    """Figure ``name`` built once for the whole class (per image, view and language), with its text and CSV."""
    table = ui.shared_figure(vz.table, res, name) if name in vz.TABLES else None
    ui.figure(ui.shared_figure(vz.figure, res, name, *view), f"vit_{name}", explanation or vz.explanation(name),
              table=table, side=side)


def pair(res, left, right, widths=(1, 1)):  # two figures side by side, each (name, *view)
    for column, (name, *view) in zip(st.columns(list(widths)), (left, right)):
        with column:
            show(res, name, *view)


def section_model():
    model = ui.load_model("vit", ui.model_picker("vit", key="vit_model", label=_("Model"), url="model"))
    if model.grey:
        st.info(_(vz.GREY_NOTE).format(labels=", ".join(model.labels), size=model.input_size), icon="ℹ️")
    return model


def section_image(model):
    """The image analysed: a sample (kept, in the URL) or an upload; a refused upload keeps the previous image."""
    options, state = vit.sample_names(model), st.session_state
    ui.clamp_kept("vit_sample", options=options)
    left, right = st.columns(2)
    sample = ui.kept(left.selectbox, _("Sample image"), key="vit_sample", default=options[0], options=options,
                     url="image")
    upload = right.file_uploader(_("…or upload an image (JPEG, PNG, GIF, BMP, TIFF, WebP)"), key="vit_upload")
    if state.get("vit_image_sample") != sample:  # a new choice, or a link: the sample replaces the image
        state["vit_image_sample"], state["vit_image"] = sample, (None, sample)
    if upload is not None and upload.file_id != state.get("vit_upload_id"):
        state["vit_upload_id"], state["vit_upload_error"] = upload.file_id, None
        try:
            vit.check_image(upload.getvalue())
            state["vit_image"] = (upload.name, upload.getvalue())
        except InputError as exc:
            state["vit_upload_error"] = _("'{name}' was not used: {reason}").format(name=upload.name, reason=exc)
    if upload is not None and state.get("vit_upload_error"):
        st.error(state["vit_upload_error"] + " " + _("The previous image and its results are kept."), icon="⚠️")
    name, source = state["vit_image"]
    return source, source if name is None else _("upload: {name}").format(name=name)


def section_sequence(res, label):
    st.caption(vz.caption(res, label))
    st.header(_(vz.SECTIONS[0]))
    pair(res, ("grid",), ("sequence",), (2, 3))
    st.header(_(vz.SECTIONS[1]))
    st.markdown(vz.projection_text(res))
    pair(res, ("flat",), ("tokens",))
    st.header(_(vz.SECTIONS[2]))
    show(res, "pos", side=True)


def section_attention(res):
    """The [CLS] token's attention (a layer and head, kept in the URL), rollout, and one patch as the query."""
    st.header(_(vz.SECTIONS[3]))
    show(res, "heads")
    tr, (rows, cols) = res.trace, res.trace.grid
    ui.clamp_kept("vit_layer", lo=1, hi=tr.num_layers)
    ui.clamp_kept("vit_head", options=range(tr.num_heads + 1))
    a, b = st.columns(2)
    layer = ui.kept(a.slider, _("Layer"), key="vit_layer", default=tr.num_layers, min_value=1,
                    max_value=tr.num_layers, url="layer")
    head = ui.kept(b.selectbox, _("Head"), key="vit_head", default=0, options=list(range(tr.num_heads + 1)),
                   url="head", format_func=vz.head_name)
    pair(res, ("cls", layer, head), ("rollout",))
    st.header(_(vz.SECTIONS[4]))
    ui.clamp_kept("vit_row", lo=0, hi=rows - 1)
    ui.clamp_kept("vit_col", lo=0, hi=cols - 1)
    a, b = st.columns(2)
    r = ui.kept(a.slider, _("Patch row"), key="vit_row", default=rows // 2, min_value=0, max_value=rows - 1, url="row")
    c = ui.kept(b.slider, _("Patch column"), key="vit_col", default=cols // 2, min_value=0, max_value=cols - 1,
                url="col")
    show(res, "patch", layer, head, r, c, side=True)


def section_prediction(res, model, source):
    st.header(_(vz.SECTIONS[5]))
    truth = vit.true_class(model, source)
    show(res, "top5", truth, side=True, explanation=vz.explanation("top5", len(model.labels), truth))
    st.header(_(vz.SECTIONS[6]))
    st.markdown(_(vz.NOT_AN_EXPLANATION))
    method = ui.kept(st.radio, _("Attribution"), key="vit_attr", default="grad_cam", options=list(vit.ATTRIBUTIONS),
                     url="attribution", horizontal=True, format_func=lambda m: _(vit.ATTRIBUTIONS[m]))
    with ui.guard(_("the CNN attribution")):
        cnn_model = ui.load_model("cnn", cnn.DEFAULT)
        with st.spinner(_("{method} on {model}…").format(method=_(vit.ATTRIBUTIONS[method]), model=cnn_model.name)):
            exp = ui.shared(vit.explain_with_cnn, cnn_model, source, method)
        a, b = st.columns(2)
        with a:
            ui.figure(ui.shared_figure(vz.attribution_figure, exp), "vit_attr",
                      vz.explanation("attr", truth=truth, label=exp.label))
        with b:
            show(res, "rollout2")


def main():
    ui.setup()
    top, model = st.container(), None  # the title waits for the model: it states the patch size really used
    with ui.guard(_("the model")):
        model = section_model()
    with top:
        ui.header(vz.title(model), _(vz.INTRO))
    with ui.guard(_("the analysis")):
        if model is None:
            return
        source, label = ui_present.slide(1, section_image, model)
        res = ui.shared(vit.lesson, model, source)  # once per (model, image) for the whole class
        ui_present.slide(2, section_sequence, res, label)
        ui_present.slide(3, section_attention, res)
        ui_present.slide(4, section_prediction, res, model, source)


main()
