"""Making tensors: zeros, ones, full, arange, and random ones (seeded by ``manual_seed``)."""

from __future__ import annotations

from typing import Any

from . import dtypes
from .backend import get_backend, get_default_device
from .tensor import Tensor


def _sizes(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _make(fill: str, size: tuple, dtype: Any, device: Any, requires_grad: bool, value: Any = None) -> Tensor:
    backend = get_backend(get_default_device() if device is None else device)
    name = dtypes.to_name(dtype) or dtypes.get_default_dtype().name
    xp, shape = backend.xp, _sizes(size)
    if fill == "full":
        data = xp.full(shape, value, dtype=backend.dtype(name))
    elif fill == "uniform":
        data = backend.uniform(shape, 0.0, 1.0, name)
    elif fill == "normal":
        data = backend.normal(shape, name)
    else:
        data = getattr(xp, fill)(shape, dtype=backend.dtype(name))
    return Tensor._wrap(data, backend).requires_grad_(requires_grad)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.tensor([1.0, 2.0])``: the same as ``Tensor(...)``, PyTorch's spelling."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.zeros(2, 3)``"""
    return _make("zeros", size, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.ones(2, 3)``"""
    return _make("ones", size, dtype, device, requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.full((2, 3), 0.5)``"""
    return _make("full", (size,), dtype, device, requires_grad, fill_value)


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(x.shape, dtype=dtype or x.dtype, device=x.backend, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(x.shape, dtype=dtype or x.dtype, device=x.backend, requires_grad=requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform in [0, 1): ``tg.rand(2, 3)``"""
    return _make("uniform", size, dtype, device, requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal: ``tg.randn(2, 3)``"""
    return _make("normal", size, dtype, device, requires_grad)


def arange(start: int, end: int | None = None, step: int = 1, dtype: Any = None, device: Any = None) -> Tensor:
    """``tg.arange(5)`` → int64 [0, 1, 2, 3, 4]; floats give the default float dtype."""
    if end is None:
        start, end = 0, start
    is_float = any(isinstance(v, float) for v in (start, end, step))
    name = dtypes.to_name(dtype) or (dtypes.get_default_dtype().name if is_float else "int64")
    backend = get_backend(get_default_device() if device is None else device)
    return Tensor._wrap(backend.xp.arange(start, end, step, dtype=backend.dtype(name)), backend)
