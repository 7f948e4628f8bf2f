"""Peak memory of one training step, each system in a fresh subprocess.

A fresh process per system, so that no other system's arrays, caches or
allocator state are counted. Two measures on the CPU:

- ``peak_mb``: growth of the resident set during the step (the peak RSS,
  reset just before the step, minus the RSS then); works for every system;
- ``traced_mb``: tracemalloc's peak during the step, which NumPy reports its
  array buffers to; exact, but blind to torch's allocator, so it is given for
  the NumPy-based systems only.

On CUDA: the growth of CuPy's memory pool, and torch's ``max_memory_allocated``.

Run as ``python -m benchmarks.memory SYSTEM CELL CONFIG T DEVICE THREADS``; it prints one JSON line.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .workloads import CONFIGS, FloorSystem, TinygradSystem, make_problem

SYSTEMS = ("tinygrad_rnn", "numpy floor", "torch fused")
NUMPY_BASED = ("tinygrad_rnn", "numpy floor")


def measure(
    cell: str,
    config_name: str,
    length: int,
    device: str,
    threads: int,
    torch_missing: str | None = None,
) -> dict[str, Any]:
    """Peak memory per system (MB) and the ratios of tinygrad_rnn to the floor.

    ``torch_missing`` says why torch is left out ("not installed", ...); None runs it.
    """
    result: dict[str, Any] = {"cell": cell, "config": config_name, "T": length, "device": device}
    for system in SYSTEMS:
        if system.startswith("torch") and torch_missing:
            result[system] = {"status": torch_missing}
            continue
        result[system] = _child(system, cell, config_name, length, device, threads, traced=False)
        if device == "cpu" and system in NUMPY_BASED and "peak_mb" in result[system]:
            traced = _child(system, cell, config_name, length, device, threads, traced=True)
            result[system]["traced_mb"] = traced.get("traced_mb")
    ours, floor = result["tinygrad_rnn"], result["numpy floor"]
    ratios = {}
    for key in ("peak_mb", "traced_mb"):
        if ours.get(key) and floor.get(key):
            ratios[f"ours/floor ({key})"] = ours[key] / floor[key]
    result["ratios"] = ratios
    return result


def _child(
    system: str, cell: str, config_name: str, length: int, device: str, threads: int, traced: bool
) -> dict[str, Any]:
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    args = [system, cell, config_name, str(length), device, str(threads), "traced" if traced else "rss"]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", *args], env=env, capture_output=True, text=True, timeout=1800
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["exit code " + str(done.returncode)])[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _status_kib(field: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` line of Linux's /proc/self/status, in KiB; None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _reset_peak() -> None:
    """Sets the peak-RSS mark to the current RSS (Linux ≥ 4.0), so setup transients are not counted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _rss_window() -> tuple[int, Any]:
    """RSS now (bytes), and a function giving the peak RSS since then.

    Linux: VmRSS and VmHWM. (Not ``getrusage``'s ru_maxrss there: it survives
    exec, so a child started by a big parent reports the parent's size.)
    Elsewhere ru_maxrss, an upper bound.
    """
    _reset_peak()
    rss = _status_kib("VmRSS")
    if rss is not None:
        return rss * 1024, lambda: (_status_kib("VmHWM") or 0) * 1024
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return 0, lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _build(system: str, cell: str, config_name: str, length: int, device: str) -> Any:
    config = replace(CONFIGS[config_name], T=length)
    x, params = make_problem(cell, config)
    if system == "tinygrad_rnn":
        return TinygradSystem(cell, x, params, device)
    if system == "numpy floor":
        return FloorSystem(cell, x, params, device)
    from .torch_systems import TorchFused, load_torch

    return TorchFused(load_torch(), cell, x, params, device, tf32=None if device == "cpu" else False)


def _run_child(system: str, cell: str, config_name: str, length: int, device: str, threads: int, mode: str) -> dict:
    from .environment import pin_threads

    torch = None
    if system.startswith("torch"):
        from .torch_systems import load_torch

        torch = load_torch()
    limiter = pin_threads(threads, torch)  # noqa: F841 (kept alive: the limits hold while it lives)
    # A two-step warm-up first: BLAS work buffers and lazy initialisation are not the step's memory.
    warm = _build(system, cell, config_name, 2, device)
    warm.train_step()
    del warm
    runner = _build(system, cell, config_name, length, device)
    gc.collect()
    mb = 1024.0 * 1024.0
    if device != "cpu":
        return _run_child_cuda(system, runner, torch)
    if mode == "traced":
        import tracemalloc

        tracemalloc.start()
        runner.train_step()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"traced_mb": peak / mb}
    before, peak = _rss_window()
    runner.train_step()
    return {"peak_mb": (peak() - before) / mb, "rss_before_mb": before / mb}


def _run_child_cuda(system: str, runner: Any, torch: Any) -> dict:
    mb = 1024.0 * 1024.0
    if system.startswith("torch"):
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        runner.train_step()
        torch.cuda.synchronize()
        return {"peak_mb": (torch.cuda.max_memory_allocated() - base) / mb}
    import cupy

    pool = cupy.get_default_memory_pool()
    cupy.cuda.get_current_stream().synchronize()
    pool.free_all_blocks()
    base = pool.total_bytes()
    runner.train_step()
    cupy.cuda.get_current_stream().synchronize()
    return {"peak_mb": (pool.total_bytes() - base) / mb}  # the pool keeps freed blocks: it holds the peak


if __name__ == "__main__":
    system_, cell_, config_, length_, device_, threads_, mode_ = sys.argv[1:8]
    print(json.dumps(_run_child(system_, cell_, config_, int(length_), device_, int(threads_), mode_)))
