"""+ - * / ** and matmul: the binary ops, with broadcasting and Python numbers on either side."""

from __future__ import annotations

import math
from typing import Any

from .. import fast_apply
from ..autograd import Function
from ..dtypes import get_default_dtype
from ..pending import ProductSum
from ..tensor import Tensor
from .base import as_tensor, broadcast_shapes, expect_tensor, op_name, python_number, unbroadcast

_SCALARS = (int, float, bool)


def _shape(x: Any) -> tuple | None:
    return getattr(x, "shape", None)


def _shapes(a: Any, b: Any) -> tuple:
    """Both operands' shapes in one call (a binary op's forward keeps them; a number has none)."""
    return getattr(a, "shape", None), getattr(b, "shape", None)


class _Binary(Function):
    """Elementwise op of two inputs; remembers their shapes to undo broadcasting."""

    __slots__ = ("in_shapes",)

    def _grads(self, ga: Any, gb: Any) -> tuple:
        xp, (sa, sb) = self.xp, self.in_shapes
        return (
            unbroadcast(xp, ga, sa) if self.needs_input_grad[0] else None,
            unbroadcast(xp, gb, sb) if self.needs_input_grad[1] else None,
        )


class Add(_Binary):
    label = "+"

    def forward(self, a: Any, b: Any) -> Any:
        self.in_shapes = _shapes(a, b)
        return a + b

    def backward(self, g: Any) -> tuple:
        return self._grads(g, g)


class Sub(_Binary):
    label = "−"

    def forward(self, a: Any, b: Any) -> Any:
        self.in_shapes = _shapes(a, b)
        return a - b

    def backward(self, g: Any) -> tuple:
        return self._grads(g, -g if self.needs_input_grad[1] else None)


class Mul(_Binary):
    """The Hadamard (elementwise) product ⊙."""

    label = "⊙"

    def forward(self, a: Any, b: Any) -> Any:
        self.in_shapes = _shapes(a, b)
        self.saved = (a, b)
        return a * b

    def backward(self, g: Any) -> tuple:
        a, b = self.saved
        return self._grads(g * b if self.needs_input_grad[0] else None, g * a if self.needs_input_grad[1] else None)


class Div(_Binary):
    label = "÷"

    def forward(self, a: Any, b: Any) -> Any:
        self.in_shapes = _shapes(a, b)
        out = a / b
        self.saved = (b, out)
        return out

    def backward(self, g: Any) -> tuple:
        b, out = self.saved
        # d(a/b)/db = −(a/b)/b, divided in that order (as in PyTorch): 1/b may overflow where (a/b)/b does not
        return self._grads(
            g / b if self.needs_input_grad[0] else None, -g * (out / b) if self.needs_input_grad[1] else None
        )


class Pow(_Binary):
    label = "^"

    def forward(self, a: Any, b: Any) -> Any:
        self.in_shapes = _shapes(a, b)
        out = a**b
        self.saved = (a, b, out)
        return out

    def backward(self, g: Any) -> tuple:
        a, b, out = self.saved
        xp = self.xp
        zero, one = xp.zeros((), dtype=g.dtype), xp.ones((), dtype=g.dtype)
        ga = gb = None
        if self.needs_input_grad[0]:
            # d(a^b)/da = b·a^(b−1), and exactly 0 where b = 0, even at a = 0 where a^(b−1) is
            # infinite: x**0 is the constant 1 (PyTorch's rule)
            if _shape(b) is None:
                ga = xp.zeros_like(g) if b == 0 else g * b * a ** (b - 1)
            else:
                safe_a = xp.where(b == 0, one, a)  # where b = 0 the term is dropped: no 0^−1 is computed
                ga = xp.where(b == 0, zero, g * b * safe_a ** (b - 1))
        if self.needs_input_grad[1]:
            # d(a^b)/db = a^b·ln a, with ln a = −inf at a = 0 and NaN below; where a = 0 and b ≥ 0,
            # a^b is 0 or 1 whatever b does nearby, and the gradient is 0 (PyTorch's rule)
            a = a if _shape(a) is not None else xp.asarray(a, dtype=g.dtype)
            positive = a > 0
            log_a = xp.where(
                positive,
                xp.log(xp.where(positive, a, one)),  # log of positive numbers only: no warning
                xp.where(a == 0, xp.full((), -math.inf, dtype=g.dtype), xp.full((), math.nan, dtype=g.dtype)),
            )
            flat = (a == 0) & (b >= 0)
            gb = xp.where(flat, zero, g * out * xp.where(flat, zero, log_a))
        return self._grads(ga, gb)


class Neg(Function):
    label = "−x"

    def forward(self, a: Any) -> Any:
        return -a

    def backward(self, g: Any) -> tuple:
        return (-g,)


class MatMul(Function):
    """Matrix product, 2-D or batched (leading axes broadcast), with 1-D operands as in PyTorch."""

    label = "@"

    def forward(self, a: Any, b: Any) -> Any:
        self.saved = (a, b)
        return self.xp.matmul(a, b)

    def backward(self, g: Any) -> tuple:
        a, b = self.saved
        xp = self.xp
        if a.ndim == 2 and b.ndim == 2:  # the common case, without reshapes
            # the right operand's gradient aᵀ·g stays a ProductSum: a weight shared by
            # every time step then gets one GEMM instead of one per step
            return (
                g @ b.T if self.needs_input_grad[0] else None,
                ProductSum(xp, a, g) if self.needs_input_grad[1] else None,
            )
        a2 = a if a.ndim > 1 else xp.reshape(a, (1, a.shape[0]))
        b2 = b if b.ndim > 1 else xp.reshape(b, (b.shape[0], 1))
        batch = broadcast_shapes("matmul", a2.shape[:-2], b2.shape[:-2])
        g2 = xp.reshape(g, (*batch, a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = xp.reshape(unbroadcast(xp, xp.matmul(g2, xp.matrix_transpose(b2)), a2.shape), a.shape)
        if self.needs_input_grad[1]:
            gb = xp.reshape(unbroadcast(xp, xp.matmul(xp.matrix_transpose(a2), g2), b2.shape), b.shape)
        return ga, gb


def _check_matmul(a: Tensor, b: Tensor) -> None:
    array_a, array_b = a.data, b.data
    sa, sb = array_a.shape, array_b.shape
    if not sa or not sb:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes {sa} and {sb}")
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if sa[-1] != inner_b:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} cannot be multiplied ({sa[-1]} != {inner_b}): "
            f"the last dimension of the first must equal the "
            f"{'only' if len(sb) == 1 else 'second-to-last'} dimension of the second"
        )
    if len(sa) > 2 or len(sb) > 2:
        try:
            broadcast_shapes("matmul", sa[:-2], sb[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: shapes {sa} and {sb} cannot be multiplied: their batch dimensions "
                f"{sa[:-2]} and {sb[:-2]} cannot be broadcast together"
            ) from None
    if array_a.dtype is not array_b.dtype and a.dtype != b.dtype:
        raise TypeError(f"matmul: both arguments need the same dtype, got {a.dtype!r} and {b.dtype!r}")


def promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's rule for two tensors: float64 > float32 > int64 > bool, except that a 0-d
    tensor does not lift a dimensioned one of its own kind (``loss / Tensor(n)`` stays float32).
    The kinds are bool, integer and float: an int64 0-d tensor does lift a bool one."""
    if _kind(a) == _kind(b) and (a.ndim == 0) != (b.ndim == 0):
        return (a.to(b.dtype), b) if a.ndim == 0 else (a, b.to(a.dtype))
    rank = {"bool": 0, "int64": 1, "float32": 2, "float64": 3}
    ra, rb = rank[a.dtype.name], rank[b.dtype.name]
    if ra < rb:
        return a.to(b.dtype), b
    return a, b.to(a.dtype)


def _kind(x: Tensor) -> int:
    return 2 if x.dtype.is_floating_point else 0 if x.dtype.name == "bool" else 1


def _readable_broadcast_error(cls: type[Function], a: Any, b: Any) -> None:
    try:
        broadcast_shapes(op_name(cls), _shape(a) or (), _shape(b) or ())
    except ValueError as readable:
        raise readable from None


def _binary(cls: type[Function], a: Any, b: Any) -> Tensor:
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        try:  # the hot path: two tensors of one dtype (two dtypes give None, and are promoted below)
            out = fast_apply.apply_tensors(cls, a, b)  # apply's fast path, without the classmethod call
        except ValueError:
            _readable_broadcast_error(cls, a, b)
            raise
        if out is not None:
            return out
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(
            f"{op_name(cls)}: expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}"
        )
    a, b = python_number(a), python_number(b)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.dtype != b.dtype:  # by name: arrays of two backends have incomparable dtypes
                a, b = promote(a, b)
        elif isinstance(b, _SCALARS):
            if isinstance(b, float) and not a.dtype.is_floating_point:
                a = a.to(get_default_dtype())
        else:
            b = as_tensor(b, a)
    elif isinstance(a, _SCALARS):
        if not isinstance(b, Tensor):
            raise TypeError(f"{op_name(cls)}: expected a Tensor operand, got {type(a).__name__} and {type(b).__name__}")
        if isinstance(a, float) and not b.dtype.is_floating_point:
            b = b.to(get_default_dtype())
    else:
        a = as_tensor(a, b)
    try:
        return cls.apply(a, b)
    except ValueError:
        _readable_broadcast_error(cls, a, b)
        raise


def add(a: Any, b: Any) -> Tensor:
    """a + b, broadcasting. ``tg.add(x, 1.0)``"""
    return _binary(Add, a, b)


def _is_bool(x: Any) -> bool:
    return isinstance(x, Tensor) and x.dtype.name == "bool"


def sub(a: Any, b: Any) -> Tensor:
    """a − b, broadcasting."""
    if _is_bool(a) or _is_bool(b):
        raise TypeError(
            "sub: subtraction with a bool tensor is not supported (as in PyTorch); "
            "convert it with .long() or .float() first"
        )
    return _binary(Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    """a ⊙ b, the elementwise (Hadamard) product, broadcasting."""
    return _binary(Mul, a, b)


def _integral(x: Any) -> bool:
    return not x.dtype.is_floating_point if isinstance(x, Tensor) else isinstance(x, int)


def div(a: Any, b: Any) -> Tensor:
    """a / b, broadcasting; true division, so integers give the default float dtype (as in PyTorch)."""
    if _integral(a) and _integral(b):
        a = a.to(get_default_dtype()) if isinstance(a, Tensor) else a
        b = b.to(get_default_dtype()) if isinstance(b, Tensor) else b
    return _binary(Div, a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 (PyTorch's name)
    """a ** b, broadcasting; either side may be a Python number."""
    if _is_bool(a) and _is_bool(b):
        raise TypeError("pow: a bool tensor to a bool tensor's power is not supported; convert one with .long()")
    if _is_bool(a):
        a = a.long()  # True/False count as 1/0, and the result is int64 (or float), as in PyTorch
    if isinstance(a, Tensor) and not a.dtype.is_floating_point and isinstance(b, int) and b < 0:
        raise ValueError("pow: integers to negative integer powers are not allowed; use a float tensor")
    if isinstance(a, Tensor) and isinstance(b, int) and not isinstance(b, bool) and a.dtype.is_floating_point:
        b = float(b)  # an int power of a float tensor: the array API wants matching kinds
    return _binary(Pow, a, b)


def neg(a: Tensor) -> Tensor:
    a = expect_tensor("neg", a)
    return Neg.apply(a)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product: ``(n, k) @ (k, m)``, batched ``(..., n, k) @ (..., k, m)``, or with 1-D operands."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}")
    if not isinstance(a, Tensor):
        a = as_tensor(a, b)
    if not isinstance(b, Tensor):
        b = as_tensor(b, a)
    _check_matmul(a, b)
    return fast_apply.apply_tensors(MatMul, a, b)  # apply's fast path, without the classmethod call
