"""``python -m benchmarks``: the whole suite in one process; tables on stdout, JSON with ``--json``.

Progress goes to stderr, so ``python -m benchmarks > table.txt`` keeps the table clean.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from typing import Any

from . import environment, memory, overhead, report, scaling, suite
from .torch_systems import cuda_ready, load_torch, torch_status
from .workloads import CELLS, CONFIGS

SECTIONS = ("inference", "overhead", "scaling", "memory", "packed")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Times tinygrad_rnn's RNN/LSTM/GRU training step against PyTorch and a NumPy floor.",
    )
    parser.add_argument("--cell", choices=[*CELLS, "all"], default="all", help="which layers (default all)")
    parser.add_argument(
        "--config",
        choices=["small", "medium", "large", "xl", "all"],
        default=None,
        help="all = small, medium, large (and xl with --device cuda); default all, or small with --quick",
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads (default 1)")
    parser.add_argument("--json", metavar="FILE", help="also write the whole report as JSON")
    parser.add_argument("--quick", action="store_true", help="a smoke run in seconds: few reps, small configs")
    parser.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="cuda: tinygrad_rnn on CuPy, torch cuDNN and composed with TF32 off and on, the floor on CuPy",
    )
    parser.add_argument("--reps", type=int, help="timed rounds per system (default depends on the config)")
    parser.add_argument("--skip", default="", help=f"comma-separated sections to leave out: {', '.join(SECTIONS)}")
    parser.add_argument("--no-torch", action="store_true", help="leave torch out even where it is installed")
    parser.add_argument("--profile", action="store_true", help="also cProfile tinygrad_rnn's step per cell/config")
    args = parser.parse_args(argv)
    unknown = {s for s in args.skip.split(",") if s} - set(SECTIONS)
    if unknown:
        parser.error(f"--skip: unknown section(s) {', '.join(sorted(unknown))}; expected {', '.join(SECTIONS)}")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def selected(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    cells = list(CELLS) if args.cell == "all" else [args.cell]
    config = args.config or ("small" if args.quick else "all")
    if config == "all":
        configs = ["small", "medium", "large"] + (["xl"] if args.device == "cuda" else [])
    else:
        configs = [config]
    return cells, configs


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_training(args: argparse.Namespace, torch: Any, skip: set[str]) -> list[dict[str, Any]]:
    """The training-step table (and the no_grad one), per config and cell."""
    cells, configs = selected(args)
    rows = []
    for config_name in configs:
        for cell in cells:
            config = CONFIGS[config_name]
            reps = args.reps or (3 if args.quick else suite.REPS[config_name])
            progress(f"[{cell} {config_name}] {config.describe()}: {reps} interleaved rounds")
            rows.append(suite.measure(cell, config, args.device, torch, reps, inference="inference" not in skip))
    print("\ntraining step: forward over T, loss = sum of all h_t, backward; float32; median ms per step")
    print("(every system checked against the floor first: loss and weight gradients agree; ours stays float32)")
    print(report.timing_table(rows, "systems"))
    if "inference" not in skip:
        print("\nno_grad inference: forward over T; median ms")
        print(report.timing_table(rows, "inference"))
    return rows


def run_overhead(args: argparse.Namespace, torch: Any) -> dict[str, Any]:
    progress("[overhead] elementwise op on 2x2 tensors")
    n, reps = (1000, 3) if args.quick else (20000, 7)
    result = overhead.measure(torch, args.device, n=n, reps=reps)
    print(f"\nper-op overhead: a * b on 2x2 tensors, µs per op (median of {reps} interleaved rounds of {n})")
    print(report.overhead_table(result))
    return result


def run_scaling(args: argparse.Namespace) -> dict[str, Any]:
    config_name, lengths = ("tiny", scaling.QUICK_LENGTHS) if args.quick else ("medium", scaling.FULL_LENGTHS)
    progress(f"[scaling] lstm {config_name}, T = {', '.join(map(str, lengths))}")
    result = scaling.measure("lstm", config_name, lengths, args.device)
    print(f"\nscaling in T: lstm, {CONFIGS[config_name].describe().split(' T=')[0]}, one step, median ms")
    print(report.scaling_table(result))
    user_lengths = scaling.QUICK_USER_LENGTHS if args.quick else scaling.USER_LENGTHS
    progress(f"[scaling] tiny lstm as users run it (collector on), T = {', '.join(map(str, user_lengths))}")
    result["as_users_run"] = users = scaling.measure_as_users_run(user_lengths, args.device)
    print(f"\nscaling as users run it: lstm {users['config']}, the collector on, whole step, µs per time step")
    print(report.user_scaling_table(users))
    return result


def run_memory(args: argparse.Namespace, torch: Any) -> dict[str, Any]:
    config_name, length = ("small", 100) if args.quick else ("medium", 1000)
    progress(f"[memory] lstm {config_name} at T={length}, one fresh subprocess per system")
    if torch is None:
        torch_missing: str | None = torch_status()
    elif args.device == "cuda" and not cuda_ready(torch):
        torch_missing = "no CUDA in this torch"
    else:
        torch_missing = None
    result = memory.measure("lstm", config_name, length, args.device, args.threads, torch_missing)
    print(f"\npeak memory of one training step: lstm {config_name} at T={length}, each system in a fresh process")
    print(report.memory_table(result))
    return result


def run_packed(args: argparse.Namespace, torch: Any) -> list[dict[str, Any]]:
    """Variable-length batches: lengths drawn between T/4 and T, against torch fused and composed."""
    from . import packed

    cells, configs = selected(args)
    configs = [c for c in configs if c != "xl"]
    reps = args.reps or (3 if args.quick else 5)
    progress(f"[packed] {', '.join(cells)} × {', '.join(configs)}: {reps} interleaved rounds")
    return packed.section(cells, configs, torch, reps, device=args.device)


def run_profile(args: argparse.Namespace) -> list[dict[str, Any]]:
    from . import profiling

    cells, configs = selected(args)
    results = []
    for config_name in configs:
        for cell in cells:
            progress(f"[profile] {cell} {config_name}")
            profiled = profiling.profile_step(cell, config_name, steps=1 if args.quick else 3, device=args.device)
            results.append(profiled)
            print(f"\ncProfile of tinygrad_rnn's training step: {cell} {config_name}")
            print(profiled["text"])
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.device == "cuda":
        problem = environment.cuda_problem()
        if problem:
            print(
                f"python -m benchmarks --device cuda: {problem}. The GPU columns need CuPy and an NVIDIA GPU: "
                "pip install 'tinygrad_rnn[cuda12]' or 'tinygrad_rnn[cuda13]' (see docs/backends.md), "
                "or run with --device cpu.",
                file=sys.stderr,
            )
            return 2
    torch = load_torch(disabled=args.no_torch)
    limiter = environment.pin_threads(args.threads, torch)  # noqa: F841 (the limits hold while it lives)
    # The modules' objects (torch alone has ~150,000) move out of the collector's sight: the gc.collect()
    # between timed calls then costs microseconds, not 200 ms, and torch's presence doesn't tax tinygrad_rnn.
    gc.collect()
    gc.freeze()
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()

    meta = environment.describe(args.threads, args.device, torch)
    if torch is None:
        meta["torch_status"] = torch_status()
    print("\n".join(environment.header_lines(meta)))
    result: dict[str, Any] = {"meta": meta, "args": vars(args)}
    sections: dict[str, float] = {}
    meta["section_s"] = sections
    sections_to_run = [
        ("training", lambda: run_training(args, torch, skip)),
        ("overhead", lambda: run_overhead(args, torch)),
        ("scaling", lambda: run_scaling(args)),
        ("memory", lambda: run_memory(args, torch)),
        ("packed", lambda: run_packed(args, torch)),
        ("profile", lambda: run_profile(args)),
    ]
    for name, run in sections_to_run:
        if name in skip or (name == "profile" and not args.profile):
            continue
        mark = time.perf_counter()
        result[name] = run()
        sections[name] = round(time.perf_counter() - mark, 2)

    end_load = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    meta["load_average_end"] = end_load
    meta["wall_s"] = time.perf_counter() - started
    if end_load:
        print(f"\nload average at the end: {' '.join(f'{v:.2f}' for v in end_load)}; {meta['wall_s']:.0f} s")
    if args.json:
        report.write_json(args.json, result)
        print(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
