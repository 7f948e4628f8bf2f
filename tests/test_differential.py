"""Differential testing against PyTorch: hypothesis draws an op, shapes, dtypes and values; both libraries run it.

For every public op and method (arithmetic with broadcasting and Python
numbers, comparisons, reductions, shaping, indexing, joining and cutting,
activations, softmax, the losses, matmul, casts) a case is drawn: shapes with
0-d tensors and 0-size dimensions, float32/float64/int64/bool where the op
takes them, ordinary values or extremes (±1e4, ±1e30, subnormals, ±inf, NaN).
Then it compares

- the errors: both raise, or neither does (and ours is never an AttributeError
  or a KeyError from the inside);
- the outputs: shape, dtype, ``requires_grad`` and values (NaN for NaN);
- the gradients of every float input, after a weighted sum of the float outputs
  is sent backward.

Where we differ from PyTorch on purpose, ``KNOWN_DIFFERENCES`` names the case
and the reason (docs/api.md, "Where we differ from PyTorch", says the same),
and the test checks that ours still behaves as documented.

Derandomized and small by default (a few seconds); for a longer run set the
number of examples per op::

    TINYGRAD_RNN_DIFFERENTIAL_EXAMPLES=2000 python -m pytest tests/test_differential.py
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0); the comparisons skip")
TF = torch.nn.functional

EXAMPLES = int(os.environ.get("TINYGRAD_RNN_DIFFERENTIAL_EXAMPLES", "12"))  # per op
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
TOLERANCE = {"float32": 2e-5, "float64": 1e-10}
FLOATS, ALL_DTYPES = ("float32", "float64"), ("float32", "float64", "int64", "bool")
INF, NAN = float("inf"), float("nan")

# What PyTorch does and we do not, on purpose: each entry's reason is also in docs/api.md.
KNOWN_DIFFERENCES = {
    "float-only function on an integer tensor": (
        "sigmoid, tanh, exp, log, sqrt, relu, abs and logsigmoid refuse int64/bool tensors with a TypeError "
        "that says .float(); PyTorch computes them (promoting to float32 or keeping the integer type). "
        "Nothing is cast silently."
    ),
    "mse_loss of different shapes": (
        "mse_loss refuses input and target of different shapes; PyTorch warns and broadcasts, which is "
        "almost always a bug in the caller."
    ),
    "cat with a 1-D empty tensor": (
        "PyTorch (for backward compatibility) skips tensors of shape (0,) in cat whatever their dimensions "
        "and dim; ours checks them like any other tensor."
    ),
    "an integer to a negative integer power": (
        "refused with a ValueError (NumPy's rule, and PyTorch's for tensor ** int); PyTorch's number ** tensor "
        "and tensor ** tensor compute it, truncated to an integer (2 ** -1 == 0)."
    ),
    "clamp with min > max": (
        "refused with a ValueError naming both bounds; PyTorch sets every element to max, which is almost "
        "always a slip (the bounds swapped)."
    ),
    "x ** 0.5 at -0.0 and -inf": (
        "the gradient 0.5 * x ** -0.5 follows C's pow (IEEE 754): inf at -0.0, 0 at -inf; PyTorch computes "
        "it through rsqrt and gets -inf and NaN."
    ),
    "max over a tuple of dims": (
        "max(dim=(0, 1)) reduces over several axes (as torch.amax); PyTorch's max takes one int dim only."
    ),
    "cat or stack of different dtypes": (
        "cat and stack refuse tensors of different dtypes with a TypeError naming them; PyTorch promotes "
        "(an int64 piece joined to float32 ones), which hides a mix-up of indices and data."
    ),
}

SUBNORMAL = {"float32": float(np.finfo(np.float32).tiny) / 8, "float64": float(np.finfo(np.float64).tiny) / 8}
EXTREMES = [1e4, -1e4, 1e30, -1e30, INF, -INF, NAN, 0.0, -0.0]


# --- drawing cases ---------------------------------------------------------------------------------
@dataclass
class Case:
    """Arrays to become tensors (float ones require grad), and settings passed to the op as they are."""

    arrays: list[np.ndarray]
    params: dict = field(default_factory=dict)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=3)


def values(draw: st.DrawFn, shape: tuple, dtype: str) -> np.ndarray:
    """Ordinary values, or (one case in three) values mixed with extremes; ints in [−3, 3]."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype == "int64":
        return rng.integers(-3, 4, shape).astype(np.int64)
    out = np.round(rng.normal(0.0, 1.5, shape), 3)
    if draw(st.sampled_from([False, False, True])) and out.size:
        pool = np.array(EXTREMES + [SUBNORMAL[dtype], -SUBNORMAL[dtype]])
        picked = rng.random(shape) < 0.4
        out = np.where(picked, rng.choice(pool, shape), out)
    return out.astype(dtype)


def dtype_of(draw: st.DrawFn, choices: tuple = ALL_DTYPES) -> str:
    # floats three times as often as the others: they are where gradients live
    weighted = [d for d in choices for _ in range(3 if d in FLOATS else 1)]
    return draw(st.sampled_from(weighted))


def dim_of(draw: st.DrawFn, ndim: int) -> int:
    """A dim, now and then one out of range (the error must match)."""
    n = max(ndim, 1)
    return draw(st.integers(-n - 1, n))


def python_number(draw: st.DrawFn) -> Any:
    return draw(st.sampled_from([2, -1, 0, 3, 0.5, -1.5, 0.0, 2.0]))


# --- the ops -------------------------------------------------------------------------------------------
@dataclass
class Op:
    """One op: how to draw a case, and the call, written once for both libraries (``L`` is tg or torch)."""

    name: str
    draw: Callable[[st.DrawFn], Case]
    call: Callable[..., Any]
    known: Callable[[Case], str | None] = lambda case: None  # names a KNOWN_DIFFERENCES entry for this case


class Lib:
    """The names both libraries share, so one lambda serves both."""

    def __init__(self, module: Any, functional: Any, is_ours: bool):
        self.module, self.F, self.is_ours = module, functional, is_ours

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


OURS, THEIRS = Lib(tg, F, True), Lib(torch, TF, False)


def one_tensor(dtypes: tuple = ALL_DTYPES, min_dims: int = 0, min_side: int = 0) -> Callable:
    def draw(d: st.DrawFn) -> Case:
        shape = d(shapes(min_dims=min_dims, min_side=min_side))
        return Case([values(d, shape, dtype_of(d, dtypes))])

    return draw


def integer_input(case: Case) -> str | None:
    return "float-only function on an integer tensor" if case.arrays[0].dtype.kind != "f" else None


def unary(name: str, fn: Callable, dtypes: tuple = ALL_DTYPES, float_only: bool = True) -> Op:
    return Op(name, one_tensor(dtypes), fn, integer_input if float_only else (lambda case: None))


def two_tensors(d: st.DrawFn, dtypes: tuple = ALL_DTYPES) -> Case:
    """Two broadcastable shapes (or, now and then, two that are not), each with its own dtype."""
    if d(st.integers(0, 9)) == 0:
        a, b = d(shapes()), d(shapes())
    else:
        a, b = d(
            hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3)
        ).input_shapes
    return Case([values(d, a, dtype_of(d, dtypes)), values(d, b, dtype_of(d, dtypes))])


def binary(name: str, fn: Callable, dtypes: tuple = ALL_DTYPES) -> list[Op]:
    """The op on two tensors, and with a Python number on either side."""

    def with_number(swapped: bool) -> Callable:
        def draw(d: st.DrawFn) -> Case:
            shape = d(shapes())
            return Case([values(d, shape, dtype_of(d, dtypes))], {"number": python_number(d), "swapped": swapped})

        return draw

    def call_with_number(L: Lib, a: Any, number: Any, swapped: bool) -> Any:
        return fn(number, a) if swapped else fn(a, number)

    def pow_differences(case: Case) -> str | None:
        number, base = case.params.get("number"), case.arrays[0]
        if name == "pow" and number == 0.5 and not case.params.get("swapped") and base.dtype.kind == "f":
            if np.any(base == -INF) or np.any((base == 0) & np.signbit(base)):
                return "x ** 0.5 at -0.0 and -inf"
        return negative_integer_power(case)

    def negative_integer_power(case: Case) -> str | None:
        operands = case.arrays + ([case.params["number"]] if "number" in case.params else [])
        base, exponent = operands[::-1] if case.params.get("swapped") else operands
        if not isinstance(exponent, np.ndarray):  # tensor ** negative int: both refuse, even when empty
            return None
        integral = all(
            isinstance(v, int) or (isinstance(v, np.ndarray) and v.dtype.kind in "iub") for v in (base, exponent)
        )
        try:  # an empty result has no element to raise about
            empty = 0 in np.broadcast_shapes(*(a.shape for a in case.arrays))
        except ValueError:
            empty = False
        negative = bool(np.any(np.asarray(exponent) < 0)) and not empty
        return "an integer to a negative integer power" if name == "pow" and integral and negative else None

    return [
        Op(name, lambda d: two_tensors(d, dtypes), lambda L, a, b: fn(a, b), negative_integer_power),
        Op(name + " tensor∘number", with_number(False), call_with_number, pow_differences),
        Op(name + " number∘tensor", with_number(True), call_with_number, negative_integer_power),
    ]


def reduction_case(tuple_dims: bool) -> Callable:
    def draw(d: st.DrawFn) -> Case:
        shape = d(shapes())
        kind = d(st.sampled_from(["none", "int"] + (["tuple"] if tuple_dims else [])))
        if kind == "none":
            dim: Any = None
        elif kind == "int":
            dim = dim_of(d, len(shape))
        else:
            dim = tuple(d(st.lists(st.integers(-len(shape), max(len(shape) - 1, 0)), max_size=3)))
        return Case([values(d, shape, dtype_of(d))], {"dim": dim, "keepdim": d(st.booleans())})

    return draw


def reduce_call(method: str) -> Callable:
    def call(L: Lib, x: Any, dim: Any, keepdim: bool) -> Any:
        if dim is None:
            return getattr(x, method)()
        return getattr(x, method)(dim=dim, keepdim=keepdim)

    return call


def reshape_case(d: st.DrawFn) -> Case:
    shape = d(shapes())
    n = int(np.prod(shape))
    divisors = [k for k in range(1, n + 1) if n % k == 0] or [1]
    first = d(st.sampled_from(divisors))
    new = d(st.sampled_from([(first, -1), (-1,), (n,), (first, n // first if first else 0), (n + 1,)]))
    return Case([values(d, shape, dtype_of(d))], {"shape": new})


def permutation_case(d: st.DrawFn) -> Case:
    shape = d(shapes(min_dims=1))
    dims = d(st.permutations(range(len(shape))))
    return Case([values(d, shape, dtype_of(d))], {"dims": tuple(dims)})


def two_dims_case(d: st.DrawFn) -> Case:
    shape = d(shapes())
    return Case([values(d, shape, dtype_of(d))], {"a": dim_of(d, len(shape)), "b": dim_of(d, len(shape))})


def one_dim_case(extra: int = 0) -> Callable:
    def draw(d: st.DrawFn) -> Case:
        shape = d(shapes())
        return Case([values(d, shape, dtype_of(d))], {"dim": dim_of(d, len(shape) + extra)})

    return draw


def squeeze_case(d: st.DrawFn) -> Case:
    shape = d(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2))
    kind = d(st.sampled_from(["none", "int", "tuple"]))
    dim: Any = None
    if kind == "int":
        dim = dim_of(d, len(shape))
    elif kind == "tuple":
        dim = tuple(d(st.lists(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1), max_size=3, unique=True)))
    return Case([values(d, shape, dtype_of(d))], {"dim": dim})


def expand_case(d: st.DrawFn) -> Case:
    shape = d(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    target = list(d(hnp.broadcastable_shapes(shape, min_dims=len(shape), max_dims=4, min_side=1, max_side=3)))
    target = [max(t, s) for t, s in zip(target[-len(shape) :], shape)] if shape else []
    lead = d(st.lists(st.integers(0, 3), max_size=1))
    sizes = tuple(lead) + tuple(-1 if d(st.booleans()) else t for t in target)
    return Case([values(d, shape, dtype_of(d))], {"sizes": sizes})


def flatten_case(d: st.DrawFn) -> Case:
    shape = d(shapes())
    return Case([values(d, shape, dtype_of(d))], {"start": dim_of(d, len(shape)), "end": dim_of(d, len(shape))})


def index_case(d: st.DrawFn) -> Case:
    """Basic indexing: ints (in range), slices with steps, None and an Ellipsis."""
    shape = d(shapes(min_dims=1))
    key: list = []
    for n in shape[: d(st.integers(1, len(shape)))]:
        choice = d(st.sampled_from(["int", "slice", "none", "full"]))
        if choice == "int" and n:
            key.append(d(st.integers(-n, n - 1)))
        elif choice == "slice":
            start, stop = d(st.integers(-4, 4)), d(st.integers(-4, 5))
            key.append(slice(start, stop, d(st.integers(1, 2))))
        elif choice == "none":
            key.append(None)
        else:
            key.append(slice(None))
    if d(st.booleans()):
        key.insert(d(st.integers(0, len(key))), Ellipsis)
    return Case([values(d, shape, dtype_of(d))], {"key": tuple(key)})


def tensor_index_case(d: st.DrawFn) -> Case:
    shape = d(shapes(min_dims=1, min_side=1))
    if d(st.booleans()):  # an int64 index tensor along dim 0 (repeats add up in backward)
        index = np.array(d(st.lists(st.integers(-shape[0], shape[0] - 1), max_size=4)), dtype=np.int64)
    else:  # a bool mask over the leading axes
        lead = d(st.integers(1, len(shape)))
        index = values(d, shape[:lead], "bool")
    return Case([values(d, shape, dtype_of(d)), index])


def pieces_case(d: st.DrawFn, same: bool) -> Case:
    shape = list(d(shapes(min_dims=0 if same else 1)))
    dim = dim_of(d, len(shape) + (1 if same else 0))
    dtype = dtype_of(d)
    arrays = []
    for _ in range(d(st.integers(1, 3))):
        s = list(shape)
        if not same and shape and -len(shape) <= dim < len(shape):
            s[dim] = d(st.integers(0, 3))
        arrays.append(values(d, tuple(s), dtype if d(st.integers(0, 9)) else dtype_of(d)))
    return Case(arrays, {"dim": dim})


def split_case(d: st.DrawFn) -> Case:
    shape = d(shapes())
    dim = dim_of(d, len(shape))
    length = shape[dim] if shape and -len(shape) <= dim < len(shape) else 0
    if d(st.booleans()):
        sections: Any = d(st.integers(0, 4))
    else:
        cuts = sorted(d(st.lists(st.integers(0, length), max_size=3)))
        sections = [b - a for a, b in zip([0, *cuts], [*cuts, length])]
    return Case([values(d, shape, dtype_of(d))], {"sections": sections, "dim": dim})


def chunk_case(d: st.DrawFn) -> Case:
    shape = d(shapes())
    return Case([values(d, shape, dtype_of(d))], {"chunks": d(st.integers(0, 4)), "dim": dim_of(d, len(shape))})


def gates_case(d: st.DrawFn) -> Case:
    """A slab of n equal pieces along its last axis (float: the gates take no other), with n functions."""
    functions = d(st.lists(st.sampled_from(["sigmoid", "tanh"]), min_size=1, max_size=4))
    shape = (*d(shapes(max_dims=2)), len(functions) * d(st.integers(0, 3)))
    return Case([values(d, shape, dtype_of(d, FLOATS))], {"functions": functions})


def gates_call(L: Any, x: Any, functions: list[str]) -> Any:
    """Ours as one op; torch's as the textbook writes it: chunk, then each piece through its function."""
    if L.is_ours:
        return tg.gate_activations(x, functions)
    return tuple(getattr(torch, f)(p) for f, p in zip(functions, x.chunk(len(functions), -1)))


def where_case(d: st.DrawFn) -> Case:
    a, b, c = d(
        hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=0, max_side=3)
    ).input_shapes
    dtype = dtype_of(d, FLOATS + ("int64",))
    other = dtype if d(st.integers(0, 4)) else dtype_of(d, FLOATS + ("int64",))
    return Case([values(d, a, "bool"), values(d, b, dtype), values(d, c, other)])


def where_number_case(d: st.DrawFn) -> Case:
    a, b = d(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3)
    ).input_shapes
    params = {"number": python_number(d), "swapped": d(st.booleans())}
    return Case([values(d, a, "bool"), values(d, b, dtype_of(d, FLOATS + ("int64",)))], params)


def clamp_case(d: st.DrawFn) -> Case:
    shape = d(shapes())
    low = d(st.sampled_from([None, -1, -0.5, 0.0, 1]))
    high = d(st.sampled_from([None, 1, 0.5, 2.0, -1]))
    return Case([values(d, shape, dtype_of(d, FLOATS + ("int64",)))], {"low": low, "high": high})


def matmul_case(d: st.DrawFn) -> Case:
    n, k, m = d(st.integers(0, 3)), d(st.integers(0, 3)), d(st.integers(0, 3))
    k2 = k if d(st.integers(0, 9)) else d(st.integers(0, 3))
    batch_a, batch_b = d(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, min_side=1, max_side=2)
    ).input_shapes
    a = d(st.sampled_from([(k,), (n, k), (*batch_a, n, k)]))
    b = d(st.sampled_from([(k2,), (k2, m), (*batch_b, k2, m)]))
    dtype = dtype_of(d, FLOATS)
    other = dtype if d(st.integers(0, 9)) else dtype_of(d, FLOATS)
    return Case([values(d, a, dtype), values(d, b, other)])


def softmax_case(d: st.DrawFn) -> Case:
    shape = d(shapes())
    return Case([values(d, shape, dtype_of(d, FLOATS))], {"dim": dim_of(d, len(shape))})


def cross_entropy_case(d: st.DrawFn) -> Case:
    classes = d(st.integers(1, 4))
    layout = d(st.sampled_from(["N,C", "C", "N,C,d"]))
    n, extra = d(st.integers(0, 3)), d(st.integers(1, 2))
    shape = {"N,C": (n, classes), "C": (classes,), "N,C,d": (n, classes, extra)}[layout]
    target_shape = {"N,C": (n,), "C": (), "N,C,d": (n, extra)}[layout]
    rng = np.random.default_rng(d(st.integers(0, 2**32 - 1)))
    target = rng.integers(0, classes, target_shape).astype(np.int64)
    ignore = d(st.sampled_from([-100, 0]))
    if target.size and d(st.booleans()):
        target.flat[0] = ignore
    params = {"ignore_index": ignore, "reduction": d(st.sampled_from(["mean", "sum", "none"]))}
    return Case([values(d, shape, dtype_of(d, FLOATS)), target], params)


def mse_case(d: st.DrawFn) -> Case:
    a = d(shapes())
    b = a if d(st.integers(0, 5)) else d(shapes())
    dtype = dtype_of(d, FLOATS)
    params = {"reduction": d(st.sampled_from(["mean", "sum", "none"]))}
    return Case([values(d, a, dtype), values(d, b, dtype)], params)


def mse_shapes(case: Case) -> str | None:
    return "mse_loss of different shapes" if case.arrays[0].shape != case.arrays[1].shape else None


def swapped_bounds(case: Case) -> str | None:
    low, high = case.params["low"], case.params["high"]
    return "clamp with min > max" if low is not None and high is not None and low > high else None


def mixed_dtypes(case: Case) -> str | None:
    return "cat or stack of different dtypes" if len({a.dtype for a in case.arrays}) > 1 else None


def cat_known(case: Case) -> str | None:
    if any(a.shape == (0,) for a in case.arrays):
        return "cat with a 1-D empty tensor"
    return mixed_dtypes(case)


def max_tuple(case: Case) -> str | None:
    return "max over a tuple of dims" if isinstance(case.params.get("dim"), tuple) else None


OPS: list[Op] = [
    # arithmetic, broadcasting, Python numbers on either side
    *binary("add", lambda a, b: a + b),
    *binary("sub", lambda a, b: a - b),
    *binary("mul", lambda a, b: a * b),
    *binary("div", lambda a, b: a / b),
    # (torch cannot differentiate a float base to a bool tensor's power: its backward subtracts from a bool)
    *binary("pow", lambda a, b: a**b, FLOATS + ("int64",)),
    Op("pow of a bool tensor", one_tensor(("bool",)), lambda L, x: x**2),
    Op("number to a bool tensor's power", one_tensor(("bool",)), lambda L, x: 2**x),
    Op("add()", lambda d: two_tensors(d), lambda L, a, b: L.add(a, b)),
    Op("neg", one_tensor(FLOATS + ("int64",)), lambda L, x: -x),
    # comparisons
    *[
        op
        for name, fn in [
            ("lt", lambda a, b: a < b),
            ("le", lambda a, b: a <= b),
            ("gt", lambda a, b: a > b),
            ("ge", lambda a, b: a >= b),
            ("eq", lambda a, b: a == b),
            ("ne", lambda a, b: a != b),
        ]
        for op in binary(name, fn)[:2]
    ],
    # elementwise functions
    unary("sigmoid", lambda L, x: L.sigmoid(x)),
    unary("sigmoid method", lambda L, x: x.sigmoid()),
    unary("tanh", lambda L, x: L.tanh(x)),
    unary("relu", lambda L, x: L.relu(x)),
    unary("exp", lambda L, x: x.exp()),
    unary("log", lambda L, x: x.log()),
    unary("sqrt", lambda L, x: x.sqrt()),
    unary("abs", lambda L, x: x.abs()),
    unary("logsigmoid", lambda L, x: L.F.logsigmoid(x)),
    Op("clamp", clamp_case, lambda L, x, low, high: x.clamp(low, high), swapped_bounds),
    # reductions
    Op("sum", reduction_case(True), reduce_call("sum")),
    Op("mean", reduction_case(True), reduce_call("mean")),
    Op("max", reduction_case(True), reduce_call("max"), max_tuple),
    Op("argmax", reduction_case(False), lambda L, x, dim, keepdim: x.argmax(dim=dim, keepdim=keepdim)),
    # shaping
    Op("reshape", reshape_case, lambda L, x, shape: x.reshape(shape)),
    Op("view", reshape_case, lambda L, x, shape: x.view(*shape)),
    Op("flatten", flatten_case, lambda L, x, start, end: x.flatten(start, end)),
    Op("transpose", two_dims_case, lambda L, x, a, b: x.transpose(a, b)),
    Op("permute", permutation_case, lambda L, x, dims: x.permute(*dims)),
    Op("T", one_tensor(min_dims=2), lambda L, x: x.T if x.ndim == 2 else x.permute(*reversed(range(x.ndim)))),
    Op("t()", one_tensor(), lambda L, x: x.t()),
    Op("unsqueeze", one_dim_case(extra=1), lambda L, x, dim: x.unsqueeze(dim)),
    Op("squeeze", squeeze_case, lambda L, x, dim: x.squeeze() if dim is None else x.squeeze(dim)),
    Op("expand", expand_case, lambda L, x, sizes: x.expand(*sizes)),
    Op("clone", one_tensor(), lambda L, x: x.clone()),
    Op("float()", one_tensor(), lambda L, x: x.float()),
    Op("double()", one_tensor(), lambda L, x: x.double()),
    Op("long()", one_tensor(), lambda L, x: x.long()),
    # indexing and choosing
    Op("getitem", index_case, lambda L, x, key: x[key]),
    Op("getitem tensor", tensor_index_case, lambda L, x, i: x[i]),
    Op("where", where_case, lambda L, c, a, b: L.where(c, a, b)),
    Op(
        "where with a number",
        where_number_case,
        lambda L, c, a, number, swapped: L.where(c, number, a) if swapped else L.where(c, a, number),
    ),
    # joining and cutting
    Op("cat", lambda d: pieces_case(d, same=False), lambda L, *xs, dim: L.cat(list(xs), dim=dim), cat_known),
    Op("stack", lambda d: pieces_case(d, same=True), lambda L, *xs, dim: L.stack(list(xs), dim=dim), mixed_dtypes),
    Op("split", split_case, lambda L, x, sections, dim: x.split(sections, dim)),
    Op("chunk", chunk_case, lambda L, x, chunks, dim: x.chunk(chunks, dim)),
    Op("unbind", one_dim_case(), lambda L, x, dim: x.unbind(dim)),
    Op("gate_activations", gates_case, gates_call),
    # softmax and the losses
    Op("softmax", softmax_case, lambda L, x, dim: L.F.softmax(x, dim)),
    Op("log_softmax", softmax_case, lambda L, x, dim: L.F.log_softmax(x, dim)),
    Op("log_softmax method", softmax_case, lambda L, x, dim: x.log_softmax(dim)),
    Op("cross_entropy", cross_entropy_case, lambda L, x, t, **kw: L.F.cross_entropy(x, t, **kw)),
    Op("mse_loss", mse_case, lambda L, a, b, **kw: L.F.mse_loss(a, b, **kw), mse_shapes),
    # matrix product
    Op("matmul", matmul_case, lambda L, a, b: a @ b),
    Op("matmul()", matmul_case, lambda L, a, b: L.matmul(a, b)),
]


# --- running and comparing ---------------------------------------------------------------------------
INTERNAL_ERRORS = (AttributeError, KeyError, NameError, UnboundLocalError, AssertionError, ZeroDivisionError)


def run(lib: Lib, op: Op, case: Case) -> tuple[list, Any, BaseException | None]:
    """The inputs (float ones require grad) and the op's result, or the error it raised."""
    inputs = []
    for a in case.arrays:
        floating = a.dtype.kind == "f"
        inputs.append(tg.Tensor(a, requires_grad=floating) if lib.is_ours else torch.tensor(a, requires_grad=floating))
    try:
        return inputs, op.call(lib, *inputs, **case.params), None
    except Exception as error:  # noqa: BLE001 (every error is compared)
        return inputs, None, error


def outputs(result: Any) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def dtype_name(t: Any) -> str:
    return t.dtype.name if isinstance(t, tg.Tensor) else str(t.dtype).removeprefix("torch.")


def term_scale(arrays: list[np.ndarray]) -> float:
    """How large the terms of a sum or product of these inputs can be: a sum of ±1e30 terms (or of
    1e30·1e4 products) cancels differently in another order, so the rounding scales with the terms."""
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays if a.dtype.kind == "f" and a.size]
    largest = max((float(f.max()) for f in finite if f.size), default=1.0)
    return largest * largest if largest > 1e3 else largest


def assert_close(ours: np.ndarray, theirs: np.ndarray, dtype: str, what: str, terms: float = 1.0) -> None:
    """NaN for NaN and the same infinities; finite values within a tolerance scaled by the largest finite
    value or term, and within the smallest normal (torch flushes some subnormal results to 0)."""
    if dtype not in TOLERANCE:
        np.testing.assert_array_equal(ours, theirs, err_msg=what)
        return
    tol = TOLERANCE[dtype]
    finite = np.concatenate([ours[np.isfinite(ours)], theirs[np.isfinite(theirs)]])
    scale = max(float(np.abs(finite).max()) if finite.size else 1.0, terms, 1.0)
    atol = max(tol * scale, float(np.finfo(dtype).tiny))
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=atol, equal_nan=True, err_msg=what)


def weights(shape: tuple, dtype: str) -> np.ndarray:
    """A fixed, uneven weighting of an output for backward (ones would hide a transposed gradient)."""
    n = int(np.prod(shape))
    return (np.arange(n) % 5 - 1.5).reshape(shape).astype(dtype)


def compare(op: Op, case: Case) -> str:
    """Runs the case in both libraries and asserts they agree; returns what was compared."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # NumPy's 0/0 and PyTorch's deprecation warnings: values are compared
        ours_in, ours, our_error = run(OURS, op, case)
        theirs_in, theirs, their_error = run(THEIRS, op, case)
        label = f"{op.name} with {[(a.shape, str(a.dtype)) for a in case.arrays]} {case.params}"
        if our_error is not None and isinstance(our_error, INTERNAL_ERRORS):
            raise AssertionError(f"{label}: an error from the inside: {our_error!r}") from our_error
        known = op.known(case)
        if known is not None:
            assert known in KNOWN_DIFFERENCES
            return check_known(known, label, ours, our_error, theirs, their_error)
        if their_error is not None or our_error is not None:
            assert (their_error is None) == (our_error is None), (
                f"{label}: torch {'raised ' + repr(their_error) if their_error else 'did not raise'}, "
                f"ours {'raised ' + repr(our_error) if our_error else 'did not raise'}"
            )
            return "error"
        ours_out, theirs_out = outputs(ours), outputs(theirs)
        assert len(ours_out) == len(theirs_out), f"{label}: {len(ours_out)} outputs, torch {len(theirs_out)}"
        loss_ours, loss_theirs = [], []
        for k, (o, t) in enumerate(zip(ours_out, theirs_out)):
            what = f"{label}: output {k}"
            assert isinstance(o, tg.Tensor), f"{what} is a {type(o).__name__}"
            assert o.shape == tuple(t.shape), f"{what}: shape {o.shape}, torch {tuple(t.shape)}"
            assert dtype_name(o) == dtype_name(t), f"{what}: dtype {dtype_name(o)}, torch {dtype_name(t)}"
            assert o.requires_grad == t.requires_grad, f"{what}: requires_grad {o.requires_grad}, torch's not"
            assert_close(o.numpy(), t.detach().numpy(), dtype_name(t), what, term_scale(case.arrays))
            if t.requires_grad:
                w = weights(o.shape, dtype_name(o))
                loss_ours.append((o * tg.Tensor(w)).sum())
                loss_theirs.append((t * torch.tensor(w)).sum())
        if not loss_ours:
            return "value"
        sum(loss_ours[1:], loss_ours[0]).backward()
        sum(loss_theirs[1:], loss_theirs[0]).backward()
        for k, (x, y) in enumerate(zip(ours_in, theirs_in)):
            if not y.requires_grad:
                continue
            g_ours = x.grad.numpy() if x.grad is not None else np.zeros(x.shape, x.numpy().dtype)
            g_theirs = y.grad.numpy() if y.grad is not None else np.zeros(tuple(y.shape), g_ours.dtype)
            assert g_ours.dtype == g_theirs.dtype, f"{label}: gradient {k} dtype {g_ours.dtype}, torch {g_theirs.dtype}"
            # torch may compute a float64 input's gradient partly in float32 (pow with a float32 exponent)
            loosest = "float32" if any(a.dtype == np.float32 for a in case.arrays) else dtype_name(y)
            assert_close(g_ours, g_theirs, loosest, f"{label}: gradient of input {k}", term_scale(case.arrays))
        return "gradient"


def check_known(known: str, label: str, ours: Any, our_error: Any, theirs: Any, their_error: Any) -> str:
    """A documented difference: ours must still behave as docs/api.md says."""
    if known == "float-only function on an integer tensor":
        assert isinstance(our_error, TypeError) and "float" in str(our_error), f"{label}: {our_error!r}"
    elif known == "mse_loss of different shapes":
        assert isinstance(our_error, ValueError) and "must match" in str(our_error), f"{label}: {our_error!r}"
    elif known == "cat with a 1-D empty tensor":
        assert our_error is None or isinstance(our_error, (TypeError, ValueError, IndexError)), label
    elif known == "x ** 0.5 at -0.0 and -inf":
        assert our_error is None and their_error is None, label
    elif known == "max over a tuple of dims":
        assert their_error is not None, f"{label}: torch's max took a tuple of dims now"
        assert our_error is not None or isinstance(ours, tg.Tensor), label  # amax-like, or a clear error
    elif known == "cat or stack of different dtypes":
        if their_error is None:  # (where torch refuses too, say for a dim out of range, either error will do)
            assert isinstance(our_error, TypeError) and "one dtype" in str(our_error), f"{label}: {our_error!r}"
        assert our_error is not None, label
    elif known == "clamp with min > max":
        assert isinstance(our_error, ValueError) and "larger than max" in str(our_error), label
    elif known == "an integer to a negative integer power":
        assert isinstance(our_error, ValueError) and "negative integer powers" in str(our_error), label
    return "known difference"


COUNTS: dict[str, int] = {}  # cases compared in this run, by what was compared: error, value, gradient, known


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@SETTINGS
@given(data=st.data())
def test_matches_torch(op: Op, data: st.DataObject) -> None:
    case = op.draw(data.draw)
    kind = compare(op, case)
    COUNTS[kind] = COUNTS.get(kind, 0) + 1


def test_cases_were_compared_and_few_were_known_differences(capsys: pytest.CaptureFixture) -> None:
    """Says how many cases this run compared (the allow-list must not swallow the test)."""
    total = sum(COUNTS.values())
    if not total:
        pytest.skip("test_matches_torch did not run in this session")
    with capsys.disabled():
        detail = ", ".join(f"{v} {k}" for k, v in sorted(COUNTS.items()))
        print(f"\ndifferential: {total} cases compared with torch ({detail}); {EXAMPLES} examples per op")
    assert COUNTS.get("known difference", 0) < 0.1 * total
    assert COUNTS.get("gradient", 0) > 0.3 * total


def test_every_public_op_is_drawn() -> None:
    """A new public function must join the differential test (or be named here as out of its scope)."""
    drawn = " ".join(op.name for op in OPS)
    not_ops = {
        "Function", "DType", "GradcheckError", "Tensor", "arange", "bool", "cuda_is_available", "enable_grad",
        "float32", "float64", "full", "functional", "get_default_device", "get_default_dtype", "gradcheck",
        "int64", "is_grad_enabled", "load", "manual_seed", "nn", "no_grad", "ones", "ones_like", "optim",
        "rand", "randn", "save", "scope", "set_default_device", "set_default_dtype", "set_num_threads",
        "tensor", "zeros", "zeros_like",
    }  # fmt: skip
    # functions reached through another name in OPS: tg.mul is `*`, tg.div is `/`, ...
    aliases = {"mul", "div", "sub", "pow", "neg", "exp", "log", "sqrt", "abs", "reshape", "flatten", "permute",
               "transpose", "squeeze", "unsqueeze", "expand", "split", "chunk", "unbind", "sum", "mean", "max",
               "argmax", "clamp"}  # fmt: skip
    missing = [n for n in tg.__all__ if n not in not_ops and n not in drawn and n not in aliases]
    assert not missing, f"public ops missing from the differential test: {missing}"
    functional = [n for n in ("softmax", "log_softmax", "logsigmoid", "cross_entropy", "mse_loss") if n not in drawn]
    assert not functional
