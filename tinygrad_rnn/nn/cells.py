"""RNN, LSTM and GRU cells, composed from primitive ops so the graph is the textbook diagram.

Each cell's equations live in one function (``rnn_update``, ``lstm_update``,
``gru_update``) written one line per equation in the docs' notation; the cell
modules and the multi-step layers in ``recurrent.py`` both call them. The
parameters have PyTorch's names, shapes, gate order (LSTM: i, f, g, o; GRU:
r, z, n) and initialisation, so weights move both ways unchanged.

>>> import tinygrad_rnn as tg
>>> cell = tg.nn.LSTMCell(3, 4)
>>> h, c = cell(tg.zeros(2, 3))
>>> h.shape, c.shape
((2, 4), (2, 4))
"""

from __future__ import annotations

import math
from typing import Any

from ..creation import zeros
from ..ops import cat, gate_activations, relu, sigmoid, tanh
from ..tensor import Tensor
from .init import uniform_parameter
from .module import Module
from .utils.rnn import PackedSequence


def rnn_update(z: Tensor, nonlinearity: str) -> Tensor:
    """h_t = tanh(W·[h_{t−1}, x_t] + b), given the pre-activation z."""
    h_t = tanh(z) if nonlinearity == "tanh" else relu(z)
    return h_t.tag("h_t", "hidden state")


def lstm_update(gates: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step from the four gate pre-activations (i, f, g, o) and C_{t−1}."""
    # i_t = σ(z_i), f_t = σ(z_f), g_t = tanh(z_g), o_t = σ(z_o): one op over the slab z, one output per gate
    i_t, f_t, g_t, o_t = gate_activations(gates, (sigmoid, sigmoid, tanh, sigmoid))
    i_t.tag("i_t", "input gate")  # how much new content to write, in (0, 1)
    f_t.tag("f_t", "forget gate")  # how much of C_{t−1} to keep, in (0, 1)
    g_t.tag("g_t", "candidate")  # the new content C̃_t, in (−1, 1)
    o_t.tag("o_t", "output gate")  # how much of the cell to show, in (0, 1)
    c_t = (f_t * c_prev + i_t * g_t).tag("c_t", "cell state")
    h_t = (o_t * tanh(c_t)).tag("h_t", "hidden state")
    return h_t, c_t


def gru_update(gi: Tensor, gh: Tensor, h_prev: Tensor) -> Tensor:
    """One GRU step (PyTorch's form) from W_i·x_t + b_i and W_h·h_{t−1} + b_h, each (r, z, n)."""
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r_t = sigmoid(i_r + h_r).tag("r_t", "reset gate")
    z_t = sigmoid(i_z + h_z).tag("z_t", "update gate")
    n_t = tanh(i_n + r_t * h_n).tag("n_t", "candidate")
    h_t = ((1.0 - z_t) * n_t + z_t * h_prev).tag("h_t", "hidden state")
    return h_t


class _CellBase(Module):
    """Parameters weight_ih (G·H, I), weight_hh (G·H, H), bias_ih, bias_hh, uniform in ±1/√H."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None):
        super().__init__()
        check_sizes(type(self).__name__, input_size=input_size, hidden_size=hidden_size)
        if not isinstance(bias, bool):
            raise TypeError(f"{type(self).__name__}: bias must be True or False, got {bias!r}")
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(
                f"{type(self).__name__}: input_size and hidden_size must be positive, "
                f"got {input_size} and {hidden_size}"
            )
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        bound = 1.0 / math.sqrt(hidden_size)
        rows = self.gates * hidden_size
        self.weight_ih = uniform_parameter((rows, input_size), bound, device)
        self.weight_hh = uniform_parameter((rows, hidden_size), bound, device)
        self.register_parameter("bias_ih", uniform_parameter((rows,), bound, device) if bias else None)
        self.register_parameter("bias_hh", uniform_parameter((rows,), bound, device) if bias else None)

    def _prepare(self, x: Tensor, states: tuple, names: tuple) -> tuple[Tensor, list[Tensor], bool]:
        """Checks shapes as PyTorch does; adds a batch axis to unbatched input; zeros for missing states."""
        name = type(self).__name__
        if isinstance(x, PackedSequence):
            layer = name.removesuffix("Cell")
            raise TypeError(
                f"{name}: a cell takes one time step, a Tensor of shape (batch, {self.input_size}), got a "
                f"PackedSequence; run nn.{layer} on packed input, or unpack it with pad_packed_sequence "
                "and loop over the steps"
            )
        if not isinstance(x, Tensor):
            hint = "; wrap it with tg.Tensor(...)" if hasattr(x, "__array__") else ""
            raise TypeError(f"{name}: expected a Tensor as input, got {type(x).__name__}{hint}")
        if x.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"input has inconsistent input_size: got {x.shape[-1]} expected {self.input_size}")
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        out = []
        for state, label in zip(states, names):
            if state is None:
                out.append(zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.backend))
                continue
            if not isinstance(state, Tensor):
                hint = "; wrap it with tg.Tensor(...)" if hasattr(state, "__array__") else ""
                raise TypeError(f"{name}: {label} must be a Tensor, got {type(state).__name__}{hint}")
            if state.dtype != x.dtype or state.backend is not x.backend:
                raise TypeError(
                    f"{name}: {label} must have the input's dtype and device ({x.dtype!r} on {x.device}), "
                    f"got {state.dtype!r} on {state.device}"
                )
            if state.ndim != (2 if batched else 1):
                raise ValueError(f"{name}: Expected {label} to be {2 if batched else 1}D, got {state.ndim}D instead")
            state = state if batched else state.unsqueeze(0)
            if state.shape[0] != x.shape[0]:
                raise ValueError(f"Input batch size {x.shape[0]} doesn't match {label} batch size {state.shape[0]}")
            if state.shape[1] != self.hidden_size:
                raise ValueError(
                    f"{label} has inconsistent hidden_size: got {state.shape[1]}, expected {self.hidden_size}"
                )
            out.append(state)
        return x, out, batched

    def _biases(self, z: Tensor) -> Tensor:
        return z + self.bias_ih + self.bias_hh if self.bias else z

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """h_t = tanh(W·[h_{t−1}, x_t] + b) (or relu), as torch.nn.RNNCell.

    >>> import tinygrad_rnn as tg
    >>> tg.nn.RNNCell(3, 5)(tg.zeros(3)).shape
    (5,)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", device: Any = None
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity '{nonlinearity}'; expected 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, device)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x_t, (h_prev,), batched = self._prepare(input, (_single_state(self, hx),), ("hidden0",))
        hx_t = cat([h_prev, x_t], dim=1).tag("[h_{t−1}, x_t]")
        W = cat([self.weight_hh, self.weight_ih], dim=1)
        h_t = rnn_update(self._biases(hx_t @ W.T), self.nonlinearity)
        return h_t if batched else h_t.squeeze(0)

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity}")


class LSTMCell(_CellBase):
    """One LSTM step, as torch.nn.LSTMCell: returns (h_t, c_t).

    ``forget_bias`` sets the forget-gate slice of ``bias_ih`` (and zeroes it in
    ``bias_hh``) so f_t starts near σ(forget_bias); 0 keeps PyTorch's
    initialisation, 1 is what Jozefowicz et al. (2015) recommend.
    """

    gates = 4

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, *, forget_bias: float = 0.0
    ):
        super().__init__(input_size, hidden_size, bias, device)
        self.forget_bias = forget_bias
        if forget_bias and bias:
            set_forget_bias(self.bias_ih, self.bias_hh, hidden_size, forget_bias)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(
                f"LSTMCell: hx must be a tuple (h, c) of two Tensors of shape (batch, {self.hidden_size}), "
                f"got {type(hx).__name__}" + (f" of {len(hx)}" if isinstance(hx, (tuple, list)) else "")
            )
        h0, c0 = (None, None) if hx is None else hx
        x_t, (h_prev, c_prev), batched = self._prepare(input, (h0, c0), ("hx", "cx"))
        hx_t = cat([h_prev, x_t], dim=1).tag("[h_{t−1}, x_t]")
        W = cat([self.weight_hh, self.weight_ih], dim=1)
        h_t, c_t = lstm_update(self._biases(hx_t @ W.T), c_prev)
        return (h_t, c_t) if batched else (h_t.squeeze(0), c_t.squeeze(0))


class GRUCell(_CellBase):
    """One GRU step, as torch.nn.GRUCell.

    The reset gate multiplies only the hidden part of the candidate
    (n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))), so the input
    and hidden projections stay two matmuls instead of one over [h_{t−1}, x_t].
    """

    gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x_t, (h_prev,), batched = self._prepare(input, (_single_state(self, hx),), ("hidden0",))
        gi = x_t @ self.weight_ih.T
        gh = h_prev @ self.weight_hh.T
        if self.bias:
            gi, gh = gi + self.bias_ih, gh + self.bias_hh
        h_t = gru_update(gi, gh, h_prev)
        return h_t if batched else h_t.squeeze(0)


def _single_state(cell: _CellBase, hx: Any) -> Any:
    """RNNCell's and GRUCell's hx: one tensor, not a pair."""
    if isinstance(hx, (tuple, list)):
        name = type(cell).__name__
        raise TypeError(
            f"{name}: hx must be a Tensor of shape (batch, {cell.hidden_size}) (or None), got a "
            f"{type(hx).__name__} of {len(hx)}; only LSTMCell takes a (h, c) pair"
        )
    return hx


def check_sizes(name: str, **sizes: Any) -> None:
    """Sizes must be ints (as in PyTorch: "hidden_size should be of type int, got: float")."""
    for key, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}: {key} should be of type int, got: {type(value).__name__} {value!r}")


def set_forget_bias(bias_ih: Tensor, bias_hh: Tensor, hidden_size: int, value: float) -> None:
    """Puts the forget gate's total bias (b_if + b_hf) at ``value``."""
    forget = (slice(hidden_size, 2 * hidden_size),)
    bias_ih.data[forget] = value
    bias_hh.data[forget] = 0.0
