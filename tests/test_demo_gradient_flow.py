"""demos/gradient_flow.py in its quick mode: the three pictures, the plot, the numbers and the narration."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "demos" / "gradient_flow.py"


def _quick_run(out: Path, *extra: str) -> subprocess.CompletedProcess:
    """The demo in quick mode, writing into ``out``, with matplotlib drawing off-screen."""
    return subprocess.run(
        [sys.executable, str(DEMO), "--quick", *extra, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


def test_quick_run_writes_the_pictures_and_the_numbers(tmp_path):
    pytest.importorskip("graphviz", reason="the pictures need the graphviz package: pip install 'tinygrad_rnn[viz]'")
    pytest.importorskip("matplotlib", reason="the plot needs matplotlib")
    run = _quick_run(tmp_path)
    assert run.returncode == 0, run.stderr
    assert "conveyor belt" in run.stdout and "after training" in run.stdout
    # 20 training steps are too few to learn the task: the narration says so, and claims no success
    assert "After 20 training steps" in run.stdout and "no model is below 0.05 yet" in run.stdout
    assert "learnt to add" not in run.stdout and "solve" not in run.stdout
    assert (tmp_path / "gradient_flow.png").stat().st_size > 10_000
    for picture in ("lstm_op", "compare"):
        assert (tmp_path / f"{picture}.svg").exists() or (tmp_path / f"{picture}.dot").exists()
    study = json.loads((tmp_path / "gradient_flow.json").read_text())
    assert study["steps"] == 12
    assert len(study["lstm"]["c"]) == 12 and len(study["rnn"]["h"]) == 12
    # the lesson in numbers: the open belt (forget bias 1) keeps more gradient than the tanh RNN's hidden path
    kept = {name: study[name][state][0] / study[name][state][-1] for name, state in (("lstm", "c"), ("rnn", "h"))}
    assert kept["lstm"] > 10 * kept["rnn"], kept


def test_no_training_narrated_when_none_ran(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot needs matplotlib")
    run = _quick_run(tmp_path, "--train-steps", "0")
    assert run.returncode == 0, run.stderr
    assert "conveyor belt" in run.stdout and "log10" in run.stdout
    for claim in ("training steps", "after training", "learnt", "MSE"):
        assert claim not in run.stdout, claim


def test_training_story_follows_the_measured_mse():
    sys.path.insert(0, str(DEMO.parent))
    try:
        from gradient_flow import training_story
    finally:
        sys.path.remove(str(DEMO.parent))
    from tinygrad_rnn import study

    result = study.flow_study(4, hidden_size=4, forget_biases=(1.0,), batch=2, train_steps=1)
    result.mse.update({"rnn": 0.16, "gru": 0.001, "lstm": 0.01, "lstm@1": 0.01})
    story = training_story(result)
    assert story["learnt"].startswith("GRU; LSTM, forget bias 1 learnt to add") and "tanh RNN" in story["rest"]
    result.mse.update({"gru": 0.15, "lstm": 0.15, "lstm@1": 0.15})
    story = training_story(result)
    assert "no model is below" in story["learnt"] and story["rest"] == ""


def test_help():
    run = subprocess.run([sys.executable, str(DEMO), "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "--train-steps" in run.stdout
