"""Tensor.register_hook: see (or replace) a gradient as it flows, as in PyTorch."""

import gc
import weakref

import numpy as np
import pytest

import tinygrad_rnn as tg


def test_a_hook_on_an_intermediate_sees_its_gradient_and_can_replace_it():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * x
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy()))
    h.register_hook(lambda g: g * 10.0)  # replaces what flows on to x
    (h * tg.Tensor([1.0, 0.5, 2.0])).sum().backward()
    np.testing.assert_array_equal(seen[0], [1.0, 0.5, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), 10.0 * 2 * np.array([1.0, 2.0, 3.0]) * [1.0, 0.5, 2.0])


def test_a_hook_on_a_leaf_runs_before_accumulation_and_can_be_removed():
    w = tg.Tensor([1.0, 1.0], requires_grad=True)
    handle = w.register_hook(lambda g: g * 0.0)
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    handle.remove()
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


def test_hooks_see_the_per_step_gradients_of_an_lstm():
    """The teaching use: ‖∂L/∂h_t‖ for every step of an unrolled cell, read by hooks."""
    tg.manual_seed(0)
    cell = tg.nn.RNNCell(2, 8)
    x = tg.randn(20, 1, 2)
    h, norms = tg.zeros(1, 8), {}
    for t in range(20):
        h = cell(x[t], h)
        h.register_hook(lambda g, t=t: norms.__setitem__(t, float((g * g).sum().sqrt().item())))
    h.sum().backward()
    assert sorted(norms) == list(range(20))
    assert norms[0] < norms[19]  # the tanh RNN loses gradient going back in time


def test_hook_replacement_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle here: pip install torch==2.13.0")
    values = np.array([0.5, -1.0, 2.0])
    ours, theirs = tg.Tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    for x, lib in ((ours, tg), (theirs, torch)):
        y = lib.tanh(x) * x
        y.register_hook(lambda g: g * 2.0)
        (y * y).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_hooks_need_requires_grad_and_do_not_keep_leaves_alive():
    with pytest.raises(RuntimeError, match="register_hook"):
        tg.zeros(2).register_hook(lambda g: g)
    w = tg.Tensor([1.0], requires_grad=True)
    w.register_hook(lambda g: g)
    alive = weakref.ref(w)
    del w
    gc.collect()
    assert alive() is None  # the leaf holds its hooks; nothing holds the leaf
