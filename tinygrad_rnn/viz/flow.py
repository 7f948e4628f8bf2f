"""Gradient norms over time: ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖ for the LSTM) for every step, for a loss at the last.

:func:`gradient_flow` measures one layer on one input; :func:`flow_study` runs
the standard comparison (tanh RNN, GRU, and the LSTM at several forget-gate
biases, optionally before and after training on the adding problem) and
:func:`plot` draws it.

>>> from tinygrad_rnn import viz
>>> study = viz.flow_study(steps=6, hidden_size=8, forget_biases=(0.0,), batch=2)
>>> sorted(study.before), len(study.before["rnn"].h)
(['gru', 'lstm', 'lstm@0', 'rnn'], 6)
>>> round(study.before["lstm@0"].log10_ratio(), 1) < round(study.before["lstm"].log10_ratio(), 1)  # bias 0 vs 1
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
from .record import record_gradients
from .walk import record_of, walk

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
    >>> from tinygrad_rnn import viz
    >>> x = tg.randn(5, 2, 3)
    >>> norms = viz.gradient_flow(tg.nn.LSTM(3, 4), x)
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
        scope = record_of(node).place
        if scope.get("layer") != top or scope.get("direction") != "forward" or "t" not in scope:
            continue
        key = {"hidden state": "h", "cell state": "c"}.get(record_of(node).role or "")
        if key:
            norms.setdefault(key, np.zeros(steps))[scope["t"]] = grads.total((node, 0)) or 0.0
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
        from .training import train_adding

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


# Colours: warm for the tanh RNN, green for the GRU, blues (darker = larger forget bias) for the LSTM.
_COLOURS = {"rnn": "#d62728", "gru": "#2ca02c"}
_BLUES = ["#9ecae1", "#4292c6", "#08519c", "#08306b"]


def plot(study: FlowStudy, path: Any = None, *, dpi: int = 110) -> Any:
    """A matplotlib Figure of ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖ against t on a log axis; two panels if trained.

    Each line is the carried state (h for the RNN and GRU, c for the LSTM),
    normalised by its value at the last step, so its left end reads off the
    log10 ratio of the table. Saved to ``path`` if given (PNG, SVG, PDF).
    Uses matplotlib's Agg canvas directly: no display, no global backend change.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [("at initialisation", study.before)]
    if study.after:
        panels.append((f"after {study.train_steps} training steps on the adding problem", study.after))
    fig = Figure(figsize=(6.4 * len(panels), 4.6), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    t = np.arange(1, study.steps + 1)
    for ax, (name, flows) in zip(axes, panels):
        trained = flows is study.after
        blues = iter(_BLUES)
        for key, flow in flows.items():
            if key == "lstm" and any(k.startswith("lstm@") and flows[k] is flow for k in flows):
                continue  # the same model as one of the lstm@b lines
            s = flow.carried
            ratio = flow.log10_ratio()
            colour = _COLOURS.get(key) or next(blues, "#08306b")
            state = "h" if flow.c is None else "c"
            label = f"{flow.label}: {state}   ({ratio:+.1f})"
            if trained:
                label += f"   MSE {study.mse[key]:.3f}"
            chosen = key.startswith("lstm@") and flows.get("lstm") is flow  # the --forget-bias LSTM
            ax.plot(t, s / s[-1], color=colour, lw=3.0 if chosen else 1.8, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("time step t  (the loss reads h_T at the right)")
        ax.set_title(name, fontsize=11)
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xlim(1, study.steps)
        heading = "state   (log10 ratio at t = 1)" + ("   adding-problem MSE" if trained else "")
        ax.legend(fontsize=8.5, loc="lower right", title=heading, title_fontsize=8.5)
    axes[0].set_ylabel("‖∂L/∂s_t‖ / ‖∂L/∂s_T‖")
    fig.suptitle(
        f"Gradient reaching step t from a loss at step T = {study.steps}  (H = {study.hidden_size}, seed {study.seed})",
        fontsize=12,
    )
    if path is not None:
        fig.savefig(path)
    return fig
