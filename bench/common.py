"""Shared by the bench scripts: timing, and the machine-readable result line bench/run collects."""

from __future__ import annotations

import json
import statistics
import time


def median_ms(fn, runs: int) -> float:
    """Median wall time of fn() in milliseconds, after one warm-up call (compiled patterns, caches)."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def result(measure: str, target: str, value: str, ok: bool | None) -> None:
    """One machine-readable line for bench/run's summary table."""
    print("@result " + json.dumps({"measure": measure, "target": target, "result": value, "ok": ok}))
