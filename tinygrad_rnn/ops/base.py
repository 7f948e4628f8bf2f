"""What every op shares: recording a call, and undoing broadcasting."""

from __future__ import annotations

from typing import Any

from ..autograd import Function, state
from ..tensor import Tensor


def apply(cls: type[Function], *inputs: Any, **settings: Any) -> Any:
    """Runs ``cls.forward`` on the inputs' arrays and, when gradients are wanted, records it.

    Inputs that are not tensors (Python numbers, settings passed positionally)
    reach ``forward`` as they are and become constants of the graph.
    """
    fn = object.__new__(cls)
    backend = None
    arrays = []
    requires_grad = False
    for x in inputs:
        if isinstance(x, Tensor):
            if backend is None:
                backend = x.backend
            elif x.backend is not backend:
                raise RuntimeError(
                    f"{cls.label}: expected all tensors on the same device, got {backend.device} "
                    f"and {x.backend.device}; move one with .to(device)"
                )
            arrays.append(x.data)
            requires_grad = requires_grad or x.requires_grad
        else:
            arrays.append(x)
    fn.backend = backend
    fn.saved = None
    out = fn.forward(*arrays, **settings)
    backend = fn.backend  # a device move changes it to the target
    record = requires_grad and state.grad_enabled
    if record:
        fn.inputs = tuple(_edge(x) for x in inputs)
        fn.needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        fn.out_grads = None
        fn.scope = state.scope
        fn.name = fn.role = fn.retained = None
    else:
        fn = None
    if type(out) is tuple:
        if fn is not None:
            fn.shapes = tuple(o.shape for o in out)
        return tuple(Tensor._make(o, backend, record, fn, k) for k, o in enumerate(out))
    if fn is not None:
        fn.shapes = (out.shape,)
    return Tensor._make(out, backend, record, fn, 0)


def _edge(x: Any) -> Any:
    if not isinstance(x, Tensor) or not x.requires_grad:
        return None
    node = x._node
    return x if node is None else (node, x._slot)


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


def as_tensor(x: Any, like: Tensor) -> Tensor:
    """``x`` as a tensor on ``like``'s device (arrays and lists get converted, tensors pass)."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x, device=like.backend)
