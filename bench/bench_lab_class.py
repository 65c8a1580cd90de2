"""A class presses Train in the transfer lab at the same moment: N students (default 60) spread over the four
strategies with the lab's default settings, each following their run as the page does (``transfer.start`` then
``transfer.follow`` every second, from their own thread). Prints, per strategy, when students saw their first curve
point and their finished curve (p50 / p95 / max), against the baseline of the same students each training a run
of their own one after another (no sharing), whose times are the measured single runs added up in arrival order.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from bench import row

STRATEGIES = ("feature_extraction", "finetune_last", "full", "scratch")


def _student(i: int, spec, data, queue, names, params, out: dict, deadline: float) -> None:
    from tlviz import transfer as T

    run = T.new_run(1, spec, data, names, params)
    t0 = time.monotonic()
    T.start(run, queue, f"student {i}", t0)
    first = None
    while not run.over and time.monotonic() < deadline:
        time.sleep(1.0)  # the page's polling fragment
        now = time.monotonic()
        if run.job is not None:
            run.job.touch(f"student {i}")
        T.follow(run, now)
        if first is None and T.epoch_rows(run.history):
            first = now - t0
    out[i] = (spec.strategy, first, time.monotonic() - t0 if run.over else None, run.status)


def run(quick: bool = False) -> list[dict]:
    from tlviz import jobs
    from tlviz import transfer as T

    students = 4 if quick else int(os.environ.get("TLVIZ_BENCH_STUDENTS", "60"))
    per_class, epochs = (10, 2) if quick else (60, 20)
    data = T.packaged_data(list(T.PACKAGED)[0], 64, per_class, 20)
    names, params, _new = T.structure(None, len(data.classes))
    specs = {s: T.RunSpec(data.fingerprint, "", s, T.plan_for(s, len(names), 1), T.TrainConfig(epochs=epochs))
             for s in STRATEGIES}
    # Baseline: one run of each strategy alone, timed; without sharing every student waits for all runs before.
    alone = {}
    for s, spec in specs.items():
        t0 = time.perf_counter()
        T.trainer(spec, data)(lambda e: None, lambda: False)
        alone[s] = time.perf_counter() - t0
    order = [STRATEGIES[i % 4] for i in range(students)]
    base_done = np.cumsum([alone[s] for s in order])
    queue = jobs.TrainingQueue(workers=int(os.environ.get("TLVIZ_TRAIN_WORKERS", "0") or 0) or jobs.DEFAULT_WORKERS)
    out: dict = {}
    deadline = time.monotonic() + (120 if quick else 900)
    threads = [threading.Thread(target=_student, args=(i, specs[s], data, queue, names, params, out, deadline))
               for i, s in enumerate(order)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = []
    for s in STRATEGIES:
        mine = [v for v in out.values() if v[0] == s]
        firsts = [v[1] for v in mine if v[1] is not None]
        dones = [v[2] for v in mine if v[2] is not None]
        base = [b for b, o in zip(base_done, order) if o == s]
        p = (lambda xs, q: float(np.percentile(xs, q)) if xs else float("nan"))
        rows.append(row(f"lab class Train: {s} ({len(mine)} students), finished curve p95", p(dones, 95),
                        "every student trains their own run, one after another", p(base, 95), notes=(
                            f"first point p50/p95/max {p(firsts, 50):.1f}/{p(firsts, 95):.1f}/"
                            f"{max(firsts, default=float('nan')):.1f} s (goal 10 s); finished p50/max "
                            f"{p(dones, 50):.1f}/{max(dones, default=float('nan')):.1f} s (goal 120 s); "
                            f"{len(dones)}/{len(mine)} finished; one run alone {alone[s]:.1f} s; "
                            f"{queue.workers} training slots")))
    return rows


if __name__ == "__main__":
    import sys

    from bench import format_table
    from tlviz import runtime

    runtime.configure_torch()
    print(format_table(run(quick="--quick" in sys.argv)))
