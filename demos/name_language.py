"""Which language is a surname from? A GRU reads names of different lengths as one packed batch.

The data is a small word list written for this demo (demos/data/names.tsv):
about 90 common family names each in English, German, Italian, Japanese and
Polish, 3 to 13 letters long. A batch of names has many lengths, so it is
packed (``pack_padded_sequence``): the GRU's batch shrinks as the short names
end, no padded step is computed, and the final hidden state of each name is
the one after its own last letter. A linear layer reads that state.

Two rows are printed beside the majority-class baseline (always guess the most
common language of the training set):

- packed: the GRU on the packed batch;
- padded: the same GRU on the zero-padded batch, reading the state after the
  longest name's last step, so short names are followed by padding steps it
  must learn to carry its answer through (and it computes every padded step).

Outputs: results.json, results.csv (accuracy and steps computed per model),
predictions.csv (each held-out name with the packed model's guess).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from _common import Stopwatch, demo_parser, progress, rng, setup, write_csv, write_json

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn.nn.utils.rnn import pack_padded_sequence

NAMES = Path(__file__).resolve().parent / "data" / "names.tsv"
LETTERS = "abcdefghijklmnopqrstuvwxyz"  # index 0 is padding, so letter k is k + 1


def load_names(path: Path = NAMES) -> tuple[list[str], list[int], list[str]]:
    """Names, their language index, and the language names, from ``name<TAB>language`` lines."""
    names, labels, languages = [], [], []
    for line in path.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, language = line.split("\t")
        if language not in languages:
            languages.append(language)
        names.append(name)
        labels.append(languages.index(language))
    return names, labels, languages


def split(labels: list[int], gen: np.random.Generator, held_out: float) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices, the same share of every language held out."""
    labels_array = np.array(labels)
    train, test = [], []
    for language in np.unique(labels_array):
        members = gen.permutation(np.flatnonzero(labels_array == language))
        cut = int(round(held_out * len(members)))
        test += members[:cut].tolist()
        train += members[cut:].tolist()
    return np.array(train), np.array(test)


def encode(names: list[str]) -> tuple[tg.Tensor, list[int]]:
    """Letter indices, zero-padded to the longest name: (batch, longest) int64, and the lengths."""
    lengths = [len(n) for n in names]
    codes = np.zeros((len(names), max(lengths)), dtype=np.int64)
    for row, name in enumerate(names):
        codes[row, : len(name)] = [LETTERS.index(ch) + 1 for ch in name]
    return tg.Tensor(codes), lengths


class NameClassifier(tg.nn.Module):
    """Letters → embedding → GRU → the last hidden state → one score per language."""

    def __init__(self, languages: int, hidden: int, packed: bool):
        super().__init__()
        self.packed = packed
        self.embed = tg.nn.Embedding(len(LETTERS) + 1, 16)
        self.gru = tg.nn.GRU(16, hidden, batch_first=True)
        self.head = tg.nn.Linear(hidden, languages)

    def forward(self, codes: tg.Tensor, lengths: list[int]) -> tg.Tensor:
        x = self.embed(codes)  # (batch, longest, 16)
        if self.packed:  # each name ends at its own last letter
            x = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.gru(x)  # packed: h_n in the batch's own order, after each name's last letter
        return self.head(h_n[0])


def accuracy(model: NameClassifier, names: list[str], labels: np.ndarray) -> float:
    with tg.no_grad():
        codes, lengths = encode(names)
        guesses = model(codes, lengths).argmax(dim=1).numpy()
    return float(np.mean(guesses == labels))


def train(packed: bool, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Trains one model on the training names and returns its held-out accuracy and work done."""
    tg.manual_seed(args.seed)  # both models start from the same weights
    gen = rng(args.seed + 1)  # and see the same batches
    model = NameClassifier(len(data["languages"]), args.hidden, packed)
    opt = tg.optim.Adam(model.parameters(), lr=args.lr)
    train_names, train_labels = data["train_names"], data["train_labels"]
    steps_computed = 0
    watch = Stopwatch()
    for _ in progress(range(args.epochs), desc="packed" if packed else "padded"):
        order = gen.permutation(len(train_names))
        for start in range(0, len(order), args.batch):
            rows = order[start : start + args.batch]
            codes, lengths = encode([train_names[r] for r in rows])
            steps_computed += sum(lengths) if packed else len(lengths) * max(lengths)
            loss = F.cross_entropy(model(codes, lengths), tg.Tensor(train_labels[rows]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {
        "model": "packed" if packed else "padded",
        "test_accuracy": accuracy(model, data["test_names"], data["test_labels"]),
        "train_accuracy": accuracy(model, train_names, train_labels),
        "recurrent_steps_computed": steps_computed,
        "seconds": round(watch(), 2),
        "classifier": model,
    }


def main() -> None:
    parser = demo_parser(__doc__, "name_language")
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training names (default 20)")
    parser.add_argument("--batch", type=int, default=32, help="names per step (default 32)")
    parser.add_argument("--hidden", type=int, default=64, help="GRU hidden units (default 64)")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (default 1e-2)")
    parser.add_argument("--held-out", type=float, default=0.2, help="share of each language held out (default 0.2)")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.hidden = 6, 32
    if not 0 < args.held_out < 1:
        parser.error(f"--held-out must be between 0 and 1, got {args.held_out}")
    out = setup(args, parser)

    names, labels, languages = load_names()
    train_rows, test_rows = split(labels, rng(args.seed), args.held_out)
    labels_array = np.array(labels)
    data = {
        "languages": languages,
        "train_names": [names[i] for i in train_rows],
        "train_labels": labels_array[train_rows],
        "test_names": [names[i] for i in test_rows],
        "test_labels": labels_array[test_rows],
    }
    majority = int(np.bincount(data["train_labels"]).argmax())
    baseline = float(np.mean(data["test_labels"] == majority))
    print(
        f"{len(names)} surnames in {len(languages)} languages ({', '.join(languages)}), "
        f"{len(test_rows)} held out; always guessing {languages[majority]} scores {baseline:.1%}"
    )
    results = [train(True, data, args), train(False, data, args)]

    classifier = results[0].pop("classifier")
    results[1].pop("classifier")
    with tg.no_grad():
        codes, lengths = encode(data["test_names"])
        guesses = classifier(codes, lengths).argmax(dim=1).numpy()
    predictions = [
        {"name": n, "language": languages[y], "guess": languages[g]}
        for n, y, g in zip(data["test_names"], data["test_labels"], guesses)
    ]
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    write_json(
        out / "results.json",
        {"settings": settings, "languages": languages, "baseline_accuracy": baseline, "results": results},
    )
    write_csv(out / "results.csv", results)
    write_csv(out / "predictions.csv", predictions)

    print(f"\n{'model':>8}  {'test acc.':>9}  {'train acc.':>10}  {'steps computed':>14}  {'seconds':>7}")
    print(f"{'baseline':>8}  {baseline:9.1%}  {'':>10}  {'':>14}  {'':>7}")
    for r in results:
        print(
            f"{r['model']:>8}  {r['test_accuracy']:9.1%}  {r['train_accuracy']:10.1%}  "
            f"{r['recurrent_steps_computed']:14d}  {r['seconds']:7.1f}"
        )
    wrong = [p for p in predictions if p["guess"] != p["language"]][:5]
    if wrong:
        print("\nSome names it gets wrong: " + ", ".join(f"{p['name']} ({p['guess']}?)" for p in wrong))
    print(f"\nWrote {out / 'results.json'}, {out / 'results.csv'}, {out / 'predictions.csv'}")


if __name__ == "__main__":
    main()
