"""The Tensor class: properties, conversions, Python numbers with operators, max(dim=), creation."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.backend import get_backend


def test_properties(device: str) -> None:
    x = tg.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=device)
    assert get_backend(device).is_array(x.data)
    assert x.grad is None and x.requires_grad is False and x.is_leaf and x.grad_fn is None
    assert x.shape == (2, 3) and isinstance(x.shape, tuple)
    assert x.ndim == 2 and x.dim() == 2
    assert x.dtype == tg.float32 and x.dtype == "float32" and x.dtype.is_floating_point
    assert x.device == device
    assert x.size() == (2, 3) and x.size(1) == 3 and x.numel() == 6 and len(x) == 2
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_numpy_returns_a_copy(device: str) -> None:
    x = tg.Tensor([1.0, 2.0], device=device)
    n = x.numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.float32
    n[0] = 99.0
    assert x.tolist() == [1.0, 2.0]
    assert x.numpy() is not x.numpy()


def test_numpy_of_a_0d_result_is_an_ndarray(device: str) -> None:
    y = tg.Tensor([1.0, 2.0], device=device).sum() * 2.0
    assert type(y.numpy()) is np.ndarray and y.numpy().shape == ()
    assert type((tg.Tensor(1.0, device=device) * 2).numpy()) is np.ndarray


def test_item_and_python_conversions(device: str) -> None:
    assert tg.Tensor(2.5, device=device).item() == 2.5 and isinstance(tg.Tensor(2.5, device=device).item(), float)
    assert tg.Tensor([[7]], device=device).item() == 7 and isinstance(tg.Tensor([7], device=device).item(), int)
    assert tg.Tensor(True, device=device).item() is True
    assert float(tg.Tensor([1.5], device=device)) == 1.5
    assert int(tg.Tensor(3.9, device=device)) == 3
    assert bool(tg.Tensor([0.0], device=device)) is False


def test_requires_grad_and_grad(device: str) -> None:
    x = tg.Tensor([1.0], device=device)
    assert x.requires_grad_() is x and x.requires_grad
    (x * 2.0).sum().backward()
    assert isinstance(x.grad, tg.Tensor) and x.grad.device == device and x.grad.tolist() == [2.0]
    assert x.grad.requires_grad is False


def test_repr_follows_pytorch() -> None:
    assert repr(tg.Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(tg.Tensor([1, 2])) == "tensor([1, 2])"
    assert repr(tg.Tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(tg.Tensor([1.0], dtype=tg.float64)) == "tensor([1.], dtype=tinygrad_rnn.float64)"
    assert "grad_fn=<Mul>" in repr(tg.Tensor([1.0], requires_grad=True) * 2)


def test_iteration_yields_rows(device: str) -> None:
    rows = list(tg.Tensor([[1.0, 2.0], [3.0, 4.0]], device=device))
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]


def test_numpy_arrays_mix_with_tensors() -> None:
    """An ndarray on either side of an operator gives a Tensor (NumPy defers to ours)."""
    x = tg.Tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    a = np.array([3.0, 4.0])
    for y in (a * x, x * a, a + x, a @ x):
        assert isinstance(y, tg.Tensor) and y.requires_grad
    assert (a * x).tolist() == [3.0, 8.0]
    assert np.asarray(x).tolist() == [1.0, 2.0]


# --- Python numbers on either side of every operator --------------------------------------

OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
# d(x op s)/dx and d(s op x)/dx
DERIVATIVES = {
    "+": (lambda x, s: 1.0 + 0 * x, lambda x, s: 1.0 + 0 * x),
    "-": (lambda x, s: 1.0 + 0 * x, lambda x, s: -1.0 + 0 * x),
    "*": (lambda x, s: s + 0 * x, lambda x, s: s + 0 * x),
    "/": (lambda x, s: 1.0 / s + 0 * x, lambda x, s: -s / x**2),
    "**": (lambda x, s: s * x ** (s - 1), lambda x, s: s**x * np.log(s)),
}


@pytest.mark.parametrize("name", list(OPERATORS))
@pytest.mark.parametrize("scalar", [2, 2.5, 0.5], ids=["int", "float", "half"])
def test_python_scalar_on_either_side(device: str, name: str, scalar: float) -> None:
    op, (d_right, d_left) = OPERATORS[name], DERIVATIVES[name]
    values = np.array([0.5, 1.5, 3.0])
    for scalar_left, derivative in ((False, d_right), (True, d_left)):
        x = tg.Tensor(values, requires_grad=True, device=device)
        y = op(scalar, x) if scalar_left else op(x, scalar)
        expected = op(scalar, values) if scalar_left else op(values, scalar)
        assert isinstance(y, tg.Tensor) and y.device == device and y.dtype == tg.float64
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), derivative(values, scalar), rtol=1e-12)


@pytest.mark.parametrize("name", list(OPERATORS))
def test_integer_tensor_with_python_numbers(device: str, name: str) -> None:
    """int64 tensors: int scalars keep int64 (except /, which is true division); floats give float32."""
    op = OPERATORS[name]
    x = tg.Tensor([1, 2, 3], device=device)
    y = op(x, 2)
    assert y.dtype == (tg.float32 if name == "/" else tg.int64)
    np.testing.assert_allclose(y.numpy(), op(np.array([1, 2, 3]), 2))
    z = op(x, 0.5)
    assert z.dtype == tg.float32
    np.testing.assert_allclose(z.numpy(), op(np.array([1.0, 2.0, 3.0]), 0.5), rtol=1e-6)


def test_function_and_method_forms_agree(device: str) -> None:
    x = tg.Tensor([[0.5, -1.0, 2.0]], device=device)
    for fn in ("sigmoid", "tanh", "relu", "exp", "abs"):
        np.testing.assert_array_equal(getattr(tg, fn)(x).numpy(), getattr(x, fn)().numpy())
    np.testing.assert_array_equal(tg.clamp(x, -0.5, 0.5).numpy(), x.clamp(-0.5, 0.5).numpy())
    np.testing.assert_array_equal(tg.sum(x, 1).numpy(), x.sum(1).numpy())
    np.testing.assert_array_equal(tg.mean(x).numpy(), x.mean().numpy())
    assert [p.shape for p in tg.split(x, 1, dim=1)] == [p.shape for p in x.split(1, dim=1)] == [(1, 1)] * 3
    assert tg.unsqueeze(x, 0).shape == x.unsqueeze(0).shape == (1, 1, 3)
    assert tg.transpose(x, 0, 1).shape == x.T.shape == (3, 1)


# --- max(dim=) -------------------------------------------------------------------------------


def test_max_with_dim_returns_values_and_indices_like_torch(device: str) -> None:
    x = tg.Tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]], device=device, requires_grad=True)
    result = x.max(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert indices.dtype == tg.int64 and indices.requires_grad is False
    kept = x.max(dim=0, keepdim=True)
    assert kept.values.shape == (1, 3) and kept.indices.shape == (1, 3)
    assert kept.indices.tolist() == [[1, 0, 1]]
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_max_without_dim_or_with_a_tuple_returns_one_tensor(device: str) -> None:
    x = tg.Tensor([[1.0, 5.0], [7.0, 2.0]], device=device)
    assert isinstance(x.max(), tg.Tensor) and x.max().item() == 7.0
    assert isinstance(x.max(dim=(0, 1)), tg.Tensor) and x.max(dim=(0, 1)).item() == 7.0


def test_max_ties_share_the_gradient() -> None:
    x = tg.Tensor([3.0, 1.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5]


def test_reductions_of_a_0d_tensor_accept_dim_0_and_minus_1(device: str) -> None:
    """As in PyTorch, a 0-d tensor has one pseudo-dimension for sum/mean/max/argmax."""
    x = tg.Tensor(2.0, device=device, requires_grad=True)
    assert x.sum(0).item() == 2.0 and x.mean(-1).item() == 2.0
    values, index = x.max(0)
    assert values.item() == 2.0 and index.item() == 0 and index.dtype == tg.int64
    assert x.argmax(0).item() == 0
    (values * x.sum(dim=0, keepdim=True)).backward()
    assert x.grad.item() == 4.0


def test_argmax() -> None:
    x = tg.Tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]])
    assert x.argmax().item() == 3
    assert x.argmax(dim=1).tolist() == [1, 0]
    assert x.argmax(dim=0, keepdim=True).shape == (1, 3)


# --- indexing values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        1,
        -1,
        (slice(None), 2),
        (slice(0, 2), slice(None, None, 2)),
        (None, Ellipsis, 0),
        (Ellipsis, 1),
        (1, slice(1, None)),
        [0, 0, 2],
    ],
    ids=str,
)
def test_indexing_matches_numpy(device: str, key) -> None:
    a = np.arange(24.0).reshape(3, 4, 2)
    x = tg.Tensor(a, device=device)
    np.testing.assert_array_equal(x[key].numpy(), a[key])


def test_indexing_with_tensors(device: str) -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = tg.Tensor(a, device=device, requires_grad=True)
    index = tg.Tensor([2, 0, 2], device=device)
    np.testing.assert_array_equal(x[index].numpy(), a[[2, 0, 2]])
    np.testing.assert_array_equal(x[:, index].numpy(), a[:, [2, 0, 2]])
    assert x[tg.Tensor(1, device=device)].tolist() == a[1].tolist()  # a 0-d int tensor acts like an int
    mask = x > 5.0
    np.testing.assert_array_equal(x[mask].numpy(), a[a > 5.0])
    x[index].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0] * 4, [0.0] * 4, [2.0] * 4])


def test_comparisons_give_bool_tensors_outside_the_graph(device: str) -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    for result, expected in [
        (x < 2, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x > 2, [False, False, True]),
        (x >= 2, [False, True, True]),
        (x == 2, [False, True, False]),
        (x != 2, [True, False, True]),
        (x == tg.Tensor([1.0, 0.0, 3.0], device=device), [True, False, True]),
    ]:
        assert result.dtype == tg.bool and result.tolist() == expected and not result.requires_grad


# --- creation --------------------------------------------------------------------------------------


def test_creation_functions(device: str) -> None:
    assert tg.zeros(2, 3, device=device).tolist() == [[0.0] * 3] * 2
    assert tg.zeros((2, 3), device=device).shape == (2, 3)
    assert tg.ones(2, device=device, dtype=tg.float64).dtype == tg.float64
    assert tg.full((2,), 0.5, device=device).tolist() == [0.5, 0.5]
    assert tg.arange(5, device=device).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(1, 7, 2, device=device).tolist() == [1, 3, 5]
    like = tg.Tensor([[1.0, 2.0]], dtype=tg.float64, device=device)
    z, o = tg.zeros_like(like), tg.ones_like(like)
    assert z.shape == o.shape == (1, 2) and z.dtype == o.dtype == tg.float64 and z.device == device
    w = tg.randn(3, 2, device=device, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.shape == (3, 2)
    assert tg.tensor([1.0], requires_grad=True, device=device).requires_grad


def test_zero_and_detach_share_nothing_unexpected(device: str) -> None:
    x = tg.Tensor([1.0, 2.0], device=device, requires_grad=True)
    x.sum().backward()
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    x.sum().backward()  # accumulates onto the zeroed gradient
    assert x.grad.tolist() == [1.0, 1.0]


# --- integer and bool tensors ------------------------------------------------------------------


def test_sum_of_a_bool_tensor_counts(device: str) -> None:
    """``(pred == target).sum()``: bools sum to an int64 count, as in PyTorch."""
    hits = tg.Tensor([1.0, -1.0, 2.0], device=device) > 0
    assert hits.sum().item() == 2 and hits.sum().dtype == tg.int64
    assert tg.Tensor([[True, False], [True, True]], device=device).sum(dim=1).tolist() == [1, 2]
    assert hits.float().mean().item() == pytest.approx(2 / 3)


def test_clamp_of_integer_tensors(device: str) -> None:
    """Integer bounds keep int64; a float bound gives a float result, as in PyTorch."""
    x = tg.Tensor([1, 5, -3], device=device)
    y = x.clamp(0, 3)
    assert y.dtype == tg.int64 and y.tolist() == [1, 3, 0]
    z = x.clamp(min=0.5)
    assert z.dtype == tg.float32 and z.tolist() == [1.0, 5.0, 0.5]


def test_iterating_over_a_0d_tensor_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="0-d"):
        list(tg.Tensor(1.0))
    with pytest.raises(IndexError, match="unbind"):
        tg.Tensor(1.0).unbind()


def test_slices_past_the_end_are_clipped_on_every_backend(device: str) -> None:
    """x[0:99] of 3 rows is 3 rows, as in NumPy and PyTorch (the array API leaves it undefined)."""
    x = tg.randn(3, 2, device=device, requires_grad=True)
    assert x[0:5].shape == (3, 2)
    assert x[..., 1:9].shape == (3, 1)
    assert x[None, 1:, -5:].shape == (1, 2, 2)
    x[1:99].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [1, 1], [1, 1]])


def test_a_ragged_list_is_named_plainly():
    with pytest.raises(ValueError, match=r"Tensor: expected a sequence of equal lengths .*\[\[1, 2\], \[3\]\]"):
        tg.Tensor([[1, 2], [3]])


def test_python_floats_go_straight_to_the_asked_dtype():
    """``Tensor(0.3, dtype=float64)`` is the float64 nearest 0.3, not a float32 widened (as torch)."""
    assert tg.Tensor(0.3, dtype=tg.float64).item() == 0.3
    assert tg.tensor([0.1, 0.3], dtype=tg.float64).tolist() == [0.1, 0.3]
    assert tg.Tensor(0.3).dtype == tg.float32
