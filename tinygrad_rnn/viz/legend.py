"""The legend: the gradient's direction and colour scale, the role colours in use, and notes on what is drawn.

Each note explains something the picture holds (a carry path, a kind of
stub, input rows), and only then: a legend entry that points at nothing
teaches the reader to distrust the legend.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..study.graph import record_of
from .labels import subscripted
from .style import CARRY_NAMES, ROLE_COLOURS, LogScale

# The arrows point the way the forward pass computed; the numbers on them flowed the other way.
DIRECTION = "← gradient: the numbers flowed backwards, from the loss (right) towards step 1 (left), against the arrows"

_ROLE_SYMBOLS = {
    "forget gate": "f_t",
    "input gate": "i_t",
    "candidate": "g_t / n_t",
    "output gate": "o_t",
    "cell state": "c_t",
    "hidden state": "h_t",
    "reset gate": "r_t",
    "update gate": "z_t",
}


def power_of_ten(exponent: int) -> str:
    """``-3`` → 10<SUP>−3</SUP> (HTML: Unicode superscript digits come from mixed fonts).

    >>> power_of_ten(-12), power_of_ten(0)
    ('10<SUP>−12</SUP>', '1')
    """
    return "1" if exponent == 0 else f"10<SUP>{str(exponent).replace('-', '−')}</SUP>"


def _swatches(scale: LogScale) -> str:
    """A small table: one bar per power of ten, in its colour and (scaled) width, labelled under it."""
    bars, labels = [], []
    ticks = scale.ticks()
    for k in ticks:
        norm = 10.0**k
        height = max(1, round(scale.width(norm) * 1.6))
        bars.append(f'<TD BGCOLOR="{scale.colour(norm)}" WIDTH="40" HEIGHT="{height}" FIXEDSIZE="TRUE"></TD>')
        # a fixed scale's ends also stand for everything beyond them
        end = "≤ " if scale.fixed_range and k == ticks[0] else "≥ " if scale.fixed_range and k == ticks[-1] else ""
        labels.append(f'<TD><FONT POINT-SIZE="10">{end}{power_of_ten(k)}</FONT></TD>')
    return (
        f'<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>{"".join(bars)}</TR><TR>{"".join(labels)}</TR></TABLE>'
    )


def legend_label(pictures: Sequence[Any], scale: LogScale, title: str | None, show_scale: bool = True) -> str:
    """An HTML-like graph label: title, gradient scale, role colours and notes."""
    rows = []
    if title:
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="18"><B>{html.escape(title)}</B></FONT></TD></TR>')
    has_grads = any(p.grads is not None for p in pictures)
    if show_scale and has_grads:
        banner = f'<FONT POINT-SIZE="13" COLOR="#b2182b"><B>{html.escape(DIRECTION)}</B></FONT>'
        rows.append(f'<TR><TD ALIGN="LEFT">{banner}</TD></TR>')
        rows.append(
            '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="4" ALIGN="LEFT"><TR>'
            '<TD ALIGN="LEFT"><FONT POINT-SIZE="11">edge colour and width: the norm of the gradient<BR ALIGN="LEFT"/>'
            "that flowed back along the edge (log scale)</FONT></TD>"
            f"<TD>{_swatches(scale)}</TD></TR></TABLE></TD></TR>"
        )
    roles = []
    for p in pictures:
        for node in p.graph.nodes:
            for slot in range(node.n_outputs):
                role = record_of(node).output(slot)[1]
                shown = p.detail == "op" or role in ("cell state", "hidden state")
                if role in ROLE_COLOURS and role not in roles and shown:
                    roles.append(role)
    if show_scale and roles:
        cells = "".join(
            f'<TD BGCOLOR="{ROLE_COLOURS[r]}" BORDER="1" COLOR="#999999" WIDTH="84" HEIGHT="18" FIXEDSIZE="TRUE">'
            f'<FONT POINT-SIZE="10">{html.escape(r)}</FONT></TD>'
            for r in sorted(roles, key=list(ROLE_COLOURS).index)
        )
        width = len(roles) * 87 + 3  # fixed, or Graphviz spreads the swatches over the legend's width
        rows.append(
            f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="3" ALIGN="LEFT" WIDTH="{width}" '
            f'HEIGHT="24" FIXEDSIZE="TRUE"><TR>{cells}</TR></TABLE></TD></TR>'
        )
    notes = []
    ops = [p for p in pictures if p.detail == "op"]
    cells = [p for p in pictures if p.detail == "cell"]
    for role in ("cell state", "hidden state"):  # the LSTM's belt is yellow, the GRU's (its one state) blue
        if any(p.carry_role == role for p in ops):
            what = (
                "c_t, through f_t ⊙ c_{t−1}"
                if role == "cell state"
                else "h_t, the GRU's one state, through z_t ⊙ h_{t−1}"
            )
            notes.append(f"bold {CARRY_NAMES[role]} outline: the carry path of {what} (⊙ and + only)")
    if any("shared" in p.stub_kinds for p in ops):
        notes.append("dashed box in a step: a tensor drawn once elsewhere and used in this step")
    carried = [p.carry_role for p in cells if p.carry_role]
    if carried:
        routes = []
        if "cell state" in carried:
            routes.append("LSTM: c_t through f_t ⊙ c_{t−1}")
        if "hidden state" in carried:
            routes.append("GRU: h_t through z_t ⊙ h_{t−1}")
        notes.append(f"top edges: the carry path ({'; '.join(routes)}); bottom edges: h_t through W_hh and the gates")
    if any(p.input_rows for p in cells):
        notes.append(
            "last row of a box: the step's slice of the input projection (computed before the loop), "
            "its swatch coloured by the gradient it received"
        )
    if any("wrap" in p.stub_kinds for p in cells):
        notes.append("dashed box at the end of a row: the next step, on the row below; at the start: the state it gets")
    if any("out" in p.stub_kinds for p in pictures):
        notes.append("dashed box → …: the result goes on to an op drawn once elsewhere (e.g. the layer's h_n)")
    for note in notes:  # a row each: lines of one cell leave no room for a subscript, which then touches the next
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="#444444">{subscripted(note)}</FONT></TD></TR>')
    if not rows:
        return ""
    return '<<TABLE BORDER="0" CELLSPACING="2">' + "".join(rows) + "</TABLE>>"
