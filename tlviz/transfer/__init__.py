"""Transfer learning, measured: freeze plans over a backbone's blocks, discriminative learning rates, a trainer
with a stop flag and early stopping, the frozen-prefix feature cache, and the three benefits of transfer (Torrey &
Shavlik: higher start, higher slope, higher asymptote) read off training curves.

The package is split by idea; every public name is re-exported here (``from tlviz import transfer as T``):

- :mod:`~tlviz.transfer.stages`: the staged network (:class:`TransferModel`, :func:`build`, :func:`structure`);
- :mod:`~tlviz.transfer.plans`: :data:`STRATEGIES`, freeze plans and parameter groups;
- :mod:`~tlviz.transfer.data`: :class:`LabData`, :func:`prepare`, the packaged sets;
- :mod:`~tlviz.transfer.train`: the trainer (speaking :mod:`tlviz.training`), the feature cache,
  :func:`evaluate`;
- :mod:`~tlviz.transfer.metrics`: :func:`curve_metrics`, :func:`time_to_threshold`;
- :mod:`~tlviz.transfer.results`: validation results, Grad-CAM, export;
- :mod:`~tlviz.transfer.lab`: shared runs (:class:`RunSpec`, :func:`trainer`) and a session's runs
  (:class:`Run`, :func:`new_run`, :func:`follow`...).

Nothing here imports streamlit, prints, draws or sleeps; importing the package imports no torch (the functions
import it when they run).
"""

from tlviz.transfer.data import PACKAGED, LabData, packaged_data, prepare
from tlviz.transfer.lab import (
    PREDICTIONS,
    REPLAY_S,
    SETTLE_EPOCHS,
    STATUS,
    Run,
    RunSpec,
    Trained,
    benefits_text,
    budget,
    budget_note,
    estimate_seconds,
    follow,
    history_csv,
    leave,
    new_run,
    prediction_question,
    prediction_reveal,
    start,
    stop_following,
    trainer,
    visible_events,
)
from tlviz.transfer.metrics import SETTLE_SHARE, SLOPE_WINDOW, CurveMetrics, curve_metrics, time_to_threshold
from tlviz.transfer.plans import (
                                    STRATEGIES,
                                    ParamGroupInfo,
                                    apply_plan,
                                    frozen_prefix,
                                    param_groups,
                                    plan_for,
                                    stage_lrs,
)
from tlviz.transfer.results import (
                                    Results,
                                    cam_examples,
                                    cam_layer,
                                    export_bytes,
                                    export_checkpoint,
                                    grad_cam_maps,
                                    results,
)
from tlviz.transfer.stages import Stage, TransferModel, build, from_module, structure
from tlviz.transfer.train import (
                                    CACHE_MAX_BYTES,
                                    EPOCH_METRICS,
                                    TrainConfig,
                                    epoch_rows,
                                    epochs_done,
                                    evaluate,
                                    prefix_bytes,
                                    train,
)

__all__ = ["CACHE_MAX_BYTES", "EPOCH_METRICS", "PACKAGED", "PREDICTIONS", "REPLAY_S", "SETTLE_EPOCHS", "SETTLE_SHARE",
           "SLOPE_WINDOW", "STATUS", "STRATEGIES", "apply_plan", "benefits_text", "budget", "budget_note", "build",
           "cam_examples", "cam_layer",
           "curve_metrics", "CurveMetrics", "epoch_rows", "epochs_done", "estimate_seconds", "evaluate",
           "export_bytes", "export_checkpoint", "follow", "from_module", "frozen_prefix", "grad_cam_maps",
           "history_csv", "LabData", "leave", "new_run", "packaged_data", "param_groups", "ParamGroupInfo", "plan_for",
           "prediction_question", "prediction_reveal", "prefix_bytes", "prepare", "results", "Results", "Run",
           "RunSpec", "Stage", "stage_lrs", "start", "stop_following", "structure", "time_to_threshold", "train",
           "TrainConfig", "Trained", "trainer", "TransferModel", "visible_events"]
