"""Tensor: an array on a backend, the gradient it received, and the op that made it.

>>> import tinygrad_rnn as tg
>>> w = tg.Tensor([[1.0, 2.0]], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss.backward()
>>> w.grad
tensor([[2., 4.]])
"""

from __future__ import annotations

import operator
import threading
from typing import Any

from . import autograd, dtypes, hooks
from .backend import Backend, get_backend, get_default_device
from .checks import check_bool
from .printing import format_array

# object.__new__, looked up once: read from object at every call, it costs a lookup and a new bound method
new_instance = object.__new__


class Version:
    """Counts the in-place changes of a tensor's array (skip on a first reading).

    A tensor's counter is a small list, ``[n, watched, changed_at]``, shared by
    the tensors that alias the same array (``detach``); a list because it is
    the cheapest mutable box. An op watches the counters of the inputs it was
    given as they are (leaves and constants) and of its own outputs, and
    remembers ``Version.changes[0]`` when it ran. A change of a watched counter
    moves ``Version.changes`` on and stamps the counter with the new value
    (``changed_at``). So backward's check is cheap: while ``Version.changes``
    has not moved since an op ran, nothing it used changed; once it has, a
    counter stamped later than the op was changed after the op used it, and an
    optimizer step between forward and backward cannot mix old and new weights.
    (The gradients backward adds into ``.grad``, which no op has seen, leave the
    check asleep. And ``changes`` is a box, not a number: rebinding a class
    attribute would make Python drop what it had learned about every read of it.)

    A counter is made on first need (``Version.of``): most tensors of a step
    are made, read once and dropped, and never change. An op's output has
    none until then; when it gets one, its node keeps it (``out_versions``),
    where the ops that used the output find it. A view (``chunk``, ``x[0]``,
    ``.T``, ``reshape``) shares the counter of the array it views, as in
    PyTorch: a change through either is a change of both.
    """

    changes = [0]
    made_once = threading.RLock()  # two threads asking at once for a new counter must get the same one

    @staticmethod
    def of(t: Tensor) -> list:
        """``t``'s counter, made now if it has none yet."""
        counter = t._version
        if counter is None:
            with Version.made_once:
                counter = t._version
                if counter is None:
                    counter = [0, False, 0] if t._node is None else Version.of_output(t._node, t._slot)
                    t._version = counter
        return counter

    @staticmethod
    def of_output(node: Any, slot: int) -> list:
        """The counter of output ``slot`` of ``node``, made now if need be: watched, and a view's is its input's.

        A chain of views (``s = s[1:]`` a thousand times) is walked in a loop,
        and each view on it keeps the counter it shares.
        """
        with Version.made_once:
            views = []  # the (node, slot) pairs that share the counter found at the end of the chain
            while True:
                counter = node.out_versions.get(slot) if node.out_versions is not None else None
                if counter is not None:
                    break
                views.append((node, slot))
                edge = node.inputs[0] if node.views_input else None
                if type(edge) is not tuple:  # the chain ends: at a leaf, or at an output no one views
                    counter = Version.watch(edge) if edge is not None else [0, True, 0]
                    break
                node, slot = edge
            for node, slot in views:
                if node.out_versions is None:
                    node.out_versions = {}
                node.out_versions[slot] = counter
            return counter

    @staticmethod
    def bump(t: Tensor) -> None:
        """One more in-place change of ``t``'s array."""
        counter = t._version
        if counter is None:
            if t._node is None:
                return  # no alias and no op has this tensor's counter: nobody to tell
            counter = Version.of(t)  # an op's output: its node is told
        counter[0] += 1
        if counter[1]:
            Version.changes[0] += 1
            counter[2] = Version.changes[0]

    @staticmethod
    def watch(t: Tensor) -> list:
        """``t``'s counter, watched from now on (an op is about to use ``t`` as it is)."""
        counter = t._version or Version.of(t)
        counter[1] = True
        return counter


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    ``Tensor(data, requires_grad=False, dtype=None, device=None)``: ``data`` is
    a number, a nested list, a NumPy array (its dtype is kept, so float64
    stays float64) or an array of the target backend. Python floats become
    the default dtype (float32).
    """

    __slots__ = ("_data", "_grad", "requires_grad", "backend", "_node", "_slot", "_version", "_hooks", "__weakref__")
    __array_ufunc__ = None  # NumPy defers to our operators: ndarray * Tensor is a Tensor
    __hash__ = object.__hash__

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: dtypes.DType | str | None = None,
        device: str | Backend | None = None,
    ):
        if isinstance(data, Tensor):
            backend = data.backend if device is None else get_backend(device)
            data = data.data if backend is data.backend else data.backend.to_host(data.data)
        else:
            backend = get_backend(get_default_device() if device is None else device)
        self.backend = backend
        self._data = backend.asarray(data, dtypes.to_name(dtype), dtypes.get_default_dtype().name)
        self._grad = None
        self._node = None
        self._slot = 0
        self._version = None  # made on first need: see Version
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    @classmethod
    def _make(cls, data: Any, backend: Backend, requires_grad: bool, node: Any, slot: int) -> Tensor:
        t = new_instance(cls)
        t._data = data
        t.backend = backend
        t._grad = None
        t.requires_grad = requires_grad
        t._node = node
        t._slot = slot
        t._version = None  # made on first need: see Version
        t._hooks = None
        return t

    @classmethod
    def wrap(cls, array: Any, device: str | Backend) -> Tensor:
        """A constant tensor around an existing array of ``device``'s backend, without a copy.

        >>> import numpy as np
        >>> import tinygrad_rnn as tg
        >>> a = np.zeros(2, dtype=np.float32)
        >>> t = tg.Tensor.wrap(a, "cpu")
        >>> t.data is a, t.requires_grad
        (True, False)
        """
        backend = device if isinstance(device, Backend) else get_backend(device)
        return cls._make(array, backend, False, None, 0)

    # --- the array, and the gradient ------------------------------------------
    def _set_data(self, array: Any) -> None:
        if not (hasattr(array, "shape") and hasattr(array, "dtype")):
            raise TypeError(f"data: expected a backend array, got {type(array).__name__}")
        self._data = array
        Version.bump(self)

    # a property, so that assigning is seen; a read costs about five plain attribute reads (Python 3.11),
    # so the engine's hot paths (fast_apply.py, autograd.py) read ``_data`` itself
    data = property(
        operator.attrgetter("_data"), _set_data, doc="The backend array; assigning one is an in-place change."
    )

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward accumulated here (None until then); assignable, as in PyTorch."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: expected a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise ValueError(f"grad: assigned a gradient of shape {value.shape}, expected {self.shape}")
            if value.backend is not self.backend:
                raise RuntimeError(f"grad: assigned a gradient on {value.device}, expected {self.device}")
            if value.dtype != self.dtype:
                raise TypeError(f"grad: assigned a gradient of dtype {value.dtype!r}, expected {self.dtype!r}")
        self._grad = value

    def accumulate_grad(self, grad: Any, fresh: bool) -> None:
        """Adds a gradient array into ``.grad``; ``fresh`` says the array is ours to keep without a copy."""
        held = self._grad
        if grad.dtype is not self._data.dtype and grad.dtype != self._data.dtype:
            grad, fresh = self.backend.xp.astype(grad, self._data.dtype), True  # a leaf's gradient has its dtype
        if held is None:
            # a copy unless made for this tensor alone: the same array may reach several leaves (Add passes it on)
            backend = self.backend
            self._grad = Tensor._make(grad if fresh else backend.copy(grad), backend, False, None, 0)
        else:
            held._data += grad
            # Version.bump's early return, written out: the GRU's b_hh gets its gradient once per time step,
            # and the call alone is 2 % of an op's forward + backward
            if held._version is not None or held._node is not None:
                Version.bump(held)

    def leaf_hooks(self) -> list:
        """The hooks a leaf holds, made on first use (hooks.py)."""
        if self._hooks is None:
            self._hooks = []
        return self._hooks

    # --- what it is -------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.BY_NAME[self.backend.dtype_name(self._data)]

    @property
    def device(self) -> str:
        return self.backend.device

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def output_nr(self) -> int:
        """Which output of ``grad_fn`` this tensor is (0 for single-output ops and leaves), as in PyTorch."""
        return self._slot

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The node that made this tensor (None for leaves and constants)."""
        return self._node

    def __len__(self) -> int:
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __repr__(self) -> str:
        body = format_array(self.backend.to_host(self._data), "tensor(")
        extras = []
        if self.dtype.is_floating_point and self.dtype != dtypes.get_default_dtype():
            extras.append(f"dtype={self.dtype!r}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._node is not None:
            extras.append(f"grad_fn=<{type(self._node).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # --- leaving the graph, and the device --------------------------------
    def numpy(self) -> Any:
        """A NumPy copy of the data, from any device."""
        return self.backend.to_host(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def item(self) -> float | int | bool:
        if self.numel() != 1:
            raise ValueError(f"item: a Tensor with {self.numel()} elements cannot be converted to a Python number")
        return self.numpy().reshape(()).item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} elements is ambiguous")
        return bool(self.item())

    def clone(self) -> Tensor:
        """A copy with its own memory, still in the graph."""
        return ops.clone(self)

    def contiguous(self) -> Tensor:
        """The tensor itself: arrays here need no compaction before ``view`` (kept for PyTorch code)."""
        return self

    def t(self) -> Tensor:
        """The transpose of a 2-D tensor (``x.T``)."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {self.shape}; use transpose")
        return self.T if self.ndim == 2 else self

    def softmax(self, dim: int) -> Tensor:
        from .functional import softmax

        return softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        from .functional import log_softmax

        return log_softmax(self, dim)

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (for truncated BPTT); it shares the array and its version."""
        t = Tensor.wrap(self._data, self.backend)
        t._version = Version.of(self)
        return t

    def as_subclass(self, cls: type[Tensor]) -> Tensor:
        """This tensor as an instance of ``cls``, as in torch: the same array and version counter, in the graph.

        The result of an op shares its node; a leaf that requires grad gets an
        ``alias`` node, so the gradient reaches the leaf (torch's AliasBackward).

        >>> import tinygrad_rnn as tg
        >>> class Marked(tg.Tensor):
        ...     __slots__ = ()
        >>> t = tg.ones(2)
        >>> m = t.as_subclass(Marked)
        >>> type(m).__name__, m.data is t.data
        ('Marked', True)
        """
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass: cls must be a subclass of Tensor, got {cls!r}")
        source = ops.shaping.Alias.apply(self) if self._node is None and self.requires_grad else self
        t = cls._make(self._data, self.backend, self.requires_grad, source._node, source._slot)
        t._version = Version.of(self)  # shared: a change through either is seen by both
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError(f"requires_grad_: only floating point tensors can require gradients, got {self.dtype!r}")
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf tensor; use .detach()")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keeps the gradient of this intermediate tensor in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has requires_grad=False")
        hooks.retain_grad(self)

    def register_hook(self, hook: Any) -> hooks.HookHandle:
        """Calls ``hook(grad)`` each time this tensor's gradient is computed, as in PyTorch.

        A hook that returns a tensor replaces the gradient that flows on; one
        that returns None only looks. ``handle.remove()`` takes it away.

        >>> import tinygrad_rnn as tg
        >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
        >>> h = x * 3
        >>> seen = []
        >>> handle = h.register_hook(lambda g: seen.append(g.tolist()))
        >>> h.sum().backward()
        >>> seen, x.grad.tolist()
        ([[1.0, 1.0]], [3.0, 3.0])
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        return hooks.register_hook(self, hook)

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulates d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        ``gradient`` weights a non-scalar output (it must have self's shape).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: element 0 of tensors does not require grad and does not have a grad_fn; "
                "create the leaves with requires_grad=True"
            )
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError(
                    f"backward: grad can be implicitly created only for scalar outputs, got shape "
                    f"{self.shape}; pass gradient= of that shape"
                )
            grad = self.backend.xp.ones(self._data.shape, dtype=self._data.dtype)
        else:
            g = gradient if isinstance(gradient, Tensor) else Tensor(gradient, device=self.backend)
            if g._data.shape != self._data.shape:
                raise ValueError(f"backward: gradient has shape {g.shape}, expected {self.shape} (the tensor's shape)")
            if g.backend is not self.backend:
                raise RuntimeError(f"backward: gradient is on {g.device}, the tensor on {self.device}")
            grad = g._data if g._data.dtype == self._data.dtype else self.backend.xp.astype(g._data, self._data.dtype)
        autograd.run_backward(self, grad, retain_graph)

    # --- in place -----------------------------------------------------------
    def zero_(self) -> Tensor:
        """Sets every element to 0, in place (aliases from ``detach`` see it), as in PyTorch."""
        return self.fill_(0)

    def fill_(self, value: float | int | bool) -> Tensor:
        """Sets every element to ``value``, in place."""
        if isinstance(value, Tensor):
            value = value.item()
        if not isinstance(value, (int, float, bool)):
            raise TypeError(f"fill_: expected a number as value, got {type(value).__name__}")
        return self._change_in_place("fill_", lambda t: ops.fill(t, value))

    def add_(self, other: Any) -> Tensor:
        return self._change_in_place("add_", lambda t: ops.add(t, other))

    def sub_(self, other: Any) -> Tensor:
        return self._change_in_place("sub_", lambda t: ops.sub(t, other))

    def mul_(self, other: Any) -> Tensor:
        return self._change_in_place("mul_", lambda t: ops.mul(t, other))

    def div_(self, other: Any) -> Tensor:
        return self._change_in_place("div_", lambda t: ops.div(t, other))

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def _change_in_place(self, name: str, compute: Any) -> Tensor:
        """The in-place ops' one path, as PyTorch does them.

        Without a graph to keep (under ``no_grad``, or for a tensor that needs
        no gradient) the result is written into the array, so every alias sees
        it. A leaf that requires grad refuses, since its gradient would be lost.
        An intermediate tensor takes the result out of place (its old array may
        be saved by an op or be a view of another tensor's), and its history
        now ends in the op that made the result. (PyTorch writes into the
        array here; so its aliases see the change, and a backward that needs
        the old values raises. Here they stay, and backward is right.)
        """
        recorded = self.requires_grad and autograd.is_grad_enabled()
        if recorded and self._node is None:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad is being used in an in-place operation; "
                f"do it under tg.no_grad() (as optimizers do), or out of place"
            )
        if recorded:
            result = compute(self)
        else:
            with autograd.no_grad():
                result = compute(self)
        if result.shape != self.shape:
            raise RuntimeError(
                f"{name}: the result has shape {result.shape}, which doesn't match the tensor's {self.shape}"
            )
        if result.dtype != self.dtype and _rank(result.dtype) > _rank(self.dtype):
            raise RuntimeError(
                f"{name}: result type {result.dtype!r} can't be cast to the tensor's dtype {self.dtype!r}"
            )
        if recorded:  # the result is a new array: nothing saved changes, and it has a version of its own
            self._data, self._node, self._slot, self._version = (
                result._data,
                result._node,
                result._slot,
                result._version,
            )
        elif hasattr(self._data, "__setitem__"):
            self._data[...] = result._data
            Version.bump(self)
        else:  # a NumPy scalar (what a 0-d result is) cannot change, nor be shared: replace it
            self._data = result._data
            Version.bump(self)
        return self

    def tag(self, name: str | None = None, role: str | None = None) -> Tensor:
        """Names the op that made this tensor (e.g. ``"f_t"``, role ``"forget gate"``) for the graph.

        Of an op with several outputs, it names this output alone (the LSTM's
        four gates are one op: ``record.output(slot)`` reads each).

        >>> import tinygrad_rnn as tg
        >>> f = tg.Tensor([0.0], requires_grad=True).sigmoid().tag("f_t", "forget gate")
        >>> f.grad_fn.record.name, f.grad_fn.record.role
        ('f_t', 'forget gate')
        """
        node = self._node
        if node is None:
            return self
        old = node.record
        if node.n_outputs > 1:
            if old is None or old.outputs is None:  # the first output named: the node gets a record of its own
                place, shapes = (old.place, old.shapes) if old is not None else ({}, None)
                old = node.record = autograd.Record(place, shapes=shapes, outputs=[(None, None)] * node.n_outputs)
            was_name, was_role = old.outputs[self._slot]  # that record is the node's alone: named in place
            old.outputs[self._slot] = (was_name if name is None else name, was_role if role is None else role)
        elif old is None:  # the common case: an op recorded outside any scope or picture
            node.record = autograd.Record({}, name, role)
        else:
            node.record = autograd.Record(
                old.place, name if name is not None else old.name, role if role is not None else old.role, old.shapes
            )
        return self

    # --- operators --------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.pow(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.matmul(other, self)

    def __getitem__(self, key: Any) -> Tensor:
        return ops.getitem(self, key)

    def __iter__(self) -> Any:
        if not self.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return iter(ops.unbind(self, 0))

    def __lt__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "less")

    def __le__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "less_equal")

    def __gt__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "greater")

    def __ge__(self, other: Any) -> Tensor:
        return ops.compare(self, other, "greater_equal")

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare(self, other, "equal")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare(self, other, "not_equal")

    # --- methods named as in PyTorch (the functions live in ops/) --------
    def matmul(self, other: Tensor) -> Tensor:
        return ops.matmul(self, other)

    def add(self, other: Any) -> Tensor:
        return ops.add(self, other)

    def sub(self, other: Any) -> Tensor:
        return ops.sub(self, other)

    def mul(self, other: Any) -> Tensor:
        return ops.mul(self, other)

    def div(self, other: Any) -> Tensor:
        return ops.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return ops.pow(self, exponent)

    def neg(self) -> Tensor:
        return ops.neg(self)

    def sigmoid(self) -> Tensor:
        return ops.sigmoid(self)

    def tanh(self) -> Tensor:
        return ops.tanh(self)

    def relu(self) -> Tensor:
        return ops.relu(self)

    def exp(self) -> Tensor:
        return ops.exp(self)

    def log(self) -> Tensor:
        return ops.log(self)

    def sqrt(self) -> Tensor:
        return ops.sqrt(self)

    def abs(self) -> Tensor:
        return ops.abs(self)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return ops.clamp(self, min, max)

    clip = clamp

    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return ops.sum(self, dim, keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return ops.mean(self, dim, keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return ops.max(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return ops.argmax(self, dim, keepdim)

    def reshape(self, *shape: Any) -> Tensor:
        return ops.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        return ops.reshape(self, *shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        return ops.permute(self, *dims)

    @property
    def T(self) -> Tensor:
        return ops.permute(self, *reversed(range(self.ndim)))

    def unsqueeze(self, dim: int) -> Tensor:
        return ops.unsqueeze(self, dim)

    def squeeze(self, dim: int | tuple[int, ...] | None = None) -> Tensor:
        return ops.squeeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        return ops.expand(self, *sizes)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return ops.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return ops.unbind(self, dim)

    def to(self, target: Any) -> Tensor:
        """``.to("cuda")`` moves (differentiably); ``.to(tg.float64)`` casts."""
        if isinstance(target, dtypes.DType) or target in dtypes.BY_NAME:
            return ops.cast(self, target)
        return ops.to_device(self, target)

    def cpu(self) -> Tensor:
        return ops.to_device(self, "cpu")

    def cuda(self) -> Tensor:
        return ops.to_device(self, "cuda")

    def float(self) -> Tensor:
        return ops.cast(self, dtypes.float32)

    def double(self) -> Tensor:
        return ops.cast(self, dtypes.float64)

    def long(self) -> Tensor:
        return ops.cast(self, dtypes.int64)


def zero_grads(caller: str, tensors: Any, set_to_none: bool = True) -> None:
    """Clears the gradients of ``tensors``: to None, or to zeros in place (for both ``zero_grad`` methods)."""
    set_to_none = check_bool(caller, "set_to_none", set_to_none)
    with autograd.no_grad():
        for t in tensors:
            if set_to_none or t.grad is None:
                t.grad = None
            else:
                t.grad.zero_()


def _rank(dtype: dtypes.DType) -> int:
    """PyTorch's order of kinds: an in-place result may not be of a higher kind (float into int)."""
    return 0 if dtype.name == "bool" else 1 if dtype.name == "int64" else 2


from . import ops  # noqa: E402  (ops needs the Tensor class defined above)
