"""The Transformer lesson's Streamlit pieces that the page has no room for: the training-snapshot picker of the
greedy-decoding tab and the pick of one decoding step."""

from __future__ import annotations

import streamlit as st

from tlviz import toy_translator as tt
from tlviz import ui
from tlviz.i18n import _


def training_snapshot(translator: tt.ToyTranslator) -> tt.ToyTranslator:
    """A kept slider (``?snap=`` in the URL) over the training steps the checkpoint kept snapshots of, with a line on
    the chosen one; returns the model as it was at that step (``translator`` itself when it kept none)."""
    steps = list(translator.snapshots)
    if not steps:
        return translator
    ui.clamp_kept("tf_snap", options=steps)
    step = ui.kept(st.select_slider, _("Training snapshot: the model after step…"), key="tf_snap", default=steps[-1],
                   options=steps, url="snap", format_func=lambda s: tt.snapshot_label(s, steps[-1]),
                   help=_("The shipped model was saved along its training. Early snapshots are unsure: compare the "
                          "next-word distribution at step 0, 50 and at the end."))
    st.caption(tt.snapshot_note(translator, step))
    return tt.at_step(translator, step)


def decode_step(dec: tt.DecodeTrace) -> int:
    """A kept radio (``?step=``) over a greedy decode's steps, each labelled with the word it chose (1-based)."""
    ui.clamp_kept("tf_step", lo=1, hi=len(dec.steps))
    return ui.kept(st.radio, _("Step"), key="tf_step", default=1, options=list(range(1, len(dec.steps) + 1)),
                   url="step", horizontal=True, format_func=lambda i: f"{i}: {dec.steps[i - 1].chosen}")
