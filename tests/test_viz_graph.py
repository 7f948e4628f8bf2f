"""viz.draw and viz.compare: what a picture is made of, checked on its data (no Graphviz program needed).

The recorded graph (which ops, of which class, sit in which step), the carry
path, the routing of edges and the gradient norm each edge carries are read
from the :class:`Picture` a drawing is made from, and from the gradient
record; the DOT text is only checked for its structure (clusters, edges).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

pytest.importorskip("graphviz")  # before the imports below, which need it

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import study, viz  # noqa: E402
from tinygrad_rnn.ops.activations import Sigmoid, Tanh  # noqa: E402
from tinygrad_rnn.ops.arithmetic import Add, MatMul, Mul, Sub  # noqa: E402
from tinygrad_rnn.ops.gates import GateActivations  # noqa: E402
from tinygrad_rnn.ops.joining import Split, Unbind  # noqa: E402
from tinygrad_rnn.ops.shaping import Permute  # noqa: E402
from tinygrad_rnn.record import record_shapes  # noqa: E402
from tinygrad_rnn.study import Place, record_of  # noqa: E402
from tinygrad_rnn.viz.cell_detail import Grid  # noqa: E402
from tinygrad_rnn.viz.graph import shared_scale  # noqa: E402
from tinygrad_rnn.viz.picture import Picture, pretty_symbol  # noqa: E402
from tinygrad_rnn.viz.style import ROLE_COLOURS, LogScale, format_norm  # noqa: E402


def picture(trace: study.Trace, detail: str = "op") -> Picture:
    """The data ``viz.draw(trace, detail)`` draws."""
    return Picture(trace, detail, shared_scale([trace]), False, prefix="")


def step(t: int, layer: int = 0, direction: str = "forward") -> Place:
    return Place("step", layer, direction, t)


def classes(nodes: list) -> Counter:
    # the gate op's class is made per list of functions (gates.op_for): counted as GateActivations
    return Counter(GateActivations if isinstance(n, GateActivations) else type(n) for n in nodes)


@pytest.mark.parametrize(
    ("cell", "ops"),
    [
        ("lstm", {GateActivations: 1, Sigmoid: 0, Tanh: 1, Mul: 3, Add: 2, MatMul: 1, Split: 0}),
        ("gru", {Sigmoid: 2, Tanh: 1, Mul: 3, Add: 5, Sub: 1, MatMul: 1, Split: 2}),
        ("rnn", {Tanh: 1, Add: 1, MatMul: 1}),
    ],
)
def test_each_step_holds_the_cells_ops(cell: str, ops: dict) -> None:
    p = picture(study.unroll(cell, steps=4, hidden_size=3))
    assert sorted(p.steps) == [step(t) for t in range(4)]
    assert list(p.loops) == [Place("loop", 0, "forward")]  # the hoisted input projection, drawn once
    assert {type(n) for n in p.loops[Place("loop", 0, "forward")]} >= {MatMul, Unbind}
    for where, nodes in p.steps.items():
        found = classes(nodes)
        for op, n in ops.items():
            assert found[op] == n, (where, op.__name__)
    source = viz.draw(study.unroll(cell, steps=4, hidden_size=3), "op").source
    assert re.findall(r"subgraph (cluster_step_\w+)", source) == [f"cluster_step_0_forward_{t}" for t in range(4)]


def test_lstm_step_records_the_docs_names_roles_and_the_belt() -> None:
    p = picture(study.unroll("lstm", steps=3, hidden_size=2))
    nodes = p.steps[step(2)]
    named = {record_of(n).output(k)[0]: n for n in nodes for k in range(n.n_outputs) if record_of(n).output(k)[0]}
    assert set(named) == {"f_t", "i_t", "g_t", "o_t", "c_t", "h_t"}
    assert record_of(named["f_t"]).output(1) == ("f_t", "forget gate") and isinstance(named["f_t"], GateActivations)
    assert record_of(named["c_t"]).role == "cell state" and isinstance(named["c_t"], Add)
    assert record_of(named["h_t"]).role == "hidden state" and isinstance(named["h_t"], Mul)
    belt = [n for n in nodes if id(n) in p.belt]  # the conveyor belt: f_t ⊙ c_{t−1}, then c_t
    assert classes(belt) == Counter({Mul: 1, Add: 1}) and named["c_t"] in belt
    (forget,) = [n for n in belt if isinstance(n, Mul)]
    assert (named["f_t"], 1) in forget.inputs  # the forget gate's own output
    assert all(record_of(n).place == {"layer": 0, "direction": "forward", "t": 2} for n in nodes)


def test_gru_carry_path_is_z_times_h_and_the_rnn_has_none() -> None:
    p = picture(study.unroll("gru", steps=3, hidden_size=2))
    for t in range(3):  # the first step's h_0 is a constant: its belt is found by matching the others
        belt = [n for n in p.steps[step(t)] if id(n) in p.belt]
        assert classes(belt) == Counter({Mul: 1, Add: 1})
        assert {record_of(n).role for n in belt} == {None, "hidden state"}
    assert not picture(study.unroll("rnn", steps=3, hidden_size=2)).belt


def test_parameters_are_drawn_once_and_steps_reach_w_hh_through_stubs() -> None:
    trace = study.unroll("lstm", steps=5, hidden_size=2)
    p = picture(trace)
    names = sorted(p.graph.leaf_names[id(leaf)] for leaf in p.graph.leaves)
    assert names == ["bias_hh_l0", "bias_ih_l0", "weight_hh_l0", "weight_ih_l0"]
    (transpose,) = [n for n in p.loops[Place("loop", 0, "forward")] if n.inputs[0] is trace.params.weight_hh_l0]
    assert isinstance(transpose, Permute) and pretty_symbol(transpose) == "·ᵀ"  # a 2-D permute: W_hhᵀ
    uses = [e for e in p.graph.users(transpose)]
    assert sorted(p.where[id(e.head)].t for e in uses) == [0, 1, 2, 3, 4]
    assert {p.route(e) for e in uses} == {"stub-in"}  # a stub in each step, no fan of long edges
    source = viz.draw(trace, "op").source
    for leaf in p.graph.leaves:
        assert len(re.findall(rf"^\s*{p.ids[id(leaf)]} \[", source, re.M)) == 1


def test_edges_carry_the_autograd_gradient() -> None:
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
    p = picture(viz.Trace(loss, grads, cell))
    for t in range(3):  # h_t's only use is step t+1's [h_{t−1}, x_t]
        expected = float(np.linalg.norm(hs[t].grad.numpy()))
        assert grads.total(hs[t]) == pytest.approx(expected, rel=1e-6)
        (use,) = p.graph.users(hs[t].grad_fn)
        assert p.where[id(use.head)] == Place("step", 0, "forward", t + 1) and p.route(use) == "edge"
        assert p.edge_norm(use) == pytest.approx(expected, rel=1e-6)
        assert p.edge_style(p.edge_norm(use))["label"] == format_norm(p.edge_norm(use))
    w = float(np.linalg.norm(cell.weight_hh.grad.numpy()))
    assert grads.total(cell.weight_hh) == pytest.approx(w, rel=1e-6)


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


def test_edge_colour_and_width_follow_the_norm() -> None:
    trace = study.unroll("lstm", steps=3, hidden_size=2)
    p = picture(trace)
    norms = [p.edge_norm(e) for e in p.graph.edges]
    assert sum(n is not None for n in norms) > 20
    strongest = max(n for n in norms if n is not None)
    style = p.edge_style(strongest)
    assert style["color"] == p.scale.colour(strongest) and float(style["penwidth"]) == p.scale.width(strongest)
    assert p.edge_style(0.0)["style"] == "dashed"  # nothing flowed: drawn dashed, in its own colour
    plain = picture(study.Trace(trace.output))  # no gradients recorded: no numbers on edges
    assert all(plain.edge_norm(e) is None for e in plain.graph.edges)
    assert "label" not in plain.edge_style(None)


def test_cell_detail_collapses_each_step_and_links_carry_and_hidden_states() -> None:
    trace = study.unroll("lstm", steps=6, hidden_size=2)
    p = picture(trace, "cell")
    assert len(p.steps) == 6 and all(p.unit((n, 0)) == w for w, nodes in p.steps.items() for n in nodes)
    between = [e for e in p.graph.edges if p.site(e.source).kind == "step" and p.where[id(e.head)].kind == "step"]
    crossing = [e for e in between if p.site(e.source) != p.where[id(e.head)]]
    carry = [e for e in crossing if id(e.head) in p.belt]
    assert len(carry) == 5 and {record_of(e.source[0]).role for e in carry} == {"cell state"}
    assert {record_of(e.source[0]).role for e in crossing if id(e.head) not in p.belt} == {"hidden state"}
    source = viz.draw(trace, "cell").source
    assert len(re.findall(r":top:e -> \S+:top:w", source)) == len(re.findall(r":bot:e -> \S+:bot:w", source)) == 5


def test_long_sequences_wrap_into_rows() -> None:
    p = picture(study.unroll("gru", steps=45, hidden_size=2), "cell")
    grid = Grid(p, 20)
    assert grid.cell[step(0)] == (0, 0) and grid.cell[step(19)] == (0, 19)
    assert grid.cell[step(20)] == (1, 0) and grid.cell[step(44)] == (2, 4)
    assert Grid(p, None).cell[step(44)] == (0, 44)
    source = viz.draw(study.unroll("gru", steps=45, hidden_size=2), "cell").source
    assert "→ t=21" in source and "→ t=41" in source  # rows of 20 by default past 30 steps
    assert "→ t=" not in viz.draw(study.unroll("gru", steps=12, hidden_size=2), "cell").source


def test_bidirectional_two_layers() -> None:
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    out, _ = lstm(tg.randn(3, 1, 2))
    loss = out.sum()
    with viz.record_gradients() as grads:
        loss.backward()
    p = picture(study.Trace(loss, grads, lstm))
    assert p.lanes == [(0, "forward"), (0, "reverse"), (1, "forward"), (1, "reverse")]
    assert sorted(p.steps) == sorted(
        step(t, layer, d) for layer in (0, 1) for d in ("forward", "reverse") for t in range(3)
    )
    assert step(1, 0, "reverse").previous() == step(2, 0, "reverse")  # the reverse direction runs t = 2, 1, 0
    source = viz.draw(loss, grads=grads, params=lstm).source
    assert "dir=back" in source  # its recurrent edges are drawn backwards, so time still reads left to right


def test_compare_shares_one_scale() -> None:
    traces = [study.unroll(cell, steps=4, hidden_size=2) for cell in ("rnn", "lstm", "gru")]
    scale = shared_scale(traces)
    norms = [n for t in traces for n in t.grads.norms() if n > 0]
    assert scale.low <= np.log10(min(norms)) and np.log10(max(norms)) <= scale.high
    source = viz.compare(traces).source
    assert re.findall(r"subgraph (cluster_m\d)\b", source) == ["cluster_m2", "cluster_m1", "cluster_m0"]
    assert [t.title for t in traces] == ["tanh RNN", "LSTM, forget bias 1", "GRU"]


def test_shapes_are_recorded_only_when_asked() -> None:
    trace = study.unroll("lstm", steps=2, hidden_size=4)  # unroll runs its forward inside record_shapes()
    p = picture(trace)
    (matmul,) = [n for n in p.steps[step(1)] if isinstance(n, MatMul)]
    assert record_of(matmul).shapes == ((1, 16),)  # h_{t−1} @ W_hhᵀ: batch 1, four gates of 4
    lstm = tg.nn.LSTM(2, 4)
    loss = lstm(tg.randn(2, 1, 2))[0].sum()
    assert all(record_of(n).shapes is None for n in study.walk([loss]).nodes)
    with pytest.raises(ValueError, match="record_shapes"):
        viz.draw(loss, shapes=True)


def test_bad_arguments() -> None:
    trace = study.unroll("rnn", steps=2, hidden_size=2)
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


def test_public_names_live_in_study_and_viz() -> None:
    for name in ("unroll", "gradient_flow", "flow_study", "record_gradients", "Trace", "Flow", "FlowStudy"):
        assert getattr(viz, name) is getattr(study, name)


def test_the_lstm_gates_are_one_box_with_a_named_coloured_row_each() -> None:
    """One op makes the four gates; the picture gives each its row, name, role colour, and its own edges."""
    source = viz.draw(study.unroll("lstm", steps=2, hidden_size=2), "op").source
    rows = re.findall(
        r'<TD PORT="o(\d)" BGCOLOR="(#\w+)"[^>]*><FONT POINT-SIZE="14">(\w+|σ)</FONT> <FONT[^>]*>(\w)<SUB>(\d)', source
    )
    gates = [
        ("0", "input gate", "σ", "i"),
        ("1", "forget gate", "σ", "f"),
        ("2", "candidate", "tanh", "g"),
        ("3", "output gate", "σ", "o"),
    ]
    for t in ("1", "2"):
        assert [r for r in rows if r[4] == t] == [(k, ROLE_COLOURS[role], fn, name, t) for k, role, fn, name in gates]
    tails = set(re.findall(r"(n\d+:o\d) -> n\d+", source))
    assert len(tails) == 2 * 4  # every gate of every step sends its own edge on


def test_tagging_one_output_of_a_split_names_that_output_alone() -> None:
    """Any op with several outputs: a tag names one output, a later tag keeps what it does not set."""
    x = tg.randn(2, 4, requires_grad=True)
    a, b = x.chunk(2, dim=1)
    a.tag("a_t", "input gate")
    a.tag(role="forget gate")
    assert a.grad_fn.record.output(0) == ("a_t", "forget gate") and b.grad_fn.record.output(1) == (None, None)
    source = viz.draw((a * b).sum(), "op").source
    fill = ROLE_COLOURS["forget gate"]
    assert re.search(
        rf'<TD PORT="o0" BGCOLOR="{fill}"[^>]*><FONT POINT-SIZE="14">split</FONT> <FONT[^>]*>a<SUB>t', source
    )
    assert re.search(r"n\d+:o0 -> n\d+", source) and re.search(r"n\d+:o1 -> n\d+", source)


def test_a_box_of_rows_states_its_output_shapes() -> None:
    """With shapes on: "2×4 each" for pieces of one shape (the gates), every shape for pieces that differ."""
    with record_shapes():
        x = tg.randn(2, 5, requires_grad=True)
        a, b = x.split([2, 3], dim=1)
        gates = tg.gate_activations(tg.randn(2, 8, requires_grad=True), (tg.sigmoid, tg.tanh))
    a.tag("a_t")
    gates[0].tag("i_t")
    source = viz.draw(a.sum() + b.sum() + gates[0].sum() + gates[1].sum(), "op", shapes=True).source
    captions = re.findall(r'<TD BORDER="0"[^>]*><FONT POINT-SIZE="9" COLOR="#555555">([^<]*)<', source)
    assert sorted(captions) == ["2×2, 2×3", "2×4 each"]
