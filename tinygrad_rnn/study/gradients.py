"""Recording the gradient that flowed along every edge of the graph during ``backward``.

The engine calls a hook for each gradient it sends along an edge
(``hooks.add_edge_hook``). :class:`GradientRecord` keeps the *norm* of
each one, and the norm of the total gradient each tensor received, so a
picture drawn after ``backward`` can label edges with what actually flowed.

>>> import tinygrad_rnn as tg
>>> from tinygrad_rnn import study
>>> x = tg.Tensor([3.0, 4.0], requires_grad=True)
>>> y = (x * 2.0).sum()
>>> with study.record_gradients() as grads:
...     y.backward()
>>> grads.total(x)   # ‖∂y/∂x‖ = ‖(2, 2)‖
2.828...
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..hooks import add_edge_hook
from ..tensor import Tensor
from .graph import record_of

Source = Any  # a leaf Tensor, or (node, slot) for an output of an op


def group_key(node: Function) -> tuple:
    """Where a node sits (its layer, direction and time step), as a hashable key."""
    return tuple(sorted(record_of(node).place.items()))


def source_key(edge: Source) -> tuple:
    if type(edge) is tuple:
        return (id(edge[0]), edge[1])
    return (id(edge), -1)  # a leaf tensor


def _norm(grad: Any, xp: Any) -> Any:
    # float64: a float32 sum of squares underflows to 0 for gradients near 1e-20,
    # which is exactly the range a vanishing gradient reaches
    g = xp.astype(grad, xp.float64)
    return xp.sqrt(xp.sum(g * g))


class GradientRecord:
    """Norms of the gradients sent along each edge while it was active (see :func:`record_gradients`).

    - ``edge(node, index)``: ‖gradient node sent to its input ``index``‖;
    - ``total(source)``: ‖∂L/∂source‖, summed over every op that used it;
    - ``into(source, node)``: the part of it that came from the ops sharing ``node``'s time step.

    ``source`` is a leaf tensor, a non-leaf tensor, or an ``(node, slot)`` edge.
    Values are ``None`` for edges no gradient flowed along.
    """

    def __init__(self) -> None:
        self._edges: dict[tuple[int, int], Any] = {}
        self._totals: dict[tuple, Any] = {}
        self._parts: dict[tuple, Any] = {}
        self._pending: dict[int, list[tuple]] = {}  # node id -> source keys whose sums are still open
        self._sums: dict[tuple, tuple[Any, Any]] = {}  # open key -> (running sum, xp)
        self._keep: list[Any] = []  # ids stay unique while the record lives
        self._remove: Any = None

    # --- recording ------------------------------------------------------------------
    def __enter__(self) -> GradientRecord:
        self._remove = add_edge_hook(self._hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._remove()
        for key in list(self._sums):
            self._close(key)
        self._pending.clear()

    def _hook(self, node: Function, index: int, grad: Any) -> None:
        keys = self._pending.pop(id(node), None)
        if keys:  # node is sending gradients on, so everything sent to it has arrived
            for key in keys:
                self._close(key)
        xp = node.backend.xp
        self._keep.append(node)
        self._edges[(id(node), index)] = _norm(grad, xp)
        edge = node.inputs[index]
        source = source_key(edge)
        if type(edge) is not tuple:
            self._keep.append(edge)
        self._add(("total", source), grad, xp, edge)
        self._add(("part", source, group_key(node)), grad, xp, edge)

    def _add(self, key: tuple, grad: Any, xp: Any, edge: Source) -> None:
        if key in self._sums:
            running, _ = self._sums[key]
            self._sums[key] = (running + grad, xp)  # never in place: the engine may share arrays
            return
        self._sums[key] = (grad, xp)
        owner = id(edge[0]) if type(edge) is tuple else None
        if owner is not None:
            self._pending.setdefault(owner, []).append(key)

    def _close(self, key: tuple) -> None:
        running = self._sums.pop(key, None)
        if running is None:
            return
        value = _norm(*running)
        if key[0] == "total":
            self._totals[key[1]] = value
        else:
            self._parts[key[1:]] = value

    # --- reading --------------------------------------------------------------------
    @staticmethod
    def _as_source(source: Source) -> tuple:
        if isinstance(source, Tensor):
            return source_key(source if source.grad_fn is None else (source.grad_fn, source.output_nr))
        return source_key(source)

    def edge(self, node: Function, index: int) -> float | None:
        """‖gradient that ``node`` sent to its input number ``index``‖, or None if none flowed."""
        return _as_float(self._edges.get((id(node), index)))

    def total(self, source: Source) -> float | None:
        """‖∂L/∂source‖: everything that flowed into a tensor (or ``(node, slot)``), or None."""
        return _as_float(self._totals.get(self._as_source(source)))

    def into(self, source: Source, node: Function) -> float | None:
        """‖the part of ∂L/∂source that came from ops in the same time step as ``node``‖."""
        return _as_float(self._parts.get((self._as_source(source), group_key(node))))

    def norms(self) -> list[float]:
        """Every edge norm recorded (for a shared colour scale)."""
        return [_as_float(v) for v in self._edges.values()]

    def __len__(self) -> int:
        return len(self._edges)


def _as_float(value: Any) -> float | None:
    return None if value is None else float(value)


def record_gradients() -> GradientRecord:
    """A context manager that records the gradient norms of every ``backward`` run inside it.

    >>> import tinygrad_rnn as tg
    >>> from tinygrad_rnn import study
    >>> w = tg.Tensor([1.0, -2.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> with study.record_gradients() as grads:
    ...     loss.backward()
    >>> round(grads.edge(loss.grad_fn, 0), 3)   # the Σ node sent ones of norm √2 to w ⊙ w
    1.414
    """
    return GradientRecord()
