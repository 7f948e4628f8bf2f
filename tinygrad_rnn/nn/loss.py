"""Losses as modules, as torch.nn: MSELoss and CrossEntropyLoss.

>>> import tinygrad_rnn as tg
>>> tg.nn.MSELoss()(tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 4.0])).item()
2.0
"""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class MSELoss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(Module):
    """Class-index targets; ``ignore_index`` and ``reduction`` as in torch.nn.CrossEntropyLoss."""

    def __init__(self, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__()
        self.ignore_index, self.reduction = ignore_index, reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, ignore_index=self.ignore_index, reduction=self.reduction)
