"""A tour of how autograd is verified: every primitive's gradient against finite differences.

For a function f and an input x (float64), the derivative along each input
element k can be estimated without any calculus, by central differences:

    df/dx_k ≈ (f(x + ε e_k) − f(x − ε e_k)) / 2ε,    ε = 1e-6

tg.gradcheck builds the whole Jacobian both ways, from autograd (one backward
per output element) and from central differences (two forwards per input
element), and passes when every entry agrees within atol + rtol·|numerical|.
The table's error column is a summary anyone can recompute: the largest
|autograd − finite difference| over the gradient of Σ w ⊙ f(x) for fixed
random weights w.

Inputs are chosen away from kinks (relu, abs, clamp, max at ties), where the
derivative does not exist and finite differences straddle two slopes. The
last row is an op with a deliberately wrong backward: the check must catch it.

Outputs: gradcheck.csv and gradcheck.json. Exit status 1 if a primitive fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import demo_parser, rng, setup, write_csv, write_json

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

EPS = 1e-6


class WrongSquare(tg.Function):
    """x², with the classic slip in its backward: the factor 2 is missing."""

    label = "wrong square"

    def forward(self, x: Any) -> Any:
        self.x = x
        return x * x

    def backward(self, g: Any) -> Any:
        return g * self.x  # should be 2 · x · g


LSTM_GATES = (tg.sigmoid, tg.sigmoid, tg.tanh, tg.sigmoid)


def cases(gen: np.random.Generator) -> list[tuple[str, Callable[..., Any], list[tg.Tensor]]]:
    """(name, function, inputs) for every primitive; inputs are float64 leaves that require grad."""

    def t(*shape: int, low: float = -1.0, high: float = 1.0, away: float = 0.0) -> tg.Tensor:
        """Uniform values in [low, high], each at least ``away`` from 0 (from kinks)."""
        x = gen.uniform(low, high, shape)
        x = np.where(np.abs(x) < away, np.sign(x + 1e-12) * away, x)
        return tg.Tensor(x, dtype=tg.float64, requires_grad=True)

    def pos(*shape: int) -> tg.Tensor:
        return t(*shape, low=0.5, high=2.0)

    distinct = tg.Tensor(gen.permutation(12).reshape(3, 4) / 4.0, dtype=tg.float64, requires_grad=True)
    mask = tg.Tensor(gen.random((2, 3)) > 0.5)
    labels = tg.Tensor(gen.integers(0, 5, 4))
    # the LSTM's gate op, from a generator of its own so that the other cases keep their draws
    gates = tg.Tensor(np.random.default_rng(1).uniform(-3, 3, (2, 8)), dtype=tg.float64, requires_grad=True)
    return [
        ("a + b", lambda a, b: a + b, [t(2, 3), t(3)]),
        ("a - b", lambda a, b: a - b, [t(2, 3), t(2, 1)]),
        ("a * b", lambda a, b: a * b, [t(2, 3), t(2, 3)]),
        ("a / b", lambda a, b: a / b, [t(2, 3), pos(2, 3)]),
        ("a ** 3", lambda a: a**3, [t(2, 3)]),
        ("a ** b", lambda a, b: a**b, [pos(2, 3), t(2, 3)]),
        ("neg", lambda a: -a, [t(2, 3)]),
        ("matmul", lambda a, b: a @ b, [t(2, 3), t(3, 4)]),
        ("sigmoid", tg.sigmoid, [t(2, 3, low=-3, high=3)]),
        ("tanh", tg.tanh, [t(2, 3, low=-3, high=3)]),
        ("relu", tg.relu, [t(2, 3, away=0.05)]),
        ("exp", tg.exp, [t(2, 3)]),
        ("log", tg.log, [pos(2, 3)]),
        ("sqrt", tg.sqrt, [pos(2, 3)]),
        ("abs", tg.abs, [t(2, 3, away=0.05)]),
        ("clamp(-0.5, 0.5)", lambda a: a.clamp(-0.5, 0.5), [tg.Tensor(_off(gen), dtype=tg.float64)]),
        ("sum(dim=1)", lambda a: a.sum(dim=1), [t(2, 3)]),
        ("mean(dim=0)", lambda a: a.mean(dim=0), [t(2, 3)]),
        ("max()", lambda a: a.max(), [distinct]),
        ("max(dim=1)", lambda a: a.max(dim=1)[0], [distinct]),
        ("reshape(3, 2)", lambda a: a.reshape(3, 2), [t(2, 3)]),
        ("transpose(0, 1)", lambda a: a.transpose(0, 1), [t(2, 3)]),
        ("permute(2, 0, 1)", lambda a: a.permute(2, 0, 1), [t(2, 3, 4)]),
        ("unsqueeze(1)", lambda a: a.unsqueeze(1), [t(2, 3)]),
        ("squeeze(1)", lambda a: a.squeeze(1), [t(2, 1, 3)]),
        ("expand(4, 3)", lambda a: a.expand(4, 3), [t(1, 3)]),
        ("a[:, 1:3]", lambda a: a[:, 1:3], [t(2, 4)]),
        ("a[1]", lambda a: a[1], [t(3, 4)]),
        ("a[[0, 2, 2]]", lambda a: a[tg.Tensor([0, 2, 2])], [t(3, 4)]),
        ("cat(dim=1)", lambda a, b: tg.cat([a, b], dim=1), [t(2, 3), t(2, 2)]),
        ("stack(dim=0)", lambda a, b: tg.stack([a, b], dim=0), [t(2, 3), t(2, 3)]),
        ("split([1, 3], dim=1)", lambda a: a.split([1, 3], dim=1), [t(2, 4)]),
        ("chunk(2, dim=0)", lambda a: a.chunk(2, dim=0), [t(4, 3)]),
        ("unbind(dim=1)", lambda a: a.unbind(1), [t(2, 3)]),
        ("gate_activations", lambda a: tg.gate_activations(a, LSTM_GATES), [gates]),
        ("where(mask, a, b)", lambda a, b: tg.where(mask, a, b), [t(2, 3), t(2, 3)]),
        ("softmax(dim=1)", lambda a: F.softmax(a, dim=1), [t(2, 5, low=-2, high=2)]),
        ("log_softmax(dim=1)", lambda a: F.log_softmax(a, dim=1), [t(2, 5, low=-2, high=2)]),
        ("cross_entropy", lambda a: F.cross_entropy(a, labels), [t(4, 5, low=-2, high=2)]),
        ("mse_loss", lambda a, b: F.mse_loss(a, b), [t(2, 3), t(2, 3)]),
        ("wrong square (a bug)", lambda a: WrongSquare.apply(a), [t(2, 3)]),
    ]


def _off(gen: np.random.Generator) -> np.ndarray:
    """Values for clamp: some inside (−0.5, 0.5), some beyond, none within 0.05 of a bound."""
    inside = gen.uniform(-0.45, 0.45, (2, 3))
    outside = np.sign(inside) * gen.uniform(0.55, 1.0, (2, 3))
    return np.where(gen.random((2, 3)) < 0.5, inside, outside)


def projected_error(fn: Callable[..., Any], inputs: list[tg.Tensor], gen: np.random.Generator) -> float:
    """max |autograd − central difference| for the gradient of Σ w ⊙ f(x), w fixed and random."""
    first = fn(*inputs)
    outs = list(first) if isinstance(first, (tuple, list)) else [first]
    weights = [tg.Tensor(gen.standard_normal(o.shape), dtype=tg.float64, device=o.device) for o in outs]

    def scalar(*xs: tg.Tensor) -> tg.Tensor:
        result = fn(*xs)
        parts = list(result) if isinstance(result, (tuple, list)) else [result]
        return tg.stack([(p * w).sum() for p, w in zip(parts, weights)]).sum()

    for x in inputs:
        x.grad = None
    scalar(*inputs).backward()
    worst = 0.0
    with tg.no_grad():
        for i, x in enumerate(inputs):
            base = x.numpy()
            auto = x.grad.numpy()
            for k in range(base.size):
                values = []
                for step in (EPS, -EPS):
                    moved = base.copy()
                    moved.flat[k] += step
                    trial = list(inputs)
                    trial[i] = tg.Tensor(moved, device=x.device)
                    values.append(scalar(*trial).item())
                numerical = (values[0] - values[1]) / (2 * EPS)
                worst = max(worst, abs(auto.flat[k] - numerical))
            x.grad = None
    return worst


def main() -> None:
    parser = demo_parser(__doc__, "gradcheck_tour")  # the shared options only; --quick changes nothing
    args = parser.parse_args()
    out = setup(args, parser)
    gen = rng(args.seed)
    rows = []
    print(f"{'op':<22} {'input shapes':<22} {'max abs error':>13}  result")
    print("-" * 68)
    for name, fn, raw_inputs in cases(gen):
        inputs = [_leaf(x) for x in raw_inputs]
        shapes = ", ".join(str(x.shape) for x in inputs)
        error = projected_error(fn, inputs, gen)
        try:
            verdict = "PASS" if tg.gradcheck(fn, inputs) else "FAIL"
        except tg.GradcheckError:
            verdict = "FAIL"
        rows.append({"op": name, "shapes": shapes, "max_abs_error": error, "result": verdict})
        print(f"{name:<22} {shapes:<22} {error:13.2e}  {verdict}")
    write_csv(out / "gradcheck.csv", rows)
    write_json(out / "gradcheck.json", rows)
    primitives = rows[:-1]
    failed = [r["op"] for r in primitives if r["result"] != "PASS"]
    caught = rows[-1]["result"] == "FAIL"
    print("-" * 68)
    print(
        f"{len(primitives) - len(failed)} of {len(primitives)} primitives pass; "
        f"the deliberately wrong backward was {'caught' if caught else 'NOT caught'}."
    )
    print(f"Wrote {out / 'gradcheck.csv'} and {out / 'gradcheck.json'}")
    if failed or not caught:
        sys.exit(1)


def _leaf(x: tg.Tensor) -> tg.Tensor:
    """A fresh float64 leaf on the default device with the same values (cases may build non-leaves)."""
    return tg.Tensor(x.numpy(), dtype=tg.float64, requires_grad=True)


if __name__ == "__main__":
    main()
