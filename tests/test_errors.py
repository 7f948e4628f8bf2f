"""Bad input raises ValueError / TypeError / RuntimeError / IndexError with a message that names the op and shapes."""

from __future__ import annotations

import importlib.util
import operator
import re

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F


def z(*shape: int, device: str = "cpu") -> tg.Tensor:
    return tg.zeros(*shape, device=device)


def raises(kind: type[Exception], *fragments: str):
    """pytest.raises that checks every fragment appears (literally) in the message."""
    return pytest.raises(kind, match="".join(f"(?=.*{re.escape(f)})" for f in fragments))


# --- shapes -------------------------------------------------------------------------


def test_matmul_shape_mismatch_names_both_shapes(device: str) -> None:
    with raises(ValueError, "matmul", "(2, 3)", "(4, 5)"):
        z(2, 3, device=device) @ z(4, 5, device=device)
    with raises(ValueError, "matmul", "(3,)", "(4,)"):
        tg.matmul(z(3, device=device), z(4, device=device))


def test_matmul_batch_mismatch_names_both_full_shapes(device: str) -> None:
    with raises(ValueError, "matmul", "(2, 3, 4)", "(3, 4, 5)"):
        z(2, 3, 4, device=device) @ z(3, 4, 5, device=device)


def test_matmul_of_a_0d_tensor_or_mixed_dtypes() -> None:
    with raises(ValueError, "matmul", "()", "(3,)", "at least 1 dimension"):
        tg.Tensor(1.0) @ z(3)
    with raises(TypeError, "matmul", "float32", "float64"):
        z(2, 3) @ tg.zeros(3, 2, dtype=tg.float64)


def test_cat_and_stack_shape_mismatch(device: str) -> None:
    with raises(ValueError, "cat", "(2, 3)", "(3, 1)", "dimension 1"):
        tg.cat([z(2, 3, device=device), z(3, 1, device=device)], dim=1)
    with raises(ValueError, "cat", "(2, 3)", "(3,)"):
        tg.cat([z(2, 3, device=device), z(3, device=device)])
    with raises(ValueError, "stack", "(2, 3)", "(3, 2)"):
        tg.stack([z(2, 3, device=device), z(3, 2, device=device)])
    with raises(ValueError, "cat", "non-empty"):
        tg.cat([])
    with raises(ValueError, "cat", "zero-dimensional"):
        tg.cat([tg.Tensor(1.0), tg.Tensor(2.0)])
    with raises(TypeError, "cat", "list"):
        tg.cat([z(2), [1.0, 2.0]])


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow])
def test_broadcasting_mismatch_names_the_shapes(device: str, op) -> None:
    a, b = z(2, 3, device=device), z(4, device=device)
    with raises(ValueError, "(2, 3)", "(4,)", "cannot be broadcast"):
        op(a, b)
    with raises(ValueError, "(4,)", "(2, 3)", "cannot be broadcast"):
        op(b, a)


def test_broadcasting_mismatch_labels_name_the_op() -> None:
    with raises(ValueError, "add (+):", "(2, 3)", "(2, 1, 4)"):
        z(2, 3) + z(2, 1, 4)
    with raises(ValueError, "mul (⊙):", "(2, 3)", "(2, 1, 4)"):
        z(2, 3) * z(2, 1, 4)
    with raises(ValueError, "where", "(2, 3)", "(4,)"):
        tg.where(z(2, 3) > 0, z(2, 3), z(4))


def test_reshape_to_an_incompatible_shape(device: str) -> None:
    with raises(ValueError, "reshape", "(4, 2)", "(2, 3)"):
        z(2, 3, device=device).reshape(4, 2)
    with raises(ValueError, "reshape", "(4, -1)", "(2, 3)"):
        z(2, 3, device=device).view(4, -1)
    with raises(ValueError, "reshape", "(-1, -1)"):
        z(2, 3, device=device).reshape(-1, -1)


def test_other_shape_errors() -> None:
    with raises(ValueError, "permute", "(0, 0)", "(2, 3)"):
        z(2, 3).permute(0, 0)
    with raises(ValueError, "expand", "(2, 3)", "(4, 3)"):
        z(2, 3).expand(4, 3)
    with raises(ValueError, "expand", "(2, 3)"):
        z(2, 3).expand(3)
    with raises(ValueError, "split", "(2, 2)", "(5,)"):
        z(5).split([2, 2])
    with raises(ValueError, "split", "positive"):
        z(5).split(0)
    with raises(ValueError, "chunk", "positive"):
        z(5).chunk(0)
    with raises(ValueError, "mse_loss", "(2, 3)", "(3,)"):
        F.mse_loss(z(2, 3), z(3))
    with raises(ValueError, "max", "(0,)"):
        z(0).max()


@pytest.mark.parametrize(
    "call, op",
    [
        (lambda: z(2, 3).sum(dim=2), "sum"),
        (lambda: z(2, 3).mean(dim=-3), "mean"),
        (lambda: z(2, 3).max(dim=5), "max"),
        (lambda: z(2, 3).transpose(0, 3), "transpose"),
        (lambda: z(2, 3).unsqueeze(4), "unsqueeze"),
        (lambda: z(2, 3).squeeze(2), "squeeze"),
        (lambda: tg.cat([z(2), z(2)], dim=1), "cat"),
        (lambda: z(2, 3).split(1, dim=2), "split"),
        (lambda: F.softmax(z(2, 3), dim=2), "softmax"),
    ],
)
def test_dimension_out_of_range_is_an_index_error(call, op: str) -> None:
    with raises(IndexError, f"{op}: dimension out of range"):
        call()


def test_a_dim_named_twice() -> None:
    with raises(ValueError, "sum", "(0, 0)", "twice"):
        z(2, 3).sum(dim=(0, 0))


# --- indices and dtypes -------------------------------------------------------------------------


def test_float_tensor_as_index_is_a_type_error(device: str) -> None:
    x = z(3, 2, device=device)
    with raises(TypeError, "index", "int64", "float32", "(3, 2)"):
        x[tg.Tensor([0.0, 1.0], device=device)]
    with raises(TypeError, "index", "float"):
        x[1.0]
    with raises(TypeError, "index", "float"):
        x[[0.5]]


def test_index_out_of_range_names_the_shape(device: str) -> None:
    with raises(IndexError, "index", "(3, 2)"):
        z(3, 2, device=device)[5]


def test_index_tensor_out_of_range_names_the_shape(device: str) -> None:
    if device.startswith("cuda"):
        pytest.skip("index tensors on a GPU are not range-checked: that would wait for the device (docs/backends.md)")
    with raises(IndexError, "index", "(3, 2)"):
        z(3, 2, device=device)[tg.Tensor([7], device=device)]


def test_float_only_ops_refuse_integer_tensors() -> None:
    ints = tg.Tensor([1, 2])
    for call, op in [(ints.tanh, "tanh"), (ints.sigmoid, "sigmoid"), (ints.mean, "mean")]:
        with raises(TypeError, op, "int64"):
            call()
    with raises(TypeError, "softmax", "int64"):
        F.softmax(ints, dim=0)


def test_unsupported_dtypes_and_data() -> None:
    with raises(TypeError, "float16"):
        tg.Tensor(np.ones(2, dtype=np.float16))
    with raises(TypeError, "float16"):
        tg.Tensor([1.0], dtype="float16")
    with raises(TypeError, "str"):
        tg.Tensor("abc")
    with raises(TypeError, "set_default_dtype", "int64"):
        tg.set_default_dtype(tg.int64)
    with raises(TypeError, "str"):
        z(2) + "a"


def test_cross_entropy_bad_targets() -> None:
    logits = z(2, 3)
    with raises(TypeError, "cross_entropy", "int64", "float32"):
        F.cross_entropy(logits, tg.Tensor([0.0, 1.0]))
    with raises(ValueError, "cross_entropy", "(3,)", "(2, 3)", "(2,)"):
        F.cross_entropy(logits, tg.Tensor([0, 1, 2]))
    with raises(IndexError, "cross_entropy", "3", "3 classes"):
        F.cross_entropy(logits, tg.Tensor([0, 3]))
    with raises(ValueError, "cross_entropy", "reduction", "'avg'"):
        F.cross_entropy(logits, tg.Tensor([0, 1]), reduction="avg")


def test_argument_checks() -> None:
    with raises(ValueError, "clamp", "min", "max"):
        z(2).clamp(1, 0)
    with raises(ValueError, "clamp", "at least one"):
        z(2).clamp()
    with raises(ValueError, "dropout", "1.5"):
        F.dropout(z(2), p=1.5)
    with raises(ValueError, "item", "2 elements"):
        z(2).item()
    with raises(RuntimeError, "ambiguous"):
        bool(z(2))
    with raises(TypeError, "0-d"):
        len(tg.Tensor(1.0))


# --- backward ------------------------------------------------------------------------------------


def test_backward_on_a_non_scalar_without_gradient(device: str) -> None:
    y = tg.ones(2, 3, requires_grad=True, device=device) * 2.0
    with raises(RuntimeError, "backward", "scalar", "(2, 3)"):
        y.backward()


def test_backward_with_a_gradient_of_the_wrong_shape(device: str) -> None:
    y = tg.ones(2, requires_grad=True, device=device) * 2.0
    with raises(ValueError, "backward", "(3,)", "(2,)"):
        y.backward(tg.ones(3, device=device))


def test_backward_on_a_tensor_that_does_not_require_grad(device: str) -> None:
    with raises(RuntimeError, "backward", "does not require grad", "requires_grad=True"):
        z(2, device=device).sum().backward()


def test_backward_through_a_released_graph(device: str) -> None:
    x = tg.ones(2, requires_grad=True, device=device)
    y = (x.sigmoid() * x).sum()
    y.backward()
    with raises(RuntimeError, "backward", "second time", "retain_graph=True", "Σ"):
        y.backward()


# --- devices -------------------------------------------------------------------------------------

STRICT = pytest.mark.skipif(
    importlib.util.find_spec("array_api_strict") is None, reason="array_api_strict is not installed"
)


@STRICT
@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: a.reshape(2, 1) @ b.reshape(1, 2),
        lambda a, b: tg.cat([a, b]),
        lambda a, b: tg.stack([a, b]),
        lambda a, b: tg.where(a > 0, a, b),
        lambda a, b: a < b,
        lambda a, b: F.mse_loss(a, b),
        lambda a, b: a.backward(b),
    ],
    ids=["add", "mul", "matmul", "cat", "stack", "where", "compare", "mse_loss", "backward"],
)
def test_mixed_devices_name_both_devices(call) -> None:
    a = tg.ones(2, device="cpu", requires_grad=True)
    b = tg.ones(2, device="array_api_strict")
    with raises(RuntimeError, "cpu", "array_api_strict"):
        call(a, b)


@STRICT
def test_index_on_another_device_names_both() -> None:
    with raises(RuntimeError, "index", "cpu", "array_api_strict"):
        z(3)[tg.Tensor([0], device="array_api_strict")]


def test_unknown_device_name() -> None:
    with raises(ValueError, "unknown device", "'tpu'", "cuda"):
        tg.Tensor([1.0], device="tpu")


@pytest.mark.skipif(tg.cuda_is_available(), reason="CuPy and a GPU are present: there is no error to see")
@pytest.mark.parametrize(
    "ask", [lambda: tg.Tensor([1.0], device="cuda"), lambda: z(2).to("cuda:0"), lambda: z(2).cuda()]
)
def test_cuda_without_cupy_or_gpu_says_how_to_install_cupy(ask) -> None:
    with raises(RuntimeError, "cuda:0", "cupy-cuda12x", "pip install"):
        ask()


def test_cuda_error_mentions_that_cupy_is_missing_when_it_is() -> None:
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed here")
    with raises(RuntimeError, "needs CuPy, which is not installed", "cupy-cuda12x"):
        tg.Tensor([1.0], device="cuda")
    assert not tg.cuda_is_available()
