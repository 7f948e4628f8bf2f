"""What every demo shares: the command line (--device, --seed, --out, --quick, --threads), the output folder,
progress bars, plotting without a display, and writing tables.

A demo starts with::

    parser = demo_parser(__doc__, "adding_problem")
    parser.add_argument(...)          # its own options
    args = parser.parse_args()
    out = setup(args, parser)         # seeds, device, output folder
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

import tinygrad_rnn as tg


def demo_parser(doc: str | None, name: str) -> argparse.ArgumentParser:
    """An argument parser with the options every demo takes; the demo adds its own."""
    first, _, rest = (doc or name).strip().partition("\n")
    parser = argparse.ArgumentParser(
        prog=f"{name}.py",
        description=first,
        epilog=rest.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--device", default="cpu", help="where tensors live: cpu or cuda (needs CuPy); default cpu")
    parser.add_argument("--seed", type=int, default=0, help="random seed for data and weights (default 0)")
    parser.add_argument("--out", type=Path, default=Path("out") / name, help=f"output folder (default out/{name})")
    parser.add_argument("--quick", action="store_true", help="a tiny run that finishes in seconds (used by the tests)")
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS threads (default 1: fastest for these small matrices)"
    )
    return parser


def setup(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Path:
    """Seeds every random source, moves new tensors to ``--device``, limits BLAS threads, creates the output folder."""
    try:
        tg.set_default_device(args.device)
        # a second BLAS thread rarely pays on matrices this small, and on a busy machine it waits for a core
        tg.set_num_threads(args.threads)
    except (RuntimeError, ValueError) as error:  # no CuPy, no GPU, a misspelt device, or --threads 0
        parser.error(str(error))
    tg.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    return args.out


def rng(seed: int) -> np.random.Generator:
    """The NumPy generator a demo draws its data from (data stays reproducible on any device)."""
    return np.random.default_rng(seed)


def progress(iterable: Iterable[Any], desc: str, total: int | None = None, **kwargs: Any) -> Iterator[Any]:
    """A tqdm progress bar that does not linger in logs: one line per task, cleared unless it finished."""
    return tqdm(iterable, desc=desc, total=total, dynamic_ncols=True, mininterval=0.5, **kwargs)


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, which draws to files and needs no display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of dicts as CSV with a header taken from the first row."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_json(path: Path, data: Any) -> None:
    """Indented JSON; NaN and infinity become null so any JSON reader can read the file."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    path.write_text(json.dumps(clean(data), indent=2) + "\n")


class Stopwatch:
    """Seconds since creation: ``watch()``."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start
