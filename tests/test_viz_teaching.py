"""What the pictures teach: the GRU's carry path not in the cell state's colour, a fixed colour scale shared
by pictures, the direction the gradient flowed, muted parameters, a legend that explains only what is drawn,
and a flow plot that keeps h and c apart and shows underflow as underflow. Runs in about two seconds.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

pytest.importorskip("graphviz")  # before the imports below, which need it

from tinygrad_rnn import study, viz  # noqa: E402
from tinygrad_rnn.viz.legend import DIRECTION  # noqa: E402
from tinygrad_rnn.viz.style import (  # noqa: E402
    CARRY_COLOURS,
    PARAMETER_TEXT,
    ROLE_COLOURS,
    LogScale,
)


def _outlines(source: str, colour: str) -> int:
    return len(re.findall(rf'color="{colour}"[^\]]*penwidth=2\.5', source))


def test_the_grus_carry_path_is_not_drawn_in_the_cell_states_colour() -> None:
    gru = viz.draw(viz.unroll("gru", 3, hidden_size=4), "op").source
    lstm = viz.draw(viz.unroll("lstm", 3, hidden_size=4), "op").source
    assert _outlines(gru, CARRY_COLOURS["hidden state"]) > 0 and _outlines(gru, CARRY_COLOURS["cell state"]) == 0
    assert _outlines(lstm, CARRY_COLOURS["cell state"]) > 0 and _outlines(lstm, CARRY_COLOURS["hidden state"]) == 0
    assert "bold blue outline" in gru and "yellow" not in gru
    assert "bold yellow outline" in lstm
    cells = viz.draw(viz.unroll("gru", 3, hidden_size=4), "cell").source  # the boxes' top row: the carried h_t
    assert ROLE_COLOURS["cell state"] not in cells and 'PORT="top" BGCOLOR="' + ROLE_COLOURS["hidden state"] in cells
    assert "cell state" not in cells


def _swatches(source: str) -> list[str]:
    return re.findall(r'<TD BGCOLOR="(#[0-9a-f]{6})" WIDTH="40"', source)


def test_a_fixed_scale_gives_every_picture_the_same_colours() -> None:
    rnn, lstm = viz.unroll("rnn", 3, hidden_size=4), viz.unroll("lstm", 3, hidden_size=4)
    own = [viz.draw(t, "cell").source for t in (rnn, lstm)]
    assert _swatches(own[0]) != _swatches(own[1])  # each its own scale: colours mean different norms
    shared = [viz.draw(t, "cell", scale=1e-10).source for t in (rnn, lstm)]
    assert _swatches(shared[0]) == _swatches(shared[1]) and len(_swatches(shared[0])) >= 5
    assert "≤ 10<SUP>−10</SUP>" in shared[0] and "≥ 1<" in shared[0]
    scale = LogScale.fixed(1e-10)
    assert (scale.low, scale.high) == (-10, 0)
    assert scale.colour(1e-20) == scale.colour(1e-10) and scale.colour(5.0) == scale.colour(1.0)
    both = viz.compare([rnn, lstm], scale=1e-10).source
    assert _swatches(both) == _swatches(shared[0])
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        viz.draw(rnn, scale=2.0)
    with pytest.raises(TypeError, match="LogScale or a number"):
        viz.draw(rnn, scale="1e-10")
    with pytest.raises(ValueError, match="low must be below high"):
        LogScale.fixed(1.0, 1e-3)


def test_the_gradients_direction_is_shown_when_gradients_are() -> None:
    trace = viz.unroll("lstm", 2, hidden_size=4)
    assert DIRECTION.startswith("← gradient")
    assert "← gradient" in viz.draw(trace, "op").source
    assert "← gradient" in viz.compare([trace, viz.unroll("rnn", 2, hidden_size=4)]).source
    trace.grads = None  # a picture of the forward graph alone: the arrows are all there is
    assert "← gradient" not in viz.draw(trace, "op").source


def test_parameters_are_muted() -> None:
    source = viz.draw(viz.unroll("rnn", 2, hidden_size=4), "op").source
    parameters = [line for line in source.splitlines() if "class=parameter" in line or 'class="parameter"' in line]
    assert len(parameters) == 4  # W_ih, W_hh, b_ih, b_hh
    assert all(f'fontcolor="{PARAMETER_TEXT}"' in line for line in parameters)


def test_the_legend_explains_only_what_is_drawn() -> None:
    traces = [viz.unroll(cell, 3, hidden_size=4) for cell in ("rnn", "lstm", "gru")]
    compare = viz.compare(traces).source
    assert "last row of a box" in compare  # each box's input slice is there
    assert "dashed box" not in compare  # no stub in this picture, so no stub in the legend
    assert "LSTM: c" in compare and "GRU: h" in compare  # both carry paths are drawn, so both are described
    rnn_cells = viz.draw(traces[0], "cell").source
    assert "top edges" not in rnn_cells  # the RNN has no carry path
    lstm_cells = viz.draw(traces[1], "cell").source
    assert "GRU" not in lstm_cells.split("top edges")[1].split("</TD>")[0]  # only the LSTM's route is described
    wrapped = viz.draw(viz.unroll("lstm", 6, hidden_size=4), "cell", wrap=3).source
    assert "dashed box at the end of a row" in wrapped
    rnn_ops = viz.draw(traces[0], "op").source
    assert "outline" not in rnn_ops and "dashed box in a step" in rnn_ops


def test_the_flow_plot_keeps_h_and_c_apart() -> None:
    pytest.importorskip("matplotlib")
    result = study.flow_study(6, hidden_size=4, batch=2)
    figure = viz.plot(result)
    top, bottom = figure.axes
    assert [line.get_label().split("   ")[0] for line in top.get_lines()] == ["tanh RNN", "GRU"]
    assert all(line.get_label().startswith("LSTM") for line in bottom.get_lines())
    assert "h_t" in top.get_ylabel() and "c_t" in bottom.get_ylabel()


def test_the_flow_plot_does_not_draw_underflow_as_a_measurement() -> None:
    pytest.importorskip("matplotlib")
    from tinygrad_rnn.viz.flow_plot import measured, smallest_normal

    floor = smallest_normal()
    fake = study.Flow("tanh RNN", np.array([1e-45, 1e-40, 1e-30, 1e-3, 1.0]))  # float32's subnormals at t = 1, 2
    ratio, k = measured(fake)
    assert k == 2 and np.isnan(ratio[:2]).all() and ratio[2] == pytest.approx(1e-30)
    result = study.flow_study(5, hidden_size=4, forget_biases=(), batch=2)
    result.before["rnn"] = fake
    figure = viz.plot(result)
    line = figure.axes[0].get_lines()[0]
    assert "underflow for t ≤ 2" in line.get_label() and "-44" not in line.get_label()
    assert np.isnan(line.get_ydata()[:2]).all()
    assert "float32" in figure.axes[-1].get_xlabel()
    assert math.log10(floor) == pytest.approx(-37.93, abs=0.01)


def test_the_command_lines_fixed_scale(tmp_path, capsys) -> None:
    from tinygrad_rnn.cli import main

    for cell in ("rnn", "lstm"):
        assert (
            main(
                [
                    "graph",
                    "--cell",
                    cell,
                    "--steps",
                    "2",
                    "--grad",
                    "--scale-min",
                    "1e-10",
                    "-o",
                    str(tmp_path / f"{cell}.dot"),
                ]
            )
            == 0
        )
    rnn, lstm = ((tmp_path / f"{cell}.dot").read_text() for cell in ("rnn", "lstm"))
    assert _swatches(rnn) == _swatches(lstm) and "≤ 10<SUP>−10</SUP>" in rnn
    with pytest.raises(SystemExit):
        main(["compare", "--steps", "2", "--scale-min", "0", "-o", str(tmp_path / "c.dot")])
    assert "--scale-min must be between 0 and 1" in capsys.readouterr().err
