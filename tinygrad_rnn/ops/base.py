"""What every op shares: recording a call, and undoing broadcasting."""

from __future__ import annotations

from typing import Any

from ..autograd import Function, state
from ..tensor import Tensor

_new = object.__new__


def apply(cls: type[Function], *inputs: Any, **settings: Any) -> Any:
    """Runs ``cls.forward`` on the inputs' arrays and, when gradients are wanted, records it.

    Inputs that are not tensors (Python numbers, settings passed positionally)
    reach ``forward`` as they are and become constants of the graph.
    """
    fn = _new(cls)
    backend = None
    arrays = []
    requires_grad = False
    for x in inputs:
        if isinstance(x, Tensor):
            if x.backend is not backend:
                if backend is not None:
                    _raise_devices(cls, backend, x.backend)
                backend = x.backend
            arrays.append(x.data)
            if x.requires_grad:
                requires_grad = True
        else:
            arrays.append(x)
    fn.backend = backend
    fn.saved = None
    out = fn.forward(*arrays, **settings)
    backend = fn.backend  # a device move changes it to the target
    if not (requires_grad and state.grad_enabled):
        if type(out) is tuple:
            return tuple(Tensor._make(o, backend, False, None, 0) for o in out)
        return Tensor._make(out, backend, False, None, 0)
    edges = []
    needs = []
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad:
            node = x._node
            edges.append(x if node is None else (node, x._slot))
            needs.append(True)
        else:
            edges.append(None)
            needs.append(False)
    _record(fn, tuple(edges), tuple(needs))
    if type(out) is tuple:
        fn.shapes = tuple(o.shape for o in out)
        return tuple(Tensor._make(o, backend, True, fn, k) for k, o in enumerate(out))
    fn.shapes = (out.shape,)
    return Tensor._make(out, backend, True, fn, 0)


def apply1(cls: type[Function], x: Tensor, **settings: Any) -> Tensor:
    """``apply`` for the common one-tensor op, without the general loop (the hot path of every step)."""
    fn = _new(cls)
    fn.backend = backend = x.backend
    fn.saved = None
    out = fn.forward(x.data, **settings)
    if not (x.requires_grad and state.grad_enabled):
        return Tensor._make(out, backend, False, None, 0)
    node = x._node
    _record(fn, (x if node is None else (node, x._slot),), _ONE_NEEDED)
    fn.shapes = (out.shape,)
    return Tensor._make(out, backend, True, fn, 0)


def apply2(cls: type[Function], a: Tensor, b: Tensor) -> Tensor:
    """``apply`` for two tensors on one device, without the general loop."""
    backend = a.backend
    if b.backend is not backend:
        _raise_devices(cls, backend, b.backend)
    fn = _new(cls)
    fn.backend = backend
    fn.saved = None
    out = fn.forward(a.data, b.data)
    ra, rb = a.requires_grad, b.requires_grad
    if not ((ra or rb) and state.grad_enabled):
        return Tensor._make(out, backend, False, None, 0)
    ea = eb = None
    if ra:
        node = a._node
        ea = a if node is None else (node, a._slot)
    if rb:
        node = b._node
        eb = b if node is None else (node, b._slot)
    _record(fn, (ea, eb), (ra, rb))
    fn.shapes = (out.shape,)
    return Tensor._make(out, backend, True, fn, 0)


_ONE_NEEDED = (True,)


def _record(fn: Function, edges: tuple, needs: tuple) -> None:
    fn.inputs = edges
    fn.needs = needs
    fn.out_grads = None
    fn.scope = state.scope
    fn.name = fn.role = fn.retained = None


def op_name(cls: type[Function]) -> str:
    """The op's searchable name with its drawn label, e.g. ``mul (⊙)``, for error messages."""
    name = cls.__name__.lower()
    return name if cls.label == name else f"{name} ({cls.label})"


def _raise_devices(cls: type[Function], first: Any, second: Any) -> None:
    raise RuntimeError(
        f"{op_name(cls)}: expected all tensors on the same device, got {first.device} "
        f"and {second.device}; move one with .to(device)"
    )


def unbroadcast(xp: Any, grad: Any, shape: tuple) -> Any:
    """Sums ``grad`` back down to ``shape``: the one place broadcasting is undone.

    Broadcasting copies an input along new leading axes and along axes of
    size 1, so its gradient is the sum over those axes.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    if axes:
        grad = xp.sum(grad, axis=axes)
    return xp.reshape(grad, shape)


def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """The shape NumPy/PyTorch broadcasting gives, or a ValueError naming the op and the shapes."""
    ndim = max(len(s) for s in shapes)
    result = []
    for axis in range(ndim):
        sizes = {s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0} - {1}
        if len(sizes) > 1:
            listed = " and ".join(str(tuple(s)) for s in shapes)
            raise ValueError(f"{op}: shapes {listed} cannot be broadcast together")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """A possibly negative axis as a non-negative one, or an IndexError in PyTorch's words."""
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of "
            f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})"
        )
    return dim % max(ndim, 1)


def python_number(x: Any) -> Any:
    """NumPy's float64 is a subclass of float: as a number it must not lift float32 to float64."""
    if type(x) in (int, float, bool) or not isinstance(x, (int, float, bool)):
        return x
    return float(x) if isinstance(x, float) else int(x)


def as_tensor(x: Any, like: Tensor) -> Tensor:
    """``x`` as a tensor on ``like``'s device (arrays and lists get converted, tensors pass)."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x, device=like.backend)
