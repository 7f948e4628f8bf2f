"""Numerics at the edges, against PyTorch: derivatives at kinks and poles, the tails of σ, extreme inputs.

Each test gives both libraries the same NumPy inputs and compares values and
gradients, NaN for NaN and infinity for infinity. Where the two differ on
purpose, the difference is listed in docs/api.md ("Where we differ from
PyTorch") and asserted here as ours, so that it cannot change unnoticed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0); the comparisons skip")
TF = torch.nn.functional

DTYPES = ("float32", "float64")
RTOL = {"float32": 2e-6, "float64": 1e-13}


def run_both(fn_ours: Callable, fn_torch: Callable, *arrays: np.ndarray, device: str = "cpu") -> tuple:
    """Values and gradients (a sum of the outputs sent backward) from both libraries, as NumPy arrays."""
    ours = [tg.Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):  # NumPy warns at 0/0 and log 0; the values are what is compared
        out = fn_ours(*ours)
        out.sum().backward()
    their_out = fn_torch(*theirs)
    their_out.sum().backward()
    grads = [t.grad.numpy() if t.grad is not None else np.zeros_like(a) for t, a in zip(ours, arrays)]
    their_grads = [t.grad.numpy() if t.grad is not None else np.zeros_like(a) for t, a in zip(theirs, arrays)]
    return (out.numpy(), grads), (their_out.detach().numpy(), their_grads)


def assert_same(ours: np.ndarray, theirs: np.ndarray, dtype: str, what: str, atol: float = 0.0) -> None:
    """Equal dtype and shape; NaN where torch has NaN, the same infinities, finite values within RTOL."""
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != torch's {theirs.dtype}"
    np.testing.assert_allclose(ours, theirs, rtol=RTOL[dtype], atol=atol, equal_nan=True, err_msg=what)


def compare(fn_ours: Callable, fn_torch: Callable, dtype: str, *values: list, atol: float = 0.0) -> None:
    arrays = [np.asarray(v, dtype=dtype) for v in values]
    (out, grads), (their_out, their_grads) = run_both(fn_ours, fn_torch, *arrays)
    assert_same(out, their_out, dtype, "value", atol)
    for i, (g, tg_) in enumerate(zip(grads, their_grads)):
        assert_same(g, tg_, dtype, f"gradient of input {i}", atol)


INF, NAN = float("inf"), float("nan")

# --- 1. edge derivatives -------------------------------------------------------------------------
EDGE_CASES: dict[str, tuple[Callable, Callable, list]] = {
    # x**0 is the constant 1: gradient 0 everywhere, also at x = 0 where b·x^(b−1) would be 0·inf
    "x**0": (lambda x: x**0, lambda x: x**0, [[0.0, -0.0, 1.0, -2.0, INF, NAN]]),
    "x**0.0": (lambda x: x**0.0, lambda x: x**0.0, [[0.0, 3.0]]),
    "x**-1 at 0": (lambda x: x**-1, lambda x: x**-1, [[0.0, -0.0, 2.0]]),
    "x**-2 at 0": (lambda x: x**-2.0, lambda x: x**-2.0, [[0.0, -0.0]]),
    "negative base, integer exponent": (lambda x: x**3, lambda x: x**3, [[-2.0, -0.5, 0.0]]),
    "negative base, non-integer exponent": (lambda x: x**0.5, lambda x: x**0.5, [[-2.0, 0.0, 4.0]]),
    "x**1 and x**1.5 at 0": (lambda x: x**1 + x**1.5, lambda x: x**1 + x**1.5, [[0.0]]),
    "tensor ** tensor": (
        lambda a, b: a**b,
        lambda a, b: a**b,
        [
            [0.0, 0.0, 2.0, -2.0, -2.0, 0.0, INF, NAN, 1.0, -INF, 0.0],
            [0.0, 2.0, 0.0, 2.0, 0.5, -1.0, 2.0, 0.0, NAN, 3.0, -0.5],
        ],
    ),
    "0 ** tensor (0**0 has gradient 0 with respect to the exponent)": (
        lambda b: 0.0**b,
        lambda b: 0.0**b,
        [[0.0, 1.0, 2.0, -1.0, NAN]],
    ),
    "negative number ** tensor": (lambda b: (-2.0) ** b, lambda b: (-2.0) ** b, [[0.0, 1.0, 2.0, 0.5]]),
    "2 ** tensor at infinities": (lambda b: 2.0**b, lambda b: 2.0**b, [[-INF, INF, 0.0]]),
    "max() with a NaN: the gradient goes to the NaN only": (lambda x: x.max(), lambda x: x.max(), [[1.0, NAN, 3.0]]),
    "max() with two NaNs: split between them": (lambda x: x.max(), lambda x: x.max(), [[1.0, NAN, NAN]]),
    "max() with a tie: split evenly": (lambda x: x.max(), lambda x: x.max(), [[3.0, 1.0, 3.0, 3.0]]),
    "max(dim) with a tie: the returned index's element": (
        lambda x: x.max(dim=1).values,
        lambda x: x.max(dim=1).values,
        [[[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]]],
    ),
    "max(dim) with a NaN": (
        lambda x: x.max(dim=0).values,
        lambda x: x.max(dim=0).values,
        [[[3.0, NAN], [NAN, 1.0], [5.0, NAN]]],
    ),
    "relu at NaN and 0": (lambda x: x.relu(), lambda x: x.relu(), [[NAN, 0.0, -0.0, -1.0, 2.0]]),
    "abs at 0 and NaN": (lambda x: x.abs(), lambda x: x.abs(), [[0.0, -0.0, NAN, -3.0, 3.0]]),
    "clamp at its bounds": (lambda x: x.clamp(-1, 1), lambda x: x.clamp(-1, 1), [[-1.0, 1.0, 2.0, -2.0, NAN]]),
    "clamp(min) at the bound": (lambda x: x.clamp(min=0.0), lambda x: x.clamp(min=0.0), [[0.0, -0.0, NAN, INF]]),
    "sqrt at 0 and below": (lambda x: x.sqrt(), lambda x: x.sqrt(), [[0.0, -0.0, -1.0, INF]]),
    "log at 0 and below": (lambda x: x.log(), lambda x: x.log(), [[0.0, -0.0, -1.0, INF]]),
    "division by 0": (lambda a, b: a / b, lambda a, b: a / b, [[1.0, 0.0, -1.0, INF], [0.0, 0.0, -0.0, 0.0]]),
    "exp at the infinities": (lambda x: x.exp(), lambda x: x.exp(), [[INF, -INF, 1000.0, NAN]]),
    "inf * 0": (lambda a, b: a * b, lambda a, b: a * b, [[INF, -INF], [0.0, 0.0]]),
    "softmax with an infinity": (lambda x: x.softmax(0), lambda x: x.softmax(0), [[INF, 1.0]]),
    "log_softmax with -inf": (lambda x: x.log_softmax(0), lambda x: x.log_softmax(0), [[-INF, 1.0]]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_derivatives_match_torch(name: str, dtype: str) -> None:
    ours, theirs, values = EDGE_CASES[name]
    compare(ours, theirs, dtype, *values)


def test_x_to_the_0_at_0_has_gradient_0() -> None:
    x = tg.Tensor([0.0], requires_grad=True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0]


# --- 2. the tails of σ -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_keeps_full_relative_precision_over_the_whole_range(dtype: str) -> None:
    limit = {"float32": 120.0, "float64": 760.0}[dtype]
    x = np.linspace(-limit, limit, 40001).astype(dtype)
    (y, (g,)), (ty, (tgrad,)) = run_both(lambda t: t.sigmoid(), lambda t: t.sigmoid(), x)
    # below ~1e-38 (float32) / 1e-308 (float64) σ may be 0 or a subnormal, in either library;
    # above that both must agree to a few units in the last place
    normal = np.abs(ty) > np.finfo(dtype).tiny
    rel = np.abs(y[normal] - ty[normal]) / ty[normal]
    assert rel.max() < {"float32": 1e-6, "float64": 1e-14}[dtype]
    # σ′ = σ·(1 − σ) in both: relative precision where x ≤ 0; for x > 0, 1 − σ inherits σ's
    # last-place rounding (the two libraries round σ differently there), so an absolute bound
    left = (np.abs(tgrad) > np.finfo(dtype).tiny) & (x <= 0)
    grad_rel = np.abs(g[left] - tgrad[left]) / tgrad[left]
    assert grad_rel.max() < {"float32": 1e-6, "float64": 1e-14}[dtype]
    assert np.abs(g - tgrad)[x > 0].max() <= 2 * np.finfo(dtype).eps
    assert np.all(np.abs(y - ty)[~normal] <= np.finfo(dtype).tiny)  # 0 or subnormal, never more


def test_sigmoid_at_minus_16_in_float32_is_accurate() -> None:
    ours = tg.sigmoid(tg.Tensor([-16.0])).numpy()[0]
    theirs = torch.sigmoid(torch.tensor([-16.0])).numpy()[0]
    assert abs(ours - theirs) / theirs < 1e-6


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_of_sigmoid_at_minus_20_is_minus_20_with_gradient_1(dtype: str) -> None:
    if dtype == "float32":  # in float64, log σ(−20) = −20 − 2.06e−9 is seen, as in torch
        x = tg.Tensor([-20.0], requires_grad=True)
        y = x.sigmoid().log()
        y.sum().backward()
        assert y.tolist() == [-20.0]
        # the gradient is (1/σ)·σ·(1 − σ): 1 up to the rounding of 1/σ (σ itself may differ from
        # PyTorch's in the last place, as two exp implementations do)
        assert abs(x.grad.tolist()[0] - 1.0) <= np.finfo(np.float32).eps
    compare(lambda t: t.sigmoid().log(), lambda t: t.sigmoid().log(), dtype, [-20.0, -16.0, -50.0, 0.0, 15.0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_far_out_is_exactly_0_and_1_without_a_warning(dtype: str) -> None:
    x = tg.Tensor(np.array([-1e4, 1e4, -INF, INF, -1e30, 1e30], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's default settings: any overflow warning would raise here
        y = x.sigmoid()
        y.sum().backward()
    assert y.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    assert x.grad.tolist() == [0.0] * 6


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsigmoid_matches_torch_over_the_whole_range(dtype: str) -> None:
    x = np.concatenate([np.linspace(-800, 800, 4001), [-1e4, 1e4, -1e30, 1e30, -INF, INF, NAN, 0.0, 1e-40]])
    compare(F.logsigmoid, TF.logsigmoid, dtype, x, atol=float(np.finfo(dtype).tiny))  # subnormals: last place


def test_logsigmoid_stays_finite_where_log_of_sigmoid_does_not() -> None:
    x = tg.Tensor([-200.0, -1e4], requires_grad=True)
    y = F.logsigmoid(x)
    y.sum().backward()
    assert y.tolist() == [-200.0, -1e4] and x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="logsigmoid: expected a float tensor"):
        F.logsigmoid(tg.Tensor([1, 2]))


def test_logsigmoid_is_one_recorded_op() -> None:
    y = F.logsigmoid(tg.Tensor([0.5], requires_grad=True))
    assert type(y.grad_fn).__name__ == "LogSigmoid"
    assert tg.gradcheck(F.logsigmoid, (tg.Tensor(np.linspace(-30, 30, 13), requires_grad=True),))


# --- 3. every op on extreme inputs -----------------------------------------------------------------
def extremes(dtype: str) -> list[float]:
    tiny = float(np.finfo(dtype).tiny)
    return [1e4, -1e4, 1e30, -1e30, tiny / 4, -tiny / 4, INF, -INF, NAN, 0.0, -0.0, 1.0, -1.0, 0.5]


UNARY: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (tg.sigmoid, torch.sigmoid),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "tanh": (tg.tanh, torch.tanh),
    "relu": (tg.relu, torch.relu),
    "exp": (tg.exp, torch.exp),
    "log": (tg.log, torch.log),
    "sqrt": (tg.sqrt, torch.sqrt),
    "abs": (tg.abs, torch.abs),
    "neg": (tg.neg, torch.neg),
    "clamp": (lambda x: tg.clamp(x, -1.0, 1.0), lambda x: torch.clamp(x, -1.0, 1.0)),
    "square": (lambda x: x * x, lambda x: x * x),
    "x**2": (lambda x: x**2, lambda x: x**2),
    "x**0.5": (lambda x: x**0.5, lambda x: x**0.5),
    "x**-1": (lambda x: x**-1, lambda x: x**-1),
    "x**0": (lambda x: x**0, lambda x: x**0),
    "2**x": (lambda x: 2.0**x, lambda x: 2.0**x),
    "1/x": (lambda x: 1.0 / x, lambda x: 1.0 / x),
    "x - 1": (lambda x: x - 1.0, lambda x: x - 1.0),
    "softmax": (lambda x: F.softmax(x, 1), lambda x: TF.softmax(x, 1)),
    "log_softmax": (lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1)),
    "sum(dim)": (lambda x: x.sum(dim=1), lambda x: x.sum(dim=1)),
    "mean(dim)": (lambda x: x.mean(dim=1), lambda x: x.mean(dim=1)),
    "max(dim)": (lambda x: x.max(dim=1).values, lambda x: x.max(dim=1).values),
    "max()": (lambda x: x.max(), lambda x: x.max()),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_every_unary_op_on_extreme_inputs_matches_torch(name: str, dtype: str) -> None:
    values = extremes(dtype)
    # one element each, and pairs of them as rows (for the ops along dim 1)
    ours, theirs = UNARY[name]
    if name.endswith("()"):
        for v in values:
            compare(ours, theirs, dtype, [v, 0.5])
        return
    grid = np.array([[a, b] for a in values for b in values])
    if name in POW_SPECIAL_CASES:
        special = (grid == -INF) | ((grid == 0) & np.signbit(grid))  # −inf and −0.0
        grid = grid[~special.any(axis=1)]
    # σ's subnormal tail: torch flushes to 0 where ours keeps the (more accurate) subnormal; softmax's
    # gradient of a sum is 0, which torch computes with rounding noise of a few units in the last place
    atol = 4 * float(np.finfo(dtype).eps) if "softmax" in name else float(np.finfo(dtype).tiny)
    compare(ours, theirs, dtype, grid, atol=atol)


# Deliberate: PyTorch computes the gradient of x**0.5 through rsqrt, whose values at −0.0 and −inf
# differ from C's pow (IEEE 754), which ours follows; see docs/api.md.
POW_SPECIAL_CASES = {"x**0.5"}


def test_pow_at_negative_zero_and_minus_inf_follows_c_pow() -> None:
    x = tg.Tensor([-0.0, -INF], requires_grad=True)
    with np.errstate(all="ignore"):
        (x**0.5).sum().backward()
    assert x.grad.tolist() == [INF, 0.0]  # 0.5·pow(x, −0.5); torch gives −inf and NaN


BINARY: dict[str, tuple[Callable, Callable]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a**b, lambda a, b: a**b),
    "where": (lambda a, b: tg.where(a > b, a, b), lambda a, b: torch.where(a > b, a, b)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BINARY))
def test_every_binary_op_on_extreme_inputs_matches_torch(name: str, dtype: str) -> None:
    values = np.array(extremes(dtype))
    a, b = np.meshgrid(values, values)
    ours, theirs = BINARY[name]
    compare(ours, theirs, dtype, a, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_on_extreme_inputs_matches_torch(dtype: str) -> None:
    values = np.array(extremes(dtype))
    a = values.reshape(2, 7)
    b = values[::-1].reshape(7, 2).copy()
    compare(lambda x, y: x @ y, lambda x, y: x @ y, dtype, a, b)
    compare(lambda x, y: x @ y, lambda x, y: x @ y, dtype, np.ones((2, 7)), b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_and_mse_on_extreme_logits_match_torch(dtype: str) -> None:
    values = extremes(dtype)
    logits = np.array([[v, 0.0, -1.0] for v in values])
    target = torch.tensor([i % 3 for i in range(len(values))])
    for reduction in ("none", "sum"):
        (out, (g,)), (t_out, (t_g,)) = run_both(
            lambda x, r=reduction: F.cross_entropy(x, tg.Tensor(target.numpy()), reduction=r),
            lambda x, r=reduction: TF.cross_entropy(x, target, reduction=r),
            logits.astype(dtype),
        )
        assert_same(out, t_out, dtype, f"cross_entropy {reduction}")
        assert_same(g, t_g, dtype, f"cross_entropy {reduction} gradient")
    compare(F.mse_loss, TF.mse_loss, dtype, logits, np.zeros_like(logits))
