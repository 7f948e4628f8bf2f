"""The packed-batch comparison without PyTorch: committed results from tests/fixtures/make_packed_fixtures.py."""

import pathlib
import sys

import numpy as np
import pytest
from recurrent_cases import assert_close, run_ours

sys.path.insert(0, str(pathlib.Path(__file__).parent / "fixtures"))
from make_packed_fixtures import fixture_cases  # noqa: E402

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "packed_torch.npz"


def _load(case):
    with np.load(FIXTURE, allow_pickle=False) as data:
        prefix = f"{case.name}/"
        parts = {"in": {}, "ref": {}, "w": {}}
        for key in data.files:
            if key.startswith(prefix):
                _, group, name = key.split("/")
                parts[group][name] = data[key]
    assert parts["ref"], f"no fixture for {case.name}; rerun make_packed_fixtures.py"
    return parts["in"], parts["ref"], parts["w"]


@pytest.mark.parametrize("dtype,tolerance", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("case", fixture_cases(), ids=lambda c: c.name)
def test_matches_recorded_torch_results(case, dtype, tolerance):
    arrays, reference, weights = _load(case)
    assert_close(run_ours(case, weights, arrays, dtype), reference, tolerance, case.name)
