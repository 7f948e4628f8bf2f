"""``explore``: one self-contained HTML page to play with the gradient flow, every number made by the engine.

The page has a control for the cell, the LSTM's forget-gate bias, the sequence
length T and the hidden size, and shows, for the chosen setting:

- the curve log10 ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖ over t (s = c for the LSTM, h for the
  tanh RNN and the GRU), with the other cells as faint reference lines;
- the readout ``#ratio``: that log ratio at t = 1, as ``tinygrad-rnn flow``
  prints it;
- for short T, the unrolled graph coloured by gradient norm, as ``tinygrad-rnn compare`` draws it;
- a few settings at initialisation and after a short, bounded training on the adding problem.

Nothing is computed in the browser: :func:`explore` runs ``study.flow_study``
over a grid of settings (seeded, in float64, so that long sequences do not
underflow), renders the graphs with Graphviz, and writes it all into the page
as JSON. No network at view time: scripts, styles and pictures are inline.

>>> page = explore(steps=(4,), forget_biases=(1.0,), hidden_sizes=(4,), batch=2, train_steps=0, graphs=False)
>>> logs = page.data["flows"]["4"]["4"]["lstm"]["1"]   # log10 ‖∂L/∂c_t‖, t = 1..4 (T 4, H 4, forget bias 1)
>>> len(logs), logs[0] < logs[-1]                       # less of the gradient reaches the first step
(4, True)
>>> '<select id="cell">' in page.html, "<script src=" in page.html   # inline scripts only
(True, False)
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import tinygrad_rnn as tg

from ..atomic import write_bytes
from ..study.experiment import CELLS, DEFAULT_FORGET_BIAS
from ..study.flow import flow_study
from .explore_page import PAGE

# The grid the page offers. A setting costs about T × (number of models): measured, 35 ms of CPU per step for
# the 15 models at H = 16, 45 ms at H = 64, so the grid is sized for the page to generate in under 2 minutes
# on 2 cores (a third hidden size would take it past that).
STEPS = tuple(range(10, 201, 10))
FORGET_BIASES = tuple(b / 2 for b in range(-4, 9))  # -2, -1.5, ..., 4
HIDDEN_SIZES = (16, 64)
GRAPH_MAX_STEPS = 20  # the unrolled graph is drawn for T up to this
# The defaults of `tinygrad-rnn flow`, where the page opens:
DEFAULT_STEPS = 50
DEFAULT_HIDDEN = 64
DEFAULT_BATCH = 16
DEFAULT_SEED = 0
# Before and after training: the adding problem at T = 50, as `tinygrad-rnn flow --train-steps K` runs it.
TRAIN_LENGTH = 50
TRAIN_BIASES = (0.0, 1.0, 3.0)
TRAIN_STEPS = 40  # bounded: a glimpse of training, far from solving the task (see the page)
FLOAT32_SMALLEST_NORMAL = 2.0**-126
DIGITS = 3  # decimals of the log10 norms in the page: 0.001 decades


class Explorer:
    """The generated page: ``html`` (the whole document), ``data`` (the numbers in it), ``seconds`` (to make it).

    Shows inline in Jupyter and Colab (``_repr_html_``, in an iframe, so the
    page's ids and script stay its own); ``save(path)`` writes the file.
    """

    def __init__(self, page: str, data: dict[str, Any], seconds: float) -> None:
        self.html = page
        self.data = data
        self.seconds = seconds

    def save(self, path: str | Path) -> Path:
        """Writes the page to ``path`` (UTF-8, all at once) and returns the path."""
        path = Path(path)
        write_bytes(path, self.html.encode("utf-8"), "save")
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="gradient flow explorer" '
            'style="width:100%;height:1500px;border:1px solid #ddd" loading="lazy"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Explorer: {len(self.html.encode()) / 1e6:.2f} MB, made in {self.seconds:.1f} s>"


def bias_key(b: float) -> str:
    """The JSON key of a forget bias, as the page's slider spells it: ``-1.5``, ``0``, ``3``.

    >>> [bias_key(b) for b in (-1.5, 0.0, 3.0)]
    ['-1.5', '0', '3']
    """
    return f"{b:g}"


def _log10s(norms: Any) -> list[float | None]:
    """log10 of each norm, rounded to ``DIGITS`` decimals; None where it is 0 or not finite."""
    out: list[float | None] = []
    for v in norms:
        v = float(v)
        out.append(round(math.log10(v), DIGITS) if v > 0 and math.isfinite(v) else None)
    return out


# --- the jobs (each runs in a worker process) -------------------------------------------------
def _timed(function: Callable, *arguments: Any) -> tuple[Any, float]:
    """``function(*arguments)`` and the CPU seconds it took, Graphviz's included (a busy machine inflates
    wall-clock time, not this)."""
    started = _cpu()
    result = function(*arguments)
    return result, _cpu() - started


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _setup_worker() -> None:
    """A worker process computes in float64 with one BLAS thread (two workers share two cores)."""
    from ..threads import set_num_threads

    set_num_threads(1)
    tg.set_default_dtype("float64")


def _flow_job(steps: int, hidden: int, biases: Sequence[float], batch: int, seed: int) -> dict[str, Any]:
    """log10 ‖∂L/∂s_t‖ of the tanh RNN, the GRU and the LSTM at every forget bias, as ``tinygrad-rnn flow``."""
    study = flow_study(steps, hidden_size=hidden, forget_bias=biases[0], forget_biases=biases, batch=batch, seed=seed)
    out: dict[str, Any] = {cell: _log10s(study.before[cell].carried) for cell in ("rnn", "gru")}
    out["lstm"] = {bias_key(b): _log10s(study.before[f"lstm@{b:g}"].carried) for b in biases}
    return out


def _train_job(hidden: int, batch: int, seed: int, train_steps: int) -> dict[str, Any]:
    """``flow_study`` at T = TRAIN_LENGTH before and after ``train_steps`` steps on the adding problem."""
    study = flow_study(
        TRAIN_LENGTH,
        hidden_size=hidden,
        forget_bias=TRAIN_BIASES[0],
        forget_biases=TRAIN_BIASES,
        batch=batch,
        seed=seed,
        train_steps=train_steps,
    )
    models = ["rnn", "gru"] + [f"lstm@{b:g}" for b in TRAIN_BIASES]
    assert study.after is not None
    return {
        key: {
            "label": study.before[key].label,
            "before": _log10s(study.before[key].carried),
            "after": _log10s(study.after[key].carried),
            "mse": round(study.mse[key], 4),
        }
        for key in models
    }


def _graph_job(steps: int, hidden: int, biases: Sequence[float], seed: int) -> dict[str, str]:
    """The unrolled graph of every model at (T, H), cell detail, on one colour scale: gzip + base64 SVG each."""
    from ..study import unroll
    from .graph import draw, shared_scale
    from .render import save

    traces = {"rnn": unroll("rnn", steps, hidden_size=hidden, seed=seed)}
    traces["gru"] = unroll("gru", steps, hidden_size=hidden, seed=seed)
    for b in biases:
        traces[f"lstm@{b:g}"] = unroll("lstm", steps, hidden_size=hidden, forget_bias=b, seed=seed)
    scale = shared_scale(list(traces.values()))  # one scale, as compare draws the three cells
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for key, trace in traces.items():
            path = save(draw(trace, "cell", scale=scale), Path(folder) / "graph.svg")
            svg = _compact_svg(path.read_text(encoding="utf-8"))
            out[key] = base64.b64encode(gzip.compress(svg.encode(), mtime=0)).decode("ascii")
    return out


_EDGE = re.compile(r'(<g id="edge\d+" class="edge">\s*<title>)(.*?)(</title>)(.*?)(</g>)', re.S)
_LABEL = re.compile(r"<text[^>]*>([^<]*)</text>")


def _compact_svg(svg: str) -> str:
    """Graphviz's SVG, made smaller and hoverable: no prolog or comments, one font rule, norms as edge tooltips."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = svg.replace(' font-family="Helvetica,Arial,DejaVu Sans,sans-serif"', "")

    def tooltip(m: re.Match) -> str:
        label = _LABEL.search(m.group(4))
        text = f"gradient norm along this edge: {label.group(1)}" if label else "no gradient recorded"
        return m.group(1) + text + m.group(3) + m.group(4) + m.group(5)

    return _EDGE.sub(tooltip, svg)


# --- the page ---------------------------------------------------------------------------------
def _versions(graphs: bool) -> dict[str, str]:
    from ..backend import np

    versions = {"tinygrad_rnn": tg.__version__, "numpy": np.__version__, "python": platform.python_version()}
    dot = shutil.which("dot")
    if graphs and dot:
        done = subprocess.run([dot, "-V"], capture_output=True, text=True)
        found = re.search(r"version (\S+)", done.stderr + done.stdout)
        versions["graphviz"] = found.group(1) if found else "unknown"
    return versions


def _command(seed: int, train_steps: int, default_grid: bool) -> str:
    if not default_grid:
        return "tinygrad_rnn.viz.explore(...) in Python, with a grid of its own"
    command = "tinygrad-rnn explore -o explore.html"
    if seed != DEFAULT_SEED:
        command += f" --seed {seed}"
    if train_steps != TRAIN_STEPS:
        command += f" --train-steps {train_steps}"
    return command


def _check_grid(steps: Sequence[int], forget_biases: Sequence[float], hidden_sizes: Sequence[int]) -> None:
    for name, values in (("steps", steps), ("forget_biases", forget_biases), ("hidden_sizes", hidden_sizes)):
        if not values:
            raise ValueError(f"explore: {name} must name at least one value, got {values!r}")
    if min(steps) < 2:
        raise ValueError(f"explore: every value of steps must be at least 2, got {min(steps)}")
    if min(hidden_sizes) < 1:
        raise ValueError(f"explore: every hidden size must be positive, got {min(hidden_sizes)}")
    if not all(math.isfinite(b) for b in forget_biases):
        raise ValueError(f"explore: forget_biases must be finite numbers, got {forget_biases!r}")


def explore(
    *,
    steps: Sequence[int] = STEPS,
    forget_biases: Sequence[float] = FORGET_BIASES,
    hidden_sizes: Sequence[int] = HIDDEN_SIZES,
    seed: int = DEFAULT_SEED,
    batch: int = DEFAULT_BATCH,
    train_steps: int = TRAIN_STEPS,
    graphs: bool = True,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Explorer:
    """Computes the grid (every T in ``steps`` × forget bias × hidden size, the three cells) and builds the page.

    - ``steps``, ``forget_biases``, ``hidden_sizes``: the values the controls offer (the defaults take about
      two minutes on two cores; a smaller grid is quicker);
    - ``seed``, ``batch``: as ``tinygrad-rnn flow --seed --batch``, so the readout is what that command prints;
    - ``train_steps``: steps of Adam on the adding problem at T = 50 for the before-and-after view (0: none);
    - ``graphs``: draw the unrolled graphs (for T up to 20) with Graphviz, if its ``dot`` program is installed;
    - ``workers``: processes to compute in (default: up to 2, the CPUs there are).
    """
    started = time.perf_counter()
    steps, hidden_sizes = sorted({int(t) for t in steps}), sorted({int(h) for h in hidden_sizes})
    forget_biases = sorted({float(b) for b in forget_biases})
    _check_grid(steps, forget_biases, hidden_sizes)
    default_grid = (steps, forget_biases, hidden_sizes, batch) == (
        list(STEPS),
        list(FORGET_BIASES),
        list(HIDDEN_SIZES),
        16,
    ) and graphs
    draw_graphs = graphs and shutil.which("dot") is not None
    graph_steps = [t for t in steps if t <= GRAPH_MAX_STEPS] if draw_graphs else []
    jobs: list[tuple[float, str, tuple, Callable, tuple]] = []  # (cost, kind, key, function, arguments)
    for h in hidden_sizes:
        for t in steps:
            jobs.append((t * (len(forget_biases) + 2), "flow", (h, t), _flow_job, (t, h, forget_biases, batch, seed)))
        for t in graph_steps:
            jobs.append((t * 4 * (len(forget_biases) + 2), "graph", (h, t), _graph_job, (t, h, forget_biases, seed)))
    train_hidden = DEFAULT_HIDDEN if DEFAULT_HIDDEN in hidden_sizes else hidden_sizes[-1]
    if train_steps > 0:
        cost = TRAIN_LENGTH * (len(TRAIN_BIASES) + 2) * (1 + train_steps * 2)
        jobs.append((cost, "train", (), _train_job, (train_hidden, batch, seed, train_steps)))
    jobs.sort(key=lambda job: -job[0])  # the longest first, so the workers finish together
    timed = _run(jobs, workers, progress)
    results = [result for result, _ in timed]
    cpu_seconds = sum(seconds for _, seconds in timed)

    flows: dict[str, dict[str, Any]] = {str(h): {} for h in hidden_sizes}
    pictures: dict[str, dict[str, Any]] = {str(h): {} for h in hidden_sizes}
    trained = None
    for (_, kind, key, _, _), result in zip(jobs, results):
        if kind == "flow":
            flows[str(key[0])][str(key[1])] = result
        elif kind == "graph":
            pictures[str(key[0])][str(key[1])] = result
        else:
            trained = result
    data = {
        "grid": {
            "cells": list(CELLS),
            "steps": steps,
            "forget_biases": [bias_key(b) for b in forget_biases],
            "hidden_sizes": hidden_sizes,
            "graph_steps": graph_steps,
        },
        "defaults": {
            "cell": "lstm",
            "steps": DEFAULT_STEPS if DEFAULT_STEPS in steps else steps[len(steps) // 2],
            "forget_bias": bias_key(DEFAULT_FORGET_BIAS if DEFAULT_FORGET_BIAS in forget_biases else forget_biases[0]),
            "hidden_size": DEFAULT_HIDDEN if DEFAULT_HIDDEN in hidden_sizes else hidden_sizes[-1],
        },
        "seed": seed,
        "batch": batch,
        "dtype": "float64",
        "float32_smallest_normal_log10": round(math.log10(FLOAT32_SMALLEST_NORMAL), 3),
        "flows": flows,
        "graphs": pictures,
        "graphs_note": None if draw_graphs or not graphs else "Graphviz's dot program was not installed",
        "trained": None
        if trained is None
        else {"steps": TRAIN_LENGTH, "hidden_size": train_hidden, "train_steps": train_steps, "models": trained},
        "versions": _versions(draw_graphs),
        "command": _command(seed, train_steps, default_grid),
    }
    data["seconds"] = round(time.perf_counter() - started, 1)
    data["cpu_seconds"] = round(cpu_seconds, 1)
    return Explorer(_page(data), data, data["seconds"])


def _run(jobs: list, workers: int | None, progress: Callable[[str], None] | None) -> list[Any]:
    """Runs the jobs, in worker processes when there are several CPUs; the results in the order of ``jobs``."""
    workers = workers or min(2, os.cpu_count() or 1)
    done = 0

    def report() -> None:
        if progress is not None and (done % 20 == 0 or done == len(jobs)):
            progress(f"explore: {done} of {len(jobs)} settings computed")

    if workers == 1 or len(jobs) == 1:
        dtype = tg.get_default_dtype()
        tg.set_default_dtype("float64")
        try:
            results = []
            for _, _, _, function, arguments in jobs:
                results.append(_timed(function, *arguments))
                done += 1
                report()
            return results
        finally:
            tg.set_default_dtype(dtype)  # the caller's default comes back
    method = "fork" if "fork" in _start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method), initializer=_setup_worker) as pool:
        futures = [pool.submit(_timed, function, *arguments) for _, _, _, function, arguments in jobs]
        results = []
        for future in futures:
            results.append(future.result())
            done += 1
            report()
    return results


def _start_methods() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods()


def _page(data: dict[str, Any]) -> str:
    """The HTML document: the template with the data as JSON (``</`` escaped so it cannot end the script)."""
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return PAGE.replace("/*DATA*/", payload)
