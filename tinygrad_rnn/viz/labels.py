"""Node and stub labels in the docs' notation, as Graphviz HTML-like labels.

Names such as ``f_t`` or ``h_{t−1}`` are written with real subscripts, and
inside time step ``t = 3`` the ``t`` becomes the step: f₃, h₂.

>>> subscripted("h_{t−1}", step=3)
'h<SUB>2</SUB>'
>>> subscripted("W_ih·x_t")
'W<SUB>ih</SUB>·x<SUB>t</SUB>'
"""

from __future__ import annotations

import html
import re

_SUB = re.compile(r"_(\{[^}]*\}|[A-Za-z0-9]+)")

# What the docs call each tagged tensor, where the tag alone is not enough.
DISPLAY_NAMES = {"g_t": "g_t (C̃_t)"}

# Parameter names (PyTorch's) shown as the symbols of the equations.
_SYMBOLS = {"weight_ih": "W_ih", "weight_hh": "W_hh", "bias_ih": "b_ih", "bias_hh": "b_hh", "weight": "W", "bias": "b"}


def _step_index(sub: str, step: int | None) -> str:
    if step is None:
        return sub
    compact = sub.replace(" ", "")
    if compact == "t":
        return str(step)
    if compact in ("t−1", "t-1"):
        return str(step - 1)
    return sub


def subscripted(name: str, step: int | None = None) -> str:
    """``name`` with ``_x`` and ``_{...}`` as HTML subscripts; ``t`` replaced by ``step`` if given."""

    def sub(match: re.Match) -> str:
        body = match.group(1).strip("{}")
        return f"<SUB>{_escape(_step_index(body, step))}</SUB>"

    out, last = [], 0
    for match in _SUB.finditer(name):
        out.append(_escape(name[last : match.start()]))
        out.append(sub(match))
        last = match.end()
    out.append(_escape(name[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    # ``]`` as a character reference: Graphviz 2.43 rejects a table cell where one follows a tag
    # (``[h<SUB>2</SUB>, x<SUB>3</SUB>]``, the LSTM cell's input), an old parser bug
    return html.escape(text).replace("]", "&#93;")


def parameter_symbol(name: str) -> str:
    """``rnn.weight_hh_l0`` → ``W_hh``, ``head.bias`` → ``b``: the letter the equations use.

    >>> parameter_symbol("rnn.weight_hh_l0_reverse"), parameter_symbol("head.bias"), parameter_symbol("emb")
    ('W_hh', 'b', 'emb')
    """
    last = name.rsplit(".", 1)[-1]
    last = re.sub(r"_l\d+(_reverse)?$", "", last)
    return _SYMBOLS.get(last, last)


def op_label(symbol: str, name: str | None, step: int | None, shapes: str | None = None) -> str:
    """The HTML label of one op: its symbol large, its tag (f₃, c₃) under it, its shape on request."""
    parts = [f'<FONT POINT-SIZE="16">{html.escape(symbol)}</FONT>']
    if name:
        shown = DISPLAY_NAMES.get(name, name)
        parts.append(f'<FONT POINT-SIZE="12">{subscripted(shown, step)}</FONT>')
    if shapes:
        parts.append(f'<FONT POINT-SIZE="9" COLOR="#555555">{html.escape(shapes)}</FONT>')
    return stacked(parts)


def stacked(lines: list[str]) -> str:
    """An HTML label of ``lines`` one under another, a table row each.

    Lines joined by ``<BR/>`` leave no room for a subscript: Graphviz spaces
    them by the font alone, and a ``W_hh`` then touches the line under it.
    """
    rows = "".join(f"<TR><TD>{line}</TD></TR>" for line in lines)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>>'


def shape_text(shapes: tuple) -> str:
    """``((2, 4),)`` → ``2×4``; several outputs joined by commas."""
    return ", ".join("×".join(str(n) for n in s) or "scalar" for s in shapes)
