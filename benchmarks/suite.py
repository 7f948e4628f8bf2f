"""The training-step and no_grad tables: build every system for a (cell, config), check it, time it.

Before any timing, each system runs one step that is compared with the
floor's (loss and every weight gradient), and tinygrad_rnn's output, loss
and gradients must be float32: a framework that silently promotes to float64
looks correct and runs at half speed.
"""

from __future__ import annotations

from typing import Any

from .report import ratios
from .timing import interleaved
from .torch_systems import TorchComposed, TorchFused, cuda_ready, torch_status
from .workloads import Config, FloorSystem, TinygradSystem, compare, make_problem

REPS = {"tiny": 5, "small": 15, "medium": 7, "large": 5, "xl": 5}


class BenchmarkError(AssertionError):
    """A system computed the wrong thing, or tinygrad_rnn left float32: its timings would mean nothing."""


def torch_names(device: str) -> list[str]:
    """The torch columns, in order."""
    if device == "cpu":
        return ["torch fused", "torch composed"]
    return ["torch cuDNN fp32", "torch cuDNN tf32", "torch composed fp32", "torch composed tf32"]


def build(cell: str, config: Config, device: str, torch: Any) -> tuple[list[Any], dict[str, str]]:
    """The systems that can run here, in column order, and a status for each that cannot."""
    x, params = make_problem(cell, config)
    systems: list[Any] = [TinygradSystem(cell, x, params, device)]
    missing: dict[str, str] = {}
    if device == "cpu" and torch is not None:
        systems += [TorchFused(torch, cell, x, params), TorchComposed(torch, cell, x, params)]
    elif device != "cpu" and cuda_ready(torch):
        for kind in (TorchFused, TorchComposed):
            systems += [kind(torch, cell, x, params, device, tf32=tf32) for tf32 in (False, True)]
    else:
        status = torch_status() if torch is None else "no CUDA in this torch"
        missing = {name: status for name in torch_names(device)}
    systems.append(FloorSystem(cell, x, params, device))
    return systems, missing


def check(systems: list[Any]) -> None:
    """One step of each system against the floor's; raises BenchmarkError on any difference."""
    results = {s.name: s.check() for s in systems}
    ours = results["tinygrad_rnn"]
    if ours.dtypes != {"float32"}:
        raise BenchmarkError(f"tinygrad_rnn left float32: output, loss and gradients have dtypes {sorted(ours.dtypes)}")
    floor = results["numpy floor"]
    for system in systems:
        if system.name == "numpy floor":
            continue
        problems = compare(floor, results[system.name], getattr(system, "check_rtol", 2e-3))
        if problems:
            raise BenchmarkError(f"{system.name} disagrees with the numpy floor: {'; '.join(problems)}")


def measure(cell: str, config: Config, device: str, torch: Any, reps: int, inference: bool = True) -> dict[str, Any]:
    """One row of the training table (and of the no_grad table): median ms per system and the ratios."""
    systems, missing = build(cell, config, device, torch)
    check(systems)
    syncs = {s.name: s.sync for s in systems}
    trained = interleaved({s.name: s.train_step for s in systems}, syncs, reps=reps)
    row: dict[str, Any] = {
        "cell": cell,
        "config": config.name,
        "B": config.B,
        "T": config.T,
        "I": config.I,
        "H": config.H,
        "dtype": "float32",
        "device": device,
        "systems": _ordered(trained, missing, device),
    }
    row["ratios"] = ratios(row["systems"])
    if inference:
        inferred = interleaved({s.name: s.infer for s in systems}, syncs, reps=reps)
        row["inference"] = _ordered(inferred, missing, device)
        row["inference_ratios"] = ratios(row["inference"])
    return row


def _ordered(timed: dict[str, dict], missing: dict[str, str], device: str) -> dict[str, dict]:
    """Columns in a fixed order: ours, the torch systems, the floor."""
    out: dict[str, dict] = {"tinygrad_rnn": timed["tinygrad_rnn"]}
    for name in torch_names(device):
        out[name] = timed[name] if name in timed else {"status": missing.get(name, "not run")}
    out["numpy floor"] = timed["numpy floor"]
    return out
