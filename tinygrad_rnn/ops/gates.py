"""The gates of a recurrent step from their pre-activations: one op, one named output per gate.

The textbook writes one line per gate: i_t = σ(z_i), f_t = σ(z_f),
g_t = tanh(z_g), o_t = σ(z_o). ``gate_activations`` runs those lines as one
op over the slab z = [z_i, z_f, z_g, z_o] that ``x_t·W_ihᵀ + h_{t−1}·W_hhᵀ``
makes, with one output per gate; the cell tags each output with its name
and role, and the pictures draw the op as one box with a named, coloured
row per gate.

Why one op and not a ``chunk`` and four activations: σ runs in one pass
over the whole slab, which is contiguous in memory, where four ops would
each run on a strided quarter of it, and the graph has four nodes fewer per
step. On a small LSTM that is a fifth of the training step
(docs/benchmarks.md). The values are the same, element for element.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..autograd import Function
from ..tensor import Tensor
from .activations import Tanh, sigmoid, sigmoid_array, sigmoid_grad, tanh, tanh_grad

KINDS = {"sigmoid": "σ", "tanh": "tanh"}  # the functions a gate may have, and how the graph draws each


class GateActivations(Function):
    """σ or tanh on each equal piece of the last axis; one output (a view) per piece."""

    __slots__ = ("kinds",)
    label = "gates"

    @property
    def output_labels(self) -> tuple[str, ...]:
        """What the graph draws for each output: ``("σ", "σ", "tanh", "σ")`` for the LSTM."""
        return tuple(KINDS[k] for k in self.kinds)

    def pieces(self, width: int) -> list[slice]:
        size = width // len(self.kinds)
        return [slice(k * size, (k + 1) * size) for k in range(len(self.kinds))]

    def forward(self, z: Any, kinds: tuple[str, ...]) -> tuple:
        self.kinds = kinds
        pieces = self.pieces(z.shape[-1])
        y = sigmoid_array(self.backend, z)  # σ over the whole slab: one pass over contiguous memory
        for piece, kind in zip(pieces, kinds):
            if kind == "tanh":  # the tanh gates (the LSTM's g_t), written over their σ
                y[..., piece] = self.xp.tanh(z[..., piece])
        self.saved = y  # both derivatives need only the outputs
        return tuple(y[..., piece] for piece in pieces)

    def backward(self, *grads: Any) -> Any:
        y, xp = self.saved, self.xp
        pieces = self.pieces(y.shape[-1])
        # a gate no loss depends on sends back zeros
        whole = [xp.zeros_like(y[..., p]) if g is None else g for g, p in zip(grads, pieces)]
        d = sigmoid_grad(self.backend, xp.concat(whole, axis=-1), y)  # σ′ = σ·(1 − σ), over the whole slab
        for piece, kind, g in zip(pieces, self.kinds, whole):
            if kind == "tanh":
                d[..., piece] = tanh_grad(self.backend, g, y[..., piece])  # tanh′ = 1 − tanh², on its own piece
        return d


def gate_activations(z: Tensor, functions: Sequence[Any]) -> tuple[Tensor, ...]:
    """``functions[k]`` (``sigmoid`` or ``tanh``) on the k-th of ``len(functions)`` equal pieces of z's last axis.

    The same values as ``[f(p) for f, p in zip(functions, z.chunk(n, dim=-1))]``,
    as one op: see the module's docstring for why.

    >>> import tinygrad_rnn as tg
    >>> i, g = tg.gate_activations(tg.Tensor([[0.0, 0.0]]), (tg.sigmoid, tg.tanh))
    >>> i.tolist(), g.tolist()
    ([[0.5]], [[0.0]])
    """
    if not isinstance(z, Tensor):
        raise TypeError(f"gate_activations: expected a Tensor as z, got {type(z).__name__}")
    if isinstance(functions, str) or not isinstance(functions, Sequence) or not functions:
        raise TypeError(f"gate_activations: functions must be a non-empty list of sigmoid and tanh, got {functions!r}")
    kinds = tuple(_kind(f) for f in functions)
    if z.ndim == 0 or z.shape[-1] % len(kinds):
        raise ValueError(
            f"gate_activations: z's last axis must split into {len(kinds)} equal pieces, got shape {z.shape}"
        )
    if not z.dtype.is_floating_point:
        raise TypeError(f"gate_activations: expected a float tensor, got {z.dtype!r}; use .float()")
    return GateActivations.apply(z, kinds=kinds)


def _kind(function: Any) -> str:
    if function is sigmoid or function == "sigmoid":
        return "sigmoid"
    if function is tanh or function is Tanh or function == "tanh":
        return "tanh"
    raise ValueError(f"gate_activations: each function must be sigmoid or tanh, got {function!r}")
