"""tinygrad_rnn.functional: dropout, cross_entropy's ignore_index and reductions, softmax, mse_loss."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F


def log_softmax_np(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# --- dropout ------------------------------------------------------------------------------


def test_dropout_in_training_zeroes_about_p_and_scales_the_rest(device: str) -> None:
    tg.manual_seed(0)
    x = tg.Tensor(np.linspace(1.0, 2.0, 10_000), device=device)
    y = F.dropout(x, p=0.3).numpy()
    kept = y != 0
    assert abs(1 - kept.mean() - 0.3) < 0.02
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / 0.7, rtol=1e-6)


def test_dropout_in_eval_or_with_p_0_is_the_identity(device: str) -> None:
    x = tg.Tensor([1.0, 2.0], device=device, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_with_p_1_zeroes_everything_and_its_gradient(device: str) -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert y.tolist() == [0.0, 0.0, 0.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_dropout_backward_reuses_the_forward_mask(device: str) -> None:
    tg.manual_seed(3)
    x = tg.Tensor(np.ones((20, 30)), device=device, requires_grad=True)
    y = F.dropout(x, p=0.5)
    tg.manual_seed(99)  # new random numbers in between must not change the mask used by backward
    F.dropout(tg.ones(20, 30, device=device), 0.5)
    weights = np.arange(600.0).reshape(20, 30)
    (y * tg.Tensor(weights, device=device)).sum().backward()
    mask = y.numpy() != 0
    assert 0 < mask.sum() < mask.size
    np.testing.assert_allclose(x.grad.numpy(), np.where(mask, weights * 2.0, 0.0))


def test_dropout_records_an_op_only_when_needed(device: str) -> None:
    y = F.dropout(tg.ones(4, device=device), 0.5)
    assert y.grad_fn is None and not y.requires_grad
    z = F.dropout(tg.ones(4, device=device, requires_grad=True), 0.5)
    assert z.grad_fn is not None and z.grad_fn.label == "dropout"


# --- cross_entropy -----------------------------------------------------------------------------


def test_cross_entropy_mean_is_over_the_non_ignored_targets(device: str) -> None:
    logits = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [1.0, -2.0, 0.0], [0.0, 0.0, 3.0]])
    target = np.array([0, -100, 2, -100])
    x = tg.Tensor(logits, device=device, requires_grad=True)
    loss = F.cross_entropy(x, tg.Tensor(target, device=device))
    logp = log_softmax_np(logits, 1)
    expected = -(logp[0, 0] + logp[2, 2]) / 2  # divided by 2 kept targets, not by 4
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    grad = x.grad.numpy()
    np.testing.assert_array_equal(grad[[1, 3]], 0.0)  # ignored rows get no gradient
    softmax = np.exp(logp)
    np.testing.assert_allclose(grad[0], (softmax[0] - [1, 0, 0]) / 2, rtol=1e-12)


def test_cross_entropy_reductions_with_ignore_index(device: str) -> None:
    logits = np.array([[2.0, 0.5], [0.1, 0.2], [1.0, -2.0]])
    target = np.array([1, 0, 1])
    x = tg.Tensor(logits, device=device)
    t = tg.Tensor(target, device=device)
    per_row = -log_softmax_np(logits, 1)[np.arange(3), target]
    none = F.cross_entropy(x, t, ignore_index=0, reduction="none")
    np.testing.assert_allclose(none.numpy(), [per_row[0], 0.0, per_row[2]], rtol=1e-12)
    summed = F.cross_entropy(x, t, ignore_index=0, reduction="sum").item()
    assert summed == pytest.approx(per_row[0] + per_row[2], rel=1e-12)
    mean = F.cross_entropy(x, t, ignore_index=0).item()
    assert mean == pytest.approx((per_row[0] + per_row[2]) / 2, rel=1e-12)
    assert F.cross_entropy(x, t).item() == pytest.approx(per_row.mean(), rel=1e-12)


def test_cross_entropy_with_spatial_dims_equals_the_flattened_version(device: str) -> None:
    """(N, C, d) logits: the same as moving C last and flattening, as PyTorch defines it."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 3))
    target = rng.integers(0, 4, (2, 3))
    target[0, 1] = -100
    ours = F.cross_entropy(tg.Tensor(logits, device=device), tg.Tensor(target, device=device), reduction="none")
    assert ours.shape == (2, 3)
    flat = log_softmax_np(logits.transpose(0, 2, 1).reshape(-1, 4), 1)
    expected = np.where(target.ravel() == -100, 0.0, -flat[np.arange(6), np.maximum(target.ravel(), 0)])
    np.testing.assert_allclose(ours.numpy().ravel(), expected, rtol=1e-12)


def test_cross_entropy_unbatched_and_list_target(device: str) -> None:
    logits = tg.Tensor([0.0, 0.0, math.log(2.0)], dtype=tg.float64, device=device)
    assert F.cross_entropy(logits, tg.Tensor(2, device=device)).item() == pytest.approx(math.log(2.0))
    batched = tg.Tensor([[0.0, 0.0]], dtype=tg.float64, device=device)
    assert F.cross_entropy(batched, [1]).item() == pytest.approx(math.log(2.0))


def test_cross_entropy_keeps_the_input_dtype(device: str) -> None:
    for dtype in (tg.float32, tg.float64):
        x = tg.Tensor([[1.0, 2.0]], dtype=dtype, device=device)
        assert F.cross_entropy(x, tg.Tensor([1], device=device)).dtype == dtype


# --- softmax, log_softmax, mse_loss ----------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_values(device: str, dim: int) -> None:
    a = np.random.default_rng(1).normal(size=(3, 4)) * 3
    x = tg.Tensor(a, device=device)
    p = F.softmax(x, dim=dim).numpy()
    np.testing.assert_allclose(p.sum(axis=dim), 1.0, rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(x, dim=dim).numpy(), log_softmax_np(a, dim), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.log(p), log_softmax_np(a, dim), rtol=1e-12, atol=1e-12)


def test_softmax_is_shift_invariant(device: str) -> None:
    x = tg.Tensor([[1.0, 2.0, 3.0]], dtype=tg.float64, device=device)
    np.testing.assert_allclose(F.softmax(x + 1000.0, dim=1).numpy(), F.softmax(x, dim=1).numpy(), rtol=1e-12)


def test_mse_loss_reductions(device: str) -> None:
    a = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64, device=device, requires_grad=True)
    b = tg.Tensor([[1.0, 0.0], [0.0, 4.0]], dtype=tg.float64, device=device)
    assert F.mse_loss(a, b).item() == pytest.approx(13.0 / 4)
    assert F.mse_loss(a, b, reduction="sum").item() == pytest.approx(13.0)
    assert F.mse_loss(a, b, reduction="none").tolist() == [[0.0, 4.0], [9.0, 0.0]]
    F.mse_loss(a, b).backward()
    np.testing.assert_allclose(a.grad.numpy(), [[0.0, 1.0], [1.5, 0.0]])
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(a, b, reduction="avg")


def test_mse_loss_target_as_a_list_takes_the_input_dtype() -> None:
    a = tg.Tensor([1.0, 2.0], dtype=tg.float64)
    assert F.mse_loss(a, [1.0, 4.0]).item() == 2.0
    assert F.mse_loss(a, [1.0, 4.0]).dtype == tg.float64


# --- edges: empty dimensions, 0-d inputs, logsigmoid -----------------------------------------


def test_softmax_and_log_softmax_over_an_empty_dimension_are_empty(device: str) -> None:
    x = tg.Tensor(np.zeros((2, 0)), requires_grad=True, device=device)
    for fn in (F.softmax, F.log_softmax):
        y = fn(x, dim=1)
        assert y.shape == (2, 0)
        y.sum().backward()
        assert x.grad.shape == (2, 0)


def test_log_softmax_of_a_0d_tensor_is_0(device: str) -> None:
    x = tg.Tensor(3.0, requires_grad=True, device=device)
    y = F.log_softmax(x, 0)
    y.backward()
    assert y.item() == 0.0 and x.grad.item() == 0.0
    assert F.softmax(x, -1).item() == 1.0


def test_cross_entropy_refuses_a_0d_input_naming_the_expected_shapes() -> None:
    with pytest.raises(ValueError, match=r"cross_entropy: input must have a dimension of classes.*\(C,\), \(N, C\)"):
        F.cross_entropy(tg.Tensor(1.0), tg.Tensor(0))


def test_cross_entropy_of_one_sample_takes_a_0d_or_1_element_target() -> None:
    logits = tg.Tensor([0.0, 1.0, 2.0])
    a = F.cross_entropy(logits, tg.Tensor(2))
    b = F.cross_entropy(logits, tg.Tensor([2]))
    assert a.shape == b.shape == () and a.item() == b.item()
    assert F.cross_entropy(logits, tg.Tensor(2), reduction="none").shape == ()
    with pytest.raises(ValueError, match="takes a 0-d target, got shape"):
        F.cross_entropy(logits, tg.Tensor([1, 2]))


def test_logsigmoid_is_minus_softplus_of_minus_x_on_every_backend(device: str) -> None:
    values = np.array([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])
    x = tg.Tensor(values, requires_grad=True, device=device)
    y = F.logsigmoid(x)
    y.sum().backward()
    expected = -np.logaddexp(0.0, -values)  # −softplus(−x)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), np.exp(-np.logaddexp(0.0, values)), rtol=1e-15)  # σ(−x)
