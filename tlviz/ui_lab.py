"""The transfer lab's Streamlit pieces: the image uploaders, following the class's shared training runs live
(a polling fragment: position in the queue, estimated wait, progress, the curve as it grows, stop), and the
views of one finished run. The policy (what a run is, when runs are shared, what a stopped run keeps) lives in
:mod:`tlviz.transfer.lab`; this module only draws it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from tlviz import jobs, ui
from tlviz import transfer as T
from tlviz.data import uploads
from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.viz import transfer as V

#: How often a student's page looks at the runs it follows (seconds).
POLL_S = 1.0
#: A session keeps the trained networks of its last runs only (each EfficientNet-Lite0 is ~19 MB).
KEEP_MODELS = 3
OWN = "own"


def session_id() -> str:
    """This browser session's id (a student's identity in the training queue)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "script"


def queue() -> jobs.TrainingQueue:
    return jobs.class_queue("transfer-lab")


# ============================================================================================ images

def own_images(size: int) -> T.LabData | None:
    """The "your own images" uploaders (a zip, or files per class); the last accepted upload is kept."""
    zip_tab, class_tab = st.tabs([_("A zip with one folder per class"), _("Upload per class")])
    with zip_tab:
        z = st.file_uploader(_("Zip (cats/…, dogs/…)"), type=["zip"], key="tl_zip")
        if z is not None and st.button(_("Use this zip"), key="tl_use_zip"):
            _use_upload(lambda: uploads.from_zip(z.getvalue(), name=z.name))
    with class_tab:
        n = st.number_input(_("Number of classes"), 2, 8, 2, key="tl_nclass")
        given = []  # (class name, files) per column: two columns may carry the same name (refused, with a message)
        for i, col in enumerate(st.columns(int(n))):
            name = col.text_input(_("Class name"), _("class {i}").format(i=i + 1), key=f"tl_cname{i}")
            files = col.file_uploader(_("Images"), accept_multiple_files=True, key=f"tl_files{i}")
            given.append((name, [(f.name, f.getvalue()) for f in files or []]))
        if st.button(_("Use these images"), key="tl_use_files"):
            _use_upload(lambda: uploads.from_class_files(given))
    up = st.session_state.get("tl_upload")
    if up is None:
        st.info(_("Upload images and press the button to use them. Limits: 2–20 classes, at least 2 images each (up "
                  "to {per_class} used), zips up to {mb} MB.").format(per_class=uploads.MAX_PER_CLASS,
                                                                      mb=uploads.MAX_ZIP_BYTES // 2**20))
        return None
    for note in up.notes:
        st.warning(note)
    if st.session_state.get("tl_upload_data", (None,))[0] is not up:
        st.session_state["tl_upload_data"] = (up, T.prepare(up.dataset, size, None, None, 0.2))
    return st.session_state["tl_upload_data"][1]


def _use_upload(read) -> None:
    """Take a new upload, or say why it was refused and keep the images used before."""
    try:
        st.session_state["tl_upload"] = read()
    except InputError as exc:
        kept = _(" The images you used before are kept.") if "tl_upload" in st.session_state else ""
        st.error(f"{exc}{kept}", icon="⚠️")


def packaged_images(source: str, size: int, val_per_class: int) -> T.LabData:
    per_class = ui.kept(st.select_slider, _("Training images per class (fewer = faster runs)"), key="tl_subset",
                        default=60, options=[10, 20, 60, 100, 200], url="per_class")
    with st.spinner(_("Preparing the images (once for everyone)…")):
        data = ui.shared(T.packaged_data, source, size, per_class, val_per_class)
    st.caption(_("A subset keeps runs live: {n} training and {v} validation images per class, upsampled to {s}×{s} "
                 "RGB (the validation images are never trained on).").format(n=per_class, v=val_per_class, s=size))
    return data


def class_table(data: T.LabData) -> None:
    counts = pd.DataFrame(data.counts(), columns=[_("class"), _("training images"), _("validation images")])
    st.dataframe(counts.set_index(_("class")).T, width="stretch")


def train_config() -> T.TrainConfig:
    """The run's settings, each kept in the URL. The seed is the same for every student: equal settings, equal
    run, trained once for the class."""
    return T.TrainConfig(
        epochs=ui.kept(st.slider, _("Epochs"), key="tl_epochs", default=20, min_value=1, max_value=40, url="epochs"),
        lr=ui.kept(st.select_slider, _("Learning rate of the new classifier"), key="tl_lr", default=3e-3, url="lr",
                   options=[3e-4, 1e-3, 3e-3, 1e-2, 3e-2], format_func=lambda v: f"{v:g}"),
        backbone_lr_factor=ui.kept(st.select_slider, _("Pretrained layers learn this much slower (× rate)"),
                                   key="tl_factor", default=0.1, options=[0.01, 0.03, 0.1, 0.3, 1.0], url="factor"),
        patience=ui.kept(st.slider, _("Early stopping: stop after this many epochs with neither a better validation "
                                      "loss nor accuracy (0 = never)"), key="tl_patience", default=4, min_value=0,
                         max_value=10, url="patience") or None,
        augment=ui.kept(st.checkbox, _("Augment (flips, shifts): the whole network then runs every epoch"),
                        key="tl_augment", default=False, url="augment"))


def freeze_plan(names: Sequence[str], strategy: str, k: int, basis: tuple, prefix: str = "tl",
                label: str | None = None) -> tuple[bool, ...]:
    """The trainable stages (kept in the URL as ``blocks``): the strategy's own plan, which the student may toggle
    stage by stage; another strategy, k or ``basis`` (the backbone, the pooling...) starts again from that
    strategy's plan. Both labs use it (``prefix`` keeps their widgets apart)."""
    default = [n for n, t in zip(names, T.plan_for(strategy, len(names), k)) if t]
    basis = (strategy, k, *basis)
    if st.session_state.get(f"{prefix}_plan_basis", basis) != basis:
        ui.set_kept(f"{prefix}_blocks", default)
    st.session_state[f"{prefix}_plan_basis"] = basis
    on = ui.kept(st.pills, label or _("Trainable blocks (click to freeze or unfreeze)"), key=f"{prefix}_blocks",
                 default=default, url="blocks", options=list(names), selection_mode="multi")
    return tuple(n in (on or []) for n in names)


# ============================================================================================ following runs

def start(run: T.Run) -> None:
    """Ask the class's queue for ``run`` (shared if someone asked for the same) and keep it in the session."""
    T.start(run, queue(), session_id(), time.monotonic())


def predict_and_train(runs: list, spec, data, stages: Callable[[], tuple], begin: Callable[[T.Run], None] = start,
                      prefix: str = "tl") -> None:
    """Section 3 of both labs (images and text): the prediction that fits the strategy, the Train button (the run
    joins the class's queue through ``begin``; ``stages()`` gives its stage names and parameter counts), and the
    session's runs followed live. A session keeps the networks of its last :data:`KEEP_MODELS` runs only."""
    prediction = st.radio(T.prediction_question(spec.strategy if spec else None), T.PREDICTIONS, index=None,
                          horizontal=True, key=f"{prefix}_predict", format_func=_)
    if st.button(_("▶ Train"), type="primary", disabled=spec is None or not any(spec.plan), key=f"{prefix}_train"):
        with ui.guard(_("training")):
            names, params = stages()[:2]
            run = T.new_run(len(runs) + 1, spec, data, names, params, prediction=prediction)
            begin(run)
            runs.append(run)
            for old in runs[:-KEEP_MODELS]:
                old.model = None
    follow(runs, spec.config.epochs if spec else 20)


def follow(runs: Sequence[T.Run], x_max: int) -> None:
    """Show every run of this session that still waits or trains, refreshed every :data:`POLL_S` s; when they
    have all ended the whole page reruns, so the new curves join the comparison."""
    if not any(r.job is not None for r in runs):
        return

    @st.fragment(run_every=POLL_S)
    def live() -> None:
        now, q, me = time.monotonic(), queue(), session_id()
        active = [r for r in runs if r.job is not None]
        for run in active:
            run.job.touch(me)
            T.follow(run, now)
            if run.over:
                _post_to_class(run)
            else:
                _live_run(run, q, me, x_max)
        if all(r.over for r in active):
            st.rerun(scope="app")

    live()


def _post_to_class(run: T.Run) -> None:
    """A finished run joins the class's gallery (when this student is in a class)."""
    from tlviz import class_runs, ui_class

    steps, values = run.history.series("val_acc", x="epoch")
    if steps:
        ui_class.post_class_run(class_runs.run_summary(run.strategy, steps, values, plan=run.spec.plan,
                                                       label=run.name))


def _live_run(run: T.Run, q: jobs.TrainingQueue, me: str, x_max: int) -> None:
    with st.container(border=True):
        if run.status == "waiting":
            st.info(_("⏳ {run}: number {pos} in the class's queue, about {s:.0f} s to wait.").format(
                run=run.name, pos=q.position(run.job), s=q.wait_estimate(run.job)))
            if st.button(_("Leave the queue"), key=f"tl_leave{run.id}"):
                T.leave(run, q, me, time.monotonic())
            return
        events = run.history
        last = run.job.events[-1] if run.job is not None and run.job.events else None
        shared = run.job is not None and len(run.job.followers) > 1
        text = (last.message if last else _("Starting…")) + (_(" · shared with {n} students").format(
            n=len(run.job.followers) - 1) if shared else "") + (_(" · replay") if run.replay else "")
        st.progress(events.steps[-1] / last.total if events.steps and last else 0.0, text=f"{run.name}: {text}")
        curves = {_("training accuracy"): events.series("train_acc", x="epoch"),
                  _("validation accuracy"): events.series("val_acc", x="epoch")}
        st.plotly_chart(V.training_curves(curves, _("accuracy"), title=_("{run}: live").format(run=run.name),
                                          x_max=x_max, y_range=(0, 1.02)), width="stretch", key=f"tl_live{run.id}")
        if st.button(_("Stop training (keeps the curve so far)"), key=f"tl_stop{run.id}"):
            T.leave(run, q, me, time.monotonic())


# ============================================================================================ runs side by side

def compare(chosen: Sequence[T.Run], metric: str, label: str) -> None:
    """The chosen runs' curves with start, slope and asymptote marked, the three side by side, what they show in
    words (computed from these runs), their CSV, and the check of the student's prediction."""
    curves = {r.name: r.history.series(metric, x="epoch") for r in chosen}
    metrics = {n: T.curve_metrics(*c, higher_is_better="acc" in metric) for n, c in curves.items()}
    end = 1 + T.SLOPE_WINDOW
    ui.figure(V.training_curves(curves, label, metrics, x_title=_("epoch")), "tl_curves",
              _(V.CURVES_NOTE).format(end=end))
    unit = _("accuracy") if "acc" in metric else _("loss")
    ui.figure(V.metrics_comparison(list(metrics), list(metrics.values()), unit, _("epoch")), "tl_metrics",
              _(V.METRICS_NOTE).format(end=end))
    shows = T.benefits_text(chosen, metric)
    if shows:
        st.markdown(_("**What these runs show:** {text}").format(text=shows))
    st.download_button(_("⬇ All curves (CSV)"), T.history_csv({r.name: r.history for r in chosen}),
                       "transfer_curves.csv", key="tl_csv")
    reveal = T.prediction_reveal(chosen)
    if reveal:
        st.info(reveal)


# ============================================================================================ one run

def mistakes(run: T.Run) -> None:
    res, data = run.results, run.data
    wrong = res.misclassified[:8]
    if len(wrong):
        st.markdown(_("**Most confident mistakes** (true → predicted)"))
        st.image([data.x_val[i].permute(1, 2, 0).numpy() for i in wrong], width=96,
                 caption=[f"{data.classes[int(data.y_val[i])]} → {data.classes[res.predictions[i]]} "
                          f"({res.probabilities[i].max():.0%})" for i in wrong])


def checkpoint_download(run: T.Run) -> None:
    if run.model is None:
        return
    if st.button(_("Prepare the trained model for download"), key="tl_prep_ckpt"):
        st.session_state["tl_ckpt"] = (run.id, T.export_bytes(run.model, name=f"tlviz lab {run.name}",
                                                              metrics={"val_acc": run.results.accuracy}))
    ckpt = st.session_state.get("tl_ckpt")
    if ckpt and ckpt[0] == run.id:
        st.download_button(_("⬇ Checkpoint (.safetensors; load it with tlviz.cnn.load)"), ckpt[1],
                           f"tlviz_run{run.id}.safetensors", key="tl_ckpt_dl")


def grad_cam_pair(runs: Sequence[T.Run]) -> None:
    """Grad-CAM of a frozen-backbone run beside a fine-tuned one, on the same validation images."""
    kept = [r for r in runs if r.model is not None and r.results is not None]
    frozen = [r for r in kept if r.strategy == "feature_extraction"]
    tuned = [r for r in kept if r.strategy in ("finetune_last", "full")]
    if not frozen or not tuned:
        st.info(_("Train a feature-extraction run and a fine-tuning run (the last 3 runs keep their networks) to "
                  "compare where each looks."))
        return
    a, b = st.columns(2)
    with a:
        before = run_picker(_("Before: frozen backbone"), frozen, len(frozen) - 1, "tl_cam_a")
    with b:
        after = run_picker(_("After: fine-tuned"), tuned, len(tuned) - 1, "tl_cam_b")
    if not st.button(_("Show Grad-CAM on 6 validation images"), key="tl_cam_go"):
        return
    idx = T.cam_examples(before.data, 6)
    with st.spinner(_("Computing Grad-CAM…")), ui.heavy("Grad-CAM"):
        maps = {r.id: T.grad_cam_maps(r.model, r.data, idx) for r in (before, after)}
    for r in (before, after):
        cam_row(r, idx, maps[r.id])
    st.caption(_("Grad-CAM for the true class at the output of '{layer}' (bright = supports the class). Same images, "
                 "two networks: does fine-tuning move where the network looks?").format(
                     layer=T.cam_layer(after.model)[1]))


def cam_row(run: T.Run, indices: Sequence[int], maps) -> None:
    st.image([V.cam_overlay(run.data.x_val[i].permute(1, 2, 0).numpy(), m) for i, m in zip(indices, maps)],
             width=120, caption=[f"{run.name}: {run.data.classes[int(run.data.y_val[i])]}" for i in indices])


def run_picker(label: str, runs: Sequence[T.Run], index: int, key: str) -> T.Run:
    """A run selector that follows the runs that exist: a new run resets it to ``index``."""
    names = [r.name for r in runs]
    choice = st.selectbox(label, names, index=min(index, len(names) - 1), key=f"{key}_{len(runs)}")
    return runs[names.index(choice)]

