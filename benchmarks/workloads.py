"""The workload every system runs, the configs, and the tinygrad_rnn and NumPy-floor systems.

One training step: forward over T steps, loss = sum of all h_t, backward; no
optimizer; float32. Every system gets the same input and the same weights,
and its first step is checked against the floor's (loss and weight
gradients), so a fast system that computes something else is caught.

A system is a small object with ``train_step()``, ``infer()`` (forward under
no_grad), ``check()`` (one step, returned as NumPy) and ``sync()`` (waits for
the device; a no-op on the CPU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import tinygrad_rnn as tg

from . import numpy_floor

CELLS = ("lstm", "gru", "rnn")


@dataclass(frozen=True)
class Config:
    """Batch B, sequence length T, input size I, hidden size H."""

    name: str
    B: int
    T: int
    I: int  # noqa: E741 (the papers' letter)
    H: int

    def describe(self) -> str:
        return f"B={self.B} T={self.T} I={self.I} H={self.H}"


CONFIGS = {
    "small": Config("small", 16, 50, 32, 64),
    "medium": Config("medium", 32, 100, 64, 256),
    "large": Config("large", 64, 100, 256, 512),
    "xl": Config("xl", 256, 200, 512, 1024),  # for the GPU
    "tiny": Config("tiny", 4, 20, 8, 16),  # --quick's scaling and memory runs
}


@dataclass
class Check:
    """One step's loss and parameter gradients, as float64 NumPy, with the dtypes the system produced."""

    loss: float
    grads: dict[str, np.ndarray]
    dtypes: set[str]


def make_problem(cell: str, config: Config, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The shared float32 input (T, B, I) and weights (PyTorch's names for one layer, without ``_l0``)."""
    rng = np.random.default_rng(seed)
    params = numpy_floor.init_params(cell, config.I, config.H, rng)
    x = rng.standard_normal((config.T, config.B, config.I)).astype(np.float32)
    return x, params


def array_module(device: str) -> Any:
    """NumPy for the CPU, CuPy for CUDA (imported only when asked for)."""
    if device == "cpu":
        return np
    import cupy

    return cupy


class TinygradSystem:
    """tinygrad_rnn's nn.LSTM / nn.GRU / nn.RNN, used exactly as a student would."""

    name = "tinygrad_rnn"

    def __init__(self, cell: str, x: np.ndarray, params: dict[str, np.ndarray], device: str = "cpu"):
        layer_class = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU, "rnn": tg.nn.RNN}[cell]
        self.layer = layer_class(x.shape[2], params["weight_hh"].shape[1], device=device)
        self.layer.load_state_dict({f"{name}_l0": value for name, value in params.items()})
        self.x = tg.Tensor(x, device=device)
        self.device = device

    def train_step(self) -> Any:
        self.layer.zero_grad()
        out, _ = self.layer(self.x)
        loss = out.sum()  # the sum of all h_t of the last layer
        loss.backward()
        return out, loss

    def infer(self) -> None:
        with tg.no_grad():
            self.layer(self.x)

    def check(self) -> Check:
        out, loss = self.train_step()
        grads = {name[:-3]: p.grad for name, p in self.layer.named_parameters()}
        dtypes = {dtype_name(out.dtype), dtype_name(loss.dtype)} | {dtype_name(g.dtype) for g in grads.values()}
        return Check(float(loss.item()), {k: g.numpy().astype(np.float64) for k, g in grads.items()}, dtypes)

    def sync(self) -> None:
        if self.device != "cpu":
            import cupy

            cupy.cuda.get_current_stream().synchronize()


class FloorSystem:
    """The NumPy floor (on CuPy for ``device="cuda"``): hand-written forward and BPTT."""

    name = "numpy floor"

    def __init__(self, cell: str, x: np.ndarray, params: dict[str, np.ndarray], device: str = "cpu"):
        self.xp = array_module(device)
        self.cell = cell
        self.x = self.xp.asarray(x)
        self.params = {k: self.xp.asarray(v) for k, v in params.items()}

    def train_step(self) -> dict:
        return numpy_floor.train_step(self.cell, self.x, self.params, self.xp)

    def infer(self) -> None:
        numpy_floor.forward(self.cell, self.x, self.params, xp=self.xp)

    def check(self) -> Check:
        out, _ = numpy_floor.forward(self.cell, self.x, self.params, xp=self.xp)
        grads = {k: v for k, v in self.train_step().items() if k in numpy_floor.PARAM_NAMES}
        host = {k: _to_numpy(v).astype(np.float64) for k, v in grads.items()}
        dtypes = {dtype_name(out.dtype)} | {dtype_name(g.dtype) for g in grads.values()}
        return Check(float(_to_numpy(out).astype(np.float64).sum()), host, dtypes)

    def sync(self) -> None:
        if self.xp is not np:
            self.xp.cuda.get_current_stream().synchronize()


def dtype_name(dtype: Any) -> str:
    """'float32' from a NumPy, CuPy, torch or tinygrad_rnn dtype."""
    return str(dtype).rsplit(".", 1)[-1]


def _to_numpy(a: Any) -> np.ndarray:
    return a.get() if hasattr(a, "get") else np.asarray(a)


def compare(reference: Check, other: Check, rtol: float = 2e-3) -> list[str]:
    """What differs between two systems' steps, beyond float32 rounding (relative to each array's norm)."""
    problems = []
    if abs(other.loss - reference.loss) > rtol * max(1.0, abs(reference.loss)):
        problems.append(f"loss {other.loss:.6g} vs {reference.loss:.6g}")
    for name, ref in reference.grads.items():
        got = other.grads.get(name)
        if got is None or got.shape != ref.shape:
            problems.append(f"gradient of {name} missing or mis-shaped")
            continue
        error = np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-12)
        if error > rtol:
            problems.append(f"gradient of {name} off by {error:.2e} (relative)")
    return problems
