"""Recording the graph, and walking it backwards.

Every op is a :class:`Function`: ``forward`` computes arrays and keeps what
its ``backward`` will need; ``Op.apply(tensors...)`` runs it. When gradients
are on and an input requires grad, the function instance becomes a node of
the graph. A node points at its inputs through *edges*: ``(node, slot)`` for
a tensor made by another op, the tensor itself for a leaf, ``None`` for a
constant. Nodes never hold the intermediate tensors they made, so after
``backward`` frees what they kept, the graph's structure stays cheap to keep
(the visualiser still walks it) while its memory is gone.

>>> import tinygrad_rnn as tg
>>> x = tg.Tensor([2.0], requires_grad=True)
>>> y = x * x + x
>>> y.backward(tg.Tensor([1.0]))
>>> x.grad.tolist()
[5.0]
"""

from __future__ import annotations

from typing import Any

from . import hooks
from .grad_mode import enable_grad, grad_enabled, is_grad_enabled, no_grad, read_grad_enabled  # noqa: F401 (the public names)
from .pending import PendingGrads
from .record import KEEP_SHAPES, Record, current_record, read_current_record, record_shapes, scope  # noqa: F401 (the public names)

RELEASED = object()  # what a node's ``saved`` becomes once backward has freed it
EMIT = object()  # on topological_order's stack: the node below it comes next in the order


class Function:
    """One op: ``forward`` on arrays and ``backward`` on gradients, side by side. ``Op.apply`` runs it.

    ``forward`` gets the inputs' backend arrays (numbers and settings as they
    are), keeps what ``backward`` needs on ``self``, and returns an array (or
    a tuple of arrays). ``backward`` gets one gradient per output and returns
    one per input (a bare array for a single input), ``None`` where
    ``self.needs_input_grad`` says the input needs none.

    >>> import tinygrad_rnn as tg
    >>> class Cube(tg.Function):
    ...     def forward(self, x):          # backend arrays in, array out
    ...         self.x = x                 # keep what backward needs
    ...         return x * x * x
    ...     def backward(self, g):         # gradient arrays in, one per input out
    ...         return 3 * self.x * self.x * g
    >>> t = tg.Tensor([2.0], requires_grad=True)
    >>> Cube.apply(t).backward()
    >>> t.grad.tolist()
    [12.0]
    """

    __slots__ = (
        "backend",  # the inputs' backend: ``self.xp`` is its array namespace
        "inputs",  # one edge per input: (node, slot), a leaf tensor, or None
        "needs_input_grad",  # one bool per input
        "n_outputs",
        "saved",  # what built-in ops keep for backward; RELEASED once freed
        "versions",  # the version counters of the constant inputs (a leaf's edge holds its own)
        "out_versions",  # slot → version counter of each output that has one so far (see tensor.Version), or None
        "changes_seen",  # Version.changes[0] when recorded: a counter stamped later was changed after this op ran
        "out_grads",  # during backward: the gradients waiting for this node's outputs
        "watch",  # hooks and retained gradients of the outputs (hooks.py), usually None
        "record",  # the visualiser's Record, or None
        "__weakref__",
    )
    label = "op"  # drawn in the graph
    views_input = False  # its output is a view of its first input's array: both share one version counter

    def forward(self, *arrays: Any, **settings: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, *grads: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.backward")

    @property
    def xp(self) -> Any:
        return self.backend.xp

    @property
    def released(self) -> bool:
        return self.saved is RELEASED

    @classmethod
    def apply(cls, *inputs: Any, **settings: Any) -> Any:
        """Runs ``forward`` on the inputs' arrays and, when a gradient will be wanted, records the call.

        Tensors in, a tensor (or a tuple of them) out. Inputs that are not
        tensors (numbers, settings passed positionally) reach ``forward`` as
        they are and become constants of the graph.
        """
        if len(inputs) == 2 and not settings:  # the same steps, written out for one or two tensors: fast_apply.py
            a, b = inputs
            if type(a) is Tensor and type(b) is Tensor:
                out = apply_tensors(cls, a, b)
                if out is not None:  # None: two dtypes, for the general path
                    return out
        elif len(inputs) == 1 and not settings and type(inputs[0]) is Tensor:
            return apply_tensors(cls, inputs[0])
        fn = new_instance(cls)
        fn.saved = None
        fn.backend, arrays, wanted = input_arrays(cls, inputs)
        out = fn.forward(*arrays, **settings)
        if not (wanted and read_grad_enabled()):  # no gradient will be asked of this call: nothing to record
            return fn.constant_outputs(out, inputs)
        fn.inputs, fn.needs_input_grad, fn.versions = input_edges(inputs)
        return fn.recorded_outputs(out)

    def recorded_outputs(self, out: Any) -> Any:
        """The tensors around forward's array(s), pointing at this node, which starts waiting for its backward."""
        self.changes_seen = Version.changes[0]
        self.out_grads = self.watch = None
        self.record = read_current_record()  # where it ran (see record.py), usually None
        if self.record is not None and self.record.shapes is KEEP_SHAPES:  # a picture will print the shapes
            shapes = tuple(o.shape for o in (out if type(out) is tuple else (out,)))
            self.record = Record(self.record.place, shapes=shapes)
        self.out_versions = None  # an output's counter joins when it is made (Version.of)
        backend = self.backend  # ToDevice's forward sets it to the target device
        if type(out) is not tuple:
            self.n_outputs = 1
            return Tensor._make(out, backend, True, self, 0)
        self.n_outputs = len(out)
        return tuple([Tensor._make(o, backend, True, self, slot) for slot, o in enumerate(out)])

    def constant_outputs(self, out: Any, inputs: tuple) -> Any:
        """The tensors around forward's array(s), when the call is not recorded."""
        single = type(out) is not tuple
        made = tuple([Tensor._make(o, self.backend, False, None, 0) for o in ((out,) if single else out)])
        if self.views_input:  # a view of the input's array: one version counter for both, as in PyTorch
            counter = Version.of(inputs[0])
            for t in made:
                t._version = counter
        return made[0] if single else made

    def check_saved(self) -> None:
        """Backward reads what forward kept: it must still be there, and unchanged."""
        if self.saved is RELEASED:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time: what {self!r} kept "
                f"was freed by the first backward. Pass retain_graph=True to the first "
                f"backward() if you need to go through the graph again."
            )
        if Version.changes[0] == self.changes_seen:
            return  # no tensor at all was changed in place since this op ran
        for counter in self.watched_counters():
            if counter[2] > self.changes_seen:
                raise RuntimeError(
                    f"backward: one of the arrays {self!r} needs for its gradient has been modified by an "
                    f"in-place operation after the op ran: it is now at version {counter[0]}. "
                    f"Change it out of place, or run backward before changing it."
                )

    def watched_counters(self) -> list:
        """The version counters of what this op used and made (made now where missing: those never changed)."""
        counters = list(self.versions)  # the constants'
        for edge in self.inputs:
            if type(edge) is tuple:  # another op's output, or a view that shares a changed array's counter
                counters.append(Version.of_output(edge[0], edge[1]))
            elif edge is not None:  # a leaf
                counters.append(edge._version)
        return counters + list((self.out_versions or {}).values())

    def release(self) -> None:
        """Frees what forward kept (the node stays, so the graph can still be drawn)."""
        self.saved = RELEASED
        self.watch = None
        if type(self).__dictoffset__:  # an op without __slots__ (like one of yours) keeps its arrays in __dict__
            self.__dict__.clear()

    def __repr__(self) -> str:
        record = getattr(self, "record", None)  # a call that was not recorded has none
        where = "".join(f" {k}={v}" for k, v in record.place.items()) if record else ""
        name = record.name if record and record.name else self.label
        return f"<{type(self).__name__} '{name}'{where}>"


def input_arrays(cls: type[Function], inputs: tuple) -> tuple[Any, list, bool]:
    """The inputs' backend (one for all), their arrays (numbers as they are), and whether one requires grad."""
    backend = None
    arrays = []
    wanted = False
    for x in inputs:
        if isinstance(x, Tensor):
            if x.backend is not backend:
                backend = x.backend if backend is None else raise_devices(cls, backend, x.backend)
            arrays.append(x._data)
            wanted = wanted or x.requires_grad
        else:
            arrays.append(x)
    return backend, arrays, wanted


def input_edges(inputs: tuple) -> tuple[tuple, tuple, tuple]:
    """A recorded call's edges (where each input's gradient goes), which inputs need one, and the versions seen.

    An edge is the input's node and slot when another op made it, the leaf
    itself when it requires grad, None for a constant. Leaves and constants
    are watched from here on (see tensor.Version); a constant's counter is
    kept, a leaf's edge holds its own, and an op's output has its own node's.
    """
    edges = []
    needs = []
    versions = ()
    for x in inputs:
        if not isinstance(x, Tensor):
            edges.append(None)
            needs.append(False)
        elif x._node is not None:
            edges.append((x._node, x._slot))
            needs.append(True)
        else:
            counter = Version.watch(x)
            if not x.requires_grad:  # a constant: its counter is kept here (a leaf's edge holds its own)
                versions += (counter,)
            edges.append(x if x.requires_grad else None)
            needs.append(x.requires_grad)
    return tuple(edges), tuple(needs), versions


def raise_devices(cls: type[Function], first: Any, second: Any) -> None:
    raise RuntimeError(
        f"{op_name(cls)}: expected all tensors on the same device, got {first.device} "
        f"and {second.device}; move one with .to(device)"
    )


def op_name(cls: type[Function]) -> str:
    """The op's searchable name with its drawn label, e.g. ``mul (⊙)``, for error messages."""
    name = cls.__name__.lower()
    return name if cls.label == name else f"{name} ({cls.label})"


# --- backward -----------------------------------------------------------------------------------------
def topological_order(root: Function | None) -> list[Function]:
    """Nodes reachable from ``root``, each after every node that feeds it (none from None: a leaf's).

    An explicit stack instead of recursion, so graphs unrolled over tens of
    thousands of steps work. A node is pushed once to be expanded, and once
    more, under its inputs and marked by ``EMIT`` on top, to be emitted after
    them. (A marker rather than a (node, expanded) pair: a pair per push is
    an object per push, and enough of them set Python's collector walking.)
    """
    order: list[Function] = []
    if root is None:
        return order
    seen: set[int] = set()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is EMIT:  # every input of the node under the marker is in order: now the node
            order.append(stack.pop())
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append(node)
        stack.append(EMIT)
        for edge in node.inputs:
            if type(edge) is tuple and id(edge[0]) not in seen:
                stack.append(edge[0])
    return order


def run_backward(root: Any, gradient: Any, retain_graph: bool) -> None:
    """Pushes ``gradient`` (an array shaped like ``root``) back through the graph: the textbook loop.

    Visit the nodes so that each comes after every node it feeds; give each
    the sum of the gradients its outputs received, call its ``backward``, and
    send each input's gradient along its edge: to the node that made that
    input, or into the leaf's ``.grad``.
    """
    order = topological_order(root.grad_fn)
    pending = PendingGrads(root, gradient, order)  # where gradients wait, summed cheaply: see pending.py
    try:
        for node in reversed(order):
            grads = pending.take(node)
            if grads is None:
                continue  # no gradient reached this node
            if node.saved is RELEASED or node.changes_seen != Version.changes[0]:
                node.check_saved()  # freed by an earlier backward, or maybe changed in place since
            if node.watch is not None:
                grads = hooks.run_output_hooks(node, grads)
            in_grads = node.backward(*grads)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)  # a bare array for a one-input op
            if len(in_grads) != len(node.inputs):
                raise_miscount(node, in_grads)
            for index, grad in enumerate(in_grads):
                if grad is not None and node.inputs[index] is not None:
                    pending.send(node.inputs[index], grad, node, index)
            if not retain_graph:
                node.release()
        pending.finish_leaves()  # what waited for a leaf's hooks, or for one GEMM
    finally:
        pending.close()  # after an error half-way, nothing is left waiting for the next pass


def raise_miscount(node: Function, in_grads: tuple) -> None:
    raise RuntimeError(
        f"{type(node).__name__}.backward returned {len(in_grads)} gradients, expected {len(node.inputs)} "
        f"(one per input of forward, None where an input needs none)"
    )


from .fast_apply import apply_tensors  # noqa: E402  (it builds on Function)
from .tensor import Tensor, Version, new_instance  # noqa: E402  (tensor.py imports this module first)
