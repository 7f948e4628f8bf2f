"""RNN, LSTM and GRU layers and cells against PyTorch: outputs, final states and every gradient.

Live against torch where it is installed; ``test_recurrent_fixtures.py`` keeps
the comparison running from committed PyTorch results where it is not.
"""

import os
import zlib

import pytest
from conftest import device_skip_reason
from recurrent_cases import assert_close, cell_cases, layer_cases, make_inputs, run_ours, run_torch

torch = pytest.importorskip("torch", reason="PyTorch is the oracle here: pip install torch==2.13.0")

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", layer_cases(), ids=lambda c: c.name)
def test_layer_matches_torch(case, dtype):
    seed = zlib.crc32(case.name.encode()) % 10_000
    arrays = make_inputs(case, seed)
    reference, weights = run_torch(case, arrays, dtype, seed)
    assert_close(run_ours(case, weights, arrays, dtype), reference, TOLERANCE[dtype], case.name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", cell_cases(), ids=lambda c: c.name)
def test_cell_matches_torch(case, dtype):
    seed = zlib.crc32(case.name.encode()) % 10_000
    arrays = make_inputs(case, seed)
    reference, weights = run_torch(case, arrays, dtype, seed)
    assert_close(run_ours(case, weights, arrays, dtype), reference, TOLERANCE[dtype], case.name)


def _gpu_skip_reason() -> str | None:
    reason = device_skip_reason("cuda")  # CuPy and a GPU, as every device test asks
    if reason is not None:
        return reason
    if not torch.cuda.is_available():
        return "this torch has no CUDA"
    if os.environ.get("CUPY_TF32") == "1":
        return "CUPY_TF32=1: CuPy's float32 products round to TF32, outside these tolerances"
    return None


# On the GPU both sides run their own kernels (cuDNN there, CuPy's cuBLAS here) with their own summation
# order: float64 still agrees to 1e-10; float32 is compared with TF32 off on both (CuPy's default).
GPU_TOLERANCE = {"float64": 1e-10, "float32": 1e-4}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", layer_cases() + cell_cases(), ids=lambda c: c.name)
def test_matches_torch_on_the_same_gpu(case, dtype):
    reason = _gpu_skip_reason()
    if reason:
        pytest.skip(reason)
    seed = zlib.crc32(case.name.encode()) % 10_000
    arrays = make_inputs(case, seed)
    matmul_tf32, cudnn_tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        reference, weights = run_torch(case, arrays, dtype, seed, device="cuda")
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul_tf32, cudnn_tf32
    ours = run_ours(case, weights, arrays, dtype, device="cuda")
    assert_close(ours, reference, GPU_TOLERANCE[dtype], f"{case.name} on cuda")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_our_weights_load_into_torch(kind):
    import numpy as np

    import tinygrad_rnn as tg

    ours = getattr(tg.nn, kind)(3, 4, num_layers=2, bidirectional=True)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy(), dtype=torch.float64) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    ours_out = ours(tg.Tensor(x.astype("float32")))[0].numpy()
    theirs_out = theirs(torch.tensor(x))[0].detach().numpy()
    assert np.abs(ours_out - theirs_out).max() < 1e-5


def test_parameter_names_and_shapes_match_torch():
    import tinygrad_rnn as tg

    for kind in ("RNN", "LSTM", "GRU"):
        ours = getattr(tg.nn, kind)(3, 4, num_layers=3, bidirectional=True)
        theirs = getattr(torch.nn, kind)(3, 4, num_layers=3, bidirectional=True)
        assert [(n, p.shape) for n, p in ours.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in theirs.named_parameters()
        ]
    for kind in ("RNNCell", "LSTMCell", "GRUCell"):
        ours, theirs = getattr(tg.nn, kind)(3, 4), getattr(torch.nn, kind)(3, 4)
        assert [(n, p.shape) for n, p in ours.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in theirs.named_parameters()
        ]
