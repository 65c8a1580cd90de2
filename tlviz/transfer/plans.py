"""Freeze plans (which stages train under a strategy) and parameter groups with discriminative rates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tlviz.errors import InputError
from tlviz.i18n import N_, _
from tlviz.params import count_parameters
from tlviz.transfer.stages import TransferModel

#: Strategies offered by the lab, with the sentence the page shows.
STRATEGIES: dict[str, str] = {
    "scratch": N_("From scratch: the same network with random weights, every layer trains."),
    "feature_extraction": N_("Feature extraction: the pretrained backbone is frozen; only a new classifier trains."),
    "finetune_last": N_("Fine-tune the last k blocks: early blocks stay frozen (general features), the last k "
                         "blocks and the new classifier train."),
    "full": N_("Full fine-tuning: start from the pretrained weights and train every layer."),
}


# ============================================================================================ freeze plans

def plan_for(strategy: str, n_stages: int, k: int = 1) -> tuple[bool, ...]:
    """Which stages train (True) under a strategy. The last stage is the new classifier and always trains.

    - ``scratch`` and ``full``: every stage;
    - ``feature_extraction``: the classifier only;
    - ``finetune_last``: the last ``k`` backbone stages and the classifier.
    """
    if strategy not in STRATEGIES:
        raise InputError(_("Unknown strategy '{strategy}': choose one of {names}.").format(
            strategy=strategy, names=", ".join(STRATEGIES)))
    if strategy in ("scratch", "full"):
        return (True,) * n_stages
    if strategy == "feature_extraction":
        return (False,) * (n_stages - 1) + (True,)
    k = max(0, min(int(k), n_stages - 1))
    return (False,) * (n_stages - 1 - k) + (True,) * (k + 1)


def apply_plan(tm: TransferModel, plan: Sequence[bool]) -> None:
    """Set ``requires_grad`` on exactly the parameters of the stages that train."""
    plan = tuple(bool(v) for v in plan)
    if len(plan) != len(tm.stages):
        raise InputError(_("The plan has {n} entries for {blocks} blocks.").format(n=len(plan), blocks=len(tm.stages)))
    if not any(plan):
        raise InputError(_("Nothing would train: switch on at least one block (the classifier, say)."))
    for group, trains in zip(tm._stage_params, plan):
        for _name, p in group:
            p.requires_grad_(trains)


def frozen_prefix(plan: Sequence[bool]) -> int:
    """Number of leading stages that are frozen (what the feature cache can skip)."""
    n = 0
    for trains in plan:
        if trains:
            break
        n += 1
    return n


@dataclass(frozen=True)
class ParamGroupInfo:
    name: str
    stages: tuple[str, ...]
    params: int
    lr: float


def param_groups(tm: TransferModel, plan: Sequence[bool], lr: float, backbone_lr_factor: float = 0.1
                 ) -> tuple[list[dict], list[ParamGroupInfo]]:
    """Optimizer parameter groups with discriminative learning rates, and their description for the page.

    The new classifier gets ``lr``; pretrained stages that train get ``lr * backbone_lr_factor`` (they are already
    good and should not be distorted fast). From scratch nothing is pretrained, so every stage gets ``lr``.
    """
    head, body = [], []
    head_names, body_names = [], []
    for st, group, trains in zip(tm.stages, tm._stage_params, plan):
        if not trains or not group:
            continue
        if st.new or not tm.pretrained:
            head += [p for _, p in group]
            head_names.append(st.name)
        else:
            body += [p for _, p in group]
            body_names.append(st.name)
    groups, info = [], []
    if head:
        groups.append({"params": head, "lr": lr})
        info.append(ParamGroupInfo("new classifier" if tm.pretrained else "all layers (random init)",
                                   tuple(head_names), count_parameters(head), lr))
    if body:
        groups.append({"params": body, "lr": lr * backbone_lr_factor})
        info.append(ParamGroupInfo("pretrained layers", tuple(body_names), count_parameters(body),
                                   lr * backbone_lr_factor))
    return groups, info


def stage_lrs(new: Sequence[bool], plan: Sequence[bool], lr: float, backbone_lr_factor: float,
              pretrained: bool = True) -> list[float | None]:
    """The learning rate each stage trains with (None = frozen), as :func:`param_groups` assigns them; ``new``
    flags the freshly initialised classifier stage(s)."""
    return [None if not trains else (lr if (nw or not pretrained) else lr * backbone_lr_factor)
            for nw, trains in zip(new, plan)]
