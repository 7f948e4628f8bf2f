"""``draw`` and ``compare``: Graphviz pictures of the unrolled graph and the gradient that flowed through it.

>>> import tinygrad_rnn as tg
>>> from tinygrad_rnn import viz
>>> tg.manual_seed(0)
>>> lstm = tg.nn.LSTM(2, 3, forget_bias=1.0)
>>> output, (h_n, c_n) = lstm(tg.randn(4, 1, 2))
>>> loss = h_n.sum()
>>> with viz.record_gradients() as grads:
...     loss.backward()
>>> picture = viz.draw(loss, grads=grads, params=lstm)     # a graphviz.Digraph
>>> picture.source.count("label=\\"t = ")                   # one cluster per time step
4
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import graphviz

from ..study.experiment import Trace
from ..study.gradients import GradientRecord
from .layout import Diagram
from .legend import legend_label
from .picture import Picture
from .style import LogScale

DETAILS = ("op", "cell")
FONT = "Helvetica,Arial,DejaVu Sans,sans-serif"


def _as_trace(output: Any, grads: GradientRecord | None, params: Any, title: str | None) -> Trace:
    if isinstance(output, Trace):
        return Trace(
            output.output,
            output.grads if grads is None else grads,
            output.params if params is None else params,
            output.title if title is None else title,
        )
    return Trace(output, grads, params, title)


def _digraph(name: str) -> Diagram:
    g = Diagram(name)
    g.attr(rankdir="LR", fontname=FONT, newrank="true", nodesep="0.18", ranksep="0.3", compound="true")
    g.attr("node", fontname=FONT, fontsize="12", height="0.3", margin="0.06,0.03")
    g.attr("edge", fontname=FONT, arrowsize="0.6")
    return g


def _check_detail(detail: str) -> None:
    if detail not in DETAILS:
        raise ValueError(f"draw: detail must be 'op' (every primitive) or 'cell' (one box per step), got {detail!r}")


def fixed_scale(scale: LogScale | float | None) -> LogScale | None:
    """``scale`` as a :class:`LogScale`: a number is the bottom of a fixed scale that ends at 1.

    >>> fixed_scale(1e-10).low, fixed_scale(None) is None
    (-10, True)
    """
    if scale is None or isinstance(scale, LogScale):
        return scale
    if isinstance(scale, bool) or not isinstance(scale, int | float):
        raise TypeError(f"scale must be a LogScale or a number such as 1e-10 (its bottom), got {type(scale).__name__}")
    if not 0 < scale < 1:
        raise ValueError(f"scale: a number is the bottom of a fixed scale up to 1, so in (0, 1); got {scale!r}")
    return LogScale.fixed(scale, 1.0)


def shared_scale(traces: Sequence[Trace]) -> LogScale:
    """One colour scale spanning every gradient recorded in ``traces``."""
    norms: list[float | None] = []
    for t in traces:
        if t.grads is not None:
            norms.extend(t.grads.norms())
    return LogScale(norms)


def draw(
    output: Any,
    detail: str = "op",
    *,
    grads: GradientRecord | None = None,
    params: Any = None,
    shapes: bool = False,
    scale: LogScale | float | None = None,
    title: str | None = None,
    legend: bool = True,
    wrap: int | None = None,
) -> Diagram:
    """A ``graphviz.Digraph`` (a :class:`Diagram`) of the graph that produced ``output``: a Tensor, a list of them,
    or a :class:`Trace`.

    - ``detail="op"`` draws every primitive; ``"cell"`` one box per cell step.
    - ``grads``: a :class:`GradientRecord` filled during ``backward``; edges then
      carry the norm of the gradient that flowed along them, in colour and width.
    - ``params``: a Module or a ``{name: tensor}`` mapping, to name the parameters.
    - ``shapes=True`` writes each op's output shape under it (recorded only by a forward run inside
      ``tinygrad_rnn.record.record_shapes()``, as ``viz.unroll`` runs it).
    - ``scale``: a :class:`LogScale` to share colours with other pictures, or a number such as ``1e-10``:
      a fixed scale from that norm up to 1, the same in every picture drawn with it (default: a scale
      spanning this picture's own gradients).
    - ``wrap``: at cell detail, start a new row every ``wrap`` steps (default:
      rows of 20 once there are more than 30 steps).

    It shows inline in Jupyter and ``viz.save(picture, "lstm.svg")`` writes a file, both with the carry path
    on top (``layout.render``); graphviz's own ``.render()`` and ``.pipe()`` draw dot's layout unchanged.
    """
    _check_detail(detail)
    trace = _as_trace(output, grads, params, title)
    scale = fixed_scale(scale) or shared_scale([trace])
    g = _digraph("tinygrad_rnn")
    picture = Picture(trace, detail, scale, shapes, prefix="")
    picture.draw(g, _row_length(picture, wrap))
    g.attr(label=legend_label([picture], scale, trace.title, show_scale=legend), labelloc="t", labeljust="l")
    return g


def _row_length(picture: Picture, wrap: int | None) -> int | None:
    if wrap is not None:
        if wrap < 1:
            raise ValueError(f"draw: wrap must be a positive number of steps per row, got {wrap}")
        return wrap
    longest = max((sum(1 for w in picture.steps if w.lane == lane) for lane in picture.lanes), default=0)
    return 20 if picture.detail == "cell" and longest > 30 else None


def compare(
    traces: Sequence[Trace],
    detail: str = "cell",
    *,
    shapes: bool = False,
    legend: bool = True,
    wrap: int | None = None,
    scale: LogScale | float | None = None,
) -> Diagram:
    """Several traces (e.g. RNN, LSTM and GRU on the same input) in one picture, on one colour scale.

    Each trace is a cluster titled by its ``title``; they stack top to bottom
    with time steps aligned left to right. ``scale`` as for :func:`draw`
    (default: one scale spanning every trace's gradients).
    """
    _check_detail(detail)
    if not traces:
        raise ValueError("compare: expected at least one Trace")
    traces = [_as_trace(t, None, None, None) for t in traces]
    scale = fixed_scale(scale) or shared_scale(traces)
    g = _digraph("compare")
    pictures = [Picture(t, detail, scale, shapes, prefix=f"m{k}_", nested=True) for k, t in enumerate(traces)]
    for k, picture in reversed(list(enumerate(pictures))):  # dot stacks the first-declared at the bottom
        sub = graphviz.Digraph(name=f"cluster_m{k}")
        sub.attr(label=picture.trace.title or f"model {k + 1}", fontsize="16", style="rounded", color="#666666")
        picture.draw(sub, _row_length(picture, wrap))
        g.subgraph(sub)
    g.attr(label=legend_label(pictures, scale, None, show_scale=legend), labelloc="t", labeljust="l")
    return g
