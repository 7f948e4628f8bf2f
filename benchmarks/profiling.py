"""cProfile of tinygrad_rnn's training step: where the time goes, for whoever optimises the engine.

``python -m benchmarks --profile --cell lstm --config medium`` prints the top
entries by own time (tottime) and by cumulative time over a few steps.
cProfile's per-call overhead inflates the many small Python calls, so read
the ranking, not the absolute seconds.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from typing import Any

from .workloads import CONFIGS, TinygradSystem, make_problem


def profile_step(cell: str, config_name: str, steps: int = 3, top: int = 25, device: str = "cpu") -> dict[str, Any]:
    """Profiles ``steps`` training steps (after one warm-up); returns the printed tables and the top entries."""
    x, params = make_problem(cell, CONFIGS[config_name])
    system = TinygradSystem(cell, x, params, device)
    system.train_step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        system.train_step()
        system.sync()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = []
    for (filename, line, func), (calls, _, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append(
            {
                "function": f"{_short(filename)}:{line}({func})",
                "calls_per_step": calls / steps,
                "tottime_ms_per_step": tottime * 1e3 / steps,
                "cumtime_ms_per_step": cumtime * 1e3 / steps,
                "share_of_total": tottime / total if total else 0.0,
            }
        )
    entries.sort(key=lambda e: e["tottime_ms_per_step"], reverse=True)
    text = io.StringIO()
    for key in ("tottime", "cumulative"):
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(key).print_stats(top)
    return {
        "cell": cell,
        "config": config_name,
        "steps": steps,
        "total_ms_per_step": total * 1e3 / steps,
        "top": entries[:top],
        "text": text.getvalue(),
    }


def _short(filename: str) -> str:
    """``tinygrad_rnn/ops/activations.py`` rather than a full path of this machine."""
    for marker in ("tinygrad_rnn", "benchmarks", "numpy", "cupy"):
        index = filename.rfind(f"/{marker}/")
        if index >= 0:
            return filename[index + 1 :]
    return filename.rsplit("/", 1)[-1]
