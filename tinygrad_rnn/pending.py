"""Where gradients wait during one backward pass, and how they are summed (skip on a first reading).

The textbook sums every gradient that reaches a tensor. Two speed mechanisms
make that sum cheap, and both live here, behind one name each:

- :class:`ProductSum`: a weight used at every time step (``h_{t−1} @ W``)
  receives one product aᵀ·g per step. Kept as a list, the products become one
  large GEMM when the weight's total is needed: the one a hand-written BPTT uses.
- :class:`GradSum`: the sum of several gradients for one slot. The first
  addition allocates a new array; that array is then ours, so later gradients
  are added into it in place (the arrays ops hand back may be views of other
  gradients, so they are never written into).

>>> import numpy as np
>>> g = accumulate(accumulate(None, np.ones(2)), np.ones(2))
>>> total(g).tolist()
[2.0, 2.0]
"""

from __future__ import annotations

from typing import Any

from . import hooks
from .collector import LONG_GRAPH, collector_paused


class ProductSum:
    """A gradient Σ_k a_kᵀ·g_k, kept unevaluated until something needs its value.

    Summed as they arrive, T products cost T small GEMMs and T additions;
    kept, they become one: [a_1; …; a_T]ᵀ · [g_1; …; g_T].
    """

    __slots__ = ("xp", "lefts", "rights")

    def __init__(self, xp: Any, left: Any, right: Any):
        self.xp, self.lefts, self.rights = xp, [left], [right]

    def absorb(self, other: ProductSum) -> None:
        self.lefts += other.lefts
        self.rights += other.rights

    def evaluate(self) -> Any:
        if len(self.lefts) == 1:
            return self.lefts[0].T @ self.rights[0]
        xp = self.xp
        return xp.concat(self.lefts, axis=0).T @ xp.concat(self.rights, axis=0)


class GradSum:
    """Two or more gradients for one slot: weight products merged unevaluated, arrays added in place once ours."""

    __slots__ = ("products", "array", "owned")

    def __init__(self) -> None:
        self.products: ProductSum | None = None
        self.array: Any = None
        self.owned = False  # whether ``array`` was allocated here, and so may be added into

    def add(self, grad: Any) -> None:
        if type(grad) is ProductSum:
            if self.products is None:
                self.products = grad  # made by MatMul for this edge alone, so ours to extend
            else:
                self.products.absorb(grad)
        elif self.array is None:
            self.array = grad
        elif self.owned:
            self.array += grad  # in place (a NumPy scalar, from a 0-d result, rebinds instead)
        else:
            self.array = self.array + grad
            self.owned = True

    def total(self) -> Any:
        if self.products is None:
            return self.array
        product = self.products.evaluate()
        return product if self.array is None else product + self.array


SUMS = (GradSum, ProductSum)  # the pending kinds that are not yet one array


def accumulate(pending: Any, grad: Any) -> Any:
    """``pending + grad`` for a slot's pending gradient (None when nothing arrived yet)."""
    if pending is None:
        return grad
    if type(pending) is not GradSum:
        first, pending = pending, GradSum()
        pending.add(first)
    pending.add(grad)
    return pending


def total(pending: Any) -> Any:
    """The value of a pending gradient, as one array."""
    kind = type(pending)
    if kind is GradSum:
        return pending.total()
    if kind is ProductSum:
        return pending.evaluate()
    return pending


class PendingGrads:
    """The gradients of one backward pass that have not reached their node or leaf yet.

    A node's wait on the node (``node.out_grads``, one per output), so the loop
    needs no lookup. A leaf's gradient is added into its ``.grad`` as it
    arrives, as in PyTorch, except where the leaf's hooks must see its total
    first, or weight products wait to be merged into one GEMM: those wait
    here until ``finish_leaves``. A long pass pauses Python's collector
    (collector.py).
    """

    __slots__ = ("leaves", "edge_hooks", "nodes", "paused", "finished")

    def __init__(self, root: Any, gradient: Any, nodes: list) -> None:
        """Starts a backward pass over ``nodes`` from ``root`` (a tensor), with the gradient of the root itself."""
        self.nodes = nodes
        self.leaves: dict[int, list] = {}  # id(leaf) → [leaf, pending]; holding the leaf keeps its id unique
        self.edge_hooks = hooks.read_edge_hooks()  # the visualiser's, usually none
        self.finished = False
        node = root._node
        if node is None:  # a leaf's own backward
            self.send_to_leaf(root, gradient)
        else:
            node.out_grads = [None] * node.n_outputs
            node.out_grads[root._slot] = gradient
        self.paused = collector_paused() if len(nodes) > LONG_GRAPH else None  # last: close() resumes it
        if self.paused is not None:
            self.paused.__enter__()

    def send(self, edge: Any, grad: Any, node: Any, index: int) -> None:
        """Adds ``grad`` to what waits at the far end of ``edge`` (input ``index`` of ``node``): a slot or a leaf."""
        if self.edge_hooks:
            hooks.run_edge_hooks(self.edge_hooks, node, index, grad)
        if type(edge) is tuple:
            node, slot = edge
            waiting = node.out_grads
            if waiting is None:
                waiting = node.out_grads = [None] * node.n_outputs
            waiting[slot] = grad if waiting[slot] is None else accumulate(waiting[slot], grad)
        elif edge._hooks is None and type(grad) is not ProductSum:  # send_to_leaf's common case, written out
            edge.accumulate_grad(grad, False)
        else:
            self.send_to_leaf(edge, grad)

    def send_to_leaf(self, leaf: Any, grad: Any) -> None:
        """Into the leaf's ``.grad``, or, if its hooks want the total or a product waits for one GEMM, into waiting."""
        if leaf._hooks is None and type(grad) is not ProductSum:
            leaf.accumulate_grad(grad, False)  # an array ops hand back is copied, never kept
            return
        entry = self.leaves.get(id(leaf))
        if entry is None:
            self.leaves[id(leaf)] = [leaf, grad]
        else:
            entry[1] = accumulate(entry[1], grad)

    def take(self, node: Any) -> list | None:
        """The node's output gradients as arrays (None for an output that received none), or None if none came."""
        waiting = node.out_grads
        if waiting is None:
            return None
        node.out_grads = None
        for k, g in enumerate(waiting):
            if type(g) in SUMS:
                waiting[k] = total(g)
        return waiting

    def finish_leaves(self) -> None:
        """Adds what waited for a leaf into its ``.grad``: one GEMM per weight, after the leaf's hooks."""
        for leaf, waiting in self.leaves.values():
            fresh = type(waiting) in SUMS  # made here, held by nothing else
            grad = total(waiting)
            if leaf._hooks:  # its hooks see its total gradient, once
                grad, fresh = hooks.run_hooks(leaf._hooks, grad, leaf.backend), False
            leaf.accumulate_grad(grad, fresh)
        self.finished = True

    def close(self) -> None:
        """Ends the pass: the collector resumes, and after an error nothing is left waiting for the next pass."""
        if self.paused is not None:
            self.paused.__exit__()
        if not self.finished:
            for node in self.nodes:
                node.out_grads = None
            self.leaves.clear()
