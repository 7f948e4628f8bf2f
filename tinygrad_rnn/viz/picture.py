"""One recorded graph, ready to draw: where each op sits, how each edge is routed, labels and styles.

``op_detail.py`` and ``cell_detail.py`` write the Graphviz statements from it.
Routing rule, for readability: an op or parameter used by many steps is drawn
once, and each step gets a small dashed *stub* that names it, so there is no
fan of long edges across the picture (the stub's edge carries that step's
share of the gradient).
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import Any

from ..autograd import Function
from ..nn.module import Parameter
from ..ops.joining import Split, Unbind
from ..ops.shaping import Permute
from ..study.experiment import Trace
from ..study.graph import LEAF, OUTSIDE, Edge, Graph, Place, parameter_names, place, record_of, walk
from ..tensor import Tensor
from .carry import carry_nodes
from .labels import DISPLAY_NAMES, op_label, parameter_symbol, shape_text, stacked, subscripted
from .style import (
    CARRY_COLOURS,
    LINE_COLOUR,
    PARAMETER_COLOUR,
    PARAMETER_FRAME,
    PARAMETER_TEXT,
    ROLE_COLOURS,
    ZERO_COLOUR,
    LogScale,
    format_norm,
)

ROW_HEIGHT = 26  # of each row of an op drawn with a row per output
STUB_STYLE = {"shape": "box", "style": "rounded,dashed", "color": "#888888", "fontsize": "10", "margin": "0.04,0.02"}
CELL_NAMES = (("cell state", "LSTM"), ("update gate", "GRU"), ("hidden state", "RNN"))


def pretty_symbol(node: Function) -> str:
    if isinstance(node, Permute) and len(node.dims) == 2:
        return "·ᵀ"  # a 2-D permute is the transpose of the equations
    return node.label


def step_number(where: Place) -> int | None:
    return where.t + 1 if where.kind == "step" else None  # the docs count t from 1


class Picture:
    """One trace's nodes, clusters and edges, written into a ``graphviz.Digraph`` (or a cluster of one)."""

    def __init__(self, trace: Trace, detail: str, scale: LogScale, shapes: bool, prefix: str, nested: bool = False):
        self.trace, self.detail, self.scale, self.shapes, self.prefix = trace, detail, scale, shapes, prefix
        self.nested = nested  # drawn inside a cluster (compare), where dot orders a rank the other way
        self.grads = trace.grads
        self.graph: Graph = walk(trace.roots, parameter_names(trace.params))
        if shapes and self.graph.nodes and not any(record_of(n).shapes for n in self.graph.nodes):
            raise ValueError(
                "draw: shapes=True needs the shapes recorded: run the forward inside "
                "tinygrad_rnn.record.record_shapes() (viz.unroll does)"
            )
        self.where: dict[int, Place] = {id(n): place(n) for n in self.graph.nodes}
        self.steps: dict[Place, list[Function]] = defaultdict(list)
        self.loops: dict[Place, list[Function]] = defaultdict(list)
        self.outside: list[Function] = []
        for node in self.graph.nodes:
            w = self.where[id(node)]
            (self.steps[w] if w.kind == "step" else self.loops[w] if w.kind == "loop" else self.outside).append(node)
        self.belt = carry_nodes(self.graph, self.steps)
        self.ids: dict[int, str] = {}
        for k, node in enumerate(self.graph.nodes):
            self.ids[id(node)] = f"{prefix}n{k}"
        for k, leaf in enumerate(self.graph.leaves):
            self.ids[id(leaf)] = f"{prefix}p{k}"
        self._stubs = 0
        self.stub_kinds: set[str] = set()  # what the stubs drawn stand for, so the legend explains only those
        self.input_rows = False  # cell detail drew a row for a step's slice of the input projection
        self.pending_stubs: list[tuple] = []
        self.defer_stubs = False
        self.stubs_at: dict[Place, list[tuple[str, Any]]] = defaultdict(list)  # step -> (stub, what it names)
        self._touch = self._step_fans()
        self.weights_only = self._parameter_only()
        self.lanes = sorted({w.lane for w in self.steps} | {w.lane for w in self.loops}, key=_lane_order)

    @property
    def carry_role(self) -> str | None:
        """The state the carry path carries: "cell state" (LSTM), "hidden state" (GRU), None (no carry path)."""
        roles = {record_of(n).role for n in self.graph.nodes if id(n) in self.belt}
        return "cell state" if "cell state" in roles else "hidden state" if roles else None

    @property
    def carry_colour(self) -> str:
        return CARRY_COLOURS[self.carry_role or "cell state"]

    # --- where things are ---------------------------------------------------------------
    def site(self, source: Any) -> Place:
        if type(source) is tuple:
            return self.where[id(source[0])]
        return LEAF

    def _step_fans(self) -> dict[int, set]:
        """For each op or leaf outside the steps: the steps it exchanges data with."""
        touch: dict[int, set] = defaultdict(set)
        for e in self.graph.edges:
            src, head = self.site(e.source), self.where[id(e.head)]
            owner = id(e.source[0]) if type(e.source) is tuple else id(e.source)
            if src.kind != "step" and head.kind == "step":
                touch[owner].add(head)
            if src.kind == "step" and head.kind != "step":
                touch[id(e.head)].add(src)
        return touch

    def _parameter_only(self) -> set[int]:
        """Ops computed from parameters alone (W_hhᵀ): weights, not data."""
        out: set[int] = set()
        for node in self.graph.nodes:  # topological: inputs first
            ok = True
            for edge in node.inputs:
                if edge is None:
                    ok = False  # a constant input: data such as x_t
                    continue
                if type(edge) is tuple:
                    ok = ok and id(edge[0]) in out
                else:
                    ok = ok and isinstance(edge, Parameter)
            if ok and any(e is not None for e in node.inputs):
                out.add(id(node))
        return out

    def route(self, e: Edge) -> str:
        """'edge' (drawn), 'stub-in' (a stub in the head's step), 'stub-out' (a stub in the source's step)."""
        src, head = self.site(e.source), self.where[id(e.head)]
        if src.kind == "step" and head.kind == "step":
            if src == head or head.previous() == src:
                return "edge"
            return "stub-in"
        if head.kind == "step":
            owner = id(e.source[0]) if type(e.source) is tuple else id(e.source)
            return "stub-in" if len(self._touch[owner]) > 1 else "edge"
        if src.kind == "step":
            return "stub-out" if len(self._touch[id(e.head)]) > 1 else "edge"
        return "edge"

    # --- names ----------------------------------------------------------------------------
    def source_name(self, source: Any, step: int | None) -> str:
        """An HTML name for a tensor, as a stub shows it."""
        if type(source) is not tuple:
            return self.leaf_symbol(source)
        node, slot = source
        # the slice for step slot+1: unbind cuts a padded batch into steps, split a packed one
        if isinstance(node, Unbind | Split) and type(node.inputs[0]) is tuple and record_of(node.inputs[0][0]).name:
            return subscripted(record_of(node.inputs[0][0]).name, slot + 1)
        if pretty_symbol(node) == "·ᵀ" and type(node.inputs[0]) is not tuple and node.inputs[0] is not None:
            return self.leaf_symbol(node.inputs[0]) + "ᵀ"
        name, _ = record_of(node).output(slot)
        if name:
            return subscripted(name, step_number(self.where[id(node)]))
        return html.escape(node.label + (f"[{slot}]" if node.n_outputs > 1 else ""))

    def leaf_home(self, leaf: Tensor) -> Place:
        """A weight used only by a layer's work before its loop is drawn inside that cluster."""
        places = {self.where[id(e.head)] for e in self.graph.edges if e.source is leaf}
        only = places.pop() if len(places) == 1 else OUTSIDE
        return only if only.kind == "loop" else OUTSIDE

    def leaf_symbol(self, leaf: Tensor) -> str:
        name = self.graph.leaf_names.get(id(leaf))
        if name:
            return subscripted(parameter_symbol(name))
        return "parameter" if isinstance(leaf, Parameter) else "input"

    # --- gradients ------------------------------------------------------------------------
    def edge_norm(self, e: Edge) -> float | None:
        return None if self.grads is None else self.grads.edge(e.head, e.index)

    def edge_style(self, norm: float | None, *, carry: bool = False) -> dict[str, str]:
        attrs: dict[str, str] = {}
        if norm is None:
            attrs["color"] = self.carry_colour if carry else LINE_COLOUR
            attrs["penwidth"] = "2.5" if carry else "1"
            return attrs
        attrs["color"] = self.scale.colour(norm)
        attrs["penwidth"] = str(self.scale.width(norm))
        attrs["label"] = format_norm(norm)
        attrs["fontsize"] = "9"
        attrs["fontcolor"] = "#333333"
        if norm == 0:
            attrs["style"] = "dashed"
            attrs["color"] = ZERO_COLOUR
        return attrs

    # --- statements: op detail ------------------------------------------------------------
    def tail(self, source: Any) -> str:
        """The Graphviz endpoint an edge leaves ``source`` from: an op's own row where it draws one per output."""
        if type(source) is not tuple:
            return self.ids[id(source)]
        node, slot = source
        return f"{self.ids[id(node)]}:o{slot}" if has_output_rows(node) else self.ids[id(node)]

    def op_node(self, g: Any, node: Function) -> None:
        if has_output_rows(node):
            return self.outputs_node(g, node)
        w = self.where[id(node)]
        recorded = record_of(node).shapes
        shapes = shape_text(recorded) if self.shapes and recorded else None
        attrs = {"label": op_label(pretty_symbol(node), record_of(node).name, step_number(w), shapes), "shape": "box"}
        fill = ROLE_COLOURS.get(record_of(node).role or "")
        attrs["style"] = "rounded,filled" if fill else "rounded"
        if fill:
            attrs["fillcolor"] = fill
        if w.kind == "step":
            attrs["class"] = "step"  # read by Diagram, which turns the picture so the carry path is on top
        if id(node) in self.belt:
            attrs.update(color=self.carry_colour, penwidth="2.5", group=f"{self.prefix}carry{w.layer}{w.direction}")
            attrs["class"] = "carry"
        elif record_of(node).role == "hidden state":
            attrs["group"] = f"{self.prefix}hidden{w.layer}{w.direction}"
        if node.n_outputs > 1:
            attrs["ordering"] = "out"
        if record_of(node).role:
            attrs["tooltip"] = f"{record_of(node).name}: {record_of(node).role}"
        g.node(self.ids[id(node)], **attrs)

    def outputs_node(self, g: Any, node: Function) -> None:
        """An op whose outputs were tagged one by one (the LSTM's gates): a row per output, named and coloured.

        Each row shows what the op computes for that output (``output_labels``: σ or tanh for the
        gates), or the op's own symbol (``split``).

        Every row has one height, so that a picture mirrored to put its carry path on top (layout.py)
        can turn the rows over and keep each edge on its own row.
        """
        w = self.where[id(node)]
        step = step_number(w)
        rows, tips = [], []
        symbols = getattr(node, "output_labels", (pretty_symbol(node),) * node.n_outputs)  # split: "split" each
        for slot, symbol in enumerate(symbols):
            name, role = record_of(node).output(slot)
            fill = ROLE_COLOURS.get(role or "", "white")
            text = f'<FONT POINT-SIZE="14">{html.escape(symbol)}</FONT>'
            if name:
                text += f' <FONT POINT-SIZE="12">{subscripted(DISPLAY_NAMES.get(name, name), step)}</FONT>'
                tips.append(f"{name}: {role}" if role else name)
            rows.append(f'<TR><TD PORT="o{slot}" BGCOLOR="{fill}" HEIGHT="{ROW_HEIGHT}">{text}</TD></TR>')
        recorded = record_of(node).shapes
        if self.shapes and recorded:  # "16×64 each" for the gates; a split of unequal pieces lists them
            each = all(s == recorded[0] for s in recorded)
            shapes = html.escape(shape_text(recorded[:1]) + " each" if each else shape_text(recorded))
            shapes = f'<FONT POINT-SIZE="9" COLOR="#555555">{shapes}</FONT>'
            rows.append(f'<TR><TD BORDER="0" HEIGHT="{ROW_HEIGHT}">{shapes}</TD></TR>')
        label = f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">{"".join(rows)}</TABLE>>'
        attrs = {"label": label, "shape": "plain", "tooltip": f"{node.label}: " + ", ".join(tips)}
        attrs["class"] = "step rows" if w.kind == "step" else "rows"  # rows: turned over when mirrored
        g.node(self.ids[id(node)], **attrs)

    def leaf_node(self, g: Any, leaf: Tensor, note: str = "") -> None:
        name = self.graph.leaf_names.get(id(leaf))
        lines = [f'<FONT POINT-SIZE="12">{self.leaf_symbol(leaf)}</FONT>']
        small = (name + " " if name else "") + shape_text((leaf.shape,))
        lines.append(f'<FONT POINT-SIZE="9">{html.escape(small)}</FONT>')
        if self.grads is not None and self.grads.total(leaf) is not None:
            lines.append(f'<FONT POINT-SIZE="9">‖∂L/∂·‖ = {format_norm(self.grads.total(leaf))}</FONT>')
        if note:
            lines.append(f'<FONT POINT-SIZE="9">{html.escape(note)}</FONT>')
        g.node(  # muted: pale fill, grey frame and text, so the eye goes to the time path
            self.ids[id(leaf)],
            label=stacked(lines),
            shape="box",
            style="filled",
            fillcolor=PARAMETER_COLOUR,
            color=PARAMETER_FRAME,
            fontcolor=PARAMETER_TEXT,
            **{"class": "parameter"},
        )

    def stub(self, g: Any, text: str, tooltip: str, note: str | None = None, *, kind: str = "shared") -> str:
        """A small dashed box naming a tensor drawn elsewhere; ``note`` (e.g. a gradient) goes under it.

        ``kind`` says what it stands for, for the legend: "shared" (a tensor drawn once, used in this
        step), "out" (the op it goes on to is drawn elsewhere), "wrap" (the row goes on below).
        """
        self._stubs += 1
        self.stub_kinds.add(kind)
        name = f"{self.prefix}s{self._stubs}"
        rows = f"<TR><TD>{text}</TD></TR>"
        if note:
            rows += f'<TR><TD><FONT POINT-SIZE="9">{note}</FONT></TD></TR>'
        label = f'<<TABLE BORDER="0" CELLSPACING="1" CELLPADDING="1">{rows}</TABLE>>'
        self.pending_stubs.append((g, name, label, tooltip))
        if not self.defer_stubs:
            self.flush_stubs()
        return name

    def flush_stubs(self) -> None:
        """Declares the stubs made so far (op detail may hold them back: declaration order is layout)."""
        for g, name, label, tooltip in self.pending_stubs:
            g.node(name, label=label, tooltip=tooltip, **STUB_STYLE)
        self.pending_stubs.clear()

    @property
    def has_stubs(self) -> bool:
        return self._stubs > 0

    def draw(self, g: Any, wrap: int | None = None) -> None:
        from .cell_detail import draw_cells
        from .op_detail import draw_ops

        draw_ops(self, g) if self.detail == "op" else draw_cells(self, g, wrap)

    # --- shared by both details -----------------------------------------------------------
    def unit(self, source: Any) -> Place | str:
        """What an endpoint collapses into at cell detail: its step or loop (a Place), or its own node id."""
        if type(source) is tuple:
            w = self.where[id(source[0])]
            return w if w.kind in ("step", "loop") else self.ids[id(source[0])]
        return self.ids[id(source)]

    def unit_id(self, unit: Place | str) -> str:
        return unit if isinstance(unit, str) else f"{self.prefix}u_{unit.key}"


def has_output_rows(node: Function) -> bool:
    """Whether ``node`` is drawn with a row per output: an op whose outputs were tagged one by one."""
    return record_of(node).outputs is not None


def is_step(unit: Place | str) -> bool:
    return isinstance(unit, Place) and unit.kind == "step"


def _lane_order(lane: tuple) -> tuple:
    layer, direction = lane
    return (layer, direction != "forward")
