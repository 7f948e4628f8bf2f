"""sum, mean, max: reductions over all axes or over ``dim`` (an int or a tuple)."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from ..autograd import Function
from ..tensor import Tensor
from .base import as_index, expect_bool, expect_tensor, normalize_dim

MaxResult = namedtuple("MaxResult", ["values", "indices"])  # what max(dim=...) returns, as in PyTorch


class _Reduction(Function):
    __slots__ = ("axes", "in_shape")

    def _spread(self, g: Any) -> Any:
        """The output gradient, shaped to broadcast against the input again."""
        xp = self.xp
        kept = tuple(1 if i in self.axes else n for i, n in enumerate(self.in_shape))
        return xp.reshape(g, kept)


class Sum(_Reduction):
    label = "Σ"

    def forward(self, x: Any, axes: tuple, keepdim: bool) -> Any:
        self.axes, self.in_shape = axes, x.shape
        return self.xp.sum(x, axis=axes, keepdims=keepdim)

    def backward(self, g: Any) -> tuple:
        return (self.xp.broadcast_to(self._spread(g), self.in_shape),)


class Mean(_Reduction):
    label = "mean"

    def forward(self, x: Any, axes: tuple, keepdim: bool) -> Any:
        self.axes, self.in_shape = axes, x.shape
        return self.xp.mean(x, axis=axes, keepdims=keepdim)

    def backward(self, g: Any) -> tuple:
        count = 1
        for axis in self.axes:
            count *= self.in_shape[axis]
        return (self.xp.broadcast_to(self._spread(g) / count, self.in_shape),)


class Max(_Reduction):
    """Largest value over ``axes``; ties share the gradient equally, as in PyTorch.

    A NaN is the maximum of anything it is in, and then the gradient goes to the NaNs only.
    """

    label = "max"

    def forward(self, x: Any, axes: tuple, keepdim: bool) -> Any:
        self.axes, self.in_shape = axes, x.shape
        out = self.xp.max(x, axis=axes, keepdims=True)
        self.saved = (x, out)
        return out if keepdim else self.xp.reshape(out, _drop(x.shape, axes))

    def backward(self, g: Any) -> tuple:
        x, out = self.saved
        xp = self.xp
        # the elements that are the maximum: equal to it, or NaN where it is NaN (NaN equals nothing)
        hit = xp.astype((x == out) | (xp.isnan(x) & xp.isnan(out)), g.dtype)
        return (self._spread(g) * hit / xp.sum(hit, axis=self.axes, keepdims=True),)


class MaxAlongDim(_Reduction):
    """Largest value along one axis; the gradient goes to the returned index."""

    label = "max"

    def forward(self, x: Any, axis: int, keepdim: bool, index: Any) -> Any:
        self.axes, self.in_shape = (axis,), x.shape
        self.saved = index
        out = self.xp.take_along_axis(x, index, axis=axis)
        return out if keepdim else self.xp.squeeze(out, axis=axis)

    def backward(self, g: Any) -> tuple:
        xp, axis = self.xp, self.axes[0]
        positions = xp.reshape(
            xp.arange(self.in_shape[axis]), tuple(-1 if i == axis else 1 for i in range(len(self.in_shape)))
        )
        onehot = xp.astype(positions == self.saved, g.dtype)
        return (self._spread(g) * onehot,)


def _drop(shape: tuple, axes: tuple) -> tuple:
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _axes(op: str, x: Tensor, dim: Any) -> tuple:
    """``dim`` (None, an int, or a tuple or list of ints) as a tuple of non-negative axes."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):  # () means every axis, as in PyTorch
        return tuple(range(x.ndim))
    if not isinstance(dim, (tuple, list)):
        dim = (as_index(op, "dim", dim),)  # a NumPy integer counts as an int
    axes = tuple(normalize_dim(op, d, x.ndim) for d in dim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {dim} names an axis twice")
    return axes if x.ndim else ()  # a 0-d tensor accepts dim 0 or -1, as in PyTorch, and has no axis to reduce


def sum(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001 (PyTorch's name)
    """Sum over all elements, or over ``dim`` (int or tuple).

    >>> import tinygrad_rnn as tg
    >>> tg.Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0).tolist()
    [4.0, 6.0]
    """
    x, keepdim = expect_tensor("sum", x), expect_bool("sum", "keepdim", keepdim)
    if x.dtype.name == "bool":  # counts, as in PyTorch; the array API sums numbers only
        x = x.long()
    return Sum.apply(x, axes=_axes("sum", x, dim), keepdim=keepdim)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean over all elements, or over ``dim`` (int or tuple)."""
    x, keepdim = expect_tensor("mean", x), expect_bool("mean", "keepdim", keepdim)
    if not x.dtype.is_floating_point:
        raise TypeError(f"mean: expected a float tensor, got {x.dtype!r}; use .float()")
    return Mean.apply(x, axes=_axes("mean", x, dim), keepdim=keepdim)


def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The maximum. With an int ``dim``, a ``(values, indices)`` pair as in PyTorch.

    >>> import tinygrad_rnn as tg
    >>> values, indices = tg.Tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    >>> values.tolist(), indices.tolist()
    ([5.0, 7.0], [1, 0])
    """
    x, keepdim = expect_tensor("max", x), expect_bool("max", "keepdim", keepdim)
    if dim is not None and not isinstance(dim, (tuple, list)):
        dim = as_index("max", "dim", dim)  # a NumPy integer counts as an int
    if x.numel() == 0 and (x.ndim == 0 or 0 in (x.shape[a] for a in _axes("max", x, dim))):
        # a maximum has no identity: only an empty axis that is not reduced may stay (as in PyTorch)
        raise ValueError(f"max: expected a non-empty tensor (or axis to reduce), got shape {x.shape} and dim {dim}")
    if isinstance(dim, int) and x.ndim == 0:  # PyTorch: the value itself, at index 0
        values = Max.apply(x, axes=_axes("max", x, dim), keepdim=keepdim)
        return MaxResult(values, Tensor.wrap(x.backend.xp.zeros((), dtype=x.backend.dtype("int64")), x.backend))
    if isinstance(dim, int):
        axis = normalize_dim("max", dim, x.ndim)
        index = x.backend.xp.argmax(x.data, axis=axis, keepdims=True)
        values = MaxAlongDim.apply(x, axis=axis, keepdim=keepdim, index=index)
        indices = index if keepdim else x.backend.xp.squeeze(index, axis=axis)
        return MaxResult(values, Tensor.wrap(indices, x.backend))
    return Max.apply(x, axes=_axes("max", x, dim), keepdim=keepdim)


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the maximum (of the flattened tensor when ``dim`` is None)."""
    x, keepdim = expect_tensor("argmax", x), expect_bool("argmax", "keepdim", keepdim)
    if x.dtype.name == "bool":
        raise TypeError("argmax: bool tensors are not supported (as in PyTorch); use .long() first")
    xp = x.backend.xp
    if dim is None:  # the index into the flattened tensor; keepdim keeps every axis, of size 1 (as in PyTorch)
        index = xp.argmax(xp.reshape(x.data, (-1,)))
        return Tensor.wrap(xp.reshape(index, (1,) * x.ndim) if keepdim else index, x.backend)
    axis = normalize_dim("argmax", dim, x.ndim)
    if x.ndim == 0:
        return Tensor.wrap(xp.zeros((), dtype=x.backend.dtype("int64")), x.backend)
    return Tensor.wrap(xp.argmax(x.data, axis=axis, keepdims=keepdim), x.backend)
