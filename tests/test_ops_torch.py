"""Values and gradients of every op against PyTorch, on random inputs.

Both libraries get the same NumPy inputs; each output is weighted by the same
random array, summed, and sent backward, so every input's gradient is compared
too. float64 must agree to 1e-10, float32 to 1e-5. Without torch installed the
whole module skips with the reason.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0); the comparisons skip")
TF = torch.nn.functional

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


@dataclass
class Case:
    """One op: the inputs to draw (shape, kind) and the same computation in both libraries."""

    name: str
    inputs: list[tuple[tuple, Any]]
    ours: Callable[..., Any]
    theirs: Callable[..., Any]

    def __repr__(self) -> str:
        return self.name


def draw(rng: np.random.Generator, shape: tuple, kind: Any) -> np.ndarray:
    """Float64 values away from kinks, or int64 / bool arrays for indices and conditions."""
    if kind == "any":
        return rng.uniform(-2.0, 2.0, shape)
    if kind == "pos":
        return rng.uniform(0.3, 2.0, shape)
    if kind == "away":
        return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if kind == "distinct":
        n = int(np.prod(shape))
        return ((rng.permutation(n) - n / 2) * 0.5 + rng.uniform(-0.1, 0.1, n)).reshape(shape)
    if kind == "bool":
        return rng.random(shape) > 0.5
    if isinstance(kind, tuple) and kind[0] == "int":  # ("int", high, ignored) class indices
        out = rng.integers(0, kind[1], shape)
        if len(kind) > 2:
            out.flat[0] = kind[2]
        return out
    raise ValueError(kind)


def c(name: str, inputs: list, ours: Callable, theirs: Callable | None = None) -> Case:
    """A case; when the spelling is the same in both libraries, one lambda serves both."""
    return Case(name, inputs, ours, theirs or ours)


A, B, M = (3, 1, 4), (2, 4), (2, 3, 4)
CASES = [
    # arithmetic, with broadcasting and Python numbers on either side
    c("add", [(A, "any"), (B, "any")], lambda a, b: a + b),
    c("sub", [(A, "any"), (B, "any")], lambda a, b: a - b),
    c("mul", [(A, "any"), (B, "any")], lambda a, b: a * b),
    c("div", [(A, "any"), (B, "away")], lambda a, b: a / b),
    c("pow", [(A, "pos"), (B, "any")], lambda a, b: a**b),
    c("add_same_shape", [(M, "any"), (M, "any")], lambda a, b: a + b),
    c("mul_scalar_tensor", [((), "any"), (M, "any")], lambda a, b: a * b),
    c("radd", [(M, "any")], lambda a: 1.5 + a),
    c("rsub", [(M, "any")], lambda a: 1.5 - a),
    c("rmul", [(M, "any")], lambda a: 3 * a),
    c("rdiv", [(M, "away")], lambda a: 2.0 / a),
    c("rpow", [(M, "any")], lambda a: 2.0**a),
    c("pow_int", [(M, "any")], lambda a: a**3),
    c("pow_float", [(M, "pos")], lambda a: a**0.5),
    c("sub_scalar", [(M, "any")], lambda a: a - 2),
    c("div_scalar", [(M, "any")], lambda a: a / 3),
    c("neg", [(M, "any")], lambda a: -a),
    # matmul
    c("matmul_2d", [((3, 4), "any"), ((4, 2), "any")], lambda a, b: a @ b),
    c("matmul_batched", [((2, 1, 3, 4), "any"), ((3, 4, 2), "any")], lambda a, b: a @ b),
    c("matmul_batch_one_side", [((2, 3, 4), "any"), ((4, 5), "any")], lambda a, b: a.matmul(b)),
    c("matmul_vec_vec", [((4,), "any"), ((4,), "any")], lambda a, b: a @ b),
    c("matmul_vec_mat", [((4,), "any"), ((2, 4, 3), "any")], lambda a, b: a @ b),
    c("matmul_mat_vec", [((2, 3, 4), "any"), ((4,), "any")], lambda a, b: a @ b),
    c("matmul_fn", [((3, 4), "any"), ((4, 2), "any")], lambda a, b: tg.matmul(a, b), torch.matmul),
    # elementwise functions
    c("sigmoid", [(M, "any")], tg.sigmoid, torch.sigmoid),
    c("tanh", [(M, "any")], tg.tanh, torch.tanh),
    c("relu", [(M, "away")], tg.relu, torch.relu),
    c("exp", [(M, "any")], tg.exp, torch.exp),
    c("log", [(M, "pos")], tg.log, torch.log),
    c("sqrt", [(M, "pos")], tg.sqrt, torch.sqrt),
    c("abs", [(M, "away")], tg.abs, torch.abs),
    c("clamp", [(M, "away")], lambda a: a.clamp(-0.5, 0.7)),
    c("clamp_min", [(M, "away")], lambda a: a.clamp(min=-0.5)),
    c("clamp_max", [(M, "away")], lambda a: tg.clamp(a, max=0.1), lambda a: torch.clamp(a, max=0.1)),
    c("sigmoid_method", [(M, "any")], lambda a: a.sigmoid().tanh().exp()),
    # reductions
    c("sum", [(M, "any")], lambda a: a.sum()),
    c("sum_dim", [(M, "any")], lambda a: a.sum(dim=1)),
    c("sum_neg_dim_keepdim", [(M, "any")], lambda a: a.sum(dim=-1, keepdim=True)),
    c("sum_tuple", [(M, "any")], lambda a: a.sum(dim=(0, 2))),
    c("mean", [(M, "any")], lambda a: a.mean()),
    c("mean_dim", [(M, "any")], lambda a: a.mean(dim=0, keepdim=True)),
    c("mean_tuple", [(M, "any")], lambda a: a.mean(dim=(-1, 0))),
    c("max", [(M, "distinct")], lambda a: a.max()),
    c("max_dim", [(M, "distinct")], lambda a: a.max(dim=1)),
    c("max_dim_keepdim", [(M, "distinct")], lambda a: a.max(dim=-1, keepdim=True)),
    c("amax_tuple", [(M, "distinct")], lambda a: a.max(dim=(0, 2)), lambda a: torch.amax(a, dim=(0, 2))),
    c("max_fn", [(M, "distinct")], lambda a: tg.max(a, 0), lambda a: torch.max(a, 0)),
    c("argmax", [(M, "distinct")], lambda a: (a.argmax(dim=1), a.argmax(), a.argmax(0, keepdim=True), a.sum())),
    # shaping
    c("reshape", [(M, "any")], lambda a: a.reshape(4, -1)),
    c("view", [(M, "any")], lambda a: a.view(6, 4)),
    c("transpose", [(M, "any")], lambda a: a.transpose(0, 2)),
    c("permute", [(M, "any")], lambda a: a.permute(1, 2, 0)),
    c("T", [((3, 4), "any")], lambda a: a.T),
    c("unsqueeze", [(M, "any")], lambda a: a.unsqueeze(-2)),
    c("squeeze", [((2, 1, 3, 1), "any")], lambda a: a.squeeze()),
    c("squeeze_dim", [((2, 1, 3, 1), "any")], lambda a: a.squeeze(1)),
    c("expand", [((3, 1), "any")], lambda a: a.expand(2, 3, 4)),
    c("expand_minus_one", [((3, 1), "any")], lambda a: a.expand(-1, 5)),
    c("flatten", [(M, "any")], lambda a: a.flatten()),
    c("flatten_range", [((2, 3, 4, 2), "any")], lambda a: a.flatten(1, 2)),
    # indexing
    c("index_int", [(M, "any")], lambda a: a[1]),
    c("index_column", [(M, "any")], lambda a: a[:, 2]),
    c("index_slices", [(M, "any")], lambda a: a[0:2, ::2]),
    c("index_negative_none_ellipsis", [(M, "any")], lambda a: a[None, ..., -1]),
    c("index_tensor_repeats", [(M, "any"), ((5,), ("int", 2))], lambda a, i: a[i]),
    c("index_tensor_second_axis", [(M, "any"), ((4,), ("int", 3))], lambda a, i: a[:, i]),
    c("index_bool_mask", [(M, "any"), (M, "bool")], lambda a, m: a[m]),
    # joining and cutting
    c("cat", [((2, 3), "any"), ((2, 1), "any")], lambda a, b: tg.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], 1)),
    c("cat_dim0", [((1, 3), "any"), ((2, 3), "any")], lambda a, b: tg.cat([a, b]), lambda a, b: torch.cat([a, b])),
    c("stack", [(M, "any"), (M, "any")], lambda a, b: tg.stack([a, b], dim=1), lambda a, b: torch.stack([a, b], 1)),
    c("split_int", [((5, 3), "any")], lambda a: a.split(2, dim=0)),
    c("split_list", [((2, 6), "any")], lambda a: tg.split(a, [1, 3, 2], dim=1), lambda a: torch.split(a, [1, 3, 2], 1)),
    c("split_partly_used", [((5, 3), "any")], lambda a: a.split(2)[1]),
    c("chunk", [((2, 8), "any")], lambda a: a.chunk(4, dim=1)),
    c("chunk_uneven", [((7, 2), "any")], lambda a: a.chunk(3)),
    c("chunk_fn", [((2, 8), "any")], lambda a: tg.chunk(a, 2, 1), lambda a: torch.chunk(a, 2, 1)),
    c("unbind", [(M, "any")], lambda a: a.unbind(1)),
    c("unbind_partly_used", [(M, "any")], lambda a: tg.unbind(a, 0)[0], lambda a: torch.unbind(a, 0)[0]),
    c("where", [((3, 1), "bool"), ((3, 4), "any"), ((4,), "any")], tg.where, torch.where),
    c(
        "where_scalar",
        [((3, 4), "bool"), ((3, 4), "any")],
        lambda m, a: tg.where(m, a, 0.0),
        lambda m, a: torch.where(m, a, 0.0),
    ),
    # functional
    c("softmax", [(M, "any")], lambda a: F.softmax(a, dim=1), lambda a: TF.softmax(a, dim=1)),
    c("softmax_last", [(M, "any")], lambda a: F.softmax(a, dim=-1), lambda a: TF.softmax(a, dim=-1)),
    c("log_softmax", [(M, "any")], lambda a: F.log_softmax(a, dim=0), lambda a: TF.log_softmax(a, dim=0)),
    c("log_softmax_last", [(M, "any")], lambda a: F.log_softmax(a, -1), lambda a: TF.log_softmax(a, -1)),
    c("cross_entropy", [((5, 4), "any"), ((5,), ("int", 4))], F.cross_entropy, TF.cross_entropy),
    c(
        "cross_entropy_ignore_index",
        [((5, 4), "any"), ((5,), ("int", 4, -100))],
        F.cross_entropy,
        TF.cross_entropy,
    ),
    c(
        "cross_entropy_custom_ignore_sum",
        [((5, 4), "any"), ((5,), ("int", 4, 2))],
        lambda x, t: F.cross_entropy(x, t, ignore_index=2, reduction="sum"),
        lambda x, t: TF.cross_entropy(x, t, ignore_index=2, reduction="sum"),
    ),
    c(
        "cross_entropy_none",
        [((5, 4), "any"), ((5,), ("int", 4, -100))],
        lambda x, t: F.cross_entropy(x, t, reduction="none"),
        lambda x, t: TF.cross_entropy(x, t, reduction="none"),
    ),
    c("cross_entropy_NCd", [((2, 4, 3), "any"), ((2, 3), ("int", 4, -100))], F.cross_entropy, TF.cross_entropy),
    c(
        "cross_entropy_NCd_none",
        [((2, 4, 3, 2), "any"), ((2, 3, 2), ("int", 4))],
        lambda x, t: F.cross_entropy(x, t, reduction="none"),
        lambda x, t: TF.cross_entropy(x, t, reduction="none"),
    ),
    c("cross_entropy_unbatched", [((4,), "any"), ((), ("int", 4))], F.cross_entropy, TF.cross_entropy),
    c("logsigmoid", [(M, "any")], F.logsigmoid, TF.logsigmoid),
    c("logsigmoid_far_out", [(M, "any")], lambda a: F.logsigmoid(a * 300), lambda a: TF.logsigmoid(a * 300)),
    c("log_softmax_empty_dim", [((2, 0), "any")], lambda a: F.log_softmax(a, 1), lambda a: TF.log_softmax(a, 1)),
    c("softmax_empty_dim", [((0, 3), "any")], lambda a: F.softmax(a, 0), lambda a: TF.softmax(a, 0)),
    c("log_softmax_0d", [((), "any")], lambda a: F.log_softmax(a, 0), lambda a: TF.log_softmax(a, 0)),
    c("softmax_0d", [((), "any")], lambda a: F.softmax(a, -1), lambda a: TF.softmax(a, -1)),
    c("sum_numpy_dim", [(M, "any")], lambda a: a.sum(dim=np.int64(1)), lambda a: a.sum(dim=1)),
    c("mean_numpy_dims", [(M, "any")], lambda a: a.mean(dim=(np.int64(0), -1)), lambda a: a.mean(dim=(0, -1))),
    c("max_numpy_dim", [(M, "distinct")], lambda a: a.max(dim=np.int64(2)), lambda a: a.max(dim=2)),
    c("sum_empty_tuple_is_all", [(M, "any")], lambda a: a.sum(dim=()), lambda a: a.sum(dim=())),
    c("squeeze_tuple", [((1, 3, 1), "any")], lambda a: a.squeeze((0, 2)), lambda a: a.squeeze((0, 2))),
    c("squeeze_list_not_size_1", [((1, 3, 1), "any")], lambda a: tg.squeeze(a, [1, -1]), lambda a: a.squeeze([1, -1])),
    c("flatten_one_axis", [(M, "any")], lambda a: a.flatten(1, 1)),
    c("flatten_0d", [((), "any")], lambda a: a.flatten(0, -1)),
    c("mse_loss", [(M, "any"), (M, "any")], F.mse_loss, TF.mse_loss),
    c(
        "mse_loss_sum",
        [(M, "any"), (M, "any")],
        lambda a, b: F.mse_loss(a, b, reduction="sum"),
        lambda a, b: TF.mse_loss(a, b, reduction="sum"),
    ),
    c(
        "mse_loss_none",
        [(M, "any"), (M, "any")],
        lambda a, b: F.mse_loss(a, b, reduction="none"),
        lambda a, b: TF.mse_loss(a, b, reduction="none"),
    ),
    c(
        "dropout_eval",
        [(M, "any")],
        lambda a: F.dropout(a, 0.5, training=False),
        lambda a: TF.dropout(a, 0.5, training=False),
    ),
    # one LSTM step, composed the way the cells compose it
    c(
        "lstm_step",
        [((2, 3), "any"), ((2, 2), "any"), ((2, 2), "any"), ((5, 8), "any"), ((8,), "any")],
        lambda x, h, c_, w, b: _lstm_step(tg, x, h, c_, w, b),
        lambda x, h, c_, w, b: _lstm_step(torch, x, h, c_, w, b),
    ),
]


def _lstm_step(lib: Any, x: Any, h: Any, c_: Any, w: Any, b: Any) -> tuple:
    i, f, g, o = (lib.cat([x, h], dim=1) @ w + b).chunk(4, dim=1)
    c_t = lib.sigmoid(f) * c_ + lib.sigmoid(i) * lib.tanh(g)
    return lib.sigmoid(o) * lib.tanh(c_t), c_t


def _outputs(result: Any) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_values_and_gradients_match_torch(device: str, dtype: str, case: Case) -> None:
    """Forward values, integer outputs (indices) exactly, and every input's gradient."""
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    arrays = [draw(rng, shape, kind) for shape, kind in case.inputs]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    floats = [a.dtype.kind == "f" for a in arrays]
    ours = [tg.Tensor(a, device=device, requires_grad=f) for a, f in zip(arrays, floats)]
    theirs = [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, floats)]

    out_ours, out_theirs = _outputs(case.ours(*ours)), _outputs(case.theirs(*theirs))
    assert len(out_ours) == len(out_theirs)
    tol = TOLERANCE[dtype]
    loss_ours, loss_theirs = 0.0, 0.0
    for o, t in zip(out_ours, out_theirs):
        assert isinstance(o, tg.Tensor)
        assert o.shape == tuple(t.shape), f"{case.name}: shape {o.shape} != torch's {tuple(t.shape)}"
        if not t.dtype.is_floating_point:
            assert o.dtype == tg.int64
            np.testing.assert_array_equal(o.numpy(), t.numpy())
            continue
        assert o.dtype == dtype, f"{case.name}: dtype {o.dtype} != {dtype}"
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=tol, atol=tol, err_msg=f"{case.name} value")
        weight = rng.uniform(-1.0, 1.0, t.shape).astype(dtype)
        loss_ours = loss_ours + (o * tg.Tensor(weight, device=device)).sum()
        loss_theirs = loss_theirs + (t * torch.tensor(weight)).sum()

    if not isinstance(loss_ours, tg.Tensor) or not loss_ours.requires_grad:
        return
    loss_ours.backward()
    loss_theirs.backward()
    for k, (x, y) in enumerate(zip(ours, theirs)):
        if not floats[k]:
            continue
        if y.grad is None:
            assert x.grad is None or not x.grad.numpy().any()
            continue
        assert x.grad is not None, f"{case.name}: input {k} got no gradient"
        assert x.grad.dtype == dtype and x.grad.device == device
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=tol, atol=tol, err_msg=f"{case.name} grad {k}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_stable_at_huge_logits_like_torch(device: str, dtype: str) -> None:
    """sigmoid, log_softmax and cross_entropy at logits of ±1e4 match torch (and stay finite)."""
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 3.0]], dtype=dtype)
    target = np.array([2, 0])
    x = tg.Tensor(logits, device=device, requires_grad=True)
    y = torch.tensor(logits, requires_grad=True)
    pairs = [
        (tg.sigmoid(x), torch.sigmoid(y)),
        (F.log_softmax(x, dim=1), TF.log_softmax(y, dim=1)),
        (F.softmax(x, dim=1), TF.softmax(y, dim=1)),
        (F.cross_entropy(x, tg.Tensor(target, device=device)), TF.cross_entropy(y, torch.tensor(target))),
    ]
    for ours, theirs in pairs:
        assert np.isfinite(ours.numpy()).all()
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)
    pairs[-1][0].backward()
    pairs[-1][1].backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-6, atol=1e-7)


# --- bad arguments: both libraries refuse; ours with a TypeError/ValueError (or IndexError for a dim out
# of range, as PyTorch) that names the argument, never an error from the inside ------------------------
X = np.arange(24.0).reshape(2, 3, 4)
BAD_CALLS: list[tuple[str, Callable, Callable, type, str]] = [
    ("flatten(2, 1)", lambda t: t.flatten(2, 1), lambda t: t.flatten(2, 1), ValueError, "start_dim"),
    ("flatten(0.5)", lambda t: t.flatten(0.5), lambda t: t.flatten(0.5), TypeError, "start_dim must be an int"),
    ("flatten 0-d (0, 1)", lambda t: t[0, 0, 0].flatten(0, 1), lambda t: t[0, 0, 0].flatten(0, 1), IndexError, "range"),
    ("sum(dim=1.0)", lambda t: t.sum(dim=1.0), lambda t: t.sum(dim=1.0), TypeError, "dim must be an int, got float"),
    ("sum(dim='a')", lambda t: t.sum(dim="a"), lambda t: t.sum(dim="a"), TypeError, "dim must be an int, got str"),
    ("sum(dim=True)", lambda t: t.sum(dim=True), lambda t: t.sum(dim=True), TypeError, "dim must be an int, got bool"),
    ("sum(dim=3)", lambda t: t.sum(dim=3), lambda t: t.sum(dim=3), IndexError, "out of range"),
    ("mean(dim=(0, 0))", lambda t: t.mean(dim=(0, 0)), lambda t: t.mean(dim=(0, 0)), ValueError, "twice"),
    ("squeeze(0.0)", lambda t: t.squeeze(0.0), lambda t: t.squeeze(0.0), TypeError, "dim must be an int"),
    ("squeeze((0, 0))", lambda t: t.squeeze((0, 0)), lambda t: t.squeeze((0, 0)), ValueError, "twice"),
    ("unsqueeze(1.0)", lambda t: t.unsqueeze(1.0), lambda t: t.unsqueeze(1.0), TypeError, "dim must be an int"),
    ("transpose(0, 'a')", lambda t: t.transpose(0, "a"), lambda t: t.transpose(0, "a"), TypeError, "dim1"),
    ("reshape(6.0, -1)", lambda t: t.reshape(6.0, -1), lambda t: t.reshape((6.0, -1)), TypeError, "shape"),
    ("permute(0, 1.5, 2)", lambda t: t.permute(0, 1.5, 2), lambda t: t.permute(0, 1.5, 2), TypeError, "dims"),
    ("expand(2.0, 3, 4)", lambda t: t.expand(2.0, 3, 4), lambda t: t.expand(2.0, 3, 4), TypeError, "sizes"),
    ("chunk(2.0)", lambda t: t.chunk(2.0), lambda t: t.chunk(2.0), TypeError, "chunks must be an int"),
    ("split(1.5)", lambda t: t.split(1.5), lambda t: t.split(1.5), TypeError, "split_size must be an int"),
    ("max(dim=1.0)", lambda t: t.max(dim=1.0), lambda t: t.max(dim=1.0), TypeError, "dim must be an int"),
    ("log_softmax(dim=None)", lambda t: F.log_softmax(t, None), lambda t: TF.log_softmax(t, "a"), TypeError, "dim"),
    ("softmax(dim='a')", lambda t: F.softmax(t, "a"), lambda t: TF.softmax(t, "a"), TypeError, "dim must be an int"),
    (
        "cross_entropy 0-d input",
        lambda t: F.cross_entropy(t[0, 0, 0], tg.Tensor(0)),
        lambda t: TF.cross_entropy(t[0, 0, 0], torch.tensor(0)),
        ValueError,
        "input must have a dimension of classes, got a 0-d tensor",
    ),
    (
        "cross_entropy (C,) input with a (2,) target",
        lambda t: F.cross_entropy(t[0, 0], tg.Tensor([0, 1])),
        lambda t: TF.cross_entropy(t[0, 0], torch.tensor([0, 1])),
        ValueError,
        "takes a 0-d target",
    ),
]


@pytest.mark.parametrize("name, ours, theirs, error, words", BAD_CALLS, ids=[b[0] for b in BAD_CALLS])
def test_bad_arguments_raise_a_clear_error_where_torch_raises(
    name: str, ours: Callable, theirs: Callable, error: type, words: str
) -> None:
    with pytest.raises(Exception):  # noqa: B017 (torch's error types vary: RuntimeError, TypeError, IndexError)
        theirs(torch.tensor(X))
    with pytest.raises(error, match=words):
        ours(tg.Tensor(X))


def test_numpy_integers_work_as_dims_and_sizes_as_in_torch() -> None:
    x, t = tg.Tensor(X), torch.tensor(X)
    i = np.int64(1)
    pairs = [
        (x.sum(dim=i), t.sum(dim=1)),
        (x.mean(i), t.mean(1)),
        (x.max(i).values, t.max(1).values),
        (x.argmax(i), t.argmax(1)),
        (x.transpose(i, np.int32(2)), t.transpose(1, 2)),
        (x.unsqueeze(i), t.unsqueeze(1)),
        (x.flatten(np.int64(0), i), t.flatten(0, 1)),
        (x.reshape(np.int64(6), -1), t.reshape(6, -1)),
        (x.chunk(np.int64(2), dim=i)[0], t.chunk(2, dim=1)[0]),
        (tg.cat([x, x], dim=i), torch.cat([t, t], dim=1)),
        (F.log_softmax(x, i), TF.log_softmax(t, 1)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


NOT_A_TENSOR = [
    ("sum", lambda: tg.sum([1.0])),
    ("mean", lambda: tg.mean([1.0])),
    ("max", lambda: tg.max([1.0])),
    ("argmax", lambda: tg.argmax([1.0])),
    ("reshape", lambda: tg.reshape([1.0], 1)),
    ("flatten", lambda: tg.flatten([1.0])),
    ("permute", lambda: tg.permute([[1.0]], 1, 0)),
    ("transpose", lambda: tg.transpose([[1.0]], 0, 1)),
    ("unsqueeze", lambda: tg.unsqueeze([1.0], 0)),
    ("squeeze", lambda: tg.squeeze([1.0])),
    ("expand", lambda: tg.expand([1.0], 2)),
    ("split", lambda: tg.split([1.0], 1)),
    ("chunk", lambda: tg.chunk([1.0], 1)),
    ("unbind", lambda: tg.unbind([1.0])),
    ("neg", lambda: tg.neg([1.0])),
    ("mul", lambda: tg.mul([1.0], [2.0])),
    ("add", lambda: tg.add(np.ones(1), np.ones(1))),
    ("matmul", lambda: tg.matmul([1.0], [1.0])),
    ("cat", lambda: tg.cat(tg.ones(2, 2))),
    ("stack", lambda: tg.stack(tg.ones(2, 2))),
    ("where", lambda: tg.where(tg.ones(2) > 0, "a", 1.0)),
    ("where", lambda: tg.where(np.ones(2) > 0, tg.ones(2), 1.0)),
    ("clamp", lambda: tg.ones(2).clamp("a")),
    ("sum", lambda: tg.ones(2).sum(dim=0, keepdim="yes")),
    ("dropout", lambda: F.dropout(tg.ones(2), "a")),
]


@pytest.mark.parametrize("name, call", NOT_A_TENSOR, ids=[f"{n}-{i}" for i, (n, _) in enumerate(NOT_A_TENSOR)])
def test_wrong_kinds_of_argument_are_a_type_error_naming_the_op(name: str, call: Callable) -> None:
    """Never an AttributeError from the inside: a TypeError that names the op and what it got."""
    with pytest.raises(TypeError, match=f"^{name}"):
        call()
