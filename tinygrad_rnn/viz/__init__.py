"""Pictures of the gradient flow: Graphviz drawings of the unrolled graph, and gradient norms over time.

>>> from tinygrad_rnn import viz
>>> sorted(n for n in viz.__all__ if n[0].islower())[:4]
['compare', 'draw', 'gradient_flow', 'record_gradients']
"""

from .experiment import unroll
from .graph import compare, draw
from .picture import Trace
from .record import GradientRecord, record_gradients
from .render import GraphvizNotFoundError, save
from .style import LogScale

__all__ = [
    "GradientRecord", "GraphvizNotFoundError", "LogScale", "Trace", "compare", "draw", "gradient_flow",
    "record_gradients", "save", "unroll",
]
