"""Backends: one import door, device selection and moves, dtypes, seeding, and numerical stability."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn.backend import get_backend, normalize_device

PACKAGE = Path(tg.__file__).parent
ARRAY_LIBRARIES = {"numpy", "cupy", "cupyx"}
needs_strict = pytest.mark.skipif(
    importlib.util.find_spec("array_api_strict") is None, reason="array_api_strict is not installed"
)


def _imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_backend_py_imports_numpy_or_cupy() -> None:
    """Every module of the package, parsed: numpy, cupy and cupyx are imported by backend.py alone."""
    files = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "backend.py" in files and len(files) > 10
    offenders = {}
    for path in files:
        if path != PACKAGE / "backend.py":
            offenders[str(path.relative_to(PACKAGE))] = _imported_roots(ast.parse(path.read_text(), str(path)))
    offenders = {name: sorted(libs & ARRAY_LIBRARIES) for name, libs in offenders.items()}
    offenders = {name: libs for name, libs in offenders.items() if libs}
    assert offenders == {}, f"only backend.py may import numpy/cupy; also found in {offenders}"
    assert "numpy" in _imported_roots(ast.parse((PACKAGE / "backend.py").read_text()))


def test_the_import_scan_would_catch_an_offender() -> None:
    """The scan sees plain, aliased, dotted and from-imports, and ignores relative ones."""
    source = "import numpy as np\nfrom cupyx.scipy import sparse\nimport os, cupy.cuda\nfrom . import numpy\n"
    assert _imported_roots(ast.parse(source)) == {"numpy", "cupyx", "os", "cupy"}


def _run(code: str, **env: str) -> str:
    """Runs ``code`` in a fresh interpreter (with the given environment) and returns its stdout."""
    environment = {k: v for k, v in os.environ.items() if k != "TINYGRAD_RNN_DEVICE"}
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join([str(PACKAGE.parent), environment.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_never_imports_cupy() -> None:
    code = (
        "import sys, tinygrad_rnn as tg, tinygrad_rnn.functional as F\n"
        "x = tg.Tensor([[1.0, 2.0]], requires_grad=True)\n"
        "F.log_softmax(x.sigmoid(), dim=1).sum().backward()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cupy', 'cupyx')), tg.get_default_device())"
    )
    assert _run(code) == "[] cpu"


@needs_strict
def test_environment_variable_chooses_the_default_device() -> None:
    code = "import tinygrad_rnn as tg; print(tg.Tensor([1.0]).device, tg.zeros(2).device, tg.get_default_device())"
    assert _run(code, TINYGRAD_RNN_DEVICE="array_api_strict") == "array_api_strict array_api_strict array_api_strict"
    assert _run(code, TINYGRAD_RNN_DEVICE="cpu") == "cpu cpu cpu"


@pytest.fixture
def restore_defaults():
    """Puts the default device and dtype back after a test that changes them."""
    device, dtype = tg.get_default_device(), tg.get_default_dtype()
    yield
    tg.set_default_device(device)
    tg.set_default_dtype(dtype)


def test_set_default_device(device: str, restore_defaults) -> None:
    tg.set_default_device(device)
    assert tg.get_default_device() == device
    for t in (tg.Tensor([1.0]), tg.tensor(2.0), tg.zeros(2), tg.ones(2), tg.full((2,), 3.0), tg.arange(3), tg.rand(2)):
        assert t.device == device
    assert tg.randn(2, 2).device == device
    assert (tg.Tensor([1.0]) + 1.0).device == device


def test_set_default_device_rejects_unknown_names(restore_defaults) -> None:
    with pytest.raises(ValueError, match="unknown device"):
        tg.set_default_device("gpu")
    assert tg.get_default_device() == "cpu"


def test_device_names() -> None:
    assert normalize_device("cuda") == "cuda:0"
    assert normalize_device(" CPU ") == "cpu"
    assert normalize_device("cuda:3") == "cuda:3"
    assert get_backend("cpu") is get_backend("cpu")  # one backend object per device
    assert isinstance(tg.cuda_is_available(), bool)


def test_to_moves_and_gradients_flow_back_across_the_move(device: str) -> None:
    x = tg.Tensor([1.0, -2.0, 3.0], dtype=tg.float64, requires_grad=True)  # on the CPU
    y = x.to(device)
    assert y.device == device and x.device == "cpu"
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    z = (y * y).sum().to("cpu") if device != "cpu" else (y * y).sum()
    z.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_to_the_same_device_or_dtype_is_the_tensor_itself(device: str) -> None:
    x = tg.zeros(2, device=device)
    assert x.to(device) is x
    assert x.to(tg.float32) is x
    assert x.cpu().device == "cpu"


def test_to_dtype_casts_and_the_gradient_comes_back_in_the_input_dtype(device: str) -> None:
    x = tg.Tensor([1.5, 2.5], requires_grad=True, device=device)
    y = x.to(tg.float64)
    assert y.dtype == tg.float64 and x.double().dtype == tg.float64
    (y * y).sum().backward()
    assert x.grad.dtype == tg.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 5.0])
    assert x.long().dtype == tg.int64 and x.long().tolist() == [1, 2]
    assert x.long().float().dtype == tg.float32


@needs_strict
def test_tensor_from_a_tensor_on_another_device() -> None:
    x = tg.Tensor([1.0, 2.0])
    y = tg.Tensor(x, device="array_api_strict")
    assert y.device == "array_api_strict" and y.tolist() == [1.0, 2.0]


# --- dtypes -------------------------------------------------------------------------------


def test_numpy_dtypes_are_kept(device: str) -> None:
    assert tg.Tensor(np.ones(2, dtype=np.float64), device=device).dtype == tg.float64
    assert tg.Tensor(np.ones(2, dtype=np.float32), device=device).dtype == tg.float32
    assert tg.Tensor(np.ones(2, dtype=np.int32), device=device).dtype == tg.int64
    assert tg.Tensor(np.ones(2, dtype=bool), device=device).dtype == tg.bool
    assert tg.Tensor(np.float64(1.5), device=device).dtype == tg.float64


def test_python_data_takes_the_default_dtype(device: str) -> None:
    assert tg.get_default_dtype() == tg.float32
    assert tg.Tensor([1.0, 2.0], device=device).dtype == tg.float32
    assert tg.Tensor([1, 2], device=device).dtype == tg.int64
    assert tg.Tensor([True], device=device).dtype == tg.bool
    assert tg.Tensor([1, 2], dtype=tg.float64, device=device).dtype == tg.float64
    assert tg.Tensor([1.0], dtype="float64", device=device).dtype == tg.float64
    assert tg.zeros(2, device=device).dtype == tg.float32
    assert tg.arange(3, device=device).dtype == tg.int64
    assert tg.arange(0.0, 1.0, 0.5, device=device).dtype == tg.float32


def test_set_default_dtype(device: str, restore_defaults) -> None:
    tg.set_default_dtype(tg.float64)
    assert tg.get_default_dtype() == tg.float64
    assert tg.Tensor([1.0], device=device).dtype == tg.float64
    assert tg.zeros(2, device=device).dtype == tg.float64
    assert tg.randn(2, device=device).dtype == tg.float64
    assert (tg.Tensor([1, 2], device=device) / 2).dtype == tg.float64
    tg.set_default_dtype("float32")
    assert tg.Tensor([1.0], device=device).dtype == tg.float32


def test_type_promotion_follows_pytorch(device: str) -> None:
    f32 = tg.Tensor([1.0], device=device)
    f64 = tg.Tensor([1.0], dtype=tg.float64, device=device)
    i64 = tg.Tensor([2], device=device)
    assert (f32 + f64).dtype == tg.float64
    assert (i64 * f32).dtype == tg.float32
    assert (i64 + 1).dtype == tg.int64
    assert (i64 + 0.5).dtype == tg.float32
    assert (i64 / 2).dtype == tg.float32 and (i64 / 2).tolist() == [1.0]
    assert (1 / i64).tolist() == [0.5]
    assert (i64 / i64).dtype == tg.float32


# --- random numbers --------------------------------------------------------------------------


def test_manual_seed_makes_random_numbers_reproducible(device: str) -> None:
    tg.manual_seed(123)
    a, u = tg.randn(3, 4, device=device), tg.rand(5, device=device)
    tg.manual_seed(123)
    b, v = tg.randn(3, 4, device=device), tg.rand(5, device=device)
    c = tg.randn(3, 4, device=device)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(u.numpy(), v.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())
    assert ((u.numpy() >= 0) & (u.numpy() < 1)).all()
    tg.manual_seed(124)
    assert not np.array_equal(tg.randn(3, 4, device=device).numpy(), a.numpy())


def test_randn_statistics(device: str) -> None:
    tg.manual_seed(0)
    x = tg.randn(20_000, device=device).numpy()
    assert abs(x.mean()) < 0.05 and abs(x.std() - 1.0) < 0.05


def test_dropout_masks_are_reproducible(device: str) -> None:
    x = tg.ones(50, device=device)
    tg.manual_seed(7)
    a = F.dropout(x, 0.5)
    tg.manual_seed(7)
    b = F.dropout(x, 0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# --- numerical stability -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_saturates_exactly_without_warnings(device: str, dtype: str) -> None:
    x = tg.Tensor([-1e4, -800.0, 0.0, 800.0, 1e4], dtype=dtype, device=device, requires_grad=True)
    # e^−|x| underflowing to 0 is the right answer far out (as in C and PyTorch); overflow or 0/0 would be bugs
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        y = tg.sigmoid(x)
        y.sum().backward()
    values = y.numpy()
    assert values[0] == 0.0 and values[-1] == 1.0 and values[2] == 0.5
    assert np.isfinite(x.grad.numpy()).all()
    assert x.grad.numpy()[0] == 0.0 and x.grad.numpy()[-1] == 0.0


def test_sigmoid_leaves_numpys_error_state_as_it_found_it() -> None:
    # σ ignores e^−x's overflow inside; the caller's own setting must hold before and after
    with np.errstate(over="raise"):
        y = tg.sigmoid(tg.Tensor([-200.0, 0.0]))
        assert np.geterr()["over"] == "raise"
        with pytest.raises(FloatingPointError):
            np.exp(np.float32(100.0))
    assert y.tolist() == [0.0, 0.5]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_softmax_and_cross_entropy_are_finite_at_huge_logits(device: str, dtype: str) -> None:
    logits = tg.Tensor([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], dtype=dtype, device=device, requires_grad=True)
    target = tg.Tensor([2, 2], device=device)
    # exp(-2e4) underflowing to 0 is the right answer; overflow, 0/0 or log(0) would be bugs
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        logp = F.log_softmax(logits, dim=1)
        p = F.softmax(logits, dim=1)
        loss = F.cross_entropy(logits, target)
        loss.backward()
    assert np.isfinite(logp.numpy()).all() and np.isfinite(p.numpy()).all()
    np.testing.assert_allclose(logp.numpy()[0], [0.0, -1e4, -2e4])
    assert loss.item() == pytest.approx(1e4)  # (2e4 + 0) / 2
    grad = logits.grad.numpy()
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad, [[0.5, 0.0, -0.5], [0.0, 0.0, 0.0]], atol=1e-6)


def test_tanh_and_exp_of_large_inputs(device: str) -> None:
    x = tg.Tensor([-1e4, 1e4], device=device)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert x.tanh().tolist() == [-1.0, 1.0]


# --- the strict backend really is strict -------------------------------------------------------


@needs_strict
def test_strict_backend_holds_array_api_strict_arrays() -> None:
    import array_api_strict

    x = tg.Tensor([1.0, 2.0], device="array_api_strict")
    assert isinstance(x.data, type(array_api_strict.asarray(0)))
    assert isinstance(x.numpy(), np.ndarray)
    assert isinstance((x.sigmoid() * 2.0).data, type(array_api_strict.asarray(0)))
