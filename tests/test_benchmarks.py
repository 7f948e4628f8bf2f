"""The benchmark suite: the NumPy floor's gradients are right, and ``python -m benchmarks --quick`` runs.

No timing is asserted anywhere: the machine is shared, and a benchmark that
fails on a busy afternoon teaches nothing.
"""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import numpy_floor, report  # noqa: E402

LAYERS = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU, "rnn": tg.nn.RNN}


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_floor_gradients_match_tinygrad_rnn_in_float64(cell: str) -> None:
    """Every gradient of the hand-derived BPTT equals autograd's, for a random weighting of the outputs."""
    T, B, n_in, H = 6, 3, 4, 5
    rng = np.random.default_rng(1)
    params = numpy_floor.init_params(cell, n_in, H, rng, np.float64)
    x = rng.standard_normal((T, B, n_in))
    h0 = rng.standard_normal((B, H)) * 0.5
    c0 = rng.standard_normal((B, H)) * 0.5 if cell == "lstm" else None
    weights = rng.standard_normal((T, B, H))  # loss = sum(weights ⊙ outputs): a sum of ones would hide mix-ups

    out, tape = numpy_floor.forward(cell, x, params, h0, c0)
    grads = numpy_floor.backward(tape, params, grad_output=weights, input_grad=True)

    layer = LAYERS[cell](n_in, H).double()
    layer.load_state_dict({f"{name}_l0": value for name, value in params.items()})
    x_t = tg.Tensor(x, requires_grad=True)
    h0_t = tg.Tensor(h0[None], requires_grad=True)
    c0_t = tg.Tensor(c0[None], requires_grad=True) if c0 is not None else None
    ours, _ = layer(x_t, (h0_t, c0_t) if c0_t is not None else h0_t)
    (ours * tg.Tensor(weights)).sum().backward()

    np.testing.assert_allclose(out, ours.numpy(), rtol=1e-10, atol=1e-12)
    expected = {name: getattr(layer, f"{name}_l0").grad.numpy() for name in numpy_floor.PARAM_NAMES}
    expected["input"], expected["h0"] = x_t.grad.numpy(), h0_t.grad.numpy()[0]
    if c0_t is not None:
        expected["c0"] = c0_t.grad.numpy()[0]
    assert sorted(grads) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(grads[name], value, rtol=1e-9, atol=1e-11, err_msg=f"{cell} {name}")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_floor_stays_float32(cell: str) -> None:
    rng = np.random.default_rng(2)
    params = numpy_floor.init_params(cell, 3, 4, rng)
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    grads = numpy_floor.train_step(cell, x, params)
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def _run_benchmarks(args: list[str], tmp_path: Path, block_torch: bool = False) -> tuple[str, dict]:
    """Runs the suite in a fresh interpreter, as a user would; returns its output and its JSON."""
    report = tmp_path / "report.json"
    argv = ["benchmarks", *args, "--json", str(report)]
    if block_torch:  # import torch fails, exactly as where it is not installed
        code = (
            f"import runpy, sys; sys.modules['torch'] = None; sys.argv = {argv!r}; "
            "runpy.run_module('benchmarks', run_name='__main__')"
        )
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "-m", *argv]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(report.read_text())


def test_quick_run_prints_the_tables_and_writes_json(tmp_path: Path) -> None:
    out, report = _run_benchmarks(["--quick"], tmp_path)
    for heading in ("load average", "Python", "NumPy", "BLAS", "threads", "training step", "no_grad", "per-op"):
        assert heading in out, heading
    assert "scaling" in out and "peak memory" in out
    systems = report["training"][0]["systems"]
    assert {"tinygrad_rnn", "numpy floor", "torch fused", "torch composed"} <= set(systems)
    assert {row["cell"] for row in report["training"]} == {"lstm", "gru", "rnn"}
    for row in report["training"]:
        assert row["systems"]["tinygrad_rnn"]["median_ms"] > 0
        assert row["systems"]["numpy floor"]["median_ms"] > 0
        assert row["dtype"] == "float32"
        assert set(row["ratios"]) >= {"ours/floor", "ours/torch fused", "ours/torch composed"}
    assert report["overhead"]["tinygrad_rnn"]["record_us"] > 0
    assert report["scaling"]["rows"] and report["memory"]["tinygrad_rnn"]["peak_mb"] > 0


def test_quick_run_without_torch_says_not_installed(tmp_path: Path) -> None:
    out, report = _run_benchmarks(["--quick", "--cell", "rnn", "--skip", "scaling,memory"], tmp_path, block_torch=True)
    assert "not installed" in out
    (row,) = report["training"]
    assert row["systems"]["torch fused"] == {"status": "not installed"}
    assert row["systems"]["tinygrad_rnn"]["median_ms"] > 0


def test_cuda_without_a_gpu_exits_with_a_clear_message(tmp_path: Path) -> None:
    if tg.cuda_is_available():
        pytest.skip("a GPU is present: --device cuda runs for real")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--device", "cuda", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--device cuda" in done.stderr and "CuPy" in done.stderr


@pytest.mark.parametrize("module", [numpy_floor, report])
def test_docstring_examples(module: object) -> None:
    """benchmarks/ is outside pytest's doctest paths; its examples run here."""
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
