"""Every primitive op and every composite of ``F`` against central finite differences.

``tinygrad_rnn.gradcheck`` compares the full Jacobian from autograd with finite
differences in float64. Shapes are drawn by hypothesis (0 to 3 dimensions of
size 1 to 4); values are drawn away from the points where an op has a kink
(0 for relu and abs, the bounds for clamp, ties for max) or is undefined (log
and sqrt need positive inputs), since finite differences are meaningless there.
Each test runs on every available device (see ``conftest.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn.nn.cells import lstm_update

EXAMPLES = settings(max_examples=15, deadline=None)

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonscalar_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
seeds = st.integers(0, 2**32 - 1)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4)


def values(seed: int, shape: tuple, kind: str = "any") -> np.ndarray:
    """Float64 values of ``shape``, drawn from a seed.

    kind: "any" in [-2, 2]; "positive" in [0.3, 2]; "away" with |v| in [0.2, 2] (away from 0);
    "distinct": no two values closer than 0.3 (no ties for max); "clamp": away from ±0.5.
    """
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    if kind == "any":
        v = rng.uniform(-2.0, 2.0, n)
    elif kind == "positive":
        v = rng.uniform(0.3, 2.0, n)
    elif kind == "away":
        v = rng.uniform(0.2, 2.0, n) * rng.choice([-1.0, 1.0], n)
    elif kind == "distinct":
        v = (rng.permutation(n) - n / 2) * 0.5 + rng.uniform(-0.1, 0.1, n)
    elif kind == "clamp":
        v = rng.choice([-1.0, 0.0, 1.0], n) + rng.uniform(-0.3, 0.3, n)
    else:
        raise ValueError(kind)
    return v.reshape(shape)


def leaf(array: np.ndarray, device: str) -> tg.Tensor:
    """A float64 leaf that requires grad, on ``device``."""
    return tg.Tensor(np.asarray(array, dtype=np.float64), device=device, requires_grad=True)


def check(fn: Callable, *inputs: tg.Tensor) -> None:
    """gradcheck returns True (it raises GradcheckError with the worst entry otherwise)."""
    assert tg.gradcheck(fn, list(inputs)) is True


# --- the checker itself ---------------------------------------------------------


def test_gradcheck_catches_a_wrong_gradient(device: str) -> None:
    """A deliberately wrong backward makes gradcheck raise, naming the input and the worst entry."""

    class WrongSquare(tg.Function):
        def forward(self, x):
            self.saved = x
            return x * x

        def backward(self, g):
            return (g * self.saved,)  # should be 2·x·g

    x = leaf([[1.0, 2.0]], device)
    with pytest.raises(tg.GradcheckError, match=r"input 0 \(shape \(1, 2\)\)"):
        tg.gradcheck(lambda x: WrongSquare.apply(x), [x])


def test_gradcheck_rejects_float32_and_inputs_without_grad(device: str) -> None:
    with pytest.raises(TypeError, match="float64"):
        tg.gradcheck(lambda x: x * 2, [tg.Tensor([1.0], device=device, requires_grad=True)])
    with pytest.raises(ValueError, match="requires_grad"):
        tg.gradcheck(lambda x: x * 2, [tg.Tensor([1.0], dtype=tg.float64, device=device)])


# --- arithmetic -------------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, "any", "any"),
    "sub": (lambda a, b: a - b, "any", "any"),
    "mul": (lambda a, b: a * b, "any", "any"),
    "div": (lambda a, b: a / b, "any", "away"),
    "pow": (lambda a, b: a**b, "positive", "any"),
    "add_method": (lambda a, b: a.add(b), "any", "any"),
    "sub_method": (lambda a, b: a.sub(b), "any", "any"),
    "mul_method": (lambda a, b: a.mul(b), "any", "any"),
    "div_method": (lambda a, b: a.div(b), "any", "away"),
    "pow_method": (lambda a, b: a.pow(b), "positive", "any"),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@EXAMPLES
@given(shapes=pairs, seed=seeds)
def test_binary_ops_with_broadcasting(device: str, name: str, shapes, seed: int) -> None:
    """+ - * / ** of two tensors whose shapes broadcast: both gradients are summed back to each shape."""
    fn, kind_a, kind_b = BINARY[name]
    (shape_a, shape_b), _ = shapes
    a = leaf(values(seed, shape_a, kind_a), device)
    b = leaf(values(seed + 1, shape_b, kind_b), device)
    check(fn, a, b)


SCALAR_SIDES = {
    "tensor+scalar": (lambda x: x + 2.5, "any"),
    "scalar+tensor": (lambda x: 2.5 + x, "any"),
    "int+tensor": (lambda x: 3 + x, "any"),
    "tensor-scalar": (lambda x: x - 1.5, "any"),
    "scalar-tensor": (lambda x: 1.5 - x, "any"),
    "tensor*scalar": (lambda x: x * -3.0, "any"),
    "scalar*tensor": (lambda x: 3 * x, "any"),
    "tensor/scalar": (lambda x: x / 4.0, "any"),
    "scalar/tensor": (lambda x: 2.0 / x, "away"),
    "int/tensor": (lambda x: 2 / x, "away"),
    "tensor**int": (lambda x: x**3, "any"),
    "tensor**2": (lambda x: x**2, "any"),
    "tensor**negative": (lambda x: x**-2, "away"),
    "tensor**float": (lambda x: x**1.5, "positive"),
    "scalar**tensor": (lambda x: 2.0**x, "any"),
    "int**tensor": (lambda x: 3**x, "any"),
    "neg": (lambda x: -x, "any"),
    "neg_method": (lambda x: x.neg(), "any"),
}


@pytest.mark.parametrize("name", sorted(SCALAR_SIDES))
@EXAMPLES
@given(shape=shapes, seed=seeds)
def test_python_scalars_on_either_side(device: str, name: str, shape: tuple, seed: int) -> None:
    """A Python number on the left or right of every operator, and unary minus."""
    fn, kind = SCALAR_SIDES[name]
    check(fn, leaf(values(seed, shape, kind), device))


def test_pow_zero_base_gradient_wrt_exponent_is_zero(device: str) -> None:
    """d(a^b)/db at a = 0 is taken as 0 (PyTorch's limit), not NaN."""
    a = tg.Tensor([0.0, 2.0], dtype=tg.float64, device=device)
    b = leaf([2.0, 3.0], device)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 8.0 * math.log(2.0)])


# --- matmul -------------------------------------------------------------------------

dims = st.integers(1, 4)


@EXAMPLES
@given(n=dims, k=dims, m=dims, seed=seeds)
def test_matmul_2d(device: str, n: int, k: int, m: int, seed: int) -> None:
    a, b = leaf(values(seed, (n, k)), device), leaf(values(seed + 1, (k, m)), device)
    check(lambda a, b: a @ b, a, b)
    check(lambda a, b: tg.matmul(a, b), a, b)
    check(lambda a, b: a.matmul(b), a, b)


@EXAMPLES
@given(
    batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, min_side=1, max_side=3),
    n=dims,
    k=dims,
    m=dims,
    seed=seeds,
)
def test_matmul_batched_with_broadcast_batch_dims(device: str, batch, n: int, k: int, m: int, seed: int) -> None:
    """(..., n, k) @ (..., k, m) where the leading dims broadcast (one may have none)."""
    (batch_a, batch_b), _ = batch
    a = leaf(values(seed, (*batch_a, n, k)), device)
    b = leaf(values(seed + 1, (*batch_b, k, m)), device)
    check(lambda a, b: a @ b, a, b)


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3,)), ((3,), (4, 3, 2)), ((1,), (1, 1))],
    ids=str,
)
def test_matmul_with_1d_operands(device: str, shape_a: tuple, shape_b: tuple) -> None:
    """1-D operands act as a row (left) or a column (right) vector that is dropped afterwards."""
    a = leaf(values(1, shape_a), device)
    b = leaf(values(2, shape_b), device)
    check(lambda a, b: a @ b, a, b)


# --- elementwise functions -----------------------------------------------------------

UNARY = {
    "sigmoid": (tg.sigmoid, "any"),
    "sigmoid_method": (lambda x: x.sigmoid(), "any"),
    "tanh": (tg.tanh, "any"),
    "tanh_method": (lambda x: x.tanh(), "any"),
    "relu": (tg.relu, "away"),
    "relu_method": (lambda x: x.relu(), "away"),
    "exp": (tg.exp, "any"),
    "exp_method": (lambda x: x.exp(), "any"),
    "log": (tg.log, "positive"),
    "log_method": (lambda x: x.log(), "positive"),
    "sqrt": (tg.sqrt, "positive"),
    "sqrt_method": (lambda x: x.sqrt(), "positive"),
    "abs": (tg.abs, "away"),
    "abs_method": (lambda x: x.abs(), "away"),
    "clamp_both": (lambda x: tg.clamp(x, -0.5, 0.5), "clamp"),
    "clamp_min": (lambda x: x.clamp(min=-0.5), "clamp"),
    "clamp_max": (lambda x: x.clamp(max=0.5), "clamp"),
    "clip": (lambda x: x.clip(-0.5, 0.5), "clamp"),
    "logsigmoid": (F.logsigmoid, "any"),
    "logsigmoid_far_out": (lambda x: F.logsigmoid(x * 40.0), "any"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@EXAMPLES
@given(shape=shapes, seed=seeds)
def test_elementwise_functions(device: str, name: str, shape: tuple, seed: int) -> None:
    fn, kind = UNARY[name]
    check(fn, leaf(values(seed, shape, kind), device))


def test_relu_abs_clamp_gradient_at_the_kinks_follows_pytorch(device: str) -> None:
    """At the kink: relu'(0) = 0, abs'(0) = 0, clamp passes the gradient at its bounds (as PyTorch)."""
    x = leaf([0.0, -1.0, 1.0, 0.5, -0.5], device)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0, 1.0, 0.0])
    x.grad = None
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -1.0, 1.0, 1.0, -1.0])
    x.grad = None
    x.clamp(-0.5, 0.5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 0.0, 1.0, 1.0])


def test_edge_derivatives_on_every_backend(device: str) -> None:
    """The edge rules (PyTorch's) hold on each backend: x**0 at 0, NaN through relu, abs and max."""
    nan = float("nan")
    x = leaf([0.0, 2.0], device)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    e = leaf([0.0, -1.0], device)
    with np.errstate(divide="ignore"):  # 0 ** -1 = inf: NumPy warns, PyTorch does not (docs/api.md)
        (tg.Tensor([0.0, 0.0], device=device, dtype=tg.float64) ** e).sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), [0.0, -np.inf])
    y = leaf([nan, -1.0, 2.0], device)
    y.relu().sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 0.0, 1.0])
    y.grad = None
    y.abs().sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, -1.0, 1.0])
    y.grad = None
    y.max().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 0.0, 0.0])


# --- reductions ---------------------------------------------------------------------


@st.composite
def shape_and_dim(draw: st.DrawFn, min_dims: int = 0) -> tuple[tuple, object, bool]:
    """A shape, a ``dim`` for it (None, an int, possibly negative, or a tuple) and ``keepdim``."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4))
    ndim = len(shape)
    options: list = [None]
    if not ndim:
        options += [0, -1, (0,)]  # PyTorch lets a 0-d tensor name dim 0 or -1
    else:
        options += list(range(-ndim, ndim))
        options += [tuple(d) for d in draw(st.lists(st.permutations(range(ndim)), min_size=1, max_size=2))]
        options.append(tuple(draw(st.sets(st.integers(0, ndim - 1), min_size=1))))
    dim = draw(st.sampled_from(options))
    if isinstance(dim, tuple) and ndim:
        dim = dim[: draw(st.integers(1, len(dim)))]
    return shape, dim, draw(st.booleans())


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@settings(max_examples=25, deadline=None)
@given(case=shape_and_dim(), seed=seeds)
def test_reductions(device: str, name: str, case, seed: int) -> None:
    """sum, mean, max over all elements, one dim (int, negative too) or a tuple of dims, with keepdim."""
    shape, dim, keepdim = case
    x = leaf(values(seed, shape, "distinct"), device)

    def fn(x: tg.Tensor) -> tg.Tensor:
        out = getattr(x, name)(dim=dim, keepdim=keepdim)
        return out.values if isinstance(dim, int) and name == "max" else out

    check(fn, x)


@EXAMPLES
@given(case=shape_and_dim(min_dims=1), seed=seeds)
def test_max_along_dim_values_and_function_form(device: str, case, seed: int) -> None:
    """``tg.max(x, dim=int)`` returns (values, indices); gradcheck the values (indices are ints)."""
    shape, _, keepdim = case
    dim = seed % len(shape)
    x = leaf(values(seed, shape, "distinct"), device)
    check(lambda x: tg.max(x, dim, keepdim), x)  # the int indices are skipped by gradcheck
    check(lambda x: tg.sum(x, dim) * tg.mean(x, dim), x)


def test_sum_of_a_scalar_tensor(device: str) -> None:
    x = leaf(1.5, device)
    check(lambda x: x.sum() * 3.0, x)
    check(lambda x: x.mean(), x)
    check(lambda x: x.max(), x)


# --- shaping -----------------------------------------------------------------------------


@EXAMPLES
@given(shape=shapes, seed=seeds)
def test_reshape_view_flatten(device: str, shape: tuple, seed: int) -> None:
    x = leaf(values(seed, shape), device)
    n = math.prod(shape)
    check(lambda x: x.reshape(-1) * 2.0, x)
    check(lambda x: x.view(n, 1), x)
    check(lambda x: tg.reshape(x, (1, n, 1)), x)
    check(lambda x: x.flatten(), x)
    if len(shape) >= 2:
        check(lambda x: x.flatten(1) * 1.0, x)
        check(lambda x: tg.flatten(x, 0, 1), x)


@EXAMPLES
@given(shape=nonscalar_shapes, data=st.data())
def test_transpose_permute_T(device: str, shape: tuple, data: st.DataObject) -> None:
    ndim = len(shape)
    x = leaf(values(ndim, shape), device)
    d0 = data.draw(st.integers(-ndim, ndim - 1))
    d1 = data.draw(st.integers(-ndim, ndim - 1))
    perm = data.draw(st.permutations(range(ndim)))
    check(lambda x: x.transpose(d0, d1), x)
    check(lambda x: tg.transpose(x, d0, d1), x)
    check(lambda x: x.permute(*perm), x)
    check(lambda x: tg.permute(x, tuple(perm)), x)
    check(lambda x: x.T, x)


@EXAMPLES
@given(shape=shapes, data=st.data())
def test_unsqueeze_squeeze_expand(device: str, shape: tuple, data: st.DataObject) -> None:
    ndim = len(shape)
    x = leaf(values(ndim + 7, shape), device)
    dim = data.draw(st.integers(-ndim - 1, ndim))
    check(lambda x: x.unsqueeze(dim), x)
    check(lambda x: tg.unsqueeze(x, dim).squeeze(dim), x)
    check(lambda x: x.unsqueeze(0).squeeze(), x)
    if ndim:
        sq = data.draw(st.integers(-ndim, ndim - 1))
        check(lambda x: tg.squeeze(x, sq) * 1.0, x)
    # expand: each size-1 axis may grow, and new leading axes may appear
    target = tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    if lead or target:  # expand() with no sizes at all is a TypeError, as in PyTorch
        check(lambda x: x.expand(*lead, *target), x)
    check(lambda x: tg.expand(x, (*lead, *(-1 for _ in shape))), x)


# --- indexing, joining, cutting -------------------------------------------------------------


@EXAMPLES
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4), data=st.data())
def test_indexing(device: str, shape: tuple, data: st.DataObject) -> None:
    """x[t], x[:, t], x[0:2, ::2], negative indices, None and ..., and an integer tensor with repeats."""
    x = leaf(values(len(shape), shape), device)
    t = data.draw(st.integers(-shape[0], shape[0] - 1))
    u = data.draw(st.integers(-shape[1], shape[1] - 1))
    check(lambda x: x[t], x)
    check(lambda x: x[:, u], x)
    check(lambda x: x[0:2, ::2], x)
    check(lambda x: x[t, u], x)
    check(lambda x: x[None, ..., -1], x)
    check(lambda x: x[1:, :-1], x)
    picks = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=6))
    index = tg.Tensor(picks + picks[:1], device=device)  # at least one repeat
    check(lambda x: x[index], x)
    check(lambda x: x[:, tg.Tensor([0, 0, 1], device=device)], x)
    check(lambda x: x[picks], x)  # a Python list works as an index too


@st.composite
def pieces(draw: st.DrawFn, count: int = 3) -> tuple[list[tuple], int]:
    """Shapes that agree except along ``dim``, and that dim."""
    base = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    dim = draw(st.integers(-len(base), len(base) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=count))
    out = []
    for s in sizes:
        shape = list(base)
        shape[dim] = s
        out.append(tuple(shape))
    return out, dim


@EXAMPLES
@given(case=pieces(), seed=seeds)
def test_cat(device: str, case, seed: int) -> None:
    shapes_, dim = case
    xs = [leaf(values(seed + i, s), device) for i, s in enumerate(shapes_)]
    check(lambda *xs: tg.cat(list(xs), dim=dim), *xs)


@EXAMPLES
@given(shape=shapes, count=st.integers(1, 3), data=st.data())
def test_stack(device: str, shape: tuple, count: int, data: st.DataObject) -> None:
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    xs = [leaf(values(i, shape), device) for i in range(count)]
    check(lambda *xs: tg.stack(xs, dim=dim), *xs)


@EXAMPLES
@given(shape=nonscalar_shapes, data=st.data())
def test_split_chunk_unbind(device: str, shape: tuple, data: st.DataObject) -> None:
    """split by size and by sections, chunk and unbind: every piece, and only some pieces."""
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    length = shape[dim]
    x = leaf(values(length, shape), device)
    size = data.draw(st.integers(1, length))
    check(lambda x: x.split(size, dim=dim), x)
    check(lambda x: tg.split(x, size, dim)[0] * 2.0, x)
    cuts = sorted(data.draw(st.lists(st.integers(0, length), max_size=2)))
    sections = [b - a for a, b in zip([0, *cuts], [*cuts, length])]
    check(lambda x: x.split(sections, dim=dim), x)
    check(lambda x: x.split(sections, dim=dim)[-1], x)
    chunks = data.draw(st.integers(1, 4))
    check(lambda x: x.chunk(chunks, dim=dim), x)
    check(lambda x: tg.chunk(x, chunks, dim)[0].sum(), x)
    check(lambda x: x.unbind(dim), x)
    check(lambda x: tg.unbind(x, dim)[-1] * 3.0, x)


@EXAMPLES
@given(lead=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), data=st.data())
def test_gate_activations(device: str, lead: tuple, data: st.DataObject) -> None:
    """σ or tanh on each piece of the last axis: every gate, only some gates (the others get zeros)."""
    functions = data.draw(st.lists(st.sampled_from([tg.sigmoid, tg.tanh]), min_size=1, max_size=4))
    width = data.draw(st.integers(1, 3))
    z = leaf(values(width, (*lead, len(functions) * width)) * 2.0, device)
    check(lambda z: tg.gate_activations(z, functions), z)
    check(lambda z: tg.gate_activations(z, functions)[-1] * 3.0, z)
    check(lambda z: tg.gate_activations(z, functions)[0].sum(), z)


@EXAMPLES
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3), seed=seeds)
def test_where(device: str, shapes, seed: int) -> None:
    """where(condition, a, b), all three broadcasting; and with a Python number as one branch."""
    (sc, sa, sb), _ = shapes
    cond = tg.Tensor(np.random.default_rng(seed).random(sc) > 0.5, device=device)
    a, b = leaf(values(seed, sa), device), leaf(values(seed + 1, sb), device)
    check(lambda a, b: tg.where(cond, a, b), a, b)
    check(lambda a: tg.where(cond, a, 0.0), a)


# --- functional -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@EXAMPLES
@given(shape=nonscalar_shapes, data=st.data())
def test_softmax_log_softmax(device: str, name: str, shape: tuple, data: st.DataObject) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = leaf(values(data.draw(seeds), shape) * 3, device)
    weights = tg.Tensor(values(1, shape), device=device)  # a sum alone would have zero gradient
    fn = getattr(F, name)
    check(lambda x: fn(x, dim=dim) * weights, x)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@EXAMPLES
@given(n=st.integers(1, 4), c=st.integers(1, 4), extra=st.lists(st.integers(1, 3), max_size=2), seed=seeds)
def test_cross_entropy(device: str, reduction: str, n: int, c: int, extra: list, seed: int) -> None:
    """cross_entropy with (N, C) or (N, C, d1, ...) logits, some targets equal to ignore_index."""
    rng = np.random.default_rng(seed)
    logits = leaf(values(seed, (n, c, *extra)) * 2, device)
    target = rng.integers(0, c, (n, *extra))
    if target.size > 1:  # keep at least one target: 'mean' over none is 0/0
        target.flat[0] = -100  # the default ignore_index: contributes nothing
    check(lambda x: F.cross_entropy(x, tg.Tensor(target, device=device), reduction=reduction), logits)
    target[target == -100] = 0
    if (target != 1).any():
        target = tg.Tensor(target, device=device)
        check(lambda x: F.cross_entropy(x, target, ignore_index=1, reduction=reduction), logits)


def test_cross_entropy_unbatched(device: str) -> None:
    """(C,) logits with a 0-d target."""
    check(lambda x: F.cross_entropy(x, tg.Tensor(2, device=device)), leaf([0.1, -0.4, 1.3], device))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@EXAMPLES
@given(shape=shapes, seed=seeds)
def test_mse_loss(device: str, reduction: str, shape: tuple, seed: int) -> None:
    a, b = leaf(values(seed, shape), device), leaf(values(seed + 1, shape), device)
    check(lambda a, b: F.mse_loss(a, b, reduction=reduction), a, b)


def test_dropout_gradient_uses_the_forward_mask(device: str) -> None:
    """With a fixed seed, dropout's backward multiplies by the very mask its forward drew."""
    x = leaf(values(3, (4, 5)), device)

    def fn(x: tg.Tensor) -> tg.Tensor:
        tg.manual_seed(1234)
        return F.dropout(x, p=0.4)

    check(fn, x)


# --- compositions: a whole LSTM step, the way the cells build it -------------------------------


def test_lstm_step_composition(device: str) -> None:
    """cat, matmul, +, chunk, σ, tanh and ⊙ together: one LSTM step as the equations write it."""
    rng = np.random.default_rng(0)
    n, d, h = 2, 3, 2
    x, h0, c0 = (leaf(rng.normal(size=s), device) for s in [(n, d), (n, h), (n, h)])
    w, b = leaf(rng.normal(size=(d + h, 4 * h)) * 0.5, device), leaf(rng.normal(size=4 * h), device)

    def step(x, h0, c0, w, b):
        i, f, g, o = (tg.cat([x, h0], dim=1) @ w + b).chunk(4, dim=1)
        c = f.sigmoid() * c0 + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c

    check(step, x, h0, c0, w, b)

    def cells_step(x, h0, c0, w, b):  # the same step as the LSTM layers run it: the gates as one op
        return lstm_update(tg.cat([x, h0], dim=1) @ w + b, c0)

    check(cells_step, x, h0, c0, w, b)


def test_device_moves(device: str) -> None:
    """``.to(device)`` is an op of the graph: the gradient moves back to the source device."""
    from conftest import device_skip_reason

    others = [d for d in ("cpu", "array_api_strict") if d != device and device_skip_reason(d) is None]
    x = leaf(values(5, (2, 3)), device)
    for other in others:
        check(lambda x, other=other: x.to(other).tanh() * 2.0, x)
        check(lambda x, other=other: (x.to(other) * 3.0).to(device).sigmoid(), x)
