"""What the numbers were measured on: load, versions, BLAS kernels, thread counts; thread pinning.

Timings without this header cannot be compared: the same code on the same
machine doubles in time when a neighbour holds a core, when a BLAS library
picks another kernel, or when a second thread joins.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import sys
from typing import Any

import numpy as np

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # the suite still runs, but cannot pin or report BLAS threads
    threadpool_info = threadpool_limits = None

# Older OpenBLAS builds need these on some processors; they can slow a current one down.
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads(threads: int, torch: Any) -> Any:
    """Limits every BLAS/OpenMP pool threadpoolctl finds, and torch's intra-op pool, to ``threads``.

    Call it after importing torch so that torch's OpenMP runtime is limited too.
    The returned controller must be kept alive for the limits to hold.
    """
    if torch is not None:
        torch.set_num_threads(threads)
    return None if threadpool_limits is None else threadpool_limits(limits=threads)


def cuda_problem() -> str | None:
    """Why ``--device cuda`` cannot run here, or None when CuPy sees a GPU."""
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy present, but no driver or no GPU
        return f"CuPy found no usable GPU ({exc})"
    return None if count else "CuPy sees no GPU"


def describe(threads: int, device: str, torch: Any) -> dict[str, Any]:
    """The machine, the versions and the thread counts, as a JSON-ready dict."""
    meta: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tinygrad_rnn": _tinygrad_state(),
        "threads": threads,
        "device": device,
        "blas": [
            {
                key: lib.get(key)
                for key in ("user_api", "internal_api", "prefix", "version", "architecture", "num_threads")
            }
            for lib in (threadpool_info() if threadpool_info is not None else [])
        ],
        "threadpoolctl": threadpool_info is not None,
        "env": {name: os.environ[name] for name in BLAS_ENV if name in os.environ},
        "torch": None,
    }
    if torch is not None:
        config = torch.__config__.show()
        blas = re.search(r"BLAS_INFO=(\w+)", config)
        capability = re.search(r"CPU capability usage: (\w+)", config)
        meta["torch"] = {
            "version": torch.__version__,
            "blas": blas.group(1) if blas else "unknown",
            "cpu_capability": capability.group(1) if capability else "unknown",
            "intra_op_threads": torch.get_num_threads(),
            "inter_op_threads": torch.get_num_interop_threads(),
        }
    if device == "cuda":
        meta["cuda"] = _describe_cuda(torch)
    return meta


def _tinygrad_state() -> dict[str, Any]:
    """tinygrad_rnn's version and, in a git checkout, the commit and whether the engine has uncommitted edits."""
    import subprocess

    import tinygrad_rnn

    state: dict[str, Any] = {"version": tinygrad_rnn.__version__}
    root = os.path.dirname(os.path.dirname(os.path.abspath(tinygrad_rnn.__file__)))
    try:
        commit = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "tinygrad_rnn"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return state
    if commit.returncode == 0:
        state["commit"] = commit.stdout.strip()
        state["uncommitted_engine_changes"] = bool(dirty.stdout.strip())
    return state


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _describe_cuda(torch: Any) -> dict[str, Any]:
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"]
    info: dict[str, Any] = {
        "gpu": name.decode() if isinstance(name, bytes) else str(name),
        "cupy": cupy.__version__,
        "cuda_runtime": cupy.cuda.runtime.runtimeGetVersion(),
        "cupy_tf32": os.environ.get("CUPY_TF32", "0"),  # CuPy's matmuls use TF32 only when this is 1
    }
    if torch is not None and torch.cuda.is_available():
        info["torch_cuda"] = torch.version.cuda
        info["cudnn"] = torch.backends.cudnn.version()
        from .torch_systems import tf32_state

        info["torch_default_tf32"] = tf32_state(torch)
    return info


def _describe_state(state: dict[str, Any]) -> str:
    text = state["version"]
    if "commit" in state:
        text += f" (commit {state['commit']}"
        text += ", with uncommitted changes in tinygrad_rnn/)" if state["uncommitted_engine_changes"] else ")"
    return text


def header_lines(meta: dict[str, Any]) -> list[str]:
    """The lines printed before any timing."""
    load = meta["load_average"]
    lines = [
        f"date          {meta['date']}",
        f"load average  {' '.join(f'{v:.2f}' for v in load) if load else 'unknown'}"
        f"  (1, 5, 15 min; {meta['cores']} cores)",
        f"machine       {meta['cpu']}, {meta['platform']}",
        f"Python        {meta['python']}   NumPy {meta['numpy']}",
        f"tinygrad_rnn  {_describe_state(meta['tinygrad_rnn'])}",
    ]
    for lib in meta["blas"]:
        if lib["user_api"] == "blas":
            lines.append(
                f"BLAS          {lib['prefix']} {lib['version']} ({lib['internal_api']}, "
                f"kernel {lib['architecture'] or 'unknown'}), {lib['num_threads']} thread(s)"
            )
        else:
            lines.append(
                f"{lib['user_api']:<14}{lib['prefix']} ({lib['internal_api']}), {lib['num_threads']} thread(s)"
            )
    if not meta["threadpoolctl"]:
        lines.append("BLAS          unknown: threadpoolctl is not installed (pip install threadpoolctl)")
    elif not meta["blas"]:
        lines.append("BLAS          none found by threadpoolctl")
    for name, value in meta["env"].items():
        lines.append(f"env           {name}={value}")
    torch = meta["torch"]
    if torch is None:
        lines.append(f"torch         {meta.get('torch_status', 'not installed')}")
    else:
        lines.append(
            f"torch         {torch['version']} (BLAS {torch['blas']}, {torch['cpu_capability']}), "
            f"{torch['intra_op_threads']} intra-op / {torch['inter_op_threads']} inter-op threads"
        )
    if meta["threadpoolctl"]:
        lines.append(f"threads       pinned to {meta['threads']} (threadpoolctl, torch.set_num_threads)")
    else:
        lines.append("threads       BLAS threads NOT pinned (no threadpoolctl): timings swing with the machine's load")
    cuda = meta.get("cuda")
    if cuda:
        lines.append(
            f"GPU           {cuda['gpu']}, CuPy {cuda['cupy']} (CUDA runtime {cuda['cuda_runtime']}, "
            f"CUPY_TF32={cuda['cupy_tf32']})"
        )
        if "torch_cuda" in cuda:
            tf32 = ", ".join(f"{k} {v}" for k, v in cuda["torch_default_tf32"].items())
            lines.append(
                f"torch CUDA    {cuda['torch_cuda']}, cuDNN {cuda['cudnn']}; default TF32: {tf32} "
                "(each torch system is timed with TF32 off and on)"
            )
    lines.append(f"command       python -m benchmarks {' '.join(sys.argv[1:])}".rstrip())
    return lines
