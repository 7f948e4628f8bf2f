"""A ``graphviz.Digraph`` that puts the carry path on top before it draws itself.

dot decides by itself which way up a left-to-right layout goes, and for the
unrolled LSTM it likes the cell state at the bottom; no ordering hint moves
it. So a :class:`Diagram` is drawn in two passes: ``dot`` lays it out, every
model whose carry path (nodes of class ``carry``) sits below its other ops
(class ``step``) is mirrored top to bottom, and ``neato -n2`` draws the
result at exactly those coordinates. Text stays upright; only positions move.
Cluster titles are laid out at the bottom (``labelloc=b``) so that they end
up on top; a model with no carry path is mirrored too, for the same reason,
and a model already the right way up is laid out again with titles on top.

>>> flip_y("e,10,20 30,40", 0.0, 100.0)
'e,10,80 30,60'
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import graphviz

_POINT_ATTRS = re.compile(r'\b(pos|lp|xlp|head_lp|tail_lp)="([^"]*)"')
_GRAPH_BLOCK = re.compile(r"graph \[([^\]]*?)\];", re.S)
_BB = re.compile(r'bb="([^"]*)"')
_NODE = re.compile(r"^[ \t]*(\w+)[ \t]*\[(.*?)\];[ \t]*$", re.S | re.M)
_CLUSTER = re.compile(r"subgraph (cluster_m\d+) \{\s*graph \[([^\]]*?)\];", re.S)


def _num(v: float) -> str:
    return f"{v:.6g}"


def flip_y(value: str, low: float, high: float) -> str:
    """Mirrors every y in a Graphviz point list (``"x,y"``, ``"e,x,y x,y ..."``) within [low, high]."""
    out = []
    for part in value.split():
        tokens = part.split(",")
        k = 2 if tokens[0] in ("e", "s") else 1  # "e,x,y": where an arrowhead ends
        if len(tokens) > k:
            y = float(tokens[k])
            if low - 1e-6 <= y <= high + 1e-6:
                tokens[k] = _num(low + high - y)
        out.append(",".join(tokens))
    return " ".join(out)


def _bb(text: str) -> tuple[float, float, float, float] | None:
    m = _BB.search(text)
    return tuple(float(v) for v in m.group(1).split(",")) if m else None  # type: ignore[return-value]


def _regions(laid: str) -> list[tuple[str, float, float]]:
    """(key, low, high): each compared model's cluster (key ``m0``, ``m1``, ...), or the whole drawing ("")."""
    found = [(name.removeprefix("cluster_"), _bb(attrs)) for name, attrs in _CLUSTER.findall(laid)]
    if found:
        return [(key, b[1], b[3]) for key, b in found if b]
    ys = [y for y in (_node_y(attrs) for _, attrs in _nodes(laid)) if y is not None]
    clusters = [_bb(m.group(1)) for m in _GRAPH_BLOCK.finditer(laid)][1:]  # [0] is the root graph
    lows = ys + [b[1] for b in clusters if b]
    highs = ys + [b[3] for b in clusters if b]
    return [("", min(lows), max(highs))] if lows else []


def _nodes(laid: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _NODE.finditer(laid) if m.group(1) not in ("graph", "node", "edge")]


def _node_y(attrs: str) -> float | None:
    m = re.search(r'\bpos="([^"]*)"', attrs)
    return float(m.group(1).split(",")[1]) if m else None


def _node_class(attrs: str) -> str | None:
    m = re.search(r'\bclass="?(\w+)', attrs)
    return m.group(1) if m else None


def _should_mirror(laid: str, low: float, high: float) -> bool | None:
    """Whether the region's carry path sits below its other ops (None: a region that must not move)."""
    inside = [(c, y) for c, y in ((_node_class(a), _node_y(a)) for _, a in _nodes(laid)) if y is not None]
    inside = [(c, y) for c, y in inside if low <= y <= high]
    if any(c == "cell" for c, _ in inside):
        return None  # boxes with ports (cell detail): mirroring would swap their rows' edges
    carry = [y for c, y in inside if c == "carry"]
    rest = [y for c, y in inside if c == "step"]
    # y grows upwards; with no carry path, mirror anyway so cluster titles (laid at the bottom) go on top
    return not carry or not rest or sum(carry) / len(carry) < sum(rest) / len(rest)


def carry_on_top(laid: str) -> str:
    """``laid``: DOT with positions (``dot -Tdot``); returns it with each carry path mirrored to the top."""
    laid = laid.replace("\\\n", "")  # dot wraps long attribute values
    for _, low, high in _regions(laid):
        if _should_mirror(laid, low, high):
            laid = _mirror(laid, low, high)
    return laid


def staying(laid: str) -> list[str]:
    """Keys of the regions that will not be mirrored (their carry path is on top already)."""
    laid = laid.replace("\\\n", "")
    return [key for key, low, high in _regions(laid) if _should_mirror(laid, low, high) is False]


def titles_on_top(source: str, keys: list[str]) -> str:
    """The DOT source with the clusters of the regions ``keys`` titled at the top (``labelloc=t``)."""
    for key in keys:
        prefix = f"cluster_{key}_" if key else "cluster_"
        source = re.sub(rf"(subgraph {prefix}\w* \{{\n[^\n]*?)labelloc=b", r"\1labelloc=t", source)
    return source


def _mirror(laid: str, low: float, high: float) -> str:
    def block(attrs: str) -> str:
        box = _bb(attrs)
        if box is None or not (low - 1e-6 <= box[1] and box[3] <= high + 1e-6) or box[3] - box[1] >= high - low:
            return f"graph [{attrs}];"  # the root graph and clusters around this region keep their place
        x1, y1, x2, y2 = box
        n1, n2 = low + high - y2, low + high - y1
        attrs = _BB.sub(f'bb="{_num(x1)},{_num(n1)},{_num(x2)},{_num(n2)}"', attrs)
        attrs = _POINT_ATTRS.sub(lambda pm: f'{pm.group(1)}="{flip_y(pm.group(2), low, high)}"', attrs)
        return f"graph [{attrs}];"

    # graph blocks (cluster boxes) by the rule above; every other point attribute simply mirrored
    pieces = _GRAPH_BLOCK.split(laid)  # odd pieces: the inside of a graph [...] block
    out = []
    for k, piece in enumerate(pieces):
        if k % 2:
            out.append(block(piece))
        else:
            out.append(_POINT_ATTRS.sub(lambda pm: f'{pm.group(1)}="{flip_y(pm.group(2), low, high)}"', piece))
    return "".join(out)


class Diagram(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose ``pipe``, ``render`` and Jupyter display put the carry path on top."""

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: Any = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> Any:
        if engine not in (None, "dot") or neato_no_op:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding)

        def layout(source: str) -> str:
            return graphviz.pipe("dot", "dot", source.encode(self.encoding), quiet=quiet).decode(self.encoding)

        laid = layout(self.source)
        keep = staying(laid)
        if keep:  # those stay the right way up: lay them out again with their titles on top
            laid = layout(titles_on_top(self.source, keep))
        fixed = carry_on_top(laid).encode(self.encoding)
        data = graphviz.pipe(
            "neato", format or self.format, fixed, renderer=renderer, formatter=formatter, neato_no_op=2, quiet=quiet
        )
        return data.decode(encoding) if encoding else data

    def render(  # type: ignore[override]
        self,
        filename: Any = None,
        directory: Any = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *,
        outfile: Any = None,
        **ignored: Any,
    ) -> str:
        """Writes the source and the drawing, as ``graphviz.Digraph.render`` does (common arguments only)."""
        if outfile is not None:
            format = format or Path(outfile).suffix.lstrip(".")
        format = format or self.format
        source = self.save(filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{source}.{format}")
        target.write_bytes(self.pipe(format=format))
        if cleanup:
            os.remove(source)
        if view:
            self._view(str(target), format=format, quiet=False)
        return str(target)
