"""Small synthetic tasks for recurrent networks.

The adding problem (Hochreiter & Schmidhuber, 1997): each step carries a value
drawn uniformly from [0, 1] and a marker; exactly two steps are marked, one in
the first half of the sequence and one in the second, and the target is the
sum of the two marked values. Guessing the mean, 1.0, scores a mean squared
error of 1/6 ≈ 0.167 (the variance of a sum of two uniform values), so a
model below that has learnt to carry the first value across about half the
sequence.

>>> import numpy as np
>>> x, y = adding_problem(batch=4, length=10, rng=np.random.default_rng(0))
>>> x.shape, y.shape                       # time-major, as the recurrent layers expect
((10, 4, 2), (4, 1))
>>> x.numpy()[:, :, 1].sum(axis=0).tolist()   # two markers per sequence
[2.0, 2.0, 2.0, 2.0]
"""

from __future__ import annotations

from typing import Any

from .backend import np
from .checks import check_bool, check_int, shown
from .dtypes import get_default_dtype
from .tensor import Tensor

ADDING_BASELINE = 1.0 / 6.0  # the MSE of always answering 1.0


def adding_problem(
    batch: int, length: int, rng: Any, *, batch_first: bool = False, device: Any = None
) -> tuple[Tensor, Tensor]:
    """``batch`` sequences of the adding problem and their targets, drawn from the NumPy Generator ``rng``.

    Returns ``x`` of shape (length, batch, 2) (or (batch, length, 2) with
    ``batch_first=True``): channel 0 the values, channel 1 the markers; and
    ``y`` of shape (batch, 1), both of the default float dtype, on ``device``
    (default: the default device). The same ``rng`` state gives the same batch.
    """
    batch = check_int("adding_problem", "batch", batch)
    length = check_int("adding_problem", "length", length)
    batch_first = check_bool("adding_problem", "batch_first", batch_first)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"adding_problem: rng must be a NumPy Generator, e.g. np.random.default_rng(0), got {shown(rng)}"
        )
    if length < 2:
        raise ValueError(f"adding_problem: length must be at least 2 (two marked steps), got {length}")
    if batch < 1:
        raise ValueError(f"adding_problem: batch must be positive, got {batch}")
    values = rng.random((batch, length)).astype(np.float32)
    markers = np.zeros((batch, length), dtype=np.float32)
    rows = np.arange(batch)
    half = length // 2
    markers[rows, rng.integers(0, half, batch)] = 1.0  # one marker in each half
    markers[rows, rng.integers(half, length, batch)] = 1.0
    x = np.stack([values, markers], axis=2)  # (batch, length, 2)
    y = (values * markers).sum(axis=1, keepdims=True)
    if not batch_first:
        x = x.transpose(1, 0, 2)
    dtype = get_default_dtype()
    return Tensor(np.ascontiguousarray(x), dtype=dtype, device=device), Tensor(y, dtype=dtype, device=device)
