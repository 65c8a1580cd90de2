"""The staged network: a timm classifier cut into stages in execution order (stem, blocks, classifier).

A frozen stage runs in eval mode (BatchNorm statistics stay the pretrained ones), so it is a fixed function of
its input: what makes the feature cache of :mod:`tlviz.transfer.train` exact.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.params import count_parameters

# ============================================================================================ the staged network

@dataclass(frozen=True)
class Stage:
    """One block of the network as the lab shows it: a name, the modules it owns and how to run it."""

    name: str
    modules: tuple[str, ...]  # attribute paths in the timm model ("blocks.3", "conv_head")
    run: Callable[[Any], Any]  # tensor -> tensor
    new: bool = False  # the freshly initialised classifier (not pretrained)


def _seq(model, paths: Sequence[str]) -> Callable[[Any], Any]:
    mods = [model.get_submodule(p) for p in paths]

    def run(x):
        for m in mods:
            x = m(x)
        return x
    return run


def _stages_for(model) -> list[Stage]:
    """The lab's stages for a timm model: EfficientNet / MobileNetV3 / ResNet by their blocks, anything else as
    one "backbone" stage plus the classifier."""
    import torch.nn.functional as F

    kind = type(model).__name__
    stages: list[Stage] = []
    if kind == "EfficientNet" and hasattr(model, "blocks"):
        stages.append(Stage("stem", ("conv_stem", "bn1"), _seq(model, ("conv_stem", "bn1"))))
        n = len(model.blocks)
        for i in range(n):
            paths = (f"blocks.{i}",) + (("conv_head", "bn2") if i == n - 1 else ())
            name = f"block {i + 1}" + (" + head conv" if i == n - 1 else "")
            stages.append(Stage(name, paths, _seq(model, paths)))
        stages.append(Stage("classifier", ("global_pool", "classifier"), model.forward_head, new=True))
    elif kind == "MobileNetV3" and hasattr(model, "blocks"):
        stages.append(Stage("stem", ("conv_stem", "bn1"), _seq(model, ("conv_stem", "bn1"))))
        for i in range(len(model.blocks)):
            stages.append(Stage(f"block {i + 1}", (f"blocks.{i}",), _seq(model, (f"blocks.{i}",))))
        head = ("global_pool", "conv_head", "norm_head", "act2", "flatten")
        stages.append(Stage("pool + head conv", head, _seq(model, head)))

        def classify(x, model=model):
            if model.drop_rate > 0.0:
                x = F.dropout(x, p=model.drop_rate, training=model.training)
            return model.classifier(x)
        stages.append(Stage("classifier", ("classifier",), classify, new=True))
    elif kind == "ResNet" and hasattr(model, "layer4"):
        stem = ("conv1", "bn1", "act1", "maxpool")
        stages.append(Stage("stem", stem, _seq(model, stem)))
        for i in range(1, 5):
            stages.append(Stage(f"layer {i}", (f"layer{i}",), _seq(model, (f"layer{i}",))))
        stages.append(Stage("classifier", ("global_pool", "fc"), model.forward_head, new=True))
    else:
        head_names = tuple(n for n, m in model.named_children() if m is model.get_classifier())
        body = tuple(n for n, _ in model.named_children() if n not in head_names)
        stages.append(Stage("backbone", body, model.forward_features))
        stages.append(Stage("classifier", head_names, model.forward_head, new=True))
    return stages


class TransferModel:
    """A timm classifier with a fresh ``num_classes`` head, cut into :class:`Stage` s.

    ``model`` is a private copy (never a shared, cached instance): it can be trained. ``model(x)`` and
    ``forward_from(x, 0)`` give the same logits.
    """

    def __init__(self, model, arch: str, labels: Sequence[str], pretrained: bool, input_size: int,
                 mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), source_name: str = ""):
        self.model = model
        self.arch = arch
        self.labels = list(labels)
        self.pretrained = pretrained
        self.input_size = int(input_size)
        self.mean = tuple(float(v) for v in mean)
        self.std = tuple(float(v) for v in std)
        self.source_name = source_name or arch
        self.stages = _stages_for(model)
        self._stage_params = self._assign_params()

    def _assign_params(self) -> list[list[tuple[str, Any]]]:
        """Each parameter belongs to exactly one stage; anything no stage names goes to the classifier."""
        owner: dict[str, int] = {}
        for i, st in enumerate(self.stages):
            for path in st.modules:
                for name, _p in self.model.get_submodule(path).named_parameters():
                    owner.setdefault(f"{path}.{name}", i)
        groups: list[list[tuple[str, Any]]] = [[] for _ in self.stages]
        for name, p in self.model.named_parameters():
            groups[owner.get(name, len(self.stages) - 1)].append((name, p))
        return groups

    def __deepcopy__(self, memo):
        # The stages close over this instance's modules: a copy must rebuild them around its own model.
        return TransferModel(copy.deepcopy(self.model, memo), self.arch, self.labels, self.pretrained,
                             self.input_size, self.mean, self.std, self.source_name)

    # ----------------------------------------------------------------------------------------- structure
    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    def stage_parameters(self, i: int) -> list[tuple[str, Any]]:
        return list(self._stage_params[i])

    def stage_param_counts(self) -> list[int]:
        return [count_parameters(p for _, p in group) for group in self._stage_params]

    def trainable_names(self) -> set[str]:
        return {n for n, p in self.model.named_parameters() if p.requires_grad}

    # ----------------------------------------------------------------------------------------- running
    def forward_from(self, x, start: int = 0, stop: int | None = None):
        """Run stages ``start`` .. ``stop - 1`` (default: to the logits) on ``x``."""
        for st in self.stages[start:stop]:
            x = st.run(x)
        return x

    def normalise(self, images_u8):
        """uint8 ``(N, 3, S, S)`` -> float ``(N, 3, S, S)`` normalised with the backbone's mean and std."""
        import torch

        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        return (images_u8.float() / 255.0 - mean) / std

    def set_mode(self, plan: Sequence[bool], training: bool) -> None:
        """Train mode for trainable stages, eval mode for frozen ones (the BatchNorm policy), or all eval."""
        self.model.train(training)
        if training:
            for st, trains in zip(self.stages, plan):
                if not trains:
                    for path in st.modules:
                        self.model.get_submodule(path).eval()


def _timm_model(arch: str, num_classes: int, pretrained_from=None):
    import timm

    model = timm.create_model(arch, pretrained=False, num_classes=num_classes)
    if pretrained_from is not None:
        state = dict(pretrained_from.state_dict())
        own = model.state_dict()
        keep = {k: v for k, v in state.items() if k in own and tuple(own[k].shape) == tuple(v.shape)}
        model.load_state_dict(keep, strict=False)  # every tensor but the old 1000-class head
    return model


def build(backbone: str | None = None, num_classes: int = 10, labels: Sequence[str] | None = None,
          pretrained: bool = True, input_size: int = 64, seed: int | None = None) -> TransferModel:
    """A trainable copy of ``backbone`` (catalogue name or timm name; default the packaged EfficientNet-Lite0)
    with a new ``num_classes`` classifier. ``pretrained=False`` gives the same architecture from random weights
    (the "from scratch" run; timm's default initialisation). ``seed`` fixes the random weights (the new
    classifier's, or all of them from scratch) on a private random stream; None draws from torch's."""
    from tlviz import cnn, runtime

    labels = list(labels) if labels is not None else [f"class {i}" for i in range(num_classes)]
    if len(labels) != num_classes:
        raise InputError(_("{n} classes but {names} class names.").format(n=num_classes, names=len(labels)))
    if num_classes < 2:
        raise InputError(_("Training a classifier needs at least two classes."))
    handle = cnn.load(backbone or cnn.DEFAULT)  # shared and read-only: we only read its weights
    if not handle.arch:
        raise InputError(_("'{name}' is not a timm CNN the lab can retrain.").format(name=handle.name))
    with runtime.exclusive(_("preparing {name}").format(name=handle.name)):
        if seed is None:
            model = _timm_model(handle.arch, num_classes, handle.model if pretrained else None)
        else:
            with runtime.own_rng(runtime.seeded_rng(seed)):
                model = _timm_model(handle.arch, num_classes, handle.model if pretrained else None)
    return TransferModel(model, handle.arch, labels, pretrained, input_size, handle.mean, handle.std,
                         source_name=handle.name)


def from_module(model, labels: Sequence[str], pretrained: bool = True, input_size: int = 32,
                mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), arch: str = "") -> TransferModel:
    """Wrap an already built timm model (tests use timm's tiny ``test_efficientnet``)."""
    arch = arch or (getattr(model, "default_cfg", None) or {}).get("architecture", type(model).__name__)
    return TransferModel(model, arch, labels, pretrained, input_size, mean, std)


def structure(backbone: str | None = None, num_classes: int = 10) -> tuple[list[str], list[int], list[bool]]:
    """(stage names, parameter counts, new-classifier flags) of a backbone, for the block picture."""
    from tlviz import models

    def make():
        tm = build(backbone, num_classes, pretrained=False)
        return tm.stage_names, tm.stage_param_counts(), [s.new for s in tm.stages]
    return models.cached(("transfer-structure", backbone or "", int(num_classes)), make)
