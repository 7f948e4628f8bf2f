"""The plot of a flow study: ‖∂L/∂s_t‖ against t for every model, on a log axis (matplotlib).

``study.flow_study`` measures; :func:`plot` draws what it measured. Two rows
of panels, so that no axis mixes two kinds of state: the tanh RNN and the GRU
(their one state, h_t) on top, the LSTM's cell state c_t at forget bias 0, 1
and 3 below; one column before training and, if the study trained, one after.

>>> from tinygrad_rnn import study, viz
>>> figure = viz.plot(study.flow_study(steps=5, hidden_size=4, forget_biases=(), batch=2))
>>> [[line.get_label().split("   ")[0] for line in ax.get_lines()] for ax in figure.axes]
[['tanh RNN', 'GRU'], ['LSTM, forget bias 1']]
"""

from __future__ import annotations

import math
import os
from typing import Any

from ..atomic import replace_file
from ..backend import np
from ..study.flow import Flow, FlowStudy

# Colours: warm for the tanh RNN, green for the GRU, blues (darker = larger forget bias) for the LSTM.
_COLOURS = {"rnn": "#d62728", "gru": "#2ca02c"}
_BLUES = ["#9ecae1", "#4292c6", "#08519c", "#08306b"]
_ROWS = (
    ("h", "tanh RNN and GRU: h_t, their one state", "‖∂L/∂h_t‖ / ‖∂L/∂h_T‖"),
    ("c", "LSTM: the cell state c_t", "‖∂L/∂c_t‖ / ‖∂L/∂c_T‖"),
)


def smallest_normal() -> float:
    """The smallest normal number of the dtype the study computed in: below it a norm has underflowed.

    >>> smallest_normal() == float(np.finfo(np.float32).tiny)     # the default dtype, float32
    True
    """
    from ..dtypes import get_default_dtype

    return float(np.finfo(get_default_dtype().name).tiny)


def measured(flow: Flow) -> tuple[Any, int]:
    """(ratio, k): ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖ with NaN where the norm underflowed, and k, the last step that did (0: none).

    A norm below the dtype's smallest normal number is not a measurement (float32
    keeps a few subnormal digits, then rounds to 0), so it is not drawn at all:
    a line that went flat along that floor would look like a gradient that stopped shrinking.
    """
    s = np.asarray(flow.carried, dtype=np.float64)
    low = np.flatnonzero(~(s >= smallest_normal()))  # also catches NaN
    k = int(low.max()) + 1 if low.size else 0
    ratio = s / s[-1] if s[-1] >= smallest_normal() else np.full_like(s, np.nan)
    ratio = ratio.copy()
    ratio[:k] = np.nan
    return ratio, k


def _ratio_label(flow: Flow, k: int) -> str:
    if k == 0:
        return f"{flow.log10_ratio():+.1f}"
    if k == len(flow.carried):
        return "underflow at every step"
    return f"underflow for t ≤ {k}"


def plot(study: FlowStudy, path: Any = None, *, dpi: int = 110) -> Any:
    """A matplotlib Figure of ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖ against t on a log axis: h on top, the LSTM's c below.

    Each line is the carried state (h for the RNN and GRU, c for the LSTM),
    normalised by its value at the last step, so its left end reads off the
    log10 ratio of the table. A column after training is added if the study
    trained. Where a norm underflowed the dtype (float32: below 1.2e-38), the
    line stops, an × marks the last measured step and the legend says
    "underflow" instead of a number. Saved to ``path`` if given (PNG, SVG, PDF).
    Uses matplotlib's Agg canvas directly: no display, no global backend change.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [("at initialisation", study.before)]
    if study.after:
        panels.append((f"after {study.train_steps} training steps on the adding problem", study.after))
    fig = Figure(figsize=(6.4 * len(panels), 7.4), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, len(panels), sharey=True, sharex=True, squeeze=False)
    t = np.arange(1, study.steps + 1)
    for column, (name, flows) in enumerate(panels):
        trained = flows is study.after
        blues = iter(_BLUES)
        for row, (state, heading, ylabel) in enumerate(_ROWS):
            ax = axes[row][column]
            for key, flow in flows.items():
                if key == "lstm" and any(k.startswith("lstm@") and flows[k] is flow for k in flows):
                    continue  # the same model as one of the lstm@b lines
                if ("h" if flow.c is None else "c") != state:
                    continue
                ratio, k = measured(flow)
                colour = _COLOURS.get(key) or next(blues, "#08306b")
                label = f"{flow.label}   ({_ratio_label(flow, k)})"
                if trained:
                    label += f"   MSE {study.mse[key]:.3f}"
                chosen = key.startswith("lstm@") and flows.get("lstm") is flow  # the --forget-bias LSTM
                ax.plot(t, ratio, color=colour, lw=3.0 if chosen else 1.8, label=label)
                if 0 < k < study.steps:  # where the gradient left float32's range
                    ax.plot([t[k]], [ratio[k]], marker="x", color=colour, ms=8, mew=2, ls="none")
            ax.set_yscale("log")
            ax.set_title(f"{heading}\n{name}", fontsize=10.5)
            ax.grid(True, which="major", alpha=0.3)
            ax.set_xlim(1, study.steps)
            if column == 0:
                ax.set_ylabel(ylabel)
            title = "log10 ratio at t = 1" + ("   adding-problem MSE" if trained else "")
            if ax.get_lines():
                ax.legend(fontsize=8.5, loc="lower right", title=title, title_fontsize=8.5)
    xlabel = "time step t  (the loss reads h_T at the right)"
    if any(measured(f)[1] for flows in (study.before, study.after or {}) for f in flows.values()):
        floor = math.log10(smallest_normal())  # −37.9 for float32
        xlabel += (
            "\n×: the last step measured. Further left the norm fell below float32's"
            f"\nsmallest normal number (10^{floor:.1f}): vanished beyond what float32 shows"
        )
    for ax in axes[-1]:
        ax.set_xlabel(xlabel, fontsize=9 if "\n" in xlabel else None)
    fig.suptitle(
        f"Gradient reaching step t from a loss at step T = {study.steps}  (H = {study.hidden_size}, seed {study.seed})",
        fontsize=12,
    )
    if path is not None:  # all at once, the format from the suffix as matplotlib picks it
        suffix = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or None
        replace_file(path, lambda f: fig.savefig(f, format=suffix), "flow plot")
    return fig
