"""Home: what tlviz teaches, the lessons in lecture order, and the models available now."""

import pandas as pd
import streamlit as st

from tlviz import models, ui
from tlviz.lessons import GROUPS, available_lessons

ui.setup()
ui.header("tlviz: attention and transfer learning, hands-on",
          "Type sentences, upload images, freeze layers and retrain models live, and watch what they attend to. "
          "The lessons follow the lecture: **attention** in sequence-to-sequence models, the **Transformer** "
          "built from scratch, pretrained **BERT** and **Vision Transformers**, and **transfer learning** "
          "measured on your own training curves. Everything runs on this machine, with no internet needed.")

lessons = available_lessons()
for group in GROUPS:
    in_group = [lesson for lesson in lessons if lesson.group == group]
    if not in_group:
        continue
    st.subheader(group)
    for lesson in in_group:
        st.page_link(lesson.page, label=f"**{lesson.title}**: {lesson.summary}", icon=lesson.icon)
if not lessons:
    st.info("No lesson pages are installed yet.")

st.subheader("Models")
st.caption("Packaged and project models work offline. Hub models work with internet, or offline once stored "
           "with `python -m tlviz.recipes.prefetch`.")
FAMILY = {"bert": "BERT (text)", "vit": "Vision Transformer", "cnn": "CNN (images)", "seq2seq": "seq2seq (GRU)",
          "transformer": "Transformer"}
with ui.guard("the model list"):
    table = pd.DataFrame([{"model": ("★ " if c.default else "") + c.name, "family": FAMILY.get(c.family, c.family),
                           "source": c.source, "offline now": "yes" if c.offline else "no: needs internet",
                           "size": c.size, "note": c.note} for c in models.catalog()])
    st.table(table.set_index("model"))
    st.caption("★ = an offline default of its lesson. Sources: *package* = weights inside an installed Python package; "
               "*checkpoint* = trained by this project (see tlviz/recipes); *hub* = Hugging Face / timm.")
