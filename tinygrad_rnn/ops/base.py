"""What the ops share: undoing broadcasting, checking dims, and reading Python numbers.

Every op is a ``Function`` subclass run by ``Op.apply`` (autograd.py).
"""

from __future__ import annotations

import operator
from typing import Any

from ..autograd import op_name
from ..tensor import Tensor

__all__ = [
    "as_index",
    "as_tensor",
    "expect_tensor",
    "broadcast_shapes",
    "normalize_dim",
    "op_name",
    "python_number",
    "unbroadcast",
]


def unbroadcast(xp: Any, grad: Any, shape: tuple) -> Any:
    """Sums ``grad`` back down to ``shape``: the one place broadcasting is undone.

    Broadcasting copies an input along new leading axes and along axes of
    size 1, so its gradient is the sum over those axes.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    if axes:
        grad = xp.sum(grad, axis=axes)
    return xp.reshape(grad, shape)


def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """The shape NumPy/PyTorch broadcasting gives, or a ValueError naming the op and the shapes."""
    ndim = max(len(s) for s in shapes)
    result = []
    for axis in range(ndim):
        sizes = {s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0} - {1}
        if len(sizes) > 1:
            listed = " and ".join(str(tuple(s)) for s in shapes)
            raise ValueError(f"{op}: shapes {listed} cannot be broadcast together")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def as_index(op: str, name: str, value: Any) -> int:
    """``value`` as a Python int: ints and NumPy integers pass (as in PyTorch), anything else is a TypeError.

    >>> as_index("sum", "dim", __import__("numpy").int64(1))
    1
    """
    if isinstance(value, bool):  # a bool is an int to Python, never a dimension or a size to a reader
        raise TypeError(f"{op}: {name} must be an int, got bool {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} {value!r}") from None


def expect_tensor(op: str, x: Any, name: str = "input") -> Tensor:
    """``x`` itself if it is a Tensor, else a TypeError naming the op and what it got (not an error from inside)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor as {name}, got {type(x).__name__}")
    return x


def expect_bool(op: str, name: str, value: Any) -> bool:
    """A flag must be True or False (a NumPy bool will do)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":  # a Python bool, or NumPy's
        return bool(value)
    raise TypeError(f"{op}: {name} must be a bool, got {type(value).__name__} {value!r}")


def normalize_dim(op: str, dim: Any, ndim: int, name: str = "dim") -> int:
    """A possibly negative axis as a non-negative one, or an IndexError in PyTorch's words.

    ``dim`` must be an int (a NumPy integer will do); anything else is a TypeError naming ``name``.
    """
    dim = as_index(op, name, dim)
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of "
            f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})"
        )
    return dim % max(ndim, 1)


def python_number(x: Any) -> Any:
    """NumPy's float64 is a subclass of float: as a number it must not lift float32 to float64."""
    if type(x) in (int, float, bool) or not isinstance(x, (int, float, bool)):
        return x
    return float(x) if isinstance(x, float) else int(x)


def as_tensor(x: Any, like: Tensor) -> Tensor:
    """``x`` as a tensor on ``like``'s device (arrays and lists get converted, tensors pass)."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x, device=like.backend)
