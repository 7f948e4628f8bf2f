"""Linear, Embedding, Dropout and Sequential, with PyTorch's names, shapes and initialisation."""

from __future__ import annotations

import math
import operator
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from .. import functional as F
from ..checks import check_bool, check_int, check_number, shown
from ..creation import randn
from ..ops import where
from ..tensor import Tensor
from .init import float_dtype_name, uniform_parameter
from .module import Module, Parameter


class Linear(Module):
    """y = x Wᵀ + b, with W of shape (out_features, in_features).

    >>> import tinygrad_rnn as tg
    >>> tg.nn.Linear(3, 2)(tg.zeros(5, 3)).shape
    (5, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        in_features = check_int("Linear", "in_features", in_features, minimum=0)
        out_features = check_int("Linear", "out_features", out_features, minimum=0)
        bias = check_bool("Linear", "bias", bias)
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features else 0.0
        dtype = float_dtype_name(dtype, "Linear")
        self.weight = uniform_parameter((out_features, in_features), bound, device, dtype)
        self.register_parameter("bias", uniform_parameter((out_features,), bound, device, dtype) if bias else None)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"Linear: input must be a Tensor, got {shown(x)}")
        if x.dtype != self.weight.dtype:
            raise TypeError(
                f"Linear: input has dtype {x.dtype.name}, the layer's weight {self.weight.dtype.name}; "
                f"convert one of them (x.to(tg.{self.weight.dtype.name}) or layer.to(tg.{x.dtype.name}))"
            )
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"Linear: input of shape {x.shape} does not fit in_features={self.in_features} "
                f"(its last dimension must be {self.in_features})"
            )
        lead = x.shape[:-1]
        flat = x.reshape(-1, self.in_features) if x.ndim != 2 else x
        y = flat @ self.weight.T
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*lead, self.out_features) if x.ndim != 2 else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` (num_embeddings, embedding_dim) for index ``i``.

    >>> import tinygrad_rnn as tg
    >>> tg.nn.Embedding(10, 4)(tg.Tensor([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ):
        super().__init__()
        num_embeddings = check_int("Embedding", "num_embeddings", num_embeddings, minimum=0)
        embedding_dim = check_int("Embedding", "embedding_dim", embedding_dim, minimum=0)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            padding_idx = check_int("Embedding", "padding_idx", padding_idx)
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be within num_embeddings ({num_embeddings}), got {padding_idx}"
                )
            if padding_idx < 0:
                padding_idx += num_embeddings
        self.padding_idx = padding_idx
        self.weight = Parameter(
            randn(num_embeddings, embedding_dim, dtype=float_dtype_name(dtype, "Embedding"), device=device)
        )
        if padding_idx is not None:
            self.weight.data[padding_idx, ...] = 0.0

    def forward(self, indices: Tensor) -> Tensor:
        if not isinstance(indices, Tensor):
            indices = Tensor(indices, device=self.weight.backend)
        if indices.dtype.name != "int64":
            raise TypeError(f"Embedding: expected int64 indices, got {indices.dtype!r}")
        self._check_range(indices)
        rows = self.weight[indices]
        if self.padding_idx is not None:  # the padding row reads as stored but gets no gradient
            rows = where((indices != self.padding_idx).unsqueeze(-1), rows, rows.detach())
        return rows

    def _check_range(self, indices: Tensor) -> None:
        """Indices in [0, num_embeddings), as torch; skipped on GPUs, where it would wait for the device."""
        if indices.device.startswith("cuda") or not indices.numel():
            return
        xp = indices.backend.xp
        low, high = int(xp.min(indices.data)), int(xp.max(indices.data))
        if low < 0 or high >= self.num_embeddings:
            raise IndexError(
                f"Embedding: index {low if low < 0 else high} is out of range for {self.num_embeddings} embeddings"
            )

    def extra_repr(self) -> str:
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


class Dropout(Module):
    """Zeroes elements with probability ``p`` in training mode; the identity in eval mode."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        check_number("Dropout", "p", p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p (the probability of a zero) has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Sequential(Module):
    """Modules applied in order.

    >>> import tinygrad_rnn as tg
    >>> net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Linear(4, 1))
    >>> net(tg.zeros(2, 3)).shape, len(net)
    ((2, 1), 2)
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: {name!r} is a {type(m).__name__}, not a Module subclass")
                self.add_module(name, m)  # checks the name, as torch does
            return
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: {type(m).__name__} is not a Module subclass")
            setattr(self, str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        """``net[0]``, ``net[-1]``; a slice gives a Sequential of those modules (names kept), as torch."""
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_position("Sequential", index, len(items))][1]


class ModuleList(Module):
    """A list of modules whose parameters the parent sees (a plain list would hide them).

    >>> import tinygrad_rnn as tg
    >>> layers = tg.nn.ModuleList([tg.nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def __init__(self, modules: Any = ()):
        super().__init__()
        if isinstance(modules, Module) or not hasattr(modules, "__iter__"):
            raise TypeError(f"ModuleList: modules must be an iterable of Modules (e.g. a list), got {shown(modules)}")
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList: {type(module).__name__} is not a Module subclass")
        setattr(self, str(len(self._modules)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        """``layers[0]``, ``layers[-1]``; a slice gives a ModuleList of those modules, as torch."""
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[_position("ModuleList", index, len(modules))]


def _position(container: str, index: Any, length: int) -> int:
    """``index`` as a list position: an integer (NumPy ones too) within range, as torch checks it."""
    if isinstance(index, bool) or not hasattr(index, "__index__"):
        raise TypeError(f"{container}: indices must be integers or slices, got {shown(index)}")
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"{container}: index {index} is out of range for {length} modules")
    return index
