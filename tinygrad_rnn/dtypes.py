"""The element types a tensor can hold, named as in PyTorch.

>>> import tinygrad_rnn as tg
>>> tg.Tensor([1.0]).dtype
tinygrad_rnn.float32
>>> tg.Tensor([1.0]).dtype == tg.float32
True
"""

from __future__ import annotations


class DType:
    """One element type; compares equal to itself and to its name."""

    __slots__ = ("name", "is_floating_point")

    def __init__(self, name: str):
        self.name = name
        self.is_floating_point = name.startswith("float")

    def __repr__(self) -> str:
        return f"tinygrad_rnn.{self.name}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return other.name == self.name
        return isinstance(other, str) and other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


float32 = DType("float32")
float64 = DType("float64")
int64 = DType("int64")
bool_ = DType("bool")
BY_NAME = {d.name: d for d in (float32, float64, int64, bool_)}
_default_float = float32


def to_name(dtype: DType | str | None) -> str | None:
    """The name of a dtype given as DType, name, or anything with a ``.name``."""
    if dtype is None:
        return None
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if name not in BY_NAME:
        raise TypeError(f"unsupported dtype {dtype!r}; expected one of {', '.join(BY_NAME)}")
    return name


def set_default_dtype(dtype: DType | str) -> None:
    """The float type of tensors made from Python floats (float32 unless changed).

    >>> set_default_dtype(float64); get_default_dtype()
    tinygrad_rnn.float64
    >>> set_default_dtype(float32)
    """
    global _default_float
    name = to_name(dtype)
    if not BY_NAME[name].is_floating_point:
        raise TypeError(f"set_default_dtype: only float32 or float64 can be the default, got {name}")
    _default_float = BY_NAME[name]


def get_default_dtype() -> DType:
    return _default_float
