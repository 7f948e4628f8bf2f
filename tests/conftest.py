"""Shared fixtures: the ``device`` parameter and helpers to compare tensors with NumPy arrays.

Every op test takes ``device`` and so runs on each backend that is present:

- ``"cpu"``: NumPy, always;
- ``"array_api_strict"``: the array API standard's strict reference implementation, which
  refuses anything NumPy-only, so an op that passes there also runs on CuPy;
- ``"cuda"``: CuPy on a GPU, skipped (with the reason) where CuPy or a GPU is missing.
"""

from __future__ import annotations

import functools
import importlib.util
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import tinygrad_rnn as tg

# Small, fast property tests: a handful of examples each, no per-example deadline
# (the first call on a backend pays for its start-up).
settings.register_profile(
    "tinygrad_rnn",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI failures reproduce
)
settings.load_profile("tinygrad_rnn")

# One BLAS thread: on a small shared machine, a second OpenBLAS thread that waits for a busy
# core makes small matrix products ten times slower. Subprocesses (demos, CLI) inherit the
# variables; this process is limited through threadpoolctl, as NumPy is already loaded.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
try:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # the tests still run, only slower on a busy machine
    pass

DEVICES = ("cpu", "array_api_strict", "cuda")


@functools.cache
def device_skip_reason(name: str) -> str | None:
    """Why a device cannot run here, or None when it can."""
    if name == "array_api_strict" and importlib.util.find_spec("array_api_strict") is None:
        return "array_api_strict is not installed (pip install array-api-strict)"
    if name == "cuda" and not tg.cuda_is_available():
        return "no CUDA device: CuPy is not installed or sees no GPU (pip install 'tinygrad_rnn[cuda12]')"
    return None


@pytest.fixture(params=DEVICES, scope="session")
def device(request: pytest.FixtureRequest) -> str:
    """Each backend in turn: cpu, array_api_strict, cuda (skipped where absent).

    The value is the device's full name, the one ``Tensor.device`` reports: "cuda" is "cuda:0".
    """
    reason = device_skip_reason(request.param)
    if reason is not None:
        pytest.skip(reason)
    return tg.backend.normalize_device(request.param)


def to_numpy(x: tg.Tensor | np.ndarray | float) -> np.ndarray:
    """A NumPy array from a tensor (any device), an array or a number."""
    if isinstance(x, tg.Tensor):
        return x.numpy()
    return np.asarray(x)


def assert_close(actual: tg.Tensor | np.ndarray, expected: tg.Tensor | np.ndarray, tol: float = 1e-10) -> None:
    """Equal shapes and values within ``tol`` (absolute and relative)."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    np.testing.assert_allclose(a, e, rtol=tol, atol=tol)


@pytest.fixture
def float64():
    """Parameters made inside the test are float64; the default comes back afterwards."""
    previous = tg.get_default_dtype()
    tg.set_default_dtype(tg.float64)
    yield
    tg.set_default_dtype(previous)
