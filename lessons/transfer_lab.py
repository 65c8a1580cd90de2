"""Transfer-learning lab: choose what to freeze, retrain live, and measure start, slope and asymptote."""

import pandas as pd
import streamlit as st

from tlviz import transfer as T
from tlviz import ui
from tlviz.data import uploads
from tlviz.viz import transfer as V

ui.setup()
ui.header("Transfer-learning lab",
          "Reuse a network pretrained on ImageNet for new classes. Choose which blocks stay **frozen** and which "
          "**train**, retrain live, and compare runs on the three benefits of transfer (Torrey & Shavlik): a "
          "higher **start**, a higher **slope** and a higher **asymptote** than training from scratch.")
runs: list = st.session_state.setdefault("tl_runs", [])
for r in runs:  # a run still "running" here was interrupted by the stop button (or another click): keep it
    if r.status == "running":
        with ui.guard("keeping the stopped run"):
            T.finish_run(r, interrupted=True)
SIZE, TRAIN_PC, VAL_PC = 64, 60, 20

st.subheader("1 · Images")
source = ui.kept(st.radio, "Images to learn", key="tl_source", default=list(T.PACKAGED)[0],
                 options=[*T.PACKAGED, "Your own images"], horizontal=True)
data = None
with ui.guard("the images"):
    if source == "Your own images":
        zip_tab, class_tab = st.tabs(["A zip with one folder per class", "Upload per class"])
        with zip_tab:
            z = st.file_uploader("Zip (cats/…, dogs/…)", type=["zip"], key="tl_zip")
            if z is not None and st.button("Use this zip", key="tl_use_zip"):
                st.session_state["tl_upload"] = uploads.from_zip(z.getvalue(), name=z.name)
        with class_tab:
            n = st.number_input("Number of classes", 2, 8, 2, key="tl_nclass")
            cols, given = st.columns(int(n)), {}
            for i, col in enumerate(cols):
                name = col.text_input("Class name", f"class {i + 1}", key=f"tl_cname{i}")
                files = col.file_uploader("Images", accept_multiple_files=True, key=f"tl_files{i}")
                given[name] = [(f.name, f.getvalue()) for f in files or []]
            if st.button("Use these images", key="tl_use_files"):
                st.session_state["tl_upload"] = uploads.from_class_files(given)
        up = st.session_state.get("tl_upload")
        if up is None:
            st.info("Upload images and press the button to use them. Limits: 2–20 classes, at least 2 images "
                    f"each (up to {uploads.MAX_PER_CLASS} used), zips up to {uploads.MAX_ZIP_BYTES // 2**20} MB.")
        else:
            for note in up.notes:
                st.warning(note)
            if st.session_state.get("tl_upload_data", (None,))[0] is not up:
                st.session_state["tl_upload_data"] = (up, T.prepare(up.dataset, SIZE, None, None, 0.2))
            data = st.session_state["tl_upload_data"][1]
    else:
        per_class = ui.kept(st.select_slider, "Training images per class (fewer = faster runs)", key="tl_subset",
                            default=TRAIN_PC, options=[10, 20, 60, 100, 200])
        with st.spinner("Preparing the images (once for everyone)…"):
            data = T.packaged_data(source, SIZE, per_class, VAL_PC)
        st.caption(f"A subset keeps runs live: {per_class} training and {VAL_PC} validation images per class, "
                   f"upsampled to {SIZE}×{SIZE} RGB (the validation images are never trained on).")
if data is not None:
    counts = pd.DataFrame(data.counts(), columns=["class", "training images", "validation images"])
    st.dataframe(counts.set_index("class").T, width="stretch")

st.subheader("2 · What to freeze")
c1, c2 = st.columns([1, 1])
with c1:
    backbone = ui.model_picker("cnn", key="tl_backbone", label="Pretrained backbone")
    strategy = ui.kept(st.radio, "Strategy", key="tl_strategy", default="feature_extraction",
                       options=list(T.STRATEGIES), format_func=lambda s: T.STRATEGIES[s].split(":")[0])
    st.caption(T.STRATEGIES[strategy])
with c2:
    epochs = ui.kept(st.slider, "Epochs", key="tl_epochs", default=20, min_value=1, max_value=40)
    lr = ui.kept(st.select_slider, "Learning rate of the new classifier", key="tl_lr", default=3e-3,
                 options=[3e-4, 1e-3, 3e-3, 1e-2, 3e-2], format_func=lambda v: f"{v:g}")
    factor = ui.kept(st.select_slider, "Pretrained layers learn this much slower (× rate)", key="tl_factor",
                     default=0.1, options=[0.01, 0.03, 0.1, 0.3, 1.0])
    patience = ui.kept(st.slider, "Early stopping: stop after this many epochs without a better validation "
                       "loss (0 = never)", key="tl_patience", default=4, min_value=0, max_value=10)
    augment = ui.kept(st.checkbox, "Augment (flips, shifts): the whole network then runs every epoch",
                      key="tl_augment", default=False)
plan = None
with ui.guard("the network's blocks"):
    n_cls = len(data.classes) if data is not None else 10
    names, params, new = T.structure(backbone, n_cls)
    k = ui.kept(st.slider, "k: blocks to fine-tune", key="tl_k", default=1, min_value=1,
                max_value=len(names) - 1) if strategy == "finetune_last" else 1
    default = [nm for nm, t in zip(names, T.plan_for(strategy, len(names), k)) if t]
    on = st.pills("Trainable blocks (click to freeze or unfreeze)", names, selection_mode="multi",
                  default=default, key=f"tl_pills_{strategy}_{k}_{backbone}")
    plan = tuple(nm in on for nm in names)
    lrs = T.stage_lrs(new, plan, lr, factor, pretrained=strategy != "scratch")
    ui.figure(V.block_diagram(names, params, plan, lrs, new), "tl_blocks",
              "Each bar is a block of the network, input on the left. Grey blocks are frozen; blue ones train "
              "with the smaller rate of pretrained layers; orange is the new classifier, with the full rate.")

st.subheader("3 · Predict, then train")
prediction = st.radio("Before you train: compared with **from scratch**, this run's first accuracy will be…",
                      ["higher", "about the same", "lower"], index=None, horizontal=True, key="tl_predict")
if st.button("▶ Train", type="primary", disabled=data is None or plan is None or not any(plan)):
    with ui.guard("training"):
        cfg = T.TrainConfig(epochs=epochs, lr=lr, backbone_lr_factor=factor, patience=patience or None,
                            augment=augment, seed=len(runs))
        st.button("Stop training (keeps the curve so far)", key="tl_stop",
                  help="Changing any setting while a run trains stops it too; its curve so far is kept.")
        bar, update = ui.progress(1, "Waiting to start…")
        live, timing = st.empty(), st.empty()

        def on_epoch(rec, hist):
            run.history = hist
            curves = {"training accuracy": hist.series("train_acc"), "validation accuracy": hist.series("val_acc")}
            live.plotly_chart(V.training_curves(curves, "accuracy", title=f"{run.name}: live", x_max=cfg.epochs,
                                                y_range=(0, 1.02)), width="stretch")
            timing.caption(f"Epoch {rec.epoch}: {rec.seconds:.2f} s · validation accuracy {rec.val_acc:.1%}")

        with ui.heavy(f"a training run of {len(data.classes)} classes"):
            update(0, "Preparing the network…")
            tm = T.build(backbone, len(data.classes), data.classes, strategy != "scratch", SIZE)
            run = T.new_run(len(runs) + 1, tm, plan, cfg, strategy, data, prediction=prediction)
            runs.append(run)
            run.history = T.train(tm, data, plan, cfg, on_epoch=on_epoch,
                                  on_progress=lambda p: update(p.done / max(1, p.total), p.message))
        T.finish_run(run)
        for old in runs[:-3]:
            old.model = None  # a session keeps the networks of its last 3 runs only

if runs:
    st.subheader("4 · Compare runs: start, slope, asymptote")
    st.dataframe(pd.DataFrame([r.summary() for r in runs]), hide_index=True, width="stretch",
                 column_config={"final val acc": st.column_config.NumberColumn(format="percent"),
                                "best val acc": st.column_config.NumberColumn(format="percent"),
                                "s / epoch": st.column_config.NumberColumn(format="%.2f")})
    by_name = {r.name: r for r in runs}
    picked = st.multiselect("Runs to compare", list(by_name), default=list(by_name)[-4:],
                            key=f"tl_compare_{len(runs)}")
    metric = st.radio("Curve", ["val_acc", "val_loss", "train_acc", "train_loss"], horizontal=True, key="tl_metric",
                      format_func=lambda m: m.replace("val", "validation").replace("_", " "))
    chosen = [by_name[n] for n in picked if by_name[n].history.epochs]
    with ui.guard("the comparison"):
        if chosen:
            curves = {r.name: r.history.series(metric) for r in chosen}
            metrics = {n: T.curve_metrics(*c, higher_is_better="acc" in metric) for n, c in curves.items()}
            ui.figure(V.training_curves(curves, metric.replace("_", " "), metrics), "tl_curves",
                      "Ring = start (first epoch). Dotted = slope, drawn until the curve had covered 90% of its way "
                      "to the asymptote. Dashed = asymptote, the mean of the last quarter of the epochs.")
            ui.figure(V.metrics_comparison(list(metrics), list(metrics.values()), metric.split("_")[1]),
                      "tl_metrics", "Definitions: start = first evaluated value; slope = 0.9 × (asymptote − start) "
                      "÷ epochs taken to get 90% of the way (positive = improving, also for losses); asymptote "
                      "= mean of the last quarter of the epochs.")
            st.download_button("⬇ All curves (CSV)", T.history_csv({r.name: r.history for r in chosen}),
                               "transfer_curves.csv", key="tl_csv")
            reveal = T.prediction_reveal(chosen)
            if reveal:
                st.info(reveal)

    st.subheader("5 · Inside one run")
    with ui.guard("the results"):
        run = by_name[st.selectbox("Run", list(by_name), index=len(by_name) - 1, key="tl_result_run")]
        res = run.results
        if res is None:
            st.info("This run has no finished epoch to evaluate.")
        else:
            a, b = st.columns(2)
            with a:
                ui.figure(V.confusion_matrix(res.confusion, run.data.classes, f"{run.name}: {res.accuracy:.1%}"),
                          "tl_confusion", "Rows: true class; columns: predicted class. The diagonal is correct.")
            with b:
                ui.figure(V.per_class_accuracy(run.data.classes, res.per_class_acc), "tl_perclass",
                          "Validation accuracy per class; red = well below the average.")
            wrong = res.misclassified[:8]
            if len(wrong):
                st.markdown("**Most confident mistakes** (true → predicted)")
                st.image([run.data.x_val[i].permute(1, 2, 0).numpy() for i in wrong], width=96,
                         caption=[f"{run.data.classes[int(run.data.y_val[i])]} → "
                                  f"{run.data.classes[res.predictions[i]]} ({res.probabilities[i].max():.0%})"
                                  for i in wrong])
            if run.model is not None:
                if st.button("Prepare the trained model for download", key="tl_prep_ckpt"):
                    st.session_state["tl_ckpt"] = (run.id, T.export_bytes(run.model, name=f"tlviz lab {run.name}",
                                                                          metrics={"val_acc": res.accuracy}))
                ckpt = st.session_state.get("tl_ckpt")
                if ckpt and ckpt[0] == run.id:
                    st.download_button("⬇ Checkpoint (.safetensors; load it with tlviz.cnn.load)", ckpt[1],
                                       f"tlviz_run{run.id}.safetensors", key="tl_ckpt_dl")

    st.subheader("6 · Grad-CAM before and after fine-tuning")
    with ui.guard("Grad-CAM"):
        kept = [r for r in runs if r.model is not None and r.results is not None]
        if len(kept) < 2:
            st.info("Train a feature-extraction run and a fine-tuning run (the last 3 runs keep their networks) to "
                    "compare where each looks.")
        else:
            names_k = [r.name for r in kept]
            before_i = next((i for i, r in enumerate(kept) if r.strategy == "feature_extraction"), 0)
            after_i = next((i for i, r in reversed(list(enumerate(kept))) if i != before_i), 1)
            a, b = st.columns(2)
            before = kept[names_k.index(a.selectbox("Before (frozen backbone)", names_k, before_i, key="tl_cam_a"))]
            after = kept[names_k.index(b.selectbox("After (fine-tuned)", names_k, after_i, key="tl_cam_b"))]
            if st.button("Show Grad-CAM on 6 validation images", key="tl_cam_go"):
                idx = T.cam_examples(before.data, 6)
                with st.spinner("Computing Grad-CAM…"), ui.heavy("Grad-CAM"):
                    maps = {r.name: T.grad_cam_maps(r.model, r.data, idx) for r in (before, after)}
                layer = T.cam_layer(after.model)[1]
                for r in (before, after):
                    st.image([V.cam_overlay(r.data.x_val[i].permute(1, 2, 0).numpy(), m)
                              for i, m in zip(idx, maps[r.name])], width=120,
                             caption=[f"{r.name}: {r.data.classes[int(r.data.y_val[i])]}" for i in idx])
                st.caption(f"Grad-CAM for the true class at the output of '{layer}' (bright = supports the "
                           "class). Same images, two networks: does fine-tuning move where the network looks?")
