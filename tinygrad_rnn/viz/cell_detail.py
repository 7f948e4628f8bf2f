"""Cell detail: one box per cell step, the carry path along the top, the hidden path along the bottom.

Each box is an HTML table with ports: ``top`` (c_t for the LSTM, h_t for the
GRU's z_t ⊙ h_{t−1} route), ``mid`` (the cell and its step) and ``bot`` (h_t).
Edges between steps leave and enter through those ports, so the carry path is
a straight line along the tops whatever dot decides. Each step's slice of the
input projection is a row at the bottom of its box, with the gradient it
received and that gradient's colour. Long sequences wrap into rows of
``wrap`` steps, aligned in columns; a row ends in a stub naming the next
step and the next row starts with a stub naming the state it receives.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import Any

from ..autograd import Function
from ..study.gradients import source_key
from ..study.graph import OUTSIDE, Edge, Place, record_of
from .labels import subscripted
from .picture import CELL_NAMES, Picture, is_step, pretty_symbol, step_number
from .style import ROLE_COLOURS, format_norm

Drawn = tuple[str, str, dict]


class Grid:
    """Row and column of every step: steps in time order, ``wrap`` to a row, lanes one under another."""

    def __init__(self, p: Picture, wrap: int | None):
        self.cell: dict[Place, tuple[int, int]] = {}
        row0 = 0
        for lane in p.lanes:
            steps = sorted((w for w in p.steps if w.lane == lane), key=lambda w: w.t)
            width = wrap or max(len(steps), 1)
            for k, where in enumerate(steps):
                self.cell[where] = (row0 + k // width, k % width)
            row0 += -(-len(steps) // width) if steps else 0

    def row(self, where: Place) -> int:
        return self.cell[where][0]


def draw_cells(p: Picture, g: Any, wrap: int | None = None) -> None:
    """Writes ``p`` into ``g`` at cell detail."""
    grid = Grid(p, wrap)
    inputs: dict[Place, list[tuple[str, float | None]]] = defaultdict(list)  # step -> (name, gradient)
    groups: dict[tuple, list[Edge]] = defaultdict(list)
    for e in p.graph.edges:
        src, head = p.unit(e.source), p.unit((e.head, 0))
        if src != head:
            kind = "carry" if id(e.head) in p.belt else "main"
            groups[(source_key(e.source), head, kind)].append(e)
    edges: list[Drawn] = []
    for (_, _, kind), members in groups.items():
        edges += _edges(p, g, grid, inputs, members, kind)
    for where, nodes in p.steps.items():
        _cell_box(p, g, where, nodes, inputs[where])
    for where, nodes in p.loops.items():
        _loop_box(p, g, where, nodes)
    for node in p.outside:
        p.op_node(g, node)
    for leaf in p.graph.leaves:
        steps = {p.where[id(e.head)] for e in p.graph.edges if e.source is leaf} - set(p.loops) - {OUTSIDE}
        p.leaf_node(g, leaf, "used in every step" if len(steps) > 1 else "")
    for tail, head, attrs in edges:
        g.edge(tail, head, **attrs)
    for where in p.loops:  # the work before the loop goes left of the first step
        first = [w for w, (row, col) in grid.cell.items() if w.lane == where.lane and col == 0]
        if first:
            g.edge(p.unit_id(where), p.unit_id(min(first, key=grid.row)), style="invis")
    if len(set(grid.cell.values())) > len({c for _, c in grid.cell.values()}):
        _columns(p, g, grid)


def _columns(p: Picture, g: Any, grid: Grid) -> None:
    """Each column in one rank, its rows top to bottom, chained by invisible edges within the rank.

    dot puts such an edge's tail on top at the top level of a graph, but at the
    bottom inside a cluster (where ``compare`` draws), so the chain's direction follows.
    """
    columns: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for where, (row, col) in grid.cell.items():
        columns[col].append((row, p.unit_id(where)))
    for members in columns.values():
        chain = [box for _, box in sorted(members)]
        if p.nested:
            chain.reverse()
        with g.subgraph() as rank:
            rank.attr(rank="same")
            for name in chain:
                rank.node(name)
            for upper, lower in zip(chain, chain[1:]):
                rank.edge(upper, lower, style="invis")


def _edges(p: Picture, g: Any, grid: Grid, inputs: dict[Place, list], members: list[Edge], kind: str) -> list[Drawn]:
    e = members[0]
    src_unit, head_unit = p.unit(e.source), p.unit((e.head, 0))
    norm = p.edge_norm(e) if len(members) == 1 else (p.grads.into(e.source, e.head) if p.grads else None)
    route = p.route(e)
    if route == "stub-in" and (type(e.source) is not tuple or id(e.source[0]) in p.weights_only):
        return []  # weights shared by all steps: drawn once, with their total gradient
    attrs = p.edge_style(norm, carry=kind == "carry")
    tail, head = p.unit_id(src_unit), p.unit_id(head_unit)
    if route == "stub-in":  # the step's slice of a tensor made before the loop: a row of its box
        where = p.where[id(e.head)]
        inputs[where].append((p.source_name(e.source, step_number(where)), norm))
        p.input_rows = True
        return []
    if route == "stub-out":
        name = record_of(e.head).name  # e.g. h_n, where a packed batch's ended sequences meet
        target = subscripted(name) if name else html.escape(pretty_symbol(e.head))
        stub = p.stub(g, "→ " + target, "goes on to an op drawn once elsewhere", kind="out")
        return [(tail + ":n", stub, attrs)]
    if is_step(src_unit) and is_step(head_unit):
        return _step_to_step(p, g, grid, e, src_unit, head_unit, kind, attrs)
    if is_step(src_unit):
        port = {"cell state": "top", "hidden state": "bot"}.get(
            record_of(e.source[0]).output(e.source[1])[1] or "", "mid"
        )
        tail = f"{tail}:{port}:e"
    return [(tail, head, attrs)]


def _step_to_step(
    p: Picture, g: Any, grid: Grid, e: Edge, src: Place, head: Place, kind: str, attrs: dict
) -> list[Drawn]:
    port = "top" if kind == "carry" else "bot"
    attrs["weight"] = "8" if kind == "carry" else "4"
    a, b = p.unit_id(src), p.unit_id(head)
    backwards = src.direction == "reverse"  # the reverse direction runs right to left: draw its edges backwards
    if grid.row(src) == grid.row(head):
        if backwards:
            return [(f"{b}:{port}:e", f"{a}:{port}:w", {**attrs, "dir": "back"})]
        return [(f"{a}:{port}:e", f"{b}:{port}:w", attrs)]
    # the sequence wraps: leave the row through a stub, enter the next through another
    leaving = p.stub(g, f"→ t={step_number(head)}", "continues on the next row", kind="wrap")
    entering = p.stub(g, p.source_name(e.source, step_number(src)), "from the row above", kind="wrap")
    if backwards:
        return [
            (f"{b}:{port}:e", entering, {**attrs, "dir": "back"}),
            (leaving, f"{a}:{port}:w", {**attrs, "dir": "back"}),
        ]
    return [(f"{a}:{port}:e", leaving, attrs), (entering, f"{b}:{port}:w", attrs)]


def _cell_name(nodes: list[Function]) -> str:
    roles = {record_of(n).role for n in nodes}
    return next((name for role, name in CELL_NAMES if role in roles), "step")


def _cell_box(p: Picture, g: Any, where: Place, nodes: list[Function], inputs: list) -> None:
    """One box per step: the carry state on top, the cell and its step, the hidden state, its inputs."""
    step = where.t + 1
    state = next((n for n in nodes if record_of(n).role == "cell state"), None)
    hidden = next((n for n in nodes if record_of(n).role == "hidden state"), None)
    rows = []
    if any(id(n) in p.belt for n in nodes):
        top = state or hidden
        name = subscripted(record_of(top).name or "s_t", step)
        # the carried state in its own colour: the LSTM's cell state yellow, the GRU's one state (h_t) blue
        colour = ROLE_COLOURS[record_of(top).role or "cell state"]
        rows.append(f'<TR><TD PORT="top" BGCOLOR="{colour}" COLSPAN="2">{name}</TD></TR>')
    lane = _sequences(p, where, hidden)
    if len(p.lanes) > 1:  # which layer, and which way it runs
        lane += f'<BR/><FONT POINT-SIZE="9">layer {where.layer} {"←" if where.direction == "reverse" else "→"}</FONT>'
    name = f'<B>{_cell_name(nodes)}</B> <FONT POINT-SIZE="10">t={step}</FONT>{lane}'
    rows.append(f'<TR><TD PORT="mid" COLSPAN="2">{name}</TD></TR>')
    if hidden is not None:
        name = subscripted(record_of(hidden).name or "h_t", step)
        rows.append(f'<TR><TD PORT="bot" BGCOLOR="{ROLE_COLOURS["hidden state"]}" COLSPAN="2">{name}</TD></TR>')
    for name, norm in inputs:  # a swatch in the gradient's colour, then the slice and its gradient
        swatch = "white" if norm is None else p.scale.colour(norm)
        text = name if norm is None else f'{name} <FONT POINT-SIZE="9">{format_norm(norm)}</FONT>'
        rows.append(
            f'<TR><TD BGCOLOR="{swatch}" WIDTH="6"></TD><TD BORDER="0"><FONT POINT-SIZE="10">{text}</FONT></TD></TR>'
        )
    label = '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">' + "".join(rows) + "</TABLE>>"
    # class "cell": Diagram never mirrors a picture with ports, which would swap the rows' edges
    g.node(p.unit_id(where), label=label, shape="plain", **{"class": "cell"})


def _rows(node: Function | None) -> int | None:
    shapes = record_of(node).shapes if node is not None else None
    return shapes[0][0] if shapes and len(shapes[0]) == 2 else None


def _sequences(p: Picture, where: Place, hidden: Function | None) -> str:
    """Under a step of a packed batch that some sequences have left: "2 of 3 sequences" (from recorded shapes)."""
    here = _rows(hidden)
    lane = [
        _rows(next((n for n in nodes if record_of(n).role == "hidden state"), None))
        for w, nodes in p.steps.items()
        if w.lane == where.lane
    ]
    most = max((r for r in lane if r is not None), default=None)
    if here is None or most is None or here == most:
        return ""
    return f'<BR/><FONT POINT-SIZE="9">{here} of {most} sequences</FONT>'


def _loop_box(p: Picture, g: Any, where: Place, nodes: list[Function]) -> None:
    """The layer's work before its loop, collapsed: what it computes for every step."""
    names = [subscripted(record_of(n).name) for n in nodes if record_of(n).name]
    rows = ["<TR><TD><B>before the loop</B></TD></TR>"]
    if names:
        rows.append(f'<TR><TD><FONT POINT-SIZE="11">{", ".join(names)} for every t</FONT></TD></TR>')
    rows.append(f'<TR><TD><FONT POINT-SIZE="10" COLOR="#555555">{len(nodes)} ops, run once</FONT></TD></TR>')
    label = '<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"
    g.node(p.unit_id(where), label=label, shape="box", style="rounded,dashed", color="#888888")
