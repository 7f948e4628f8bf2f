"""Pictures of a packed batch: a sequence that ended early leaves the unrolled graph at its own last step.

Checked on the data a picture is drawn from (the recorded graph, the carry
path, the recorded shapes), as the other viz tests do.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("graphviz")  # before the imports below, which need it

from tinygrad_rnn import study, viz  # noqa: E402
from tinygrad_rnn.study import Place, place, record_of  # noqa: E402
from tinygrad_rnn.viz.graph import shared_scale  # noqa: E402
from tinygrad_rnn.viz.picture import Picture  # noqa: E402


def picture(trace: study.Trace, detail: str = "cell") -> Picture:
    return Picture(trace, detail, shared_scale([trace]), False, prefix="")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_a_short_sequence_leaves_at_its_last_step(cell):
    trace = study.unroll(cell, steps=7, hidden_size=3, lengths=[7, 3])
    graph = study.walk(trace.roots)
    (h_n,) = [n for n in graph.nodes if record_of(n).name == "h_n"]  # where the ended sequences meet
    sources = [place(edge[0]) for edge in h_n.inputs]
    assert sources == [Place("step", 0, "forward", 6), Place("step", 0, "forward", 2)]  # the long one, the short one
    rows = {}  # rows each step computed, from the shapes recorded for the picture
    for node in graph.nodes:
        if record_of(node).role == "hidden state":
            rows[place(node).t] = record_of(node).shapes[0][0]
    assert rows == {0: 2, 1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_carry_path_goes_on_past_the_step_where_a_sequence_ended(cell):
    p = picture(study.unroll(cell, steps=6, hidden_size=3, lengths=[2, 6]))
    assert sorted(w.t for w in p.steps) == list(range(6))
    for where, nodes in p.steps.items():  # every step has its belt, also the one after the shrink
        assert any(id(n) in p.belt for n in nodes), where


def test_the_cell_picture_names_the_sequences_each_step_holds_and_where_they_end():
    source = viz.draw(study.unroll("lstm", steps=7, hidden_size=3, lengths=[7, 3]), "cell").source
    assert source.count("1 of 2 sequences") == 4  # t = 4 .. 7
    assert "2 of 2" not in source
    assert source.count("→ h<SUB>n</SUB>") == 2  # each sequence's last state leaves the row
    assert "of 2 sequences" not in viz.draw(study.unroll("lstm", steps=5, hidden_size=3), "cell").source


def test_packed_projection_slices_are_named_as_in_a_padded_batch():
    source = viz.draw(study.unroll("gru", steps=4, hidden_size=3, lengths=[4, 1]), "cell").source
    assert "split[" not in source
    assert re.findall(r"W<SUB>ih</SUB>·x<SUB>(\d)", source) == ["1", "2", "3", "4"]


def test_unroll_checks_lengths_against_batch():
    with pytest.raises(ValueError, match="lengths gives 2 sequences, but batch is 3"):
        study.unroll("gru", steps=4, lengths=[4, 2], batch=3)
    with pytest.raises(ValueError, match=r"lengths\[0\] is 5, longer than the padded input's 4 steps"):
        study.unroll("gru", steps=4, lengths=[5, 2])


def test_the_command_line_draws_a_packed_batch(tmp_path):
    from tinygrad_rnn import cli

    out = tmp_path / "packed.dot"  # the DOT source: no Graphviz program needed
    argv = ["graph", "--cell", "gru", "--steps", "6", "--lengths", "6,2", "--detail", "cell", "--grad", "-o", str(out)]
    assert cli.main(argv) == 0
    assert out.read_text().count("1 of 2 sequences") == 4
    for lengths in ("7,2", "6,0", "6,two"):
        with pytest.raises(SystemExit) as stopped:
            cli.main(["graph", "--cell", "gru", "--steps", "6", "--lengths", lengths, "-o", str(out)])
        assert stopped.value.code == 2
