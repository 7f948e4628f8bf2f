"""demos/gradient_flow.py in its quick mode: the three pictures, the plot, the numbers and the narration."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "demos" / "gradient_flow.py"


def test_quick_run_writes_the_pictures_and_the_numbers(tmp_path):
    pytest.importorskip("graphviz", reason="the pictures need the graphviz package: pip install 'tinygrad_rnn[viz]'")
    pytest.importorskip("matplotlib", reason="the plot needs matplotlib")
    run = subprocess.run(
        [sys.executable, str(DEMO), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert run.returncode == 0, run.stderr
    assert "conveyor belt" in run.stdout and "after training" in run.stdout
    assert (tmp_path / "gradient_flow.png").stat().st_size > 10_000
    for picture in ("lstm_op", "compare"):
        assert (tmp_path / f"{picture}.svg").exists() or (tmp_path / f"{picture}.dot").exists()
    study = json.loads((tmp_path / "gradient_flow.json").read_text())
    assert study["steps"] == 12
    assert len(study["lstm"]["c"]) == 12 and len(study["rnn"]["h"]) == 12
    # the lesson in numbers: the open belt (forget bias 1) keeps more gradient than the tanh RNN's hidden path
    kept = {name: study[name][state][0] / study[name][state][-1] for name, state in (("lstm", "c"), ("rnn", "h"))}
    assert kept["lstm"] > 10 * kept["rnn"], kept


def test_help():
    run = subprocess.run([sys.executable, str(DEMO), "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "--train-steps" in run.stdout
