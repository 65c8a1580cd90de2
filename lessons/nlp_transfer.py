"""NLP transfer lab: fine-tune a pretrained encoder on a small labelled set, frozen layers, attention before/after."""

import pandas as pd
import streamlit as st

from tlviz import text_data as D
from tlviz import transfer as T
from tlviz import ui, ui_lab, ui_nlp, ui_present
from tlviz.i18n import N_, _
from tlviz.transfer import text as TT
from tlviz.viz import nlp_transfer as NV
from tlviz.viz import transfer as V

CURVES = {"val_acc": N_("validation accuracy"), "val_loss": N_("validation loss"),
          "train_acc": N_("training accuracy"), "train_loss": N_("training loss")}


def section_data() -> tuple[str, D.TextData | None]:
    st.subheader(_("1 · Encoder and texts"))
    backbone = ui.model_picker("bert", key="nt_backbone", label=_("Pretrained encoder"), default=TT.DEFAULT_BACKBONE,
                               url="model")
    source = ui.kept(st.radio, _("Texts to learn"), key="nt_source", default=list(D.PACKAGED)[0], url="data",
                     options=[*D.PACKAGED, ui_nlp.OWN], horizontal=True,
                     format_func=lambda s: _("Your own sentences") if s == ui_nlp.OWN else _(s))
    data = None
    with ui.guard(_("the texts")):
        data = ui_nlp.own_sentences(backbone) if source == ui_nlp.OWN else ui_nlp.packaged_texts(source, backbone)
        if data is not None:
            ui_nlp.show_data(data)
    return backbone, data


def section_plan(backbone: str, data: D.TextData) -> TT.TextRunSpec:
    st.subheader(_("2 · The new head and what to freeze"))
    left, right = st.columns(2)
    with left:
        pooling = ui.kept(st.radio, _("The head reads"), key="nt_pooling", default="mean", url="pooling",
                          options=list(TT.POOLING), format_func=lambda p: _(TT.POOLING[p]).split(":")[0])
        st.caption(_(TT.POOLING[pooling]) + ". " + _(NV.HEAD_NOTE))
        strategy = ui.kept(st.radio, _("Strategy"), key="nt_strategy", default="feature_extraction", url="strategy",
                           options=list(T.STRATEGIES), format_func=lambda s: _(T.STRATEGIES[s]).split(":")[0])
        st.caption(_(T.STRATEGIES[strategy]))
    names, params, new = ui.shared(TT.structure, backbone, len(data.classes), pooling)
    with right:
        cfg = ui_nlp.train_config()
    k = ui.kept(st.slider, _("k: layers to fine-tune"), key="nt_k", default=2, min_value=1, max_value=len(names) - 1,
                url="k") if strategy == "finetune_last" else 1
    plan = ui_nlp.freeze_plan(names, strategy, k, (backbone, pooling))
    lrs = T.stage_lrs(new, plan, cfg.lr, cfg.backbone_lr_factor, pretrained=strategy != "scratch")
    ui.figure(V.block_diagram(names, params, plan, lrs, new), "nt_blocks", _(V.BLOCKS_NOTE))
    return TT.TextRunSpec(data.fingerprint, backbone, strategy, plan, cfg, pooling=pooling)


def section_train(runs: list, spec: TT.TextRunSpec | None, data: D.TextData | None) -> None:
    st.subheader(_("3 · Predict, then train"))
    ui_lab.predict_and_train(runs, spec, data, lambda: ui.shared(TT.structure, spec.backbone, len(data.classes),
                                                                 spec.pooling), ui_nlp.start, prefix="nt")


def section_compare(runs: list) -> None:
    st.subheader(_("4 · Compare runs: start, slope, asymptote"))
    st.dataframe(pd.DataFrame([r.summary() for r in runs]), hide_index=True, width="stretch")
    by_name = {r.name: r for r in runs if T.epoch_rows(r.history)}
    picked = st.multiselect(_("Runs to compare"), list(by_name), default=list(by_name)[-4:],
                            key=f"nt_cmp{len(by_name)}")  # a newly finished run joins the comparison
    metric = st.radio(_("Curve"), list(CURVES), horizontal=True, key="nt_metric", format_func=lambda m: _(CURVES[m]))
    chosen = [by_name[n] for n in picked]
    if chosen:
        with ui.guard(_("the comparison")):
            ui_lab.compare(chosen, metric, _(CURVES[metric]))


def section_changes(runs: list) -> None:
    st.subheader(_("5 · What fine-tuning changed"))
    kept = [r for r in runs if r.model is not None]
    if not kept:
        st.info(_("A finished run keeps its network (the last 3 runs): train one to see what changed."))
        return
    run = ui_lab.run_picker(_("Run"), kept, len(kept) - 1, "nt_run")
    text = ui.kept(st.text_input, _("A sentence to read before and after"), key="nt_sentence", url="sentence",
                   default="The flight was delayed again and nobody told us why.")
    with ui.guard(_("what fine-tuning changed")):
        ui_nlp.weight_change(run)
        ui_nlp.before_after(run, text)


def main() -> None:
    ui.setup()
    ui.header(_("NLP transfer lab"), _(NV.INTRO))
    runs: list = st.session_state.setdefault("nt_runs", [])
    backbone, data = ui_present.slide(1, section_data)
    spec = None
    if data is not None:
        with ui_present.section(2), ui.guard(_("the encoder's layers")):
            spec = section_plan(backbone, data)
    ui_present.slide(3, section_train, runs, spec, data)
    if runs:
        ui_present.slide(4, section_compare, runs)
        ui_present.slide(5, section_changes, runs)


main()
