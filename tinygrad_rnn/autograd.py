"""Recording the graph, and walking it backwards.

Every op is a :class:`Function`: ``forward`` computes arrays and saves what its
``backward`` will need. When gradients are on and an input requires grad, the
function instance becomes a node of the graph. A node points at its inputs
through *edges*: ``(node, slot)`` for a tensor made by another op, the tensor
itself for a leaf, ``None`` for a constant. Nodes never hold the intermediate
tensors they made, so after ``backward`` frees the saved arrays, the graph's
structure stays cheap to keep (the visualiser still walks it) while its memory
is gone.

>>> import tinygrad_rnn as tg
>>> x = tg.Tensor([2.0], requires_grad=True)
>>> y = x * x + x
>>> y.backward(tg.Tensor([1.0]))
>>> x.grad.tolist()
[5.0]
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from typing import Any

RELEASED = object()  # what a node's ``saved`` becomes once backward has freed it


class _State:
    grad_enabled = True
    scope: dict = {}
    edge_hooks: list = []  # called as hook(node, input_index, grad_array) during backward


state = _State()


class no_grad(contextlib.ContextDecorator):
    """Turns recording off: a context manager and a decorator, as in PyTorch.

    >>> import tinygrad_rnn as tg
    >>> with tg.no_grad():
    ...     y = tg.Tensor([1.0], requires_grad=True) * 2
    >>> y.requires_grad
    False
    """

    _enabled = False

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(state.grad_enabled)
        state.grad_enabled = self._enabled

    def __exit__(self, *exc: Any) -> None:
        state.grad_enabled = self._previous.pop()


class enable_grad(no_grad):
    """Turns recording back on inside a ``no_grad`` block."""

    _enabled = True


def is_grad_enabled() -> bool:
    return state.grad_enabled


class scope:
    """Labels every op recorded inside it with ``key=value`` pairs.

    The recurrent layers open one per layer, direction and time step, so the
    visualiser groups the graph from the record instead of guessing.

    >>> import tinygrad_rnn as tg
    >>> x = tg.Tensor([1.0], requires_grad=True)
    >>> with tg.scope(layer=0, t=3):
    ...     y = x.tanh()
    >>> y.grad_fn.scope
    {'layer': 0, 't': 3}
    """

    __slots__ = ("labels", "previous")

    def __init__(self, **labels: Any):
        self.labels = labels

    def __enter__(self) -> dict:
        self.previous = state.scope
        state.scope = {**self.previous, **self.labels}
        return state.scope

    def __exit__(self, *exc: Any) -> None:
        state.scope = self.previous


class Function:
    """One primitive op: ``forward`` on arrays, ``backward`` on output gradients.

    Subclasses set ``label`` (drawn in the graph), save arrays in ``saved`` and
    small settings in their own slots. ``backward`` gets one gradient array per
    output (``n_outputs`` of them) and returns one per input, ``None`` where the
    input needs none (``self.needs`` tells which do).
    """

    __slots__ = (
        "backend",
        "inputs",
        "needs",
        "saved",
        "out_grads",
        "scope",
        "name",
        "role",
        "shapes",
        "retained",
        "__weakref__",
    )
    label = "op"
    n_outputs = 1

    def forward(self, *arrays: Any) -> Any:
        raise NotImplementedError

    def backward(self, *grads: Any) -> tuple:
        raise NotImplementedError

    @property
    def xp(self) -> Any:
        return self.backend.xp

    @property
    def released(self) -> bool:
        return self.saved is RELEASED

    def __repr__(self) -> str:
        # getattr: a function run without recording (under no_grad) has no scope or name
        where = "".join(f" {k}={v}" for k, v in getattr(self, "scope", {}).items())
        return f"<{type(self).__name__} '{getattr(self, 'name', None) or self.label}'{where}>"


class ProductSum:
    """A gradient Σ_k a_kᵀ·g_k, kept unevaluated until something needs its value.

    A weight used at every time step (``h_{t−1} @ W``) receives one product per
    step. Summing them as they arrive costs T small matrix products and T
    additions; kept as a list, they become one large product, [a_1; …; a_T]ᵀ ·
    [g_1; …; g_T], when the weight's node is reached: the same sum, in the one
    GEMM a hand-written BPTT would use.
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


def _accumulate_leaf(tensor: Any, grad: Any, fresh: bool = False) -> None:
    """Adds ``grad`` into ``tensor.grad``; a leaf's gradient always has the leaf's dtype."""
    backend = tensor.backend
    if _leaf_hooks and tensor._node is None:
        entry = _leaf_hooks.get(id(tensor))
        if entry is not None and entry[0]() is tensor and entry[1]:
            grad, fresh = _run_hooks(entry[1], grad, backend), False
    if grad.dtype is not tensor.data.dtype and grad.dtype != tensor.data.dtype:
        grad, fresh = backend.xp.astype(grad, tensor.data.dtype), True
    if tensor.grad is None:
        # a copy unless made for this leaf alone: the same array may reach several leaves (Add passes it on)
        tensor.grad = tensor._wrap(grad if fresh else backend.copy(grad), backend)
    else:
        tensor.grad.data += grad


def topological_order(root: Function) -> list[Function]:
    """Nodes reachable from ``root``, each after every node that feeds it.

    An explicit stack instead of recursion, so graphs unrolled over tens of
    thousands of steps work.
    """
    order: list[Function] = []
    seen: set[int] = set()
    stack: list[tuple[Function, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for edge in node.inputs:
            if type(edge) is tuple and id(edge[0]) not in seen:
                stack.append((edge[0], False))
    return order


def run_backward(root: Any, gradient: Any, retain_graph: bool) -> None:
    """Pushes ``gradient`` (an array shaped like ``root``) back through the graph.

    The textbook loop: visit the nodes so that each comes after every node it
    feeds, call its ``backward`` with the gradients its outputs received, and
    send each input's gradient along its edge — summed into the parent node's
    pending gradients, or into a leaf's ``.grad``.
    """
    start = root._node
    if start is None:
        _accumulate_leaf(root, gradient)
        return
    if start.released:
        raise_released(start)
    order = topological_order(start)
    start.out_grads = [None] * start.n_outputs
    start.out_grads[root._slot] = gradient
    sums = _Sums()
    try:
        for node in reversed(order):
            grads = node.out_grads
            if grads is None:
                continue
            if node.saved is RELEASED:
                raise_released(node)
            node.out_grads = None
            grads = sums.settle(grads)
            if node.retained:
                _watch_outputs(node, grads)
            in_grads = node.backward(*grads)  # arrays in, arrays out: nothing is recorded
            for index, edge in enumerate(node.inputs):
                grad = in_grads[index]
                if edge is None or grad is None:
                    continue
                if state.edge_hooks:
                    grad = _value(grad)
                    for hook in state.edge_hooks:
                        hook(node, index, grad)
                if type(edge) is tuple:
                    sums.send(edge[0], edge[1], grad)
                else:
                    sums.send_to_leaf(edge, grad)
            if not retain_graph:
                node.saved = RELEASED
                node.retained = None
        sums.finish_leaves()
    finally:  # an error half-way must not leave gradients pending for the next backward
        for node in order:
            node.out_grads = None


class _Sums:
    """Where gradients meet: the pending sums of one backward pass.

    Two tricks keep this cheap. A sum allocated here is ours, so later
    gradients for the same slot are added into it in place (arrays that ops
    hand back may be views of other gradients, so the first sum allocates).
    And ProductSums (a weight's per-step gradients) are merged unevaluated,
    and evaluated once when their node is reached, or at the end for leaves.
    """

    __slots__ = ("owned", "leaf_products")

    def __init__(self) -> None:
        self.owned: dict[int, Any] = {}  # id → array: holding the array keeps its id from being reused
        self.leaf_products: dict[int, tuple[Any, ProductSum]] = {}

    def settle(self, grads: list) -> list:
        """A node's received gradients as plain arrays, no longer open to in-place sums."""
        for k, g in enumerate(grads):
            if type(g) is ProductSum:
                grads[k] = g.evaluate()
            elif self.owned:
                self.owned.pop(id(g), None)
        return grads

    def send(self, parent: Function, slot: int, grad: Any) -> None:
        pending = parent.out_grads
        if pending is None:
            pending = parent.out_grads = [None] * parent.n_outputs
        previous = pending[slot]
        if previous is None:
            pending[slot] = grad
        elif type(grad) is ProductSum and type(previous) is ProductSum:
            previous.absorb(grad)
        elif id(previous) in self.owned:
            previous += _value(grad)  # in place; a NumPy scalar (0-d result) rebinds instead
            pending[slot] = previous
            self.owned[id(previous)] = previous
        else:
            total = _value(previous) + _value(grad)
            self.owned[id(total)] = total
            pending[slot] = total

    def send_to_leaf(self, leaf: Any, grad: Any) -> None:
        if type(grad) is not ProductSum:
            _accumulate_leaf(leaf, grad)
        elif id(leaf) in self.leaf_products:
            self.leaf_products[id(leaf)][1].absorb(grad)
        else:
            self.leaf_products[id(leaf)] = (leaf, grad)

    def finish_leaves(self) -> None:
        for leaf, product in self.leaf_products.values():
            _accumulate_leaf(leaf, product.evaluate(), fresh=True)


def _value(grad: Any) -> Any:
    return grad.evaluate() if type(grad) is ProductSum else grad


def _watch_outputs(node: Function, grads: list) -> None:
    """Runs the hooks on a node's outputs (which may replace a gradient), then fills retained ``.grad``."""
    for slot, watch in node.retained.items():
        grad = grads[slot]
        if grad is None:
            continue
        if watch.hooks:
            grad = grads[slot] = _run_hooks(watch.hooks, grad, node.backend)
        tensor = watch.tensor() if watch.tensor is not None else None
        if tensor is not None:
            _accumulate_leaf(tensor, grad)


class OutputWatch:
    """What watches one output of a node: the tensor kept by ``retain_grad``, and gradient hooks."""

    __slots__ = ("tensor", "hooks")

    def __init__(self) -> None:
        self.tensor: Any = None  # a weak reference, so watching keeps nothing alive
        self.hooks: list[Callable] = []


class HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook away again."""

    __slots__ = ("hooks", "hook")

    def __init__(self, hooks: list, hook: Callable):
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


_leaf_hooks: dict[int, tuple[Any, list]] = {}  # id(leaf) → (weak reference, hooks)


def watch(tensor: Any) -> OutputWatch:
    """The watch of a non-leaf tensor's output slot, made on first use."""
    node = tensor._node
    if node.retained is None:
        node.retained = {}
    return node.retained.setdefault(tensor._slot, OutputWatch())


def register_hook(tensor: Any, hook: Callable) -> HookHandle:
    """Calls ``hook(grad)`` when the gradient of ``tensor`` is computed; a returned tensor replaces it."""
    if tensor._node is not None:
        hooks = watch(tensor).hooks
    else:
        key = id(tensor)
        entry = _leaf_hooks.get(key)
        if entry is None or entry[0]() is not tensor:
            entry = _leaf_hooks[key] = (weakref.ref(tensor, lambda _, key=key: _leaf_hooks.pop(key, None)), [])
        hooks = entry[1]
    hooks.append(hook)
    return HookHandle(hooks, hook)


def _run_hooks(hooks: list, grad: Any, backend: Any) -> Any:
    from .tensor import Tensor  # the tensor module imports this one

    for hook in list(hooks):
        replaced = hook(Tensor._wrap(grad, backend))
        if replaced is not None:
            grad = replaced.data if isinstance(replaced, Tensor) else replaced
    return grad


def raise_released(node: Function) -> None:
    raise RuntimeError(
        f"backward: trying to backward through the graph a second time: the saved arrays of "
        f"{node!r} were freed by the first backward. Pass retain_graph=True to the first "
        f"backward() if you need to go through the graph again."
    )


def add_edge_hook(hook: Callable[[Function, int, Any], None]) -> Callable[[], None]:
    """Calls ``hook(node, input_index, grad)`` for every gradient sent along an edge.

    Returns a function that removes the hook. The visualiser uses this to
    label edges with the gradient that actually flowed along them.
    """
    state.edge_hooks = [*state.edge_hooks, hook]

    def remove() -> None:
        state.edge_hooks = [h for h in state.edge_hooks if h is not hook]

    return remove
