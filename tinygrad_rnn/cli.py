"""The ``tinygrad-rnn`` command: pictures of the unrolled graph and of the gradient flow.

::

    tinygrad-rnn graph --cell lstm --steps 10 --detail op --grad -o lstm.svg
    tinygrad-rnn compare --steps 20 -o compare.svg
    tinygrad-rnn flow --steps 100 --train-steps 300 -o flow.png --json flow.json
    tinygrad-rnn explore -o flow.html

Bad arguments print one line and exit with status 2, before any work; so
does a graph too large for ``dot`` to lay out in reasonable time (the
message says what to change). An output file that cannot be written (a
missing folder, no permission), a missing Graphviz ``dot`` program or a
failed rendering print one line and exit with status 1; when rendering
fails, the DOT source is written beside the requested file and the message
says how to render it.

``flow --json`` is always valid JSON: a norm that is not finite, or that
fell below float32's smallest normal number (the gradient underflowed, as it
does over thousands of steps), is written as ``null``, never as a number.
The printed table says "underflow" for such a model instead of a ratio.

>>> main(["graph", "--cell", "gru", "--steps", "2", "-o", "/dev/null.txt"])
Traceback (most recent call last):
...
SystemExit: 2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .atomic import write_bytes
from .threads import set_num_threads

GRAPH_SUFFIXES = (".svg", ".png", ".pdf", ".dot")
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
MAX_STEPS = 10_000
MAX_TRAIN_STEPS = 10_000  # about 25 minutes at the default sizes: anything longer is better run as a script
MAX_SIZE = 4096  # hidden units and batch: beyond this, one step takes longer than a class can wait
MAX_THREADS = 256
MAX_SEED = 2**63 - 1
# dot's layout time grows faster than the number of edges: about 10 s for 2,000 edges in op detail,
# 30 s for 4,000; cell detail lays out about twice as many in the same time. Edges per time step, measured:
EDGES_PER_STEP = {"op": {"rnn": 7, "lstm": 20, "gru": 27}, "cell": {"rnn": 3, "lstm": 3, "gru": 3}}
MAX_EDGES = {"op": 3_000, "cell": 6_000}
# the smallest normal number of each float dtype: a norm below it has lost its precision (or is 0)
SMALLEST_NORMAL = {"float32": 2.0**-126, "float64": 2.0**-1022}


def _whole(name: str, minimum: int, limit: int | None = None) -> Any:
    """An argparse type: a whole number from ``minimum`` to ``limit``, or a message naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < minimum:
            wanted = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
            raise argparse.ArgumentTypeError(f"{name} {wanted}, got {value}")
        if limit is not None and value > limit:
            raise argparse.ArgumentTypeError(f"{name} must be at most {limit}, got {value}")
        return value

    return parse


def _positive(name: str, limit: int | None = None) -> Any:
    return _whole(name, 1, limit)


def _count(name: str, limit: int | None = None) -> Any:
    return _whole(name, 0, limit)


def _lengths(text: str) -> list[int]:
    """``--lengths 10,4``: positive whole numbers, one per sequence of a packed batch."""
    return [_positive("--lengths", MAX_STEPS)(part.strip()) for part in text.split(",")]


def _finite(name: str) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{name} must be a finite number, got {text!r}")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    """argparse, with errors on one line: "tinygrad-rnn graph: error: ... (see --help)", status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _output(suffixes: tuple[str, ...]) -> Any:
    def parse(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"output file {text!r} must end in {', '.join(suffixes)}")
        return path

    return parse


def _common(p: argparse.ArgumentParser, steps: int, hidden: int) -> None:
    p.add_argument(
        "--steps",
        type=_positive("--steps", MAX_STEPS),
        default=steps,
        help=f"sequence length T (default {steps}, at most {MAX_STEPS})",
    )
    p.add_argument(
        "--hidden-size",
        type=_positive("--hidden-size", MAX_SIZE),
        default=hidden,
        help=f"hidden units H (default {hidden}, at most {MAX_SIZE})",
    )
    p.add_argument(
        "--forget-bias",
        type=_finite("--forget-bias"),
        default=1.0,
        help="the LSTM's forget-gate bias (default 1.0, as Jozefowicz et al. 2015 recommend; PyTorch's "
        "initialisation is 0, where f_t ≈ 0.5 keeps the cell state's conveyor belt mostly closed)",
    )
    p.add_argument(
        "--seed",
        type=_count("--seed", MAX_SEED),
        default=0,
        help="seed for weights, data and the loss projection (default 0; 0 to 2**63 - 1)",
    )
    p.add_argument(
        "--threads",
        type=_positive("--threads", MAX_THREADS),
        default=1,
        help="BLAS threads (default 1: fastest for these sizes)",
    )


def _scale_min(text: str) -> float:
    """``--scale-min 1e-10``: the bottom of a fixed colour scale that ends at 1."""
    value = _finite("--scale-min")(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"--scale-min must be between 0 and 1 (e.g. 1e-10), got {text!r}")
    return value


def _scale_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scale-min",
        type=_scale_min,
        metavar="NORM",
        help="a fixed colour scale from NORM (e.g. 1e-10) up to 1, the same in every picture drawn with it, "
        "so colours compare across pictures (default: a scale spanning this picture's gradients)",
    )


def _lengths_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lengths",
        type=_lengths,
        metavar="L1,L2,...",
        help="a packed batch, one sequence per length (each at most --steps): a sequence that ends early "
        "leaves the picture at its own last step",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-rnn``, with one subcommand per picture."""
    parser = _Parser(
        prog="tinygrad-rnn",
        description="Pictures of recurrent networks: the unrolled graph with the gradient along every edge, "
        "and gradient norms over time for the tanh RNN, the LSTM and the GRU.",
        epilog="Every run is seeded: the same command draws the same picture. Graph pictures need Graphviz's "
        "'dot' program (apt-get install graphviz, brew install graphviz, or conda install graphviz).",
    )
    sub = parser.add_subparsers(dest="command", metavar="{graph,compare,flow,explore}")
    sub.required = True

    graph = sub.add_parser(
        "graph",
        help="draw the unrolled graph of one cell",
        description="Draw the graph one recurrent layer records over T steps; the loss is a random "
        "projection of h_T. With --grad, every edge carries the norm of the gradient that flowed along it.",
    )
    graph.add_argument("--cell", choices=("rnn", "lstm", "gru"), required=True, help="which cell (rnn: tanh RNN)")
    _common(graph, steps=10, hidden=8)
    _lengths_option(graph)
    _scale_option(graph)
    graph.add_argument(
        "--detail", choices=("op", "cell"), default="op", help="op: every primitive; cell: one box per step"
    )
    graph.add_argument("--grad", action="store_true", help="label edges with the gradient norms of a backward pass")
    graph.add_argument("--shapes", action="store_true", help="write each op's output shape (op detail)")
    graph.add_argument(
        "--wrap", type=_positive("--wrap", MAX_STEPS), help="cell detail: steps per row (default 20 past 30 steps)"
    )
    graph.add_argument("-o", "--output", type=_output(GRAPH_SUFFIXES), required=True, help="file: .svg .png .pdf .dot")

    compare = sub.add_parser(
        "compare",
        help="tanh RNN, LSTM and GRU side by side, one colour scale",
        description="The tanh RNN, the LSTM and the GRU on the same input and loss, drawn one under another "
        "with their time steps aligned, every edge coloured by its gradient norm on one shared scale.",
    )
    _common(compare, steps=20, hidden=8)
    _lengths_option(compare)
    _scale_option(compare)
    compare.add_argument("--detail", choices=("op", "cell"), default="cell", help="cell (default) or op")
    compare.add_argument("--wrap", type=_positive("--wrap", MAX_STEPS), help="steps per row (default 20 past 30 steps)")
    compare.add_argument(
        "-o", "--output", type=_output(GRAPH_SUFFIXES), required=True, help="file: .svg .png .pdf .dot"
    )

    flow = sub.add_parser(
        "flow",
        help="plot ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) over time",
        description="Measure how much gradient reaches each step from a loss at the last step, for the tanh RNN, "
        "the GRU and the LSTM at forget bias 0, 1, 3 and --forget-bias, and plot it (log scale).",
    )
    _common(flow, steps=50, hidden=64)
    flow.add_argument(
        "--train-steps",
        type=_count("--train-steps", MAX_TRAIN_STEPS),
        default=0,
        help="first measure, then train each model K steps on the adding problem and measure again "
        f"(default 0, at most {MAX_TRAIN_STEPS})",
    )
    flow.add_argument(
        "--batch",
        type=_positive("--batch", MAX_SIZE),
        default=16,
        help=f"sequences measured at once (default 16, at most {MAX_SIZE})",
    )
    flow.add_argument("-o", "--output", type=_output(PLOT_SUFFIXES), required=True, help="plot file: .png .svg .pdf")
    flow.add_argument(
        "--json",
        type=_output((".json",)),
        help="also write the norms as JSON (null where a norm is not finite or underflowed float32)",
    )
    _explore_parser(sub)
    return parser


def _explore_parser(sub: Any) -> None:
    from .viz.explore import TRAIN_STEPS

    explore = sub.add_parser(
        "explore",
        help="write an interactive page of the gradient flow (one self-contained HTML file)",
        description="Compute the gradient flow of the tanh RNN, the LSTM and the GRU over a grid of forget biases, "
        "sequence lengths and hidden sizes (about two minutes on two cores) and write one HTML page with controls "
        "to move through it: no network needed to view it.",
    )
    explore.add_argument(
        "--seed", type=_count("--seed", MAX_SEED), default=0, help="seed, as for flow (default 0; 0 to 2**63 - 1)"
    )
    explore.add_argument(
        "--train-steps",
        type=_count("--train-steps", 1_000),
        default=TRAIN_STEPS,
        help=f"training steps for the before-and-after view (default {TRAIN_STEPS}, at most 1000; 0: none)",
    )
    explore.add_argument(
        "--workers", type=_positive("--workers", MAX_THREADS), default=2, help="processes to compute in (default 2)"
    )
    explore.add_argument("-o", "--output", type=_output((".html",)), required=True, help="page file: .html")


def _explore(args: argparse.Namespace) -> int:
    from .viz.explore import explore

    page = explore(
        seed=args.seed,
        train_steps=args.train_steps,
        workers=args.workers,
        progress=lambda text: print(text, file=sys.stderr, flush=True),
    )
    try:
        page.save(args.output)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error}")
    print(f"wrote {args.output} ({len(page.html.encode()) / 1e6:.1f} MB, made in {page.seconds:.0f} s)")
    return 0


def _graph(args: argparse.Namespace) -> Any:
    from . import viz
    from .study import unroll

    trace = unroll(
        args.cell,
        args.steps,
        hidden_size=args.hidden_size,
        forget_bias=args.forget_bias,
        seed=args.seed,
        lengths=args.lengths,
    )
    if not args.grad:
        trace.grads = None
    return viz.draw(trace, args.detail, shapes=args.shapes, wrap=args.wrap, scale=args.scale_min)


def _compare(args: argparse.Namespace) -> Any:
    from . import viz
    from .study import unroll

    traces = [
        unroll(
            cell,
            args.steps,
            hidden_size=args.hidden_size,
            forget_bias=args.forget_bias,
            seed=args.seed,
            lengths=args.lengths,
        )
        for cell in ("rnn", "lstm", "gru")
    ]
    return viz.compare(traces, args.detail, wrap=args.wrap, scale=args.scale_min)


def _flow(args: argparse.Namespace) -> None:
    from .study.flow import DEFAULT_BIASES, flow_study
    from .viz.flow_plot import plot

    def report(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.train_steps:
        report(f"training 5 models for {args.train_steps} steps each on the adding problem (T = {args.steps}) ...")
    study = flow_study(
        args.steps,
        hidden_size=args.hidden_size,
        forget_bias=args.forget_bias,
        forget_biases=DEFAULT_BIASES,
        batch=args.batch,
        seed=args.seed,
        train_steps=args.train_steps,
        progress=report,
    )
    plot(study, args.output)
    print(f"log10 ‖∂L/∂s_1‖ / ‖∂L/∂s_T‖ at T = {args.steps} (s = h, or c for the LSTM):")
    underflow = False
    for key, flow in study.before.items():
        if key == "lstm" and args.forget_bias in DEFAULT_BIASES:
            continue  # the same model as one of the lstm@b rows
        state = "h" if flow.c is None else "c"
        line = f"  {flow.label:<22} {state}  {_ratio_text(flow)}"
        underflow |= "underflow" in line
        if study.after:
            line += f"   trained: {_ratio_text(study.after[key])} (MSE {study.mse[key]:.3f})"
            underflow |= "underflow" in line
        print(line)
    if underflow:
        print(
            "  underflow: the norm fell below float32's smallest normal number (1.2e-38) at the steps named, "
            "so the ratio is not a measurement: the gradient vanished beyond what float32 can show"
        )
    print(f"wrote {args.output}")
    if args.json:
        write_bytes(args.json, json.dumps(_json_safe(study), indent=1, allow_nan=False).encode("utf-8"), "--json")
        print(f"wrote {args.json}")


def _computed_in() -> str:
    """The dtype the study computed in: the default float dtype (the norms come back as float64 arrays)."""
    from .dtypes import get_default_dtype

    return get_default_dtype().name


def _smallest_normal() -> float:
    return SMALLEST_NORMAL.get(_computed_in(), 0.0)


def _ratio_text(flow: Any) -> str:
    """log10 ‖∂L/∂s_1‖ / ‖∂L/∂s_T‖ of the carried state, or why it is not a measurement."""
    values = [float(v) for v in flow.carried]
    if not all(math.isfinite(v) for v in values):
        return "not finite (NaN or inf)"
    tiny = _smallest_normal()
    low = [t for t, v in enumerate(values, start=1) if v < tiny]
    if low:
        return f"underflow for t <= {max(low)}"
    return f"{math.log10(values[0] / values[-1]):+7.2f}"


def _json_safe(study: Any) -> dict[str, Any]:
    """``study.to_json()`` with every norm that is not a measurement (not finite, underflowed) as null."""
    tiny = _smallest_normal()

    def clean(value: Any, norms: bool) -> Any:
        if isinstance(value, dict):
            return {k: clean(v, k in ("h", "c")) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v, norms) for v in value]
        if isinstance(value, float) and (not math.isfinite(value) or (norms and value < tiny)):
            return None
        return value

    out = clean(study.to_json(), False)
    out["dtype"] = _computed_in()
    out["null"] = (
        f"a norm written as null is not a measurement: not finite, or below {out['dtype']}'s smallest normal "
        f"number ({tiny:.3g}), where the gradient underflowed"
    )
    return out


def _too_large(args: argparse.Namespace) -> str | None:
    """Why ``dot`` would take minutes on this picture, or None; a .dot file is always written."""
    if args.command in ("flow", "explore") or args.output.suffix.lower() == ".dot":
        return None
    cells = ("rnn", "lstm", "gru") if args.command == "compare" else (args.cell,)
    per_step = sum(EDGES_PER_STEP[args.detail][cell] for cell in cells)
    edges, limit = per_step * args.steps, MAX_EDGES[args.detail]
    if edges <= limit:
        return None
    hint = "--detail cell (one box per step, --wrap N steps per row)" if args.detail == "op" else "fewer --steps"
    return (
        f"--steps {args.steps} with --detail {args.detail} draws about {edges:,} edges, more than Graphviz's dot "
        f"lays out in reasonable time (up to {limit:,}: --steps {max(1, limit // per_step)} here); use {hint}, "
        f"or write the source with -o FILE.dot and render it yourself"
    )


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written, checked before the work starts, or None."""
    folder = path.parent
    if not folder.exists():
        return f"cannot write {path}: the folder {folder} does not exist (create it first)"
    if not folder.is_dir():
        return f"cannot write {path}: {folder} is not a folder"
    if path.is_dir():
        return f"cannot write {path}: it is a folder; give a file name"
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"cannot write {path}: no permission to write there"
    return None


def _fail(message: str) -> int:
    print(f"tinygrad-rnn: error: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Runs ``tinygrad-rnn`` with ``argv`` (default: the command line); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    lengths = getattr(args, "lengths", None)
    if lengths and max(lengths) > args.steps:
        parser.exit(
            2,
            f"tinygrad-rnn {args.command}: error: --lengths must be at most --steps ({args.steps}), "
            f"got {max(lengths)}\n",
        )
    too_large = _too_large(args)
    if too_large:
        parser.exit(2, f"tinygrad-rnn {args.command}: error: {too_large}\n")
    outputs = [args.output] + ([args.json] if getattr(args, "json", None) else [])
    for path in outputs:
        problem = _unwritable(path)
        if problem:
            return _fail(problem)
    if args.command == "explore":
        return _explore(args)
    set_num_threads(args.threads)
    if args.command == "flow":
        try:
            _flow(args)
        except OSError as error:  # disk full, permissions changed while we worked
            return _fail(f"cannot write the output: {error}")
        return 0
    try:
        import graphviz  # noqa: F401
    except ImportError:
        parser.error("drawing needs the graphviz Python package: pip install 'tinygrad_rnn[viz]'")
    from .viz.render import GraphvizNotFoundError, save

    picture = _graph(args) if args.command == "graph" else _compare(args)
    try:
        save(picture, args.output)
    except GraphvizNotFoundError as error:
        return _fail(str(error))
    except subprocess.CalledProcessError as error:  # dot itself gave up (too large, out of memory, killed)
        source = args.output.with_suffix(".dot")
        write_bytes(source, picture.source.encode("utf-8"), "save")
        why = (error.stderr or b"").decode(errors="replace").strip().splitlines() or [f"exit status {error.returncode}"]
        fmt = args.output.suffix.lower().lstrip(".")
        return _fail(
            f"dot could not render {args.output} ({why[-1]}); the DOT source is in {source}: render it with "
            f"dot -T{fmt} {source} -o {args.output}, or draw less (--detail cell, --wrap N, fewer --steps)"
        )
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
