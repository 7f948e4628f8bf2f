"""Module and Parameter: named parameters, submodules, train/eval, state dicts, devices."""

from __future__ import annotations

import copy
from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Mapping
from typing import Any

from ..backend import get_backend, np
from ..checks import check_bool, shown
from ..dtypes import BY_NAME, DType, to_name
from ..tensor import Tensor, zero_grads

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Parameter(Tensor):
    """A tensor a Module owns and trains: ``requires_grad`` is on.

    >>> import tinygrad_rnn as tg
    >>> p = tg.nn.Parameter(tg.zeros(2))
    >>> p.requires_grad, p.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Parameter:
        if isinstance(data, Tensor):  # the tensor's array and version counter, cut from its graph, as in torch
            return data.detach().as_subclass(cls)
        return super().__new__(cls)

    def __init__(self, data: Any, requires_grad: bool = True):
        requires_grad = check_bool("Parameter", "requires_grad", requires_grad)
        if not isinstance(data, Tensor):  # a tensor's array was taken over by __new__
            super().__init__(data)
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """The base of every layer, as torch.nn.Module: assign Parameters and Modules as attributes.

    >>> import tinygrad_rnn as tg
    >>> class Affine(tg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = tg.nn.Parameter(tg.ones(3))
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> [name for name, _ in Affine().named_parameters()]
    ['scale']
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # --- attributes ---------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params, modules = self.__dict__.get("_parameters"), self.__dict__.get("_modules")
        if params is None:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        if isinstance(value, Parameter):
            self.__dict__.pop(name, None)
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            params.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:  # silently dropping a parameter from training would hide the mistake
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (nn.Parameter or None expected)"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (nn.Module or None expected)"
                )
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if name in d.get("_parameters", {}):
            return d["_parameters"][name]
        if name in d.get("_modules", {}):
            return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Adds a parameter; ``None`` keeps the name listed as absent (e.g. ``bias=False``)."""
        _check_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or None required)"
            )
        self._parameters.pop(name, None)
        if param is None:
            self.__dict__.pop(name, None)
            self._modules.pop(name, None)
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Adds a submodule under ``name`` (names that are not identifiers too, e.g. ``"0"``)."""
        _check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        self._parameters.pop(name, None)
        self.__dict__.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    def apply(self, fn: Any) -> Module:
        """Calls ``fn`` on every submodule, then on this module (e.g. a custom initialisation)."""
        if not callable(fn):
            raise TypeError(f"apply: fn must be a function of a module, got {shown(fn)}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turns gradients on or off for every parameter (freezing a part of a model)."""
        requires_grad = check_bool("requires_grad_", "requires_grad", requires_grad)
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # --- calling ------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- walking the tree -------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every submodule, depth first, each once (unless ``remove_duplicate=False``)."""
        stack = [(prefix, self)]
        seen: set[int] = set()
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs, as torch names them ("0.weight", "rnn.bias_hh_l0", ...).

        A parameter shared by two modules (tied weights) comes once, under its
        first name, unless ``remove_duplicate=False``.
        """
        if not isinstance(prefix, str):
            raise TypeError(f"named_parameters: prefix must be a str, got {shown(prefix)}")
        seen: set[int] = set()
        if recurse:
            modules = self.named_modules(prefix, remove_duplicate=remove_duplicate)
        else:
            modules = iter([(prefix, self)])
        for module_name, module in modules:
            for name, p in module._parameters.items():
                if p is None:
                    continue
                if remove_duplicate:
                    if id(p) in seen:
                        continue
                    seen.add(id(p))
                yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    # --- modes and gradients ----------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Sets ``training`` on this module and every submodule (dropout acts only in training)."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears every parameter's gradient: to None (the default, as torch), or to zeros."""
        zero_grads("zero_grad", self.parameters(), set_to_none)

    def to(self, device: Any = None, dtype: Any = None) -> Module:
        """Moves every parameter (and its gradient) to a device or casts it to a float dtype, in place.

        ``model.to("cuda")``, ``model.to(tg.float64)`` or ``model.to(device=..., dtype=...)``, as torch.
        """
        if dtype is None and (isinstance(device, DType) or isinstance(device, str) and device in BY_NAME):
            device, dtype = None, device
        try:
            target = None if device is None else get_backend(device)
        except ValueError:
            raise ValueError(
                f"to: expected a device ('cpu', 'cuda', 'cuda:N') or a float dtype (tg.float32, tg.float64), "
                f"got {shown(device)}"
            ) from None
        try:
            name = to_name(dtype)
        except TypeError:
            raise TypeError(f"to: dtype must be tg.float32 or tg.float64, got {shown(dtype)}") from None
        if name is not None and not BY_NAME[name].is_floating_point:
            raise TypeError(f"to: nn.Module.to only accepts floating point dtypes, got {name}")
        for p in self.parameters():
            data = _convert(p.backend, p.data, target, name)
            grad = p.grad
            if grad is not None:
                grad = Tensor.wrap(_convert(grad.backend, grad.data, target, name), target or grad.backend)
            p.grad = None  # the new gradient must match the new device and dtype: set it after them
            p.backend = target or p.backend
            p.data = data
            p.grad = grad
        return self

    def double(self) -> Module:
        """Casts every parameter to float64."""
        return self.to(dtype="float64")

    def float(self) -> Module:
        """Casts every parameter to float32."""
        return self.to(dtype="float32")

    def __deepcopy__(self, memo: dict[int, Any]) -> Module:
        """``copy.deepcopy(model)`` (keeping the best model so far): new arrays, the same backends."""
        for m in self.modules():
            for value in [*m._parameters.values(), *m.__dict__.values()]:
                if isinstance(value, Tensor):
                    for t in (value, value.grad):
                        if t is not None:
                            memo.setdefault(id(t.backend), t.backend)  # a backend is a singleton per device
        new = object.__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            object.__setattr__(new, key, copy.deepcopy(value, memo))
        return new

    # --- state dicts --------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Name → tensor (detached, sharing memory), with PyTorch's names.

        Tied parameters appear under each of their names, as in torch.
        """
        return OrderedDict((name, p.detach()) for name, p in self.named_parameters(remove_duplicate=False))

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copies values (Tensors or NumPy arrays) into the parameters of the same names.

        All or nothing: every name, shape and dtype is checked, and every value
        converted, before any parameter changes. Mis-shaped values always fail;
        with ``strict`` (the default), missing or unexpected names fail too. One
        error lists every problem by name. Values of another real dtype (float16,
        float64, integers, bool) are cast to the parameter's dtype, as torch does;
        complex, string and object arrays are refused. Returns the missing and
        unexpected names, as torch.

        >>> import numpy as np, tinygrad_rnn as tg
        >>> lin = tg.nn.Linear(2, 1)
        >>> lin.load_state_dict({"weight": np.ones((1, 2), np.float16)}, strict=False)
        IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
        >>> lin.weight
        Parameter containing:
        tensor([[1., 1.]], requires_grad=True)
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict: state_dict must be a dict of names to tensors (e.g. model.state_dict()), "
                f"got {type(state_dict).__name__}"
            )
        own = dict(self.named_parameters(remove_duplicate=False))
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and missing:
            problems.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if strict and unexpected:
            problems.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        converted = {}
        for name, value in state_dict.items():
            if name in own:
                array, problem = _prepare(name, value, own[name])
                if problem:
                    problems.append(problem)
                else:
                    converted[name] = array
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        for name, array in converted.items():  # nothing below can fail: every array is ready
            p = own[name]
            p.data[...] = array  # in place, as torch's copy_: tensors from state_dict() see the new values
            p.data = p.data  # and counted as an in-place change, so a graph that saved the old values notices
        return IncompatibleKeys(missing, unexpected)

    # --- printing -------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        """torch's layout: one line per child, indented, after the module's own settings."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items() if m is not None
        ]
        lines = extra_lines + child_lines
        head = type(self).__name__ + "("
        if len(extra_lines) == 1 and not child_lines:
            return head + extra_lines[0] + ")"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _prepare(name: str, value: Any, param: Parameter) -> tuple[Any, str | None]:
    """``value`` as an array of ``param``'s backend and dtype, or the reason it cannot be one."""
    if isinstance(value, Tensor):
        source = value.numpy()
    elif isinstance(value, np.ndarray | np.generic) or hasattr(value, "__array__"):
        source = np.asarray(value)
    else:
        return None, (
            f'While copying the parameter named "{name}", expected a Tensor or an array from checkpoint '
            f"but received {type(value).__name__}."
        )
    if source.shape != param.shape:
        return None, (
            f"size mismatch for {name}: copying a param with shape {tuple(source.shape)} from checkpoint, "
            f"the shape in current model is {param.shape}."
        )
    if source.dtype.kind not in "biuf":
        return None, (
            f"dtype mismatch for {name}: cannot copy a {source.dtype} array from checkpoint into a "
            f"{param.dtype.name} parameter (expected a float, integer or bool array)."
        )
    with np.errstate(over="ignore"):  # 1e300 into float32 becomes inf, silently, as in torch
        cast = source.astype(param.dtype.name)
    return param.backend.asarray(cast, param.dtype.name), None


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f'{kind} name can\'t be empty or contain ".", got: {name!r}')


def _convert(backend: Any, data: Any, target: Any, dtype: str | None) -> Any:
    """``data`` copied to ``target`` (a backend, or None to stay) and cast to ``dtype`` (None to keep)."""
    if target is not None and target is not backend:
        data, backend = target.from_host(backend.to_host(data)), target
    if dtype is not None and backend.dtype_name(data) != dtype:
        data = backend.xp.astype(data, backend.dtype(dtype))
    return data
