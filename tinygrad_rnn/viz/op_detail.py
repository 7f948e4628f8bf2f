"""Op detail: every primitive op, one cluster per time step, the carry path on top.

- Time runs left to right, one cluster per step (inside one per layer and
  direction when there are several); the reverse direction's recurrent edges
  are written backwards (``dir=back``) so its steps also read left to right.
- The work a layer does once before its loop (the hoisted input projection,
  W_hhᵀ) is its own cluster, with the weights only it uses.
- Carry-path edges are heavy (``weight``) and their nodes share a ``group``,
  so the belt runs straight; :class:`Diagram` then puts it on top.
"""

from __future__ import annotations

import html
from typing import Any

import graphviz

from ..study.graph import Edge, Place
from .picture import Picture, pretty_symbol, step_number


def draw_ops(p: Picture, g: Any) -> None:
    """Writes ``p`` into ``g`` at op detail."""
    clusters = Clusters(g, p.prefix, several_lanes=len(p.lanes) > 1)
    # Declaration order steers dot, which stacks a rank's nodes upwards in that order (and
    # Diagram may then mirror the picture): the carry path last; stubs first where there is
    # a carry path, else last, which keeps the steps of a plain RNN in one line.
    p.defer_stubs = not p.belt
    edges = [_edge(p, clusters, e) for e in p.graph.edges]
    last = [n for n in p.graph.nodes if id(n) in p.belt]
    for node in [n for n in p.graph.nodes if id(n) not in p.belt] + last:
        p.op_node(clusters(p.where[id(node)]), node)
    p.flush_stubs()
    for leaf in p.graph.leaves:
        p.leaf_node(clusters(p.leaf_home(leaf)), leaf)
    clusters.close()  # nodes before edges, so that declarations set dot's initial order
    for tail, head, attrs in edges:
        g.edge(tail, head, **attrs)
    _order_steps(p, g)


def _edge(p: Picture, clusters: Clusters, e: Edge) -> tuple[str, str, dict]:
    """(tail, head, attributes) of the edge drawn for ``e``, making a stub where it routes through one."""
    head = p.ids[id(e.head)]
    tail = p.tail(e.source)
    route = p.route(e)
    src_site, head_site = p.site(e.source), p.where[id(e.head)]
    carry = id(e.head) in p.belt and (type(e.source) is not tuple or id(e.source[0]) in p.belt)
    attrs = p.edge_style(p.edge_norm(e), carry=carry)
    if carry:
        attrs["weight"] = "8"
    if route == "stub-in":
        text = p.source_name(e.source, step_number(head_site))
        tail = p.stub(clusters(head_site), text, "used here; drawn once elsewhere")
        p.stubs_at[head_site].append((tail, e.source))
    elif route == "stub-out":
        text = "→ " + html.escape(pretty_symbol(e.head))
        head = p.stub(clusters(src_site), text, "goes on to an op drawn once elsewhere", kind="out")
    if (
        src_site.kind == "step"
        and head_site.kind == "step"
        and src_site != head_site
        and src_site.direction == "reverse"
    ):
        return head, tail, {**attrs, "dir": "back"}  # keeps the reverse direction's time left to right
    return tail, head, attrs


def _order_steps(p: Picture, g: Any) -> None:
    """Invisible edges into each step's stubs, which have no drawn input.

    From the end of step t−1 (for the first step, from the op the stub stands
    for): without them a stub takes the rank of the previous step's last op,
    the step clusters overlap in rank, and dot stacks them in a staircase.
    """
    for where, stubs in p.stubs_at.items():
        before = p.steps.get(where.previous())
        for stub, source in stubs:
            if before:
                tail = p.ids[id(before[-1])]
            elif type(source) is tuple:
                tail = p.ids[id(source[0])]
            else:
                continue
            if where.direction == "reverse" and before:
                g.edge(stub, tail, style="invis", dir="back")
            else:
                g.edge(tail, stub, style="invis")


class Clusters:
    """The (sub)graph each place's nodes go in: a cluster per step and per loop, made on first use.

    Call :meth:`close` once every node is in: Graphviz copies a subgraph into
    its parent when it is added, so inner clusters are added first.
    """

    def __init__(self, g: Any, prefix: str, several_lanes: bool):
        self.g, self.prefix, self.several = g, prefix, several_lanes
        self.lanes: dict[tuple, Any] = {}
        self.made: dict[Place, Any] = {}

    def _new(self, name: str, **attrs: str) -> Any:
        sub = graphviz.Digraph(name=f"cluster_{self.prefix}{name}")
        sub.attr(fontsize="12", labelloc="b", **attrs)  # b: Diagram mirrors the layout, titles end on top
        return sub

    def __call__(self, where: Place) -> Any:
        if where.kind not in ("step", "loop"):
            return self.g
        if where not in self.made:
            if where.kind == "step":
                attrs = {"label": f"t = {where.t + 1}", "style": "rounded,filled", "fillcolor": "#fafafa"}
                attrs["color"] = "#cccccc"
            else:
                attrs = {"label": "before the loop (runs once)", "style": "rounded,dashed", "color": "#aaaaaa"}
            self.made[where] = self._new(where.key, **attrs)
            lane = where.lane
            if self.several and lane not in self.lanes:
                layer, direction = lane
                self.lanes[lane] = self._new(
                    f"L{layer}{direction}", label=f"layer {layer}, {direction}", style="rounded", color="#999999"
                )
        return self.made[where]

    def close(self) -> None:
        for where, sub in self.made.items():
            (self.lanes[where.lane] if self.several else self.g).subgraph(sub)
        for sub in self.lanes.values():
            self.g.subgraph(sub)
