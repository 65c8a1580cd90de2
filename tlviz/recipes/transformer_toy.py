"""Train the shipped from-scratch Transformer checkpoints.

    python -m tlviz.recipes.transformer_toy [--task en-de|reverse|all] [--steps N] [--threads 1]

Writes ``checkpoints/transformer_en_de.safetensors`` (the lesson's default: English -> German on the generated
grammar) and ``checkpoints/transformer_reverse.safetensors`` (digit reversal), each with its config, task name,
measured held-out numbers and snapshots of the weights along training (:data:`SNAPSHOTS`) in the file. Model
size: ``TransformerConfig.small`` (2 layers, 4 heads, d_model 64), the same as live training on the page. About
two minutes per 1,500 steps on one CPU thread.
"""

from __future__ import annotations

import argparse
import time

from tlviz import card_notes, checkpoints
from tlviz.checkpoints import CheckpointMeta

PLAN = {  # task -> (file, catalogue name, steps, default?)
    "en-de": ("transformer_en_de.safetensors", "Transformer EN→DE (tiny, project-trained)", 4000, True),
    "reverse": ("transformer_reverse.safetensors", "Transformer digit reversal (tiny, project-trained)", 2500,
                False),
}


#: Training steps after which the recipe keeps a snapshot of the weights (fp16, in the same file; the finished
#: model is the last): the lesson shows the next-word distribution sharpening along training.
SNAPSHOTS = (0, 50, 100, 200)


def train(task_name: str, steps: int | None = None, threads: int = 1, seed: int = 0, log=print):
    import torch

    from tlviz.data.parallel import get_task
    from tlviz.transformer import (
        DEFAULT,
        REVERSE,
        SNAPSHOT_PREFIX,
        TrainConfig,
        Trainer,
        count_parameters,
        evaluate,
        exact_match,
        new_model,
    )

    torch.set_num_threads(threads)
    file, name, default_steps, is_default = PLAN[task_name]
    assert name == (DEFAULT if is_default else REVERSE)
    task = get_task(task_name)
    sm = new_model(task, seed=seed)
    cfg = TrainConfig(steps=steps or default_steps, eval_every=100, seed=seed)
    trainer = Trainer(sm, cfg)
    start = time.perf_counter()
    sv, tv = task.src_vocab, task.tgt_vocab
    snapshots: dict[str, torch.Tensor] = {}
    snapshot_acc: dict[str, float] = {}

    def keep(step: int) -> None:
        for key, value in sm.model.state_dict().items():
            snapshots[f"{SNAPSHOT_PREFIX}{step}.{key}"] = value.detach().to(torch.float16).clone()
        snapshot_acc[str(step)] = round(evaluate(sm.model, task.held_out, sv, tv)[1], 4)

    keep(0)

    def report(event):  # a tlviz.training.StepEvent
        if event.step in SNAPSHOTS:
            keep(event.step)
        if event.evaluated:
            log(f"[{task_name}] step {event.step}/{event.total} loss {event.loss:.3f} "
                f"train acc {event.metrics['acc']:.3f} held-out acc {event.metrics['val_acc']:.3f} "
                f"({event.seconds:.0f} s)")

    history = trainer.run(report)
    train_s = time.perf_counter() - start
    val_loss, val_acc = evaluate(sm.model, task.held_out, sv, tv)
    _, train_acc = evaluate(sm.model, task.train, sv, tv)
    val_exact = exact_match(sm.model, task.held_out, sv, tv)
    params = count_parameters(sm.model)
    because = [p for p in task.held_out if "because" in p[0]]
    because_exact = exact_match(sm.model, because, sv, tv) if because else None
    metrics = {"params": params, "held_out_token_accuracy": round(val_acc, 4), "held_out_loss": round(val_loss, 4),
               "held_out_exact_match": round(val_exact, 4), "train_token_accuracy": round(train_acc, 4),
               "held_out_because_pairs": len(because),
               "held_out_because_exact_match": None if because_exact is None else round(because_exact, 4),
               "snapshot_held_out_token_accuracy": {**snapshot_acc, str(history.steps[-1]): round(val_acc, 4)},
               "held_out_pairs": len(task.held_out), "train_pairs": len(task.train), "steps": history.steps[-1],
               "train_seconds": round(train_s, 1), "threads": threads}
    meta = CheckpointMeta(name=name, family="transformer", recipe="tlviz.recipes.transformer_toy",
                          config=sm.config.to_dict(), note="", metrics=metrics,
                          extra={"default": is_default, "task": task_name, "snapshots": sorted(map(int, snapshot_acc)),
                                 "src_vocab": list(sv.tokens), "tgt_vocab": list(tv.tokens)})
    meta.note = card_notes.note(meta)
    state = {**sm.model.state_dict(), **snapshots}
    path = checkpoints.save(checkpoints.CHECKPOINT_DIR / file, state, meta)
    log(f"[{task_name}] saved {path}: {metrics}")
    return path, metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="all", choices=["all", *PLAN])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    for task in PLAN if args.task == "all" else [args.task]:
        train(task, args.steps, args.threads)


if __name__ == "__main__":
    main()
