"""cat and stack join tensors; split, chunk and unbind cut one into views.

The cutting ops are one node with several outputs, so their backward writes
every piece's gradient into one buffer instead of a zero array per piece.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..autograd import Function
from ..tensor import Tensor
from .base import as_index, expect_tensor, normalize_dim


class Cat(Function):
    """Concatenation [·,·] along an axis (the LSTM's [h_{t−1}, x_t])."""

    __slots__ = ("axis", "bounds")
    label = "[·,·]"

    def forward(self, *arrays: Any, axis: int) -> Any:
        self.axis = axis
        ends, end = [], 0
        for a in arrays:
            end += a.shape[axis]
            ends.append(end)
        self.bounds = ends
        return self.xp.concat(arrays, axis=axis)

    def backward(self, g: Any) -> tuple:
        lead = (slice(None),) * self.axis
        start, grads = 0, []
        for end, needed in zip(self.bounds, self.needs_input_grad):
            grads.append(g[lead + (slice(start, end), ...)] if needed else None)
            start = end
        return tuple(grads)


class Stack(Function):
    __slots__ = ("axis",)
    label = "stack"

    def forward(self, *arrays: Any, axis: int) -> Any:
        self.axis = axis
        return self.xp.stack(arrays, axis=axis)

    def backward(self, g: Any) -> tuple:
        lead = (slice(None),) * self.axis
        return tuple(g[lead + (i, ...)] if needed else None for i, needed in enumerate(self.needs_input_grad))


class Split(Function):
    """Pieces of one tensor along an axis, as views."""

    __slots__ = ("axis", "bounds", "in_shape")
    label = "split"
    views_input = True

    def _piece(self, axis: int, start: int, end: int) -> tuple:
        return (slice(None),) * axis + (slice(start, end), ...)  # the ellipsis: the Array API wants every axis

    def forward(self, x: Any, axis: int, bounds: tuple) -> tuple:
        self.axis, self.bounds, self.in_shape = axis, bounds, x.shape
        lead = (slice(None),) * axis  # self._piece's key, its common part made once
        return tuple([x[(*lead, slice(a, b), ...)] for a, b in bounds])

    def backward(self, *grads: Any) -> tuple:
        xp = self.xp
        if all(g is not None for g in grads):
            return (xp.concat(grads, axis=self.axis),)
        like = next(g for g in grads if g is not None)
        out = xp.zeros(self.in_shape, dtype=like.dtype)
        for (a, b), g in zip(self.bounds, grads):
            if g is not None:
                out[self._piece(self.axis, a, b)] = g
        return (out,)


class Unbind(Function):
    """The slices ``x[..., i, ...]`` along an axis (the time steps of a sequence)."""

    __slots__ = ("axis", "in_shape")
    label = "unbind"
    views_input = True

    def forward(self, x: Any, axis: int) -> tuple:
        self.axis, self.in_shape = axis, x.shape
        lead = (slice(None),) * axis
        return tuple(x[lead + (i, ...)] for i in range(x.shape[axis]))

    def backward(self, *grads: Any) -> tuple:
        xp = self.xp
        if all(g is not None for g in grads):
            return (xp.stack(grads, axis=self.axis),)
        like = next(g for g in grads if g is not None)
        out = xp.zeros(self.in_shape, dtype=like.dtype)
        lead = (slice(None),) * self.axis
        for i, g in enumerate(grads):
            if g is not None:
                out[lead + (i, ...)] = g
        return (out,)


def _check_same(op: str, tensors: Sequence[Tensor], skip_axis: int | None) -> None:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a list or tuple of Tensors, got a Tensor; wrap it: {op}([t], dim)")
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a list of Tensors, got an element of type {type(t).__name__}")
    first = tensors[0]
    shapes = [t.shape for t in tensors]
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            raise TypeError(f"{op}: expected tensors of one dtype, got {', '.join(repr(u.dtype) for u in tensors)}")
        same = t.ndim == first.ndim and all(
            i == skip_axis or a == b for i, (a, b) in enumerate(zip(t.shape, first.shape))
        )
        if not same:
            rule = "match except in dimension " + str(skip_axis) if skip_axis is not None else "be equal"
            raise ValueError(f"{op}: sizes of tensors must {rule}; got shapes {', '.join(map(str, shapes))}")


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Joins tensors along an existing axis.

    >>> import tinygrad_rnn as tg
    >>> tg.cat([tg.zeros(2, 3), tg.ones(2, 1)], dim=1).shape
    (2, 4)
    """
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"cat: expected a list or tuple of Tensors, got {type(tensors).__name__}")
    tensors = list(tensors)
    if tensors and isinstance(tensors[0], Tensor) and tensors[0].ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    axis = normalize_dim("cat", dim, tensors[0].ndim) if tensors and isinstance(tensors[0], Tensor) else 0
    _check_same("cat", tensors, axis)
    if len(tensors) == 1:
        return tensors[0]
    return Cat.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Joins tensors of one shape along a new axis.

    >>> import tinygrad_rnn as tg
    >>> tg.stack([tg.zeros(2, 3), tg.ones(2, 3)], dim=0).shape
    (2, 2, 3)
    """
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"stack: expected a list or tuple of Tensors, got {type(tensors).__name__}")
    tensors = list(tensors)
    _check_same("stack", tensors, None)
    axis = normalize_dim("stack", dim, tensors[0].ndim + 1)
    return Stack.apply(*tensors, axis=axis)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Cuts ``x`` into pieces of a size (the last may be smaller) or of the listed sizes.

    >>> import tinygrad_rnn as tg
    >>> [p.shape for p in tg.split(tg.zeros(5, 2), 2, dim=0)]
    [(2, 2), (2, 2), (1, 2)]
    """
    x = expect_tensor("split", x)
    if x.ndim == 0:
        raise ValueError("split: expected a tensor with at least 1 dimension, got a 0-d tensor")
    axis = normalize_dim("split", dim, x.ndim)
    length = x.shape[axis]
    if not isinstance(split_size_or_sections, (tuple, list)):
        size = as_index("split", "split_size", split_size_or_sections)
        if size < 0 or (size == 0 and length):
            raise ValueError(f"split: split_size must be positive (or 0 for an empty dimension), got {size}")
        sizes = _pieces_of(size, length) if size else [0]
    else:
        sizes = [as_index("split", "split_size_or_sections", s) for s in split_size_or_sections]
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise ValueError(
                f"split: sections {tuple(sizes)} must be non-negative and sum to {length}, "
                f"the size of dimension {axis} of shape {x.shape}"
            )
    return _cut(x, axis, sizes)


def _pieces_of(size: int, length: int) -> list[int]:
    """Sizes of pieces of ``size`` covering ``length``, the last one smaller if it must be."""
    return [size] * (length // size) + ([length % size] if length % size else [])


def _cut(x: Tensor, axis: int, sizes: list[int]) -> tuple[Tensor, ...]:
    """The pieces of the checked ``sizes`` along ``axis``: one Split node."""
    bounds, start = [], 0
    for s in sizes or [0]:
        bounds.append((start, start + s))
        start += s
    return Split.apply(x, axis=axis, bounds=tuple(bounds))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Cuts ``x`` into ``chunks`` pieces of equal size (the last may be smaller), as torch.chunk.

    >>> import tinygrad_rnn as tg
    >>> [p.shape for p in tg.zeros(2, 8).chunk(4, dim=1)]
    [(2, 2), (2, 2), (2, 2), (2, 2)]
    """
    x = expect_tensor("chunk", x)
    chunks = as_index("chunk", "chunks", chunks)
    if chunks <= 0:
        raise ValueError(f"chunk: number of chunks must be positive, got {chunks}")
    if x.ndim == 0:
        raise ValueError("chunk: expected a tensor with at least 1 dimension, got a 0-d tensor")
    axis = normalize_dim("chunk", dim, x.ndim)
    length = x.shape[axis]
    if length == 0:  # an empty dimension makes ``chunks`` empty pieces, as in PyTorch
        return _cut(x, axis, [0] * chunks)
    size = -(-length // chunks)  # checked here, so cut without split's checks
    return _cut(x, axis, _pieces_of(size, length))


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, without it: ``x.unbind(0)`` gives the time steps of (T, N, H)."""
    x = expect_tensor("unbind", x)
    axis = normalize_dim("unbind", dim, x.ndim)
    if x.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
    if x.shape[axis] == 0:
        return ()
    return Unbind.apply(x, axis=axis)
