"""Home: what tlviz teaches, the lessons in lecture order, and the models available now."""

import pandas as pd
import streamlit as st

from tlviz import models, ui, ui_present
from tlviz.i18n import N_, _
from tlviz.lessons import GROUPS, available_lessons

INTRO = N_("Type sentences, upload images, freeze layers and retrain models live, and watch what they attend to. The "
           "lessons follow the lecture: **attention** in sequence-to-sequence models, the **Transformer** built from "
           "scratch, pretrained **BERT** and **Vision Transformers**, and **transfer learning** measured on your own "
           "training curves. Everything runs on this machine, with no internet needed.")
FAMILY = {"bert": N_("BERT (text)"), "vit": N_("Vision Transformer"), "cnn": N_("CNN (images)"),
          "seq2seq": N_("seq2seq (GRU)"), "transformer": N_("Transformer")}


def section_lessons():
    """One link per lesson that exists, under its part of the lecture; returns the lessons listed."""
    lessons = available_lessons()
    for group in GROUPS:
        in_group = [lesson for lesson in lessons if lesson.group == group]
        if in_group:
            st.subheader(_(group))
        for lesson in in_group:
            st.page_link(lesson.page, label=_("**{title}**: {summary}").format(title=_(lesson.title),
                                                                                summary=_(lesson.summary)),
                         icon=lesson.icon)
    if not lessons:
        st.info(_("No lesson pages are installed yet."))
    return lessons


def model_table(cards) -> pd.DataFrame:
    """The catalogue (``models.catalog()``) as the home page shows it: one row per model, the offline defaults
    starred."""
    rows = [{_("model"): ("★ " if c.default else "") + c.name, _("family"): _(FAMILY.get(c.family, c.family)),
             _("source"): c.source, _("offline now"): _("yes") if c.offline else _("no: needs internet"),
             _("size"): c.size, _("note"): _(c.note) if c.note else ""} for c in cards]
    return pd.DataFrame(rows).set_index(_("model"))


def section_models():
    st.subheader(_("Models"))
    st.caption(_("Packaged and project models work offline. Hub models work with internet, or offline once stored "
                 "with `python -m tlviz.recipes.prefetch`."))
    with ui.guard(_("the model list")):
        table = ui.shared_figure(model_table, tuple(models.catalog()))  # once per language and catalogue
        st.table(table)
        st.caption(_("★ = an offline default of its lesson. Sources: *package* = weights inside an installed Python "
                     "package; *checkpoint* = trained by this project (see tlviz/recipes); *hub* = Hugging Face / "
                     "timm."))
        return table
    return None


def main():
    ui.setup()
    ui.header(_("tlviz: attention and transfer learning, hands-on"), _(INTRO))
    ui_present.slide(1, section_lessons)
    ui_present.slide(2, section_models)


main()
