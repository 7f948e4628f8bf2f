"""Multi-layer, bidirectional, batch-first RNN, LSTM and GRU layers that behave like PyTorch's.

A layer runs the same cell equations as ``cells.py`` (it calls the same
update functions), with one change that cuDNN makes too: the input
projection W_ih·x_t of every time step is one matmul before the loop, and
each step only adds W_hh·h_{t−1}. It is the same arithmetic as
W·[h_{t−1}, x_t], in fewer and larger operations; the graph shows what runs.

A layer also takes a :class:`~tinygrad_rnn.nn.utils.rnn.PackedSequence`
(sequences of different lengths). Then the batch shrinks as sequences end:
step t computes only the ``batch_sizes[t]`` sequences that have a step t, and
each sequence's final state is the one after its own last step.

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
from ..collector import collector_paused
from ..creation import zeros
from ..ops import cat, stack
from ..tensor import Tensor
from .cells import check_sizes, gru_update, lstm_update, rnn_update, set_forget_bias
from .init import uniform_parameter
from .module import Module
from .utils.rnn import PackedSequence


class _RecurrentBase(Module):
    """What RNN, LSTM and GRU share: PyTorch's constructor arguments, the checks, the loop over layers.

    Arguments (PyTorch's, in its order): ``input_size``, ``hidden_size``,
    ``num_layers=1``, ``bias=True``, ``batch_first=False``, ``dropout=0.0``
    (between layers, in training), ``bidirectional=False``, ``proj_size=0``
    (not supported), ``device=None``, ``dtype=None``. A subclass adds only what
    differs (RNN's ``nonlinearity``, LSTM's ``forget_bias``).
    """

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
        dtype: Any = None,
    ):
        super().__init__()
        name = type(self).__name__
        check_sizes(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        for flag, value in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(value, bool):
                raise TypeError(f"{name}: {flag} must be True or False, got {value!r}")
        if proj_size:
            raise ValueError(
                f"{name}: proj_size is not supported (got {proj_size}); use a Linear layer on the output"
                + ("" if self.has_cell_state else " (in PyTorch too it is only for LSTM)")
            )
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
                stacklevel=2 + (type(self).__init__ is not _RecurrentBase.__init__),  # the caller's line
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, 0
        bound = 1.0 / math.sqrt(hidden_size)
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes():
                for kind, shape in (("weight_ih", (rows, layer_input)), ("weight_hh", (rows, hidden_size))):
                    setattr(self, f"{kind}_l{layer}{suffix}", uniform_parameter(shape, bound, device, dtype))
                if bias:
                    for kind in ("bias_ih", "bias_hh"):
                        setattr(self, f"{kind}_l{layer}{suffix}", uniform_parameter((rows,), bound, device, dtype))

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
    def _check_tensor(self, input: Any, what: str) -> Tensor:
        """The input's type, feature size, device and dtype."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{name}: expected a Tensor or a PackedSequence as {what}, got {type(input).__name__}"
                + ("; wrap it with tg.Tensor(...)" if hasattr(input, "__array__") else "")
            )
        if input.ndim and input.shape[-1] != self.input_size:
            raise ValueError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )
        weight = self.weight_ih_l0
        if input.backend is not weight.backend:
            raise ValueError(
                f"{name}: {what} is on {input.device} but the weights on {weight.device}; "
                f"move one with .to(device) (model.to({input.device!r}) moves the weights)"
            )
        if input.dtype != weight.dtype:
            raise TypeError(
                f"{name}: {what}.dtype must match weight dtype: got {input.dtype!r} input and {weight.dtype!r} "
                f"weights; use input.to({weight.dtype!r}) or build the layer with that dtype"
            )
        return input

    def _check_input(self, input: Any) -> tuple[Tensor, bool]:
        """A padded input as (L, N, I) (time first), and whether it had a batch axis."""
        name = type(self).__name__
        if isinstance(input, Tensor) and input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        input = self._check_tensor(input, "input")
        batched = input.ndim == 3
        if not batched:
            return input.unsqueeze(1), False
        x = input.transpose(0, 1) if self.batch_first else input
        if x.shape[0] == 0:
            raise ValueError(f"{name}: expected a sequence of length at least 1, got input of shape {input.shape}")
        return x, True

    def _check_packed(self, input: PackedSequence) -> Tensor:
        data = input.data
        if isinstance(data, Tensor) and data.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}: a PackedSequence's data must be 2-D (total steps, input_size), "
                f"got shape {data.shape}"
            )
        return self._check_tensor(data, "input.data")

    def _split_hx(self, hx: Any) -> tuple[Any, Any]:
        """(h_0, c_0) from ``hx``: a pair for LSTM, one tensor for RNN and GRU, each None when not given."""
        name = type(self).__name__
        expected = f"({self.num_layers * self.num_directions}, batch, {self.hidden_size})"
        if not self.has_cell_state:
            if isinstance(hx, (tuple, list)):
                raise TypeError(
                    f"{name}: hx must be a Tensor of shape {expected} (or None), got {_describe(hx)}; "
                    "only LSTM takes a (h_0, c_0) pair"
                )
            return hx, None
        if hx is None:
            return None, None
        pair = isinstance(hx, (tuple, list))
        if not pair or len(hx) != 2 or any(isinstance(v, int) for v in hx):
            hint = "; sequence lengths go to pack_padded_sequence, not to hx" if pair else ""
            raise TypeError(f"{name}: hx must be a tuple (h_0, c_0) of two Tensors, got {_describe(hx)}{hint}")
        return hx[0], hx[1]

    def _check_state(self, state: Any, label: str, batched: bool, batch: int, like: Tensor, message: str) -> Tensor:
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if state is None:
            return zeros(*expected, dtype=like.dtype, device=like.backend)
        name = type(self).__name__
        if not isinstance(state, Tensor):
            hint = "; wrap it with tg.Tensor(...)" if hasattr(state, "__array__") else ""
            raise TypeError(f"{name}: {label} must be a Tensor of shape {expected}, got {_describe(state)}{hint}")
        if state.ndim != (3 if batched else 2):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise ValueError(
                f"For {kind} input, hx should also be {3 if batched else 2}-D but got {state.ndim}-D tensor"
            )
        if state.backend is not like.backend:
            raise ValueError(f"{name}: {label} is on {state.device} but the input on {like.device}; move it with .to()")
        if state.dtype != like.dtype:
            raise TypeError(
                f"{name}: Input and hidden tensors are not the same dtype: {label} is {state.dtype!r}, "
                f"the input {like.dtype!r}"
            )
        if not batched:
            state = state.unsqueeze(1)
        if state.shape != expected:
            got = state.shape if batched else (state.shape[0], state.shape[2])
            want = expected if batched else (expected[0], expected[2])
            raise ValueError(message.format(want, got))
        return state

    def _initial_states(self, hx: Any, batched: bool, batch: int, like: Tensor) -> tuple[Any, Any]:
        """h_0 (and c_0) as a tuple of (N, H) tensors, one per layer and direction."""
        h0, c0 = self._split_hx(hx)
        if self.has_cell_state:
            h0 = self._check_state(h0, "hx[0] (h_0)", batched, batch, like, "Expected hidden[0] size {}, got {}")
            c0 = self._check_state(c0, "hx[1] (c_0)", batched, batch, like, "Expected hidden[1] size {}, got {}")
        else:
            h0 = self._check_state(h0, "hx", batched, batch, like, "Expected hidden size {}, got {}")
        return h0, c0

    # --- running --------------------------------------------------------------------------
    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple[Any, Any]:
        """``output, h_n`` (LSTM: ``output, (h_n, c_n)``), as PyTorch's layer returns them.

        ``input`` is (L, N, I) ((N, L, I) with ``batch_first``), unbatched (L, I),
        or a PackedSequence; then ``output`` is a PackedSequence too, and h_n
        holds each sequence's state after its own last step, in the caller's order.
        """
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batched = self._check_packed(input), True
            sizes = input.batch_sizes.tolist()  # sequences that have step t, longest first
        else:
            x, batched = self._check_input(input)  # (L, N, I)
            sizes = [x.shape[1]] * x.shape[0]
        h0, c0 = self._initial_states(hx, batched, sizes[0], x)
        if packed and input.sorted_indices is not None:  # states come in the caller's order; the steps sorted
            h0 = h0[:, input.sorted_indices]
            c0 = None if c0 is None else c0[:, input.sorted_indices]
        with collector_paused():  # T steps of small objects and no cycles: see collector.py
            h_states, c_states = h0.unbind(0), None if c0 is None else c0.unbind(0)
            h_n, c_n = [], []
            for layer in range(self.num_layers):
                outputs = []
                for d, suffix in enumerate(self._suffixes()):
                    k = layer * self.num_directions + d
                    steps = self._project(x, sizes, layer, suffix)
                    out, h_last, c_last = self._run_direction(
                        steps, layer, suffix, h_states[k], None if c_states is None else c_states[k]
                    )
                    outputs.append(cat(out, dim=0) if packed else stack(out, dim=0))
                    h_n.append(h_last)
                    c_n.append(c_last)
                x = outputs[0] if len(outputs) == 1 else cat(outputs, dim=-1)
                if self.dropout and self.training and layer < self.num_layers - 1:
                    x = F.dropout(x, self.dropout, True)
            h_n_t = stack(h_n, dim=0)
            c_n_t = stack(c_n, dim=0) if self.has_cell_state else None
        if packed:
            output: Any = PackedSequence(x, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
            if input.unsorted_indices is not None:  # back to the caller's batch order
                h_n_t = h_n_t[:, input.unsorted_indices]
                c_n_t = None if c_n_t is None else c_n_t[:, input.unsorted_indices]
        elif not batched:
            output, h_n_t = x.squeeze(1), h_n_t.squeeze(1)
            c_n_t = None if c_n_t is None else c_n_t.squeeze(1)
        else:
            output = x.transpose(0, 1) if self.batch_first else x
        return (output, (h_n_t, c_n_t)) if self.has_cell_state else (output, h_n_t)

    def _project(self, x: Tensor, sizes: list[int], layer: int, suffix: str) -> list[Tensor]:
        """W_ih·x_t + b for every step t in one matmul, cut into the steps.

        ``x`` is (L, N, I) padded or (total steps, I) packed; step t has ``sizes[t]`` rows.
        """
        w_ih, _, b_ih, b_hh = self._weights(layer, suffix)
        with scope(layer=layer, direction="reverse" if suffix else "forward"):
            if x.ndim == 2:  # packed: the real steps of every sequence, in time order
                projected = x @ w_ih.T
            else:
                length, batch, features = x.shape
                projected = x.reshape(length * batch, features) @ w_ih.T  # W_ih·x_t for every t: one matmul
            if b_ih is not None:
                projected = projected + (b_ih if self.gates == 3 else b_ih + b_hh)
            if len(set(sizes)) == 1:  # every sequence runs every step
                projected = projected.reshape(len(sizes), sizes[0], self.gates * self.hidden_size)
                return list(projected.tag("W_ih·x_t").unbind(0))
            return list(projected.tag("W_ih·x_t").split(sizes, dim=0))

    def _run_direction(
        self, steps: list[Tensor], layer: int, suffix: str, h0: Tensor, c0: Tensor | None
    ) -> tuple[list[Tensor], Tensor, Tensor | None]:
        """One layer in one direction: the outputs of each step, and the final (h, c) of each sequence.

        ``steps[t]`` holds the projected input of the ``sizes[t]`` sequences
        that have a step t (all of them, in a padded batch). Forwards, the batch
        shrinks when sequences end, and their state is final there; backwards,
        each sequence joins at its own last step, starting from its h_0.
        """
        _, w_hh, _, b_hh = self._weights(layer, suffix)
        direction = "reverse" if suffix else "forward"
        with scope(layer=layer, direction=direction):
            w_hh_t = w_hh.T
        sizes = [s.shape[0] for s in steps]
        outputs: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
        if not suffix:
            h, c = h0, c0
            ended: list[tuple] = []  # (h, c) of sequences that have ended, the shortest first
            for t, n in enumerate(sizes):
                with scope(layer=layer, direction=direction, t=t):
                    h, c = self._step(steps[t], h, c, w_hh_t, b_hh)
                    outputs[t] = h
                    going_on = sizes[t + 1] if t + 1 < len(sizes) else n
                    if going_on < n:  # sequences going_on, ..., n−1 end at this step: their state is final
                        h, h_end = h.split([going_on, n - going_on])
                        c, c_end = (None, None) if c is None else c.split([going_on, n - going_on])
                        ended.append((h_end, c_end))
            if not ended:  # every sequence ran every step
                return outputs, h, c
            ended.append((h, c))
            h_last = cat([e[0] for e in reversed(ended)], dim=0).tag("h_n")
            c_last = None if c is None else cat([e[1] for e in reversed(ended)], dim=0).tag("c_n")
            return outputs, h_last, c_last
        h, c = h0, c0
        if sizes[-1] < h0.shape[0]:  # only the longest sequences have the last step
            h, c = h0[: sizes[-1]], None if c0 is None else c0[: sizes[-1]]
        for t in range(len(sizes) - 1, -1, -1):
            with scope(layer=layer, direction=direction, t=t):
                n = sizes[t]
                if n > h.shape[0]:  # sequences h.shape[0] .. n−1 start here, at their own last step
                    h = cat([h, h0[h.shape[0] : n]], dim=0)
                    c = None if c is None else cat([c, c0[c.shape[0] : n]], dim=0)
                h, c = self._step(steps[t], h, c, w_hh_t, b_hh)
            outputs[t] = h
        return outputs, h, c

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

    Arguments: the shared ones (see ``_RecurrentBase``), with ``nonlinearity``
    ('tanh' or 'relu') fourth, as in PyTorch.

    >>> import tinygrad_rnn as tg
    >>> output, h_n = tg.nn.RNN(3, 4, num_layers=2, bidirectional=True)(tg.zeros(7, 5, 3))
    >>> output.shape, h_n.shape
    ((7, 5, 8), (4, 5, 4))
    """

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh", *args, **kwargs
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, num_layers, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def _step(self, x_proj: Tensor, h: Tensor, c: None, w_hh_t: Tensor, b_hh: Any) -> tuple:
        return rnn_update(x_proj + h @ w_hh_t, self.nonlinearity), None

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity}")


class LSTM(_RecurrentBase):
    """LSTM, as torch.nn.LSTM: returns ``output, (h_n, c_n)``.

    Arguments: the shared ones (see ``_RecurrentBase``), and keyword-only
    ``forget_bias`` (default 0, PyTorch's initialisation), which sets the
    forget gate's total bias in every layer; 1 keeps the cell state's gradient
    alive over many more steps at the start of training.

    >>> import tinygrad_rnn as tg
    >>> output, (h_n, c_n) = tg.nn.LSTM(3, 4)(tg.zeros(7, 3))   # unbatched (L, H_in)
    >>> output.shape, h_n.shape, c_n.shape
    ((7, 4), (1, 4), (1, 4))
    """

    gates = 4
    has_cell_state = True

    def __init__(self, *args, forget_bias: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.forget_bias = forget_bias
        if forget_bias and self.bias:
            for layer in range(self.num_layers):
                for suffix in self._suffixes():
                    _, _, b_ih, b_hh = self._weights(layer, suffix)
                    set_forget_bias(b_ih, b_hh, self.hidden_size, forget_bias)

    def _step(self, x_proj: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor, b_hh: Any) -> tuple:
        return lstm_update(x_proj + h @ w_hh_t, c)


class GRU(_RecurrentBase):
    """GRU, as torch.nn.GRU (gate order r, z, n; the reset gate inside the candidate).

    Arguments: the shared ones (see ``_RecurrentBase``).

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


def _describe(value: Any) -> str:
    """A wrong argument in an error message: its type, and a short list's contents."""
    kind = type(value).__name__
    if type(value).__module__ == "numpy":
        kind = f"numpy.{kind}"
    if not isinstance(value, (tuple, list)):
        return kind
    text = repr(value)
    if len(text) <= 40:
        return f"a {kind} {text}"
    return f"a {kind} of {len(value)} ({', '.join(type(v).__name__ for v in value[:4])})"
