"""The gates of a recurrent step from their pre-activations: one op, one named output per gate.

The textbook writes one line per gate: i_t = σ(z_i), f_t = σ(z_f),
g_t = tanh(z_g), o_t = σ(z_o). ``gate_activations`` runs those lines as one
op over the slab z = [z_i, z_f, z_g, z_o] that ``x_t·W_ihᵀ + h_{t−1}·W_hhᵀ``
makes, with one output per gate; the cell tags each output with its name
and role, and the pictures draw the op as one box with a named, coloured
row per gate.

Why one op and not a ``chunk`` and four activations: the graph has four
nodes fewer per step to record and to walk back through, and σ and σ′ each
run once over the whole slab, which is contiguous in memory, instead of once
per gate on a strided piece of it (NumPy is much slower on strided pieces;
the σ computed on the tanh gates' piece is cheaper than that). The values are
the same, element for element (docs/benchmarks.md has the timings).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from .. import fast_apply
from ..autograd import Function
from ..tensor import Tensor
from .activations import sigmoid, sigmoid_array, sigmoid_grad, tanh, tanh_grad

KINDS = {"sigmoid": "σ", "tanh": "tanh"}  # the functions a gate may have, and how the graph draws each


class GateActivations(Function):
    """σ or tanh on each equal piece of the last axis; one output (a view) per piece.

    ``kinds`` names each piece's function. It is fixed per class (``op_for``
    makes one per list of functions), so that a call is ``apply`` of one
    tensor with no settings, which takes apply's fast path (fast_apply.py).
    """

    label = "gates"
    kinds: tuple[str, ...] = ()

    @property
    def output_labels(self) -> tuple[str, ...]:
        """What the graph draws for each output: ``("σ", "σ", "tanh", "σ")`` for the LSTM."""
        return tuple(KINDS[k] for k in self.kinds)

    def forward(self, z: Any) -> tuple:
        pieces, runs = cut(self.kinds, z.shape[-1])
        y = sigmoid_array(self.backend, z)  # σ over the whole slab: one pass over contiguous memory
        for run, kind in runs:
            if kind == "tanh":  # the tanh gates (the LSTM's g_t), written over their σ
                into = self.backend.fused_kernel("tanh_into")  # straight into y's piece (NumPy, CuPy)
                if into is not None:
                    into(z[run], y[run])
                else:
                    y[run] = self.xp.tanh(z[run])
        self.saved = y  # both derivatives need only the outputs
        return tuple(y[piece] for piece in pieces)

    def backward(self, *grads: Any) -> Any:
        y, xp = self.saved, self.xp
        pieces, runs = cut(self.kinds, y.shape[-1])
        if any(g is None for g in grads):  # a gate no loss depends on sends back zeros
            grads = tuple(xp.zeros_like(y[p]) if g is None else g for g, p in zip(grads, pieces))
        g = xp.concat(grads, axis=-1)
        d = sigmoid_grad(self.backend, g, y)  # σ′ = σ·(1 − σ), over the whole slab: one pass of three calls
        for run, kind in runs:
            if kind == "tanh":  # then tanh′ = 1 − tanh² on the tanh gates, over what σ′ wrote there
                d[run] = tanh_grad(self.backend, g[run], y[run])
        return d


@functools.cache
def op_for(kinds: tuple[str, ...]) -> type[GateActivations]:
    """The ``GateActivations`` class of one list of functions, made on first use (skip on a first reading).

    Why a class: with ``kinds`` on the class, a call is one tensor and no settings,
    which ``apply`` runs on its fast path (fast_apply.py), 6 µs a step sooner.
    """
    return type("GateActivations", (GateActivations,), {"__slots__": (), "kinds": kinds})


@functools.cache
def cut(kinds: tuple[str, ...], width: int) -> tuple[tuple, tuple]:
    """Where each gate lies in the last axis (an index per gate), and the runs of neighbouring gates with one function.

    >>> pieces, runs = cut(("sigmoid", "sigmoid", "tanh", "sigmoid"), 8)
    >>> [(run[1].start, run[1].stop, kind) for run, kind in runs]
    [(0, 4, 'sigmoid'), (4, 6, 'tanh'), (6, 8, 'sigmoid')]
    """
    size = width // len(kinds)
    pieces = tuple((..., slice(k * size, (k + 1) * size)) for k in range(len(kinds)))
    runs: list = []
    for k, kind in enumerate(kinds):
        if runs and runs[-1][1] == kind:
            runs[-1][0] = slice(runs[-1][0].start, (k + 1) * size)
        else:
            runs.append([slice(k * size, (k + 1) * size), kind])
    return pieces, tuple(((..., run), kind) for run, kind in runs)


def gate_activations(z: Tensor, functions: Sequence[Any]) -> tuple[Tensor, ...]:
    """``functions[k]`` on the k-th of ``len(functions)`` equal pieces of z's last axis, as one op.

    Each function is ``sigmoid`` or ``tanh`` (the functions, or their names
    as strings). The same values as
    ``[f(p) for f, p in zip(functions, z.chunk(len(functions), dim=-1))]``;
    the module's docstring says why one op.

    >>> import tinygrad_rnn as tg
    >>> i, g = tg.gate_activations(tg.Tensor([[0.0, 0.0]]), (tg.sigmoid, tg.tanh))
    >>> i.tolist(), g.tolist()
    ([[0.5]], [[0.0]])
    """
    if type(functions) not in (tuple, list) or not functions:
        raise TypeError(
            f"gate_activations: functions must be a non-empty tuple or list of sigmoid and tanh, got {functions!r}"
        )
    kinds = tuple(_kind(f) for f in functions)
    if not isinstance(z, Tensor):
        raise TypeError(f"gate_activations: expected a Tensor as z, got {type(z).__name__}")
    shape = z.shape
    if not shape or shape[-1] % len(kinds):
        raise ValueError(
            f"gate_activations: z must have a last axis that splits into {len(kinds)} equal pieces, got shape {shape}"
        )
    if not z.dtype.is_floating_point:
        raise TypeError(f"gate_activations: z must be a float tensor, got {z.dtype!r}; use .float()")
    return fast_apply.apply_tensors(op_for(kinds), z)  # Op.apply's fast path: skip on a first reading


def _kind(function: Any) -> str:
    for kind, known in (("sigmoid", sigmoid), ("tanh", tanh)):
        if function is known or (isinstance(function, str) and function == kind):
            return kind
    raise ValueError(f"gate_activations: each function must be sigmoid or tanh, got {function!r}")
