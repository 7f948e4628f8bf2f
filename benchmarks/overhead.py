"""Per-op overhead: the cost of one elementwise op on 2×2 tensors, where the arithmetic is nothing.

Three numbers per framework, in µs per op:

- ``record``: ``a * b`` with ``requires_grad`` leaves (forward, and recording the graph);
- ``forward_backward``: ``(a * b).backward(g)`` (record, run the backward, accumulate into leaves);
- ``no_grad``: ``a * b`` under no_grad (forward only).

A small RNN step is a few dozen such ops, so this is what bounds the small
config. On CUDA it is the launch cost plus Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_rnn as tg

from .timing import interleaved

KINDS = ("record", "forward_backward", "no_grad")


def _loops(a: Any, b: Any, g: Any, no_grad: Callable[[], Any], n: int) -> dict[str, Callable[[], None]]:
    def record() -> None:
        for _ in range(n):
            a * b

    def forward_backward() -> None:
        for _ in range(n):
            (a * b).backward(g)

    def without_grad() -> None:
        with no_grad():
            for _ in range(n):
                a * b

    return {"record": record, "forward_backward": forward_backward, "no_grad": without_grad}


def measure(torch: Any, device: str = "cpu", n: int = 20000, reps: int = 5) -> dict[str, dict[str, float]]:
    """µs per op for tinygrad_rnn and (where installed) torch, timed interleaved."""
    value = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    systems = {"tinygrad_rnn": _tinygrad_loops(value, device, n)}
    syncs: dict[str, Callable[[], None]] = {"tinygrad_rnn": _tinygrad_sync(device)}
    if torch is not None:
        torch_device = "cuda" if device == "cuda" else "cpu"
        a = torch.tensor(value, device=torch_device, requires_grad=True)
        b = torch.tensor(value, device=torch_device, requires_grad=True)
        g = torch.ones_like(a)
        systems["torch"] = _loops(a, b, g, torch.no_grad, n)
        syncs["torch"] = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    calls, call_syncs = {}, {}
    for system, loops in systems.items():
        for kind, loop in loops.items():
            calls[f"{system} {kind}"] = loop
            call_syncs[f"{system} {kind}"] = syncs[system]
    times = interleaved(calls, call_syncs, reps=reps, warmup=1)
    return {
        system: {f"{kind}_us": times[f"{system} {kind}"]["median_ms"] * 1e3 / n for kind in KINDS} for system in systems
    }


def _tinygrad_loops(value: np.ndarray, device: str, n: int) -> dict[str, Callable[[], None]]:
    a = tg.Tensor(value, requires_grad=True, device=device)
    b = tg.Tensor(value, requires_grad=True, device=device)
    g = tg.ones(2, 2, device=device)
    return _loops(a, b, g, tg.no_grad, n)


def _tinygrad_sync(device: str) -> Callable[[], None]:
    if device == "cpu":
        return lambda: None
    import cupy

    return cupy.cuda.get_current_stream().synchronize
