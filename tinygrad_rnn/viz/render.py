"""Writing a picture to a file: SVG, PNG or PDF through the ``dot`` program, or the DOT source itself.

Without ``dot`` the error says how to install Graphviz, and the DOT source is
written next to the requested file so it can be rendered later or elsewhere.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..atomic import write_bytes

FORMATS = ("svg", "png", "pdf", "dot")

INSTALL_HINT = (
    "install Graphviz, the program that draws the picture (the Python package alone is not enough): "
    "Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install -c conda-forge graphviz; Windows and others: https://graphviz.org/download/"
)


class GraphvizNotFoundError(RuntimeError):
    """The ``dot`` program of Graphviz is not installed (or not on PATH)."""


def has_dot() -> bool:
    """Whether the ``dot`` program is on PATH."""
    return shutil.which("dot") is not None


def file_format(path: str | Path) -> str:
    """The output format a file name asks for, or a ValueError listing the ones we write.

    >>> file_format("lstm.svg"), file_format("out/flow.PNG")
    ('svg', 'png')
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"cannot write '{path}': the file name must end in {', '.join('.' + f for f in FORMATS)}")
    return suffix


def save(graph: Any, path: str | Path) -> Path:
    """Writes ``graph`` (a ``graphviz.Digraph``) to ``path``; the suffix picks the format.

    Raises :class:`GraphvizNotFoundError` where ``dot`` is missing, after
    writing the DOT source to ``path`` with the suffix ``.dot``. Files are
    replaced all at once (see ``atomic.py``).
    """
    path = Path(path)
    fmt = file_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        write_bytes(path, graph.source.encode("utf-8"), "save")
        return path
    import graphviz

    from .layout import Diagram, render

    try:
        if not has_dot():
            data = None
        elif isinstance(graph, Diagram):  # our pictures: the carry path goes on top (see layout.py)
            data = render(graph.source, fmt, graph.encoding)
        else:
            data = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        data = None
    if data is None:
        source = path.with_suffix(".dot")
        write_bytes(source, graph.source.encode("utf-8"), "save")
        raise GraphvizNotFoundError(
            f"cannot write {path}: the 'dot' program was not found; {INSTALL_HINT}. "
            f"The DOT source was written to {source}; once Graphviz is installed, "
            f"run: dot -T{fmt} {source} -o {path}"
        )
    write_bytes(path, data, "save")  # all at once: a failure leaves an older picture as it was
    return path
