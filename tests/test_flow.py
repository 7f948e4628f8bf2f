"""study.gradient_flow and study.flow_study: the norms equal autograd's, the comparison, training; viz.plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import viz
from tinygrad_rnn.study import FlowStudy, flow_study, gradient_flow, place, record_of, unroll, walk
from tinygrad_rnn.study.experiment import projection
from tinygrad_rnn.viz import plot

try:
    import graphviz  # noqa: F401  (only to know whether drawing works here)

    HAS_GRAPHVIZ = True
except ImportError:
    HAS_GRAPHVIZ = False


def by_hand(layer: tg.nn.Module, x: tg.Tensor, seed: int) -> dict[str, np.ndarray]:
    """The same measurement with the single-step cell, unrolled by hand, read back with retain_grad."""
    kind = type(layer).__name__
    cell = {"RNN": tg.nn.RNNCell, "LSTM": tg.nn.LSTMCell, "GRU": tg.nn.GRUCell}[kind](
        layer.input_size, layer.hidden_size
    )
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data = getattr(layer, f"{name}_l0").data
    state, hs, cs = None, [], []
    for t in range(x.shape[0]):
        state = cell(x[t], state)
        h = state[0] if kind == "LSTM" else state
        h.retain_grad()
        hs.append(h)
        if kind == "LSTM":
            state[1].retain_grad()
            cs.append(state[1])
    (h @ projection(layer.hidden_size, np.random.default_rng(seed), h)).sum().backward()
    out = {"h": np.array([np.linalg.norm(h.grad.numpy()) for h in hs])}
    if cs:
        out["c"] = np.array([np.linalg.norm(c.grad.numpy()) for c in cs])
    return out


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradient_flow_equals_autograd(kind: str, float64: None) -> None:
    tg.manual_seed(3)
    layer = getattr(tg.nn, kind)(2, 5)
    x = tg.randn(6, 3, 2)
    norms = gradient_flow(layer, x, seed=7)
    expected = by_hand(layer, x, seed=7)
    assert sorted(norms) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(norms[key], expected[key], rtol=1e-9)
    assert all(p.grad is None for p in layer.parameters())  # measuring leaves .grad as it was


def test_flow_study_orders_the_models_as_the_lesson_says() -> None:
    study = flow_study(30, hidden_size=16, batch=4)
    assert sorted(study.before) == ["gru", "lstm", "lstm@0", "lstm@1", "lstm@3", "rnn"]
    assert study.before["lstm"] is study.before["lstm@1"]  # --forget-bias 1 is one of the compared
    r = {k: f.log10_ratio() for k, f in study.before.items()}
    assert r["rnn"] < r["lstm@1"] < r["lstm@3"] and r["lstm@0"] < r["lstm@1"]
    assert r["rnn"] < -3  # the vanilla path forgets
    assert len(study.before["lstm"].c) == len(study.before["gru"].h) == 30
    assert study.table()[0] == {"model": "rnn", "label": "tanh RNN", "state": "h", "log10_ratio": round(r["rnn"], 2)}


def test_json_has_the_documented_shape(tmp_path: Path) -> None:
    study = flow_study(5, hidden_size=4, forget_bias=2.0, forget_biases=(0.0,), batch=2)
    data = json.loads(json.dumps(study.to_json()))
    assert data["steps"] == 5 and data["forget_bias"] == 2.0
    assert sorted(data["rnn"]) == ["h"] and sorted(data["gru"]) == ["h"] and sorted(data["lstm"]) == ["c", "h"]
    assert len(data["lstm"]["c"]) == 5 and list(data["lstm_by_forget_bias"]) == ["0"]


def test_training_then_measuring_again(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    study = flow_study(4, hidden_size=4, forget_biases=(1.0,), batch=2, train_steps=2)
    assert isinstance(study, FlowStudy) and study.after is not None
    assert set(study.after) == set(study.before) and set(study.mse) == set(study.before)
    assert all(0 < m < 10 for m in study.mse.values())
    row = study.table()[0]
    assert "log10_ratio_trained" in row and "mse_trained" in row
    assert study.to_json()["trained"]["train_steps"] == 2
    fig = plot(study, tmp_path / "flow.png")
    assert len(fig.axes) == 4  # h (RNN, GRU) and c (LSTM), before and after
    assert (tmp_path / "flow.png").read_bytes()[:4] == b"\x89PNG"


def test_plot_lines_read_off_the_table(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    study = flow_study(8, hidden_size=4, batch=2)
    fig = plot(study, tmp_path / "flow.svg")
    h_axis, c_axis = fig.axes  # the RNN and GRU's h, the LSTM's c: no axis mixes the two
    assert h_axis.get_yscale() == "log" and c_axis.get_yscale() == "log"
    lines = {line.get_label().split("   ")[0]: line for ax in fig.axes for line in ax.get_lines()}
    assert set(lines) == {"tanh RNN", "GRU", "LSTM, forget bias 0", "LSTM, forget bias 1", "LSTM, forget bias 3"}
    rnn = lines["tanh RNN"].get_ydata()
    assert np.log10(rnn[0]) == pytest.approx(study.before["rnn"].log10_ratio())
    assert rnn[-1] == pytest.approx(1.0)
    assert (tmp_path / "flow.svg").read_text().count("<svg") == 1


def test_flow_is_seeded() -> None:
    a = flow_study(6, hidden_size=4, forget_biases=(), batch=2, seed=5)
    b = flow_study(6, hidden_size=4, forget_biases=(), batch=2, seed=5)
    np.testing.assert_array_equal(a.before["lstm"].c, b.before["lstm"].c)
    assert viz.gradient_flow is gradient_flow  # where the docs and notebooks find it


def test_on_every_backend(device: str) -> None:
    """The record, the study and a drawing use only array-API functions: they run on any backend."""
    previous = tg.get_default_device()
    tg.set_default_device(device)
    try:
        here = flow_study(5, hidden_size=3, forget_biases=(), batch=2, train_steps=2)
        trace = unroll("gru", steps=3, hidden_size=2)
        assert sorted(place(n).t for n in walk(trace.roots).nodes if record_of(n).role == "hidden state") == [0, 1, 2]
        assert trace.grads.total(trace.params.weight_hh_l0) > 0
        if HAS_GRAPHVIZ:  # and a drawing of it
            assert "cluster_step_0_forward_2" in viz.draw(trace).source
    finally:
        tg.set_default_device(previous)
    cpu = flow_study(5, hidden_size=3, forget_biases=(), batch=2, train_steps=2)
    for key in ("rnn", "gru", "lstm"):  # the weights are drawn on the CPU: the same study on every device
        np.testing.assert_allclose(here.before[key].carried, cpu.before[key].carried, rtol=1e-4)
        np.testing.assert_allclose(here.after[key].carried, cpu.after[key].carried, rtol=1e-3)
        assert here.mse[key] == pytest.approx(cpu.mse[key], rel=1e-3)
