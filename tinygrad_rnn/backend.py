"""The one door to array libraries: NumPy on the CPU, CuPy on NVIDIA GPUs.

No other module imports numpy or cupy. Ops reach array functions through the
backend of the tensor at hand (``tensor.backend.xp``), and ``xp`` only offers
functions of the Python array API standard, which NumPy and CuPy both provide.
What lies outside the standard (advanced indexing and its scatter-add, random
numbers, a fused sigmoid) is a method of the backend, written per library.

A third backend, ``"array_api_strict"``, runs on the CPU through the standard's
strict reference implementation. The tests use it to prove that the ops call
nothing NumPy-only, the way scikit-learn checks its GPU support without a GPU.

>>> get_backend("cpu").device
'cpu'
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np  # also what host-side bookkeeping (gradcheck, io, viz) imports, from here

DTYPE_NAMES = ("float32", "float64", "int64", "bool")
CUPY_INSTALL_HINT = (
    "install CuPy for your CUDA version: pip install 'tinygrad_rnn[cuda12]' "
    "(cupy-cuda12x) or 'tinygrad_rnn[cuda13]' (cupy-cuda13x); see docs/backends.md"
)


class Backend:
    """Array functions of one library on one device.

    >>> b = get_backend("cpu")
    >>> b.xp.tanh(b.asarray([0.0], "float32")).tolist()
    [0.0]
    """

    name = "abstract"

    def __init__(self, device: str, xp: Any):
        self.device = device
        self.xp = xp
        self._dtypes = {n: getattr(xp, n) for n in DTYPE_NAMES}
        self._names = {self.xp.asarray(0, dtype=d).dtype: n for n, d in self._dtypes.items()}
        # array dtypes that carry gradients, for a quick membership test on the hot path
        self.float_dtypes = frozenset(d for d, n in self._names.items() if n.startswith("float"))
        self._rng = None

    def __repr__(self) -> str:
        return f"<{self.name} backend on {self.device}>"

    def __reduce__(self) -> tuple:
        # one backend per device: pickling and copying a tensor refer to it, never clone it
        return (get_backend, (self.device,))

    def __deepcopy__(self, memo: dict) -> Backend:
        return self

    # --- dtypes -----------------------------------------------------------
    def dtype(self, name: str) -> Any:
        return self._dtypes[name]

    def dtype_name(self, array: Any) -> str:
        try:
            return self._names[array.dtype]
        except KeyError:
            raise TypeError(f"unsupported dtype {array.dtype}; expected one of {', '.join(DTYPE_NAMES)}") from None

    # --- making arrays and moving them ------------------------------------
    def from_host(self, array: np.ndarray) -> Any:
        """Copies a NumPy array onto this backend's device (the one transfer door)."""
        return self.xp.asarray(array)

    def to_host(self, array: Any) -> np.ndarray:
        """A NumPy copy of a backend array (the one transfer door back)."""
        return np.array(array, copy=True)

    def asarray(self, data: Any, dtype: str | None = None, default_float: str = "float32") -> Any:
        """A fresh array from Python data, a NumPy array or an array of this backend.

        Python floats take ``default_float``; arrays keep their dtype (a float64
        NumPy array stays float64), as ``torch.tensor`` does.
        """
        if isinstance(data, np.ndarray | np.generic):
            arr = np.array(data, copy=True)
            if arr.dtype.kind in "iu":
                arr = arr.astype(np.int64)
            return self._cast(self.from_host(arr), dtype)
        if self.is_array(data):
            return self._cast(self.xp.asarray(data, copy=True), dtype)
        if hasattr(data, "__array__") or hasattr(data, "__dlpack__"):
            return self.asarray(np.asarray(data), dtype, default_float)
        try:
            arr = np.asarray(data)
        except ValueError:  # ragged nested lists: say it as torch does, without NumPy's internals
            raise ValueError(
                f"Tensor: expected a sequence of equal lengths at every depth (a rectangular array), got {data!r}"
            ) from None
        if arr.dtype.kind == "f":
            arr = arr.astype(dtype if dtype in ("float32", "float64") else default_float)  # 0.3 never via float32
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind != "b":
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} {data!r}")
        return self._cast(self.from_host(arr), dtype)

    def _cast(self, arr: Any, dtype: str | None) -> Any:
        if dtype is not None and self.dtype_name(arr) != dtype:
            return self.xp.astype(arr, self._dtypes[dtype])
        self.dtype_name(arr)  # rejects float16, complex, ...
        return arr

    def is_array(self, data: Any) -> bool:
        raise NotImplementedError

    # --- outside the array API standard -------------------------------------
    fused_kernels: dict[str, Any] = {}  # none: every op runs its own plain formula

    def fused_kernel(self, name: str) -> Any:
        """A faster kernel for one op's formula on this backend, or None (skip on a first reading).

        An op that has one asks for it by name (``"sigmoid"``, ``"sigmoid_backward"``,
        ``"tanh_backward"``; ``"tanh_into"`` writes into a given array) and falls
        back to its own formula, written beside it, which stays the reference:
        the strict backend has no fused kernels, so the tests run every plain
        formula there.
        """
        return self.fused_kernels.get(name)

    def copy(self, x: Any) -> Any:
        """A fresh array with x's values."""
        return self.xp.asarray(x, copy=True)

    def take(self, x: Any, key: Any) -> Any:
        """``x[key]`` where key holds integer or boolean arrays (advanced indexing)."""
        return x[key]

    def may_share_memory(self, a: Any, b: Any) -> bool:
        """Whether two arrays may view the same memory (a reshape may be a view or a copy)."""
        return True  # where a backend cannot tell: the answer that never misses a shared array

    def index_add(self, shape: tuple, key: Any, values: Any, dtype: Any) -> Any:
        """Zeros of ``shape`` with ``values`` added at ``key``, repeats summed."""
        raise NotImplementedError

    def seed(self, seed: int) -> None:
        raise NotImplementedError

    def uniform(self, shape: tuple, low: float, high: float, dtype: str) -> Any:
        raise NotImplementedError

    def normal(self, shape: tuple, dtype: str) -> Any:
        raise NotImplementedError


class NumpyBackend(Backend):
    """NumPy on the CPU, with in-place fast paths for the hot elementwise ops."""

    name = "numpy"

    def __init__(self) -> None:
        self.fused_kernels = _numpy_kernels()
        super().__init__("cpu", np)
        self._rng = np.random.default_rng(_seed)

    def is_array(self, data: Any) -> bool:
        return isinstance(data, np.ndarray)

    def to_host(self, array: Any) -> np.ndarray:
        return np.array(array, copy=True)  # an ndarray also for NumPy's 0-d results, which are scalars

    def index_add(self, shape: tuple, key: Any, values: Any, dtype: Any) -> Any:
        out = np.zeros(shape, dtype=dtype)
        np.add.at(out, key, values)
        return out

    def may_share_memory(self, a: Any, b: Any) -> bool:
        return bool(np.may_share_memory(a, b))

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def uniform(self, shape: tuple, low: float, high: float, dtype: str) -> Any:
        return self._rng.uniform(low, high, size=shape).astype(dtype)

    def normal(self, shape: tuple, dtype: str) -> Any:
        return self._rng.standard_normal(size=shape).astype(dtype)


class StrictBackend(Backend):
    """The array API standard's strict reference implementation, on the CPU.

    A test backend: it refuses anything outside the standard, so an op that
    passes here runs on CuPy too. Its non-standard methods go through NumPy.
    """

    name = "array_api_strict"

    def __init__(self) -> None:
        import array_api_strict

        super().__init__("array_api_strict", array_api_strict)
        self._array_type = type(array_api_strict.asarray(0))
        self._host = NumpyBackend()

    def is_array(self, data: Any) -> bool:
        return isinstance(data, self._array_type)

    def to_host(self, array: Any) -> np.ndarray:
        return np.array(np.from_dlpack(array), copy=True)

    def _key_to_host(self, key: Any) -> Any:
        if isinstance(key, tuple):
            return tuple(self._key_to_host(k) for k in key)
        return np.from_dlpack(key) if self.is_array(key) else key

    def take(self, x: Any, key: Any) -> Any:
        return self.xp.asarray(np.from_dlpack(x)[self._key_to_host(key)])

    def may_share_memory(self, a: Any, b: Any) -> bool:
        return bool(np.may_share_memory(np.from_dlpack(a), np.from_dlpack(b)))  # NumPy views of the same memory

    def index_add(self, shape: tuple, key: Any, values: Any, dtype: Any) -> Any:
        out = self._host.index_add(shape, self._key_to_host(key), np.from_dlpack(values), np.from_dlpack(values).dtype)
        return self.xp.asarray(out)

    def seed(self, seed: int) -> None:
        self._host.seed(seed)

    def uniform(self, shape: tuple, low: float, high: float, dtype: str) -> Any:
        return self.xp.asarray(self._host.uniform(shape, low, high, dtype))

    def normal(self, shape: tuple, dtype: str) -> Any:
        return self.xp.asarray(self._host.normal(shape, dtype))


class _CupyNamespace:
    """CuPy's module, with the array API names that older CuPy releases lack."""

    def __init__(self, cupy: Any):
        self._cupy = cupy
        aliases = {
            "concat": cupy.concatenate,
            "permute_dims": cupy.transpose,
            "astype": lambda x, dtype, copy=True: x.astype(dtype, copy=copy),
            "matrix_transpose": lambda x: cupy.swapaxes(x, -1, -2),
            "pow": cupy.power,
        }
        for name, fn in aliases.items():
            setattr(self, name, getattr(cupy, name, fn))

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._cupy, name)
        setattr(self, name, value)  # cache: the next lookup is a plain attribute
        return value


class CupyBackend(Backend):
    """CuPy on one NVIDIA GPU."""

    name = "cupy"

    def __init__(self, index: int):
        try:
            import cupy
            import cupyx
        except ImportError as exc:
            raise RuntimeError(
                f'device "cuda:{index}" needs CuPy, which is not installed: {CUPY_INSTALL_HINT}'
            ) from exc
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CuPy present, driver or GPU missing
            raise RuntimeError(f'device "cuda:{index}": CuPy found no usable GPU ({exc}); {CUPY_INSTALL_HINT}') from exc
        if index >= count:
            raise RuntimeError(f'device "cuda:{index}" does not exist: CuPy sees {count} GPU(s)')
        self._cupy, self._cupyx = cupy, cupyx
        with cupy.cuda.Device(index):
            super().__init__(f"cuda:{index}", _CupyNamespace(cupy))
            self._rng = cupy.random.default_rng(_seed)
        self.index = index

    def is_array(self, data: Any) -> bool:
        return isinstance(data, self._cupy.ndarray)

    def copy(self, x: Any) -> Any:
        return x.copy()  # cupy.asarray has no copy= before CuPy 14

    def may_share_memory(self, a: Any, b: Any) -> bool:
        return bool(self._cupy.may_share_memory(a, b))

    def fused_kernel(self, name: str) -> Any:
        # A GPU step is bound by kernel launches, not arithmetic: each of these is one kernel.
        return _cupy_kernels(self._cupy).get(name)

    def from_host(self, array: np.ndarray) -> Any:
        with self._cupy.cuda.Device(self.index):
            return self._cupy.asarray(array)

    def to_host(self, array: Any) -> np.ndarray:
        return self._cupy.asnumpy(array)

    def index_add(self, shape: tuple, key: Any, values: Any, dtype: Any) -> Any:
        out = self._cupy.zeros(shape, dtype=dtype)
        add_at = getattr(self._cupy.add, "at", None)  # CuPy 14 deprecates cupyx.scatter_add for it
        if add_at is not None:
            add_at(out, key, values)
        else:
            self._cupyx.scatter_add(out, key, values)
        return out

    def seed(self, seed: int) -> None:
        with self._cupy.cuda.Device(self.index):
            self._rng = self._cupy.random.default_rng(seed)

    def uniform(self, shape: tuple, low: float, high: float, dtype: str) -> Any:
        return (self._rng.random(size=shape, dtype=np.float64) * (high - low) + low).astype(dtype)

    def normal(self, shape: tuple, dtype: str) -> Any:
        return self._rng.standard_normal(size=shape, dtype=np.float64).astype(dtype)


def _numpy_kernels() -> dict[str, Any]:
    """The ops' formulas with NumPy's ``out=``: one buffer, updated in place, instead of a temporary per step."""

    def sigmoid(x: Any) -> Any:
        # 1/(1 + e^−x) in four passes over one buffer (PyTorch's CPU formula): no cancellation on
        # either side, so full relative precision; far below 0, e^−x overflows to inf and σ to 0
        with np.errstate(over="ignore"):  # a with block: NumPy 1.x shares a decorator's state between threads
            e = np.negative(x, out=np.empty_like(x))  # out=: an array even for 0-d x
            np.exp(e, out=e)
        e += 1.0
        return np.reciprocal(e, out=e)

    def tanh_into(x: Any, out: Any) -> Any:
        return np.tanh(x, out=out)

    def sigmoid_backward(g: Any, y: Any) -> Any:
        out = np.subtract(1.0, y, out=np.empty_like(y))
        out *= g  # g·(1 − y)·y, in PyTorch's order: the same rounding
        out *= y
        return out

    def tanh_backward(g: Any, y: Any) -> Any:
        out = np.multiply(y, y, out=np.empty_like(y))
        np.subtract(1.0, out, out=out)
        out *= g
        return out

    return {
        "sigmoid": sigmoid,
        "tanh_into": tanh_into,
        "sigmoid_backward": sigmoid_backward,
        "tanh_backward": tanh_backward,
    }


_kernels: dict[str, Any] = {}


def _cupy_kernels(cupy: Any) -> dict[str, Any]:
    """Fused elementwise kernels, compiled once on first use."""
    if not _kernels:
        kernel = cupy.ElementwiseKernel
        sigmoid = "T e = exp(-fabs(x)); y = (x >= (T)0 ? (T)1 : e) / ((T)1 + e)"
        _kernels["sigmoid"] = kernel("T x", "T y", sigmoid, "tg_sigmoid")
        _kernels["tanh_into"] = lambda x, out: cupy.tanh(x, out=out)
        _kernels["sigmoid_backward"] = kernel("T g, T y", "T d", "d = g * y * ((T)1 - y)", "tg_sigmoid_backward")
        _kernels["tanh_backward"] = kernel("T g, T y", "T d", "d = g * ((T)1 - y * y)", "tg_tanh_backward")
    return _kernels


_seed: int | None = None
_backends: dict[str, Backend] = {}


def normalize_device(device: Any) -> str:
    """``"cuda"`` → ``"cuda:0"``; validates the spelling.

    >>> normalize_device("cuda"), normalize_device("cpu")
    ('cuda:0', 'cpu')
    """
    name = str(device).strip().lower()
    if name == "cuda":
        return "cuda:0"
    if name in ("cpu", "array_api_strict"):
        return name
    if name.startswith("cuda:") and name[5:].isdigit():
        return name
    raise ValueError(f'unknown device {device!r}; expected "cpu", "cuda" or "cuda:N"')


def get_backend(device: Any) -> Backend:
    """The backend for a device string; CuPy is imported only when a GPU is asked for."""
    if isinstance(device, Backend):
        return device
    name = normalize_device(device)
    backend = _backends.get(name)
    if backend is None:
        if name == "cpu":
            backend = NumpyBackend()
        elif name == "array_api_strict":
            backend = StrictBackend()
        else:
            backend = CupyBackend(int(name[5:]))
        _backends[name] = backend
    return backend


def cuda_is_available() -> bool:
    """True when CuPy is installed and sees a GPU (imports CuPy to find out)."""
    try:
        get_backend("cuda")
    except RuntimeError:
        return False
    return True


def manual_seed(seed: int) -> None:
    """Seeds the random numbers of every backend, present and future.

    As in torch, any integer in [-2**63, 2**64) is a seed; a negative one
    stands for its 64-bit two's complement (-1 is the seed 2**64 - 1).

    >>> manual_seed(0)
    """
    global _seed
    try:
        number = int(seed)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"manual_seed: seed must be an integer, got {seed!r} ({type(seed).__name__})") from None
    if not -(2**63) <= number < 2**64:
        raise ValueError(f"manual_seed: seed must be an integer in [-2**63, 2**64), as in torch, got {number}")
    _seed = number % 2**64
    for backend in _backends.values():
        backend.seed(_seed)


_default_device = normalize_device(os.environ.get("TINYGRAD_RNN_DEVICE", "cpu"))


def set_default_device(device: Any) -> None:
    """Where new tensors live unless told otherwise (also ``TINYGRAD_RNN_DEVICE``)."""
    global _default_device
    _default_device = get_backend(device).device


def get_default_device() -> str:
    return _default_device
