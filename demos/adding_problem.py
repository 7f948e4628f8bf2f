"""The adding problem (Hochreiter & Schmidhuber, 1997): tanh RNN, LSTM and GRU on the same data.

The variant run here, a common modern one: each input
sequence has two channels, values drawn uniformly from [0, 1] and a marker
channel that is 0 except for two 1s, one in each half of the sequence. The
target is the sum of the two marked values. Guessing the constant 1.0 scores a
mean squared error of Var(U + U) = 1/6 ≈ 0.167, so a model below that line has
learned something, and one well below 0.05 has learned to add. To do so it must
carry the first marked value across about T/2 steps: the LSTM's cell state and
the GRU's update path can, while the tanh RNN's gradient fades on the way back
and it stays near the baseline.

Hochreiter & Schmidhuber's original setup differs: values in [−1, 1], the first
marker within the first 10 steps (the second in the first half), and the target
0.5 + (X1 + X2) / 4, which lies in [0, 1].

Outputs: curves.csv (test MSE against steps), results.csv and results.json
(the table), adding_problem.png (the plot, with the baseline drawn in).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from _common import Stopwatch, demo_parser, progress, pyplot, rng, setup, write_csv, write_json

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

BASELINE = 1.0 / 6.0  # MSE of the constant guess 1.0: the variance of a sum of two U[0, 1]
SOLVED = 0.05  # "well below" the baseline: the model adds
MODELS = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}
VARIANT = {  # which adding problem this is: not Hochreiter & Schmidhuber's original (see the docstring)
    "values": "U[0, 1]",
    "markers": "one in each half",
    "target": "X1 + X2",
    "original": "values in [-1, 1], first marker in the first 10 steps, target 0.5 + (X1 + X2)/4",
}


def adding_batch(gen: np.random.Generator, n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of shape (length, 2) and their targets, shape (n, 1).

    One marker falls in the first half of the sequence and one in the second,
    so the first marked value must be remembered for about length/2 steps.
    """
    values = gen.random((n, length)).astype(np.float32)
    markers = np.zeros((n, length), dtype=np.float32)
    half = length // 2
    rows = np.arange(n)
    markers[rows, gen.integers(0, half, n)] = 1.0
    markers[rows, gen.integers(half, length, n)] = 1.0
    x = np.stack([values, markers], axis=2)
    y = (values * markers).sum(axis=1, keepdims=True)
    return x, y


class Adder(tg.nn.Module):
    """A recurrent layer reads the sequence; a linear head reads its last hidden state."""

    def __init__(self, kind: str, hidden: int, forget_bias: float):
        super().__init__()
        if kind == "lstm":
            self.rnn = tg.nn.LSTM(2, hidden, batch_first=True, forget_bias=forget_bias)
        elif kind == "gru":
            self.rnn = tg.nn.GRU(2, hidden, batch_first=True)
        else:
            self.rnn = tg.nn.RNN(2, hidden, nonlinearity="tanh", batch_first=True)
        self.head = tg.nn.Linear(hidden, 1)

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        output, _ = self.rnn(x)
        return self.head(output[:, -1])


def test_mse(model: Adder, x: tg.Tensor, y: tg.Tensor, chunk: int = 500) -> float:
    """Mean squared error on the fixed test set, in chunks to bound memory."""
    total = 0.0
    with tg.no_grad():
        for start in range(0, x.shape[0], chunk):
            stop = min(start + chunk, x.shape[0])
            total += F.mse_loss(model(x[start:stop]), y[start:stop], reduction="sum").item()
    return total / x.shape[0]


def train(kind: str, args: argparse.Namespace, test: tuple[tg.Tensor, tg.Tensor]) -> dict[str, Any]:
    """Trains one model and returns its curve and summary."""
    tg.manual_seed(args.seed)  # same initial draw order for every model
    gen = rng(args.seed + 1)  # and the very same training batches
    model = Adder(kind, args.hidden, args.forget_bias)
    params = list(model.parameters())
    opt = tg.optim.Adam(params, lr=args.lr)
    curve = [(0, test_mse(model, *test))]
    watch = Stopwatch()
    bar = progress(range(1, args.steps + 1), desc=f"{MODELS[kind]:>8}")
    for step in bar:
        x, y = adding_batch(gen, args.batch, args.length)
        loss = F.mse_loss(model(tg.Tensor(x)), tg.Tensor(y))
        opt.zero_grad()
        loss.backward()
        tg.nn.utils.clip_grad_norm_(params, args.clip)
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            curve.append((step, test_mse(model, *test)))
            bar.set_postfix(train=f"{loss.item():.4f}", test=f"{curve[-1][1]:.4f}")
    seconds = watch()
    solved_at = next((s for s, m in curve if m < SOLVED), None)
    return {
        "model": MODELS[kind],
        "final_test_mse": curve[-1][1],
        "best_test_mse": min(m for _, m in curve),
        "first_step_below_0.05": solved_at,
        "seconds": round(seconds, 1),
        "ms_per_step": round(1000 * seconds / args.steps, 1),
        "parameters": sum(p.numel() for p in params),
        "curve": curve,
    }


def plot(results: list[dict[str, Any]], args: argparse.Namespace, path: Path) -> None:
    """Test MSE against training steps, log scale, with the constant-guess baseline."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in results:
        steps, mse = zip(*r["curve"])
        ax.plot(steps, mse, label=r["model"], linewidth=1.8)
    ax.axhline(BASELINE, color="grey", linestyle="--", label="guess 1.0 (MSE 0.167)")
    ax.axhline(SOLVED, color="grey", linestyle=":", linewidth=1, label="0.05")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("test MSE")
    ax.set_title(f"Adding problem, T = {args.length}, hidden {args.hidden}, batch {args.batch}")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = demo_parser(__doc__, "adding_problem")
    parser.add_argument("--length", type=int, default=100, help="sequence length T (default 100)")
    parser.add_argument("--steps", type=int, default=3000, help="training steps per model (default 3000)")
    parser.add_argument("--batch", type=int, default=32, help="sequences per step (default 32)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units (default 32)")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (default 1e-2)")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (default 1.0)")
    parser.add_argument("--forget-bias", type=float, default=0.0, help="LSTM forget-gate bias at start (default 0)")
    parser.add_argument("--test-size", type=int, default=1000, help="held-out sequences (default 1000)")
    parser.add_argument("--eval-every", type=int, default=50, help="steps between test evaluations (default 50)")
    parser.add_argument(
        "--models", default="rnn,lstm,gru", help="comma-separated subset of rnn,lstm,gru (default all three)"
    )
    args = parser.parse_args()
    if args.quick:
        args.length, args.steps, args.hidden, args.test_size, args.eval_every = 12, 30, 8, 200, 10
    kinds = [k.strip() for k in args.models.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(MODELS))
    if unknown or not kinds:
        parser.error(f"--models: expected names from rnn, lstm, gru, got {args.models!r}")
    if args.length < 2:
        parser.error(f"--length must be at least 2 (one marker in each half), got {args.length}")
    out = setup(args, parser)

    x_test, y_test = adding_batch(rng(args.seed + 1000), args.test_size, args.length)
    test = (tg.Tensor(x_test), tg.Tensor(y_test))
    print(
        f"Adding problem, T = {args.length} (values U[0, 1], one marker in each half, target = their sum; "
        f"Hochreiter & Schmidhuber's original: values in [−1, 1], first marker in the first 10 steps, "
        f"target 0.5 + (X1 + X2)/4): constant guess 1.0 scores MSE 1/6 = {BASELINE:.3f}; solved means < {SOLVED}"
    )
    results = [train(kind, args, test) for kind in kinds]

    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    write_json(
        out / "results.json",
        {"settings": settings, "variant": VARIANT, "baseline_mse": BASELINE, "results": results},
    )
    write_csv(out / "results.csv", [{k: v for k, v in r.items() if k != "curve"} for r in results])
    write_csv(
        out / "curves.csv", [{"model": r["model"], "step": s, "test_mse": m} for r in results for s, m in r["curve"]]
    )
    plot(results, args, out / "adding_problem.png")

    print(f"\n{'model':>8}  {'final MSE':>9}  {'best MSE':>9}  {'< 0.05 at':>9}  {'seconds':>7}  {'ms/step':>7}")
    for r in results:
        at = r["first_step_below_0.05"]
        print(
            f"{r['model']:>8}  {r['final_test_mse']:9.4f}  {r['best_test_mse']:9.4f}  "
            f"{'never' if at is None else at:>9}  {r['seconds']:7.1f}  {r['ms_per_step']:7.1f}"
        )
    print(f"\nWrote {out / 'results.csv'}, {out / 'curves.csv'}, {out / 'results.json'}, {out / 'adding_problem.png'}")


if __name__ == "__main__":
    main()
