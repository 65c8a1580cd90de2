"""Smoke run of every benchmark in quick mode: each returns well-formed rows and the table prints."""

import math

from bench import COLUMNS, discover, format_table, run_all


def test_every_benchmark_runs_quick_and_formats():
    names = discover()
    assert {"bench_images", "bench_seq2seq", "bench_transformer", "bench_bert", "bench_vit", "bench_transfer"} <= set(
        names)
    rows = run_all(quick=True)
    assert rows and all(set(COLUMNS) <= set(r) for r in rows)
    for r in rows:
        assert r["ours_s"] > 0 and math.isfinite(r["ours_s"])
        if r["baseline_s"]:
            assert abs(r["ratio"] - r["baseline_s"] / r["ours_s"]) < 1e-9
    table = format_table(rows)
    assert all(r["benchmark"] in table for r in rows)
