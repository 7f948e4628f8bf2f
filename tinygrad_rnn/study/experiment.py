"""The standard experiment behind the pictures: one recurrent layer reads an adding-problem sequence,
and the loss is a fixed random projection of its last hidden state, L = Σ_n p · h_T[n].

A projection rather than a task loss, so that every model gets the same
kind of gradient at the last step and what happens to it on the way back is
the model's doing alone. Everything is seeded: weights by
``tg.manual_seed(seed)``, data and projection by ``numpy.random.default_rng(seed)``.

>>> from tinygrad_rnn import study
>>> trace = study.unroll("gru", steps=3, hidden_size=4)
>>> trace.title, trace.output.shape
('GRU', ())
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import tinygrad_rnn as tg

from ..backend import np
from ..data import adding_problem
from ..nn.utils.rnn import pack_padded_sequence
from ..record import record_shapes
from .gradients import GradientRecord, record_gradients

CELLS = ("rnn", "lstm", "gru")
DEFAULT_FORGET_BIAS = 1.0  # Jozefowicz et al. (2015); PyTorch's own default is 0


@dataclass
class Trace:
    """What to draw: an output (or several), the gradients its backward recorded, names of parameters.

    ``params`` is a Module (its ``named_parameters`` name the leaves) or a
    mapping of names to tensors; ``title`` heads the picture.
    """

    output: Any
    grads: GradientRecord | None = None
    params: Any = None
    title: str | None = None

    @property
    def roots(self) -> list[tg.Tensor]:
        return list(self.output) if isinstance(self.output, (list, tuple)) else [self.output]


def check_cell(cell: str) -> str:
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(CELLS)}")
    return cell


def title(cell: str, forget_bias: float | None = None) -> str:
    """``"tanh RNN"``, ``"GRU"``, ``"LSTM, forget bias 1"``."""
    if cell == "lstm":
        return "LSTM" if forget_bias is None else f"LSTM, forget bias {forget_bias:g}"
    return {"rnn": "tanh RNN", "gru": "GRU"}[check_cell(cell)]


def make_layer(cell: str, hidden_size: int, *, forget_bias: float = DEFAULT_FORGET_BIAS, input_size: int = 2) -> Any:
    """One recurrent layer of the given kind (``"rnn"`` is the tanh RNN), on the default device.

    Its weights are drawn on the CPU and then moved: each backend has its own random stream, and a
    seed should give the same study on every device.
    """
    check_cell(cell)
    if cell == "lstm":
        layer = tg.nn.LSTM(input_size, hidden_size, forget_bias=forget_bias, device="cpu")
    else:
        layer = (tg.nn.GRU if cell == "gru" else tg.nn.RNN)(input_size, hidden_size, device="cpu")
    return layer.to(tg.get_default_device())


def last_hidden(layer: Any, x: tg.Tensor) -> tg.Tensor:
    """h_T of the layer's last (top, forward) layer, shape (batch, hidden)."""
    _, state = layer(x)
    h_n = state[0] if isinstance(state, tuple) else state
    return h_n[(layer.num_layers - 1) * layer.num_directions]


def projection(hidden_size: int, rng: Any, like: tg.Tensor | None = None) -> tg.Tensor:
    """The fixed random direction p (norm about 1) that the loss projects h_T on (dtype and device of ``like``)."""
    p = rng.standard_normal((hidden_size, 1)) / math.sqrt(hidden_size)
    if like is None:
        return tg.Tensor(p.astype(np.float32))
    return tg.Tensor(p, dtype=like.dtype, device=like.device)


def projection_loss(layer: Any, x: tg.Tensor, rng: Any) -> tg.Tensor:
    """L = Σ_n p · h_T[n], with p drawn from ``rng``."""
    h_T = last_hidden(layer, x)
    return (h_T @ projection(layer.hidden_size, rng, h_T)).sum()


def unroll(
    cell: str = "lstm",
    steps: int = 10,
    *,
    hidden_size: int = 8,
    forget_bias: float = DEFAULT_FORGET_BIAS,
    batch: int = 1,
    seed: int = 0,
    lengths: Sequence[int] | None = None,
) -> Trace:
    """Builds a seeded layer, runs it on an adding-problem batch, and backpropagates the projection loss.

    Returns a :class:`Trace` ready for ``viz.draw`` or ``viz.compare``; the forward runs inside
    ``record_shapes()``, so a picture may print each op's output shape. With ``lengths`` (one per
    sequence, the longest at most ``steps``) the batch is packed: each sequence stops at its own
    length, and the loss reads each one's own last hidden state.
    """
    if lengths is not None:
        lengths = list(lengths)
        if batch not in (1, len(lengths)):
            raise ValueError(f"unroll: lengths gives {len(lengths)} sequences, but batch is {batch}; leave batch out")
        batch = len(lengths)
    tg.manual_seed(seed)
    layer = make_layer(cell, hidden_size, forget_bias=forget_bias)
    rng = np.random.default_rng(seed)
    x, _ = adding_problem(batch, steps, rng, device=tg.get_default_device())
    if lengths is not None:
        x = pack_padded_sequence(x, lengths, enforce_sorted=False)
    with record_shapes():  # a trace is made to be drawn, and drawings may print each op's shape
        loss = projection_loss(layer, x, rng)
    with record_gradients() as grads:
        loss.backward()
    return Trace(loss, grads, layer, title(cell, forget_bias if cell == "lstm" else None))
