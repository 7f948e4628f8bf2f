"""Ops that move elements around without arithmetic: reshape, permute, expand, casts, device moves."""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..autograd import Function
from ..backend import get_backend
from ..tensor import Tensor
from .base import as_index, expect_tensor, normalize_dim, unbroadcast


class Reshape(Function):
    __slots__ = ("in_shape", "views_input")
    label = "reshape"

    def forward(self, x: Any, shape: tuple) -> Any:
        self.in_shape = x.shape
        out = self.xp.reshape(x, shape)
        self.views_input = self.backend.may_share_memory(out, x)  # a view where it can be, as in PyTorch
        return out

    def backward(self, g: Any) -> tuple:
        return (self.xp.reshape(g, self.in_shape),)


class Unsqueeze(Reshape):
    label = "unsqueeze"


class Squeeze(Reshape):
    label = "squeeze"


class Permute(Function):
    __slots__ = ("dims",)
    label = "permute"
    views_input = True

    def forward(self, x: Any, dims: tuple) -> Any:
        self.dims = dims
        return self.xp.permute_dims(x, dims)

    def backward(self, g: Any) -> tuple:
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return (self.xp.permute_dims(g, tuple(inverse)),)


class Transpose(Permute):
    label = "transpose"


class Expand(Function):
    __slots__ = ("in_shape",)
    label = "expand"
    views_input = True

    def forward(self, x: Any, shape: tuple) -> Any:
        self.in_shape = x.shape
        return self.xp.broadcast_to(x, shape)

    def backward(self, g: Any) -> tuple:
        return (unbroadcast(self.xp, g, self.in_shape),)


class Alias(Function):
    """The same array as another tensor (``as_subclass`` of a leaf): the gradient passes on unchanged."""

    label = "alias"
    views_input = True

    def forward(self, x: Any) -> Any:
        return x

    def backward(self, g: Any) -> tuple:
        return (g,)


class Clone(Function):
    label = "clone"

    def forward(self, x: Any) -> Any:
        return self.backend.copy(x)

    def backward(self, g: Any) -> tuple:
        return (g,)


class Cast(Function):
    __slots__ = ("in_dtype",)
    label = "cast"

    def forward(self, x: Any, dtype: Any) -> Any:
        self.in_dtype = x.dtype
        return self.xp.astype(x, dtype)

    def backward(self, g: Any) -> tuple:
        return (self.xp.astype(g, self.in_dtype),)


class ToDevice(Function):
    """A move between devices; the gradient moves back. Goes through the host."""

    __slots__ = ("source",)
    label = "to"

    def forward(self, x: Any, target: Any) -> Any:
        self.source = self.backend
        self.backend = target  # the output (and so this node) lives on the target
        return target.from_host(self.source.to_host(x))

    def backward(self, g: Any) -> tuple:
        return (self.source.from_host(self.backend.to_host(g)),)


def _sizes(op: str, name: str, args: tuple) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3); each size must be an int."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(as_index(op, name, a) for a in args)


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape; one size may be -1.

    >>> import tinygrad_rnn as tg
    >>> tg.Tensor([1.0, 2.0, 3.0, 4.0]).reshape(2, -1).shape
    (2, 2)
    """
    x = expect_tensor("reshape", x)
    shape = _sizes("reshape", "each size in shape", shape)
    known = 1
    for n in shape:
        known *= n if n != -1 else 1
    size = x.numel()
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or size % known)) or (-1 not in shape and known != size):
        raise ValueError(f"reshape: shape {shape} is invalid for input of shape {x.shape} ({size} elements)")
    shape = tuple(size // known if n == -1 else n for n in shape)
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


view = reshape


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merges the axes ``start_dim`` to ``end_dim`` (both included) into one.

    >>> import tinygrad_rnn as tg
    >>> tg.zeros(2, 3, 4).flatten(1).shape
    (2, 12)
    """
    x = expect_tensor("flatten", x)
    start = normalize_dim("flatten", start_dim, x.ndim, "start_dim")
    end = normalize_dim("flatten", end_dim, x.ndim, "end_dim")
    if start > end:
        raise ValueError(
            f"flatten: start_dim ({start_dim}) comes after end_dim ({end_dim}) for shape {x.shape}; "
            f"expected start_dim <= end_dim"
        )
    if x.ndim == 0:
        return reshape(x, 1)
    merged = 1
    for n in x.shape[start : end + 1]:
        merged *= n  # not -1: with a 0-size axis elsewhere, -1 could not be inferred
    return reshape(x, *x.shape[:start], merged, *x.shape[end + 1 :])


def permute(x: Tensor, *dims: Any) -> Tensor:
    """Reorders the axes: ``x.permute(1, 0, 2)`` swaps the first two."""
    x = expect_tensor("permute", x)
    dims = _sizes("permute", "each of dims", dims)
    axes = tuple(normalize_dim("permute", d, x.ndim) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    return Permute.apply(x, dims=axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swaps two axes. ``tg.transpose(x, 0, 1)``"""
    x = expect_tensor("transpose", x)
    a, b = normalize_dim("transpose", dim0, x.ndim, "dim0"), normalize_dim("transpose", dim1, x.ndim, "dim1")
    if x.ndim == 0:  # dims 0 and -1 name the one "axis" a 0-d tensor has: nothing moves
        return x
    dims = list(range(x.ndim))
    dims[a], dims[b] = dims[b], dims[a]
    return Transpose.apply(x, dims=tuple(dims))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """A new axis of size 1 at ``dim``."""
    x = expect_tensor("unsqueeze", x)
    axis = normalize_dim("unsqueeze", dim, x.ndim + 1)
    return Unsqueeze.apply(x, shape=x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x: Tensor, dim: int | tuple | list | None = None) -> Tensor:
    """Drops axes of size 1: all of them, or those among ``dim`` (an int or a tuple of ints, as in PyTorch).

    >>> import tinygrad_rnn as tg
    >>> tg.zeros(1, 3, 1).squeeze((0, 2)).shape, tg.zeros(1, 3, 1).squeeze(1).shape
    ((3,), (1, 3, 1))
    """
    x = expect_tensor("squeeze", x)
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        axes = [normalize_dim("squeeze", d, x.ndim) for d in dims]
        if len(set(axes)) != len(axes):
            raise ValueError(f"squeeze: dim {dim} names an axis twice")
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return x if shape == x.shape else Squeeze.apply(x, shape=shape)


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view to a larger shape; -1 keeps a size. The gradient is summed back."""
    x = expect_tensor("expand", x)
    if not sizes:
        raise TypeError(f"expand: expected the sizes to expand shape {x.shape} to, got none")
    sizes = _sizes("expand", "each of sizes", sizes)
    if len(sizes) < x.ndim:
        raise ValueError(f"expand: the number of sizes {sizes} must be at least the number of dimensions of {x.shape}")
    lead = len(sizes) - x.ndim
    shape = tuple(
        old if new == -1 and i >= lead else new for i, (new, old) in enumerate(zip(sizes, (None,) * lead + x.shape))
    )
    for i, old in enumerate(x.shape):
        if old != 1 and shape[lead + i] != old:
            raise ValueError(
                f"expand: the expanded size {shape[lead + i]} must match the existing size {old} "
                f"at dimension {lead + i}; shape {x.shape} cannot expand to {sizes}"
            )
    return Expand.apply(x, shape=shape)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """The tensor in another dtype (differentiable between float types)."""
    name = dtypes.to_name(dtype)
    if x.dtype.name == name:
        return x
    if not dtypes.BY_NAME[name].is_floating_point:  # integers carry no gradient
        return Tensor.wrap(x.backend.xp.astype(x.data, x.backend.dtype(name)), x.backend)
    return Cast.apply(x, dtype=x.backend.dtype(name))


def to_device(x: Tensor, device: Any) -> Tensor:
    target = get_backend(device)
    if target is x.backend:
        return x
    return ToDevice.apply(x, target=target)


def clone(x: Tensor) -> Tensor:
    """A copy with its own memory; the gradient flows back to ``x``."""
    return Clone.apply(x)


class Fill(Function):
    """Every element set to one value: what ``fill_``/``zero_`` record for a tensor in the graph."""

    __slots__ = ()
    label = "fill"

    def forward(self, x: Any, value: float | int | bool) -> Any:
        return self.xp.full(x.shape, value, dtype=x.dtype)

    def backward(self, g: Any) -> Any:
        return None  # the old values no longer matter: no gradient flows back to them


def fill(x: Tensor, value: float | int | bool) -> Tensor:
    """A tensor like ``x`` with every element ``value`` (``x.fill_(value)`` is its in-place form)."""
    return Fill.apply(x, value)
