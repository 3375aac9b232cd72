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


def interleaved(ours, theirs, runs: int, before=None) -> tuple[float, float, float]:
    """(best CPU ms of ours, best CPU ms of the baseline, median of the per-run ratios). The two
    alternate, after one warm-up call each, so both see the same load on a shared host; the best
    of N is the cost of the code itself (as bench_normalize times it). ``before`` runs, untimed,
    before each run of ours (e.g. emptying memos)."""
    ours()
    theirs()
    a, b = [], []
    for _ in range(runs):
        if before is not None:
            before()
        t0 = time.process_time()
        ours()
        t1 = time.process_time()
        theirs()
        t2 = time.process_time()
        a.append((t1 - t0) * 1000)
        b.append((t2 - t1) * 1000)
    return min(a), min(b), statistics.median(x / max(y, 1e-6) for x, y in zip(a, b, strict=True))


def result(measure: str, target: str, value: str, ok: bool | None) -> None:
    """One machine-readable line for bench/run's summary table."""
    print("@result " + json.dumps({"measure": measure, "target": target, "result": value, "ok": ok}))
