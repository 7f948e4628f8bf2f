"""Parameter initialisation as PyTorch does it for these layers."""

from __future__ import annotations

from typing import Any

from ..backend import get_backend, get_default_device
from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .module import Parameter


def uniform_parameter(shape: tuple, bound: float, device: Any = None) -> Parameter:
    """A Parameter drawn uniformly from (−bound, bound) with the seeded generator."""
    backend = get_backend(get_default_device() if device is None else device)
    data = backend.uniform(shape, -bound, bound, get_default_dtype().name)
    return Parameter(Tensor._wrap(data, backend))
