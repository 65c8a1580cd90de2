"""tlviz.params.count_parameters: one way to count for every lesson (tied tensors once, trainable only)."""

import torch

from tlviz.params import count_parameters


def test_counts_distinct_tensors_and_trainable_ones():
    lin = torch.nn.Linear(4, 3)  # 12 + 3
    tied = torch.nn.Sequential(lin, torch.nn.ReLU(), lin)  # the same layer twice: counted once
    assert count_parameters(lin) == 15 == count_parameters(tied) == sum(p.numel() for p in lin.parameters())
    lin.bias.requires_grad_(False)
    assert count_parameters(tied, trainable_only=True) == 12
    assert count_parameters([lin.weight, lin.weight]) == 12  # an iterable of tensors (a freeze plan's group)
    seen: set[int] = set()
    assert count_parameters([lin.weight], seen=seen) == 12
    assert count_parameters(tied, seen=seen) == 3  # the parts of one model add up to its total
