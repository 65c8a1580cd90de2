"""Seq2seq lesson: batched held-out evaluation against one translation at a time; a training step on one thread
against two (the model is tiny); our explicit scaled dot-product attention against PyTorch's fused one."""

from bench import row, timed


def _train_step_time(threads: int, steps: int) -> float:
    import time

    import torch

    from tlviz import seq2seq
    from tlviz.data import dates

    cfg = seq2seq.Seq2SeqConfig.quick()
    model = seq2seq.build(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train, _ = dates.split_dates()
    part = dates.sample(train, 64, seed=0)
    src, lengths = seq2seq.encode_batch([e.source for e in part], cfg.src_vocab)
    tgt_in, tgt_out = seq2seq._targets([e.target for e in part], cfg.tgt_vocab)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        start = time.perf_counter()
        for _ in range(steps):
            logits = model(src, lengths, tgt_in)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
        return (time.perf_counter() - start) / steps
    finally:
        torch.set_num_threads(before)


def run(quick: bool = False) -> list[dict]:
    import torch

    from tlviz import attention, seq2seq
    from tlviz.checkpoints import CHECKPOINT_DIR
    from tlviz.data import dates

    rows = []
    path = CHECKPOINT_DIR / "seq2seq_dates.safetensors"
    if path.is_file():
        model = seq2seq.load(str(path))
        _, held = dates.split_dates()
        examples = dates.sample(held, 50 if quick else 1000, seed=5)
        ours_s, scores = timed(lambda: seq2seq.evaluate(model, examples))
        base_s, _ = timed(lambda: [seq2seq.translate(model, e.source).text == e.target for e in examples])
        rows.append(row(f"seq2seq: greedy-decode {len(examples)} held-out dates", ours_s,
                        "one translate() per date", base_s,
                        f"exact match {scores['exact_match']:.1%}; batched greedy, 500 per batch"))
    steps = 2 if quick else 30
    one = _train_step_time(1, steps)
    two = _train_step_time(2, steps)
    rows.append(row("seq2seq: training step (quick config, batch 64)", one, "same step on 2 torch threads", two,
                    f"{steps} steps each; tiny matrices, so one thread avoids sync cost (noisy: shared CPU)"))
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(8, 8, 128, 64, generator=g) for _ in range(3))
    mask = torch.ones(128, 128, dtype=torch.bool).tril()
    repeat = 3 if quick else 20
    ours_s, _ = timed(lambda: attention.scaled_dot_product(q, k, v, mask), repeat)
    base_s, _ = timed(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask), repeat)
    rows.append(row("attention.scaled_dot_product (8x8 heads, 128 tokens, causal)", ours_s,
                    "torch scaled_dot_product_attention (fused, no weights returned)", base_s,
                    "ratio < 1 is the price of materialising every weight for the figures"))
    return rows
