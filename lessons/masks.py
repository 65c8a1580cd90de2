"""Masks: padding and look-ahead masks, -inf before the softmax, and what leaks without them."""

import streamlit as st

from tlviz import masks, ui, ui_present
from tlviz.i18n import _
from tlviz.viz import masks as vz

KINDS = {"encoder": vz.ENCODER, "decoder": vz.DECODER}


def show(name: str, builder, *args, side: bool = True, **kwargs):
    """A figure built once for the whole class (per language), with its explanation and CSV export."""
    ui.figure(ui.shared_figure(builder, *args, **kwargs), f"mk_{name}", _(vz.EXPLAIN[name]), side=side)


def section_batch(text: str):
    """The padded batch and its two masks, padding (per sentence) and look-ahead (per position)."""
    batch = ui.shared(masks.lesson, text, True)
    B, L = len(batch.grid), len(batch.grid[0])
    show("grid", vz.token_grid, batch.grid, batch.lengths,
         title=_("The padded batch: {b} sentences × {n} positions").format(b=B, n=L))
    positions = [str(j) for j in range(L)]
    c1, c2 = st.columns(2)
    with c1:
        show("padding", vz.bool_matrix, batch.padding, x_labels=positions, y_labels=vz.sentence_labels(B),
             title=_("Padding mask"), x_title=_("position"), y_title="", side=False)
    with c2:
        show("causal", vz.bool_matrix, batch.look_ahead, x_labels=positions, y_labels=positions,
             title=_("Look-ahead (causal) mask"), side=False)
    return batch


def section_sentence(text: str, batch):
    """One sentence's mask, scores before and after masking, its weights (or the leak) and the leak over all."""
    st.subheader(_("One sentence's attention"))
    c1, c2 = st.columns([1, 2])
    options = list(range(len(batch.grid)))
    ui.clamp_kept("mk_which", options=options)
    which = ui.kept(c1.selectbox, _("Sentence"), key="mk_which", default=min(1, options[-1]), options=options,
                    url="sentence", format_func=lambda b: f"{b + 1}: {' '.join(batch.grid[b][:batch.lengths[b]])}")
    kind = ui.kept(c2.radio, _("Which attention"), key="mk_kind", default="decoder", options=list(KINDS),
                   url="attention", format_func=lambda k: _(KINDS[k]))
    forget = ui.kept(st.toggle, _("Forget the mask"), key="mk_forget", default=False, url="forget",
                     help=_("Softmax the raw scores, as if the mask had been left out, and see what leaks."))
    lesson = ui.shared(masks.lesson, text, kind == "decoder")
    result, tokens = lesson.attention, lesson.grid[which]
    blocked = result.blocked(which)
    show("combined", vz.bool_matrix, result.mask[which], tokens, tokens, title=_(vz.COMBINED_TITLE[kind]))
    c1, c2 = st.columns(2)
    with c1:
        show("scores", vz.scores_matrix, result.scores[which], tokens, title=_("Scores Q·Kᵀ/√d before masking"),
             side=False)
    with c2:
        show("scores_masked", vz.scores_matrix, result.scores[which], tokens, masked=blocked,
             title=_("Scores after masking (−∞ in grey)"), side=False)
    if forget:
        show("leak", vz.weights_matrix, result.weights_unmasked[which], tokens, leak=blocked,
             title=_("Softmax WITHOUT the mask: the leak (red boxes)"))
    else:
        show("weights", vz.weights_matrix, result.weights[which], tokens, masked=blocked,
             title=_("Softmax of the masked scores"))
    show("leak_bars", vz.leak_bars, result.leak(True, lesson.kinds), result.leak(False, lesson.kinds),
         title=_("Where real words' attention goes (all sentences)"))
    return lesson


def main():
    ui.setup()
    ui.header(_("Attention masks"), _(vz.INTRO))
    text = ui.kept(st.text_area, _("Sentences of a batch (one per line)"), key="mk_text", url="text",
                   default="the cat drinks milk\nyou are welcome\nhello", height=110)
    with ui.guard(_("the sentences")):
        batch = ui_present.slide(1, section_batch, text)
        ui_present.slide(2, section_sentence, text, batch)


main()
