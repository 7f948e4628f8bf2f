"""Gradient norms over time: ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖ for the LSTM) for every step, for a loss at the last.

:func:`gradient_flow` measures one layer on one input; :func:`flow_study` runs
the standard comparison (tanh RNN, GRU, and the LSTM at several forget-gate
biases, optionally before and after training on the adding problem).
``viz.plot`` draws a study; this module only measures.

>>> from tinygrad_rnn import study
>>> result = study.flow_study(steps=6, hidden_size=8, forget_biases=(0.0,), batch=2)
>>> sorted(result.before), len(result.before["rnn"].h)
(['gru', 'lstm', 'lstm@0', 'rnn'], 6)
>>> round(result.before["lstm@0"].log10_ratio(), 1) < round(result.before["lstm"].log10_ratio(), 1)  # bias 0 vs 1
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tinygrad_rnn as tg

from ..backend import np
from ..data import adding_problem
from .experiment import DEFAULT_FORGET_BIAS, check_cell, make_layer, projection_loss, title
from .gradients import record_gradients
from .graph import place, record_of, walk
from .training import train_adding

DEFAULT_BIASES = (0.0, 1.0, 3.0)


@dataclass
class Flow:
    """One model's gradient norms, index k holding step t = k + 1."""

    label: str
    h: Any  # numpy array: ‖∂L/∂h_t‖
    c: Any = None  # numpy array: ‖∂L/∂c_t‖ (LSTM only)

    @property
    def carried(self) -> Any:
        """The state on the carry path: c for the LSTM, h for the others."""
        return self.h if self.c is None else self.c

    def log10_ratio(self, state: str | None = None) -> float:
        """log10 ‖∂L/∂s_1‖ / ‖∂L/∂s_T‖ for ``state`` "h" or "c" (default: the carried state)."""
        s = self.carried if state is None else getattr(self, state)
        if s is None:
            raise ValueError(f"{self.label} has no {state} state")
        return math.log10(s[0] / s[-1]) if s[0] > 0 else -math.inf

    def as_dict(self) -> dict[str, list[float]]:
        out = {"h": [float(v) for v in self.h]}
        if self.c is not None:
            out["c"] = [float(v) for v in self.c]
        return out


def gradient_flow(layer: Any, x: tg.Tensor, *, seed: int = 0) -> dict[str, Any]:
    """‖∂L/∂h_t‖ for t = 1..T (and ‖∂L/∂c_t‖ for an LSTM) of ``layer`` on the input ``x``.

    L is a random projection of the last hidden state, seeded by ``seed``; the
    states measured are those of the top layer's forward direction. The
    parameters' ``.grad`` are left as they were.

    >>> import numpy as np
    >>> import tinygrad_rnn as tg
    >>> from tinygrad_rnn import study
    >>> x = tg.randn(5, 2, 3)
    >>> norms = study.gradient_flow(tg.nn.LSTM(3, 4), x)
    >>> sorted(norms), norms["h"].shape
    (['c', 'h'], (5,))
    """
    saved = [(p, p.grad) for p in layer.parameters()]
    for p, _ in saved:
        p.grad = None
    rng = np.random.default_rng(seed)
    loss = projection_loss(layer, x, rng)
    with record_gradients() as grads:
        loss.backward()
    for p, grad in saved:
        p.grad = grad
    steps = x.shape[0 if x.ndim == 2 or not layer.batch_first else 1]
    top = layer.num_layers - 1
    norms: dict[str, Any] = {}
    for node in walk([loss]).nodes:
        where = place(node)
        if where.kind != "step" or where.layer != top or where.direction != "forward":
            continue
        key = {"hidden state": "h", "cell state": "c"}.get(record_of(node).role or "")
        if key:
            norms.setdefault(key, np.zeros(steps))[where.t] = grads.total((node, 0)) or 0.0
    return norms


@dataclass
class FlowStudy:
    """The standard comparison, before (and after) training: a :class:`Flow` per model.

    Keys: ``"rnn"``, ``"gru"``, ``"lstm"`` (at ``forget_bias``) and ``"lstm@b"``
    for every forget bias b compared.
    """

    steps: int
    hidden_size: int
    forget_bias: float
    seed: int
    before: dict[str, Flow]
    after: dict[str, Flow] | None = None
    train_steps: int = 0
    mse: dict[str, float] = field(default_factory=dict)

    def table(self) -> list[dict[str, Any]]:
        """Rows of log10 ‖∂L/∂s_1‖/‖∂L/∂s_T‖ of the carried state, per model (and after training)."""
        rows = []
        for key, flow in self.before.items():
            row = {"model": key, "label": flow.label, "state": "h" if flow.c is None else "c"}
            row["log10_ratio"] = round(flow.log10_ratio(), 2)
            if self.after:
                row["log10_ratio_trained"] = round(self.after[key].log10_ratio(), 2)
                row["mse_trained"] = round(self.mse[key], 4)
            rows.append(row)
        return rows

    def to_json(self) -> dict[str, Any]:
        """``{"steps": N, "rnn": {"h": [...]}, "lstm": {"h": [...], "c": [...]}, "gru": {"h": [...]}, ...}``."""
        out: dict[str, Any] = {"steps": self.steps, "hidden_size": self.hidden_size, "forget_bias": self.forget_bias}
        out.update(_json_models(self.before))
        if self.after:
            out["trained"] = {"train_steps": self.train_steps, "mse": self.mse, **_json_models(self.after)}
        return out


def _json_models(flows: dict[str, Flow]) -> dict[str, Any]:
    out: dict[str, Any] = {key: flows[key].as_dict() for key in ("rnn", "lstm", "gru")}
    out["lstm_by_forget_bias"] = {k.split("@")[1]: f.as_dict() for k, f in flows.items() if "@" in k}
    return out


def _models(hidden_size: int, forget_bias: float, biases: Sequence[float], seed: int) -> dict[str, Any]:
    """``{key: (layer, label)}``; "lstm" is the same layer as "lstm@b" when b is ``forget_bias``."""
    models: dict[str, Any] = {}
    wanted = [("rnn", "rnn", None), ("gru", "gru", None)] + [(f"lstm@{b:g}", "lstm", b) for b in biases]
    for key, cell, bias in wanted + [("lstm", "lstm", forget_bias)]:
        same = f"lstm@{bias:g}" if key == "lstm" else None
        if same in models:
            models[key] = models[same]
            continue
        tg.manual_seed(seed)  # the same draw for every model: only the kind (and the forget bias) differs
        models[key] = (make_layer(check_cell(cell), hidden_size, forget_bias=bias or 0.0), title(cell, bias))
    return models


def flow_study(
    steps: int,
    *,
    hidden_size: int = 64,
    forget_bias: float = DEFAULT_FORGET_BIAS,
    forget_biases: Sequence[float] = DEFAULT_BIASES,
    batch: int = 16,
    seed: int = 0,
    train_steps: int = 0,
    progress: Any = None,
) -> FlowStudy:
    """tanh RNN, GRU and the LSTM (at ``forget_bias`` and each of ``forget_biases``) on the same input.

    With ``train_steps`` K > 0 each model (with a linear head on h_T) is then
    trained K steps on the adding problem of length ``steps`` and measured
    again. ``progress(text)`` is called as models finish, if given.
    """
    if steps < 2:
        raise ValueError(f"flow_study: steps must be at least 2, got {steps}")
    rng = np.random.default_rng(seed)
    x, _ = adding_problem(batch, steps, rng, device=tg.get_default_device())
    models = _models(hidden_size, forget_bias, forget_biases, seed)
    before: dict[str, Flow] = {}
    measured: dict[int, Flow] = {}  # a layer listed under two keys is measured once
    for key, (layer, label) in models.items():
        if id(layer) not in measured:
            norms = gradient_flow(layer, x, seed=seed)
            measured[id(layer)] = Flow(label, norms["h"], norms.get("c"))
        before[key] = measured[id(layer)]
    study = FlowStudy(steps, hidden_size, forget_bias, seed, before)
    if train_steps > 0:
        study.after, study.train_steps = {}, train_steps
        done: dict[int, tuple[float, Flow]] = {}  # a layer listed under two keys trains once
        for key, (layer, label) in models.items():
            if id(layer) not in done:
                mse = train_adding(layer, steps, train_steps, seed=seed)
                norms = gradient_flow(layer, x, seed=seed)
                done[id(layer)] = (mse, Flow(label, norms["h"], norms.get("c")))
                if progress is not None:
                    progress(f"trained {label}: adding-problem MSE {mse:.4f}")
            study.mse[key], study.after[key] = done[id(layer)]
    return study
