"""Variable-length batches: one training step on a packed batch, tinygrad_rnn against PyTorch.

The workload: B sequences of lengths drawn uniformly between T/4 and T, padded
to T steps, packed with ``pack_padded_sequence(..., enforce_sorted=False)``
inside the step (as a training loop does), one layer (float32), loss = the sum
of the packed output (every real h_t), backward. Every system gets the same
padded input, lengths and weights:

- "tinygrad_rnn": ``tg.nn.LSTM``/``GRU``/``RNN`` on tinygrad_rnn's PackedSequence;
- "tinygrad_rnn padded": the same layer on the padded batch, all T steps
  computed (what packing saves; its loss differs, so it is timed, not checked);
- "torch fused": ``torch.nn.LSTM`` etc. on torch's PackedSequence;
- "torch composed": the same algorithm as ours in torch primitives (the input
  projection of all real steps in one matmul, the batch shrinking as sequences
  end), so the ratio to it measures the engine, not the algorithm.

The first step of each checked system is compared with torch fused (loss and
weight gradients). Run alone (``python -m benchmarks.packed``), or call
:func:`section` from ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.nn.utils.rnn import pack_padded_sequence

from .timing import interleaved
from .workloads import CELLS, CONFIGS, Check, Config, compare, dtype_name, make_problem

TG, TG_PADDED, FUSED, COMPOSED = "tinygrad_rnn", "tinygrad_rnn padded", "torch fused", "torch composed"


def draw_lengths(config: Config, seed: int = 0) -> list[int]:
    """B lengths drawn uniformly from [T/4, T] (the same for every system)."""
    rng = np.random.default_rng(seed + 1)
    return rng.integers(max(1, config.T // 4), config.T + 1, size=config.B).tolist()


class _Tinygrad:
    def __init__(self, cell: str, x: np.ndarray, lengths: list[int], params: dict, device: str, packed: bool):
        layer_class = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU, "rnn": tg.nn.RNN}[cell]
        self.layer = layer_class(x.shape[2], params["weight_hh"].shape[1], device=device)
        self.layer.load_state_dict({f"{name}_l0": value for name, value in params.items()})
        self.x, self.lengths, self.packed, self.device = tg.Tensor(x, device=device), lengths, packed, device

    def train_step(self) -> tuple[Any, Any]:
        self.layer.zero_grad()
        x = pack_padded_sequence(self.x, self.lengths, enforce_sorted=False) if self.packed else self.x
        out, _ = self.layer(x)
        loss = (out.data if self.packed else out).sum()
        loss.backward()
        return out, loss

    def check(self) -> Check:
        _, loss = self.train_step()
        grads = {name[:-3]: p.grad for name, p in self.layer.named_parameters()}
        dtypes = {dtype_name(loss.dtype)} | {dtype_name(g.dtype) for g in grads.values()}
        return Check(float(loss.item()), {k: g.numpy().astype(np.float64) for k, g in grads.items()}, dtypes)

    def sync(self) -> None:
        if self.device != "cpu":
            import cupy

            cupy.cuda.get_current_stream().synchronize()


class _Torch:
    def __init__(
        self, torch: Any, cell: str, x: np.ndarray, lengths: list[int], params: dict, device: str, fused: bool
    ):
        self.torch, self.cell, self.device, self.fused = torch, cell, device, fused
        self.x, self.lengths = torch.from_numpy(x).to(device), torch.tensor(lengths)
        if fused:
            layer_class = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
            self.layer = layer_class(x.shape[2], params["weight_hh"].shape[1]).to(device)
            with torch.no_grad():
                for name, value in params.items():
                    getattr(self.layer, f"{name}_l0").copy_(torch.from_numpy(value))
            self.params = {name[:-3]: p for name, p in self.layer.named_parameters()}
        else:
            self.params = {k: torch.from_numpy(v).to(device).requires_grad_() for k, v in params.items()}

    def train_step(self) -> tuple[Any, Any]:
        for p in self.params.values():
            p.grad = None
        packed = self.torch.nn.utils.rnn.pack_padded_sequence(self.x, self.lengths, enforce_sorted=False)
        out = self.layer(packed)[0].data if self.fused else self._composed(packed.data, packed.batch_sizes.tolist())
        loss = out.sum()
        loss.backward()
        return out, loss

    def _composed(self, data: Any, sizes: list[int]) -> Any:
        """The packed loop in torch primitives: the batch shrinks to ``sizes[t]`` at step t."""
        torch, p, cell = self.torch, self.params, self.cell
        bias = p["bias_ih"] if cell == "gru" else p["bias_ih"] + p["bias_hh"]
        steps = (data @ p["weight_ih"].T + bias).split(sizes)
        w_hh_t = p["weight_hh"].T
        h = c = data.new_zeros(sizes[0], w_hh_t.shape[0])
        outputs = []
        for x_proj, n in zip(steps, sizes):
            h, c = h[:n], c[:n]
            if cell == "lstm":
                i, f, g, o = (x_proj + h @ w_hh_t).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            elif cell == "gru":
                i_r, i_z, i_n = x_proj.chunk(3, dim=1)
                h_r, h_z, h_n = (h @ w_hh_t + p["bias_hh"]).chunk(3, dim=1)
                r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
                h = (1 - z) * torch.tanh(i_n + r * h_n) + z * h
            else:
                h = torch.tanh(x_proj + h @ w_hh_t)
            outputs.append(h)
        return torch.cat(outputs)

    def check(self) -> Check:
        _, loss = self.train_step()
        grads = {k: v.grad.detach().cpu().double().numpy() for k, v in self.params.items()}
        return Check(float(loss.item()), grads, {dtype_name(loss.dtype)})

    def sync(self) -> None:
        if self.device != "cpu":
            self.torch.cuda.synchronize()


def measure(cell: str, config: Config, torch: Any, reps: int, seed: int = 0, device: str = "cpu") -> dict[str, Any]:
    """One cell and config: each system's step time (median ms), ratios, and what differs from torch fused."""
    x, params = make_problem(cell, config, seed)
    lengths = draw_lengths(config, seed)
    systems: dict[str, Any] = {
        TG: _Tinygrad(cell, x, lengths, params, device, packed=True),
        TG_PADDED: _Tinygrad(cell, x, lengths, params, device, packed=False),
    }
    if torch is not None:
        systems[FUSED] = _Torch(torch, cell, x, lengths, params, device, fused=True)
        systems[COMPOSED] = _Torch(torch, cell, x, lengths, params, device, fused=False)
    problems: dict[str, list[str]] = {}
    if torch is not None:
        reference = systems[FUSED].check()
        for name in (TG, COMPOSED):
            problems[name] = compare(reference, systems[name].check())
    calls: dict[str, Callable[[], object]] = {name: s.train_step for name, s in systems.items()}
    timings = interleaved(calls, {name: s.sync for name, s in systems.items()}, reps)
    medians = {name: t["median_ms"] for name, t in timings.items()}
    ratios = {
        f"{name} / {base}": medians[name] / medians[base]
        for base in (FUSED, COMPOSED)
        if base in medians
        for name in (TG, TG_PADDED)
    }
    return {
        "cell": cell,
        "config": config.name,
        "shape": config.describe(),
        "lengths": {
            "min": min(lengths),
            "max": max(lengths),
            "real_steps": sum(lengths),
            "padded_steps": config.B * config.T,
        },
        "timings": timings,
        "ratios": ratios,
        "problems": problems,
    }


def format_row(result: dict[str, Any]) -> str:
    """One line of the table: ms per training step of each system, and tinygrad_rnn's ratios to torch."""
    t, r = result["timings"], result["ratios"]
    cells = [f"{result['cell']:>4}  {result['config']:<6}"]
    for name in (TG, TG_PADDED, FUSED, COMPOSED):
        cells.append(f"{t[name]['median_ms']:9.2f}" if name in t else f"{'—':>9}")
    for key in (f"{TG} / {FUSED}", f"{TG} / {COMPOSED}"):
        cells.append(f"{r[key]:7.2f}×" if key in r else f"{'—':>8}")
    bad = [f"{name}: {'; '.join(p)}" for name, p in result["problems"].items() if p]
    return "  ".join(cells) + ("  MISMATCH " + " | ".join(bad) if bad else "")


HEADER = (
    f"{'cell':>4}  {'config':<6}  {'tg packed':>9}  {'tg padded':>9}  {'th fused':>9}  {'th comp.':>9}  "
    f"{'÷ fused':>8}  {'÷ comp.':>8}"
)


def section(
    cells: list[str],
    configs: list[str],
    torch: Any,
    reps: int,
    device: str = "cpu",
    echo: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """The variable-length section of ``python -m benchmarks``: measures and prints each cell × config.

    Returns the results as JSON-ready dicts (one per cell and config).
    """
    echo("\nVariable-length batches (packed, lengths uniform in [T/4, T]): ms per training step (median)")
    echo(HEADER)
    results = []
    for config_name in configs:
        for cell in cells:
            result = measure(cell, CONFIGS[config_name], torch, reps, device=device)
            echo(format_row(result))
            results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    from .environment import pin_threads
    from .torch_systems import load_torch

    parser = argparse.ArgumentParser(prog="python -m benchmarks.packed", description=__doc__.split("\n")[0])
    parser.add_argument("--cell", choices=[*CELLS, "all"], default="all", help="which layers (default all)")
    parser.add_argument("--config", default="small,medium", help=f"comma-separated of {', '.join(CONFIGS)}")
    parser.add_argument("--reps", type=int, default=5, help="timed rounds per system (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads (default 1)")
    parser.add_argument("--no-torch", action="store_true", help="leave torch out even where it is installed")
    args = parser.parse_args(argv)
    configs = [c for c in args.config.split(",") if c]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown or args.reps < 1 or args.threads < 1:
        parser.error(f"--config from {', '.join(CONFIGS)}; --reps and --threads at least 1 (got {args})")
    torch = load_torch(disabled=args.no_torch)
    limiter = pin_threads(args.threads, torch)  # noqa: F841 (the limits hold while it lives)
    gc.collect()
    gc.freeze()
    cells = list(CELLS) if args.cell == "all" else [args.cell]
    section(cells, configs, torch, args.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
