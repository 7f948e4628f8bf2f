"""Making tensors: zeros, ones, full, arange, and random ones (seeded by ``manual_seed``)."""

from __future__ import annotations

import math
import operator
from typing import Any

from . import dtypes
from .backend import get_backend, get_default_device
from .checks import check_bool, check_number, shown
from .tensor import Tensor


def _sizes(fn: str, size: tuple) -> tuple[int, ...]:
    """The shape from ``zeros(2, 3)`` or ``zeros((2, 3))``: non-negative integers, as torch requires."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = []
    for s in size:
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"{fn}: size must be integers, e.g. {fn}(2, 3) or {fn}((2, 3)), got {shown(s)}")
        s = operator.index(s)
        if s < 0:
            raise ValueError(f"{fn}: size must be non-negative, got {s} in {tuple(size)}")
        shape.append(s)
    return tuple(shape)


def _dtype_name(fn: str, dtype: Any, default: str) -> str:
    try:
        return dtypes.to_name(dtype) or default
    except TypeError:
        raise TypeError(
            f"{fn}: dtype must be one of {', '.join('tg.' + n for n in dtypes.BY_NAME)}, got {shown(dtype)}"
        ) from None


def _backend(fn: str, device: Any) -> Any:
    try:
        return get_backend(get_default_device() if device is None else device)
    except ValueError as error:
        raise ValueError(f"{fn}: device: {error}") from None


def _allocate(fn: str, shape: tuple, make: Any) -> Any:
    """``make()``, with NumPy's "array is too big" turned into a message about ``size``."""
    try:
        return make()
    except (ValueError, MemoryError) as error:
        numel = math.prod(shape)
        raise ValueError(f"{fn}: size {shape} ({numel:,} elements) is too large to allocate ({error})") from None


def _make(fill: str, size: tuple, dtype: Any, device: Any, requires_grad: bool, value: Any = None) -> Tensor:
    fn = {"uniform": "rand", "normal": "randn"}.get(fill, fill)
    shape = _sizes(fn, size)
    name = _dtype_name(fn, dtype, dtypes.get_default_dtype().name)
    requires_grad = check_bool(fn, "requires_grad", requires_grad)
    backend = _backend(fn, device)
    xp = backend.xp
    if fill in ("uniform", "normal") and not dtypes.BY_NAME[name].is_floating_point:
        raise TypeError(f"{fn}: dtype must be a floating point dtype (tg.float32 or tg.float64), got {name}")
    if fill == "full":
        data = _allocate(fn, shape, lambda: xp.full(shape, value, dtype=backend.dtype(name)))
    elif fill == "uniform":
        data = _allocate(fn, shape, lambda: backend.uniform(shape, 0.0, 1.0, name))
    elif fill == "normal":
        data = _allocate(fn, shape, lambda: backend.normal(shape, name))
    else:
        data = _allocate(fn, shape, lambda: getattr(xp, fill)(shape, dtype=backend.dtype(name)))
    return Tensor.wrap(data, backend).requires_grad_(requires_grad)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.tensor([1.0, 2.0])``: the same as ``Tensor(...)``, PyTorch's spelling."""
    _dtype_name("tensor", dtype, "float32")  # the checks, with this function's name in the message
    _backend("tensor", device)
    check_bool("tensor", "requires_grad", requires_grad)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.zeros(2, 3)``"""
    return _make("zeros", size, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.ones(2, 3)``"""
    return _make("ones", size, dtype, device, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``tg.full((2, 3), 0.5)``; without ``dtype``, the type follows the value, as in torch.

    A bool fills a bool tensor, an integer an int64 tensor, a float one of the
    default float dtype.

    >>> import tinygrad_rnn as tg
    >>> tg.full((2,), 3).dtype, tg.full((2,), 3.0).dtype, tg.full((2,), True).dtype
    (tinygrad_rnn.int64, tinygrad_rnn.float32, tinygrad_rnn.bool)
    """
    kind = _fill_kind(fill_value)
    if dtype is None:
        dtype = {"bool": "bool", "int": "int64"}.get(kind)
    name = _dtype_name("full", dtype, dtypes.get_default_dtype().name)
    if name == "int64":
        number = float(fill_value) if kind == "float" else int(fill_value)
        if kind == "float" and not math.isfinite(number) or not -(2**63) <= number < 2**63:
            raise ValueError(f"full: fill_value {fill_value!r} cannot be converted to int64 (a finite value in range)")
    return _make(
        "full", (size if isinstance(size, (tuple, list)) else (size,),), name, device, requires_grad, fill_value
    )


def _fill_kind(value: Any) -> str:
    """ "bool", "int" or "float": the kind of a fill value (Python or NumPy scalars, 0-d tensors)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"full: fill_value must be a number or a 0-d tensor, got a tensor of shape {value.shape}")
        value = value.item()
    kind = getattr(getattr(value, "dtype", None), "kind", None)  # a NumPy scalar
    if isinstance(value, bool) or kind == "b":
        return "bool"
    if isinstance(value, int) or kind in ("i", "u"):
        return "int"
    if isinstance(value, float) or kind == "f":
        return "float"
    raise TypeError(f"full: fill_value must be a real number or a bool, got {shown(value)}")


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``x``'s shape, dtype (unless given) and device."""
    _check_tensor("zeros_like", x)
    return zeros(x.shape, dtype=dtype or x.dtype, device=x.backend, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``x``'s shape, dtype (unless given) and device."""
    _check_tensor("ones_like", x)
    return ones(x.shape, dtype=dtype or x.dtype, device=x.backend, requires_grad=requires_grad)


def _check_tensor(fn: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: x must be a Tensor, got {shown(x)}")


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform in [0, 1): ``tg.rand(2, 3)``"""
    return _make("uniform", size, dtype, device, requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal: ``tg.randn(2, 3)``"""
    return _make("normal", size, dtype, device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None) -> Tensor:
    """``tg.arange(5)`` → int64 [0, 1, 2, 3, 4]; floats give the default float dtype.

    As in torch, ``step`` must not be 0 and must point from ``start`` towards ``end``.

    >>> import tinygrad_rnn as tg
    >>> tg.arange(5).tolist(), tg.arange(1.0, 2.0, 0.5).tolist(), tg.arange(3, 0, -1).tolist()
    ([0, 1, 2, 3, 4], [1.0, 1.5], [3, 2, 1])
    """
    if end is None:
        start, end = 0, start
    for arg, value in (("start", start), ("end", end), ("step", step)):
        check_number("arange", arg, value, finite=True)
    if step == 0:
        raise ValueError("arange: step must be non-zero, got 0")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: step {step} points away from end: start={start}, end={end} (use a step of the other sign)"
        )
    is_float = any(_fill_kind(v) == "float" for v in (start, end, step))
    name = _dtype_name("arange", dtype, dtypes.get_default_dtype().name if is_float else "int64")
    backend = _backend("arange", device)
    count = math.ceil((end - start) / step)
    data = _allocate("arange", (count,), lambda: backend.xp.arange(start, end, step, dtype=backend.dtype(name)))
    return Tensor.wrap(data, backend)
