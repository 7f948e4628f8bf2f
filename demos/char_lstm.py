"""A character-level LSTM language model, trained with truncated backpropagation through time.

The model reads one character at a time: an embedding, an LSTM and a linear
head give the probabilities of the next character. The training text is cut
into --batch parallel streams; each step reads the next --seq-len characters
of every stream, and the LSTM's state (h, c) is carried on to the next step
but detached, so the gradient flows back --seq-len steps and no further.
Gradients are clipped and Adam updates the weights.

Progress is measured in bits per character (bpc) on held-out text, the last
10 % of the book: the mean cross entropy in bits. Guessing uniformly among the
characters costs log2(vocabulary) bits; knowing only how often each character
occurs costs its entropy, about 4.5 bits; a good model of English, far less.
Before training, the demo prints baselines on the same split: n-gram models
(n = 1 to 4, add-α smoothing) and gzip and bzip2, all learning from the
training text only (demos/_text_baselines.py).

Outputs: checkpoint.npz (model, optimizer, step, state; --resume goes on from
it), history.csv and bpc.png (bpc against steps), samples.txt (text sampled
every --sample-every steps) and results.json.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
from _common import Stopwatch, demo_parser, progress, pyplot, rng, setup, write_csv, write_json
from _text_baselines import baselines

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

DEFAULT_TEXT = Path(__file__).resolve().parent / "data" / "alice.txt"
LN2 = math.log(2.0)


class CharLSTM(tg.nn.Module):
    """Embedding → LSTM → Linear: next-character logits for every position."""

    def __init__(self, vocab: int, embed: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.embed = tg.nn.Embedding(vocab, embed)
        self.lstm = tg.nn.LSTM(embed, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0)
        self.drop = tg.nn.Dropout(dropout)
        self.head = tg.nn.Linear(hidden, vocab)

    def forward(self, ids: tg.Tensor, state: Any = None) -> tuple[tg.Tensor, Any]:
        output, state = self.lstm(self.drop(self.embed(ids)), state)
        return self.head(self.drop(output)), state


def detach(state: Any) -> Any:
    """(h, c) with the same values but no history: the gradient stops here (truncated BPTT)."""
    return None if state is None else tuple(s.detach() for s in state)


def streams(ids: np.ndarray, batch: int) -> np.ndarray:
    """The text as ``batch`` contiguous rows, one per stream (the tail that does not fit is dropped)."""
    length = len(ids) // batch
    return ids[: batch * length].reshape(batch, length)


def bits_per_char(model: CharLSTM, rows: np.ndarray, seq_len: int) -> float:
    """Mean cross entropy in bits over held-out streams, carrying the state across chunks."""
    model.eval()
    total, count, state = 0.0, 0, None
    with tg.no_grad():
        for start in range(0, rows.shape[1] - 1, seq_len):
            x = rows[:, start : start + seq_len]
            y = rows[:, start + 1 : start + seq_len + 1]
            x = x[:, : y.shape[1]]
            logits, state = model(tg.Tensor(x), state)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tg.Tensor(y.reshape(-1)), reduction="sum")
            total += loss.item()
            count += y.size
    model.train()
    return total / count / LN2


def sample(model: CharLSTM, vocab: str, prime: str, length: int, temperature: float, gen: np.random.Generator) -> str:
    """Text drawn one character at a time from softmax(logits / temperature), fed back as input."""
    index = {ch: i for i, ch in enumerate(vocab)}
    prime = "".join(ch for ch in prime if ch in index) or vocab[0]
    model.eval()
    chars = list(prime)
    with tg.no_grad():
        logits, state = model(tg.Tensor([[index[ch] for ch in prime]]))
        for _ in range(length):
            probs = F.softmax(logits[0, -1] / temperature, dim=0).numpy().astype(np.float64)
            nxt = int(gen.choice(len(vocab), p=probs / probs.sum()))
            chars.append(vocab[nxt])
            logits, state = model(tg.Tensor([[nxt]]), state)
    model.train()
    return "".join(chars)


def entropy_bits(ids: np.ndarray, vocab_size: int) -> float:
    """The unigram entropy: the bpc of a model that knows only how often each character occurs."""
    p = np.bincount(ids, minlength=vocab_size) / len(ids)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def plot(
    history: list[dict[str, Any]],
    unigram: float,
    vocab_size: int,
    name: str,
    path: Path,
    reference: list[tuple[str, float]] = (),
) -> None:
    """Train and held-out bpc against steps, with the reference lines (and the 4-gram and bzip2 baselines)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    steps = [h["step"] for h in history]
    ax.plot(steps, [h["train_bpc"] for h in history], label="train (mean since last point)", linewidth=1.5)
    ax.plot(steps, [h["val_bpc"] for h in history], label="held-out", linewidth=2)
    ax.axhline(
        math.log2(vocab_size), color="grey", linestyle="--", label=f"uniform guess ({math.log2(vocab_size):.2f})"
    )
    ax.axhline(unigram, color="grey", linestyle=":", label=f"character frequencies ({unigram:.2f})")
    for label, bpc in reference:
        if label.startswith(("4-gram", "bzip2")):
            short = label.split(",")[0].split(" (")[0]
            ax.axhline(
                bpc, color="#8c6d31", linestyle="-." if "gram" in label else (0, (1, 1)), label=f"{short} ({bpc:.2f})"
            )
    ax.set_xlabel("training step")
    ax.set_ylabel("bits per character")
    ax.set_title(f"Character-level LSTM on {name}")
    ax.legend(loc="center right")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def build(vocab_size: int, settings: dict[str, Any]) -> tuple[CharLSTM, tg.optim.Adam]:
    model = CharLSTM(vocab_size, settings["embed"], settings["hidden"], settings["layers"], settings["dropout"])
    return model, tg.optim.Adam(model.parameters(), lr=settings["lr"])


def parse_args() -> tuple[argparse.Namespace, argparse.ArgumentParser]:
    parser = demo_parser(__doc__, "char_lstm")
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT, help="plain-text file (default: the shipped book)")
    parser.add_argument("--steps", type=int, default=3000, help="train until this step (default 3000)")
    parser.add_argument("--batch", type=int, default=32, help="parallel streams (default 32)")
    parser.add_argument("--seq-len", type=int, default=64, help="characters per step = BPTT length (default 64)")
    parser.add_argument("--embed", type=int, default=32, help="embedding size (default 32)")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM hidden units (default 128)")
    parser.add_argument("--layers", type=int, default=1, help="LSTM layers (default 1)")
    parser.add_argument("--dropout", type=float, default=0.1, help="dropout on LSTM input and output (default 0.1)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (default 1.0)")
    parser.add_argument("--eval-every", type=int, default=100, help="steps between held-out bpc (default 100)")
    parser.add_argument("--sample-every", type=int, default=500, help="steps between samples (default 500)")
    parser.add_argument("--sample-len", type=int, default=400, help="characters per sample (default 400)")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (default 0.8)")
    parser.add_argument("--prime", default="Alice ", help="text the samples start from (default 'Alice ')")
    parser.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints (default 500)")
    parser.add_argument(
        "--resume", action="store_true", help="go on from OUT/checkpoint.npz (its model settings win) until --steps"
    )
    args = parser.parse_args()
    if args.quick:
        args.steps = 60 if args.resume else 40  # a quick resume goes on for 20 more steps
        args.batch, args.seq_len, args.embed, args.hidden = 8, 16, 16, 32
        args.eval_every = args.sample_every = args.checkpoint_every = 20
        args.sample_len = 60
    if args.temperature <= 0:
        parser.error(f"--temperature must be positive, got {args.temperature}")
    return args, parser


class Run:
    """Model, optimizer and progress: new, or restored from a checkpoint."""

    def __init__(self, args: argparse.Namespace, parser: argparse.ArgumentParser, vocab: str, path: Path):
        self.path = path
        self.vocab = vocab
        self.settings = {k: getattr(args, k) for k in ("embed", "hidden", "layers", "dropout", "lr")}
        self.step, self.state, self.history = 0, None, []
        saved = None
        if args.resume:
            if not path.exists():
                parser.error(f"--resume: no checkpoint at {path}; train without --resume first")
            saved = tg.load(path, map_location=args.device)
            if saved["vocab"] != vocab:
                parser.error(f"--resume: {path} was trained on a text with other characters than {args.text}")
            self.settings = saved["settings"]
            self.step, self.state, self.history = saved["step"], tuple(saved["state"]), saved["history"]
            if self.state[0].shape[1] != args.batch:  # another --batch: the carried state no longer fits
                self.state = None
        self.model, self.opt = build(len(vocab), self.settings)
        if saved is not None:
            self.model.load_state_dict(saved["model"])
            self.opt.load_state_dict(saved["optimizer"])
            print(f"Resumed from {path} at step {self.step}")

    def save(self) -> None:
        """Everything needed to go on: weights, Adam's moments, the step, the carried state, the curve."""
        checkpoint = {
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "step": self.step,
            "state": list(self.state),
            "history": self.history,
            "vocab": self.vocab,
            "settings": self.settings,
        }
        tg.save(checkpoint, self.path)


def train(run: Run, args: argparse.Namespace, train_rows: np.ndarray, val_rows: np.ndarray, out: Path) -> float:
    """Truncated BPTT from ``run.step`` to ``args.steps``; returns the seconds it took."""
    chunks = (train_rows.shape[1] - 1) // args.seq_len  # steps per pass over the text
    model, opt, vocab_size = run.model, run.opt, len(run.vocab)
    gen = rng(args.seed + run.step)  # sampling draws; offset so a resumed run does not repeat its samples
    watch, seen, running = Stopwatch(), 0, 0.0
    bar = progress(range(run.step + 1, args.steps + 1), desc="char-LSTM", total=max(args.steps - run.step, 0))
    with (out / "samples.txt").open("a" if args.resume else "w") as samples:
        for step in bar:
            chunk = (step - 1) % chunks
            if chunk == 0:
                run.state = None  # a new pass over the text: the streams restart, so does the state
            x = train_rows[:, chunk * args.seq_len : (chunk + 1) * args.seq_len]
            y = train_rows[:, chunk * args.seq_len + 1 : (chunk + 1) * args.seq_len + 1]
            logits, state = model(tg.Tensor(x), run.state)
            loss = F.cross_entropy(logits.reshape(-1, vocab_size), tg.Tensor(y.reshape(-1)))
            opt.zero_grad()
            loss.backward()
            tg.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            run.state = detach(state)  # keep the values, cut the graph: BPTT stops at this chunk's start
            run.step = step
            bpc = loss.item() / LN2
            running, seen = running + bpc, seen + 1
            bar.set_postfix(bpc=f"{bpc:.3f}")

            if step % args.eval_every == 0 or step == args.steps:
                val = bits_per_char(model, val_rows, 256)
                run.history.append({"step": step, "train_bpc": running / seen, "val_bpc": val})
                running, seen = 0.0, 0
                bar.set_postfix(bpc=f"{bpc:.3f}", held_out=f"{val:.3f}")
            if step % args.sample_every == 0 or step == args.steps:
                text = sample(model, run.vocab, args.prime, args.sample_len, args.temperature, gen)
                samples.write(f"--- step {step}, temperature {args.temperature} ---\n{text}\n\n")
                samples.flush()
                bar.write(f"\n--- sample at step {step} (temperature {args.temperature}) ---\n{text}\n")
            if step % args.checkpoint_every == 0 or step == args.steps:
                run.save()
    bar.close()
    return watch()


def main() -> None:
    args, parser = parse_args()
    out = setup(args, parser)
    text = args.text.read_text(encoding="utf-8")
    vocab = "".join(sorted(set(text)))
    run = Run(args, parser, vocab, out / "checkpoint.npz")

    index = {ch: i for i, ch in enumerate(vocab)}
    ids = np.array([index[ch] for ch in text], dtype=np.int64)
    split = int(0.9 * len(ids))
    train_rows, val_rows = streams(ids[:split], args.batch), streams(ids[split:], 8)
    if train_rows.shape[1] <= args.seq_len:
        parser.error(f"the text is too short for --batch {args.batch} and --seq-len {args.seq_len}")
    uniform, unigram = math.log2(len(vocab)), entropy_bits(ids[split:], len(vocab))
    print(
        f"{args.text.name}: {len(text):,} characters, {len(vocab)} distinct; training on {split:,}, held out "
        f"{len(ids) - split:,}. Uniform guess {uniform:.2f} bpc, character frequencies {unigram:.2f} bpc."
    )
    # what the LSTM's number means: simpler models on the same split, counted on the training text only
    reference = baselines(text, ids, split, len(vocab))
    print("Baselines on the held-out text (bits per character; learnt from the training text only):")
    for name, bpc in reference:
        print(f"  {name:<40} {bpc:6.3f}")
    print(f"Model: {run.model}")
    start = run.step
    seconds = train(run, args, train_rows, val_rows, out)
    if not run.history or run.step == start:
        print(f"Nothing to do: the checkpoint is at step {start}, and --steps is {args.steps}")
        return

    history = run.history
    write_csv(out / "history.csv", history)
    plot(history, unigram, len(vocab), args.text.name, out / "bpc.png", reference)
    best = min(history, key=lambda h: h["val_bpc"])
    results = {
        "text": args.text.name,
        "characters": len(text),
        "vocabulary": len(vocab),
        "settings": run.settings,
        "steps": run.step,
        "batch": args.batch,
        "seq_len": args.seq_len,
        "uniform_bpc": uniform,
        "unigram_bpc": unigram,
        "baselines_bpc": dict(reference),
        "final_val_bpc": history[-1]["val_bpc"],
        "best_val_bpc": best["val_bpc"],
        "best_step": best["step"],
        "seconds_this_run": round(seconds, 1),
        "ms_per_step": round(1000 * seconds / (run.step - start), 1),
    }
    write_json(out / "results.json", results)
    print(f"\n{'step':>6}  {'train bpc':>9}  {'held-out bpc':>12}")
    for h in history:
        print(f"{h['step']:6d}  {h['train_bpc']:9.3f}  {h['val_bpc']:12.3f}")
    print(
        f"\nHeld-out bits per character: {history[-1]['val_bpc']:.3f} at step {history[-1]['step']} "
        f"(best {best['val_bpc']:.3f} at step {best['step']}); {seconds:.0f} s for this run."
    )
    beaten = [name for name, bpc in reference if bpc > history[-1]["val_bpc"]]
    print(f"The LSTM beats {len(beaten)} of the {len(reference)} baselines: {', '.join(beaten) or 'none'}.")
    print(f"Wrote {run.path}, {out / 'history.csv'}, {out / 'bpc.png'}, {out / 'samples.txt'}")


if __name__ == "__main__":
    main()
