"""Backward scaling in the sequence length T: forward and backward timed apart, per T.

A graph walk that recurses, or that rescans the graph per node, shows up
here as t(2000)/t(500) far above 4 (or as a crash at T = 10,000), long
before it shows in a 100-step benchmark. The floor is timed alongside as the
linear reference.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import tinygrad_rnn as tg

from . import numpy_floor
from .workloads import CONFIGS, Config, array_module, make_problem

FULL_LENGTHS = (250, 500, 1000, 2000, 10000)
QUICK_LENGTHS = (50, 200, 400)
RATIO_PAIRS = ((500, 2000), (50, 200))  # t(4T)/t(T): 4 where time is linear in T


def _tinygrad_phases(cell: str, config: Config, device: str) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    x, params = make_problem(cell, config)
    layer = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU, "rnn": tg.nn.RNN}[cell](config.I, config.H, device=device)
    layer.load_state_dict({f"{k}_l0": v for k, v in params.items()})
    x_t = tg.Tensor(x, device=device)

    def forward() -> Any:
        layer.zero_grad()
        out, _ = layer(x_t)
        return out.sum()

    def backward(loss: Any) -> None:
        loss.backward()

    return forward, backward


def _floor_phases(cell: str, config: Config, device: str) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    xp = array_module(device)
    x, params = make_problem(cell, config)
    x, params = xp.asarray(x), {k: xp.asarray(v) for k, v in params.items()}

    def forward() -> Any:
        return numpy_floor.forward(cell, x, params, xp=xp)[1]

    def backward(tape: Any) -> None:
        numpy_floor.backward(tape, params)

    return forward, backward


def measure(
    cell: str = "lstm", config_name: str = "medium", lengths: tuple[int, ...] = FULL_LENGTHS, device: str = "cpu"
) -> dict[str, Any]:
    """Median forward and backward ms of tinygrad_rnn and the floor, per T; and t(4T)/t(T) of the backward."""
    sync = _sync(device)
    rows = []
    for length in lengths:
        config = replace(CONFIGS[config_name], T=length)
        reps = 3 if length <= 2000 else 1
        systems = {
            "tinygrad_rnn": _tinygrad_phases(cell, config, device),
            "numpy floor": _floor_phases(cell, config, device),
        }
        samples: dict[str, dict[str, list[float]]] = {name: {"forward": [], "backward": []} for name in systems}
        errors: dict[str, str] = {}
        for rep in range(reps):
            names = list(systems)[rep % 2 :] + list(systems)[: rep % 2]
            for name in names:
                if name in errors:
                    continue
                forward, backward = systems[name]
                gc.collect()
                try:
                    start = time.perf_counter()
                    result = forward()
                    sync()
                    middle = time.perf_counter()
                    backward(result)
                    sync()
                    end = time.perf_counter()
                except (RecursionError, MemoryError) as exc:  # the failures this measurement exists to catch
                    errors[name] = f"{type(exc).__name__}: {exc}"[:200]
                    continue
                finally:
                    result = None
                samples[name]["forward"].append((middle - start) * 1e3)
                samples[name]["backward"].append((end - middle) * 1e3)
        row: dict[str, Any] = {"T": length, "B": config.B, "I": config.I, "H": config.H, "reps": reps}
        for name, phases in samples.items():
            if name in errors:
                row[name] = {"error": errors[name]}
            else:
                row[name] = {f"{phase}_ms": statistics.median(values) for phase, values in phases.items()}
        rows.append(row)
        del systems
    return {"cell": cell, "config": config_name, "rows": rows, "ratios": _ratios(rows)}


def _ratios(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Backward t(4T)/t(T) for the first pair of lengths that was measured, and ours over the floor's."""
    by_length = {row["T"]: row for row in rows}
    for short, long in RATIO_PAIRS:
        if short in by_length and long in by_length:
            out: dict[str, Any] = {"pair": [short, long]}
            for name in ("tinygrad_rnn", "numpy floor"):
                a, b = by_length[short].get(name, {}), by_length[long].get(name, {})
                if "backward_ms" in a and "backward_ms" in b:
                    out[name] = b["backward_ms"] / a["backward_ms"]
            if "tinygrad_rnn" in out and "numpy floor" in out:
                # The floor is linear by construction: its own ratio shows what cache and load add.
                out["ours/floor"] = out["tinygrad_rnn"] / out["numpy floor"]
            return out
    return {}


def _sync(device: str) -> Callable[[], None]:
    if device == "cpu":
        return lambda: None
    import cupy

    return cupy.cuda.get_current_stream().synchronize


USER_LENGTHS = (250, 1000, 4000)
QUICK_USER_LENGTHS = (50, 200)


def measure_as_users_run(lengths: tuple[int, ...] = USER_LENGTHS, device: str = "cpu") -> dict[str, Any]:
    """A tiny LSTM's whole step, µs per time step, with Python's collector on and nothing frozen: a user's script.

    The suite freezes the collector's view after its imports (so that torch's objects tax no one);
    here that is undone for the measurement, because what grows with T is exactly what the collector
    walks in a user's script: the graph's own objects.
    """
    config = CONFIGS["tiny"]
    sync = _sync(device)
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    was_enabled = gc.isenabled()
    gc.enable()
    rows = []
    try:
        for length in lengths:
            forward, backward = _tinygrad_phases("lstm", replace(config, T=length), device)
            backward(forward())  # warm-up
            samples = []
            for _ in range(3):
                start = time.perf_counter()
                backward(forward())
                sync()
                samples.append((time.perf_counter() - start) * 1e6 / length)
            rows.append({"T": length, "us_per_step": statistics.median(samples)})
    finally:
        if not was_enabled:
            gc.disable()
        if frozen:
            gc.freeze()
    first, last = rows[0], rows[-1]
    pair = next(((a, b) for a, b in zip(rows, rows[1:]) if b["T"] == 4 * a["T"]), (first, last))
    ratio = pair[1]["us_per_step"] * pair[1]["T"] / (pair[0]["us_per_step"] * pair[0]["T"])
    sizes = f"B={config.B}, I={config.I}, H={config.H}"
    return {"config": sizes, "rows": rows, "pair": [pair[0]["T"], pair[1]["T"]], "ratio": ratio}
