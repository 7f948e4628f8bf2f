"""Tensor hooks and retained gradients: seeing, or replacing, a gradient as it flows (skip on a first reading).

As in PyTorch:

- ``t.register_hook(fn)`` calls ``fn(grad)`` with the total gradient of ``t``
  in this backward pass, once; a returned tensor replaces the gradient that
  flows on (for a leaf: the one added to ``.grad``).
- ``t.retain_grad()`` keeps an intermediate tensor's gradient in ``t.grad``.

A leaf holds its own hooks; an intermediate tensor's hooks and retained
gradient are held by the node that made it (an :class:`OutputWatch` per
output), because the tensor itself may be gone by the time backward runs.
Edge hooks (:func:`add_edge_hook`) are the visualiser's: they see every
gradient sent along every edge.

>>> import tinygrad_rnn as tg
>>> x = tg.Tensor([1.0, -1.0], requires_grad=True)
>>> handle = x.register_hook(lambda g: g.clamp(-1, 1))
>>> (x * 2 + x * 3).sum().backward()
>>> x.grad.tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any


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


def watch(tensor: Any) -> OutputWatch:
    """The watch of an intermediate tensor's output slot, made on first use."""
    node = tensor.grad_fn
    if node.watch is None:
        node.watch = {}
    return node.watch.setdefault(tensor.output_nr, OutputWatch())


def register_hook(tensor: Any, hook: Callable) -> HookHandle:
    """Calls ``hook(grad)`` when the gradient of ``tensor`` is computed; a returned tensor replaces it."""
    if not callable(hook):
        raise TypeError(f"register_hook: expected a callable hook, got {type(hook).__name__}")
    if tensor.grad_fn is None:
        hooks = tensor.leaf_hooks()
    else:
        hooks = watch(tensor).hooks
    hooks.append(hook)
    return HookHandle(hooks, hook)


def retain_grad(tensor: Any) -> None:
    if tensor.grad_fn is not None:  # leaves keep their gradient anyway
        watch(tensor).tensor = weakref.ref(tensor)


def run_hooks(hooks: list, grad: Any, backend: Any) -> Any:
    """Calls each hook on the gradient; one that returns a tensor of the gradient's shape replaces it."""
    from .tensor import Tensor  # tensor.py imports this module

    for hook in list(hooks):
        replaced = hook(Tensor.wrap(grad, backend))
        if replaced is None:
            continue
        name = getattr(hook, "__qualname__", repr(hook))
        if not isinstance(replaced, Tensor):
            raise TypeError(f"hook {name}: expected it to return a Tensor or None, got {type(replaced).__name__}")
        if replaced.shape != tuple(grad.shape):
            raise ValueError(
                f"hook {name}: returned a gradient of shape {replaced.shape}, expected {tuple(grad.shape)} "
                f"(the shape of the gradient it was given)"
            )
        if replaced.backend is not backend:
            raise RuntimeError(f"hook {name}: returned a gradient on {replaced.device}, expected {backend.device}")
        grad = replaced.data
    return grad


def run_output_hooks(node: Any, grads: list) -> list:
    """Runs the hooks on a node's outputs (which may replace a gradient), then fills retained ``.grad``."""
    for slot, watching in node.watch.items():
        grad = grads[slot]
        if grad is None:
            continue
        if watching.hooks:
            grad = grads[slot] = run_hooks(watching.hooks, grad, node.backend)
        tensor = watching.tensor() if watching.tensor is not None else None
        if tensor is not None:
            tensor.accumulate_grad(grad, fresh=False)
    return grads


# the visualiser's edge hooks, per thread like grad mode (usually none)
edge_hooks: ContextVar[tuple] = ContextVar("edge_hooks", default=())
read_edge_hooks = edge_hooks.get  # read by every backward pass: see read_grad_enabled in grad_mode.py


def run_edge_hooks(hooks: tuple, node: Any, index: int, grad: Any) -> None:
    from .pending import total

    value = total(grad)
    for hook in hooks:
        hook(node, index, value)


def add_edge_hook(hook: Callable[[Any, int, Any], None]) -> Callable[[], None]:
    """Calls ``hook(node, input_index, grad)`` for every gradient sent along an edge.

    Returns a function that removes the hook. The visualiser uses this to
    label edges with the gradient that actually flowed along them.
    """
    edge_hooks.set((*edge_hooks.get(), hook))

    def remove() -> None:
        edge_hooks.set(tuple(h for h in edge_hooks.get() if h is not hook))

    return remove
