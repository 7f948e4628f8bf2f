"""Checking autograd against central finite differences, in float64.

>>> import tinygrad_rnn as tg
>>> x = tg.Tensor([[0.3, -1.2]], dtype=tg.float64, requires_grad=True)
>>> tg.gradcheck(lambda x: (x.tanh() * x).sum(dim=1), [x])
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .autograd import no_grad, topological_order
from .backend import np
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Autograd and finite differences disagree; the message names the input and the worst entry."""


def _outputs(result: Any) -> list[Tensor]:
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating_point]


def _numerical(fn: Callable, inputs: list, index: int, eps: float, sizes: list[int]) -> Any:
    """d(outputs)/d(inputs[index]) by central differences, one column per input element."""
    x = inputs[index]
    base = x.numpy()
    columns = []
    with no_grad():
        for k in range(base.size):
            values = []
            for step in (eps, -eps):
                moved = base.copy()
                moved.flat[k] += step
                trial = list(inputs)
                trial[index] = Tensor(moved, device=x.backend)
                values.append(np.concatenate([o.numpy().ravel() for o in _outputs(fn(*trial))] or [np.zeros(0)]))
            columns.append((values[0] - values[1]) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((sum(sizes), 0))


def _leaves(outs: list[Tensor]) -> list[Tensor]:
    """Every leaf tensor the outputs' graph reaches: the inputs, and parameters used inside ``fn``."""
    found: dict[int, Tensor] = {}
    for o in outs:
        if o.grad_fn is None:
            if o.requires_grad:
                found[id(o)] = o
            continue
        for node in topological_order(o.grad_fn):
            for edge in node.inputs:
                if isinstance(edge, Tensor):
                    found[id(edge)] = edge
    return list(found.values())


def _analytical(fn: Callable, inputs: list, wrt: list[int]) -> tuple[list, list[int]]:
    """d(outputs)/d(inputs[i]) for each i in ``wrt``, one backward per output element.

    The backward passes write into ``.grad``; every leaf they reach (the inputs,
    and parameters used inside ``fn``) gets its own ``.grad`` back afterwards.
    """
    outs = _outputs(fn(*inputs))
    sizes = [o.numel() for o in outs]
    rows: dict[int, list] = {i: [] for i in wrt}
    touched = _leaves(outs) + [inputs[i] for i in wrt]
    kept = [(t, t.grad) for t in touched]
    try:
        for t in touched:
            t.grad = None  # backward adds into an existing .grad in place: start from none
        for o in outs:
            for j in range(o.numel()):
                for i in wrt:
                    inputs[i].grad = None
                if o.requires_grad:
                    seed = np.zeros(o.shape, dtype=np.float64)
                    seed.flat[j] = 1.0
                    o.backward(Tensor(seed, device=o.backend), retain_graph=True)
                for i in wrt:
                    g = inputs[i].grad
                    rows[i].append(np.zeros(inputs[i].numel()) if g is None else g.numpy().ravel())
    finally:
        for t, grad in kept:
            t.grad = grad
    jacobians = [np.stack(rows[i]) if rows[i] else np.zeros((0, inputs[i].numel())) for i in wrt]
    return jacobians, sizes


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compares the full Jacobian from autograd with central finite differences.

    Every float64 input with ``requires_grad=True`` is checked. Returns True,
    or raises :class:`GradcheckError` naming the input and the worst entry.
    The ``.grad`` of the inputs, and of parameters used inside ``fn``, are as
    they were before the call.
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be a function of the inputs, got {type(fn).__name__}")
    if isinstance(inputs, Tensor) or not isinstance(inputs, Sequence) or isinstance(inputs, str):
        raise TypeError(
            f"gradcheck: inputs must be a list or tuple of the arguments of fn (e.g. [x]), got {type(inputs).__name__}"
        )
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {value!r}")
    if eps == 0:
        raise ValueError("gradcheck: eps must be positive (the finite-difference step), got 0")
    inputs = list(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for i in wrt:
        if inputs[i].dtype.name != "float64":
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype!r}; finite differences need float64 inputs")
    analytic, sizes = _analytical(fn, inputs, wrt)
    for i, a in zip(wrt, analytic):
        n = _numerical(fn, inputs, i, eps, sizes)
        error = np.abs(a - n) - (atol + rtol * np.abs(n))
        if error.size and error.max() > 0:
            out_pos, in_pos = np.unravel_index(int(error.argmax()), error.shape)
            where = tuple(int(k) for k in np.unravel_index(in_pos, inputs[i].shape))
            raise GradcheckError(
                f"gradcheck: gradient of input {i} (shape {inputs[i].shape}) is wrong: worst at output element "
                f"{int(out_pos)}, input element {where}: autograd "
                f"{a[out_pos, in_pos]:.10g}, finite differences {n[out_pos, in_pos]:.10g} "
                f"(atol={atol}, rtol={rtol})"
            )
    return True
