"""Multi-layer, bidirectional, batch-first RNN, LSTM and GRU layers that behave like PyTorch's.

A layer runs the same cell equations as ``cells.py`` (it calls the same
update functions), with one change that cuDNN makes too: the input
projection W_ih·x_t of every time step is one matmul before the loop, and
each step only adds W_hh·h_{t−1}. It is the same arithmetic as
W·[h_{t−1}, x_t], in fewer and larger operations; the graph shows what runs.

>>> import tinygrad_rnn as tg
>>> lstm = tg.nn.LSTM(input_size=3, hidden_size=4, num_layers=2, batch_first=True)
>>> output, (h_n, c_n) = lstm(tg.zeros(5, 7, 3))   # (batch, time, features)
>>> output.shape, h_n.shape                          # h_n ignores batch_first
((5, 7, 4), (2, 5, 4))
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import functional as F
from ..autograd import scope
from ..creation import zeros
from ..ops import cat, stack
from ..tensor import Tensor
from .cells import gru_update, lstm_update, rnn_update, set_forget_bias
from .init import uniform_parameter
from .module import Module


class _RecurrentBase(Module):
    gates = 1
    has_cell_state = False

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
    ):
        super().__init__()
        name = type(self).__name__
        if proj_size:
            raise ValueError(f"{name}: proj_size is not supported (got {proj_size}); use a Linear layer on the output")
        if not (isinstance(dropout, (int, float)) and 0 <= dropout <= 1) or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element "
                f"being zeroed, got {dropout}"
            )
        if hidden_size <= 0 or num_layers <= 0 or input_size <= 0:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, "
                f"got {input_size}, {hidden_size} and {num_layers}"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, 0
        bound = 1.0 / math.sqrt(hidden_size)
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes():
                setattr(self, f"weight_ih_l{layer}{suffix}", uniform_parameter((rows, layer_input), bound, device))
                setattr(self, f"weight_hh_l{layer}{suffix}", uniform_parameter((rows, hidden_size), bound, device))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", uniform_parameter((rows,), bound, device))
                    setattr(self, f"bias_hh_l{layer}{suffix}", uniform_parameter((rows,), bound, device))

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer: int, suffix: str) -> tuple:
        get = self._parameters.get
        return (
            get(f"weight_ih_l{layer}{suffix}"),
            get(f"weight_hh_l{layer}{suffix}"),
            get(f"bias_ih_l{layer}{suffix}"),
            get(f"bias_hh_l{layer}{suffix}"),
        )

    # --- checking input as PyTorch does ---------------------------------------------
    def _check_input(self, input: Tensor) -> tuple[Tensor, bool]:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor as input, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )
        weight = self.weight_ih_l0
        if input.backend is not weight.backend:
            raise ValueError(
                f"{name}: input is on {input.device} but the weights on {weight.device}; "
                f"move one with .to(device) (model.to({input.device!r}) moves the weights)"
            )
        if input.dtype != weight.dtype:
            raise TypeError(
                f"{name}: input.dtype must match weight dtype: got {input.dtype!r} input and {weight.dtype!r} "
                f"weights; use input.to({weight.dtype!r}) or build the layer with that dtype"
            )
        batched = input.ndim == 3
        if not batched:
            return input.unsqueeze(1), False
        x = input.transpose(0, 1) if self.batch_first else input
        if x.shape[0] == 0:
            raise ValueError(f"{name}: expected a sequence of length at least 1, got input of shape {input.shape}")
        return x, True

    def _check_state(self, state: Tensor | None, batched: bool, batch: int, like: Tensor, message: str) -> Tensor:
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if state is None:
            return zeros(*expected, dtype=like.dtype, device=like.backend)
        if state.ndim != (3 if batched else 2):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise ValueError(
                f"For {kind} input, hx should also be {3 if batched else 2}-D but got {state.ndim}-D tensor"
            )
        if not batched:
            state = state.unsqueeze(1)
        if state.shape != expected:
            got = state.shape if batched else (state.shape[0], state.shape[2])
            want = expected if batched else (expected[0], expected[2])
            raise ValueError(message.format(want, got))
        return state

    # --- running --------------------------------------------------------------------------
    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        x, batched = self._check_input(input)
        batch = x.shape[1]
        if self.has_cell_state:
            h0, c0 = (None, None) if hx is None else hx
            h0 = self._check_state(h0, batched, batch, x, "Expected hidden[0] size {}, got {}")
            c0 = self._check_state(c0, batched, batch, x, "Expected hidden[1] size {}, got {}")
            c_states = c0.unbind(0)
        else:
            h0 = self._check_state(hx, batched, batch, x, "Expected hidden size {}, got {}")
            c_states = None
        h_states = h0.unbind(0)
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._suffixes()):
                k = layer * self.num_directions + d
                out, h_last, c_last = self._run_direction(
                    x, layer, suffix, h_states[k], None if c_states is None else c_states[k]
                )
                outputs.append(out)
                h_n.append(h_last)
                c_n.append(c_last)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        output = x
        h_n_t = stack(h_n, dim=0)
        if not batched:
            output, h_n_t = output.squeeze(1), h_n_t.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        if not self.has_cell_state:
            return output, h_n_t
        c_n_t = stack(c_n, dim=0)
        return output, (h_n_t, c_n_t if batched else c_n_t.squeeze(1))

    def _run_direction(
        self, x: Tensor, layer: int, suffix: str, h: Tensor, c: Tensor | None
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """One layer in one direction over the whole sequence x of shape (L, N, I)."""
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
        direction = "reverse" if suffix else "forward"
        length, batch, features = x.shape
        with scope(layer=layer, direction=direction):
            projected = x.reshape(length * batch, features) @ w_ih.T  # W_ih·x_t for every t: one matmul
            if b_ih is not None:
                projected = projected + (b_ih if self.gates == 3 else b_ih + b_hh)
            projected = projected.reshape(length, batch, self.gates * self.hidden_size).tag("W_ih·x_t")
            inputs = projected.unbind(0)
            w_hh_t = w_hh.T
        outputs: list[Tensor] = [None] * length  # type: ignore[list-item]
        order = range(length - 1, -1, -1) if suffix else range(length)
        for t in order:
            with scope(layer=layer, direction=direction, t=t):
                h, c = self._step(inputs[t], h, c, w_hh_t, b_hh)
            outputs[t] = h
        return stack(outputs, dim=0), h, c

    def _step(self, x_proj: Tensor, h: Tensor, c: Tensor | None, w_hh_t: Tensor, b_hh: Tensor | None) -> tuple:
        raise NotImplementedError

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0, "bidirectional": False}
        for key, default in defaults.items():
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text


class RNN(_RecurrentBase):
    """Elman RNN, as torch.nn.RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh).

    >>> import tinygrad_rnn as tg
    >>> output, h_n = tg.nn.RNN(3, 4, num_layers=2, bidirectional=True)(tg.zeros(7, 5, 3))
    >>> output.shape, h_n.shape
    ((7, 5, 8), (4, 5, 4))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device=device)
        self.nonlinearity = nonlinearity

    def _step(self, x_proj: Tensor, h: Tensor, c: None, w_hh_t: Tensor, b_hh: Any) -> tuple:
        return rnn_update(x_proj + h @ w_hh_t, self.nonlinearity), None

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity}")


class LSTM(_RecurrentBase):
    """LSTM, as torch.nn.LSTM: returns ``output, (h_n, c_n)``.

    ``forget_bias`` (default 0, PyTorch's initialisation) sets the forget
    gate's total bias in every layer; 1 keeps the cell state's gradient
    alive over many more steps at the start of training.

    >>> import tinygrad_rnn as tg
    >>> output, (h_n, c_n) = tg.nn.LSTM(3, 4)(tg.zeros(7, 3))   # unbatched (L, H_in)
    >>> output.shape, h_n.shape, c_n.shape
    ((7, 4), (1, 4), (1, 4))
    """

    gates = 4
    has_cell_state = True

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        *,
        forget_bias: float = 0.0,
    ):
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size, device
        )
        self.forget_bias = forget_bias
        if forget_bias and self.bias:
            for layer in range(num_layers):
                for suffix in self._suffixes():
                    _, _, b_ih, b_hh = self._weights(layer, suffix)
                    set_forget_bias(b_ih, b_hh, hidden_size, forget_bias)

    def _step(self, x_proj: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor, b_hh: Any) -> tuple:
        return lstm_update(x_proj + h @ w_hh_t, c)


class GRU(_RecurrentBase):
    """GRU, as torch.nn.GRU (gate order r, z, n; the reset gate inside the candidate).

    >>> import tinygrad_rnn as tg
    >>> output, h_n = tg.nn.GRU(3, 4, batch_first=True)(tg.zeros(5, 7, 3))
    >>> output.shape, h_n.shape
    ((5, 7, 4), (1, 5, 4))
    """

    gates = 3

    def _step(self, x_proj: Tensor, h: Tensor, c: None, w_hh_t: Tensor, b_hh: Any) -> tuple:
        gh = h @ w_hh_t
        if b_hh is not None:
            gh = gh + b_hh
        return gru_update(x_proj, gh, h), None
