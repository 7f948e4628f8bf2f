"""The recorded graph as plain data: ops, leaves, edges, and where each op sits in time.

Everything here reads what the engine recorded: each node's class, its
``record`` (place, name, role, shapes; see ``autograd.Record``) and its
edges. Nothing is guessed from shapes or drawn labels.

>>> import tinygrad_rnn as tg
>>> from tinygrad_rnn.study import parameter_names, walk
>>> w = tg.nn.Parameter(tg.ones(2))
>>> g = walk([(w * 3.0).sum()], parameter_names({"w": w}))
>>> [n.label for n in g.nodes], g.leaf_names[id(w)]
(['⊙', 'Σ'], 'w')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..autograd import Function, topological_order
from ..record import Record
from ..tensor import Tensor


class Place(NamedTuple):
    """Where an op sits in the picture: ``kind`` is "step" (one time step of a layer), "loop" (a layer's
    work before its loop over time), "outside" (neither) or "leaf" (a leaf tensor).

    >>> Place("step", 0, "forward", 2).lane, Place("step", 0, "forward", 2).key
    ((0, 'forward'), 'step_0_forward_2')
    """

    kind: str
    layer: int | None = None
    direction: str | None = None
    t: int | None = None  # 0-based; the docs count from 1

    @property
    def lane(self) -> tuple[int | None, str | None]:
        """(layer, direction): the row of steps this place belongs to."""
        return (self.layer, self.direction)

    @property
    def key(self) -> str:
        """A name for identifiers: ``step_0_forward_2``, ``loop_1_reverse``, ``outside``."""
        return "_".join(str(v) for v in self if v is not None)

    def previous(self) -> Place:
        """The step before this one in the order the layer ran (t+1 for the reverse direction)."""
        assert self.t is not None, "previous: only a step has one"
        return self._replace(t=self.t + 1 if self.direction == "reverse" else self.t - 1)


OUTSIDE = Place("outside")
LEAF = Place("leaf")

NO_RECORD = Record({})  # what an op recorded outside any scope, and never tagged, reads as


def record_of(node: Function) -> Record:
    """The visualiser's record of ``node`` (its place, name, role, shapes); an empty one if it has none."""
    return node.record or NO_RECORD


@dataclass
class Edge:
    """Gradient flows from ``head`` (a consumer op) to input ``index``; data from ``source`` to ``head``."""

    source: Any  # (Function, slot) or a leaf Tensor
    head: Function
    index: int

    @property
    def source_node(self) -> Function | None:
        return self.source[0] if type(self.source) is tuple else None


@dataclass
class Graph:
    """Ops in topological order, the leaves they use, and every edge between them."""

    nodes: list[Function]
    leaves: list[Tensor]
    edges: list[Edge]
    leaf_names: dict[int, str] = field(default_factory=dict)
    roots: list[Any] = field(default_factory=list)

    def users(self, node: Function) -> list[Edge]:
        """Edges that carry ``node``'s outputs to the ops that use them."""
        return self._users.get(id(node), [])

    def __post_init__(self) -> None:
        self._users: dict[int, list[Edge]] = {}
        for e in self.edges:
            owner = e.source_node
            if owner is not None:
                self._users.setdefault(id(owner), []).append(e)


def place(node: Function) -> Place:
    """Which cluster an op belongs to: a time step, the layer's work before its loop, or neither.

    >>> import tinygrad_rnn as tg
    >>> x = tg.Tensor([1.0], requires_grad=True)
    >>> with tg.scope(layer=0, t=3):
    ...     y = x.tanh()
    >>> place(y.grad_fn), place((x * 2).grad_fn)
    (Place(kind='step', layer=0, direction='forward', t=3), Place(kind='outside', layer=None, direction=None, t=None))
    """
    scope = record_of(node).place
    if "t" in scope:
        return Place("step", scope.get("layer", 0), scope.get("direction", "forward"), scope["t"])
    if "layer" in scope:
        return Place("loop", scope["layer"], scope.get("direction", "forward"))
    return OUTSIDE


def parameter_names(params: Any) -> dict[int, str]:
    """``{id(tensor): name}`` from a Module (its named_parameters) or a mapping of names to tensors."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    if not isinstance(params, Mapping):
        raise TypeError(f"draw: params must be a Module or a mapping of names to tensors, got {type(params).__name__}")
    return {id(t): name for name, t in params.items()}


def walk(roots: Sequence[Tensor], names: Mapping[int, str] | None = None) -> Graph:
    """Everything that produced ``roots``: ops (each after its inputs), leaves and edges."""
    seen: set[int] = set()
    nodes: list[Function] = []
    leaves: list[Tensor] = []
    leaf_ids: set[int] = set()
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"draw: expected a Tensor, got {type(root).__name__}")
        if root.grad_fn is None:
            continue
        for node in topological_order(root.grad_fn):
            if id(node) not in seen:
                seen.add(id(node))
                nodes.append(node)
    edges = []
    for node in nodes:
        for index, edge in enumerate(node.inputs):
            if edge is None:
                continue
            if type(edge) is not tuple and id(edge) not in leaf_ids:
                leaf_ids.add(id(edge))
                leaves.append(edge)
            edges.append(Edge(edge, node, index))
    return Graph(nodes, leaves, edges, dict(names or {}), list(roots))
