"""benchmarks/packed.py runs, and every system computes the same step as torch fused (no timing asserted)."""

import pytest

from benchmarks.packed import COMPOSED, FUSED, TG, TG_PADDED, draw_lengths, format_row, measure
from benchmarks.workloads import CONFIGS


def test_lengths_lie_between_a_quarter_of_t_and_t():
    config = CONFIGS["small"]
    lengths = draw_lengths(config)
    assert len(lengths) == config.B and min(lengths) >= config.T // 4 and max(lengths) <= config.T
    assert len(set(lengths)) > 1


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_packed_benchmark_agrees_with_torch(cell):
    torch = pytest.importorskip("torch")
    result = measure(cell, CONFIGS["tiny"], torch, reps=1)
    assert set(result["timings"]) == {TG, TG_PADDED, FUSED, COMPOSED}
    assert result["problems"] == {TG: [], COMPOSED: []}, result["problems"]
    assert result["lengths"]["real_steps"] < result["lengths"]["padded_steps"]
    assert "MISMATCH" not in format_row(result)


def test_packed_benchmark_without_torch():
    result = measure("gru", CONFIGS["tiny"], None, reps=1)
    assert set(result["timings"]) == {TG, TG_PADDED} and result["ratios"] == {}
