"""How a tensor prints: PyTorch's style (4 decimals, commas, long arrays summarized)."""

from __future__ import annotations

from .backend import np


def format_array(array: np.ndarray, prefix: str) -> str:
    """The printed form of a host array, continuation lines indented under ``prefix``.

    >>> format_array(np.array([1.0, 2.5]), "tensor(")
    '[1. , 2.5]'
    """
    return np.array2string(array, separator=", ", prefix=prefix, precision=4, threshold=1000, edgeitems=3)
