"""Indexing (``x[t]``, ``x[:, t]``, ``x[0:2, ::2]``, ``x[idx]``), ``where`` and comparisons."""

from __future__ import annotations

import operator
from typing import Any

from ..autograd import Function
from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .arithmetic import promote
from .base import as_tensor, broadcast_shapes, python_number, unbroadcast


class GetItem(Function):
    """Basic indexing (ints, slices, None, ...): the gradient is written back into zeros."""

    __slots__ = ("key", "in_shape", "view_shape")
    label = "[·]"
    views_input = True

    def forward(self, x: Any, key: tuple) -> Any:
        self.in_shape = x.shape
        out = x[key]
        # the array API allows no None (new axis) when assigning: backward writes through a key without them
        self.key = tuple(k for k in key if k is not None)
        self.view_shape = None if len(self.key) == len(key) else x[self.key].shape
        return out

    def backward(self, g: Any) -> tuple:
        out = self.xp.zeros(self.in_shape, dtype=g.dtype)
        out[self.key] = g if self.view_shape is None else self.xp.reshape(g, self.view_shape)
        return (out,)


class Take(Function):
    """Indexing with integer or boolean arrays; repeated indices add up in backward."""

    __slots__ = ("key", "in_shape")
    label = "[·]"

    def forward(self, x: Any, key: tuple) -> Any:
        self.key, self.in_shape = key, x.shape
        return self.backend.take(x, key)

    def backward(self, g: Any) -> tuple:
        return (self.backend.index_add(self.in_shape, self.key, g, g.dtype),)


class Where(Function):
    __slots__ = ("in_shapes",)
    label = "where"

    def forward(self, condition: Any, a: Any, b: Any) -> Any:
        self.saved = condition
        self.in_shapes = (getattr(a, "shape", None), getattr(b, "shape", None))
        return self.xp.where(condition, a, b)

    def backward(self, g: Any) -> tuple:
        xp, cond = self.xp, self.saved
        zero = xp.zeros((), dtype=g.dtype)
        ga = unbroadcast(xp, xp.where(cond, g, zero), self.in_shapes[0]) if self.needs_input_grad[1] else None
        gb = unbroadcast(xp, xp.where(cond, zero, g), self.in_shapes[1]) if self.needs_input_grad[2] else None
        return None, ga, gb


def _index_array(x: Tensor, item: Any) -> Any:
    """An index given as Tensor, list or array, checked and on x's device."""
    t = item if isinstance(item, Tensor) else Tensor(item, device=x.backend)
    if t.dtype.name not in ("int64", "bool"):
        raise TypeError(
            f"index: tensors used as indices must be long (int64) or bool tensors, got {t.dtype!r} "
            f"indexing a tensor of shape {x.shape}"
        )
    if t.backend is not x.backend:
        raise RuntimeError(f"index: indices are on {t.device}, the indexed tensor on {x.device}")
    return t.data


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]`` with PyTorch's rules; gradients flow back to the picked elements.

    >>> import tinygrad_rnn as tg
    >>> x = tg.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> x[:, 1].tolist(), x[tg.Tensor([1, 1])].shape
    ([2.0, 5.0], (2, 3))
    """
    items = key if isinstance(key, tuple) else (key,)
    advanced = False
    parts = []
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, slice):
            parts.append(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            parts.append(item)
        elif isinstance(item, Tensor | list) or hasattr(item, "__array__"):
            if isinstance(item, Tensor) and item.ndim == 0 and item.dtype.name == "int64":
                parts.append(int(item.item()))
                continue
            parts.append(_index_array(x, item))
            advanced = True
        else:
            raise TypeError(f"index: cannot index a tensor with {type(item).__name__} {item!r}")
    if not advanced:
        if Ellipsis not in parts:
            parts.append(Ellipsis)  # the array API wants every axis named; NumPy pads implicitly
        parts = _clip_slices(parts, x.shape)
    parts = tuple(parts)
    try:
        return (Take if advanced else GetItem).apply(x, key=parts)
    except IndexError as exc:
        raise IndexError(f"index: {exc} (indexing a tensor of shape {x.shape})") from None


def _clip_slices(parts: list, shape: tuple) -> list:
    """Forward slices clipped to their axis: ``x[0:99]`` of 3 rows is 3 rows, as in NumPy and
    PyTorch (the array API standard leaves slices past the end undefined)."""
    split = parts.index(Ellipsis)
    front, back = parts[:split], parts[split + 1 :]
    if sum(p is not None for p in front + back) > len(shape):
        return parts  # too many indices: the backend's own error says so
    front = _clip(front, shape, iter(range(len(shape))))
    back = _clip(back[::-1], shape, iter(range(len(shape) - 1, -1, -1)))[::-1]
    return front + [Ellipsis] + back


def _clip(items: list, shape: tuple, axes: Any) -> list:
    out = []
    for p in items:
        if p is None:
            out.append(p)
            continue
        axis = next(axes)
        if isinstance(p, slice) and (p.step is None or p.step > 0):
            p = slice(*p.indices(shape[axis]))
        out.append(p)
    return out


def where(condition: Tensor, a: Any, b: Any) -> Tensor:
    """Elements of ``a`` where ``condition`` holds, else of ``b`` (broadcasting)."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where: condition must be a bool Tensor, got {type(condition).__name__}")
    if condition.dtype.name != "bool":
        raise TypeError(f"where: condition must be a bool Tensor, got dtype {condition.dtype!r}; compare first (x > 0)")
    for name, value in (("input", a), ("other", b)):
        if not isinstance(value, (Tensor, int, float, bool)):
            raise TypeError(f"where: {name} must be a Tensor or a number, got {type(value).__name__}")
    broadcast_shapes("where", condition.shape, getattr(a, "shape", ()), getattr(b, "shape", ()))
    a, b = python_number(a), python_number(b)
    # the result's dtype by PyTorch's rules (float32 with int64 stays float32), not NumPy's
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.dtype != b.dtype:
            a, b = promote(a, b)
    elif isinstance(a, Tensor) and isinstance(b, float) and not a.dtype.is_floating_point:
        a = a.to(get_default_dtype())
    elif isinstance(b, Tensor) and isinstance(a, float) and not b.dtype.is_floating_point:
        b = b.to(get_default_dtype())
    return Where.apply(condition, a, b)


_COMPARISONS = {
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "equal": operator.eq,
    "not_equal": operator.ne,
}


def compare(a: Tensor, b: Any, name: str) -> Tensor:
    """Elementwise comparison; a bool tensor outside the graph."""
    if not isinstance(b, (int, float, bool)):
        b = as_tensor(b, a)
        if b.backend is not a.backend:
            raise RuntimeError(f"{name}: expected both tensors on the same device, got {a.device} and {b.device}")
        if a.dtype != b.dtype:  # compared in the dtype PyTorch's promotion gives (a 0-d float64 vs float32: float32)
            a, b = promote(a, b)
        b = b.data
    return Tensor.wrap(_COMPARISONS[name](a.data, b), a.backend)
