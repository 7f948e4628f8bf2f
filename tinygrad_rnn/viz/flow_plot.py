"""The plot of a flow study: ‖∂L/∂s_t‖ against t for every model, on a log axis (matplotlib).

``study.flow_study`` measures; :func:`plot` draws what it measured.

>>> from tinygrad_rnn import study, viz
>>> figure = viz.plot(study.flow_study(steps=5, hidden_size=4, forget_biases=(), batch=2))
>>> [line.get_label().split(":")[0] for line in figure.axes[0].get_lines()]
['tanh RNN', 'GRU', 'LSTM, forget bias 1']
"""

from __future__ import annotations

from typing import Any

from ..backend import np
from ..study.flow import FlowStudy

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
