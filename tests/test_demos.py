"""Every demo runs in its --quick setting, as a user would run it, and writes outputs that make sense."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import device_skip_reason

import tinygrad_rnn as tg

pytest.importorskip("tqdm", reason="the demos show tqdm progress bars (pip install tqdm)")
pytest.importorskip("matplotlib", reason="the demos draw with matplotlib (pip install matplotlib)")

DEMOS = Path(__file__).resolve().parent.parent / "demos"
OWNED = ("adding_problem", "char_lstm", "sine_wave", "gradcheck_tour", "name_language")
PRIMITIVES = (
    "a + b", "a - b", "a * b", "a / b", "a ** 3", "a ** b", "neg", "matmul", "sigmoid", "tanh", "relu", "exp",
    "log", "sqrt", "abs", "clamp(-0.5, 0.5)", "sum(dim=1)", "mean(dim=0)", "max()", "max(dim=1)", "reshape(3, 2)",
    "transpose(0, 1)", "permute(2, 0, 1)", "unsqueeze(1)", "squeeze(1)", "expand(4, 3)", "a[:, 1:3]", "a[1]",
    "a[[0, 2, 2]]", "cat(dim=1)", "stack(dim=0)", "split([1, 3], dim=1)", "chunk(2, dim=0)", "unbind(dim=1)",
    "gate_activations", "where(mask, a, b)", "softmax(dim=1)", "log_softmax(dim=1)", "cross_entropy", "mse_loss",
)  # fmt: skip

pytestmark = pytest.mark.slow


def run(name: str, out: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``python demos/NAME.py --quick --out OUT ARGS`` in a fresh interpreter, as a user runs it."""
    result = subprocess.run(
        [sys.executable, str(DEMOS / f"{name}.py"), "--quick", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        pytest.fail(f"{name}.py exited with {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", OWNED)
def test_help_names_the_shared_options(name: str) -> None:
    result = subprocess.run([sys.executable, str(DEMOS / f"{name}.py"), "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for option in ("--device", "--seed", "--out", "--quick", "--threads"):
        assert option in result.stdout


@pytest.fixture(scope="module")
def adding_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("adding_problem")
    run("adding_problem", out)
    return out


def test_adding_problem_trains_all_three_models(adding_out: Path) -> None:
    results = json.loads((adding_out / "results.json").read_text())
    assert [r["model"] for r in results["results"]] == ["tanh RNN", "LSTM", "GRU"]
    assert results["baseline_mse"] == pytest.approx(1 / 6)
    assert results["variant"]["values"] == "U[0, 1]" and "0.5 + (X1 + X2)/4" in results["variant"]["original"]
    for r in results["results"]:
        assert math.isfinite(r["final_test_mse"]) and 0 <= r["final_test_mse"] < 2
        assert r["curve"][0][0] == 0 and r["curve"][-1][0] == results["settings"]["steps"]
    table = read_csv(adding_out / "results.csv")
    assert [row["model"] for row in table] == ["tanh RNN", "LSTM", "GRU"]
    curves = read_csv(adding_out / "curves.csv")
    assert {row["model"] for row in curves} == {"tanh RNN", "LSTM", "GRU"}
    assert all(math.isfinite(float(row["test_mse"])) for row in curves)
    assert (adding_out / "adding_problem.png").stat().st_size > 0


@pytest.mark.skipif(device_skip_reason("array_api_strict") is not None, reason="array_api_strict is not installed")
def test_device_is_passed_through_and_the_numbers_do_not_depend_on_it(adding_out: Path, tmp_path: Path) -> None:
    # the strict array-API backend stands in for a GPU: a tensor left on the CPU would be an error there
    run("adding_problem", tmp_path, "--device", "array_api_strict")
    on_cpu = json.loads((adding_out / "results.json").read_text())["results"]
    elsewhere = json.loads((tmp_path / "results.json").read_text())["results"]
    for a, b in zip(on_cpu, elsewhere):
        assert b["final_test_mse"] == pytest.approx(a["final_test_mse"], rel=1e-4, abs=1e-6)


def test_adding_problem_rejects_an_unknown_model(tmp_path: Path) -> None:
    result = run("adding_problem", tmp_path, "--models", "lstm,transformer", check=False)
    assert result.returncode == 2 and "--models" in result.stderr


def test_char_lstm_reports_bpc_and_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    first = run("char_lstm", tmp_path)
    assert "Held-out bits per character" in first.stdout
    history = read_csv(tmp_path / "history.csv")
    assert [int(h["step"]) for h in history] == [20, 40]
    bpc = [float(h["val_bpc"]) for h in history]
    assert all(math.isfinite(b) and 0 < b < math.log2(72) + 1 for b in bpc)
    assert "--- step 40" in (tmp_path / "samples.txt").read_text()
    assert tg.load(tmp_path / "checkpoint.npz")["step"] == 40

    second = run("char_lstm", tmp_path, "--resume")
    assert "Resumed from" in second.stdout and "at step 40" in second.stdout
    history = read_csv(tmp_path / "history.csv")
    assert [int(h["step"]) for h in history] == [20, 40, 60]  # the old history goes on
    assert float(history[0]["val_bpc"]) == pytest.approx(bpc[0])
    assert tg.load(tmp_path / "checkpoint.npz")["step"] == 60
    assert "--- step 60" in (tmp_path / "samples.txt").read_text()
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["final_val_bpc"] < results["uniform_bpc"]
    assert (tmp_path / "bpc.png").stat().st_size > 0
    # the baselines on the same split, printed and saved: more context, fewer bits, down to the 4-gram
    assert "Baselines on the held-out text" in first.stdout and "The LSTM beats" in second.stdout
    scores = list(results["baselines_bpc"].items())
    names = [name.split(",")[0].split(" (")[0] for name, _ in scores]
    assert names == ["uniform guess", "unigram", "bigram", "trigram", "4-gram", "gzip -9", "bzip2 -9"]
    bpc = [b for _, b in scores]
    assert bpc[0] == pytest.approx(math.log2(72)) and bpc[0] > bpc[1] > bpc[2] > bpc[3] > bpc[4] > 1.5
    assert bpc[1] == pytest.approx(results["unigram_bpc"], abs=0.05)  # counted on the training text, scored on held out
    assert 1.5 < bpc[6] < bpc[5] < bpc[2]  # bzip2 sees the whole book, gzip a 32 KB window


def test_text_baselines_recover_a_known_entropy() -> None:
    """On a text drawn from a known bigram model, the bigram baseline scores its entropy rate; compressors, more."""
    sys.path.insert(0, str(DEMOS))
    try:
        from _text_baselines import compressor_bpc, ngram_bpc
    finally:
        sys.path.remove(str(DEMOS))
    gen = np.random.default_rng(0)
    table = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])  # each character mostly repeats
    ids, u = [0], gen.random(40_000)
    for k in range(40_000):  # draw the next character from the row of the last one
        ids.append(int(np.searchsorted(np.cumsum(table[ids[-1]]), u[k])))
    ids = np.array(ids)
    rate = -(0.8 * math.log2(0.8) + 0.2 * math.log2(0.1))  # bits per character of the source: 0.92
    scores = ngram_bpc(ids, split=20_000, vocab_size=3)
    assert scores[1]["bpc"] == pytest.approx(math.log2(3), abs=0.02)  # unigram: the three are equally common
    assert scores[2]["bpc"] == pytest.approx(rate, abs=0.03) and scores[3]["bpc"] == pytest.approx(rate, abs=0.03)
    assert scores[4]["bpc"] > rate - 0.03  # more context cannot beat the source's entropy
    text = "".join("abc"[i] for i in ids)
    squeezed = compressor_bpc(text[:20_000], text[20_000:])
    assert rate < squeezed["bzip2"] < 8 and rate < squeezed["gzip"] < 8


def test_char_lstm_resume_without_a_checkpoint_says_what_to_do(tmp_path: Path) -> None:
    result = run("char_lstm", tmp_path, "--resume", check=False)
    assert result.returncode == 2 and "train without --resume first" in result.stderr


def test_sine_wave_beats_repeating_the_last_value(tmp_path: Path) -> None:
    run("sine_wave", tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    assert all(math.isfinite(v) for v in results.values() if isinstance(v, float))
    assert results["one_step_mse_vs_noisy"] < results["repeat_last_value_mse_vs_noisy"]
    assert (tmp_path / "sine_wave.png").stat().st_size > 0


def test_name_language_beats_the_majority_guess_and_packed_computes_fewer_steps(tmp_path: Path) -> None:
    run("name_language", tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    packed, padded = results["results"]
    assert (packed["model"], padded["model"]) == ("packed", "padded")
    assert results["baseline_accuracy"] < 0.3  # five languages of about equal size
    assert packed["test_accuracy"] > results["baseline_accuracy"] + 0.2
    assert packed["recurrent_steps_computed"] < padded["recurrent_steps_computed"]  # no padded step computed
    predictions = read_csv(tmp_path / "predictions.csv")
    assert {p["language"] for p in predictions} == set(results["languages"])
    right = sum(p["guess"] == p["language"] for p in predictions) / len(predictions)
    assert right == pytest.approx(packed["test_accuracy"])


def test_gradcheck_tour_passes_every_primitive_and_catches_the_bug(tmp_path: Path) -> None:
    result = run("gradcheck_tour", tmp_path)
    rows = {r["op"]: r for r in read_csv(tmp_path / "gradcheck.csv")}
    for op in PRIMITIVES:
        assert rows[op]["result"] == "PASS", rows[op]
        assert float(rows[op]["max_abs_error"]) < 1e-6
    assert rows["wrong square (a bug)"]["result"] == "FAIL"
    assert "40 of 40 primitives pass" in result.stdout


@pytest.mark.skipif(tg.cuda_is_available(), reason="a GPU is here, so --device cuda runs")
def test_device_cuda_without_a_gpu_is_a_clear_error(tmp_path: Path) -> None:
    result = run("gradcheck_tour", tmp_path, "--device", "cuda", check=False)
    assert result.returncode == 2
    assert "CuPy" in result.stderr and "Traceback" not in result.stderr
