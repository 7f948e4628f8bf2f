"""Studies of the gradient flow, as data: no drawing here (``tinygrad_rnn.viz`` draws what these return).

- :func:`walk` reads the recorded graph (ops, leaves, edges) and :func:`place`
  says where each op ran (a :class:`Place`: time step, loop, outside).
- :func:`record_gradients` records, during ``backward``, the norm of the
  gradient sent along every edge (a :class:`GradientRecord`).
- :func:`unroll` runs the standard experiment (seeded, loss = a random
  projection of h_T) and returns a :class:`Trace`.
- :func:`gradient_flow` measures ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) for every step;
  :func:`flow_study` compares the tanh RNN, the GRU and the LSTM (a
  :class:`FlowStudy` of :class:`Flow` records), optionally before and after
  :func:`train_adding`.

>>> from tinygrad_rnn import study
>>> trace = study.unroll("lstm", steps=3, hidden_size=4)
>>> steps = {study.place(node) for node in study.walk(trace.roots).nodes if study.place(node).kind == "step"}
>>> sorted(w.t for w in steps)
[0, 1, 2]
"""

from .experiment import CELLS, DEFAULT_FORGET_BIAS, Trace, make_layer, unroll
from .flow import DEFAULT_BIASES, Flow, FlowStudy, flow_study, gradient_flow
from .gradients import GradientRecord, record_gradients
from .graph import Edge, Graph, Place, parameter_names, place, record_of, walk
from .training import train_adding

__all__ = [
    "CELLS",
    "DEFAULT_BIASES",
    "DEFAULT_FORGET_BIAS",
    "Edge",
    "Flow",
    "FlowStudy",
    "GradientRecord",
    "Graph",
    "Place",
    "Trace",
    "flow_study",
    "gradient_flow",
    "make_layer",
    "parameter_names",
    "place",
    "record_gradients",
    "record_of",
    "train_adding",
    "unroll",
    "walk",
]
