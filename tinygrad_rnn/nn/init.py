"""Parameter initialisation as PyTorch does it for these layers."""

from __future__ import annotations

from typing import Any

from ..backend import get_backend, get_default_device
from ..dtypes import BY_NAME, get_default_dtype, to_name
from ..tensor import Tensor
from .module import Parameter


def uniform_parameter(shape: tuple, bound: float, device: Any = None, dtype: Any = None) -> Parameter:
    """A Parameter drawn uniformly from (−bound, bound) with the seeded generator.

    ``dtype`` defaults to the default float dtype (float32 unless changed).
    """
    try:
        backend = get_backend(get_default_device() if device is None else device)
    except ValueError as error:
        raise ValueError(f"device: {error}") from None
    data = backend.uniform(shape, -bound, bound, float_dtype_name(dtype))
    return Parameter(Tensor.wrap(data, backend))


def float_dtype_name(dtype: Any, layer: str = "parameters") -> str:
    """The name of a float dtype for new parameters (the default float dtype for None)."""
    try:
        name = to_name(dtype) or get_default_dtype().name
    except TypeError:
        raise TypeError(f"{layer}: dtype must be tg.float32 or tg.float64, got {dtype!r}") from None
    if not BY_NAME[name].is_floating_point:
        raise TypeError(f"{layer}: dtype must be a floating point dtype (tg.float32 or tg.float64), got {name}")
    return name
