"""data.adding_problem: the task the visualiser trains on (and the demos can share)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.data import ADDING_BASELINE, adding_problem


def test_shapes_markers_and_targets() -> None:
    x, y = adding_problem(64, 20, np.random.default_rng(0))
    assert x.shape == (20, 64, 2) and y.shape == (64, 1) and x.dtype == tg.get_default_dtype()
    values, markers = x.numpy()[..., 0], x.numpy()[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert (markers.sum(axis=0) == 2).all()
    first, second = markers[:10].sum(axis=0), markers[10:].sum(axis=0)
    assert (first == 1).all() and (second == 1).all()  # one marker in each half
    np.testing.assert_allclose(y.numpy()[:, 0], (values * markers).sum(axis=0), rtol=1e-6)


def test_seeded_and_batch_first() -> None:
    a, ya = adding_problem(3, 8, np.random.default_rng(5))
    b, yb = adding_problem(3, 8, np.random.default_rng(5), batch_first=True)
    np.testing.assert_array_equal(a.numpy().transpose(1, 0, 2), b.numpy())
    np.testing.assert_array_equal(ya.numpy(), yb.numpy())


def test_the_constant_guess_scores_the_baseline() -> None:
    _, y = adding_problem(20000, 10, np.random.default_rng(1))
    assert float(((y.numpy() - 1.0) ** 2).mean()) == pytest.approx(ADDING_BASELINE, abs=0.01)


@pytest.mark.parametrize(("batch", "length", "message"), [(0, 5, "batch"), (2, 1, "length")])
def test_bad_sizes(batch: int, length: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        adding_problem(batch, length, np.random.default_rng(0))
