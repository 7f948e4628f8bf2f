"""The tinygrad-rnn command: each subcommand writes its file; bad arguments exit 2 with a message."""

from __future__ import annotations

import json
import os
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
        (["flow", "--forget-bias", "high", "-o", "x.png"], "--forget-bias must be a number, got 'high'"),
        (["flow", "-o", "x.svg", "--json", "x.csv"], "must end in .json"),
        ([], "required: {graph,compare,flow,explore}"),
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


def _run_module(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m tinygrad_rnn.cli ARGS`` in ``cwd``, as a user's shell runs it."""
    return subprocess.run([sys.executable, "-m", "tinygrad_rnn.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_runs_as_a_module(tmp_path: Path) -> None:
    result = _run_module(tmp_path, "graph", "--cell", "rnn", "--steps", "2", "-o", "x.bmp")
    assert result.returncode == 2 and "tinygrad-rnn graph: error" in result.stderr


# --- every bad argument: status 2, one line, no traceback --------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["flow", "--seed", "-1", "-o", "x.png"], "--seed must not be negative, got -1"),
        (["flow", "--seed", str(2**63), "-o", "x.png"], "--seed must be at most 9223372036854775807"),
        (["flow", "--forget-bias", "nan", "-o", "x.png"], "--forget-bias must be a finite number, got 'nan'"),
        (["flow", "--forget-bias", "inf", "-o", "x.png"], "--forget-bias must be a finite number, got 'inf'"),
        (["flow", "--forget-bias=-Infinity", "-o", "x.png"], "--forget-bias must be a finite number"),
        (["flow", "--train-steps", "1000000000", "-o", "x.png"], "--train-steps must be at most 10000"),
        (["flow", "--batch", "100000", "-o", "x.png"], "--batch must be at most 4096"),
        (["graph", "--cell", "gru", "--hidden-size", "1e9", "-o", "x.svg"], "--hidden-size must be a whole number"),
        (["graph", "--cell", "gru", "--hidden-size", "100000", "-o", "x.svg"], "--hidden-size must be at most 4096"),
        (["graph", "--cell", "gru", "--steps", "10001", "-o", "x.svg"], "--steps must be at most 10000"),
        (["graph", "--cell", "gru", "--wrap", "0", "-o", "x.svg"], "--wrap must be at least 1"),
        (["compare", "--threads", "0", "-o", "x.svg"], "--threads must be at least 1"),
        (["compare", "--threads", "100000", "-o", "x.svg"], "--threads must be at most 256"),
        (["graph", "--cell", "lstm", "--detail", "gate", "-o", "x.svg"], "invalid choice: 'gate'"),
        (["draw", "-o", "x.svg"], "invalid choice: 'draw'"),
        (["graph", "--cell", "lstm", "--steps", "10000", "-o", "x.svg"], "--detail cell"),
        (["compare", "--steps", "1000", "--detail", "op", "-o", "x.svg"], "-o FILE.dot"),
        (["graph", "--cell", "rnn", "--steps", "5000", "--detail", "cell", "-o", "x.png"], "fewer --steps"),
    ],
)
def test_every_bad_argument_exits_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert message in err and "Traceback" not in err and "tinygrad-rnn" in err
    assert os.listdir(tmp_path) == []  # refused before any work


def test_a_graph_too_large_for_dot_is_refused_with_a_hint(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    """graph --steps 10000 --detail op made dot abort after 30 s; now it is refused before the unroll."""
    with pytest.raises(SystemExit) as exit_:
        main(["graph", "--cell", "lstm", "--steps", "10000", "--detail", "op", "-o", str(tmp_path / "big.svg")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "200,000 edges" in err and "--detail cell" in err and "--wrap" in err and "--steps 150" in err
    assert not (tmp_path / "big.svg").exists()


def test_the_size_limit_lets_small_pictures_and_dot_sources_through() -> None:
    from tinygrad_rnn.cli import _too_large, build_parser

    parse = build_parser().parse_args
    assert _too_large(parse(["graph", "--cell", "lstm", "--steps", "100", "-o", "x.svg"])) is None
    assert _too_large(parse(["graph", "--cell", "lstm", "--steps", "1000", "--detail", "cell", "-o", "x.svg"])) is None
    assert _too_large(parse(["graph", "--cell", "lstm", "--steps", "10000", "-o", "x.dot"])) is None  # no dot run
    assert _too_large(parse(["graph", "--cell", "lstm", "--steps", "151", "-o", "x.svg"])) is not None


def test_the_caps_are_in_the_help(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["flow", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "at most 10000)" in text  # --steps and --train-steps
    assert "default 0, at most 10000" in text and "at most 4096" in text


# --- output files: status 1, one line ------------------------------------------------------


@pytest.mark.parametrize("command", [["flow", "--steps", "3"], ["graph", "--cell", "rnn", "--steps", "2"]])
def test_an_output_in_a_missing_folder_exits_1(
    command: list[str], capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    suffix = ".png" if command[0] == "flow" else ".svg"
    target = tmp_path / "missing" / f"out{suffix}"
    assert main([*command, "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the folder" in err and "does not exist" in err and str(target) in err
    assert not target.parent.exists()


def test_a_json_output_under_a_file_exits_1(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    args = ["flow", "--steps", "3", "-o", str(tmp_path / "f.png"), "--json", str(tmp_path / "file.txt" / "f.json")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a folder" in err
    assert not (tmp_path / "f.png").exists()  # checked before the work


def test_an_unwritable_folder_exits_1(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tinygrad_rnn.cli as cli

    monkeypatch.setattr(cli.os, "access", lambda path, mode: False)  # as a user without write permission sees it
    assert main(["graph", "--cell", "rnn", "--steps", "2", "-o", str(tmp_path / "x.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no permission to write" in err


def test_a_write_that_fails_late_exits_1_with_one_line(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(picture, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render, "save", full_disk)
    assert main(["graph", "--cell", "rnn", "--steps", "2", "-o", str(tmp_path / "x.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "Traceback" not in err


def test_a_failed_rendering_keeps_the_dot_source_and_says_how_to_render_it(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dot_gives_up(picture, path):
        raise subprocess.CalledProcessError(1, ["dot", "-Tsvg"], stderr=b"dot: failure to create cairo surface\n")

    monkeypatch.setattr(render, "save", dot_gives_up)
    out = tmp_path / "gru.svg"
    assert main(["graph", "--cell", "gru", "--steps", "2", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    source = tmp_path / "gru.dot"
    assert err.count("\n") == 1 and "failure to create cairo surface" in err
    assert f"dot -Tsvg {source} -o {out}" in err and "--detail cell" in err
    assert source.read_text().startswith("digraph")


# --- flow: underflow and JSON ----------------------------------------------------------------


def _fake_study(steps: int, norms: dict[str, list[float]]):
    """A FlowStudy with chosen norms: underflowed (0 and subnormal), NaN, and ordinary values."""
    import numpy as np

    from tinygrad_rnn.study import Flow, FlowStudy

    def flow(label, h, c=None):
        return Flow(label, np.array(h), None if c is None else np.array(c))

    before = {
        "rnn": flow("tanh RNN", norms["rnn"]),
        "gru": flow("GRU", norms["gru"]),
        "lstm@0": flow("LSTM, forget bias 0", norms["gru"], norms["lstm"]),
        "lstm@1": flow("LSTM, forget bias 1", norms["gru"], norms["lstm"]),
        "lstm@3": flow("LSTM, forget bias 3", norms["gru"], norms["lstm"]),
    }
    before["lstm"] = before["lstm@1"]
    return FlowStudy(steps, 4, 1.0, 0, before)


def test_flow_reports_underflow_and_writes_valid_json(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over thousands of steps float32 norms reach 0 or its subnormal floor (5.6e-45): not a measurement."""
    import tinygrad_rnn.study.flow as study_module
    import tinygrad_rnn.viz.flow_plot as plot_module

    norms = {
        "rnn": [0.0, 5.605193857299268e-45, 1e-30, 0.5],  # underflowed at t = 1, 2
        "gru": [1e-3, 1e-2, 1e-1, 1.0],  # an ordinary measurement: log10 ratio -3
        "lstm": [float("nan"), 0.2, 0.3, 1.0],  # not finite
    }
    monkeypatch.setattr(study_module, "flow_study", lambda steps, **kw: _fake_study(steps, norms))
    monkeypatch.setattr(plot_module, "plot", lambda study, path: Path(path).write_bytes(b"plot"))
    out, js = tmp_path / "f.png", tmp_path / "f.json"
    assert main(["flow", "--steps", "4", "-o", str(out), "--json", str(js)]) == 0
    text = capsys.readouterr().out
    assert "tanh RNN               h  underflow for t <= 2" in text
    assert "GRU                    h    -3.00" in text
    assert "not finite" in text and "smallest normal number" in text
    assert "inf" not in text.replace("not finite (NaN or inf)", "") and "nan" not in text.lower().replace(
        "not finite (nan or inf)", ""
    )

    def no_constants(name: str):
        raise AssertionError(f"bare {name} in the JSON")

    data = json.loads(js.read_text(), parse_constant=no_constants)
    assert data["rnn"]["h"] == [None, None, 1e-30, 0.5]
    assert data["gru"]["h"] == norms["gru"]
    assert data["lstm"]["c"][0] is None and data["lstm"]["c"][1:] == [0.2, 0.3, 1.0]
    assert data["dtype"] == "float32" and "null" in data and "underflow" in data["null"]


def test_the_command_itself_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = _run_module(tmp_path, "flow", "--forget-bias", "nan", "--seed", "-1", "-o", "f.png")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("tinygrad-rnn flow: error: argument --forget-bias: ")
