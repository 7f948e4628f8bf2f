"""softmax and log_softmax along one axis, each shifted by the maximum so that large logits stay finite."""

from __future__ import annotations

from typing import Any

from ..autograd import Function


class LogSoftmax(Function):
    """x − max − log Σ exp(x − max): finite even at logits of ±1e4."""

    __slots__ = ("axis",)
    label = "log_softmax"

    def forward(self, x: Any, axis: int) -> Any:
        xp = self.xp
        self.axis = axis = _reduction_axis(x, axis)
        if _empty_along(x, axis):
            self.saved = xp.zeros(x.shape, dtype=x.dtype)
            return self.saved
        shifted = x - xp.max(x, axis=axis, keepdims=True)
        out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
        self.saved = out
        return out

    def backward(self, g: Any) -> tuple:
        xp = self.xp
        return (g - xp.exp(self.saved) * xp.sum(g, axis=self.axis, keepdims=True),)


class Softmax(Function):
    __slots__ = ("axis",)
    label = "softmax"

    def forward(self, x: Any, axis: int) -> Any:
        xp = self.xp
        self.axis = axis = _reduction_axis(x, axis)
        if _empty_along(x, axis):
            self.saved = xp.zeros(x.shape, dtype=x.dtype)
            return self.saved
        e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
        out = e / xp.sum(e, axis=axis, keepdims=True)
        self.saved = out
        return out

    def backward(self, g: Any) -> tuple:
        out = self.saved
        return (out * (g - self.xp.sum(g * out, axis=self.axis, keepdims=True)),)


def _reduction_axis(x: Any, axis: int) -> int | None:
    """``axis``, or None (all of it) for a 0-d ``x``: NumPy accepts axis 0 there, CuPy does not."""
    return axis if x.ndim else None


def _empty_along(x: Any, axis: int | None) -> bool:
    """Nothing to normalise along ``axis`` (and no maximum): the result is empty, as in PyTorch."""
    return bool(x.ndim) and x.shape[axis] == 0
