"""Interleaved timing: every system runs once per round, so a busy neighbour slows them all alike.

On a shared machine a system timed alone for a minute and then another timed
alone can see different machines. Round-robin repetitions (the starting
system rotating each round) make the ratios survive; the median ignores the
rounds a neighbour spoiled.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def interleaved(
    calls: dict[str, Callable[[], object]],
    syncs: dict[str, Callable[[], None]],
    reps: int,
    warmup: int = 1,
) -> dict[str, dict[str, float]]:
    """Times each call ``reps`` times, round-robin, after ``warmup`` untimed rounds.

    Returns, per name, the median, minimum and maximum in milliseconds and the
    number of repetitions.
    """
    names = list(calls)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(warmup + reps):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()  # garbage of the previous system is not this one's cost
            syncs[name]()
            start = time.perf_counter()
            calls[name]()
            syncs[name]()
            elapsed = time.perf_counter() - start
            if round_index >= warmup:
                samples[name].append(elapsed * 1e3)
    return {name: summarize(values) for name, values in samples.items()}


def summarize(values_ms: list[float]) -> dict[str, float]:
    """Median, min, max (ms) and count of a list of timings."""
    return {
        "median_ms": statistics.median(values_ms),
        "min_ms": min(values_ms),
        "max_ms": max(values_ms),
        "reps": len(values_ms),
    }
