"""tg.gradcheck leaves every gradient as it found it, and refuses bad arguments clearly."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg


def f64(values, requires_grad: bool = True) -> tg.Tensor:
    return tg.Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_existing_grads_of_inputs_and_inner_parameters_are_untouched():
    x, y = f64([[0.3, -1.2]]), f64([0.5, 2.0])
    lin = tg.nn.Linear(2, 3, dtype=tg.float64)  # parameters used inside fn, not passed in
    x.grad = tg.Tensor(np.array([[10.0, 20.0]]))
    lin.weight.grad = tg.Tensor(np.full((3, 2), 7.0))
    kept = {"x": x.grad, "weight": lin.weight.grad}
    kept_values = {k: v.numpy().copy() for k, v in kept.items()}
    assert lin.bias.grad is None and y.grad is None

    assert tg.gradcheck(lambda x, y: lin(x * y).tanh(), [x, y])

    assert x.grad is kept["x"] and lin.weight.grad is kept["weight"]  # the same objects ...
    np.testing.assert_array_equal(x.grad.numpy(), kept_values["x"])  # ... with the same values
    np.testing.assert_array_equal(lin.weight.grad.numpy(), kept_values["weight"])
    assert lin.bias.grad is None and y.grad is None


def test_grads_are_restored_when_the_check_fails():
    x = f64([0.5, -0.25])
    x.grad = tg.Tensor(np.array([1.0, 1.0]))
    kept = x.grad
    with pytest.raises(tg.GradcheckError, match="input 0"):  # autograd sees x.detach() as a constant
        tg.gradcheck(lambda x: x * x.detach(), [x])
    assert x.grad is kept and x.grad.tolist() == [1.0, 1.0]


def test_a_later_backward_still_accumulates_onto_the_kept_grad():
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    tg.gradcheck(lambda x: (x * 3).sum(), [x])
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]


@pytest.mark.parametrize(
    ("call", "kind", "pattern"),
    [
        (lambda x: tg.gradcheck("sum", [x]), TypeError, r"fn must be a function.*got str"),
        (lambda x: tg.gradcheck(lambda x: x, x), TypeError, r"inputs must be a list or tuple.*got Tensor"),
        (lambda x: tg.gradcheck(lambda x: x, [x], eps=0), ValueError, r"eps must be positive"),
        (lambda x: tg.gradcheck(lambda x: x, [x], eps=float("nan")), ValueError, r"eps must be a finite.*nan"),
        (lambda x: tg.gradcheck(lambda x: x, [x], atol=-1), ValueError, r"atol must be a finite number >= 0.*-1"),
        (lambda x: tg.gradcheck(lambda x: x, [x], rtol="a"), ValueError, r"rtol must be a finite.*'a'"),
        (lambda x: tg.gradcheck(lambda x: x, [x.detach()]), ValueError, r"no input has requires_grad=True"),
        (lambda x: tg.gradcheck(lambda x: x, [x.float()]), TypeError, r"input 0 is .*float32.*float64"),
    ],
)
def test_bad_arguments(call, kind, pattern):
    with pytest.raises(kind, match=pattern):
        call(f64([1.0]))
