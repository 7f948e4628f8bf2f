"""Putting the carry path on top: one explicit step between the DOT source and the rendered picture.

Why post-process at all: ``dot`` decides by itself which way up a
left-to-right layout goes, and for the unrolled LSTM it puts the cell state
at the bottom. Graphviz's own constraints were tried first and do not move
it: node declaration order (carry first or last), ``group`` and heavy
``weight`` on the carry edges (kept: they keep the belt straight),
``ordering=out``, ``rank=same`` pairs joined by invisible flat edges, and
``rankdir=RL`` with every edge reversed all leave the belt below the gates.

So :func:`put_carry_on_top` lays the source out with ``dot``, mirrors every
model whose carry path (nodes of class ``carry``) sits below its other ops
(class ``step``) top to bottom, and :func:`render` draws the result with
``neato -n2`` at exactly those coordinates. Text stays upright; only
positions move. Cluster titles are laid out at the bottom (``labelloc=b``)
so that they end up on top; a model with no carry path is mirrored too, for
the same reason, and a model already the right way up is laid out again with
titles on top. ``viz.save`` and the Jupyter display call :func:`render`.

>>> flip_y("e,10,20 30,40", 0.0, 100.0)
'e,10,80 30,60'
"""

from __future__ import annotations

import re
from typing import Any

import graphviz

_POINT_ATTRS = re.compile(r'\b(pos|lp|xlp|head_lp|tail_lp)="([^"]*)"')
_GRAPH_BLOCK = re.compile(r"graph \[([^\]]*?)\];", re.S)
_BB = re.compile(r'bb="([^"]*)"')
_NODE = re.compile(r"^[ \t]*(\w+)[ \t]*\[(.*?)\];[ \t]*$", re.S | re.M)
# a node drawn with a row per output: class "step rows" (quoted) or rows (a single word, which dot leaves unquoted)
_ROWS_NODE = re.compile(
    r'(\[class=(?:"[^"]*\brows\b[^"]*"|rows),[^\[]*?label=<)(<TABLE[^>]*>)(.*?)(</TABLE>>[^\]]*\])', re.S
)
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
    lows, highs = [], []
    for _, attrs in _nodes(laid):  # each node's whole height: an edge may leave from a port at its bottom
        y, half = _node_y(attrs), _node_half_height(attrs)
        if y is not None:
            lows.append(y - half)
            highs.append(y + half)
    clusters = [_bb(m.group(1)) for m in _GRAPH_BLOCK.finditer(laid)][1:]  # [0] is the root graph
    lows += [b[1] for b in clusters if b]
    highs += [b[3] for b in clusters if b]
    return [("", min(lows), max(highs))] if lows else []


def _node_half_height(attrs: str) -> float:
    m = re.search(r"\bheight=\"?([\d.]+)", attrs)
    return float(m.group(1)) * 36 if m else 0.0  # inches to points, halved


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
            piece = _ROWS_NODE.sub(lambda m: _turn_rows(m, low, high), piece)
            out.append(_POINT_ATTRS.sub(lambda pm: f'{pm.group(1)}="{flip_y(pm.group(2), low, high)}"', piece))
    return "".join(out)


def _turn_rows(m: re.Match, low: float, high: float) -> str:
    """A node drawn with a row per output (class ``rows``), its rows in reverse order if it is in the region.

    Its edges leave from its rows' ports, and mirroring moves their ends while the label stays
    upright: turned over, each row is back where its edges now end (the rows have one height).
    """
    y = _node_y(m.group(0))
    if y is None or not low - 1e-6 <= y <= high + 1e-6:
        return m.group(0)
    rows = re.findall(r"<TR>.*?</TR>", m.group(3), re.S)  # all of them: a caption row (shapes) ends on top
    return m.group(1) + m.group(2) + "".join(reversed(rows)) + m.group(4)


def node_heights(laid: str) -> list[tuple[str, str | None, float | None]]:
    """(name, class, y) of every node in a laid-out DOT text (y grows upwards; None where unplaced)."""
    laid = laid.replace("\\\n", "")
    return [(name, _node_class(attrs), _node_y(attrs)) for name, attrs in _nodes(laid)]


def put_carry_on_top(source: str, encoding: str = "utf-8") -> str:
    """``source``: DOT as ``viz.draw`` writes it. Returns it laid out by ``dot``, each carry path mirrored to
    the top: DOT with positions, for ``neato -n2`` to draw as it is (see :func:`render`)."""

    def layout(text: str) -> str:
        return graphviz.pipe("dot", "dot", text.encode(encoding), quiet=False).decode(encoding)

    laid = layout(source)
    keep = staying(laid)
    if keep:  # those stay the right way up: lay them out again with their titles on top
        laid = layout(titles_on_top(source, keep))
    return carry_on_top(laid)


def render(source: str, format: str, encoding: str = "utf-8") -> bytes:
    """The picture of ``source`` in ``format`` (svg, png, pdf), its carry path on top."""
    laid = put_carry_on_top(source, encoding).encode(encoding)
    picture = graphviz.pipe("neato", format, laid, neato_no_op=2, quiet=False)
    return as_laid_out_in_browsers(picture) if format == "svg" else picture


_EDGE_SPACES = re.compile(rb"(<text[^>]*>)( +)|( +)(</text>)")


def as_laid_out_in_browsers(svg: bytes) -> bytes:
    """Graphviz's SVG made to look in a browser as Graphviz laid it out.

    Graphviz writes each run of a label (``W``, the subscript ``hh``, `` and
    the gates``) as its own ``<text>`` at its own x. Two things then go wrong
    in a browser, and are undone here:

    - it strips a run's leading and trailing spaces, which glues the run to
      the one before ("h_tthrough"): they become no-break spaces, which it keeps;
    - SVG defines ``baseline-shift`` (how Graphviz lowers a subscript) for
      ``<tspan>`` only, and on ``<text>`` some browsers draw the script on the
      line: every browser follows ``dy``, which moves that run alone.

    >>> as_laid_out_in_browsers(b'<text x="1" baseline-shift="sub">t</text><text x="9"> for t</text>')
    b'<text x="1" dy="0.3em">t</text><text x="9">&#160;for t</text>'
    """
    svg = _EDGE_SPACES.sub(lambda m: (m[1] or b"") + b"&#160;" * len(m[2] or m[3]) + (m[4] or b""), svg)
    return svg.replace(b' baseline-shift="sub"', b' dy="0.3em"').replace(b' baseline-shift="super"', b' dy="-0.4em"')


class Diagram(graphviz.Digraph):
    """What ``viz.draw`` and ``viz.compare`` return: a ``graphviz.Digraph`` that Jupyter shows with its carry path
    on top.

    Only IPython's display hook (``_repr_mimebundle_``) is its own, and it calls :func:`render`; ``viz.save``
    calls :func:`render` too. ``pipe`` and ``render`` are graphviz's: they draw dot's layout unchanged.
    """

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
        return {"image/svg+xml": render(self.source, "svg", self.encoding).decode(self.encoding)}
