"""Smoke run of every benchmark in quick mode: each returns well-formed rows and the table prints."""

import math

from bench import COLUMNS, discover, format_table, run_all


def test_every_benchmark_runs_quick_and_formats():
    names = discover()
    assert {"bench_images", "bench_seq2seq", "bench_transformer", "bench_bert", "bench_vit", "bench_transfer",
            "bench_classroom"} <= set(names)
    rows = run_all(quick=True)
    assert rows and all(set(COLUMNS) <= set(r) for r in rows)
    for r in rows:
        assert r["ours_s"] > 0 and math.isfinite(r["ours_s"])
        if r["baseline_s"]:
            assert abs(r["ratio"] - r["baseline_s"] / r["ours_s"]) < 1e-9
    classroom = [r for r in rows if r["benchmark"].startswith("classroom ")]
    assert classroom, "bench_classroom returned no row"
    for r in classroom:  # quick: 4 real websocket sessions on a real server, every one saw its page finish
        assert r["sessions"] == 4 and r["finished"] == 4, r
        assert 0 < r["ours_s"] < 60 and "failed 0" in r["notes"]
    table = format_table(rows)
    assert all(r["benchmark"] in table for r in rows)
