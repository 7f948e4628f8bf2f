"""The ``tinygrad-rnn`` command: pictures of the unrolled graph and of the gradient flow.

::

    tinygrad-rnn graph --cell lstm --steps 10 --detail op --grad -o lstm.svg
    tinygrad-rnn compare --steps 20 -o compare.svg
    tinygrad-rnn flow --steps 100 --train-steps 300 -o flow.png --json flow.json

Bad arguments print a message and exit with status 2; a missing Graphviz
``dot`` program exits with status 1 after writing the DOT source.

>>> main(["graph", "--cell", "gru", "--steps", "2", "-o", "/dev/null.txt"])
Traceback (most recent call last):
...
SystemExit: 2
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .backend import set_num_threads

GRAPH_SUFFIXES = (".svg", ".png", ".pdf", ".dot")
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def _positive(name: str, limit: int | None = None) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1, got {value}")
        if limit is not None and value > limit:
            raise argparse.ArgumentTypeError(f"{name} must be at most {limit}, got {value}")
        return value

    return parse


def _count(name: str) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{name} must not be negative, got {value}")
        return value

    return parse


def _output(suffixes: tuple[str, ...]) -> Any:
    def parse(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"output file {text!r} must end in {', '.join(suffixes)}")
        return path

    return parse


def _common(p: argparse.ArgumentParser, steps: int, hidden: int) -> None:
    p.add_argument(
        "--steps", type=_positive("--steps", 10_000), default=steps, help=f"sequence length T (default {steps})"
    )
    p.add_argument(
        "--hidden-size", type=_positive("--hidden-size"), default=hidden, help=f"hidden units H (default {hidden})"
    )
    p.add_argument(
        "--forget-bias",
        type=float,
        default=1.0,
        help="the LSTM's forget-gate bias (default 1.0, as Jozefowicz et al. 2015 recommend; PyTorch's "
        "initialisation is 0, which halves the cell state's gradient at every step)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for weights, data and the loss projection (default 0)")
    p.add_argument(
        "--threads", type=_positive("--threads"), default=1, help="BLAS threads (default 1: fastest for these sizes)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-rnn``, with one subcommand per picture."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-rnn",
        description="Pictures of recurrent networks: the unrolled graph with the gradient along every edge, "
        "and gradient norms over time for the tanh RNN, the LSTM and the GRU.",
        epilog="Every run is seeded: the same command draws the same picture. Graph pictures need Graphviz's "
        "'dot' program (apt-get install graphviz, brew install graphviz, or conda install graphviz).",
    )
    sub = parser.add_subparsers(dest="command", metavar="{graph,compare,flow}")
    sub.required = True

    graph = sub.add_parser(
        "graph",
        help="draw the unrolled graph of one cell",
        description="Draw the graph one recurrent layer records over T steps; the loss is a random "
        "projection of h_T. With --grad, every edge carries the norm of the gradient that flowed along it.",
    )
    graph.add_argument("--cell", choices=("rnn", "lstm", "gru"), required=True, help="which cell (rnn: tanh RNN)")
    _common(graph, steps=10, hidden=8)
    graph.add_argument(
        "--detail", choices=("op", "cell"), default="op", help="op: every primitive; cell: one box per step"
    )
    graph.add_argument("--grad", action="store_true", help="label edges with the gradient norms of a backward pass")
    graph.add_argument("--shapes", action="store_true", help="write each op's output shape (op detail)")
    graph.add_argument("--wrap", type=_positive("--wrap"), help="cell detail: steps per row (default 20 past 30 steps)")
    graph.add_argument("-o", "--output", type=_output(GRAPH_SUFFIXES), required=True, help="file: .svg .png .pdf .dot")

    compare = sub.add_parser(
        "compare",
        help="tanh RNN, LSTM and GRU side by side, one colour scale",
        description="The tanh RNN, the LSTM and the GRU on the same input and loss, drawn one under another "
        "with their time steps aligned, every edge coloured by its gradient norm on one shared scale.",
    )
    _common(compare, steps=20, hidden=8)
    compare.add_argument("--detail", choices=("op", "cell"), default="cell", help="cell (default) or op")
    compare.add_argument("--wrap", type=_positive("--wrap"), help="steps per row (default 20 past 30 steps)")
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
        type=_count("--train-steps"),
        default=0,
        help="first measure, then train each model K steps on the adding problem and measure again (default 0)",
    )
    flow.add_argument("--batch", type=_positive("--batch"), default=16, help="sequences measured at once (default 16)")
    flow.add_argument("-o", "--output", type=_output(PLOT_SUFFIXES), required=True, help="plot file: .png .svg .pdf")
    flow.add_argument("--json", type=_output((".json",)), help="also write the norms as JSON")
    return parser


def _graph(args: argparse.Namespace) -> Any:
    from . import viz
    from .viz.experiment import unroll

    trace = unroll(args.cell, args.steps, hidden_size=args.hidden_size, forget_bias=args.forget_bias, seed=args.seed)
    if not args.grad:
        trace.grads = None
    return viz.draw(trace, args.detail, shapes=args.shapes, wrap=args.wrap)


def _compare(args: argparse.Namespace) -> Any:
    from . import viz
    from .viz.experiment import unroll

    traces = [
        unroll(cell, args.steps, hidden_size=args.hidden_size, forget_bias=args.forget_bias, seed=args.seed)
        for cell in ("rnn", "lstm", "gru")
    ]
    return viz.compare(traces, args.detail, wrap=args.wrap)


def _flow(args: argparse.Namespace) -> None:
    from .viz.flow import DEFAULT_BIASES, flow_study, plot

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
    args.output.parent.mkdir(parents=True, exist_ok=True)
    plot(study, args.output)
    print(f"log10 ‖∂L/∂s_1‖ / ‖∂L/∂s_T‖ at T = {args.steps} (s = h, or c for the LSTM):")
    for row in study.table():
        if row["model"] == "lstm" and args.forget_bias in DEFAULT_BIASES:
            continue  # the same model as one of the lstm@b rows
        trained = (
            f"   trained: {row['log10_ratio_trained']:+7.2f} (MSE {row['mse_trained']:.3f})" if study.after else ""
        )
        print(f"  {row['label']:<22} {row['state']}  {row['log10_ratio']:+7.2f}{trained}")
    print(f"wrote {args.output}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(study.to_json(), indent=1))
        print(f"wrote {args.json}")


def main(argv: list[str] | None = None) -> int:
    """Runs ``tinygrad-rnn`` with ``argv`` (default: the command line); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    set_num_threads(args.threads)
    if args.command == "flow":
        _flow(args)
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
        print(f"tinygrad-rnn: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
