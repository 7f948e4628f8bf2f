"""viz.draw and viz.compare: the DOT they write (no Graphviz program needed) and the gradients on edges."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import viz
from tinygrad_rnn.viz.labels import subscripted
from tinygrad_rnn.viz.picture import Picture
from tinygrad_rnn.viz.style import ROLE_COLOURS, LogScale, format_norm

pytest.importorskip("graphviz")


def clusters(source: str) -> dict[str, str]:
    """Name → body of every cluster in a DOT source (one level: steps hold no sub-clusters)."""
    out = {}
    for m in re.finditer(r"subgraph (cluster_\w+) \{(.*?)\n\t*\}", source, re.S):
        out[m.group(1)] = m.group(2)
    return out


def count_ops(body: str, symbol: str) -> int:
    return body.count(f'<FONT POINT-SIZE="16">{symbol}</FONT>')


def edge_labels(source: str, tail: str) -> list[str]:
    return re.findall(rf"\t{tail}(?::\S+)? -> \S+ \[label=\"?([^\" ]+)\"?", source)


@pytest.mark.parametrize(
    ("cell", "ops"),
    [
        ("lstm", {"σ": 3, "tanh": 2, "⊙": 3, "+": 2, "@": 1, "split": 1}),
        ("gru", {"σ": 2, "tanh": 1, "⊙": 3, "+": 5, "−": 1, "@": 1, "split": 2}),
        ("rnn", {"tanh": 1, "+": 1, "@": 1}),
    ],
)
def test_op_detail_has_a_cluster_per_step_with_the_cells_ops(cell: str, ops: dict[str, int]) -> None:
    trace = viz.unroll(cell, steps=4, hidden_size=3)
    source = viz.draw(trace, "op").source
    steps = {k: v for k, v in clusters(source).items() if k.startswith("cluster_step")}
    assert sorted(steps) == [f"cluster_step_0_forward_{t}" for t in range(4)]
    assert "cluster_loop_0_forward" in clusters(source)  # the hoisted input projection, drawn once
    for name, body in steps.items():
        t = int(name.rsplit("_", 1)[1]) + 1
        assert f'label="t = {t}"' in body
        for symbol, n in ops.items():
            assert count_ops(body, symbol) == n, (name, symbol)


def test_lstm_labels_use_the_docs_notation_and_roles() -> None:
    source = viz.draw(viz.unroll("lstm", steps=3, hidden_size=2), "op").source
    body = clusters(source)["cluster_step_0_forward_2"]
    for name in ("f_t", "i_t", "o_t", "c_t", "h_t"):
        assert subscripted(name, 3) in body  # f<SUB>3</SUB>, ...
    assert "g<SUB>3</SUB> (C̃<SUB>3</SUB>)" in body  # the candidate, as the docs write it
    assert body.count(ROLE_COLOURS["forget gate"]) == 1
    assert body.count(f'fillcolor="{ROLE_COLOURS["cell state"]}"') == 1
    assert body.count("class=carry") == 2  # f_t ⊙ c_{t−1} and c_t: the conveyor belt
    assert "[h<SUB>" not in body  # a layer hoists W_ih·x_t: no [h_{t−1}, x_t] concat in its steps


def test_gru_carry_path_is_z_times_h_and_the_rnn_has_none() -> None:
    gru = viz.draw(viz.unroll("gru", steps=3, hidden_size=2), "op").source
    body = clusters(gru)["cluster_step_0_forward_1"]
    assert body.count("class=carry") == 2  # z_t ⊙ h_{t−1} and h_t
    rnn = viz.draw(viz.unroll("rnn", steps=3, hidden_size=2), "op").source
    assert "class=carry" not in rnn


def test_parameters_are_drawn_once() -> None:
    source = viz.draw(viz.unroll("lstm", steps=5, hidden_size=2), "op").source
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        assert source.count(name) == 1
    # each step reaches W_hhᵀ through a dashed stub naming it, not an edge across the picture
    assert source.count("W<SUB>hh</SUB>ᵀ") == 5


def test_edge_labels_equal_the_autograd_gradients() -> None:
    """An RNNCell unrolled by hand: the edge out of h_t carries ‖∂L/∂h_t‖, read back with retain_grad."""
    tg.manual_seed(1)
    cell = tg.nn.RNNCell(2, 3)
    xs = tg.randn(4, 1, 2)
    h, hs = None, []
    for t in range(4):
        with tg.scope(t=t):
            h = cell(xs[t], h)
        h.retain_grad()
        hs.append(h)
    loss = (h * h).sum()
    with viz.record_gradients() as grads:
        loss.backward()
    picture = Picture(viz.Trace(loss, grads, cell), "op", LogScale(grads.norms()), False, "")
    source = viz.draw(loss, grads=grads, params=cell).source
    for t in range(3):  # h_t's only use is step t+1's [h_{t−1}, x_t]
        expected = float(np.linalg.norm(hs[t].grad.numpy()))
        assert grads.total(hs[t]) == pytest.approx(expected, rel=1e-6)
        assert edge_labels(source, picture.ids[id(hs[t].grad_fn)]) == [format_norm(expected)]
    w = float(np.linalg.norm(cell.weight_hh.grad.numpy()))
    assert grads.total(cell.weight_hh) == pytest.approx(w, rel=1e-6)
    assert f"= {format_norm(w)}" in source  # a parameter shows its total gradient


def test_gradient_of_an_edge_and_of_a_tensor_with_two_uses() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    z = (y * y).sum() + y.sum()  # y used twice
    with viz.record_gradients() as grads:
        z.backward()
    # ∂z/∂y = 2y + 1 = (7, 13); the two uses carry 2y = (6, 12) and 1 = (1, 1)
    assert grads.total(y) == pytest.approx(np.hypot(7, 13))
    uses = sorted(
        grads.edge(n, i)
        for n in (z.grad_fn.inputs[0][0].inputs[0][0], z.grad_fn.inputs[1][0])
        for i in range(2)
        if grads.edge(n, i) is not None
    )
    assert uses[0] == pytest.approx(np.hypot(1, 1))
    assert grads.total(x) == pytest.approx(3 * np.hypot(7, 13))


def test_edges_carry_colour_width_and_one_legend() -> None:
    trace = viz.unroll("lstm", steps=3, hidden_size=2)
    source = viz.draw(trace, "op").source
    assert source.count("penwidth=") > 20
    assert "the norm of the gradient" in source and source.count("10<SUP>") >= 2
    plain = viz.draw(trace.output, "op").source  # no gradients recorded: no numbers, no scale
    assert "the norm of the gradient" not in plain and "penwidth=0." not in plain


def test_cell_detail_is_one_box_per_step_with_carry_and_hidden_ports() -> None:
    source = viz.draw(viz.unroll("lstm", steps=6, hidden_size=2), "cell").source
    assert source.count("class=cell") == 6
    carry = re.findall(r":top:e -> \S+:top:w \[label=(\S+)", source)
    hidden = re.findall(r":bot:e -> \S+:bot:w \[label=(\S+)", source)
    assert len(carry) == len(hidden) == 5
    assert "W<SUB>ih</SUB>·x<SUB>6</SUB>" in source  # each step's slice of the hoisted projection


def test_long_sequences_wrap_into_rows() -> None:
    source = viz.draw(viz.unroll("gru", steps=45, hidden_size=2), "cell").source
    assert source.count("class=cell") == 45
    assert "→ t=21" in source and "→ t=41" in source  # rows of 20 (the default past 30 steps)
    assert source.count("rank=same") == 20  # one column per position in a row
    assert "→ t=" not in viz.draw(viz.unroll("gru", steps=12, hidden_size=2), "cell", wrap=None).source


def test_bidirectional_two_layers() -> None:
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    out, _ = lstm(tg.randn(3, 1, 2))
    loss = out.sum()
    with viz.record_gradients() as grads:
        loss.backward()
    source = viz.draw(loss, grads=grads, params=lstm).source
    for lane in ("L0forward", "L0reverse", "L1forward", "L1reverse"):
        assert f"cluster_{lane}" in source
    assert "dir=back" in source  # the reverse direction still reads left to right
    assert viz.draw(loss, "cell", grads=grads, params=lstm).source.count("class=cell") == 12


def test_compare_shares_one_scale_and_one_legend() -> None:
    traces = [viz.unroll(cell, steps=4, hidden_size=2) for cell in ("rnn", "lstm", "gru")]
    source = viz.compare(traces).source
    for k, title in enumerate(("tanh RNN", "LSTM, forget bias 1", "GRU")):
        assert f"cluster_m{k}" in source
        assert re.search(rf'label="?{title}"?\s', source)
    assert source.count("the norm of the gradient") == 1
    scale = viz.LogScale(n for t in traces for n in t.grads.norms())
    strongest = max(n for t in traces for n in t.grads.norms())
    assert f'color="{scale.colour(strongest)}"' in source


def test_bad_arguments() -> None:
    trace = viz.unroll("rnn", steps=2, hidden_size=2)
    with pytest.raises(ValueError, match="detail must be 'op'"):
        viz.draw(trace, "cells")
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.draw([1.0])
    with pytest.raises(ValueError, match="wrap"):
        viz.draw(trace, "cell", wrap=0)
    with pytest.raises(ValueError, match="at least one"):
        viz.compare([])
    with pytest.raises(ValueError, match="unknown cell"):
        viz.unroll("elman")


def test_log_scale() -> None:
    scale = LogScale([1e-9, 1e-3, 2.0])
    assert (scale.low, scale.high) == (-9, 1)
    assert scale.width(1e-9) < scale.width(1e-3) < scale.width(2.0)
    assert scale.colour(0.0) != scale.colour(1e-9)  # nothing flowed: its own colour
    assert scale.ticks() == [-8, -6, -4, -2, 0]
