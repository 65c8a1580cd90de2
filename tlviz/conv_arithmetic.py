"""The arithmetic behind the milestones: receptive fields of stacked 3x3 convolutions (VGG) and the 1x1 bottleneck
of the Inception module (GoogLeNet), the latter read off torchvision's real ``inception3a``.

Example::

    steps = receptive_field_steps(7)      # three 3x3 layers: fields 3, 5, 7
    steps[-1].field, steps[-1].saving     # (7, 0.449)
    inception = inception_branches()      # the four branches of GoogLeNet's inception3a
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tlviz.architectures import build, stack_weights
from tlviz.errors import InputError
from tlviz.i18n import _


@dataclass(frozen=True)
class FieldStep:
    """The receptive field after ``layer`` stacked 3x3 convolutions (stride 1), next to one big kernel's."""

    layer: int  # 1-based
    field: int  # the receptive field's side: 2 * layer + 1
    stacked_weights: int  # 9 * layer per input-output channel pair
    single_weights: int  # field² for one convolution with the same receptive field
    saving: float  # 1 - stacked / single, 3 decimals


@dataclass(frozen=True)
class ReceptiveField:
    """The stepper's state: the k x k input grid and which layer first sees each of its cells."""

    k: int
    steps: tuple[FieldStep, ...]
    entry: np.ndarray  # (k, k) int: the layer at which the centre output's receptive field reaches each cell


def receptive_field_steps(k: int) -> ReceptiveField:
    """Layer by layer, what a stack of 3x3 convolutions sees of a k x k input (k odd, 3..99): after layer l the
    centre output depends on the (2l+1) x (2l+1) cells around it; after (k-1)/2 layers on all k x k of them."""
    stack_weights(k)  # checks k
    steps = []
    for layer in range(1, (k - 1) // 2 + 1):
        field = 2 * layer + 1
        stacked, single = 9 * layer, field * field
        steps.append(FieldStep(layer, field, stacked, single, round(1 - stacked / single, 3)))
    c = (k - 1) // 2
    r = np.arange(k)
    ring = np.maximum(np.abs(r[:, None] - c), np.abs(r[None, :] - c))  # (k, k) Chebyshev distance from the centre
    entry = np.maximum(ring, 1).astype(int)  # the centre cell is seen from layer 1 on, like its 8 neighbours
    return ReceptiveField(k, tuple(steps), entry)


def measured_field(layers: int, size: int | None = None) -> int:
    """The receptive field of ``layers`` stacked 3x3 convolutions measured by backpropagation: the side of the
    input region on which the centre output's gradient is not zero (a check of ``2 * layers + 1``)."""
    import torch

    size = size or 2 * layers + 5
    g = torch.Generator().manual_seed(0)
    convs = [torch.nn.Conv2d(1, 1, 3, padding=1, bias=False) for _ in range(layers)]
    for conv in convs:
        with torch.no_grad():
            conv.weight.copy_(torch.rand(conv.weight.shape, generator=g) + 0.1)  # positive: no cancellation
    x = torch.zeros(1, 1, size, size, requires_grad=True)  # (1, 1, H, W)
    y = x + 1.0
    for conv in convs:
        y = conv(y)
    y[0, 0, size // 2, size // 2].backward()
    seen = (x.grad[0, 0].abs() > 0).any(dim=0)  # (W,) columns the centre output depends on
    return int(seen.sum())


@dataclass(frozen=True)
class Branch:
    """One parallel branch of an Inception module, read off the real module."""

    name: str  # "branch1".."branch4"
    label: str  # "1×1", "1×1 → 3×3", "3×3 max pool → 1×1"
    ops: tuple[str, ...]  # each step: "1×1 conv 192→96"
    out_channels: int
    weights: int  # convolution weights of the branch (BatchNorm left out)
    kernel: int  # the branch's spatial kernel (1, 3, 5; 3 for the pooling branch)
    reduce: int | None  # the 1x1 bottleneck's output channels, where there is one
    without_bottleneck: int  # weights of one k x k convolution from the module's input straight to out_channels


@dataclass(frozen=True)
class InceptionModule:
    """An Inception module's branches, with its input and concatenated output channels and the spatial size."""

    name: str
    in_channels: int
    size: int  # the feature map's side where the module sits (28 for inception3a on a 224x224 input)
    branches: tuple[Branch, ...]

    @property
    def out_channels(self) -> int:
        return sum(b.out_channels for b in self.branches)

    @property
    def weights(self) -> int:
        return sum(b.weights for b in self.branches)

    @property
    def naive_weights(self) -> int:
        """The same branches without any 1x1 bottleneck (the pooling branch then passes its input through)."""
        return sum(b.without_bottleneck for b in self.branches if b.name != "branch4")

    @property
    def naive_out_channels(self) -> int:
        """Output channels of the naive module: its pooling branch keeps all the input channels."""
        return sum(b.out_channels for b in self.branches if b.name != "branch4") + self.in_channels

    def multiply_adds(self, naive: bool = False) -> int:
        """Multiply-adds of the convolutions for one image (weights x positions, stride 1)."""
        return (self.naive_weights if naive else self.weights) * self.size * self.size


def _convs(branch):
    import torch.nn as nn

    return [m for m in branch.modules() if isinstance(m, nn.Conv2d)]


def inception_branches(module: str = "inception3a", kernel_5x5: int | None = None) -> InceptionModule:
    """The four branches of GoogLeNet's ``module`` from torchvision's definition: channels, weights, and the
    weights the 3x3 and 5x5 branches would need without their 1x1 bottleneck.

    torchvision's third branch is a 3x3 convolution (a slip kept for its weights); ``kernel_5x5=5`` counts it as
    the paper's 5x5 instead, with the real module's channels.
    """
    import torch.nn as nn

    from tlviz.architectures import layer_table

    model = build("googlenet")
    block = getattr(model, module, None)
    if not module.startswith("inception") or block is None:
        raise InputError(_("GoogLeNet has no Inception module named '{name}'.").format(name=str(module)[:40]))
    size = next(r.shape[-1] for r in layer_table("googlenet") if r.name == module)
    branches = []
    for name in ("branch1", "branch2", "branch3", "branch4"):
        part = getattr(block, name)
        convs = _convs(part)
        in_ch = convs[0].in_channels
        kernels = [c.kernel_size[0] for c in convs]
        if name == "branch3" and kernel_5x5:
            kernels[-1] = kernel_5x5
        pool = any(isinstance(m, nn.MaxPool2d) for m in part.modules())
        weights = sum(c.in_channels * c.out_channels * kk * kk for c, kk in zip(convs, kernels))
        ops = (["3×3 max pool"] if pool else []) + [
            f"{kk}×{kk} conv {c.in_channels}→{c.out_channels}" for c, kk in zip(convs, kernels)]
        out = convs[-1].out_channels
        kernel = 3 if pool else kernels[-1]
        reduce = convs[0].out_channels if len(convs) > 1 else None
        label = " → ".join((["3×3 max pool"] if pool else []) + [f"{kk}×{kk}" for kk in kernels])
        branches.append(Branch(name, label, tuple(ops), out, weights, kernel, reduce,
                               in_ch * out * kernels[-1] ** 2 if not pool else in_ch * out))
    return InceptionModule(module, _convs(block.branch1)[0].in_channels, size, tuple(branches))


def bottleneck_savings(module: InceptionModule) -> dict[str, float]:
    """For each branch with a 1x1 bottleneck, the share of weights it saves against the direct k x k."""
    return {b.name: round(1 - b.weights / b.without_bottleneck, 3) for b in module.branches if b.reduce}
