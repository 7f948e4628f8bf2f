"""The first lesson: a small recurrent network learns to predict the next value of a noisy sine wave.

Each training sequence is a sine with a random phase plus Gaussian noise. At
every time step the network reads the current value and predicts the next
one (many-to-many regression with a mean squared error). Because the noise
cannot be predicted, the best possible error against the noisy values is the
noise variance (--noise squared); "repeat the last value" is the baseline to
beat.

Then two tests on a held-out wave:
1. one step ahead: the network always reads the true (noisy) value;
2. free running: after a warm-up it reads its own previous prediction, and
   must carry the wave on from its hidden state alone.

Outputs: sine_wave.png (prediction against truth, both tests) and results.json.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
from _common import Stopwatch, demo_parser, progress, pyplot, rng, setup, write_json

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

LAYERS = {"rnn": tg.nn.RNN, "lstm": tg.nn.LSTM, "gru": tg.nn.GRU}


def waves(gen: np.random.Generator, n: int, length: int, period: float, noise: float) -> tuple[np.ndarray, ...]:
    """``n`` sine waves with random phases, shape (n, length): clean and noisy."""
    t = np.arange(length)
    phase = gen.uniform(0, 2 * math.pi, (n, 1))
    clean = np.sin(2 * math.pi * t / period + phase)
    noisy = clean + noise * gen.standard_normal((n, length))
    return clean.astype(np.float32), noisy.astype(np.float32)


class NextValue(tg.nn.Module):
    """A recurrent layer over the values, a linear head predicting the next value at every step."""

    def __init__(self, kind: str, hidden: int):
        super().__init__()
        self.rnn = LAYERS[kind](1, hidden, batch_first=True)
        self.head = tg.nn.Linear(hidden, 1)

    def forward(self, x: tg.Tensor, state: Any = None) -> tuple[tg.Tensor, Any]:
        """x: (batch, time) values → (batch, time) predictions of the value one step later."""
        output, state = self.rnn(x.unsqueeze(-1), state)
        return self.head(output).squeeze(-1), state


def free_run(model: NextValue, warmup: np.ndarray, horizon: int) -> np.ndarray:
    """Reads ``warmup``, then feeds each prediction back as the next input for ``horizon`` steps."""
    with tg.no_grad():
        pred, state = model(tg.Tensor(warmup[None]))
        value = pred[:, -1:]
        out = []
        for _ in range(horizon):
            out.append(value.item())
            value, state = model(value, state)
    return np.array(out)


def plot(noisy: np.ndarray, clean: np.ndarray, one_step: np.ndarray, warm: int, free: np.ndarray, path: Path) -> None:
    plt = pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    t = np.arange(len(noisy))
    top.plot(t, clean, color="grey", linewidth=1, label="true sine")
    top.plot(t, noisy, ".", color="black", markersize=3, label="noisy values (input)")
    top.plot(t[1:], one_step, color="tab:blue", linewidth=1.8, label="prediction, one step ahead")
    top.set_title("One step ahead: the network reads the true value at every step")
    top.legend(loc="upper right", fontsize=8)
    bottom.plot(t, clean, color="grey", linewidth=1, label="true sine")
    bottom.plot(t[:warm], noisy[:warm], ".", color="black", markersize=3, label="warm-up input")
    bottom.plot(t[warm : warm + len(free)], free, color="tab:red", linewidth=1.8, label="free-running prediction")
    bottom.axvline(warm - 0.5, color="grey", linestyle=":")
    bottom.set_title("Free running: after the warm-up it reads its own predictions")
    bottom.set_xlabel("time step")
    bottom.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def train(model: NextValue, args: argparse.Namespace) -> float:
    """Adam on fresh noisy waves each step; returns the seconds it took."""
    gen = rng(args.seed)
    opt = tg.optim.Adam(model.parameters(), lr=args.lr)
    watch = Stopwatch()
    bar = progress(range(1, args.steps + 1), desc=f"sine {args.model}")
    for _ in bar:
        _, noisy = waves(gen, args.batch, args.seq_len + 1, args.period, args.noise)
        pred, _ = model(tg.Tensor(noisy[:, :-1]))  # predict value t+1 from values up to t
        loss = F.mse_loss(pred, tg.Tensor(noisy[:, 1:]))
        opt.zero_grad()
        loss.backward()
        tg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        bar.set_postfix(mse=f"{loss.item():.4f}")
    return watch()


def main() -> None:
    parser = demo_parser(__doc__, "sine_wave")
    parser.add_argument("--model", choices=sorted(LAYERS), default="lstm", help="recurrent layer (default lstm)")
    parser.add_argument("--hidden", type=int, default=16, help="hidden units (default 16)")
    parser.add_argument("--steps", type=int, default=600, help="training steps (default 600)")
    parser.add_argument("--batch", type=int, default=16, help="sequences per step (default 16)")
    parser.add_argument("--seq-len", type=int, default=60, help="time steps per training sequence (default 60)")
    parser.add_argument("--period", type=float, default=25.0, help="sine period in time steps (default 25)")
    parser.add_argument("--noise", type=float, default=0.1, help="noise standard deviation (default 0.1)")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (default 1e-2)")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.seq_len = 80, 40
    out = setup(args, parser)

    model = NextValue(args.model, args.hidden)
    seconds = train(model, args)
    clean, noisy = (a[0] for a in waves(rng(args.seed + 1000), 1, 200, args.period, args.noise))
    with tg.no_grad():
        one_step = model(tg.Tensor(noisy[None, :-1]))[0].numpy()[0]
    warm = 100
    free = free_run(model, noisy[:warm], len(noisy) - warm)
    errors = {
        "one_step_mse_vs_noisy": np.mean((one_step - noisy[1:]) ** 2),
        "one_step_mse_vs_clean": np.mean((one_step - clean[1:]) ** 2),
        "repeat_last_value_mse_vs_noisy": np.mean((noisy[:-1] - noisy[1:]) ** 2),
        "free_running_mse_vs_clean": np.mean((free - clean[warm:]) ** 2),
    }
    errors = {k: float(v) for k, v in errors.items()}
    settings = {"model": args.model, "hidden": args.hidden, "steps": args.steps, "train_seconds": round(seconds, 1)}
    write_json(out / "results.json", {**settings, "noise_variance": args.noise**2, **errors})
    plot(noisy, clean, one_step, warm, free, out / "sine_wave.png")

    print(f"Trained a {args.model.upper()} with {args.hidden} hidden units for {args.steps} steps in {seconds:.1f} s.")
    print(f"Mean squared error on a held-out wave (the noise variance, {args.noise**2:.4f}, is the floor):")
    for key, value in errors.items():
        print(f"  {key:<32} {value:.4f}")
    print(f"Wrote {out / 'sine_wave.png'} and {out / 'results.json'}")


if __name__ == "__main__":
    main()
