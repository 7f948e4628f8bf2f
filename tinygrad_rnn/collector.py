"""Pausing Python's cyclic garbage collector while the engine builds or walks a long graph (skip on a first reading).

An unrolled graph is many small Python objects: a node, its edges and a
tensor per op, thousands per sequence. Python's collector counts allocations
and, every so often, walks the objects it tracks; the older generations hold
the whole graph, so with the collector on a step cost more the longer the
sequence was (a tiny LSTM: 5.1× the time for 4× the steps). The graph needs no
collector: nodes point at their inputs, never at their outputs, so it has no
reference cycles, and reference counting frees it the moment the last tensor
goes. So the recurrent layers' forward and long backward passes pause the
collector, and give it back exactly as they found it.

>>> import gc
>>> was = gc.isenabled()
>>> with collector_paused():
...     inside = gc.isenabled()
>>> inside, gc.isenabled() == was
(False, True)
"""

from __future__ import annotations

import gc
import threading
from typing import Any

LONG_GRAPH = 2000  # nodes: below this a backward pass ends before the collector's walks add up


class collector_paused:
    """Turns the collector off inside (nested and across threads: the last one out restores it)."""

    _lock = threading.Lock()
    _depth = 0  # how many pauses are open, in all threads
    _was_enabled = False  # what the first of them found

    def __enter__(self) -> None:
        with collector_paused._lock:
            if collector_paused._depth == 0:
                collector_paused._was_enabled = gc.isenabled()
                gc.disable()
            collector_paused._depth += 1

    def __exit__(self, *exc: Any) -> None:
        with collector_paused._lock:
            collector_paused._depth -= 1
            if collector_paused._depth == 0 and collector_paused._was_enabled:
                gc.enable()
