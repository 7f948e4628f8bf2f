"""PyTorch as the reference: its fused layers, and the same cells composed from its primitives.

- "torch fused": ``torch.nn.LSTM`` / ``GRU`` / ``RNN`` (ATen's or oneDNN's kernel on
  the CPU, cuDNN on CUDA).
- "torch composed": the cells written with torch primitives in a Python loop,
  in the shape tinygrad_rnn's layers run (input projection of all steps as
  one matmul, one recurrent matmul per step, chunk, sigmoid, tanh, products),
  so the ratio to it measures the engine, not the algorithm.

On CUDA each comes twice: with TF32 matmuls off (exact float32) and on, since
cuDNN may use TF32 by default.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .workloads import Check, dtype_name

_torch: Any = None
_torch_error = "not installed"


def load_torch(disabled: bool = False) -> Any:
    """The torch module, or None where it is absent (or switched off by ``--no-torch``)."""
    global _torch, _torch_error
    if disabled:
        _torch_error = "switched off (--no-torch)"
        return None
    if _torch is None:
        try:
            import torch
        except ImportError:
            return None
        _torch = torch
    return _torch


def torch_status() -> str:
    """Why the torch columns are empty."""
    return _torch_error


def cuda_ready(torch: Any) -> bool:
    return torch is not None and torch.cuda.is_available()


def _new_precision_api(torch: Any) -> bool:
    # torch ≥ 2.9 has fp32_precision per backend and op ("ieee" or "tf32"); mixing it with allow_tf32 is an error.
    return hasattr(torch.backends.cuda.matmul, "fp32_precision") and hasattr(torch.backends.cudnn, "rnn")


def set_tf32(torch: Any, enabled: bool) -> None:
    """TF32 on or off for torch's CUDA matmuls and cuDNN RNNs."""
    if _new_precision_api(torch):
        mode = "tf32" if enabled else "ieee"
        torch.backends.cuda.matmul.fp32_precision = mode
        torch.backends.cudnn.rnn.fp32_precision = mode
    else:
        torch.backends.cuda.matmul.allow_tf32 = enabled
        torch.backends.cudnn.allow_tf32 = enabled


def tf32_state(torch: Any) -> dict[str, Any]:
    """torch's current TF32 settings, read through the same API that ``set_tf32`` writes."""
    if _new_precision_api(torch):
        return {
            "matmul": torch.backends.cuda.matmul.fp32_precision,
            "cudnn_rnn": torch.backends.cudnn.rnn.fp32_precision,
        }
    return {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}


class _TorchSystem:
    check_rtol = 2e-3

    def __init__(self, torch: Any, device: str, tf32: bool | None):
        self.torch, self.device, self.tf32 = torch, device, tf32

    def _precision(self) -> None:
        # The flags are global: set them before every call so interleaved systems don't leak into each other.
        if self.tf32 is not None:
            set_tf32(self.torch, self.tf32)

    def sync(self) -> None:
        if self.device != "cpu":
            self.torch.cuda.synchronize()

    def _check(self, out: Any, loss: Any, named: dict[str, Any]) -> Check:
        grads = {k: p.grad.detach().cpu().double().numpy() for k, p in named.items()}
        dtypes = {dtype_name(out.dtype), dtype_name(loss.dtype)} | {dtype_name(p.grad.dtype) for p in named.values()}
        return Check(float(loss.item()), grads, dtypes)


def _label(base: str, device: str, tf32: bool | None) -> str:
    if device == "cpu":
        return base
    return f"{base} {'tf32' if tf32 else 'fp32'}"


class TorchFused(_TorchSystem):
    """``torch.nn.LSTM(I, H)`` etc. with the shared weights."""

    def __init__(
        self, torch: Any, cell: str, x: np.ndarray, params: dict, device: str = "cpu", tf32: bool | None = None
    ):
        super().__init__(torch, device, tf32)
        self.name = _label("torch cuDNN" if device != "cpu" else "torch fused", device, tf32)
        if tf32:
            self.check_rtol = 5e-2
        layer_class = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
        self.layer = layer_class(x.shape[2], params["weight_hh"].shape[1]).to(device)
        with torch.no_grad():
            for name, value in params.items():
                getattr(self.layer, f"{name}_l0").copy_(torch.from_numpy(value))
        self.x = torch.from_numpy(x).to(device)

    def train_step(self) -> tuple[Any, Any]:
        self._precision()
        self.layer.zero_grad(set_to_none=True)
        out, _ = self.layer(self.x)
        loss = out.sum()
        loss.backward()
        return out, loss

    def infer(self) -> None:
        self._precision()
        with self.torch.no_grad():
            self.layer(self.x)

    def check(self) -> Check:
        out, loss = self.train_step()
        named = {name[:-3]: p for name, p in self.layer.named_parameters()}
        return self._check(out, loss, named)


class TorchComposed(_TorchSystem):
    """The cell equations in torch primitives, one Python iteration per time step."""

    def __init__(
        self, torch: Any, cell: str, x: np.ndarray, params: dict, device: str = "cpu", tf32: bool | None = None
    ):
        super().__init__(torch, device, tf32)
        self.name = _label("torch composed", device, tf32)
        if tf32:
            self.check_rtol = 5e-2
        self.params = {k: torch.from_numpy(v).to(device).requires_grad_() for k, v in params.items()}
        self.x = torch.from_numpy(x).to(device)
        self.run = {"lstm": self._lstm, "gru": self._gru, "rnn": self._rnn}[cell]

    def train_step(self) -> tuple[Any, Any]:
        self._precision()
        for p in self.params.values():
            p.grad = None
        out = self.run()
        loss = out.sum()
        loss.backward()
        return out, loss

    def infer(self) -> None:
        self._precision()
        with self.torch.no_grad():
            self.run()

    def check(self) -> Check:
        out, loss = self.train_step()
        return self._check(out, loss, self.params)

    def _project(self, bias: Any) -> Any:
        x, w_ih = self.x, self.params["weight_ih"]
        length, batch, features = x.shape
        return (x.reshape(length * batch, features) @ w_ih.T + bias).reshape(length, batch, -1).unbind(0)

    def _lstm(self) -> Any:
        torch, p = self.torch, self.params
        inputs = self._project(p["bias_ih"] + p["bias_hh"])
        w_hh_t = p["weight_hh"].T
        h = c = self.x.new_zeros(self.x.shape[1], w_hh_t.shape[0])
        outputs = []
        for x_proj in inputs:
            i, f, g, o = (x_proj + h @ w_hh_t).chunk(4, dim=1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs)

    def _gru(self) -> Any:
        torch, p = self.torch, self.params
        inputs = self._project(p["bias_ih"])
        w_hh_t, b_hh = p["weight_hh"].T, p["bias_hh"]
        h = self.x.new_zeros(self.x.shape[1], w_hh_t.shape[0])
        outputs = []
        for x_proj in inputs:
            i_r, i_z, i_n = x_proj.chunk(3, dim=1)
            h_r, h_z, h_n = (h @ w_hh_t + b_hh).chunk(3, dim=1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            h = (1.0 - z) * n + z * h
            outputs.append(h)
        return torch.stack(outputs)

    def _rnn(self) -> Any:
        torch, p = self.torch, self.params
        inputs = self._project(p["bias_ih"] + p["bias_hh"])
        w_hh_t = p["weight_hh"].T
        h = self.x.new_zeros(self.x.shape[1], w_hh_t.shape[0])
        outputs = []
        for x_proj in inputs:
            h = torch.tanh(x_proj + h @ w_hh_t)
            outputs.append(h)
        return torch.stack(outputs)
