"""``Function.apply`` for its commonest calls, one or two tensors, written out (skip on a first reading).

It takes the general path's steps (autograd.py): the arrays, ``forward``,
and, when a gradient will be wanted, the edges and the versions seen, then
the output. Only the loops and helper calls are gone: every op of a
recurrent step (σ, tanh, a product of gates, a sum, a matmul) comes here, and
in Python a helper call costs more than the arithmetic of a small op.
"""

from __future__ import annotations

from typing import Any

from .autograd import Function, raise_devices
from .grad_mode import read_grad_enabled
from .record import read_current_record
from .tensor import Tensor, Version, new_instance

ONE_NEEDED = (True,)


def apply_tensors(cls: type[Function], a: Tensor, b: Tensor | None = None) -> Any:
    """``cls.apply(a)`` or ``cls.apply(a, b)``: the same result, the same record; None for two dtypes.

    Two tensors of two dtypes are left to the caller: the elementwise ops
    promote them first, as PyTorch does, and ``apply`` takes its general path.
    (The check is here, on the arrays, because ``Tensor.data`` is a property,
    and a property read costs five plain attribute reads.)
    """
    if b is not None:
        if b.backend is not a.backend:
            raise_devices(cls, a.backend, b.backend)
        if b._data.dtype is not a._data.dtype and b._data.dtype != a._data.dtype:
            return None
    fn = new_instance(cls)
    fn.backend = a.backend
    fn.saved = None
    if b is None:
        out = fn.forward(a._data)
        wanted = a.requires_grad
    else:
        out = fn.forward(a._data, b._data)
        wanted = a.requires_grad or b.requires_grad
    if not (wanted and read_grad_enabled()):
        if type(out) is tuple or fn.views_input:
            return fn.constant_outputs(out, (a,))
        return Tensor._make(out, fn.backend, False, None, 0)
    versions = ()  # the counters of constants: a leaf's edge holds its own, an op-made input's node its own
    if a._node is None:
        counter = a._version or Version.of(a)  # Version.watch, written out
        counter[1] = True
        edge_a = a if a.requires_grad else None
        if edge_a is None:
            versions = (counter,)
    else:
        edge_a = (a._node, a._slot)
    if b is None:
        fn.inputs, fn.needs_input_grad = (edge_a,), ONE_NEEDED
    else:
        if b._node is None:
            counter = b._version or Version.of(b)
            counter[1] = True
            edge_b = b if b.requires_grad else None
            if edge_b is None:
                versions += (counter,)
        else:
            edge_b = (b._node, b._slot)
        fn.inputs, fn.needs_input_grad = (edge_a, edge_b), (a.requires_grad, b.requires_grad)
    fn.versions = versions
    record = read_current_record()
    if type(out) is tuple or (record is not None and record.shapes is not None):  # several outputs, or shapes
        return fn.recorded_outputs(out)
    fn.changes_seen = Version.changes[0]  # the rest is fn.recorded_outputs(out), for one output
    fn.out_grads = fn.watch = None
    fn.record = record
    fn.n_outputs = 1
    fn.out_versions = None
    return Tensor._make(out, fn.backend, True, fn, 0)
