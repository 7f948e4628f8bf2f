"""The tinygrad-rnn command: each subcommand writes its file; bad arguments exit 2 with a message."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_rnn.cli import main
from tinygrad_rnn.viz import render

pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed (apt-get install graphviz)"
)


def test_graph_writes_dot_source_without_graphviz(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "lstm.dot"
    assert main(["graph", "--cell", "lstm", "--steps", "3", "--grad", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("digraph") and "cluster_step_0_forward_2" in text and "penwidth" in text
    assert f"wrote {out}" in capsys.readouterr().out


def test_graph_without_grad_has_no_gradient_labels(tmp_path: Path) -> None:
    out = tmp_path / "gru.dot"
    main(["graph", "--cell", "gru", "--steps", "2", "--detail", "cell", "-o", str(out)])
    assert "the norm of the gradient" not in out.read_text()


@needs_dot
def test_graph_and_compare_render_svg(tmp_path: Path) -> None:
    assert main(["graph", "--cell", "rnn", "--steps", "3", "--grad", "-o", str(tmp_path / "rnn.svg")]) == 0
    assert main(["compare", "--steps", "3", "-o", str(tmp_path / "compare.svg")]) == 0
    for name in ("rnn.svg", "compare.svg"):
        assert "<svg" in (tmp_path / name).read_text()


def test_missing_dot_exits_1_and_keeps_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    assert main(["compare", "--steps", "2", "-o", str(tmp_path / "compare.svg")]) == 1
    assert "install Graphviz" in capsys.readouterr().err
    assert (tmp_path / "compare.dot").exists()


def test_flow_writes_plot_and_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["flow", "--steps", "6", "--hidden-size", "4", "--batch", "2", "-o", str(tmp_path / "f.png")]
    assert main([*args, "--json", str(tmp_path / "f.json")]) == 0
    data = json.loads((tmp_path / "f.json").read_text())
    assert data["steps"] == 6 and data["forget_bias"] == 1.0
    assert len(data["rnn"]["h"]) == len(data["gru"]["h"]) == len(data["lstm"]["c"]) == len(data["lstm"]["h"]) == 6
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    out = capsys.readouterr().out
    assert "tanh RNN" in out and "LSTM, forget bias 3" in out


def test_flow_with_training(tmp_path: Path) -> None:
    args = ["flow", "--steps", "3", "--hidden-size", "3", "--batch", "2", "--train-steps", "1"]
    assert main([*args, "-o", str(tmp_path / "f.png"), "--json", str(tmp_path / "f.json")]) == 0
    trained = json.loads((tmp_path / "f.json").read_text())["trained"]
    assert trained["train_steps"] == 1 and len(trained["lstm"]["c"]) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "--cell", "elman", "-o", "x.svg"], "invalid choice: 'elman'"),
        (["graph", "--cell", "lstm", "-o", "x.txt"], "must end in .svg, .png, .pdf, .dot"),
        (["graph", "--cell", "lstm"], "the following arguments are required: -o/--output"),
        (["compare", "--steps", "0", "-o", "x.svg"], "--steps must be at least 1, got 0"),
        (["compare", "--steps", "ten", "-o", "x.svg"], "--steps must be a whole number, got 'ten'"),
        (["flow", "--train-steps", "-3", "-o", "x.png"], "--train-steps must not be negative"),
        (["flow", "--forget-bias", "high", "-o", "x.png"], "invalid float value: 'high'"),
        (["flow", "-o", "x.svg", "--json", "x.csv"], "must end in .json"),
        ([], "required: {graph,compare,flow}"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["graph"], ["compare"], ["flow"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: tinygrad-rnn" in capsys.readouterr().out


def test_forget_bias_help_says_why_the_default_is_1(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["flow", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default 1.0" in text and "PyTorch" in text


def test_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn.cli", "graph", "--cell", "rnn", "--steps", "2", "-o", "x.bmp"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "tinygrad-rnn graph: error" in result.stderr
