"""Losses as modules, as torch.nn: MSELoss and CrossEntropyLoss.

>>> import tinygrad_rnn as tg
>>> tg.nn.MSELoss()(tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 4.0])).item()
2.0
"""

from __future__ import annotations

from .. import functional as F
from ..checks import check_choice, check_int
from ..tensor import Tensor
from .module import Module

REDUCTIONS = ("mean", "sum", "none")


class MSELoss(Module):
    """The mean squared error; ``reduction`` as in torch.nn.MSELoss (checked here, not at the first call)."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = check_choice("MSELoss", "reduction", reduction, REDUCTIONS)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(Module):
    """Class-index targets; ``ignore_index`` and ``reduction`` as in torch.nn.CrossEntropyLoss."""

    def __init__(self, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__()
        self.ignore_index = check_int("CrossEntropyLoss", "ignore_index", ignore_index)
        self.reduction = check_choice("CrossEntropyLoss", "reduction", reduction, REDUCTIONS)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, ignore_index=self.ignore_index, reduction=self.reduction)
