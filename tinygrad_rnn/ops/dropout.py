"""Dropout: zero each element with probability p, scale the rest by 1/(1 − p)."""

from __future__ import annotations

from typing import Any

from ..autograd import Function


class Dropout(Function):
    """x ⊙ mask / (1 − p): the mask is drawn once in forward and reused in backward."""

    label = "dropout"

    def forward(self, x: Any, p: float) -> Any:
        keep = self.backend.uniform(x.shape, 0.0, 1.0, "float64") >= p
        mask = self.xp.astype(keep, x.dtype) * (1.0 / (1.0 - p))
        self.saved = mask
        return x * mask

    def backward(self, g: Any) -> tuple:
        return (g * self.saved,)
