"""Why the LSTM remembers: pictures and numbers of the gradient flowing back through time.

Draws the unrolled graph of an LSTM step by step (every primitive op, each edge
coloured by the gradient that flowed along it), the tanh RNN, GRU and LSTM side
by side on one colour scale, and the gradient norm ‖∂L/∂s_t‖ at every step for
a loss read at the last step — before and after training on the adding
problem. Prints what to look for in each.

    python demos/gradient_flow.py                  # about three minutes on a laptop CPU
    python demos/gradient_flow.py --train-steps 0  # the pictures at initialisation only, in seconds
"""

from __future__ import annotations

import json
import textwrap

from _common import demo_parser, setup

from tinygrad_rnn import viz
from tinygrad_rnn.study import CELLS

NARRATION = {
    "graph": """
        {path}: one LSTM unrolled over {steps} steps, every primitive op drawn. The yellow
        boxes along the top are the cell state c_t, joined by f_t ⊙ c_(t−1) and + only: the
        conveyor belt. Edge colour and width give the gradient norm that flowed back along
        each edge; the belt keeps its colour from step to step.""",
    "compare": """
        {path}: tanh RNN, LSTM and GRU on the same input, one box per step, on one fixed colour
        scale (10⁻¹⁰ to 1). Follow the edges from right to left: the RNN's hidden path fades fastest,
        because each step multiplies the gradient by diag(1 − h²)·W_hh.""",
    "flow": """
        {path}: ‖∂L/∂s_t‖ for every t, log scale; h for the tanh RNN and the GRU (top), the
        LSTM's cell state c (below). At initialisation the tanh RNN, the GRU and the LSTM with
        PyTorch's forget bias 0 all lose about a decade every five steps: with f_t ≈ σ(0) = 0.5
        the belt is mostly closed (the LSTM does a little better than the RNN, because part of
        its gradient comes back through h_t and the gates). A forget bias of 1 or 3 opens the belt.""",
    "trained": """
        After {train_steps} training steps on the adding problem (a constant guess scores an MSE
        of 0.167; below {solved:g} the model adds): {learnt}. {rest}""",
}
SCALE_MIN = 1e-10  # the bottom of the pictures' colour scale
SOLVED = 0.05  # an adding-problem MSE this far below the constant guess's 0.167: the model adds


def narrate(key: str, **values: object) -> None:
    print(textwrap.dedent(NARRATION[key]).strip().format(**values), end="\n\n")


def main() -> None:
    parser = demo_parser(__doc__, "gradient_flow")
    parser.add_argument("--steps", type=int, default=50, help="sequence length T of the gradient study (default 50)")
    parser.add_argument(
        "--graph-steps", type=int, default=6, help="steps drawn in the op-level and side-by-side pictures (default 6)"
    )
    parser.add_argument(
        "--train-steps", type=int, default=1000, help="adding-problem training steps per model (default 1000; 0 skips)"
    )
    parser.add_argument(
        "--forget-bias",
        type=float,
        default=1.0,
        help="forget-gate bias of the pictured LSTM (default 1.0; at PyTorch's 0, f_t ≈ 0.5: the belt is half shut)",
    )
    args = parser.parse_args()
    if args.quick:
        args.steps, args.graph_steps, args.train_steps = 12, 3, min(args.train_steps, 20)
    out = setup(args, parser)

    # one fixed colour scale (10⁻¹⁰ to 1) for both pictures, as in the docs: equal colours, equal gradients
    graph = viz.draw(
        viz.unroll("lstm", args.graph_steps, forget_bias=args.forget_bias, seed=args.seed), "op", scale=SCALE_MIN
    )
    narrate("graph", path=_save(graph, out / "lstm_op.svg"), steps=args.graph_steps)

    traces = [viz.unroll(cell, args.graph_steps, forget_bias=args.forget_bias, seed=args.seed) for cell in CELLS]
    narrate("compare", path=_save(viz.compare(traces, "cell", scale=SCALE_MIN), out / "compare.svg"))

    study = viz.flow_study(
        args.steps, forget_bias=args.forget_bias, seed=args.seed, train_steps=args.train_steps, progress=print
    )
    viz.plot(study, out / "gradient_flow.png")
    (out / "gradient_flow.json").write_text(json.dumps(study.to_json(), indent=1))
    narrate("flow", path=out / "gradient_flow.png")
    if study.after:  # only what training did: nothing when it did not run (--train-steps 0)
        narrate("trained", **training_story(study))
    print(f"log10 ‖∂L/∂s_1‖ / ‖∂L/∂s_T‖ at T = {args.steps}:")
    for row in study.table():
        if row["model"] == "lstm" and any(r["model"] == f"lstm@{args.forget_bias:g}" for r in study.table()):
            continue  # the pictured LSTM is also one of the forget-bias rows
        if study.after:
            trained = (
                f"   after training {row['log10_ratio_trained']:+6.2f} (adding-problem MSE {row['mse_trained']:.3f})"
            )
        else:
            trained = ""
        print(f"  {row['label']:<26} {row['state']}  {row['log10_ratio']:+6.2f}{trained}")
    print(f"\nall outputs are in {out}/")


def training_story(study: viz.FlowStudy) -> dict[str, object]:
    """The words for the "trained" narration, from the MSEs the study measured (never assumed)."""
    models = {key: flow.label for key, flow in study.after.items() if key != "lstm" or key in _alone(study)}
    learnt = [label for key, label in models.items() if study.mse[key] < SOLVED]
    stuck = [label for key, label in models.items() if study.mse[key] >= SOLVED]
    if learnt:
        # "; " between models: a label such as "LSTM, forget bias 1" has a comma of its own
        said = f"{'; '.join(learnt)} learnt to add, and did it by keeping the gradient along the carry path"
    else:
        said = f"no model is below {SOLVED:g} yet, too few steps to learn the task (the full run trains 1000)"
    rest = f"Still near the constant guess: {'; '.join(stuck)}." if learnt and stuck else ""
    return {"train_steps": study.train_steps, "solved": SOLVED, "learnt": said, "rest": rest}


def _alone(study: viz.FlowStudy) -> set[str]:
    """{"lstm"} when the pictured LSTM is not also one of the forget-bias rows, else nothing."""
    same = any(k.startswith("lstm@") and study.after[k] is study.after["lstm"] for k in study.after)
    return set() if same else {"lstm"}


def _save(picture: object, path: object) -> object:
    """Writes the picture; without Graphviz's ``dot`` the .dot source is still written, and we say so."""
    try:
        return viz.save(picture, path)
    except viz.GraphvizNotFoundError as error:
        print(f"(could not render: {error})")
        return path


if __name__ == "__main__":
    main()
