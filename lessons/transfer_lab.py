"""Transfer-learning lab: choose what to freeze, retrain live, and measure start, slope and asymptote."""

import pandas as pd
import streamlit as st

from tlviz import transfer as T
from tlviz import ui, ui_lab, ui_present
from tlviz.i18n import N_, _
from tlviz.viz import transfer as V

SIZE, VAL_PC = 64, 20
CURVES = {"val_acc": N_("validation accuracy"), "val_loss": N_("validation loss"),
          "train_acc": N_("training accuracy"), "train_loss": N_("training loss")}


def section_images() -> T.LabData | None:
    st.subheader(_("1 · Images"))
    source = ui.kept(st.radio, _("Images to learn"), key="tl_source", default=list(T.PACKAGED)[0], url="data",
                     options=[*T.PACKAGED, ui_lab.OWN], horizontal=True,
                     format_func=lambda s: _("Your own images") if s == ui_lab.OWN else s)
    data = None
    with ui.guard(_("the images")):
        if source == ui_lab.OWN:
            data = ui_lab.own_images(SIZE)
        else:
            data = ui_lab.packaged_images(source, SIZE, VAL_PC)
    if data is not None:
        ui_lab.class_table(data)
    return data


def section_plan(data: T.LabData | None) -> T.RunSpec | None:
    st.subheader(_("2 · What to freeze"))
    left, right = st.columns(2)
    with left:
        backbone = ui.model_picker("cnn", key="tl_backbone", label=_("Pretrained backbone"))
        strategy = ui.kept(st.radio, _("Strategy"), key="tl_strategy", default="feature_extraction", url="strategy",
                           options=list(T.STRATEGIES), format_func=lambda s: _(T.STRATEGIES[s]).split(":")[0])
        st.caption(_(T.STRATEGIES[strategy]))
    with right:
        cfg = ui_lab.train_config()
        st.caption(T.budget_note(strategy, cfg.epochs, cfg.patience))
    if data is None:
        return None
    names, params, new = ui.shared(T.structure, backbone, len(data.classes))
    k = ui.kept(st.slider, _("k: blocks to fine-tune"), key="tl_k", default=1, min_value=1, max_value=len(names) - 1,
                url="k") if strategy == "finetune_last" else 1
    plan = ui_lab.freeze_plan(names, strategy, k, (backbone,))
    lrs = T.stage_lrs(new, plan, cfg.lr, cfg.backbone_lr_factor, pretrained=strategy != "scratch")
    ui.figure(V.block_diagram(names, params, plan, lrs, new), "tl_blocks", _(V.BLOCKS_NOTE))
    return T.RunSpec(data.fingerprint, backbone, strategy, plan, T.budget(strategy, cfg))


def section_train(runs: list, spec: T.RunSpec | None, data: T.LabData | None) -> None:
    st.subheader(_("3 · Predict, then train"))
    ui_lab.predict_and_train(runs, spec, data, lambda: ui.shared(T.structure, spec.backbone, len(data.classes)))


def section_compare(runs: list) -> None:
    st.subheader(_("4 · Compare runs: start, slope, asymptote"))
    st.dataframe(pd.DataFrame([r.summary() for r in runs]), hide_index=True, width="stretch")
    by_name = {r.name: r for r in runs if T.epoch_rows(r.history)}
    picked = st.multiselect(_("Runs to compare"), list(by_name), default=[*by_name][-4:], key=f"tl_cmp{len(by_name)}")
    metric = st.radio(_("Curve"), list(CURVES), horizontal=True, key="tl_metric",
                      format_func=lambda m: _(CURVES[m]))
    chosen = [by_name[n] for n in picked]
    if not chosen:
        return
    with ui.guard(_("the comparison")):
        ui_lab.compare(chosen, metric, _(CURVES[metric]))


def section_inside(runs: list) -> None:
    st.subheader(_("5 · Inside one run"))
    run = ui_lab.run_picker(_("Run"), runs, len(runs) - 1, "tl_result_run")
    if run.error:
        st.error(run.error)
    if run.results is None:
        st.info(_("This run has no finished epoch to evaluate."))
        return
    with ui.guard(_("the results")):
        res, a, b = run.results, *st.columns(2)
        with a:
            ui.figure(V.confusion_matrix(res.confusion, run.data.classes, f"{run.name}: {res.accuracy:.1%}"),
                      "tl_confusion", _("Rows: true class; columns: predicted class. The diagonal is correct."))
        with b:
            ui.figure(V.per_class_accuracy(run.data.classes, res.per_class_acc), "tl_perclass",
                      _("Validation accuracy per class; red = well below the average."))
        ui_lab.mistakes(run)
        ui_lab.checkpoint_download(run)


def section_grad_cam(runs: list) -> None:
    st.subheader(_("6 · Grad-CAM before and after fine-tuning"))
    with ui.guard(_("Grad-CAM")):
        ui_lab.grad_cam_pair(runs)


def main() -> None:
    ui.setup()
    ui.header(_("Transfer-learning lab"),
              _(V.INTRO))
    runs: list = st.session_state.setdefault("tl_runs", [])
    data, spec = ui_present.slide(1, section_images), None
    with ui_present.section(2), ui.guard(_("the network's blocks")):
        spec = section_plan(data)
    ui_present.slide(3, section_train, runs, spec if data is not None else None, data)
    if runs:
        ui_present.slide(4, section_compare, runs)
        ui_present.slide(5, section_inside, runs)
        ui_present.slide(6, section_grad_cam, runs)


main()
