"""The packed-batch comparison without PyTorch: committed results from tests/fixtures/make_packed_fixtures.py."""

import pathlib
import sys

import pytest
from recurrent_cases import assert_close, load_fixture, run_ours

sys.path.insert(0, str(pathlib.Path(__file__).parent / "fixtures"))
from make_packed_fixtures import fixture_cases  # noqa: E402

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "packed_torch.npz"


@pytest.mark.parametrize("dtype,tolerance", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("case", fixture_cases(), ids=lambda c: c.name)
def test_matches_recorded_torch_results(case, dtype, tolerance):
    arrays, reference, weights = load_fixture(FIXTURE, case)
    assert_close(run_ours(case, weights, arrays, dtype), reference, tolerance, case.name)
