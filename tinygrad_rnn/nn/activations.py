"""Elementwise functions as modules, for ``Sequential``: Tanh, Sigmoid, ReLU, Identity.

>>> import tinygrad_rnn as tg
>>> tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh())(tg.zeros(2, 3)).shape
(2, 4)
"""

from __future__ import annotations

from ..ops import relu, sigmoid, tanh
from ..tensor import Tensor
from .module import Module


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return tanh(x)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return sigmoid(x)


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return relu(x)


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x
