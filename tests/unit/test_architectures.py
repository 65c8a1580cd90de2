"""tlviz.architectures and tlviz.conv_arithmetic: counts on torchvision's real definitions, the lecture's numbers,
the layer tables, the 3x3 arithmetic (measured by backpropagation) and the Inception module's bottleneck."""

import pytest

from tlviz import architectures as A
from tlviz import conv_arithmetic as C
from tlviz.errors import InputError

KWARGS = {"googlenet": {"aux_logits": False, "init_weights": False}}


@pytest.mark.parametrize("name", A.NAMES)
def test_counts_equal_torchvisions_own_models(name):
    import torchvision.models as tvm

    real = getattr(tvm, name)(weights=None, **KWARGS.get(name, {}))  # a real (CPU) model, randomly initialised
    assert A.count_parameters(name) == sum(p.numel() for p in real.parameters())
    assert not any(p.is_meta for p in real.parameters())


def test_counts_match_the_lecture_and_the_papers():
    n = {name: A.count_parameters(name) for name in A.NAMES}
    assert abs(n["alexnet"] / 60e6 - 1) < 0.02  # "60M" (torchvision's one-GPU variant: 61.1M)
    assert round(n["vgg16"] / 1e6) == 138  # "138M parameters, 500MB"
    assert int(n["resnet18"] / 1e6) == 11  # the ResNet slide's "11M"
    assert round(n["resnet50"] / 1e6, 1) == 25.6 and round(n["resnet152"] / 1e6, 1) == 60.2
    assert 6.5e6 < n["googlenet"] < 7e6  # the paper's "12x fewer parameters than AlexNet" (no auxiliary heads)
    assert 500 < A.summary("vgg16").float32_mb < 560


@pytest.mark.parametrize("name", A.NAMES)
def test_depth_counted_on_the_definition_is_the_papers(name):
    assert A.weighted_depth(A.build(name)) == A.ARCHITECTURES[name].depth  # 8, 22, 16, 18, 50, 152


@pytest.mark.parametrize("name", A.NAMES)
def test_layer_table_adds_up_and_ends_in_1000_classes(name):
    rows = A.layer_table(name)
    assert sum(r.params for r in rows) == A.count_parameters(name)
    assert rows[-1].shape == (1000,) and rows[-1].kind.startswith("Linear")
    assert len({r.name for r in rows}) == len(rows)


def test_layer_table_shapes():
    alex = {r.name: r for r in A.layer_table("alexnet")}
    assert alex["features.0"].shape == (64, 55, 55) and alex["features.0"].kind == "Conv2d 3→64, 11×11, stride 4"
    assert alex["features.0"].params == 64 * 3 * 11 * 11 + 64
    vgg = A.layer_table("vgg16")
    assert sum(r.kind.startswith("Conv2d") and "3×3" in r.kind for r in vgg) == 13
    assert sum(r.kind.startswith("Linear") for r in vgg) == 3
    res = {r.name: r for r in A.layer_table("resnet18")}
    assert res["layer4.1"].shape == (512, 7, 7) and res["layer1.0"].kind == "BasicBlock"
    assert {r.name: r for r in A.layer_table("googlenet")}["inception3a"].shape == (256, 28, 28)


def test_the_model_is_built_without_weights_or_download():
    model = A.build("vgg16")
    assert all(p.is_meta for p in model.parameters())  # no memory, nothing initialised, nothing fetched
    assert A.weights_status("vgg16") in ("cached", "internet")


def test_milestones_carry_the_lectures_errors():
    errors = {(m.year, m.entry.split()[0]): m.error for m in A.MILESTONES}
    assert errors[(2012, "AlexNet")] == 15.3 and errors[(2014, "GoogLeNet")] == 6.7
    assert errors[(2015, "ResNet")] == 3.57 and errors[(2014, "VGG")] == 7.3
    assert all(m.source for m in A.MILESTONES)
    assert [m.in_lecture for m in A.MILESTONES].count(True) == 3


@pytest.mark.parametrize("k, saving", [(5, 0.28), (7, 0.449), (11, 0.628), (3, 0.0)])
def test_stack_savings_equals_the_lecture(k, saving):
    assert A.stack_savings(k) == saving


@pytest.mark.parametrize("k", [4, 1, 0, -3, 101, 5.0, "7", True])
def test_bad_kernel_sizes_give_a_message(k):
    with pytest.raises(InputError):
        A.stack_savings(k)


def test_unknown_architecture_gives_a_message():
    with pytest.raises(InputError, match="Unknown architecture"):
        A.count_parameters("lenet")
    assert A.count_parameters("ResNet-18") == A.count_parameters("resnet18")


@pytest.mark.parametrize("layers", [1, 2, 3, 5])
def test_the_receptive_field_grows_by_two_per_3x3_layer(layers):
    assert C.measured_field(layers) == 2 * layers + 1  # measured by backpropagation on a real stack


def test_receptive_field_steps():
    rf = C.receptive_field_steps(11)
    assert [s.field for s in rf.steps] == [3, 5, 7, 9, 11]
    assert rf.steps[1].stacked_weights == 18 and rf.steps[1].single_weights == 25
    assert [s.saving for s in rf.steps][1:] == [0.28, 0.449, 0.556, 0.628]
    assert rf.entry.shape == (11, 11) and rf.entry[5, 5] == 1 and rf.entry[0, 0] == 5
    for s in rf.steps:  # the cells seen after layer l form a (2l+1)-square
        assert (rf.entry <= s.layer).sum() == s.field ** 2


def test_inception_branches_read_off_the_real_module():
    m = C.inception_branches()
    assert m.in_channels == 192 and m.size == 28
    assert [b.out_channels for b in m.branches] == [64, 128, 32, 32] and m.out_channels == 256
    assert [b.reduce for b in m.branches] == [None, 96, 16, None]
    assert m.branches[2].kernel == 3  # torchvision's "5x5" branch is a 3x3
    block = A.build("googlenet").inception3a
    import torch.nn as nn
    assert m.weights == sum(c.weight.numel() for c in block.modules() if isinstance(c, nn.Conv2d))
    assert m.naive_out_channels == 416
    assert C.bottleneck_savings(m) == {"branch2": round(1 - 129024 / 221184, 3), "branch3": round(1 - 7680 / 55296, 3)}
    paper = C.inception_branches(kernel_5x5=5)
    assert paper.branches[2].weights == 192 * 16 + 16 * 32 * 25 and C.bottleneck_savings(paper)["branch3"] == 0.897
    assert paper.multiply_adds(naive=True) > 1.7 * paper.multiply_adds()
    with pytest.raises(InputError):
        C.inception_branches("conv1")
