"""Baselines for a character model, in bits per character on the held-out text: n-gram models and compressors.

A number such as "2.07 bits per character" means little alone. Beside it,
the same held-out text scored by

- **n-gram models** with add-α smoothing: P(c | the n−1 characters before) =
  (count(context, c) + α) / (count(context) + α·V), counted on the training
  text only (n = 1 is the unigram model: character frequencies);
- **compressors** (gzip, bzip2): the bits they add to encode the held-out text
  after the training text, (|C(train + held-out)| − |C(train)|) · 8 / characters,
  so that they too may learn from the training text first.

α is chosen on the last tenth of the training text (never on the held-out
text) from a few values, then the counts are taken on the whole training text.

>>> import numpy as np
>>> ids = np.array([0, 1, 2] * 200)                  # a text that repeats "abc"
>>> scores = ngram_bpc(ids, split=540, vocab_size=3, orders=(1, 2))
>>> round(scores[1]["bpc"], 2), scores[2]["bpc"] < 0.1  # unigram: log2(3); a bigram knows what comes next
(1.58, True)
"""

from __future__ import annotations

import bz2
import gzip
import math
from collections.abc import Sequence

import numpy as np

ALPHAS = (1.0, 0.1, 0.01, 0.001)


def _codes(ids: np.ndarray, order: int, vocab_size: int) -> np.ndarray:
    """One integer per position k ≥ order − 1: the characters k − order + 1 .. k, in base ``vocab_size``."""
    codes = np.zeros(len(ids) - order + 1, dtype=np.int64)
    for j in range(order):
        codes = codes * vocab_size + ids[j : len(ids) - order + 1 + j]
    return codes


def _log2_prob(train: np.ndarray, test: np.ndarray, order: int, vocab_size: int, alpha: float) -> float:
    """Σ log2 P(c | context) over ``test`` (a text whose first order − 1 characters are context only)."""
    grams, gram_counts = np.unique(_codes(train, order, vocab_size), return_counts=True)
    context_codes = _codes(train[:-1], order - 1, vocab_size) if order > 1 else np.zeros(len(train), dtype=np.int64)
    contexts, context_counts = np.unique(context_codes, return_counts=True)

    def lookup(keys: np.ndarray, table: np.ndarray, counts: np.ndarray) -> np.ndarray:
        at = np.clip(np.searchsorted(table, keys), 0, len(table) - 1)
        return np.where(table[at] == keys, counts[at], 0)

    wanted = _codes(test, order, vocab_size)
    n_gram = lookup(wanted, grams, gram_counts)
    n_context = (
        lookup(wanted // vocab_size, contexts, context_counts) if order > 1 else np.full(len(wanted), len(train))
    )
    return float(np.log2((n_gram + alpha) / (n_context + alpha * vocab_size)).sum())


def ngram_bpc(
    ids: np.ndarray, split: int, vocab_size: int, orders: Sequence[int] = (1, 2, 3, 4)
) -> dict[int, dict[str, float]]:
    """``{n: {"bpc": ..., "alpha": ...}}``: each n-gram model's bits per character on ``ids[split:]``.

    Trained on ``ids[:split]``; the first characters of the held-out text are
    predicted from the end of the training text, as the LSTM's held-out streams are not.
    """
    ids = np.asarray(ids, dtype=np.int64)
    out = {}
    for n in orders:
        fit = int(0.9 * split)  # choose α on the last tenth of the training text
        scores = {a: _log2_prob(ids[:fit], ids[fit - n + 1 : split], n, vocab_size, a) for a in ALPHAS}
        alpha = max(scores, key=scores.get)
        held = ids[split - n + 1 :]
        bits = -_log2_prob(ids[:split], held, n, vocab_size, alpha)
        out[n] = {"bpc": bits / (len(ids) - split), "alpha": alpha}
    return out


def compressor_bpc(train_text: str, held_out_text: str) -> dict[str, float]:
    """``{"gzip": ..., "bzip2": ...}``: bits a compressor adds per held-out character after the training text.

    >>> scores = compressor_bpc("abc" * 300, "abc" * 100)
    >>> scores["bzip2"] < 1 and scores["gzip"] < 1
    True
    """
    train, both = train_text.encode("utf-8"), (train_text + held_out_text).encode("utf-8")
    out = {}
    for name, compress in (("gzip", lambda b: gzip.compress(b, 9, mtime=0)), ("bzip2", lambda b: bz2.compress(b, 9))):
        out[name] = 8 * (len(compress(both)) - len(compress(train))) / len(held_out_text)
    return out


def baselines(text: str, ids: np.ndarray, split: int, vocab_size: int) -> list[tuple[str, float]]:
    """(name, bpc) rows for the demo's table: the uniform guess, the n-gram models, the compressors."""
    rows = [("uniform guess", math.log2(vocab_size))]
    names = {1: "unigram (character frequencies)", 2: "bigram", 3: "trigram", 4: "4-gram"}
    for n, score in ngram_bpc(ids, split, vocab_size).items():
        rows.append((f"{names.get(n, f'{n}-gram')}, add-{score['alpha']:g}", score["bpc"]))
    rows += [
        (f"{name} -9 (after the training text)", bpc)
        for name, bpc in compressor_bpc(text[:split], text[split:]).items()
    ]
    return rows
