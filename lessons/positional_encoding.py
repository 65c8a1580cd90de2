"""Positional encoding: sinusoids that put word order back into attention."""

import pandas as pd
import streamlit as st

from tlviz import positional, ui
from tlviz.viz import positional as vz

ui.setup()
ui.header("Positional encoding",
          "Attention looks at all words at once, so by itself it cannot tell *the cat chased the dog* from *the "
          "dog chased the cat*. The Transformer therefore **adds** to every word embedding a vector that depends "
          "only on the word's position: fixed sines and cosines of different wavelengths.")
st.latex(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d_{model}}}\right) \qquad "
         r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d_{model}}}\right)")

# ------------------------------------------------------------------ the lecture's d_model = 4 example
st.header("The lecture's example: d_model = 4")
with ui.guard("the d_model = 4 table"):
    n4 = ui.kept(st.slider, "Positions", key="pe_n4", default=4, min_value=1, max_value=12)
    pe4 = positional.sinusoidal(n4, 4)
    table = pd.DataFrame(pe4.round(4), columns=["i=0: sin(pos)", "i=0: cos(pos)", "i=1: sin(pos/100)",
                                                "i=1: cos(pos/100)"], index=[f"pos {p}" for p in range(n4)])
    st.dataframe(table, width="stretch")
    st.caption("With d_model = 4 there are two sin/cos pairs: i = 0 turns with wavelength 2π, i = 1 with "
               "10000^(2/4) = 100 times longer, so its values barely move over a few positions.")

# ------------------------------------------------------------------ the full matrix
st.header("The whole encoding")
a, b = st.columns(2)
d_model = ui.kept(a.select_slider, "d_model", key="pe_d", default=64, options=[4, 8, 16, 32, 64, 128, 256, 512])
length = ui.kept(b.slider, "Positions", key="pe_len", default=60, min_value=2, max_value=200)
with ui.guard("the encoding"):
    positional.check_sizes(length, d_model)
    pe = positional.sinusoidal(length, d_model)
    ui.figure(vz.pe_heatmap(pe, title=f"PE: {length} positions × {d_model} dimensions"), "pe_heatmap",
              "Each row is the vector added to the word at that position. Left columns oscillate fast (they "
              "tell neighbours apart); right columns change slowly (they tell the beginning from the end). No "
              "two rows are the same.", side=True)

    st.subheader("Sines and cosines of chosen dimensions")
    dims = ui.kept(st.multiselect, "Dimensions", key=f"pe_dims_{d_model}",
                   default=[0, 1, min(6, d_model - 2), min(7, d_model - 1)], options=list(range(d_model)),
                   max_selections=6)
    if not dims:
        st.info("Pick at least one dimension to draw.")
    else:
        ui.figure(vz.pe_curves(d_model, sorted(set(dims)), length), "pe_curves",
                  "A word at position pos reads one value (a dot) from each curve. Even dimensions are sines, "
                  "odd ones cosines of the same frequency; higher pairs turn more slowly.", side=True)

    st.subheader("Wavelengths: a geometric progression")
    ratio = 10000 ** (2 / d_model)
    ui.figure(vz.wavelength_figure(d_model), "pe_wavelengths",
              f"Pair i turns with wavelength 2π·10000^(2i/d): each pair's is {ratio:.4g} times the previous one "
              f"(a straight line on a log axis), from 2π up towards 10000·2π (the last pair reaches "
              f"{positional.wavelengths(d_model)[-1]:,.0f}).", side=True)

    st.subheader("How similar are two positions?")
    sim = positional.similarity(pe)
    c1, c2 = st.columns(2)
    with c1:
        ui.figure(vz.similarity_figure(sim, title="PE(p) · PE(q)"), "pe_similarity",
                  "Largest on the diagonal (a position with itself, = d/2) and the same along every parallel: "
                  "the dot product depends only on the distance |p - q|.")
    with c2:
        ui.figure(vz.similarity_profile(sim, title="PE(0) · PE(k)"), "pe_profile",
                  "Nearby positions look alike; far ones less so. Attention can use this to find neighbours.")

# ------------------------------------------------------------------ relative positions
st.header("PE(pos + k) is a linear function of PE(pos)")
c1, c2, c3 = st.columns(3)
d_small = ui.kept(c1.select_slider, "d_model here", key="pe_d_shift", default=8, options=[2, 4, 8, 16, 32])
k = ui.kept(c2.slider, "Offset k", key="pe_k", default=3, min_value=0, max_value=50)
pos = ui.kept(c3.slider, "Position pos", key="pe_pos", default=5, min_value=0, max_value=100)
with ui.guard("the shift"):
    M = positional.shift_matrix(k, d_small)
    table = positional.sinusoidal(pos + k + 1, d_small)
    err = float(abs(table[pos + k] - M @ table[pos]).max())
    ui.figure(vz.shift_figure(M, table[pos], table[pos + k], pos, k), "pe_shift",
              f"M rotates each (sin, cos) pair by the angle k·ωᵢ. It depends on k only: change pos and M stays "
              f"the same, yet M·PE(pos) = PE(pos + k) (largest difference here {err:.1e}). So a layer can learn "
              "to attend 'k words back' with one fixed linear map.", side=True)

# ------------------------------------------------------------------ embedding + PE
st.header("What the model reads: embedding + position")
sentence = ui.kept(st.text_input, "A sentence", key="pe_sentence", default="the cat drinks the milk")
c1, c2 = st.columns(2)
d_in = ui.kept(c1.select_slider, "d_model for this sentence", key="pe_d_in", default=32, options=[8, 16, 32, 64])
scale = ui.kept(c2.checkbox, "Multiply embeddings by √d_model (as the paper does)", key="pe_scale", default=False)
with ui.guard("the sentence"):
    x = positional.model_input(sentence, d_in, scale=scale)
    ui.figure(vz.input_sum_figure(x.embeddings, x.pe, x.total, x.tokens), "pe_input",
              "A repeated word (e.g. 'the') has the same embedding at both places; only the positional encoding "
              "makes its two input rows differ. Embeddings here are fixed random vectors standing in for learnt "
              "ones.")
