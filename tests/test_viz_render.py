"""Writing pictures: SVG/PNG through Graphviz's dot, the carry path on top, and the error without dot."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

graphviz = pytest.importorskip("graphviz")  # before the imports below, which need it

from tinygrad_rnn import viz  # noqa: E402
from tinygrad_rnn.viz import layout, render  # noqa: E402

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed (apt-get install graphviz)"
)


@needs_dot
@pytest.mark.parametrize("detail", ["op", "cell"])
def test_render_svg_with_dot(tmp_path: Path, detail: str) -> None:
    picture = viz.draw(viz.unroll("lstm", steps=3, hidden_size=2), detail)
    path = viz.save(picture, tmp_path / "lstm.svg")
    text = path.read_text()
    assert "<svg" in text and "LSTM" in text if detail == "cell" else "<svg" in text
    assert not (tmp_path / "lstm.dot").exists()  # the source is only left behind when dot is missing
    # as laid out, in a browser: subscripts (W_hh, c_t) moved by dy, and no run with a space at an end,
    # which a browser would strip, gluing the run to the one before
    for svg in (text, picture._repr_mimebundle_()["image/svg+xml"]):
        assert "baseline-shift" not in svg and re.search(r'<text [^>]*dy="0.3em"[^>]*>hh</text>', svg)
        assert not re.search(r"<text[^>]*> | </text>", svg) and "&#160;" in svg


@needs_dot
def test_render_png_and_compare(tmp_path: Path) -> None:
    traces = [viz.unroll(cell, steps=3, hidden_size=2) for cell in ("rnn", "lstm", "gru")]
    path = viz.save(viz.compare(traces), tmp_path / "compare.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert viz.compare(traces, "op")._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")


@needs_dot
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_carry_path_is_drawn_on_top(cell: str) -> None:
    """After the layout, the carry path's nodes sit above the other ops of the steps (y grows upwards)."""
    source = viz.draw(viz.unroll(cell, steps=4, hidden_size=2), "op").source
    plain = layout.node_heights(graphviz.pipe("dot", "dot", source.encode()).decode())
    fixed = layout.put_carry_on_top(source)

    def carry_minus_rest(heights: list) -> float:  # mean height of the carry path above the other ops
        ys: dict[str, list[float]] = {"carry": [], "step": []}
        for _, kind, y in heights:
            if kind in ys:
                ys[kind].append(y)
        return sum(ys["carry"]) / len(ys["carry"]) - sum(ys["step"]) / len(ys["step"])

    assert carry_minus_rest(plain) < 0  # dot alone draws it at the bottom: the step below is needed
    assert carry_minus_rest(layout.node_heights(fixed)) > 0
    assert "labelloc" in fixed


@needs_dot
def test_render_method_writes_the_picture(tmp_path: Path) -> None:
    picture = viz.draw(viz.unroll("gru", steps=2, hidden_size=2), "op")
    out = picture.render(tmp_path / "gru.gv", format="svg")
    assert Path(out).read_text().count("<svg") == 1


def test_without_dot_the_error_says_how_to_install_and_the_source_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    picture = viz.draw(viz.unroll("rnn", steps=2, hidden_size=2), "cell")
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz") as error:
        viz.save(picture, tmp_path / "pictures" / "rnn.svg")
    source = tmp_path / "pictures" / "rnn.dot"
    assert source.read_text() == picture.source
    assert str(source) in str(error.value) and "dot -Tsvg" in str(error.value)


def test_dot_files_need_no_graphviz_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    path = viz.save(viz.draw(viz.unroll("rnn", steps=2, hidden_size=2)), tmp_path / "rnn.dot")
    assert path.read_text().startswith("digraph")
    with pytest.raises(ValueError, match="must end in"):
        viz.save(viz.draw(viz.unroll("rnn", steps=2, hidden_size=2)), tmp_path / "rnn.jpeg")


def test_mirroring_a_laid_out_graph() -> None:
    laid = (
        'digraph g {\n\tgraph [bb="0,0,100,100"];\n'
        '\tsubgraph cluster_a {\n\t\tgraph [bb="10,10,40,30", label=a, labelloc=b, lp="25,15"];\n'
        '\t\ta [class=carry, pos="20,20"];\n\t}\n'
        '\tb [class=step, pos="20,80"];\n'
        '\ta -> b [lp="20,50", pos="e,20,70 20,30 20,50"];\n}\n'
    )
    out = layout.carry_on_top(laid)  # the carry node was below: the drawing (y 10..80) is mirrored
    assert re.search(r'a \[class=carry, pos="20,70"\]', out) and 'b [class=step, pos="20,10"]' in out
    assert 'bb="10,60,40,80"' in out and 'lp="25,75"' in out
    assert 'pos="e,20,20 20,60 20,40"' in out and 'lp="20,40"' in out
    assert 'graph [bb="0,0,100,100"]' in out  # the root graph (and its legend) stay
    assert layout.carry_on_top(out) == out  # already on top: left alone


@pytest.mark.parametrize("name", ["rnn.dot", pytest.param("rnn.svg", marks=needs_dot)])
def test_a_failed_save_keeps_the_previous_picture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    path = viz.save(viz.draw(viz.unroll("rnn", steps=2, hidden_size=2), "op"), tmp_path / name)
    before = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="rename failed"):
        viz.save(viz.draw(viz.unroll("rnn", steps=3, hidden_size=2), "op"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old picture, whole
    assert os.listdir(tmp_path) == [name]  # and no temporary file beside it


@needs_dot
@pytest.mark.parametrize("cell_class", ["RNNCell", "LSTMCell"])
def test_a_cells_op_picture_renders(tmp_path: Path, cell_class: str) -> None:
    """The cells tag their input "[h_{t−1}, x_t]": a ``]`` right after a subscript, inside a table label,
    is a syntax error to Graphviz 2.43 unless written as a character reference."""
    import tinygrad_rnn as tg

    tg.manual_seed(0)
    cell = getattr(tg.nn, cell_class)(3, 4)
    state = tg.zeros(2, 4)
    h, c = state, state
    for t, x in enumerate(tg.randn(2, 2, 3)):
        with tg.scope(t=t):
            if cell_class == "LSTMCell":
                h, c = cell(x, (h, c))
            else:
                h = cell(x, h)
    picture = viz.draw(h.sum(), "op", params=cell)
    text = viz.save(picture, tmp_path / "cell.svg").read_text()
    assert "<svg" in text and "&#93;" not in text and "]" in text  # drawn, with the bracket shown


def _lstm_cell_loop(steps: int) -> object:
    """An LSTMCell run by hand over ``steps`` steps: no scope, no clusters, the gate boxes outside any step."""
    import tinygrad_rnn as tg

    tg.manual_seed(0)
    cell = tg.nn.LSTMCell(2, 3)
    h = c = tg.zeros(1, 3)
    for x in tg.randn(steps, 1, 2, requires_grad=True).unbind(0):
        h, c = cell(x, (h, c))
    return viz.draw(h.sum(), "op", params=cell)


@needs_dot
@pytest.mark.parametrize(
    ("picture", "boxes"),
    [
        (lambda: viz.draw(viz.unroll("lstm", steps=3, hidden_size=2), "op"), 3),
        (lambda: viz.draw(viz.unroll("lstm", steps=2, hidden_size=2), "op", shapes=True), 2),
        (lambda: _lstm_cell_loop(1), 1),
        (lambda: _lstm_cell_loop(3), 3),
    ],
    ids=["layer", "layer-shapes", "cell-1-step", "cell-3-steps"],
)
def test_each_gate_keeps_its_edges_when_the_picture_is_turned_over(picture, boxes: int) -> None:
    """The LSTM's gate op is one box with a row per gate; mirrored, its rows turn over with the edges' ends.

    Each edge that leaves a gate's row (port ``oK``) must start inside that row's band of the box, in
    the layer's picture (step clusters) and in a hand-written loop over an LSTMCell (no clusters).
    """
    laid = layout.put_carry_on_top(picture().source).replace("\\\n", "")
    found = re.findall(
        r'(\w+)\s*\[class=(?:"step rows"|rows),\s*height=([\d.]+),\s*label=<(.*?)>,\s*pos="[\d.]+,([\d.]+)"', laid, re.S
    )
    assert len(found) == boxes
    for name, height, label, y in found:
        rows = re.findall(r"<TR>(.*?)</TR>", label)  # top to bottom, a caption row (shapes) included
        order = [re.search(r'PORT="o(\d)"', r).group(1) if "PORT" in r else None for r in rows]
        assert sorted(o for o in order if o) == ["0", "1", "2", "3"]
        top, row = float(y) + float(height) * 36, float(height) * 72 / len(rows)
        edges = re.findall(rf'{name}:o(\d)\s*->\s*\w+\s*\[[^\]]*?\bpos="(?:e,[\d.]+,[\d.]+ )?[\d.]+,([\d.]+)', laid)
        assert len(edges) >= 4
        for slot, start in edges:
            k = order.index(slot)
            assert top - (k + 1) * row - 1 <= float(start) <= top - k * row + 1, (name, slot, order)
