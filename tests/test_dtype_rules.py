"""A float32 training step stays float32: the dtype rules PyTorch follows, where NumPy's differ."""

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_rnn as tg


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x * np.float64(2.0),  # NumPy's float64 is a subclass of float
        lambda x: x / np.sqrt(3.0),
        lambda x: np.float64(1.0) - x,
        lambda x: tg.where(x > 0, x, np.float64(0.0)),
        lambda x: x * tg.Tensor(np.float64(2.0)),  # a 0-d float64 tensor does not lift float32
        lambda x: x / tg.Tensor(7.0, dtype=tg.float64),
    ],
)
def test_numpy_scalars_and_0d_tensors_keep_float32(make):
    x = tg.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = make(x)
    assert y.dtype == tg.float32
    y.sum().backward()
    assert x.grad.dtype == tg.float32


def test_dimensioned_float64_still_promotes_as_in_torch():
    assert (tg.ones(2, 3) * tg.ones(2, 3, dtype=tg.float64)).dtype == tg.float64


def test_a_leaf_gradient_has_the_leaf_dtype():
    w = tg.Tensor(np.ones(3, np.float32), requires_grad=True)
    (w.double() * tg.ones(3, dtype=tg.float64)).sum().backward()
    assert w.grad.dtype == tg.float32


def test_sequential_refuses_a_function_in_an_ordered_dict():
    with pytest.raises(TypeError, match="'act' is a function, not a Module"):
        tg.nn.Sequential(OrderedDict([("lin", tg.nn.Linear(2, 2)), ("act", tg.tanh)]))
