"""Why self-attention: the paper's comparison of layer types, and a timing of our own layers as n grows.

"Attention Is All You Need" (Vaswani et al. 2017), Table 1 compares a self-attention layer, a recurrent layer and
a convolutional layer (kernel k) on sequences of n vectors of size d by three costs: the work per layer, the
number of operations that must run one after another, and the longest path a signal travels between two
positions (:data:`tlviz.paper.TABLE_1`).

:func:`time_layers` times one forward pass of a layer of each kind built here at the same width d (a
:class:`tlviz.transformer.MultiHeadAttention`, a ``torch.nn.GRU``, a ``torch.nn.Conv1d``), for every n asked, on
one CPU thread: a measurement of this machine, not a result of the paper. :func:`operation_counts` gives the
multiply-adds each layer does, which is what one thread's time follows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import N_, _

KINDS = ("self_attention", "recurrent", "convolutional")
#: Layer names as shown (translated where shown: ``_(NAMES[kind])``).
NAMES = {"self_attention": N_("Self-attention"), "recurrent": N_("Recurrent (GRU)"),
         "convolutional": N_("Convolutional (kernel k)")}


LENGTHS = (16, 32, 64, 128, 256, 512, 1024)
#: The page's widths d (with the heads that divide them).
WIDTHS = {32: 4, 64: 4, 128: 8}
MAX_LENGTH = 4096


def operation_counts(n: int, d: int, kernel: int = 3) -> dict[str, int]:
    """Multiply-adds of one forward pass over n positions of width d, by layer kind (biases left out).

    Self-attention: four d x d projections per position (Q, K, V, output) and two n x n x d products (scores,
    weights x V): ``4·n·d² + 2·n²·d``. GRU: three gates, each an input and a hidden d x d product per step:
    ``6·n·d²``. Convolution: ``k·n·d²``. The paper's O() keeps the dominant terms: n²·d, n·d², k·n·d².
    """
    return {"self_attention": 4 * n * d * d + 2 * n * n * d, "recurrent": 6 * n * d * d,
            "convolutional": kernel * n * d * d}


@dataclass(frozen=True)
class LayerTiming:
    """Seconds of one forward pass per layer kind (the fastest of the repeats), for each sequence length. N lengths."""

    lengths: np.ndarray  # (N,) increasing
    seconds: dict  # kind -> (N,) CPU time of one forward pass on one thread (s), fastest of the repeats
    operations: dict  # kind -> (N,) multiply-adds (operation_counts)
    d: int
    heads: int
    kernel: int
    batch: int
    repeats: int
    threads: int = 1

    def crossover(self) -> int | None:
        """The first measured n at which self-attention is slower than the GRU (None: never in this range)."""
        slower = self.seconds["self_attention"] > self.seconds["recurrent"]
        return int(self.lengths[np.argmax(slower)]) if slower.any() else None


def _check(lengths, d: int, heads: int, kernel: int, repeats: int) -> list[int]:
    ns = sorted({int(n) for n in lengths})
    if not ns or ns[0] < 1 or ns[-1] > MAX_LENGTH:
        raise InputError(_("Sequence lengths must be between 1 and {m}.").format(m=MAX_LENGTH))
    if not 4 <= d <= 1024 or d % heads:
        raise InputError(_("The width d must be between 4 and 1024 and divisible by the {h} heads; got {d}.").format(
            h=heads, d=d))
    if kernel < 1 or kernel % 2 == 0 or not 1 <= repeats <= 50:
        raise InputError(_("The kernel must be an odd number and the repeats between 1 and 50."))
    return ns


def time_layers(lengths=LENGTHS, d: int = 64, heads: int = 4, kernel: int = 3, batch: int = 1, repeats: int = 5,
                seed: int = 0) -> LayerTiming:
    """Time one forward pass (no gradients) of each layer kind at width ``d`` for every ``n`` in ``lengths``.

    Each measurement is the CPU time of the calling thread (``time.thread_time``: with one torch thread the
    layer runs in it, and time other programs take from the core is not counted) for one pass, the fastest of
    ``repeats`` passes after one warm-up pass (as ``timeit`` advises: slower passes measure interruptions), under
    the heavy-work lock (so another student's job does not share the core). The lengths come back sorted and
    without repeats. Times depend on this machine and its load; the operation counts do not.
    """
    import torch
    from torch import nn

    from tlviz import runtime
    from tlviz.transformer import MultiHeadAttention

    ns = _check(lengths, d, heads, kernel, repeats)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers = {"self_attention": MultiHeadAttention(d, heads), "recurrent": nn.GRU(d, d, batch_first=True),
                  "convolutional": nn.Conv1d(d, d, kernel, padding=kernel // 2)}
        inputs = [torch.randn(batch, n, d) for n in ns]  # (B, n, d) each
    run = {"self_attention": lambda x: layers["self_attention"](x, x, x),
           "recurrent": lambda x: layers["recurrent"](x),
           "convolutional": lambda x: layers["convolutional"](x.transpose(1, 2))}  # Conv1d wants (B, d, n)
    seconds = {k: np.zeros(len(ns)) for k in KINDS}
    with runtime.exclusive("timing layers"), runtime.torch_threads(1), torch.no_grad():
        for i, x in enumerate(inputs):
            for kind in KINDS:
                run[kind](x)  # warm-up: first-call allocations are not the layer's cost
                times = []
                for _r in range(repeats):
                    t0 = time.thread_time()  # this thread's CPU time: a busy machine does not inflate it
                    run[kind](x)
                    times.append(time.thread_time() - t0)
                seconds[kind][i] = min(times)
    ops = {k: np.array([operation_counts(n, d, kernel)[k] for n in ns], dtype=np.int64) for k in KINDS}
    return LayerTiming(np.array(ns), seconds, ops, int(d), int(heads), int(kernel), int(batch), int(repeats))
