"""The floor: RNN, LSTM and GRU forward and hand-derived BPTT in plain array code, no autograd.

What any framework must at least do for one training step, written the way a
careful person would by hand:

- the input projection of all time steps is one GEMM before the loop;
- each step makes one recurrent GEMM for all gates;
- each weight gradient is one GEMM after the loop, over all time steps;
- the elementwise work runs in place in buffers allocated once per call.

The arrays follow PyTorch: input ``x`` is (T, B, I); parameters are
``weight_ih`` (G·H, I), ``weight_hh`` (G·H, H), ``bias_ih`` and ``bias_hh``
(G·H,), with gate order i, f, g, o (LSTM) and r, z, n (GRU, the reset gate
inside the candidate: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))).

``xp`` is the array module (``numpy`` or ``cupy``); the dtype is the input's,
so the float64 tests and the float32 benchmark run the same code.

>>> import numpy as np
>>> x = np.zeros((3, 2, 4), np.float32)
>>> params = init_params("gru", 4, 5, np.random.default_rng(0))
>>> out, tape = forward("gru", x, params)
>>> out.shape, out.dtype
((3, 2, 5), dtype('float32'))
>>> sorted(backward(tape, params))
['bias_hh', 'bias_ih', 'h0', 'weight_hh', 'weight_ih']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

GATES = {"lstm": 4, "gru": 3, "rnn": 1}
PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


@dataclass
class Tape:
    """What the forward pass keeps for the backward pass."""

    cell: str
    xp: Any
    x: Any  # (T, B, I)
    h: Any  # (T+1, B, H): h[0] = h_0, h[t+1] = h_t
    acts: Any = None  # LSTM: activated gates (T, B, 4H); GRU: r, z, n (T, B, 3H)
    c: Any = None  # LSTM: (T+1, B, H) cell states
    tanh_c: Any = None  # LSTM: tanh(c_t), (T, B, H)
    gh_n: Any = None  # GRU: W_hn h_{t-1} + b_hn, (T, B, H)


def init_params(cell: str, input_size: int, hidden_size: int, rng: np.random.Generator, dtype: Any = np.float32):
    """PyTorch's initialisation, uniform in ±1/√H, as NumPy arrays named like one layer's parameters."""
    bound = 1.0 / np.sqrt(hidden_size)
    rows = GATES[cell] * hidden_size
    shapes = {
        "weight_ih": (rows, input_size),
        "weight_hh": (rows, hidden_size),
        "bias_ih": (rows,),
        "bias_hh": (rows,),
    }
    return {name: rng.uniform(-bound, bound, shape).astype(dtype) for name, shape in shapes.items()}


def _sigmoid_(a: Any, xp: Any) -> None:
    """σ(a) in place, as 0.5·tanh(0.5·a) + 0.5: stable, no exp overflow."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _states(xp: Any, x: Any, hidden: int, init: Any) -> Any:
    """A (T+1, B, H) buffer whose first row is the initial state (zeros by default)."""
    length, batch, _ = x.shape
    buf = xp.empty((length + 1, batch, hidden), dtype=x.dtype)
    if init is None:
        buf[0] = 0
    else:
        buf[0] = init
    return buf


def _project(xp: Any, x: Any, w_ih: Any, bias: Any) -> Any:
    """W_ih·x_t + bias for every t in one GEMM: (T, B, G·H)."""
    length, batch, features = x.shape
    out = xp.matmul(x.reshape(length * batch, features), w_ih.T).reshape(length, batch, w_ih.shape[0])
    out += bias
    return out


def forward(cell: str, x: Any, params: dict, h0: Any = None, c0: Any = None, xp: Any = np) -> tuple[Any, Tape]:
    """Runs one layer over x (T, B, I); returns the outputs h_1..h_T (T, B, H) and the tape."""
    if cell == "lstm":
        return _lstm_forward(xp, x, params, h0, c0)
    if cell == "gru":
        return _gru_forward(xp, x, params, h0)
    if cell == "rnn":
        return _rnn_forward(xp, x, params, h0)
    raise ValueError(f"forward: unknown cell {cell!r}; expected one of {', '.join(GATES)}")


def backward(tape: Tape, params: dict, grad_output: Any = None, input_grad: bool = False) -> dict:
    """BPTT: gradients of sum(grad_output ⊙ outputs) (of sum(outputs) when grad_output is None).

    Returns the gradient of every parameter by name, of ``h0`` (and ``c0``
    for the LSTM) and, with ``input_grad``, of ``input``.
    """
    run = {"lstm": _lstm_backward, "gru": _gru_backward, "rnn": _rnn_backward}[tape.cell]
    return run(tape.xp, tape, params, grad_output, input_grad)


def train_step(cell: str, x: Any, params: dict, xp: Any = np) -> dict:
    """The benchmark's workload: forward over T steps, loss = sum of all h_t, backward."""
    _, tape = forward(cell, x, params, xp=xp)
    return backward(tape, params)


def _add_output_grad(dh: Any, grad_output: Any, t: int) -> None:
    if grad_output is None:
        dh += 1  # d(sum of all h_t)/dh_t
    else:
        dh += grad_output[t]


def _weight_grads(xp: Any, tape: Tape, d_ih: Any, d_hh: Any, params: dict, input_grad: bool) -> dict:
    """All four parameter gradients (and the input's) as one GEMM or reduction each, after the loop."""
    length, batch, features = tape.x.shape
    rows = d_ih.shape[-1]
    d_ih2 = d_ih.reshape(length * batch, rows)
    d_hh2 = d_hh.reshape(length * batch, rows)
    bias_ih = d_ih2.sum(axis=0)
    grads = {
        "weight_ih": xp.matmul(d_ih2.T, tape.x.reshape(length * batch, features)),
        "weight_hh": xp.matmul(d_hh2.T, tape.h[:length].reshape(length * batch, -1)),
        "bias_ih": bias_ih,
        # LSTM and RNN add both biases before the nonlinearity: their gradients are equal
        "bias_hh": bias_ih.copy() if d_hh is d_ih else d_hh2.sum(axis=0),
    }
    if input_grad:
        grads["input"] = xp.matmul(d_ih2, params["weight_ih"]).reshape(length, batch, features)
    return grads


# --- LSTM ---------------------------------------------------------------------------------------


def _lstm_forward(xp: Any, x: Any, p: dict, h0: Any, c0: Any) -> tuple[Any, Tape]:
    length, batch, _ = x.shape
    hidden = p["weight_hh"].shape[1]
    acts = _project(xp, x, p["weight_ih"], p["bias_ih"] + p["bias_hh"])  # becomes the activated gates
    h = _states(xp, x, hidden, h0)
    c = _states(xp, x, hidden, c0)
    tanh_c = xp.empty((length, batch, hidden), dtype=x.dtype)
    w_hh_t = p["weight_hh"].T
    rec = xp.empty((batch, 4 * hidden), dtype=x.dtype)
    tmp = xp.empty((batch, hidden), dtype=x.dtype)
    H = hidden
    for t in range(length):
        a = acts[t]
        xp.matmul(h[t], w_hh_t, out=rec)
        a += rec
        _sigmoid_(a[:, : 2 * H], xp)  # i and f sit side by side
        xp.tanh(a[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])
        _sigmoid_(a[:, 3 * H :], xp)
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        xp.multiply(f, c[t], out=c[t + 1])
        xp.multiply(i, g, out=tmp)
        c[t + 1] += tmp
        xp.tanh(c[t + 1], out=tanh_c[t])
        xp.multiply(o, tanh_c[t], out=h[t + 1])
    return h[1:], Tape("lstm", xp, x, h, acts=acts, c=c, tanh_c=tanh_c)


def _lstm_backward(xp: Any, tape: Tape, p: dict, grad_output: Any, input_grad: bool) -> dict:
    length, batch, _ = tape.x.shape
    H = tape.h.shape[2]
    w_hh = p["weight_hh"]
    dacts = xp.empty_like(tape.acts)
    dh = xp.zeros((batch, H), dtype=tape.x.dtype)  # dL/dh_t arriving from step t+1
    dc = xp.zeros((batch, H), dtype=tape.x.dtype)  # dL/dc_t arriving from step t+1
    tmp = xp.empty((batch, H), dtype=tape.x.dtype)
    for t in range(length - 1, -1, -1):
        _add_output_grad(dh, grad_output, t)
        a, d = tape.acts[t], dacts[t]
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        di, df, dg, do = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
        tc = tape.tanh_c[t]
        # do = dh·tanh(c_t)·o(1−o)
        xp.multiply(dh, tc, out=do)
        xp.subtract(1, o, out=tmp)
        tmp *= o
        do *= tmp
        # dc += dh·o·(1 − tanh²(c_t))
        xp.multiply(tc, tc, out=tmp)
        xp.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= dh
        dc += tmp
        # di = dc·g·i(1−i)
        xp.multiply(dc, g, out=di)
        xp.subtract(1, i, out=tmp)
        tmp *= i
        di *= tmp
        # df = dc·c_{t−1}·f(1−f)
        xp.multiply(dc, tape.c[t], out=df)
        xp.subtract(1, f, out=tmp)
        tmp *= f
        df *= tmp
        # dg = dc·i·(1−g²)
        xp.multiply(g, g, out=tmp)
        xp.subtract(1, tmp, out=tmp)
        tmp *= i
        xp.multiply(dc, tmp, out=dg)
        dc *= f  # dL/dc_{t−1}
        xp.matmul(d, w_hh, out=dh)  # dL/dh_{t−1}: one GEMM for all four gates
    grads = _weight_grads(xp, tape, dacts, dacts, p, input_grad)
    grads["h0"], grads["c0"] = dh, dc
    return grads


# --- GRU ----------------------------------------------------------------------------------------


def _gru_forward(xp: Any, x: Any, p: dict, h0: Any) -> tuple[Any, Tape]:
    length, batch, _ = x.shape
    H = p["weight_hh"].shape[1]
    acts = _project(xp, x, p["weight_ih"], p["bias_ih"])  # becomes r, z, n
    h = _states(xp, x, H, h0)
    gh_n = xp.empty((length, batch, H), dtype=x.dtype)
    w_hh_t, b_hh = p["weight_hh"].T, p["bias_hh"]
    gh = xp.empty((batch, 3 * H), dtype=x.dtype)
    tmp = xp.empty((batch, H), dtype=x.dtype)
    for t in range(length):
        a = acts[t]
        xp.matmul(h[t], w_hh_t, out=gh)
        gh += b_hh
        rz = a[:, : 2 * H]
        rz += gh[:, : 2 * H]
        _sigmoid_(rz, xp)
        r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
        gh_n[t] = gh[:, 2 * H :]
        xp.multiply(r, gh_n[t], out=tmp)
        n += tmp
        xp.tanh(n, out=n)
        # h_t = (1−z)·n + z·h_{t−1} = n + z·(h_{t−1} − n)
        xp.subtract(h[t], n, out=tmp)
        tmp *= z
        xp.add(n, tmp, out=h[t + 1])
    return h[1:], Tape("gru", xp, x, h, acts=acts, gh_n=gh_n)


def _gru_backward(xp: Any, tape: Tape, p: dict, grad_output: Any, input_grad: bool) -> dict:
    length, batch, _ = tape.x.shape
    H = tape.h.shape[2]
    w_hh = p["weight_hh"]
    d_ih = xp.empty_like(tape.acts)  # dL/d(W_i x + b_i) for r, z, n
    d_hh = xp.empty_like(tape.acts)  # dL/d(W_h h + b_h) for r, z, n
    dh = xp.zeros((batch, H), dtype=tape.x.dtype)
    tmp = xp.empty((batch, H), dtype=tape.x.dtype)
    rec = xp.empty((batch, H), dtype=tape.x.dtype)
    for t in range(length - 1, -1, -1):
        _add_output_grad(dh, grad_output, t)
        a, d, dhh = tape.acts[t], d_ih[t], d_hh[t]
        r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
        dr, dz, dn = d[:, :H], d[:, H : 2 * H], d[:, 2 * H :]
        # dn = dh·(1−z)·(1−n²)
        xp.subtract(1, z, out=tmp)
        tmp *= dh
        xp.multiply(n, n, out=dn)
        xp.subtract(1, dn, out=dn)
        dn *= tmp
        # dz = dh·(h_{t−1} − n)·z(1−z)
        xp.subtract(tape.h[t], n, out=dz)
        dz *= dh
        xp.subtract(1, z, out=tmp)
        tmp *= z
        dz *= tmp
        # the hidden side of n is scaled by r; r's gradient comes through it
        xp.multiply(dn, r, out=dhh[:, 2 * H :])
        xp.multiply(dn, tape.gh_n[t], out=dr)
        xp.subtract(1, r, out=tmp)
        tmp *= r
        dr *= tmp
        dhh[:, : 2 * H] = d[:, : 2 * H]
        # dL/dh_{t−1} = dh·z + (dL/d gh)·W_hh
        dh *= z
        xp.matmul(dhh, w_hh, out=rec)
        dh += rec
    grads = _weight_grads(xp, tape, d_ih, d_hh, p, input_grad)
    grads["h0"] = dh
    return grads


# --- tanh RNN -----------------------------------------------------------------------------------


def _rnn_forward(xp: Any, x: Any, p: dict, h0: Any) -> tuple[Any, Tape]:
    length = x.shape[0]
    H = p["weight_hh"].shape[1]
    pre = _project(xp, x, p["weight_ih"], p["bias_ih"] + p["bias_hh"])
    h = _states(xp, x, H, h0)
    w_hh_t = p["weight_hh"].T
    for t in range(length):
        xp.matmul(h[t], w_hh_t, out=h[t + 1])
        h[t + 1] += pre[t]
        xp.tanh(h[t + 1], out=h[t + 1])
    return h[1:], Tape("rnn", xp, x, h)


def _rnn_backward(xp: Any, tape: Tape, p: dict, grad_output: Any, input_grad: bool) -> dict:
    length, batch, _ = tape.x.shape
    H = tape.h.shape[2]
    w_hh = p["weight_hh"]
    dpre = xp.empty((length, batch, H), dtype=tape.x.dtype)
    dh = xp.zeros((batch, H), dtype=tape.x.dtype)
    for t in range(length - 1, -1, -1):
        _add_output_grad(dh, grad_output, t)
        d = dpre[t]
        # d = dh·(1 − h_t²)
        xp.multiply(tape.h[t + 1], tape.h[t + 1], out=d)
        xp.subtract(1, d, out=d)
        d *= dh
        xp.matmul(d, w_hh, out=dh)
    grads = _weight_grads(xp, tape, dpre, dpre, p, input_grad)
    grads["h0"] = dh
    return grads
