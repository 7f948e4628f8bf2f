"""Elementwise functions of one tensor: σ, log σ, tanh, relu, exp, log, sqrt, abs, clamp."""

from __future__ import annotations

from typing import Any

from .. import fast_apply
from ..autograd import Function
from ..dtypes import get_default_dtype
from ..tensor import Tensor


def sigmoid_array(backend: Any, x: Any) -> Any:
    """σ(x) of an array: the backend's fused kernel where it has one, else the formula here."""
    fused = backend.fused_kernel("sigmoid")
    if fused is not None:
        return fused(x)
    xp = backend.xp
    e = xp.exp(-xp.abs(x))  # e^−|x| never overflows, and is exactly 0 far out
    # 1/(1 + e^−x) for x ≥ 0 and e^x/(1 + e^x) below: full relative precision on both sides
    return xp.where(x >= 0, xp.ones_like(e), e) / (1.0 + e)


def sigmoid_grad(backend: Any, g: Any, y: Any) -> Any:
    """g·σ′(x) from the output y = σ(x): σ′(x) = σ(x)·(1 − σ(x))."""
    fused = backend.fused_kernel("sigmoid_backward")
    return fused(g, y) if fused is not None else g * (1.0 - y) * y


def tanh_grad(backend: Any, g: Any, y: Any) -> Any:
    """g·tanh′(x) from the output y = tanh(x): tanh′(x) = 1 − tanh²(x)."""
    fused = backend.fused_kernel("tanh_backward")
    return fused(g, y) if fused is not None else g * (1.0 - y * y)


class Sigmoid(Function):
    """σ(x) = 1/(1+e^−x), in (0, 1): the gate nonlinearity."""

    label = "σ"

    def forward(self, x: Any) -> Any:
        y = sigmoid_array(self.backend, x)
        self.saved = y  # σ′ needs only the output
        return y

    def backward(self, g: Any) -> Any:
        return sigmoid_grad(self.backend, g, self.saved)  # σ′(x) = σ(x)·(1 − σ(x))


class LogSigmoid(Function):
    """log σ(x) = −softplus(−x) = min(x, 0) − log(1 + e^−|x|): finite wherever x is, even where σ(x) underflows.

    ``log(sigmoid(x))`` in float32 is −inf from x ≈ −104 (σ underflows to 0) and its
    gradient overflows before that; this form stays exact: log σ(−1e4) = −1e4, with gradient 1.
    """

    label = "log σ"

    def forward(self, x: Any) -> Any:
        xp = self.xp
        e = xp.exp(-xp.abs(x))  # e^−|x| in [0, 1]: never overflows
        self.saved = (x, e)
        return xp.minimum(x, xp.zeros((), dtype=x.dtype)) - xp.log1p(e)

    def backward(self, g: Any) -> Any:
        x, e = self.saved
        xp = self.xp
        # d/dx log σ(x) = 1 − σ(x) = σ(−x): e^−x/(1 + e^−x) for x ≥ 0, 1/(1 + e^x) below
        return g * xp.where(x >= 0, e, xp.ones((), dtype=e.dtype)) / (1.0 + e)


class Tanh(Function):
    """tanh(x), in (−1, 1): the candidate and output squashing."""

    label = "tanh"

    def forward(self, x: Any) -> Any:
        y = self.xp.tanh(x)
        self.saved = y  # tanh′ needs only the output
        return y

    def backward(self, g: Any) -> Any:
        return tanh_grad(self.backend, g, self.saved)  # tanh′(x) = 1 − tanh²(x)


class Relu(Function):
    label = "relu"

    def forward(self, x: Any) -> Any:
        out = self.xp.maximum(x, 0.0)
        self.saved = out
        return out

    def backward(self, g: Any) -> tuple:
        # the gradient passes wherever the output is not ≤ 0: at a NaN input too, as in PyTorch
        xp = self.xp
        return (xp.where(self.saved <= 0, xp.zeros((), dtype=g.dtype), g),)


class Exp(Function):
    label = "exp"

    def forward(self, x: Any) -> Any:
        out = self.xp.exp(x)
        self.saved = out
        return out

    def backward(self, g: Any) -> tuple:
        return (g * self.saved,)


class Log(Function):
    label = "log"

    def forward(self, x: Any) -> Any:
        self.saved = x
        return self.xp.log(x)

    def backward(self, g: Any) -> tuple:
        return (g / self.saved,)


class Sqrt(Function):
    label = "√"

    def forward(self, x: Any) -> Any:
        out = self.xp.sqrt(x)
        self.saved = out
        return out

    def backward(self, g: Any) -> tuple:
        return (g / (2.0 * self.saved),)


class Abs(Function):
    label = "|·|"

    def forward(self, x: Any) -> Any:
        self.saved = x
        return self.xp.abs(x)

    def backward(self, g: Any) -> tuple:
        # sign(x)·g, with sign 0 at x = 0 and at NaN (NumPy's sign(NaN) is NaN; PyTorch's is 0)
        x, xp = self.saved, self.xp
        zero = xp.zeros((), dtype=g.dtype)
        return (xp.where(x > 0, g, xp.where(x < 0, -g, zero)),)


class Clamp(Function):
    """Limits x to [min, max]; the gradient passes where x is inside (bounds included), as in PyTorch."""

    __slots__ = ("bounds",)
    label = "clamp"

    def forward(self, x: Any, low: float | int | None, high: float | int | None) -> Any:
        self.saved = x
        self.bounds = (low, high)
        return self.xp.clip(x, low, high)

    def backward(self, g: Any) -> tuple:
        x, (low, high) = self.saved, self.bounds
        inside = self.xp.ones(x.shape, dtype=self.xp.bool)
        if low is not None:
            inside = inside & (x >= low)
        if high is not None:
            inside = inside & (x <= high)
        return (g * self.xp.astype(inside, g.dtype),)


def _unary(cls: type[Function], x: Tensor) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{cls.__name__.lower()}: expected a Tensor, got {type(x).__name__}")
    if x.data.dtype not in x.backend.float_dtypes:
        raise TypeError(f"{cls.__name__.lower()}: expected a float tensor, got {x.dtype!r}; use .float()")
    return fast_apply.apply_tensors(cls, x)  # apply's fast path, without the classmethod call


def sigmoid(x: Tensor) -> Tensor:
    """σ(x), elementwise; exactly 0 and 1 far out, with no overflow warning.

    >>> import tinygrad_rnn as tg
    >>> tg.sigmoid(tg.Tensor([-1e4, 0.0, 1e4])).tolist()
    [0.0, 0.5, 1.0]
    """
    return _unary(Sigmoid, x)


def logsigmoid(x: Tensor) -> Tensor:
    """log σ(x), elementwise, computed stably (``F.logsigmoid``).

    >>> import tinygrad_rnn as tg
    >>> tg.ops.logsigmoid(tg.Tensor([-1e4, 0.0, 1e4])).tolist()
    [-10000.0, -0.6931471824645996, 0.0]
    """
    return _unary(LogSigmoid, x)


def tanh(x: Tensor) -> Tensor:
    """tanh(x), elementwise."""
    return _unary(Tanh, x)


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return _unary(Relu, x)


def exp(x: Tensor) -> Tensor:
    return _unary(Exp, x)


def log(x: Tensor) -> Tensor:
    return _unary(Log, x)


def sqrt(x: Tensor) -> Tensor:
    return _unary(Sqrt, x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 (PyTorch's name)
    return _unary(Abs, x)


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Limits x to [min, max] (either may be None; min > max is a ValueError).

    >>> import tinygrad_rnn as tg
    >>> tg.clamp(tg.Tensor([-2.0, 0.5, 2.0]), -1, 1).tolist()
    [-1.0, 0.5, 1.0]
    """
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float, Tensor))):
            raise TypeError(f"clamp: {name} must be a number or None, got {type(bound).__name__} {bound!r}")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if min is not None and max is not None and min > max:  # PyTorch gives max everywhere: almost always a slip
        raise ValueError(f"clamp: min ({min}) is larger than max ({max})")
    if not isinstance(x, Tensor):
        raise TypeError(f"clamp: expected a Tensor, got {type(x).__name__}")
    # integer tensors with integer bounds stay integers; a float bound makes the result float (as in PyTorch)
    integral = not x.dtype.is_floating_point and all(isinstance(v, int) for v in (min, max) if v is not None)
    if not x.dtype.is_floating_point and not integral:
        x = x.to(get_default_dtype())
    bound = int if integral else float
    low = None if min is None else bound(min)
    high = None if max is None else bound(max)
    return Clamp.apply(x, low=low, high=high)
