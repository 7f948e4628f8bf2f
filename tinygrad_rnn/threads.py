"""How many threads the BLAS behind NumPy may use."""

from __future__ import annotations

from typing import Any

_thread_limit: Any = None


def set_num_threads(threads: int) -> None:
    """How many threads NumPy's BLAS (and OpenMP) may use, as ``torch.set_num_threads``.

    The matrices of a recurrent step are small: one thread is usually fastest,
    and on a small shared machine a second BLAS thread that waits for a busy
    core can make each product ten times slower. The demos and the command line
    use 1 unless told otherwise.

    >>> set_num_threads(1)
    """
    global _thread_limit
    if threads < 1:
        raise ValueError(f"set_num_threads: expected at least 1 thread, got {threads}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise RuntimeError("set_num_threads needs threadpoolctl: pip install threadpoolctl") from None
    _thread_limit = threadpool_limits(threads)  # held: the limit lasts until the next call
