"""Benchmarks: each ``bench/bench_*.py`` runs tlviz's way and a naive baseline side by side, in one process, and
returns rows; ``python -m bench`` prints them as one table. Speed is measured here, never asserted in tests.

Row keys: ``benchmark``, ``baseline`` (what the naive way is), ``baseline_s``, ``ours_s``, ``ratio``
(``baseline_s / ours_s``), ``notes``.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable
from pathlib import Path

COLUMNS = ("benchmark", "baseline", "baseline_s", "ours_s", "ratio", "notes")


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def row(benchmark: str, ours_s: float, baseline: str = "", baseline_s: float | None = None, notes: str = "") -> dict:
    return {"benchmark": benchmark, "baseline": baseline, "baseline_s": baseline_s, "ours_s": ours_s,
            "ratio": (baseline_s / ours_s) if baseline_s and ours_s else None, "notes": notes}


def run_all(names: list[str] | None = None, quick: bool = False) -> list[dict]:
    rows = []
    for name in names or discover():
        module = importlib.import_module(f"bench.{name}")
        for r in module.run(quick=quick):
            missing = set(COLUMNS) - set(r)
            if missing:
                raise ValueError(f"{name} returned a row without {sorted(missing)}")
            rows.append(r)
    return rows


def format_table(rows: list[dict]) -> str:
    def cell(key, value):
        if value is None:
            return "-"
        if key in ("baseline_s", "ours_s"):
            return f"{value:.3f}"
        if key == "ratio":
            return f"{value:.1f}x"
        return str(value)

    table = [list(COLUMNS)] + [[cell(k, r.get(k)) for k in COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(line, widths)) for line in table]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
