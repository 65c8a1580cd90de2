"""Positional encoding: sinusoids that put word order back into attention."""

import streamlit as st

from tlviz import positional, ui, ui_present
from tlviz.i18n import _
from tlviz.viz import positional as vz

D_MODELS = [4, 8, 16, 32, 64, 128, 256, 512]


def show(name: str, builder, *args, side: bool = True, **kwargs):
    """A figure built once for the whole class (per language), with its explanation and CSV export."""
    ui.figure(ui.shared_figure(builder, *args, **kwargs), f"pe_{name}", _(vz.EXPLAIN[name]), side=side)


def section_lecture():
    """The lecture's d_model = 4 table."""
    st.header(_("The lecture's example: d_model = 4"))
    n4 = ui.kept(st.slider, _("Positions"), key="pe_n4", default=4, min_value=1, max_value=12, url="n4")
    st.dataframe(ui.shared_figure(vz.lecture_table, ui.shared(positional.sinusoidal, n4, 4)), width="stretch")
    st.caption(_(vz.TEXT["lecture"]))
    return n4


def section_encoding():
    """The whole PE matrix, chosen dimensions as curves, the wavelengths and the similarity of positions."""
    st.header(_("The whole encoding"))
    a, b = st.columns(2)
    d_model = ui.kept(a.select_slider, "d_model", key="pe_d", default=64, options=D_MODELS, url="d")
    length = ui.kept(b.slider, _("Positions"), key="pe_len", default=60, min_value=2, max_value=200, url="positions")
    positional.check_sizes(length, d_model)
    pe = ui.shared(positional.sinusoidal, length, d_model)
    show("heatmap", vz.pe_heatmap, pe, title=_("PE: {n} positions × {d} dimensions").format(n=length, d=d_model))
    st.subheader(_("Sines and cosines of chosen dimensions"))
    dims = ui.kept(st.multiselect, _("Dimensions"), key=f"pe_dims_{d_model}", options=list(range(d_model)),
                   default=[0, 1, min(6, d_model - 2), min(7, d_model - 1)], max_selections=6)
    if dims:
        show("curves", vz.pe_curves, d_model, sorted(set(dims)), length)
    else:
        st.info(_("Pick at least one dimension to draw."))
    st.subheader(_("Wavelengths: a geometric progression"))
    ui.figure(ui.shared_figure(vz.wavelength_figure, d_model), "pe_wavelengths", _(vz.EXPLAIN["wavelengths"]).format(
        ratio=positional.wavelength_ratio(d_model), last=positional.wavelengths(d_model)[-1]), side=True)
    st.subheader(_("How similar are two positions?"))
    sim = ui.shared(positional.similarity, pe)
    c1, c2 = st.columns(2)
    with c1:
        show("similarity", vz.similarity_figure, sim, title="PE(p) · PE(q)", side=False)
    with c2:
        show("profile", vz.similarity_profile, sim, title="PE(0) · PE(k)", side=False)
    return pe


def section_shift():
    """PE(pos + k) = M · PE(pos) with one M for every pos."""
    st.header(_("PE(pos + k) is a linear function of PE(pos)"))
    c1, c2, c3 = st.columns(3)
    d = ui.kept(c1.select_slider, _("d_model here"), key="pe_d_shift", default=8, options=[2, 4, 8, 16, 32],
                url="d_shift")
    k = ui.kept(c2.slider, _("Offset k"), key="pe_k", default=3, min_value=0, max_value=50, url="k")
    pos = ui.kept(c3.slider, _("Position pos"), key="pe_pos", default=5, min_value=0, max_value=100, url="pos")
    with ui.guard(_("the shift")):
        check = ui.shared(positional.shift_check, k, pos, d)
        ui.figure(ui.shared_figure(vz.shift_figure, check.matrix, check.pe_from, check.pe_to, pos, k), "pe_shift",
                  _(vz.EXPLAIN["shift"]).format(err=check.error), side=True)
        return check


def section_sentence():
    """A sentence's word embeddings plus their positional encodings: what the first layer reads."""
    st.header(_("What the model reads: embedding + position"))
    sentence = ui.kept(st.text_input, _("A sentence"), key="pe_sentence", default="the cat drinks the milk",
                       url="sentence")
    c1, c2 = st.columns(2)
    d = ui.kept(c1.select_slider, _("d_model for this sentence"), key="pe_d_in", default=32, options=[8, 16, 32, 64],
                url="d_in")
    scale = ui.kept(c2.checkbox, _("Multiply embeddings by √d_model (as the paper does)"), key="pe_scale",
                    default=False, url="scale")
    with ui.guard(_("the sentence")):
        x = ui.shared(positional.model_input, sentence, d, scale=scale)
        show("input", vz.input_sum_figure, x.embeddings, x.pe, x.total, x.tokens, side=False)
        return x


def main():
    ui.setup()
    ui.header(_("Positional encoding"), _(vz.INTRO))
    st.latex(vz.FORMULA)
    with ui_present.section(1), ui.guard(_("the d_model = 4 table")):
        section_lecture()
    with ui_present.section(2), ui.guard(_("the encoding")):
        section_encoding()
    ui_present.slide(3, section_shift)
    ui_present.slide(4, section_sentence)


main()
