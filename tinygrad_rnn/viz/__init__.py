"""Pictures of the gradient flow: Graphviz drawings of the unrolled graph, and gradient norms over time.

``viz`` draws; ``tinygrad_rnn.study`` measures (its names are re-exported
here, where the docs and notebooks use them).

- :func:`record_gradients` records, during ``backward``, the norm of the
  gradient sent along every edge; :func:`draw` and :func:`compare` turn the
  graph (and those norms) into a ``graphviz.Digraph``; :func:`save` writes it.
- :func:`gradient_flow` measures ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) for every step;
  :func:`flow_study` compares the tanh RNN, the GRU and the LSTM, and
  :func:`plot` draws the result with matplotlib.
- :func:`explore` writes one self-contained HTML page with controls to move
  through the gradient flow (cell, forget bias, T, hidden size).
- :func:`unroll` runs the standard experiment (seeded, loss = a random
  projection of h_T) and returns a :class:`Trace` ready to draw.

>>> from tinygrad_rnn import viz
>>> trace = viz.unroll("lstm", steps=3, hidden_size=4)
>>> picture = viz.draw(trace, "cell")            # viz.save(picture, "lstm.svg") writes it
>>> picture.source.count("LSTM</B>")              # one box per step
3
"""

from ..study import Flow, FlowStudy, GradientRecord, Trace, flow_study, gradient_flow, record_gradients, unroll
from .explore import explore
from .flow_plot import plot
from .render import GraphvizNotFoundError, save
from .style import LogScale

try:
    from .graph import compare, draw
except ImportError as _missing:  # the graphviz package; measuring and plotting work without it
    _reason = str(_missing)

    def draw(*args: object, **kwargs: object) -> None:
        raise ImportError(f"viz.draw needs the graphviz package: pip install 'tinygrad_rnn[viz]' ({_reason})")

    compare = draw

__all__ = [
    "Flow",
    "FlowStudy",
    "GradientRecord",
    "GraphvizNotFoundError",
    "LogScale",
    "Trace",
    "compare",
    "draw",
    "explore",
    "flow_study",
    "gradient_flow",
    "plot",
    "record_gradients",
    "save",
    "unroll",
]
